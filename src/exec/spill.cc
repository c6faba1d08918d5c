#include "bullion/exec/spill.h"

#include <lz4.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>

#include "bullion/core/error.h"

namespace bullion::exec {

std::string spill_directory() {
  static const std::string dir = [] {
    const char* env = std::getenv("BULLION_SPILL_DIR");
    std::string base = env && *env ? env : (std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp");
    const std::string d = base + "/bullion-spill-" + std::to_string(::getpid());
    FileSystem::local().create_dirs(d);
    return d;
  }();
  return dir;
}

namespace {

// LZ4's speed/ratio knob: 4 compresses Silver's dedupe input ~5% faster than
// 1 for ~2% more bytes (measured on 10M events).
constexpr int kLz4Acceleration = 4;

std::atomic<uint64_t> g_spill_counter{0};
std::atomic<uint64_t> g_spilled_bytes{0};

void put_bytes(Buffer& b, const void* p, size_t n) { b.append(p, n); }
template <class T>
void put(Buffer& b, T v) {
  b.append(&v, sizeof v);
}

// How a serialized column starts.
constexpr uint8_t kPlain = 0;
constexpr uint8_t kWithValidity = 1;  // n validity bytes follow
constexpr uint8_t kConstant = 2;      // no NULLs, one value for all n rows

// Whether the selected rows of a flat column hold one non-NULL value.
bool is_constant(const Column& c, size_t n, const uint32_t* rows) {
  auto row = [rows](size_t i) { return rows ? rows[i] : i; };
  if (const uint8_t* validity = c.validity())
    for (size_t i = 0; i < n; ++i)
      if (!validity[row(i)]) return false;
  if (c.type().is_string_like()) {
    const std::string_view* s = c.strings();
    const std::string_view first = s[row(0)];
    for (size_t i = 1; i < n; ++i) {
      const std::string_view v = s[row(i)];
      if (v.size() != first.size() || (v.data() != first.data() && v != first)) return false;
    }
    return true;
  }
  const size_t w = c.type().value_width();
  const uint8_t* data = c.data<uint8_t>();
  const uint8_t* first = data + row(0) * w;
  for (size_t i = 1; i < n; ++i)
    if (std::memcmp(data + row(i) * w, first, w) != 0) return false;
  return true;
}

// Serializes rows [0, n) of `c`, or rows[0..n) when `rows` is given.
void serialize_column(const Column& c, size_t n, Buffer& out, const uint32_t* rows = nullptr) {
  const DataType& t = c.type();
  if (rows && t.is_nested()) {
    serialize_column(*c.take(rows, n), n, out);
    return;
  }
  auto row = [rows](size_t i) { return rows ? rows[i] : i; };
  const uint8_t* validity = c.validity();
  if (n > 1 && !t.is_nested() && t.id() != TypeId::kNull && is_constant(c, n, rows)) {
    // One value for every row (a file name, a load time, a source tag): written once.
    put<uint8_t>(out, kConstant);
    if (t.is_string_like()) {
      const std::string_view v = c.strings()[row(0)];
      put<uint32_t>(out, static_cast<uint32_t>(v.size()));
      put_bytes(out, v.data(), v.size());
    } else {
      put_bytes(out, c.data<uint8_t>() + row(0) * t.value_width(), t.value_width());
    }
    return;
  }
  put<uint8_t>(out, validity ? kWithValidity : kPlain);
  if (validity) {
    if (rows) {
      const size_t at = out.size();
      out.resize(at + n);
      for (size_t i = 0; i < n; ++i) out.data()[at + i] = validity[rows[i]];
    } else {
      put_bytes(out, validity, n);
    }
  }
  switch (t.id()) {
    case TypeId::kNull:
      break;
    case TypeId::kString:
    case TypeId::kBinary: {
      const std::string_view* s = c.strings();
      size_t at = out.size();
      out.resize(at + n * 4);
      uint64_t total = 0;
      for (size_t i = 0; i < n; ++i) {
        const auto len = static_cast<uint32_t>(s[row(i)].size());
        std::memcpy(out.data() + at + i * 4, &len, 4);
        total += len;
      }
      at = out.size();
      out.resize(at + total);
      for (size_t i = 0; i < n; ++i) {
        const std::string_view v = s[row(i)];
        copy_bytes(reinterpret_cast<char*>(out.data()) + at, v.data(), v.size());
        at += v.size();
      }
      break;
    }
    case TypeId::kStruct:
      for (size_t i = 0; i < c.num_children(); ++i) serialize_column(c.child(i), n, out);
      break;
    case TypeId::kList:
    case TypeId::kMap: {
      const int64_t* o = c.offsets();
      const int64_t base = o[0];
      for (size_t i = 0; i <= n; ++i) put<int64_t>(out, o[i] - base);
      const size_t m = static_cast<size_t>(o[n] - base);
      for (size_t i = 0; i < c.num_children(); ++i) {
        ColumnPtr child = c.child(i).slice(static_cast<size_t>(base), m);
        serialize_column(*child, m, out);
      }
      break;
    }
    default: {
      const size_t w = t.value_width();
      if (!rows) {
        put_bytes(out, c.data<uint8_t>(), n * w);
        break;
      }
      const size_t at = out.size();
      out.resize(at + n * w);
      const uint8_t* from = c.data<uint8_t>();
      uint8_t* to = out.data() + at;
      switch (w) {  // fixed sizes get inlined copies
        case 4:
          for (size_t i = 0; i < n; ++i) std::memcpy(to + i * 4, from + size_t{rows[i]} * 4, 4);
          break;
        case 8:
          for (size_t i = 0; i < n; ++i) std::memcpy(to + i * 8, from + size_t{rows[i]} * 8, 8);
          break;
        default:
          for (size_t i = 0; i < n; ++i) std::memcpy(to + i * w, from + size_t{rows[i]} * w, w);
      }
    }
  }
}

class Cursor {
 public:
  Cursor(const uint8_t* p, size_t n) : p_(p), end_(p + n) {}
  const uint8_t* take(size_t n) {
    if (static_cast<size_t>(end_ - p_) < n) throw Error::corrupt("spill file is truncated");
    const uint8_t* r = p_;
    p_ += n;
    return r;
  }
  template <class T>
  T get() {
    T v;
    std::memcpy(&v, take(sizeof v), sizeof v);
    return v;
  }

 private:
  const uint8_t* p_;
  const uint8_t* end_;
};

void deserialize_column(Column& c, size_t n, Cursor& in) {
  const uint8_t kind = in.get<uint8_t>();
  const DataType& t = c.type();
  if (kind == kConstant) {
    c.resize(n);
    if (t.is_string_like()) {
      const uint32_t len = in.get<uint32_t>();
      const std::string_view v = c.arena().add(std::string_view(reinterpret_cast<const char*>(in.take(len)), len));
      std::string_view* s = c.mutable_strings();
      for (size_t i = 0; i < n; ++i) s[i] = v;
    } else {
      const size_t w = t.value_width();
      const uint8_t* value = in.take(w);
      uint8_t* data = c.mutable_data<uint8_t>();
      for (size_t i = 0; i < n; ++i) std::memcpy(data + i * w, value, w);
    }
    return;
  }
  if (kind > kConstant) throw Error::corrupt("spill file block is damaged (column kind " + std::to_string(kind) + ")");
  const uint8_t* validity = kind == kWithValidity ? in.take(n) : nullptr;
  switch (t.id()) {
    case TypeId::kNull:
      c.resize(n);
      break;
    case TypeId::kString:
    case TypeId::kBinary: {
      c.resize(n);
      const uint8_t* lens = in.take(n * 4);
      std::string_view* s = c.mutable_strings();
      uint64_t total = 0;
      for (size_t i = 0; i < n; ++i) {
        uint32_t len;
        std::memcpy(&len, lens + i * 4, 4);
        total += len;
      }
      char* bytes = total == 0 ? nullptr : c.arena().allocate(total);
      if (total != 0) std::memcpy(bytes, in.take(total), total);
      for (size_t i = 0; i < n; ++i) {
        uint32_t len;
        std::memcpy(&len, lens + i * 4, 4);
        s[i] = len == 0 ? std::string_view() : std::string_view(bytes, len);
        bytes += len;
      }
      break;
    }
    case TypeId::kStruct:
      for (size_t i = 0; i < c.num_children(); ++i) deserialize_column(c.child(i), n, in);
      c.resize(n);
      break;
    case TypeId::kList:
    case TypeId::kMap: {
      c.resize(n);
      std::memcpy(c.mutable_offsets(), in.take((n + 1) * 8), (n + 1) * 8);
      const size_t m = static_cast<size_t>(c.offsets()[n]);
      for (size_t i = 0; i < c.num_children(); ++i) deserialize_column(c.child(i), m, in);
      break;
    }
    default:
      c.resize(n);
      if (n != 0) std::memcpy(c.mutable_data<uint8_t>(), in.take(n * t.value_width()), n * t.value_width());
  }
  if (validity && n != 0) std::memcpy(c.mutable_validity(), validity, n);
}

}  // namespace

uint64_t total_spilled_bytes() { return g_spilled_bytes.load(std::memory_order_relaxed); }

SpillFile::SpillFile(SchemaPtr schema, Start start) : schema_(std::move(schema)) {
  path_ = spill_directory() + "/spill-" + std::to_string(g_spill_counter.fetch_add(1)) + ".bin";
  if (start == Start::kInMemory)
    in_memory_ = true;
  else
    out_ = FileSystem::local().open_write(path_);
}

SpillFile::~SpillFile() {
  if (in_memory_) return;
  out_.reset();
  ::unlink(path_.c_str());
}

void SpillFile::append(const Batch& batch) { append(batch, nullptr, batch.num_rows()); }

void SpillFile::append(const Batch& batch, const uint32_t* rows, size_t n) {
  BULLION_ASSERT(out_ != nullptr || (in_memory_ && !finished_), "append after finish_writing");
  raw_.clear();
  put<uint64_t>(raw_, n);
  for (const auto& c : batch.columns()) serialize_column(*c, n, raw_, rows);
  add_block();
  num_rows_ += n;
  ++num_batches_;
}

void SpillFile::add_block() {
  if (raw_.size() > static_cast<size_t>(LZ4_MAX_INPUT_SIZE))
    throw Error::unsupported("a spilled batch exceeds LZ4's block size; use smaller batches");
  compressed_.resize(16 + static_cast<size_t>(LZ4_compressBound(static_cast<int>(raw_.size()))));
  const int csize =
      LZ4_compress_fast(reinterpret_cast<const char*>(raw_.data()), reinterpret_cast<char*>(compressed_.data() + 16),
                        static_cast<int>(raw_.size()), static_cast<int>(compressed_.size() - 16), kLz4Acceleration);
  const uint64_t sizes[2] = {raw_.size(), static_cast<uint64_t>(csize)};
  std::memcpy(compressed_.data(), sizes, 16);
  compressed_.resize(16 + static_cast<size_t>(csize));
  bytes_written_ += compressed_.size();
  if (in_memory_) {
    Buffer& block = blocks_.emplace_back();
    block.reserve(compressed_.size());
    block.append(compressed_.data(), compressed_.size());
    memory_bytes_ += block.capacity();
    return;
  }
  out_->append(std::string_view(reinterpret_cast<const char*>(compressed_.data()), compressed_.size()));
  g_spilled_bytes.fetch_add(compressed_.size(), std::memory_order_relaxed);
}

void SpillFile::move_to_disk() {
  if (!in_memory_) return;
  out_ = FileSystem::local().open_write(path_);
  in_memory_ = false;
  for (const Buffer& block : blocks_) {
    out_->append(std::string_view(reinterpret_cast<const char*>(block.data()), block.size()));
    g_spilled_bytes.fetch_add(block.size(), std::memory_order_relaxed);
  }
  std::vector<Buffer>().swap(blocks_);
  memory_bytes_ = 0;
  if (finished_) finish_writing();
}

void SpillFile::finish_writing() {
  finished_ = true;
  if (!out_) return;
  out_->close();
  out_.reset();
}

SpillFile::Reader SpillFile::reader() const {
  BULLION_ASSERT(finished_, "reading a spill file before finish_writing");
  return Reader(*this);
}

SpillFile::Reader::Reader(const SpillFile& file)
    : file_(file), in_(file.in_memory_ ? nullptr : FileSystem::local().open_read(file.path_)) {}

bool SpillFile::Reader::next(Batch& out) {
  uint64_t sizes[2];
  const char* compressed;
  if (file_.in_memory_) {
    if (block_ >= file_.blocks_.size()) return false;
    const Buffer& block = file_.blocks_[block_++];
    std::memcpy(sizes, block.data(), 16);
    compressed = reinterpret_cast<const char*>(block.data() + 16);
  } else {
    if (offset_ >= file_.bytes_written_) return false;
    in_->read_at(offset_, 16, reinterpret_cast<char*>(sizes));
    compressed_.resize(sizes[1]);
    in_->read_at(offset_ + 16, sizes[1], reinterpret_cast<char*>(compressed_.data()));
    offset_ += 16 + sizes[1];
    compressed = reinterpret_cast<const char*>(compressed_.data());
  }
  raw_.resize(sizes[0]);
  const int got = LZ4_decompress_safe(compressed, reinterpret_cast<char*>(raw_.data()), static_cast<int>(sizes[1]),
                                      static_cast<int>(sizes[0]));
  if (got < 0 || static_cast<uint64_t>(got) != sizes[0]) throw Error::corrupt("spill file block is damaged");
  Cursor in(raw_.data(), raw_.size());
  const size_t n = in.get<uint64_t>();
  std::vector<ColumnPtr> columns;
  for (const Field& f : file_.schema_->fields()) {
    columns.push_back(Column::make(f.type));
    deserialize_column(*columns.back(), n, in);
  }
  out = Batch(file_.schema_, std::move(columns), n);
  return true;
}

}  // namespace bullion::exec
