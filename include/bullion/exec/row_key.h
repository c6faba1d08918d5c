// bullion/exec/row_key.h — encoding key columns into comparable byte strings.
//
// Grouping, distinct, dedupe and joins compare rows on several key columns of
// any type. KeyEncoder turns the key columns of a batch into one byte string
// per row, such that two rows have equal encodings exactly when their keys are
// equal under GROUP BY semantics (NULL equals NULL; -0.0 equals 0.0; all NaNs
// are equal), and a 64-bit xxHash of each encoding. Keys decode back to
// columns for output. Not thread-safe; one encoder per worker, buffers reused.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "bullion/columnar/batch.h"
#include "bullion/columnar/buffer.h"

namespace bullion::exec {

class KeyEncoder {
 public:
  explicit KeyEncoder(std::vector<DataType> key_types);

  const std::vector<DataType>& key_types() const { return types_; }

  // Encodes rows [0, n) of the given key columns (one per key type).
  void encode(const std::vector<const Column*>& columns, size_t n);

  size_t size() const { return num_rows_; }
  std::string_view key(size_t row) const {
    const uint32_t* o = offsets_.as<uint32_t>();
    return {reinterpret_cast<const char*>(bytes_.data()) + o[row], o[row + 1] - o[row]};
  }
  uint64_t hash(size_t row) const { return hashes_.as<uint64_t>()[row]; }
  // Whether any key column of the row is NULL (joins skip such rows).
  bool has_null(size_t row) const { return has_null_.data()[row] != 0; }

  // Appends the decoded keys to `columns` (one per key type).
  void decode(const std::vector<std::string_view>& keys, const std::vector<Column*>& columns) const;

 private:
  std::vector<DataType> types_;
  size_t num_rows_ = 0;
  Buffer bytes_;
  Buffer offsets_;
  Buffer hashes_;
  Buffer has_null_;
};

uint64_t hash_bytes(std::string_view bytes);

}  // namespace bullion::exec
