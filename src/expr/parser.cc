#include "bullion/expr/parser.h"

#include <strings.h>

#include <cmath>
#include <cstdlib>
#include <limits>

#include "bullion/core/error.h"
#include "expr/lexer.h"
#include "expr/text_conversions.h"

namespace bullion::expr {

std::string_view parsed_op_text(ParsedOp op) {
  switch (op) {
    case ParsedOp::kNone:
      return "";
    case ParsedOp::kNegate:
      return "-";
    case ParsedOp::kPlus:
      return "+";
    case ParsedOp::kNot:
      return "NOT";
    case ParsedOp::kAdd:
      return "+";
    case ParsedOp::kSubtract:
      return "-";
    case ParsedOp::kMultiply:
      return "*";
    case ParsedOp::kDivide:
      return "/";
    case ParsedOp::kModulo:
      return "%";
    case ParsedOp::kIntDivide:
      return "div";
    case ParsedOp::kConcat:
      return "||";
    case ParsedOp::kEq:
      return "=";
    case ParsedOp::kNullSafeEq:
      return "<=>";
    case ParsedOp::kNe:
      return "<>";
    case ParsedOp::kLt:
      return "<";
    case ParsedOp::kLe:
      return "<=";
    case ParsedOp::kGt:
      return ">";
    case ParsedOp::kGe:
      return ">=";
    case ParsedOp::kAnd:
      return "AND";
    case ParsedOp::kOr:
      return "OR";
  }
  return "?";
}

namespace {

constexpr int kMaxDepth = 256;

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && ::strncasecmp(a.data(), b.data(), a.size()) == 0;
}

// Words that cannot be column names unless backquoted.
bool is_reserved(std::string_view w) {
  static constexpr std::string_view kReserved[] = {"AND",  "OR",      "NOT",  "NULL",  "TRUE",   "FALSE",    "IS",
                                                   "IN",   "BETWEEN", "LIKE", "ILIKE", "ESCAPE", "CASE",     "WHEN",
                                                   "THEN", "ELSE",    "END",  "CAST",  "AS",     "DISTINCT", "DIV"};
  for (std::string_view r : kReserved)
    if (iequals(w, r)) return true;
  return false;
}

std::string describe(const Token& t) {
  switch (t.kind) {
    case TokenKind::kEnd:
      return "end of input";
    case TokenKind::kIdentifier:
      return t.quoted ? "`" + t.text + "`" : "'" + t.text + "'";
    case TokenKind::kNumber:
      return "number " + t.text;
    case TokenKind::kString:
      return "string literal";
    case TokenKind::kHexString:
      return "binary literal";
    case TokenKind::kSymbol:
      return "'" + t.text + "'";
  }
  return "?";
}

class Parser {
 public:
  Parser(std::string_view text) : text_(text), tokens_(tokenize(text)) {}

  ParsedExprPtr parse_all() {
    if (peek().kind == TokenKind::kEnd) fail_at(peek(), "empty expression: expected an expression");
    ParsedExprPtr e = parse_expression();
    if (peek().kind != TokenKind::kEnd) {
      const Token& t = peek();
      if (t.kind == TokenKind::kSymbol && t.text == ")") fail_at(t, "unbalanced parenthesis: ')' has no matching '('");
      fail_at(t, "unexpected " + describe(t) + " after the end of the expression");
    }
    return e;
  }

  DataType parse_type_only() {
    DataType t = parse_type();
    if (peek().kind != TokenKind::kEnd) fail_at(peek(), "unexpected " + describe(peek()) + " after the type name");
    return t;
  }

