#include "bullion/exec/row_key.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

#include <cmath>
#include <cstring>

#include "bullion/core/error.h"

namespace bullion::exec {

uint64_t hash_bytes(std::string_view bytes) { return XXH3_64bits(bytes.data(), bytes.size()); }

KeyEncoder::KeyEncoder(std::vector<DataType> key_types, bool allow_word) : types_(std::move(key_types)) {
  for (const DataType& t : types_)
    if (t.is_nested())
      throw Error::unsupported("grouping or joining on a " + t.to_string() + " column is not supported",
                               "group on its fields instead");
  word_form_ = allow_word && word_form_possible(types_);
}

bool KeyEncoder::word_form_possible(const std::vector<DataType>& key_types) {
  if (key_types.size() != 1) return false;
  const DataType& t = key_types[0];
  return t.is_integer() || t.is_temporal() || t.is_floating();
}

namespace {

template <class T>
void put(uint8_t*& p, T v) {
  std::memcpy(p, &v, sizeof(T));
  p += sizeof(T);
}

// Canonical float bits: -0.0 → 0.0, every NaN → one NaN.
double canonical(double d) {
  if (d == 0) return 0.0;
  if (std::isnan(d)) return std::numeric_limits<double>::quiet_NaN();
  return d;
}

}  // namespace

void KeyEncoder::encode_words(const Column& column, size_t n) {
  bytes_.resize(n * sizeof(uint64_t));
  hashes_.resize(n * sizeof(uint64_t));
  has_null_.resize(n);
  uint64_t* w = bytes_.as<uint64_t>();
  uint64_t* h = hashes_.as<uint64_t>();
  uint8_t* nulls = has_null_.data();
  const uint8_t* valid = column.validity();
  auto fill = [&](auto tag) {
    using T = decltype(tag);
    const T* v = column.data<T>();
    for (size_t r = 0; r < n; ++r) {
      uint64_t word = 0;
      if constexpr (std::is_floating_point_v<T>) {
        const T c = static_cast<T>(canonical(v[r]));
        std::memcpy(&word, &c, sizeof(T));
      } else {
        std::memcpy(&word, &v[r], sizeof(T));
      }
      w[r] = word;
      h[r] = hash_word(word);
    }
  };
  switch (types_[0].id()) {
    case TypeId::kFloat:
      fill(float{});
      break;
    case TypeId::kDouble:
      fill(double{});
      break;
    default:
      switch (types_[0].value_width()) {
        case 1:
          fill(uint8_t{});
          break;
        case 2:
          fill(uint16_t{});
          break;
        case 4:
          fill(uint32_t{});
          break;
        default:
          fill(uint64_t{});
      }
  }
  if (!valid) {
    std::memset(nulls, 0, n);
    return;
  }
  for (size_t r = 0; r < n; ++r) {
    nulls[r] = valid[r] ? 0 : 1;
    if (!valid[r]) {
      w[r] = 0;
      h[r] = kNullWordHash;
    }
  }
}

void KeyEncoder::encode(const std::vector<const Column*>& columns, size_t n) {
  BULLION_ASSERT(columns.size() == types_.size(), "key column count");
  num_rows_ = n;
  if (word_form_) {
    encode_words(*columns[0], n);
    return;
  }
  // Exact size first: one null byte per key, plus fixed widths or 4+len for strings.
  offsets_.resize((n + 1) * sizeof(uint32_t));
  uint32_t* off = offsets_.as<uint32_t>();
  size_t fixed = 0;
  for (const DataType& t : types_) fixed += 1 + (t.is_string_like() ? 4 : t.value_width());
  size_t total = fixed * n;
  for (size_t c = 0; c < columns.size(); ++c)
    if (types_[c].is_string_like()) {
      const std::string_view* s = columns[c]->strings();
      for (size_t r = 0; r < n; ++r) total += columns[c]->is_null(r) ? 0 : s[r].size();
    }
  if (total > UINT32_MAX) throw Error::unsupported("a batch's group keys exceed 4 GiB; use smaller batches");
  bytes_.resize(total);
  has_null_.resize(n);
  uint8_t* p = bytes_.data();
  uint8_t* nulls = has_null_.data();
  for (size_t r = 0; r < n; ++r) {
    off[r] = static_cast<uint32_t>(p - bytes_.data());
    uint8_t any_null = 0;
    for (size_t c = 0; c < columns.size(); ++c) {
      const Column& col = *columns[c];
      if (col.is_null(r)) {
        *p++ = 0;
        any_null = 1;
        continue;
      }
      *p++ = 1;
      switch (types_[c].id()) {
        case TypeId::kString:
        case TypeId::kBinary: {
          const std::string_view s = col.strings()[r];
          put<uint32_t>(p, static_cast<uint32_t>(s.size()));
          if (!s.empty()) std::memcpy(p, s.data(), s.size());
          p += s.size();
          break;
        }
        case TypeId::kDouble:
          put<double>(p, canonical(col.data<double>()[r]));
          break;
        case TypeId::kFloat:
          put<float>(p, static_cast<float>(canonical(col.data<float>()[r])));
          break;
        case TypeId::kNull:
          break;
        default: {
          const size_t w = types_[c].value_width();
          std::memcpy(p, col.data<uint8_t>() + r * w, w);
          p += w;
        }
      }
    }
    nulls[r] = any_null;
  }
  off[n] = static_cast<uint32_t>(p - bytes_.data());
  bytes_.resize(off[n]);
  hashes_.resize(n * sizeof(uint64_t));
  uint64_t* h = hashes_.as<uint64_t>();
  for (size_t r = 0; r < n; ++r) h[r] = XXH3_64bits(bytes_.data() + off[r], off[r + 1] - off[r]);
}

void KeyEncoder::decode_words(const std::vector<uint64_t>& words, size_t null_at, Column& column) {
  const size_t base = column.size();
  const size_t w = column.type().value_width();
  column.resize(base + words.size());
  uint8_t* out = column.mutable_data<uint8_t>() + base * w;
  for (size_t g = 0; g < words.size(); ++g) std::memcpy(out + g * w, &words[g], w);
  if (null_at != SIZE_MAX) column.set_null(base + null_at);
}

void KeyEncoder::decode(const std::vector<std::string_view>& keys, const std::vector<Column*>& columns) const {
  BULLION_ASSERT(columns.size() == types_.size(), "key column count");
  for (Column* c : columns) c->reserve(c->size() + keys.size());
  for (std::string_view key : keys) {
    const auto* p = reinterpret_cast<const uint8_t*>(key.data());
    for (size_t c = 0; c < types_.size(); ++c) {
      Column& col = *columns[c];
      if (*p++ == 0) {
        col.append_null();
        continue;
      }
      switch (types_[c].id()) {
        case TypeId::kString:
        case TypeId::kBinary: {
          uint32_t len;
          std::memcpy(&len, p, 4);
          p += 4;
          col.append_string(std::string_view(reinterpret_cast<const char*>(p), len));
          p += len;
          break;
        }
        case TypeId::kNull:
          col.append_null();
          break;
        default: {
          const size_t w = types_[c].value_width();
          const size_t row = col.size();
          col.resize(row + 1);
          std::memcpy(col.mutable_data<uint8_t>() + row * w, p, w);
          p += w;
        }
      }
    }
  }
}

}  // namespace bullion::exec
