// Date and time functions. Every DATE is a UTC date and every TIMESTAMP a
// UTC instant (DESIGN's contract), so field extraction is plain civil
// arithmetic on days and microseconds.
#include <strings.h>

#include <limits>

#include "bullion/core/time.h"
#include "expr/cast_kernel.h"
#include "expr/datetime_format.h"
#include "expr/function_registry.h"
#include "expr/text_conversions.h"

namespace bullion::expr {

namespace {

int64_t floor_mod(int64_t a, int64_t b) {
  const int64_t m = a % b;
  return m < 0 ? m + b : m;
}

// Applies f(value) → optional result over a non-NULL rows of one argument.
template <class In, class Out, class F>
void map_rows(const KernelArgs& in, Column& out, F&& f) {
  const size_t n = in.num_rows;
  const Datum& a = in[0];
  out.resize(n);
  propagate_nulls(in, out);
  Out* o = out.mutable_data<Out>();
  const uint8_t* v = out.validity();
  uint8_t* mv = nullptr;
  for (size_t i = 0; i < n; ++i) {
    if (v && !v[i]) {
      o[i] = Out{};
      continue;
    }
    In x;
    if constexpr (std::is_same_v<In, std::string_view>)
      x = a.string(i);
    else
      x = a.data<In>()[a.index(i)];
    auto r = f(x);
    if (r) {
      o[i] = *r;
    } else {
      if (!mv) mv = out.mutable_validity();
      mv[i] = 0;
      v = mv;
      o[i] = Out{};
    }
  }
}

void passthrough_kernel(const KernelArgs& in, Column& out) { materialize(in[0], in.num_rows, out); }

// to_timestamp(string): DESIGN's ISO-8601 rule (bullion::parse_timestamp).
void to_timestamp_iso_kernel(const KernelArgs& in, Column& out) {
  map_rows<std::string_view, int64_t>(in, out, [](std::string_view s) { return parse_timestamp(s); });
}

void to_timestamp_format_kernel(const KernelArgs& in, Column& out) {
  const auto& pattern = in.node.kernel->state_as<DatetimePattern>();
  map_rows<std::string_view, int64_t>(in, out, [&](std::string_view s) { return pattern.parse(s); });
}

void to_date_format_kernel(const KernelArgs& in, Column& out) {
  const auto& pattern = in.node.kernel->state_as<DatetimePattern>();
  map_rows<std::string_view, int32_t>(in, out, [&](std::string_view s) -> std::optional<int32_t> {
    auto ts = pattern.parse(s);
    if (!ts) return std::nullopt;
    return date_of_timestamp(*ts);
  });
}

void all_null_kernel(const KernelArgs& in, Column& out) { set_all_null(out, in.num_rows); }

template <class Op>
void date_binary(const KernelArgs& in, Column& out, Op op) {
  const size_t n = in.num_rows;
  out.resize(n);
  int32_t* o = out.mutable_data<int32_t>();
  const Datum& a = in[0];
  const Datum& b = in[1];
  const int32_t* x = a.data<int32_t>();
  const int32_t* y = b.data<int32_t>();
  for (size_t i = 0; i < n; ++i) o[i] = op(x[a.index(i)], y[b.index(i)]);
  propagate_nulls(in, out);
}

int32_t wrap32(int64_t v) { return static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint64_t>(v))); }

void datediff_kernel(const KernelArgs& in, Column& out) {
  date_binary(in, out, [](int32_t end, int32_t start) { return wrap32(static_cast<int64_t>(end) - start); });
}
void date_add_kernel(const KernelArgs& in, Column& out) {
  date_binary(in, out, [](int32_t d, int32_t days) { return wrap32(static_cast<int64_t>(d) + days); });
}
void date_sub_kernel(const KernelArgs& in, Column& out) {
  date_binary(in, out, [](int32_t d, int32_t days) { return wrap32(static_cast<int64_t>(d) - days); });
}

enum class DateField { kYear, kMonth, kDay, kQuarter, kDayOfYear, kDayOfWeek };

