#!/usr/bin/env python3
"""The churn pipeline end to end — raw NDJSON → Bronze → Silver → Gold → labels —
in bullion, DuckDB, Polars and PySpark + Delta on the same generated feed, with
the same number of threads, in the same run: wall time, CPU time and peak
memory of each engine, ratios to bullion, and a check that every engine
computed the same Gold and labels (issue 9).

    .venv/bin/python bench/pipeline_bench.py --events 10M [--threads 2] [--as-of 2025-05-25]
        [--engines bullion,duckdb,polars,spark] [--backfill] [--out DIR] [--keep-data]

Every engine runs in its own process (peaks are separate) under /usr/bin/time
(peak RSS of the largest process, user + sys CPU of the process and the
children it waited for); a sampler adds up the RSS of the whole process tree
every 50 ms (for Spark: the Python driver plus the JVM).

What each engine does (the layers of examples/churn/pipeline.yaml):
- bullion: `bullion --threads T run pipeline.yaml --as-of D --json` on a fresh
  lakehouse: Delta tables for Bronze (+ quarantine), Silver (+ quarantine),
  Gold (one feature_date partition per date, sorted by customer_id), labels.
- bullion without commits: not a separate run but the bullion run less the
  time its layers spent writing the Delta log (each layer's `commit_seconds`
  in the run record: table::commit_write of the table and of its quarantine,
  which also covers conflict checks and checkpoints). The data files, their
  footers, fsyncs and stats stay in: only the commits are taken out.
- duckdb: SQL; read_json with explicit VARCHAR columns (malformed lines come
  back as all-NULL rows and are set aside), Parquet per layer (ZSTD). The
  duckdb delta extension cannot be installed offline, so DuckDB, like Polars,
  writes plain Parquet, not Delta.
- polars: lazy frames; scan_ndjson stops at the first malformed line even with
  ignore_errors, so lines are scanned as text (scan_csv, one column), lines
  that are not valid JSON set aside with json_path_match("$"), the rest
  decoded with json_decode; Parquet per layer (ZSTD).
- spark: PySpark + Delta, local[T], session time zone UTC, ANSI off, the Silver,
  merge, Gold and labels logic of tests/interop/seed_reference.py (the contract's
  reference) and its from_json parsing of lines; lines are read with
  spark.read.text (the reference reads them in Python, which does not scale),
  and a monotonically increasing id stands in for the line number (it keeps the
  order of lines inside a file, which is all the dedupe order needs). Delta
  tables per layer (Parquet ZSTD).

Each layer reads the previous layer's output from disk, as bullion does. On a
fresh table the MERGE of Silver inserts every row, so the peers write Silver
directly. bullion also writes quarantine tables and a run record, which the
peers do not. Agreement is checked on Bronze and Silver row counts and, per
as_of date, on Gold (rows, column sums, an order-independent hash of the
integer columns) and labels (rows, positives); any difference fails the run.
"""
import argparse
import datetime as dt
import json
import os
import pathlib
import platform
import shutil
import signal
import subprocess
import sys
import threading
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
BULLION = ROOT / "build" / "src" / "cli" / "bullion"
RAW_FIELDS = ["event_id", "customer_id", "event_type", "event_timestamp", "country", "product_id", "session_id"]
INGESTED_AT = "2026-01-01 00:00:00"  # the peers' constant _ingested_at (bullion uses its run's start)
ENGINES = ["bullion", "duckdb", "polars", "spark"]


def parse_count(text: str) -> int:
    text = text.strip()
    mult = {"k": 1_000, "K": 1_000, "M": 1_000_000, "G": 1_000_000_000}.get(text[-1:], 1)
    return int(float(text[:-1] if mult > 1 else text) * mult)


def dates_of(text: str):
    return [dt.date.fromisoformat(d.strip()) for d in text.split(",") if d.strip()]


# ---------------------------------------------------------------------------------------------
# Measuring a child process


def tree_rss_bytes(pid: int) -> int:
    """RSS of pid and all its descendants (via /proc/<pid>/task/<tid>/children)."""
    total, stack, seen = 0, [pid], set()
    page = os.sysconf("SC_PAGE_SIZE")
    while stack:
        p = stack.pop()
        if p in seen:
            continue
        seen.add(p)
        try:
            with open(f"/proc/{p}/statm") as f:
                total += int(f.read().split()[1]) * page
            for tid in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{tid}/children") as f:
                    stack.extend(int(c) for c in f.read().split())
        except (FileNotFoundError, ProcessLookupError, PermissionError, ValueError):
            continue
    return total


