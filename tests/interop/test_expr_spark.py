"""bullion's expressions against Spark (ANSI off, session zone UTC), value for value.

A few hundred generated expressions — every operator and function, over
random rows with NULLs, non-ASCII strings, boundary numbers and dates,
zoned and unparseable timestamp strings — are evaluated by bullion (through
the test-only `expr_tool`) and by Spark in ONE query over one DataFrame (all
expressions as columns), and must agree exactly: same types, same values
(doubles bit for bit, NaN and -0.0 included).

The only differences allowed are the ones DESIGN's semantics contract lists:
- a literal with a decimal point is DOUBLE (Spark: DECIMAL), so Spark gets
  `1.5D` where bullion gets `1.5`;
- `/` is DOUBLE, also for DECIMAL operands (Spark divides decimals as
  DECIMAL), so Spark gets the operands cast to DOUBLE;
- `to_timestamp(string)` accepts only ISO-8601 (T or space, optional fraction,
  optional Z/±hh[:mm]); Spark also accepts date-only, missing seconds, single
  digits, zone names... Spark's side evaluates the contract with an explicit
  ISO check, and the test separately proves that every row where plain Spark
  differs is such a lenient form that bullion reads as NULL.
"""
import json
import math
import os
import pathlib
import random
import subprocess
from decimal import Decimal

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]

N_ROWS = 3000
SEED = 20261125

# The contract's to_timestamp rule as a regular expression (field ranges are
# checked by Spark's own parser after the match).
ISO_RE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]{1,9})?(Z|[+-][0-9]{2}(:?[0-9]{2})?)?$"


def expr_tool_path():
    if os.environ.get("BULLION_EXPR_TOOL"):
        return pathlib.Path(os.environ["BULLION_EXPR_TOOL"])
    binary = os.environ.get("BULLION_BINARY")
    build = pathlib.Path(binary).parents[2] if binary else ROOT / "build"
    return build / "tests" / "expr" / "expr_tool"


# --- data -------------------------------------------------------------------------

INT_EDGES = [0, 1, -1, 2, 7, -7, 2147483647, -2147483648, 100, -100, 30, 31, 90]
BIGINT_EDGES = [0, 1, -1, 9223372036854775807, -9223372036854775808, 2147483648, 10**12, -(10**15)]
# Doubles with short decimal forms (Java 17's Double.toString is not always
# the shortest form for arbitrary doubles; see README "Expressions").
DOUBLE_EDGES = [0.0, -0.0, 1.5, -1.5, 2.5, -2.5, 0.5, -0.5, 2.675, 1.005, 1e10, 1e-5, 123.456, 1e300, -1e300,
                float("nan"), float("inf"), float("-inf"), 0.1, 3.0, 1e7, 9999999.0, 0.001, 1234567.0]
STRINGS = [
    "", " ", "a", "abc", "ABC", "  padded  ", "\ttab\t", "Straße", "ǆemal", "İstanbul", "ΑΣ", "ΟΔΥΣΣΕΥΣ",
    "héllo wörld", "日本語テキスト", "emoji 😀!", "12", " 7 ", "-3", "1.9", "1e3", "abc123", "true", "no", "NaN",
    "Infinity", "2026-01-05", "2024-02-29", "2026-1-5", "1969-12-31 23:59:59", "a%b", "a_b", "100%", "x\\y",
    "CANCEL_SUBSCRIPTION", "login", "Page_View", "mixed CASE Text", "ﬁ ligature", "ǅ titlecase",
]
TS_STRINGS = [
    # ISO-8601 under the contract (both engines agree)
    "2026-01-05T10:15:30", "2026-01-05 10:15:30", "2026-01-05T10:15:30Z", "2026-01-05T10:15:30.123456Z",
    "2026-01-05T10:15:30.5+01:00", "2026-01-05T10:15:30-0530", "2026-01-05T23:59:59+14", "2024-02-29T00:00:00",
    "1969-12-31T23:59:59.999999", "1900-01-01 00:00:00", "2026-01-05T10:15:30.123456789", "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59Z", "2026-01-05T10:15:30+18:00", "2026-01-05T10:15:30-18:00",
    # invalid under both
    "", "not a time", "2026-02-30T00:00:00", "2026-13-01T00:00:00", "2026-01-05T24:00:00", "2026-01-05T10:60:00",
    "2026-01-05T10:15:30+19:00", "2026-01-05T10:15:30+18:30", "2026/01/05 10:15:30", "2026-01-05X10:15:30", "T", "2025-02-29T00:00:00",
    # lenient forms Spark accepts but the contract does not
    "2026-01-05", "2026-01-05T10:15", "2026-1-5 1:2:3", " 2026-01-05T10:15:30", "2026-01-05T10:15:30 UTC",
    "2026-01-05T10:15:30.", "2026", "2026-01", "2026-01-05T10:15:30+01:00:30",
]
DATE_EDGES = ["2026-01-05", "2024-02-29", "2023-03-01", "1970-01-01", "1969-12-31", "1900-01-01", "1600-02-29",
              "0001-01-01", "9999-12-31", "2026-11-22", "2026-11-25", "2000-02-29"]
