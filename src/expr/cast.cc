// CAST with Spark's ANSI-off semantics (Cast.scala), column at a time.
#include "bullion/expr/cast.h"

#include <cmath>
#include <limits>

#include "bullion/core/error.h"
#include "bullion/core/time.h"
#include "expr/cast_kernel.h"
#include "expr/kernel.h"
#include "expr/text_conversions.h"

namespace bullion::expr {

namespace {

bool is_integral(TypeId id) {
  return id == TypeId::kInt8 || id == TypeId::kInt16 || id == TypeId::kInt32 || id == TypeId::kInt64;
}
bool is_number(TypeId id) {
  return is_integral(id) || id == TypeId::kFloat || id == TypeId::kDouble || id == TypeId::kDecimal;
}
bool is_atomic(TypeId id) { return id != TypeId::kStruct && id != TypeId::kList && id != TypeId::kMap; }

// Java's saturating double → long / int conversions (NaN → 0).
int64_t saturate_to_int64(double d) {
  if (std::isnan(d)) return 0;
  if (d >= 9223372036854775807.0) return std::numeric_limits<int64_t>::max();
  if (d <= -9223372036854775808.0) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(d);
}
int32_t saturate_to_int32(double d) {
  if (std::isnan(d)) return 0;
  if (d >= 2147483647.0) return std::numeric_limits<int32_t>::max();
  if (d <= -2147483648.0) return std::numeric_limits<int32_t>::min();
  return static_cast<int32_t>(d);
}

int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

// Java BigDecimal.toString(): plain unless the adjusted exponent is below -6.
std::string java_decimal_to_string(int128 unscaled, int scale) {
  std::string coeff = decimal_to_string(unscaled < 0 ? -unscaled : unscaled, 0);
  const int adjusted = -scale + static_cast<int>(coeff.size()) - 1;
  if (adjusted >= -6) return decimal_to_string(unscaled, scale);
  std::string out = unscaled < 0 ? "-" : "";
  out += coeff[0];
  if (coeff.size() > 1) out += "." + coeff.substr(1);
  out += "E" + std::to_string(adjusted);
  return out;
}

// Writes the cast of every row; `convert(i, out_value&) -> bool` returns false
// for a NULL result. Input NULL rows stay NULL without calling convert.
template <class Out, class Convert>
void cast_rows(const Datum& in, size_t n, Column& out, Convert&& convert) {
  out.resize(n);
  Out* o = out.mutable_data<Out>();
  uint8_t* valid = nullptr;
  const bool in_nulls = in.has_nulls();
  if (!in_nulls && !in.constant) {
    // No NULLs in: one tight loop; validity only if a value does not convert.
    for (size_t i = 0; i < n; ++i) {
      if (!convert(i, o[i])) {
        if (!valid) valid = out.mutable_validity();
        valid[i] = 0;
        o[i] = Out{};
      }
    }
    return;
  }
  for (size_t i = 0; i < n; ++i) {
    if (in_nulls && in.is_null(i)) {
      if (!valid) valid = out.mutable_validity();
      valid[i] = 0;
      o[i] = Out{};
      continue;
    }
    if (!convert(in.index(i), o[i])) {
      if (!valid) valid = out.mutable_validity();
      valid[i] = 0;
      o[i] = Out{};
    }
  }
}

// Reads row r of a numeric-or-boolean column as the given arithmetic type.
template <class T>
T read_number(const Column& c, size_t r) {
  switch (c.type().id()) {
    case TypeId::kBoolean:
      return static_cast<T>(c.data<uint8_t>()[r]);
    case TypeId::kInt8:
      return static_cast<T>(c.data<int8_t>()[r]);
    case TypeId::kInt16:
      return static_cast<T>(c.data<int16_t>()[r]);
    case TypeId::kInt32:
      return static_cast<T>(c.data<int32_t>()[r]);
    case TypeId::kInt64:
      return static_cast<T>(c.data<int64_t>()[r]);
    case TypeId::kFloat:
      return static_cast<T>(c.data<float>()[r]);
    case TypeId::kDouble:
      return static_cast<T>(c.data<double>()[r]);
    default:
      break;
  }
  throw Error::internal("read_number on " + c.type().to_string());
}

template <class Out>
void cast_to_integral(const Datum& in, size_t n, Column& out) {
  const Column& c = *in.column;
  const TypeId from = c.type().id();
  auto wrap = [](auto v) { return static_cast<Out>(v); };
  switch (from) {
    case TypeId::kBoolean:
    case TypeId::kInt8:
    case TypeId::kInt16:
    case TypeId::kInt32:
    case TypeId::kInt64:
      visit_arithmetic(from, [&](auto tag) {
        using In = typename decltype(tag)::type;
        const In* src = c.data<In>();
        cast_rows<Out>(in, n, out, [&](size_t r, Out& o) {
          o = wrap(src[r]);
          return true;
        });
      });
      return;
    case TypeId::kFloat:
    case TypeId::kDouble:
      cast_rows<Out>(in, n, out, [&](size_t r, Out& o) {
        const double d = read_number<double>(c, r);
        if constexpr (std::is_same_v<Out, int64_t>)
          o = saturate_to_int64(d);
        else
          o = static_cast<Out>(saturate_to_int32(d));
        return true;
      });
      return;
    case TypeId::kDecimal: {
      const int scale = c.type().scale();
      const int128* src = c.data<int128>();
      cast_rows<Out>(in, n, out, [&](size_t r, Out& o) {
        o = static_cast<Out>(static_cast<int64_t>(src[r] / pow10_i128(scale)));
        return true;
      });
      return;
    }
    case TypeId::kString: {
      const std::string_view* src = c.strings();
      cast_rows<Out>(in, n, out, [&](size_t r, Out& o) {
        if constexpr (std::is_same_v<Out, int64_t>) {
          auto v = spark_string_to_int64(src[r]);
          if (!v) return false;
          o = *v;
        } else {
          auto v = spark_string_to_int32(src[r]);
          if (!v || *v < std::numeric_limits<Out>::min() || *v > std::numeric_limits<Out>::max()) return false;
          o = static_cast<Out>(*v);
        }
        return true;
      });
      return;
    }
    case TypeId::kTimestamp:
    case TypeId::kTimestampNtz: {
      // Seconds; NULL when they do not fit a narrower type (Spark).
      const int64_t* src = c.data<int64_t>();
      cast_rows<Out>(in, n, out, [&](size_t r, Out& o) {
        const int64_t secs = floor_div(src[r], kMicrosPerSecond);
        if (secs < std::numeric_limits<Out>::min() || secs > std::numeric_limits<Out>::max()) return false;
        o = static_cast<Out>(secs);
        return true;
      });
      return;
    }
    case TypeId::kDate:
      cast_rows<Out>(in, n, out, [](size_t, Out&) { return false; });
      return;
    default:
      break;
  }
  throw Error::internal("unsupported cast to integer from " + c.type().to_string());
}

template <class Out>
void cast_to_floating(const Datum& in, size_t n, Column& out) {
  const Column& c = *in.column;
  const TypeId from = c.type().id();
  switch (from) {
    case TypeId::kBoolean:
    case TypeId::kInt8:
    case TypeId::kInt16:
    case TypeId::kInt32:
    case TypeId::kInt64:
    case TypeId::kFloat:
    case TypeId::kDouble:
      visit_arithmetic(from, [&](auto tag) {
        using In = typename decltype(tag)::type;
        const In* src = c.data<In>();
        cast_rows<Out>(in, n, out, [&](size_t r, Out& o) {
          o = static_cast<Out>(src[r]);
          return true;
        });
      });
      return;
    case TypeId::kDecimal: {
      const int scale = c.type().scale();
      const int128* src = c.data<int128>();
      cast_rows<Out>(in, n, out, [&](size_t r, Out& o) {
        if constexpr (std::is_same_v<Out, float>) {
          std::string text = decimal_to_string(src[r], 0) + "e-" + std::to_string(scale);
          o = std::strtof(text.c_str(), nullptr);
        } else {
          o = decimal_to_double(src[r], scale);
        }
        return true;
      });
      return;
    }
    case TypeId::kString: {
      const std::string_view* src = c.strings();
      cast_rows<Out>(in, n, out, [&](size_t r, Out& o) {
        if constexpr (std::is_same_v<Out, float>) {
          auto v = spark_string_to_float(src[r]);
          if (!v) return false;
          o = *v;
        } else {
          auto v = spark_string_to_double(src[r]);
          if (!v) return false;
          o = *v;
        }
        return true;
      });
      return;
    }
    case TypeId::kTimestamp:
    case TypeId::kTimestampNtz: {
      const int64_t* src = c.data<int64_t>();
      cast_rows<Out>(in, n, out, [&](size_t r, Out& o) {
        o = static_cast<Out>(static_cast<double>(src[r]) / 1e6);
        return true;
      });
      return;
    }
    case TypeId::kDate:
      cast_rows<Out>(in, n, out, [](size_t, Out&) { return false; });
      return;
    default:
      break;
  }
  throw Error::internal("unsupported cast to floating from " + c.type().to_string());
}

void cast_to_decimal(const Datum& in, size_t n, Column& out) {
  const Column& c = *in.column;
  const int p = out.type().precision(), s = out.type().scale();
  const TypeId from = c.type().id();
  auto from_integer = [&](int128 v, int128& o) {
    int128 r;
    if (!rescale_decimal(v, 0, s, r) || !fits_precision(r, p)) return false;
    o = r;
    return true;
  };
  switch (from) {
    case TypeId::kBoolean:
    case TypeId::kInt8:
    case TypeId::kInt16:
    case TypeId::kInt32:
    case TypeId::kInt64:
      visit_arithmetic(from, [&](auto tag) {
        using In = typename decltype(tag)::type;
        const In* src = c.data<In>();
        cast_rows<int128>(in, n, out,
                          [&](size_t r, int128& o) { return from_integer(static_cast<int128>(src[r]), o); });
      });
      return;
    case TypeId::kFloat:
    case TypeId::kDouble:
      cast_rows<int128>(in, n, out, [&](size_t r, int128& o) {
        auto v = double_to_decimal(read_number<double>(c, r), p, s);
        if (!v) return false;
        o = *v;
        return true;
      });
      return;
    case TypeId::kDecimal: {
      const int from_scale = c.type().scale();
      const int128* src = c.data<int128>();
      cast_rows<int128>(in, n, out, [&](size_t r, int128& o) {
        int128 v;
        if (!rescale_decimal(src[r], from_scale, s, v) || !fits_precision(v, p)) return false;
        o = v;
        return true;
      });
      return;
    }
    case TypeId::kString: {
      const std::string_view* src = c.strings();
      cast_rows<int128>(in, n, out, [&](size_t r, int128& o) {
        auto v = spark_string_to_decimal(src[r], p, s);
        if (!v) return false;
        o = *v;
        return true;
      });
      return;
    }
    case TypeId::kTimestamp:
    case TypeId::kTimestampNtz: {
      const int64_t* src = c.data<int64_t>();
      cast_rows<int128>(in, n, out, [&](size_t r, int128& o) {
        auto v = double_to_decimal(static_cast<double>(src[r]) / 1e6, p, s);
        if (!v) return false;
        o = *v;
        return true;
      });
      return;
    }
    case TypeId::kDate:
      cast_rows<int128>(in, n, out, [](size_t, int128&) { return false; });
      return;
    default:
      break;
  }
  throw Error::internal("unsupported cast to decimal from " + c.type().to_string());
}

void cast_to_boolean(const Datum& in, size_t n, Column& out) {
  const Column& c = *in.column;
  const TypeId from = c.type().id();
  auto nonzero = [&](auto tag) {
    using In = typename decltype(tag)::type;
    const In* src = c.data<In>();
    cast_rows<uint8_t>(in, n, out, [&](size_t r, uint8_t& o) {
      o = src[r] != In{} ? 1 : 0;
      return true;
    });
  };
  switch (from) {
    case TypeId::kInt8:
    case TypeId::kInt16:
    case TypeId::kInt32:
    case TypeId::kInt64:
    case TypeId::kFloat:
    case TypeId::kDouble:
      visit_arithmetic(from, nonzero);
      return;
    case TypeId::kDecimal:
      nonzero(Tag<int128>{});
      return;
    case TypeId::kTimestamp:
    case TypeId::kTimestampNtz:
      nonzero(Tag<int64_t>{});
      return;
    case TypeId::kString: {
      const std::string_view* src = c.strings();
      cast_rows<uint8_t>(in, n, out, [&](size_t r, uint8_t& o) {
        auto v = spark_string_to_boolean(src[r]);
        if (!v) return false;
        o = *v ? 1 : 0;
        return true;
      });
      return;
    }
    case TypeId::kDate:
      cast_rows<uint8_t>(in, n, out, [](size_t, uint8_t&) { return false; });
      return;
    default:
      break;
  }
  throw Error::internal("unsupported cast to boolean from " + c.type().to_string());
}

void cast_to_date(const Datum& in, size_t n, Column& out) {
  const Column& c = *in.column;
  switch (c.type().id()) {
    case TypeId::kString: {
      const std::string_view* src = c.strings();
      cast_rows<int32_t>(in, n, out, [&](size_t r, int32_t& o) {
        auto v = spark_string_to_date(src[r]);
        if (!v) return false;
        o = *v;
        return true;
      });
      return;
    }
    case TypeId::kTimestamp:
    case TypeId::kTimestampNtz: {
      const int64_t* src = c.data<int64_t>();
      cast_rows<int32_t>(in, n, out, [&](size_t r, int32_t& o) {
        o = static_cast<int32_t>(floor_div(src[r], kMicrosPerDay));
        return true;
      });
      return;
    }
    default:
      break;
  }
  throw Error::internal("unsupported cast to date from " + c.type().to_string());
}

void cast_to_timestamp(const Datum& in, size_t n, Column& out) {
  const Column& c = *in.column;
  const bool ntz = out.type().id() == TypeId::kTimestampNtz;
  const TypeId from = c.type().id();
  switch (from) {
    case TypeId::kString: {
      const std::string_view* src = c.strings();
      cast_rows<int64_t>(in, n, out, [&](size_t r, int64_t& o) {
        auto v = ntz ? spark_string_to_timestamp_ntz(src[r]) : spark_string_to_timestamp(src[r]);
        if (!v) return false;
        o = *v;
        return true;
      });
      return;
    }
    case TypeId::kDate: {
      const int32_t* src = c.data<int32_t>();
      cast_rows<int64_t>(in, n, out, [&](size_t r, int64_t& o) {
        o = static_cast<int64_t>(src[r]) * kMicrosPerDay;
        return true;
      });
      return;
    }
    case TypeId::kTimestamp:
    case TypeId::kTimestampNtz: {
      // The session time zone is UTC: the wall clock equals the instant.
      const int64_t* src = c.data<int64_t>();
      cast_rows<int64_t>(in, n, out, [&](size_t r, int64_t& o) {
        o = src[r];
        return true;
      });
      return;
    }
    case TypeId::kBoolean: {
      const uint8_t* src = c.data<uint8_t>();
      cast_rows<int64_t>(in, n, out, [&](size_t r, int64_t& o) {
        o = src[r] ? 1 : 0;
        return true;
      });
      return;
    }
    case TypeId::kInt8:
    case TypeId::kInt16:
    case TypeId::kInt32:
    case TypeId::kInt64:
      cast_rows<int64_t>(in, n, out, [&](size_t r, int64_t& o) {
        // TimeUnit.SECONDS.toMicros saturates.
        const int64_t secs = read_number<int64_t>(c, r);
        int64_t micros;
        if (__builtin_mul_overflow(secs, kMicrosPerSecond, &micros))
          micros = secs > 0 ? std::numeric_limits<int64_t>::max() : std::numeric_limits<int64_t>::min();
        o = micros;
        return true;
      });
      return;
    case TypeId::kFloat:
    case TypeId::kDouble:
      cast_rows<int64_t>(in, n, out, [&](size_t r, int64_t& o) {
        const double d = read_number<double>(c, r);
        if (std::isnan(d) || std::isinf(d)) return false;
        o = saturate_to_int64(d * 1e6);
        return true;
      });
      return;
    case TypeId::kDecimal: {
      const int scale = c.type().scale();
      const int128* src = c.data<int128>();
      cast_rows<int64_t>(in, n, out, [&](size_t r, int64_t& o) {
        // (d * 1e6).longValue: exact, truncated, low 64 bits.
        int128 v;
        if (scale <= 6) {
          v = src[r] * pow10_i128(6 - scale);
        } else {
          v = src[r] / pow10_i128(scale - 6);
        }
        o = static_cast<int64_t>(static_cast<uint64_t>(static_cast<unsigned __int128>(v)));
        return true;
      });
      return;
    }
    default:
      break;
  }
  throw Error::internal("unsupported cast to timestamp from " + c.type().to_string());
}

void cast_to_string(const Datum& in, size_t n, Column& out, bool binary_target) {
  const Column& c = *in.column;
  const TypeId from = c.type().id();
  out.resize(n);
  std::string_view* o = out.mutable_strings();
  if (from == TypeId::kString || from == TypeId::kBinary) {
    // Same bytes: share them.
    out.share_owners_of(c);
    for (size_t i = 0; i < n; ++i) o[i] = c.strings()[in.index(i)];
    propagate_nulls(&in, 1, n, out);
    return;
  }
  (void)binary_target;
  StringArena& arena = out.arena();
  const bool nulls = in.has_nulls();
  for (size_t i = 0; i < n; ++i) {
    const size_t r = in.index(i);
    if (nulls && c.is_null(r)) {
      out.set_null(i);
      o[i] = {};
      continue;
    }
    std::string text;
    switch (from) {
      case TypeId::kBoolean:
        text = c.data<uint8_t>()[r] ? "true" : "false";
        break;
      case TypeId::kInt8:
        text = std::to_string(c.data<int8_t>()[r]);
        break;
      case TypeId::kInt16:
        text = std::to_string(c.data<int16_t>()[r]);
        break;
      case TypeId::kInt32:
        text = std::to_string(c.data<int32_t>()[r]);
        break;
      case TypeId::kInt64:
        text = std::to_string(c.data<int64_t>()[r]);
        break;
      case TypeId::kFloat:
        text = java_float_to_string(c.data<float>()[r]);
        break;
      case TypeId::kDouble:
        text = java_double_to_string(c.data<double>()[r]);
        break;
      case TypeId::kDecimal:
        text = java_decimal_to_string(c.data<int128>()[r], c.type().scale());
        break;
      case TypeId::kDate:
        text = spark_date_to_string(c.data<int32_t>()[r]);
        break;
      case TypeId::kTimestamp:
      case TypeId::kTimestampNtz:
        text = spark_timestamp_to_string(c.data<int64_t>()[r]);
        break;
      default:
        throw Error::internal("unsupported cast to string from " + c.type().to_string());
    }
    o[i] = arena.add(text);
  }
}

}  // namespace

bool can_cast(const DataType& from, const DataType& to) {
  const TypeId f = from.id(), t = to.id();
  if (from == to || f == TypeId::kNull) return true;
  if (!is_atomic(f) || !is_atomic(t)) return false;
  if (t == TypeId::kString) return true;
  if (f == TypeId::kString) return t != TypeId::kNull;
  if (t == TypeId::kBinary || f == TypeId::kBinary) return false;
  const bool f_num = is_number(f) || f == TypeId::kBoolean;
  const bool t_num = is_number(t) || t == TypeId::kBoolean;
  if (f_num && t_num) return true;
  if (f == TypeId::kDate) return t_num || t == TypeId::kTimestamp || t == TypeId::kTimestampNtz;
  if (f == TypeId::kTimestamp) return t_num || t == TypeId::kDate || t == TypeId::kTimestampNtz;
  if (f == TypeId::kTimestampNtz) return t == TypeId::kDate || t == TypeId::kTimestamp;
  if (f_num) return t == TypeId::kTimestamp;
  return false;
}

void cast_into(const Datum& in, size_t n, Column& out) {
  const DataType& to = out.type();
  const DataType& from = in.column->type();
  if (from.id() == TypeId::kNull) {
    set_all_null(out, n);
    return;
  }
  if (from == to) {
    materialize(in, n, out);
    return;
  }
  switch (to.id()) {
    case TypeId::kBoolean:
      cast_to_boolean(in, n, out);
      return;
    case TypeId::kInt8:
      cast_to_integral<int8_t>(in, n, out);
      return;
    case TypeId::kInt16:
      cast_to_integral<int16_t>(in, n, out);
      return;
    case TypeId::kInt32:
      cast_to_integral<int32_t>(in, n, out);
      return;
    case TypeId::kInt64:
      cast_to_integral<int64_t>(in, n, out);
      return;
    case TypeId::kFloat:
      cast_to_floating<float>(in, n, out);
      return;
    case TypeId::kDouble:
      cast_to_floating<double>(in, n, out);
      return;
    case TypeId::kDecimal:
      cast_to_decimal(in, n, out);
      return;
    case TypeId::kDate:
      cast_to_date(in, n, out);
      return;
    case TypeId::kTimestamp:
    case TypeId::kTimestampNtz:
      cast_to_timestamp(in, n, out);
      return;
    case TypeId::kString:
      cast_to_string(in, n, out, false);
      return;
    case TypeId::kBinary:
      cast_to_string(in, n, out, true);
      return;
    default:
      break;
  }
  throw Error::invalid_input("cannot cast " + from.to_string() + " to " + to.to_string());
}

void cast_kernel(const KernelArgs& in, Column& out) { cast_into(in[0], in.num_rows, out); }

Value cast_value(const Value& value, const DataType& to) {
  if (!can_cast(value.type(), to))
    throw Error::invalid_input("cannot cast " + value.type().to_string() + " to " + to.to_string());
  Column one(value.type());
  one.append_value(value);
  auto out = Column::make(to);
  cast_into(Datum{&one, true}, 1, *out);
  return out->value(0);
}

ColumnPtr cast_column(const Column& input, const DataType& to) {
  if (!can_cast(input.type(), to))
    throw Error::invalid_input("cannot cast " + input.type().to_string() + " to " + to.to_string());
  auto out = Column::make(to);
  cast_into(Datum{&input, false}, input.size(), *out);
  return out;
}

}  // namespace bullion::expr
