#include "bullion/columnar/predicate.h"

#include <gtest/gtest.h>

#include <cmath>

namespace bullion {

namespace {
ColumnStats int_stats(int64_t min, int64_t max, int64_t nulls = 0, int64_t rows = 100) {
  return {Value::int64(min), Value::int64(max), nulls, rows};
}
ColumnPredicate pred(CompareOp op, std::vector<Value> values) { return {"x", op, std::move(values)}; }
}  // namespace

TEST(Predicate, ComparisonsAgainstMinMax) {
  const ColumnStats s = int_stats(10, 20);
  EXPECT_FALSE(may_match(pred(CompareOp::kEq, {Value::int64(9)}), s));
  EXPECT_TRUE(may_match(pred(CompareOp::kEq, {Value::int64(10)}), s));
  EXPECT_FALSE(may_match(pred(CompareOp::kLt, {Value::int64(10)}), s));
  EXPECT_TRUE(may_match(pred(CompareOp::kLe, {Value::int64(10)}), s));
  EXPECT_FALSE(may_match(pred(CompareOp::kGt, {Value::int64(20)}), s));
  EXPECT_TRUE(may_match(pred(CompareOp::kGe, {Value::int64(20)}), s));
  EXPECT_FALSE(may_match(pred(CompareOp::kIn, {Value::int64(1), Value::int64(21)}), s));
  EXPECT_TRUE(may_match(pred(CompareOp::kIn, {Value::int64(1), Value::int64(15)}), s));
  EXPECT_FALSE(may_match(pred(CompareOp::kNe, {Value::int64(7)}), int_stats(7, 7)));
  EXPECT_TRUE(may_match(pred(CompareOp::kNe, {Value::int64(7)}), int_stats(7, 8)));
}

TEST(Predicate, NullCounts) {
  EXPECT_FALSE(may_match(pred(CompareOp::kIsNull, {}), int_stats(1, 2, 0)));
  EXPECT_TRUE(may_match(pred(CompareOp::kIsNull, {}), int_stats(1, 2, 3)));
  ColumnStats all_null{std::nullopt, std::nullopt, 100, 100};
  EXPECT_FALSE(may_match(pred(CompareOp::kIsNotNull, {}), all_null));
  EXPECT_FALSE(may_match(pred(CompareOp::kEq, {Value::int64(1)}), all_null));
  // A comparison with a NULL literal never holds.
  EXPECT_FALSE(may_match(pred(CompareOp::kEq, {Value::null(DataType::int64())}), int_stats(1, 2)));
}

TEST(Predicate, UnknownStatsNeverPrune) {
  EXPECT_TRUE(may_match(pred(CompareOp::kEq, {Value::int64(1)}), ColumnStats{}));
  EXPECT_TRUE(may_match(pred(CompareOp::kIsNull, {}), ColumnStats{}));
  // Mismatched types are treated as unknown.
  EXPECT_TRUE(may_match(pred(CompareOp::kEq, {Value::string("a")}), int_stats(10, 20)));
}

TEST(Predicate, StringsCompareAsUnsignedBytes) {
  const ColumnStats s{Value::string("a"), Value::string("z"), 0, 10};
  EXPECT_FALSE(may_match(pred(CompareOp::kEq, {Value::string("é")}), s));  // 0xC3 > 'z'
  EXPECT_EQ(compare_values(Value::string("\xff"), Value::string("a")), 1);
  EXPECT_EQ(compare_values(Value::string("ab"), Value::string("a")), 1);
}

TEST(Predicate, NaNLiteralNeverPrunes) {
  const ColumnStats s{Value::float64(1), Value::float64(2), 0, 10};
  EXPECT_TRUE(may_match(pred(CompareOp::kGt, {Value::float64(std::nan(""))}), s));
  EXPECT_FALSE(may_match(pred(CompareOp::kGt, {Value::float64(2)}), s));
}

TEST(Predicate, Renders) {
  EXPECT_EQ(pred(CompareOp::kIn, {Value::string("a"), Value::string("b")}).to_string(), "x IN ('a', 'b')");
  EXPECT_EQ(pred(CompareOp::kIsNull, {}).to_string(), "x IS NULL");
}

}  // namespace bullion
