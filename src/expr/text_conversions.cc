#include "expr/text_conversions.h"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>

#include "bullion/core/time.h"

namespace bullion::expr {

namespace {

// UTF8String.isWhitespaceOrISOControl on a (signed, in Java) byte.
bool is_space_or_control(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u <= 32 || u == 127;
}

// Character.isWhitespace on a byte: \t \n \v \f \r, 0x1C..0x1F, space.
bool is_java_whitespace(char c) {
  const auto u = static_cast<unsigned char>(c);
  return (u >= 9 && u <= 13) || (u >= 28 && u <= 32);
}

std::string_view trim_space_or_control(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && is_space_or_control(s[b])) ++b;
  while (e > b && is_space_or_control(s[e - 1])) --e;
  return s.substr(b, e - b);
}

// java.lang.String.trim(): every char <= ' '.
std::string_view java_trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && static_cast<unsigned char>(s[b]) <= 32) ++b;
  while (e > b && static_cast<unsigned char>(s[e - 1]) <= 32) --e;
  return s.substr(b, e - b);
}

// UTF8String.trimAll(): Character.isWhitespace bytes.
std::string_view trim_all(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && is_java_whitespace(s[b])) ++b;
  while (e > b && is_java_whitespace(s[e - 1])) --e;
  return s.substr(b, e - b);
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  return out;
}

// Port of UTF8String.toLong / toInt with allowDecimal = true, on a limit type.
template <class T>
std::optional<T> spark_string_to_integral(std::string_view input) {
  std::string_view s = trim_space_or_control(input);
  if (s.empty()) return std::nullopt;
  size_t pos = 0;
  const bool negative = s[0] == '-';
  if (negative || s[0] == '+') {
    if (s.size() == 1) return std::nullopt;
    pos = 1;
  }
  constexpr T kMin = std::numeric_limits<T>::min();
  constexpr T kStop = kMin / 10;
  T result = 0;
  while (pos < s.size()) {
    const char b = s[pos++];
    if (b == '.') break;
    if (!is_digit(b)) return std::nullopt;
    if (result < kStop) return std::nullopt;
    // Accumulates negatively so that the minimum value is representable.
    const T digit = static_cast<T>(b - '0');
    if (static_cast<T>(result * 10) < static_cast<T>(kMin + digit)) return std::nullopt;
    result = static_cast<T>(result * 10 - digit);
  }
  while (pos < s.size()) {
    if (!is_digit(s[pos])) return std::nullopt;
    ++pos;
  }
  if (!negative) {
    if (result == kMin) return std::nullopt;
    result = static_cast<T>(-result);
  }
  return result;
}

// Validates Java's floating-point literal grammar (FloatingDecimal) on an
// already trimmed string; on success sets `numeric` to the part strtod
// understands (no type suffix).
enum class JavaFloat { kInvalid, kNumber, kNaN, kInfinity, kNegInfinity };

