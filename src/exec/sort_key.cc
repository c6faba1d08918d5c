#include "bullion/exec/sort_key.h"

#include <cmath>
#include <cstring>

#include "bullion/core/error.h"

namespace bullion::exec {

SortKeyEncoder::SortKeyEncoder(std::vector<SortKey> keys, const Schema& schema) : keys_(std::move(keys)) {
  for (const SortKey& k : keys_) {
    BULLION_ASSERT(k.column < schema.size(), "sort key column out of range");
    const DataType& t = schema.field(k.column).type;
    if (t.is_nested())
      throw Error::unsupported("sorting by " + t.to_string() + " column '" + schema.field(k.column).name +
                               "' is not supported");
    types_.push_back(t);
  }
}

namespace {

void put_be(uint8_t*& p, uint64_t v, size_t width) {
  for (size_t i = 0; i < width; ++i) *p++ = static_cast<uint8_t>(v >> (8 * (width - 1 - i)));
}

uint64_t double_bits(double d) {
  if (std::isnan(d)) return UINT64_MAX;  // NaN sorts after everything
  if (d == 0) d = 0.0;                   // -0.0 == 0.0
  uint64_t u;
  std::memcpy(&u, &d, 8);
  return (u & 0x8000000000000000ull) ? ~u : u | 0x8000000000000000ull;
}

}  // namespace

void SortKeyEncoder::encode(const Batch& batch) {
  const size_t n = batch.num_rows();
  num_rows_ = n;
  // Upper bound: per key 1 null byte + 16 bytes, strings 2 * len + 2.
  size_t total = 0;
  for (size_t k = 0; k < keys_.size(); ++k) {
    const Column& c = *batch.column(keys_[k].column);
    if (types_[k].is_string_like()) {
      for (size_t r = 0; r < n; ++r) total += 1 + (c.is_null(r) ? 0 : 2 * c.strings()[r].size() + 2);
    } else {
      total += n * 17;
    }
  }
  bytes_.resize(total);
  offsets_.resize((n + 1) * sizeof(uint32_t));
  uint32_t* off = offsets_.as<uint32_t>();
  uint8_t* p = bytes_.data();
  for (size_t r = 0; r < n; ++r) {
    off[r] = static_cast<uint32_t>(p - bytes_.data());
    for (size_t k = 0; k < keys_.size(); ++k) {
      const SortKey& key = keys_[k];
      const Column& c = *batch.column(key.column);
      uint8_t* start = p;
      if (c.is_null(r)) {
        // NULL marker sorts before or after every value regardless of direction.
        *p++ = key.nulls_first ? 0x00 : 0xFF;
        continue;
      }
      *p++ = 0x80;
      uint8_t* value_start = p;
      switch (types_[k].id()) {
        case TypeId::kBoolean:
        case TypeId::kInt8:
          put_be(p, static_cast<uint8_t>(c.data<int8_t>()[r]) ^ 0x80u, 1);
          break;
        case TypeId::kInt16:
          put_be(p, static_cast<uint16_t>(c.data<int16_t>()[r]) ^ 0x8000u, 2);
          break;
        case TypeId::kInt32:
        case TypeId::kDate:
          put_be(p, static_cast<uint32_t>(c.data<int32_t>()[r]) ^ 0x80000000u, 4);
          break;
        case TypeId::kInt64:
        case TypeId::kTimestamp:
        case TypeId::kTimestampNtz:
          put_be(p, static_cast<uint64_t>(c.data<int64_t>()[r]) ^ 0x8000000000000000ull, 8);
          break;
        case TypeId::kFloat:
          put_be(p, double_bits(c.data<float>()[r]), 8);
          break;
        case TypeId::kDouble:
          put_be(p, double_bits(c.data<double>()[r]), 8);
          break;
        case TypeId::kDecimal: {
          const auto v =
              static_cast<unsigned __int128>(c.data<int128>()[r]) ^ (static_cast<unsigned __int128>(1) << 127);
          put_be(p, static_cast<uint64_t>(v >> 64), 8);
          put_be(p, static_cast<uint64_t>(v), 8);
          break;
        }
        case TypeId::kString:
        case TypeId::kBinary: {
          // 0x00 escaped as 0x00 0x01; terminated by 0x00 0x00 (shorter sorts first).
          for (unsigned char ch : c.strings()[r]) {
            *p++ = ch;
            if (ch == 0) *p++ = 1;
          }
          *p++ = 0;
          *p++ = 0;
          break;
        }
        default:
          break;
      }
      if (key.descending)
        for (uint8_t* q = value_start; q < p; ++q) *q = static_cast<uint8_t>(~*q);
      (void)start;
    }
  }
  off[n] = static_cast<uint32_t>(p - bytes_.data());
}

}  // namespace bullion::exec