 private:
  const Token& peek(size_t ahead = 0) const {
    const size_t k = std::min(i_ + ahead, tokens_.size() - 1);
    return tokens_[k];
  }
  const Token& next() {
    const Token& t = tokens_[i_];
    if (i_ + 1 < tokens_.size()) ++i_;
    return t;
  }
  bool is_symbol(std::string_view s, size_t ahead = 0) const {
    const Token& t = peek(ahead);
    return t.kind == TokenKind::kSymbol && t.text == s;
  }
  bool is_keyword(std::string_view k, size_t ahead = 0) const {
    const Token& t = peek(ahead);
    return t.kind == TokenKind::kIdentifier && !t.quoted && iequals(t.text, k);
  }
  bool accept_keyword(std::string_view k) {
    if (!is_keyword(k)) return false;
    next();
    return true;
  }
  bool accept_symbol(std::string_view s) {
    if (!is_symbol(s)) return false;
    next();
    return true;
  }
  [[noreturn]] void fail_at(const Token& t, const std::string& what) {
    throw Error::invalid_input(what + " at " + t.pos.to_string());
  }
  void expect_keyword(std::string_view k, const char* context) {
    if (!accept_keyword(k))
      fail_at(peek(), std::string("expected ") + std::string(k) + " " + context + ", found " + describe(peek()));
  }
  void expect_close(const Token& open) {
    if (accept_symbol(")")) return;
    if (peek().kind == TokenKind::kEnd)
      throw Error::invalid_input("unbalanced parenthesis: '(' at " + open.pos.to_string() + " is never closed");
    fail_at(peek(), "expected ')' to close '(' at " + open.pos.to_string() + ", found " + describe(peek()));
  }

  struct DepthGuard {
    explicit DepthGuard(Parser& p) : p_(p) {
      if (++p_.depth_ > kMaxDepth) p_.fail_at(p_.peek(), "expression nested too deeply (more than 256 levels)");
    }
    ~DepthGuard() { --p_.depth_; }
    Parser& p_;
  };

  static ParsedExprPtr node(ParsedKind kind, const SourcePos& pos) {
    auto e = std::make_unique<ParsedExpr>();
    e->kind = kind;
    e->pos = pos;
    e->op_pos = pos;
    return e;
  }

  static ParsedExprPtr binary(ParsedOp op, const SourcePos& op_pos, ParsedExprPtr l, ParsedExprPtr r) {
    auto e = node(ParsedKind::kBinary, l->pos);
    e->op = op;
    e->op_pos = op_pos;
    e->children.push_back(std::move(l));
    e->children.push_back(std::move(r));
    return e;
  }

  // expression := or
  ParsedExprPtr parse_expression() {
    DepthGuard guard(*this);
    return parse_or();
  }

  ParsedExprPtr parse_or() {
    ParsedExprPtr left = parse_and();
    while (is_keyword("OR")) {
      const SourcePos p = next().pos;
      left = binary(ParsedOp::kOr, p, std::move(left), parse_and());
    }
    return left;
  }

  ParsedExprPtr parse_and() {
    ParsedExprPtr left = parse_not();
    while (is_keyword("AND")) {
      const SourcePos p = next().pos;
      left = binary(ParsedOp::kAnd, p, std::move(left), parse_not());
    }
    return left;
  }

  ParsedExprPtr parse_not() {
    if (is_keyword("NOT") || is_symbol("!")) {
      DepthGuard guard(*this);
      const Token& t = next();
      auto e = node(ParsedKind::kUnary, t.pos);
      e->op = ParsedOp::kNot;
      e->children.push_back(parse_not());
      return e;
    }
    return parse_predicate();
  }