template <DateField kField>
void date_field_kernel(const KernelArgs& in, Column& out) {
  const size_t n = in.num_rows;
  const Datum& a = in[0];
  out.resize(n);
  int32_t* o = out.mutable_data<int32_t>();
  const int32_t* d = a.data<int32_t>();
  for (size_t i = 0; i < n; ++i) {
    const int32_t days = d[a.index(i)];
    if constexpr (kField == DateField::kDayOfWeek) {
      o[i] = static_cast<int32_t>(floor_mod(static_cast<int64_t>(days) + 4, 7)) + 1;
    } else {
      const CivilDate c = civil_from_days(days);
      if constexpr (kField == DateField::kYear)
        o[i] = c.year;
      else if constexpr (kField == DateField::kMonth)
        o[i] = static_cast<int32_t>(c.month);
      else if constexpr (kField == DateField::kDay)
        o[i] = static_cast<int32_t>(c.day);
      else if constexpr (kField == DateField::kQuarter)
        o[i] = static_cast<int32_t>((c.month - 1) / 3 + 1);
      else
        o[i] = days - days_from_civil(c.year, 1, 1) + 1;
    }
  }
  propagate_nulls(in, out);
}

template <int64_t kUnit, int64_t kModulus>
void time_field_kernel(const KernelArgs& in, Column& out) {
  const size_t n = in.num_rows;
  const Datum& a = in[0];
  out.resize(n);
  int32_t* o = out.mutable_data<int32_t>();
  const int64_t* t = a.data<int64_t>();
  for (size_t i = 0; i < n; ++i)
    o[i] = static_cast<int32_t>(floor_mod(t[a.index(i)], kMicrosPerDay) / kUnit % kModulus);
  propagate_nulls(in, out);
}

enum class TruncLevel {
  kInvalid,
  kMicrosecond,
  kMillisecond,
  kSecond,
  kMinute,
  kHour,
  kDay,
  kWeek,
  kMonth,
  kQuarter,
  kYear
};

TruncLevel parse_trunc_level(std::string_view f) {
  auto is = [&](const char* name) {
    return f.size() == std::strlen(name) && ::strncasecmp(f.data(), name, f.size()) == 0;
  };
  if (is("MICROSECOND")) return TruncLevel::kMicrosecond;
  if (is("MILLISECOND")) return TruncLevel::kMillisecond;
  if (is("SECOND")) return TruncLevel::kSecond;
  if (is("MINUTE")) return TruncLevel::kMinute;
  if (is("HOUR")) return TruncLevel::kHour;
  if (is("DAY") || is("DD")) return TruncLevel::kDay;
  if (is("WEEK")) return TruncLevel::kWeek;
  if (is("MON") || is("MONTH") || is("MM")) return TruncLevel::kMonth;
  if (is("QUARTER")) return TruncLevel::kQuarter;
  if (is("YEAR") || is("YYYY") || is("YY")) return TruncLevel::kYear;
  return TruncLevel::kInvalid;
}

std::optional<int64_t> truncate_timestamp(int64_t t, TruncLevel level) {
  auto floor_to = [&](int64_t unit) { return t - floor_mod(t, unit); };
  switch (level) {
    case TruncLevel::kInvalid:
      return std::nullopt;
    case TruncLevel::kMicrosecond:
      return t;
    case TruncLevel::kMillisecond:
      return floor_to(1000);
    case TruncLevel::kSecond:
      return floor_to(kMicrosPerSecond);
    case TruncLevel::kMinute:
      return floor_to(60 * kMicrosPerSecond);
    case TruncLevel::kHour:
      return floor_to(3600 * kMicrosPerSecond);
    case TruncLevel::kDay:
      return floor_to(kMicrosPerDay);
    default:
      break;
  }
  const int32_t days = date_of_timestamp(t);
  int32_t first;
  if (level == TruncLevel::kWeek) {
    first = static_cast<int32_t>(days - floor_mod(static_cast<int64_t>(days) + 3, 7));
  } else {
    const CivilDate c = civil_from_days(days);
    uint32_t month = c.month;
    if (level == TruncLevel::kQuarter) month = (c.month - 1) / 3 * 3 + 1;
    if (level == TruncLevel::kYear) month = 1;
    first = days_from_civil(c.year, month, 1);
  }
  return static_cast<int64_t>(first) * kMicrosPerDay;
}

