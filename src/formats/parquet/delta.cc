#include "formats/parquet/delta.h"

#include <algorithm>
#include <cstring>

#include "formats/parquet/rle.h"

namespace bullion::parquet {

namespace {

constexpr uint64_t kMaxBlockSize = uint64_t{1} << 20;
constexpr uint64_t kMaxMiniblocks = 1024;

void put_uvarint(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

uint64_t zigzag(int64_t v) { return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63); }
int64_t unzigzag(uint64_t z) { return static_cast<int64_t>(z >> 1) ^ -static_cast<int64_t>(z & 1); }

}  // namespace

bool DeltaBinaryPackedDecoder::read_uvarint(uint64_t* v) {
  uint64_t r = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (pos_ >= end_) return false;
    const uint8_t b = *pos_++;
    r |= static_cast<uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) {
      *v = r;
      return true;
    }
  }
  return false;
}

bool DeltaBinaryPackedDecoder::init(const uint8_t* data, size_t size) {
  pos_ = data;
  end_ = data + size;
  ok_ = false;
  uint64_t first = 0;
  if (!read_uvarint(&block_size_) || !read_uvarint(&miniblocks_) || !read_uvarint(&total_count_) ||
      !read_uvarint(&first)) {
    return false;
  }
  if (block_size_ == 0 || block_size_ % 128 != 0 || block_size_ > kMaxBlockSize || miniblocks_ == 0 ||
      miniblocks_ > kMaxMiniblocks || block_size_ % miniblocks_ != 0 || (block_size_ / miniblocks_) % 32 != 0) {
    return false;
  }
  per_miniblock_ = block_size_ / miniblocks_;
  last_ = static_cast<uint64_t>(unzigzag(first));
  remaining_ = total_count_;
  first_done_ = false;
  miniblock_index_ = miniblocks_;  // forces a block header before the first miniblock
  mb_left_ = 0;
  widths_.resize(miniblocks_);
  ok_ = true;
  return true;
}

bool DeltaBinaryPackedDecoder::load_miniblock() {
  if (miniblock_index_ >= miniblocks_) {
    uint64_t z;
    if (!read_uvarint(&z)) return false;
    min_delta_ = static_cast<uint64_t>(unzigzag(z));
    if (static_cast<uint64_t>(end_ - pos_) < miniblocks_) return false;
    std::memcpy(widths_.data(), pos_, miniblocks_);
    pos_ += miniblocks_;
    miniblock_index_ = 0;
  }
  mb_width_ = widths_[miniblock_index_++];
  if (mb_width_ > 64) return false;
  const uint64_t full_bytes = per_miniblock_ * static_cast<uint64_t>(mb_width_) / 8;
  // Values still to come (excluding the first value from the header).
  const uint64_t needed = std::min<uint64_t>(per_miniblock_, remaining_);
  const uint64_t needed_bytes = (needed * static_cast<uint64_t>(mb_width_) + 7) / 8;
  const uint64_t avail = static_cast<uint64_t>(end_ - pos_);
  if (needed_bytes > avail) return false;
  mb_data_ = pos_;
  mb_size_ = static_cast<size_t>(std::min(full_bytes, avail));
  pos_ += mb_size_;
  mb_pos_ = 0;
  mb_left_ = needed;
  return true;
}

size_t DeltaBinaryPackedDecoder::get(int64_t* out, size_t n) {
  size_t done = 0;
  if (!ok_) return 0;
  if (!first_done_ && remaining_ > 0 && n > 0) {
    out[done++] = static_cast<int64_t>(last_);
    first_done_ = true;
    --remaining_;
  }
  while (done < n && remaining_ > 0) {
    if (mb_left_ == 0 && !load_miniblock()) {
      ok_ = false;
      break;
    }
    const size_t k = static_cast<size_t>(std::min<uint64_t>(mb_left_, n - done));
    if (scratch_.size() < k) scratch_.resize(std::max<size_t>(k, 128));
    unpack_bits(mb_data_, mb_size_, mb_pos_ * static_cast<uint64_t>(mb_width_), mb_width_, scratch_.data(), k);
    uint64_t v = last_;
    for (size_t i = 0; i < k; ++i) {
      v += min_delta_ + scratch_[i];
      out[done + i] = static_cast<int64_t>(v);
    }
    last_ = v;
    mb_pos_ += k;
    mb_left_ -= k;
    remaining_ -= k;
    done += k;
  }
  return done;
}

