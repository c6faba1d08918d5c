#include "expr/text_conversions.h"

#include <gtest/gtest.h>

#include <cmath>

#include "bullion/core/time.h"

namespace bullion::expr {
namespace {

TEST(TextConversions, JavaDoubleToString) {
  EXPECT_EQ(java_double_to_string(1.0), "1.0");
  EXPECT_EQ(java_double_to_string(0.001), "0.001");
  EXPECT_EQ(java_double_to_string(0.0001), "1.0E-4");
  EXPECT_EQ(java_double_to_string(1e7), "1.0E7");
  EXPECT_EQ(java_double_to_string(9999999.0), "9999999.0");
  EXPECT_EQ(java_double_to_string(123456789.123), "1.23456789123E8");
  EXPECT_EQ(java_double_to_string(-0.0), "-0.0");
  EXPECT_EQ(java_double_to_string(1e300), "1.0E300");
  EXPECT_EQ(java_double_to_string(std::nan("")), "NaN");
  EXPECT_EQ(java_double_to_string(-HUGE_VAL), "-Infinity");
  EXPECT_EQ(java_double_to_string(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(java_float_to_string(1.1f), "1.1");
  EXPECT_EQ(java_float_to_string(1e20f), "1.0E20");
}

TEST(TextConversions, SparkIntegers) {
  EXPECT_EQ(spark_string_to_int32(" 12 "), 12);
  EXPECT_EQ(spark_string_to_int32("1.9"), 1);
  EXPECT_EQ(spark_string_to_int32("-1.9"), -1);
  EXPECT_EQ(spark_string_to_int32("."), 0);
  EXPECT_EQ(spark_string_to_int32("-"), std::nullopt);
  EXPECT_EQ(spark_string_to_int32("1.x"), std::nullopt);
  EXPECT_EQ(spark_string_to_int32("2147483647"), 2147483647);
  EXPECT_EQ(spark_string_to_int32("-2147483648"), -2147483648);
  EXPECT_EQ(spark_string_to_int32("2147483648"), std::nullopt);
  EXPECT_EQ(spark_string_to_int64("-9223372036854775808"), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(spark_string_to_int64("9223372036854775808"), std::nullopt);
  EXPECT_EQ(spark_string_to_int64("99999999999999999999"), std::nullopt);
}

TEST(TextConversions, SparkDoubles) {
  EXPECT_EQ(spark_string_to_double("1e3"), 1000.0);
  EXPECT_EQ(spark_string_to_double(" 1.5d "), 1.5);
  EXPECT_EQ(spark_string_to_double("0x1.8p1"), 3.0);
  EXPECT_EQ(spark_string_to_double("-Infinity"), -HUGE_VAL);
  EXPECT_EQ(spark_string_to_double("+inf"), HUGE_VAL);
  EXPECT_TRUE(std::isnan(*spark_string_to_double("nan")));
  EXPECT_EQ(spark_string_to_double("1e-400"), 0.0);
  EXPECT_EQ(spark_string_to_double("1.2.3"), std::nullopt);
  EXPECT_EQ(spark_string_to_double("0x1"), std::nullopt);  // Java needs the binary exponent
  EXPECT_EQ(spark_string_to_float("16777217"), 16777216.0f);
}

TEST(TextConversions, SparkDatesAndTimestamps) {
  EXPECT_EQ(spark_string_to_date("2026-1-5"), days_from_civil(2026, 1, 5));
  EXPECT_EQ(spark_string_to_date("2026-01-05T99:99"), days_from_civil(2026, 1, 5));
  EXPECT_EQ(spark_string_to_date("2026-01"), days_from_civil(2026, 1, 1));
  EXPECT_EQ(spark_string_to_date("2026-01x"), std::nullopt);
  EXPECT_EQ(spark_string_to_date("-0044-03-15"), days_from_civil(-44, 3, 15));
  EXPECT_EQ(spark_string_to_date("9999999-12-31"), std::nullopt);  // beyond the int32 day range
  const int64_t base = static_cast<int64_t>(days_from_civil(2026, 1, 5)) * kMicrosPerDay + 36930 * kMicrosPerSecond;
  EXPECT_EQ(spark_string_to_timestamp("2026-01-05 10:15:30"), base);
  EXPECT_EQ(spark_string_to_timestamp("2026-01-05T10:15:30 +01:00"), base - 3600 * kMicrosPerSecond);
  EXPECT_EQ(spark_string_to_timestamp("2026-01-05T10:15:30UTC+1:30"), base - 5400 * kMicrosPerSecond);
  EXPECT_EQ(spark_string_to_timestamp("2026-01-05T10:15:30America/New_York"), std::nullopt);
  EXPECT_EQ(spark_string_to_timestamp("10:15:30"), std::nullopt);  // time only: depends on today in Spark
  EXPECT_EQ(spark_string_to_timestamp_ntz("2026-01-05T10:15:30+05:00"), base);
  EXPECT_EQ(spark_zone_offset_seconds("-0530"), -19800);
  EXPECT_EQ(spark_zone_offset_seconds("+18:00:01"), std::nullopt);
}

TEST(TextConversions, Decimals) {
  EXPECT_EQ(spark_string_to_decimal("1.25", 3, 1), int128{13});
  EXPECT_EQ(spark_string_to_decimal("-1.25", 3, 1), int128{-13});
  EXPECT_EQ(spark_string_to_decimal("1e2", 5, 1), int128{1000});
  EXPECT_EQ(spark_string_to_decimal("1000", 3, 0), std::nullopt);
  EXPECT_EQ(spark_string_to_decimal("1e", 5, 1), std::nullopt);
  EXPECT_EQ(decimal_to_string(-5, 2), "-0.05");
  EXPECT_EQ(double_to_decimal(2.675, 4, 2), int128{268});
  int128 r;
  ASSERT_TRUE(rescale_decimal(-125, 2, 1, r));
  EXPECT_EQ(r, int128{-13});
  EXPECT_EQ(decimal_to_double(123456, 3), 123.456);
  std::string digits;
  int exponent;
  shortest_digits(2.675, digits, exponent);
  EXPECT_EQ(digits, "2675");
  EXPECT_EQ(exponent, -3);
}

TEST(TextConversions, SparkDateAndTimestampText) {
  EXPECT_EQ(spark_date_to_string(days_from_civil(10000, 1, 1)), "+10000-01-01");
  EXPECT_EQ(spark_date_to_string(days_from_civil(0, 1, 1)), "0000-01-01");
  EXPECT_EQ(spark_timestamp_to_string(-1), "1969-12-31 23:59:59.999999");
  EXPECT_EQ(spark_timestamp_to_string(120000), "1970-01-01 00:00:00.12");
  EXPECT_EQ(spark_timestamp_to_string(std::numeric_limits<int64_t>::min()), "-290308-12-21 19:59:05.224192");
  EXPECT_EQ(spark_timestamp_to_string(std::numeric_limits<int64_t>::max()), "+294247-01-10 04:00:54.775807");
}

}  // namespace
}  // namespace bullion::expr
