"""Files written by bullion, read by pyarrow and DuckDB: identical values for
every type, with NULLs, every codec, page v1/v2, dictionary on/off, forced
encodings, flat and nested; footers carry exact min/max statistics
(min_value/max_value only, byte-wise string order) and column_orders."""
import decimal
import math
import random

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from parquet_oracle import arrow_columns, bullion_read, bullion_write, read_footer

FLAT_SCHEMA = [
    {"name": "b", "type": "boolean"},
    {"name": "i8", "type": "int8"},
    {"name": "i16", "type": "int16"},
    {"name": "i32", "type": "int32"},
    {"name": "i64", "type": "int64"},
    {"name": "f32", "type": "float"},
    {"name": "f64", "type": "double"},
    {"name": "s", "type": "string"},
    {"name": "bin", "type": "binary"},
    {"name": "date", "type": "date"},
    {"name": "ts", "type": "timestamp"},
    {"name": "ntz", "type": "timestamp_ntz"},
    {"name": "dec9", "type": "decimal(9,2)"},
    {"name": "dec18", "type": "decimal(18,6)"},
    {"name": "dec38", "type": "decimal(38,10)"},
    {"name": "req", "type": "int64", "nullable": False},
    {"name": "req_s", "type": "string", "nullable": False},
]

WORDS = ["", "a", "zz", "héllo", "日本語", "emoji 😀", "Zebra", "apple", "\u00ff", "tab\tnew\nline"]


def _decimal(rng, precision, scale):
    digits = rng.randrange(0, 10 ** min(precision, 30))
    if precision > 30 and rng.random() < 0.3:
        digits = 10 ** precision - 1  # the largest value of the precision
    unscaled = digits if rng.random() < 0.5 else -digits
    return format(decimal.Decimal(unscaled).scaleb(-scale, decimal.Context(prec=60)), "f")


def flat_columns(n, seed, card=None):
    """Column data in parquet_tool conventions; `card` limits distinct values (dictionary pages)."""
    rng = random.Random(seed)

    def pick(make):
        return [make() for _ in range(n)]

    def nullable(make):
        return pick(lambda: None if rng.random() < 0.15 else make())

    def k(limit):
        return rng.randrange(card) if card else rng.randrange(limit)

    cols = {
        "b": nullable(lambda: rng.random() < 0.5),
        "i8": nullable(lambda: k(256) - 128),
        "i16": nullable(lambda: k(65536) - 32768),
        "i32": nullable(lambda: k(2 ** 32) - 2 ** 31),
        "i64": nullable(lambda: k(2 ** 64) - 2 ** 63),
        "f32": nullable(lambda: rng.choice([k(1000) / 8, -k(1000) / 4, "NaN", "Infinity", "-Infinity", -0.0, 0.0])),
        "f64": nullable(lambda: rng.choice([k(10 ** 6) / 7, -k(10 ** 6) * 1e300, "NaN", 5e-324, -0.0])),
        "s": nullable(lambda: rng.choice(WORDS) + (str(k(10 ** 6)) if rng.random() < 0.5 else "")),
        "bin": nullable(lambda: bytes(rng.randrange(256) for _ in range(k(12))).hex()),
        "date": nullable(lambda: k(200000) - 100000),
        "ts": nullable(lambda: k(2 ** 50) - 2 ** 49),
        "ntz": nullable(lambda: k(2 ** 50) - 2 ** 49),
        "dec9": nullable(lambda: _decimal(rng, 9, 2)),
        "dec18": nullable(lambda: _decimal(rng, 18, 6)),
        "dec38": nullable(lambda: _decimal(rng, 38, 10)),
        "req": pick(lambda: k(2 ** 63)),
        "req_s": pick(lambda: rng.choice(WORDS)),
    }
    # Edge values in the first rows.
    edges = {
        "i8": [-128, 127], "i16": [-32768, 32767], "i32": [-2 ** 31, 2 ** 31 - 1], "i64": [-2 ** 63, 2 ** 63 - 1],
        "f64": [float("-inf"), 1.7976931348623157e308], "s": ["", "\U0010FFFF"], "bin": ["", "ff80"],
        "date": [-719162, 2932896], "ts": [-62135596800000000, 253402300799999999],
    }
    for name, values in edges.items():
        for i, v in enumerate(values):
            if i < n:
                cols[name][i] = "-Infinity" if v == float("-inf") else v
    return cols


