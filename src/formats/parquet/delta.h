// DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY, DELTA_BYTE_ARRAY and
// BYTE_STREAM_SPLIT (Encodings.md), decoders and encoders.
//
// Decoders are bounded: they never read outside their input, and report
// malformed input through ok()/return values that the page decoder turns into
// kCorrupt errors naming the column.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace bullion::parquet {

class DeltaBinaryPackedDecoder {
 public:
  // Parses the header; false if malformed.
  bool init(const uint8_t* data, size_t size);
  uint64_t total_count() const { return total_count_; }
  // Decodes up to n values (as 64-bit two's complement; INT32 callers
  // truncate); returns how many (fewer at the end or on malformed data).
  size_t get(int64_t* out, size_t n);
  bool ok() const { return ok_; }
  // The first byte after the encoded values; valid once all total_count()
  // values have been decoded.
  const uint8_t* position() const { return pos_; }

 private:
  bool read_uvarint(uint64_t* v);
  bool load_miniblock();

  const uint8_t* pos_ = nullptr;
  const uint8_t* end_ = nullptr;
  bool ok_ = true;
  uint64_t block_size_ = 0;
  uint64_t miniblocks_ = 0;
  uint64_t per_miniblock_ = 0;
  uint64_t total_count_ = 0;
  uint64_t remaining_ = 0;  // values not yet returned
  bool first_done_ = false;
  uint64_t last_ = 0;
  uint64_t min_delta_ = 0;
  std::vector<uint8_t> widths_;
  uint64_t miniblock_index_ = 0;  // within the current block
  // Current miniblock.
  const uint8_t* mb_data_ = nullptr;
  size_t mb_size_ = 0;
  int mb_width_ = 0;
  uint64_t mb_pos_ = 0;   // values consumed
  uint64_t mb_left_ = 0;  // values left
  std::vector<uint64_t> scratch_;
};

// Appends the DELTA_BINARY_PACKED encoding of values (block 128, 4 miniblocks).
void encode_delta_binary_packed(const int64_t* values, size_t n, bool is_int32, std::string* out);

// Decodes `count` byte arrays encoded as DELTA_LENGTH_BYTE_ARRAY from data;
// views point into data. Returns an error message, or empty on success.
std::string decode_delta_length_byte_array(const uint8_t* data, size_t size, size_t count,
                                           std::vector<std::string_view>* out, const uint8_t** end);
void encode_delta_length_byte_array(const std::string_view* values, size_t n, std::string* out);

// Decodes `count` DELTA_BYTE_ARRAY values; the reconstructed bytes are stored
// in *storage (at most max_bytes, else an error), views point into it.
std::string decode_delta_byte_array(const uint8_t* data, size_t size, size_t count, size_t max_bytes,
                                    std::string* storage, std::vector<std::string_view>* out);
void encode_delta_byte_array(const std::string_view* values, size_t n, std::string* out);

// BYTE_STREAM_SPLIT with `width` bytes per value: out receives n*width bytes.
void decode_byte_stream_split(const uint8_t* data, size_t n, size_t width, uint8_t* out);
void encode_byte_stream_split(const uint8_t* values, size_t n, size_t width, std::string* out);

}  // namespace bullion::parquet
