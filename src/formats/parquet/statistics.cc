#include "formats/parquet/statistics.h"

#include <cmath>
#include <cstring>
#include <limits>

#include "formats/parquet/physical.h"

namespace bullion::parquet {

std::optional<Value> decode_stat_value(const LeafInfo& leaf, std::string_view bytes) {
  const uint8_t* p = reinterpret_cast<const uint8_t*>(bytes.data());
  const DataType& t = leaf.type;
  switch (leaf.physical) {
    case PhysicalType::kBoolean:
      if (bytes.size() != 1) return std::nullopt;
      return Value::boolean(p[0] != 0);
    case PhysicalType::kInt32: {
      if (bytes.size() != 4) return std::nullopt;
      int32_t v;
      std::memcpy(&v, p, 4);
      switch (leaf.conversion) {
        case Conversion::kInt32ToInt8:
          return Value::int8(static_cast<int8_t>(v));
        case Conversion::kInt32ToInt16:
          return Value::int16(static_cast<int16_t>(v));
        case Conversion::kUInt32ToInt64:
          return Value::int64(static_cast<int64_t>(static_cast<uint32_t>(v)));
        case Conversion::kInt32ToDecimal:
          return Value::decimal(v, t.precision(), t.scale());
        case Conversion::kNone:
          if (t.id() == TypeId::kDate) return Value::date(v);
          return Value::int32(v);
        default:
          return std::nullopt;
      }
    }
    case PhysicalType::kInt64: {
      if (bytes.size() != 8) return std::nullopt;
      int64_t v;
      std::memcpy(&v, p, 8);
      auto ts = [&](int64_t micros) {
        return t.id() == TypeId::kTimestampNtz ? Value::timestamp_ntz(micros) : Value::timestamp(micros);
      };
      switch (leaf.conversion) {
        case Conversion::kMillisToMicros:
          return ts(millis_to_micros(v));
        case Conversion::kNanosToMicros:
          return ts(nanos_to_micros(v));
        case Conversion::kInt64ToDecimal:
          return Value::decimal(v, t.precision(), t.scale());
        case Conversion::kUInt64ToDecimal:
          return Value::decimal(static_cast<int128>(static_cast<uint64_t>(v)), 20, 0);
        case Conversion::kNone:
          if (t.id() == TypeId::kTimestamp || t.id() == TypeId::kTimestampNtz) return ts(v);
          return Value::int64(v);
        default:
          return std::nullopt;
      }
    }
    case PhysicalType::kFloat: {
      if (bytes.size() != 4) return std::nullopt;
      float f;
      std::memcpy(&f, p, 4);
      return Value::float32(f);
    }
    case PhysicalType::kDouble: {
      if (bytes.size() != 8) return std::nullopt;
      double d;
      std::memcpy(&d, p, 8);
      return Value::float64(d);
    }
    case PhysicalType::kByteArray:
    case PhysicalType::kFixedLenByteArray: {
      if (leaf.physical == PhysicalType::kFixedLenByteArray && bytes.size() != static_cast<size_t>(leaf.type_length)) {
        return std::nullopt;
      }
      if (leaf.conversion == Conversion::kBytesToDecimal) {
        int128 v;
        if (!be_bytes_to_int128(p, bytes.size(), &v)) return std::nullopt;
        return Value::decimal(v, t.precision(), t.scale());
      }
      if (leaf.conversion == Conversion::kFloat16ToFloat) {
        uint16_t h;
        std::memcpy(&h, p, 2);
        return Value::float32(half_to_float(h));
      }
      if (leaf.conversion != Conversion::kNone) return std::nullopt;
      return t.id() == TypeId::kString ? Value::string(bytes) : Value::binary(bytes);
    }
    case PhysicalType::kInt96:
      return std::nullopt;
  }
  return std::nullopt;
}

ColumnStats read_chunk_stats(const LeafInfo& leaf, const std::optional<Statistics>& stats, ColumnOrder order,
                             int64_t num_values) {
  ColumnStats cs;
  cs.num_values = num_values;
  if (!stats) return cs;
  if (stats->null_count && *stats->null_count >= 0 && *stats->null_count <= num_values) {
    cs.null_count = stats->null_count;
  }
  if (leaf.physical == PhysicalType::kInt96 || leaf.conversion == Conversion::kNull) return cs;
  const bool floating = leaf.type.is_floating();
  if (order == ColumnOrder::kUnknown || order == ColumnOrder::kInt96Timestamp) return cs;
  if (order == ColumnOrder::kIeee754TotalOrder && !floating) return cs;

  const std::string* min_bytes = nullptr;
  const std::string* max_bytes = nullptr;
  if (stats->min_value || stats->max_value) {
    if (stats->min_value) min_bytes = &*stats->min_value;
    if (stats->max_value) max_bytes = &*stats->max_value;
  } else if (leaf.legacy_stats_usable) {
    // Deprecated min/max are in signed order: usable only where that is the
    // type's order (never byte arrays: PARQUET-251, PARQUET-686).
    if (stats->min) min_bytes = &*stats->min;
    if (stats->max) max_bytes = &*stats->max;
  }
  if (min_bytes) {
    std::optional<Value> v = decode_stat_value(leaf, *min_bytes);
    if (v && !(floating && std::isnan(v->as_double()))) cs.min = std::move(v);
  }
  if (max_bytes) {
    std::optional<Value> v = decode_stat_value(leaf, *max_bytes);
    if (v && !(floating && std::isnan(v->as_double()))) cs.max = std::move(v);
  }
  if (floating) {
    // NaN sorts last (compare_values): unless the file says there is none,
    // the true maximum may be NaN.
    const bool no_nans = stats->nan_count && *stats->nan_count == 0;
    const bool some_nans = stats->nan_count && *stats->nan_count > 0;
    if (!no_nans && (cs.max || some_nans)) {
      cs.max = leaf.type.id() == TypeId::kFloat ? Value::float32(std::numeric_limits<float>::quiet_NaN())
                                                : Value::float64(std::numeric_limits<double>::quiet_NaN());
    }
  }
  return cs;
}

namespace {

// Decodes the UTF-8 code point ending at s[end-1]; returns its start, or
// SIZE_MAX if s[..end) does not end with a valid sequence.
size_t last_code_point(std::string_view s, size_t end, uint32_t* cp) {
  if (end == 0) return SIZE_MAX;
  size_t start = end - 1;
  while (start > 0 && (static_cast<uint8_t>(s[start]) & 0xC0) == 0x80 && end - start < 4) --start;
  const uint8_t b0 = static_cast<uint8_t>(s[start]);
  const size_t len = end - start;
  uint32_t v;
  if (b0 < 0x80) {
    if (len != 1) return SIZE_MAX;
    v = b0;
  } else if ((b0 & 0xE0) == 0xC0) {
    if (len != 2) return SIZE_MAX;
    v = b0 & 0x1F;
  } else if ((b0 & 0xF0) == 0xE0) {
    if (len != 3) return SIZE_MAX;
    v = b0 & 0x0F;
  } else if ((b0 & 0xF8) == 0xF0) {
    if (len != 4) return SIZE_MAX;
    v = b0 & 0x07;
  } else {
    return SIZE_MAX;
  }
  for (size_t i = start + 1; i < end; ++i) {
    const uint8_t b = static_cast<uint8_t>(s[i]);
    if ((b & 0xC0) != 0x80) return SIZE_MAX;
    v = (v << 6) | (b & 0x3F);
  }
  *cp = v;
  return start;
}

void append_utf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

size_t utf8_cut(std::string_view value, size_t max_bytes) {
  size_t cut = max_bytes;
  while (cut > 0 && (static_cast<uint8_t>(value[cut]) & 0xC0) == 0x80) --cut;
  return cut;
}

std::optional<std::string> increment_bytes(std::string prefix) {
  while (!prefix.empty() && static_cast<uint8_t>(prefix.back()) == 0xFF) prefix.pop_back();
  if (prefix.empty()) return std::nullopt;
  prefix.back() = static_cast<char>(static_cast<uint8_t>(prefix.back()) + 1);
  return prefix;
}

}  // namespace

std::string truncate_min_stat(std::string_view value, size_t max_bytes, bool utf8) {
  if (max_bytes == 0 || value.size() <= max_bytes) return std::string(value);
  const size_t cut = utf8 ? utf8_cut(value, max_bytes) : max_bytes;
  return std::string(value.substr(0, cut));
}

std::optional<std::string> truncate_max_stat(std::string_view value, size_t max_bytes, bool utf8) {
  if (max_bytes == 0 || value.size() <= max_bytes) return std::string(value);
  if (!utf8) return increment_bytes(std::string(value.substr(0, max_bytes)));
  std::string_view prefix = value.substr(0, utf8_cut(value, max_bytes));
  // Increment the last code point that can be incremented within max_bytes.
  while (!prefix.empty()) {
    uint32_t cp;
    const size_t start = last_code_point(prefix, prefix.size(), &cp);
    if (start == SIZE_MAX) return increment_bytes(std::string(value.substr(0, max_bytes)));  // not UTF-8
    uint32_t next = cp + 1;
    if (next >= 0xD800 && next <= 0xDFFF) next = 0xE000;
    if (next <= 0x10FFFF) {
      std::string out(prefix.substr(0, start));
      append_utf8(next, &out);
      if (out.size() <= max_bytes) return out;
    }
    prefix = prefix.substr(0, start);
  }
  return std::nullopt;
}

}  // namespace bullion::parquet