JavaFloat classify_java_float(std::string_view s, std::string& numeric) {
  size_t pos = 0;
  bool negative = false;
  if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    negative = s[pos] == '-';
    ++pos;
  }
  std::string_view rest = s.substr(pos);
  if (rest == "NaN") return JavaFloat::kNaN;
  if (rest == "Infinity") return negative ? JavaFloat::kNegInfinity : JavaFloat::kInfinity;
  const size_t start = pos;
  if (rest.size() >= 2 && rest[0] == '0' && (rest[1] == 'x' || rest[1] == 'X')) {
    pos += 2;
    size_t digits = 0;
    auto is_hex = [](char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); };
    while (pos < s.size() && is_hex(s[pos])) ++pos, ++digits;
    if (pos < s.size() && s[pos] == '.') {
      ++pos;
      while (pos < s.size() && is_hex(s[pos])) ++pos, ++digits;
    }
    if (digits == 0) return JavaFloat::kInvalid;
    if (pos >= s.size() || (s[pos] != 'p' && s[pos] != 'P')) return JavaFloat::kInvalid;
    ++pos;
    if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) ++pos;
    size_t exp_digits = 0;
    while (pos < s.size() && is_digit(s[pos])) ++pos, ++exp_digits;
    if (exp_digits == 0) return JavaFloat::kInvalid;
  } else {
    size_t digits = 0;
    while (pos < s.size() && is_digit(s[pos])) ++pos, ++digits;
    if (pos < s.size() && s[pos] == '.') {
      ++pos;
      while (pos < s.size() && is_digit(s[pos])) ++pos, ++digits;
    }
    if (digits == 0) return JavaFloat::kInvalid;
    if (pos < s.size() && (s[pos] == 'e' || s[pos] == 'E')) {
      ++pos;
      if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) ++pos;
      size_t exp_digits = 0;
      while (pos < s.size() && is_digit(s[pos])) ++pos, ++exp_digits;
      if (exp_digits == 0) return JavaFloat::kInvalid;
    }
  }
  const size_t end = pos;
  if (pos < s.size() && (s[pos] == 'f' || s[pos] == 'F' || s[pos] == 'd' || s[pos] == 'D')) ++pos;
  if (pos != s.size()) return JavaFloat::kInvalid;
  numeric.assign(negative ? "-" : "");
  numeric.append(s.substr(start, end - start));
  return JavaFloat::kNumber;
}

// Spark's processFloatingPointSpecialLiterals.
std::optional<double> spark_special_float(std::string_view s) {
  const std::string lower = ascii_lower(java_trim(s));
  if (lower == "inf" || lower == "+inf" || lower == "infinity" || lower == "+infinity") return HUGE_VAL;
  if (lower == "-inf" || lower == "-infinity") return -HUGE_VAL;
  if (lower == "nan") return std::nan("");
  return std::nullopt;
}

template <class F>
std::optional<F> parse_floating(std::string_view input) {
  std::string_view s = java_trim(input);
  std::string numeric;
  switch (classify_java_float(s, numeric)) {
    case JavaFloat::kNaN:
      return std::numeric_limits<F>::quiet_NaN();
    case JavaFloat::kInfinity:
      return std::numeric_limits<F>::infinity();
    case JavaFloat::kNegInfinity:
      return -std::numeric_limits<F>::infinity();
    case JavaFloat::kNumber: {
      // strtod/strtof round correctly (as Java does), handle hex, and
      // saturate to infinity / zero on overflow and underflow.
      char* end = nullptr;
      if constexpr (std::is_same_v<F, float>)
        return std::strtof(numeric.c_str(), &end);
      else
        return std::strtod(numeric.c_str(), &end);
    }
    case JavaFloat::kInvalid:
      break;
  }
  if (auto special = spark_special_float(input)) return static_cast<F>(*special);
  return std::nullopt;
}

// Days since epoch for a proleptic Gregorian date, in 64 bits (years up to
// millions); nullopt if invalid or outside the int32 day range.
std::optional<int32_t> checked_days(int64_t year, int64_t month, int64_t day) {
  if (month < 1 || month > 12 || day < 1) return std::nullopt;
  if (year < -999'999'999 || year > 999'999'999) return std::nullopt;
  // days_from_civil works in int32 years; shift by whole 400-year eras
  // (146097 days each) to stay in range.
  const int64_t era_shift = year >= 0 ? year / 400 : (year - 399) / 400;
  const int32_t y = static_cast<int32_t>(year - era_shift * 400);
  if (day > days_in_month(y, static_cast<uint32_t>(month))) return std::nullopt;
  const int64_t days =
      static_cast<int64_t>(days_from_civil(y, static_cast<uint32_t>(month), static_cast<uint32_t>(day))) +
      era_shift * 146097;
  if (days < std::numeric_limits<int32_t>::min() || days > std::numeric_limits<int32_t>::max()) return std::nullopt;
  return static_cast<int32_t>(days);
}

