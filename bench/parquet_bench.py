#!/usr/bin/env python3
"""Parquet read and write throughput: bullion against pyarrow, same data,
same machine, same thread count (one: bullion's reader and writer are
single-threaded per file, so pyarrow runs with use_threads=False), in one run.

    BULLION_BINARY=build/src/cli/bullion .venv/bin/python bench/parquet_bench.py [--rows 3000000]

Data: churn-like events (customer/event/session ids, event types, countries,
products, timestamps, amounts), generated with a fixed seed. Each side writes
the same table with zstd (level 1, dictionary on) and reads both its own and
the other's file. Throughput is reported as rows/s and MB/s of the Parquet
file; ratios are bullion / pyarrow (above 1: bullion is faster). Not a CI test.
"""
import argparse
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "tests" / "interop"))
from parquet_oracle import tool_path  # noqa: E402


def churn_table(n, seed=42):
    rng = np.random.default_rng(seed)
    customers = rng.integers(0, max(n // 50, 1), n)
    event_types = np.array(["PAGE_VIEW", "ADD_TO_CART", "PURCHASE", "LOGIN", "LOGOUT", "SEARCH", "SUPPORT_TICKET",
                            "CANCEL_SUBSCRIPTION"])
    countries = np.array(["US", "DE", "FR", "GB", "JP", "BR", "IN", "CA", "AU", "ES", "IT", "NL", "SE", "MX"])
    base = np.datetime64("2026-01-01T00:00:00", "us").astype(np.int64)
    ts = base + np.sort(rng.integers(0, 365 * 86400 * 10 ** 6, n))
    country = countries[rng.integers(0, len(countries), n)].astype(object)
    country[rng.random(n) < 0.03] = None
    return pa.table({
        "customer_id": pa.array(np.char.add("C", customers.astype(str).astype("U8"))),
        "event_id": pa.array(np.char.add("E", np.arange(n).astype(str))),
        "event_type": pa.array(event_types[rng.integers(0, len(event_types), n)]),
        "event_ts": pa.array(ts, pa.timestamp("us", tz="UTC")),
        "country_code": pa.array(country, pa.string()),
        "product_id": pa.array(np.char.add("P", rng.integers(0, 5000, n).astype(str))),
        "session_id": pa.array(np.char.add("S", (np.arange(n) // 8).astype(str))),
        "amount": pa.array(np.round(rng.gamma(2.0, 20.0, n), 2)),
        "quantity": pa.array(rng.integers(1, 10, n).astype(np.int32)),
        "_ingested_at": pa.array(ts + 5_000_000, pa.timestamp("us", tz="UTC")),
    })


def best_of(runs, fn):
    """Best wall and CPU seconds over `runs` calls (CPU time is what a loaded machine distorts least)."""
    walls, cpus = [], []
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    return min(walls), min(cpus)


def tool(*args):
    out = subprocess.run([tool_path(), *map(str, args)], capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def tool_best(runs, *args):
    results = [tool(*args) for _ in range(runs)]
    return min(r["seconds"] for r in results), min(r["cpu_seconds"] for r in results), results[0]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=3_000_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--dir", default=None)
    args = ap.parse_args()
    pa.set_cpu_count(1)
    pa.set_io_thread_count(1)
    work = pathlib.Path(args.dir or tempfile.mkdtemp(prefix="parquet-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    table = churn_table(args.rows)
    n = table.num_rows
    raw_mb = table.nbytes / 1e6
    print(f"{n:,} rows, {table.num_columns} columns, {raw_mb:.0f} MB in Arrow memory; {work}")

    arrow_file = work / "pyarrow.parquet"
    bullion_file = work / "bullion.parquet"
    source = work / "source.parquet"
    pq.write_table(table, source, compression="zstd")

    # Write: pyarrow from its in-memory table; bullion from its in-memory batches (untimed load).
    pa_write = best_of(args.runs, lambda: pq.write_table(table, arrow_file, compression="zstd",
                                                         compression_level=1, use_dictionary=True))
    bu_wall, bu_cpu, info = tool_best(args.runs, "bench-write", source, bullion_file, "--compression", "zstd")
    bu_write = (bu_wall, bu_cpu)
    # Read: whole file into memory, single thread.
    reads = {}
    for name, path in (("pyarrow's file", arrow_file), ("bullion's file", bullion_file)):
        pa_read = best_of(args.runs, lambda p=path: pq.read_table(p, use_threads=False))
        wall, cpu, r = tool_best(args.runs, "bench-read", path)
        reads[name] = (pa_read, (wall, cpu), path.stat().st_size / 1e6, r)

    def fmt(seconds, mb):
        return f"{n / seconds / 1e6:6.2f} M rows/s {mb / seconds:7.1f} MB/s"

    def line(label, system, t, mb):
        return f"{label:24s} {system:8s} wall {fmt(t[0], mb)}   cpu {fmt(t[1], mb)}"

    print()
    print(line("write zstd+dictionary", "pyarrow", pa_write, arrow_file.stat().st_size / 1e6))
    print(line("", "bullion", bu_write, bullion_file.stat().st_size / 1e6) +
          f"   ratio wall {pa_write[0] / bu_write[0]:.2f}x cpu {pa_write[1] / bu_write[1]:.2f}x")
    print(f"  file sizes: pyarrow {arrow_file.stat().st_size / 1e6:.1f} MB, bullion {info['file_bytes'] / 1e6:.1f} MB")
    for name, (pa_read, bu_read, size_mb, r) in reads.items():
        print(line(f"read {name}", "pyarrow", pa_read, size_mb))
        print(line("", "bullion", bu_read, size_mb) +
              f"   ratio wall {pa_read[0] / bu_read[0]:.2f}x cpu {pa_read[1] / bu_read[1]:.2f}x"
              f"   (peak reserved {r['peak_reserved_bytes'] / 2 ** 20:.1f} MiB)")
    print(f"load average: {os.getloadavg()[0]:.2f} (ratios above 1: bullion is faster)")
    result = {
        "rows": n, "write": {"pyarrow": pa_write, "bullion": bu_write},
        "read": {k: {"pyarrow": v[0], "bullion": v[1], "file_mb": v[2]} for k, v in reads.items()},
    }
    (work / "result.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