def measure(name, cmd, env=None, timeout=1200, log_dir=None):
    """Runs cmd under /usr/bin/time; returns wall/CPU/peak figures, load averages and stdout."""
    log_dir = pathlib.Path(log_dir)
    time_file = log_dir / f"{name}.time"
    stderr_path = log_dir / f"{name}.stderr"
    full = ["/usr/bin/time", "-o", str(time_file), "-f", "%e %U %S %M"] + [str(c) for c in cmd]
    load_before = os.getloadavg()
    peak_tree = 0
    started = time.perf_counter()
    with open(stderr_path, "w") as err:
        proc = subprocess.Popen(full, stdout=subprocess.PIPE, stderr=err, env=env, start_new_session=True, text=True)
        stop = threading.Event()

        def sample():
            nonlocal peak_tree
            while not stop.is_set():
                peak_tree = max(peak_tree, tree_rss_bytes(proc.pid))
                stop.wait(0.05)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        try:
            out, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            stop.set()
            raise RuntimeError(f"{name}: timed out after {timeout} s (stderr: {stderr_path})")
        finally:
            stop.set()
            sampler.join()
    wall = time.perf_counter() - started
    load_after = os.getloadavg()
    if proc.returncode != 0:
        tail = stderr_path.read_text()[-3000:]
        raise RuntimeError(f"{name}: exit code {proc.returncode}: {' '.join(map(str, cmd))}\n{tail}")
    fields = time_file.read_text().strip().splitlines()[-1].split()
    _, user, sys_, max_kb = float(fields[0]), float(fields[1]), float(fields[2]), int(fields[3])
    return {"wall_s": wall, "user_s": user, "sys_s": sys_, "cpu_s": user + sys_,
            "peak_rss_mb": max_kb / 1024, "peak_tree_rss_mb": max(peak_tree / 2**20, max_kb / 1024),
            "load_before": [round(x, 2) for x in load_before], "load_after": [round(x, 2) for x in load_after],
            "stdout": out}


def last_json(text: str):
    """The last JSON document printed on stdout (workers print one line; bullion an indented object)."""
    start = text.find("{")
    if start < 0:
        raise ValueError("no JSON on stdout: " + text[-500:])
    return json.loads(text[start:])


# ---------------------------------------------------------------------------------------------
# bullion


def bullion_spec(raw: pathlib.Path, work: pathlib.Path) -> pathlib.Path:
    text = (ROOT / "examples" / "churn" / "pipeline.yaml").read_text()
    old = "path: data/raw/events/"
    if old not in text:
        raise SystemExit("examples/churn/pipeline.yaml no longer has 'path: data/raw/events/'")
    spec = work / "pipeline.yaml"
    spec.write_text(text.replace(old, f"path: {raw}/"))
    return spec


def as_of_args(dates):
    if len(dates) == 1:
        return ["--as-of", dates[0].isoformat()]
    steps = {(b - a).days for a, b in zip(dates, dates[1:])}
    if len(steps) != 1 or min(steps) <= 0:
        raise SystemExit("several --as-of dates must be increasing and evenly spaced (bullion takes A..B --every Nd)")
    return ["--as-of", f"{dates[0]}..{dates[-1]}", "--every", f"{steps.pop()}d"]


def layer_seconds(record):
    return {l["layer"]: l["seconds"] for l in record["layers"]}


# ---------------------------------------------------------------------------------------------
# Workers (run as `pipeline_bench.py --worker ENGINE ...` in their own process)


