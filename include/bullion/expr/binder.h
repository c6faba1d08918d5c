// bullion/expr/binder.h — names, types and implicit casts: text → Expr.
//
//   auto as_of = Parameter{"as_of", Value::date(d)};
//   ExprPtr e = compile("datediff(as_of, event_ts) <= 30", schema, {.parameters = {as_of}});
//
// Resolution follows Spark with ANSI off and session time zone UTC:
// - names match schema columns case-insensitively; two columns differing
//   only in case make a name ambiguous, unless it is `backquoted` and matches
//   one of them exactly. A name that is not a column may be a bound
//   parameter, which becomes a literal; a name that is both is an error.
// - implicit casts as Spark's type coercion makes them: INT vs BIGINT widen,
//   STRING vs number compares as that number's type, STRING in arithmetic is
//   DOUBLE, DATE vs TIMESTAMP compares as TIMESTAMP, function arguments are
//   cast to the types the function takes (datediff(DATE, TIMESTAMP) casts the
//   timestamp to DATE). `/` is always DOUBLE (DESIGN's contract).
// - constant subtrees are folded (options.fold_constants).
//
// Errors (bullion::Error, kInvalidInput) name the position and suggest:
// "unknown column 'custmer_id' at 1:1; did you mean customer_id?",
// "unknown function 'uper' at 1:1; did you mean upper?",
// "function datediff cannot take (INT, BOOLEAN) at 1:1: it takes (DATE, DATE)".
// Thread-safe (no shared mutable state).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "bullion/columnar/type.h"
#include "bullion/columnar/value.h"
#include "bullion/expr/aggregate.h"
#include "bullion/expr/expr.h"
#include "bullion/expr/parser.h"

namespace bullion::expr {

// A named value the caller supplies (the pipeline binds `as_of`, a DATE).
struct Parameter {
  std::string name;
  Value value;
};

struct BindOptions {
  std::vector<Parameter> parameters;
  bool fold_constants = true;
};

// Binds a parsed expression against `schema` (error positions come from the
// parsed tree).
ExprPtr bind(const ParsedExpr& parsed, const Schema& schema, const BindOptions& options = {});

// parse + bind.
ExprPtr compile(std::string_view text, const Schema& schema, const BindOptions& options = {});

// Like compile, but the result must be BOOLEAN (a bare NULL is read as a
// BOOLEAN NULL): "expected a boolean expression, got INT".
ExprPtr compile_predicate(std::string_view text, const Schema& schema, const BindOptions& options = {});

// An aggregation, e.g. "count(DISTINCT session_id)" or "sum(x) / count(x)":
// the aggregate calls inside it, each over the input schema, and the
// expression that combines their results row-wise.
struct AggregateBinding {
  std::vector<AggregateCall> calls;
  // Columns: the group keys (in the order given), then one column "_agg<i>"
  // per call with the call's result type. `result` is bound against it.
  SchemaPtr result_schema;
  ExprPtr result;
};

// Binds an aggregation. Outside aggregate calls only the group keys (names of
// input columns) and parameters may be referenced; aggregate calls may not
// nest.
AggregateBinding compile_aggregate(std::string_view text, const Schema& input,
                                   const std::vector<std::string>& group_keys = {}, const BindOptions& options = {});

// Suggests the closest candidate to `name` (case-insensitive Levenshtein
// distance at most max(2, |name| / 3)); empty if none is close.
std::string closest_name(std::string_view name, const std::vector<std::string>& candidates);

}  // namespace bullion::expr
