#include "formats/parquet/column_writer.h"

#include <xxhash.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "bullion/core/error.h"
#include "formats/parquet/delta.h"
#include "formats/parquet/physical.h"
#include "formats/parquet/rle.h"
#include "formats/parquet/statistics.h"

namespace bullion::parquet {

namespace {

constexpr size_t kPieceEntries = 1024;

Codec to_codec(Compression c) {
  switch (c) {
    case Compression::kUncompressed:
      return Codec::kUncompressed;
    case Compression::kSnappy:
      return Codec::kSnappy;
    case Compression::kGzip:
      return Codec::kGzip;
    case Compression::kZstd:
      return Codec::kZstd;
    case Compression::kLz4Raw:
      return Codec::kLz4Raw;
  }
  return Codec::kUncompressed;
}

template <class T>
std::string le_bytes(T v) {
  std::string s(sizeof(T), '\0');
  std::memcpy(s.data(), &v, sizeof(T));
  return s;
}

std::string_view encoding_label(ValueEncoding e) {
  switch (e) {
    case ValueEncoding::kDefault:
      return "default";
    case ValueEncoding::kPlain:
      return "PLAIN";
    case ValueEncoding::kDeltaBinaryPacked:
      return "DELTA_BINARY_PACKED";
    case ValueEncoding::kDeltaLengthByteArray:
      return "DELTA_LENGTH_BYTE_ARRAY";
    case ValueEncoding::kDeltaByteArray:
      return "DELTA_BYTE_ARRAY";
    case ValueEncoding::kByteStreamSplit:
      return "BYTE_STREAM_SPLIT";
  }
  return "?";
}

}  // namespace

// Short byte strings are hashed, compared and copied inline with
// overlapping word loads (a libc call per 10-byte value costs more than the work).
inline uint64_t load64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
inline uint32_t load32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

inline uint64_t hash_bytes(std::string_view v) {
  const size_t n = v.size();
  if (n > 16) return XXH3_64bits(v.data(), n);
  uint64_t a = 0, b = 0;
  const char* p = v.data();
  if (n >= 8) {
    a = load64(p);
    b = load64(p + n - 8);
  } else if (n >= 4) {
    a = load32(p);
    b = load32(p + n - 4);
  } else if (n > 0) {
    a = static_cast<uint8_t>(p[0]) | (static_cast<uint64_t>(static_cast<uint8_t>(p[n / 2])) << 8) |
        (static_cast<uint64_t>(static_cast<uint8_t>(p[n - 1])) << 16);
  }
  uint64_t h = (a ^ (b * 0x9E3779B97F4A7C15ULL)) + n * 0xC2B2AE3D27D4EB4FULL;
  h ^= h >> 32;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 29;
  return h;
}

inline bool bytes_equal(const char* a, const char* b, size_t n) {
  if (n >= 8) {
    if (n > 16) return std::memcmp(a, b, n) == 0;
    return load64(a) == load64(b) && load64(a + n - 8) == load64(b + n - 8);
  }
  if (n >= 4) return load32(a) == load32(b) && load32(a + n - 4) == load32(b + n - 4);
  for (size_t i = 0; i < n; ++i)
    if (a[i] != b[i]) return false;
  return true;
}

// a < b as unsigned bytes (what std::string_view's compare does, without a libc call per value).
inline bool bytes_less(std::string_view a, std::string_view b) {
  const size_t n = std::min(a.size(), b.size());
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const uint64_t x = __builtin_bswap64(load64(a.data() + i)), y = __builtin_bswap64(load64(b.data() + i));
    if (x != y) return x < y;
  }
  for (; i < n; ++i) {
    const uint8_t x = static_cast<uint8_t>(a[i]), y = static_cast<uint8_t>(b[i]);
    if (x != y) return x < y;
  }
  return a.size() < b.size();
}

// Dictionary: open addressing over entry indices; fixed-width entries are
// kept as raw bits, byte arrays in an arena (batches do not outlive write()).
struct LeafWriter::Dict {
  // A slot holds an entry index and 32 bits of its hash, so a probe touches
  // one cache line until the hashes match.
  struct Slot {
    int32_t index;
    uint32_t tag;
  };
  bool bytes = false;
  size_t width = 0;  // fixed-width bytes, or FIXED_LEN_BYTE_ARRAY length (0: BYTE_ARRAY)
  std::vector<uint64_t> fixed;
  std::vector<std::string_view> strs;
  std::vector<uint64_t> hashes;
  StringArena arena;
  std::vector<Slot> slots;
  size_t mask = 0;
  size_t plain_bytes = 0;
  bool inserted = false;  // the last insert added an entry

  Dict(bool is_bytes, size_t w) : bytes(is_bytes), width(w) { rehash(1024); }

  size_t size() const { return bytes ? strs.size() : fixed.size(); }
  size_t memory() const {
    return slots.size() * sizeof(Slot) + fixed.size() * 8 + strs.size() * 24 + arena.bytes_reserved();
  }

  static uint64_t mix(uint64_t x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
  }

