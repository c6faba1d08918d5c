#include "expr/operators.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>

#include "bullion/core/error.h"
#include "expr/text_conversions.h"

namespace bullion::expr {

namespace {

// --- arithmetic ---------------------------------------------------------------

template <class T>
T wrap_add(T a, T b) {
  if constexpr (std::is_integral_v<T>) {
    return static_cast<T>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
  } else {
    return a + b;
  }
}
template <class T>
T wrap_sub(T a, T b) {
  if constexpr (std::is_integral_v<T>) {
    return static_cast<T>(static_cast<uint64_t>(a) - static_cast<uint64_t>(b));
  } else {
    return a - b;
  }
}
template <class T>
T wrap_mul(T a, T b) {
  if constexpr (std::is_integral_v<T>) {
    return static_cast<T>(static_cast<uint64_t>(a) * static_cast<uint64_t>(b));
  } else {
    return a * b;
  }
}

// Applies a total binary op over constant/column operand combinations.
template <class T, class Op>
void binary_values(const Datum& a, const Datum& b, size_t n, T* o, Op op) {
  const T* x = a.data<T>();
  const T* y = b.data<T>();
  if (!a.constant && !b.constant) {
    for (size_t i = 0; i < n; ++i) o[i] = op(x[i], y[i]);
  } else if (a.constant && !b.constant) {
    const T xv = x[0];
    for (size_t i = 0; i < n; ++i) o[i] = op(xv, y[i]);
  } else if (!a.constant) {
    const T yv = y[0];
    for (size_t i = 0; i < n; ++i) o[i] = op(x[i], yv);
  } else {
    const T v = op(x[0], y[0]);
    for (size_t i = 0; i < n; ++i) o[i] = v;
  }
}

template <class T, class Op>
void total_arithmetic(const KernelArgs& in, Column& out, Op op) {
  const size_t n = in.num_rows;
  out.resize(n);
  binary_values<T>(in[0], in[1], n, out.mutable_data<T>(), op);
  propagate_nulls(in, out);
}

// Ops that can be NULL for valid inputs (division by zero): `op(x, y, out)`
// returns false for NULL. Rows whose inputs are NULL are not evaluated.
template <class T, class R, class Op>
void partial_arithmetic(const KernelArgs& in, Column& out, Op op) {
  const size_t n = in.num_rows;
  out.resize(n);
  propagate_nulls(in, out);
  R* o = out.mutable_data<R>();
  const T* x = in[0].data<T>();
  const T* y = in[1].data<T>();
  const Datum& a = in[0];
  const Datum& b = in[1];
  const uint8_t* v = out.validity();
  uint8_t* mv = nullptr;
  for (size_t i = 0; i < n; ++i) {
    if (v && !v[i]) {
      o[i] = R{};
      continue;
    }
    if (!op(x[a.index(i)], y[b.index(i)], o[i])) {
      if (!mv) mv = out.mutable_validity();
      mv[i] = 0;
      o[i] = R{};
      v = mv;
    }
  }
}

template <class T>
void add_kernel(const KernelArgs& in, Column& out) {
  total_arithmetic<T>(in, out, [](T a, T b) { return wrap_add(a, b); });
}
template <class T>
void subtract_kernel(const KernelArgs& in, Column& out) {
  total_arithmetic<T>(in, out, [](T a, T b) { return wrap_sub(a, b); });
}
template <class T>
void multiply_kernel(const KernelArgs& in, Column& out) {
  total_arithmetic<T>(in, out, [](T a, T b) { return wrap_mul(a, b); });
}
void divide_kernel(const KernelArgs& in, Column& out) {
  const Datum& a = in[0];
  const Datum& b = in[1];
  if (!a.has_nulls() && !b.has_nulls() && !a.constant && !b.constant) {
    // Branch-free; division by zero is marked afterwards.
    const size_t n = in.num_rows;
    out.resize(n);
    double* o = out.mutable_data<double>();
    const double* x = a.data<double>();
    const double* y = b.data<double>();
    bool zero = false;
    for (size_t i = 0; i < n; ++i) {
      zero |= y[i] == 0;
      o[i] = x[i] / (y[i] == 0 ? 1.0 : y[i]);
    }
    if (zero) {
      uint8_t* v = out.mutable_validity();
      for (size_t i = 0; i < n; ++i)
        if (y[i] == 0) {
          v[i] = 0;
          o[i] = 0;
        }
    }
    return;
  }
  partial_arithmetic<double, double>(in, out, [](double a, double b, double& o) {
    if (b == 0) return false;
    o = a / b;
    return true;
  });
}
template <class T>
void modulo_kernel(const KernelArgs& in, Column& out) {
  partial_arithmetic<T, T>(in, out, [](T a, T b, T& o) {
    if (b == 0) return false;
    if constexpr (std::is_integral_v<T>) {
      o = b == -1 ? T{0} : static_cast<T>(a % b);
    } else {
      o = std::fmod(a, b);
    }
    return true;
  });
}
void int_divide_kernel(const KernelArgs& in, Column& out) {
  partial_arithmetic<int64_t, int64_t>(in, out, [](int64_t a, int64_t b, int64_t& o) {
    if (b == 0) return false;
    o = b == -1 ? static_cast<int64_t>(0 - static_cast<uint64_t>(a)) : a / b;
    return true;
  });
}

// Decimal arithmetic: exact in int128 at a common scale, then rounded HALF_UP
// to the result scale; NULL when that does not fit the result precision.
template <ArithmeticOp kOp>
void decimal_kernel(const KernelArgs& in, Column& out) {
  const int s1 = in[0].type().scale(), s2 = in[1].type().scale();
  const int rp = out.type().precision(), rs = out.type().scale();
  const int common = std::max(s1, s2);
  partial_arithmetic<int128, int128>(in, out, [&](int128 a, int128 b, int128& o) {
    int128 exact;
    int exact_scale;
    if constexpr (kOp == ArithmeticOp::kMultiply) {
      if (__builtin_mul_overflow(a, b, &exact)) return false;
      exact_scale = s1 + s2;
    } else {
      int128 x, y;
      if (!rescale_decimal(a, s1, common, x) || !rescale_decimal(b, s2, common, y)) return false;
      exact_scale = common;
      if constexpr (kOp == ArithmeticOp::kAdd) {
        if (__builtin_add_overflow(x, y, &exact)) return false;
      } else if constexpr (kOp == ArithmeticOp::kSubtract) {
        if (__builtin_sub_overflow(x, y, &exact)) return false;
      } else {
        if (y == 0) return false;
        exact = x % y;
      }
    }
    int128 r;
    if (!rescale_decimal(exact, exact_scale, rs, r) || !fits_precision(r, rp)) return false;
    o = r;
    return true;
  });
}

template <class T>
void negate_typed(const KernelArgs& in, Column& out) {
  const size_t n = in.num_rows;
  out.resize(n);
  T* o = out.mutable_data<T>();
  const T* x = in[0].data<T>();
  for (size_t i = 0; i < n; ++i) {
    const T v = x[in[0].index(i)];
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, int128>)
      o[i] = static_cast<T>(0 - static_cast<uint64_t>(v));
    else
      o[i] = -v;
  }
  propagate_nulls(in, out);
}

// --- comparison -----------------------------------------------------------------

template <class T>
bool equal_physical(const T& a, const T& b) {
  if constexpr (std::is_floating_point_v<T>)
    return a == b || (a != a && b != b);
  else
    return a == b;
}

template <class T, ComparisonOp kOp>
bool compare_op(const T& a, const T& b) {
  if constexpr (kOp == ComparisonOp::kEq || kOp == ComparisonOp::kNullSafeEq)
    return equal_physical(a, b);
  else if constexpr (kOp == ComparisonOp::kNe)
    return !equal_physical(a, b);
  else if constexpr (std::is_floating_point_v<T>) {
    const int c = compare_floating(a, b);
    if constexpr (kOp == ComparisonOp::kLt)
      return c < 0;
    else if constexpr (kOp == ComparisonOp::kLe)
      return c <= 0;
    else if constexpr (kOp == ComparisonOp::kGt)
      return c > 0;
    else
      return c >= 0;
  } else {
    if constexpr (kOp == ComparisonOp::kLt)
      return a < b;
    else if constexpr (kOp == ComparisonOp::kLe)
      return a <= b;
    else if constexpr (kOp == ComparisonOp::kGt)
      return a > b;
    else
      return a >= b;
  }
}

template <class T, ComparisonOp kOp>
void compare_typed(const KernelArgs& in, Column& out) {
  const size_t n = in.num_rows;
  out.resize(n);
  uint8_t* o = out.mutable_data<uint8_t>();
  const Datum& a = in[0];
  const Datum& b = in[1];
  const T* x = a.data<T>();
  const T* y = b.data<T>();
  auto cmp = [](const T& l, const T& r) -> uint8_t { return compare_op<T, kOp>(l, r) ? 1 : 0; };
  if (!a.constant && !b.constant) {
    for (size_t i = 0; i < n; ++i) o[i] = cmp(x[i], y[i]);
  } else if (a.constant && !b.constant) {
    const T xv = x[0];
    for (size_t i = 0; i < n; ++i) o[i] = cmp(xv, y[i]);
  } else if (!a.constant) {
    const T yv = y[0];
    for (size_t i = 0; i < n; ++i) o[i] = cmp(x[i], yv);
  } else {
    std::memset(o, cmp(x[0], y[0]), n);
  }
  if constexpr (kOp == ComparisonOp::kNullSafeEq) {
    if (!a.has_nulls() && !b.has_nulls()) return;
    for (size_t i = 0; i < n; ++i) {
      const bool an = a.is_null(i), bn = b.is_null(i);
      if (an || bn) o[i] = an && bn ? 1 : 0;
    }
  } else {
    propagate_nulls(in, out);
  }
}

template <class T>
KernelFn compare_for(ComparisonOp op) {
  switch (op) {
    case ComparisonOp::kEq:
      return compare_typed<T, ComparisonOp::kEq>;
    case ComparisonOp::kNe:
      return compare_typed<T, ComparisonOp::kNe>;
    case ComparisonOp::kLt:
      return compare_typed<T, ComparisonOp::kLt>;
    case ComparisonOp::kLe:
      return compare_typed<T, ComparisonOp::kLe>;
    case ComparisonOp::kGt:
      return compare_typed<T, ComparisonOp::kGt>;
    case ComparisonOp::kGe:
      return compare_typed<T, ComparisonOp::kGe>;
    case ComparisonOp::kNullSafeEq:
      return compare_typed<T, ComparisonOp::kNullSafeEq>;
  }
  return nullptr;
}

// NULL-typed operands (NULL = NULL): always NULL, or for <=> always TRUE.
void compare_null_kernel(const KernelArgs& in, Column& out) {
  if (in.node.compare_op == ComparisonOp::kNullSafeEq) {
    out.resize(in.num_rows);
    std::memset(out.mutable_data<uint8_t>(), 1, in.num_rows);
  } else {
    set_all_null(out, in.num_rows);
  }
}

// --- IN ------------------------------------------------------------------------

template <class T>
struct InSet {
  std::vector<T> sorted;           // non-NULL items, sorted by compare_physical
  std::vector<std::string> owned;  // string items' bytes
  bool has_null = false;

