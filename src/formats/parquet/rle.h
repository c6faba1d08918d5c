// Bit packing and the RLE / bit-packed hybrid encoding (Encodings.md "RLE"):
// definition and repetition levels, dictionary indices and RLE booleans.
//
// Decoders never read outside [data, data + size): a run that claims more
// values than its bytes hold is cut short, and get_batch() returns fewer
// values than asked; callers turn that into a kCorrupt error naming the
// column. Encoders append to a std::string.
#pragma once

#include <algorithm>
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
template <class T>
void pack_bits(const T* values, size_t n, int bit_width, std::string* out) {
  if (bit_width == 0 || n == 0) return;
  const size_t bytes = (n * static_cast<size_t>(bit_width) + 7) / 8;
  const size_t base = out->size();
  out->resize(base + bytes + 8);  // slack for word stores
  uint8_t* p = reinterpret_cast<uint8_t*>(out->data() + base);
  const uint64_t mask = bit_width >= 64 ? ~uint64_t{0} : (uint64_t{1} << bit_width) - 1;
  size_t w = 0;
  if (bit_width <= 32) {
    uint64_t acc = 0;  // < 32 pending bits + up to 32 new ones
    int nbits = 0;
    for (size_t i = 0; i < n; ++i) {
      acc |= (static_cast<uint64_t>(values[i]) & mask) << nbits;
      nbits += bit_width;
      if (nbits >= 32) {
        const uint32_t word = static_cast<uint32_t>(acc);
        std::memcpy(p + w, &word, 4);
        w += 4;
        acc >>= 32;
        nbits -= 32;
      }
    }
    while (nbits > 0) {
      p[w++] = static_cast<uint8_t>(acc);
      acc >>= 8;
      nbits -= 8;
    }
  } else {
    unsigned __int128 acc = 0;  // < 8 pending bits + up to 64 new ones
    int nbits = 0;
    for (size_t i = 0; i < n; ++i) {
      acc |= static_cast<unsigned __int128>(static_cast<uint64_t>(values[i]) & mask) << nbits;
      nbits += bit_width;
      while (nbits >= 8) {
        p[w++] = static_cast<uint8_t>(acc);
        acc >>= 8;
        nbits -= 8;
      }
    }
    if (nbits > 0) p[w++] = static_cast<uint8_t>(acc);
  }
  out->resize(base + bytes);
}

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

// Appends the RLE / bit-packed hybrid encoding of values[0..n) with the
// given bit width: runs of 8 or more equal values become RLE runs (literal
// values before a run first fill their last group of 8), everything else is
// bit-packed; the final group is padded with zeros.
template <class T>
void rle_encode(const T* values, size_t n, int bit_width, std::string* out) {
  auto put_varint = [out](uint64_t v) {
    while (v >= 0x80) {
      out->push_back(static_cast<char>((v & 0x7f) | 0x80));
      v >>= 7;
    }
    out->push_back(static_cast<char>(v));
  };
  const size_t group_bytes = static_cast<size_t>(bit_width);  // 8 values of bit_width bits
  auto literals = [&](const T* p, size_t count) {
    const size_t groups = (count + 7) / 8;
    put_varint((static_cast<uint64_t>(groups) << 1) | 1);
    const size_t start = out->size();
    pack_bits(p, count, bit_width, out);
    out->resize(start + groups * group_bytes, '\0');
  };
  auto run = [&](uint64_t value, size_t count) {
    put_varint(static_cast<uint64_t>(count) << 1);
    for (int i = 0; i < (bit_width + 7) / 8; ++i) out->push_back(static_cast<char>((value >> (8 * i)) & 0xff));
  };
  size_t literal_start = 0, i = 0;
  while (i < n) {
    size_t j = i + 1;
    while (j < n && values[j] == values[i]) ++j;
    const size_t len = j - i;
    if (len >= 8) {
      const size_t pending = i - literal_start;
      const size_t borrow = (8 - pending % 8) % 8;
      if (len - borrow >= 8) {
        if (pending + borrow > 0) literals(values + literal_start, pending + borrow);
        run(static_cast<uint64_t>(values[i]), len - borrow);
        literal_start = j;
      }
    }
    i = j;
  }
  if (literal_start < n) literals(values + literal_start, n - literal_start);
}

// Encodes all values with a 4-byte little-endian length prefix (v1 levels)
// or without (v2 levels), appending to out.
void encode_levels(const int16_t* levels, size_t n, int max_level, bool length_prefix, std::string* out);

}  // namespace bullion::parquet
