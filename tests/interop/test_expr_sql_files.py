"""The expected values in tests/sql/*.test, checked against Spark.

Every `query`, `const` and `aggregate` block of the data-driven expression
tests (which the C++ runner checks against bullion) is also evaluated by
Spark (ANSI off, UTC) on the same table, and Spark must produce the
expected values too — so the .test files state Spark's behaviour, not just
bullion's. Only the contract's listed differences are translated: a literal
with a decimal point is DOUBLE (1.5 → 1.5D for Spark). Blocks marked with a
`# spark-differs: ...` comment (to_timestamp's ISO-only rule) are counted,
not compared; error, sql, prune and aggregate_error blocks are bullion-only.
"""
import math
import pathlib
import re
from decimal import Decimal

ROOT = pathlib.Path(__file__).resolve().parents[2]
SQL_DIR = ROOT / "tests" / "sql"

IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
NUMBER = re.compile(r"(\d+\.\d*|\.\d+)([eE][+-]?\d+)?")


def to_spark(text, params):
    """bullion SQL → Spark SQL: decimal-point literals become DOUBLE (D), parameters become literals."""
    out = []
    i = 0
    n = len(text)
    while i < n:
        c = text[i]
        if c in "'\"`":
            j = i + 1
            while j < n:
                if text[j] == "\\" and c != "`":
                    j += 2
                    continue
                if text[j] == c:
                    if j + 1 < n and text[j + 1] == c:
                        j += 2
                        continue
                    break
                j += 1
            out.append(text[i:j + 1])
            i = j + 1
            continue
        if c == "-" and text.startswith("--", i):
            break
        prev = text[i - 1] if i else " "
        if (c.isdigit() or (c == "." and i + 1 < n and text[i + 1].isdigit())) and not (prev.isalnum() or prev in "_."):
            m = NUMBER.match(text, i)
            if m:
                end = m.end()
                suffix = text[end:end + 2].upper()
                out.append(m.group(0))
                if not (suffix[:1] in ("D", "F") or suffix == "BD"):
                    out.append("D")
                i = end
                continue
            j = i
            while j < n and (text[j].isalnum() or text[j] == "_"):
                j += 1
            out.append(text[i:j])
            i = j
            continue
        if c.isalpha() or c == "_":
            m = IDENT.match(text, i)
            word = m.group(0)
            if prev != "." and word.lower() in params:
                out.append("(" + params[word.lower()] + ")")
            else:
                out.append(word)
            i = m.end()
            continue
        out.append(c)
        i += 1
    return "".join(out)


def split_cells(s):
    cells, cur, quote, i = [], "", None, 0
    while i < len(s):
        c = s[i]
        if quote:
            cur += c
            if c == "\\" and quote != "`" and i + 1 < len(s):
                cur += s[i + 1]
                i += 1
            elif c == quote:
                quote = None
        elif c in "'\"`":
            quote = c
            cur += c
        elif c == "|":
            cells.append(cur.strip())
            cur = ""
        else:
            cur += c
        i += 1
    cells.append(cur.strip())
    return cells


def parse_table(spec):
    cols, cur, depth = [], "", 0
    for ch in spec + ",":
        if ch == "(":
            depth += 1
        if ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            f = cur.strip()
            cur = ""
            if not f:
                continue
            if f.startswith("`"):
                close = f.index("`", 1)
                cols.append((f[:close + 1], f[close + 1:].strip()))
            else:
                name, typ = f.split(" ", 1)
                cols.append((name, typ.strip()))
        else:
            cur += ch
    return cols


def collectable(expr, type_name):
    t = type_name.lower()
    if t == "date":
        return f"unix_date({expr})"
    if t == "timestamp":
        return f"unix_micros({expr})"
    if t == "timestamp_ntz":
        return f"unix_micros(CAST({expr} AS TIMESTAMP))"
    if t.startswith("decimal") or t == "binary":
        return f"CAST({expr} AS STRING)"
    return expr


def same(a, b, type_name, tolerance=0.0):
    if a is None or b is None:
        return a is None and b is None
    t = type_name.lower()
    if t in ("double", "float"):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        if tolerance and abs(a - b) <= tolerance * abs(b):
            return True
        return a == b and math.copysign(1, a) == math.copysign(1, b)
    if t.startswith("decimal"):
        return Decimal(a) == Decimal(b)
    return a == b


def blocks_of(path):
    """Yields (kind, payload, line) in file order."""
    lines = path.read_text().split("\n")
    i = 0
    spark_differs = False
    while i < len(lines):
        line = lines[i].strip()
        line_no = i + 1
        i += 1
        if not line:
            spark_differs = False
            continue
        if line.startswith("#"):
            if line.startswith("# spark-differs"):
                spark_differs = True
            continue
        word, _, rest = line.partition(" ")
        if word in ("table", "row", "param"):
            yield word, rest.strip(), line_no
            continue
        block = {"kind": word, "text": rest.strip(), "type": None, "group": None, "expected": [],
                 "spark_differs": spark_differs}
        spark_differs = False
        while i < len(lines) and lines[i].strip() != "----":
            l = lines[i].strip()
            if l.startswith("type "):
                block["type"] = l[5:].strip()
            elif l.startswith("group "):
                block["group"] = l[6:].strip()
            i += 1
        i += 1
        while i < len(lines) and lines[i].strip():
            block["expected"].append(lines[i].strip())
            i += 1
        yield "block", block, line_no


