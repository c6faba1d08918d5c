// Conversions between Parquet physical representations and bullion values:
// INT96 timestamps, big-endian decimals, FLOAT16, timestamp units.
#pragma once

#include <cstdint>
#include <cstring>

#include "bullion/columnar/type.h"

namespace bullion::parquet {

// Julian day number of 1970-01-01.
inline constexpr int64_t kJulianEpochDay = 2440588;
inline constexpr int64_t kMicrosPerDay = 86400LL * 1000000LL;

// INT96: 8 bytes little-endian nanoseconds of the day, then 4 bytes
// little-endian Julian day. Nanoseconds are truncated toward the earlier
// microsecond.
inline int64_t int96_to_micros(const uint8_t* p) {
  int64_t nanos;
  int32_t day;
  std::memcpy(&nanos, p, 8);
  std::memcpy(&day, p + 8, 4);
  const int64_t nano_floor = nanos >= 0 ? nanos / 1000 : -((-nanos + 999) / 1000);
  return static_cast<int64_t>(static_cast<uint64_t>(static_cast<int64_t>(day) - kJulianEpochDay) *
                                  static_cast<uint64_t>(kMicrosPerDay) +
                              static_cast<uint64_t>(nano_floor));
}

inline int64_t floor_div(int64_t a, int64_t b) {
  const int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

// Wrapping multiply: an out-of-range millisecond value must not be UB.
inline int64_t millis_to_micros(int64_t v) { return static_cast<int64_t>(static_cast<uint64_t>(v) * 1000u); }
inline int64_t nanos_to_micros(int64_t v) { return floor_div(v, 1000); }

// Big-endian two's complement of n bytes -> int128. False if the value does
// not fit 128 bits (n > 16 with non-sign-extension bytes) or n == 0.
inline bool be_bytes_to_int128(const uint8_t* p, size_t n, int128* out) {
  if (n == 0) return false;
  size_t skip = 0;
  if (n > 16) {
    skip = n - 16;
    const uint8_t ext = (p[skip] & 0x80) ? 0xff : 0x00;
    for (size_t i = 0; i < skip; ++i)
      if (p[i] != ext) return false;
  }
  unsigned __int128 v = (p[skip] & 0x80) ? ~static_cast<unsigned __int128>(0) : 0;
  for (size_t i = skip; i < n; ++i) v = (v << 8) | p[i];
  *out = static_cast<int128>(v);
  return true;
}

// int128 -> n big-endian bytes (n <= 16).
inline void int128_to_be_bytes(int128 v, int n, uint8_t* out) {
  unsigned __int128 u = static_cast<unsigned __int128>(v);
  for (int i = n - 1; i >= 0; --i) {
    out[i] = static_cast<uint8_t>(u & 0xff);
    u >>= 8;
  }
}

inline float half_to_float(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
  uint32_t exp = (h >> 10) & 0x1f;
  uint32_t mant = h & 0x3ff;
  uint32_t bits;
  if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else {  // subnormal: normalize
      exp = 127 - 15 + 1;
      while ((mant & 0x400) == 0) {
        mant <<= 1;
        --exp;
      }
      mant &= 0x3ff;
      bits = sign | (exp << 23) | (mant << 13);
    }
  } else if (exp == 0x1f) {
    bits = sign | 0x7f800000u | (mant << 13);
  } else {
    bits = sign | ((exp - 15 + 127) << 23) | (mant << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

}  // namespace bullion::parquet