// ZoneOffset.of: +h, +hh, +hh:mm, +hhmm, +hh:mm:ss, +hhmmss (and '-').
std::optional<int32_t> parse_zone_offset(std::string_view s) {
  if (s.size() < 2 || (s[0] != '+' && s[0] != '-')) return std::nullopt;
  const int sign = s[0] == '-' ? -1 : 1;
  std::string_view f = s.substr(1);
  auto two = [&](size_t at, int& out) {
    if (at + 2 > f.size() || !is_digit(f[at]) || !is_digit(f[at + 1])) return false;
    out = (f[at] - '0') * 10 + (f[at + 1] - '0');
    return true;
  };
  int h = 0, m = 0, sec = 0;
  switch (f.size()) {
    case 1:
      if (!is_digit(f[0])) return std::nullopt;
      h = f[0] - '0';
      break;
    case 2:
      if (!two(0, h)) return std::nullopt;
      break;
    case 4:
      if (!two(0, h) || !two(2, m)) return std::nullopt;
      break;
    case 5:
      if (!two(0, h) || f[2] != ':' || !two(3, m)) return std::nullopt;
      break;
    case 6:
      if (!two(0, h) || !two(2, m) || !two(4, sec)) return std::nullopt;
      break;
    case 8:
      if (!two(0, h) || f[2] != ':' || !two(3, m) || f[5] != ':' || !two(6, sec)) return std::nullopt;
      break;
    default:
      return std::nullopt;
  }
  if (h > 18 || m > 59 || sec > 59) return std::nullopt;
  const int32_t total = h * 3600 + m * 60 + sec;
  if (total > 18 * 3600) return std::nullopt;
  return sign * total;
}

}  // namespace

std::optional<int64_t> spark_string_to_int64(std::string_view s) { return spark_string_to_integral<int64_t>(s); }
std::optional<int32_t> spark_string_to_int32(std::string_view s) { return spark_string_to_integral<int32_t>(s); }
std::optional<double> spark_string_to_double(std::string_view s) { return parse_floating<double>(s); }
std::optional<float> spark_string_to_float(std::string_view s) { return parse_floating<float>(s); }

std::optional<bool> spark_string_to_boolean(std::string_view s) {
  const std::string v = ascii_lower(trim_all(s));
  if (v == "t" || v == "true" || v == "y" || v == "yes" || v == "1") return true;
  if (v == "f" || v == "false" || v == "n" || v == "no" || v == "0") return false;
  return std::nullopt;
}

std::optional<int32_t> spark_string_to_date(std::string_view input) {
  std::string_view s = trim_space_or_control(input);
  if (s.empty()) return std::nullopt;
  auto valid_digits = [](int segment, int digits) {
    return (segment == 0 && digits >= 4 && digits <= 7) || (segment != 0 && digits > 0 && digits <= 2);
  };
  int64_t segments[3] = {1, 1, 1};
  int sign = 1;
  int i = 0;
  int64_t value = 0;
  int digits = 0;
  size_t j = 0;
  if (s[0] == '-' || s[0] == '+') {
    sign = s[0] == '-' ? -1 : 1;
    ++j;
  }
  while (j < s.size() && i < 3 && !(s[j] == ' ' || s[j] == 'T')) {
    const char b = s[j];
    if (i < 2 && b == '-') {
      if (!valid_digits(i, digits)) return std::nullopt;
      segments[i] = value;
      value = 0;
      digits = 0;
      ++i;
    } else {
      if (!is_digit(b)) return std::nullopt;
      if (digits >= 9) return std::nullopt;  // no segment is valid with so many digits
      value = value * 10 + (b - '0');
      ++digits;
    }
    ++j;
  }
  if (!valid_digits(i, digits)) return std::nullopt;
  if (i < 2 && j < s.size()) return std::nullopt;
  segments[i] = value;
  return checked_days(sign * segments[0], segments[1], segments[2]);
}

