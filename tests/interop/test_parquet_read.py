"""Files written by pyarrow (dictionary on/off, page v1/v2, every codec,
delta and byte-stream-split encodings, INT96), DuckDB and Spark (INT96 and
micros, legacy format), read by bullion with identical values."""
import datetime
import decimal
import json

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from parquet_oracle import arrow_columns, bullion_read, read_footer, run_tool


def sample_table(n=3000):
    """Every type pyarrow writes that bullion reads, with NULLs."""
    rows = range(n)

    def nullable(f):
        return [None if i % 11 == 3 else f(i) for i in rows]

    strings = ["", "a", "héllo", "日本", "zzz", "emoji 😀"]
    return pa.table({
        "b": pa.array(nullable(lambda i: i % 3 == 0), pa.bool_()),
        "i8": pa.array(nullable(lambda i: (i * 7) % 256 - 128), pa.int8()),
        "i16": pa.array(nullable(lambda i: (i * 7919) % 65536 - 32768), pa.int16()),
        "i32": pa.array(nullable(lambda i: (i * 2654435761) % 2 ** 32 - 2 ** 31), pa.int32()),
        "i64": pa.array(nullable(lambda i: (i * 11400714819323198485) % 2 ** 64 - 2 ** 63), pa.int64()),
        "u8": pa.array(nullable(lambda i: i % 256), pa.uint8()),
        "u16": pa.array(nullable(lambda i: (i * 31) % 65536), pa.uint16()),
        "u32": pa.array(nullable(lambda i: (i * 2654435761) % 2 ** 32), pa.uint32()),
        "u64": pa.array(nullable(lambda i: (i * 11400714819323198485) % 2 ** 64), pa.uint64()),
        "f32": pa.array(nullable(lambda i: [1.5, -0.25, float("nan"), float("inf"), -0.0][i % 5] * (i % 13)), pa.float32()),
        "f64": pa.array(nullable(lambda i: i / 7 if i % 5 else float("-inf")), pa.float64()),
        "s": pa.array(nullable(lambda i: strings[i % len(strings)] + str(i % 50)), pa.string()),
        "ls": pa.array(nullable(lambda i: "x" * (i % 20)), pa.large_string()),
        "bin": pa.array(nullable(lambda i: bytes([i % 256, 255 - i % 256])), pa.binary()),
        "fixed": pa.array(nullable(lambda i: (i * 12345).to_bytes(4, "little")), pa.binary(4)),
        "date": pa.array(nullable(lambda i: i * 37 - 50000), pa.date32()),
        "ts_us": pa.array(nullable(lambda i: i * 1_000_003 - 10 ** 12), pa.timestamp("us", tz="UTC")),
        "ts_ms": pa.array(nullable(lambda i: i * 1009 - 10 ** 9), pa.timestamp("ms", tz="UTC")),
        "ts_ns": pa.array(nullable(lambda i: i * 1_000_000_007 - 10 ** 15 - 1), pa.timestamp("ns")),
        "dec9": pa.array(nullable(lambda i: decimal.Decimal(i * 97 - 10 ** 5).scaleb(-2)), pa.decimal128(9, 2)),
        "dec18": pa.array(nullable(lambda i: decimal.Decimal(i * 10 ** 12 + 7).scaleb(-4)), pa.decimal128(18, 4)),
        "dec38": pa.array(nullable(lambda i: decimal.Decimal((-1) ** i * (10 ** 37 + i)).scaleb(-6)),
                          pa.decimal128(38, 6)),
        "half": pa.array(nullable(lambda i: [0.5, -2.0, 65504.0][i % 3]), pa.float16()),
        "nothing": pa.nulls(n),
        "list": pa.array(nullable(lambda i: [j if j % 4 else None for j in range(i % 5)]), pa.list_(pa.int64())),
        "struct": pa.array(nullable(lambda i: {"x": i, "y": strings[i % 6] if i % 3 else None}),
                           pa.struct([("x", pa.int32()), ("y", pa.string())])),
        "map": pa.array(nullable(lambda i: [(f"k{j}", i * j if j else None) for j in range(i % 4)]),
                        pa.map_(pa.string(), pa.int64())),
        "nested": pa.array(nullable(lambda i: [{"a": [j, None], "m": [("z", float(j))]} for j in range(i % 3)]),
                           pa.list_(pa.struct([("a", pa.list_(pa.int16())),
                                               ("m", pa.map_(pa.string(), pa.float64()))]))),
    })


