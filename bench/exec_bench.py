#!/usr/bin/env python3
"""Group-by (count, count(DISTINCT), min, max; N rows, G groups) and a hash
anti-join on the same Parquet input, in bullion, DuckDB and Polars, each with
the same number of threads, scan included. Prints times and ratios.

    .venv/bin/python bench/exec_bench.py [--rows 100000000] [--groups 1000000] [--threads 2]
"""
import argparse
import json
import os
import pathlib
import subprocess
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]


def make_data(dir_: pathlib.Path, rows: int, groups: int):
    import duckdb

    con = duckdb.connect()
    files = []
    per_file = 10_000_000
    for i, start in enumerate(range(0, rows, per_file)):
        n = min(per_file, rows - start)
        path = dir_ / f"part-{i:03d}.parquet"
        # Skewed keys: a quarter of the rows in 1% of the groups.
        con.execute(f"""COPY (SELECT CASE WHEN hash(i) % 4 = 0 THEN hash(i * 7) % {max(1, groups // 100)}
                                          ELSE hash(i * 13) % {groups} END::BIGINT AS k,
                                     (hash(i * 31) % 1000)::BIGINT AS v
                              FROM range({start}, {start + n}) t(i))
                        TO '{path}' (FORMAT PARQUET, COMPRESSION ZSTD, ROW_GROUP_SIZE 1000000)""")
        files.append(str(path))
    build = dir_ / "build.parquet"
    con.execute(f"COPY (SELECT (i * 2)::BIGINT AS k FROM range(0, {groups}) t(i)) TO '{build}' (FORMAT PARQUET)")
    return files, str(build)


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--rows", type=int, default=100_000_000)
    p.add_argument("--groups", type=int, default=1_000_000)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--tool", default=str(ROOT / "build/bench/exec_bench"))
    args = p.parse_args()
    import duckdb
    import polars as pl

    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        t0 = time.perf_counter()
        files, build = make_data(tmp, args.rows, args.groups)
        print(f"data: {args.rows:,} rows, {args.groups:,} groups, {len(files)} Parquet files "
              f"({sum(os.path.getsize(f) for f in files) / 1e6:.0f} MB) in {time.perf_counter() - t0:.1f}s")
        glob = str(tmp / "part-*.parquet")
        con = duckdb.connect()
        con.execute(f"SET threads = {args.threads}")
        os.environ["POLARS_MAX_THREADS"] = str(args.threads)
        results = {}
        # Group-by.
        b = json.loads(subprocess.run([args.tool, "groupby", *files], capture_output=True,
                                      text=True, check=True, env=dict(os.environ, BULLION_THREADS=str(args.threads))).stdout)
        d, drows = timed(lambda: con.execute(f"SELECT k, count(*), count(DISTINCT v), min(v), max(v) FROM '{glob}' GROUP BY k").fetchall())
        pl_t, prows = timed(lambda: pl.scan_parquet(glob).group_by("k").agg(
            pl.len().alias("n"), pl.col("v").n_unique().alias("d"), pl.col("v").min().alias("lo"),
            pl.col("v").max().alias("hi")).collect())
        assert b["rows"] == len(drows) == prows.height, (b["rows"], len(drows), prows.height)
        results["group-by"] = (b["seconds"], d, pl_t, b["peak_bytes"])
        # Anti-join.
        b = json.loads(subprocess.run([args.tool, "antijoin", build, *files], capture_output=True, text=True,
                                      check=True).stdout)
        d, dn = timed(lambda: con.execute(f"SELECT count(*) FROM '{glob}' p WHERE NOT EXISTS "
                                          f"(SELECT 1 FROM '{build}' b WHERE b.k = p.k)").fetchone()[0])
        pl_t, pn = timed(lambda: pl.scan_parquet(glob).join(pl.scan_parquet(build), on="k", how="anti")
                         .select(pl.len()).collect().item())
        assert b["rows"] == dn == pn, (b["rows"], dn, pn)
        results["anti-join"] = (b["seconds"], d, pl_t, b["peak_bytes"])
        print(f"threads: {args.threads} each (bullion uses all cores of this machine)")
        for name, (bt, dt_, pt, peak) in results.items():
            print(f"{name:10s} bullion {bt:7.2f}s  duckdb {dt_:7.2f}s  polars {pt:7.2f}s   "
                  f"duckdb/bullion {dt_ / bt:5.2f}x  polars/bullion {pt / bt:5.2f}x   bullion budget peak {peak / 1e6:.0f} MB")


if __name__ == "__main__":
    main()