  bool contains(const T& v) const {
    if (sorted.size() <= 8) {
      for (const T& s : sorted)
        if (equal_physical(s, v)) return true;
      return false;
    }
    auto it = std::lower_bound(sorted.begin(), sorted.end(), v,
                               [](const T& a, const T& b) { return compare_physical(a, b) < 0; });
    return it != sorted.end() && compare_physical(*it, v) == 0;
  }
};

struct InSetHolder {
  TypeId physical;
  std::shared_ptr<const void> set;
};

template <class T>
void in_typed(const KernelArgs& in, Column& out, const InSet<T>& set) {
  const size_t n = in.num_rows;
  out.resize(n);
  uint8_t* o = out.mutable_data<uint8_t>();
  const Datum& a = in[0];
  const T* x = a.data<T>();
  for (size_t i = 0; i < n; ++i) o[i] = set.contains(x[a.index(i)]) ? 1 : 0;
  propagate_nulls(in.args, 1, n, out);  // only the value: the items are the set
  if (set.has_null) {
    // Not found with a NULL in the list: unknown.
    uint8_t* v = out.mutable_validity();
    for (size_t i = 0; i < n; ++i)
      if (!o[i]) v[i] = 0;
  }
}

// --- LIKE ----------------------------------------------------------------------

size_t utf8_char_len(unsigned char lead) {
  if (lead < 0xC0) return 1;
  if (lead < 0xE0) return 2;
  if (lead < 0xF0) return 3;
  return 4;
}

}  // namespace

