// bullion/core/time.h — UTC dates and timestamps.
//
// Representation (as in Parquet and Delta): a DATE is days since 1970-01-01,
// an int32; a TIMESTAMP is microseconds since 1970-01-01T00:00:00Z, an int64.
// Every function here is pure, thread-safe, and works on the proleptic
// Gregorian calendar in UTC (DESIGN's semantics contract: all times are UTC).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace bullion {

inline constexpr int64_t kMicrosPerSecond = 1'000'000;
inline constexpr int64_t kMicrosPerDay = 86'400 * kMicrosPerSecond;

struct CivilDate {
  int32_t year;
  uint32_t month;  // 1..12
  uint32_t day;    // 1..31
};

// Days since the epoch for a civil date (no validation: callers validate).
int32_t days_from_civil(int32_t year, uint32_t month, uint32_t day);
CivilDate civil_from_days(int32_t days);
bool is_valid_civil(int32_t year, uint32_t month, uint32_t day);
uint32_t days_in_month(int32_t year, uint32_t month);

// The UTC date of a timestamp (floor division: times before 1970 work).
int32_t date_of_timestamp(int64_t micros);

// "2026-11-25".
std::string format_date(int32_t days);
// "2026-11-25T10:15:30.123456Z"; the fraction is printed only when non-zero,
// with 3 or 6 digits as needed.
std::string format_timestamp(int64_t micros);

// Strict "yyyy-MM-dd" (4-digit year, 2-digit month and day).
std::optional<int32_t> parse_date(std::string_view text);

// ISO-8601 timestamp as DESIGN's contract defines it: `yyyy-MM-dd`, then
// `T` or a space, `HH:mm:ss`, an optional fraction of 1..9 digits (beyond
// microseconds truncated), and an optional zone `Z`, `±hh:mm`, `±hhmm` or
// `±hh`. No zone means UTC. Anything else (including out-of-range fields)
// yields nullopt.
std::optional<int64_t> parse_timestamp(std::string_view text);

// Current wall-clock time in microseconds since the epoch.
int64_t now_micros();

}  // namespace bullion
