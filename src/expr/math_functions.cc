// abs, round (HALF_UP, on the shortest decimal text of a double, as Spark's
// BigDecimal(double) does), floor, ceil.
#include <cmath>
#include <limits>

#include "expr/coercion.h"
#include "expr/function_registry.h"
#include "expr/text_conversions.h"

namespace bullion::expr {

namespace {

template <class T>
void abs_kernel(const KernelArgs& in, Column& out) {
  const size_t n = in.num_rows;
  const Datum& a = in[0];
  out.resize(n);
  T* o = out.mutable_data<T>();
  const T* x = a.data<T>();
  for (size_t i = 0; i < n; ++i) {
    const T v = x[a.index(i)];
    if constexpr (std::is_floating_point_v<T>) {
      o[i] = std::fabs(v);
    } else if constexpr (std::is_same_v<T, int128>) {
      o[i] = v < 0 ? -v : v;
    } else {
      // Java's Math.abs: the minimum value stays negative (wraps).
      o[i] = v < 0 ? static_cast<T>(0 - static_cast<uint64_t>(v)) : v;
    }
  }
  propagate_nulls(in, out);
}

// BigDecimal(d).setScale(scale, HALF_UP).toDouble with Scala's BigDecimal(d)
// (= the shortest decimal text of d).
double round_double_half_up(double d, int scale) {
  if (std::isnan(d) || std::isinf(d)) return d;
  if (d == 0) return 0.0;  // BigDecimal has no negative zero
  std::string digits;
  int exponent;  // d = digits * 10^exponent
  shortest_digits(d, digits, exponent);
  if (-exponent <= scale) return d;  // no digits beyond the requested scale
  const int64_t drop = static_cast<int64_t>(-exponent) - scale;
  std::string kept;
  bool round_up;
  if (drop > static_cast<int64_t>(digits.size())) {
    kept = "0";
    round_up = false;
  } else {
    const size_t keep = digits.size() - static_cast<size_t>(drop);
    kept = keep == 0 ? "0" : digits.substr(0, keep);
    round_up = digits[keep] >= '5';
  }
  // Increment the kept decimal digits.
  if (round_up) {
    int k = static_cast<int>(kept.size()) - 1;
    while (k >= 0 && kept[static_cast<size_t>(k)] == '9') kept[static_cast<size_t>(k--)] = '0';
    if (k < 0)
      kept.insert(kept.begin(), '1');
    else
      ++kept[static_cast<size_t>(k)];
  }
  if (kept.find_first_not_of('0') == std::string::npos) return 0.0;
  const std::string text = (d < 0 ? "-" : "") + kept + "e" + std::to_string(-scale);
  return std::strtod(text.c_str(), nullptr);
}

struct RoundState {
  int scale;
};

template <class T>
void round_kernel(const KernelArgs& in, Column& out) {
  const int scale = in.node.kernel->state_as<RoundState>().scale;
  const size_t n = in.num_rows;
  const Datum& a = in[0];
  out.resize(n);
  T* o = out.mutable_data<T>();
  const T* x = a.data<T>();
  for (size_t i = 0; i < n; ++i) {
    const T v = x[a.index(i)];
    if constexpr (std::is_same_v<T, double>) {
      o[i] = round_double_half_up(v, scale);
    } else if constexpr (std::is_same_v<T, float>) {
      o[i] = static_cast<float>(round_double_half_up(static_cast<double>(v), scale));
    } else {
      if (scale >= 0) {
        o[i] = v;
      } else if (-scale > 38) {
        o[i] = 0;
      } else {
        int128 r;
        rescale_decimal(static_cast<int128>(v), 0, scale < -38 ? -38 : scale, r);
        // r is at scale `scale` (negative): multiply back.
        const int128 back = r * pow10_i128(-scale);
        o[i] = static_cast<T>(static_cast<int64_t>(static_cast<uint64_t>(static_cast<unsigned __int128>(back))));
      }
    }
  }
  propagate_nulls(in, out);
}

void round_decimal_kernel(const KernelArgs& in, Column& out) {
  const int scale = in.node.kernel->state_as<RoundState>().scale;
  const int from_scale = in[0].type().scale();
  const int rp = out.type().precision(), rs = out.type().scale();
  const size_t n = in.num_rows;
  const Datum& a = in[0];
  out.resize(n);
  propagate_nulls(in, out);
  int128* o = out.mutable_data<int128>();
  const int128* x = a.data<int128>();
  const uint8_t* v = out.validity();
  for (size_t i = 0; i < n; ++i) {
    if (v && !v[i]) {
      o[i] = 0;
      continue;
    }
    int128 r;
    bool ok;
    if (scale >= 0) {
      ok = rescale_decimal(x[a.index(i)], from_scale, std::min(scale, from_scale), r) &&
           rescale_decimal(r, std::min(scale, from_scale), rs, r);
    } else if (-scale <= 38) {
      // Round once at 10^-scale, then express at scale 0.
      int128 q;
      rescale_decimal(x[a.index(i)], from_scale, scale, q);
      ok = !__builtin_mul_overflow(q, pow10_i128(-scale), &r);
    } else {
      r = 0;
      ok = true;
    }
    if (ok && fits_precision(r, rp)) {
      o[i] = r;
    } else {
      out.set_null(i);
      v = out.validity();
      o[i] = 0;
    }
  }
}

int64_t saturate(double d) {
  if (std::isnan(d)) return 0;
  if (d >= 9223372036854775807.0) return std::numeric_limits<int64_t>::max();
  if (d <= -9223372036854775808.0) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(d);
}

template <bool kCeil>
void floor_ceil_double(const KernelArgs& in, Column& out) {
  const size_t n = in.num_rows;
  const Datum& a = in[0];
  out.resize(n);
  int64_t* o = out.mutable_data<int64_t>();
  const double* x = a.data<double>();
  for (size_t i = 0; i < n; ++i) o[i] = saturate(kCeil ? std::ceil(x[a.index(i)]) : std::floor(x[a.index(i)]));
  propagate_nulls(in, out);
}

void identity_int64(const KernelArgs& in, Column& out) { materialize(in[0], in.num_rows, out); }

template <bool kCeil>
void floor_ceil_decimal(const KernelArgs& in, Column& out) {
  const int s = in[0].type().scale();
  const size_t n = in.num_rows;
  const Datum& a = in[0];
  out.resize(n);
  int128* o = out.mutable_data<int128>();
  const int128* x = a.data<int128>();
  const int128 p = pow10_i128(s);
  for (size_t i = 0; i < n; ++i) {
    const int128 v = x[a.index(i)];
    int128 q = v / p;
    const int128 r = v % p;
    if (kCeil && r > 0) ++q;
    if (!kCeil && r < 0) --q;
    o[i] = q;
  }
  propagate_nulls(in, out);
}

// --- resolvers ---------------------------------------------------------------------

// A numeric argument: STRING and NULL become DOUBLE.
bool coerce_numeric(ResolveContext& ctx, size_t i) {
  const DataType& t = ctx.type(i);
  if (t.is_numeric()) return true;
  if (t.id() == TypeId::kString || t.id() == TypeId::kNull) {
    ctx.cast(i, DataType::float64());
    return true;
  }
  return false;
}

void resolve_abs(ResolveContext& ctx) {
  if (!coerce_numeric(ctx, 0)) ctx.type_error();
  const DataType t = ctx.type(0);
  KernelFn fn = nullptr;
  switch (t.id()) {
    case TypeId::kInt8:
      fn = abs_kernel<int8_t>;
      break;
    case TypeId::kInt16:
      fn = abs_kernel<int16_t>;
      break;
    case TypeId::kInt32:
      fn = abs_kernel<int32_t>;
      break;
    case TypeId::kInt64:
      fn = abs_kernel<int64_t>;
      break;
    case TypeId::kFloat:
      fn = abs_kernel<float>;
      break;
    case TypeId::kDouble:
      fn = abs_kernel<double>;
      break;
    case TypeId::kDecimal:
      fn = abs_kernel<int128>;
      break;
    default:
      ctx.type_error();
  }
  ctx.set_result(t, fn);
}

void resolve_round(ResolveContext& ctx) {
  if (!coerce_numeric(ctx, 0)) ctx.type_error();
  int scale = 0;
  if (ctx.size() == 2) {
    if (!ctx.is_literal(1) || !ctx.type(1).is_integer() || ctx.literal(1).is_null())
      ctx.fail("the scale of round must be a constant integer, e.g. round(x, 2)");
    const int64_t s = ctx.literal(1).as_int();
    if (s < -1000 || s > 1000) ctx.fail("the scale of round is out of range: " + std::to_string(s));
    scale = static_cast<int>(s);
  }
  auto state = std::make_shared<RoundState>(RoundState{scale});
  const DataType t = ctx.type(0);
  switch (t.id()) {
    case TypeId::kInt8:
      return ctx.set_result(t, round_kernel<int8_t>, state);
    case TypeId::kInt16:
      return ctx.set_result(t, round_kernel<int16_t>, state);
    case TypeId::kInt32:
      return ctx.set_result(t, round_kernel<int32_t>, state);
    case TypeId::kInt64:
      return ctx.set_result(t, round_kernel<int64_t>, state);
    case TypeId::kFloat:
      return ctx.set_result(t, round_kernel<float>, state);
    case TypeId::kDouble:
      return ctx.set_result(t, round_kernel<double>, state);
    case TypeId::kDecimal: {
      const int p = t.precision(), s = t.scale();
      const int integral = p - s + 1;
      DataType r = scale < 0 ? DataType::decimal(std::min(std::max(integral, -scale + 1), 38), 0)
                             : DataType::decimal(std::min(integral + std::min(s, scale), 38), std::min(s, scale));
      return ctx.set_result(r, round_decimal_kernel, state);
    }
    default:
      ctx.type_error();
  }
}

template <bool kCeil>
void resolve_floor_ceil(ResolveContext& ctx) {
  if (!coerce_numeric(ctx, 0)) ctx.type_error();
  const DataType t = ctx.type(0);
  if (t.id() == TypeId::kDecimal) {
    return ctx.set_result(bounded_decimal(t.precision() - t.scale() + 1, 0), floor_ceil_decimal<kCeil>);
  }
  if (t.is_integer()) {
    ctx.cast(0, DataType::int64());
    return ctx.set_result(DataType::int64(), identity_int64);
  }
  ctx.cast(0, DataType::float64());
  ctx.set_result(DataType::int64(), floor_ceil_double<kCeil>);
}

}  // namespace

void register_math_functions(std::vector<ScalarFunction>& out) {
  out.push_back({"abs", 1, 1, "abs(NUMERIC) → the same type", "absolute value (the minimum integer stays negative)",
                 resolve_abs});
  out.push_back({"round", 1, 2, "round(NUMERIC[, scale INT]) → the same type",
                 "rounds half away from zero (HALF_UP) to scale decimal places", resolve_round});
  out.push_back({"floor", 1, 1, "floor(NUMERIC) → BIGINT (DECIMAL for decimals)", "largest integer not above",
                 resolve_floor_ceil<false>});
  out.push_back({"ceil", 1, 1, "ceil(NUMERIC) → BIGINT (DECIMAL for decimals)", "smallest integer not below",
                 resolve_floor_ceil<true>});
  out.push_back({"ceiling", 1, 1, "ceiling(NUMERIC) → BIGINT (DECIMAL for decimals)", "smallest integer not below",
                 resolve_floor_ceil<true>});
}

}  // namespace bullion::expr