DECIMAL_EDGES = ["0.00", "1.50", "-1.50", "99999999.99", "-99999999.99", "0.01", "2.67", "123.45"]


def civil_days(text):
    import datetime
    return (datetime.date.fromisoformat(text) - datetime.date(1970, 1, 1)).days


def make_rows(rng):
    rows = []
    for k in range(N_ROWS):
        def pick(edges, gen, null_rate=0.1):
            r = rng.random()
            if r < null_rate:
                return None
            if r < 0.55:
                return rng.choice(edges)
            return gen()
        i = pick(INT_EDGES, lambda: rng.randint(-1000, 1000))
        j = pick([0, 1, -1, 2, 3, -2, 30, 400], lambda: rng.randint(-5, 5))
        l = pick(BIGINT_EDGES, lambda: rng.randint(-10**12, 10**12))
        d = pick(DOUBLE_EDGES, lambda: rng.randint(-200000, 200000) / rng.choice([1, 4, 8, 10, 100, 1000]))
        s = pick(STRINGS, lambda: "".join(rng.choice("aAbZ é_%ß1 ") for _ in range(rng.randint(0, 6))))
        t = pick(TS_STRINGS, lambda: "%04d-%02d-%02d%s%02d:%02d:%02d%s" % (
            rng.randint(1950, 2050), rng.randint(1, 12), rng.randint(1, 28), rng.choice("T "),
            rng.randint(0, 23), rng.randint(0, 59), rng.randint(0, 59),
            rng.choice(["", "Z", ".25", "+02:00", "-07:30", ".123456Z"])))
        dt = pick(DATE_EDGES, lambda: "%04d-%02d-%02d" % (rng.randint(1900, 2100), rng.randint(1, 12), rng.randint(1, 28)))
        # timestamps as micros: boundary instants and random ones
        ts = pick([0, -1, 1, 86_400_000_000 - 1, -86_400_000_000, 1767608130123456, 1709164800000000,
                   -2208988800000000, 253402300799999999],
                  lambda: rng.randint(-2_000_000_000, 4_000_000_000) * 1_000_000 + rng.choice([0, 0, 500_000, 123_456]))
        b = pick([True, False], lambda: rng.random() < 0.5, null_rate=0.15)
        dec = pick(DECIMAL_EDGES, lambda: "%.2f" % (rng.randint(-10**7, 10**7) / 100))
        rows.append([k, i, j, l, d, s, t, dt, ts, b, dec])
    return rows


SCHEMA = [("id", "INT"), ("i", "INT"), ("j", "INT"), ("l", "BIGINT"), ("d", "DOUBLE"), ("s", "STRING"),
          ("t", "STRING"), ("dt", "DATE"), ("ts", "TIMESTAMP"), ("b", "BOOLEAN"), ("dec", "DECIMAL(10,2)")]
AS_OF = "2026-11-25"


# --- expressions ------------------------------------------------------------------------

class E:
    """An expression with its bullion text and its Spark text."""

    def __init__(self, bullion, spark=None, lenient_timestamp=False):
        self.bullion = bullion
        self.spark = spark if spark is not None else bullion
        self.lenient_timestamp = lenient_timestamp


def dbl(text):
    """A decimal-point literal: DOUBLE in bullion (the contract), 1.5D in Spark."""
    return E(text, text + "D")


def lit(text):
    return E(text)


def col(name):
    return E(name)


def fmt(template, *parts):
    return E(template.format(*[p.bullion for p in parts]), template.format(*[p.spark for p in parts]),
             any(p.lenient_timestamp for p in parts))