  // valueExpression followed by at most one predicate (Spark's grammar).
  ParsedExprPtr parse_predicate() {
    ParsedExprPtr value = parse_comparison();
    const SourcePos start = value->pos;
    bool negated = false;
    size_t save = i_;
    if (is_keyword("NOT") &&
        (is_keyword("BETWEEN", 1) || is_keyword("IN", 1) || is_keyword("LIKE", 1) || is_keyword("ILIKE", 1))) {
      next();
      negated = true;
    }
    if (is_keyword("BETWEEN")) {
      const SourcePos p = next().pos;
      auto e = node(ParsedKind::kBetween, start);
      e->op_pos = p;
      e->negated = negated;
      e->children.push_back(std::move(value));
      e->children.push_back(parse_comparison());
      expect_keyword("AND", "in BETWEEN ... AND ...");
      e->children.push_back(parse_comparison());
      return e;
    }
    if (is_keyword("IN")) {
      const SourcePos p = next().pos;
      auto e = node(ParsedKind::kIn, start);
      e->op_pos = p;
      e->negated = negated;
      e->children.push_back(std::move(value));
      const Token& open = peek();
      if (!accept_symbol("(")) fail_at(peek(), "expected '(' after IN, found " + describe(peek()));
      if (is_symbol(")")) fail_at(peek(), "IN needs at least one value");
      do {
        e->children.push_back(parse_expression());
      } while (accept_symbol(","));
      expect_close(open);
      return e;
    }
    if (is_keyword("LIKE") || is_keyword("ILIKE")) {
      const bool ilike = is_keyword("ILIKE");
      const SourcePos p = next().pos;
      auto e = node(ParsedKind::kLike, start);
      e->op_pos = p;
      e->negated = negated;
      if (ilike) {
        // x ILIKE p  ≡  lower(x) LIKE lower(p)
        auto lower_of = [&](ParsedExprPtr arg) {
          auto f = node(ParsedKind::kFunction, arg->pos);
          f->name = "lower";
          f->children.push_back(std::move(arg));
          return f;
        };
        e->children.push_back(lower_of(std::move(value)));
        e->children.push_back(lower_of(parse_comparison()));
      } else {
        e->children.push_back(std::move(value));
        e->children.push_back(parse_comparison());
      }
      if (accept_keyword("ESCAPE")) {
        const Token& t = peek();
        if (t.kind != TokenKind::kString) fail_at(t, "expected a string literal after ESCAPE, found " + describe(t));
        if (t.text.size() != 1) fail_at(t, "the ESCAPE string must be exactly one character, got '" + t.text + "'");
        e->escape = t.text;
        next();
      }
      return e;
    }
    if (negated) i_ = save;
    if (is_keyword("IS")) {
      const SourcePos p = next().pos;
      const bool is_not = accept_keyword("NOT");
      if (accept_keyword("NULL")) {
        auto e = node(ParsedKind::kIsNull, start);
        e->op_pos = p;
        e->negated = is_not;
        e->children.push_back(std::move(value));
        return e;
      }
      if (is_keyword("TRUE") || is_keyword("FALSE") || is_keyword("UNKNOWN")) {
        const Token& t = next();
        auto e = node(ParsedKind::kIsBoolean, start);
        e->op_pos = p;
        e->negated = is_not;
        e->literal =
            iequals(t.text, "UNKNOWN") ? Value::null(DataType::boolean()) : Value::boolean(iequals(t.text, "TRUE"));
        e->children.push_back(std::move(value));
        return e;
      }
      if (accept_keyword("DISTINCT")) {
        expect_keyword("FROM", "in IS [NOT] DISTINCT FROM");
        auto e = node(ParsedKind::kIsDistinct, start);
        e->op_pos = p;
        e->negated = is_not;
        e->children.push_back(std::move(value));
        e->children.push_back(parse_comparison());
        return e;
      }
      fail_at(peek(),
              "expected NULL, NOT NULL, TRUE, FALSE, UNKNOWN or DISTINCT FROM after IS, found " + describe(peek()));
    }
    return value;
  }

  ParsedExprPtr parse_comparison() {
    ParsedExprPtr left = parse_additive();
    while (true) {
      const Token& t = peek();
      if (t.kind != TokenKind::kSymbol) return left;
      ParsedOp op;
      if (t.text == "=" || t.text == "==")
        op = ParsedOp::kEq;
      else if (t.text == "<=>")
        op = ParsedOp::kNullSafeEq;
      else if (t.text == "<>" || t.text == "!=")
        op = ParsedOp::kNe;
      else if (t.text == "<")
        op = ParsedOp::kLt;
      else if (t.text == "<=")
        op = ParsedOp::kLe;
      else if (t.text == ">")
        op = ParsedOp::kGt;
      else if (t.text == ">=")
        op = ParsedOp::kGe;
      else
        return left;
      const SourcePos p = next().pos;
      left = binary(op, p, std::move(left), parse_additive());
    }
  }

