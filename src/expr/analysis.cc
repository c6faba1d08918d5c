#include "bullion/expr/analysis.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "bullion/core/error.h"
#include "bullion/expr/cast.h"
#include "expr/binder_internal.h"
#include "expr/text_conversions.h"

namespace bullion::expr {

// --- referenced columns -------------------------------------------------------------

namespace {

void collect_columns(const Expr& e, std::vector<const Expr*>& out) {
  if (e.kind == ExprKind::kColumn) {
    for (const Expr* seen : out)
      if (seen->column_index == e.column_index) return;
    out.push_back(&e);
    return;
  }
  for (const ExprPtr& c : e.children) collect_columns(*c, out);
}

}  // namespace

std::vector<std::string> referenced_columns(const Expr& expr) {
  std::vector<const Expr*> cols;
  collect_columns(expr, cols);
  std::vector<std::string> out;
  for (const Expr* c : cols) out.push_back(c->name);
  return out;
}

std::vector<size_t> referenced_column_indexes(const Expr& expr) {
  std::vector<const Expr*> cols;
  collect_columns(expr, cols);
  std::vector<size_t> out;
  for (const Expr* c : cols) out.push_back(c->column_index);
  std::sort(out.begin(), out.end());
  return out;
}

// --- to_sql -------------------------------------------------------------------------

namespace {

// Column names are always backquoted: a backquoted name that matches a
// column exactly is never ambiguous (binder.h).
std::string quote_identifier(std::string_view n) {
  std::string out = "`";
  for (char c : n) {
    if (c == '`') out += '`';
    out += c;
  }
  return out + "`";
}

std::string string_literal(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\'')
      out += "\\'";
    else
      out += c;
  }
  return out + "'";
}

std::string literal_sql(const Value& v) {
  const DataType& t = v.type();
  if (v.is_null()) return t.id() == TypeId::kNull ? "NULL" : "CAST(NULL AS " + t.to_string() + ")";
  switch (t.id()) {
    case TypeId::kBoolean:
      return v.as_bool() ? "TRUE" : "FALSE";
    case TypeId::kInt8:
      return std::to_string(v.as_int()) + "Y";
    case TypeId::kInt16:
      return std::to_string(v.as_int()) + "S";
    case TypeId::kInt32:
      return std::to_string(v.as_int());
    case TypeId::kInt64:
      return std::to_string(v.as_int()) + "L";
    case TypeId::kFloat: {
      const float f = static_cast<float>(v.as_double());
      if (std::isnan(f) || std::isinf(f)) return "CAST('" + java_float_to_string(f) + "' AS FLOAT)";
      return java_float_to_string(f) + "F";
    }
    case TypeId::kDouble: {
      const double d = v.as_double();
      if (std::isnan(d) || std::isinf(d)) return "CAST('" + java_double_to_string(d) + "' AS DOUBLE)";
      return java_double_to_string(d) + "D";
    }
    case TypeId::kDecimal:
      return "CAST('" + decimal_to_string(v.as_int128(), t.scale()) + "' AS " + t.to_string() + ")";
    case TypeId::kDate:
      return "DATE '" + spark_date_to_string(static_cast<int32_t>(v.as_int())) + "'";
    case TypeId::kTimestamp:
      return "TIMESTAMP '" + spark_timestamp_to_string(v.as_int()) + "Z'";
    case TypeId::kTimestampNtz:
      return "TIMESTAMP_NTZ '" + spark_timestamp_to_string(v.as_int()) + "'";
    case TypeId::kString:
      return string_literal(v.as_string());
    case TypeId::kBinary: {
      static constexpr char kHex[] = "0123456789ABCDEF";
      std::string out = "X'";
      for (unsigned char c : v.as_string()) {
        out += kHex[c >> 4];
        out += kHex[c & 15];
      }
      return out + "'";
    }
    default:
      break;
  }
  throw Error::unsupported("no SQL literal for a value of type " + t.to_string());
}

