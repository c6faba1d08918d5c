#!/usr/bin/env python3
"""NDJSON ingest throughput: bullion vs DuckDB read_json vs Polars read_ndjson.

Generates churn-like events (event_id, customer_id, event_type, event_timestamp, country,
product_id, session_id) as a directory of NDJSON files, plain and zstd-compressed, then
measures each engine on the same files with the same number of threads (best of --repeat
runs) and prints MB/s (decompressed NDJSON bytes per second), rows/s and bullion's ratios.

    .venv/bin/python bench/json_bench.py [--mb 300] [--files 4] [--threads 1,2] [--data DIR]

Every engine materializes all seven columns with an explicit schema (bullion additionally
fills _rescued_data, _ingested_at, _source_file, _source_line). Polars' threads are set
with POLARS_MAX_THREADS, so each Polars measurement runs in a fresh process.
"""
import argparse
import json
import os
import pathlib
import random
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
EVENT_TYPES = ["PAGE_VIEW", "ADD_TO_CART", "PURCHASE", "LOGIN", "LOGOUT", "SEARCH", "CANCEL_SUBSCRIPTION"]
COUNTRIES = ["US", "DE", "FR", "GB", "BR", "IN", "JP", None]
DUCK_COLUMNS = "{" + ",".join(
    f"'{c}':'VARCHAR'"
    for c in ["event_id", "customer_id", "event_type", "event_timestamp", "country", "product_id", "session_id"]
) + "}"


def generate(data: pathlib.Path, mb: int, files: int) -> None:
    plain, zst = data / "plain", data / "zstd"
    marker = data / f".complete-{mb}-{files}"
    if marker.exists():
        return
    plain.mkdir(parents=True, exist_ok=True)
    zst.mkdir(parents=True, exist_ok=True)
    rng = random.Random(42)
    per_file = mb * 1_000_000 // files
    event = 0
    for f in range(files):
        path = plain / f"events-{f:03d}.json"
        with open(path, "w") as out:
            written = 0
            lines = []
            while written < per_file:
                country = rng.choice(COUNTRIES)
                line = (
                    f'{{"event_id":"evt-{event:012d}","customer_id":"cust-{rng.randrange(200000):07d}",'
                    f'"event_type":"{rng.choice(EVENT_TYPES)}",'
                    f'"event_timestamp":"2026-{rng.randint(1, 11):02d}-{rng.randint(1, 28):02d}T'
                    f'{rng.randrange(24):02d}:{rng.randrange(60):02d}:{rng.randrange(60):02d}Z",'
                    f'"country":{json.dumps(country)},"product_id":"prod-{rng.randrange(5000):05d}",'
                    f'"session_id":"sess-{rng.randrange(10**9):010d}"}}\n'
                )
                event += 1
                written += len(line)
                lines.append(line)
                if len(lines) == 10000:
                    out.write("".join(lines))
                    lines.clear()
            out.write("".join(lines))
        subprocess.run(["zstd", "-q", "-f", "-3", str(path), "-o", str(zst / (path.name + ".zst"))], check=True)
    marker.touch()


def ndjson_bytes(data: pathlib.Path) -> int:
    return sum(p.stat().st_size for p in (data / "plain").glob("*.json"))


def bench_bullion(binary: str, directory: pathlib.Path, threads: int, repeat: int) -> dict:
    out = subprocess.run(
        [binary, "--threads", str(threads), "--repeat", str(repeat), str(directory)],
        check=True, capture_output=True, text=True,
    ).stdout
    r = json.loads(out)
    return {"seconds": r["seconds"], "cpu_seconds": r["cpu_seconds"], "rows": r["rows"],
            "busiest_thread_seconds": r["busiest_thread_seconds"]}


def bench_duckdb(directory: pathlib.Path, threads: int, repeat: int, compressed: bool) -> dict:
    import duckdb

    con = duckdb.connect()
    con.execute(f"SET threads={threads}")
    pattern = f"{directory}/*.json" + (".zst" if compressed else "")
    compression = "zstd" if compressed else "none"
    best, best_cpu, rows = float("inf"), float("inf"), 0
    for _ in range(repeat):
        start, cpu_start = time.perf_counter(), time.process_time()
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE t AS SELECT * FROM read_json('{pattern}', format='newline_delimited', "
            f"compression='{compression}', columns={DUCK_COLUMNS})"
        )
        best = min(best, time.perf_counter() - start)
        best_cpu = min(best_cpu, time.process_time() - cpu_start)
        rows = con.execute("SELECT count(*) FROM t").fetchone()[0]
    return {"seconds": best, "cpu_seconds": best_cpu, "rows": rows}


