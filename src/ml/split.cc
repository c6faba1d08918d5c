#include "bullion/ml/split.h"

#include <algorithm>
#include <cmath>
#include <string_view>
#include <unordered_set>

#include "bullion/core/error.h"
#include "bullion/core/time.h"

namespace bullion::ml {

uint64_t SplitMix64::next() {
  state_ += 0x9E3779B97F4A7C15ull;
  uint64_t z = state_;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

uint64_t SplitMix64::bounded(uint64_t n) {
  BULLION_ASSERT(n >= 1, "bounded(0)");
  unsigned __int128 m = static_cast<unsigned __int128>(next()) * n;
  uint64_t low = static_cast<uint64_t>(m);
  if (low < n) {
    const uint64_t threshold = (0 - n) % n;  // 2^64 mod n
    while (low < threshold) {
      m = static_cast<unsigned __int128>(next()) * n;
      low = static_cast<uint64_t>(m);
    }
  }
  return static_cast<uint64_t>(m >> 64);
}

namespace {

void require_both_classes(const Dataset& data, const std::vector<uint32_t>& rows, std::string_view side,
                          std::string_view how) {
  size_t positive = 0;
  for (uint32_t r : rows) positive += data.labels[r];
  if (positive == 0 || positive == rows.size())
    throw Error::invalid_input("the " + std::string(side) + " set has only one class: " + std::to_string(positive) +
                                   " positive of " + std::to_string(rows.size()) + " rows",
                               std::string(how) + "; a classifier and its ROC-AUC need both labels on each side");
}

}  // namespace

DatasetSplit split_dataset(const Dataset& data, const SplitSpec& spec) {
  if (!data.labelled) throw Error::invalid_input("cannot split a dataset without labels");
  if (data.num_rows() == 0)
    throw Error::invalid_input("the training set is empty: no labelled feature rows",
                               "run the gold and labels layers first; labels exist only for feature dates whose "
                               "horizon has passed");
  DatasetSplit out;
  const size_t n = data.num_rows();
  std::string how;
  if (spec.by == SplitBy::kEntity) {
    if (!(spec.test_size > 0 && spec.test_size < 1))
      throw Error::invalid_input("split test_size must be in (0, 1), got " + std::to_string(spec.test_size),
                                 "test_size is the fraction of entities in the test set, e.g. 0.2");
    std::vector<std::string_view> entities(data.entities.begin(), data.entities.end());
    std::sort(entities.begin(), entities.end());
    entities.erase(std::unique(entities.begin(), entities.end()), entities.end());
    const size_t groups = entities.size();
    const size_t num_test = static_cast<size_t>(std::ceil(spec.test_size * static_cast<double>(groups)));
    if (groups < 2 || num_test >= groups)
      throw Error::invalid_input("cannot split " + std::to_string(groups) + " entities with test_size " +
                                     std::to_string(spec.test_size) + " so that both sides have one",
                                 "more entities or a smaller test_size");
    SplitMix64 rng(spec.seed);
    for (size_t i = groups - 1; i >= 1; --i) std::swap(entities[i], entities[rng.bounded(i + 1)]);
    const std::unordered_set<std::string_view> test(entities.begin(), entities.begin() + num_test);
    for (size_t r = 0; r < n; ++r) (test.contains(data.entities[r]) ? out.test_rows : out.train_rows).push_back(r);
    out.test_groups = num_test;
    out.train_groups = groups - num_test;
    how = "try another seed or test_size, or more data";
  } else {
    if (spec.test_dates < 1)
      throw Error::invalid_input("split test_dates must be at least 1, got " + std::to_string(spec.test_dates));
    std::vector<int32_t> dates(data.feature_dates.begin(), data.feature_dates.end());
    std::sort(dates.begin(), dates.end());
    dates.erase(std::unique(dates.begin(), dates.end()), dates.end());
    const size_t groups = dates.size();
    if (static_cast<size_t>(spec.test_dates) >= groups)
      throw Error::invalid_input("cannot test on the latest " + std::to_string(spec.test_dates) +
                                     " feature dates: the training set has " + std::to_string(groups) + " (from " +
                                     format_date(dates.front()) + " to " + format_date(dates.back()) + ")",
                                 "training needs at least one earlier date; run Gold for more as-of dates");
    const int32_t first_test_date = dates[groups - spec.test_dates];
    for (size_t r = 0; r < n; ++r)
      (data.feature_dates[r] >= first_test_date ? out.test_rows : out.train_rows).push_back(r);
    out.test_groups = spec.test_dates;
    out.train_groups = groups - spec.test_dates;
    how = "test on more dates (test_dates) or train on more as-of dates";
  }
  require_both_classes(data, out.train_rows, "training", how);
  require_both_classes(data, out.test_rows, "test", how);
  return out;
}

}  // namespace bullion::ml
