#include "bullion/columnar/predicate.h"

#include <cmath>
#include <string_view>

namespace bullion {

std::string_view compare_op_name(CompareOp op) {
  switch (op) {
    case CompareOp::kEq:
      return "=";
    case CompareOp::kNe:
      return "<>";
    case CompareOp::kLt:
      return "<";
    case CompareOp::kLe:
      return "<=";
    case CompareOp::kGt:
      return ">";
    case CompareOp::kGe:
      return ">=";
    case CompareOp::kIsNull:
      return "IS NULL";
    case CompareOp::kIsNotNull:
      return "IS NOT NULL";
    case CompareOp::kIn:
      return "IN";
  }
  return "?";
}

std::string ColumnPredicate::to_string() const {
  std::string s = column + " " + std::string(compare_op_name(op));
  if (op == CompareOp::kIn) {
    s += " (";
    for (size_t i = 0; i < values.size(); ++i) s += (i ? ", " : "") + values[i].to_string();
    return s + ")";
  }
  if (!values.empty()) s += " " + values[0].to_string();
  return s;
}

int compare_values(const Value& a, const Value& b) {
  const TypeId t = a.type().id();
  if (a.type().is_floating()) {
    const double x = a.as_double(), y = b.as_double();
    const bool xn = std::isnan(x), yn = std::isnan(y);
    if (xn || yn) return xn == yn ? 0 : (xn ? 1 : -1);
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  if (t == TypeId::kString || t == TypeId::kBinary) {
    const std::string& x = a.as_string();
    const std::string& y = b.as_string();
    const int c = std::string_view(x).compare(y);  // char_traits<char>::compare is unsigned-byte memcmp
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  const int128 x = a.as_int128(), y = b.as_int128();
  return x < y ? -1 : (x > y ? 1 : 0);
}

namespace {

bool comparable(const Value& literal, const std::optional<Value>& bound) {
  return bound && !bound->is_null() && !literal.is_null() && bound->type().id() == literal.type().id() &&
         !literal.type().is_nested() && (!literal.type().is_floating() || !std::isnan(literal.as_double()));
}

bool all_null(const ColumnStats& s) { return s.null_count && s.num_values && *s.null_count == *s.num_values; }

bool may_equal(const Value& v, const ColumnStats& s) {
  if (all_null(s)) return false;
  if (comparable(v, s.min) && compare_values(v, *s.min) < 0) return false;
  if (comparable(v, s.max) && compare_values(v, *s.max) > 0) return false;
  return true;
}

}  // namespace

bool may_match(const ColumnPredicate& p, const ColumnStats& s) {
  switch (p.op) {
    case CompareOp::kIsNull:
      return !(s.null_count && *s.null_count == 0);
    case CompareOp::kIsNotNull:
      return !all_null(s);
    case CompareOp::kIn:
      for (const Value& v : p.values)
        if (!v.is_null() && may_equal(v, s)) return true;
      return false;
    default:
      break;
  }
  if (p.values.empty()) return true;
  const Value& v = p.values[0];
  if (v.is_null()) return false;  // comparison with NULL is never TRUE
  if (all_null(s)) return false;
  switch (p.op) {
    case CompareOp::kEq:
      return may_equal(v, s);
    case CompareOp::kNe:
      // Skippable when every non-NULL value equals v (NULL rows never satisfy <> either).
      return !(comparable(v, s.min) && comparable(v, s.max) && compare_values(*s.min, v) == 0 &&
               compare_values(*s.max, v) == 0);
    case CompareOp::kLt:
      return !(comparable(v, s.min) && compare_values(*s.min, v) >= 0);
    case CompareOp::kLe:
      return !(comparable(v, s.min) && compare_values(*s.min, v) > 0);
    case CompareOp::kGt:
      return !(comparable(v, s.max) && compare_values(*s.max, v) <= 0);
    case CompareOp::kGe:
      return !(comparable(v, s.max) && compare_values(*s.max, v) < 0);
    default:
      return true;
  }
}

}  // namespace bullion
