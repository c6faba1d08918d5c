// bullion/delta/schema_json.h — Delta's `schemaString` (Spark's JSON schema) ↔ columnar Schema.
//
// Spark type names: boolean, byte, short, integer, long, float, double,
// decimal(p,s), string, binary, date, timestamp, timestamp_ntz; nested
// {"type":"struct","fields":[...]}, {"type":"array","elementType":..,
// "containsNull":..}, {"type":"map","keyType":..,"valueType":..,
// "valueContainsNull":..}. Field metadata values are kept as raw JSON text
// in Field::metadata (column mapping ids and physical names live there).
#pragma once

#include <string>
#include <string_view>

#include "bullion/columnar/type.h"

namespace bullion::delta {

// Throws kCorrupt for malformed JSON, kUnsupported naming a type bullion cannot represent (e.g. variant).
Schema parse_schema_json(std::string_view json);
std::string schema_to_json(const Schema& schema);

// The Spark name of a primitive type ("integer", "decimal(10,2)") or the JSON of a nested one.
std::string spark_type_name(const DataType& type);

}  // namespace bullion::delta