NESTED_SCHEMA = [
    {"name": "li", "type": {"list": "int64"}},
    {"name": "ls", "type": {"list": "string", "contains_null": False}},
    {"name": "st", "type": {"struct": [{"name": "a", "type": "int32"}, {"name": "b", "type": {"list": "string"}},
                                       {"name": "c", "type": "decimal(20,2)"}]}},
    {"name": "m", "type": {"map": ["string", "double"]}},
    {"name": "ll", "type": {"list": {"list": "int32"}}},
    {"name": "lst", "type": {"list": {"struct": [{"name": "x", "type": "timestamp"},
                                                 {"name": "y", "type": {"map": ["string", "binary"]}}]}}},
    {"name": "req_list", "type": {"list": "int16"}, "nullable": False},
]


def nested_columns(n, seed):
    rng = random.Random(seed)

    def maybe(v):
        return None if rng.random() < 0.15 else v

    def small_list(make, max_len=4):
        return [make() for _ in range(rng.randrange(max_len))]

    cols = {name: [] for name in [f["name"] for f in NESTED_SCHEMA]}
    for _ in range(n):
        cols["li"].append(maybe(small_list(lambda: maybe(rng.randrange(-1000, 1000)))))
        cols["ls"].append(maybe(small_list(lambda: rng.choice(WORDS))))
        cols["st"].append(maybe({"a": maybe(rng.randrange(100)), "b": maybe(small_list(lambda: maybe(rng.choice(WORDS)))),
                                 "c": maybe(_decimal(rng, 20, 2))}))
        # Map keys are unique per row.
        keys = rng.sample(["k1", "k2", "k3", "k4"], rng.randrange(4))
        cols["m"].append(maybe([[key, maybe(rng.randrange(1000) / 8)] for key in keys]))
        cols["ll"].append(maybe(small_list(lambda: maybe(small_list(lambda: maybe(rng.randrange(9)), 3)), 3)))
        cols["lst"].append(maybe(small_list(
            lambda: maybe({"x": maybe(rng.randrange(-2 ** 40, 2 ** 40)),
                           "y": maybe([[key, maybe(bytes([rng.randrange(256)]).hex())]
                                       for key in rng.sample(["p", "q", "r"], rng.randrange(3))])}), 3)))
        cols["req_list"].append(small_list(lambda: maybe(rng.randrange(-300, 300))))
    return cols


def duckdb_columns(path, exclude=()):
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    select = "*" + (f" EXCLUDE ({', '.join(exclude)})" if exclude else "")
    return arrow_columns(con.sql(f"SELECT {select} FROM read_parquet('{path}')").to_arrow_table())


def _leaf_array(array, parts):
    """The values of one leaf column (path after the top-level name), NULL ancestors applied."""
    if not parts:
        return array
    t = array.type
    if pa.types.is_struct(t):
        children = array.flatten()  # merges the struct's validity into its children
        return _leaf_array(children[t.get_field_index(parts[0])], parts[1:])
    if pa.types.is_map(t):
        return _leaf_array(array.keys if parts[1] == "key" else array.items, parts[2:])
    if pa.types.is_list(t):
        return _leaf_array(array.flatten(), parts[2:])
    raise AssertionError(f"unexpected type {t} at {parts}")


def _leaf_type_name(t):
    if pa.types.is_string(t):
        return "string"
    if pa.types.is_binary(t):
        return "binary"
    if pa.types.is_float32(t):
        return "float"
    if pa.types.is_float64(t):
        return "double"
    if pa.types.is_decimal(t):
        return f"decimal({t.precision},{t.scale})"
    return "integer"