def to_timestamp_of(x):
    spark = "(CASE WHEN ({0}) RLIKE '{1}' THEN to_timestamp({0}) END)".format(x.spark, ISO_RE)
    e = E("to_timestamp({})".format(x.bullion), spark)
    e.lenient_timestamp = True
    e.plain_spark = "to_timestamp({})".format(x.spark)
    return e


def expressions():
    i, j, l, d, s, t, dt, ts, b, dec = (col(n) for n in ["i", "j", "l", "d", "s", "t", "dt", "ts", "b", "dec"])
    as_of = E("as_of", "DATE '{}'".format(AS_OF))
    numbers = [i, j, l, d, dec, lit("3"), dbl("0.6"), lit("2147483647"), lit("-2147483648"), lit("5000000000"),
               lit("CAST(2 AS TINYINT)")]
    out = []
    # arithmetic over every pair of numeric operands
    for a in [i, j, l, d, dec]:
        for c in numbers:
            for op in ["+", "-", "*", "%"]:
                out.append(fmt("({} " + op + " {})", a, c))
            if a is dec or c is dec:
                # The contract: `/` is DOUBLE, also for DECIMAL operands (Spark: DECIMAL).
                out.append(E("({} / {})".format(a.bullion, c.bullion),
                             "(CAST({} AS DOUBLE) / CAST({} AS DOUBLE))".format(a.spark, c.spark)))
            else:
                out.append(fmt("({} / {})", a, c))
    for a in [i, j, l]:
        out.append(fmt("({} div {})", a, j))
        out.append(fmt("(- {})", a))
    out += [fmt("(- {})", d), fmt("(- {})", dec), fmt("(i + s)"), fmt("(s * 2)"), fmt("({} * {} + {})", i, j, l)]
    # comparisons, including the implicit casts between types
    pairs = [(i, j), (i, l), (i, d), (l, d), (d, d), (s, s), (i, s), (d, s), (dt, ts), (dt, s), (ts, s), (b, i),
             (b, s), (dec, i), (dec, d), (dec, s), (i, lit("'7'")), (s, lit("'abc'")), (dt, lit("'2024-02-29'")),
             (ts, lit("'2026-01-05 10:15:30'")), (d, lit("CAST('NaN' AS DOUBLE)")), (d, dbl("0.0")), (b, lit("TRUE"))]
    for a, c in pairs:
        for op in ["=", "<>", "<", "<=", ">", ">=", "<=>"]:
            if a is b and c is i and op not in ["=", "<>", "<=>"]:
                continue  # Spark orders BOOLEAN only against BOOLEAN
            out.append(fmt("({} " + op + " {})", a, c))
    # logic and NULL tests
    out += [fmt("((i > j) AND (d > 0))"), fmt("((i > j) OR (d > 0))"), fmt("(NOT (i > j))"), fmt("(b AND (i > 0))"),
            fmt("(b OR (s = 'abc'))"), fmt("(NOT b)"), fmt("(i IS NULL)"), fmt("(s IS NOT NULL)"),
            fmt("((i > 0) IS TRUE)"), fmt("(b IS NOT FALSE)"), fmt("(i IS DISTINCT FROM j)"),
            fmt("(NULL AND b)"), fmt("(b OR NULL)")]
    # IN and BETWEEN
    out += [fmt("(i IN (1, 2, 7, -7))"), fmt("(i IN (1, NULL))"), fmt("(i NOT IN (1, 2))"), fmt("(i NOT IN (1, NULL))"),
            fmt("(s IN ('abc', 'Straße', ''))"), fmt("(i IN ('1', 2))"), fmt("(d IN (1.5D, 0.0D, CAST('NaN' AS DOUBLE)))"),
            fmt("(i IN (j, l))"), fmt("(dt IN (DATE '2024-02-29', DATE '1969-12-31'))"),
            fmt("(i BETWEEN -7 AND 7)"), fmt("(i NOT BETWEEN j AND 30)"), fmt("(d BETWEEN {} AND 3)", dbl("-0.5")),
            fmt("(s BETWEEN 'a' AND 'b')"), fmt("(dt BETWEEN DATE '1969-12-31' AND '2026-01-05')")]
    # LIKE
    for p in ["'a%'", "'%b%'", "'%c'", "'_b_'", "'abc'", "''", "'%'", "'a\\\\_b'", "'%\\\\%'", "'h_llo%'",
              "'Stra_e'", "'%ß%'", "'___'"]:
        out.append(fmt("(s LIKE " + p + ")"))
    out += [fmt("(s NOT LIKE 'a%')"), fmt("(s LIKE '%!%%' ESCAPE '!')"), fmt("(i LIKE '1%')")]
    # CASE and conditionals
    out += [fmt("CASE WHEN i > 0 THEN 'pos' WHEN i < 0 THEN 'neg' ELSE 'zero' END"),
            fmt("CASE WHEN i > 0 THEN i END"), fmt("CASE i WHEN 1 THEN 'one' WHEN 7 THEN 'seven' END"),
            fmt("CASE WHEN b THEN d ELSE l END"), fmt("CASE WHEN b THEN 1 ELSE 'x' END"),
            fmt("CASE WHEN datediff({0}, ts) <= 7 THEN 3 WHEN datediff({0}, ts) <= 30 THEN 2 ELSE 1 END", as_of),
            fmt("coalesce(i, j, 0)"), fmt("coalesce(s, 'UNKNOWN')"), fmt("coalesce(upper(s), 'UNKNOWN')"),
            fmt("coalesce(d, l)"), fmt("coalesce(i, s)"), fmt("coalesce(dt, ts)"), fmt("nullif(i, j)"),
            fmt("nullif(s, '')"), fmt("nullif(i, '7')"), fmt("least(i, j, l)"), fmt("greatest(i, j, 5)"),
            fmt("least(d, {})", dbl("1.5")), fmt("greatest(d, -1)"), fmt("greatest(s, 'm')"), fmt("least(dt, ts)"),
            fmt("if(b, i, j)"), fmt("ifnull(s, 'none')"), fmt("nvl(d, 0)")]
    # strings
    for f in ["upper", "lower", "trim", "ltrim", "rtrim", "length"]:
        out.append(fmt(f + "({})", s))
    out += [fmt("upper(trim(s))"), fmt("upper(i)"), fmt("length(d)"), fmt("length(dt)"), fmt("lower(b)")]
    for pos in ["0", "1", "2", "-3", "-100", "10"]:
        out.append(fmt("substring(s, " + pos + ")"))
        for ln in ["-1", "0", "2", "100"]:
            out.append(fmt("substr(s, " + pos + ", " + ln + ")"))
    out += [fmt("substring(s, j, j)"), fmt("concat(s, '-', i)"), fmt("concat(s, d, dt, b)"), fmt("(s || i)"),
            fmt("concat()"), fmt("concat(s)"), fmt("concat(ts, dec)")]
    # math
    for a in [i, l, d, dec, s]:
        out += [fmt("abs({})", a), fmt("floor({})", a), fmt("ceil({})", a), fmt("round({})", a)]
    for k in ["-2", "-1", "0", "1", "2", "5"]:
        out += [fmt("round(d, " + k + ")"), fmt("round(i, " + k + ")"), fmt("round(dec, " + k + ")")]
    out += [fmt("round({}, 2)", dbl("2.675")), fmt("round({})", dbl("-0.5")), fmt("round(l, -3)")]
    # casts
    for target in ["INT", "BIGINT", "SMALLINT", "TINYINT", "DOUBLE", "FLOAT", "BOOLEAN", "DATE", "TIMESTAMP",
                   "DECIMAL(10,2)", "DECIMAL(4,1)", "STRING"]:
        out.append(fmt("CAST(s AS " + target + ")"))
        out.append(fmt("CAST(t AS " + target + ")"))
    for target in ["INT", "BIGINT", "SMALLINT", "TINYINT", "FLOAT", "STRING", "DECIMAL(10,2)", "BOOLEAN",
                   "TIMESTAMP"]:
        out.append(fmt("CAST(d AS " + target + ")"))
    for a in [i, l, dec, b, ts, dt]:
        for target in ["STRING", "DOUBLE", "INT", "BIGINT", "BOOLEAN"]:
            out.append(fmt("CAST({} AS " + target + ")", a))
    out += [fmt("CAST(ts AS DATE)"), fmt("CAST(dt AS TIMESTAMP)"), fmt("CAST(i AS TIMESTAMP)"), fmt("CAST(l AS TIMESTAMP)"),
            fmt("CAST(dec AS TIMESTAMP)"), fmt("CAST(i AS DECIMAL(4,1))"), fmt("CAST(l AS DECIMAL(38,0))"),
            fmt("int(s)"), fmt("date(t)"), fmt("double(s)")]
    # dates and times
    tt = to_timestamp_of(t)
    out += [tt, to_timestamp_of(s), fmt("to_timestamp(ts)"), fmt("to_timestamp(dt)"),
            fmt("to_timestamp(t, 'yyyy-MM-dd HH:mm:ss')"), fmt("to_timestamp(s, 'yyyy-MM-dd')"),
            fmt("to_timestamp(t, \"yyyy-MM-dd'T'HH:mm:ssXXX\")"), fmt("to_date(t)"), fmt("to_date(s)"),
            fmt("to_date(ts)"), fmt("to_date(s, 'yyyy-MM-dd')"), fmt("to_date(t, 'yyyy-M-d H:m:s')")]
    for a in [ts, dt, t]:
        for f in ["year", "month", "day", "dayofweek", "dayofmonth", "quarter", "dayofyear", "hour", "minute", "second"]:
            out.append(fmt(f + "({})", a))
    for unit in ["'year'", "'QUARTER'", "'month'", "'mon'", "'week'", "'day'", "'hour'", "'minute'", "'second'",
                 "'millisecond'", "'microsecond'", "'bogus'"]:
        out.append(fmt("date_trunc(" + unit + ", ts)"))
    out += [fmt("date_trunc('month', dt)"), fmt("date_trunc('day', t)")]
    out += [fmt("datediff({}, ts)", as_of), fmt("(datediff({}, ts) <= 30)", as_of), fmt("datediff(dt, ts)"),
            fmt("datediff(ts, dt)"), fmt("datediff(t, dt)"), fmt("datediff({}, {})", as_of, tt),
            fmt("date_add(dt, j)"), fmt("date_add(dt, 1)"), fmt("date_sub(dt, j)"), fmt("date_add(ts, 30)"),
            fmt("date_add(t, 1)"), fmt("(dt + j)"), fmt("(dt - 1)"), fmt("(1 + dt)"), fmt("date_add(dt, '3')")]
    # the pipeline's own expressions (Silver, Gold derived, labels)
    out += [fmt("upper(trim(s))"), fmt("coalesce(upper(s), 'UNKNOWN')"), fmt("(s = 'CANCEL_SUBSCRIPTION')"),
            fmt("(l / (i + 1))"), fmt("((i * {} + j * {}) / (l + 1))", dbl("0.6"), dbl("0.4")),
            fmt("CASE WHEN datediff({0}, dt) <= 7 THEN 3 WHEN datediff({0}, dt) <= 30 THEN 2 ELSE 1 END", as_of),
            fmt("(datediff({}, {}) <= 90)", as_of, tt)]
    return out


