#include "expr/datetime_format.h"

#include <strings.h>

#include "bullion/core/error.h"
#include "bullion/core/time.h"

namespace bullion::expr {

namespace {

constexpr const char* kMonthNames[] = {"January", "February", "March",     "April",   "May",      "June",
                                       "July",    "August",   "September", "October", "November", "December"};

bool is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Reads between min and max digits (greedy) at pos.
bool read_number(std::string_view s, size_t& pos, int min, int max, int64_t& out) {
  int n = 0;
  int64_t v = 0;
  while (pos + n < s.size() && n < max && is_digit(s[pos + n])) {
    v = v * 10 + (s[pos + n] - '0');
    ++n;
  }
  if (n < min) return false;
  pos += static_cast<size_t>(n);
  out = v;
  return true;
}

bool read_offset(std::string_view s, size_t& pos, char letter, int count, int64_t& offset_seconds) {
  if (pos >= s.size()) return false;
  if ((letter == 'X') && s[pos] == 'Z') {
    ++pos;
    offset_seconds = 0;
    return true;
  }
  if (s[pos] != '+' && s[pos] != '-') return false;
  const int sign = s[pos] == '-' ? -1 : 1;
  size_t p = pos + 1;
  int64_t h = 0, m = 0;
  if (!read_number(s, p, 2, 2, h)) return false;
  if (letter == 'Z' || count == 2) {
    if (!read_number(s, p, 2, 2, m)) return false;
  } else if (count >= 3) {
    if (p >= s.size() || s[p] != ':') return false;
    ++p;
    if (!read_number(s, p, 2, 2, m)) return false;
  } else {
    // X / x: hours, optionally followed by minutes.
    size_t q = p;
    int64_t mm = 0;
    if (read_number(s, q, 2, 2, mm)) {
      p = q;
      m = mm;
    }
  }
  if (h > 18 || m > 59 || h * 3600 + m * 60 > 18 * 3600) return false;
  offset_seconds = sign * (h * 3600 + m * 60);
  pos = p;
  return true;
}

}  // namespace

std::shared_ptr<const DatetimePattern> DatetimePattern::compile(std::string_view pattern) {
  auto p = std::make_shared<DatetimePattern>();
  auto fail = [&](const std::string& why) -> void {
    throw Error::invalid_input("invalid datetime pattern '" + std::string(pattern) + "': " + why);
  };
  for (size_t i = 0; i < pattern.size();) {
    const char c = pattern[i];
    if (c == '\'') {
      std::string text;
      size_t k = i + 1;
      bool closed = false;
      while (k < pattern.size()) {
        if (pattern[k] == '\'') {
          if (k + 1 < pattern.size() && pattern[k + 1] == '\'') {
            text.push_back('\'');
            k += 2;
            continue;
          }
          closed = true;
          ++k;
          break;
        }
        text.push_back(pattern[k++]);
      }
      if (!closed) fail("unterminated quote");
      if (k == i + 2) text = "'";  // '' is a literal quote
      p->fields_.push_back({0, 0, text});
      i = k;
      continue;
    }
    if (!is_letter(c)) {
      p->fields_.push_back({0, 0, std::string(1, c)});
      ++i;
      continue;
    }
    size_t k = i;
    while (k < pattern.size() && pattern[k] == c) ++k;
    const int count = static_cast<int>(k - i);
    switch (c) {
      case 'y':
      case 'M':
      case 'd':
      case 'H':
      case 'h':
      case 'm':
      case 's':
      case 'S':
      case 'a':
      case 'X':
      case 'x':
      case 'Z':
        break;
      default:
        fail(std::string("the letter '") + c +
             "' is not supported (supported: y M d H h m s S a X x Z and quoted text)");
    }
    if ((c == 'd' || c == 'H' || c == 'h' || c == 'm' || c == 's') && count > 2)
      fail(std::string("too many '") + c + "' letters");
    if (c == 'M' && count > 4) fail("too many 'M' letters");
    if ((c == 'X' || c == 'x') && count > 3) fail("too many offset letters");
    if (c == 'Z' && count > 3) fail("too many 'Z' letters");
    if (c == 'S' && count > 9) fail("too many 'S' letters");
    if (c == 'a' && count > 1) fail("too many 'a' letters");
    p->fields_.push_back({c, count, {}});
    i = k;
  }
  return p;
}

std::optional<int64_t> DatetimePattern::parse(std::string_view s) const {
  int64_t year = 1970, month = 1, day = 1, hour = 0, minute = 0, second = 0, micros = 0;
  int64_t hour12 = -1;
  int am_pm = -1;
  int64_t offset = 0;
  size_t pos = 0;
  for (const Field& f : fields_) {
    if (f.letter == 0) {
      if (s.compare(pos, f.literal.size(), f.literal) != 0) return std::nullopt;
      pos += f.literal.size();
      continue;
    }
    const int n = f.count;
    switch (f.letter) {
      case 'y':
        if (n == 2) {
          if (!read_number(s, pos, 2, 2, year)) return std::nullopt;
          year += 2000;
        } else if (n == 1) {
          if (!read_number(s, pos, 1, 9, year)) return std::nullopt;
        } else {
          if (!read_number(s, pos, n, n, year)) return std::nullopt;
        }
        break;
      case 'M':
        if (n >= 3) {
          bool found = false;
          for (int k = 0; k < 12 && !found; ++k) {
            std::string_view name = kMonthNames[k];
            if (n == 3) name = name.substr(0, 3);
            if (s.size() - pos >= name.size() && ::strncasecmp(s.data() + pos, name.data(), name.size()) == 0) {
              month = k + 1;
              pos += name.size();
              found = true;
            }
          }
          if (!found) return std::nullopt;
        } else if (!read_number(s, pos, n, 2, month)) {
          return std::nullopt;
        }
        break;
      case 'd':
        if (!read_number(s, pos, n, 2, day)) return std::nullopt;
        break;
      case 'H':
        if (!read_number(s, pos, n, 2, hour)) return std::nullopt;
        break;
      case 'h':
        if (!read_number(s, pos, n, 2, hour12)) return std::nullopt;
        break;
      case 'm':
        if (!read_number(s, pos, n, 2, minute)) return std::nullopt;
        break;
      case 's':
        if (!read_number(s, pos, n, 2, second)) return std::nullopt;
        break;
      case 'S': {
        const size_t start = pos;
        int64_t frac = 0;
        if (!read_number(s, pos, 1, n, frac)) return std::nullopt;
        int digits = static_cast<int>(pos - start);
        // Nanosecond precision is accepted; micros are kept.
        while (digits < 6) {
          frac *= 10;
          ++digits;
        }
        while (digits > 6) {
          frac /= 10;
          --digits;
        }
        micros = frac;
        break;
      }
      case 'a':
        if (s.size() - pos >= 2 && ::strncasecmp(s.data() + pos, "AM", 2) == 0)
          am_pm = 0;
        else if (s.size() - pos >= 2 && ::strncasecmp(s.data() + pos, "PM", 2) == 0)
          am_pm = 1;
        else
          return std::nullopt;
        pos += 2;
        break;
      case 'X':
      case 'x':
      case 'Z':
        if (!read_offset(s, pos, f.letter, n, offset)) return std::nullopt;
        break;
      default:
        return std::nullopt;
    }
  }
  if (pos != s.size()) return std::nullopt;
  if (hour12 >= 0) {
    if (hour12 < 1 || hour12 > 12) return std::nullopt;
    hour = hour12 % 12 + (am_pm == 1 ? 12 : 0);
  } else if (am_pm == 1) {
    if (hour < 12) hour += 12;
  }
  if (year < -290000 || year > 290000) return std::nullopt;
  if (!is_valid_civil(static_cast<int32_t>(year), static_cast<uint32_t>(month), static_cast<uint32_t>(day)))
    return std::nullopt;
  if (hour > 23 || minute > 59 || second > 59) return std::nullopt;
  const int64_t days =
      days_from_civil(static_cast<int32_t>(year), static_cast<uint32_t>(month), static_cast<uint32_t>(day));
  return ((days * 86400 + hour * 3600 + minute * 60 + second) - offset) * kMicrosPerSecond + micros;
}

}  // namespace bullion::expr
