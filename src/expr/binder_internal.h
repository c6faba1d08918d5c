// Node construction shared by the binder, the aggregates and analysis (internal).
#pragma once

#include "bullion/expr/expr.h"
#include "expr/kernel.h"

namespace bullion::expr {

ExprPtr make_literal(Value value, uint32_t offset = 0);
ExprPtr make_column_ref(size_t index, std::string name, DataType type, uint32_t offset = 0);
// A kCast node (the cast must be allowed: can_cast).
ExprPtr make_cast(ExprPtr child, const DataType& to, bool implicit, uint32_t offset);
ExprPtr make_implicit_cast(ExprPtr child, const DataType& to);
std::shared_ptr<Expr> make_node(ExprKind kind, DataType type, uint32_t offset, std::vector<ExprPtr> children,
                                KernelFn fn, std::shared_ptr<const void> state = nullptr);

// Evaluates a node whose children are all literals into a literal.
ExprPtr fold_node(const ExprPtr& node);

}  // namespace bullion::expr