  void rehash(size_t capacity) {
    slots.assign(capacity, Slot{-1, 0});
    mask = capacity - 1;
    const size_t n = size();
    for (size_t i = 0; i < n; ++i) {
      const uint64_t h = bytes ? hashes[i] : mix(fixed[i]);
      size_t s = h & mask;
      while (slots[s].index >= 0) s = (s + 1) & mask;
      slots[s] = Slot{static_cast<int32_t>(i), static_cast<uint32_t>(h >> 32)};
    }
  }

  uint32_t insert_fixed(uint64_t bits) {
    const uint64_t h = mix(bits);
    const uint32_t tag = static_cast<uint32_t>(h >> 32);
    size_t s = h & mask;
    while (true) {
      const Slot slot = slots[s];
      if (slot.index < 0) break;
      if (slot.tag == tag && fixed[static_cast<size_t>(slot.index)] == bits) {
        inserted = false;
        return static_cast<uint32_t>(slot.index);
      }
      s = (s + 1) & mask;
    }
    const int32_t idx = static_cast<int32_t>(fixed.size());
    fixed.push_back(bits);
    slots[s] = Slot{idx, tag};
    plain_bytes += width;
    inserted = true;
    if (fixed.size() * 2 > slots.size()) rehash(slots.size() * 2);
    return static_cast<uint32_t>(idx);
  }

  // Prefetch stages for a value `distance` inserts ahead: its slot, then the
  // entry the slot points to, then that entry's bytes. A large dictionary
  // (high-cardinality ids) misses the cache at each of the three.
  void prefetch_slot(uint64_t h) const { __builtin_prefetch(&slots[h & mask]); }
  void prefetch_entry(uint64_t h) const {
    const Slot slot = slots[h & mask];
    if (slot.index >= 0) __builtin_prefetch(&strs[static_cast<size_t>(slot.index)]);
  }
  void prefetch_bytes(uint64_t h) const {
    const Slot slot = slots[h & mask];
    if (slot.index >= 0) __builtin_prefetch(strs[static_cast<size_t>(slot.index)].data());
  }

  // Inserts `v`, whose hash_bytes is `h`.
  uint32_t insert_bytes(std::string_view v, uint64_t h) {
    const uint32_t tag = static_cast<uint32_t>(h >> 32);
    size_t s = h & mask;
    while (true) {
      const Slot slot = slots[s];
      if (slot.index < 0) break;
      if (slot.tag == tag) {
        const std::string_view e = strs[static_cast<size_t>(slot.index)];
        if (e.size() == v.size() && bytes_equal(e.data(), v.data(), v.size())) {
          inserted = false;
          return static_cast<uint32_t>(slot.index);
        }
      }
      s = (s + 1) & mask;
    }
    const int32_t idx = static_cast<int32_t>(strs.size());
    strs.push_back(arena.add(v));
    hashes.push_back(h);
    slots[s] = Slot{idx, tag};
    plain_bytes += v.size() + (width == 0 ? 4 : 0);
    inserted = true;
    if (strs.size() * 2 > slots.size()) rehash(slots.size() * 2);
    return static_cast<uint32_t>(idx);
  }

  // Appends the PLAIN encoding of entry i.
  void append_plain(size_t i, std::string* out) const {
    if (bytes) {
      if (width == 0) {
        const uint32_t len = static_cast<uint32_t>(strs[i].size());
        out->append(reinterpret_cast<const char*>(&len), 4);
      }
      out->append(strs[i]);
    } else {
      out->append(reinterpret_cast<const char*>(&fixed[i]), width);
    }
  }
};

void StatsAccumulator::merge(const StatsAccumulator& o, bool is_float, bool is_bytes) {
  null_count += o.null_count;
  nan_count += o.nan_count;
  num_values += o.num_values;
  if (!o.has) return;
  if (!has) {
    has = true;
    imin = o.imin;
    imax = o.imax;
    fmin = o.fmin;
    fmax = o.fmax;
    smin = o.smin;
    smax = o.smax;
    return;
  }
  if (is_float) {
    fmin = std::min(fmin, o.fmin);
    fmax = std::max(fmax, o.fmax);
  } else if (is_bytes) {
    if (std::string_view(o.smin) < std::string_view(smin)) smin = o.smin;
    if (std::string_view(o.smax) > std::string_view(smax)) smax = o.smax;
  } else {
    imin = std::min(imin, o.imin);
    imax = std::max(imax, o.imax);
  }
}

