"""The oracles are configured as DESIGN's semantics contract requires before any comparison uses them."""


def test_spark_runs_under_the_contract(spark):
    assert spark.conf.get("spark.sql.session.timeZone") == "UTC"
    assert spark.conf.get("spark.sql.ansi.enabled") == "false"
    row = spark.sql(
        "SELECT CAST('2026-03-01 10:15:30' AS TIMESTAMP) AS ts, to_timestamp('not a time') AS bad, 1/0 AS div"
    ).collect()[0]
    # A zone-less timestamp string is UTC; unparseable is NULL; division by zero is NULL.
    assert row.ts.isoformat() == "2026-03-01T10:15:30"
    assert row.bad is None
    assert row.div is None


def test_spark_writes_and_reads_delta(spark, tmp_path):
    path = str(tmp_path / "t")
    spark.range(10).write.format("delta").save(path)
    assert spark.read.format("delta").load(path).count() == 10