  ParsedExprPtr parse_additive() {
    ParsedExprPtr left = parse_multiplicative();
    while (true) {
      ParsedOp op;
      if (is_symbol("+"))
        op = ParsedOp::kAdd;
      else if (is_symbol("-"))
        op = ParsedOp::kSubtract;
      else if (is_symbol("||"))
        op = ParsedOp::kConcat;
      else
        return left;
      const SourcePos p = next().pos;
      left = binary(op, p, std::move(left), parse_multiplicative());
    }
  }

  ParsedExprPtr parse_multiplicative() {
    ParsedExprPtr left = parse_unary();
    while (true) {
      ParsedOp op;
      if (is_symbol("*"))
        op = ParsedOp::kMultiply;
      else if (is_symbol("/"))
        op = ParsedOp::kDivide;
      else if (is_symbol("%"))
        op = ParsedOp::kModulo;
      else if (is_keyword("DIV"))
        op = ParsedOp::kIntDivide;
      else
        return left;
      const SourcePos p = next().pos;
      left = binary(op, p, std::move(left), parse_unary());
    }
  }

  ParsedExprPtr parse_unary() {
    if (is_symbol("-") || is_symbol("+")) {
      DepthGuard guard(*this);
      const Token& t = next();
      const bool minus = t.text == "-";
      // Spark reads a sign directly before a number as part of the literal,
      // so -2147483648 is an INT.
      if (peek().kind == TokenKind::kNumber && !is_postfix_cast(1)) {
        const Token& n = next();
        auto e = node(ParsedKind::kLiteral, t.pos);
        e->literal = number_literal(n, minus);
        return parse_postfix(std::move(e));
      }
      auto e = node(ParsedKind::kUnary, t.pos);
      e->op = minus ? ParsedOp::kNegate : ParsedOp::kPlus;
      e->children.push_back(parse_unary());
      return e;
    }
    return parse_postfix(parse_primary());
  }

  bool is_postfix_cast(size_t ahead) const { return is_symbol("::", ahead); }

  ParsedExprPtr parse_postfix(ParsedExprPtr e) {
    while (true) {
      if (is_symbol("::")) {
        const SourcePos p = next().pos;
        auto c = node(ParsedKind::kCast, e->pos);
        c->op_pos = p;
        c->cast_type = parse_type();
        c->children.push_back(std::move(e));
        e = std::move(c);
      } else if (is_symbol(".")) {
        fail_at(peek(),
                "nested field access with '.' is not supported; quote a column name that contains '.' with backquotes");
      } else {
        return e;
      }
    }
  }

  ParsedExprPtr parse_primary() {
    const Token& t = peek();
    switch (t.kind) {
      case TokenKind::kNumber: {
        next();
        auto e = node(ParsedKind::kLiteral, t.pos);
        e->literal = number_literal(t, false);
        return e;
      }
      case TokenKind::kString: {
        next();
        auto e = node(ParsedKind::kLiteral, t.pos);
        e->literal = Value::string(t.text);
        return e;
      }
      case TokenKind::kHexString: {
        next();
        auto e = node(ParsedKind::kLiteral, t.pos);
        e->literal = Value::binary(t.text);
        return e;
      }
      case TokenKind::kSymbol:
        if (t.text == "(") {
          DepthGuard guard(*this);
          const Token& open = next();
          if (is_symbol(")")) fail_at(peek(), "expected an expression inside '()'");
          ParsedExprPtr e = parse_expression();
          expect_close(open);
          return e;
        }
        if (t.text == ")") fail_at(t, "unbalanced parenthesis: ')' has no matching '('");
        fail_at(t, "expected an expression, found " + describe(t));
      case TokenKind::kEnd:
        fail_at(t, "expected an expression, found end of input");
      case TokenKind::kIdentifier:
        break;
    }
    if (!t.quoted) {
      if (iequals(t.text, "NULL")) {
        next();
        auto e = node(ParsedKind::kLiteral, t.pos);
        e->literal = Value();
        return e;
      }
      if (iequals(t.text, "TRUE") || iequals(t.text, "FALSE")) {
        next();
        auto e = node(ParsedKind::kLiteral, t.pos);
        e->literal = Value::boolean(iequals(t.text, "TRUE"));
        return e;
      }
      if (iequals(t.text, "CASE")) return parse_case();
      if ((iequals(t.text, "CAST") || iequals(t.text, "TRY_CAST")) && is_symbol("(", 1)) return parse_cast();
      if (peek(1).kind == TokenKind::kString) {
        if (iequals(t.text, "DATE")) return typed_literal(DataType::date());
        if (iequals(t.text, "TIMESTAMP") || iequals(t.text, "TIMESTAMP_LTZ"))
          return typed_literal(DataType::timestamp());
        if (iequals(t.text, "TIMESTAMP_NTZ")) return typed_literal(DataType::timestamp_ntz());
      }
      if (is_reserved(t.text) && !is_symbol("(", 1))
        fail_at(t, "expected an expression, found keyword " + t.text + " (quote a column with this name as `" + t.text +
                       "`)");
    }
    next();
    if (is_symbol("(")) return parse_call(t);
    auto e = node(ParsedKind::kIdentifier, t.pos);
    e->name = t.text;
    e->quoted = t.quoted;
    return e;
  }

