// Bit packing and the RLE / bit-packed hybrid encoding (Encodings.md "RLE"):
// definition and repetition levels, dictionary indices and RLE booleans.
//
// Decoders never read outside [data, data + size): a run that claims more
// values than its bytes hold is cut short, and get_batch() returns fewer
// values than asked; callers turn that into a kCorrupt error naming the
// column. Encoders append to a std::string.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>

namespace bullion::parquet {

// Unpacks n values of `bit_width` bits (LSB-first packing) starting at bit
// `bit_offset` of data[0..size). The caller guarantees the bits exist.
template <class T>
void unpack_bits(const uint8_t* data, size_t size, uint64_t bit_offset, int bit_width, T* out, size_t n) {
  if (bit_width == 0) {
    for (size_t i = 0; i < n; ++i) out[i] = 0;
    return;
  }
  const uint64_t mask = bit_width >= 64 ? ~uint64_t{0} : (uint64_t{1} << bit_width) - 1;
  size_t i = 0;
  if (bit_width <= 56) {
    // One unaligned 8-byte load per value while 8 bytes remain.
    for (; i < n; ++i) {
      const uint64_t byte = bit_offset >> 3;
      if (byte + 8 > size) break;
      uint64_t w;
      std::memcpy(&w, data + byte, 8);
      out[i] = static_cast<T>((w >> (bit_offset & 7)) & mask);
      bit_offset += static_cast<uint64_t>(bit_width);
    }
  }
  for (; i < n; ++i) {
    uint64_t v = 0;
    int got = 0;
    uint64_t bit = bit_offset;
    while (got < bit_width) {
      const uint64_t byte = bit >> 3;
      const int shift = static_cast<int>(bit & 7);
      const int take = std::min(8 - shift, bit_width - got);
      const uint64_t bits = (static_cast<uint64_t>(data[byte]) >> shift) & ((uint64_t{1} << take) - 1);
      v |= bits << got;
      got += take;
      bit += static_cast<uint64_t>(take);
    }
    out[i] = static_cast<T>(v);
    bit_offset += static_cast<uint64_t>(bit_width);
  }
}

// Packs n values (each < 2^bit_width) LSB-first, appending ceil(n*bw/8) bytes.
void pack_bits(const uint64_t* values, size_t n, int bit_width, std::string* out);

// Number of bits needed for values 0..max_value.
inline int bit_width_for(uint64_t max_value) {
  int w = 0;
  while (max_value > 0) {
    ++w;
    max_value >>= 1;
  }
  return w;
}

class RleDecoder {
 public:
  RleDecoder() = default;
  RleDecoder(const uint8_t* data, size_t size, int bit_width) { reset(data, size, bit_width); }
  void reset(const uint8_t* data, size_t size, int bit_width);

  // Decodes up to n values; returns how many were decoded (fewer only when
  // the data ends or is malformed; see ok()).
  template <class T>
  size_t get_batch(T* out, size_t n);
  // Skips up to n values; returns how many were skipped.
  size_t skip(size_t n);

  // False once a malformed run header or value was seen.
  bool ok() const { return ok_; }

 private:
  bool next_run();

  const uint8_t* data_ = nullptr;
  const uint8_t* pos_ = nullptr;
  const uint8_t* end_ = nullptr;
  int bit_width_ = 0;
  bool ok_ = true;
  // Current run.
  uint64_t rle_left_ = 0;
  uint64_t rle_value_ = 0;
  uint64_t packed_left_ = 0;
  const uint8_t* packed_data_ = nullptr;
  size_t packed_size_ = 0;
  uint64_t packed_bit_ = 0;
};

template <class T>
size_t RleDecoder::get_batch(T* out, size_t n) {
  size_t done = 0;
  while (done < n) {
    if (rle_left_ == 0 && packed_left_ == 0 && !next_run()) break;
    if (rle_left_ > 0) {
      const size_t k = static_cast<size_t>(std::min<uint64_t>(rle_left_, n - done));
      const T v = static_cast<T>(rle_value_);
      for (size_t i = 0; i < k; ++i) out[done + i] = v;
      rle_left_ -= k;
      done += k;
    } else {
      const size_t k = static_cast<size_t>(std::min<uint64_t>(packed_left_, n - done));
      unpack_bits(packed_data_, packed_size_, packed_bit_, bit_width_, out + done, k);
      packed_bit_ += static_cast<uint64_t>(k) * static_cast<uint64_t>(bit_width_);
      packed_left_ -= k;
      done += k;
    }
  }
  return done;
}

// Decodes the deprecated BIT_PACKED level encoding (MSB-first) of n values.
// Returns false if `size` is too small.
bool decode_bit_packed_msb(const uint8_t* data, size_t size, int bit_width, int16_t* out, size_t n);

class RleEncoder {
 public:
  RleEncoder(int bit_width, std::string* out) : bit_width_(bit_width), out_(out) {}
  void put(uint64_t value);
  // Writes any buffered values; the encoder can then be discarded.
  void flush();

 private:
  void flush_buffered(bool done);
  void flush_literal_run(bool update_indicator);
  void flush_repeated_run();

  int bit_width_;
  std::string* out_;
  uint64_t buffered_[8];
  int num_buffered_ = 0;
  uint64_t current_value_ = 0;
  int64_t repeat_count_ = 0;
  int64_t literal_count_ = 0;
  size_t indicator_pos_ = SIZE_MAX;  // index of the reserved literal-run header byte
};

// Encodes all values with a 4-byte little-endian length prefix (v1 levels)
// or without (v2 levels), appending to out.
void encode_levels(const int16_t* levels, size_t n, int max_level, bool length_prefix, std::string* out);

}  // namespace bullion::parquet