class LikePattern {
 public:
  enum class Kind { kExact, kPrefix, kSuffix, kContains, kAny, kGeneral };
  struct Token {
    enum Type { kLiteral, kOne, kAnyRun } type;
    std::string text;
  };
  Kind kind = Kind::kGeneral;
  std::string literal;  // for the fast kinds
  std::vector<Token> tokens;
  std::string source;

  bool match(std::string_view s) const {
    switch (kind) {
      case Kind::kExact:
        return s == literal;
      case Kind::kPrefix:
        return s.size() >= literal.size() && s.compare(0, literal.size(), literal) == 0;
      case Kind::kSuffix:
        return s.size() >= literal.size() && s.compare(s.size() - literal.size(), literal.size(), literal) == 0;
      case Kind::kContains:
        return s.find(literal) != std::string_view::npos;
      case Kind::kAny:
        return true;
      case Kind::kGeneral:
        return match_general(s);
    }
    return false;
  }

 private:
  // Glob matching with backtracking to the last '%'; '_' consumes one UTF-8
  // character; after a '%' the text advances by whole characters.
  bool match_general(std::string_view s) const {
    size_t ti = 0, si = 0;
    size_t star_t = std::string::npos, star_s = 0;
    while (true) {
      if (ti < tokens.size()) {
        const Token& t = tokens[ti];
        if (t.type == Token::kAnyRun) {
          star_t = ti++;
          star_s = si;
          continue;
        }
        if (t.type == Token::kOne) {
          if (si < s.size()) {
            si = std::min(s.size(), si + utf8_char_len(static_cast<unsigned char>(s[si])));
            ++ti;
            continue;
          }
        } else if (s.size() - si >= t.text.size() && s.compare(si, t.text.size(), t.text) == 0) {
          si += t.text.size();
          ++ti;
          continue;
        }
      } else if (si == s.size()) {
        return true;
      }
      if (star_t == std::string::npos || star_s >= s.size()) return false;
      star_s = std::min(s.size(), star_s + utf8_char_len(static_cast<unsigned char>(s[star_s])));
      si = star_s;
      ti = star_t + 1;
    }
  }
};

