// bullion/ml/split.h — the seeded train/test split of the semantics contract.
//
// The dataset's rows are already sorted by (feature_date, entity)
// (build_dataset). Two ways to split:
//
//   by entity (`split: {by: customer_id, test_size: 0.2, seed: 42}`, the
//   default): each entity's rows all go to one side. test_size is a fraction
//   of the distinct ENTITIES, not of rows: ceil(test_size × entities) of them
//   are test entities (as scikit-learn's GroupShuffleSplit counts groups), the
//   rest train. Which ones is decided by this exact algorithm, so that a seed
//   names the same split on every platform, compiler and bullion version:
//     1. list the distinct entities in ascending byte order;
//     2. shuffle the list with Fisher–Yates from the end: for i = n-1 down to
//        1, swap element i with element j = bounded(i + 1);
//     3. the first ceil(test_size × n) entities of the shuffled list are the
//        test entities.
//   The generator is SplitMix64 seeded with `seed` (state += 0x9E3779B97F4A7C15;
//   z = state; z = (z ^ z>>30) * 0xBF58476D1CE4E5B9; z = (z ^ z>>27) *
//   0x94D049BB133111EB; output z ^ z>>31), and bounded(n) is Lemire's
//   multiply-shift with rejection: x = next(), m = x·n (128-bit); while
//   low64(m) < (2^64 − n) mod n, draw again; result high64(m) — uniform and
//   unbiased. std::shuffle and std::uniform_int_distribution are not used on
//   purpose: the standard leaves their algorithms to the library, so
//   libstdc++, libc++ and MSVC give different splits for the same seed, and a
//   logged run could not be reproduced elsewhere. (tests/interop re-implements
//   these few lines in Python and gets the same split.)
//
//   by time (`split: {by: time, test_dates: 1}`): the rows of the latest
//   `test_dates` distinct feature dates are the test set, every earlier date
//   trains. No randomness.
//
// Errors (kInvalidInput): an empty or unlabelled dataset; test_size outside
// (0, 1); test_dates < 1; too few entities or dates to put one on each side;
// a side whose labels are all one class (the message names the side and its
// counts; ROC-AUC and the model are undefined without both classes).
// Complexity: O(n log n) in rows (distinct entities are sorted).
#pragma once

#include <cstdint>
#include <vector>

#include "bullion/ml/dataset.h"

namespace bullion::ml {

enum class SplitBy : uint8_t { kEntity, kTime };

struct SplitSpec {
  SplitBy by = SplitBy::kEntity;
  double test_size = 0.2;  // kEntity: fraction of distinct entities in the test set
  uint64_t seed = 42;      // kEntity
  int test_dates = 1;      // kTime: the latest N distinct feature dates are the test set
};

struct DatasetSplit {
  std::vector<uint32_t> train_rows;  // ascending indices into the dataset
  std::vector<uint32_t> test_rows;   // ascending
  size_t train_groups = 0;           // distinct entities (kEntity) or dates (kTime) per side
  size_t test_groups = 0;
};

DatasetSplit split_dataset(const Dataset& data, const SplitSpec& spec);

// The generator and bounded draw described above, exposed for tests and for
// anything else that must shuffle reproducibly.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t next();
  // Uniform in [0, n); n must be at least 1.
  uint64_t bounded(uint64_t n);

 private:
  uint64_t state_;
};

}  // namespace bullion::ml
