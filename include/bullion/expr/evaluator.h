// bullion/expr/evaluator.h — vectorized evaluation of a bound expression.
//
// An Evaluator runs an expression over whole Batches, node by node over
// whole columns (one kernel call per node per batch, no per-row virtual
// calls). Kernels take fast paths when their inputs have no NULLs. The
// intermediate columns of one batch are reused for the next batch whenever
// nothing else still holds them, so steady-state evaluation does not
// allocate value buffers.
//
// Threading: an Evaluator is not thread-safe; give each thread its own (the
// Expr itself is shared and immutable). Results are independent of how
// rows are split into batches.
//
// Errors: evaluation itself does not fail on data (Spark ANSI off: bad casts,
// division by zero and overflow give NULL or wrap); the only data-dependent
// error is an invalid LIKE pattern computed from a column
// (bullion::Error kInvalidInput).
#pragma once

#include <memory>
#include <vector>

#include "bullion/columnar/batch.h"
#include "bullion/columnar/column.h"
#include "bullion/expr/expr.h"

namespace bullion::expr {

class Evaluator {
 public:
  explicit Evaluator(ExprPtr expr);
  ~Evaluator();
  Evaluator(Evaluator&&) noexcept;
  Evaluator& operator=(Evaluator&&) noexcept;

  const ExprPtr& expr() const { return expr_; }

  // Evaluates over every row of `batch`, whose columns must have the types
  // of the schema the expression was bound against (InvalidInput otherwise).
  // Returns a column of expr()->type with batch.num_rows() rows. A bare column
  // reference returns the batch's own column (no copy).
  ColumnPtr evaluate(const Batch& batch);

 private:
  struct Program;
  ExprPtr expr_;
  std::unique_ptr<Program> program_;
};

// One-shot evaluation (builds a temporary Evaluator).
ColumnPtr evaluate(const ExprPtr& expr, const Batch& batch);

// Evaluates an expression that references no columns.
Value evaluate_constant(const ExprPtr& expr);

}  // namespace bullion::expr
