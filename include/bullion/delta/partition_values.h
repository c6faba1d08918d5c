// bullion/delta/partition_values.h — typed partition values and paths.
//
// Partition values are strings in the log (PROTOCOL.md "Partition Value
// Serialization"): JSON null or "" is NULL for every type; the string "null"
// is a real string value. Timestamps arrive as `yyyy-MM-dd HH:mm:ss[.f]`
// (the writer's zone, which bullion — like the contract — takes as UTC) or
// ISO-8601 with `Z`; bullion writes ISO-8601 with `Z`.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "bullion/columnar/value.h"

namespace bullion::delta {

// Throws kCorrupt naming the column and the text if it does not parse as `type`.
Value parse_partition_value(const std::optional<std::string>& text, const DataType& type, std::string_view column);
// nullopt for NULL.
std::optional<std::string> format_partition_value(const Value& value);

// RFC 2396 percent-decoding of add/remove paths.
std::string percent_decode(std::string_view text);
// Percent-encoding for add.path: everything but unreserved characters and '/'.
std::string percent_encode_path(std::string_view text);
// Hive-style directory component "col=value" (escaping as Spark does; NULL
// becomes __HIVE_DEFAULT_PARTITION__).
std::string hive_partition_dir(std::string_view column, const std::optional<std::string>& value);

}  // namespace bullion::delta