void render(const Expr& e, std::string& out) {
  auto child = [&](size_t i) { render(*e.children[i], out); };
  switch (e.kind) {
    case ExprKind::kLiteral:
      out += literal_sql(e.value);
      return;
    case ExprKind::kColumn:
      out += quote_identifier(e.name);
      return;
    case ExprKind::kCast:
      if (e.implicit) {
        child(0);
        return;
      }
      out += "CAST(";
      child(0);
      out += " AS " + e.type.to_string() + ")";
      return;
    case ExprKind::kNegate:
      out += "(- ";
      child(0);
      out += ")";
      return;
    case ExprKind::kArithmetic:
      out += "(";
      child(0);
      out += " " + std::string(arithmetic_op_text(e.arithmetic_op)) + " ";
      child(1);
      out += ")";
      return;
    case ExprKind::kCompare:
      out += "(";
      child(0);
      out += " " + std::string(comparison_op_text(e.compare_op)) + " ";
      child(1);
      out += ")";
      return;
    case ExprKind::kAnd:
    case ExprKind::kOr:
      out += "(";
      child(0);
      out += e.kind == ExprKind::kAnd ? " AND " : " OR ";
      child(1);
      out += ")";
      return;
    case ExprKind::kNot:
      out += "(NOT ";
      child(0);
      out += ")";
      return;
    case ExprKind::kIsNull:
    case ExprKind::kIsNotNull:
      out += "(";
      child(0);
      out += e.kind == ExprKind::kIsNull ? " IS NULL)" : " IS NOT NULL)";
      return;
    case ExprKind::kIn:
      out += "(";
      child(0);
      out += " IN (";
      for (size_t i = 1; i < e.children.size(); ++i) {
        if (i > 1) out += ", ";
        child(i);
      }
      out += "))";
      return;
    case ExprKind::kLike:
      out += "(";
      child(0);
      out += " LIKE ";
      child(1);
      if (e.escape != '\\') out += " ESCAPE " + string_literal(std::string(1, e.escape));
      out += ")";
      return;
    case ExprKind::kCase: {
      out += "CASE";
      const size_t pairs = e.children.size() / 2;
      for (size_t p = 0; p < pairs; ++p) {
        out += " WHEN ";
        child(2 * p);
        out += " THEN ";
        child(2 * p + 1);
      }
      if (e.has_else) {
        out += " ELSE ";
        child(e.children.size() - 1);
      }
      out += " END";
      return;
    }
    case ExprKind::kFunction:
      out += e.name + "(";
      for (size_t i = 0; i < e.children.size(); ++i) {
        if (i) out += ", ";
        child(i);
      }
      out += ")";
      return;
  }
}

}  // namespace

std::string to_sql(const Expr& expr) {
  std::string out;
  render(expr, out);
  return out;
}

// --- constant folding ----------------------------------------------------------------

ExprPtr fold_constants(const ExprPtr& expr) {
  if (expr->children.empty()) return expr;
  std::vector<ExprPtr> children;
  bool changed = false;
  for (const ExprPtr& c : expr->children) {
    children.push_back(fold_constants(c));
    changed |= children.back() != c;
  }
  ExprPtr node = expr;
  if (changed) {
    auto copy = std::make_shared<Expr>(*expr);
    copy->children = std::move(children);
    node = copy;
  }
  return fold_node(node);
}

// --- pruning predicates ----------------------------------------------------------------

