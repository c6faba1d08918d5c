"""Silver, Gold and labels computed by `bullion run` equal the PySpark + Delta
reference written from DESIGN's contract (seed_reference.py), and Gold equals
the same logic in DuckDB, on generated events plus hand-made boundary cases
(window edges, time zones, unparseable timestamps, duplicates across files)."""
import datetime as dt
import json
import math
import pathlib
import shutil

import pytest

import seed_reference as ref
from delta_oracle import bullion_rows, canonical_rows, normalize, spark_rows

ROOT = pathlib.Path(__file__).resolve().parents[2]
AS_OF = ["2025-03-01", "2025-03-22", "2025-04-12", "2025-05-03"]

BOUNDARY_EVENTS = [
    # c-edge: an event exactly 30 days before 2025-03-01 (counts in the 30-day window) and one 31 days before.
    {"event_id": "b1", "customer_id": "c-edge", "event_type": "login", "event_timestamp": "2025-01-30T23:59:59.999Z",
     "country": "de", "product_id": "p1", "session_id": "s1"},
    {"event_id": "b2", "customer_id": "c-edge", "event_type": "login", "event_timestamp": "2025-01-29T00:00:00Z",
     "country": "de", "product_id": "p1", "session_id": "s1"},
    # A zone offset moves the UTC date: 2025-03-01T23:30-02:00 is 2025-03-02 UTC (after the first as_of).
    {"event_id": "b3", "customer_id": "c-edge", "event_type": "purchase", "event_timestamp": "2025-03-01T23:30:00-02:00",
     "country": None, "product_id": "p2", "session_id": "s2"},
    # Unparseable timestamps are quarantined by the output expectation.
    {"event_id": "b4", "customer_id": "c-edge", "event_type": "login", "event_timestamp": "03/01/2025 10:00",
     "country": "fr", "product_id": "p1", "session_id": "s3"},
    # Space instead of T, no zone (UTC), fractional seconds.
    {"event_id": "b5", "customer_id": "c-zone", "event_type": " cancel_subscription ",
     "event_timestamp": "2025-03-15 08:00:00.5", "country": "straße", "product_id": "p9", "session_id": "s9"},
]


