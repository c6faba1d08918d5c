#include "bullion/expr/binder.h"

#include <strings.h>

#include <algorithm>

#include "bullion/core/error.h"
#include "bullion/expr/cast.h"
#include "bullion/expr/evaluator.h"
#include "expr/binder_internal.h"
#include "expr/cast_kernel.h"
#include "expr/coercion.h"
#include "expr/function_registry.h"
#include "expr/operators.h"

namespace bullion::expr {

std::string_view arithmetic_op_text(ArithmeticOp op) {
  switch (op) {
    case ArithmeticOp::kAdd:
      return "+";
    case ArithmeticOp::kSubtract:
      return "-";
    case ArithmeticOp::kMultiply:
      return "*";
    case ArithmeticOp::kDivide:
      return "/";
    case ArithmeticOp::kModulo:
      return "%";
    case ArithmeticOp::kIntDivide:
      return "div";
  }
  return "?";
}

std::string_view comparison_op_text(ComparisonOp op) {
  switch (op) {
    case ComparisonOp::kEq:
      return "=";
    case ComparisonOp::kNe:
      return "<>";
    case ComparisonOp::kLt:
      return "<";
    case ComparisonOp::kLe:
      return "<=";
    case ComparisonOp::kGt:
      return ">";
    case ComparisonOp::kGe:
      return ">=";
    case ComparisonOp::kNullSafeEq:
      return "<=>";
  }
  return "?";
}

// --- node construction -----------------------------------------------------------------

ExprPtr make_literal(Value value, uint32_t offset) {
  auto e = std::make_shared<Expr>();
  e->kind = ExprKind::kLiteral;
  e->type = value.type();
  e->value = std::move(value);
  e->offset = offset;
  return e;
}

ExprPtr make_column_ref(size_t index, std::string name, DataType type, uint32_t offset) {
  auto e = std::make_shared<Expr>();
  e->kind = ExprKind::kColumn;
  e->type = std::move(type);
  e->column_index = index;
  e->name = std::move(name);
  e->offset = offset;
  return e;
}

std::shared_ptr<Expr> make_node(ExprKind kind, DataType type, uint32_t offset, std::vector<ExprPtr> children,
                                KernelFn fn, std::shared_ptr<const void> state) {
  auto e = std::make_shared<Expr>();
  e->kind = kind;
  e->type = std::move(type);
  e->offset = offset;
  e->children = std::move(children);
  e->kernel = make_kernel(fn, std::move(state));
  return e;
}

ExprPtr make_cast(ExprPtr child, const DataType& to, bool implicit, uint32_t offset) {
  BULLION_ASSERT(can_cast(child->type, to), "cast not allowed");
  auto e = std::make_shared<Expr>();
  e->kind = ExprKind::kCast;
  e->type = to;
  e->offset = offset;
  e->implicit = implicit;
  e->children.push_back(std::move(child));
  e->kernel = make_kernel(cast_kernel);
  return e;
}

ExprPtr make_implicit_cast(ExprPtr child, const DataType& to) {
  if (child->type == to) return child;
  const uint32_t offset = child->offset;
  ExprPtr cast = make_cast(std::move(child), to, true, offset);
  return cast->children[0]->is_literal() ? fold_node(cast) : cast;
}

ExprPtr fold_node(const ExprPtr& node) {
  if (node->is_literal() || node->is_column()) return node;
  for (const ExprPtr& c : node->children)
    if (!c->is_literal()) return node;
  auto folded = std::make_shared<Expr>();
  folded->kind = ExprKind::kLiteral;
  folded->value = evaluate_constant(node);
  folded->type = node->type;
  folded->offset = node->offset;
  folded->folded = true;
  return folded;
}

// --- names ----------------------------------------------------------------------------

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  return out;
}

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && ::strncasecmp(a.data(), b.data(), a.size()) == 0;
}

std::string quote_name(std::string_view n) { return "'" + std::string(n) + "'"; }

}  // namespace