void encode_delta_binary_packed(const int64_t* values, size_t n, bool is_int32, std::string* out) {
  constexpr size_t kBlock = 128, kMiniblocks = 4, kPer = kBlock / kMiniblocks;
  put_uvarint(kBlock, out);
  put_uvarint(kMiniblocks, out);
  put_uvarint(n, out);
  put_uvarint(zigzag(n > 0 ? values[0] : 0), out);
  if (n <= 1) return;
  uint64_t deltas[kBlock];
  for (size_t start = 1; start < n; start += kBlock) {
    const size_t count = std::min(kBlock, n - start);
    // Deltas in the value's own width (INT32 wraps at 32 bits).
    int64_t min_delta = INT64_MAX;
    int64_t sdeltas[kBlock];
    for (size_t i = 0; i < count; ++i) {
      int64_t d;
      if (is_int32) {
        d = static_cast<int64_t>(static_cast<int32_t>(static_cast<uint32_t>(values[start + i]) -
                                                      static_cast<uint32_t>(values[start + i - 1])));
      } else {
        d = static_cast<int64_t>(static_cast<uint64_t>(values[start + i]) -
                                 static_cast<uint64_t>(values[start + i - 1]));
      }
      sdeltas[i] = d;
      min_delta = std::min(min_delta, d);
    }
    uint8_t widths[kMiniblocks] = {0, 0, 0, 0};
    for (size_t i = 0; i < count; ++i) {
      uint64_t rel = static_cast<uint64_t>(sdeltas[i]) - static_cast<uint64_t>(min_delta);
      if (is_int32) rel &= 0xffffffffu;
      deltas[i] = rel;
    }
    for (size_t i = count; i < kBlock; ++i) deltas[i] = 0;
    const size_t used = (count + kPer - 1) / kPer;
    for (size_t m = 0; m < used; ++m) {
      uint64_t mx = 0;
      for (size_t i = m * kPer; i < (m + 1) * kPer; ++i) mx |= deltas[i];
      widths[m] = static_cast<uint8_t>(bit_width_for(mx));
    }
    put_uvarint(zigzag(min_delta), out);
    out->append(reinterpret_cast<const char*>(widths), kMiniblocks);
    for (size_t m = 0; m < used; ++m) pack_bits(deltas + m * kPer, kPer, widths[m], out);
  }
}

std::string decode_delta_length_byte_array(const uint8_t* data, size_t size, size_t count,
                                           std::vector<std::string_view>* out, const uint8_t** end) {
  DeltaBinaryPackedDecoder lengths;
  if (!lengths.init(data, size)) return "malformed DELTA_LENGTH_BYTE_ARRAY length header";
  if (lengths.total_count() != count) {
    return "DELTA_LENGTH_BYTE_ARRAY holds " + std::to_string(lengths.total_count()) + " lengths for " +
           std::to_string(count) + " values";
  }
  std::vector<int64_t> lens(count);
  if (lengths.get(lens.data(), count) != count) return "malformed DELTA_LENGTH_BYTE_ARRAY lengths";
  const uint8_t* p = lengths.position();
  const uint8_t* limit = data + size;
  out->resize(count);
  for (size_t i = 0; i < count; ++i) {
    const int64_t len = lens[i];
    if (len < 0 || static_cast<uint64_t>(len) > static_cast<uint64_t>(limit - p)) {
      return "DELTA_LENGTH_BYTE_ARRAY value length " + std::to_string(len) + " exceeds the page";
    }
    (*out)[i] = std::string_view(reinterpret_cast<const char*>(p), static_cast<size_t>(len));
    p += len;
  }
  if (end) *end = p;
  return {};
}