def worker_duckdb(raw, out, dates, threads):
    import duckdb

    con = duckdb.connect()
    con.execute(f"SET threads = {threads}")
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET preserve_insertion_order = false")
    layers = {}
    columns = "{" + ", ".join(f"'{f}': 'VARCHAR'" for f in RAW_FIELDS) + "}"
    bronze, silver, gold, labels = (out / n for n in ("bronze", "silver", "gold", "labels"))
    for d in (bronze, silver):
        d.mkdir(parents=True)

    t = time.perf_counter()
    # Malformed lines come back as all-NULL rows (ignore_errors); the generator never writes an all-null line.
    all_null = " AND ".join(f"{f} IS NULL" for f in RAW_FIELDS)
    con.execute(f"""
        COPY (SELECT {', '.join(RAW_FIELDS)}, 'events_api' AS _source, TIMESTAMPTZ '{INGESTED_AT}+00' AS _ingested_at,
                     replace(filename, '{raw}/', '') AS _source_file, ordinality AS _source_line
              FROM read_json('{raw}/*.json', format = 'newline_delimited', columns = {columns},
                             ignore_errors = true, filename = true) WITH ORDINALITY
              WHERE NOT ({all_null}))
        TO '{bronze}/part-0.parquet' (FORMAT PARQUET, COMPRESSION ZSTD)""")
    layers["bronze"] = time.perf_counter() - t

    t = time.perf_counter()
    # Input expectations → dedupe (earliest by _ingested_at, _source_file, _source_line) → columns → output
    # expectation and non-NULL merge keys. Silver is new, so MERGE ... WHEN NOT MATCHED INSERT inserts every row.
    con.execute(f"""
        COPY (
          WITH valid AS (SELECT * FROM read_parquet('{bronze}/*.parquet')
                         WHERE customer_id IS NOT NULL AND event_type IS NOT NULL),
          dedup AS (SELECT * FROM valid
                    QUALIFY row_number() OVER (PARTITION BY customer_id, event_id
                                               ORDER BY _ingested_at, _source_file, _source_line) = 1),
          cols AS (SELECT customer_id, event_id, upper(trim(event_type, ' ')) AS event_type,
                          TRY_CAST(event_timestamp AS TIMESTAMPTZ) AS event_ts,
                          coalesce(upper(country), 'UNKNOWN') AS country_code, product_id, session_id, _ingested_at
                   FROM dedup)
          SELECT * FROM cols WHERE event_ts IS NOT NULL AND customer_id IS NOT NULL AND event_id IS NOT NULL)
        TO '{silver}/part-0.parquet' (FORMAT PARQUET, COMPRESSION ZSTD)""")
    layers["silver"] = time.perf_counter() - t

    t = time.perf_counter()
    for d in dates:
        # DuckDB's date_diff takes (start, end), the reverse of Spark's datediff(end, start).
        con.execute(f"""
            COPY (
              WITH ev AS (SELECT customer_id, event_id, session_id, product_id, event_ts, CAST(event_ts AS DATE) AS day
                          FROM read_parquet('{silver}/*.parquet') WHERE CAST(event_ts AS DATE) <= DATE '{d}'),
              agg AS (SELECT customer_id, count(event_id) AS total_events, count(DISTINCT session_id) AS total_sessions,
                             count(DISTINCT product_id) AS distinct_products,
                             count_if(date_diff('day', day, DATE '{d}') <= 30) AS events_last_30d,
                             count_if(date_diff('day', day, DATE '{d}') <= 90) AS events_last_90d,
                             max(event_ts) AS last_event_ts, min(event_ts) AS first_event_ts
                      FROM ev GROUP BY customer_id),
              d1 AS (SELECT *, CAST(date_diff('day', CAST(last_event_ts AS DATE), DATE '{d}') AS INTEGER) AS days_since_last_event,
                               CAST(date_diff('day', CAST(first_event_ts AS DATE), DATE '{d}') AS INTEGER) AS customer_tenure_days
                     FROM agg)
              SELECT *, total_events / (customer_tenure_days + 1)::DOUBLE AS avg_events_per_day,
                     CAST(CASE WHEN days_since_last_event <= 7 THEN 3 WHEN days_since_last_event <= 30 THEN 2 ELSE 1 END
                          AS INTEGER) AS recency_tier,
                     (events_last_30d * 0.6::DOUBLE + events_last_90d * 0.4::DOUBLE) / (customer_tenure_days + 1)
                       AS engagement_score,
                     DATE '{d}' AS feature_date
              FROM d1 ORDER BY customer_id)
            TO '{gold}' (FORMAT PARQUET, COMPRESSION ZSTD, PARTITION_BY (feature_date), OVERWRITE_OR_IGNORE)""")
    layers["gold"] = time.perf_counter() - t

    t = time.perf_counter()
    con.execute(f"""
        COPY (
          WITH ev AS (SELECT customer_id, event_type, CAST(event_ts AS DATE) AS day FROM read_parquet('{silver}/*.parquet')),
          last AS (SELECT max(day) - 1 AS last_complete FROM ev),
          pos AS (SELECT customer_id, min(day) AS first_positive FROM ev
                  WHERE event_type = 'CANCEL_SUBSCRIPTION' GROUP BY customer_id),
          g AS (SELECT customer_id, feature_date FROM read_parquet('{gold}/*/*.parquet', hive_partitioning = true,
                                                                  hive_types = {{'feature_date': DATE}}))
          SELECT g.customer_id, g.feature_date,
                 CAST(CASE WHEN first_positive IS NOT NULL AND first_positive <= g.feature_date + 30 THEN 1 ELSE 0 END
                      AS INTEGER) AS churned
          FROM g LEFT JOIN pos USING (customer_id), last
          WHERE g.feature_date + 30 <= last_complete AND (first_positive IS NULL OR first_positive > g.feature_date)
          ORDER BY g.feature_date, g.customer_id)
        TO '{labels}' (FORMAT PARQUET, COMPRESSION ZSTD, PARTITION_BY (feature_date), OVERWRITE_OR_IGNORE)""")
    layers["labels"] = time.perf_counter() - t
    return {"layers": layers}