LeafWriter::LeafWriter(const WriteLeaf& leaf, const WriteOptions& options, ValueEncoding encoding)
    : leaf_(leaf),
      options_(options),
      forced_(encoding),
      codec_(to_codec(options.compression), options.compression_level) {
  const PhysicalType pt = leaf.physical;
  switch (pt) {
    case PhysicalType::kInt32:
    case PhysicalType::kFloat:
      width_ = 4;
      break;
    case PhysicalType::kInt64:
    case PhysicalType::kDouble:
      width_ = 8;
      break;
    case PhysicalType::kFixedLenByteArray:
      width_ = static_cast<size_t>(leaf.type_length);
      break;
    default:
      width_ = 0;
      break;
  }
  bool ok = true;
  switch (encoding) {
    case ValueEncoding::kDefault:
    case ValueEncoding::kPlain:
      break;
    case ValueEncoding::kDeltaBinaryPacked:
      ok = pt == PhysicalType::kInt32 || pt == PhysicalType::kInt64;
      break;
    case ValueEncoding::kDeltaLengthByteArray:
      ok = pt == PhysicalType::kByteArray;
      break;
    case ValueEncoding::kDeltaByteArray:
      ok = pt == PhysicalType::kByteArray || pt == PhysicalType::kFixedLenByteArray;
      break;
    case ValueEncoding::kByteStreamSplit:
      ok = pt == PhysicalType::kFloat || pt == PhysicalType::kDouble || pt == PhysicalType::kInt32 ||
           pt == PhysicalType::kInt64 || pt == PhysicalType::kFixedLenByteArray;
      break;
  }
  if (!ok) {
    std::string path;
    for (const std::string& p : leaf.path) path += (path.empty() ? "" : ".") + p;
    throw Error::invalid_input("column '" + path + "': encoding " + std::string(encoding_label(encoding)) +
                               " cannot store " + std::string(physical_type_name(pt)) + " values");
  }
  if (encoding == ValueEncoding::kDefault) {
    const bool dictionary_ok = options.dictionary && pt != PhysicalType::kBoolean && leaf.type.id() != TypeId::kNull;
    initial_mode_ = dictionary_ok ? Mode::kDictionary : Mode::kPlain;
  } else {
    initial_mode_ = encoding == ValueEncoding::kPlain ? Mode::kPlain : Mode::kForced;
  }
  reset_chunk();
}

LeafWriter::~LeafWriter() = default;

void LeafWriter::reset_chunk() {
  chunk_.clear();
  chunk_uncompressed_ = 0;
  chunk_values_ = 0;
  page_encodings_.clear();
  chunk_stats_ = StatsAccumulator();
  mode_ = initial_mode_;
  dict_used_ = false;
  first_page_ = true;
  if (mode_ == Mode::kDictionary) {
    const bool bytes = leaf_.physical == PhysicalType::kByteArray || leaf_.physical == PhysicalType::kFixedLenByteArray;
    dict_ = std::make_unique<Dict>(bytes, width_);
  } else {
    dict_.reset();
  }
}

size_t LeafWriter::buffered_uncompressed() const {
  size_t page = page_def_.size() / 4 + page_rep_.size() / 4 + page_plain_.size() + page_bools_.size() / 8;
  if (mode_ == Mode::kDictionary) page += page_indices_.size() * 2;
  return chunk_uncompressed_ + page + (dict_ ? dict_->plain_bytes : 0);
}

size_t LeafWriter::buffered_memory() const {
  return chunk_.capacity() + page_plain_.capacity() + page_indices_.capacity() * 4 + page_def_.capacity() * 2 +
         page_rep_.capacity() * 2 + page_bools_.capacity() + (dict_ ? dict_->memory() : 0);
}

void LeafWriter::add(const int16_t* def, const int16_t* rep, size_t n, const Column& values, const uint32_t* rows,
                     size_t first_row) {
  size_t cursor = 0;
  size_t i = 0;
  while (i < n) {
    const size_t room = options_.page_rows > page_rows_ ? options_.page_rows - page_rows_ : 1;
    size_t j;
    size_t piece_rows = 0;
    if (!rep) {
      const size_t take = std::min({n - i, kPieceEntries, room});
      j = i + take;
      piece_rows = take;
    } else {
      // Pieces end at row boundaries, so pages do too (v2 requires it).
      j = i;
      while (j < n) {
        if (rep[j] == 0) {
          if (piece_rows == room || (piece_rows > 0 && j - i >= kPieceEntries)) break;
          ++piece_rows;
        }
        ++j;
      }
    }
    add_piece(def ? def + i : nullptr, rep ? rep + i : nullptr, j - i, values, rows, first_row, &cursor);
    page_rows_ += piece_rows;
    const size_t level_bytes = (page_def_.size() + page_rep_.size()) / 4;
    const size_t value_bytes =
        mode_ == Mode::kDictionary
            ? page_indices_.size() * static_cast<size_t>(std::max(1, bit_width_for(dict_->size()))) / 8
            : page_plain_.size() + page_bools_.size() / 8;
    if (page_rows_ >= options_.page_rows || level_bytes + value_bytes >= options_.page_bytes) flush_page();
    if (mode_ == Mode::kDictionary && dict_->plain_bytes > options_.dictionary_page_bytes) {
      flush_page();
      if (mode_ == Mode::kDictionary) fallback_to_plain();
    }
    i = j;
  }
}

void LeafWriter::add_piece(const int16_t* def, const int16_t* rep, size_t n, const Column& values, const uint32_t* rows,
                           size_t first_row, size_t* cursor) {
  size_t nv = n;
  if (leaf_.max_def > 0) {
    page_def_.insert(page_def_.end(), def, def + n);
    nv = 0;
    const int16_t mx = leaf_.max_def;
    for (size_t i = 0; i < n; ++i) nv += def[i] == mx;
  }
  if (leaf_.max_rep > 0) page_rep_.insert(page_rep_.end(), rep, rep + n);
  page_nulls_ += n - nv;
  page_entries_ += n;
  chunk_stats_.null_count += static_cast<int64_t>(n - nv);
  chunk_stats_.num_values += static_cast<int64_t>(n);
  chunk_values_ += static_cast<int64_t>(n);
  if (nv > 0) append_values(values, rows ? rows + *cursor : nullptr, first_row + *cursor, nv);
  *cursor += nv;
}

