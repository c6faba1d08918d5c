#include "batch_memory_pool.h"

#include <algorithm>

namespace bullion::json::detail {

std::shared_ptr<StringBlock> BatchMemoryPool::block(size_t min_bytes) {
  std::unique_ptr<StringBlock> b;
  if (min_bytes <= kBlockBytes) {
    std::lock_guard lock(mutex_);
    if (!blocks_.empty()) {
      b = std::move(blocks_.back());
      blocks_.pop_back();
    }
  }
  if (!b) {
    b = std::make_unique<StringBlock>();
    b->buffer.reserve(std::max(min_bytes, kBlockBytes));
  }
  b->used = 0;
  return std::shared_ptr<StringBlock>(b.release(), [self = shared_from_this()](StringBlock* p) { self->recycle(p); });
}

ColumnPtr BatchMemoryPool::column(const DataType& type) {
  std::unique_ptr<Column> c;
  {
    std::lock_guard lock(mutex_);
    for (size_t i = columns_.size(); i-- > 0;) {
      if (columns_[i].first == type) {
        c = std::move(columns_[i].second);
        columns_[i] = std::move(columns_.back());
        columns_.pop_back();
        break;
      }
    }
  }
  if (!c) c = std::make_unique<Column>(type);
  return ColumnPtr(c.release(), [self = shared_from_this()](Column* p) { self->recycle(p); });
}

void BatchMemoryPool::recycle(StringBlock* block) {
  std::unique_ptr<StringBlock> owned(block);
  if (owned->buffer.capacity() != kBlockBytes) return;  // oversized: free it
  std::lock_guard lock(mutex_);
  if (blocks_.size() < max_idle_blocks_) blocks_.push_back(std::move(owned));
}

void BatchMemoryPool::recycle(Column* column) {
  std::unique_ptr<Column> owned(column);
  // clear() keeps the buffers' capacity and drops the string owners, which
  // returns their blocks to this pool (so it must run outside the lock).
  owned->clear();
  DataType type = owned->type();
  std::lock_guard lock(mutex_);
  if (columns_.size() < max_idle_columns_) columns_.emplace_back(std::move(type), std::move(owned));
}

}  // namespace bullion::json::detail
