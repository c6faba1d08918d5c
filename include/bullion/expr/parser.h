// bullion/expr/parser.h — SQL expression text → syntax tree.
//
// The grammar is Spark SQL's expression grammar (precedence, literals,
// quoting), with DESIGN's one literal deviation: a number with a decimal
// point (0.6) is a DOUBLE, not a DECIMAL. See README "Expressions".
//
//   parse("upper(trim(event_type))")
//
// The tree is unbound: names are not resolved and nothing is type-checked
// (that is the binder's job, binder.h). Every node remembers where it starts
// in the text, so later errors can point at it.
//
// Errors: a syntax error throws bullion::Error (kInvalidInput) whose message
// names the position as line:column (1-based, columns in characters), e.g.
// "unbalanced parenthesis: '(' at 1:6 is never closed". Thread-safe (no
// shared state).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "bullion/columnar/type.h"
#include "bullion/columnar/value.h"

namespace bullion::expr {

// A place in the expression text.
struct SourcePos {
  uint32_t offset = 0;  // bytes from the start
  uint32_t line = 1;    // 1-based
  uint32_t column = 1;  // 1-based, in characters (UTF-8 code points)

  std::string to_string() const;  // "1:12"
};

// The position of byte `offset` in `text`.
SourcePos source_pos(std::string_view text, size_t offset);

enum class ParsedKind : uint8_t {
  kLiteral,     // literal
  kIdentifier,  // name (unquoted text of a column or parameter)
  kStar,        // '*' (only as the argument of count(*))
  kUnary,       // op, children[0]
  kBinary,      // op, children[0], children[1]
  kFunction,    // name, children = arguments, distinct
  kCase,        // has_operand: children[0] is the operand; then WHEN/THEN pairs; has_else: last child
  kCast,        // children[0] AS cast_type
  kIn,          // negated; children[0] IN (children[1..])
  kBetween,     // negated; children[0] BETWEEN children[1] AND children[2]
  kLike,        // negated; children[0] LIKE children[1] [ESCAPE escape]
  kIsNull,      // negated; children[0] IS [NOT] NULL
  kIsBoolean,   // negated; children[0] IS [NOT] TRUE / FALSE (literal says which; NULL for UNKNOWN)
  kIsDistinct,  // negated; children[0] IS [NOT] DISTINCT FROM children[1]
};

enum class ParsedOp : uint8_t {
  kNone,
  // unary
  kNegate,
  kPlus,
  kNot,
  // binary
  kAdd,
  kSubtract,
  kMultiply,
  kDivide,
  kModulo,
  kIntDivide,
  kConcat,
  kEq,
  kNullSafeEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
  kAnd,
  kOr,
};

std::string_view parsed_op_text(ParsedOp op);  // "+", "<=>", "AND", "div", "||", ...

struct ParsedExpr;
using ParsedExprPtr = std::unique_ptr<ParsedExpr>;

struct ParsedExpr {
  ParsedKind kind = ParsedKind::kLiteral;
  ParsedOp op = ParsedOp::kNone;
  SourcePos pos;        // where the node starts
  SourcePos op_pos;     // kUnary/kBinary/kIn/kLike/...: where the operator keyword is
  std::string name;     // kIdentifier: the name; kFunction: the name as written
  bool quoted = false;  // kIdentifier: was `backquoted`
  Value literal;        // kLiteral (and kIsBoolean: TRUE/FALSE/NULL)
  DataType cast_type;   // kCast
  bool negated = false;
  bool distinct = false;  // kFunction: f(DISTINCT ...)
  bool has_operand = false;
  bool has_else = false;
  std::string escape;  // kLike: ESCAPE character ("" = default backslash)
  std::vector<ParsedExprPtr> children;
};

// Parses one expression; the whole text must be consumed.
ParsedExprPtr parse(std::string_view text);

// Parses a type name as CAST accepts it: INT, BIGINT, DECIMAL(10,2), ...
DataType parse_type_name(std::string_view text);

}  // namespace bullion::expr
