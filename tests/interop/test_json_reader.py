"""bullion's NDJSON reader against DuckDB's read_json, pandas and Python's json module.

The reader is driven through the test-only json_tool (tests/formats/json/json_tool.cc),
which prints every delivered row, rejected line and file result as NDJSON.
"""
import gzip
import json
import math
import os
import pathlib
import random
import subprocess
import zlib

import duckdb
import pandas as pd
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def json_tool():
    path = os.environ.get("BULLION_JSON_TOOL", str(ROOT / "build" / "tests" / "formats" / "json" / "json_tool"))
    if not os.access(path, os.X_OK):
        pytest.fail(f"json_tool not found at {path}: run scripts/build.sh first")
    return path


def run_tool(tool, *args):
    proc = subprocess.run([tool, *map(str, args)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    records = [json.loads(line) for line in proc.stdout.splitlines()]
    rows = [r for r in records if r["kind"] == "row"]
    rejected = [r for r in records if r["kind"] == "rejected"]
    files = [r for r in records if r["kind"] == "file"]
    schema = [r for r in records if r["kind"] == "schema"]
    return rows, rejected, files, schema


WORDS = ["alpha", "café", "naïve", "日本", "emoji 😀", 'quote " inside', "back\\slash", "tab\there", ""]


def make_events(n, seed):
    rng = random.Random(seed)
    events = []
    for i in range(n):
        e = {
            "event_id": f"evt-{i:08d}",
            "customer_id": f"cust-{rng.randint(0, 5000):05d}",
            "amount": round(rng.uniform(-1000, 1000), rng.randint(0, 6)),
            "quantity": rng.randint(-(2**40), 2**40),
            "flag": rng.choice([True, False]),
            "label": rng.choice(WORDS),
            "nested": {"k": rng.randint(0, 9), "tags": [rng.choice(WORDS), 1.5, None]},
        }
        # Missing fields and nulls.
        if rng.random() < 0.1:
            del e["label"]
        if rng.random() < 0.1:
            e["amount"] = None
        if rng.random() < 0.05:
            e["amount"] = rng.randint(-5, 5)  # an integer in a DOUBLE column
        events.append(e)
    return events


def write_ndjson(path, events, crlf=False, ensure_ascii=True):
    text = "".join(json.dumps(e, ensure_ascii=ensure_ascii) + ("\r\n" if crlf else "\n") for e in events)
    data = text.encode("utf-8")
    if path.suffix == ".gz":
        data = gzip.compress(data)
        path.write_bytes(data)
    elif path.suffix == ".zst":
        plain = path.with_suffix("")
        plain.write_bytes(data)
        subprocess.run(["zstd", "-q", "-f", "--rm", str(plain), "-o", str(path)], check=True)
    else:
        path.write_bytes(data)


SCHEMA = "event_id STRING, customer_id STRING, amount DOUBLE, quantity BIGINT, flag BOOLEAN, label STRING, nested STRING"
DUCK_COLUMNS = (
    "{'event_id':'VARCHAR','customer_id':'VARCHAR','amount':'DOUBLE','quantity':'BIGINT',"
    "'flag':'BOOLEAN','label':'VARCHAR','nested':'VARCHAR'}"
)


def same(a, b):
    if isinstance(a, float) or isinstance(b, float):
        return a is not None and b is not None and (a == b or (math.isnan(a) and math.isnan(b)))
    return a == b


@pytest.mark.parametrize("suffix,crlf", [(".json", False), (".json", True), (".json.gz", False), (".json.zst", False)])
def test_values_equal_duckdb_read_json(json_tool, tmp_path, suffix, crlf):
    events = make_events(20000, seed=7)
    path = tmp_path / ("events" + suffix)
    write_ndjson(path, events, crlf=crlf, ensure_ascii=suffix != ".json.gz")
    rows, rejected, files, _ = run_tool(json_tool, "scan", "--schema", SCHEMA, "--threads", "2", path)
    assert rejected == []
    assert files[0]["rows"] == len(events) and files[0]["lines"] == len(events)

    con = duckdb.connect()
    compression = {"gz": "gzip", "zst": "zstd"}.get(suffix.rsplit(".", 1)[-1], "none")
    duck = con.sql(
        f"SELECT * FROM read_json('{path}', format='newline_delimited', compression='{compression}', "
        f"columns={DUCK_COLUMNS})"
    ).fetchall()
    assert len(duck) == len(rows)
    names = ["event_id", "customer_id", "amount", "quantity", "flag", "label", "nested"]
    for line, (ours, theirs) in enumerate(zip(rows, duck), start=1):
        values = ours["values"]
        assert values["_source_line"] == line
        assert values["_source_file"] == path.name
        assert values["_rescued_data"] is None
        for name, expected in zip(names, theirs):
            got = values[name]
            if name == "nested":
                # Both minify; DuckDB re-renders numbers (2.50 → 2.5), so compare as JSON.
                assert json.loads(got) == json.loads(expected), (line, got, expected)
            else:
                assert same(got, expected), (line, name, got, expected)
        # And against the source itself.
        src = events[line - 1]
        assert values["label"] == src.get("label")
        assert json.loads(values["nested"]) == src["nested"]


def test_values_equal_pandas(json_tool, tmp_path):
    events = make_events(5000, seed=11)
    path = tmp_path / "events.json"
    write_ndjson(path, events, ensure_ascii=False)
    rows, _, _, _ = run_tool(json_tool, "scan", "--schema", SCHEMA, path)
    # precise_float: pandas' default float parser is not correctly rounded.
    frame = pd.read_json(path, lines=True, dtype=False, precise_float=True)
    assert len(frame) == len(rows)
    for i, row in enumerate(rows):
        values = row["values"]
        assert values["event_id"] == frame["event_id"][i]
        assert values["quantity"] == int(frame["quantity"][i])
        assert values["flag"] == bool(frame["flag"][i])
        expected_amount = frame["amount"][i]
        if values["amount"] is None:
            assert pd.isna(expected_amount)
        else:
            assert values["amount"] == float(expected_amount)
        expected_label = frame["label"][i]
        assert values["label"] == (None if not isinstance(expected_label, str) else expected_label)


def test_inferred_types_equal_duckdb_auto_detection(json_tool, tmp_path):
    path = tmp_path / "mixed.json"
    lines = []
    for i in range(2000):
        lines.append(
            json.dumps(
                {
                    "i": i,
                    "d": i / 4,  # integers and doubles → DOUBLE
                    "b": i % 2 == 0,
                    "s": f"s{i}",
                    "mixed": i if i % 3 else f"text{i}",  # → STRING
                    "maybe": None if i < 1999 else 5,
                    "big": 2**70 if i == 5 else i,  # beyond int64 → DOUBLE
                }
            )
        )
    path.write_text("\n".join(lines) + "\n")
    _, _, _, schema = run_tool(json_tool, "infer", "--sample-lines", "0", path)
    ours = {f["name"]: f["type"] for f in schema[0]["fields"]}
    assert list(ours) == ["i", "d", "b", "s", "mixed", "maybe", "big"]
    con = duckdb.connect()
    duck = {
        r[0]: r[1]
        for r in con.sql(
            f"DESCRIBE SELECT * FROM read_json('{path}', format='newline_delimited', sample_size=-1)"
        ).fetchall()
    }
    # DuckDB types a field of mixed scalars as JSON (text), where bullion widens to STRING.
    translate = {"BIGINT": "BIGINT", "DOUBLE": "DOUBLE", "BOOLEAN": "BOOLEAN", "VARCHAR": "STRING", "JSON": "STRING"}
    for name in ["i", "d", "b", "s", "mixed", "maybe"]:
        assert ours[name] == translate[duck[name]], (name, ours[name], duck[name])
    # DuckDB keeps 2**70 exact as HUGEINT; bullion's contract says DOUBLE (as Spark's DecimalType would not fit int64).
    assert ours["big"] == "DOUBLE"


def test_malformed_lines_match_python_json(json_tool, tmp_path):
    rng = random.Random(3)
    raw_lines = []
    for i in range(3000):
        line = json.dumps({"n": i, "s": rng.choice(WORDS)})
        r = rng.random()
        if r < 0.05:
            line = line[: rng.randint(1, len(line) - 1)]  # cut short
        elif r < 0.08:
            line = line.replace(":", "", 1)  # missing colon
        elif r < 0.10:
            line = "[" + line + "]"  # not an object
        elif r < 0.12:
            line = ""  # blank
        elif r < 0.13:
            line = "   \t"
        elif r < 0.14:
            line = line + " " + line  # two documents
        raw_lines.append(line)
    path = tmp_path / "bad.json"
    path.write_text("\n".join(raw_lines))  # no final newline
    rows, rejected, files, _ = run_tool(json_tool, "scan", "--schema", "n BIGINT, s STRING", path)

    expected_rows, expected_rejected, blank = [], [], 0
    for number, line in enumerate(raw_lines, start=1):
        if not line.strip():
            blank += 1
            continue
        try:
            value = json.loads(line)
            ok = isinstance(value, dict)
        except ValueError:
            ok = False
        (expected_rows if ok else expected_rejected).append(number)
    assert [r["values"]["_source_line"] for r in rows] == expected_rows
    assert [r["line"] for r in rejected] == expected_rejected
    for r in rejected:
        assert r["raw"] == raw_lines[r["line"] - 1]
        assert r["error"]
    f = files[0]
    assert (f["lines"], f["rows"], f["rejected"], f["blank"]) == (
        len(raw_lines),
        len(expected_rows),
        len(expected_rejected),
        blank,
    )


def test_truncated_gzip_delivers_every_complete_line(json_tool, tmp_path):
    events = [{"n": i, "pad": "x" * 50} for i in range(50000)]
    data = gzip.compress("".join(json.dumps(e) + "\n" for e in events).encode())
    path = tmp_path / "cut.json.gz"
    path.write_bytes(data[: len(data) // 2])
    rows, rejected, files, _ = run_tool(json_tool, "scan", "--schema", "n BIGINT, pad STRING", path)
    f = files[0]
    assert f["error"] and "truncated" in f["error"] and "cut.json.gz" in f["error"]
    assert f["rows"] > 10000
    assert [r["values"]["n"] for r in rows] == list(range(f["rows"]))
    # zlib agrees on how much is decodable.
    good = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(path.read_bytes())
    assert f["rows"] == good.count(b"\n")
    assert f["lines"] == f["rows"] + f["rejected"] + f["blank"]


def test_directory_of_mixed_files_in_parallel_equals_duckdb(json_tool, tmp_path):
    """Chunked plain files, .gz and .zst read by 3 threads: the same rows, in file then line order."""
    source = tmp_path / "source"
    (source / "2026" / "11").mkdir(parents=True)
    names = ["2026/11/a.json", "2026/11/b.json.gz", "c.json.zst", "d.json"]
    for i, name in enumerate(names):
        write_ndjson(source / name, make_events(6000 + 1000 * i, seed=100 + i))
    rows, rejected, files, _ = run_tool(
        json_tool, "scan", "--schema", SCHEMA, "--threads", "3", "--chunk-bytes", "65536", "--batch-rows", "1000", source
    )
    assert rejected == []
    assert [f["path"] for f in files] == sorted(names)
    con = duckdb.connect()
    expected = []
    for name in sorted(names):
        compression = {"gz": "gzip", "zst": "zstd"}.get(name.rsplit(".", 1)[-1], "none")
        for values in con.sql(
            f"SELECT * FROM read_json('{source / name}', format='newline_delimited', compression='{compression}', "
            f"columns={DUCK_COLUMNS})"
        ).fetchall():
            expected.append((name, values))
    assert len(rows) == len(expected)
    last = {}
    for row, (name, theirs) in zip(rows, expected):
        values = row["values"]
        assert values["_source_file"] == name
        assert values["_source_line"] == last.get(name, 0) + 1
        last[name] = values["_source_line"]
        assert values["event_id"] == theirs[0] and values["quantity"] == theirs[3]
        assert same(values["amount"], theirs[2]) and values["label"] == theirs[5]
        assert json.loads(values["nested"]) == json.loads(theirs[6])
