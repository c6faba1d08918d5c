// bullion/server/row_json.h — table rows as JSON objects: what
// `GET /features/{entity}` answers and `bullion table show --format json`
// prints, one object per row.
//
// Numbers stay numbers (doubles round-trip; NaN and ±infinity become the
// strings "NaN", "Infinity", "-Infinity" as in MLflow's protobuf JSON),
// decimals keep their exact digits as strings, dates and timestamps are
// ISO-8601 strings ("2025-03-01", "2025-03-01T10:00:00Z"), binary is hex,
// structs are objects, lists arrays, maps arrays of [key, value] pairs,
// NULL is null. Pure functions; thread-safe.
#pragma once

#include <nlohmann/json.hpp>

#include "bullion/columnar/batch.h"
#include "bullion/columnar/value.h"

namespace bullion::server {

nlohmann::ordered_json value_to_json(const Value& value);
// Row `row` of `batch` as {"column": value, ...} in the schema's column order.
nlohmann::ordered_json row_to_json(const Batch& batch, size_t row);

}  // namespace bullion::server