def check(path, table=None, **flags):
    table = table if table is not None else pq.read_table(path)
    got = bullion_read(path, *flags.get("args", []))
    expected = arrow_columns(table)  # float16 reads as FLOAT: the same values
    assert got["num_rows"] == table.num_rows
    for name in expected:
        assert got["columns"][name] == expected[name], name
    return got


CODECS = ["zstd", "snappy", "gzip", "lz4", "none"]


@pytest.mark.parametrize("codec", CODECS)
@pytest.mark.parametrize("page_version", ["1.0", "2.0"])
@pytest.mark.parametrize("dictionary", [True, False], ids=["dict", "plain"])
def test_pyarrow_codecs_pages_dictionary(tmp_path, codec, page_version, dictionary):
    table = sample_table()
    path = tmp_path / "t.parquet"
    pq.write_table(table, path, compression=codec, data_page_version=page_version, use_dictionary=dictionary,
                   row_group_size=1100, data_page_size=4096, write_statistics=True)
    check(path, table)
    # Small batches cut through pages and row groups.
    got = bullion_read(path, "--batch-rows", "333", "--columns", "nested,map,s")
    assert got["columns"]["nested"] == arrow_columns(table)["nested"]


def test_pyarrow_delta_and_byte_stream_split(tmp_path):
    table = sample_table(2500)
    encodings = {"i32": "DELTA_BINARY_PACKED", "i64": "DELTA_BINARY_PACKED", "date": "DELTA_BINARY_PACKED",
                 "ts_us": "DELTA_BINARY_PACKED", "u32": "DELTA_BINARY_PACKED", "dec9": "DELTA_BINARY_PACKED",
                 "s": "DELTA_BYTE_ARRAY", "ls": "DELTA_LENGTH_BYTE_ARRAY", "bin": "DELTA_LENGTH_BYTE_ARRAY",
                 "fixed": "DELTA_BYTE_ARRAY", "f32": "BYTE_STREAM_SPLIT", "f64": "BYTE_STREAM_SPLIT",
                 "i16": "BYTE_STREAM_SPLIT", "dec38": "BYTE_STREAM_SPLIT", "dec18": "BYTE_STREAM_SPLIT"}
    for version in ("1.0", "2.0"):
        path = tmp_path / f"delta{version}.parquet"
        # Decimals as INT32/INT64 (store_decimal_as_integer) so that dec9 can be delta-encoded.
        pq.write_table(table, path, use_dictionary=False, column_encoding=encodings, data_page_version=version,
                       data_page_size=2048, store_decimal_as_integer=True)
        md = pq.ParquetFile(path).metadata
        names = table.column_names
        for name, encoding in encodings.items():
            assert encoding in md.row_group(0).column(names.index(name)).encodings, name
        check(path, table)


def test_pyarrow_int96_and_time_units(tmp_path):
    ts = [datetime.datetime(1900, 1, 1, 0, 0, 0, 1), datetime.datetime(1970, 1, 1),
          datetime.datetime(2024, 2, 29, 23, 59, 59, 999999), None, datetime.datetime(9999, 12, 31, 23, 59, 59)]
    table = pa.table({"ts": pa.array(ts, pa.timestamp("us", tz="UTC")), "local": pa.array(ts, pa.timestamp("us"))})
    path = tmp_path / "int96.parquet"
    pq.write_table(table, path, use_deprecated_int96_timestamps=True)
    assert pq.ParquetFile(path).schema.column(0).physical_type == "INT96"
    got = check(path, table)
    assert got["schema"][0]["type"] == "TIMESTAMP"
    # Milliseconds, as coerce_timestamps writes them.
    ms = tmp_path / "ms.parquet"
    pq.write_table(table, ms, coerce_timestamps="ms", allow_truncated_timestamps=True)
    assert pq.ParquetFile(ms).schema.column(0).logical_type.to_json() == \
        '{"Type": "Timestamp", "isAdjustedToUTC": true, "timeUnit": "milliseconds", "is_from_converted_type": false, ' \
        '"force_set_converted_type": false}'
    got = check(ms)
    assert got["schema"][1]["type"] == "TIMESTAMP_NTZ"


