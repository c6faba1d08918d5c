// ExactSum against an independent exact algorithm (Shewchuk's partials with
// a correctly rounded final sum, as CPython's math.fsum does), and its order
// independence under shuffles and merges of partial sums.
#include "expr/exact_sum.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cfloat>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

namespace bullion::expr {
namespace {

// Shewchuk's non-overlapping partials, then the round-half-even correction.
double reference_sum(const std::vector<double>& xs) {
  std::vector<double> partials;
  for (double x : xs) {
    size_t i = 0;
    for (double y : partials) {
      if (std::fabs(x) < std::fabs(y)) std::swap(x, y);
      const double hi = x + y;
      const double lo = y - (hi - x);
      if (lo != 0) partials[i++] = lo;
      x = hi;
    }
    partials.resize(i);
    partials.push_back(x);
  }
  size_t n = partials.size();
  if (n == 0) return 0.0;
  double hi = partials[--n], lo = 0;
  while (n > 0) {
    const double x = hi, y = partials[--n];
    hi = x + y;
    lo = y - (hi - x);
    if (lo != 0) break;
  }
  if (n > 0 && ((lo < 0 && partials[n - 1] < 0) || (lo > 0 && partials[n - 1] > 0))) {
    const double y = lo * 2, x = hi + y;
    if (y == x - hi) hi = x;
  }
  return hi;
}

double exact(const std::vector<double>& xs) {
  ExactSum s;
  for (double x : xs) s.add(x);
  return s.rounded();
}

// The same values shuffled and added as `parts` partial sums merged in a random order.
double merged(std::vector<double> xs, size_t parts, std::mt19937_64& rng) {
  std::shuffle(xs.begin(), xs.end(), rng);
  std::vector<ExactSum> partial(parts);
  for (double x : xs) partial[rng() % parts].add(x);
  std::shuffle(partial.begin(), partial.end(), rng);
  ExactSum total;
  for (const ExactSum& p : partial) total.add(p);
  return total.rounded();
}

void expect_bits(double got, double want, const char* what) {
  EXPECT_EQ(std::bit_cast<uint64_t>(got), std::bit_cast<uint64_t>(want))
      << what << ": got " << got << ", want " << want << std::hexfloat << " (" << got << " vs " << want << ")";
}

TEST(ExactSum, RoundsTheExactSumOnce) {
  expect_bits(exact({0.1, 0.2, 0.3}), 0.6, "0.1 + 0.2 + 0.3");  // in order, doubles give 0.6000000000000001
  expect_bits(exact(std::vector<double>(10, 0.1)), 1.0, "ten times 0.1");
  expect_bits(exact({1e100, 1.0, -1e100}), 1.0, "cancellation");
  expect_bits(exact({}), 0.0, "nothing");
  expect_bits(exact({-0.0}), 0.0, "-0.0 adds nothing");
  // Ties go to even; anything past the tie decides it.
  const double two53 = 9007199254740992.0;
  expect_bits(exact({two53, 1.0}), two53, "2^53 + 1");
  expect_bits(exact({two53, 1.0, 0x1p-60}), two53 + 2, "2^53 + 1 + 2^-60");
  expect_bits(exact({two53, 3.0}), two53 + 4, "2^53 + 3");
  // Subnormals are exact, and the smallest ones add up to normal numbers.
  expect_bits(exact({DBL_TRUE_MIN, DBL_TRUE_MIN, DBL_TRUE_MIN}), 3 * DBL_TRUE_MIN, "three 2^-1074");
  expect_bits(exact({DBL_MIN, -DBL_TRUE_MIN}), DBL_MIN - DBL_TRUE_MIN, "below DBL_MIN");
}

TEST(ExactSum, FollowsIeeeForInfinitiesNaNAndOverflow) {
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_TRUE(std::isnan(exact({1.0, std::nan(""), 2.0})));
  EXPECT_TRUE(std::isnan(exact({inf, -inf})));
  expect_bits(exact({inf, 1.0, inf}), inf, "+inf");
  expect_bits(exact({-inf, 1e308}), -inf, "-inf");
  // An exact sum past the range rounds to infinity; one that comes back is exact.
  expect_bits(exact({DBL_MAX, DBL_MAX}), inf, "2 DBL_MAX");
  expect_bits(exact({DBL_MAX, DBL_MAX, -DBL_MAX}), DBL_MAX, "2 DBL_MAX - DBL_MAX");
  expect_bits(exact({-DBL_MAX, -DBL_MAX}), -inf, "-2 DBL_MAX");
}

TEST(ExactSum, EqualsTheReferenceWhateverTheOrder) {
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> unit(-1.0, 1.0);
  auto check = [&](const std::vector<double>& xs, const char* what) {
    const double want = reference_sum(xs);
    expect_bits(exact(xs), want, what);
    for (size_t parts : {2, 3, 17}) expect_bits(merged(xs, parts, rng), want, what);
  };
  for (int round = 0; round < 20; ++round) {
    std::vector<double> same_scale, amounts, wide, cancelling;
    for (int i = 0; i < 2000; ++i) {
      same_scale.push_back(unit(rng) * 1e6);
      amounts.push_back(std::round(std::fabs(unit(rng)) * 1e6) / 100);  // cents: 0.01 .. 10,000.00
      // Exponents across the whole range: the sum outgrows 128 bits.
      wide.push_back(std::ldexp(unit(rng), static_cast<int>(rng() % 2000) - 1000));
      const double x = std::ldexp(unit(rng), static_cast<int>(rng() % 200) - 100);
      cancelling.push_back(x);
      cancelling.push_back(-x * (1 + 0x1p-40));
    }
    check(same_scale, "same scale");
    check(amounts, "amounts");
    check(wide, "exponents over the whole range");
    check(cancelling, "near cancellation");
  }
}

TEST(ExactSum, MergesNarrowAndWideSums) {
  // One partial stays within 128 bits, the other outgrows them; copies are independent.
  ExactSum narrow, wide;
  std::vector<double> all;
  for (int i = 1; i <= 100; ++i) {
    narrow.add(i * 0.25);
    all.push_back(i * 0.25);
    wide.add(std::ldexp(1.0, 10 * i - 500));
    all.push_back(std::ldexp(1.0, 10 * i - 500));
  }
  const ExactSum narrow_copy = narrow;
  ExactSum both = narrow;
  both.add(wide);
  expect_bits(both.rounded(), reference_sum(all), "narrow + wide");
  ExactSum other_way = wide;
  other_way.add(narrow);
  expect_bits(other_way.rounded(), reference_sum(all), "wide + narrow");
  expect_bits(narrow_copy.rounded(), narrow.rounded(), "the copy is unchanged");
  EXPECT_GT(wide.heap_bytes(), 0u);
  EXPECT_EQ(narrow.heap_bytes(), 0u);
}

TEST(ExactSum, CopiesAndMovesOwnTheirWideAccumulator) {
  std::vector<double> values;
  for (int i = 0; i < 100; ++i) values.push_back(std::ldexp(1.0 + i, 20 * i - 1000));
  ExactSum wide;
  for (double x : values) wide.add(x);
  ASSERT_GT(wide.heap_bytes(), 0u);
  ExactSum copy = wide;
  copy.add(-values.back());  // the copy changes, the original does not
  expect_bits(wide.rounded(), reference_sum(values), "the original");
  ExactSum moved = std::move(copy);
  ExactSum assigned;
  assigned.add(3.0);
  assigned = moved;
  moved = std::move(assigned);
  values.pop_back();
  expect_bits(moved.rounded(), reference_sum(values), "the copy, moved and assigned");
}

TEST(ExactSum, RoundsToTwoDoublesForTheRest) {
  ExactSum s;
  for (double x : {1.0, 0x1p-80, 0x1p-90}) s.add(x);
  const auto [hi, lo] = s.rounded2();
  expect_bits(hi, 1.0, "hi");
  expect_bits(lo, 0x1p-80 + 0x1p-90, "lo");
}

}  // namespace
}  // namespace bullion::expr