def worker_polars(raw, out, dates, threads):
    import polars as pl

    assert pl.thread_pool_size() == threads, (pl.thread_pool_size(), threads)
    layers = {}
    bronze, silver, gold, labels = (out / n for n in ("bronze", "silver", "gold", "labels"))
    for d in (bronze, silver):
        d.mkdir(parents=True)
    files = sorted(str(p) for p in raw.glob("*.json"))

    t = time.perf_counter()
    lines = pl.scan_csv(files, has_header=False, separator="\x1f", quote_char=None, schema={"value": pl.String},
                        row_index_name="_source_line", include_file_paths="_source_file")
    # json_decode fails on the first malformed line; json_path_match("$") is NULL for a line that is not valid
    # JSON (and the document otherwise), so it validates each line before json_decode (2.5x faster than one
    # json_path_match per field).
    doc = pl.col("value").str.json_path_match("$")
    struct = pl.Struct({f: pl.String for f in RAW_FIELDS})
    (lines.with_columns(doc.alias("value"))
     .filter(pl.col("value").is_not_null())
     .with_columns(pl.col("value").str.json_decode(struct).alias("j"))
     .select(*[pl.col("j").struct.field(f) for f in RAW_FIELDS], pl.lit("events_api").alias("_source"),
                  pl.lit(dt.datetime.fromisoformat(INGESTED_AT)).dt.replace_time_zone("UTC").dt.cast_time_unit("us")
                  .alias("_ingested_at"),
                  pl.col("_source_file").str.replace(f"{raw}/", "", literal=True),
                  pl.col("_source_line").cast(pl.Int64))
     .sink_parquet(bronze / "part-0.parquet", compression="zstd"))
    layers["bronze"] = time.perf_counter() - t

    t = time.perf_counter()
    (pl.scan_parquet(bronze / "*.parquet")
     .filter(pl.col("customer_id").is_not_null() & pl.col("event_type").is_not_null())
     .sort(["_ingested_at", "_source_file", "_source_line"])
     .unique(subset=["customer_id", "event_id"], keep="first")
     .select("customer_id", "event_id",
             pl.col("event_type").str.strip_chars(" ").str.to_uppercase().alias("event_type"),
             pl.col("event_timestamp").str.to_datetime(format="%Y-%m-%dT%H:%M:%S%.f%#z", time_unit="us",
                                                       time_zone="UTC", strict=False).alias("event_ts"),
             pl.col("country").str.to_uppercase().fill_null("UNKNOWN").alias("country_code"),
             "product_id", "session_id", "_ingested_at")
     .filter(pl.col("event_ts").is_not_null() & pl.col("customer_id").is_not_null() & pl.col("event_id").is_not_null())
     .sink_parquet(silver / "part-0.parquet", compression="zstd"))
    layers["silver"] = time.perf_counter() - t

    t = time.perf_counter()
    for d in dates:
        days = lambda c: (pl.lit(d) - c.dt.date()).dt.total_days()  # noqa: E731  datediff(as_of, c)
        part = gold / f"feature_date={d}"
        part.mkdir(parents=True)
        (pl.scan_parquet(silver / "*.parquet")
         .filter(pl.col("event_ts").dt.date() <= d)
         .group_by("customer_id")
         .agg(pl.col("event_id").count().cast(pl.Int64).alias("total_events"),
              pl.col("session_id").drop_nulls().n_unique().cast(pl.Int64).alias("total_sessions"),
              pl.col("product_id").drop_nulls().n_unique().cast(pl.Int64).alias("distinct_products"),
              (days(pl.col("event_ts")) <= 30).sum().cast(pl.Int64).alias("events_last_30d"),
              (days(pl.col("event_ts")) <= 90).sum().cast(pl.Int64).alias("events_last_90d"),
              pl.col("event_ts").max().alias("last_event_ts"),
              pl.col("event_ts").min().alias("first_event_ts"))
         .with_columns(days(pl.col("last_event_ts")).cast(pl.Int32).alias("days_since_last_event"),
                       days(pl.col("first_event_ts")).cast(pl.Int32).alias("customer_tenure_days"))
         .with_columns((pl.col("total_events") / (pl.col("customer_tenure_days") + 1)).alias("avg_events_per_day"),
                       pl.when(pl.col("days_since_last_event") <= 7).then(3)
                       .when(pl.col("days_since_last_event") <= 30).then(2).otherwise(1).cast(pl.Int32)
                       .alias("recency_tier"),
                       ((pl.col("events_last_30d") * 0.6 + pl.col("events_last_90d") * 0.4)
                        / (pl.col("customer_tenure_days") + 1)).alias("engagement_score"))
         .sort("customer_id")
         .sink_parquet(part / "part-0.parquet", compression="zstd"))
    layers["gold"] = time.perf_counter() - t

    t = time.perf_counter()
    ev = pl.scan_parquet(silver / "*.parquet").select("customer_id", "event_type", pl.col("event_ts").dt.date().alias("day"))
    last_complete = ev.select(pl.col("day").max()).collect().item() - dt.timedelta(days=1)
    pos = (ev.filter(pl.col("event_type") == "CANCEL_SUBSCRIPTION").group_by("customer_id")
           .agg(pl.col("day").min().alias("first_positive")))
    for d in dates:
        part = labels / f"feature_date={d}"
        part.mkdir(parents=True)
        horizon = d + dt.timedelta(days=30)
        if horizon > last_complete:
            continue  # every row censored
        (pl.scan_parquet(gold / f"feature_date={d}" / "*.parquet").select("customer_id")
         .join(pos, on="customer_id", how="left")
         .filter(pl.col("first_positive").is_null() | (pl.col("first_positive") > d))
         .select("customer_id", (pl.col("first_positive").is_not_null() & (pl.col("first_positive") <= horizon))
                 .cast(pl.Int32).alias("churned"))
         .sort("customer_id")
         .sink_parquet(part / "part-0.parquet", compression="zstd"))
    layers["labels"] = time.perf_counter() - t
    return {"layers": layers}


