#include "expr/lexer.h"

#include "bullion/core/error.h"

namespace bullion::expr {

std::string SourcePos::to_string() const { return std::to_string(line) + ":" + std::to_string(column); }

SourcePos source_pos(std::string_view text, size_t offset) {
  SourcePos p;
  p.offset = static_cast<uint32_t>(offset);
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\n') {
      ++p.line;
      p.column = 1;
    } else if ((c & 0xC0) != 0x80) {
      ++p.column;
    }
  }
  return p;
}

namespace {

bool is_ident_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_ident_char(char c) { return is_ident_start(c) || (c >= '0' && c <= '9'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}

  std::vector<Token> run() {
    std::vector<Token> tokens;
    while (true) {
      skip_space_and_comments();
      Token t;
      t.pos = here();
      if (i_ >= text_.size()) {
        tokens.push_back(std::move(t));
        return tokens;
      }
      const char c = text_[i_];
      if (is_ident_start(c)) {
        lex_identifier_or_hex(t);
      } else if (c == '`') {
        lex_quoted_identifier(t);
      } else if (is_digit(c) || (c == '.' && i_ + 1 < text_.size() && is_digit(text_[i_ + 1]))) {
        lex_number(t);
      } else if (c == '\'' || c == '"') {
        lex_strings(t);
      } else {
        lex_symbol(t);
      }
      tokens.push_back(std::move(t));
    }
  }

 private:
  SourcePos here() {
    // Positions advance incrementally: tokens are produced left to right.
    while (pos_.offset < i_) {
      const auto ch = static_cast<unsigned char>(text_[pos_.offset]);
      if (ch == '\n') {
        ++pos_.line;
        pos_.column = 1;
      } else if ((ch & 0xC0) != 0x80) {
        ++pos_.column;
      }
      ++pos_.offset;
    }
    return pos_;
  }

  [[noreturn]] void fail(const std::string& what, size_t at) {
    const size_t save = i_;
    i_ = at;
    const SourcePos p = at >= pos_.offset ? here() : source_pos(text_, at);
    i_ = save;
    throw Error::invalid_input(what + " at " + p.to_string());
  }

  void skip_space_and_comments() {
    while (i_ < text_.size()) {
      const char c = text_[i_];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
        ++i_;
      } else if (c == '-' && i_ + 1 < text_.size() && text_[i_ + 1] == '-') {
        while (i_ < text_.size() && text_[i_] != '\n') ++i_;
      } else if (c == '/' && i_ + 1 < text_.size() && text_[i_ + 1] == '*') {
        const size_t start = i_;
        const size_t end = text_.find("*/", i_ + 2);
        if (end == std::string_view::npos) fail("unterminated comment '/*'", start);
        i_ = end + 2;
      } else {
        return;
      }
    }
  }

  void lex_identifier_or_hex(Token& t) {
    const size_t start = i_;
    if ((text_[i_] == 'x' || text_[i_] == 'X') && i_ + 1 < text_.size() && text_[i_ + 1] == '\'') {
      i_ += 2;
      std::string bytes;
      std::string digits;
      while (i_ < text_.size() && text_[i_] != '\'') digits.push_back(text_[i_++]);
      if (i_ >= text_.size()) fail("unterminated binary literal X'...'", start);
      ++i_;
      if (digits.size() % 2 != 0) fail("binary literal X'" + digits + "' needs an even number of hex digits", start);
      auto hex = [&](char h) -> int {
        if (h >= '0' && h <= '9') return h - '0';
        if (h >= 'a' && h <= 'f') return h - 'a' + 10;
        if (h >= 'A' && h <= 'F') return h - 'A' + 10;
        fail("invalid hex digit '" + std::string(1, h) + "' in binary literal", start);
      };
      for (size_t k = 0; k < digits.size(); k += 2)
        bytes.push_back(static_cast<char>(hex(digits[k]) * 16 + hex(digits[k + 1])));
      t.kind = TokenKind::kHexString;
      t.text = std::move(bytes);
      return;
    }
    while (i_ < text_.size() && is_ident_char(text_[i_])) ++i_;
    t.kind = TokenKind::kIdentifier;
    t.text = std::string(text_.substr(start, i_ - start));
  }

