#include "bullion/core/memory.h"

#include <unistd.h>

#include <cctype>
#include <cstdio>

namespace bullion {

MemoryBudget::MemoryBudget(uint64_t limit_bytes) : limit_(limit_bytes) {}

void MemoryBudget::configure_global(uint64_t limit_bytes, bool force_spill) {
  MemoryBudget& budget = global();
  budget.limit_ = limit_bytes != 0 ? limit_bytes : default_limit();
  budget.force_spill_ = force_spill;
}

MemoryBudget& MemoryBudget::global() {
  static MemoryBudget budget(default_limit());
  return budget;
}

uint64_t MemoryBudget::physical_memory() {
  const long pages = ::sysconf(_SC_PHYS_PAGES);
  const long page_size = ::sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || page_size <= 0) return uint64_t{4} << 30;
  return static_cast<uint64_t>(pages) * static_cast<uint64_t>(page_size);
}

uint64_t MemoryBudget::default_limit() { return physical_memory() / 2; }

bool MemoryBudget::try_reserve(uint64_t bytes) {
  uint64_t current = used_.load(std::memory_order_relaxed);
  do {
    if (current + bytes > limit_) return false;
  } while (!used_.compare_exchange_weak(current, current + bytes, std::memory_order_relaxed));
  uint64_t peak = peak_.load(std::memory_order_relaxed);
  while (current + bytes > peak && !peak_.compare_exchange_weak(peak, current + bytes, std::memory_order_relaxed)) {
  }
  return true;
}

void MemoryBudget::reserve(uint64_t bytes) {
  const uint64_t now = used_.fetch_add(bytes, std::memory_order_relaxed) + bytes;
  uint64_t peak = peak_.load(std::memory_order_relaxed);
  while (now > peak && !peak_.compare_exchange_weak(peak, now, std::memory_order_relaxed)) {
  }
}

void MemoryBudget::release(uint64_t bytes) { used_.fetch_sub(bytes, std::memory_order_relaxed); }

bool MemoryReservation::try_resize(uint64_t total) {
  if (total <= bytes_) {
    budget_->release(bytes_ - total);
    bytes_ = total;
    return true;
  }
  if (budget_->force_spill() && bytes_ > 0) return false;
  if (!budget_->try_reserve(total - bytes_)) return false;
  bytes_ = total;
  return true;
}

void MemoryReservation::release_all() {
  budget_->release(bytes_);
  bytes_ = 0;
}

std::optional<uint64_t> parse_byte_size(std::string_view text) {
  size_t pos = 0;
  uint64_t value = 0;
  bool any = false;
  while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) {
    const uint64_t next = value * 10 + static_cast<uint64_t>(text[pos] - '0');
    if (next / 10 != value) return std::nullopt;  // overflow
    value = next;
    any = true;
    ++pos;
  }
  if (!any) return std::nullopt;
  std::string unit;
  for (; pos < text.size(); ++pos) {
    if (text[pos] == ' ') continue;
    unit += static_cast<char>(std::tolower(static_cast<unsigned char>(text[pos])));
  }
  uint64_t mult = 1;
  if (unit.empty() || unit == "b")
    mult = 1;
  else if (unit == "k" || unit == "kb" || unit == "kib")
    mult = uint64_t{1} << 10;
  else if (unit == "m" || unit == "mb" || unit == "mib")
    mult = uint64_t{1} << 20;
  else if (unit == "g" || unit == "gb" || unit == "gib")
    mult = uint64_t{1} << 30;
  else if (unit == "t" || unit == "tb" || unit == "tib")
    mult = uint64_t{1} << 40;
  else
    return std::nullopt;
  if (value != 0 && value * mult / mult != value) return std::nullopt;
  return value * mult;
}

std::string format_byte_size(uint64_t bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  size_t u = 0;
  while (v >= 1024 && u + 1 < std::size(kUnits)) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  if (u == 0)
    std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(bytes));
  else
    std::snprintf(buf, sizeof buf, "%.1f %s", v, kUnits[u]);
  return buf;
}

}  // namespace bullion
