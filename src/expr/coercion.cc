#include "expr/coercion.h"

#include <algorithm>

#include "expr/text_conversions.h"

namespace bullion::expr {

bool is_integral_type(const DataType& t) { return t.is_integer(); }
bool is_numeric_type(const DataType& t) { return t.is_numeric(); }
bool is_datetime_type(const DataType& t) { return t.is_temporal(); }

namespace {

int numeric_rank(TypeId id) {
  switch (id) {
    case TypeId::kInt8:
      return 0;
    case TypeId::kInt16:
      return 1;
    case TypeId::kInt32:
      return 2;
    case TypeId::kInt64:
      return 3;
    case TypeId::kFloat:
      return 4;
    case TypeId::kDouble:
      return 5;
    default:
      return -1;
  }
}

// DecimalType.isWiderThan(other): every value of `other` fits.
bool decimal_wider_than(const DataType& d, const DataType& other) {
  DataType o = other.id() == TypeId::kDecimal ? other : decimal_for(other);
  return d.precision() - d.scale() >= o.precision() - o.scale() && d.scale() >= o.scale();
}

DataType wider_decimal(const DataType& a, const DataType& b) {
  const int scale = std::max(a.scale(), b.scale());
  const int range = std::max(a.precision() - a.scale(), b.precision() - b.scale());
  return bounded_decimal(range + scale, scale);
}

std::optional<DataType> wider_type_for_decimal(const DataType& a, const DataType& b) {
  const bool ad = a.id() == TypeId::kDecimal, bd = b.id() == TypeId::kDecimal;
  if (ad && bd) return wider_decimal(a, b);
  if (ad && b.is_integer()) return wider_decimal(decimal_for(b), a);
  if (bd && a.is_integer()) return wider_decimal(decimal_for(a), b);
  if ((ad && b.is_floating()) || (bd && a.is_floating())) return DataType::float64();
  return std::nullopt;
}

}  // namespace

DataType decimal_for(const DataType& t) {
  switch (t.id()) {
    case TypeId::kInt8:
      return DataType::decimal(3, 0);
    case TypeId::kInt16:
      return DataType::decimal(5, 0);
    case TypeId::kInt32:
      return DataType::decimal(10, 0);
    case TypeId::kInt64:
      return DataType::decimal(20, 0);
    case TypeId::kFloat:
      return DataType::decimal(14, 7);
    case TypeId::kDouble:
      return DataType::decimal(30, 15);
    default:
      return t;
  }
}

DataType decimal_for_literal(const Value& v) {
  if (v.is_null() || !v.type().is_integer()) return decimal_for(v.type());
  return DataType::decimal(decimal_digits(v.as_int()), 0);
}

DataType bounded_decimal(int precision, int scale) {
  return DataType::decimal(std::min(precision, 38), std::min(scale, 38));
}

DataType adjusted_decimal(int precision, int scale) {
  if (precision <= 38) return DataType::decimal(precision, scale);
  const int int_digits = precision - scale;
  const int min_scale = std::min(scale, 6);
  const int adjusted = std::max(38 - int_digits, min_scale);
  return DataType::decimal(38, adjusted);
}

std::optional<DataType> tightest_common_type(const DataType& a, const DataType& b) {
  if (a == b) return a;
  if (a.id() == TypeId::kNull) return b;
  if (b.id() == TypeId::kNull) return a;
  if (a.is_integer() && b.id() == TypeId::kDecimal && decimal_wider_than(b, a)) return b;
  if (b.is_integer() && a.id() == TypeId::kDecimal && decimal_wider_than(a, b)) return a;
  const int ra = numeric_rank(a.id()), rb = numeric_rank(b.id());
  if (ra >= 0 && rb >= 0) return ra > rb ? a : b;
  if (a.is_temporal() && b.is_temporal()) {
    const bool ntz = a.id() == TypeId::kTimestampNtz || b.id() == TypeId::kTimestampNtz;
    const bool ltz = a.id() == TypeId::kTimestamp || b.id() == TypeId::kTimestamp;
    if (ltz) return DataType::timestamp();
    if (ntz) return DataType::timestamp_ntz();
    return DataType::timestamp();
  }
  return std::nullopt;
}

std::optional<DataType> wider_common_type(const DataType& a, const DataType& b, bool string_promotion) {
  if (auto t = tightest_common_type(a, b)) return t;
  if (auto t = wider_type_for_decimal(a, b)) return t;
  if (string_promotion) {
    auto promotable = [](const DataType& t) {
      return !t.is_nested() && t.id() != TypeId::kBinary && t.id() != TypeId::kBoolean;
    };
    if (a.id() == TypeId::kString && promotable(b)) return DataType::string();
    if (b.id() == TypeId::kString && promotable(a)) return DataType::string();
  }
  return std::nullopt;
}

std::optional<DataType> comparison_type(const DataType& a, const DataType& b) {
  const TypeId x = a.id(), y = b.id();
  const bool xs = x == TypeId::kString, ys = y == TypeId::kString;
  if (xs && ys) return a;
  if ((xs && y == TypeId::kDate) || (ys && x == TypeId::kDate)) return DataType::date();
  if ((xs && y == TypeId::kTimestamp) || (ys && x == TypeId::kTimestamp)) return DataType::timestamp();
  if ((xs && y == TypeId::kTimestampNtz) || (ys && x == TypeId::kTimestampNtz)) return DataType::timestamp_ntz();
  if ((xs && y == TypeId::kNull) || (ys && x == TypeId::kNull)) return DataType::string();
  if ((xs && y == TypeId::kDecimal) || (ys && x == TypeId::kDecimal)) return DataType::float64();
  if (xs && !b.is_nested()) return b;
  if (ys && !a.is_nested()) return a;
  if (auto t = tightest_common_type(a, b)) return t;
  if (auto t = wider_type_for_decimal(a, b)) return t;
  return std::nullopt;
}

std::optional<DataType> implicit_cast_target(const DataType& from, const DataType& to) {
  if (from == to) return to;
  const TypeId f = from.id(), t = to.id();
  if (f == TypeId::kNull) return to;
  if (from.is_numeric() && to.is_numeric()) return to;
  if (f == TypeId::kDate && (t == TypeId::kTimestamp || t == TypeId::kTimestampNtz)) return to;
  if ((f == TypeId::kTimestamp || f == TypeId::kTimestampNtz) && t == TypeId::kDate) return to;
  if (f == TypeId::kTimestamp && t == TypeId::kTimestampNtz) return to;
  if (f == TypeId::kTimestampNtz && t == TypeId::kTimestamp) return to;
  if (f == TypeId::kString) {
    if (to.is_numeric() || t == TypeId::kDate || t == TypeId::kTimestamp || t == TypeId::kTimestampNtz ||
        t == TypeId::kBinary)
      return to;
    return std::nullopt;
  }
  if (t == TypeId::kString && !from.is_nested()) return to;
  return std::nullopt;
}

std::optional<DataType> wider_common_type_of(const std::vector<DataType>& types, bool string_promotion) {
  // Spark folds the string types first, then the rest (findWiderCommonType).
  std::vector<DataType> ordered;
  for (const DataType& t : types)
    if (t.id() == TypeId::kString && std::find(ordered.begin(), ordered.end(), t) == ordered.end())
      ordered.push_back(t);
  for (const DataType& t : types)
    if (t.id() != TypeId::kString) ordered.push_back(t);
  std::optional<DataType> acc = DataType::null();
  for (const DataType& t : ordered) {
    acc = wider_common_type(*acc, t, string_promotion);
    if (!acc) return std::nullopt;
  }
  return acc;
}

bool is_orderable(const DataType& t) { return !t.is_nested(); }

}  // namespace bullion::expr