void encode_delta_length_byte_array(const std::string_view* values, size_t n, std::string* out) {
  std::vector<int64_t> lens(n);
  for (size_t i = 0; i < n; ++i) lens[i] = static_cast<int64_t>(values[i].size());
  encode_delta_binary_packed(lens.data(), n, true, out);
  for (size_t i = 0; i < n; ++i) out->append(values[i]);
}

std::string decode_delta_byte_array(const uint8_t* data, size_t size, size_t count, size_t max_bytes,
                                    std::string* storage, std::vector<std::string_view>* out) {
  DeltaBinaryPackedDecoder prefixes;
  if (!prefixes.init(data, size)) return "malformed DELTA_BYTE_ARRAY prefix header";
  if (prefixes.total_count() != count) {
    return "DELTA_BYTE_ARRAY holds " + std::to_string(prefixes.total_count()) + " prefixes for " +
           std::to_string(count) + " values";
  }
  std::vector<int64_t> pre(count);
  if (prefixes.get(pre.data(), count) != count) return "malformed DELTA_BYTE_ARRAY prefix lengths";
  const uint8_t* suffix_start = prefixes.position();
  std::vector<std::string_view> suffixes;
  std::string err = decode_delta_length_byte_array(suffix_start, static_cast<size_t>(data + size - suffix_start), count,
                                                   &suffixes, nullptr);
  if (!err.empty()) return err;
  // Total reconstructed size, bounded before anything is allocated.
  uint64_t total = 0, prev_len = 0;
  for (size_t i = 0; i < count; ++i) {
    if (pre[i] < 0 || static_cast<uint64_t>(pre[i]) > prev_len) {
      return "DELTA_BYTE_ARRAY prefix length " + std::to_string(pre[i]) + " exceeds the previous value";
    }
    prev_len = static_cast<uint64_t>(pre[i]) + suffixes[i].size();
    total += prev_len;
    if (total > max_bytes) return "DELTA_BYTE_ARRAY values exceed " + std::to_string(max_bytes) + " bytes";
  }
  storage->resize(static_cast<size_t>(total));
  char* w = storage->data();
  out->resize(count);
  const char* prev = nullptr;
  for (size_t i = 0; i < count; ++i) {
    const size_t p = static_cast<size_t>(pre[i]);
    if (p > 0) std::memcpy(w, prev, p);
    std::memcpy(w + p, suffixes[i].data(), suffixes[i].size());
    (*out)[i] = std::string_view(w, p + suffixes[i].size());
    prev = w;
    w += p + suffixes[i].size();
  }
  return {};
}

void encode_delta_byte_array(const std::string_view* values, size_t n, std::string* out) {
  std::vector<int64_t> prefix(n);
  std::vector<std::string_view> suffix(n);
  std::string_view prev;
  for (size_t i = 0; i < n; ++i) {
    const std::string_view v = values[i];
    size_t p = 0;
    const size_t lim = std::min(prev.size(), v.size());
    while (p < lim && prev[p] == v[p]) ++p;
    prefix[i] = static_cast<int64_t>(p);
    suffix[i] = v.substr(p);
    prev = v;
  }
  encode_delta_binary_packed(prefix.data(), n, true, out);
  encode_delta_length_byte_array(suffix.data(), n, out);
}

void decode_byte_stream_split(const uint8_t* data, size_t n, size_t width, uint8_t* out) {
  for (size_t k = 0; k < width; ++k) {
    const uint8_t* stream = data + k * n;
    for (size_t i = 0; i < n; ++i) out[i * width + k] = stream[i];
  }
}

void encode_byte_stream_split(const uint8_t* values, size_t n, size_t width, std::string* out) {
  const size_t base = out->size();
  out->resize(base + n * width);
  uint8_t* o = reinterpret_cast<uint8_t*>(out->data() + base);
  for (size_t k = 0; k < width; ++k) {
    for (size_t i = 0; i < n; ++i) o[k * n + i] = values[i * width + k];
  }
}

}  // namespace bullion::parquet