@pytest.fixture(scope="module")
def pipeline_run(tmp_path_factory, bullion_bin):
    import subprocess

    work = tmp_path_factory.mktemp("pipeline")
    raw = work / "data" / "raw" / "events"
    subprocess.run([bullion_bin, "generate", "--events", "60k", "--customers", "1500", "--files", "3", "--seed", "11",
                    "--out", str(raw), "-q"], check=True)
    with open(raw / "events-boundary.json", "w") as f:
        for e in BOUNDARY_EVENTS + BOUNDARY_EVENTS[:2]:  # the first two delivered twice
            f.write(json.dumps(e) + "\n")
    shutil.copy(ROOT / "examples" / "churn" / "pipeline.yaml", work / "pipeline.yaml")
    lake = work / "lake"
    proc = subprocess.run([bullion_bin, "--lakehouse", str(lake), "run", str(work / "pipeline.yaml"),
                           "--as-of", f"{AS_OF[0]}..{AS_OF[-1]}", "--every", "21d", "--json"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    record = json.loads(proc.stdout)
    return {"work": work, "raw": raw, "lake": lake, "record": record}


@pytest.fixture(scope="module")
def reference(pipeline_run, spark):
    good, malformed = ref.bronze(spark, pipeline_run["raw"], dt.datetime(2026, 1, 1))
    silver = ref.silver(good).cache()
    golds = {d: ref.gold(silver, dt.date.fromisoformat(d)).cache() for d in AS_OF}
    all_gold = None
    for g in golds.values():
        all_gold = g if all_gold is None else all_gold.unionByName(g)
    return {"silver": silver, "gold": golds, "labels": ref.labels(silver, all_gold), "malformed": malformed.count()}


def table(pipeline_run, spark, name):
    return spark.read.format("delta").load(str(pipeline_run["lake"] / name.replace(".", "/")))


def rows(df, columns):
    return [tuple(normalize(r[c]) for c in columns) for r in df.select(*columns).collect()]


def close(a, b):
    if isinstance(a, float) and isinstance(b, float):
        return a == b or math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    return a == b


def assert_same(ours, theirs, what):
    ours, theirs = sorted(ours, key=repr), sorted(theirs, key=repr)
    assert len(ours) == len(theirs), f"{what}: {len(ours)} rows vs {len(theirs)}"
    for a, b in zip(ours, theirs):
        assert all(close(x, y) for x, y in zip(a, b)), f"{what}: {a} != {b}"


SILVER_COLUMNS = ["customer_id", "event_id", "event_type", "event_ts", "country_code", "product_id", "session_id"]
GOLD_COLUMNS = ["customer_id", "total_events", "total_sessions", "distinct_products", "events_last_30d",
                "events_last_90d", "last_event_ts", "first_event_ts", "days_since_last_event", "customer_tenure_days",
                "avg_events_per_day", "recency_tier", "engagement_score", "feature_date"]


def test_run_record_accounts_for_every_row(pipeline_run, reference):
    layers = {l["layer"]: l for l in pipeline_run["record"]["layers"]}
    b, s = layers["bronze"], layers["silver"]
    assert b["rows_in"] == b["rows_out"] + b["quarantined"]
    assert b["quarantined"] == reference["malformed"]
    assert s["rows_in"] == s["rows_out"] + s["quarantined"] + s["deduplicated"] + s["already_present"] + s["dropped"]


def test_silver_equals_the_pyspark_reference(pipeline_run, reference, spark):
    ours = rows(table(pipeline_run, spark, "churn.silver.customers"), SILVER_COLUMNS)
    theirs = rows(reference["silver"], SILVER_COLUMNS)
    assert_same(ours, theirs, "silver")
    edge = {r[1]: r for r in ours if r[0] in ("c-edge", "c-zone")}
    assert "b4" not in edge  # unparseable timestamp: quarantined
    assert edge["b5"][2] == "CANCEL_SUBSCRIPTION" and edge["b5"][4] == "STRASSE"


def test_gold_equals_the_pyspark_reference_at_every_date(pipeline_run, reference, spark):
    ours = table(pipeline_run, spark, "churn.gold.features")
    assert dict((f.name, f.dataType.simpleString()) for f in ours.schema.fields) == {
        "customer_id": "string", "total_events": "bigint", "total_sessions": "bigint", "distinct_products": "bigint",
        "events_last_30d": "bigint", "events_last_90d": "bigint", "last_event_ts": "timestamp",
        "first_event_ts": "timestamp", "days_since_last_event": "int", "customer_tenure_days": "int",
        "avg_events_per_day": "double", "recency_tier": "int", "engagement_score": "double", "feature_date": "date"}
    for d in AS_OF:
        mine = rows(ours.where(f"feature_date = DATE'{d}'"), GOLD_COLUMNS)
        assert_same(mine, rows(reference["gold"][d], GOLD_COLUMNS), f"gold at {d}")
    edge = rows(ours.where("feature_date = DATE'2025-03-01' AND customer_id = 'c-edge'"), GOLD_COLUMNS)
    assert edge[0][1] == 2 and edge[0][4] == 1  # b3 is on 2025-03-02 UTC; b2 is 31 days back


def test_labels_equal_the_pyspark_reference(pipeline_run, reference, spark):
    columns = ["customer_id", "feature_date", "churned"]
    ours = rows(table(pipeline_run, spark, "churn.gold.labels"), columns)
    theirs = rows(reference["labels"], columns)
    assert_same(ours, theirs, "labels")
    assert {r[2] for r in ours} == {0, 1}


def test_gold_equals_duckdb_on_bullions_silver(pipeline_run):
    import deltalake
    import duckdb

    silver = deltalake.DeltaTable(str(pipeline_run["lake"] / "churn/silver/customers")).to_pyarrow_table()
    gold = deltalake.DeltaTable(str(pipeline_run["lake"] / "churn/gold/features")).to_pyarrow_table()
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.register("silver", silver)
    con.register("gold", gold)
    for d in AS_OF:
        # DuckDB's date_diff takes (start, end), the reverse of Spark's datediff(end, start).
        q = f"""
        WITH f AS (
          SELECT customer_id, count(event_id) AS total_events, count(DISTINCT session_id) AS total_sessions,
                 count(DISTINCT product_id) AS distinct_products,
                 count_if(date_diff('day', CAST(event_ts AS DATE), DATE '{d}') <= 30) AS events_last_30d,
                 count_if(date_diff('day', CAST(event_ts AS DATE), DATE '{d}') <= 90) AS events_last_90d,
                 max(event_ts) AS last_event_ts, min(event_ts) AS first_event_ts
          FROM silver WHERE CAST(event_ts AS DATE) <= DATE '{d}' GROUP BY customer_id)
        SELECT customer_id, total_events, total_sessions, distinct_products, events_last_30d, events_last_90d,
               CAST(date_diff('day', CAST(last_event_ts AS DATE), DATE '{d}') AS INTEGER) AS days_since_last_event,
               CAST(date_diff('day', CAST(first_event_ts AS DATE), DATE '{d}') AS INTEGER) AS customer_tenure_days,
               total_events / (date_diff('day', CAST(first_event_ts AS DATE), DATE '{d}') + 1)::DOUBLE AS avg,
               (events_last_30d * 0.6::DOUBLE + events_last_90d * 0.4::DOUBLE)
                 / (date_diff('day', CAST(first_event_ts AS DATE), DATE '{d}') + 1) AS engagement
        FROM f"""
        theirs = [tuple(normalize(v) for v in r) for r in con.execute(q).fetchall()]
        ours = [tuple(normalize(v) for v in r) for r in con.execute(f"""
            SELECT customer_id, total_events, total_sessions, distinct_products, events_last_30d, events_last_90d,
                   days_since_last_event, customer_tenure_days, avg_events_per_day, engagement_score
            FROM gold WHERE feature_date = DATE '{d}'""").fetchall()]
        assert_same(ours, theirs, f"duckdb gold at {d}")


@pytest.mark.parametrize("name", ["churn.bronze.events", "churn.bronze.events_quarantine", "churn.silver.customers",
                                  "churn.silver.customers_quarantine", "churn.gold.features", "churn.gold.labels"])
def test_every_pipeline_table_reads_the_same_in_bullion_deltars_and_spark(pipeline_run, spark, run_bullion, name):
    import deltalake

    path = pipeline_run["lake"] / name.replace(".", "/")
    ours = canonical_rows(bullion_rows(
        run_bullion("table", "show", path, "--format", "json", "--limit", "0").stdout))
    theirs_rs = canonical_rows(normalize(r) for r in deltalake.DeltaTable(str(path)).to_pyarrow_table().to_pylist())
    theirs_spark = canonical_rows(spark_rows(spark.read.format("delta").load(str(path))))
    assert len(ours) > 0, name
    assert ours == theirs_rs, f"{name}: delta-rs"
    assert ours == theirs_spark, f"{name}: Spark"
