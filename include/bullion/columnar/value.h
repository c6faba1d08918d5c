// bullion/columnar/value.h — a single typed value (a scalar), possibly NULL.
//
// Used where one value stands alone: expression literals, Parquet statistics,
// Delta partition values and stats, test expectations, printing. Not for
// bulk data (that is Column). Copyable; thread-compatible.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "bullion/columnar/type.h"

namespace bullion {

class Value {
 public:
  Value() = default;  // NULL of type NULL
  static Value null(DataType type);
  static Value boolean(bool v);
  static Value int8(int8_t v);
  static Value int16(int16_t v);
  static Value int32(int32_t v);
  static Value int64(int64_t v);
  static Value float32(float v);
  static Value float64(double v);
  static Value decimal(int128 unscaled, int precision, int scale);
  static Value date(int32_t days);
  static Value timestamp(int64_t micros);
  static Value timestamp_ntz(int64_t micros);
  static Value string(std::string_view v);
  static Value binary(std::string_view v);
  // STRUCT (one value per field), LIST (elements), MAP (alternating key, value).
  static Value nested(DataType type, std::vector<Value> children);

  const DataType& type() const { return type_; }
  bool is_null() const { return is_null_; }

  // Accessors; the caller checks type and non-NULL first.
  bool as_bool() const { return i_ != 0; }
  int64_t as_int() const { return static_cast<int64_t>(i_); }  // integers, DATE, TIMESTAMP
  int128 as_int128() const { return i_; }                      // DECIMAL unscaled
  double as_double() const { return d_; }                      // FLOAT, DOUBLE
  const std::string& as_string() const { return s_; }          // STRING, BINARY
  const std::vector<Value>& children() const { return children_; }

  // Human/SQL rendering: NULL, true, 42, 1.5, 'text', DATE '2026-01-01',
  // TIMESTAMP '2026-01-01T00:00:00Z', 12.34 (decimal).
  std::string to_string() const;
  // Rendering for tables and CSV: like to_string without quotes or type prefixes.
  std::string to_display() const;

  // Exact equality of type and value (NULL == NULL here; NaN == NaN).
  bool operator==(const Value& other) const;

 private:
  DataType type_;
  bool is_null_ = true;
  int128 i_ = 0;
  double d_ = 0;
  std::string s_;
  std::vector<Value> children_;
};

// Decimal text: unscaled 12345 with scale 2 → "123.45".
std::string format_decimal(int128 unscaled, int scale);

}  // namespace bullion