std::shared_ptr<const LikePattern> compile_like(std::string_view pattern, char escape) {
  auto p = std::make_shared<LikePattern>();
  p->source = std::string(pattern);
  using Token = LikePattern::Token;
  auto fail = [&](const std::string& why) -> void {
    throw Error::invalid_input("invalid LIKE pattern '" + std::string(pattern) + "': " + why);
  };
  for (size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == escape) {
      if (i + 1 >= pattern.size()) fail("it may not end with the escape character '" + std::string(1, escape) + "'");
      const char e = pattern[++i];
      if (e != '_' && e != '%' && e != escape)
        fail("the escape character '" + std::string(1, escape) + "' may only precede '_', '%' or itself, not '" +
             std::string(1, e) + "'");
      if (p->tokens.empty() || p->tokens.back().type != Token::kLiteral) p->tokens.push_back({Token::kLiteral, ""});
      p->tokens.back().text.push_back(e);
    } else if (c == '_') {
      p->tokens.push_back({Token::kOne, ""});
    } else if (c == '%') {
      if (p->tokens.empty() || p->tokens.back().type != Token::kAnyRun) p->tokens.push_back({Token::kAnyRun, ""});
    } else {
      if (p->tokens.empty() || p->tokens.back().type != Token::kLiteral) p->tokens.push_back({Token::kLiteral, ""});
      p->tokens.back().text.push_back(c);
    }
  }
  const auto& t = p->tokens;
  using K = LikePattern::Kind;
  auto lit = [&](size_t i) { return t[i].type == Token::kLiteral; };
  auto any = [&](size_t i) { return t[i].type == Token::kAnyRun; };
  if (t.empty()) {
    p->kind = K::kExact;
  } else if (t.size() == 1 && lit(0)) {
    p->kind = K::kExact;
    p->literal = t[0].text;
  } else if (t.size() == 1 && any(0)) {
    p->kind = K::kAny;
  } else if (t.size() == 2 && lit(0) && any(1)) {
    p->kind = K::kPrefix;
    p->literal = t[0].text;
  } else if (t.size() == 2 && any(0) && lit(1)) {
    p->kind = K::kSuffix;
    p->literal = t[1].text;
  } else if (t.size() == 3 && any(0) && lit(1) && any(2)) {
    p->kind = K::kContains;
    p->literal = t[1].text;
  }
  return p;
}