def worker_spark(raw, out, dates, threads):
    sys.path.insert(0, str(ROOT / "tests" / "interop"))
    import seed_reference as ref
    from pyspark.sql import functions as F
    from spark_session import build_spark_session

    t = time.perf_counter()
    spark = build_spark_session("bullion-pipeline-bench", threads=threads)
    spark.conf.set("spark.sql.parquet.compression.codec", "zstd")
    spark.conf.set("spark.sql.shuffle.partitions", str(4 * threads))
    layers = {"session": time.perf_counter() - t}
    paths = {n: str(out / n) for n in ("bronze", "silver", "gold", "labels")}

    t = time.perf_counter()
    text = (spark.read.text(str(raw / "*.json"))
            .select(F.regexp_replace(F.input_file_name(), r"^.*/", "").alias("_source_file"),
                    F.monotonically_increasing_id().alias("_source_line"), "value"))
    good, _ = ref.parse_lines(text, dt.datetime.fromisoformat(INGESTED_AT))
    good.withColumn("_source", F.lit("events_api")).write.format("delta").save(paths["bronze"])
    layers["bronze"] = time.perf_counter() - t
    bronze = spark.read.format("delta").load(paths["bronze"])

    t = time.perf_counter()
    ref.merge_into(spark, ref.silver(bronze), paths["silver"])
    layers["silver"] = time.perf_counter() - t
    silver = spark.read.format("delta").load(paths["silver"])

    t = time.perf_counter()
    for i, d in enumerate(dates):
        w = ref.gold(silver, d).orderBy("customer_id").write.format("delta").partitionBy("feature_date")
        if i == 0:
            w.mode("overwrite").save(paths["gold"])
        else:
            w.mode("overwrite").option("replaceWhere", f"feature_date = DATE'{d}'").save(paths["gold"])
    layers["gold"] = time.perf_counter() - t

    t = time.perf_counter()
    gold = spark.read.format("delta").load(paths["gold"])
    (ref.labels(silver, gold).orderBy("feature_date", "customer_id")
     .write.format("delta").mode("overwrite").partitionBy("feature_date").save(paths["labels"]))
    layers["labels"] = time.perf_counter() - t

    # Stop the JVM and wait for it, so that its CPU time and peak RSS reach /usr/bin/time.
    from pyspark import SparkContext

    gateway = SparkContext._gateway
    spark.stop()
    if gateway is not None and getattr(gateway, "proc", None) is not None:
        gateway.shutdown()
        gateway.proc.stdin.close()
        gateway.proc.wait(timeout=120)
    return {"layers": layers}


def run_worker(args):
    raw, out = pathlib.Path(args.raw), pathlib.Path(args.work)
    dates = dates_of(args.as_of)
    fn = {"duckdb": worker_duckdb, "polars": worker_polars, "spark": worker_spark}[args.worker]
    result = fn(raw, out, dates, args.threads)
    print(json.dumps(result))


# ---------------------------------------------------------------------------------------------
# Verification: every engine's Gold and labels, summarised by DuckDB