struct TruncState {
  TruncLevel level;
};

void date_trunc_kernel(const KernelArgs& in, Column& out) {
  const size_t n = in.num_rows;
  out.resize(n);
  propagate_nulls(in, out);
  int64_t* o = out.mutable_data<int64_t>();
  const Datum& f = in[0];
  const Datum& ts = in[1];
  const int64_t* t = ts.data<int64_t>();
  const auto* fixed = static_cast<const TruncState*>(in.node.kernel->state.get());
  const uint8_t* v = out.validity();
  uint8_t* mv = nullptr;
  for (size_t i = 0; i < n; ++i) {
    if (v && !v[i]) {
      o[i] = 0;
      continue;
    }
    const TruncLevel level = fixed ? fixed->level : parse_trunc_level(f.string(i));
    auto r = truncate_timestamp(t[ts.index(i)], level);
    if (r) {
      o[i] = *r;
    } else {
      if (!mv) mv = out.mutable_validity();
      mv[i] = 0;
      v = mv;
      o[i] = 0;
    }
  }
}

// --- resolvers -------------------------------------------------------------------------

std::shared_ptr<const DatetimePattern> constant_pattern(ResolveContext& ctx, size_t i) {
  if (!ctx.is_literal(i)) ctx.fail("the format of " + ctx.function().name + " must be a constant string");
  if (ctx.literal(i).is_null()) return nullptr;
  if (ctx.type(i).id() != TypeId::kString) ctx.type_error();
  try {
    return DatetimePattern::compile(ctx.literal(i).as_string());
  } catch (const Error& e) {
    ctx.fail(e.message());
  }
}

void resolve_to_timestamp(ResolveContext& ctx) {
  if (ctx.size() == 2) {
    ctx.coerce(0, DataType::string());
    auto pattern = constant_pattern(ctx, 1);
    if (!pattern) return ctx.set_result(DataType::timestamp(), all_null_kernel);
    return ctx.set_result(DataType::timestamp(), to_timestamp_format_kernel, pattern);
  }
  const TypeId t = ctx.type(0).id();
  if (t == TypeId::kString) return ctx.set_result(DataType::timestamp(), to_timestamp_iso_kernel);
  if (t == TypeId::kNull || t == TypeId::kTimestamp || t == TypeId::kTimestampNtz || t == TypeId::kDate ||
      ctx.type(0).is_numeric()) {
    ctx.cast(0, DataType::timestamp());
    return ctx.set_result(DataType::timestamp(), passthrough_kernel);
  }
  ctx.type_error();
}

void resolve_to_date(ResolveContext& ctx) {
  if (ctx.size() == 2) {
    ctx.coerce(0, DataType::string());
    auto pattern = constant_pattern(ctx, 1);
    if (!pattern) return ctx.set_result(DataType::date(), all_null_kernel);
    return ctx.set_result(DataType::date(), to_date_format_kernel, pattern);
  }
  ctx.coerce(0, DataType::date());
  ctx.set_result(DataType::date(), passthrough_kernel);
}

void resolve_datediff(ResolveContext& ctx) {
  ctx.coerce(0, DataType::date());
  ctx.coerce(1, DataType::date());
  ctx.set_result(DataType::int32(), datediff_kernel);
}

void coerce_days(ResolveContext& ctx) {
  const TypeId t = ctx.type(1).id();
  if (t == TypeId::kInt8 || t == TypeId::kInt16 || t == TypeId::kInt32 || t == TypeId::kNull || t == TypeId::kString) {
    ctx.cast(1, DataType::int32());
    return;
  }
  ctx.fail("the second argument of " + ctx.function().name +
           " must be an INT, SMALLINT or TINYINT number of days, not " + ctx.type(1).to_string() +
           " (cast it with CAST(... AS INT))");
}

void resolve_date_add(ResolveContext& ctx) {
  ctx.coerce(0, DataType::date());
  coerce_days(ctx);
  ctx.set_result(DataType::date(), date_add_kernel);
}

void resolve_date_sub(ResolveContext& ctx) {
  ctx.coerce(0, DataType::date());
  coerce_days(ctx);
  ctx.set_result(DataType::date(), date_sub_kernel);
}