std::optional<int32_t> spark_zone_offset_seconds(std::string_view raw) {
  std::string zone(java_trim(raw));
  if (zone.empty()) return 0;
  // getZoneId's compatibility rewrites: (+|-)h: → (+|-)0h:, and a trailing
  // (+|-)hh:m → (+|-)hh:0m.
  for (size_t k = 0; k + 2 < zone.size(); ++k) {
    if ((zone[k] == '+' || zone[k] == '-') && is_digit(zone[k + 1]) && zone[k + 2] == ':') {
      zone.insert(k + 1, "0");
      break;
    }
  }
  if (zone.size() >= 5) {
    const size_t k = zone.size() - 5;
    if ((zone[k] == '+' || zone[k] == '-') && is_digit(zone[k + 1]) && is_digit(zone[k + 2]) && zone[k + 3] == ':' &&
        is_digit(zone[k + 4]))
      zone.insert(k + 4, "0");
  }
  if (zone == "Z") return 0;
  if (zone[0] == '+' || zone[0] == '-') return parse_zone_offset(zone);
  for (std::string_view prefix : {"UTC", "GMT", "UT"}) {
    if (zone.compare(0, prefix.size(), prefix) == 0) {
      std::string_view rest = std::string_view(zone).substr(prefix.size());
      if (rest.empty()) return 0;
      if (rest[0] != '+' && rest[0] != '-') return std::nullopt;  // a region id such as "UTC0": not supported
      return parse_zone_offset(rest);
    }
  }
  // ZoneId.SHORT_IDS entries with a fixed offset.
  if (zone == "EST") return -5 * 3600;
  if (zone == "MST") return -7 * 3600;
  if (zone == "HST") return -10 * 3600;
  return std::nullopt;
}

namespace {

struct TimestampFields {
  int128 local_micros;  // the wall-clock reading as micros since the epoch
  int32_t offset;       // seconds east of UTC (0 without a zone)
};

// Port of SparkDateTimeUtils.parseTimestampString and the field validation of
// stringToTimestamp.
std::optional<TimestampFields> parse_timestamp_fields(std::string_view input) {
  std::string_view s = trim_space_or_control(input);
  if (s.empty()) return std::nullopt;
  auto valid_digits = [](int segment, int digits) {
    return segment == 6 || (segment == 0 && digits >= 4 && digits <= 6) || (segment == 7 && digits <= 2) ||
           (segment != 0 && segment != 6 && segment != 7 && digits > 0 && digits <= 2);
  };
  int64_t segments[9] = {1, 1, 1, 0, 0, 0, 0, 0, 0};
  int i = 0;
  int64_t value = 0;
  int digits = 0;
  int fraction_digits = 0;
  bool just_time = false;
  bool has_sign = false;
  int year_sign = 1;
  std::optional<std::string_view> zone;
  size_t j = 0;
  const bool untrimmed_start = input.data() == s.data();
  if (s[0] == '-' || s[0] == '+') {
    has_sign = true;
    year_sign = s[0] == '-' ? -1 : 1;
    ++j;
  }
  while (j < s.size()) {
    const char b = s[j];
    if (!is_digit(b)) {
      if (j == 0 && untrimmed_start && b == 'T') {
        just_time = true;
        i += 3;
      } else if (i < 2) {
        if (b == '-') {
          if (!valid_digits(i, digits)) return std::nullopt;
          segments[i] = value;
          value = 0;
          digits = 0;
          ++i;
        } else if (i == 0 && b == ':' && !has_sign) {
          just_time = true;
          if (!valid_digits(3, digits)) return std::nullopt;
          segments[3] = value;
          value = 0;
          digits = 0;
          i = 4;
        } else {
          return std::nullopt;
        }
      } else if (i == 2) {
        if (b != ' ' && b != 'T') return std::nullopt;
        if (!valid_digits(i, digits)) return std::nullopt;
        segments[i] = value;
        value = 0;
        digits = 0;
        ++i;
      } else if (i == 3 || i == 4) {
        if (b != ':') return std::nullopt;
        if (!valid_digits(i, digits)) return std::nullopt;
        segments[i] = value;
        value = 0;
        digits = 0;
        ++i;
      } else if (i == 5 || i == 6) {
        if (b == '.' && i == 5) {
          if (!valid_digits(i, digits)) return std::nullopt;
          segments[i] = value;
          value = 0;
          digits = 0;
          ++i;
        } else {
          if (!valid_digits(i, digits)) return std::nullopt;
          segments[i] = value;
          value = 0;
          digits = 0;
          ++i;
          zone = s.substr(j);
          j = s.size() - 1;
        }
        if (i == 6 && b != '.') ++i;
      } else {
        if (i < 9 && (b == ':' || b == ' ')) {
          if (!valid_digits(i, digits)) return std::nullopt;
          segments[i] = value;
          value = 0;
          digits = 0;
          ++i;
        } else {
          return std::nullopt;
        }
      }
    } else {
      // No segment but the fraction is valid with so many digits (and the
      // value would overflow).
      if (digits >= 9 && i != 6) return std::nullopt;
      if (i == 6) ++fraction_digits;
      if (i != 6 || digits < 6) value = value * 10 + (b - '0');
      ++digits;
    }
    ++j;
  }
  if (!valid_digits(i, digits)) return std::nullopt;
  segments[i] = value;
  while (fraction_digits < 6) {
    segments[6] *= 10;
    ++fraction_digits;
  }
  // A time without a date resolves against today's date in Spark: not
  // reproducible, so not accepted here.
  if (just_time) return std::nullopt;
  int32_t offset = 0;
  if (zone) {
    auto z = spark_zone_offset_seconds(*zone);
    if (!z) return std::nullopt;
    offset = *z;
  }
  if (segments[3] > 23 || segments[4] > 59 || segments[5] > 59) return std::nullopt;
  auto days = checked_days(year_sign * segments[0], segments[1], segments[2]);
  if (!days) return std::nullopt;
  const int128 seconds = static_cast<int128>(*days) * 86400 + segments[3] * 3600 + segments[4] * 60 + segments[5];
  return TimestampFields{seconds * kMicrosPerSecond + segments[6], offset};
}

std::optional<int64_t> checked_micros(int128 micros) {
  if (micros < std::numeric_limits<int64_t>::min() || micros > std::numeric_limits<int64_t>::max()) return std::nullopt;
  return static_cast<int64_t>(micros);
}

}  // namespace