bool like_match(const LikePattern& pattern, std::string_view text) { return pattern.match(text); }

void like_kernel(const KernelArgs& in, Column& out) {
  const size_t n = in.num_rows;
  out.resize(n);
  uint8_t* o = out.mutable_data<uint8_t>();
  const Datum& s = in[0];
  const Datum& p = in[1];
  const auto* fixed = static_cast<const LikePattern*>(in.node.kernel->state.get());
  propagate_nulls(in, out);
  const uint8_t* v = out.validity();
  if (fixed) {
    for (size_t i = 0; i < n; ++i) o[i] = (!v || v[i]) && fixed->match(s.string(i)) ? 1 : 0;
    return;
  }
  std::shared_ptr<const LikePattern> cached;
  for (size_t i = 0; i < n; ++i) {
    if (v && !v[i]) {
      o[i] = 0;
      continue;
    }
    const std::string_view pat = p.string(i);
    if (!cached || cached->source != pat) cached = compile_like(pat, in.node.escape);
    o[i] = cached->match(s.string(i)) ? 1 : 0;
  }
}

// --- logic -----------------------------------------------------------------------

void and_kernel(const KernelArgs& in, Column& out) {
  const size_t n = in.num_rows;
  out.resize(n);
  uint8_t* o = out.mutable_data<uint8_t>();
  const Datum& a = in[0];
  const Datum& b = in[1];
  const uint8_t* x = a.data<uint8_t>();
  const uint8_t* y = b.data<uint8_t>();
  if (!a.has_nulls() && !b.has_nulls()) {
    for (size_t i = 0; i < n; ++i) o[i] = x[a.index(i)] & y[b.index(i)];
    return;
  }
  uint8_t* v = out.mutable_validity();
  for (size_t i = 0; i < n; ++i) {
    const bool an = a.is_null(i), bn = b.is_null(i);
    const bool af = !an && !x[a.index(i)], bf = !bn && !y[b.index(i)];
    if (af || bf) {
      o[i] = 0;
      v[i] = 1;
    } else if (an || bn) {
      o[i] = 0;
      v[i] = 0;
    } else {
      o[i] = 1;
      v[i] = 1;
    }
  }
  out.compact_validity();
}