  ParsedExprPtr parse_call(const Token& name) {
    DepthGuard guard(*this);
    const Token& open = next();
    auto e = node(ParsedKind::kFunction, name.pos);
    e->name = name.text;
    if (accept_symbol(")")) return e;
    if (is_symbol("*") && is_symbol(")", 1)) {
      const Token& star = next();
      e->children.push_back(node(ParsedKind::kStar, star.pos));
      next();
      return e;
    }
    if (accept_keyword("DISTINCT"))
      e->distinct = true;
    else
      accept_keyword("ALL");
    do {
      e->children.push_back(parse_expression());
    } while (accept_symbol(","));
    expect_close(open);
    return e;
  }

  ParsedExprPtr parse_case() {
    DepthGuard guard(*this);
    const Token& kw = next();
    auto e = node(ParsedKind::kCase, kw.pos);
    if (!is_keyword("WHEN")) {
      e->has_operand = true;
      e->children.push_back(parse_expression());
    }
    if (!is_keyword("WHEN")) fail_at(peek(), "expected WHEN in CASE, found " + describe(peek()));
    while (accept_keyword("WHEN")) {
      e->children.push_back(parse_expression());
      expect_keyword("THEN", "after CASE ... WHEN condition");
      e->children.push_back(parse_expression());
    }
    if (accept_keyword("ELSE")) {
      e->has_else = true;
      e->children.push_back(parse_expression());
    }
    if (!accept_keyword("END")) {
      if (peek().kind == TokenKind::kEnd)
        throw Error::invalid_input("CASE at " + kw.pos.to_string() + " is never closed: expected END");
      fail_at(peek(), "expected WHEN, ELSE or END in CASE, found " + describe(peek()));
    }
    return e;
  }

  ParsedExprPtr parse_cast() {
    DepthGuard guard(*this);
    const Token& kw = next();
    const Token& open = next();
    auto e = node(ParsedKind::kCast, kw.pos);
    e->children.push_back(parse_expression());
    expect_keyword("AS", "in CAST(... AS type)");
    e->cast_type = parse_type();
    expect_close(open);
    return e;
  }