std::optional<int64_t> spark_string_to_timestamp(std::string_view s) {
  auto f = parse_timestamp_fields(s);
  if (!f) return std::nullopt;
  return checked_micros(f->local_micros - static_cast<int128>(f->offset) * kMicrosPerSecond);
}

std::optional<int64_t> spark_string_to_timestamp_ntz(std::string_view s) {
  auto f = parse_timestamp_fields(s);
  if (!f) return std::nullopt;
  return checked_micros(f->local_micros);
}

int128 pow10_i128(int n) {
  static const auto table = [] {
    std::array<int128, 39> t{};
    t[0] = 1;
    for (int k = 1; k < 39; ++k) t[k] = t[k - 1] * 10;
    return t;
  }();
  return table[n];
}

int decimal_digits(int128 v) {
  if (v < 0) v = -v;
  int d = 1;
  while (d < 39 && v >= pow10_i128(d)) ++d;
  return d;
}

bool fits_precision(int128 v, int precision) {
  const int128 limit = pow10_i128(precision);
  return v < limit && v > -limit;
}

bool rescale_decimal(int128 v, int from, int to, int128& out) {
  if (to == from) {
    out = v;
    return true;
  }
  if (to > from) {
    const int diff = to - from;
    if (diff > 38) return v == 0 ? (out = 0, true) : false;
    return !__builtin_mul_overflow(v, pow10_i128(diff), &out);
  }
  const int diff = from - to;
  if (diff > 38) {
    out = 0;
    return true;
  }
  const int128 p = pow10_i128(diff);
  int128 q = v / p;
  const int128 r = v % p;
  // HALF_UP: away from zero when the dropped part is at least half.
  if (r >= 0 ? r * 2 >= p : -r * 2 >= p) q += v < 0 ? -1 : 1;
  out = q;
  return true;
}