def test_pyarrow_legacy_nested_and_many_row_groups(tmp_path):
    table = sample_table(4000).select(["list", "struct", "map", "nested", "s"])
    path = tmp_path / "compat.parquet"
    # Parquet format 1.0 types, old list naming ("item"), small row groups and pages.
    pq.write_table(table, path, version="1.0", use_compliant_nested_type=False, row_group_size=300,
                   data_page_size=512)
    assert pq.ParquetFile(path).metadata.num_row_groups > 10
    check(path, table)


def test_pyarrow_unsupported_codec_is_named(tmp_path):
    path = tmp_path / "brotli.parquet"
    pq.write_table(pa.table({"x": [1, 2, 3]}), path, compression="brotli")
    proc = run_tool("read", path, check=False)
    assert proc.returncode != 0
    err = json.loads(proc.stderr)
    assert err["category"] == "unsupported"
    assert "BROTLI" in err["error"] and "column 'x'" in err["error"]


def duckdb_con():
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    return con


DUCKDB_SELECT = """
SELECT i::INTEGER AS i, (i * 1000003)::BIGINT AS big, (i % 200 - 100)::TINYINT AS tiny,
       (i * 31 % 60000 - 30000)::SMALLINT AS small, (i % 256)::UTINYINT AS ut, (i * 7)::UBIGINT AS ub,
       CASE WHEN i % 9 = 0 THEN NULL ELSE i / 3.0 END AS dbl, (i / 4)::FLOAT AS flt,
       CASE WHEN i % 7 = 0 THEN NULL ELSE 'str-' || (i % 97)::VARCHAR END AS s,
       ('\\x' || lpad(to_hex(i % 256), 2, '0'))::BLOB AS bl,
       DATE '2000-01-01' + i::INTEGER AS d,
       TIMESTAMPTZ '2020-01-01 00:00:00+00' + to_microseconds(i * 1000003) AS tstz,
       TIMESTAMP '1960-06-01 12:00:00' + to_microseconds(i * 7) AS ts,
       (i * 123.45)::DECIMAL(9, 2) AS d9, (i * 98765.4321)::DECIMAL(18, 4) AS d18,
       (i::HUGEINT * 100000000000000000000 + 1)::DECIMAL(38, 3) AS d38,
       CASE WHEN i % 5 = 0 THEN NULL ELSE [i, NULL, i + 1] END AS lst,
       {'a': i, 'b': CASE WHEN i % 2 = 0 THEN 'even' END} AS st,
       MAP {'k': i, 'z': NULL} AS mp,
       [{'x': [i::SMALLINT], 'y': 'y'}] AS deep,
       gen_random_uuid() IS NOT NULL AS flag
FROM range(NUM_ROWS) t(i)
"""


@pytest.mark.parametrize("codec", ["zstd", "snappy", "gzip", "uncompressed"])
def test_duckdb_written_files(tmp_path, codec):
    con = duckdb_con()
    path = tmp_path / f"duck_{codec}.parquet"
    con.execute(f"COPY ({DUCKDB_SELECT.replace('NUM_ROWS', '3000')}) TO '{path}' (FORMAT parquet, COMPRESSION {codec}, "
                f"ROW_GROUP_SIZE 1000)")
    expected = arrow_columns(con.sql(f"SELECT * FROM read_parquet('{path}')").to_arrow_table())
    got = bullion_read(path)
    for name, values in expected.items():
        if name == "ub":
            # DuckDB writes UBIGINT as INT64 with UINT_64: bullion reads DECIMAL(20,0).
            values = [None if v is None else str(v) for v in values]
        assert got["columns"][name] == values, name


