// bullion/expr/cast.h — Spark's ANSI-off CAST on scalars and columns.
//
// Every conversion CAST(x AS T) allows, with Spark's results: a value that
// does not convert gives NULL ('abc' → INT, 1e20 → DECIMAL(5,2),
// '2026-02-30' → DATE); integer narrowing wraps (3000000000L → INT);
// floating → integer saturates (NaN → 0); DATE → numeric is NULL; numbers
// ↔ TIMESTAMP are seconds since the epoch; values → STRING print as Spark
// prints them (1.0E10, 2026-01-05 10:11:12.5).
// Pure functions; thread-safe.
#pragma once

#include "bullion/columnar/column.h"
#include "bullion/columnar/type.h"
#include "bullion/columnar/value.h"

namespace bullion::expr {

// Whether CAST(from AS to) is allowed at all (STRING → STRUCT is not).
bool can_cast(const DataType& from, const DataType& to);

// Casts one value (NULL stays NULL, typed `to`). Throws InvalidInput if the
// cast is not allowed.
Value cast_value(const Value& value, const DataType& to);

// Casts rows [0, n) of `input` into a new column of type `to`.
ColumnPtr cast_column(const Column& input, const DataType& to);

}  // namespace bullion::expr
