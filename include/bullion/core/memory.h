// bullion/core/memory.h — the memory budget every operator accounts against.
//
// A MemoryBudget has a limit (default: half of physical RAM, or --memory-limit)
// and a running total of reservations. Operators reserve before they grow;
// when a reservation is refused they spill to disk (DESIGN: "input size is
// limited by disk, not RAM"). force_spill makes every spilling operator spill,
// so tests cover those paths with small data. Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace bullion {

class MemoryBudget {
 public:
  explicit MemoryBudget(uint64_t limit_bytes);

  // The process-wide budget, sized by configure_global() or the default.
  static MemoryBudget& global();
  static void configure_global(uint64_t limit_bytes, bool force_spill);
  static uint64_t physical_memory();
  static uint64_t default_limit();  // physical_memory() / 2

  uint64_t limit() const { return limit_; }
  uint64_t used() const { return used_.load(std::memory_order_relaxed); }
  uint64_t peak() const { return peak_.load(std::memory_order_relaxed); }
  bool force_spill() const { return force_spill_; }
  void set_force_spill(bool on) { force_spill_ = on; }

  // Reserves `bytes` if that keeps the total within the limit.
  bool try_reserve(uint64_t bytes);
  // Reserves unconditionally (memory that cannot be spilled, e.g. one batch in flight).
  void reserve(uint64_t bytes);
  void release(uint64_t bytes);

 private:
  uint64_t limit_;
  bool force_spill_ = false;
  std::atomic<uint64_t> used_{0};
  std::atomic<uint64_t> peak_{0};
};

// An RAII reservation against a budget. Not thread-safe (one per operator
// state object); the budget itself is.
class MemoryReservation {
 public:
  explicit MemoryReservation(MemoryBudget& budget) : budget_(&budget) {}
  ~MemoryReservation() { budget_->release(bytes_); }
  MemoryReservation(const MemoryReservation&) = delete;
  MemoryReservation& operator=(const MemoryReservation&) = delete;

  uint64_t bytes() const { return bytes_; }
  // Grows the reservation to `total` bytes; false (unchanged) if the budget
  // refuses or force_spill is on and the reservation is non-empty.
  bool try_resize(uint64_t total);
  void release_all();

 private:
  MemoryBudget* budget_;
  uint64_t bytes_ = 0;
};

// Parses "512MB", "2GiB", "64m", "1048576" (bytes). nullopt if malformed.
std::optional<uint64_t> parse_byte_size(std::string_view text);
// "1.5 GiB".
std::string format_byte_size(uint64_t bytes);

}  // namespace bullion
