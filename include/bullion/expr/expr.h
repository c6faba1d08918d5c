// bullion/expr/expr.h — a bound, typed expression tree.
//
// The binder (binder.h) turns parsed text into an Expr: every name resolved
// to a column of one schema (or to a bound parameter, which becomes a
// literal), every node typed, every implicit conversion made explicit as a
// kCast node (implicit = true), and the kernel that evaluates the node chosen.
// Operators are nodes of their own kind so that analysis (analysis.h) can
// recognize them; everything else is a kFunction node naming a registered
// function.
//
// Exprs are immutable once built and shared (ExprPtr): many threads may
// evaluate one expression, each with its own Evaluator (evaluator.h).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "bullion/columnar/type.h"
#include "bullion/columnar/value.h"

namespace bullion::expr {

enum class ExprKind : uint8_t {
  kLiteral,     // value
  kColumn,      // column_index, name
  kCast,        // children[0] converted to type (Spark's ANSI-off CAST: bad casts give NULL)
  kNegate,      // -children[0]
  kArithmetic,  // children[0] arithmetic_op children[1]
  kCompare,     // children[0] compare_op children[1] (operands already of one type)
  kAnd,         // children[0] AND children[1] (three-valued)
  kOr,          // children[0] OR children[1] (three-valued)
  kNot,         // NOT children[0]
  kIsNull,      // children[0] IS NULL
  kIsNotNull,   // children[0] IS NOT NULL
  kIn,          // children[0] IN (children[1..]) — every list item is a literal of children[0]'s type
  kLike,        // children[0] LIKE children[1] (escape character in `escape`)
  kCase,        // WHEN children[0] THEN children[1] ... [ELSE last child if has_else]
  kFunction,    // name(children...)
};

enum class ArithmeticOp : uint8_t { kAdd, kSubtract, kMultiply, kDivide, kModulo, kIntDivide };
enum class ComparisonOp : uint8_t { kEq, kNe, kLt, kLe, kGt, kGe, kNullSafeEq };

std::string_view arithmetic_op_text(ArithmeticOp op);  // "+", "-", "*", "/", "%", "div"
std::string_view comparison_op_text(ComparisonOp op);  // "=", "<>", "<", "<=", ">", ">=", "<=>"

// The evaluation plan of one node, chosen by the binder (opaque here).
struct BoundKernel;

struct Expr;
using ExprPtr = std::shared_ptr<const Expr>;

struct Expr {
  ExprKind kind = ExprKind::kLiteral;
  DataType type;        // the result type
  uint32_t offset = 0;  // where the node starts in the source text (bytes)
  std::vector<ExprPtr> children;

  Value value;              // kLiteral
  size_t column_index = 0;  // kColumn: index in the bound schema
  std::string name;         // kColumn: the schema's name; kFunction: canonical function name
  ArithmeticOp arithmetic_op = ArithmeticOp::kAdd;
  ComparisonOp compare_op = ComparisonOp::kEq;
  bool implicit = false;                      // kCast: inserted by the binder, not written by the user
  bool folded = false;                        // kLiteral: made by constant folding, not written as a literal
  bool has_else = false;                      // kCase
  char escape = '\\';                         // kLike
  std::shared_ptr<const BoundKernel> kernel;  // every kind but kLiteral and kColumn

  bool is_literal() const { return kind == ExprKind::kLiteral; }
  bool is_column() const { return kind == ExprKind::kColumn; }
};

}  // namespace bullion::expr
