#include "bullion/columnar/buffer.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstdlib>
#include <new>

namespace bullion {

namespace {
constexpr size_t kAlignment = 64;
constexpr size_t kHugePage = size_t{2} << 20;
constexpr size_t kHugeThreshold = size_t{4} << 20;
}  // namespace

Buffer::~Buffer() { std::free(data_); }

Buffer::Buffer(Buffer&& other) noexcept : data_(other.data_), size_(other.size_), capacity_(other.capacity_) {
  other.data_ = nullptr;
  other.size_ = other.capacity_ = 0;
}

Buffer& Buffer::operator=(Buffer&& other) noexcept {
  if (this != &other) {
    std::free(data_);
    data_ = other.data_;
    size_ = other.size_;
    capacity_ = other.capacity_;
    other.data_ = nullptr;
    other.size_ = other.capacity_ = 0;
  }
  return *this;
}

void Buffer::reserve(size_t bytes) {
  if (bytes <= capacity_) return;
  const bool huge = bytes >= kHugeThreshold;
  const size_t align = huge ? kHugePage : kAlignment;
  const size_t cap = (std::max<size_t>(bytes, 64) + align - 1) / align * align;
  void* p = std::aligned_alloc(align, cap);
  if (p == nullptr) throw std::bad_alloc();
  if (huge) ::madvise(p, cap, MADV_HUGEPAGE);
  if (size_ > 0) std::memcpy(p, data_, size_);
  std::free(data_);
  data_ = static_cast<uint8_t*>(p);
  capacity_ = cap;
}

void Buffer::reset() {
  std::free(data_);
  data_ = nullptr;
  size_ = capacity_ = 0;
}

void StringArena::new_chunk(size_t min_size) {
  const size_t size = std::max(min_size, next_chunk_size_);
  next_chunk_size_ = std::min<size_t>(next_chunk_size_ * 2, size_t{1} << 20);
  chunks_.push_back(std::make_unique_for_overwrite<char[]>(size));
  chunk_pos_ = chunks_.back().get();
  chunk_left_ = size;
  bytes_reserved_ += size;
}

}  // namespace bullion
