// bullion/exec/row_key.h — encoding key columns into comparable byte strings.
//
// Grouping, distinct, dedupe and joins compare rows on several key columns of
// any type. KeyEncoder turns the key columns of a batch into one byte string
// per row, such that two rows have equal encodings exactly when their keys are
// equal under GROUP BY semantics (NULL equals NULL; -0.0 equals 0.0; all NaNs
// are equal), and a 64-bit xxHash of each encoding. Keys decode back to
// columns for output. Not thread-safe; one encoder per worker, buffers reused.
//
// The word form: a single fixed-width key column of at most 8 bytes (integers,
// DATE, TIMESTAMP, FLOAT, DOUBLE) can be kept as one 64-bit word per row
// (its value bytes, zero-extended; floats canonical) with a NULL flag, hashed
// by hash_word(). That skips the per-row byte encoding, and a GroupTable in
// word form compares words in its slots instead of bytes in an arena. A
// caller asks for it (`allow_word`) and must then use word() instead of key();
// both sides of a comparison (build and probe, consume and finalize) must use
// the same form, since the hashes differ.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "bullion/columnar/batch.h"
#include "bullion/columnar/buffer.h"

namespace bullion::exec {

class KeyEncoder {
 public:
  explicit KeyEncoder(std::vector<DataType> key_types, bool allow_word = false);

  // Whether `key_types` can take the word form.
  static bool word_form_possible(const std::vector<DataType>& key_types);

  const std::vector<DataType>& key_types() const { return types_; }
  bool word_form() const { return word_form_; }

  // Encodes rows [0, n) of the given key columns (one per key type).
  void encode(const std::vector<const Column*>& columns, size_t n);

  size_t size() const { return num_rows_; }
  // Byte form only.
  std::string_view key(size_t row) const {
    const uint32_t* o = offsets_.as<uint32_t>();
    return {reinterpret_cast<const char*>(bytes_.data()) + o[row], o[row + 1] - o[row]};
  }
  uint64_t hash(size_t row) const { return hashes_.as<uint64_t>()[row]; }
  const uint64_t* hashes() const { return hashes_.as<uint64_t>(); }
  // Word form only: the key's word (0 when NULL).
  uint64_t word(size_t row) const { return bytes_.as<uint64_t>()[row]; }
  // Whether any key column of the row is NULL (joins skip such rows).
  bool has_null(size_t row) const { return has_null_.data()[row] != 0; }

  // Appends the decoded keys to `columns` (one per key type).
  void decode(const std::vector<std::string_view>& keys, const std::vector<Column*>& columns) const;
  // Appends word-form keys to `column` (of the key type); `null_at` (or
  // SIZE_MAX) is the position of the NULL key, which has no word.
  static void decode_words(const std::vector<uint64_t>& words, size_t null_at, Column& column);

 private:
  void encode_words(const Column& column, size_t n);

  std::vector<DataType> types_;
  bool word_form_ = false;
  size_t num_rows_ = 0;
  Buffer bytes_;
  Buffer offsets_;
  Buffer hashes_;
  Buffer has_null_;
};

uint64_t hash_bytes(std::string_view bytes);
// MurmurHash3's 64-bit finalizer: a bijection whose every bit depends on every input bit.
inline uint64_t hash_word(uint64_t word) {
  word ^= word >> 33;
  word *= 0xff51afd7ed558ccdULL;
  word ^= word >> 33;
  word *= 0xc4ceb9fe1a85ec53ULL;
  return word ^ (word >> 33);
}
// The hash of the NULL key in word form.
inline constexpr uint64_t kNullWordHash = 0x9e3779b97f4a7c15ULL;

}  // namespace bullion::exec
