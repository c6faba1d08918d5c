// Spark's UTF8String character rules, shared by string functions (internal).
#pragma once

#include <cstdint>
#include <string_view>

namespace bullion::expr {

// UTF8String.numBytesForFirstByte: bytes of the character a lead byte starts
// (1 for bytes that cannot start a character).
size_t spark_char_bytes(unsigned char lead);
// UTF8String.numChars.
int32_t spark_num_chars(std::string_view s);
// UTF8String.substring(start, until) in characters.
std::string_view spark_substring_chars(std::string_view s, int32_t start, int32_t until);
// UTF8String.substringSQL(pos, length): 1-based; 0 is 1; negative counts
// from the end.
std::string_view spark_substring_sql(std::string_view s, int32_t pos, int32_t length);

}  // namespace bullion::expr