void LeafWriter::append_values(const Column& col, const uint32_t* rows, size_t first, size_t count) {
  auto row = [&](size_t i) { return rows ? rows[i] : first + i; };
  switch (leaf_.type.id()) {
    case TypeId::kBoolean: {
      const uint8_t* v = col.data<uint8_t>();
      for (size_t i = 0; i < count; ++i) {
        const uint8_t b = v[row(i)] != 0;
        page_bools_.push_back(b);
        if (!chunk_stats_.has) {
          chunk_stats_.has = true;
          chunk_stats_.imin = chunk_stats_.imax = b;
        } else {
          chunk_stats_.imin = std::min<int128>(chunk_stats_.imin, b);
          chunk_stats_.imax = std::max<int128>(chunk_stats_.imax, b);
        }
      }
      page_plain_bytes_ += (count + 7) / 8;
      return;
    }
    case TypeId::kInt8:
    case TypeId::kInt16:
    case TypeId::kInt32:
    case TypeId::kDate: {
      i32_.resize(count);
      if (leaf_.type.id() == TypeId::kInt8) {
        const int8_t* v = col.data<int8_t>();
        for (size_t i = 0; i < count; ++i) i32_[i] = v[row(i)];
      } else if (leaf_.type.id() == TypeId::kInt16) {
        const int16_t* v = col.data<int16_t>();
        for (size_t i = 0; i < count; ++i) i32_[i] = v[row(i)];
      } else if (!rows) {
        std::memcpy(i32_.data(), col.data<int32_t>() + first, count * 4);
      } else {
        const int32_t* v = col.data<int32_t>();
        for (size_t i = 0; i < count; ++i) i32_[i] = v[rows[i]];
      }
      append_fixed(i32_.data(), count);
      return;
    }
    case TypeId::kInt64:
    case TypeId::kTimestamp:
    case TypeId::kTimestampNtz: {
      i64_.resize(count);
      if (!rows) {
        std::memcpy(i64_.data(), col.data<int64_t>() + first, count * 8);
      } else {
        const int64_t* v = col.data<int64_t>();
        for (size_t i = 0; i < count; ++i) i64_[i] = v[rows[i]];
      }
      append_fixed(i64_.data(), count);
      return;
    }
    case TypeId::kFloat: {
      f32_.resize(count);
      const float* v = col.data<float>();
      for (size_t i = 0; i < count; ++i) f32_[i] = v[row(i)];
      append_fixed(f32_.data(), count);
      return;
    }
    case TypeId::kDouble: {
      f64_.resize(count);
      if (!rows) {
        std::memcpy(f64_.data(), col.data<double>() + first, count * 8);
      } else {
        const double* v = col.data<double>();
        for (size_t i = 0; i < count; ++i) f64_[i] = v[rows[i]];
      }
      append_fixed(f64_.data(), count);
      return;
    }
    case TypeId::kDecimal: {
      const int128* v = col.data<int128>();
      const int p = leaf_.type.precision();
      // A value beyond the declared precision would be silently truncated.
      int128 limit = 1;
      for (int i = 0; i < p; ++i) limit *= 10;
      for (size_t i = 0; i < count; ++i) {
        const int128 x = v[row(i)];
        if (x >= limit || x <= -limit) {
          std::string path;
          for (const std::string& s : leaf_.path) path += (path.empty() ? "" : ".") + s;
          throw Error::invalid_input("column '" + path + "': the value " + format_decimal(x, leaf_.type.scale()) +
                                     " does not fit " + leaf_.type.to_string());
        }
      }
      if (p <= 9) {
        i32_.resize(count);
        for (size_t i = 0; i < count; ++i) i32_[i] = static_cast<int32_t>(v[row(i)]);
        append_fixed(i32_.data(), count);
      } else if (p <= 18) {
        i64_.resize(count);
        for (size_t i = 0; i < count; ++i) i64_[i] = static_cast<int64_t>(v[row(i)]);
        append_fixed(i64_.data(), count);
      } else {
        const int w = leaf_.type_length;
        bytes_.resize(count * static_cast<size_t>(w));
        views_.resize(count);
        for (size_t i = 0; i < count; ++i) {
          const int128 x = v[row(i)];
          if (!chunk_stats_.has) {
            chunk_stats_.has = true;
            chunk_stats_.imin = chunk_stats_.imax = x;
          } else {
            chunk_stats_.imin = std::min(chunk_stats_.imin, x);
            chunk_stats_.imax = std::max(chunk_stats_.imax, x);
          }
          uint8_t* dst = reinterpret_cast<uint8_t*>(bytes_.data()) + i * static_cast<size_t>(w);
          int128_to_be_bytes(x, w, dst);
          views_[i] = std::string_view(reinterpret_cast<const char*>(dst), static_cast<size_t>(w));
        }
        append_bytes(views_.data(), count);
      }
      return;
    }
    case TypeId::kString:
    case TypeId::kBinary: {
      const std::string_view* v = col.strings();
      const std::string_view* x = v + first;
      if (rows) {
        views_.resize(count);
        for (size_t i = 0; i < count; ++i) views_[i] = v[rows[i]];
        x = views_.data();
      }
      append_bytes(x, count);
      return;
    }
    case TypeId::kNull:
      return;
    default:
      BULLION_ASSERT(false, "unexpected leaf type in Parquet writer");
  }
}

