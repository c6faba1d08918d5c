#include "bullion/exec/group_table.h"

#include <cstring>

namespace bullion::exec {

GroupTable::GroupTable() { clear(); }

void GroupTable::clear() {
  slots_.assign(1024, Slot{0, kNotFound});
  mask_ = slots_.size() - 1;
  keys_.clear();
  hashes_.clear();
  arena_ = std::make_unique<StringArena>();
}

size_t GroupTable::memory_bytes() const {
  return slots_.capacity() * sizeof(Slot) + keys_.capacity() * sizeof(std::string_view) +
         hashes_.capacity() * sizeof(uint64_t) + arena_->bytes_reserved();
}

void GroupTable::reserve(size_t keys) {
  size_t size = slots_.size();
  while (keys * 2 > size) size *= 2;
  if (size != slots_.size()) rehash(size);
  keys_.reserve(keys);
  hashes_.reserve(keys);
}

void GroupTable::grow() { rehash(slots_.size() * 2); }

void GroupTable::rehash(size_t size) {
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(size, Slot{0, kNotFound});
  mask_ = slots_.size() - 1;
  for (const Slot& s : old) {
    if (s.group == kNotFound) continue;
    size_t i = s.hash & mask_;
    while (slots_[i].group != kNotFound) i = (i + 1) & mask_;
    slots_[i] = s;
  }
}

uint32_t GroupTable::find(std::string_view key, uint64_t hash) const {
  size_t i = hash & mask_;
  while (true) {
    const Slot& s = slots_[i];
    if (s.group == kNotFound) return kNotFound;
    if (s.hash == hash && keys_[s.group] == key) return s.group;
    i = (i + 1) & mask_;
  }
}

uint32_t GroupTable::find_or_insert(std::string_view key, uint64_t hash) {
  size_t i = hash & mask_;
  while (true) {
    Slot& s = slots_[i];
    if (s.group == kNotFound) break;
    if (s.hash == hash && keys_[s.group] == key) return s.group;
    i = (i + 1) & mask_;
  }
  const auto group = static_cast<uint32_t>(keys_.size());
  keys_.push_back(arena_->add(key));
  hashes_.push_back(hash);
  slots_[i] = Slot{hash, group};
  // Keep the load factor under 1/2.
  if (keys_.size() * 2 > slots_.size()) grow();
  return group;
}

void GroupTable::find_or_insert(const KeyEncoder& keys, uint32_t* group_ids) {
  const size_t n = keys.size();
  for (size_t r = 0; r < n; ++r) group_ids[r] = find_or_insert(keys.key(r), keys.hash(r));
}

}  // namespace bullion::exec
