// bullion/columnar/predicate.h — simple column predicates and statistics-based pruning.
//
// The expression layer extracts, from a filter, the conjuncts of the form
// `column op literal` (plus IS [NOT] NULL and IN); Parquet row-group pruning
// and Delta file skipping evaluate them against min/max/null-count
// statistics with may_match(). A predicate's literals have the column's type
// (the binder casts them). Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bullion/columnar/value.h"

namespace bullion {

enum class CompareOp { kEq, kNe, kLt, kLe, kGt, kGe, kIsNull, kIsNotNull, kIn };

std::string_view compare_op_name(CompareOp op);  // "=", "<>", "<", ..., "IS NULL", "IN"

struct ColumnPredicate {
  std::string column;  // top-level column name
  CompareOp op = CompareOp::kEq;
  std::vector<Value> values;  // 1 for comparisons, n for IN, 0 for IS [NOT] NULL

  std::string to_string() const;  // "x >= 5", "y IN ('a', 'b')"
};

// All predicates must hold.
using Conjunction = std::vector<ColumnPredicate>;

// What a file or row group says about one column. Absent min/max/null_count
// means unknown. min/max are inclusive bounds over the non-NULL values.
struct ColumnStats {
  std::optional<Value> min;
  std::optional<Value> max;
  std::optional<int64_t> null_count;
  std::optional<int64_t> num_values;  // rows, NULLs included
};

// Total order for two non-NULL values of the same type: -1, 0, 1.
// Strings and binary compare as unsigned bytes; floating NaN sorts last.
int compare_values(const Value& a, const Value& b);

// False only if the statistics prove that no row satisfies the predicate
// (so the file or row group may be skipped). Unknown statistics, or values
// of a type the statistics do not match, give true.
bool may_match(const ColumnPredicate& predicate, const ColumnStats& stats);

}  // namespace bullion
