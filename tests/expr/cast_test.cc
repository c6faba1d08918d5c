#include "bullion/expr/cast.h"

#include <gtest/gtest.h>

#include <cmath>

#include "bullion/core/error.h"

namespace bullion::expr {
namespace {

TEST(Cast, WhatMayBeCast) {
  EXPECT_TRUE(can_cast(DataType::string(), DataType::date()));
  EXPECT_TRUE(can_cast(DataType::date(), DataType::int32()));  // allowed, gives NULL (Spark)
  EXPECT_FALSE(can_cast(DataType::int32(), DataType::date()));
  EXPECT_TRUE(can_cast(DataType::int64(), DataType::timestamp()));
  EXPECT_FALSE(can_cast(DataType::int64(), DataType::timestamp_ntz()));
  EXPECT_FALSE(can_cast(DataType::binary(), DataType::int32()));
  EXPECT_TRUE(can_cast(DataType::null(), DataType::list(DataType::int32())));
  EXPECT_FALSE(can_cast(DataType::string(), DataType::list(DataType::int32())));
}

TEST(Cast, Values) {
  EXPECT_EQ(cast_value(Value::string(" 42 "), DataType::int32()), Value::int32(42));
  EXPECT_EQ(cast_value(Value::string("x"), DataType::int32()), Value::null(DataType::int32()));
  EXPECT_EQ(cast_value(Value::int64(3000000000), DataType::int32()), Value::int32(-1294967296));
  EXPECT_EQ(cast_value(Value::float64(1e10), DataType::string()), Value::string("1.0E10"));
  EXPECT_EQ(cast_value(Value::timestamp(1767608130500000), DataType::string()), Value::string("2026-01-05 10:15:30.5"));
  EXPECT_EQ(cast_value(Value::string("2026-01-05"), DataType::date()), Value::date(20458));
  EXPECT_EQ(cast_value(Value::null(DataType::string()), DataType::date()), Value::null(DataType::date()));
  EXPECT_EQ(cast_value(Value::float64(2.675), DataType::decimal(4, 2)), Value::decimal(268, 4, 2));
  EXPECT_TRUE(std::isnan(cast_value(Value::string("NaN"), DataType::float64()).as_double()));
  EXPECT_THROW(cast_value(Value::int32(1), DataType::date()), Error);
}

TEST(Cast, Columns) {
  auto c = Column::make(DataType::string());
  c->append_string("1");
  c->append_null();
  c->append_string("2.9");
  c->append_string("nope");
  ColumnPtr out = cast_column(*c, DataType::int64());
  ASSERT_EQ(out->size(), 4u);
  EXPECT_EQ(out->value(0), Value::int64(1));
  EXPECT_TRUE(out->is_null(1));
  EXPECT_EQ(out->value(2), Value::int64(2));
  EXPECT_TRUE(out->is_null(3));
  // Same bytes for STRING → STRING: shared, not copied.
  ColumnPtr same = cast_column(*c, DataType::string());
  EXPECT_EQ(same->strings()[0].data(), c->strings()[0].data());
}

}  // namespace
}  // namespace bullion::expr