def test_duckdb_v2_pages(tmp_path):
    con = duckdb_con()
    path = tmp_path / "duck_v2.parquet"
    con.execute(f"COPY ({DUCKDB_SELECT.replace('NUM_ROWS', '2000')}) TO '{path}' (FORMAT parquet, PARQUET_VERSION V2)")
    expected = arrow_columns(con.sql(f"SELECT * EXCLUDE (ub) FROM read_parquet('{path}')").to_arrow_table())
    got = bullion_read(path)
    for name, values in expected.items():
        assert got["columns"][name] == values, name


@pytest.mark.parametrize("output_type", ["INT96", "TIMESTAMP_MICROS", "TIMESTAMP_MILLIS"])
def test_spark_written_files(tmp_path, spark, output_type):
    spark.conf.set("spark.sql.parquet.outputTimestampType", output_type)
    try:
        df = spark.sql("""
            SELECT id, CAST(id AS INT) AS i, CAST(id % 100 AS TINYINT) AS t,
                   CASE WHEN id % 4 = 0 THEN NULL ELSE concat('s', CAST(id % 13 AS STRING)) END AS s,
                   timestamp_micros(id * 1000003 - 1000000000000) AS ts,
                   date_add(DATE '1999-12-31', CAST(id AS INT)) AS d,
                   CAST(id * 1.25 AS DECIMAL(10, 2)) AS dec10, CAST(id AS DECIMAL(30, 5)) AS dec30,
                   CASE WHEN id % 3 = 0 THEN NULL ELSE array(id, id + 1) END AS arr,
                   map('k', CAST(id AS STRING)) AS m,
                   named_struct('a', id, 'b', array(named_struct('c', CAST(id AS DOUBLE)))) AS st
            FROM range(0, 1500)""")
        path = str(tmp_path / f"spark_{output_type}")
        df.coalesce(1).write.mode("overwrite").parquet(path)
    finally:
        spark.conf.unset("spark.sql.parquet.outputTimestampType")
    import glob
    files = glob.glob(path + "/*.parquet")
    assert len(files) == 1
    physical = {pq.ParquetFile(files[0]).schema.column(i).name: pq.ParquetFile(files[0]).schema.column(i).physical_type
                for i in range(len(pq.ParquetFile(files[0]).schema))}
    assert physical["ts"] == ("INT96" if output_type == "INT96" else "INT64")
    # Spark's own values, as the oracle: timestamps in microseconds, dates in days.
    rows = spark.read.parquet(path).selectExpr(
        "id", "i", "t", "s", "unix_micros(ts) AS ts", "unix_date(d) AS d", "CAST(dec10 AS STRING) AS dec10",
        "CAST(dec30 AS STRING) AS dec30", "arr", "m", "st").orderBy("id").collect()
    got = bullion_read(files[0])
    order = sorted(range(len(got["columns"]["id"])), key=lambda k: got["columns"]["id"][k])
    cols = {name: [values[k] for k in order] for name, values in got["columns"].items()}
    assert cols["id"] == [r["id"] for r in rows]
    assert cols["i"] == [r["i"] for r in rows]
    assert cols["t"] == [r["t"] for r in rows]
    assert cols["s"] == [r["s"] for r in rows]
    expected_ts = [r["ts"] for r in rows]
    if output_type == "TIMESTAMP_MILLIS":
        expected_ts = [(v // 1000) * 1000 for v in expected_ts]
    assert cols["ts"] == expected_ts
    assert cols["d"] == [r["d"] for r in rows]
    assert cols["dec10"] == [r["dec10"] for r in rows]
    assert cols["dec30"] == [r["dec30"] for r in rows]
    assert cols["arr"] == [None if r["arr"] is None else list(r["arr"]) for r in rows]
    assert cols["m"] == [[[k, v] for k, v in r["m"].items()] for r in rows]
    assert cols["st"] == [{"a": r["st"]["a"], "b": [{"c": x["c"]} for x in r["st"]["b"]]} for r in rows]


def test_spark_legacy_format(tmp_path, spark):
    spark.conf.set("spark.sql.parquet.writeLegacyFormat", "true")
    try:
        df = spark.sql("""
            SELECT id, CAST(id * 3 AS DECIMAL(9, 2)) AS small_dec, CAST(id AS DECIMAL(25, 1)) AS big_dec,
                   CASE WHEN id % 2 = 0 THEN array(CAST(id AS INT), NULL) END AS arr,
                   map(CAST(id AS STRING), array(id)) AS m
            FROM range(0, 500)""")
        path = str(tmp_path / "legacy")
        df.coalesce(1).write.mode("overwrite").parquet(path)
    finally:
        spark.conf.unset("spark.sql.parquet.writeLegacyFormat")
    import glob
    files = glob.glob(path + "/*.parquet")
    schema = pq.ParquetFile(files[0]).schema
    # Legacy layout: decimals as FIXED_LEN_BYTE_ARRAY, lists as bag/array groups.
    names = [schema.column(i).path for i in range(len(schema))]
    assert "arr.bag.array" in names
    rows = spark.read.parquet(path).selectExpr("id", "CAST(small_dec AS STRING) AS small_dec",
                                               "CAST(big_dec AS STRING) AS big_dec", "arr", "m").orderBy("id").collect()
    got = bullion_read(files[0])
    order = sorted(range(len(got["columns"]["id"])), key=lambda k: got["columns"]["id"][k])
    cols = {name: [values[k] for k in order] for name, values in got["columns"].items()}
    assert cols["small_dec"] == [r["small_dec"] for r in rows]
    assert cols["big_dec"] == [r["big_dec"] for r in rows]
    assert cols["arr"] == [None if r["arr"] is None else list(r["arr"]) for r in rows]
    assert cols["m"] == [[[k, list(v)] for k, v in r["m"].items()] for r in rows]


def test_damaged_pyarrow_file_is_a_clear_error(tmp_path):
    path = tmp_path / "cut.parquet"
    pq.write_table(sample_table(200), path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2] + data[-8:])  # keeps the magic, loses the middle
    proc = run_tool("read", path, check=False)
    assert proc.returncode != 0
    err = json.loads(proc.stderr)
    assert err["category"] == "corrupt data"
    assert str(path) in err["error"]


@pytest.mark.parametrize("codec", ["lz4", "lz4_raw", "zstd", "gzip", "snappy", "uncompressed"])
def test_spark_codecs(tmp_path, spark, codec):
    # Spark's "lz4" is parquet-mr's Hadoop-framed LZ4 (codec LZ4), not LZ4_RAW.
    path = str(tmp_path / f"spark_{codec}")
    spark.sql("SELECT id, concat('v', CAST(id % 17 AS STRING)) AS s, id * 0.5 AS d FROM range(0, 3000)") \
        .coalesce(1).write.option("compression", codec).mode("overwrite").parquet(path)
    import glob
    files = glob.glob(path + "/*.parquet")
    # pyarrow names the deprecated LZ4 codec "UNKNOWN": check the footer's codec number itself.
    codec_ids = {"uncompressed": 0, "snappy": 1, "gzip": 2, "lz4": 5, "zstd": 6, "lz4_raw": 7}
    assert read_footer(files[0])[4][0][1][0][3][4] == codec_ids[codec]
    got = bullion_read(files[0])
    rows = spark.read.parquet(path).collect()
    by_id = {r["id"]: r for r in rows}
    assert sorted(got["columns"]["id"]) == sorted(by_id)
    for i, s, d in zip(got["columns"]["id"], got["columns"]["s"], got["columns"]["d"]):
        assert s == by_id[i]["s"] and decimal.Decimal(d) == by_id[i]["d"]
