#include "bullion/delta/partition_values.h"

#include <charconv>
#include <cmath>
#include <cstdlib>

#include "bullion/core/error.h"
#include "bullion/core/time.h"

namespace bullion::delta {

namespace {

[[noreturn]] void bad_value(std::string_view column, const std::string& text, const DataType& type) {
  throw Error::corrupt("partition value '" + text + "' of column '" + std::string(column) + "' is not a valid " +
                       type.to_string());
}

template <class T>
bool parse_int(const std::string& s, T& out) {
  const char* b = s.data();
  const char* e = b + s.size();
  auto [p, ec] = std::from_chars(b, e, out);
  return ec == std::errc() && p == e;
}

// "yyyy-MM-dd HH:mm:ss[.ffffff]" (Spark's partition text) or ISO-8601.
std::optional<int64_t> parse_partition_timestamp(const std::string& s) {
  if (auto ts = parse_timestamp(s)) return ts;
  // Spark also writes whole-day values without a time for date-like timestamps.
  if (auto d = parse_date(s)) return static_cast<int64_t>(*d) * kMicrosPerDay;
  return std::nullopt;
}

std::optional<int128> parse_decimal(const std::string& s, int scale) {
  int128 value = 0;
  bool negative = false;
  size_t i = 0;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) negative = s[i++] == '-';
  int frac_digits = -1;
  bool any = false;
  for (; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '.') {
      if (frac_digits >= 0) return std::nullopt;
      frac_digits = 0;
      continue;
    }
    if (c == 'E' || c == 'e') break;
    if (c < '0' || c > '9') return std::nullopt;
    any = true;
    if (frac_digits >= 0) {
      if (frac_digits == scale) {
        if (c != '0') return std::nullopt;  // more precision than the type holds
        continue;
      }
      ++frac_digits;
    }
    value = value * 10 + (c - '0');
  }
  int exponent = 0;
  if (i < s.size()) {
    if (!parse_int(s.substr(i + 1), exponent)) return std::nullopt;
  }
  if (!any) return std::nullopt;
  int shift = scale - std::max(frac_digits, 0) + exponent;
  for (; shift > 0; --shift) value *= 10;
  for (; shift < 0; ++shift) value /= 10;
  return negative ? -value : value;
}

}  // namespace

Value parse_partition_value(const std::optional<std::string>& text, const DataType& type, std::string_view column) {
  if (!text || text->empty()) return Value::null(type);
  const std::string& s = *text;
  switch (type.id()) {
    case TypeId::kString:
      return Value::string(s);
    case TypeId::kBinary:
      return Value::binary(s);
    case TypeId::kBoolean:
      if (s == "true" || s == "TRUE" || s == "True") return Value::boolean(true);
      if (s == "false" || s == "FALSE" || s == "False") return Value::boolean(false);
      bad_value(column, s, type);
    case TypeId::kInt8: {
      int8_t v;
      if (!parse_int(s, v)) bad_value(column, s, type);
      return Value::int8(v);
    }
    case TypeId::kInt16: {
      int16_t v;
      if (!parse_int(s, v)) bad_value(column, s, type);
      return Value::int16(v);
    }
    case TypeId::kInt32: {
      int32_t v;
      if (!parse_int(s, v)) bad_value(column, s, type);
      return Value::int32(v);
    }
    case TypeId::kInt64: {
      int64_t v;
      if (!parse_int(s, v)) bad_value(column, s, type);
      return Value::int64(v);
    }
    case TypeId::kFloat:
    case TypeId::kDouble: {
      char* end = nullptr;
      const double d = std::strtod(s.c_str(), &end);
      if (end != s.c_str() + s.size()) bad_value(column, s, type);
      return type.id() == TypeId::kFloat ? Value::float32(static_cast<float>(d)) : Value::float64(d);
    }
    case TypeId::kDecimal: {
      const auto v = parse_decimal(s, type.scale());
      if (!v) bad_value(column, s, type);
      return Value::decimal(*v, type.precision(), type.scale());
    }
    case TypeId::kDate: {
      auto d = parse_date(s);
      if (!d) {
        // Some writers put a full timestamp in a date partition.
        if (auto ts = parse_partition_timestamp(s)) d = date_of_timestamp(*ts);
      }
      if (!d) bad_value(column, s, type);
      return Value::date(*d);
    }
    case TypeId::kTimestamp: {
      const auto ts = parse_partition_timestamp(s);
      if (!ts) bad_value(column, s, type);
      return Value::timestamp(*ts);
    }
    case TypeId::kTimestampNtz: {
      const auto ts = parse_partition_timestamp(s);
      if (!ts) bad_value(column, s, type);
      return Value::timestamp_ntz(*ts);
    }
    default:
      throw Error::unsupported("partition column '" + std::string(column) + "' has type " + type.to_string() +
                               ", which cannot be a partition column");
  }
}

std::optional<std::string> format_partition_value(const Value& value) {
  if (value.is_null()) return std::nullopt;
  switch (value.type().id()) {
    case TypeId::kTimestamp:
      return format_timestamp(value.as_int());
    case TypeId::kTimestampNtz: {
      // yyyy-MM-dd HH:mm:ss[.ffffff]
      std::string s = format_timestamp(value.as_int());
      s.pop_back();
      s[10] = ' ';
      return s;
    }
    default:
      return value.to_display();
  }
}

std::string percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
      };
      const int hi = hex(text[i + 1]), lo = hex(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(text[i]);
  }
  return out;
}

std::string percent_encode_path(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    const bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                            c == '_' || c == '.' || c == '~' || c == '/' || c == '=';
    if (unreserved) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string hive_partition_dir(std::string_view column, const std::optional<std::string>& value) {
  // Spark's ExternalCatalogUtils.escapePathName: escape control characters and
  // "\"#%'*/:=?\\\x7F{[]^ as %XX.
  auto escape = [](std::string_view s) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
      const bool special = c < 0x20 || c == 0x7F ||
                           std::string_view("\"#%'*/:=?\\{[]^").find(static_cast<char>(c)) != std::string_view::npos;
      if (special) {
        out.push_back('%');
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 15]);
      } else {
        out.push_back(static_cast<char>(c));
      }
    }
    return out;
  };
  return escape(column) + "=" + (value && !value->empty() ? escape(*value) : std::string("__HIVE_DEFAULT_PARTITION__"));
}

}  // namespace bullion::delta