def check_footer_statistics(path):
    """Every leaf column chunk's min/max are the true extremes of its values; column orders set."""
    pf = pq.ParquetFile(path)
    md = pf.metadata
    footer = read_footer(path)
    assert footer.get(7) == [{1: {}}] * md.num_columns  # TYPE_DEFINED_ORDER for every leaf
    for g in range(md.num_row_groups):
        rg_table = pf.read_row_group(g)
        for c in range(md.num_columns):
            chunk = md.row_group(g).column(c)
            parts = chunk.path_in_schema.split(".")
            leaf = _leaf_array(rg_table.column(parts[0]).combine_chunks(), parts[1:])
            type_name = _leaf_type_name(leaf.type)
            if type_name == "integer":
                if pa.types.is_date32(leaf.type):
                    leaf = leaf.cast(pa.int32())
                values = (leaf if pa.types.is_boolean(leaf.type) else leaf.cast(pa.int64())).to_pylist()
            elif type_name.startswith("decimal"):
                values = leaf.cast(pa.string()).to_pylist()
            else:
                values = arrow_columns(pa.table({"v": leaf}))["v"]
            lo, hi = _physical_bounds(values, type_name)
            stats = chunk.statistics
            # null_count counts level entries without a value (NULLs, and NULL or empty lists above).
            assert stats.null_count == chunk.num_values - sum(v is not None for v in values), chunk.path_in_schema
            raw = footer[4][g][1][c][3][12]
            assert 1 not in raw and 2 not in raw, "deprecated min/max written"
            if lo is None:
                assert 5 not in raw and 6 not in raw, chunk.path_in_schema
                continue
            if type_name in ("string", "binary") and (len(lo) > 64 or len(hi) > 64):
                # Truncated bounds; a maximum with no 64-byte upper bound (all 0xFF) is dropped.
                assert raw[6] <= lo and len(raw[6]) <= 64, chunk.path_in_schema
                if 5 in raw:
                    assert raw[5] >= hi and len(raw[5]) <= 64, chunk.path_in_schema
                else:
                    assert hi[:64] == b"\xff" * 64, chunk.path_in_schema
                continue
            got_lo, got_hi = _raw_to_comparable(stats.min_raw, type_name), _raw_to_comparable(stats.max_raw, type_name)
            assert (got_lo, got_hi) == (lo, hi), (chunk.path_in_schema, g)
            if type_name in ("float", "double"):
                if lo == 0:
                    assert math.copysign(1, got_lo) == -1
                if hi == 0:
                    assert math.copysign(1, got_hi) == 1


def write_and_check(tmp_path, name, schema, columns, options, check_duckdb=True, duckdb_exclude=()):
    path = tmp_path / f"{name}.parquet"
    info = bullion_write({"schema": schema, "columns": columns, "options": options, "batch_rows": 997}, path, tmp_path)
    assert info["num_rows"] == len(next(iter(columns.values())))
    check_footer_statistics(path)
    table = pq.read_table(path)
    assert arrow_columns(table) == columns
    if check_duckdb:
        assert duckdb_columns(path, duckdb_exclude) == {k: v for k, v in columns.items() if k not in duckdb_exclude}
    assert bullion_read(path)["columns"] == columns
    return path


VARIANTS = [
    {"compression": c, "data_page_version": v, "dictionary": d}
    for c, v, d in [("zstd", 1, True), ("zstd", 2, False), ("snappy", 1, False), ("snappy", 2, True),
                    ("gzip", 1, True), ("gzip", 2, False), ("none", 1, True), ("none", 2, True),
                    ("lz4_raw", 1, False), ("lz4_raw", 2, True)]
]


@pytest.mark.parametrize("options", VARIANTS, ids=lambda o: f"{o['compression']}-v{o['data_page_version']}"
                         f"-{'dict' if o['dictionary'] else 'plain'}")
def test_flat_types_every_codec(tmp_path, options):
    columns = flat_columns(1500, seed=hash(str(options)) % 1000, card=40 if options["dictionary"] else None)
    opts = dict(options, page_rows=200, row_group_rows=600)
    write_and_check(tmp_path, "flat", FLAT_SCHEMA, columns, opts)


@pytest.mark.parametrize("options", VARIANTS[:4], ids=lambda o: f"{o['compression']}-v{o['data_page_version']}")
def test_nested_types(tmp_path, options):
    columns = nested_columns(1200, seed=5)
    write_and_check(tmp_path, "nested", NESTED_SCHEMA, columns, dict(options, page_rows=150, row_group_rows=500))


