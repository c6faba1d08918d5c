// The seeded split: the documented generator, exact splits, rules, errors.
#include "bullion/ml/split.h"

#include <gtest/gtest.h>

#include <set>

#include "bullion/core/error.h"
#include "ml/ml_fixtures.h"

namespace bullion::ml {
namespace {

// A labelled dataset with the given (entity, date, label) rows, one feature.
Dataset rows_of(const std::vector<std::tuple<std::string, int32_t, int>>& rows) {
  Dataset d;
  d.feature_names = {"x"};
  d.feature_types = {DataType::float64()};
  d.labelled = true;
  for (const auto& [entity, date, label] : rows) {
    d.entities.push_back(entity);
    d.feature_dates.push_back(date);
    d.labels.push_back(static_cast<uint8_t>(label));
    d.features.push_back(static_cast<float>(d.features.size()));
  }
  return d;
}

// Ten entities C00..C09 with one row per date; entity i is positive iff i is odd.
Dataset ten_entities(int dates) {
  std::vector<std::tuple<std::string, int32_t, int>> rows;
  for (int d = 0; d < dates; ++d)
    for (int i = 0; i < 10; ++i) rows.emplace_back("C0" + std::to_string(i), 100 + d, i % 2);
  return rows_of(rows);
}

std::set<std::string> entities_of(const Dataset& d, const std::vector<uint32_t>& rows) {
  std::set<std::string> out;
  for (uint32_t r : rows) out.insert(d.entities[r]);
  return out;
}

template <class F>
void expect_invalid(F&& f, const std::string& text) {
  try {
    f();
    ADD_FAILURE() << "no error; expected one containing: " << text;
  } catch (const Error& e) {
    EXPECT_EQ(e.category(), ErrorCategory::kInvalidInput);
    EXPECT_NE(e.message().find(text), std::string::npos) << e.message();
  }
}

TEST(SplitMix64, MatchesTheReferenceGenerator) {
  // The published SplitMix64 outputs for seed 0.
  SplitMix64 rng(0);
  EXPECT_EQ(rng.next(), 0xE220A8397B1DCDAFull);
  EXPECT_EQ(rng.next(), 0x6E789E6AA1B965F4ull);
  EXPECT_EQ(rng.next(), 0x06C45D188009454Full);
}

TEST(SplitMix64, BoundedDrawsAreExactAndInRange) {
  // Same values as the Python re-implementation in tests/interop/test_ml_split.py.
  SplitMix64 rng(42);
  std::vector<uint64_t> draws;
  for (int i = 0; i < 10; ++i) draws.push_back(rng.bounded(10));
  EXPECT_EQ(draws, (std::vector<uint64_t>{7, 1, 2, 3, 0, 8, 2, 8, 3, 6}));
  SplitMix64 other(7);
  std::vector<int> counts(3);
  for (int i = 0; i < 30000; ++i) ++counts.at(other.bounded(3));
  for (int c : counts) EXPECT_NEAR(c, 10000, 400);
  EXPECT_EQ(SplitMix64(1).bounded(1), 0u);
}

TEST(Split, ByEntityIsExactForASeed) {
  const Dataset d = ten_entities(3);
  const DatasetSplit s = split_dataset(d, {SplitBy::kEntity, 0.2, 42});
  // ceil(0.2 × 10) = 2 test entities; which ones follows the documented shuffle.
  EXPECT_EQ(entities_of(d, s.test_rows), (std::set<std::string>{"C03", "C08"}));
  EXPECT_EQ(s.test_groups, 2u);
  EXPECT_EQ(s.train_groups, 8u);
  EXPECT_EQ(s.test_rows.size(), 6u);
  EXPECT_EQ(s.train_rows.size(), 24u);
  const DatasetSplit t = split_dataset(d, {SplitBy::kEntity, 0.25, 7});
  EXPECT_EQ(entities_of(d, t.test_rows), (std::set<std::string>{"C05", "C08", "C09"}));
}

TEST(Split, ByEntityKeepsEachEntityOnOneSideAndIsDeterministic) {
  const Batch batch = testing::churn_batch(200, 5);
  DatasetColumns c;
  c.features = testing::kChurnFeatures;
  const Dataset d = build_dataset(std::span(&batch, 1), c);
  const DatasetSplit a = split_dataset(d, {SplitBy::kEntity, 0.2, 42});
  const DatasetSplit b = split_dataset(d, {SplitBy::kEntity, 0.2, 42});
  EXPECT_EQ(a.train_rows, b.train_rows);
  EXPECT_EQ(a.test_rows, b.test_rows);
  const std::set<std::string> test = entities_of(d, a.test_rows), train = entities_of(d, a.train_rows);
  EXPECT_EQ(test.size(), 40u);
  EXPECT_EQ(train.size(), 160u);
  for (const std::string& e : test) EXPECT_FALSE(train.contains(e)) << e;
  EXPECT_EQ(a.test_rows.size(), 200u);  // 40 entities × 5 dates
  EXPECT_TRUE(std::is_sorted(a.test_rows.begin(), a.test_rows.end()));
  EXPECT_TRUE(std::is_sorted(a.train_rows.begin(), a.train_rows.end()));
  EXPECT_NE(entities_of(d, split_dataset(d, {SplitBy::kEntity, 0.2, 43}).test_rows), test);
  // Fractions round up, as scikit-learn's GroupShuffleSplit does.
  EXPECT_EQ(split_dataset(d, {SplitBy::kEntity, 0.101, 1}).test_groups, 21u);
}

TEST(Split, ByTimeTestsOnTheLatestDates) {
  const Dataset d = ten_entities(4);
  const DatasetSplit one = split_dataset(d, {SplitBy::kTime, 0.2, 0, 1});
  for (uint32_t r : one.test_rows) EXPECT_EQ(d.feature_dates[r], 103);
  for (uint32_t r : one.train_rows) EXPECT_LT(d.feature_dates[r], 103);
  EXPECT_EQ(one.test_rows.size(), 10u);
  EXPECT_EQ(one.test_groups, 1u);
  EXPECT_EQ(one.train_groups, 3u);
  const DatasetSplit two = split_dataset(d, {SplitBy::kTime, 0.2, 0, 2});
  EXPECT_EQ(two.test_rows.size(), 20u);
  EXPECT_EQ(d.feature_dates[two.test_rows.front()], 102);
}

TEST(Split, Errors) {
  expect_invalid([] { split_dataset(rows_of({}), {}); }, "the training set is empty");
  Dataset unlabelled = ten_entities(1);
  unlabelled.labelled = false;
  expect_invalid([&] { split_dataset(unlabelled, {}); }, "without labels");
  const Dataset d = ten_entities(2);
  expect_invalid([&] { split_dataset(d, {SplitBy::kEntity, 0.0, 1}); }, "test_size must be in (0, 1)");
  expect_invalid([&] { split_dataset(d, {SplitBy::kEntity, 1.0, 1}); }, "test_size must be in (0, 1)");
  expect_invalid([&] { split_dataset(d, {SplitBy::kEntity, 0.95, 1}); }, "cannot split 10 entities");
  expect_invalid([&] { split_dataset(rows_of({{"A", 1, 0}, {"A", 2, 1}}), {}); }, "cannot split 1 entities");
  expect_invalid([&] { split_dataset(d, {SplitBy::kTime, 0.2, 0, 0}); }, "test_dates must be at least 1");
  expect_invalid(
      [&] {
        split_dataset(d, {SplitBy::kTime, 0.2, 0, 2});
      },
      "cannot test on the latest 2 feature dates: the training set has 2");
}

TEST(Split, RefusesASingleClassOnEitherSide) {
  // Only the latest date has positives: the training side is all negative.
  expect_invalid(
      [] {
        split_dataset(rows_of({{"A", 1, 0}, {"B", 1, 0}, {"A", 2, 1}, {"B", 2, 0}}), {SplitBy::kTime, 0.2, 0, 1});
      },
      "the training set has only one class: 0 positive of 2 rows");
  expect_invalid(
      [] {
        split_dataset(rows_of({{"A", 1, 0}, {"B", 1, 1}, {"A", 2, 1}, {"B", 2, 1}}), {SplitBy::kTime, 0.2, 0, 1});
      },
      "the test set has only one class: 2 positive of 2 rows");
  // All labels equal: whatever the split, both sides are one class.
  std::vector<std::tuple<std::string, int32_t, int>> rows;
  for (int i = 0; i < 20; ++i) rows.emplace_back("E" + std::to_string(i), 1, 0);
  expect_invalid([&] { split_dataset(rows_of(rows), {}); }, "set has only one class: 0 positive");
}

}  // namespace
}  // namespace bullion::ml
