// bullion/exec/group_table.h — a hash table from keys to dense group ids.
//
// Open addressing with linear probing over (hash, group id) slots. Group ids
// are assigned densely from 0 in first-seen order, which makes results
// deterministic for a given input order. Not thread-safe: each worker owns
// one (thread-local pre-aggregation), partitions are merged afterwards; a
// built table may be probed (find) concurrently.
//
// Two forms, matching KeyEncoder's: byte keys live in an arena (views stay
// valid until clear()); word keys (one fixed-width column) sit in the slots
// themselves, so a probe touches one slot instead of slot, view and bytes.
// The batch operations prefetch the slots of rows a few ahead: with a table
// larger than the caches, probes overlap their memory latency.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "bullion/columnar/buffer.h"
#include "bullion/exec/row_key.h"

namespace bullion::exec {

class GroupTable {
 public:
  static constexpr uint32_t kNotFound = UINT32_MAX;

  GroupTable() : GroupTable(false) {}
  // `word_keys`: for encoders in the word form (KeyEncoder::word_form()).
  explicit GroupTable(bool word_keys);

  bool word_keys() const { return word_keys_; }

  // Group id of every encoded row (the encoder's form must be the table's);
  // unseen keys get new ids.
  void find_or_insert(const KeyEncoder& keys, uint32_t* group_ids);
  uint32_t find_or_insert(const KeyEncoder& keys, size_t row);
  // Group id of every encoded row, kNotFound for unseen keys.
  void find(const KeyEncoder& keys, uint32_t* group_ids) const;
  // Whether every encoded row's key is in the table (1) or not (0).
  void contains(const KeyEncoder& keys, uint8_t* found) const;

  // For a table that will only be probed from now on (a join's build): when
  // its word keys span a range of at most 4 per key, find() and contains()
  // index an array (and a bitmap) by the key's offset in that range instead
  // of hashing and probing — DuckDB's perfect hash join. A bitmap of 1M keys
  // in a range of 2M is 256 KiB: it stays in L2 where the slots would not.
  void index_dense_range();

  // Byte form only.
  uint32_t find_or_insert(std::string_view key, uint64_t hash);
  uint32_t find(std::string_view key, uint64_t hash) const;

  // The group of `other`'s group `group` key (same form), inserted if new.
  uint32_t find_or_insert_group_of(const GroupTable& other, uint32_t group);

  size_t num_groups() const { return hashes_.size(); }
  uint64_t key_hash(uint32_t group) const { return hashes_[group]; }
  // Byte form only.
  std::string_view key(uint32_t group) const { return keys_[group]; }
  const std::vector<std::string_view>& keys() const { return keys_; }

  // Appends every group's key, in group order, to `columns` (one per key type).
  void append_keys(const std::vector<DataType>& key_types, const std::vector<Column*>& columns) const;

  // Sizes the table for `keys` groups without growing on the way.
  void reserve(size_t keys);
  size_t memory_bytes() const;
  void clear();

 private:
  struct Slot {
    uint64_t hash_or_word;  // the key's word in the word form, else its hash
    uint32_t group;         // kNotFound when empty
  };
  Slot* slots() { return slots_.as<Slot>(); }
  const Slot* slots() const { return slots_.as<Slot>(); }
  void prefetch(uint64_t hash) const { __builtin_prefetch(slots() + (hash & mask_)); }
  void grow();
  void rehash(size_t size);
  uint32_t find_or_insert_word(uint64_t word, uint64_t hash);
  uint32_t find_word(uint64_t word, uint64_t hash) const;
  uint32_t find_or_insert_null();
  // find() of rows [start, start + n) into group_ids[0, n).
  void find_range(const KeyEncoder& keys, size_t start, size_t n, uint32_t* group_ids) const;
  uint32_t add_group(uint64_t hash);

  bool word_keys_;
  Buffer slots_;  // a power of two of Slots
  size_t mask_ = 0;
  std::vector<uint64_t> hashes_;        // per group
  std::vector<std::string_view> keys_;  // per group, byte form
  std::vector<uint64_t> words_;         // per group, word form (0 for the NULL key)
  uint32_t null_group_ = kNotFound;     // word form: the NULL key's group
  std::unique_ptr<StringArena> arena_;
  // index_dense_range(): key word w is group dense_[w - dense_min_] (if in range).
  std::vector<uint32_t> dense_;
  std::vector<uint64_t> dense_bits_;  // bit w - dense_min_: the key is in the table
  uint64_t dense_min_ = 0;
};

}  // namespace bullion::exec