def test_forced_encodings(tmp_path):
    schema = [{"name": "i32", "type": "int32"}, {"name": "i64", "type": "int64"}, {"name": "ts", "type": "timestamp"},
              {"name": "f32", "type": "float"}, {"name": "f64", "type": "double"},
              {"name": "s_len", "type": "string"}, {"name": "s_delta", "type": "string"},
              {"name": "b_delta", "type": "binary"}, {"name": "dec", "type": "decimal(30,2)"}]
    columns = flat_columns(2000, seed=3)
    data = {"i32": columns["i32"], "i64": columns["i64"], "ts": columns["ts"], "f32": columns["f32"],
            "f64": columns["f64"], "s_len": columns["s"], "s_delta": sorted(x for x in columns["s"] if x is not None),
            "b_delta": columns["bin"], "dec": [_decimal(random.Random(i), 30, 2) for i in range(2000)]}
    data["s_delta"] += [None] * (2000 - len(data["s_delta"]))
    encodings = {"i32": "DELTA_BINARY_PACKED", "i64": "DELTA_BINARY_PACKED", "ts": "DELTA_BINARY_PACKED",
                 "f32": "BYTE_STREAM_SPLIT", "f64": "BYTE_STREAM_SPLIT", "s_len": "DELTA_LENGTH_BYTE_ARRAY",
                 "s_delta": "DELTA_BYTE_ARRAY", "b_delta": "DELTA_BYTE_ARRAY", "dec": "BYTE_STREAM_SPLIT"}
    for version in (1, 2):
        # DuckDB reads BYTE_STREAM_SPLIT only for FLOAT, DOUBLE, INT32 and INT64, not for
        # FIXED_LEN_BYTE_ARRAY decimals; pyarrow reads that column.
        path = write_and_check(tmp_path, f"enc{version}", schema, data,
                               {"encodings": encodings, "data_page_version": version, "page_rows": 300},
                               duckdb_exclude=("dec",))
        md = pq.ParquetFile(path).metadata
        for i, name in enumerate(encodings):
            assert encodings[name] in md.row_group(0).column(i).encodings, name


def _physical_bounds(values, schema_type):
    """True min/max of the non-NULL values (tool conventions) as Statistics.min_raw/max_raw give them."""
    present = [v for v in values if v is not None]
    if schema_type in ("float", "double"):
        present = [v for v in present if v not in ("NaN",)]
        present = [float(v) if isinstance(v, str) else v for v in present]
    elif schema_type.startswith("decimal"):
        precision, scale = map(int, schema_type[8:-1].split(","))
        present = [int(decimal.Decimal(v).scaleb(scale, decimal.Context(prec=60))) for v in present]
    elif schema_type == "binary":
        present = [bytes.fromhex(v) for v in present]
    elif schema_type == "string":
        present = [v.encode() for v in present]  # UTF-8 byte order
    if not present:
        return None, None
    return min(present), max(present)


def _raw_to_comparable(raw, schema_type):
    if schema_type.startswith("decimal") and isinstance(raw, bytes):
        return int.from_bytes(raw, "big", signed=True)
    if schema_type == "string" and isinstance(raw, str):
        return raw.encode()
    return raw


