#!/usr/bin/env python3
"""Snapshot load time: a Delta table with 10,000 commits and a checkpoint,
loaded by bullion (`table describe`, a whole process) and by delta-rs
(`deltalake.DeltaTable(...)`, in-process), in the same run.

    .venv/bin/python bench/delta_snapshot_bench.py [--commits 10000] [--bullion build/src/cli/bullion]
"""
import argparse
import json
import os
import pathlib
import statistics
import subprocess
import tempfile
import time

SCHEMA = json.dumps({"type": "struct", "fields": [
    {"name": "id", "type": "long", "nullable": True, "metadata": {}},
    {"name": "day", "type": "date", "nullable": True, "metadata": {}}]})


def make_table(root: pathlib.Path, commits: int):
    log = root / "_delta_log"
    log.mkdir(parents=True)
    for v in range(commits):
        lines = [{"commitInfo": {"timestamp": 1_700_000_000_000 + v, "operation": "WRITE"}}]
        if v == 0:
            lines.append({"protocol": {"minReaderVersion": 1, "minWriterVersion": 2}})
            lines.append({"metaData": {"id": "bench", "format": {"provider": "parquet", "options": {}},
                                       "schemaString": SCHEMA, "partitionColumns": ["day"], "configuration": {},
                                       "createdTime": 1_700_000_000_000}})
        stats = json.dumps({"numRecords": 100, "minValues": {"id": v * 100}, "maxValues": {"id": v * 100 + 99},
                            "nullCount": {"id": 0}})
        lines.append({"add": {"path": f"day=2026-01-{1 + v % 28:02d}/part-{v:06d}.parquet",
                              "partitionValues": {"day": f"2026-01-{1 + v % 28:02d}"}, "size": 1000,
                              "modificationTime": 1_700_000_000_000, "dataChange": True, "stats": stats}})
        if v % 10 == 9:  # some churn: remove an earlier file
            lines.append({"remove": {"path": f"day=2026-01-{1 + (v - 5) % 28:02d}/part-{v - 5:06d}.parquet",
                                     "deletionTimestamp": 1_700_000_000_000, "dataChange": True}})
        (log / f"{v:020d}.json").write_text("".join(json.dumps(x) + "\n" for x in lines))


def timed(fn, repeat=5):
    """Median wall time and median CPU time (the process's own, or its child's)."""
    import resource

    walls, cpus = [], []
    for _ in range(repeat):
        t = time.perf_counter()
        c0 = time.process_time()
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        fn()
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        walls.append(time.perf_counter() - t)
        cpus.append(time.process_time() - c0 + (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime))
    return statistics.median(walls), statistics.median(cpus)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--commits", type=int, default=10_000)
    parser.add_argument("--bullion", default=str(pathlib.Path(__file__).resolve().parents[1] / "build/src/cli/bullion"))
    args = parser.parse_args()
    import deltalake

    keep = os.environ.get("BENCH_KEEP")
    with tempfile.TemporaryDirectory() as tmp:
        table = pathlib.Path(keep or tmp) / "t"
        make_table(table, args.commits)
        bullion = lambda: subprocess.run([args.bullion, "table", "describe", str(table), "--json"], check=True,
                                         capture_output=True)
        rs = lambda: deltalake.DeltaTable(str(table)).file_uris()
        no_ckpt = (timed(bullion), timed(rs, 3))
        # A checkpoint 10 commits before the end, as Spark would have written.
        deltalake.DeltaTable(str(table), version=args.commits - 11).create_checkpoint()
        with_ckpt = (timed(bullion), timed(rs))
        nfiles = len(deltalake.DeltaTable(str(table)).file_uris())
        print(f"table: {args.commits} commits, {nfiles} live files")
        print("(bullion is a whole process: start-up and printing included; CPU time is robust to machine load)")
        for name, (b, r) in [("JSON replay only", no_ckpt), ("checkpoint + 10 commits", with_ckpt)]:
            print(f"{name:26s} wall: bullion {b[0] * 1000:7.1f} ms, delta-rs {r[0] * 1000:7.1f} ms "
                  f"(x{r[0] / b[0]:.2f})   cpu: bullion {b[1] * 1000:7.1f} ms, delta-rs {r[1] * 1000:7.1f} ms "
                  f"(x{r[1] / b[1]:.2f})")


if __name__ == "__main__":
    main()
