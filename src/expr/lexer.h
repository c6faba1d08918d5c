// Tokens of Spark SQL's expression syntax (internal to the parser).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "bullion/expr/parser.h"

namespace bullion::expr {

enum class TokenKind : uint8_t {
  kEnd,
  kIdentifier,  // text = name; quoted if it was `backquoted`
  kNumber,      // text = the literal as written (digits, '.', exponent, suffix)
  kString,      // text = the decoded value ('' and backslash escapes applied, adjacent literals joined)
  kHexString,   // text = decoded bytes of X'..'
  kSymbol,      // text = ( ) , * + - / % = == != <> < <= > >= <=> || ! :: .
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  std::string text;
  bool quoted = false;
  SourcePos pos;
};

// Splits `text` into tokens (the last is kEnd). Throws InvalidInput with the
// position on a malformed token (unterminated string, stray character).
std::vector<Token> tokenize(std::string_view text);

}  // namespace bullion::expr