template <DateField kField>
void resolve_date_field(ResolveContext& ctx) {
  ctx.coerce(0, DataType::date());
  ctx.set_result(DataType::int32(), date_field_kernel<kField>);
}

template <int64_t kUnit, int64_t kModulus>
void resolve_time_field(ResolveContext& ctx) {
  ctx.coerce(0, DataType::timestamp());
  ctx.set_result(DataType::int32(), time_field_kernel<kUnit, kModulus>);
}

void resolve_date_trunc(ResolveContext& ctx) {
  ctx.coerce(0, DataType::string());
  ctx.coerce(1, DataType::timestamp());
  std::shared_ptr<const void> state;
  if (ctx.is_literal(0) && !ctx.literal(0).is_null())
    state = std::make_shared<TruncState>(TruncState{parse_trunc_level(ctx.literal(0).as_string())});
  ctx.set_result(DataType::timestamp(), date_trunc_kernel, state);
}

}  // namespace

void register_datetime_functions(std::vector<ScalarFunction>& out) {
  out.push_back({"to_timestamp", 1, 2, "to_timestamp(STRING[, format STRING]) → TIMESTAMP",
                 "ISO-8601 text (T or space, optional fraction, optional Z/±hh:mm; no zone = UTC) or text in a "
                 "datetime pattern; anything else NULL",
                 resolve_to_timestamp});
  out.push_back({"to_date", 1, 2, "to_date(STRING | TIMESTAMP[, format STRING]) → DATE",
                 "the UTC date of a timestamp, or a date parsed from text", resolve_to_date});
  out.push_back(
      {"datediff", 2, 2, "datediff(end DATE, start DATE) → INT", "whole days from start to end", resolve_datediff});
  out.push_back(
      {"date_add", 2, 2, "date_add(start DATE, days INT) → DATE", "the date days after start", resolve_date_add});
  out.push_back(
      {"date_sub", 2, 2, "date_sub(start DATE, days INT) → DATE", "the date days before start", resolve_date_sub});
  out.push_back({"date_trunc", 2, 2, "date_trunc(unit STRING, TIMESTAMP) → TIMESTAMP",
                 "truncates to YEAR, QUARTER, MONTH, WEEK (Monday), DAY, HOUR, MINUTE, SECOND, MILLISECOND or "
                 "MICROSECOND; NULL for another unit",
                 resolve_date_trunc});
  out.push_back({"year", 1, 1, "year(DATE) → INT", "the year", resolve_date_field<DateField::kYear>});
  out.push_back({"quarter", 1, 1, "quarter(DATE) → INT", "the quarter, 1..4", resolve_date_field<DateField::kQuarter>});
  out.push_back({"month", 1, 1, "month(DATE) → INT", "the month, 1..12", resolve_date_field<DateField::kMonth>});
  out.push_back({"day", 1, 1, "day(DATE) → INT", "the day of the month", resolve_date_field<DateField::kDay>});
  out.push_back(
      {"dayofmonth", 1, 1, "dayofmonth(DATE) → INT", "the day of the month", resolve_date_field<DateField::kDay>});
  out.push_back({"dayofyear", 1, 1, "dayofyear(DATE) → INT", "the day of the year, 1..366",
                 resolve_date_field<DateField::kDayOfYear>});
  out.push_back({"dayofweek", 1, 1, "dayofweek(DATE) → INT", "1 = Sunday ... 7 = Saturday",
                 resolve_date_field<DateField::kDayOfWeek>});
  out.push_back({"hour", 1, 1, "hour(TIMESTAMP) → INT", "the hour, 0..23 (UTC)",
                 resolve_time_field<3600 * kMicrosPerSecond, 24>});
  out.push_back(
      {"minute", 1, 1, "minute(TIMESTAMP) → INT", "the minute, 0..59", resolve_time_field<60 * kMicrosPerSecond, 60>});
  out.push_back(
      {"second", 1, 1, "second(TIMESTAMP) → INT", "the second, 0..59", resolve_time_field<kMicrosPerSecond, 60>});
}

}  // namespace bullion::expr
