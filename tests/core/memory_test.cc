#include "bullion/core/memory.h"

#include <gtest/gtest.h>

namespace bullion {

TEST(MemoryBudget, ReservesWithinLimitAndTracksPeak) {
  MemoryBudget budget(1000);
  EXPECT_TRUE(budget.try_reserve(600));
  EXPECT_FALSE(budget.try_reserve(500));
  EXPECT_TRUE(budget.try_reserve(400));
  EXPECT_EQ(budget.used(), 1000u);
  budget.release(1000);
  EXPECT_EQ(budget.used(), 0u);
  EXPECT_EQ(budget.peak(), 1000u);
}

TEST(MemoryReservation, ResizesAndReleasesOnDestruction) {
  MemoryBudget budget(100);
  {
    MemoryReservation r(budget);
    EXPECT_TRUE(r.try_resize(60));
    EXPECT_FALSE(r.try_resize(120));
    EXPECT_EQ(r.bytes(), 60u);
    EXPECT_TRUE(r.try_resize(20));
    EXPECT_EQ(budget.used(), 20u);
  }
  EXPECT_EQ(budget.used(), 0u);
}

TEST(MemoryReservation, ForceSpillRefusesGrowthAfterFirstReservation) {
  MemoryBudget budget(1 << 30);
  budget.set_force_spill(true);
  MemoryReservation r(budget);
  EXPECT_TRUE(r.try_resize(10));
  EXPECT_FALSE(r.try_resize(11));
}

TEST(ByteSize, ParsesUnits) {
  EXPECT_EQ(parse_byte_size("1048576"), 1048576u);
  EXPECT_EQ(parse_byte_size("64MB"), 64u << 20);
  EXPECT_EQ(parse_byte_size("2GiB"), 2ull << 30);
  EXPECT_EQ(parse_byte_size("512 m"), 512u << 20);
  EXPECT_EQ(parse_byte_size("12 parsecs"), std::nullopt);
  EXPECT_EQ(parse_byte_size(""), std::nullopt);
  EXPECT_EQ(parse_byte_size("99999999999999999999999"), std::nullopt);
  EXPECT_EQ(format_byte_size(1536), "1.5 KiB");
  EXPECT_EQ(format_byte_size(12), "12 B");
}

}  // namespace bullion