def test_footer_statistics_are_exact_and_column_orders_set(tmp_path):
    columns = flat_columns(3000, seed=11)
    # Strings and binaries with bytes >= 0x80, where signed comparison would differ.
    columns["bin"][:4] = ["7f", "80", "ff", "00ff"]
    columns["s"][:3] = ["z", "é", "\u00ff"]
    path = write_and_check(tmp_path, "stats", FLAT_SCHEMA, columns, {"row_group_rows": 1000, "page_rows": 250},
                           check_duckdb=False)
    md = pq.ParquetFile(path).metadata
    assert md.num_row_groups == 3
    types = {f["name"]: f["type"] for f in FLAT_SCHEMA}
    for g in range(md.num_row_groups):
        rg = md.row_group(g)
        for c, field in enumerate(FLAT_SCHEMA):
            name = field["name"]
            values = columns[name][g * 1000:(g + 1) * 1000]
            stats = rg.column(c).statistics
            lo, hi = _physical_bounds(values, types[name])
            assert stats.null_count == sum(v is None for v in values), name
            if lo is None:
                assert not stats.has_min_max, name
                continue
            assert stats.has_min_max, name
            got_lo, got_hi = _raw_to_comparable(stats.min_raw, types[name]), _raw_to_comparable(stats.max_raw, types[name])
            if types[name] in ("float", "double"):
                assert got_lo == lo and got_hi == hi, name
                assert not (math.isnan(got_lo) or math.isnan(got_hi)), name
                if lo == 0:
                    assert math.copysign(1, got_lo) == -1, name
                if hi == 0:
                    assert math.copysign(1, got_hi) == 1, name
            else:
                assert (got_lo, got_hi) == (lo, hi), (name, g)
    footer = read_footer(path)
    leaves = len(FLAT_SCHEMA)
    assert footer[7] == [{1: {}}] * leaves  # column_orders: TYPE_DEFINED_ORDER for every leaf
    for rg in footer[4]:
        for chunk in rg[1]:
            statistics = chunk[3][12]
            assert 1 not in statistics and 2 not in statistics  # never the deprecated max/min
            assert 5 in statistics or 6 not in statistics


def test_long_strings_have_truncated_bounds(tmp_path):
    long_values = ["a" * 100, "é" * 60, "b" + "\U0010FFFF" * 30, None]
    schema = [{"name": "s", "type": "string"}, {"name": "bin", "type": "binary"}]
    columns = {"s": long_values, "bin": ["ff" * 80, "00" * 70, None, "7f"]}
    path = write_and_check(tmp_path, "long", schema, columns, {})
    stats = pq.ParquetFile(path).metadata.row_group(0).column(0).statistics
    lo, hi = _raw_to_comparable(stats.min_raw, "string"), _raw_to_comparable(stats.max_raw, "string")
    present = [v.encode() for v in long_values if v is not None]
    assert len(lo) <= 64 and len(hi) <= 64
    assert lo <= min(present) and hi >= max(present)
    assert hi.decode("utf-8")  # the incremented bound is still valid UTF-8
    # The binary maximum (80 x 0xff) has no 64-byte upper bound: it is dropped, the minimum kept.
    footer = read_footer(path)
    bin_stats = footer[4][0][1][1][3][12]
    assert 5 not in bin_stats and bin_stats[6] == bytes(64)
    assert bin_stats[3] == 1  # null_count


def test_key_value_metadata_and_created_by(tmp_path):
    path = tmp_path / "kv.parquet"
    bullion_write({"schema": [{"name": "x", "type": "int32"}], "columns": {"x": [1, None]},
                   "options": {"key_value_metadata": {"pipeline": "churn", "layer": "gold"}}}, path, tmp_path)
    md = pq.ParquetFile(path).metadata
    assert md.metadata[b"pipeline"] == b"churn" and md.metadata[b"layer"] == b"gold"
    assert md.created_by.startswith("bullion version ")
    schema = pq.ParquetFile(path).schema
    assert schema.column(0).physical_type == "INT32"


def test_logical_types_as_pyarrow_sees_them(tmp_path):
    path = tmp_path / "types.parquet"
    columns = flat_columns(10, seed=1)
    bullion_write({"schema": FLAT_SCHEMA, "columns": columns}, path, tmp_path)
    s = pq.ParquetFile(path).schema_arrow
    assert str(s.field("ts").type) == "timestamp[us, tz=UTC]"
    assert str(s.field("ntz").type) == "timestamp[us]"
    assert str(s.field("i8").type) == "int8" and str(s.field("i16").type) == "int16"
    assert str(s.field("dec9").type) == "decimal128(9, 2)" and str(s.field("dec38").type) == "decimal128(38, 10)"
    assert not s.field("req").nullable
    ps = pq.ParquetFile(path).schema
    col = {ps.column(i).name: ps.column(i) for i in range(len(ps))}
    assert col["ts"].converted_type == "TIMESTAMP_MICROS"
    assert col["dec9"].physical_type == "INT32" and col["dec18"].physical_type == "INT64"
    assert col["dec38"].physical_type == "FIXED_LEN_BYTE_ARRAY"
    assert col["s"].converted_type == "UTF8" and col["date"].converted_type == "DATE"