SPARK_TYPES = {"int": "INT", "bigint": "BIGINT", "smallint": "SMALLINT", "tinyint": "TINYINT", "double": "DOUBLE",
               "float": "FLOAT", "string": "STRING", "boolean": "BOOLEAN", "date": "DATE", "timestamp": "TIMESTAMP",
               "void": "NULL", "binary": "BINARY"}


def spark_type(dt):
    s = dt.simpleString()
    if s.startswith("decimal"):
        return s.upper().replace(" ", "")
    return SPARK_TYPES.get(s, s)


def wrap_for_collect(expr, type_name):
    """Spark-side projection that collects exact, comparable values."""
    if type_name == "DATE":
        return "unix_date({})".format(expr)
    if type_name == "TIMESTAMP":
        return "unix_micros({})".format(expr)
    if type_name.startswith("DECIMAL") or type_name == "BINARY":
        return "CAST({} AS STRING)".format(expr)
    return expr


def same(a, b, type_name):
    if a is None or b is None:
        return a is None and b is None
    if type_name in ("DOUBLE", "FLOAT"):
        if isinstance(a, str) or isinstance(b, str):
            fa = float(a) if not isinstance(a, str) else float(a.replace("Infinity", "inf"))
            fb = float(b) if not isinstance(b, str) else float(b.replace("Infinity", "inf"))
        else:
            fa, fb = float(a), float(b)
        if math.isnan(fa) or math.isnan(fb):
            return math.isnan(fa) and math.isnan(fb)
        return fa == fb and math.copysign(1, fa) == math.copysign(1, fb)
    if type_name.startswith("DECIMAL"):
        return Decimal(a) == Decimal(b)
    return a == b