  void lex_quoted_identifier(Token& t) {
    const size_t start = i_;
    ++i_;
    std::string name;
    while (true) {
      if (i_ >= text_.size()) fail("unterminated quoted identifier starting", start);
      if (text_[i_] == '`') {
        if (i_ + 1 < text_.size() && text_[i_ + 1] == '`') {
          name.push_back('`');
          i_ += 2;
          continue;
        }
        ++i_;
        break;
      }
      name.push_back(text_[i_++]);
    }
    if (name.empty()) fail("empty quoted identifier ``", start);
    t.kind = TokenKind::kIdentifier;
    t.quoted = true;
    t.text = std::move(name);
  }

  void lex_number(Token& t) {
    const size_t start = i_;
    while (i_ < text_.size() && is_digit(text_[i_])) ++i_;
    if (i_ < text_.size() && text_[i_] == '.') {
      ++i_;
      while (i_ < text_.size() && is_digit(text_[i_])) ++i_;
    }
    if (i_ < text_.size() && (text_[i_] == 'e' || text_[i_] == 'E')) {
      size_t k = i_ + 1;
      if (k < text_.size() && (text_[k] == '+' || text_[k] == '-')) ++k;
      if (k < text_.size() && is_digit(text_[k])) {
        i_ = k;
        while (i_ < text_.size() && is_digit(text_[i_])) ++i_;
      }
    }
    // Type suffix: L, S, Y, D, F, BD (case-insensitive).
    if (i_ + 1 < text_.size() && (text_[i_] == 'b' || text_[i_] == 'B') &&
        (text_[i_ + 1] == 'd' || text_[i_ + 1] == 'D')) {
      i_ += 2;
    } else if (i_ < text_.size()) {
      switch (text_[i_]) {
        case 'l':
        case 'L':
        case 's':
        case 'S':
        case 'y':
        case 'Y':
        case 'd':
        case 'D':
        case 'f':
        case 'F':
          ++i_;
          break;
        default:
          break;
      }
    }
    if (i_ < text_.size() && is_ident_char(text_[i_])) {
      size_t end = i_;
      while (end < text_.size() && is_ident_char(text_[end])) ++end;
      fail("invalid number '" + std::string(text_.substr(start, end - start)) + "'", start);
    }
    t.kind = TokenKind::kNumber;
    t.text = std::string(text_.substr(start, i_ - start));
  }

  // One or more adjacent string literals (Spark joins 'a' 'b' into 'ab').
  void lex_strings(Token& t) {
    t.kind = TokenKind::kString;
    lex_one_string(t.text);
    while (true) {
      const size_t save = i_;
      skip_space_and_comments();
      if (i_ < text_.size() && (text_[i_] == '\'' || text_[i_] == '"')) {
        lex_one_string(t.text);
      } else {
        i_ = save;
        return;
      }
    }
  }

