#include "bullion/columnar/type.h"

#include <strings.h>

#include "bullion/core/error.h"

namespace bullion {

namespace {
const std::vector<Field>& no_children() {
  static const std::vector<Field> empty;
  return empty;
}
}  // namespace

DataType DataType::decimal(int precision, int scale) {
  if (precision < 1 || precision > 38 || scale < 0 || scale > precision)
    throw Error::invalid_input("invalid DECIMAL(" + std::to_string(precision) + "," + std::to_string(scale) + ")",
                               "precision must be 1..38 and scale 0..precision");
  DataType t(TypeId::kDecimal);
  t.precision_ = static_cast<uint8_t>(precision);
  t.scale_ = static_cast<uint8_t>(scale);
  return t;
}

DataType DataType::struct_(std::vector<Field> fields) {
  DataType t(TypeId::kStruct);
  t.children_ = std::make_shared<const std::vector<Field>>(std::move(fields));
  return t;
}

DataType DataType::list(DataType element, bool contains_null) {
  DataType t(TypeId::kList);
  t.children_ = std::make_shared<const std::vector<Field>>(
      std::vector<Field>{Field("element", std::move(element), contains_null)});
  return t;
}

DataType DataType::map(DataType key, DataType value, bool value_contains_null) {
  DataType t(TypeId::kMap);
  t.children_ = std::make_shared<const std::vector<Field>>(
      std::vector<Field>{Field("key", std::move(key), false), Field("value", std::move(value), value_contains_null)});
  return t;
}

const std::vector<Field>& DataType::children() const { return children_ ? *children_ : no_children(); }

const Field& DataType::child(size_t i) const {
  BULLION_ASSERT(children_ && i < children_->size(), "child index out of range");
  return (*children_)[i];
}

bool DataType::is_integer() const {
  return id_ == TypeId::kInt8 || id_ == TypeId::kInt16 || id_ == TypeId::kInt32 || id_ == TypeId::kInt64;
}
bool DataType::is_floating() const { return id_ == TypeId::kFloat || id_ == TypeId::kDouble; }
bool DataType::is_numeric() const { return is_integer() || is_floating() || id_ == TypeId::kDecimal; }
bool DataType::is_temporal() const {
  return id_ == TypeId::kDate || id_ == TypeId::kTimestamp || id_ == TypeId::kTimestampNtz;
}

size_t DataType::value_width() const {
  switch (id_) {
    case TypeId::kBoolean:
    case TypeId::kInt8:
      return 1;
    case TypeId::kInt16:
      return 2;
    case TypeId::kInt32:
    case TypeId::kDate:
    case TypeId::kFloat:
      return 4;
    case TypeId::kInt64:
    case TypeId::kTimestamp:
    case TypeId::kTimestampNtz:
    case TypeId::kDouble:
      return 8;
    case TypeId::kDecimal:
      return 16;
    case TypeId::kString:
    case TypeId::kBinary:
      return sizeof(std::string_view);
    case TypeId::kNull:
    case TypeId::kStruct:
    case TypeId::kList:
    case TypeId::kMap:
      return 0;
  }
  return 0;
}

std::string DataType::to_string() const {
  switch (id_) {
    case TypeId::kNull:
      return "NULL";
    case TypeId::kBoolean:
      return "BOOLEAN";
    case TypeId::kInt8:
      return "TINYINT";
    case TypeId::kInt16:
      return "SMALLINT";
    case TypeId::kInt32:
      return "INT";
    case TypeId::kInt64:
      return "BIGINT";
    case TypeId::kFloat:
      return "FLOAT";
    case TypeId::kDouble:
      return "DOUBLE";
    case TypeId::kDecimal:
      return "DECIMAL(" + std::to_string(precision_) + "," + std::to_string(scale_) + ")";
    case TypeId::kDate:
      return "DATE";
    case TypeId::kTimestamp:
      return "TIMESTAMP";
    case TypeId::kTimestampNtz:
      return "TIMESTAMP_NTZ";
    case TypeId::kString:
      return "STRING";
    case TypeId::kBinary:
      return "BINARY";
    case TypeId::kStruct: {
      std::string s = "STRUCT<";
      for (size_t i = 0; i < children().size(); ++i) {
        if (i) s += ", ";
        s += children()[i].name + ": " + children()[i].type.to_string();
      }
      return s + ">";
    }
    case TypeId::kList:
      return "ARRAY<" + child(0).type.to_string() + ">";
    case TypeId::kMap:
      return "MAP<" + child(0).type.to_string() + ", " + child(1).type.to_string() + ">";
  }
  return "?";
}

bool DataType::operator==(const DataType& other) const {
  if (id_ != other.id_ || precision_ != other.precision_ || scale_ != other.scale_) return false;
  if (children_ == other.children_) return true;
  return children() == other.children();
}

bool Field::operator==(const Field& other) const {
  return name == other.name && type == other.type && nullable == other.nullable && metadata == other.metadata;
}

const std::string* Field::metadata_value(std::string_view key) const {
  for (const auto& [k, v] : metadata)
    if (k == key) return &v;
  return nullptr;
}

std::optional<size_t> Schema::index_of(std::string_view name) const {
  for (size_t i = 0; i < fields_.size(); ++i)
    if (fields_[i].name == name) return i;
  return std::nullopt;
}

std::optional<size_t> Schema::find_case_insensitive(std::string_view name) const {
  if (auto exact = index_of(name)) return exact;
  for (size_t i = 0; i < fields_.size(); ++i) {
    const std::string& f = fields_[i].name;
    if (f.size() == name.size() && ::strncasecmp(f.data(), name.data(), f.size()) == 0) return i;
  }
  return std::nullopt;
}

std::vector<std::string> Schema::names() const {
  std::vector<std::string> out;
  out.reserve(fields_.size());
  for (const Field& f : fields_) out.push_back(f.name);
  return out;
}

std::string Schema::to_string() const {
  std::string s;
  for (size_t i = 0; i < fields_.size(); ++i) {
    if (i) s += ", ";
    s += fields_[i].name + ": " + fields_[i].type.to_string();
    if (!fields_[i].nullable) s += " NOT NULL";
  }
  return s;
}

}  // namespace bullion