std::string decimal_to_string(int128 unscaled, int scale) {
  const bool negative = unscaled < 0;
  unsigned __int128 mag =
      negative ? static_cast<unsigned __int128>(-(unscaled + 1)) + 1 : static_cast<unsigned __int128>(unscaled);
  std::string digits;
  do {
    digits.push_back(static_cast<char>('0' + static_cast<int>(mag % 10)));
    mag /= 10;
  } while (mag != 0);
  while (static_cast<int>(digits.size()) <= scale) digits.push_back('0');
  std::string out = negative ? "-" : "";
  for (size_t k = digits.size(); k-- > 0;) {
    out.push_back(digits[k]);
    if (scale > 0 && k == static_cast<size_t>(scale)) out.push_back('.');
  }
  return out;
}

double decimal_to_double(int128 unscaled, int scale) {
  // Through text so the result is the correctly rounded nearest double, as
  // Java's BigDecimal.doubleValue() gives.
  std::string text = decimal_to_string(unscaled, 0);
  if (scale > 0) text += "e-" + std::to_string(scale);
  return std::strtod(text.c_str(), nullptr);
}

std::optional<int128> spark_string_to_decimal(std::string_view input, int precision, int scale) {
  std::string_view s = java_trim(input);
  size_t pos = 0;
  bool negative = false;
  if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) negative = s[pos++] == '-';
  std::string digits;
  int frac_digits = 0;
  bool seen_point = false;
  size_t count = 0;
  while (pos < s.size() && (is_digit(s[pos]) || (s[pos] == '.' && !seen_point))) {
    if (s[pos] == '.') {
      seen_point = true;
    } else {
      digits.push_back(s[pos]);
      if (seen_point) ++frac_digits;
      ++count;
    }
    ++pos;
  }
  if (count == 0) return std::nullopt;
  int64_t exponent = 0;
  if (pos < s.size() && (s[pos] == 'e' || s[pos] == 'E')) {
    ++pos;
    bool exp_negative = false;
    if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) exp_negative = s[pos++] == '-';
    size_t exp_digits = 0;
    while (pos < s.size() && is_digit(s[pos])) {
      // Java requires the exponent to fit an int; cap the magnitude instead
      // (any exponent this large overflows or rounds to zero anyway).
      if (exponent < 1'000'000'000) exponent = exponent * 10 + (s[pos] - '0');
      ++pos;
      ++exp_digits;
    }
    if (exp_digits == 0) return std::nullopt;
    if (exp_negative) exponent = -exponent;
  }
  if (pos != s.size()) return std::nullopt;
  // value = digits * 10^(exponent - frac_digits); bring it to `scale`.
  size_t first = digits.find_first_not_of('0');
  if (first == std::string::npos) return int128{0};
  digits = digits.substr(first);
  int64_t shift = static_cast<int64_t>(scale) + exponent - frac_digits;  // multiply digits by 10^shift
  if (shift < 0) {
    const int64_t drop = -shift;
    if (drop > static_cast<int64_t>(digits.size())) return int128{0};
    // Round HALF_UP at the dropped position.
    const size_t keep = digits.size() - static_cast<size_t>(drop);
    const bool round_up = digits[keep] >= '5';
    digits.resize(keep);
    if (digits.size() > 38) return std::nullopt;
    int128 v = 0;
    for (char c : digits) v = v * 10 + (c - '0');
    if (round_up) v += 1;
    if (!fits_precision(v, precision)) return std::nullopt;
    return negative ? -v : v;
  }
  if (static_cast<int64_t>(digits.size()) + shift > precision) return std::nullopt;
  int128 v = 0;
  for (char c : digits) v = v * 10 + (c - '0');
  v *= pow10_i128(static_cast<int>(shift));
  if (!fits_precision(v, precision)) return std::nullopt;
  return negative ? -v : v;
}

void shortest_digits(double d, std::string& digits, int& exponent) {
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, std::fabs(d), std::chars_format::scientific);
  std::string_view text(buf, static_cast<size_t>(res.ptr - buf));
  const size_t e = text.find('e');
  digits.clear();
  for (size_t k = 0; k < e; ++k)
    if (text[k] != '.') digits.push_back(text[k]);
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  int exp10 = 0;
  std::from_chars(text.data() + e + 1 + (text[e + 1] == '+' ? 1 : 0), text.data() + text.size(), exp10);
  // value = 0.d1d2... * 10^(exp10+1) = d1.d2... * 10^exp10 → as an integer of
  // digits times 10^(exp10 - (n - 1)).
  exponent = exp10 - static_cast<int>(digits.size()) + 1;
}

