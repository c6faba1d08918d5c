#include "bullion/exec/group_table.h"

#include <algorithm>
#include <cstring>

#include "bullion/core/error.h"

namespace bullion::exec {

namespace {

// How many rows ahead the batch operations prefetch slots: enough to cover a
// memory access, few enough that the lines are still cached when used.
constexpr size_t kPrefetchAhead = 16;

}  // namespace

GroupTable::GroupTable(bool word_keys) : word_keys_(word_keys) { clear(); }

void GroupTable::clear() {
  constexpr size_t kInitialSlots = 1024;
  slots_.reset();
  slots_.resize(kInitialSlots * sizeof(Slot));
  for (size_t i = 0; i < kInitialSlots; ++i) slots()[i] = Slot{0, kNotFound};
  mask_ = kInitialSlots - 1;
  hashes_.clear();
  keys_.clear();
  words_.clear();
  null_group_ = kNotFound;
  arena_ = std::make_unique<StringArena>();
  dense_.clear();
  dense_bits_.clear();
}

size_t GroupTable::memory_bytes() const {
  return slots_.capacity() + hashes_.capacity() * sizeof(uint64_t) + keys_.capacity() * sizeof(std::string_view) +
         words_.capacity() * sizeof(uint64_t) + arena_->bytes_reserved() + dense_.capacity() * sizeof(uint32_t) +
         dense_bits_.capacity() * sizeof(uint64_t);
}

void GroupTable::reserve(size_t keys) {
  size_t size = mask_ + 1;
  while (keys * 2 > size) size *= 2;
  if (size != mask_ + 1) rehash(size);
  hashes_.reserve(keys);
  if (word_keys_)
    words_.reserve(keys);
  else
    keys_.reserve(keys);
}

void GroupTable::grow() { rehash((mask_ + 1) * 2); }

void GroupTable::rehash(size_t size) {
  Buffer old = std::move(slots_);
  const size_t old_slots = mask_ + 1;
  slots_.resize(size * sizeof(Slot));
  Slot* s = slots();
  for (size_t i = 0; i < size; ++i) s[i] = Slot{0, kNotFound};
  mask_ = size - 1;
  const Slot* o = old.as<Slot>();
  for (size_t j = 0; j < old_slots; ++j) {
    if (o[j].group == kNotFound) continue;
    size_t i = hashes_[o[j].group] & mask_;
    while (s[i].group != kNotFound) i = (i + 1) & mask_;
    s[i] = o[j];
  }
}

uint32_t GroupTable::add_group(uint64_t hash) {
  const auto group = static_cast<uint32_t>(hashes_.size());
  hashes_.push_back(hash);
  return group;
}

uint32_t GroupTable::find(std::string_view key, uint64_t hash) const {
  BULLION_ASSERT(!word_keys_, "byte keys in a word-key table");
  const Slot* s = slots();
  for (size_t i = hash & mask_;; i = (i + 1) & mask_) {
    if (s[i].group == kNotFound) return kNotFound;
    if (s[i].hash_or_word == hash && keys_[s[i].group] == key) return s[i].group;
  }
}

uint32_t GroupTable::find_or_insert(std::string_view key, uint64_t hash) {
  BULLION_ASSERT(!word_keys_, "byte keys in a word-key table");
  Slot* s = slots();
  size_t i = hash & mask_;
  for (;; i = (i + 1) & mask_) {
    if (s[i].group == kNotFound) break;
    if (s[i].hash_or_word == hash && keys_[s[i].group] == key) return s[i].group;
  }
  const uint32_t group = add_group(hash);
  keys_.push_back(arena_->add(key));
  s[i] = Slot{hash, group};
  // Keep the load factor under 1/2.
  if (hashes_.size() * 2 > mask_ + 1) grow();
  return group;
}

uint32_t GroupTable::find_word(uint64_t word, uint64_t hash) const {
  const Slot* s = slots();
  for (size_t i = hash & mask_;; i = (i + 1) & mask_) {
    if (s[i].group == kNotFound) return kNotFound;
    if (s[i].hash_or_word == word) return s[i].group;
  }
}

uint32_t GroupTable::find_or_insert_word(uint64_t word, uint64_t hash) {
  Slot* s = slots();
  size_t i = hash & mask_;
  for (;; i = (i + 1) & mask_) {
    if (s[i].group == kNotFound) break;
    if (s[i].hash_or_word == word) return s[i].group;
  }
  const uint32_t group = add_group(hash);
  words_.push_back(word);
  s[i] = Slot{word, group};
  if (hashes_.size() * 2 > mask_ + 1) grow();
  return group;
}

uint32_t GroupTable::find_or_insert_null() {
  // The NULL key has no slot (its word would clash with a real 0).
  if (null_group_ == kNotFound) {
    null_group_ = add_group(kNullWordHash);
    words_.push_back(0);
  }
  return null_group_;
}

uint32_t GroupTable::find_or_insert(const KeyEncoder& keys, size_t row) {
  BULLION_ASSERT(keys.word_form() == word_keys_, "key form differs from the table's");
  if (!word_keys_) return find_or_insert(keys.key(row), keys.hash(row));
  return keys.has_null(row) ? find_or_insert_null() : find_or_insert_word(keys.word(row), keys.hash(row));
}

void GroupTable::find_or_insert(const KeyEncoder& keys, uint32_t* group_ids) {
  BULLION_ASSERT(keys.word_form() == word_keys_, "key form differs from the table's");
  const size_t n = keys.size();
  const uint64_t* h = keys.hashes();
  for (size_t r = 0; r < n; ++r) {
    if (r + kPrefetchAhead < n) prefetch(h[r + kPrefetchAhead]);
    if (!word_keys_)
      group_ids[r] = find_or_insert(keys.key(r), h[r]);
    else
      group_ids[r] = keys.has_null(r) ? find_or_insert_null() : find_or_insert_word(keys.word(r), h[r]);
  }
}

void GroupTable::index_dense_range() {
  dense_.clear();
  dense_bits_.clear();
  const size_t num_keys = words_.size() - (null_group_ == kNotFound ? 0 : 1);
  if (!word_keys_ || num_keys == 0) return;
  uint64_t lo = UINT64_MAX, hi = 0;
  for (uint32_t g = 0; g < words_.size(); ++g) {
    if (g == null_group_) continue;
    lo = std::min(lo, words_[g]);
    hi = std::max(hi, words_[g]);
  }
  const uint64_t range = hi - lo;  // + 1, without overflow
  if (range >= num_keys * 4 || range >= UINT32_MAX) return;
  dense_min_ = lo;
  dense_.assign(range + 1, kNotFound);
  dense_bits_.assign(range / 64 + 1, 0);
  for (uint32_t g = 0; g < words_.size(); ++g) {
    if (g == null_group_) continue;
    const uint64_t off = words_[g] - lo;
    dense_[off] = g;
    dense_bits_[off / 64] |= uint64_t{1} << (off % 64);
  }
}

void GroupTable::contains(const KeyEncoder& keys, uint8_t* found) const {
  const size_t n = keys.size();
  if (dense_.empty()) {
    // Through find(), a batch slice at a time.
    uint32_t ids[1024];
    for (size_t start = 0; start < n; start += 1024) {
      const size_t m = std::min<size_t>(1024, n - start);
      find_range(keys, start, m, ids);
      for (size_t i = 0; i < m; ++i) found[start + i] = ids[i] != kNotFound;
    }
    return;
  }
  const uint64_t size = dense_.size();
  for (size_t r = 0; r < n; ++r) {
    const uint64_t off = keys.word(r) - dense_min_;
    found[r] =
        keys.has_null(r) ? null_group_ != kNotFound : off < size && ((dense_bits_[off / 64] >> (off % 64)) & 1) != 0;
  }
}

void GroupTable::find(const KeyEncoder& keys, uint32_t* group_ids) const {
  find_range(keys, 0, keys.size(), group_ids);
}

void GroupTable::find_range(const KeyEncoder& keys, size_t start, size_t n, uint32_t* group_ids) const {
  BULLION_ASSERT(keys.word_form() == word_keys_, "key form differs from the table's");
  if (!dense_.empty()) {
    const uint64_t size = dense_.size();
    for (size_t i = 0; i < n; ++i) {
      const size_t r = start + i;
      const uint64_t off = keys.word(r) - dense_min_;
      group_ids[i] = keys.has_null(r) ? null_group_ : off < size ? dense_[off] : kNotFound;
    }
    return;
  }
  const uint64_t* h = keys.hashes();
  const size_t end = start + n;
  for (size_t r = start; r < end; ++r) {
    if (r + kPrefetchAhead < end) prefetch(h[r + kPrefetchAhead]);
    if (!word_keys_)
      group_ids[r - start] = find(keys.key(r), h[r]);
    else
      group_ids[r - start] = keys.has_null(r) ? null_group_ : find_word(keys.word(r), h[r]);
  }
}

uint32_t GroupTable::find_or_insert_group_of(const GroupTable& other, uint32_t group) {
  BULLION_ASSERT(other.word_keys_ == word_keys_, "key form differs from the table's");
  if (!word_keys_) return find_or_insert(other.keys_[group], other.hashes_[group]);
  if (group == other.null_group_) return find_or_insert_null();
  return find_or_insert_word(other.words_[group], other.hashes_[group]);
}

void GroupTable::append_keys(const std::vector<DataType>& key_types, const std::vector<Column*>& columns) const {
  if (!word_keys_) {
    KeyEncoder(key_types).decode(keys_, columns);
    return;
  }
  BULLION_ASSERT(columns.size() == 1, "word keys are one column");
  KeyEncoder::decode_words(words_, null_group_ == kNotFound ? SIZE_MAX : null_group_, *columns[0]);
}

}  // namespace bullion::exec