POLARS_SCRIPT = r"""
import glob, json, sys, time
import polars as pl
pattern, repeat = sys.argv[1], int(sys.argv[2])
files = sorted(glob.glob(pattern))
schema = {c: pl.String for c in ["event_id", "customer_id", "event_type", "event_timestamp", "country", "product_id", "session_id"]}
best, best_cpu, rows = float("inf"), float("inf"), 0
for _ in range(repeat):
    start, cpu_start = time.perf_counter(), time.process_time()
    frame = pl.concat([pl.read_ndjson(f, schema=schema) for f in files])
    best = min(best, time.perf_counter() - start)
    best_cpu = min(best_cpu, time.process_time() - cpu_start)
    rows = frame.height
print(json.dumps({"seconds": best, "cpu_seconds": best_cpu, "rows": rows, "threads": pl.thread_pool_size()}))
"""


def bench_polars(directory: pathlib.Path, threads: int, repeat: int, compressed: bool) -> dict:
    pattern = f"{directory}/*.json" + (".zst" if compressed else "")
    env = dict(os.environ, POLARS_MAX_THREADS=str(threads))
    proc = subprocess.run([sys.executable, "-c", POLARS_SCRIPT, pattern, str(repeat)], capture_output=True,
                          text=True, env=env)
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1]}
    return json.loads(proc.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mb", type=int, default=300)
    parser.add_argument("--files", type=int, default=4)
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--data", default="/tmp/bullion-json-bench")
    parser.add_argument("--binary", default=str(ROOT / "build" / "bench" / "json_bench"))
    args = parser.parse_args()

    data = pathlib.Path(args.data)
    generate(data, args.mb, args.files)
    total = ndjson_bytes(data)
    print(f"data: {args.files} files, {total / 1e6:.0f} MB of NDJSON; load average before: {os.getloadavg()[0]:.2f}")
    print("wall: MB/s of decompressed NDJSON per second of elapsed time; cpu: per second of CPU time")
    print("(the machine may be shared: cpu is the load-independent figure; wall shows thread scaling when")
    print(" 'cores busy' = cpu / wall reaches the thread count, i.e. when the cores were actually free)")
    print(f"{'input':6} {'threads':>7} {'engine':8} {'wall MB/s':>10} {'Mrows/s':>8} {'cpu MB/s':>9} "
          f"{'cores busy':>10} {'bullion × (wall)':>17} {'bullion × (cpu)':>16}")
    for kind in ["plain", "zstd"]:
        directory = data / kind
        for threads in [int(t) for t in args.threads.split(",")]:
            ours = bench_bullion(args.binary, directory, threads, args.repeat)
            results = {
                "bullion": ours,
                "duckdb": bench_duckdb(directory, threads, args.repeat, kind == "zstd"),
                "polars": bench_polars(directory, threads, args.repeat, kind == "zstd"),
            }
            for engine, r in results.items():
                if "error" in r:
                    print(f"{kind:6} {threads:7} {engine:8} {'n/a':>8}   ({r['error'][:80]})")
                    continue
                assert r["rows"] == ours["rows"], (engine, r["rows"], ours["rows"])
                ratio = r["seconds"] / ours["seconds"]
                cpu_ratio = r["cpu_seconds"] / ours["cpu_seconds"]
                print(f"{kind:6} {threads:7} {engine:8} {total / r['seconds'] / 1e6:10.0f} "
                      f"{r['rows'] / r['seconds'] / 1e6:8.2f} {total / r['cpu_seconds'] / 1e6:9.0f} "
                      f"{r['cpu_seconds'] / r['seconds']:10.2f} {ratio:16.2f}x {cpu_ratio:15.2f}x")
                if engine == "bullion":
                    busiest = r["busiest_thread_seconds"]
                    print(f"{'':6} {'':7} {'':8} busiest thread ran {busiest:.3f} s of {r['cpu_seconds']:.3f} s CPU: "
                          f"{total / busiest / 1e6:.0f} MB/s if each thread had a free core")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