def run_bullion(rows, exprs):
    doc = {
        "schema": [{"name": n, "type": t} for n, t in SCHEMA],
        "rows": [[(("NaN" if math.isnan(v) else ("Infinity" if v > 0 else "-Infinity"))
                   if isinstance(v, float) and (math.isnan(v) or math.isinf(v)) else v) for v in r] for r in rows],
        "parameters": [{"name": "as_of", "type": "DATE", "value": AS_OF}],
        "expressions": [e.bullion for e in exprs],
        "batch_size": 1000,
    }
    # DATE columns travel as days, TIMESTAMP as micros.
    for r in doc["rows"]:
        if r[7] is not None:
            r[7] = civil_days(r[7])
    proc = subprocess.run([str(expr_tool_path())], input=json.dumps(doc), capture_output=True, text=True, check=True)
    return json.loads(proc.stdout)["results"]


def spark_frame(spark, rows):
    from pyspark.sql.types import (BooleanType, DoubleType, IntegerType, LongType, StringType, StructField,
                                   StructType)
    raw = StructType([StructField("id", IntegerType()), StructField("i", IntegerType()), StructField("j", IntegerType()),
                      StructField("l", LongType()), StructField("d", DoubleType()), StructField("s", StringType()),
                      StructField("t", StringType()), StructField("dt_days", IntegerType()),
                      StructField("ts_us", LongType()), StructField("b", BooleanType()),
                      StructField("dec_s", StringType())])
    data = [r[:7] + [civil_days(r[7]) if r[7] is not None else None] + r[8:] for r in rows]
    df = spark.createDataFrame(data, raw)
    return df.selectExpr("id", "i", "j", "l", "d", "s", "t", "date_from_unix_date(dt_days) AS dt",
                         "timestamp_micros(ts_us) AS ts", "b", "CAST(dec_s AS DECIMAL(10,2)) AS dec")


