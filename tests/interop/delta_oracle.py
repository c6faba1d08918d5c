"""Normalizes rows read by bullion (`table show --format json`) and by peers
(delta-rs, Spark) to one comparable form."""
import datetime as dt
import decimal
import json
import math


def _ts(value: dt.datetime) -> str:
    """bullion's rendering: ISO-8601, fraction only when non-zero (3 or 6 digits), Z for UTC."""
    if value.tzinfo is not None:
        value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
        suffix = "Z"
    else:
        suffix = ""
    micros = value.microsecond
    base = value.strftime("%Y-%m-%dT%H:%M:%S") if value.year >= 1000 else value.isoformat(timespec="seconds")
    if micros:
        base += f".{micros // 1000:03d}" if micros % 1000 == 0 else f".{micros:06d}"
    return base + suffix


def normalize(value, spark=False):
    """A Python value from pyarrow (structs are dicts, maps are lists of pairs)
    or from Spark (spark=True: structs are Rows, maps are dicts)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return value
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    if isinstance(value, dt.datetime):
        return _ts(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).hex().upper()
    if isinstance(value, str):
        return value
    if hasattr(value, "asDict"):  # a Spark Row (a tuple subclass)
        return {k: normalize(v, spark) for k, v in value.asDict(recursive=False).items()}
    if isinstance(value, dict):
        if spark:  # a map: bullion renders maps as [key, value] pairs
            return [[normalize(k, spark), normalize(v, spark)] for k, v in value.items()]
        return {k: normalize(v, spark) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [normalize(v, spark) for v in value]
    raise TypeError(f"cannot normalize {type(value)}")


def normalize_spark(value, data_type):
    """A value collected from Spark, normalized by its Spark type (Spark gives
    naive datetimes for both TIMESTAMP, in the session zone UTC, and TIMESTAMP_NTZ)."""
    from pyspark.sql import types as T

    if value is None:
        return None
    if isinstance(data_type, T.TimestampType):
        return _ts(value.replace(tzinfo=dt.timezone.utc) if value.tzinfo is None else value)
    if isinstance(data_type, T.StructType):
        return {f.name: normalize_spark(value[f.name], f.dataType) for f in data_type.fields}
    if isinstance(data_type, T.ArrayType):
        return [normalize_spark(v, data_type.elementType) for v in value]
    if isinstance(data_type, T.MapType):
        if isinstance(value, list):  # collected through map_entries (see spark_rows)
            return [[normalize_spark(e["key"], data_type.keyType), normalize_spark(e["value"], data_type.valueType)]
                    for e in value]
        return [[normalize_spark(k, data_type.keyType), normalize_spark(v, data_type.valueType)] for k, v in value.items()]
    return normalize(value)


def _collectable(column, data_type):
    """PySpark cannot build a dict whose keys are lists: such maps are collected as their entries."""
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    if isinstance(data_type, T.MapType):
        if isinstance(data_type.keyType, (T.ArrayType, T.MapType)):
            return F.map_entries(column)
        return column
    if isinstance(data_type, T.StructType):
        rebuilt = F.struct(*[_collectable(column[f.name], f.dataType).alias(f.name) for f in data_type.fields])
        return F.when(column.isNull(), F.lit(None)).otherwise(rebuilt)
    if isinstance(data_type, T.ArrayType):
        return F.transform(column, lambda x: _collectable(x, data_type.elementType))
    return column


def spark_rows(df):
    from pyspark.sql import functions as F

    schema = df.schema
    safe = df.select(*[_collectable(F.col(f"`{f.name}`"), f.dataType).alias(f.name) for f in schema.fields])
    return [normalize_spark(row, schema) for row in safe.collect()]


def _sort_maps(value):
    if isinstance(value, dict):
        return {k: _sort_maps(v) for k, v in value.items()}
    if isinstance(value, list):
        items = [_sort_maps(v) for v in value]
        if items and all(isinstance(i, list) and len(i) == 2 for i in items):
            return sorted(items, key=lambda kv: json.dumps(kv, sort_keys=True, default=str))
        return items
    return value


def canonical_rows(rows):
    """Rows as a sorted list of JSON strings (a multiset, order-independent)."""
    return sorted(json.dumps(_sort_maps(r), sort_keys=True, default=str) for r in rows)


def bullion_rows(stdout: str):
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]
