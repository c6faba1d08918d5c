// The generator's random numbers: SplitMix64, written out here on purpose.
//
// Why not <random>: the standard fixes the engines' output (mt19937_64 is the
// same everywhere) but not the distributions' — uniform_int_distribution,
// normal_distribution etc. differ between libstdc++, libc++ and MSVC — and
// libm's exp/log are not correctly rounded either. Byte-identical output for a
// seed on every platform therefore needs our own generator and our own
// integer / IEEE-arithmetic transforms, which is all this file uses (+, *, /
// and comparisons on doubles are exactly specified by IEEE 754; the module is
// compiled with -ffp-contract=off so no fused multiply-add changes a result).
//
// SplitMix64 (Steele, Lea, Flood 2014; the seeding generator of xoshiro) is one
// add and a 3-step mix per output, passes BigCrush, and — because its state is
// a counter — doubles as a hash for deriving independent streams from
// (seed, purpose, index) keys, which is how work is split into chunks whose
// output does not depend on the thread count.
#pragma once

#include <cstdint>

namespace bullion::generate_detail {

// The SplitMix64 finalizer: a bijective 64-bit mix.
inline constexpr uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// A stream key for (seed, purpose, index): distinct inputs give unrelated keys.
inline constexpr uint64_t stream_key(uint64_t seed, uint64_t purpose, uint64_t index) {
  return mix64(mix64(seed ^ mix64(purpose + 0x9e3779b97f4a7c15ULL)) + index * 0x9e3779b97f4a7c15ULL);
}

class Rng {
 public:
  explicit constexpr Rng(uint64_t key) : state_(key) {}

  uint64_t next() {
    state_ += 0x9e3779b97f4a7c15ULL;
    return mix64(state_);
  }
  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  // Uniform in [0, n) (Lemire's multiply-shift; the bias is below 2^-64 * n).
  uint64_t below(uint64_t n) { return static_cast<uint64_t>((static_cast<unsigned __int128>(next()) * n) >> 64); }
  // True with probability p.
  bool chance(double p) { return uniform() < p; }

 private:
  uint64_t state_;
};

}  // namespace bullion::generate_detail
