"""The seed's Bronze → Silver → Gold → labels logic in PySpark + Delta Lake,
written from DESIGN.md's semantics contract — the reference bullion's
pipeline is compared with.

Contract settings: session time zone UTC (and the JVM's), ANSI mode off,
decimal-point literals as DOUBLE (`0.6D`), `/` as DOUBLE, trim of spaces only
(Spark's trim), full Unicode upper (Spark's upper). Malformed JSON lines (as
Spark's from_json sees them, single quotes not allowed) are quarantined.
"""
import datetime as dt
import pathlib

from pyspark.sql import Window
from pyspark.sql import functions as F
from pyspark.sql import types as T

RAW_FIELDS = ["event_id", "customer_id", "event_type", "event_timestamp", "country", "product_id", "session_id"]


def bronze(spark, raw_dir: pathlib.Path, ingested_at: dt.datetime):
    """Raw NDJSON → rows with provenance (_ingested_at, _source_file, _source_line); malformed lines separated."""
    rows = []
    for path in sorted(p for p in raw_dir.rglob("*") if p.is_file() and not p.name.startswith((".", "_"))):
        rel = path.relative_to(raw_dir).as_posix()
        opener = open
        if path.suffix == ".gz":
            import gzip

            opener = gzip.open
        with opener(path, "rt", encoding="utf-8", newline="") as f:
            for number, line in enumerate(f.read().split("\n"), start=1):
                line = line.rstrip("\r")
                if number == 1:
                    line = line.lstrip("\ufeff")
                if line.strip() == "":
                    continue
                rows.append((rel, number, line))
    text = spark.createDataFrame(rows, "_source_file string, _source_line long, value string")
    return parse_lines(text, ingested_at)


def parse_lines(text, ingested_at: dt.datetime):
    """Rows (_source_file, _source_line, value) of raw NDJSON text → (good rows with _ingested_at, malformed rows).
    Shared with bench/pipeline_bench.py, which reads the lines with spark.read.text at scale."""
    schema = T.StructType([T.StructField(f, T.StringType()) for f in RAW_FIELDS] +
                          [T.StructField("_corrupt_record", T.StringType())])
    parsed = text.withColumn("j", F.from_json("value", schema, {"mode": "PERMISSIVE", "allowSingleQuotes": "false",
                                                               "columnNameOfCorruptRecord": "_corrupt_record"}))
    parsed = parsed.select("_source_file", "_source_line", "value", "j.*")
    malformed = parsed.where(F.col("_corrupt_record").isNotNull())
    good = parsed.where(F.col("_corrupt_record").isNull()).drop("_corrupt_record", "value") \
        .withColumn("_ingested_at", F.lit(ingested_at).cast("timestamp"))
    return good, malformed


def silver(bronze_df):
    """Input expectations → dedupe (earliest by _ingested_at, _source_file, _source_line) → columns →
    output expectation → NULL merge keys quarantined. Returns (silver rows, quarantined count, deduplicated count)."""
    valid = bronze_df.where(F.col("customer_id").isNotNull() & F.col("event_type").isNotNull())
    w = Window.partitionBy("customer_id", "event_id").orderBy("_ingested_at", "_source_file", "_source_line")
    deduped = valid.withColumn("_rn", F.row_number().over(w)).where("_rn = 1").drop("_rn")
    out = deduped.select(
        "customer_id", "event_id",
        F.upper(F.trim(F.col("event_type"))).alias("event_type"),
        F.expr("to_timestamp(event_timestamp)").alias("event_ts"),
        F.coalesce(F.upper("country"), F.lit("UNKNOWN")).alias("country_code"),
        "product_id", "session_id", "_ingested_at")
    out = out.where(F.col("event_ts").isNotNull())
    out = out.where(F.col("customer_id").isNotNull() & F.col("event_id").isNotNull())
    return out


def merge_into(spark, silver_df, path: str):
    """MERGE ... WHEN NOT MATCHED THEN INSERT * on (customer_id, event_id)."""
    from delta.tables import DeltaTable

    if not DeltaTable.isDeltaTable(spark, path):
        silver_df.write.format("delta").save(path)
        return
    target = DeltaTable.forPath(spark, path)
    target.alias("t").merge(silver_df.alias("s"), "t.customer_id = s.customer_id AND t.event_id = s.event_id") \
        .whenNotMatchedInsertAll().execute()


def gold(silver_df, as_of: dt.date):
    as_of_lit = F.lit(as_of).cast("date")
    ev = silver_df.where(F.to_date("event_ts") <= as_of_lit)
    agg = ev.groupBy("customer_id").agg(
        F.count("event_id").alias("total_events"),
        F.countDistinct("session_id").alias("total_sessions"),
        F.countDistinct("product_id").alias("distinct_products"),
        F.count(F.when(F.datediff(as_of_lit, F.col("event_ts")) <= 30, True)).alias("events_last_30d"),
        F.count(F.when(F.datediff(as_of_lit, F.col("event_ts")) <= 90, True)).alias("events_last_90d"),
        F.max("event_ts").alias("last_event_ts"),
        F.min("event_ts").alias("first_event_ts"))
    out = agg.withColumn("days_since_last_event", F.datediff(as_of_lit, "last_event_ts")) \
        .withColumn("customer_tenure_days", F.datediff(as_of_lit, "first_event_ts")) \
        .withColumn("avg_events_per_day", F.expr("total_events / (customer_tenure_days + 1)")) \
        .withColumn("recency_tier", F.expr("CASE WHEN days_since_last_event <= 7 THEN 3 "
                                           "WHEN days_since_last_event <= 30 THEN 2 ELSE 1 END")) \
        .withColumn("engagement_score", F.expr("(events_last_30d * 0.6D + events_last_90d * 0.4D) / "
                                               "(customer_tenure_days + 1)")) \
        .withColumn("feature_date", as_of_lit)
    return out


def labels(silver_df, gold_df, horizon_days=30):
    last_complete = silver_df.select(F.date_sub(F.max(F.to_date("event_ts")), 1).alias("d")).collect()[0].d
    first_positive = silver_df.where(F.col("event_type") == "CANCEL_SUBSCRIPTION") \
        .groupBy("customer_id").agg(F.min(F.to_date("event_ts")).alias("first_positive"))
    g = gold_df.select("customer_id", "feature_date").join(first_positive, "customer_id", "left")
    g = g.where(F.date_add("feature_date", horizon_days) <= F.lit(last_complete))
    g = g.where(F.col("first_positive").isNull() | (F.col("first_positive") > F.col("feature_date")))
    return g.select("customer_id", "feature_date",
                    F.when(F.col("first_positive").isNotNull() &
                           (F.col("first_positive") <= F.date_add("feature_date", horizon_days)), 1)
                    .otherwise(0).alias("churned"))
