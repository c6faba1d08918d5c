"""Real readers see the generated feed as `bullion generate`'s summary describes it.

DuckDB reads the plain, gzip and zstd files to the same rows; Spark, configured as DESIGN's
semantics contract requires, finds exactly the malformed lines, and its upper(trim(...)) cleans
every messy event type except the tab-padded ones, while upper() maps ß to SS.
"""
import json

import pytest

EVENTS = 30_000
COLUMNS = ["event_id", "customer_id", "event_type", "event_timestamp", "country", "product_id", "session_id"]
EVENT_TYPES = ["LOGIN", "PAGE_VIEW", "ADD_TO_CART", "PURCHASE", "SUPPORT_TICKET", "CANCEL_SUBSCRIPTION"]


@pytest.fixture(scope="module")
def feeds(run_bullion, tmp_path_factory):
    root = tmp_path_factory.mktemp("feeds")
    out = {}
    for compression in ["none", "gzip", "zstd"]:
        directory = root / compression
        proc = run_bullion(
            "generate", "--json", "--events", EVENTS, "--files", 3, "--compression", compression, "--out", directory
        )
        out[compression] = (directory, json.loads(proc.stdout))
    return out


def test_summaries_agree_across_compressions(feeds):
    plain = feeds["none"][1]
    for compression in ["gzip", "zstd"]:
        summary = feeds[compression][1]
        assert summary["uncompressed_bytes"] == plain["bytes"]
        assert summary["bytes"] < plain["bytes"] / 2
        for key in ["lines", "unique_events", "sessions", "events_by_type", "dirt"]:
            assert summary[key] == plain[key], key


def test_duckdb_reads_every_compression_to_the_same_rows(feeds):
    import duckdb

    con = duckdb.connect()
    columns = "{" + ", ".join(f"'{c}': 'VARCHAR'" for c in COLUMNS) + "}"
    rows = {}
    for compression, (directory, summary) in feeds.items():
        rows[compression] = con.execute(
            f"SELECT * FROM read_json('{directory}/events-*', format='newline_delimited', ignore_errors=true, "
            f"compression='{ {'none': 'none', 'gzip': 'gzip', 'zstd': 'zstd'}[compression] }', columns={columns}) "
            "ORDER BY ALL"
        ).fetchall()
        assert len(rows[compression]) == summary["lines"]
        # A line DuckDB cannot parse becomes a row of NULLs: exactly the malformed lines.
        assert sum(1 for r in rows[compression] if r[0] is None) == summary["dirt"]["malformed"]
    assert rows["gzip"] == rows["none"]
    assert rows["zstd"] == rows["none"]


def test_spark_sees_the_dirt_the_silver_spec_expects(spark, feeds):
    directory, summary = feeds["gzip"]
    schema = ", ".join(f"{c} STRING" for c in COLUMNS) + ", _corrupt_record STRING"
    # Spark accepts single-quoted JSON unless told not to; bullion's contract does not.
    df = (
        spark.read.schema(schema)
        .option("mode", "PERMISSIVE")
        .option("columnNameOfCorruptRecord", "_corrupt_record")
        .option("allowSingleQuotes", "false")
        .json(str(directory))
        .cache()
    )
    assert df.count() == summary["lines"]
    assert df.filter("_corrupt_record IS NOT NULL").count() == summary["dirt"]["malformed"]

    first = df.filter("_corrupt_record IS NULL").dropDuplicates(["event_id"])  # duplicates are identical lines
    assert first.count() == summary["unique_events"] - summary["dirt"]["malformed"]
    assert first.filter("customer_id IS NULL").count() == summary["dirt"]["null_customer"]
    assert first.filter("event_type IS NULL").count() == summary["dirt"]["null_event_type"]
    canonical = ", ".join(f"'{t}'" for t in EVENT_TYPES)
    still_dirty = first.filter(f"event_type IS NOT NULL AND upper(trim(event_type)) NOT IN ({canonical})")
    assert still_dirty.count() == summary["dirt"]["tab_padded_event_type"] > 0
    assert still_dirty.filter("event_type NOT LIKE '%\t%'").count() == 0
    # Every timestamp parses under the contract (UTC, ANSI off), to the millisecond.
    assert first.filter("to_timestamp(event_timestamp) IS NULL").count() == 0
    bounds = first.selectExpr("min(to_timestamp(event_timestamp))", "max(to_timestamp(event_timestamp))").first()
    assert bounds[0].isoformat().startswith("2025-01-01")
    assert bounds[1].isoformat().startswith("2025-06-30")
    # upper() maps the full Unicode case: ß -> SS.
    german = first.filter("country = 'Großbritannien'").count()
    assert german > 0
    assert first.filter("upper(country) = 'GROSSBRITANNIEN'").count() == german