def gold_summary(con, relation_sql, d):
    q = f"""SELECT count(*), sum(total_events), sum(total_sessions), sum(distinct_products), sum(events_last_30d),
                   sum(events_last_90d), sum(days_since_last_event), sum(customer_tenure_days), sum(recency_tier),
                   sum(epoch_us(last_event_ts)), sum(epoch_us(first_event_ts)),
                   bit_xor(hash(CAST(customer_id AS VARCHAR), [total_events, total_sessions, distinct_products,
                                events_last_30d, events_last_90d, days_since_last_event, customer_tenure_days,
                                recency_tier, epoch_us(last_event_ts), epoch_us(first_event_ts)]::BIGINT[])),
                   sum(avg_events_per_day), sum(engagement_score)
            FROM ({relation_sql}) WHERE feature_date = DATE '{d}'"""
    r = con.execute(q).fetchone()
    keys = ["rows", "total_events", "total_sessions", "distinct_products", "events_last_30d", "events_last_90d",
            "days_since_last_event", "customer_tenure_days", "recency_tier", "last_event_ts_us", "first_event_ts_us",
            "int_hash", "avg_events_per_day", "engagement_score"]
    return {k: (float(v) if k in ("avg_events_per_day", "engagement_score") else int(v or 0)) for k, v in zip(keys, r)}


def labels_summary(con, relation_sql, d):
    r = con.execute(f"SELECT count(*), sum(churned) FROM ({relation_sql}) WHERE feature_date = DATE '{d}'").fetchone()
    return {"rows": int(r[0]), "positives": int(r[1] or 0)}


def summarise(engine, work, dates):
    import duckdb

    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET threads = 2")
    if engine in ("bullion", "spark"):
        import deltalake

        def rel(name, spark_dir):
            path = work / name.replace(".", "/") if engine == "bullion" else work / spark_dir
            con.register(f"t_{spark_dir}", deltalake.DeltaTable(str(path)).to_pyarrow_dataset())
            return f"SELECT * FROM t_{spark_dir}"

        gold = rel("churn.gold.features", "gold")
        labels = rel("churn.gold.labels", "labels")
        tables = {"bronze": "churn/bronze/events", "silver": "churn/silver/customers"}
        counts = {layer: deltalake.DeltaTable(str(work / (tables[layer] if engine == "bullion" else layer)))
                  .to_pyarrow_dataset().count_rows() for layer in tables}
    else:
        hive = "hive_partitioning = true, hive_types = {'feature_date': DATE}"
        gold = f"SELECT * FROM read_parquet('{work}/gold/*/*.parquet', {hive})"
        labels_glob = list((work / "labels").glob("*/*.parquet"))
        labels = (f"SELECT * FROM read_parquet('{work}/labels/*/*.parquet', {hive})" if labels_glob else
                  "SELECT NULL::VARCHAR AS customer_id, NULL::DATE AS feature_date, NULL::INTEGER AS churned WHERE false")
        counts = {layer: con.execute(f"SELECT count(*) FROM read_parquet('{work}/{layer}/*.parquet')").fetchone()[0]
                  for layer in ("bronze", "silver")}
    return {"gold": {str(d): gold_summary(con, gold, d) for d in dates},
            "labels": {str(d): labels_summary(con, labels, d) for d in dates}, "counts": counts}


def compare(results, reference="bullion"):
    """Raises if any engine's Gold or labels differ from the reference's."""
    ref = results[reference]["check"]
    problems = []
    for name, r in results.items():
        if name == reference or "check" not in r:
            continue
        for what in ("gold", "labels"):
            for d, mine in r["check"][what].items():
                theirs = ref[what][d]
                for k, v in mine.items():
                    w = theirs[k]
                    same = abs(v - w) <= 1e-9 * max(abs(v), abs(w), 1.0) if isinstance(v, float) else v == w
                    if not same:
                        problems.append(f"{name} {what} {d} {k}: {v} vs {reference} {w}")
        for layer in ("bronze", "silver"):
            a, b = r["check"]["counts"][layer], ref["counts"][layer]
            if a != b:
                problems.append(f"{name} {layer} rows: {a} vs {reference} {b}")
    if problems:
        raise SystemExit("RESULTS DIFFER — the engines did not do the same work:\n  " + "\n  ".join(problems))


