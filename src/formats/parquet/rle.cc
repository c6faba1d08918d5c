#include "formats/parquet/rle.h"

#include <algorithm>

namespace bullion::parquet {

void RleDecoder::reset(const uint8_t* data, size_t size, int bit_width) {
  data_ = data;
  pos_ = data;
  end_ = data + size;
  bit_width_ = bit_width;
  ok_ = bit_width >= 0 && bit_width <= 64;
  rle_left_ = packed_left_ = 0;
}

bool RleDecoder::next_run() {
  if (!ok_ || pos_ >= end_) return false;
  // ULEB128 run header.
  uint64_t header = 0;
  int shift = 0;
  while (true) {
    if (pos_ >= end_ || shift > 35) {
      ok_ = false;
      return false;
    }
    const uint8_t b = *pos_++;
    header |= static_cast<uint64_t>(b & 0x7f) << shift;
    shift += 7;
    if ((b & 0x80) == 0) break;
  }
  if (header & 1) {
    const uint64_t groups = header >> 1;
    const uint64_t avail_bytes = static_cast<uint64_t>(end_ - pos_);
    uint64_t bytes = groups * static_cast<uint64_t>(bit_width_);
    uint64_t count = groups * 8;
    if (bytes > avail_bytes) {
      // The last run may be cut short by the writer; take what is there.
      bytes = avail_bytes;
      count = bit_width_ == 0 ? count : avail_bytes * 8 / static_cast<uint64_t>(bit_width_);
    }
    if (count == 0) {
      ok_ = false;
      return false;
    }
    packed_data_ = pos_;
    packed_size_ = static_cast<size_t>(bytes);
    packed_bit_ = 0;
    packed_left_ = count;
    pos_ += bytes;
  } else {
    const uint64_t count = header >> 1;
    const int value_bytes = (bit_width_ + 7) / 8;
    if (count == 0 || end_ - pos_ < value_bytes) {
      ok_ = false;
      return false;
    }
    uint64_t v = 0;
    for (int i = 0; i < value_bytes; ++i) v |= static_cast<uint64_t>(pos_[i]) << (8 * i);
    pos_ += value_bytes;
    if (bit_width_ < 64 && (v >> bit_width_) != 0) {
      ok_ = false;
      return false;
    }
    rle_value_ = v;
    rle_left_ = count;
  }
  return true;
}

size_t RleDecoder::skip(size_t n) {
  size_t done = 0;
  while (done < n) {
    if (rle_left_ == 0 && packed_left_ == 0 && !next_run()) break;
    if (rle_left_ > 0) {
      const size_t k = static_cast<size_t>(std::min<uint64_t>(rle_left_, n - done));
      rle_left_ -= k;
      done += k;
    } else {
      const size_t k = static_cast<size_t>(std::min<uint64_t>(packed_left_, n - done));
      packed_bit_ += static_cast<uint64_t>(k) * static_cast<uint64_t>(bit_width_);
      packed_left_ -= k;
      done += k;
    }
  }
  return done;
}

bool decode_bit_packed_msb(const uint8_t* data, size_t size, int bit_width, int16_t* out, size_t n) {
  const uint64_t bits = static_cast<uint64_t>(n) * static_cast<uint64_t>(bit_width);
  if ((bits + 7) / 8 > size) return false;
  uint64_t bit = 0;
  for (size_t i = 0; i < n; ++i) {
    int v = 0;
    for (int b = 0; b < bit_width; ++b, ++bit) {
      const int byte = data[bit >> 3];
      v = (v << 1) | ((byte >> (7 - (bit & 7))) & 1);
    }
    out[i] = static_cast<int16_t>(v);
  }
  return true;
}

void encode_levels(const int16_t* levels, size_t n, int max_level, bool length_prefix, std::string* out) {
  const size_t start = out->size();
  if (length_prefix) out->append(4, '\0');
  rle_encode(levels, n, bit_width_for(static_cast<uint64_t>(max_level)), out);
  if (length_prefix) {
    const uint32_t len = static_cast<uint32_t>(out->size() - start - 4);
    std::memcpy(out->data() + start, &len, 4);
  }
}

}  // namespace bullion::parquet
