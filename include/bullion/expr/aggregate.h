// bullion/expr/aggregate.h — aggregate functions: descriptors and states.
//
// The semantics of every aggregate live here (the operators module drives
// the states: hash aggregation, spilling, parallel merge):
//
//   count(*)            BIGINT  every row
//   count(x)            BIGINT  rows where x is not NULL
//   count(DISTINCT x)   BIGINT  distinct non-NULL values (-0.0 = 0.0, NaN = NaN)
//   count_if(p)         BIGINT  rows where p is TRUE
//   sum(x)              BIGINT for integers (wraps on overflow, Spark ANSI off),
//                       DOUBLE for FLOAT/DOUBLE (the exact sum, rounded once: the
//                       same bits whatever the order of rows and merges),
//                       DECIMAL(p+10, s) for DECIMAL(p, s) (NULL on overflow);
//                       NULL when no non-NULL input
//   avg(x), mean(x)     DOUBLE from the exact sum (DECIMAL(p+4, s+4) for
//                       decimals); NULL when empty
//   min(x), max(x)      the input type; NaN is the largest double; NULLs ignored
//   stddev(x), stddev_samp(x)  DOUBLE sample standard deviation from exact sums
//                       of x and x² (order-independent, as sum); NULL for
//                       fewer than two values
//   first(x[, ignore_nulls]), last(x[, ignore_nulls])  the first/last row's
//                       value in input order (NULL included unless ignore_nulls)
// Every aggregate except count accepts DISTINCT (evaluated on distinct
// non-NULL values). Counts are never NULL; empty groups give 0.
//
// States are per operator thread; merge() combines partial states. Not
// thread-safe; movable only through the unique_ptr.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "bullion/columnar/column.h"
#include "bullion/columnar/type.h"
#include "bullion/expr/expr.h"

namespace bullion::expr {

// In a merge's group map: leave this group out.
inline constexpr uint32_t kSkipGroup = UINT32_MAX;

class AggregateState {
 public:
  virtual ~AggregateState() = default;

  // Grows to `num_groups` groups (never shrinks); new groups are empty.
  virtual void resize(size_t num_groups) = 0;
  virtual size_t num_groups() const = 0;

  // Adds rows [0, n) of `input` to their groups: row i goes to group
  // group_ids[i] (which must be < num_groups()), or to group 0 when group_ids
  // is nullptr. `input` has the call's argument type (nullptr for count(*)).
  virtual void update(const Column* input, size_t n, const uint32_t* group_ids) = 0;

  // Folds `other` (a state made by the same AggregateCall) into this one:
  // other's group g goes into group group_map[g] (nullptr: the same index);
  // a group mapped to kSkipGroup is left out (partitioned merges).
  // Rows of `other` count as coming after this state's rows (first/last).
  virtual void merge(const AggregateState& other, const uint32_t* group_map) = 0;

  // One value per group, of the call's result type.
  virtual ColumnPtr finalize() const = 0;

  // Bytes held (for the memory budget).
  virtual size_t memory_bytes() const = 0;

  // Optional, once no more rows or merges come into this state, before it
  // is merged into partition states: group g goes to partition
  // part_of_group[g] (< num_parts), and every later merge() out of this
  // state maps the groups of exactly one partition (others to kSkipGroup).
  // A state may regroup its data by partition so that each such merge reads
  // only that partition's share. Afterwards the state is only merged from.
  virtual void partition_groups(const uint8_t* part_of_group, size_t num_parts) {
    (void)part_of_group;
    (void)num_parts;
  }
};

struct AggregateFunction;

// One bound aggregate call.
struct AggregateCall {
  const AggregateFunction* function = nullptr;
  ExprPtr argument;  // nullptr for count(*); otherwise evaluated per input row
  bool distinct = false;
  bool ignore_nulls = false;  // first/last
  DataType result_type;

  std::unique_ptr<AggregateState> make_state() const;
  std::string to_sql() const;  // "count(DISTINCT session_id)"
};

// The descriptor of an aggregate function.
struct AggregateFunction {
  std::string name;       // canonical lower-case name
  std::string signature;  // for documentation: "sum(x) → BIGINT | DOUBLE | DECIMAL"
  bool allows_star = false;
};

// Case-insensitive lookup (aliases included: mean, stddev_samp, ...); nullptr if unknown.
const AggregateFunction* find_aggregate_function(std::string_view name);
std::vector<std::string> aggregate_function_names();

// Builds a call to `name` over an already bound argument (nullptr for
// count(*)), inserting the implicit cast the function needs (sum('1') sums
// DOUBLE). Throws InvalidInput naming the function and the argument type.
// `second` is an optional constant second argument (first/last: ignore_nulls).
AggregateCall make_aggregate_call(std::string_view name, ExprPtr argument, bool distinct = false,
                                  const Value* second = nullptr);

}  // namespace bullion::expr