template <class T>
void LeafWriter::append_fixed(const T* v, size_t count) {
  StatsAccumulator& s = chunk_stats_;
  if constexpr (std::is_floating_point_v<T>) {
    double lo = 0, hi = 0;
    bool any = false;
    for (size_t i = 0; i < count; ++i) {
      const double x = v[i];
      if (std::isnan(x)) {
        ++s.nan_count;
        continue;
      }
      if (!any) {
        lo = hi = x;
        any = true;
      } else {
        lo = std::min(lo, x);
        hi = std::max(hi, x);
      }
    }
    if (any) {
      if (!s.has) {
        s.has = true;
        s.fmin = lo;
        s.fmax = hi;
      } else {
        s.fmin = std::min(s.fmin, lo);
        s.fmax = std::max(s.fmax, hi);
      }
    }
  } else {
    T lo = v[0], hi = v[0];
    for (size_t i = 1; i < count; ++i) {
      lo = std::min(lo, v[i]);
      hi = std::max(hi, v[i]);
    }
    if (!s.has) {
      s.has = true;
      s.imin = lo;
      s.imax = hi;
    } else {
      s.imin = std::min<int128>(s.imin, lo);
      s.imax = std::max<int128>(s.imax, hi);
    }
  }
  page_plain_bytes_ += count * sizeof(T);
  if (mode_ == Mode::kDictionary) {
    const size_t base = page_indices_.size();
    page_indices_.resize(base + count);
    uint32_t* out = page_indices_.data() + base;
    for (size_t i = 0; i < count; ++i) {
      if (i > 0 && std::memcmp(&v[i], &v[i - 1], sizeof(T)) == 0) {  // a run: looked up once
        out[i] = out[i - 1];
        continue;
      }
      uint64_t bits = 0;
      std::memcpy(&bits, &v[i], sizeof(T));
      out[i] = dict_->insert_fixed(bits);
    }
  } else {
    page_plain_.append(reinterpret_cast<const char*>(v), count * sizeof(T));
  }
}

void LeafWriter::update_string_stats(std::string_view v) {
  // Byte-wise (unsigned) order, as TYPE_DEFINED_ORDER requires for byte arrays.
  StatsAccumulator& s = chunk_stats_;
  if (!s.has) {
    s.has = true;
    s.smin.assign(v);
    s.smax.assign(v);
  } else if (bytes_less(v, s.smin)) {
    s.smin.assign(v);
  } else if (bytes_less(s.smax, v)) {
    s.smax.assign(v);
  }
}

void LeafWriter::append_bytes(const std::string_view* v, size_t count) {
  const bool flba = leaf_.physical == PhysicalType::kFixedLenByteArray;
  // FIXED_LEN_BYTE_ARRAY holds decimals here, whose statistics come from their values.
  const bool string_stats = leaf_.type.is_string_like();
  size_t bytes = 0;
  if (mode_ == Mode::kDictionary) {
    const size_t base = page_indices_.size();
    page_indices_.resize(base + count);
    uint32_t* out = page_indices_.data() + base;
    // Hashes first, so that the lookups can prefetch ahead. A run of one
    // value (a source tag, a file name) is hashed and looked up once: its
    // repeats are marked with a zero hash.
    hashes_.resize(count);
    for (size_t i = 0; i < count; ++i) {
      const bool repeat = i > 0 && v[i].size() == v[i - 1].size() &&
                          (v[i].data() == v[i - 1].data() || bytes_equal(v[i].data(), v[i - 1].data(), v[i].size()));
      hashes_[i] = repeat ? 0 : hash_bytes(v[i]) | 1;
    }
    constexpr size_t kSlotAhead = 12, kEntryAhead = 8, kBytesAhead = 4;
    for (size_t i = 0; i < count; ++i) {
      if (i + kSlotAhead < count) dict_->prefetch_slot(hashes_[i + kSlotAhead]);
      if (i + kEntryAhead < count) dict_->prefetch_entry(hashes_[i + kEntryAhead]);
      if (i + kBytesAhead < count) dict_->prefetch_bytes(hashes_[i + kBytesAhead]);
      bytes += v[i].size();
      if (hashes_[i] == 0) {
        out[i] = out[i - 1];
        continue;
      }
      out[i] = dict_->insert_bytes(v[i], hashes_[i]);
      // Every value of the chunk is in its dictionary: new entries carry the extremes.
      if (dict_->inserted && string_stats) update_string_stats(v[i]);
    }
    page_plain_bytes_ += bytes + (flba ? 0 : 4 * count);
    return;
  }
  for (size_t i = 0; i < count; ++i) bytes += v[i].size();
  const size_t base = page_plain_.size();
  page_plain_.resize(base + bytes + (flba ? 0 : 4 * count));
  char* w = page_plain_.data() + base;
  for (size_t i = 0; i < count; ++i) {
    if (!flba) {
      const uint32_t len = static_cast<uint32_t>(v[i].size());
      std::memcpy(w, &len, 4);
      w += 4;
    }
    copy_bytes(w, v[i].data(), v[i].size());
    w += v[i].size();
    if (string_stats) update_string_stats(v[i]);
  }
  page_plain_bytes_ += bytes + (flba ? 0 : 4 * count);
}