namespace {

template <class F>
std::string java_floating_to_string(F value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
  if (value == 0) return std::signbit(value) ? "-0.0" : "0.0";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::scientific);
  std::string_view text(buf, static_cast<size_t>(res.ptr - buf));
  std::string out;
  size_t k = 0;
  if (text[0] == '-') {
    out.push_back('-');
    k = 1;
  }
  const size_t e = text.find('e');
  std::string digits;
  for (size_t q = k; q < e; ++q)
    if (text[q] != '.') digits.push_back(text[q]);
  int exp10 = 0;
  std::from_chars(text.data() + e + 1 + (text[e + 1] == '+' ? 1 : 0), text.data() + text.size(), exp10);
  const double mag = std::fabs(static_cast<double>(value));
  if (mag >= 1e-3 && mag < 1e7) {
    // Plain notation with at least one digit after the point.
    if (exp10 >= 0) {
      const size_t int_len = static_cast<size_t>(exp10) + 1;
      while (digits.size() < int_len) digits.push_back('0');
      out += digits.substr(0, int_len);
      out += '.';
      out += digits.size() > int_len ? digits.substr(int_len) : "0";
    } else {
      out += "0.";
      out.append(static_cast<size_t>(-exp10 - 1), '0');
      out += digits;
    }
    return out;
  }
  out.push_back(digits[0]);
  out.push_back('.');
  out += digits.size() > 1 ? digits.substr(1) : "0";
  out += 'E';
  out += std::to_string(exp10);
  return out;
}

void append_year(std::string& out, int64_t year) {
  char buf[32];
  if (year > 9999)
    std::snprintf(buf, sizeof buf, "+%lld", static_cast<long long>(year));
  else if (year < 0)
    std::snprintf(buf, sizeof buf, "-%04lld", static_cast<long long>(-year));
  else
    std::snprintf(buf, sizeof buf, "%04lld", static_cast<long long>(year));
  out += buf;
}

}  // namespace

std::string java_double_to_string(double d) { return java_floating_to_string(d); }
std::string java_float_to_string(float f) { return java_floating_to_string(f); }

std::string spark_date_to_string(int32_t days) {
  const CivilDate c = civil_from_days(days);
  std::string out;
  append_year(out, c.year);
  char buf[16];
  std::snprintf(buf, sizeof buf, "-%02u-%02u", c.month, c.day);
  return out + buf;
}

std::string spark_timestamp_to_string(int64_t micros) {
  const int32_t days = date_of_timestamp(micros);
  int64_t in_day = micros % kMicrosPerDay;  // not micros - days * day: that overflows near the limits
  if (in_day < 0) in_day += kMicrosPerDay;
  const int64_t secs = in_day / kMicrosPerSecond;
  int64_t frac = in_day % kMicrosPerSecond;
  std::string out = spark_date_to_string(days);
  char buf[48];
  std::snprintf(buf, sizeof buf, " %02lld:%02lld:%02lld", static_cast<long long>(secs / 3600),
                static_cast<long long>(secs / 60 % 60), static_cast<long long>(secs % 60));
  out += buf;
  if (frac != 0) {
    int width = 6;
    while (frac % 10 == 0) {
      frac /= 10;
      --width;
    }
    std::snprintf(buf, sizeof buf, ".%0*lld", width, static_cast<long long>(frac));
    out += buf;
  }
  return out;
}

std::optional<int128> double_to_decimal(double d, int precision, int scale) {
  if (std::isnan(d) || std::isinf(d)) return std::nullopt;
  if (d == 0) return int128{0};
  std::string digits;
  int exponent = 0;
  shortest_digits(d, digits, exponent);
  std::string text = (d < 0 ? "-" : "") + digits + "e" + std::to_string(exponent);
  return spark_string_to_decimal(text, precision, scale);
}

}  // namespace bullion::expr
