// Kernels of the operator nodes (arithmetic, comparison, logic, IN, LIKE,
// CASE), chosen by the binder from the operand types. Internal.
#pragma once

#include <string_view>
#include <vector>

#include "bullion/columnar/value.h"
#include "expr/kernel.h"

namespace bullion::expr {

// a op b, both operands of `operand` type (for kDivide: DOUBLE; for
// kIntDivide: BIGINT; for DECIMAL, scales may differ and the result type is
// the node's). Integer overflow wraps; division or modulo by zero is NULL.
KernelFn arithmetic_kernel(ArithmeticOp op, const DataType& operand);
KernelFn negate_kernel(const DataType& type);

// a op b on one operand type; BOOLEAN result (never NULL for <=>).
KernelFn compare_kernel(ComparisonOp op, const DataType& operand);

void and_kernel(const KernelArgs& in, Column& out);
void or_kernel(const KernelArgs& in, Column& out);
void not_kernel(const KernelArgs& in, Column& out);
void is_null_kernel(const KernelArgs& in, Column& out);
void is_not_null_kernel(const KernelArgs& in, Column& out);

// x IN (literals...): the items must already have x's type.
std::shared_ptr<const void> make_in_set(const DataType& type, const std::vector<Value>& items);
void in_kernel(const KernelArgs& in, Column& out);

// LIKE with Spark's rules: '_' one character, '%' any sequence, `escape`
// before '_', '%' or itself makes it literal; anything else after the
// escape, or a trailing escape, is an error (InvalidInput naming the pattern).
class LikePattern;
std::shared_ptr<const LikePattern> compile_like(std::string_view pattern, char escape);
bool like_match(const LikePattern& pattern, std::string_view text);
// state: the compiled pattern when the pattern is a literal, else nullptr.
void like_kernel(const KernelArgs& in, Column& out);

// CASE WHEN c1 THEN v1 ... [ELSE e] END over args (c1, v1, c2, v2, ..., [e]).
void case_kernel(const KernelArgs& in, Column& out);

// Copies row `from` of d (value and validity) into row `to` of out (same
// type, out already sized); the caller shares string owners.
void copy_row(const Datum& d, size_t from_row, Column& out, size_t to_row);

}  // namespace bullion::expr