  DataType parse_type() {
    const Token& t = peek();
    if (t.kind != TokenKind::kIdentifier) fail_at(t, "expected a type name, found " + describe(t));
    next();
    const std::string& n = t.text;
    auto args = [&]() {
      std::vector<int64_t> v;
      if (!is_symbol("(")) return v;
      const Token& open = next();
      do {
        const Token& a = peek();
        if (a.kind != TokenKind::kNumber)
          fail_at(a, "expected a number in the type " + n + "(...), found " + describe(a));
        auto parsed = spark_string_to_int64(a.text);
        if (!parsed || a.text.find_first_not_of("0123456789") != std::string::npos)
          fail_at(a, "expected an integer in the type " + n + "(...), found " + a.text);
        v.push_back(*parsed);
        next();
      } while (accept_symbol(","));
      expect_close(open);
      return v;
    };
    auto no_args = [&](DataType type) {
      if (is_symbol("(")) fail_at(peek(), "the type " + n + " takes no parameters");
      return type;
    };
    if (iequals(n, "BOOLEAN")) return no_args(DataType::boolean());
    if (iequals(n, "TINYINT") || iequals(n, "BYTE")) return no_args(DataType::int8());
    if (iequals(n, "SMALLINT") || iequals(n, "SHORT")) return no_args(DataType::int16());
    if (iequals(n, "INT") || iequals(n, "INTEGER")) return no_args(DataType::int32());
    if (iequals(n, "BIGINT") || iequals(n, "LONG")) return no_args(DataType::int64());
    if (iequals(n, "FLOAT") || iequals(n, "REAL")) return no_args(DataType::float32());
    if (iequals(n, "DOUBLE")) return no_args(DataType::float64());
    if (iequals(n, "DATE")) return no_args(DataType::date());
    if (iequals(n, "TIMESTAMP") || iequals(n, "TIMESTAMP_LTZ")) return no_args(DataType::timestamp());
    if (iequals(n, "TIMESTAMP_NTZ")) return no_args(DataType::timestamp_ntz());
    if (iequals(n, "BINARY")) return no_args(DataType::binary());
    if (iequals(n, "STRING")) return no_args(DataType::string());
    if (iequals(n, "VARCHAR") || iequals(n, "CHAR")) {
      // Spark reads CHAR(n)/VARCHAR(n) as STRING in expressions.
      const auto a = args();
      if (a.size() != 1) fail_at(t, n + " needs a length: " + n + "(n)");
      return DataType::string();
    }
    if (iequals(n, "DECIMAL") || iequals(n, "DEC") || iequals(n, "NUMERIC")) {
      const auto a = args();
      if (a.size() > 2) fail_at(t, "DECIMAL takes at most (precision, scale)");
      const int64_t p = a.empty() ? 10 : a[0];
      const int64_t s = a.size() < 2 ? 0 : a[1];
      if (p < 1 || p > 38 || s < 0 || s > p)
        fail_at(t, "invalid DECIMAL(" + std::to_string(p) + ", " + std::to_string(s) +
                       "): precision must be 1..38 and scale 0..precision");
      return DataType::decimal(static_cast<int>(p), static_cast<int>(s));
    }
    fail_at(t, "unknown type '" + n +
                   "'; types are BOOLEAN, TINYINT, SMALLINT, INT, BIGINT, FLOAT, DOUBLE, DECIMAL(p,s), STRING, "
                   "BINARY, DATE, TIMESTAMP, TIMESTAMP_NTZ");
  }

  ParsedExprPtr typed_literal(DataType type) {
    const Token& kw = next();
    const Token& s = next();
    auto e = node(ParsedKind::kLiteral, kw.pos);
    if (type.id() == TypeId::kDate) {
      auto d = spark_string_to_date(s.text);
      if (!d) fail_at(s, "invalid DATE literal '" + s.text + "': expected yyyy-mm-dd");
      e->literal = Value::date(*d);
    } else if (type.id() == TypeId::kTimestamp) {
      auto ts = spark_string_to_timestamp(s.text);
      if (!ts) fail_at(s, "invalid TIMESTAMP literal '" + s.text + "': expected yyyy-mm-dd[ hh:mm:ss[.ffffff]][zone]");
      e->literal = Value::timestamp(*ts);
    } else {
      auto ts = spark_string_to_timestamp_ntz(s.text);
      if (!ts) fail_at(s, "invalid TIMESTAMP_NTZ literal '" + s.text + "': expected yyyy-mm-dd[ hh:mm:ss[.ffffff]]");
      e->literal = Value::timestamp_ntz(*ts);
    }
    return e;
  }