void or_kernel(const KernelArgs& in, Column& out) {
  const size_t n = in.num_rows;
  out.resize(n);
  uint8_t* o = out.mutable_data<uint8_t>();
  const Datum& a = in[0];
  const Datum& b = in[1];
  const uint8_t* x = a.data<uint8_t>();
  const uint8_t* y = b.data<uint8_t>();
  if (!a.has_nulls() && !b.has_nulls()) {
    for (size_t i = 0; i < n; ++i) o[i] = x[a.index(i)] | y[b.index(i)];
    return;
  }
  uint8_t* v = out.mutable_validity();
  for (size_t i = 0; i < n; ++i) {
    const bool an = a.is_null(i), bn = b.is_null(i);
    const bool at = !an && x[a.index(i)], bt = !bn && y[b.index(i)];
    if (at || bt) {
      o[i] = 1;
      v[i] = 1;
    } else if (an || bn) {
      o[i] = 0;
      v[i] = 0;
    } else {
      o[i] = 0;
      v[i] = 1;
    }
  }
  out.compact_validity();
}

void not_kernel(const KernelArgs& in, Column& out) {
  const size_t n = in.num_rows;
  out.resize(n);
  uint8_t* o = out.mutable_data<uint8_t>();
  const Datum& a = in[0];
  const uint8_t* x = a.data<uint8_t>();
  for (size_t i = 0; i < n; ++i) o[i] = x[a.index(i)] ? 0 : 1;
  propagate_nulls(in, out);
}

void is_null_kernel(const KernelArgs& in, Column& out) {
  const size_t n = in.num_rows;
  out.resize(n);
  uint8_t* o = out.mutable_data<uint8_t>();
  const Datum& a = in[0];
  if (!a.has_nulls()) {
    std::memset(o, 0, n);
    return;
  }
  for (size_t i = 0; i < n; ++i) o[i] = a.is_null(i) ? 1 : 0;
}

void is_not_null_kernel(const KernelArgs& in, Column& out) {
  const size_t n = in.num_rows;
  out.resize(n);
  uint8_t* o = out.mutable_data<uint8_t>();
  const Datum& a = in[0];
  if (!a.has_nulls()) {
    std::memset(o, 1, n);
    return;
  }
  for (size_t i = 0; i < n; ++i) o[i] = a.is_null(i) ? 0 : 1;
}

// --- IN --------------------------------------------------------------------------

std::shared_ptr<const void> make_in_set(const DataType& type, const std::vector<Value>& items) {
  auto holder = std::make_shared<InSetHolder>();
  holder->physical = type.id();
  if (type.id() == TypeId::kNull) return holder;
  visit_physical(type.id(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    auto set = std::make_shared<InSet<T>>();
    set->owned.reserve(items.size());
    for (const Value& v : items) {
      if (v.is_null()) {
        set->has_null = true;
        continue;
      }
      if constexpr (std::is_same_v<T, std::string_view>) {
        set->owned.push_back(v.as_string());
      } else if constexpr (std::is_floating_point_v<T>) {
        set->sorted.push_back(static_cast<T>(v.as_double()));
      } else if constexpr (std::is_same_v<T, int128>) {
        set->sorted.push_back(v.as_int128());
      } else if constexpr (std::is_same_v<T, uint8_t>) {
        set->sorted.push_back(v.as_bool() ? 1 : 0);
      } else {
        set->sorted.push_back(static_cast<T>(v.as_int()));
      }
    }
    if constexpr (std::is_same_v<T, std::string_view>) {
      for (const std::string& s : set->owned) set->sorted.push_back(s);
    }
    std::sort(set->sorted.begin(), set->sorted.end(),
              [](const T& a, const T& b) { return compare_physical(a, b) < 0; });
    holder->set = set;
  });
  return holder;
}

void in_kernel(const KernelArgs& in, Column& out) {
  const auto& holder = in.node.kernel->state_as<InSetHolder>();
  if (holder.physical == TypeId::kNull) {
    set_all_null(out, in.num_rows);
    return;
  }
  visit_physical(holder.physical, [&](auto tag) {
    using T = typename decltype(tag)::type;
    in_typed<T>(in, out, *static_cast<const InSet<T>*>(holder.set.get()));
  });
}

