"""Every Parquet file of other writers in the shared conformance corpus
(Spark, delta-rs, Databricks, Delta kernel test tables — data files and
checkpoints) read by bullion with the values pyarrow reads."""
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import SHARED
from parquet_oracle import arrow_columns, run_tool


def corpus_root():
    for candidate in (SHARED, SHARED.parent.parent / "shared"):
        if (candidate / "conformance" / "delta").is_dir():
            return candidate / "conformance" / "delta"
    raise AssertionError(f"conformance corpus not found under {SHARED}")


ROOT = corpus_root()
GROUPS = sorted(p.name for p in ROOT.iterdir() if p.is_dir())


def pyarrow_columns(path):
    # INT96 in microseconds: pyarrow's default (nanoseconds) overflows past 2262.
    table = pq.read_table(path, coerce_int96_timestamp_unit="us")
    return table, arrow_columns(table)


@pytest.mark.parametrize("group", GROUPS)
def test_corpus_values_match_pyarrow(group, tmp_path):
    files = sorted(p for p in (ROOT / group).rglob("*.parquet") if not p.name.startswith("._"))
    assert files, group
    listing = tmp_path / "files.txt"
    listing.write_text("\n".join(map(str, files)) + "\n")
    lines = run_tool("read-many", listing).stdout.splitlines()
    assert len(lines) == len(files)
    for line in lines:
        entry = json.loads(line)
        path = entry["path"]
        assert "error" not in entry, f"{path}: {entry.get('error')}"
        got = entry["result"]
        table, expected = pyarrow_columns(path)
        assert got["num_rows"] == table.num_rows == got["footer_num_rows"], path
        types = {f["name"]: f["type"] for f in got["schema"]}
        for field in table.schema:
            mine = got["columns"][field.name]
            theirs = expected[field.name]
            if pa.types.is_binary(field.type) and types[field.name] == "STRING":
                # ENUM (parquet-thrift) is text to bullion and Spark, bytes to pyarrow.
                mine = [None if v is None else v.encode().hex() for v in mine]
            assert mine == theirs, f"{path}: column {field.name}"


def test_apple_double_companions_are_not_parquet():
    companions = sorted(p for p in ROOT.rglob("._*.parquet"))
    assert companions
    for path in companions:
        proc = run_tool("read", path, check=False)
        assert proc.returncode != 0
        assert json.loads(proc.stderr)["category"] == "corrupt data"
