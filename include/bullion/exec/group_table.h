// bullion/exec/group_table.h — a hash table from encoded keys to dense group ids.
//
// Open addressing with linear probing over (hash, group id) slots; key bytes
// live in an arena, so group keys stay valid until clear(). Group ids are
// assigned densely from 0 in first-seen order, which makes results
// deterministic for a given input order. Not thread-safe: each worker owns
// one (thread-local pre-aggregation), partitions are merged afterwards.
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

  GroupTable();

  // Group id of every encoded row; unseen keys get new ids.
  void find_or_insert(const KeyEncoder& keys, uint32_t* group_ids);
  uint32_t find_or_insert(std::string_view key, uint64_t hash);
  uint32_t find(std::string_view key, uint64_t hash) const;

  size_t num_groups() const { return keys_.size(); }
  std::string_view key(uint32_t group) const { return keys_[group]; }
  uint64_t key_hash(uint32_t group) const { return hashes_[group]; }
  const std::vector<std::string_view>& keys() const { return keys_; }

  // Sizes the table for `keys` groups without growing on the way.
  void reserve(size_t keys);
  size_t memory_bytes() const;
  void clear();

 private:
  struct Slot {
    uint64_t hash;
    uint32_t group;  // kNotFound when empty
  };
  void grow();
  void rehash(size_t size);

  std::vector<Slot> slots_;
  size_t mask_;
  std::vector<std::string_view> keys_;
  std::vector<uint64_t> hashes_;
  std::unique_ptr<StringArena> arena_;
};

}  // namespace bullion::exec
