#include "expr/exact_sum.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

namespace bullion::expr {

namespace {

using u128 = unsigned __int128;

constexpr int kMinExp = -1074;  // the lowest bit of a double (subnormal)

int bit_length(u128 v) {
  const auto hi = static_cast<uint64_t>(v >> 64), lo = static_cast<uint64_t>(v);
  if (hi != 0) return 128 - __builtin_clzll(hi);
  return lo != 0 ? 64 - __builtin_clzll(lo) : 0;
}

u128 magnitude(__int128 v) { return v < 0 ? -static_cast<u128>(v) : static_cast<u128>(v); }

// (m + a fraction below m's lowest bit when `sticky`) · 2^e, m > 0 and
// e >= kMinExp, correctly rounded to nearest, ties to even. With e >=
// kMinExp no result needs rounding below 2^-1074: a subnormal result has
// fewer than 53 significant bits and is exact.
double round_to_double(u128 m, int e, bool sticky, bool negative) {
  const int drop = bit_length(m) - 53;  // bits below a 53-bit significand
  double magnitude_value;
  if (drop <= 0) {
    magnitude_value = std::ldexp(static_cast<double>(static_cast<uint64_t>(m)), e);  // exact, or beyond range: inf
  } else {
    u128 q = m >> drop;
    const u128 rest = m & ((u128{1} << drop) - 1), half = u128{1} << (drop - 1);
    if (rest > half || (rest == half && (sticky || (q & 1) != 0))) ++q;  // q <= 2^53: exact as a double
    magnitude_value = std::ldexp(static_cast<double>(static_cast<uint64_t>(q)), e + drop);
  }
  return negative ? -magnitude_value : magnitude_value;
}

}  // namespace

// Fixed point over the whole double range: limb i holds bits [32i, 32i + 32)
// above 2^-1074, in an int64 with room for carries (normalize() folds them
// up; the top limb keeps the sign).
struct ExactSum::Wide {
  // Bits up to 2^(68·32 − 1074) = 2^1102 hold any sum of fewer than 2^63
  // doubles (< 2^1087); one more limb takes the carry of the top one's add.
  static constexpr int kLimbs = 69;
  static constexpr uint32_t kAddsBeforeNormalizing = uint32_t{1} << 28;
  int64_t limb[kLimbs] = {};
  uint32_t adds = 0;

  // Adds v · 2^e (e >= kMinExp; v·2^e below 2^1102).
  void add(__int128 v, int e) {
    const int64_t sign = v < 0 ? -1 : 1;
    const u128 u = magnitude(v);
    const int p = e - kMinExp;
    const int i = p / 32, s = p % 32;
    for (int k = 0; k < 4; ++k) {
      const auto chunk = static_cast<uint64_t>((u >> (32 * k)) & 0xffffffffu);
      if (chunk == 0) continue;
      const uint64_t part = chunk << s;  // < 2^63
      limb[i + k] += sign * static_cast<int64_t>(part & 0xffffffffu);
      limb[i + k + 1] += sign * static_cast<int64_t>(part >> 32);
    }
    if (++adds == kAddsBeforeNormalizing) normalize();
  }
  void add(const Wide& other) {
    Wide o = other;
    o.normalize();
    normalize();
    for (int i = 0; i < kLimbs; ++i) limb[i] += o.limb[i];
    adds = 2;
  }
  void normalize() {
    for (int i = 0; i + 1 < kLimbs; ++i) {
      const int64_t carry = limb[i] >> 32;  // floor division by 2^32
      limb[i] &= 0xffffffff;                // the remainder, in [0, 2^32)
      limb[i + 1] += carry;
    }
    adds = 0;
  }
  double rounded() const {
    Wide w = *this;
    w.normalize();
    const bool negative = w.limb[kLimbs - 1] < 0;
    if (negative) {
      for (int64_t& l : w.limb) l = -l;
      w.normalize();
    }
    int h = kLimbs - 1;
    while (h >= 0 && w.limb[h] == 0) --h;
    if (h < 0) return 0.0;
    const int low = std::max(0, h - 2);  // the top three limbs: at least 65 significant bits
    u128 m = 0;
    for (int i = h; i >= low; --i) m = (m << 32) | static_cast<uint64_t>(w.limb[i]);
    bool sticky = false;
    for (int i = 0; i < low; ++i) sticky |= w.limb[i] != 0;
    return round_to_double(m, 32 * low + kMinExp, sticky, negative);
  }
};

void ExactSum::copy_from(const ExactSum& other) {
  std::memcpy(acc_, other.acc_, sizeof acc_);
  exp_ = other.exp_;
  flags_ = other.flags_;
  if (flags_ & kWide) {
    Wide* w = new Wide(*other.wide());
    std::memcpy(acc_, &w, sizeof w);
  }
}

void ExactSum::release() {
  delete wide();
  flags_ &= static_cast<uint8_t>(~kWide);
  store(0);
}

void ExactSum::add_special(bool nan, bool negative) { flags_ |= nan ? kNaN : (negative ? kNegativeInf : kPositiveInf); }

bool ExactSum::add(const ExactSum& other) {
  flags_ |= other.flags_ & (kNaN | kPositiveInf | kNegativeInf);
  if (other.flags_ & kWide) {
    const bool widened = !(flags_ & kWide);
    if (widened) widen();
    wide()->add(*other.wide());
    return widened;
  }
  return other.load() != 0 && add_scaled(other.load(), other.exp_);
}

bool ExactSum::add_scaled(__int128 v, int exp) {
  if (flags_ & kWide) {
    wide()->add(v, exp);
    return false;
  }
  __int128 acc = load();
  if (acc == 0) {
    store(v);
    exp_ = exp;
    return false;
  }
  // Align both to the lower exponent (shift the other up), within 126 bits; else widen.
  if (exp != exp_) {
    __int128& higher = exp < exp_ ? acc : v;
    const int shift = exp < exp_ ? exp_ - exp : exp - exp_;
    if (bit_length(magnitude(higher)) + shift > 126) {
      widen();
      wide()->add(v, exp);
      return true;
    }
    higher *= static_cast<__int128>(1) << shift;
    exp_ = std::min(exp_, exp);
  }
  __int128 sum;
  if (__builtin_add_overflow(acc, v, &sum)) {
    store(acc);
    widen();
    wide()->add(v, exp_);
    return true;
  }
  store(sum);
  return false;
}

void ExactSum::widen() {
  static_assert(sizeof(Wide) <= kWideBytes);
  const __int128 acc = load();
  Wide* w = new Wide();
  if (acc != 0) w->add(acc, exp_);
  std::memcpy(acc_, &w, sizeof w);
  flags_ |= kWide;
}

double ExactSum::rounded() const {
  if (flags_ & (kNaN | kPositiveInf | kNegativeInf)) {
    if ((flags_ & kNaN) || (flags_ & (kPositiveInf | kNegativeInf)) == (kPositiveInf | kNegativeInf))
      return std::numeric_limits<double>::quiet_NaN();
    return (flags_ & kPositiveInf) ? std::numeric_limits<double>::infinity() : -std::numeric_limits<double>::infinity();
  }
  if (flags_ & kWide) return wide()->rounded();
  const __int128 acc = load();
  if (acc == 0) return 0.0;
  return round_to_double(magnitude(acc), exp_, false, acc < 0);
}

std::pair<double, double> ExactSum::rounded2() const {
  const double hi = rounded();
  if (!std::isfinite(hi)) return {hi, 0.0};
  ExactSum rest = *this;
  rest.add(-hi);
  return {hi, rest.rounded()};
}

}  // namespace bullion::expr
