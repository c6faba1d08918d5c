#include "bullion/expr/parser.h"

#include <gtest/gtest.h>

#include "bullion/core/error.h"

namespace bullion::expr {
namespace {

std::string error_of(std::string_view text) {
  try {
    parse(text);
  } catch (const Error& e) {
    EXPECT_EQ(e.category(), ErrorCategory::kInvalidInput);
    return e.message();
  }
  return "";
}

TEST(Parser, PrecedenceFollowsSpark) {
  // OR < AND < NOT < predicates < comparison < + - < * / % < unary.
  auto e = parse("a OR b AND NOT c = d + e * -f");
  ASSERT_EQ(e->kind, ParsedKind::kBinary);
  EXPECT_EQ(e->op, ParsedOp::kOr);
  const ParsedExpr& and_ = *e->children[1];
  EXPECT_EQ(and_.op, ParsedOp::kAnd);
  const ParsedExpr& not_ = *and_.children[1];
  EXPECT_EQ(not_.op, ParsedOp::kNot);
  const ParsedExpr& eq = *not_.children[0];
  EXPECT_EQ(eq.op, ParsedOp::kEq);
  const ParsedExpr& add = *eq.children[1];
  EXPECT_EQ(add.op, ParsedOp::kAdd);
  const ParsedExpr& mul = *add.children[1];
  EXPECT_EQ(mul.op, ParsedOp::kMultiply);
  EXPECT_EQ(mul.children[1]->op, ParsedOp::kNegate);
}

TEST(Parser, ComparisonsAreLeftAssociative) {
  auto e = parse("1 < 2 = TRUE");
  EXPECT_EQ(e->op, ParsedOp::kEq);
  EXPECT_EQ(e->children[0]->op, ParsedOp::kLt);
}

TEST(Parser, BetweenBoundsAreValueExpressions) {
  auto e = parse("x BETWEEN 1 AND 2 AND y");
  ASSERT_EQ(e->op, ParsedOp::kAnd);
  EXPECT_EQ(e->children[0]->kind, ParsedKind::kBetween);
}

TEST(Parser, SignedNumbersAreLiterals) {
  auto e = parse("-2147483648");
  ASSERT_EQ(e->kind, ParsedKind::kLiteral);
  EXPECT_EQ(e->literal, Value::int32(-2147483648));
  auto f = parse("- 5L");
  EXPECT_EQ(f->literal, Value::int64(-5));
  auto g = parse("-(5)");
  EXPECT_EQ(g->kind, ParsedKind::kUnary);
}

TEST(Parser, LiteralTypes) {
  EXPECT_EQ(parse("0.6")->literal, Value::float64(0.6));  // DOUBLE, not DECIMAL (the contract)
  EXPECT_EQ(parse("1e3")->literal, Value::float64(1000));
  EXPECT_EQ(parse("2147483648")->literal, Value::int64(2147483648));
  EXPECT_EQ(parse("12345678901234567890")->literal.type(), DataType::decimal(20, 0));
  EXPECT_EQ(parse("'it''s'")->literal, Value::string("it's"));
  EXPECT_EQ(parse("'a\\tb'")->literal, Value::string("a\tb"));
  EXPECT_EQ(parse("'\\u00e9'")->literal, Value::string("é"));
  EXPECT_EQ(parse("'\\uD83D\\uDE00'")->literal, Value::string("😀"));
  EXPECT_EQ(parse("DATE '2024-02-29'")->literal, Value::date(19782));
  EXPECT_EQ(parse("TRUE")->literal, Value::boolean(true));
  EXPECT_TRUE(parse("NULL")->literal.is_null());
}

TEST(Parser, IdentifiersAndFunctions) {
  auto e = parse("`my col` + Upper(x)");
  EXPECT_EQ(e->children[0]->name, "my col");
  EXPECT_TRUE(e->children[0]->quoted);
  EXPECT_EQ(e->children[1]->kind, ParsedKind::kFunction);
  EXPECT_EQ(e->children[1]->name, "Upper");
  auto c = parse("count(DISTINCT x)");
  EXPECT_TRUE(c->distinct);
  auto s = parse("count(*)");
  EXPECT_EQ(s->children[0]->kind, ParsedKind::kStar);
  // date and timestamp are names unless a string follows.
  EXPECT_EQ(parse("date")->kind, ParsedKind::kIdentifier);
  EXPECT_EQ(parse("date(x)")->kind, ParsedKind::kFunction);
}

TEST(Parser, PositionsAreLineAndCharacterColumn) {
  auto e = parse("a +\n  b");
  EXPECT_EQ(e->children[1]->pos.line, 2u);
  EXPECT_EQ(e->children[1]->pos.column, 3u);
  // Columns count characters, not bytes.
  auto f = parse("'é' || x");
  EXPECT_EQ(f->children[1]->pos.to_string(), "1:8");
  EXPECT_EQ(source_pos("ab\ncé d", 6).to_string(), "2:3");
}

TEST(Parser, ErrorsPointAtThePosition) {
  EXPECT_EQ(error_of("1 +\n2 *"), "expected an expression, found end of input at 2:4");
  EXPECT_EQ(error_of("upper(x"), "unbalanced parenthesis: '(' at 1:6 is never closed");
  EXPECT_EQ(error_of("(a))"), "unbalanced parenthesis: ')' has no matching '(' at 1:4");
  EXPECT_EQ(error_of("f(a b)"), "expected ')' to close '(' at 1:2, found 'b' at 1:5");
  EXPECT_EQ(error_of("'abc"), "unterminated string literal starting at 1:1");
  EXPECT_EQ(error_of("x IN ()"), "IN needs at least one value at 1:7");
  EXPECT_EQ(error_of("CASE x END"), "expected WHEN in CASE, found 'END' at 1:8");
  EXPECT_EQ(error_of("CAST(x AS)"), "expected a type name, found ')' at 1:10");
  EXPECT_EQ(error_of("x IS MAYBE"),
            "expected NULL, NOT NULL, TRUE, FALSE, UNKNOWN or DISTINCT FROM after IS, found 'MAYBE' at 1:6");
  EXPECT_EQ(error_of("a AND"), "expected an expression, found end of input at 1:6");
  EXPECT_EQ(error_of("WHEN"),
            "expected an expression, found keyword WHEN (quote a column with this name as `WHEN`) at 1:1");
}

TEST(Parser, DeepNestingIsAnErrorNotACrash) {
  std::string deep(5000, '(');
  deep += "1";
  deep += std::string(5000, ')');
  EXPECT_NE(error_of(deep).find("nested too deeply"), std::string::npos);
  std::string minus;
  for (int i = 0; i < 5000; ++i) minus += "- ";  // "--" would start a comment
  EXPECT_NE(error_of(minus + "x").find("nested too deeply"), std::string::npos);
  std::string nots;
  for (int i = 0; i < 5000; ++i) nots += "NOT ";
  EXPECT_NE(error_of(nots + "TRUE").find("nested too deeply"), std::string::npos);
}

TEST(Parser, TypeNames) {
  EXPECT_EQ(parse_type_name("int"), DataType::int32());
  EXPECT_EQ(parse_type_name("LONG"), DataType::int64());
  EXPECT_EQ(parse_type_name("decimal(10, 2)"), DataType::decimal(10, 2));
  EXPECT_EQ(parse_type_name("DECIMAL"), DataType::decimal(10, 0));
  EXPECT_EQ(parse_type_name("varchar(20)"), DataType::string());
  EXPECT_EQ(parse_type_name("timestamp_ntz"), DataType::timestamp_ntz());
  EXPECT_THROW(parse_type_name("DECIMAL(39,0)"), Error);
  EXPECT_THROW(parse_type_name("ARRAY<INT>"), Error);
}

}  // namespace
}  // namespace bullion::expr
