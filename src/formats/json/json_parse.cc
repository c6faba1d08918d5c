#include "json_parse.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>

namespace bullion::json::detail {

#define BULLION_SIMDJSON_TRY(expr)       \
  do {                                   \
    if (auto _e = (expr); _e) return _e; \
  } while (0)

DataType inferred_type(JsonKind kind) {
  switch (kind) {
    case JsonKind::kNull:
      return DataType::null();
    case JsonKind::kBoolean:
      return DataType::boolean();
    case JsonKind::kInteger:
      return DataType::int64();
    case JsonKind::kBigInteger:
    case JsonKind::kDouble:
      return DataType::float64();
    case JsonKind::kString:
    case JsonKind::kObject:
    case JsonKind::kArray:
      return DataType::string();
  }
  return DataType::string();
}

bool is_json_integer_token(std::string_view token) {
  if (!token.empty() && token.front() == '-') token.remove_prefix(1);
  if (token.empty() || (token.front() == '0' && token.size() > 1)) return false;
  for (char c : token)
    if (c < '0' || c > '9') return false;
  return true;
}

bool is_json_number_token(std::string_view t) {
  size_t i = 0;
  if (i < t.size() && t[i] == '-') ++i;
  if (i == t.size()) return false;
  if (t[i] == '0') {
    ++i;
  } else if (t[i] >= '1' && t[i] <= '9') {
    while (i < t.size() && t[i] >= '0' && t[i] <= '9') ++i;
  } else {
    return false;
  }
  if (i < t.size() && t[i] == '.') {
    const size_t start = ++i;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9') ++i;
    if (i == start) return false;
  }
  if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
    ++i;
    if (i < t.size() && (t[i] == '+' || t[i] == '-')) ++i;
    const size_t start = i;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9') ++i;
    if (i == start) return false;
  }
  return i == t.size();
}

double parse_double_token(std::string_view token) {
  // strtod rounds correctly and gives ±HUGE_VAL beyond the double range and
  // 0 (or a subnormal) below it, as JSON readers do. The token is ASCII and
  // bullion never changes the C locale, so '.' is the decimal point.
  const std::string copy(token);
  return std::strtod(copy.c_str(), nullptr);
}

void append_json_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  size_t run = 0;  // start of the pending run of bytes that need no escaping
  for (size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 15];
    }
  }
  out.append(s.data() + run, s.size() - run);
  out += '"';
}

simdjson::error_code read_value(od::value& value, ValueText& out, std::string& scratch) {
  od::json_type type;
  BULLION_SIMDJSON_TRY(value.type().get(type));
  switch (type) {
    case od::json_type::null: {
      bool is_null = false;
      BULLION_SIMDJSON_TRY(value.is_null().get(is_null));
      if (!is_null) return simdjson::N_ATOM_ERROR;
      out.kind = JsonKind::kNull;
      out.text = "null";
      return simdjson::SUCCESS;
    }
    case od::json_type::boolean: {
      BULLION_SIMDJSON_TRY(value.get_bool().get(out.bool_value));
      out.kind = JsonKind::kBoolean;
      out.text = out.bool_value ? "true" : "false";
      return simdjson::SUCCESS;
    }
    case od::json_type::number: {
      const std::string_view raw = trim_token(value.raw_json_token());
      out.text = raw;
      od::number number;
      if (auto e = value.get_number().get(number); e) {
        // simdjson 3.0 refuses integers beyond 64 bits and numbers beyond the
        // double range; JSON allows both.
        if (e == simdjson::NUMBER_ERROR && is_json_number_token(raw)) {
          out.kind = is_json_integer_token(raw) ? JsonKind::kBigInteger : JsonKind::kDouble;
          out.double_value = parse_double_token(raw);
          return simdjson::SUCCESS;
        }
        return e;
      }
      switch (number.get_number_type()) {
        case od::number_type::signed_integer:
          out.kind = JsonKind::kInteger;
          out.int_value = number.get_int64();
          out.double_value = static_cast<double>(out.int_value);
          break;
        case od::number_type::unsigned_integer:
          out.kind = JsonKind::kBigInteger;
          out.double_value = static_cast<double>(number.get_uint64());
          break;
        case od::number_type::floating_point_number:
          out.kind = JsonKind::kDouble;
          out.double_value = number.get_double();
          break;
      }
      return simdjson::SUCCESS;
    }
    case od::json_type::string: {
      const std::string_view raw = trim_token(value.raw_json_token());
      out.kind = JsonKind::kString;
      out.text = raw;
      // Without escapes the raw token is the value (stage 1 already checked
      // UTF-8 and unescaped control characters); the value is left unconsumed
      // and the iterator skips it.
      if (raw.size() >= 2 && raw.back() == '"' && std::memchr(raw.data(), '\\', raw.size()) == nullptr) {
        out.string_value = raw.substr(1, raw.size() - 2);
        return simdjson::SUCCESS;
      }
      return value.get_string().get(out.string_value);
    }
    case od::json_type::object:
    case od::json_type::array: {
      out.kind = type == od::json_type::object ? JsonKind::kObject : JsonKind::kArray;
      scratch.clear();
      BULLION_SIMDJSON_TRY(write_json(value, scratch));
      out.text = scratch;
      return simdjson::SUCCESS;
    }
  }
  return simdjson::INCORRECT_TYPE;
}