namespace {

// A cast that maps distinct values to distinct values in the same order and
// never makes NULL, so `cast(col) op lit` ⟺ `col op lit'`.
bool exact_widening(const DataType& from, const DataType& to) {
  auto rank = [](TypeId id) {
    switch (id) {
      case TypeId::kInt8:
        return 1;
      case TypeId::kInt16:
        return 2;
      case TypeId::kInt32:
        return 3;
      case TypeId::kInt64:
        return 4;
      default:
        return 0;
    }
  };
  if (rank(from.id()) && rank(to.id())) return rank(from.id()) <= rank(to.id());
  if (rank(from.id()) && rank(from.id()) <= 3 && to.id() == TypeId::kDouble) return true;
  if (rank(from.id()) && rank(from.id()) <= 2 && to.id() == TypeId::kFloat) return true;
  if (from.id() == TypeId::kFloat && to.id() == TypeId::kDouble) return true;
  if (rank(from.id()) && to.id() == TypeId::kDecimal) {
    static constexpr int kDigits[] = {0, 3, 5, 10, 19};
    return to.precision() - to.scale() >= kDigits[rank(from.id())];
  }
  if (from.id() == TypeId::kDecimal && to.id() == TypeId::kDecimal)
    return to.scale() >= from.scale() && to.precision() - to.scale() >= from.precision() - from.scale();
  if (from.id() == TypeId::kDate && (to.id() == TypeId::kTimestamp || to.id() == TypeId::kTimestampNtz)) return true;
  return false;
}

// The column under exact widening casts, or nullptr.
const Expr* column_of(const Expr& e) {
  const Expr* cur = &e;
  while (cur->kind == ExprKind::kCast) {
    if (!exact_widening(cur->children[0]->type, cur->type)) return nullptr;
    cur = cur->children[0].get();
  }
  return cur->kind == ExprKind::kColumn ? cur : nullptr;
}

// The literal converted exactly to the column's type.
std::optional<Value> exact_literal(const Value& lit, const DataType& column_type) {
  if (lit.is_null()) return Value::null(column_type);
  if (lit.type() == column_type) return lit;
  if (!can_cast(lit.type(), column_type) || !can_cast(column_type, lit.type())) return std::nullopt;
  Value converted = cast_value(lit, column_type);
  if (converted.is_null()) return std::nullopt;
  Value back = cast_value(converted, lit.type());
  if (!(back == lit)) return std::nullopt;
  return converted;
}

CompareOp flip(CompareOp op) {
  switch (op) {
    case CompareOp::kLt:
      return CompareOp::kGt;
    case CompareOp::kLe:
      return CompareOp::kGe;
    case CompareOp::kGt:
      return CompareOp::kLt;
    case CompareOp::kGe:
      return CompareOp::kLe;
    default:
      return op;
  }
}

std::optional<CompareOp> to_compare_op(ComparisonOp op, bool negated) {
  if (!negated) {
    switch (op) {
      case ComparisonOp::kEq:
        return CompareOp::kEq;
      case ComparisonOp::kNe:
        return CompareOp::kNe;
      case ComparisonOp::kLt:
        return CompareOp::kLt;
      case ComparisonOp::kLe:
        return CompareOp::kLe;
      case ComparisonOp::kGt:
        return CompareOp::kGt;
      case ComparisonOp::kGe:
        return CompareOp::kGe;
      case ComparisonOp::kNullSafeEq:
        return CompareOp::kEq;
    }
  }
  switch (op) {
    case ComparisonOp::kEq:
      return CompareOp::kNe;
    case ComparisonOp::kNe:
      return CompareOp::kEq;
    case ComparisonOp::kLt:
      return CompareOp::kGe;
    case ComparisonOp::kLe:
      return CompareOp::kGt;
    case ComparisonOp::kGt:
      return CompareOp::kLe;
    case ComparisonOp::kGe:
      return CompareOp::kLt;
    case ComparisonOp::kNullSafeEq:
      return std::nullopt;
  }
  return std::nullopt;
}

std::optional<ColumnPredicate> comparison_predicate(const Expr& e, bool negated) {
  const Expr& a = *e.children[0];
  const Expr& b = *e.children[1];
  const Expr* col = column_of(a);
  const Expr* lit = &b;
  bool flipped = false;
  if (!col || !b.is_literal()) {
    col = column_of(b);
    lit = &a;
    flipped = true;
  }
  if (!col || !lit->is_literal()) return std::nullopt;
  if (e.compare_op == ComparisonOp::kNullSafeEq && lit->value.is_null()) {
    return ColumnPredicate{col->name, negated ? CompareOp::kIsNotNull : CompareOp::kIsNull, {}};
  }
  auto op = to_compare_op(e.compare_op, negated);
  if (!op) return std::nullopt;
  auto value = exact_literal(lit->value, col->type);
  if (!value) return std::nullopt;
  return ColumnPredicate{col->name, flipped ? flip(*op) : *op, {*value}};
}

std::optional<ColumnPredicate> in_predicate(const Expr& e) {
  const Expr* col = column_of(*e.children[0]);
  if (!col) return std::nullopt;
  ColumnPredicate p{col->name, CompareOp::kIn, {}};
  for (size_t i = 1; i < e.children.size(); ++i) {
    const Value& v = e.children[i]->value;
    if (v.is_null()) continue;  // never equal
    auto converted = exact_literal(v, col->type);
    if (converted) p.values.push_back(*converted);
    // An item no column value can equal is dropped.
  }
  return p;
}

// a = 1 OR a = 2 OR a IN (3, 4) → a IN (1, 2, 3, 4).
std::optional<ColumnPredicate> disjunction_predicate(const Expr& e) {
  std::vector<const Expr*> parts;
  std::vector<const Expr*> stack{&e};
  while (!stack.empty()) {
    const Expr* x = stack.back();
    stack.pop_back();
    if (x->kind == ExprKind::kOr) {
      stack.push_back(x->children[1].get());
      stack.push_back(x->children[0].get());
    } else {
      parts.push_back(x);
    }
  }
  std::optional<ColumnPredicate> acc;
  for (const Expr* x : parts) {
    std::optional<ColumnPredicate> p;
    if (x->kind == ExprKind::kCompare && x->compare_op == ComparisonOp::kEq) {
      p = comparison_predicate(*x, false);
      if (p && p->op == CompareOp::kEq) p->op = CompareOp::kIn;
    } else if (x->kind == ExprKind::kIn) {
      p = in_predicate(*x);
    }
    if (!p || p->op != CompareOp::kIn) return std::nullopt;
    if (!acc) {
      acc = p;
    } else {
      if (acc->column != p->column) return std::nullopt;
      for (Value& v : p->values) acc->values.push_back(std::move(v));
    }
  }
  return acc;
}

void add_conjunct(const Expr& e, PruningPredicate& out) {
  switch (e.kind) {
    case ExprKind::kAnd:
      add_conjunct(*e.children[0], out);
      add_conjunct(*e.children[1], out);
      return;
    case ExprKind::kLiteral:
      if (e.value.is_null() || !e.value.as_bool()) out.never_matches = true;
      return;
    case ExprKind::kColumn:
      if (e.type.id() == TypeId::kBoolean) out.conjunction.push_back({e.name, CompareOp::kEq, {Value::boolean(true)}});
      return;
    case ExprKind::kCompare:
      if (auto p = comparison_predicate(e, false)) out.conjunction.push_back(std::move(*p));
      return;
    case ExprKind::kIsNull:
    case ExprKind::kIsNotNull:
      if (const Expr* col = column_of(*e.children[0]))
        out.conjunction.push_back(
            {col->name, e.kind == ExprKind::kIsNull ? CompareOp::kIsNull : CompareOp::kIsNotNull, {}});
      return;
    case ExprKind::kIn:
      if (auto p = in_predicate(e)) out.conjunction.push_back(std::move(*p));
      return;
    case ExprKind::kOr:
      if (auto p = disjunction_predicate(e)) out.conjunction.push_back(std::move(*p));
      return;
    case ExprKind::kNot: {
      const Expr& c = *e.children[0];
      if (c.kind == ExprKind::kCompare) {
        if (auto p = comparison_predicate(c, true)) out.conjunction.push_back(std::move(*p));
      } else if (c.kind == ExprKind::kIsNull || c.kind == ExprKind::kIsNotNull) {
        if (const Expr* col = column_of(*c.children[0]))
          out.conjunction.push_back(
              {col->name, c.kind == ExprKind::kIsNull ? CompareOp::kIsNotNull : CompareOp::kIsNull, {}});
      } else if (c.kind == ExprKind::kColumn && c.type.id() == TypeId::kBoolean) {
        out.conjunction.push_back({c.name, CompareOp::kEq, {Value::boolean(false)}});
      } else if (c.kind == ExprKind::kNot) {
        add_conjunct(*c.children[0], out);
      }
      return;
    }
    default:
      return;
  }
}

}  // namespace

PruningPredicate extract_pruning(const Expr& predicate) {
  if (predicate.type.id() != TypeId::kBoolean && predicate.type.id() != TypeId::kNull)
    throw Error::invalid_input("a pruning predicate must be BOOLEAN, got " + predicate.type.to_string());
  PruningPredicate out;
  add_conjunct(predicate, out);
  return out;
}

}  // namespace bullion::expr