// --- CASE ------------------------------------------------------------------------

void copy_row(const Datum& d, size_t from_row, Column& out, size_t to_row) {
  const size_t r = d.index(from_row);
  if (d.column->is_null(r)) {
    out.set_null(to_row);
    return;
  }
  out.set_valid(to_row);
  visit_physical(out.type().id(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    out.mutable_data<T>()[to_row] = d.column->data<T>()[r];
  });
}

namespace {

// m ? a : b without a branch (m is 0 or 1): a bitwise blend, word by word,
// which compilers vectorize (a ternary becomes an unpredictable branch).
template <class T>
inline T blend(T a, T b, uint8_t m) {
  constexpr size_t kWord = sizeof(T) >= 8 ? 8 : sizeof(T);
  using U =
      std::conditional_t<kWord == 8, uint64_t,
                         std::conditional_t<kWord == 4, uint32_t, std::conditional_t<kWord == 2, uint16_t, uint8_t>>>;
  constexpr size_t kWords = sizeof(T) / kWord;
  U wa[kWords], wb[kWords];
  std::memcpy(wa, &a, sizeof(T));
  std::memcpy(wb, &b, sizeof(T));
  const U mask = static_cast<U>(U{0} - U{m});
  for (size_t k = 0; k < kWords; ++k) wa[k] = static_cast<U>((wa[k] & mask) | (wb[k] & ~mask));
  T out;
  std::memcpy(&out, wa, sizeof(T));
  return out;
}

// Rows where `cond` (BOOLEAN, NULL = false) holds and `done` is not yet set
// take their value from `v`. Pointers are locals (not lambda captures) so
// that the byte stores cannot alias them.
template <class T, bool kCondConstant, bool kCondValidity, bool kValueConstant>
void case_take(size_t n, const uint8_t* __restrict c, const uint8_t* __restrict cv, const T* __restrict x,
               const uint8_t* __restrict xv, T* __restrict o, uint8_t* __restrict valid, uint8_t* __restrict done) {
  const uint8_t x_ok0 = xv ? xv[0] : 1;
  const T x0 = x ? x[0] : T{};
  for (size_t i = 0; i < n; ++i) {
    uint8_t m = static_cast<uint8_t>(done[i] ^ 1);
    if constexpr (!kCondConstant) {
      m &= static_cast<uint8_t>(c[i] != 0);
      if constexpr (kCondValidity) m &= cv[i];
    }
    const T value = kValueConstant ? x0 : x[i];
    const uint8_t ok = kValueConstant ? x_ok0 : (xv ? xv[i] : uint8_t{1});
    o[i] = blend(value, o[i], m);
    valid[i] = static_cast<uint8_t>((ok & m) | (valid[i] & (m ^ 1)));
    done[i] |= m;
  }
}

template <class T>
void case_typed(const KernelArgs& in, Column& out, uint8_t* valid, uint8_t* done) {
  const size_t n = in.num_rows;
  const size_t pairs = in.num_args / 2;
  const bool has_else = in.num_args % 2 == 1;
  const bool strings = out.type().is_string_like();
  T* o = out.mutable_data<T>();
  for (size_t i = 0; i < n; ++i) o[i] = T{};
  auto take = [&](const Datum* cond, const Datum& v) {
    const T* x = v.data<T>();
    const uint8_t* xv = v.column->validity();
    const bool vc = v.constant;
    if (!cond) {
      vc ? case_take<T, true, false, true>(n, nullptr, nullptr, x, xv, o, valid, done)
         : case_take<T, true, false, false>(n, nullptr, nullptr, x, xv, o, valid, done);
    } else {
      const uint8_t* c = cond->data<uint8_t>();
      const uint8_t* cv = cond->column->validity();
      if (cv) {
        vc ? case_take<T, false, true, true>(n, c, cv, x, xv, o, valid, done)
           : case_take<T, false, true, false>(n, c, cv, x, xv, o, valid, done);
      } else {
        vc ? case_take<T, false, false, true>(n, c, nullptr, x, xv, o, valid, done)
           : case_take<T, false, false, false>(n, c, nullptr, x, xv, o, valid, done);
      }
    }
    if (strings) out.share_owners_of(*v.column);
  };
  for (size_t p = 0; p < pairs; ++p) {
    const Datum& cond = in[2 * p];
    if (cond.constant) {
      // A constant condition: all rows or none.
      if (!cond.column->is_null(0) && cond.data<uint8_t>()[0]) take(nullptr, in[2 * p + 1]);
    } else {
      take(&cond, in[2 * p + 1]);
    }
  }
  if (has_else) take(nullptr, in[in.num_args - 1]);
}

}  // namespace

