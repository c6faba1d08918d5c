#include "bullion/core/time.h"

#include <gtest/gtest.h>

#include <limits>

namespace bullion {

TEST(Time, CivilRoundTripsOverCenturies) {
  for (int32_t d = -800000; d <= 800000; d += 7) {
    const CivilDate c = civil_from_days(d);
    ASSERT_EQ(days_from_civil(c.year, c.month, c.day), d);
  }
  EXPECT_EQ(days_from_civil(1970, 1, 1), 0);
  EXPECT_EQ(days_from_civil(2000, 3, 1), 11017);
  EXPECT_EQ(days_from_civil(1969, 12, 31), -1);
}

TEST(Time, DateOfTimestampFloorsBeforeEpoch) {
  EXPECT_EQ(date_of_timestamp(0), 0);
  EXPECT_EQ(date_of_timestamp(-1), -1);
  EXPECT_EQ(date_of_timestamp(kMicrosPerDay - 1), 0);
  EXPECT_EQ(date_of_timestamp(-kMicrosPerDay), -1);
}

TEST(Time, FormatsDatesAndTimestamps) {
  EXPECT_EQ(format_date(days_from_civil(2026, 2, 28)), "2026-02-28");
  EXPECT_EQ(format_timestamp(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(format_timestamp(1'500'000), "1970-01-01T00:00:01.500Z");
  EXPECT_EQ(format_timestamp(1'000'001), "1970-01-01T00:00:01.000001Z");
  EXPECT_EQ(format_timestamp(-1), "1969-12-31T23:59:59.999999Z");
  // The int64 extremes format without overflow.
  EXPECT_EQ(format_timestamp(std::numeric_limits<int64_t>::min()), "-290308-12-21T19:59:05.224192Z");
  EXPECT_EQ(format_timestamp(std::numeric_limits<int64_t>::max()), "294247-01-10T04:00:54.775807Z");
}

TEST(Time, ParsesDatesStrictly) {
  EXPECT_EQ(parse_date("2024-02-29"), days_from_civil(2024, 2, 29));
  EXPECT_EQ(parse_date("2023-02-29"), std::nullopt);
  EXPECT_EQ(parse_date("2023-2-01"), std::nullopt);
  EXPECT_EQ(parse_date("2023-02-01 "), std::nullopt);
}

TEST(Time, ParsesIsoTimestampsAsTheContractSays) {
  const int64_t base =
      static_cast<int64_t>(days_from_civil(2026, 3, 1)) * kMicrosPerDay + (10 * 3600 + 15 * 60 + 30) * kMicrosPerSecond;
  EXPECT_EQ(parse_timestamp("2026-03-01T10:15:30"), base);
  EXPECT_EQ(parse_timestamp("2026-03-01 10:15:30"), base);
  EXPECT_EQ(parse_timestamp("2026-03-01T10:15:30Z"), base);
  EXPECT_EQ(parse_timestamp("2026-03-01T10:15:30.123Z"), base + 123000);
  EXPECT_EQ(parse_timestamp("2026-03-01T10:15:30.1234567"), base + 123456);
  EXPECT_EQ(parse_timestamp("2026-03-01T12:15:30+02:00"), base);
  EXPECT_EQ(parse_timestamp("2026-03-01T05:15:30-0500"), base);
  EXPECT_EQ(parse_timestamp("2026-03-01T10:15:30+00"), base);
  EXPECT_EQ(parse_timestamp("2026-02-30T10:15:30"), std::nullopt);
  EXPECT_EQ(parse_timestamp("2026-03-01T24:00:00"), std::nullopt);
  EXPECT_EQ(parse_timestamp("2026-03-01T10:15"), std::nullopt);
  EXPECT_EQ(parse_timestamp("2026-03-01T10:15:30."), std::nullopt);
  EXPECT_EQ(parse_timestamp("2026-03-01T10:15:30 UTC"), std::nullopt);
  // Offsets beyond ±18:00 are invalid (java.time.ZoneOffset, as Spark reads them).
  EXPECT_EQ(parse_timestamp("2026-03-01T10:15:30+18:00"), base - 18 * 3600 * kMicrosPerSecond);
  EXPECT_EQ(parse_timestamp("2026-03-01T10:15:30+18:30"), std::nullopt);
  EXPECT_EQ(parse_timestamp("2026-03-01T10:15:30-1801"), std::nullopt);
  EXPECT_EQ(parse_timestamp("yesterday"), std::nullopt);
  EXPECT_EQ(parse_timestamp(""), std::nullopt);
}

}  // namespace bullion