void LeafWriter::fallback_to_plain() { mode_ = Mode::kPlain; }

void LeafWriter::flush_page() {
  const size_t num_entries = page_entries_;
  if (num_entries == 0) return;

  // A dictionary that does not pay for itself on the first page is dropped.
  if (mode_ == Mode::kDictionary && first_page_ && !dict_used_) {
    const size_t bw = static_cast<size_t>(bit_width_for(dict_->size() > 0 ? dict_->size() - 1 : 0));
    const size_t index_bytes = page_indices_.size() * bw / 8 + 1;
    if (dict_->plain_bytes + index_bytes >= page_plain_bytes_) {
      page_plain_.clear();
      for (uint32_t idx : page_indices_) dict_->append_plain(idx, &page_plain_);
      page_indices_.clear();
      dict_.reset();
      mode_ = Mode::kPlain;
    }
  }
  first_page_ = false;

  // Values.
  body_.clear();
  Encoding encoding = Encoding::kPlain;
  if (mode_ == Mode::kDictionary) {
    encoding = Encoding::kRleDictionary;
    const int bw = bit_width_for(dict_->size() > 0 ? dict_->size() - 1 : 0);
    body_.push_back(static_cast<char>(bw));
    rle_encode(page_indices_.data(), page_indices_.size(), bw, &body_);
    dict_used_ = true;
  } else if (leaf_.physical == PhysicalType::kBoolean) {
    pack_bits(page_bools_.data(), page_bools_.size(), 1, &body_);
  } else if (mode_ == Mode::kPlain) {
    body_.swap(page_plain_);
  } else {
    // Forced encodings re-encode the page's PLAIN values.
    std::vector<std::string_view> views;
    if (leaf_.physical == PhysicalType::kByteArray) {
      for (size_t p = 0; p + 4 <= page_plain_.size();) {
        uint32_t len;
        std::memcpy(&len, page_plain_.data() + p, 4);
        views.emplace_back(page_plain_.data() + p + 4, len);
        p += 4 + len;
      }
    } else if (leaf_.physical == PhysicalType::kFixedLenByteArray) {
      for (size_t p = 0; p + width_ <= page_plain_.size(); p += width_)
        views.emplace_back(page_plain_.data() + p, width_);
    }
    switch (forced_) {
      case ValueEncoding::kDeltaBinaryPacked: {
        encoding = Encoding::kDeltaBinaryPacked;
        const size_t n = page_plain_.size() / width_;
        std::vector<int64_t> vals(n);
        for (size_t i = 0; i < n; ++i) {
          if (width_ == 4) {
            int32_t x;
            std::memcpy(&x, page_plain_.data() + 4 * i, 4);
            vals[i] = x;
          } else {
            std::memcpy(&vals[i], page_plain_.data() + 8 * i, 8);
          }
        }
        encode_delta_binary_packed(vals.data(), n, width_ == 4, &body_);
        break;
      }
      case ValueEncoding::kDeltaLengthByteArray:
        encoding = Encoding::kDeltaLengthByteArray;
        encode_delta_length_byte_array(views.data(), views.size(), &body_);
        break;
      case ValueEncoding::kDeltaByteArray:
        encoding = Encoding::kDeltaByteArray;
        encode_delta_byte_array(views.data(), views.size(), &body_);
        break;
      case ValueEncoding::kByteStreamSplit:
        encoding = Encoding::kByteStreamSplit;
        encode_byte_stream_split(reinterpret_cast<const uint8_t*>(page_plain_.data()), page_plain_.size() / width_,
                                 width_, &body_);
        break;
      default:
        BULLION_ASSERT(false, "unexpected forced encoding");
    }
  }

  // Levels and page.
  const bool v2 = options_.data_page_version == 2;
  std::string levels;
  if (leaf_.max_rep > 0) encode_levels(page_rep_.data(), page_rep_.size(), leaf_.max_rep, !v2, &levels);
  const size_t rep_len = levels.size();
  if (leaf_.max_def > 0) encode_levels(page_def_.data(), page_def_.size(), leaf_.max_def, !v2, &levels);
  const size_t def_len = levels.size() - rep_len;

  PageHeader h;
  compressed_.clear();
  if (!v2) {
    levels.append(body_);
    codec_.compress(reinterpret_cast<const uint8_t*>(levels.data()), levels.size(), &compressed_);
    h.type = PageType::kDataPage;
    h.uncompressed_page_size = static_cast<int32_t>(levels.size());
    DataPageHeader d;
    d.num_values = static_cast<int32_t>(num_entries);
    d.encoding = encoding;
    d.definition_level_encoding = Encoding::kRle;
    d.repetition_level_encoding = Encoding::kRle;
    h.data_page_header = d;
  } else {
    compressed_ = levels;
    codec_.compress(reinterpret_cast<const uint8_t*>(body_.data()), body_.size(), &compressed_);
    h.type = PageType::kDataPageV2;
    h.uncompressed_page_size = static_cast<int32_t>(levels.size() + body_.size());
    DataPageHeaderV2 d;
    d.num_values = static_cast<int32_t>(num_entries);
    d.num_nulls = static_cast<int32_t>(page_nulls_);
    d.num_rows = static_cast<int32_t>(page_rows_);
    d.encoding = encoding;
    d.definition_levels_byte_length = static_cast<int32_t>(def_len);
    d.repetition_levels_byte_length = static_cast<int32_t>(rep_len);
    d.is_compressed = codec_.codec() != Codec::kUncompressed;
    h.data_page_header_v2 = d;
  }
  h.compressed_page_size = static_cast<int32_t>(compressed_.size());
  header_.clear();
  encode_page_header(h, &header_);
  chunk_.append(header_);
  chunk_.append(compressed_);
  chunk_uncompressed_ += header_.size() + static_cast<size_t>(h.uncompressed_page_size);
  bool counted = false;
  for (auto& [e, c] : page_encodings_) {
    if (e == encoding) {
      ++c;
      counted = true;
    }
  }
  if (!counted) page_encodings_.emplace_back(encoding, 1);

  page_def_.clear();
  page_rep_.clear();
  page_indices_.clear();
  page_plain_.clear();
  page_bools_.clear();
  page_rows_ = 0;
  page_nulls_ = 0;
  page_entries_ = 0;
  page_plain_bytes_ = 0;
}

