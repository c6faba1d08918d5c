#include "formats/parquet/rle.h"

#include <algorithm>

namespace bullion::parquet {

void pack_bits(const uint64_t* values, size_t n, int bit_width, std::string* out) {
  if (bit_width == 0 || n == 0) return;
  const size_t bytes = (n * static_cast<size_t>(bit_width) + 7) / 8;
  const size_t base = out->size();
  out->resize(base + bytes);
  uint8_t* p = reinterpret_cast<uint8_t*>(out->data() + base);
  const uint64_t mask = bit_width >= 64 ? ~uint64_t{0} : (uint64_t{1} << bit_width) - 1;
  unsigned __int128 acc = 0;  // < 8 pending bits + up to 64 new ones
  int nbits = 0;
  size_t w = 0;
  for (size_t i = 0; i < n; ++i) {
    acc |= static_cast<unsigned __int128>(values[i] & mask) << nbits;
    nbits += bit_width;
    while (nbits >= 8) {
      p[w++] = static_cast<uint8_t>(acc);
      acc >>= 8;
      nbits -= 8;
    }
  }
  if (nbits > 0) p[w++] = static_cast<uint8_t>(acc);
}

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

// ---------------------------------------------------------------------------
// Encoder: runs of >= 8 equal values become RLE runs; everything else is
// bit-packed in groups of 8 behind a one-byte header reserved up front (so a
// literal run holds at most 63 groups).

void RleEncoder::put(uint64_t value) {
  if (current_value_ == value && repeat_count_ > 0) {
    ++repeat_count_;
    if (repeat_count_ > 8) return;  // continuing an RLE run: nothing to buffer
  } else {
    if (repeat_count_ >= 8) flush_repeated_run();
    repeat_count_ = 1;
    current_value_ = value;
  }
  buffered_[num_buffered_++] = value;
  if (num_buffered_ == 8) flush_buffered(false);
}

void RleEncoder::flush_buffered(bool done) {
  if (repeat_count_ >= 8) {
    // The buffered values belong to the repeated run now.
    num_buffered_ = 0;
    if (literal_count_ != 0) flush_literal_run(true);
    return;
  }
  literal_count_ += num_buffered_;
  const int64_t groups = (literal_count_ + 7) / 8;
  if (groups + 1 >= (1 << 6)) {
    flush_literal_run(true);
  } else {
    flush_literal_run(done);
  }
  repeat_count_ = 0;
}

void RleEncoder::flush_literal_run(bool update_indicator) {
  if (indicator_pos_ == SIZE_MAX) {
    indicator_pos_ = out_->size();
    out_->push_back(0);
  }
  pack_bits(buffered_, static_cast<size_t>(num_buffered_), bit_width_, out_);
  num_buffered_ = 0;
  if (update_indicator) {
    const int64_t groups = (literal_count_ + 7) / 8;
    (*out_)[indicator_pos_] = static_cast<char>((groups << 1) | 1);
    indicator_pos_ = SIZE_MAX;
    literal_count_ = 0;
  }
}

void RleEncoder::flush_repeated_run() {
  uint64_t header = static_cast<uint64_t>(repeat_count_) << 1;
  while (header >= 0x80) {
    out_->push_back(static_cast<char>((header & 0x7f) | 0x80));
    header >>= 7;
  }
  out_->push_back(static_cast<char>(header));
  const int value_bytes = (bit_width_ + 7) / 8;
  for (int i = 0; i < value_bytes; ++i) out_->push_back(static_cast<char>((current_value_ >> (8 * i)) & 0xff));
  num_buffered_ = 0;
  repeat_count_ = 0;
}

void RleEncoder::flush() {
  if (literal_count_ > 0 || repeat_count_ > 0 || num_buffered_ > 0) {
    const bool all_repeat = literal_count_ == 0 && (repeat_count_ == num_buffered_ || num_buffered_ == 0);
    if (repeat_count_ > 0 && all_repeat) {
      flush_repeated_run();
    } else {
      // Pad the last literal group to 8 values with zeros.
      while (num_buffered_ != 0 && num_buffered_ < 8) buffered_[num_buffered_++] = 0;
      literal_count_ += num_buffered_;
      flush_literal_run(true);
      repeat_count_ = 0;
    }
  }
}

void encode_levels(const int16_t* levels, size_t n, int max_level, bool length_prefix, std::string* out) {
  const size_t start = out->size();
  if (length_prefix) out->append(4, '\0');
  RleEncoder enc(bit_width_for(static_cast<uint64_t>(max_level)), out);
  for (size_t i = 0; i < n; ++i) enc.put(static_cast<uint64_t>(levels[i]));
  enc.flush();
  if (length_prefix) {
    const uint32_t len = static_cast<uint32_t>(out->size() - start - 4);
    std::memcpy(out->data() + start, &len, 4);
  }
}

}  // namespace bullion::parquet
