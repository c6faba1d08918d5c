// Spark's (ANSI off) type coercion rules (TypeCoercion / DecimalPrecision),
// as pure functions on types. Internal to the binder and the function
// registry.
#pragma once

#include <optional>
#include <vector>

#include "bullion/columnar/type.h"
#include "bullion/columnar/value.h"

namespace bullion::expr {

bool is_integral_type(const DataType& t);
bool is_numeric_type(const DataType& t);  // integral, FLOAT, DOUBLE, DECIMAL
bool is_datetime_type(const DataType& t);

// DECIMAL that holds every value of an integral type: TINYINT → (3,0),
// SMALLINT → (5,0), INT → (10,0), BIGINT → (20,0); FLOAT → (14,7), DOUBLE → (30,15).
DataType decimal_for(const DataType& t);
// The smallest DECIMAL(p, 0) holding an integral literal's value.
DataType decimal_for_literal(const Value& v);
// DecimalType.bounded: precision and scale capped at 38.
DataType bounded_decimal(int precision, int scale);
// DecimalType.adjustPrecisionScale (allowPrecisionLoss = true).
DataType adjusted_decimal(int precision, int scale);

// findTightestCommonType: same type, NULL with anything, numeric widening
// (TINYINT < SMALLINT < INT < BIGINT < FLOAT < DOUBLE), an integral inside a
// wider decimal, DATE with TIMESTAMP.
std::optional<DataType> tightest_common_type(const DataType& a, const DataType& b);

// findWiderTypeForTwo (string_promotion = true: CASE, COALESCE, IN, ...) or
// findWiderTypeWithoutStringPromotionForTwo (least, greatest).
std::optional<DataType> wider_common_type(const DataType& a, const DataType& b, bool string_promotion);

// findWiderCommonType over many types (string types folded first).
std::optional<DataType> wider_common_type_of(const std::vector<DataType>& types, bool string_promotion);

// The type both sides of a comparison are cast to (PromoteStrings +
// tightest + decimal rules); nullopt if they cannot be compared.
std::optional<DataType> comparison_type(const DataType& a, const DataType& b);

// ImplicitTypeCasts.implicitCast toward one concrete type: the type to cast
// `from` to so that it can be passed where `to` is expected, or nullopt.
std::optional<DataType> implicit_cast_target(const DataType& from, const DataType& to);

// Orderable in comparisons, min/max, sorting.
bool is_orderable(const DataType& t);

}  // namespace bullion::expr