def spark_type_name(dt):
    s = dt.simpleString()
    return {"void": "NULL", "int": "INT", "bigint": "BIGINT", "smallint": "SMALLINT", "tinyint": "TINYINT",
            "double": "DOUBLE", "float": "FLOAT", "string": "STRING", "boolean": "BOOLEAN", "date": "DATE",
            "timestamp": "TIMESTAMP", "timestamp_ntz": "TIMESTAMP_NTZ", "binary": "BINARY"}.get(
        s, s.upper().replace(" ", ""))


def evaluate_blocks(spark, blocks, params, failures):
    """Evaluates blocks of one table state (the view `t` is current) in as few Spark queries as possible."""
    def frame_of(b):
        expr = to_spark(b["text"], params)
        if b["kind"] == "const":
            return spark.sql(f"SELECT {expr} AS v")
        if b["kind"] == "query":
            return spark.sql(f"SELECT {expr} AS v FROM t ORDER BY __row")
        if b["group"]:
            return spark.sql(f"SELECT {expr} AS v FROM t GROUP BY {b['group']} ORDER BY min(__row)")
        return spark.sql(f"SELECT {expr} AS v FROM t")

    # Batch: all const blocks in one SELECT, all query blocks in one, all
    # ungrouped aggregates in one; grouped aggregates one by one.
    results = {}
    batches = {"const": "SELECT {} ", "query": "SELECT {} FROM t ORDER BY __row", "aggregate": "SELECT {} FROM t"}
    for kind, template in batches.items():
        group = [b for b in blocks if b["kind"] == kind and not b["group"]]
        if not group:
            continue
        try:
            cols = ", ".join(f"{to_spark(b['text'], params)} AS v{k}" for k, b in enumerate(group))
            frame = spark.sql(template.format(cols))
            types = [spark_type_name(f.dataType) for f in frame.schema.fields]
            rows = frame.selectExpr(*[collectable(f"v{k}", types[k]) for k in range(len(group))]).collect()
            for k, b in enumerate(group):
                results[id(b)] = (types[k], [r[k] for r in rows])
        except Exception:
            pass  # evaluated one by one below, to name the failing block
    for b in blocks:
        if id(b) in results:
            continue
        try:
            frame = frame_of(b)
            t = spark_type_name(frame.schema.fields[0].dataType)
            results[id(b)] = (t, [r[0] for r in frame.selectExpr(collectable("v", t)).collect()])
        except Exception as e:
            failures.append(f"{b['where']}: {b['text']}: Spark error {str(e).splitlines()[0][:300]}")
    # The expected values, evaluated by Spark in the result type.
    selects, slots = [], []
    for b in blocks:
        if id(b) not in results:
            continue
        type_name, got = results[id(b)]
        if b["type"] and b["type"].upper().replace(" ", "") != type_name:
            failures.append(f"{b['where']}: {b['text']}: Spark type {type_name}, expected {b['type']}")
            continue
        exprs = [e.split("|", 1)[1].strip() if b["group"] else e for e in b["expected"]]
        start = len(selects)
        for e in exprs:
            selects.append("NULL" if type_name == "NULL"
                           else collectable(f"CAST({to_spark(e, params)} AS {type_name})", type_name))
        slots.append((b, type_name, got, start, len(exprs)))
    want_row = spark.sql("SELECT " + ", ".join(f"{e} AS w{k}" for k, e in enumerate(selects))).collect()[0] \
        if selects else []
    compared = 0
    for b, type_name, got, start, count in slots:
        want = [want_row[start + k] for k in range(count)]
        tolerance = 1e-12 if b["kind"] == "aggregate" else 0.0
        if len(got) != len(want) or not all(same(x, y, type_name, tolerance) for x, y in zip(got, want)):
            failures.append(f"{b['where']}: {b['text']}: Spark gives {got}, the file expects {want}")
        compared += 1
    return compared


def test_sql_files_agree_with_spark(spark):
    files = sorted(SQL_DIR.glob("*.test"))
    assert files
    compared = skipped = 0
    failures = []
    for path in files:
        params = {}
        cols, rows, pending = None, [], []

        def flush():
            nonlocal compared, pending
            if not pending:
                return
            if cols is not None and any(b["kind"] != "const" for b in pending):
                values = ", ".join(
                    "(" + ", ".join([str(k)] + [f"CAST({to_spark(cell, params)} AS {typ})"
                                                for cell, (_, typ) in zip(row, cols)]) + ")"
                    for k, row in enumerate(rows))
                names = ", ".join(["__row"] + [name for name, _ in cols])
                try:
                    spark.sql(f"CREATE OR REPLACE TEMP VIEW t AS SELECT * FROM VALUES {values} AS t({names})")
                except Exception as e:
                    failures.append(f"{path.name}: Spark cannot build the table: {str(e).splitlines()[0][:200]}")
                    pending = []
                    return
            compared += evaluate_blocks(spark, pending, dict(params), failures)
            pending = []

        for kind, payload, line in blocks_of(path):
            if kind in ("table", "row", "param"):
                flush()
            if kind == "table":
                cols, rows = parse_table(payload), []
            elif kind == "row":
                rows.append(split_cells(payload))
            elif kind == "param":
                name, typ, value = payload.split(" ", 2)
                params[name.lower()] = f"CAST({to_spark(value, {})} AS {typ})"
            elif payload["kind"] in ("query", "const", "aggregate"):
                if payload["spark_differs"]:
                    skipped += 1
                else:
                    payload["where"] = f"{path.name}:{line}"
                    pending.append(payload)
        flush()
    print(f"compared {compared} blocks with Spark; {skipped} marked spark-differs")
    assert compared > 300
    assert not failures, f"{len(failures)} blocks disagree with Spark:\n" + "\n".join(failures)