std::string closest_name(std::string_view name, const std::vector<std::string>& candidates) {
  const std::string target = lower(name);
  const size_t limit = std::max<size_t>(2, target.size() / 3);
  std::string best;
  size_t best_d = limit + 1;
  for (const std::string& c : candidates) {
    const size_t d = edit_distance(target, lower(c));
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  return best_d <= limit ? best : std::string();
}

// --- the binder ----------------------------------------------------------------------

namespace {

struct AggregateScope {
  const Schema* input = nullptr;
  std::vector<std::string> keys;
  std::vector<size_t> key_indexes;  // into input
  std::vector<AggregateCall> calls;
};

class Binder {
 public:
  Binder(const Schema& schema, const BindOptions& options, AggregateScope* aggregates)
      : schema_(schema), options_(options), aggregates_(aggregates) {}

  ExprPtr bind(const ParsedExpr& e) {
    ExprPtr out = bind_node(e);
    return out;
  }

 private:
  [[noreturn]] void fail(const SourcePos& pos, const std::string& what) const {
    throw Error::invalid_input(what + " at " + pos.to_string());
  }
  // Messages that continue after the position ("...; did you mean x?").
  [[noreturn]] void fail(const SourcePos& pos, const std::string& what, const std::string& rest) const {
    throw Error::invalid_input(what + " at " + pos.to_string() + rest);
  }

  ExprPtr finish(ExprPtr node) { return options_.fold_constants ? fold_node(node) : node; }

  // The same cast, marked as written by the user (rendered by to_sql).
  static ExprPtr explicit_cast(const ExprPtr& e) {
    if (e->kind != ExprKind::kCast || !e->implicit) return e;
    auto copy = std::make_shared<Expr>(*e);
    copy->implicit = false;
    return copy;
  }

  ExprPtr cast_to(ExprPtr e, const DataType& to) {
    if (e->type == to) return e;
    ExprPtr c = make_cast(e, to, true, e->offset);
    return options_.fold_constants && e->is_literal() ? fold_node(c) : c;
  }

  ExprPtr bind_node(const ParsedExpr& e) {
    switch (e.kind) {
      case ParsedKind::kLiteral:
        return make_literal(e.literal, e.pos.offset);
      case ParsedKind::kIdentifier:
        return bind_identifier(e);
      case ParsedKind::kStar:
        fail(e.pos, "'*' is only allowed in count(*)");
      case ParsedKind::kUnary:
        return bind_unary(e);
      case ParsedKind::kBinary:
        return bind_binary(e);
      case ParsedKind::kFunction:
        return bind_function(e);
      case ParsedKind::kCase:
        return bind_case(e);
      case ParsedKind::kCast:
        return bind_cast(e);
      case ParsedKind::kIn:
        return bind_in(e);
      case ParsedKind::kBetween:
        return bind_between(e);
      case ParsedKind::kLike:
        return bind_like(e);
      case ParsedKind::kIsNull: {
        ExprPtr v = bind_node(*e.children[0]);
        return finish(make_node(e.negated ? ExprKind::kIsNotNull : ExprKind::kIsNull, DataType::boolean(), e.pos.offset,
                                {v}, e.negated ? is_not_null_kernel : is_null_kernel));
      }
      case ParsedKind::kIsBoolean: {
        ExprPtr v = as_boolean(bind_node(*e.children[0]), *e.children[0], "IS TRUE / IS FALSE");
        ExprPtr test;
        if (e.literal.is_null()) {
          test = make_node(ExprKind::kIsNull, DataType::boolean(), e.pos.offset, {v}, is_null_kernel);
        } else {
          test = comparison(ComparisonOp::kNullSafeEq, v, make_literal(e.literal, e.op_pos.offset), e.op_pos,
                            e.pos.offset);
        }
        return e.negated ? negation(test, e.pos.offset) : finish(test);
      }
      case ParsedKind::kIsDistinct: {
        ExprPtr l = bind_node(*e.children[0]);
        ExprPtr r = bind_node(*e.children[1]);
        ExprPtr same = comparison(ComparisonOp::kNullSafeEq, l, r, e.op_pos, e.pos.offset);
        return e.negated ? same : negation(same, e.pos.offset);
      }
    }
    fail(e.pos, "unsupported expression");
  }

  // --- identifiers ---

  ExprPtr bind_identifier(const ParsedExpr& e) {
    const Schema& schema = aggregates_ ? *aggregates_->input : schema_;
    // Case-insensitive, as Spark; two columns differing only in case are
    // ambiguous unless the name is backquoted and matches one exactly.
    std::optional<size_t> column;
    if (e.quoted) column = schema.index_of(e.name);
    if (!column) {
      std::vector<size_t> matches;
      for (size_t i = 0; i < schema.size(); ++i)
        if (iequals(schema.field(i).name, e.name)) matches.push_back(i);
      if (matches.size() > 1) {
        std::string names;
        for (size_t i : matches) names += (names.empty() ? "" : ", ") + schema.field(i).name;
        fail(e.pos, "ambiguous column name " + quote_name(e.name),
             " (it matches " + names + "); write the exact name in backquotes");
      }
      if (matches.size() == 1) column = matches[0];
    }
    const Parameter* param = nullptr;
    for (const Parameter& p : options_.parameters)
      if (p.name == e.name || iequals(p.name, e.name)) param = &p;
    if (column && param)
      fail(e.pos, "name " + quote_name(e.name) + " is both a column and a parameter", "; rename one of them");
    if (param) return make_literal(param->value, e.pos.offset);
    if (!column) {
      std::vector<std::string> candidates = schema.names();
      for (const Parameter& p : options_.parameters) candidates.push_back(p.name);
      const std::string suggestion = closest_name(e.name, candidates);
      if (!suggestion.empty())
        fail(e.pos, "unknown column " + quote_name(e.name), "; did you mean " + suggestion + "?");
      std::string listing;
      if (candidates.size() <= 30) {
        for (const std::string& c : candidates) listing += (listing.empty() ? "" : ", ") + c;
        listing = "; the columns are: " + (listing.empty() ? std::string("(none)") : listing);
      }
      fail(e.pos, "unknown column " + quote_name(e.name), listing);
    }
    const Field& f = schema.field(*column);
    if (aggregates_) {
      // Outside an aggregate call only group keys may be used.
      for (size_t k = 0; k < aggregates_->key_indexes.size(); ++k)
        if (aggregates_->key_indexes[k] == *column) return make_column_ref(k, f.name, f.type, e.pos.offset);
      fail(e.pos, "column " + quote_name(f.name) + " must be inside an aggregate function (or be a group key)",
           "; e.g. max(" + f.name + ")");
    }
    return make_column_ref(*column, f.name, f.type, e.pos.offset);
  }

  // --- boolean helpers ---

  ExprPtr as_boolean(ExprPtr v, const ParsedExpr& at, const char* context) {
    if (v->type.id() == TypeId::kBoolean) return v;
    if (v->type.id() == TypeId::kNull) return cast_to(v, DataType::boolean());
    fail(at.pos, std::string(context) + " needs a BOOLEAN, got " + v->type.to_string());
  }

  ExprPtr negation(ExprPtr v, uint32_t offset) {
    return finish(make_node(ExprKind::kNot, DataType::boolean(), offset, {std::move(v)}, not_kernel));
  }

  ExprPtr logical(ExprKind kind, ExprPtr l, ExprPtr r, uint32_t offset) {
    return finish(make_node(kind, DataType::boolean(), offset, {std::move(l), std::move(r)},
                            kind == ExprKind::kAnd ? and_kernel : or_kernel));
  }

  // --- unary / binary operators ---

  ExprPtr bind_unary(const ParsedExpr& e) {
    ExprPtr v = bind_node(*e.children[0]);
    if (e.op == ParsedOp::kNot) return negation(as_boolean(v, *e.children[0], "NOT"), e.pos.offset);
    const TypeId t = v->type.id();
    // Unary + leaves no node of its own, so its cast must show in to_sql.
    if (t == TypeId::kString || t == TypeId::kNull)
      v = e.op == ParsedOp::kPlus ? explicit_cast(cast_to(v, DataType::float64())) : cast_to(v, DataType::float64());
    if (!v->type.is_numeric())
      fail(e.op_pos, std::string("unary ") + (e.op == ParsedOp::kNegate ? "-" : "+") + " needs a number, got " +
                         v->type.to_string());
    if (e.op == ParsedOp::kPlus) return v;
    auto node = make_node(ExprKind::kNegate, v->type, e.pos.offset, {v}, negate_kernel(v->type));
    return finish(node);
  }

  ExprPtr bind_binary(const ParsedExpr& e) {
    if (e.op == ParsedOp::kAnd || e.op == ParsedOp::kOr) {
      ExprPtr l = as_boolean(bind_node(*e.children[0]), *e.children[0], e.op == ParsedOp::kAnd ? "AND" : "OR");
      ExprPtr r = as_boolean(bind_node(*e.children[1]), *e.children[1], e.op == ParsedOp::kAnd ? "AND" : "OR");
      return logical(e.op == ParsedOp::kAnd ? ExprKind::kAnd : ExprKind::kOr, l, r, e.pos.offset);
    }
    ExprPtr l = bind_node(*e.children[0]);
    ExprPtr r = bind_node(*e.children[1]);
    switch (e.op) {
      case ParsedOp::kEq:
        return comparison(ComparisonOp::kEq, l, r, e.op_pos, e.pos.offset);
      case ParsedOp::kNullSafeEq:
        return comparison(ComparisonOp::kNullSafeEq, l, r, e.op_pos, e.pos.offset);
      case ParsedOp::kNe:
        return comparison(ComparisonOp::kNe, l, r, e.op_pos, e.pos.offset);
      case ParsedOp::kLt:
        return comparison(ComparisonOp::kLt, l, r, e.op_pos, e.pos.offset);
      case ParsedOp::kLe:
        return comparison(ComparisonOp::kLe, l, r, e.op_pos, e.pos.offset);
      case ParsedOp::kGt:
        return comparison(ComparisonOp::kGt, l, r, e.op_pos, e.pos.offset);
      case ParsedOp::kGe:
        return comparison(ComparisonOp::kGe, l, r, e.op_pos, e.pos.offset);
      case ParsedOp::kAdd:
        return arithmetic(ArithmeticOp::kAdd, l, r, e);
      case ParsedOp::kSubtract:
        return arithmetic(ArithmeticOp::kSubtract, l, r, e);
      case ParsedOp::kMultiply:
        return arithmetic(ArithmeticOp::kMultiply, l, r, e);
      case ParsedOp::kDivide:
        return arithmetic(ArithmeticOp::kDivide, l, r, e);
      case ParsedOp::kModulo:
        return arithmetic(ArithmeticOp::kModulo, l, r, e);
      case ParsedOp::kIntDivide:
        return arithmetic(ArithmeticOp::kIntDivide, l, r, e);
      case ParsedOp::kConcat:
        return call_registered("concat", {l, r}, e.op_pos, e.pos.offset);
      default:
        break;
    }
    fail(e.op_pos, "unsupported operator " + std::string(parsed_op_text(e.op)));
  }

  ExprPtr comparison(ComparisonOp op, ExprPtr l, ExprPtr r, const SourcePos& at, uint32_t offset) {
    const DataType lt = l->type, rt = r->type;
    std::optional<DataType> common;
    const bool equality = op == ComparisonOp::kEq || op == ComparisonOp::kNe || op == ComparisonOp::kNullSafeEq;
    if (equality && lt.id() == TypeId::kBoolean && rt.is_numeric()) {
      common = rt;
    } else if (equality && rt.id() == TypeId::kBoolean && lt.is_numeric()) {
      common = lt;
    } else if ((lt.id() == TypeId::kDecimal && rt.is_integer()) || (rt.id() == TypeId::kDecimal && lt.is_integer())) {
      // An integer literal counts with just the digits it has (Spark's
      // DecimalPrecision.nondecimalAndDecimal).
      auto as_decimal = [](const ExprPtr& x) {
        return x->type.id() == TypeId::kDecimal
                   ? x->type
                   : (x->is_literal() ? decimal_for_literal(x->value) : decimal_for(x->type));
      };
      common = wider_common_type(as_decimal(l), as_decimal(r), false);
    } else {
      common = comparison_type(lt, rt);
    }
    if (!common || common->is_nested() || !can_cast(lt, *common) || !can_cast(rt, *common))
      fail(at, "cannot compare " + lt.to_string() + " with " + rt.to_string() + " using " +
                   std::string(comparison_op_text(op)));
    l = cast_to(l, *common);
    r = cast_to(r, *common);
    auto node = make_node(ExprKind::kCompare, DataType::boolean(), offset, {l, r}, compare_kernel(op, *common));
    node->compare_op = op;
    return finish(node);
  }

  ExprPtr arithmetic(ArithmeticOp op, ExprPtr l, ExprPtr r, const ParsedExpr& e) {
    const std::string op_text(arithmetic_op_text(op));
    auto type_fail = [&]() -> void {
      fail(e.op_pos, "operator " + op_text + " cannot take " + l->type.to_string() + " and " + r->type.to_string());
    };
    auto is_day_count = [](const DataType& t) {
      return t.id() == TypeId::kInt32 || t.id() == TypeId::kInt16 || t.id() == TypeId::kInt8;
    };
    // Date arithmetic: DATE ± days.
    if (op == ArithmeticOp::kAdd || op == ArithmeticOp::kSubtract) {
      const TypeId a = l->type.id(), b = r->type.id();
      if (a == TypeId::kDate && is_day_count(r->type))
        return call_registered(op == ArithmeticOp::kAdd ? "date_add" : "date_sub", {l, r}, e.op_pos, e.pos.offset);
      if (op == ArithmeticOp::kAdd && b == TypeId::kDate && is_day_count(l->type))
        return call_registered("date_add", {r, l}, e.op_pos, e.pos.offset);
      if (l->type.is_temporal() || r->type.is_temporal()) {
        if (a == TypeId::kDate && b == TypeId::kDate && op == ArithmeticOp::kSubtract)
          fail(e.op_pos, "DATE - DATE is an interval, which bullion does not support", "; use datediff(end, start)");
        fail(e.op_pos, "operator " + op_text + " cannot take " + l->type.to_string() + " and " + r->type.to_string(),
             "; bullion has no INTERVAL type: use date_add, date_sub or datediff");
      }
    }
    // Strings in arithmetic are DOUBLE; NULL with NULL is DOUBLE.
    auto promote = [&](ExprPtr& x) {
      if (x->type.id() == TypeId::kString) x = cast_to(x, DataType::float64());
    };
    promote(l);
    promote(r);
    if (l->type.id() == TypeId::kNull && r->type.id() == TypeId::kNull) {
      l = cast_to(l, DataType::float64());
      r = cast_to(r, DataType::float64());
    }
    if (l->type.id() == TypeId::kNull) l = cast_to(l, r->type);
    if (r->type.id() == TypeId::kNull) r = cast_to(r, l->type);
    if (!l->type.is_numeric() || !r->type.is_numeric()) type_fail();

    if (op == ArithmeticOp::kDivide) {
      l = cast_to(l, DataType::float64());
      r = cast_to(r, DataType::float64());
      auto node = make_node(ExprKind::kArithmetic, DataType::float64(), e.pos.offset, {l, r},
                            arithmetic_kernel(op, DataType::float64()));
      node->arithmetic_op = op;
      return finish(node);
    }
    if (op == ArithmeticOp::kIntDivide) {
      // Spark's div takes integers (and decimals, which bullion does not support here).
      if (!l->type.is_integer() || !r->type.is_integer())
        fail(e.op_pos, "div needs integers, got " + l->type.to_string() + " and " + r->type.to_string(),
             "; cast the operands to BIGINT or use floor(a / b)");
      l = cast_to(l, DataType::int64());
      r = cast_to(r, DataType::int64());
      auto node = make_node(ExprKind::kArithmetic, DataType::int64(), e.pos.offset, {l, r},
                            arithmetic_kernel(op, DataType::int64()));
      node->arithmetic_op = op;
      return finish(node);
    }
    const bool ld = l->type.id() == TypeId::kDecimal, rd = r->type.id() == TypeId::kDecimal;
    if (ld || rd) {
      if (l->type.is_floating() || r->type.is_floating()) {
        l = cast_to(l, DataType::float64());
        r = cast_to(r, DataType::float64());
      } else {
        auto as_decimal = [&](ExprPtr& x) {
          if (x->type.id() == TypeId::kDecimal) return;
          x = cast_to(x, x->is_literal() && !x->folded ? decimal_for_literal(x->value) : decimal_for(x->type));
        };
        as_decimal(l);
        as_decimal(r);
        const int p1 = l->type.precision(), s1 = l->type.scale(), p2 = r->type.precision(), s2 = r->type.scale();
        DataType result;
        switch (op) {
          case ArithmeticOp::kAdd:
          case ArithmeticOp::kSubtract: {
            const int scale = std::max(s1, s2);
            result = adjusted_decimal(std::max(p1 - s1, p2 - s2) + scale + 1, scale);
            break;
          }
          case ArithmeticOp::kMultiply:
            result = adjusted_decimal(p1 + p2 + 1, s1 + s2);
            break;
          default: {
            const int scale = std::max(s1, s2);
            result = adjusted_decimal(std::min(p1 - s1, p2 - s2) + scale, scale);
            break;
          }
        }
        auto node = make_node(ExprKind::kArithmetic, result, e.pos.offset, {l, r}, arithmetic_kernel(op, l->type));
        node->arithmetic_op = op;
        return finish(node);
      }
    }
    auto common = tightest_common_type(l->type, r->type);
    if (!common) type_fail();
    l = cast_to(l, *common);
    r = cast_to(r, *common);
    auto node = make_node(ExprKind::kArithmetic, *common, e.pos.offset, {l, r}, arithmetic_kernel(op, *common));
    node->arithmetic_op = op;
    return finish(node);
  }

  // --- functions ---

  ExprPtr call_registered(std::string_view name, std::vector<ExprPtr> args, const SourcePos& at, uint32_t offset) {
    const ScalarFunction* f = FunctionRegistry::instance().find(name);
    BULLION_ASSERT(f != nullptr, "function not registered");
    return resolve_call(*f, std::move(args), at, offset);
  }

  ExprPtr resolve_call(const ScalarFunction& f, std::vector<ExprPtr> args, const SourcePos& at, uint32_t offset) {
    ResolveContext ctx(
        f, std::move(args), [this](ExprPtr e, const DataType& to) { return cast_to(e, to); },
        [at](const std::string& what, const std::string& rest) {
          return Error::invalid_input(what + " at " + at.to_string() + rest);
        });
    f.resolve(ctx);
    BULLION_ASSERT(ctx.kernel != nullptr, "resolver chose no kernel");
    auto node = make_node(ExprKind::kFunction, ctx.result_type, offset, std::move(ctx.args()), ctx.kernel,
                          std::move(ctx.state));
    node->name = f.name;
    return finish(node);
  }

  ExprPtr bind_function(const ParsedExpr& e) {
    const std::string name = lower(e.name);
    const ScalarFunction* f = FunctionRegistry::instance().find(name);
    const AggregateFunction* agg = f ? nullptr : find_aggregate_function(name);
    if (!f && !agg) {
      std::vector<std::string> candidates = FunctionRegistry::instance().names();
      for (const std::string& a : aggregate_function_names()) candidates.push_back(a);
      const std::string suggestion = closest_name(name, candidates);
      fail(e.pos, "unknown function " + quote_name(e.name),
           suggestion.empty() ? std::string() : "; did you mean " + suggestion + "?");
    }
    if (agg) return bind_aggregate_call(e, *agg);
    const int n = static_cast<int>(e.children.size());
    for (const auto& c : e.children)
      if (c->kind == ParsedKind::kStar) fail(c->pos, "'*' is only allowed in count(*)");
    if (e.distinct) fail(e.pos, "DISTINCT is only allowed in aggregate functions, not in " + f->name);
    if (n < f->min_args || (f->max_args >= 0 && n > f->max_args)) {
      std::string expected = f->max_args < 0 ? "at least " + std::to_string(f->min_args)
                             : f->min_args == f->max_args
                                 ? std::to_string(f->min_args)
                                 : std::to_string(f->min_args) + " to " + std::to_string(f->max_args);
      fail(e.pos,
           "function " + f->name + " takes " + expected + " argument" + (expected == "1" ? "" : "s") + ", got " +
               std::to_string(n),
           "; usage: " + f->signature);
    }
    std::vector<ExprPtr> args;
    for (const auto& c : e.children) args.push_back(bind_node(*c));
    if (f->resolve == nullptr) return bind_rewritten(*f, std::move(args), e);
    return resolve_call(*f, std::move(args), e.pos, e.pos.offset);
  }

  // nullif, if, ifnull and nvl are rewrites, as in Spark.
  ExprPtr bind_rewritten(const ScalarFunction& f, std::vector<ExprPtr> args, const ParsedExpr& e) {
    if (f.name == "ifnull" || f.name == "nvl") return call_registered("coalesce", std::move(args), e.pos, e.pos.offset);
    if (f.name == "nullif") {
      ExprPtr equal = comparison(ComparisonOp::kEq, args[0], args[1], e.pos, e.pos.offset);
      return case_of({equal}, {make_literal(Value::null(args[0]->type), e.pos.offset)}, args[0], e.pos, e.pos.offset);
    }
    if (f.name == "if") {
      ExprPtr cond = as_boolean(args[0], *e.children[0], "if");
      return case_of({cond}, {args[1]}, args[2], e.pos, e.pos.offset);
    }
    fail(e.pos, "function " + f.name + " has no implementation");
  }

  ExprPtr bind_aggregate_call(const ParsedExpr& e, const AggregateFunction& agg) {
    if (!aggregates_)
      fail(e.pos, "aggregate function " + agg.name + " is not allowed here",
           "; aggregates belong in an aggregation (e.g. a Gold table's aggregations)");
    if (inside_aggregate_) fail(e.pos, "aggregate function " + agg.name + " cannot be nested inside another aggregate");
    ExprPtr argument;
    std::optional<Value> second;
    if (e.children.empty()) fail(e.pos, "aggregate " + agg.name + " needs an argument", "; usage: " + agg.signature);
    if (e.children[0]->kind == ParsedKind::kStar) {
      if (!agg.allows_star) fail(e.children[0]->pos, "'*' is only allowed in count(*)");
    } else {
      inside_aggregate_ = true;
      Binder inner(*aggregates_->input, options_, nullptr);
      argument = inner.bind(*e.children[0]);
      inside_aggregate_ = false;
    }
    if (e.children.size() > 2) fail(e.pos, "aggregate " + agg.name + " takes at most 2 arguments");
    if (e.children.size() == 2) {
      Binder inner(*aggregates_->input, options_, nullptr);
      ExprPtr s = inner.bind(*e.children[1]);
      if (!s->is_literal()) fail(e.children[1]->pos, "the second argument of " + agg.name + " must be a constant");
      second = s->value;
    }
    AggregateCall call;
    try {
      call = make_aggregate_call(agg.name, argument, e.distinct, second ? &*second : nullptr);
    } catch (const Error& err) {
      // "what; how to fix" → "what at <pos>; how to fix"
      const std::string& m = err.message();
      const size_t split = m.find("; ");
      if (split == std::string::npos) fail(e.pos, m);
      fail(e.pos, m.substr(0, split), m.substr(split));
    }
    const size_t index = aggregates_->keys.size() + aggregates_->calls.size();
    const DataType type = call.result_type;
    aggregates_->calls.push_back(std::move(call));
    return make_column_ref(index, "_agg" + std::to_string(aggregates_->calls.size() - 1), type, e.pos.offset);
  }

  // --- CASE ---

  ExprPtr case_of(std::vector<ExprPtr> conditions, std::vector<ExprPtr> values, ExprPtr otherwise, const SourcePos& at,
                  uint32_t offset) {
    std::vector<DataType> types;
    for (const ExprPtr& v : values) types.push_back(v->type);
    if (otherwise) types.push_back(otherwise->type);
    auto common = wider_common_type_of(types, true);
    if (!common) {
      std::string list;
      for (const DataType& t : types) list += (list.empty() ? "" : ", ") + t.to_string();
      fail(at, "the branches of CASE have incompatible types (" + list + ")");
    }
    std::vector<ExprPtr> children;
    for (size_t i = 0; i < conditions.size(); ++i) {
      children.push_back(conditions[i]);
      children.push_back(cast_to(values[i], *common));
    }
    if (otherwise) children.push_back(cast_to(otherwise, *common));
    auto node = make_node(ExprKind::kCase, *common, offset, std::move(children), case_kernel);
    node->has_else = otherwise != nullptr;
    return options_.fold_constants ? simplify_case(node) : node;
  }

  // Drops branches whose condition is a constant FALSE/NULL and stops at a
  // constant TRUE; folds when everything is constant.
  ExprPtr simplify_case(const ExprPtr& node) {
    const size_t pairs = node->children.size() / 2;
    std::vector<ExprPtr> kept;
    ExprPtr otherwise = node->has_else ? node->children.back() : nullptr;
    bool changed = false;
    for (size_t p = 0; p < pairs; ++p) {
      const ExprPtr& c = node->children[2 * p];
      if (c->is_literal()) {
        changed = true;
        if (!c->value.is_null() && c->value.as_bool()) {
          otherwise = node->children[2 * p + 1];
          break;
        }
        continue;
      }
      kept.push_back(c);
      kept.push_back(node->children[2 * p + 1]);
    }
    if (!changed) return fold_node(node);
    // The CASE disappears: a branch's cast to the CASE type must now show.
    if (kept.empty()) return otherwise ? explicit_cast(otherwise) : make_literal(Value::null(node->type), node->offset);
    auto out = std::make_shared<Expr>(*node);
    out->children = kept;
    out->has_else = otherwise != nullptr;
    if (otherwise) out->children.push_back(otherwise);
    return fold_node(out);
  }

  ExprPtr bind_case(const ParsedExpr& e) {
    size_t i = 0;
    ExprPtr operand;
    if (e.has_operand) operand = bind_node(*e.children[i++]);
    const size_t end = e.children.size() - (e.has_else ? 1 : 0);
    std::vector<ExprPtr> conditions, values;
    for (; i < end; i += 2) {
      const ParsedExpr& w = *e.children[i];
      ExprPtr cond = bind_node(w);
      if (operand) {
        cond = comparison(ComparisonOp::kEq, operand, cond, w.pos, w.pos.offset);
      } else if (cond->type.id() != TypeId::kBoolean) {
        if (cond->type.id() == TypeId::kNull)
          cond = cast_to(cond, DataType::boolean());
        else
          fail(w.pos, "a CASE WHEN condition must be BOOLEAN, got " + cond->type.to_string());
      }
      conditions.push_back(cond);
      values.push_back(bind_node(*e.children[i + 1]));
    }
    ExprPtr otherwise = e.has_else ? bind_node(*e.children.back()) : nullptr;
    return case_of(std::move(conditions), std::move(values), std::move(otherwise), e.pos, e.pos.offset);
  }

  // --- CAST, IN, BETWEEN, LIKE ---

  ExprPtr bind_cast(const ParsedExpr& e) {
    ExprPtr v = bind_node(*e.children[0]);
    if (!can_cast(v->type, e.cast_type))
      fail(e.pos, "cannot cast " + v->type.to_string() + " to " + e.cast_type.to_string());
    if (v->type == e.cast_type) return v;
    return finish(make_cast(v, e.cast_type, false, e.pos.offset));
  }

  ExprPtr bind_in(const ParsedExpr& e) {
    std::vector<ExprPtr> all;
    for (const auto& c : e.children) all.push_back(bind_node(*c));
    std::vector<DataType> types;
    for (const ExprPtr& x : all) types.push_back(x->type);
    auto common = wider_common_type_of(types, true);
    if (!common || common->is_nested()) {
      std::string list;
      for (const DataType& t : types) list += (list.empty() ? "" : ", ") + t.to_string();
      fail(e.op_pos, "IN needs values of compatible types, got (" + list + ")");
    }
    for (ExprPtr& x : all) x = cast_to(x, *common);
    bool literals = true;
    for (size_t i = 1; i < all.size(); ++i) literals &= all[i]->is_literal();
    ExprPtr result;
    if (literals) {
      std::vector<Value> items;
      for (size_t i = 1; i < all.size(); ++i) items.push_back(all[i]->value);
      result = finish(
          make_node(ExprKind::kIn, DataType::boolean(), e.pos.offset, all, in_kernel, make_in_set(*common, items)));
    } else {
      // x IN (a, b) is x = a OR x = b under three-valued logic. The casts to
      // the common type of the whole list must show in to_sql: a lone
      // comparison would pick another type.
      for (ExprPtr& x : all) x = explicit_cast(x);
      for (size_t i = 1; i < all.size(); ++i) {
        ExprPtr eq = comparison(ComparisonOp::kEq, all[0], all[i], e.op_pos, e.pos.offset);
        result = result ? logical(ExprKind::kOr, result, eq, e.pos.offset) : eq;
      }
    }
    return e.negated ? negation(result, e.pos.offset) : result;
  }

  ExprPtr bind_between(const ParsedExpr& e) {
    ExprPtr v = bind_node(*e.children[0]);
    ExprPtr lo = bind_node(*e.children[1]);
    ExprPtr hi = bind_node(*e.children[2]);
    ExprPtr ge = comparison(ComparisonOp::kGe, v, lo, e.op_pos, e.pos.offset);
    ExprPtr le = comparison(ComparisonOp::kLe, v, hi, e.op_pos, e.pos.offset);
    ExprPtr both = logical(ExprKind::kAnd, ge, le, e.pos.offset);
    return e.negated ? negation(both, e.pos.offset) : both;
  }

  ExprPtr bind_like(const ParsedExpr& e) {
    ExprPtr v = bind_node(*e.children[0]);
    ExprPtr p = bind_node(*e.children[1]);
    auto to_string_arg = [&](ExprPtr& x, const ParsedExpr& at) {
      auto target = implicit_cast_target(x->type, DataType::string());
      if (!target) fail(at.pos, "LIKE needs STRING operands, got " + x->type.to_string());
      x = cast_to(x, *target);
    };
    to_string_arg(v, *e.children[0]);
    to_string_arg(p, *e.children[1]);
    const char escape = e.escape.empty() ? '\\' : e.escape[0];
    std::shared_ptr<const void> state;
    if (p->is_literal() && !p->value.is_null()) {
      try {
        state = compile_like(p->value.as_string(), escape);
      } catch (const Error& err) {
        fail(e.children[1]->pos, err.message());
      }
    }
    auto node = make_node(ExprKind::kLike, DataType::boolean(), e.pos.offset, {v, p}, like_kernel, state);
    node->escape = escape;
    ExprPtr result = finish(node);
    return e.negated ? negation(result, e.pos.offset) : result;
  }

  const Schema& schema_;
  const BindOptions& options_;
  AggregateScope* aggregates_;
  bool inside_aggregate_ = false;
};

}  // namespace

ExprPtr bind(const ParsedExpr& parsed, const Schema& schema, const BindOptions& options) {
  Binder binder(schema, options, nullptr);
  return binder.bind(parsed);
}

ExprPtr compile(std::string_view text, const Schema& schema, const BindOptions& options) {
  ParsedExprPtr parsed = parse(text);
  return expr::bind(*parsed, schema, options);
}

ExprPtr compile_predicate(std::string_view text, const Schema& schema, const BindOptions& options) {
  ExprPtr e = compile(text, schema, options);
  if (e->type.id() == TypeId::kNull) return make_implicit_cast(e, DataType::boolean());
  if (e->type.id() != TypeId::kBoolean)
    throw Error::invalid_input("expected a boolean expression (a condition), got " + e->type.to_string() + ": " +
                               std::string(text));
  return e;
}

AggregateBinding compile_aggregate(std::string_view text, const Schema& input,
                                   const std::vector<std::string>& group_keys, const BindOptions& options) {
  AggregateScope scope;
  scope.input = &input;
  std::vector<Field> fields;
  for (const std::string& k : group_keys) {
    auto idx = input.index_of(k);
    if (!idx) idx = input.find_case_insensitive(k);
    if (!idx) throw Error::invalid_input("unknown group key column '" + k + "'");
    scope.keys.push_back(input.field(*idx).name);
    scope.key_indexes.push_back(*idx);
    fields.push_back(input.field(*idx));
  }
  ParsedExprPtr parsed = parse(text);
  Binder binder(input, options, &scope);
  ExprPtr result = binder.bind(*parsed);
  for (size_t i = 0; i < scope.calls.size(); ++i)
    fields.emplace_back("_agg" + std::to_string(i), scope.calls[i].result_type, true);
  AggregateBinding out;
  out.calls = std::move(scope.calls);
  out.result_schema = std::make_shared<Schema>(std::move(fields));
  out.result = std::move(result);
  return out;
}

}  // namespace bullion::expr