void LeafWriter::write_dictionary_page(std::string* out, size_t* uncompressed_total) {
  body_.clear();
  const size_t n = dict_->size();
  for (size_t i = 0; i < n; ++i) dict_->append_plain(i, &body_);
  compressed_.clear();
  codec_.compress(reinterpret_cast<const uint8_t*>(body_.data()), body_.size(), &compressed_);
  PageHeader h;
  h.type = PageType::kDictionaryPage;
  h.uncompressed_page_size = static_cast<int32_t>(body_.size());
  h.compressed_page_size = static_cast<int32_t>(compressed_.size());
  DictionaryPageHeader d;
  d.num_values = static_cast<int32_t>(n);
  d.encoding = Encoding::kPlain;
  h.dictionary_page_header = d;
  header_.clear();
  encode_page_header(h, &header_);
  out->append(header_);
  out->append(compressed_);
  *uncompressed_total += header_.size() + body_.size();
}

Statistics LeafWriter::chunk_statistics() const {
  const StatsAccumulator& s = chunk_stats_;
  Statistics st;
  st.null_count = s.null_count;
  const bool floating = leaf_.physical == PhysicalType::kFloat || leaf_.physical == PhysicalType::kDouble;
  if (floating) st.nan_count = s.nan_count;
  if (!s.has || leaf_.type.id() == TypeId::kNull) return st;
  bool min_exact = true, max_exact = true;
  switch (leaf_.physical) {
    case PhysicalType::kBoolean:
      st.min_value = std::string(1, static_cast<char>(s.imin != 0));
      st.max_value = std::string(1, static_cast<char>(s.imax != 0));
      break;
    case PhysicalType::kInt32:
      st.min_value = le_bytes(static_cast<int32_t>(s.imin));
      st.max_value = le_bytes(static_cast<int32_t>(s.imax));
      break;
    case PhysicalType::kInt64:
      st.min_value = le_bytes(static_cast<int64_t>(s.imin));
      st.max_value = le_bytes(static_cast<int64_t>(s.imax));
      break;
    case PhysicalType::kFloat:
      // A zero min is written as -0.0 and a zero max as +0.0 (parquet.thrift ColumnOrder).
      st.min_value = le_bytes(s.fmin == 0 ? -0.0f : static_cast<float>(s.fmin));
      st.max_value = le_bytes(s.fmax == 0 ? 0.0f : static_cast<float>(s.fmax));
      break;
    case PhysicalType::kDouble:
      st.min_value = le_bytes(s.fmin == 0 ? -0.0 : s.fmin);
      st.max_value = le_bytes(s.fmax == 0 ? 0.0 : s.fmax);
      break;
    case PhysicalType::kFixedLenByteArray: {
      std::string lo(static_cast<size_t>(leaf_.type_length), '\0'), hi = lo;
      int128_to_be_bytes(s.imin, leaf_.type_length, reinterpret_cast<uint8_t*>(lo.data()));
      int128_to_be_bytes(s.imax, leaf_.type_length, reinterpret_cast<uint8_t*>(hi.data()));
      st.min_value = std::move(lo);
      st.max_value = std::move(hi);
      break;
    }
    case PhysicalType::kByteArray: {
      const bool utf8 = leaf_.type.id() == TypeId::kString;
      const size_t limit = options_.statistics_truncate_bytes;
      st.min_value = truncate_min_stat(s.smin, limit, utf8);
      min_exact = st.min_value->size() == s.smin.size();
      std::optional<std::string> mx = truncate_max_stat(s.smax, limit, utf8);
      if (mx) {
        max_exact = mx->size() == s.smax.size();
        st.max_value = std::move(*mx);
      }
      break;
    }
    case PhysicalType::kInt96:
      break;
  }
  if (st.min_value) st.is_min_value_exact = min_exact;
  if (st.max_value) st.is_max_value_exact = max_exact;
  return st;
}