def test_expressions_match_spark(spark):
    tool = expr_tool_path()
    if not os.access(tool, os.X_OK):
        pytest.fail(f"expr_tool not found at {tool}: build with scripts/build.sh")
    rng = random.Random(SEED)
    rows = make_rows(rng)
    exprs = expressions()
    assert len(exprs) >= 300
    ours = run_bullion(rows, exprs)
    errors = [(e.bullion, r["error"]) for e, r in zip(exprs, ours) if "error" in r]
    assert not errors, "bullion rejected expressions:\n" + "\n".join(f"{a}: {b}" for a, b in errors)

    df = spark_frame(spark, rows)
    # One query: types from the analyzed plan, then every expression as a column.
    typed = df.selectExpr(*[f"{e.spark} AS e{k}" for k, e in enumerate(exprs)])
    spark_types = [spark_type(f.dataType) for f in typed.schema.fields]
    projections = ["id"] + [f"{wrap_for_collect(e.spark, spark_types[k])} AS e{k}" for k, e in enumerate(exprs)]
    plain_ts = [(k, e) for k, e in enumerate(exprs) if hasattr(e, "plain_spark")]
    projections += [f"unix_micros({e.plain_spark}) AS p{k}" for k, e in plain_ts]
    got = sorted(df.selectExpr(*projections).collect(), key=lambda r: r["id"])
    assert len(got) == len(rows)

    mismatches = []
    for k, (e, r) in enumerate(zip(exprs, ours)):
        if r["type"] != spark_types[k]:
            mismatches.append(f"{e.bullion}: type {r['type']} vs Spark {spark_types[k]}")
            continue
        for row_index, row in enumerate(got):
            want = row[f"e{k}"]
            have = r["values"][row_index]
            if not same(have, want, r["type"]):
                mismatches.append(f"{e.bullion} on row {rows[row_index]}: bullion {have!r}, Spark {want!r}")
                break
    assert not mismatches, f"{len(mismatches)} of {len(exprs)} expressions differ:\n" + "\n".join(mismatches[:40])

    # The to_timestamp deviation: wherever plain Spark differs from the
    # contract, the input is a lenient form that bullion reads as NULL.
    deviations = 0
    for k, e in plain_ts:
        for row_index, row in enumerate(got):
            if row[f"p{k}"] != ours[k]["values"][row_index]:
                assert ours[k]["values"][row_index] is None and row[f"p{k}"] is not None
                deviations += 1
    assert deviations > 0  # the lenient forms are in the data
    print(f"compared {len(exprs)} expressions over {len(rows)} rows; "
          f"{deviations} rows show the contract's to_timestamp deviation")
