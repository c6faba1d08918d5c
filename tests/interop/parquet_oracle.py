"""Helpers for the Parquet interop tests: drive bullion's test-only
parquet_tool and put pyarrow / DuckDB values into the tool's JSON value
conventions, so that both sides compare exactly.

Conventions (tests/formats/parquet/parquet_tool.cc): integers, dates (days)
and timestamps (microseconds, floor of finer units) as ints; floats as
numbers or "NaN"/"Infinity"/"-Infinity"; decimals as plain strings; strings
as str; binary as lowercase hex; lists as lists; structs as dicts; maps as
lists of [key, value].
"""
import decimal
import json
import math
import os
import pathlib
import subprocess

import pyarrow as pa

ROOT = pathlib.Path(__file__).resolve().parents[2]


def tool_path():
    explicit = os.environ.get("BULLION_PARQUET_TOOL")
    if explicit:
        return explicit
    binary = os.environ.get("BULLION_BINARY")
    build = pathlib.Path(binary).resolve().parents[2] if binary else ROOT / "build"
    return str(build / "tests" / "formats" / "parquet" / "parquet_tool")


def run_tool(*args, check=True):
    proc = subprocess.run([tool_path(), *map(str, args)], capture_output=True, text=True)
    if check and proc.returncode != 0:
        raise AssertionError(f"parquet_tool {' '.join(map(str, args))} exited {proc.returncode}: {proc.stderr}")
    return proc


def bullion_read(path, *flags):
    return json.loads(run_tool("read", path, *flags).stdout)


def bullion_write(spec, out_path, tmp_path):
    spec_path = pathlib.Path(tmp_path) / (pathlib.Path(out_path).name + ".spec.json")
    spec_path.write_text(json.dumps(spec))
    return json.loads(run_tool("write", spec_path, out_path).stdout)


def _float(v):
    if v is None:
        return None
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    return v


def _decimal(v):
    if v is None:
        return None
    return format(decimal.Decimal(v), "f")  # exact: Decimal(str) keeps every digit


def _strip_temporal(t):
    """The type with timestamps/dates/times replaced by integers (for casting)."""
    if pa.types.is_timestamp(t) or pa.types.is_time64(t) or pa.types.is_duration(t):
        return pa.int64()
    if pa.types.is_date32(t) or pa.types.is_time32(t):
        return pa.int32()
    if pa.types.is_dictionary(t):
        return _strip_temporal(t.value_type)
    if pa.types.is_large_list(t) or pa.types.is_list(t):
        return pa.list_(pa.field(t.value_field.name, _strip_temporal(t.value_type), t.value_field.nullable))
    if pa.types.is_map(t):
        return pa.map_(_strip_temporal(t.key_type), pa.field("value", _strip_temporal(t.item_type),
                                                             t.item_field.nullable))
    if pa.types.is_struct(t):
        return pa.struct([pa.field(f.name, _strip_temporal(f.type), f.nullable) for f in t])
    if pa.types.is_large_string(t) or pa.types.is_string_view(t):
        return pa.string()
    if pa.types.is_large_binary(t) or pa.types.is_binary_view(t):
        return pa.binary()
    return t


def _converter(t):
    """A function mapping one Python value of arrow type t (after _strip_temporal casting) to the
    tool's conventions, built once per type (per-value type dispatch is too slow for big files)."""
    if pa.types.is_dictionary(t):
        return _converter(t.value_type)
    if pa.types.is_timestamp(t):
        per_second = {"s": 1, "ms": 1000, "us": 1_000_000, "ns": 1_000_000_000}[t.unit]
        if per_second == 1_000_000:
            return lambda v: v
        return lambda v: None if v is None else (v * 1_000_000) // per_second
    if pa.types.is_floating(t):
        return _float
    if pa.types.is_decimal(t):
        return _decimal
    if pa.types.is_uint64(t):
        return lambda v: None if v is None else str(v)
    if pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_fixed_size_binary(t) \
            or pa.types.is_binary_view(t):
        return lambda v: None if v is None else v.hex()
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        item = _converter(t.value_type)
        return lambda v: None if v is None else [item(x) for x in v]
    if pa.types.is_map(t):
        key, item = _converter(t.key_type), _converter(t.item_type)
        return lambda v: None if v is None else [[key(k), item(x)] for k, x in v]
    if pa.types.is_struct(t):
        fields = [(f.name, _converter(f.type)) for f in t]
        return lambda v: None if v is None else {name: conv(v.get(name)) for name, conv in fields}
    return lambda v: v


def arrow_columns(table):
    """{name: [values]} of a pyarrow Table in the tool's conventions."""
    out = {}
    for field, column in zip(table.schema, table.columns):
        stripped = column.cast(_strip_temporal(field.type)) if column.type != _strip_temporal(field.type) else column
        if pa.types.is_decimal(field.type):
            # Arrow's decimal text ("-1.50", every scale digit) is the tool's and vectorized,
            # except that it writes some zeros in exponent form ("0E-10").
            text = column.cast(pa.string()).to_pylist()
            out[field.name] = [v if v is None or "E" not in v else _decimal(v) for v in text]
            continue
        values = stripped.to_pylist()
        conv = _converter(field.type)
        out[field.name] = [conv(v) for v in values]
    return out



# --- an independent look at the footer -------------------------------------
# pyarrow does not expose column_orders or which Statistics fields are
# present, so the tests decode the Thrift compact protocol footer here: every
# struct becomes {field_id: value}.

def _varint(buf, pos):
    shift = result = 0
    while True:
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return result, pos


def _zigzag(n):
    return (n >> 1) ^ -(n & 1)


def _value(buf, pos, t):
    if t in (1, 2):  # bool inside a field header
        return t == 1, pos
    if t == 3:
        return buf[pos], pos + 1
    if t in (4, 5, 6):
        v, pos = _varint(buf, pos)
        return _zigzag(v), pos
    if t == 7:
        return buf[pos:pos + 8], pos + 8
    if t == 8:
        n, pos = _varint(buf, pos)
        return bytes(buf[pos:pos + n]), pos + n
    if t in (9, 10):
        h = buf[pos]
        pos += 1
        size, et = h >> 4, h & 0x0F
        if size == 15:
            size, pos = _varint(buf, pos)
        out = []
        for _ in range(size):
            if et in (1, 2):
                out.append(buf[pos] == 1)
                pos += 1
            else:
                v, pos = _value(buf, pos, et)
                out.append(v)
        return out, pos
    if t == 12:
        return _struct(buf, pos)
    raise ValueError(f"thrift type {t}")


def _struct(buf, pos):
    fields = {}
    last = 0
    while True:
        h = buf[pos]
        pos += 1
        if h == 0:
            return fields, pos
        t = h & 0x0F
        delta = h >> 4
        if delta:
            fid = last + delta
        else:
            z, pos = _varint(buf, pos)
            fid = _zigzag(z)
        last = fid
        fields[fid], pos = _value(buf, pos, t)


def read_footer(path):
    data = pathlib.Path(path).read_bytes()
    assert data[-4:] == b"PAR1"
    n = int.from_bytes(data[-8:-4], "little")
    meta, _ = _struct(data[-8 - n:-8], 0)
    return meta
