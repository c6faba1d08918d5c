"""Expression throughput: bullion's evaluator vs DuckDB on the same rows.

    .venv/bin/python bench/expr_vs_duckdb.py [--rows 4000000] [--threads 1 2] [--build build]

Runs build/bench/expr_bench (which generates the rows, times bullion and
dumps the rows as CSV), loads the CSV into DuckDB in-memory tables (not
timed), and times the same expressions in DuckDB with the same number of
threads. DuckDB is timed two ways: the whole query
`SELECT max(v) FROM (SELECT <expr> AS v FROM t)` (scan + expression + max;
max because DuckDB answers count(v) of a never-NULL expression from
statistics without evaluating it), and its PROJECTION operators alone (from
DuckDB's profiler; CPU time summed over threads, so the single-thread rows
are the fair ones) — the closer match to bullion's number, which is
expression evaluation over batches already in memory. Prints rows/s and bullion/DuckDB ratios
(> 1 means bullion is faster). Not run in CI.

DuckDB spellings of the seed's Spark expressions: datediff(end, start) is
date_diff('day', start, end) (reversed, see reference/traps.md), 0.6 is a
DECIMAL in DuckDB so the Gold score uses 0.6::DOUBLE, and to_timestamp's ISO
parse is TRY_CAST(... AS TIMESTAMPTZ) with TimeZone UTC.
"""
import argparse
import json
import pathlib
import subprocess
import tempfile
import time

import duckdb

ROOT = pathlib.Path(__file__).resolve().parents[1]
AS_OF = "DATE '2026-11-25'"

DUCKDB = {
    "silver_event_type": ("silver", "upper(trim(event_type))"),
    "silver_event_ts": ("silver", "TRY_CAST(event_timestamp AS TIMESTAMPTZ)"),
    "silver_country_code": ("silver", "coalesce(upper(country), 'UNKNOWN')"),
    "gold_window_30d": ("silver", f"date_diff('day', event_ts::DATE, {AS_OF}) <= 30"),
    "gold_days_since_last_event": ("gold", f"date_diff('day', last_event_ts::DATE, {AS_OF})"),
    "gold_avg_events_per_day": ("gold", f"total_events / (date_diff('day', first_event_ts::DATE, {AS_OF}) + 1)"),
    "gold_recency_tier": ("gold", f"CASE WHEN date_diff('day', last_event_ts::DATE, {AS_OF}) <= 7 THEN 3 "
                                  f"WHEN date_diff('day', last_event_ts::DATE, {AS_OF}) <= 30 THEN 2 ELSE 1 END"),
    "gold_engagement_score": ("gold", "(events_last_30d * 0.6::DOUBLE + events_last_90d * 0.4::DOUBLE) / "
                                      f"(date_diff('day', first_event_ts::DATE, {AS_OF}) + 1)"),
}


def projection_seconds(profile_path):
    """Sum of PROJECTION operator timings in a DuckDB JSON profile (CPU time, summed over threads)."""
    doc = json.loads(pathlib.Path(profile_path).read_text())
    total = 0.0
    stack = list(doc.get("operator", []))
    while stack:
        node = stack.pop()
        if node.get("type") == "PROJECTION":
            total += float(node.get("timing", 0.0))
        stack.extend(node.get("children", []))
    return total


def time_duckdb(con, table, expr, repeat, profile_path):
    # max(v) makes DuckDB compute every value (count(v) of a never-NULL
    # expression is answered from statistics without evaluating it).
    query = f"SELECT max(v) FROM (SELECT {expr} AS v FROM {table})"
    con.execute(query).fetchall()  # warm up
    best_query = best_cpu = best_projection = float("inf")
    for _ in range(repeat):
        start, cpu = time.perf_counter(), time.process_time()
        con.execute(query).fetchall()
        best_query = min(best_query, time.perf_counter() - start)
        best_cpu = min(best_cpu, time.process_time() - cpu)
        best_projection = min(best_projection, projection_seconds(profile_path))
    return best_query, best_cpu, best_projection


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=4_000_000)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--build", default=str(ROOT / "build"))
    args = parser.parse_args()
    bench = pathlib.Path(args.build) / "bench" / "expr_bench"

    with tempfile.TemporaryDirectory() as tmp:
        dump = pathlib.Path(tmp) / "data"
        runs = {}
        for t in args.threads:
            cmd = [str(bench), "--rows", str(args.rows), "--threads", str(t), "--repeat", str(args.repeat)]
            if t == args.threads[0]:
                cmd += ["--dump", str(dump)]
            runs[t] = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)

        con = duckdb.connect()
        con.execute("SET TimeZone = 'UTC'")
        con.execute(f"CREATE TABLE silver AS SELECT * FROM read_csv('{dump}/silver.csv', header = true, "
                    "nullstr = '\\N', columns = {'event_type': 'VARCHAR', 'event_timestamp': 'VARCHAR', "
                    "'country': 'VARCHAR', 'event_ts': 'TIMESTAMP'})")
        con.execute(f"CREATE TABLE gold AS SELECT * FROM read_csv('{dump}/gold.csv', header = true, "
                    "nullstr = '\\N', columns = {'total_events': 'BIGINT', 'events_last_30d': 'BIGINT', "
                    "'events_last_90d': 'BIGINT', 'last_event_ts': 'TIMESTAMP', 'first_event_ts': 'TIMESTAMP'})")
        profile = pathlib.Path(tmp) / "profile.json"
        con.execute("PRAGMA enable_profiling = 'json'")
        con.execute(f"PRAGMA profiling_output = '{profile}'")

        print(f"{args.rows:,} rows; millions of rows per second of wall time (wall) and of CPU time summed "
              f"over threads (cpu); ratio = bullion / DuckDB (> 1: bullion faster)\n")
        header = (f"{'expression':28} {'thr':>3} {'bullion':>8} {'DuckDB':>8} {'ratio':>6} | "
                  f"{'bullion':>8} {'DuckDB':>8} {'ratio':>6} | {'DuckDB':>8} {'ratio':>6}")
        print(f"{'':33}{'--- wall, whole query ---':^24} | {'--- cpu, whole query ---':^24} | "
              f"{'cpu, projection':^15}")
        print(header)
        print("-" * len(header))
        for t in args.threads:
            con.execute(f"SET threads = {t}")
            for r in runs[t]["results"]:
                table, expr = DUCKDB[r["name"]]
                q, c, p = time_duckdb(con, table, expr, args.repeat, profile)
                ours, ours_cpu = r["rows_per_second"], args.rows / r["cpu_seconds"]
                wall, cpu = args.rows / q, args.rows / c
                proj = args.rows / p if p > 0 else float("nan")
                print(f"{r['name']:28} {t:>3} {ours / 1e6:>8.1f} {wall / 1e6:>8.1f} {ours / wall:>6.2f} | "
                      f"{ours_cpu / 1e6:>8.1f} {cpu / 1e6:>8.1f} {ours_cpu / cpu:>6.2f} | "
                      f"{proj / 1e6:>8.1f} {ours_cpu / proj:>6.2f}")


if __name__ == "__main__":
    main()
