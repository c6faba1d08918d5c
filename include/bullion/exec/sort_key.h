// bullion/exec/sort_key.h — normalized (memcmp-ordered) sort keys.
//
// ORDER BY on several columns compares rows by bytes: each key column is
// encoded so that unsigned byte comparison of the concatenation gives the
// requested order (ascending or descending, NULLs first or last; integers
// sign-flipped big-endian, floats by IEEE bit order with NaN greatest as Spark
// orders them, strings escaped and terminated so prefixes sort first). Sorting,
// merging spilled runs and dedupe's "first row by order" all compare these
// bytes. Not thread-safe; buffers are reused between batches.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "bullion/columnar/batch.h"
#include "bullion/columnar/buffer.h"

namespace bullion::exec {

struct SortKey {
  size_t column = 0;  // index in the input schema
  bool descending = false;
  bool nulls_first = true;  // Spark's default: NULLS FIRST for ASC, NULLS LAST for DESC
};

// Spark's defaults for a direction.
inline SortKey ascending(size_t column) { return {column, false, true}; }
inline SortKey descending(size_t column) { return {column, true, false}; }

class SortKeyEncoder {
 public:
  SortKeyEncoder(std::vector<SortKey> keys, const Schema& schema);

  void encode(const Batch& batch);
  size_t size() const { return num_rows_; }
  std::string_view key(size_t row) const {
    const uint32_t* o = offsets_.as<uint32_t>();
    return {reinterpret_cast<const char*>(bytes_.data()) + o[row], o[row + 1] - o[row]};
  }

 private:
  std::vector<SortKey> keys_;
  std::vector<DataType> types_;
  size_t num_rows_ = 0;
  Buffer bytes_;
  Buffer offsets_;
};

}  // namespace bullion::exec
