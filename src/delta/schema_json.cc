#include "bullion/delta/schema_json.h"

#include <nlohmann/json.hpp>

#include "bullion/core/error.h"

namespace bullion::delta {

namespace {

using nlohmann::json;

[[noreturn]] void bad_schema(const std::string& what) {
  throw Error::corrupt("corrupt Delta schema (metaData.schemaString): " + what,
                       "the table's metadata is damaged or was written by an incompatible writer");
}

DataType parse_type(const json& t);

std::vector<Field> parse_fields(const json& fields) {
  if (!fields.is_array()) bad_schema("struct 'fields' is not an array");
  std::vector<Field> out;
  for (const json& f : fields) {
    if (!f.is_object() || !f.contains("name") || !f.contains("type")) bad_schema("a field lacks name or type");
    Field field(f.at("name").get<std::string>(), parse_type(f.at("type")), f.value("nullable", true));
    if (auto it = f.find("metadata"); it != f.end() && it->is_object())
      for (auto m = it->begin(); m != it->end(); ++m)
        field.metadata.emplace_back(m.key(), m->is_string() ? m->get<std::string>() : m->dump());
    out.push_back(std::move(field));
  }
  return out;
}

DataType parse_primitive(const std::string& name) {
  if (name == "boolean") return DataType::boolean();
  if (name == "byte") return DataType::int8();
  if (name == "short") return DataType::int16();
  if (name == "integer") return DataType::int32();
  if (name == "long") return DataType::int64();
  if (name == "float") return DataType::float32();
  if (name == "double") return DataType::float64();
  if (name == "string") return DataType::string();
  if (name == "binary") return DataType::binary();
  if (name == "date") return DataType::date();
  if (name == "timestamp") return DataType::timestamp();
  if (name == "timestamp_ntz") return DataType::timestamp_ntz();
  if (name == "decimal") return DataType::decimal(10, 0);
  if (name == "void") return DataType::null();  // NullType columns are never stored in files
  if (name.rfind("decimal(", 0) == 0 && name.back() == ')') {
    const std::string inner = name.substr(8, name.size() - 9);
    const size_t comma = inner.find(',');
    try {
      if (comma == std::string::npos) return DataType::decimal(std::stoi(inner), 0);
      return DataType::decimal(std::stoi(inner.substr(0, comma)), std::stoi(inner.substr(comma + 1)));
    } catch (const Error&) {
      throw;
    } catch (...) {
      bad_schema("bad decimal type '" + name + "'");
    }
  }
  throw Error::unsupported("Delta column type '" + name + "' is not supported by bullion",
                           "read the table with an engine that supports this type, or cast the column");
}

DataType parse_type(const json& t) {
  if (t.is_string()) return parse_primitive(t.get<std::string>());
  if (!t.is_object() || !t.contains("type")) bad_schema("a type is neither a name nor an object");
  const std::string kind = t.at("type").get<std::string>();
  if (kind == "struct") return DataType::struct_(parse_fields(t.at("fields")));
  if (kind == "array") {
    if (!t.contains("elementType")) bad_schema("array type lacks elementType");
    return DataType::list(parse_type(t.at("elementType")), t.value("containsNull", true));
  }
  if (kind == "map") {
    if (!t.contains("keyType") || !t.contains("valueType")) bad_schema("map type lacks keyType or valueType");
    return DataType::map(parse_type(t.at("keyType")), parse_type(t.at("valueType")),
                         t.value("valueContainsNull", true));
  }
  bad_schema("unknown nested type '" + kind + "'");
}

json type_to_json(const DataType& type);

json fields_to_json(const std::vector<Field>& fields) {
  json out = json::array();
  for (const Field& f : fields) {
    json meta = json::object();
    for (const auto& [k, v] : f.metadata) {
      // Metadata values were kept as text: restore JSON values, keep plain strings.
      json parsed = json::parse(v, nullptr, false);
      meta[k] = parsed.is_discarded() ? json(v) : parsed;
    }
    out.push_back({{"name", f.name}, {"type", type_to_json(f.type)}, {"nullable", f.nullable}, {"metadata", meta}});
  }
  return out;
}

json type_to_json(const DataType& type) {
  switch (type.id()) {
    case TypeId::kStruct:
      return {{"type", "struct"}, {"fields", fields_to_json(type.children())}};
    case TypeId::kList:
      return {{"type", "array"},
              {"elementType", type_to_json(type.child(0).type)},
              {"containsNull", type.child(0).nullable}};
    case TypeId::kMap:
      return {{"type", "map"},
              {"keyType", type_to_json(type.child(0).type)},
              {"valueType", type_to_json(type.child(1).type)},
              {"valueContainsNull", type.child(1).nullable}};
    default:
      return spark_type_name(type);
  }
}

}  // namespace

Schema parse_schema_json(std::string_view text) {
  const json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded()) bad_schema("not valid JSON");
  if (!doc.is_object() || doc.value("type", "") != "struct") bad_schema("the top level is not a struct");
  return Schema(parse_fields(doc.at("fields")));
}

std::string schema_to_json(const Schema& schema) {
  return json{{"type", "struct"}, {"fields", fields_to_json(schema.fields())}}.dump();
}

std::string spark_type_name(const DataType& type) {
  switch (type.id()) {
    case TypeId::kBoolean:
      return "boolean";
    case TypeId::kInt8:
      return "byte";
    case TypeId::kInt16:
      return "short";
    case TypeId::kInt32:
      return "integer";
    case TypeId::kInt64:
      return "long";
    case TypeId::kFloat:
      return "float";
    case TypeId::kDouble:
      return "double";
    case TypeId::kString:
      return "string";
    case TypeId::kBinary:
      return "binary";
    case TypeId::kDate:
      return "date";
    case TypeId::kTimestamp:
      return "timestamp";
    case TypeId::kTimestampNtz:
      return "timestamp_ntz";
    case TypeId::kDecimal:
      return "decimal(" + std::to_string(type.precision()) + "," + std::to_string(type.scale()) + ")";
    case TypeId::kNull:
      return "void";
    default:
      return type_to_json(type).dump();
  }
}

}  // namespace bullion::delta
