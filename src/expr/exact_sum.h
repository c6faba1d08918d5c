// Exact sums of doubles, rounded once: what makes sum, avg and stddev of
// DOUBLE identical with 1 or N threads and with or without spilling (DESIGN,
// "Engine principles"). A double sum in floating point depends on the order
// of its additions, and merging partial states changes that order.
//
// An ExactSum holds the sum of every finite value added so far exactly, as
// acc · 2^exp with a 128-bit integer acc: values within a range of 2^70 of
// each other (amounts, measurements, timestamps) fit, with room for billions
// of additions. A sum that outgrows it moves to a fixed-point accumulator
// over the whole double range (69 limbs of 32 bits, each in an int64 with
// room for carries; 560 bytes on the heap). rounded() is the exact sum
// correctly rounded to a double (ties to even), so it does not depend on the
// order of additions or merges. NaN and infinities follow IEEE: any NaN, or
// +inf and -inf together, give NaN; an exact sum beyond the double range
// rounds to an infinity.
//
// Written by hand: no Debian package offers a per-group exact accumulator
// (xsum and ReproBLAS are not packaged; MPFR is far heavier per value). Kept
// to 24 bytes, as aggregation holds one per group: the wide accumulator's
// pointer shares the bytes of acc, which a wide sum does not use.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <utility>

namespace bullion::expr {

class ExactSum {
 public:
  ExactSum() noexcept = default;
  ~ExactSum() {
    if (flags_ & kWide) release();
  }
  ExactSum(const ExactSum& other) { copy_from(other); }
  ExactSum& operator=(const ExactSum& other) {
    if (this != &other) {
      if (flags_ & kWide) release();
      copy_from(other);
    }
    return *this;
  }
  ExactSum(ExactSum&& other) noexcept { take(other); }
  ExactSum& operator=(ExactSum&& other) noexcept {
    if (this != &other) {
      if (flags_ & kWide) release();
      take(other);
    }
    return *this;
  }

  // Each add returns whether it moved the sum to the wide accumulator
  // (kWideBytes on the heap), so that owners can account for it.
  static constexpr size_t kWideBytes = 560;

  bool add(double x) {
    const auto bits = std::bit_cast<uint64_t>(x);
    const int biased = static_cast<int>((bits >> 52) & 0x7ff);
    uint64_t m = bits & ((uint64_t{1} << 52) - 1);
    if (biased == 0x7ff) [[unlikely]] {
      add_special(m != 0, (bits >> 63) != 0);
      return false;
    }
    int e = -1074;
    if (biased != 0) {
      m |= uint64_t{1} << 52;
      e = biased - 1075;
    } else if (m == 0) {
      return false;  // ±0
    }
    const __int128 v = (bits >> 63) != 0 ? -static_cast<__int128>(m) : static_cast<__int128>(m);
    // The common case: a value no finer than the sum so far, within the window.
    if (!(flags_ & kWide)) {
      const __int128 acc = load();
      __int128 sum;
      if (acc != 0 && e >= exp_ && e - exp_ <= 126 - 53 &&
          !__builtin_add_overflow(acc, v * (static_cast<__int128>(1) << (e - exp_)), &sum)) {
        store(sum);
        return false;
      }
    }
    return add_scaled(v, e);
  }
  bool add(const ExactSum& other);
  // The sum, correctly rounded.
  double rounded() const;
  // hi + lo: hi the sum correctly rounded, lo the rest correctly rounded (106 bits).
  std::pair<double, double> rounded2() const;
  // Bytes held outside the object (the wide accumulator, when there is one).
  size_t heap_bytes() const { return (flags_ & kWide) ? kWideBytes : 0; }

 private:
  struct Wide;
  static constexpr uint8_t kNaN = 1, kPositiveInf = 2, kNegativeInf = 4, kWide = 8;

  __int128 load() const {
    __int128 v;
    std::memcpy(&v, acc_, sizeof v);
    return v;
  }
  void store(__int128 v) { std::memcpy(acc_, &v, sizeof v); }
  Wide* wide() const {
    Wide* w;
    std::memcpy(&w, acc_, sizeof w);
    return w;
  }
  void add_special(bool nan, bool negative);
  bool add_scaled(__int128 v, int exp);  // adds v · 2^exp, |v| < 2^127
  void widen();
  void release();
  void copy_from(const ExactSum& other);
  void take(ExactSum& other) noexcept {
    std::memcpy(acc_, other.acc_, sizeof acc_);
    exp_ = other.exp_;
    flags_ = other.flags_;
    other.flags_ = 0;  // a wide accumulator now belongs to this one
    other.store(0);
  }

  uint64_t acc_[2] = {0, 0};  // the 128-bit acc (meaningful while nonzero), or the Wide* when kWide
  int32_t exp_ = 0;           // of acc's lowest bit
  uint8_t flags_ = 0;         // kNaN | kPositiveInf | kNegativeInf | kWide
};

}  // namespace bullion::expr