# ---------------------------------------------------------------------------------------------


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--events", default="10M", help="events to generate: 1M, 10M, ... (default 10M)")
    p.add_argument("--files", type=int, default=8, help="NDJSON files of the feed (default 8)")
    p.add_argument("--threads", type=int, default=2, help="threads for every engine (default 2)")
    p.add_argument("--as-of", default="2025-05-25",
                   help="Gold date(s), comma-separated and evenly spaced (default 2025-05-25; the feed spans "
                        "2025-01-01..2025-06-30, so labels exist for dates up to 2025-05-30)")
    p.add_argument("--engines", default=",".join(ENGINES), help=f"comma-separated subset of {','.join(ENGINES)}")
    p.add_argument("--backfill", action="store_true",
                   help="also time a bullion Gold backfill over 4 weekly dates (--as-of A..B --every 7d)")
    p.add_argument("--out", default=None, help="work directory (default /tmp/pipeline-bench-<events>; a feed already there is reused)")
    p.add_argument("--keep-data", action="store_true", help="keep the feed and every engine's tables")
    p.add_argument("--memory-limit", default=None,
                   help="bullion's --memory-limit for its runs (e.g. 1536MiB; default: bullion's, half of RAM)")
    p.add_argument("--timeout", type=float, default=1200, help="seconds per engine (default 1200)")
    p.add_argument("--results", default=str(ROOT / "bench" / "results"), help="directory for the JSON results")
    p.add_argument("--worker", choices=["duckdb", "polars", "spark"], help=argparse.SUPPRESS)
    p.add_argument("--raw", help=argparse.SUPPRESS)
    p.add_argument("--work", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        return run_worker(args)

    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    unknown = set(engines) - set(ENGINES)
    if unknown:
        raise SystemExit(f"unknown engine(s): {', '.join(sorted(unknown))}")
    if not BULLION.exists():
        raise SystemExit(f"{BULLION} is missing: run scripts/build.sh")
    n_events = parse_count(args.events)
    dates = dates_of(args.as_of)
    out = pathlib.Path(args.out) if args.out else pathlib.Path(f"/tmp/pipeline-bench-{n_events}")
    out = out.resolve()
    raw = out / "raw" / "events"
    logs = out / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, TZ="UTC", POLARS_MAX_THREADS=str(args.threads))
    env.pop("BULLION_LAKEHOUSE", None)

    # The feed, generated once (reused when the same feed is already there).
    stamp = out / "raw" / "generated.json"
    feed = {"events": n_events, "files": args.files, "seed": 42}
    if not (stamp.exists() and json.loads(stamp.read_text()) == feed):
        shutil.rmtree(out / "raw", ignore_errors=True)
        t = time.perf_counter()
        subprocess.run([str(BULLION), "generate", "--events", str(n_events), "--files", str(args.files), "--seed", "42",
                        "--out", str(raw), "-q"], check=True)
        print(f"generated {n_events:,} events in {args.files} files in {time.perf_counter() - t:.1f} s", flush=True)
        stamp.write_text(json.dumps(feed))
    raw_bytes = sum(f.stat().st_size for f in raw.glob("*.json"))
    print(f"feed: {raw} ({raw_bytes / 2**20:,.0f} MiB); threads {args.threads}; as_of {', '.join(map(str, dates))}",
          flush=True)

    mem = ["--memory-limit", args.memory_limit] if args.memory_limit else []
    results = {}

    def fresh(name):
        d = out / name
        shutil.rmtree(d, ignore_errors=True)
        d.mkdir(parents=True)
        return d

    for engine in engines:
        print(f"-- {engine} (load {' '.join(f'{x:.2f}' for x in os.getloadavg())})", flush=True)
        if engine == "bullion":
            work = fresh("bullion")
            spec = bullion_spec(raw, work)
            lake = work / "lake"
            m = measure("bullion", [BULLION, *mem, "--lakehouse", lake, "--threads", args.threads, "-q", "run", spec,
                                    *as_of_args(dates), "--json"], env, args.timeout, logs)
            record = last_json(m.pop("stdout"))
            if record["status"] == "FAILED" or any(l["status"] == "FAILED" for l in record["layers"]):
                raise SystemExit(f"bullion run failed: {record.get('error')}")
            by_layer = {l["layer"]: l for l in record["layers"]}
            m["layers"] = layer_seconds(record)
            m["run_seconds"] = record["seconds"]
            m["rows"] = {"bronze": by_layer["bronze"]["rows_out"], "silver": by_layer["silver"]["rows_out"],
                         "gold": by_layer["gold"]["rows_out"], "labels": by_layer["labels"]["rows_out"]}
            m["run_record"] = record
            m["check"] = summarise("bullion", lake, dates)
            results["bullion"] = m
            commits = {l["layer"]: l["commit_seconds"] for l in record["layers"]}
            total = sum(commits.values())
            results["bullion-no-commits"] = {
                "wall_s": m["wall_s"] - total, "cpu_s": m["cpu_s"] - total,
                "peak_rss_mb": m["peak_rss_mb"], "peak_tree_rss_mb": m["peak_tree_rss_mb"],
                "load_before": m["load_before"], "load_after": m["load_after"],
                "layers": {k: v - commits.get(k, 0) for k, v in m["layers"].items()}, "commit_seconds": commits,
                "note": "the bullion run less its layers' commit_seconds (writing the Delta log); CPU likewise"}
        else:
            work = fresh(engine)
            cmd = [sys.executable, __file__, "--worker", engine, "--raw", raw, "--work", work,
                   "--as-of", ",".join(map(str, dates)), "--threads", args.threads]
            m = measure(engine, cmd, env, args.timeout, logs)
            w = last_json(m.pop("stdout").strip().splitlines()[-1])
            m.update(w)
            m["check"] = summarise(engine, work, dates)
            results[engine] = m
        r = results[engine]
        if engine == "bullion":
            print(f"   commits: {sum(results['bullion-no-commits']['commit_seconds'].values()):.2f} s", flush=True)
        print(f"   {r['wall_s']:.1f} s wall, {r['cpu_s']:.1f} s CPU, peak {r['peak_tree_rss_mb']:,.0f} MB; layers "
              + ", ".join(f"{k} {v:.1f}" for k, v in r.get("layers", {}).items()), flush=True)

    if args.backfill and "bullion" in engines:
        last = dates[-1]
        bf = [last - dt.timedelta(days=7 * i) for i in (3, 2, 1, 0)]
        work = fresh("bullion-backfill")
        spec = bullion_spec(raw, work)
        print(f"-- bullion backfill {bf[0]}..{bf[-1]} every 7d", flush=True)
        m = measure("bullion-backfill", [BULLION, *mem, "--lakehouse", work / "lake", "--threads", args.threads, "-q", "run",
                                         spec, *as_of_args(bf), "--json"], env, args.timeout, logs)
        record = last_json(m.pop("stdout"))
        m["layers"] = layer_seconds(record)
        m["as_of"] = [str(d) for d in bf]
        m["gold_rows"] = {l["layer"]: l["rows_out"] for l in record["layers"]}["gold"]
        results["bullion-backfill"] = m
        print(f"   {m['wall_s']:.1f} s wall, {m['cpu_s']:.1f} s CPU, peak {m['peak_tree_rss_mb']:,.0f} MB; layers "
              + ", ".join(f"{k} {v:.1f}" for k, v in m["layers"].items()), flush=True)

    if "bullion" in results:
        compare({k: v for k, v in results.items() if k != "bullion-backfill"})
        peers = [e for e in results if e in ("duckdb", "polars", "spark")]
        if peers:
            print(f"{', '.join(peers)} agree with bullion on Bronze and Silver rows, Gold and labels")

    base = results.get("bullion", {}).get("wall_s")
    base_cpu = results.get("bullion", {}).get("cpu_s")
    print()
    header = f"{'engine':<18}{'wall s':>9}{'CPU s':>9}{'wall/bullion':>14}{'CPU/bullion':>13}{'peak RSS MB':>13}" \
             f"{'Gold rows':>11}  load before → after"
    print(header)
    print("-" * len(header))
    for name, r in results.items():
        if name == "bullion-backfill":
            continue
        gold_rows = sum(v["rows"] for v in r["check"]["gold"].values()) if "check" in r else None
        ratio = f"{r['wall_s'] / base:.2f}" if base else "-"
        cratio = f"{r['cpu_s'] / base_cpu:.2f}" if base_cpu else "-"
        print(f"{name:<18}{r['wall_s']:>9.1f}{r['cpu_s']:>9.1f}{ratio:>14}{cratio:>13}{r['peak_tree_rss_mb']:>13,.0f}"
              f"{gold_rows if gold_rows is not None else '-':>11}  {r['load_before'][0]:.2f} → {r['load_after'][0]:.2f}")
    print("\nper layer (seconds, as each engine timed them inside its process):")
    layer_names = ["session", "bronze", "silver", "gold", "labels"]
    print(f"{'engine':<18}" + "".join(f"{n:>10}" for n in layer_names))
    for name, r in results.items():
        ls = r.get("layers", {})
        print(f"{name:<18}" + "".join(f"{ls[n]:>10.1f}" if n in ls else f"{'':>10}" for n in layer_names))

    res_dir = pathlib.Path(args.results)
    res_dir.mkdir(parents=True, exist_ok=True)
    stamp_now = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    path = res_dir / f"pipeline_bench-{n_events}-{stamp_now}.json"
    import duckdb
    import polars
    import pyspark

    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    meta = {"events": n_events, "files": args.files, "raw_bytes": raw_bytes, "threads": args.threads,
            "bullion_memory_limit": args.memory_limit, "commit": commit,
            "as_of": [str(d) for d in dates], "cpus": os.cpu_count(), "machine": platform.platform(),
            "versions": {"duckdb": duckdb.__version__, "polars": polars.__version__, "pyspark": pyspark.__version__,
                         "bullion": subprocess.run([str(BULLION), "--version"], capture_output=True,
                                                   text=True).stdout.strip()}}
    path.write_text(json.dumps({"meta": meta, "results": results}, indent=2, default=str))
    print(f"\nresults: {path}")
    if not args.keep_data:
        shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