void LeafWriter::finish_chunk(uint64_t file_offset, std::string* out, ColumnMetaData* meta) {
  flush_page();
  const size_t start = out->size();
  size_t uncompressed = chunk_uncompressed_;
  if (dict_used_) write_dictionary_page(out, &uncompressed);
  const size_t dict_bytes = out->size() - start;
  out->append(chunk_);

  ColumnMetaData m;
  m.type = leaf_.physical;
  bool plain = dict_used_, rle = leaf_.max_def > 0 || leaf_.max_rep > 0;
  std::vector<Encoding> encs;
  for (const auto& [e, c] : page_encodings_) {
    if (e == Encoding::kPlain) plain = true;
  }
  if (plain) encs.push_back(Encoding::kPlain);
  if (rle) encs.push_back(Encoding::kRle);
  for (const auto& [e, c] : page_encodings_) {
    if (e != Encoding::kPlain) encs.push_back(e);
  }
  m.encodings = std::move(encs);
  m.path_in_schema = leaf_.path;
  m.codec = codec_.codec();
  m.num_values = chunk_values_;
  m.total_uncompressed_size = static_cast<int64_t>(uncompressed);
  m.total_compressed_size = static_cast<int64_t>(out->size() - start);
  m.data_page_offset = static_cast<int64_t>(file_offset + dict_bytes);
  if (dict_used_) {
    m.dictionary_page_offset = static_cast<int64_t>(file_offset);
    m.encoding_stats.push_back({PageType::kDictionaryPage, Encoding::kPlain, 1});
  }
  const PageType data_type = options_.data_page_version == 2 ? PageType::kDataPageV2 : PageType::kDataPage;
  for (const auto& [e, c] : page_encodings_) m.encoding_stats.push_back({data_type, e, c});
  m.statistics = chunk_statistics();
  *meta = std::move(m);

  const bool floating = leaf_.physical == PhysicalType::kFloat || leaf_.physical == PhysicalType::kDouble;
  file_stats_.merge(chunk_stats_, floating, leaf_.type.is_string_like());
  any_chunk_ = true;
  reset_chunk();
}

ColumnStats LeafWriter::file_stats() const {
  const StatsAccumulator& s = file_stats_;
  ColumnStats cs;
  cs.num_values = s.num_values;
  cs.null_count = s.null_count;
  const DataType& t = leaf_.type;
  const bool floating = t.is_floating();
  if (floating && s.nan_count > 0) {
    const Value nan = t.id() == TypeId::kFloat ? Value::float32(std::nanf("")) : Value::float64(std::nan(""));
    cs.max = nan;
    if (!s.has) cs.min = nan;
  }
  if (!s.has) return cs;
  switch (t.id()) {
    case TypeId::kBoolean:
      cs.min = Value::boolean(s.imin != 0);
      cs.max = Value::boolean(s.imax != 0);
      break;
    case TypeId::kInt8:
      cs.min = Value::int8(static_cast<int8_t>(s.imin));
      cs.max = Value::int8(static_cast<int8_t>(s.imax));
      break;
    case TypeId::kInt16:
      cs.min = Value::int16(static_cast<int16_t>(s.imin));
      cs.max = Value::int16(static_cast<int16_t>(s.imax));
      break;
    case TypeId::kInt32:
      cs.min = Value::int32(static_cast<int32_t>(s.imin));
      cs.max = Value::int32(static_cast<int32_t>(s.imax));
      break;
    case TypeId::kInt64:
      cs.min = Value::int64(static_cast<int64_t>(s.imin));
      cs.max = Value::int64(static_cast<int64_t>(s.imax));
      break;
    case TypeId::kDate:
      cs.min = Value::date(static_cast<int32_t>(s.imin));
      cs.max = Value::date(static_cast<int32_t>(s.imax));
      break;
    case TypeId::kTimestamp:
      cs.min = Value::timestamp(static_cast<int64_t>(s.imin));
      cs.max = Value::timestamp(static_cast<int64_t>(s.imax));
      break;
    case TypeId::kTimestampNtz:
      cs.min = Value::timestamp_ntz(static_cast<int64_t>(s.imin));
      cs.max = Value::timestamp_ntz(static_cast<int64_t>(s.imax));
      break;
    case TypeId::kDecimal:
      cs.min = Value::decimal(s.imin, t.precision(), t.scale());
      cs.max = Value::decimal(s.imax, t.precision(), t.scale());
      break;
    case TypeId::kFloat:
      cs.min = Value::float32(s.fmin == 0 ? -0.0f : static_cast<float>(s.fmin));
      if (s.nan_count == 0) cs.max = Value::float32(s.fmax == 0 ? 0.0f : static_cast<float>(s.fmax));
      break;
    case TypeId::kDouble:
      cs.min = Value::float64(s.fmin == 0 ? -0.0 : s.fmin);
      if (s.nan_count == 0) cs.max = Value::float64(s.fmax == 0 ? 0.0 : s.fmax);
      break;
    case TypeId::kString:
      cs.min = Value::string(s.smin);
      cs.max = Value::string(s.smax);
      break;
    case TypeId::kBinary:
      cs.min = Value::binary(s.smin);
      cs.max = Value::binary(s.smax);
      break;
    default:
      break;
  }
  return cs;
}

}  // namespace bullion::parquet