  // Spark's unescapeSQLString plus SQL's doubled quote.
  void lex_one_string(std::string& out) {
    const size_t start = i_;
    const char quote = text_[i_++];
    while (true) {
      if (i_ >= text_.size()) fail("unterminated string literal starting", start);
      const char c = text_[i_];
      if (c == quote) {
        if (i_ + 1 < text_.size() && text_[i_ + 1] == quote) {
          out.push_back(quote);
          i_ += 2;
          continue;
        }
        ++i_;
        return;
      }
      if (c != '\\') {
        out.push_back(c);
        ++i_;
        continue;
      }
      if (i_ + 1 >= text_.size()) fail("unterminated string literal starting", start);
      const char e = text_[i_ + 1];
      // Octal \[0-3][0-7][0-7].
      if (e >= '0' && e <= '3' && i_ + 3 < text_.size() && text_[i_ + 2] >= '0' && text_[i_ + 2] <= '7' &&
          text_[i_ + 3] >= '0' && text_[i_ + 3] <= '7') {
        append_utf8(out, static_cast<uint32_t>((e - '0') * 64 + (text_[i_ + 2] - '0') * 8 + (text_[i_ + 3] - '0')));
        i_ += 4;
        continue;
      }
      if (e == 'u' || e == 'U') {
        const size_t n = e == 'u' ? 4 : 8;
        uint32_t cp = 0;
        bool ok = i_ + 2 + n <= text_.size();
        for (size_t k = 0; ok && k < n; ++k) {
          const char h = text_[i_ + 2 + k];
          int v = -1;
          if (h >= '0' && h <= '9')
            v = h - '0';
          else if (h >= 'a' && h <= 'f')
            v = h - 'a' + 10;
          else if (h >= 'A' && h <= 'F')
            v = h - 'A' + 10;
          if (v < 0) ok = false;
          cp = cp * 16 + static_cast<uint32_t>(v < 0 ? 0 : v);
        }
        if (!ok) fail("invalid unicode escape in string literal", i_);
        i_ += 2 + n;
        // A UTF-16 surrogate pair written as two \u escapes.
        if (cp >= 0xD800 && cp <= 0xDBFF && i_ + 6 <= text_.size() && text_[i_] == '\\' && text_[i_ + 1] == 'u') {
          uint32_t low = 0;
          bool low_ok = true;
          for (size_t k = 0; k < 4; ++k) {
            const char h = text_[i_ + 2 + k];
            int v = -1;
            if (h >= '0' && h <= '9')
              v = h - '0';
            else if (h >= 'a' && h <= 'f')
              v = h - 'a' + 10;
            else if (h >= 'A' && h <= 'F')
              v = h - 'A' + 10;
            if (v < 0) low_ok = false;
            low = low * 16 + static_cast<uint32_t>(v < 0 ? 0 : v);
          }
          if (low_ok && low >= 0xDC00 && low <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            i_ += 6;
          }
        }
        if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
        append_utf8(out, cp);
        continue;
      }
      switch (e) {
        case '0':
          out.push_back('\0');
          break;
        case 'b':
          out.push_back('\b');
          break;
        case 'n':
          out.push_back('\n');
          break;
        case 'r':
          out.push_back('\r');
          break;
        case 't':
          out.push_back('\t');
          break;
        case 'Z':
          out.push_back('\x1A');
          break;
        // Kept escaped so that LIKE still sees a literal % or _.
        case '%':
          out += "\\%";
          break;
        case '_':
          out += "\\_";
          break;
        default:
          out.push_back(e);
          break;
      }
      i_ += 2;
    }
  }

  void lex_symbol(Token& t) {
    static constexpr std::string_view kThree[] = {"<=>"};
    static constexpr std::string_view kTwo[] = {"==", "!=", "<>", "<=", ">=", "||", "::"};
    t.kind = TokenKind::kSymbol;
    for (std::string_view s : kThree) {
      if (text_.substr(i_, s.size()) == s) {
        t.text = std::string(s);
        i_ += s.size();
        return;
      }
    }
    for (std::string_view s : kTwo) {
      if (text_.substr(i_, s.size()) == s) {
        t.text = std::string(s);
        i_ += s.size();
        return;
      }
    }
    const char c = text_[i_];
    switch (c) {
      case '(':
      case ')':
      case ',':
      case '*':
      case '+':
      case '-':
      case '/':
      case '%':
      case '=':
      case '<':
      case '>':
      case '!':
      case '.':
        t.text = std::string(1, c);
        ++i_;
        return;
      default:
        break;
    }
    // Show the whole UTF-8 character.
    size_t len = 1;
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0xF0)
      len = 4;
    else if (u >= 0xE0)
      len = 3;
    else if (u >= 0xC0)
      len = 2;
    fail("unexpected character '" + std::string(text_.substr(i_, len)) + "'", i_);
  }

  std::string_view text_;
  size_t i_ = 0;
  SourcePos pos_;
};

}  // namespace

std::vector<Token> tokenize(std::string_view text) { return Lexer(text).run(); }

}  // namespace bullion::expr
