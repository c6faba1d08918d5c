// Datetime patterns for to_timestamp(str, fmt) / to_date(str, fmt), with
// Spark's (Java DateTimeFormatter) parsing rules for the supported letters:
//
//   y      year: y = 1..9 digits, yy = 2 digits (20yy), yyyy = 4 digits
//   M      month: M = 1..2 digits, MM = 2 digits, MMM = Jan, MMMM = January
//   d      day of month: d = 1..2 digits, dd = 2 digits
//   H / h  hour 0-23 / 1-12 (with a = AM/PM); one letter = 1..2 digits
//   m, s   minute, second
//   S..S   fraction of a second: n letters = 1..n digits
//   X, XX, XXX / x, xx, xxx / Z   zone offset (Z, ±hh, ±hhmm, ±hh:mm)
//   'text' literal text ('' is a quote); other non-letters are literal
//
// The whole string must match; names are case-insensitive; missing fields
// default to 1970-01-01 00:00:00 UTC. Internal.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bullion::expr {

class DatetimePattern {
 public:
  // Throws InvalidInput for an unsupported or malformed pattern.
  static std::shared_ptr<const DatetimePattern> compile(std::string_view pattern);

  // Micros since the epoch (UTC), or nullopt if `text` does not match.
  std::optional<int64_t> parse(std::string_view text) const;

  struct Field {
    char letter;  // 0 for literal text
    int count;
    std::string literal;
  };

 private:
  std::vector<Field> fields_;
};

}  // namespace bullion::expr
