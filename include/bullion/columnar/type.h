// bullion/columnar/type.h — logical data types, fields and schemas.
//
// Types are values (cheap to copy for primitives; nested types own their
// children). The physical representation of each type in a Column is fixed:
//
//   BOOLEAN        uint8_t (0/1, one byte per value)
//   TINYINT        int8_t        SMALLINT   int16_t
//   INT            int32_t       BIGINT     int64_t
//   FLOAT          float         DOUBLE     double
//   DATE           int32_t days since 1970-01-01
//   TIMESTAMP      int64_t microseconds since the epoch, UTC-adjusted
//   TIMESTAMP_NTZ  int64_t microseconds, wall-clock without a zone
//   DECIMAL(p,s)   int128 unscaled value (p <= 38)
//   STRING/BINARY  std::string_view into arenas the column keeps alive
//   STRUCT         one child column per field, same length
//   LIST           int64 offsets (size + 1) + one child column "element"
//   MAP            int64 offsets (size + 1) + child columns "key", "value"
//   NULL           no values (every row is NULL; the type of a bare NULL literal)
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bullion {

using int128 = __int128;

enum class TypeId : uint8_t {
  kNull,
  kBoolean,
  kInt8,
  kInt16,
  kInt32,
  kInt64,
  kFloat,
  kDouble,
  kDecimal,
  kDate,
  kTimestamp,
  kTimestampNtz,
  kString,
  kBinary,
  kStruct,
  kList,
  kMap,
};

struct Field;

class DataType {
 public:
  DataType() : id_(TypeId::kNull) {}
  explicit DataType(TypeId id) : id_(id) {}

  static DataType null() { return DataType(TypeId::kNull); }
  static DataType boolean() { return DataType(TypeId::kBoolean); }
  static DataType int8() { return DataType(TypeId::kInt8); }
  static DataType int16() { return DataType(TypeId::kInt16); }
  static DataType int32() { return DataType(TypeId::kInt32); }
  static DataType int64() { return DataType(TypeId::kInt64); }
  static DataType float32() { return DataType(TypeId::kFloat); }
  static DataType float64() { return DataType(TypeId::kDouble); }
  static DataType date() { return DataType(TypeId::kDate); }
  static DataType timestamp() { return DataType(TypeId::kTimestamp); }
  static DataType timestamp_ntz() { return DataType(TypeId::kTimestampNtz); }
  static DataType string() { return DataType(TypeId::kString); }
  static DataType binary() { return DataType(TypeId::kBinary); }
  // precision 1..38, scale 0..precision; throws InvalidInput otherwise.
  static DataType decimal(int precision, int scale);
  static DataType struct_(std::vector<Field> fields);
  static DataType list(DataType element, bool contains_null = true);
  static DataType map(DataType key, DataType value, bool value_contains_null = true);

  TypeId id() const { return id_; }
  int precision() const { return precision_; }
  int scale() const { return scale_; }
  // STRUCT: its fields; LIST: one field "element"; MAP: "key" and "value".
  const std::vector<Field>& children() const;
  const Field& child(size_t i) const;

  bool is_integer() const;   // TINYINT..BIGINT
  bool is_floating() const;  // FLOAT, DOUBLE
  bool is_numeric() const;   // integer, floating or decimal
  bool is_string_like() const { return id_ == TypeId::kString || id_ == TypeId::kBinary; }
  bool is_temporal() const;  // DATE, TIMESTAMP, TIMESTAMP_NTZ
  bool is_nested() const { return id_ == TypeId::kStruct || id_ == TypeId::kList || id_ == TypeId::kMap; }
  // Bytes per value in a column's value buffer (0 for NULL and nested types).
  size_t value_width() const;

  // SQL spelling: BOOLEAN, INT, BIGINT, DOUBLE, DECIMAL(10,2), STRING,
  // TIMESTAMP, STRUCT<a: INT, b: STRING>, ARRAY<INT>, MAP<STRING, INT>.
  std::string to_string() const;

  bool operator==(const DataType& other) const;

 private:
  TypeId id_;
  uint8_t precision_ = 0;
  uint8_t scale_ = 0;
  std::shared_ptr<const std::vector<Field>> children_;
};

struct Field {
  std::string name;
  DataType type;
  bool nullable = true;
  // Free-form metadata (e.g. Delta's column-mapping id and physical name);
  // values are kept as the text their source gave.
  std::vector<std::pair<std::string, std::string>> metadata;

  Field() = default;
  Field(std::string n, DataType t, bool null_ok = true) : name(std::move(n)), type(std::move(t)), nullable(null_ok) {}
  bool operator==(const Field& other) const;
  const std::string* metadata_value(std::string_view key) const;
};

// An ordered list of named fields. Column names are matched exactly by
// index_of(); find_case_insensitive() serves binders that follow Spark's
// case-insensitive resolution.
class Schema {
 public:
  Schema() = default;
  explicit Schema(std::vector<Field> fields) : fields_(std::move(fields)) {}

  const std::vector<Field>& fields() const { return fields_; }
  size_t size() const { return fields_.size(); }
  const Field& field(size_t i) const { return fields_[i]; }
  std::optional<size_t> index_of(std::string_view name) const;
  std::optional<size_t> find_case_insensitive(std::string_view name) const;
  std::vector<std::string> names() const;
  std::string to_string() const;  // "a: INT, b: STRING NOT NULL"
  bool operator==(const Schema& other) const { return fields_ == other.fields_; }

 private:
  std::vector<Field> fields_;
};

using SchemaPtr = std::shared_ptr<const Schema>;

}  // namespace bullion
