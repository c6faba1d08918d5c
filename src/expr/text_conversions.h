// Text ↔ value conversions with Spark's (ANSI off, UTC session) exact rules.
//
// These are what CAST(string AS ...) and CAST(... AS STRING) do in Spark, so
// the names say whose rule each one follows: Java's Double.parseDouble and
// Double.toString, Spark's UTF8String.toLong, stringToDate and
// stringToTimestamp. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "bullion/columnar/type.h"

namespace bullion::expr {

// UTF8String.toLong/toInt: surrounding whitespace and ASCII control bytes are
// ignored, an optional sign, digits, and an optional '.' followed by digits
// (the fraction is dropped: "1.9" → 1, "." → 0). Overflow → nullopt.
std::optional<int64_t> spark_string_to_int64(std::string_view s);
std::optional<int32_t> spark_string_to_int32(std::string_view s);

// Java's Double.parseDouble (decimal and hexadecimal forms, optional d/f
// suffix, NaN, Infinity) plus Spark's special literals (inf, -infinity, nan;
// case-insensitive). nullopt when none matches.
std::optional<double> spark_string_to_double(std::string_view s);
std::optional<float> spark_string_to_float(std::string_view s);

// t, true, y, yes, 1 → true; f, false, n, no, 0 → false (case-insensitive,
// whitespace trimmed); anything else nullopt.
std::optional<bool> spark_string_to_boolean(std::string_view s);

// Spark's stringToDate: [+-]yyyy[y..], yyyy-[m]m, yyyy-[m]m-[d]d, optionally
// followed by ' ' or 'T' and anything; whitespace trimmed.
std::optional<int32_t> spark_string_to_date(std::string_view s);

// Spark's stringToTimestamp with session zone UTC: the date forms above,
// then [T| ]h[h][:m[m][:s[s][.fraction]]] and an optional zone (Z, ±h[h][:mm[:ss]],
// ±hhmm[ss], UTC/GMT/UT with an offset, EST/MST/HST). Region zone ids
// (America/New_York) and time-only strings (which Spark resolves against the
// current date) yield nullopt.
std::optional<int64_t> spark_string_to_timestamp(std::string_view s);
// The same for TIMESTAMP_NTZ: the wall-clock reading; a zone is ignored
// (Spark's CAST to TIMESTAMP_NTZ discards it).
std::optional<int64_t> spark_string_to_timestamp_ntz(std::string_view s);

// A decimal number (Java BigDecimal syntax, whitespace trimmed) rounded
// HALF_UP to `scale`; nullopt if malformed or if it needs more than
// `precision` digits.
std::optional<int128> spark_string_to_decimal(std::string_view s, int precision, int scale);

// Java's Double.toString / Float.toString: "1.0", "0.001", "1.0E-4", "1.0E7",
// "NaN", "Infinity", "-0.0" (shortest round-trip digits).
std::string java_double_to_string(double d);
std::string java_float_to_string(float f);

// Spark's CAST(date AS STRING): "2026-01-05", "+10000-01-01", "-0044-03-15".
std::string spark_date_to_string(int32_t days);
// Spark's CAST(timestamp AS STRING) in UTC: "2026-01-05 10:11:12.5".
std::string spark_timestamp_to_string(int64_t micros);
// Plain decimal text of an unscaled value: (12345, 2) → "123.45".
std::string decimal_to_string(int128 unscaled, int scale);

// Shortest decimal digits of a double that round-trip, and the decimal
// exponent: 2.675 → ("2675", -3). d must be finite and non-zero.
void shortest_digits(double d, std::string& digits, int& exponent);

// Fixed offset of a zone designator as Spark's getZoneId resolves it
// (see spark_string_to_timestamp); seconds east of UTC.
std::optional<int32_t> spark_zone_offset_seconds(std::string_view zone);

// Powers of ten as int128, 10^0 .. 10^38.
int128 pow10_i128(int n);
// Digits needed for |v| (0 needs 1).
int decimal_digits(int128 v);
// Rescales an unscaled decimal from scale `from` to scale `to`, rounding
// HALF_UP when reducing; false on int128 overflow.
bool rescale_decimal(int128 v, int from, int to, int128& out);
// True if |v| < 10^precision.
bool fits_precision(int128 v, int precision);
// Nearest double of an unscaled decimal.
double decimal_to_double(int128 unscaled, int scale);
// A double as decimal(precision, scale), via its shortest decimal text (as
// Spark's BigDecimal(double) does), HALF_UP; nullopt for NaN/Infinity/overflow.
std::optional<int128> double_to_decimal(double d, int precision, int scale);

}  // namespace bullion::expr
