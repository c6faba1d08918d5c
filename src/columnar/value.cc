#include "bullion/columnar/value.h"

#include <charconv>
#include <cmath>

#include "bullion/core/time.h"

namespace bullion {

namespace {
Value make(DataType type) {
  Value v = Value::null(std::move(type));
  return v;
}
}  // namespace

Value Value::null(DataType type) {
  Value v;
  v.type_ = std::move(type);
  v.is_null_ = true;
  return v;
}

Value Value::boolean(bool b) {
  Value out = make(DataType::boolean());
  out.is_null_ = false;
  out.i_ = b ? 1 : 0;
  return out;
}
Value Value::int8(int8_t x) {
  Value out = make(DataType::int8());
  out.is_null_ = false;
  out.i_ = x;
  return out;
}
Value Value::int16(int16_t x) {
  Value out = make(DataType::int16());
  out.is_null_ = false;
  out.i_ = x;
  return out;
}
Value Value::int32(int32_t x) {
  Value out = make(DataType::int32());
  out.is_null_ = false;
  out.i_ = x;
  return out;
}
Value Value::int64(int64_t x) {
  Value out = make(DataType::int64());
  out.is_null_ = false;
  out.i_ = x;
  return out;
}
Value Value::float32(float x) {
  Value out = make(DataType::float32());
  out.is_null_ = false;
  out.d_ = x;
  return out;
}
Value Value::float64(double x) {
  Value out = make(DataType::float64());
  out.is_null_ = false;
  out.d_ = x;
  return out;
}
Value Value::decimal(int128 unscaled, int precision, int scale) {
  Value out = make(DataType::decimal(precision, scale));
  out.is_null_ = false;
  out.i_ = unscaled;
  return out;
}
Value Value::date(int32_t days) {
  Value out = make(DataType::date());
  out.is_null_ = false;
  out.i_ = days;
  return out;
}
Value Value::timestamp(int64_t micros) {
  Value out = make(DataType::timestamp());
  out.is_null_ = false;
  out.i_ = micros;
  return out;
}
Value Value::timestamp_ntz(int64_t micros) {
  Value out = make(DataType::timestamp_ntz());
  out.is_null_ = false;
  out.i_ = micros;
  return out;
}
Value Value::string(std::string_view s) {
  Value out = make(DataType::string());
  out.is_null_ = false;
  out.s_ = std::string(s);
  return out;
}
Value Value::binary(std::string_view s) {
  Value out = make(DataType::binary());
  out.is_null_ = false;
  out.s_ = std::string(s);
  return out;
}
Value Value::nested(DataType type, std::vector<Value> children) {
  Value out = make(std::move(type));
  out.is_null_ = false;
  out.children_ = std::move(children);
  return out;
}

std::string format_decimal(int128 unscaled, int scale) {
  const bool negative = unscaled < 0;
  // Work in unsigned to handle the most negative value.
  unsigned __int128 mag =
      negative ? static_cast<unsigned __int128>(-(unscaled + 1)) + 1 : static_cast<unsigned __int128>(unscaled);
  std::string digits;
  do {
    digits.push_back(static_cast<char>('0' + static_cast<int>(mag % 10)));
    mag /= 10;
  } while (mag != 0);
  while (static_cast<int>(digits.size()) <= scale) digits.push_back('0');
  std::string out = negative ? "-" : "";
  for (size_t i = digits.size(); i-- > 0;) {
    out.push_back(digits[i]);
    if (scale > 0 && i == static_cast<size_t>(scale)) out.push_back('.');
  }
  return out;
}

namespace {

std::string format_double(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
  std::string s(buf, end);
  if (s.find_first_of(".eE") == std::string::npos) s += ".0";
  return s;
}

std::string format_float(float f) {
  if (std::isnan(f)) return "NaN";
  if (std::isinf(f)) return f > 0 ? "Infinity" : "-Infinity";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, f);
  std::string s(buf, end);
  if (s.find_first_of(".eE") == std::string::npos) s += ".0";
  return s;
}

std::string render(const Value& v, bool sql) {
  if (v.is_null()) return sql ? "NULL" : "NULL";
  const DataType& t = v.type();
  switch (t.id()) {
    case TypeId::kNull:
      return "NULL";
    case TypeId::kBoolean:
      return v.as_bool() ? "true" : "false";
    case TypeId::kInt8:
    case TypeId::kInt16:
    case TypeId::kInt32:
    case TypeId::kInt64:
      return std::to_string(v.as_int());
    case TypeId::kFloat:
      return format_float(static_cast<float>(v.as_double()));
    case TypeId::kDouble:
      return format_double(v.as_double());
    case TypeId::kDecimal:
      return format_decimal(v.as_int128(), t.scale());
    case TypeId::kDate:
      return sql ? "DATE '" + format_date(static_cast<int32_t>(v.as_int())) + "'"
                 : format_date(static_cast<int32_t>(v.as_int()));
    case TypeId::kTimestamp:
      return sql ? "TIMESTAMP '" + format_timestamp(v.as_int()) + "'" : format_timestamp(v.as_int());
    case TypeId::kTimestampNtz: {
      std::string s = format_timestamp(v.as_int());
      s.pop_back();  // no zone
      return sql ? "TIMESTAMP_NTZ '" + s + "'" : s;
    }
    case TypeId::kString: {
      if (!sql) return v.as_string();
      std::string out = "'";
      for (char c : v.as_string()) {
        if (c == '\'') out += '\'';
        out += c;
      }
      return out + "'";
    }
    case TypeId::kBinary: {
      static constexpr char kHex[] = "0123456789ABCDEF";
      std::string out = sql ? "X'" : "";
      for (unsigned char c : v.as_string()) {
        out += kHex[c >> 4];
        out += kHex[c & 15];
      }
      return sql ? out + "'" : out;
    }
    case TypeId::kStruct: {
      std::string out = "{";
      for (size_t i = 0; i < v.children().size(); ++i) {
        if (i) out += ", ";
        out += t.children()[i].name + ": " + render(v.children()[i], sql);
      }
      return out + "}";
    }
    case TypeId::kList: {
      std::string out = "[";
      for (size_t i = 0; i < v.children().size(); ++i) {
        if (i) out += ", ";
        out += render(v.children()[i], sql);
      }
      return out + "]";
    }
    case TypeId::kMap: {
      std::string out = "{";
      for (size_t i = 0; i + 1 < v.children().size(); i += 2) {
        if (i) out += ", ";
        out += render(v.children()[i], sql) + " -> " + render(v.children()[i + 1], sql);
      }
      return out + "}";
    }
  }
  return "?";
}

}  // namespace

std::string Value::to_string() const { return render(*this, true); }
std::string Value::to_display() const { return render(*this, false); }

bool Value::operator==(const Value& other) const {
  if (!(type_ == other.type_) || is_null_ != other.is_null_) return false;
  if (is_null_) return true;
  if (type_.is_floating()) return d_ == other.d_ || (std::isnan(d_) && std::isnan(other.d_));
  return i_ == other.i_ && s_ == other.s_ && children_ == other.children_;
}

}  // namespace bullion
