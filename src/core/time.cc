#include "bullion/core/time.h"

#include <chrono>
#include <cstdio>

namespace bullion {

// Howard Hinnant's days_from_civil / civil_from_days (public-domain algorithms,
// valid for the whole int32 day range).
int32_t days_from_civil(int32_t y, uint32_t m, uint32_t d) {
  y -= m <= 2;
  const int32_t era = (y >= 0 ? y : y - 399) / 400;
  const uint32_t yoe = static_cast<uint32_t>(y - era * 400);
  const uint32_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const uint32_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int32_t>(doe) - 719468;
}

CivilDate civil_from_days(int32_t z) {
  z += 719468;
  const int32_t era = (z >= 0 ? z : z - 146096) / 146097;
  const uint32_t doe = static_cast<uint32_t>(z - era * 146097);
  const uint32_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int32_t y = static_cast<int32_t>(yoe) + era * 400;
  const uint32_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const uint32_t mp = (5 * doy + 2) / 153;
  const uint32_t d = doy - (153 * mp + 2) / 5 + 1;
  const uint32_t m = mp < 10 ? mp + 3 : mp - 9;
  return {y + (m <= 2), m, d};
}

static bool is_leap(int32_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

uint32_t days_in_month(int32_t year, uint32_t month) {
  static constexpr uint32_t kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month == 2 && is_leap(year)) return 29;
  return kDays[month - 1];
}

bool is_valid_civil(int32_t year, uint32_t month, uint32_t day) {
  return month >= 1 && month <= 12 && day >= 1 && day <= days_in_month(year, month);
}

int32_t date_of_timestamp(int64_t micros) {
  int64_t days = micros / kMicrosPerDay;
  if (micros % kMicrosPerDay < 0) --days;
  return static_cast<int32_t>(days);
}

std::string format_date(int32_t days) {
  const CivilDate c = civil_from_days(days);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", c.year, c.month, c.day);
  return buf;
}

std::string format_timestamp(int64_t micros) {
  const int32_t days = date_of_timestamp(micros);
  // micros mod one day, without days * kMicrosPerDay (which overflows near
  // the int64 limits).
  int64_t in_day = micros % kMicrosPerDay;
  if (in_day < 0) in_day += kMicrosPerDay;
  const int64_t secs = in_day / kMicrosPerSecond;
  const int64_t frac = in_day % kMicrosPerSecond;
  const CivilDate c = civil_from_days(days);
  char buf[64];
  int n = std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02lld:%02lld:%02lld", c.year, c.month, c.day,
                        static_cast<long long>(secs / 3600), static_cast<long long>(secs / 60 % 60),
                        static_cast<long long>(secs % 60));
  if (frac != 0) {
    if (frac % 1000 == 0)
      n += std::snprintf(buf + n, sizeof buf - n, ".%03lld", static_cast<long long>(frac / 1000));
    else
      n += std::snprintf(buf + n, sizeof buf - n, ".%06lld", static_cast<long long>(frac));
  }
  std::snprintf(buf + n, sizeof buf - n, "Z");
  return buf;
}

namespace {

// Reads exactly `n` digits at `pos`; advances pos.
bool read_digits(std::string_view s, size_t& pos, size_t n, uint32_t& out) {
  if (pos + n > s.size()) return false;
  uint32_t v = 0;
  for (size_t i = 0; i < n; ++i) {
    const char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint32_t>(c - '0');
  }
  out = v;
  pos += n;
  return true;
}

bool parse_date_prefix(std::string_view s, size_t& pos, int32_t& days) {
  uint32_t y, m, d;
  if (!read_digits(s, pos, 4, y)) return false;
  if (pos >= s.size() || s[pos++] != '-') return false;
  if (!read_digits(s, pos, 2, m)) return false;
  if (pos >= s.size() || s[pos++] != '-') return false;
  if (!read_digits(s, pos, 2, d)) return false;
  if (!is_valid_civil(static_cast<int32_t>(y), m, d)) return false;
  days = days_from_civil(static_cast<int32_t>(y), m, d);
  return true;
}

}  // namespace

std::optional<int32_t> parse_date(std::string_view text) {
  size_t pos = 0;
  int32_t days;
  if (!parse_date_prefix(text, pos, days) || pos != text.size()) return std::nullopt;
  return days;
}

std::optional<int64_t> parse_timestamp(std::string_view s) {
  size_t pos = 0;
  int32_t days;
  if (!parse_date_prefix(s, pos, days)) return std::nullopt;
  if (pos >= s.size() || (s[pos] != 'T' && s[pos] != ' ')) return std::nullopt;
  ++pos;
  uint32_t hh, mm, ss;
  if (!read_digits(s, pos, 2, hh) || pos >= s.size() || s[pos++] != ':') return std::nullopt;
  if (!read_digits(s, pos, 2, mm) || pos >= s.size() || s[pos++] != ':') return std::nullopt;
  if (!read_digits(s, pos, 2, ss)) return std::nullopt;
  if (hh > 23 || mm > 59 || ss > 59) return std::nullopt;
  int64_t frac = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    size_t digits = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (digits < 6) frac = frac * 10 + (s[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0 || digits > 9) return std::nullopt;
    for (size_t i = digits; i < 6; ++i) frac *= 10;
  }
  int64_t offset_seconds = 0;
  if (pos < s.size()) {
    const char c = s[pos];
    if (c == 'Z') {
      ++pos;
    } else if (c == '+' || c == '-') {
      ++pos;
      uint32_t oh, om = 0;
      if (!read_digits(s, pos, 2, oh)) return std::nullopt;
      if (pos < s.size() && s[pos] == ':') {
        ++pos;
        if (!read_digits(s, pos, 2, om)) return std::nullopt;
      } else if (pos < s.size()) {
        if (!read_digits(s, pos, 2, om)) return std::nullopt;
      }
      // java.time.ZoneOffset (Spark) allows at most ±18:00.
      if (oh > 18 || om > 59 || (oh == 18 && om > 0)) return std::nullopt;
      offset_seconds = (static_cast<int64_t>(oh) * 3600 + om * 60) * (c == '-' ? -1 : 1);
    } else {
      return std::nullopt;
    }
  }
  if (pos != s.size()) return std::nullopt;
  const int64_t secs = static_cast<int64_t>(days) * 86400 + hh * 3600 + mm * 60 + ss - offset_seconds;
  return secs * kMicrosPerSecond + frac;
}

int64_t now_micros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace bullion
