// Internal: parsing one NDJSON line with simdjson's On-Demand API.
//
// simdjson's On-Demand parser validates what it visits, so every value of a
// line is visited: scalars through a typed getter, nested values through
// write_json(), which walks (and so validates) the whole value while writing
// its minified text. A line is accepted only if it is one JSON object with
// nothing after it.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "bullion/columnar/type.h"

namespace bullion::json::detail {

namespace od = simdjson::ondemand;

// What a JSON value is, as far as typing goes.
enum class JsonKind : uint8_t { kNull, kBoolean, kInteger, kBigInteger, kDouble, kString, kObject, kArray };

// The inference type of a kind: NULL, BOOLEAN, BIGINT (kInteger), DOUBLE
// (kBigInteger, kDouble), STRING (strings and nested values).
DataType inferred_type(JsonKind kind);

// Trailing JSON whitespace removed (raw_json_token includes it).
inline std::string_view trim_token(std::string_view token) {
  while (!token.empty() &&
         (token.back() == ' ' || token.back() == '\t' || token.back() == '\n' || token.back() == '\r'))
    token.remove_suffix(1);
  return token;
}

// True if `token` is a JSON integer (optional '-', digits, no leading zero)
// — used to accept integers beyond 64 bits, which simdjson 3.0 rejects.
bool is_json_integer_token(std::string_view token);
// True if `token` is a JSON number (RFC 8259 grammar).
bool is_json_number_token(std::string_view token);
// Parses a JSON number token as a double (correctly rounded; ±inf beyond the range).
double parse_double_token(std::string_view token);

// Appends `s` as a JSON string literal (quotes and escapes) to `out`.
void append_json_string(std::string& out, std::string_view s);

// Walks `value` (any JSON value), validating it, and appends its minified
// JSON text to `out`; strings are re-escaped canonically.
simdjson::error_code write_json(od::value value, std::string& out);

// The JSON text and kind of a scalar or nested value, validated. `scratch`
// holds the text for nested values; for scalars `text` points into the line.
struct ValueText {
  JsonKind kind = JsonKind::kNull;
  std::string_view text;
  int64_t int_value = 0;          // kInteger
  double double_value = 0;        // kBigInteger, kDouble (and kInteger converted)
  bool bool_value = false;        // kBoolean
  std::string_view string_value;  // kString: unescaped (into the parser's buffer or the line)
};
simdjson::error_code read_value(od::value& value, ValueText& out, std::string& scratch);

// "<simdjson's message>" for an error code, with the column when known.
std::string describe_error(simdjson::error_code error, std::string_view line, const char* location);

// Parses decimal text (a JSON number token or a string) into an unscaled
// value at `scale`, rounding half up; false if it does not fit `precision`.
bool parse_decimal_text(std::string_view text, int precision, int scale, int128& out);

}  // namespace bullion::json::detail