  Value number_literal(const Token& t, bool negative) {
    std::string text = t.text;
    std::string suffix;
    auto lower = [](char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c); };
    if (text.size() >= 2 && lower(text[text.size() - 2]) == 'b' && lower(text.back()) == 'd') {
      suffix = "bd";
      text.resize(text.size() - 2);
    } else if (!text.empty() && std::string_view("lsydf").find(lower(text.back())) != std::string_view::npos) {
      suffix = std::string(1, lower(text.back()));
      text.pop_back();
    }
    const bool fractional = text.find_first_of(".eE") != std::string::npos;
    const std::string signed_text = (negative ? "-" : "") + text;
    auto out_of_range = [&](const char* type) -> Value {
      fail_at(t, "number " + signed_text + " is out of range for " + type);
    };
    if (suffix == "d" || suffix == "f" || (suffix.empty() && fractional)) {
      const double d = std::strtod(signed_text.c_str(), nullptr);
      if (std::isinf(d)) out_of_range(suffix == "f" ? "FLOAT" : "DOUBLE");
      if (suffix == "f") {
        const float f = std::strtof(signed_text.c_str(), nullptr);
        if (std::isinf(f)) out_of_range("FLOAT");
        return Value::float32(f);
      }
      return Value::float64(d);
    }
    if (suffix == "bd") {
      // Precision and scale as Java's BigDecimal gives them for the text.
      size_t point = text.find('.');
      size_t e_pos = text.find_first_of("eE");
      std::string mantissa = text.substr(0, e_pos);
      int64_t exponent = 0;
      if (e_pos != std::string::npos) {
        auto ex = spark_string_to_int64(text.substr(e_pos + 1));
        if (!ex || *ex > 38 || *ex < -38) out_of_range("DECIMAL");
        exponent = *ex;
      }
      int scale = 0;
      std::string digits;
      for (size_t k = 0; k < mantissa.size(); ++k) {
        if (mantissa[k] == '.') continue;
        digits.push_back(mantissa[k]);
        if (point != std::string::npos && k > point) ++scale;
      }
      scale -= static_cast<int>(exponent);
      if (scale < 0) {
        digits.append(static_cast<size_t>(-scale), '0');
        scale = 0;
      }
      const size_t nz = digits.find_first_not_of('0');
      const int precision = nz == std::string::npos ? 1 : static_cast<int>(digits.size() - nz);
      const int p = std::max(precision, scale);
      if (p > 38) out_of_range("DECIMAL(38)");
      auto v = spark_string_to_decimal(signed_text.substr(0, signed_text.size()), p, scale);
      if (!v) out_of_range("DECIMAL");
      return Value::decimal(*v, p, scale);
    }
    if (fractional) fail_at(t, "the suffix '" + suffix + "' needs an integer, got " + t.text);
    auto v = spark_string_to_int64(signed_text);
    if (suffix == "l") {
      if (!v) out_of_range("BIGINT");
      return Value::int64(*v);
    }
    if (suffix == "s") {
      if (!v || *v < std::numeric_limits<int16_t>::min() || *v > std::numeric_limits<int16_t>::max())
        out_of_range("SMALLINT");
      return Value::int16(static_cast<int16_t>(*v));
    }
    if (suffix == "y") {
      if (!v || *v < std::numeric_limits<int8_t>::min() || *v > std::numeric_limits<int8_t>::max())
        out_of_range("TINYINT");
      return Value::int8(static_cast<int8_t>(*v));
    }
    if (v) {
      if (*v >= std::numeric_limits<int32_t>::min() && *v <= std::numeric_limits<int32_t>::max())
        return Value::int32(static_cast<int32_t>(*v));
      return Value::int64(*v);
    }
    // Beyond BIGINT: Spark makes it a DECIMAL(p, 0).
    const size_t nz = text.find_first_not_of('0');
    const int digits = nz == std::string::npos ? 1 : static_cast<int>(text.size() - nz);
    if (digits > 38) out_of_range("DECIMAL(38,0)");
    auto d = spark_string_to_decimal(signed_text, digits, 0);
    if (!d) out_of_range("DECIMAL(38,0)");
    return Value::decimal(*d, digits, 0);
  }

  std::string_view text_;
  std::vector<Token> tokens_;
  size_t i_ = 0;
  int depth_ = 0;
};

}  // namespace

ParsedExprPtr parse(std::string_view text) { return Parser(text).parse_all(); }

DataType parse_type_name(std::string_view text) { return Parser(text).parse_type_only(); }

}  // namespace bullion::expr