simdjson::error_code write_json(od::value value, std::string& out) {
  od::json_type type;
  BULLION_SIMDJSON_TRY(value.type().get(type));
  if (type == od::json_type::object) {
    od::object object;
    BULLION_SIMDJSON_TRY(value.get_object().get(object));
    out += '{';
    bool first = true;
    for (auto field_result : object) {
      od::field field;
      BULLION_SIMDJSON_TRY(std::move(field_result).get(field));
      if (!first) out += ',';
      first = false;
      std::string_view key;
      BULLION_SIMDJSON_TRY(field.unescaped_key().get(key));
      append_json_string(out, key);
      out += ':';
      BULLION_SIMDJSON_TRY(write_json(field.value(), out));
    }
    out += '}';
    return simdjson::SUCCESS;
  }
  if (type == od::json_type::array) {
    od::array array;
    BULLION_SIMDJSON_TRY(value.get_array().get(array));
    out += '[';
    bool first = true;
    for (auto element_result : array) {
      od::value element;
      BULLION_SIMDJSON_TRY(std::move(element_result).get(element));
      if (!first) out += ',';
      first = false;
      BULLION_SIMDJSON_TRY(write_json(element, out));
    }
    out += ']';
    return simdjson::SUCCESS;
  }
  ValueText scalar;
  std::string unused;
  BULLION_SIMDJSON_TRY(read_value(value, scalar, unused));
  if (scalar.kind == JsonKind::kString && std::memchr(scalar.text.data(), '\\', scalar.text.size()) != nullptr) {
    append_json_string(out, scalar.string_value);  // canonical escapes
  } else {
    out += scalar.text;
  }
  return simdjson::SUCCESS;
}

std::string describe_error(simdjson::error_code error, std::string_view line, const char* location) {
  std::string message;
  switch (error) {
    case simdjson::UTF8_ERROR:
      message = "invalid UTF-8";
      break;
    case simdjson::UNESCAPED_CHARS:
      message = "a control character inside a string must be escaped";
      break;
    case simdjson::UNCLOSED_STRING:
      message = "a string is not closed";
      break;
    case simdjson::NUMBER_ERROR:
      message = "malformed number";
      break;
    case simdjson::STRING_ERROR:
      message = "malformed string escape";
      break;
    case simdjson::T_ATOM_ERROR:
    case simdjson::F_ATOM_ERROR:
    case simdjson::N_ATOM_ERROR:
      message = "malformed literal (true, false or null)";
      break;
    case simdjson::DEPTH_ERROR:
      message = "nested too deeply";
      break;
    default:
      message = std::string("malformed JSON: ") + simdjson::error_message(error);
      break;
  }
  if (location != nullptr && location >= line.data() && location <= line.data() + line.size())
    message += " (near column " + std::to_string(location - line.data() + 1) + ")";
  return message;
}

bool parse_decimal_text(std::string_view text, int precision, int scale, int128& out) {
  size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) negative = text[i++] == '-';
  std::string digits;    // significant digits, leading zeros dropped
  int64_t exponent = 0;  // value = digits * 10^exponent
  bool any_digit = false;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
    any_digit = true;
    if (!(digits.empty() && text[i] == '0')) digits += text[i];
  }
  if (i < text.size() && text[i] == '.') {
    ++i;
    for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
      any_digit = true;
      --exponent;
      if (!(digits.empty() && text[i] == '0')) digits += text[i];
    }
  }
  if (!any_digit) return false;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    bool exp_negative = false;
    if (i < text.size() && (text[i] == '-' || text[i] == '+')) exp_negative = text[i++] == '-';
    if (i == text.size()) return false;
    int64_t e = 0;
    for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
      if (e < 100000) e = e * 10 + (text[i] - '0');
    }
    exponent += exp_negative ? -e : e;
  }
  if (i != text.size()) return false;
  const int64_t shift = exponent + scale;
  if (shift < 0) {
    const int64_t keep = static_cast<int64_t>(digits.size()) + shift;
    bool round_up = false;
    if (keep >= 0 && static_cast<size_t>(keep) < digits.size()) round_up = digits[static_cast<size_t>(keep)] >= '5';
    digits.resize(keep > 0 ? static_cast<size_t>(keep) : 0);
    if (round_up) {
      // Half up: add one at the last kept digit, carrying.
      size_t j = digits.size();
      while (j > 0 && digits[j - 1] == '9') digits[--j] = '0';
      if (j == 0)
        digits.insert(digits.begin(), '1');
      else
        ++digits[j - 1];
    }
  } else if (!digits.empty()) {
    if (static_cast<int64_t>(digits.size()) + shift > precision) return false;
    digits.append(static_cast<size_t>(shift), '0');
  }
  if (static_cast<int>(digits.size()) > precision) return false;
  int128 value = 0;
  for (char c : digits) value = value * 10 + (c - '0');
  out = negative ? -value : value;
  return true;
}

}  // namespace bullion::json::detail