void case_kernel(const KernelArgs& in, Column& out) {
  const size_t n = in.num_rows;
  out.resize(n);
  if (out.type().id() == TypeId::kNull) return;
  uint8_t* valid = out.mutable_validity();
  std::memset(valid, 0, n);
  thread_local std::vector<uint8_t> decided;
  decided.assign(n, 0);
  visit_physical(out.type().id(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    case_typed<T>(in, out, valid, decided.data());
  });
  out.compact_validity();
}

// --- kernel selection --------------------------------------------------------------

KernelFn arithmetic_kernel(ArithmeticOp op, const DataType& operand) {
  if (op == ArithmeticOp::kDivide) return divide_kernel;
  if (op == ArithmeticOp::kIntDivide) return int_divide_kernel;
  if (operand.id() == TypeId::kDecimal) {
    switch (op) {
      case ArithmeticOp::kAdd:
        return decimal_kernel<ArithmeticOp::kAdd>;
      case ArithmeticOp::kSubtract:
        return decimal_kernel<ArithmeticOp::kSubtract>;
      case ArithmeticOp::kMultiply:
        return decimal_kernel<ArithmeticOp::kMultiply>;
      case ArithmeticOp::kModulo:
        return decimal_kernel<ArithmeticOp::kModulo>;
      default:
        return nullptr;
    }
  }
  auto pick = [&](auto tag) -> KernelFn {
    using T = typename decltype(tag)::type;
    switch (op) {
      case ArithmeticOp::kAdd:
        return add_kernel<T>;
      case ArithmeticOp::kSubtract:
        return subtract_kernel<T>;
      case ArithmeticOp::kMultiply:
        return multiply_kernel<T>;
      case ArithmeticOp::kModulo:
        return modulo_kernel<T>;
      default:
        return nullptr;
    }
  };
  switch (operand.id()) {
    case TypeId::kInt8:
      return pick(Tag<int8_t>{});
    case TypeId::kInt16:
      return pick(Tag<int16_t>{});
    case TypeId::kInt32:
      return pick(Tag<int32_t>{});
    case TypeId::kInt64:
      return pick(Tag<int64_t>{});
    case TypeId::kFloat:
      return pick(Tag<float>{});
    case TypeId::kDouble:
      return pick(Tag<double>{});
    default:
      return nullptr;
  }
}

KernelFn negate_kernel(const DataType& type) {
  switch (type.id()) {
    case TypeId::kInt8:
      return negate_typed<int8_t>;
    case TypeId::kInt16:
      return negate_typed<int16_t>;
    case TypeId::kInt32:
      return negate_typed<int32_t>;
    case TypeId::kInt64:
      return negate_typed<int64_t>;
    case TypeId::kFloat:
      return negate_typed<float>;
    case TypeId::kDouble:
      return negate_typed<double>;
    case TypeId::kDecimal:
      return negate_typed<int128>;
    default:
      return nullptr;
  }
}

KernelFn compare_kernel(ComparisonOp op, const DataType& operand) {
  if (operand.id() == TypeId::kNull) return compare_null_kernel;
  if (operand.is_nested()) return nullptr;
  return visit_physical(operand.id(), [&](auto tag) -> KernelFn {
    using T = typename decltype(tag)::type;
    return compare_for<T>(op);
  });
}

}  // namespace bullion::expr
