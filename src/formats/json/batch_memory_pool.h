// Internal: pooled memory for the batches the scanner hands out.
//
// DESIGN ("Engine principles"): fresh anonymous memory costs ~0.3 GB/s to
// fault in, reused memory ~28 GB/s. A scanner producing a new batch every few
// milliseconds would otherwise fault in its whole output. Columns and string
// blocks handed out by the pool go back to it when the last reference to them
// dies (a custom shared_ptr deleter), with their capacity kept, and are
// handed out again. The pool keeps a bounded number of idle items; the rest
// are freed. Thread-safe.
#pragma once

#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "bullion/columnar/buffer.h"
#include "bullion/columnar/column.h"

namespace bullion::json::detail {

// Bytes for strings, filled front to back; views into it stay valid while
// the block lives.
struct StringBlock {
  Buffer buffer;  // capacity = the block's size
  size_t used = 0;
};

class BatchMemoryPool : public std::enable_shared_from_this<BatchMemoryPool> {
 public:
  // 4 MiB: Buffer backs it with transparent huge pages (first touch ~30x faster).
  static constexpr size_t kBlockBytes = size_t{4} << 20;

  static std::shared_ptr<BatchMemoryPool> make(size_t max_idle_blocks, size_t max_idle_columns) {
    return std::shared_ptr<BatchMemoryPool>(new BatchMemoryPool(max_idle_blocks, max_idle_columns));
  }

  // An empty block of at least `min_bytes` (kBlockBytes unless a larger one is needed).
  std::shared_ptr<StringBlock> block(size_t min_bytes);
  // An empty column of `type` (capacity kept from earlier use).
  ColumnPtr column(const DataType& type);

 private:
  BatchMemoryPool(size_t max_idle_blocks, size_t max_idle_columns)
      : max_idle_blocks_(max_idle_blocks), max_idle_columns_(max_idle_columns) {}
  void recycle(StringBlock* block);
  void recycle(Column* column);

  const size_t max_idle_blocks_;
  const size_t max_idle_columns_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<StringBlock>> blocks_;
  std::vector<std::pair<DataType, std::unique_ptr<Column>>> columns_;
};

}  // namespace bullion::json::detail
