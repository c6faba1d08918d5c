#include "bullion/formats/json/ndjson_scanner.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <functional>
#include <limits>
#include <mutex>
#include <unordered_map>

#include "batch_memory_pool.h"
#include "bullion/core/time.h"
#include "bullion/formats/json/line_reader.h"
#include "bullion/formats/json/schema_inference.h"
#include "json_parse.h"

namespace bullion::json {

using detail::JsonKind;
using detail::ValueText;
namespace od = simdjson::ondemand;

namespace {

// How a target column is filled; one switch per value in the hot loop.
enum class Target : uint8_t {
  kBoolean,
  kInt8,
  kInt16,
  kInt32,
  kInt64,
  kFloat,
  kDouble,
  kDecimal,
  kString,
  kDate,
  kTimestamp,
  kTimestampNtz,
};

Target target_for(const Field& field) {
  switch (field.type.id()) {
    case TypeId::kBoolean:
      return Target::kBoolean;
    case TypeId::kInt8:
      return Target::kInt8;
    case TypeId::kInt16:
      return Target::kInt16;
    case TypeId::kInt32:
      return Target::kInt32;
    case TypeId::kInt64:
      return Target::kInt64;
    case TypeId::kFloat:
      return Target::kFloat;
    case TypeId::kDouble:
      return Target::kDouble;
    case TypeId::kDecimal:
      return Target::kDecimal;
    case TypeId::kString:
      return Target::kString;
    case TypeId::kDate:
      return Target::kDate;
    case TypeId::kTimestamp:
      return Target::kTimestamp;
    case TypeId::kTimestampNtz:
      return Target::kTimestampNtz;
    default:
      throw Error::unsupported(
          "the NDJSON reader cannot fill column '" + field.name + "' of type " + field.type.to_string(),
          "declare it STRING to keep the field's JSON text");
  }
}

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

// TIMESTAMP_NTZ takes wall-clock text only: a zone would silently shift it.
bool has_zone_designator(std::string_view text) {
  // After "yyyy-MM-ddTHH:mm:ss": a 'Z' or an offset sign means a zone.
  if (text.size() <= 19) return false;
  for (size_t i = 19; i < text.size(); ++i)
    if (text[i] == 'Z' || text[i] == 'z' || text[i] == '+' || text[i] == '-') return true;
  return false;
}

}  // namespace

struct NdjsonScanner::Plan {
  Schema target;
  ScanOptions options;
  SchemaPtr output;
  std::vector<Target> targets;
  std::unordered_map<std::string, size_t, StringHash, std::equal_to<>> index;
  int rescued_column = -1;
  size_t first_constant_column = 0;
  int source_file_column = -1;
  int source_line_column = -1;
  // Shared by every scan() of this scanner, so memory stays warm across calls.
  std::shared_ptr<detail::BatchMemoryPool> memory;
};

namespace {

using Plan = NdjsonScanner::Plan;

// Extra fields of one piece, in first-appearance order.
class ExtraFieldLog {
 public:
  void add(std::string_view name, JsonKind kind) {
    auto it = index_.find(name);
    if (it == index_.end()) {
      it = index_.emplace(std::string(name), fields_.size()).first;
      fields_.push_back(ExtraField{std::string(name), DataType::null(), 0});
    }
    ExtraField& f = fields_[it->second];
    f.type = widen_type(f.type, detail::inferred_type(kind));
    ++f.occurrences;
  }
  // Appends `other` (a later piece of the same file).
  void merge(const std::vector<ExtraField>& other) {
    for (const ExtraField& f : other) {
      auto it = index_.find(f.name);
      if (it == index_.end()) {
        index_.emplace(f.name, fields_.size());
        fields_.push_back(f);
      } else {
        fields_[it->second].type = widen_type(fields_[it->second].type, f.type);
        fields_[it->second].occurrences += f.occurrences;
      }
    }
  }
  std::vector<ExtraField> finish() const {
    std::vector<ExtraField> out = fields_;
    for (ExtraField& f : out)
      if (f.type.id() == TypeId::kNull) f.type = DataType::string();
    return out;
  }
  const std::vector<ExtraField>& fields() const { return fields_; }

 private:
  std::vector<ExtraField> fields_;
  std::unordered_map<std::string, size_t, StringHash, std::equal_to<>> index_;
};

// Builds one batch at a time: columns pre-sized to batch_rows, values written
// in place by row index, so a line that turns out malformed halfway is undone
// by not counting its row.
class BatchBuilder {
 public:
  BatchBuilder(const Plan& plan, detail::BatchMemoryPool& pool) : plan_(plan), pool_(pool) {
    const size_t n = plan.target.size();
    slots_.resize(n);
    for (size_t c = 0; c < n; ++c) slots_[c].target = plan.targets[c];
  }

  void start_file(std::string_view relative_path) {
    file_path_json_.clear();
    detail::append_json_string(file_path_json_, relative_path);
    relative_path_ = relative_path;
  }

  bool active() const { return !columns_.empty(); }
  size_t rows() const { return rows_; }
  bool full() const { return rows_ >= plan_.options.batch_rows || string_bytes_ >= plan_.options.batch_bytes; }

  void start_batch() {
    const size_t capacity = plan_.options.batch_rows;
    const auto& out = *plan_.output;
    columns_.resize(out.size());
    for (size_t c = 0; c < out.size(); ++c) {
      columns_[c] = pool_.column(out.field(c).type);
      columns_[c]->resize(capacity);
    }
    for (size_t c = 0; c < slots_.size(); ++c) {
      slots_[c].validity = columns_[c]->mutable_validity();
      slots_[c].values = columns_[c]->mutable_data<uint8_t>();
    }
    if (plan_.rescued_column >= 0) rescued_validity_ = columns_[plan_.rescued_column]->mutable_validity();
    rows_ = 0;
    string_bytes_ = 0;
    blocks_.clear();
    block_in_batch_ = false;
    // Strings the same for every row are stored once.
    source_file_view_ = copy_string(relative_path_);
    constant_views_.clear();
    for (const auto& [field, value] : plan_.options.constant_columns)
      constant_views_.push_back(!value.is_null() && field.type.is_string_like() ? copy_string(value.as_string())
                                                                                : std::string_view());
  }

  // --- one row ---------------------------------------------------------------
  void begin_row() {
    ++serial_;
    rescued_.clear();
  }
  template <class T>
  void set(size_t c, T value) {
    Slot& s = slots_[c];
    reinterpret_cast<T*>(s.values)[rows_] = value;
    s.validity[rows_] = 1;
    s.stamp = serial_;
  }
  void set_string(size_t c, std::string_view value) { set<std::string_view>(c, copy_string(value)); }
  void set_null(size_t c) {
    Slot& s = slots_[c];
    s.validity[rows_] = 0;
    s.stamp = serial_;
  }
  void rescue(size_t c, std::string_view key, std::string_view json_text) {
    if (c != kNoColumn) set_null(c);
    ++rescued_fields_;
    if (plan_.rescued_column < 0) return;
    rescued_ += rescued_.empty() ? '{' : ',';
    detail::append_json_string(rescued_, key);
    rescued_ += ':';
    rescued_ += json_text;
  }
  // Finishes the row: unset columns become NULL; returns whether it was rescued.
  bool commit_row(int64_t line_number) {
    for (Slot& s : slots_)
      if (s.stamp != serial_) s.validity[rows_] = 0;
    bool rescued = false;
    if (plan_.rescued_column >= 0) {
      auto& col = *columns_[plan_.rescued_column];
      if (rescued_.empty()) {
        rescued_validity_[rows_] = 0;
      } else {
        rescued_ += ",\"_file_path\":";
        rescued_ += file_path_json_;
        rescued_ += '}';
        col.mutable_strings()[rows_] = copy_string(rescued_);
        rescued_validity_[rows_] = 1;
        rescued = true;
      }
    }
    if (plan_.source_line_column >= 0) columns_[plan_.source_line_column]->mutable_data<int64_t>()[rows_] = line_number;
    ++rows_;
    return rescued;
  }

  // Hands out the batch built so far and forgets it.
  Batch finish_batch() {
    const size_t rows = rows_;
    const auto& out = *plan_.output;
    // Constant and provenance columns: filled once per batch.
    for (size_t i = 0; i < plan_.options.constant_columns.size(); ++i) {
      const auto& [field, value] = plan_.options.constant_columns[i];
      Column& col = *columns_[plan_.first_constant_column + i];
      if (value.is_null()) {
        uint8_t* v = col.mutable_validity();
        std::memset(v, 0, rows);
      } else {
        fill_constant(col, value, constant_views_[i], rows);
      }
    }
    if (plan_.source_file_column >= 0) {
      std::string_view* s = columns_[plan_.source_file_column]->mutable_strings();
      for (size_t r = 0; r < rows; ++r) s[r] = source_file_view_;
    }
    std::vector<ColumnPtr> columns(out.size());
    last_batch_bytes_ = string_bytes_;
    for (size_t c = 0; c < out.size(); ++c) {
      Column& col = *columns_[c];
      last_batch_bytes_ += col.memory_bytes();
      col.resize(rows);
      col.compact_validity();
      if (col.type().is_string_like())
        for (const auto& b : blocks_) col.keep_alive(b);
      columns[c] = std::move(columns_[c]);
    }
    columns_.clear();
    blocks_.clear();
    block_in_batch_ = false;
    rows_ = 0;
    return Batch(plan_.output, std::move(columns), rows);
  }

  size_t string_bytes() const { return string_bytes_; }
  // Memory held by the batch finish_batch() returned last (columns and string blocks).
  size_t last_batch_bytes() const { return last_batch_bytes_; }
  int64_t rescued_fields() const { return rescued_fields_; }
  static constexpr size_t kNoColumn = std::numeric_limits<size_t>::max();

 private:
  struct Slot {
    Target target = Target::kString;
    uint8_t* validity = nullptr;
    uint8_t* values = nullptr;
    uint64_t stamp = 0;
  };

  // String bytes go to the current block, which later batches keep filling:
  // a batch pins only the blocks it uses, and small batches share blocks.
  std::string_view copy_string(std::string_view s) {
    if (s.empty()) return {};
    if (block_ == nullptr || block_->used + s.size() > block_->buffer.capacity()) {
      current_block_ = pool_.block(s.size());
      block_ = current_block_.get();
      blocks_.push_back(current_block_);
    } else if (!block_in_batch_) {
      blocks_.push_back(current_block_);
    }
    block_in_batch_ = true;
    char* p = reinterpret_cast<char*>(block_->buffer.data()) + block_->used;
    std::memcpy(p, s.data(), s.size());
    block_->used += s.size();
    string_bytes_ += s.size();
    return {p, s.size()};
  }

  static void fill_constant(Column& col, const Value& value, std::string_view view, size_t rows) {
    switch (col.type().id()) {
      case TypeId::kBoolean:
        std::fill_n(col.mutable_data<uint8_t>(), rows, value.as_bool() ? 1 : 0);
        break;
      case TypeId::kInt8:
        std::fill_n(col.mutable_data<int8_t>(), rows, static_cast<int8_t>(value.as_int()));
        break;
      case TypeId::kInt16:
        std::fill_n(col.mutable_data<int16_t>(), rows, static_cast<int16_t>(value.as_int()));
        break;
      case TypeId::kInt32:
      case TypeId::kDate:
        std::fill_n(col.mutable_data<int32_t>(), rows, static_cast<int32_t>(value.as_int()));
        break;
      case TypeId::kInt64:
      case TypeId::kTimestamp:
      case TypeId::kTimestampNtz:
        std::fill_n(col.mutable_data<int64_t>(), rows, value.as_int());
        break;
      case TypeId::kFloat:
        std::fill_n(col.mutable_data<float>(), rows, static_cast<float>(value.as_double()));
        break;
      case TypeId::kDouble:
        std::fill_n(col.mutable_data<double>(), rows, value.as_double());
        break;
      case TypeId::kDecimal:
        std::fill_n(col.mutable_data<int128>(), rows, value.as_int128());
        break;
      case TypeId::kString:
      case TypeId::kBinary:
        std::fill_n(col.mutable_strings(), rows, view);
        break;
      default:
        BULLION_ASSERT(false, "constant column of a nested type");
    }
  }

  const Plan& plan_;
  detail::BatchMemoryPool& pool_;
  std::vector<Slot> slots_;
  std::vector<ColumnPtr> columns_;
  uint8_t* rescued_validity_ = nullptr;
  std::vector<std::shared_ptr<detail::StringBlock>> blocks_;  // used by the batch being built
  std::shared_ptr<detail::StringBlock> current_block_;        // being filled; may outlive a batch
  detail::StringBlock* block_ = nullptr;
  bool block_in_batch_ = false;
  size_t rows_ = 0;
  size_t string_bytes_ = 0;
  size_t last_batch_bytes_ = 0;
  uint64_t serial_ = 0;
  std::string rescued_;
  int64_t rescued_fields_ = 0;
  std::string file_path_json_;
  std::string relative_path_;
  std::string_view source_file_view_;
  std::vector<std::string_view> constant_views_;
};

// Per-worker parsing state, reused across pieces: the simdjson parser (its
// buffers sized by the longest line so far) and scratch strings.
class LineConverter {
 public:
  explicit LineConverter(const Plan& plan) : plan_(plan), predicted_(64, BatchBuilder::kNoColumn) {}

  // Converts one line into the builder's current row. On failure returns
  // false and error() says why; the row is then not committed.
  bool convert(std::string_view line, BatchBuilder& builder, ExtraFieldLog& extras) {
    const bool ok = convert_line(line, builder, extras);
    // The parser keeps buffers sized for the longest line it saw; after a
    // rare huge line, give that memory back.
    if (line.size() > kHugeLine) parser_ = od::parser{};
    return ok;
  }

  const std::string& error() const { return error_; }

 private:
  static constexpr size_t kHugeLine = size_t{1} << 20;

  bool convert_line(std::string_view line, BatchBuilder& builder, ExtraFieldLog& extras) {
    builder.begin_row();
    pending_extras_.clear();
    od::document doc;
    simdjson::error_code e =
        parser_.iterate(simdjson::padded_string_view(line.data(), line.size(), line.size() + kLinePadding)).get(doc);
    if (e) return fail(e, line, nullptr);
    od::object object;
    e = doc.get_object().get(object);
    if (e == simdjson::INCORRECT_TYPE) {
      error_ = "the line is not a JSON object";
      return false;
    }
    if (e) return fail(e, line, &doc);
    size_t position = 0;
    for (auto field_result : object) {
      od::field field;
      if ((e = std::move(field_result).get(field))) return fail(e, line, &doc);
      std::string_view key;
      if ((e = field.unescaped_key().get(key))) return fail(e, line, &doc);
      const size_t column = lookup(key, position++);
      ValueText value;
      if ((e = detail::read_value(field.value(), value, scratch_))) return fail(e, line, &doc);
      if (column == BatchBuilder::kNoColumn) {
        builder.rescue(BatchBuilder::kNoColumn, key, value.text);
        pending_extras_.emplace_back(key, value.kind);
      } else {
        store(builder, column, key, value);
      }
    }
    auto location = doc.current_location();
    if (location.error() != simdjson::OUT_OF_BOUNDS) {
      error_ = "unexpected content after the JSON object";
      if (location.error() == simdjson::SUCCESS)
        error_ += " (near column " + std::to_string(location.value_unsafe() - line.data() + 1) + ")";
      return false;
    }
    for (const auto& [name, kind] : pending_extras_) extras.add(name, kind);
    return true;
  }

  bool fail(simdjson::error_code e, std::string_view line, od::document* doc) {
    const char* location = nullptr;
    if (doc != nullptr) {
      auto l = doc->current_location();
      if (l.error() == simdjson::SUCCESS) location = l.value_unsafe();
    }
    error_ = detail::describe_error(e, line, location);
    return false;
  }

  // Fields usually come in the same order on every line: try the column seen
  // at this position last time before hashing.
  size_t lookup(std::string_view key, size_t position) {
    if (position < predicted_.size()) {
      const size_t guess = predicted_[position];
      if (guess != BatchBuilder::kNoColumn && plan_.target.field(guess).name == key) return guess;
    }
    auto it = plan_.index.find(key);
    const size_t column = it == plan_.index.end() ? BatchBuilder::kNoColumn : it->second;
    if (position < predicted_.size()) predicted_[position] = column;
    return column;
  }

  static bool is_number(JsonKind k) {
    return k == JsonKind::kInteger || k == JsonKind::kBigInteger || k == JsonKind::kDouble;
  }

  template <class T>
  static bool int_fits(const ValueText& v) {
    return v.kind == JsonKind::kInteger && v.int_value >= std::numeric_limits<T>::min() &&
           v.int_value <= std::numeric_limits<T>::max();
  }

  void store(BatchBuilder& b, size_t c, std::string_view key, const ValueText& v) {
    if (v.kind == JsonKind::kNull) {
      b.set_null(c);
      return;
    }
    switch (plan_.targets[c]) {
      case Target::kString:
        if (v.kind == JsonKind::kString)
          b.set_string(c, v.string_value);
        else
          b.set_string(c, v.text);
        return;
      case Target::kInt64:
        if (v.kind == JsonKind::kInteger) return b.set<int64_t>(c, v.int_value);
        break;
      case Target::kDouble:
        if (is_number(v.kind)) return b.set<double>(c, v.double_value);
        break;
      case Target::kBoolean:
        if (v.kind == JsonKind::kBoolean) return b.set<uint8_t>(c, v.bool_value ? 1 : 0);
        break;
      case Target::kInt32:
        if (int_fits<int32_t>(v)) return b.set<int32_t>(c, static_cast<int32_t>(v.int_value));
        break;
      case Target::kInt16:
        if (int_fits<int16_t>(v)) return b.set<int16_t>(c, static_cast<int16_t>(v.int_value));
        break;
      case Target::kInt8:
        if (int_fits<int8_t>(v)) return b.set<int8_t>(c, static_cast<int8_t>(v.int_value));
        break;
      case Target::kFloat:
        if (is_number(v.kind)) return b.set<float>(c, static_cast<float>(v.double_value));
        break;
      case Target::kDecimal: {
        const DataType& t = plan_.target.field(c).type;
        int128 unscaled;
        if (is_number(v.kind) && detail::parse_decimal_text(v.text, t.precision(), t.scale(), unscaled))
          return b.set<int128>(c, unscaled);
        break;
      }
      case Target::kDate:
        if (v.kind == JsonKind::kString) {
          if (auto d = parse_date(v.string_value)) return b.set<int32_t>(c, *d);
        }
        break;
      case Target::kTimestamp:
        if (v.kind == JsonKind::kString) {
          if (auto t = parse_timestamp(v.string_value)) return b.set<int64_t>(c, *t);
        }
        break;
      case Target::kTimestampNtz:
        if (v.kind == JsonKind::kString && !has_zone_designator(v.string_value)) {
          if (auto t = parse_timestamp(v.string_value)) return b.set<int64_t>(c, *t);
        }
        break;
    }
    b.rescue(c, key, v.text);
  }

  const Plan& plan_;
  od::parser parser_;
  std::string scratch_;
  std::string error_;
  std::vector<size_t> predicted_;
  std::vector<std::pair<std::string_view, JsonKind>> pending_extras_;
};

}  // namespace

// ---------------------------------------------------------------------------
// One scan() call: pieces (whole files or chunks of large plain files), the
// workers' state, line-number bases of chunks, and ordered delivery.
// ---------------------------------------------------------------------------
namespace {

struct Piece {
  size_t file = 0;
  size_t chunk = 0;
  size_t num_chunks = 1;
  uint64_t begin = 0;  // nominal byte range of a chunk: it owns the lines starting in [begin, end)
  uint64_t end = 0;
};

struct PieceResult {
  Compression compression = Compression::kNone;
  int64_t lines = 0;
  int64_t rows = 0;
  int64_t rejected = 0;
  int64_t blank = 0;
  int64_t rescued_rows = 0;
  std::vector<ExtraField> extra_fields;
  std::optional<Error> error;
};

// Turns the lines of one stretch of a file into rows and rejected lines,
// handing each finished output (a batch and the rejected lines beside it) to
// `emit` with its size in bytes.
class LineSink {
 public:
  using Emit = std::function<void(ScanOutput&& output, size_t bytes)>;

  LineSink(const Plan& plan, detail::BatchMemoryPool& pool, LineConverter& converter, size_t file_index,
           std::string_view relative_path, Emit emit)
      : plan_(plan), builder_(plan, pool), converter_(converter), file_index_(file_index), emit_(std::move(emit)) {
    builder_.start_file(relative_path);
  }

  void add(const Line& line) {
    ++lines;
    if (!line.truncated && !line.incomplete && LineReader::is_blank(line.text)) {
      ++blank;
      return;
    }
    if (!builder_.active()) builder_.start_batch();
    std::string error;
    if (line.truncated) {
      error = "the line is longer than max_line_bytes (" + std::to_string(plan_.options.max_line_bytes) +
              " bytes); its first " + std::to_string(line.text.size()) + " bytes are kept here";
    } else if (line.incomplete) {
      error = "incomplete line: the file is damaged right after it (see the file's error)";
    } else if (converter_.convert(line.text, builder_, extras)) {
      ++rows;
      if (builder_.commit_row(line.number)) ++rescued_rows;
      if (builder_.full()) flush();
      return;
    } else {
      error = converter_.error();
    }
    ++rejected;
    RejectedLine r;
    r.file_index = file_index_;
    r.line_number = line.number;
    r.raw.assign(line.text);
    r.error = std::move(error);
    rejected_bytes_ += r.raw.size() + r.error.size();
    rejected_.push_back(std::move(r));
    if (rejected_bytes_ >= plan_.options.batch_bytes) flush();
  }

  // Emits what is pending, if anything.
  void flush() {
    if (builder_.rows() == 0 && rejected_.empty()) return;
    ScanOutput out;
    out.file_index = file_index_;
    size_t bytes = rejected_bytes_;
    if (builder_.active()) {
      out.batch = builder_.finish_batch();
      bytes += builder_.last_batch_bytes();
    } else {
      out.batch = Batch::empty(plan_.output);
    }
    out.rejected = std::move(rejected_);
    rejected_.clear();
    rejected_bytes_ = 0;
    emit_(std::move(out), bytes);
  }

  int64_t lines = 0;
  int64_t rows = 0;
  int64_t rejected = 0;
  int64_t blank = 0;
  int64_t rescued_rows = 0;
  ExtraFieldLog extras;

 private:
  const Plan& plan_;
  BatchBuilder builder_;
  LineConverter& converter_;
  size_t file_index_;
  Emit emit_;
  std::vector<RejectedLine> rejected_;
  size_t rejected_bytes_ = 0;
};

// Thrown in workers that wait when the scan is being stopped by another failure.
struct ScanStopped {};

class ScanRun {
 public:
  ScanRun(const Plan& plan, const std::vector<SourceFile>& files, const NdjsonScanner::Consumer& consumer)
      : plan_(plan),
        files_(files),
        consumer_(consumer),
        fs_(plan.options.fs != nullptr ? *plan.options.fs : FileSystem::local()),
        pool_(plan.options.pool != nullptr ? *plan.options.pool : ThreadPool::global()),
        budget_(plan.options.budget != nullptr ? *plan.options.budget : MemoryBudget::global()),
        memory_(plan.memory) {}

  std::vector<FileScanResult> run() {
    plan_pieces();
    results_.resize(pieces_.size());
    owned_lines_.assign(pieces_.size(), -1);
    pending_.resize(pieces_.size());
    finished_.assign(pieces_.size(), false);
    workers_.resize(pool_.num_threads());
    try {
      pool_.parallel_for(pieces_.size(), [&](size_t task, size_t worker) { run_piece(task, worker); });
    } catch (...) {
      std::lock_guard lock(error_mutex_);
      if (first_error_) std::rethrow_exception(first_error_);
      throw;
    }
    if (first_error_) std::rethrow_exception(first_error_);
    return collect();
  }

 private:
  struct Worker {
    explicit Worker(const Plan& plan) : converter(plan) {}
    LineConverter converter;
    std::unique_ptr<char[]> count_buffer;
  };

  struct Pending {
    ScanOutput output;
    size_t bytes = 0;
  };

  void plan_pieces() {
    const uint64_t chunk = plan_.options.chunk_bytes;
    for (size_t f = 0; f < files_.size(); ++f) {
      uint64_t size = files_[f].size;
      size_t chunks = 1;
      if (chunk > 0 && size > chunk && compression_from_extension(files_[f].path) == Compression::kNone) {
        // Splitting needs random access to plain text: check the content too.
        try {
          auto file = fs_.open_read(files_[f].path);
          size = file->size();
          char head[4] = {};
          const size_t n = static_cast<size_t>(std::min<uint64_t>(size, 4));
          file->read_at(0, n, head);
          if (compression_from_magic(std::string_view(head, n)) == Compression::kNone)
            chunks = static_cast<size_t>((size + chunk - 1) / chunk);
        } catch (const Error&) {
          chunks = 1;  // the piece reports the failure when it opens the file
        }
      }
      for (size_t c = 0; c < chunks; ++c) {
        Piece p;
        p.file = f;
        p.chunk = c;
        p.num_chunks = chunks;
        p.begin = c * chunk;
        p.end = chunks == 1 ? UINT64_MAX : std::min<uint64_t>(size, (c + 1) * chunk);
        if (chunks == 1) p.begin = 0;
        pieces_.push_back(p);
      }
    }
  }

  Worker& worker(size_t w) {
    if (!workers_[w]) workers_[w] = std::make_unique<Worker>(plan_);
    return *workers_[w];
  }

  void stop_with(std::exception_ptr error) {
    {
      std::lock_guard lock(error_mutex_);
      if (!first_error_) first_error_ = error;
    }
    stopped_ = true;
    {
      std::lock_guard lock(base_mutex_);
      base_cv_.notify_all();
    }
    std::lock_guard lock(seq_mutex_);
    seq_cv_.notify_all();
  }

  // Reads through the file's errors: a failure ends this piece's reading and
  // is recorded; it is not an exception of the scan.
  static bool next_line(LineReader& reader, Line& line, PieceResult& result, int64_t lines_before, bool chunked) {
    try {
      return reader.next(line);
    } catch (const Error& e) {
      std::string where;
      if (lines_before == 0)
        where = "; no line was read";
      else if (chunked)
        where = "; the chunk's first " + std::to_string(lines_before) + " lines were read";
      else
        where = "; every line through line " + std::to_string(lines_before) + " was read";
      result.error = Error(e.category(), e.message() + where, e.hint());
      return false;
    }
  }

  void run_piece(size_t index, size_t w) {
    if (stopped_) throw ScanStopped{};
    try {
      process_piece(index, w);
    } catch (const ScanStopped&) {
      throw;
    } catch (...) {
      stop_with(std::current_exception());
      throw;
    }
  }

  void process_piece(size_t index, size_t w) {
    const Piece& piece = pieces_[index];
    const SourceFile& file = files_[piece.file];
    PieceResult& result = results_[index];
    Worker& wk = worker(w);
    const bool chunked = piece.num_chunks > 1;
    const bool last_chunk = piece.chunk + 1 == piece.num_chunks;
    ExtraFieldLog extras;

    std::unique_ptr<CompressedReader> reader;
    CompressedReader::Options reader_options{plan_.options.read_block_bytes};
    // Later chunks of this file wait for its line count (non-ordered delivery).
    const bool precount = chunked && !last_chunk && plan_.options.delivery != Delivery::kOrdered;
    bool published = false;
    try {
      if (!chunked) {
        reader = CompressedReader::open(fs_, file.path, reader_options);
      } else {
        const uint64_t start = piece.begin == 0 ? 0 : piece.begin - 1;
        reader =
            std::make_unique<CompressedReader>(fs_.open_read(file.path), Compression::kNone, reader_options, start);
        if (precount) {
          publish_owned_lines(index, count_owned_lines(piece, reader->path(), wk));
          published = true;
        }
      }
    } catch (const Error& e) {
      result.error = e;
      reader.reset();
    }
    // A chunk that cannot be read owns no lines; the file's error says so.
    if (precount && !published) publish_owned_lines(index, 0);
    int64_t owned = 0;
    if (reader) {
      result.compression = reader->compression();
      LineReader::Options line_options;
      line_options.block_bytes = plan_.options.read_block_bytes;
      line_options.max_line_bytes = plan_.options.max_line_bytes;
      line_options.first_offset = chunked && piece.begin > 0 ? piece.begin - 1 : 0;
      line_options.skip_first_line = chunked && piece.begin > 0;
      LineReader lines(*reader, line_options);
      if (result.compression != Compression::kNone && pool_.num_threads() > 1) {
        owned = parse_in_parallel(index, w, lines, result, extras);
      } else {
        LineSink sink(plan_, *memory_, wk.converter, piece.file, file.relative_path,
                      [&](ScanOutput&& out, size_t bytes) { deliver(index, w, std::move(out), bytes); });
        Line line;
        while (next_line(lines, line, result, owned, chunked)) {
          if (chunked && line.offset >= piece.end) break;
          ++owned;
          sink.add(line);
        }
        sink.flush();
        add_counts(result, sink);
        extras.merge(sink.extras.fields());
      }
    }
    result.extra_fields = extras.finish();
    if (chunked && (plan_.options.delivery == Delivery::kOrdered || last_chunk)) publish_owned_lines(index, owned);
    if (plan_.options.delivery == Delivery::kOrdered) finish_ordered(index);
  }

  static void add_counts(PieceResult& result, const LineSink& sink) {
    result.lines += sink.lines;
    result.rows += sink.rows;
    result.rejected += sink.rejected;
    result.blank += sink.blank;
    result.rescued_rows += sink.rescued_rows;
  }

  // A compressed stream is decompressed by one thread, but its lines can be
  // parsed by several: the stream is read in blocks of complete lines, and
  // while the lines of one block are parsed in parts by whichever threads of
  // the pool are idle (a nested parallel_for; with none idle, the caller does
  // all of it), one more task reads the next block. Outputs are delivered in
  // line order after each block. Returns the number of lines read.
  int64_t parse_in_parallel(size_t index, size_t w, LineReader& lines, PieceResult& result, ExtraFieldLog& extras) {
    const Piece& piece = pieces_[index];
    const SourceFile& file = files_[piece.file];
    const size_t parts = pool_.num_threads();
    const size_t block_target = 8 * plan_.options.read_block_bytes;

    struct LineRef {
      size_t offset;
      size_t length;
      int64_t number;
      bool truncated;
      bool incomplete;
    };
    struct Block {
      std::string text;  // the lines, each followed by LF, then padding for simdjson
      std::vector<LineRef> lines;
    };
    struct Part {
      explicit Part(const Plan& plan) : converter(plan) {}
      LineConverter converter;
      std::vector<std::pair<ScanOutput, size_t>> outputs;
    };

    int64_t owned = 0;
    bool more = true;
    auto fill = [&](Block& block) {
      block.text.clear();
      block.lines.clear();
      Line line;
      while (block.text.size() < block_target && (more = next_line(lines, line, result, owned, false))) {
        ++owned;
        block.lines.push_back(
            LineRef{block.text.size(), line.text.size(), line.number, line.truncated, line.incomplete});
        block.text.append(line.text);
        block.text.push_back('\n');
      }
      block.text.append(kLinePadding, ' ');
    };

    std::vector<std::unique_ptr<Part>> state(parts);
    for (auto& p : state) p = std::make_unique<Part>(plan_);
    Block current, next;
    fill(current);
    while (!current.lines.empty()) {
      const bool read_ahead = more;
      const size_t n = current.lines.size();
      std::vector<std::unique_ptr<LineSink>> sinks(parts);
      // Task 0 reads the next block (the longest task, so it starts first);
      // tasks 1..parts parse the parts of this one.
      const size_t first_part = read_ahead ? 1 : 0;
      pool_.parallel_for(parts + first_part, [&](size_t task, size_t) {
        if (task < first_part) {
          fill(next);
          return;
        }
        task -= first_part;
        Part& part = *state[task];
        sinks[task] = std::make_unique<LineSink>(
            plan_, *memory_, part.converter, piece.file, file.relative_path,
            [&part](ScanOutput&& out, size_t bytes) { part.outputs.emplace_back(std::move(out), bytes); });
        LineSink& sink = *sinks[task];
        for (size_t i = task * n / parts; i < (task + 1) * n / parts; ++i) {
          const LineRef& ref = current.lines[i];
          Line line;
          line.text = std::string_view(current.text.data() + ref.offset, ref.length);
          line.number = ref.number;
          line.truncated = ref.truncated;
          line.incomplete = ref.incomplete;
          sink.add(line);
        }
        sink.flush();
      });
      for (size_t p = 0; p < parts; ++p) {
        add_counts(result, *sinks[p]);
        extras.merge(sinks[p]->extras.fields());
        for (auto& [out, bytes] : state[p]->outputs) deliver(index, w, std::move(out), bytes);
        state[p]->outputs.clear();
      }
      if (!read_ahead) break;
      std::swap(current, next);
    }
    return owned;
  }

  // Lines owned by a chunk (those starting in [begin, end)), counted from the
  // raw bytes so that later chunks know their first line number early.
  int64_t count_owned_lines(const Piece& piece, const std::string& path, Worker& wk) {
    auto file = fs_.open_read(path);
    const size_t block = plan_.options.read_block_bytes;
    if (!wk.count_buffer) wk.count_buffer = std::make_unique_for_overwrite<char[]>(block);
    // Line starts in [b, e) = LFs in [b-1, e-1), plus the line starting at 0.
    uint64_t pos = piece.begin == 0 ? 0 : piece.begin - 1;
    const uint64_t end = piece.end - 1;
    int64_t count = piece.begin == 0 ? 1 : 0;
    while (pos < end) {
      const size_t n = static_cast<size_t>(std::min<uint64_t>(block, end - pos));
      file->read_at(pos, n, wk.count_buffer.get());
      count += std::count(wk.count_buffer.get(), wk.count_buffer.get() + n, '\n');
      pos += n;
    }
    return count;
  }

  void publish_owned_lines(size_t index, int64_t count) {
    std::lock_guard lock(base_mutex_);
    owned_lines_[index] = count;
    base_cv_.notify_all();
  }

  // The number to add to a piece's line numbers: the lines of the file's
  // earlier chunks. Waits until they are known.
  int64_t line_base(size_t index) {
    const Piece& piece = pieces_[index];
    if (piece.chunk == 0) return 0;
    std::unique_lock lock(base_mutex_);
    int64_t base = 0;
    for (size_t i = index - piece.chunk; i < index; ++i) {
      base_cv_.wait(lock, [&] { return owned_lines_[i] >= 0 || stopped_; });
      if (stopped_) throw ScanStopped{};
      base += owned_lines_[i];
    }
    return base;
  }

  void apply_line_base(size_t index, ScanOutput& out) {
    const int64_t base = line_base(index);
    if (base == 0) return;
    if (plan_.source_line_column >= 0 && out.batch.num_rows() > 0) {
      int64_t* lines = out.batch.column(static_cast<size_t>(plan_.source_line_column))->mutable_data<int64_t>();
      for (size_t r = 0; r < out.batch.num_rows(); ++r) lines[r] += base;
    }
    for (RejectedLine& r : out.rejected) r.line_number += base;
  }

  void deliver(size_t index, size_t w, ScanOutput out, size_t bytes) {
    switch (plan_.options.delivery) {
      case Delivery::kConcurrent:
        apply_line_base(index, out);
        consumer_(out, w);
        return;
      case Delivery::kAsProduced: {
        apply_line_base(index, out);
        std::lock_guard lock(consumer_mutex_);
        if (stopped_) throw ScanStopped{};
        consumer_(out, 0);
        return;
      }
      case Delivery::kOrdered: {
        std::unique_lock lock(seq_mutex_);
        // Wait while this output would overflow the buffer and someone else
        // delivers; the piece at the head delivers itself, so this ends.
        seq_cv_.wait(lock, [&] {
          return stopped_ || buffered_bytes_ + bytes <= plan_.options.max_buffered_bytes ||
                 (index == head_ && !draining_);
        });
        if (stopped_) throw ScanStopped{};
        budget_.reserve(bytes);
        buffered_bytes_ += bytes;
        pending_[index].push_back(Pending{std::move(out), bytes});
        drain(lock);
        return;
      }
    }
  }

  void finish_ordered(size_t index) {
    std::unique_lock lock(seq_mutex_);
    finished_[index] = true;
    drain(lock);
  }

  // Delivers from the head piece on, as far as outputs are ready. One thread
  // drains at a time, so the consumer is never called concurrently.
  void drain(std::unique_lock<std::mutex>& lock) {
    if (draining_) return;
    draining_ = true;
    while (head_ < pieces_.size() && !stopped_) {
      auto& queue = pending_[head_];
      if (!queue.empty()) {
        Pending item = std::move(queue.front());
        queue.pop_front();
        buffered_bytes_ -= item.bytes;
        budget_.release(item.bytes);
        const size_t index = head_;
        seq_cv_.notify_all();
        lock.unlock();
        try {
          apply_line_base(index, item.output);
          consumer_(item.output, 0);
        } catch (...) {
          lock.lock();
          draining_ = false;
          throw;
        }
        lock.lock();
        continue;
      }
      if (!finished_[head_]) break;
      ++head_;
      seq_cv_.notify_all();
    }
    draining_ = false;
    seq_cv_.notify_all();
    if (stopped_) throw ScanStopped{};
  }

  std::vector<FileScanResult> collect() {
    std::vector<FileScanResult> out(files_.size());
    for (size_t f = 0; f < files_.size(); ++f) out[f].file = files_[f];
    std::vector<ExtraFieldLog> extras(files_.size());
    int64_t base = 0;
    for (size_t i = 0; i < pieces_.size(); ++i) {
      const Piece& p = pieces_[i];
      PieceResult& r = results_[i];
      FileScanResult& f = out[p.file];
      if (p.chunk == 0) {
        base = 0;
        f.compression = r.compression;
      }
      f.lines += r.lines;
      f.rows += r.rows;
      f.rejected += r.rejected;
      f.blank += r.blank;
      f.rescued_rows += r.rescued_rows;
      extras[p.file].merge(r.extra_fields);
      if (r.error && !f.error) {
        std::string message = r.error->message();
        if (p.num_chunks > 1)
          message += " (in the chunk of the file starting at byte " + std::to_string(p.begin) + ", line " +
                     std::to_string(base + 1) + ")";
        f.error = Error(r.error->category(), std::move(message), r.error->hint());
      }
      base += std::max<int64_t>(owned_lines_[i], r.lines);
    }
    for (size_t f = 0; f < files_.size(); ++f) out[f].extra_fields = extras[f].finish();
    return out;
  }

  const Plan& plan_;
  const std::vector<SourceFile>& files_;
  const NdjsonScanner::Consumer& consumer_;
  FileSystem& fs_;
  ThreadPool& pool_;
  MemoryBudget& budget_;
  std::shared_ptr<detail::BatchMemoryPool> memory_;
  std::vector<Piece> pieces_;
  std::vector<PieceResult> results_;
  std::vector<std::unique_ptr<Worker>> workers_;

  std::atomic<bool> stopped_{false};
  std::mutex error_mutex_;
  std::exception_ptr first_error_;

  std::mutex base_mutex_;
  std::condition_variable base_cv_;
  std::vector<int64_t> owned_lines_;

  std::mutex consumer_mutex_;

  std::mutex seq_mutex_;
  std::condition_variable seq_cv_;
  std::vector<std::deque<Pending>> pending_;
  std::vector<bool> finished_;
  size_t head_ = 0;
  bool draining_ = false;
  size_t buffered_bytes_ = 0;
};

}  // namespace

NdjsonScanner::NdjsonScanner(Schema target, ScanOptions options) {
  auto plan = std::make_shared<Plan>();
  plan->target = std::move(target);
  plan->options = std::move(options);
  if (plan->options.batch_rows == 0) plan->options.batch_rows = 1;
  std::vector<Field> out;
  auto add = [&](Field f) {
    for (const Field& existing : out)
      if (existing.name == f.name)
        throw Error::invalid_input("output column '" + f.name + "' of the NDJSON scan is defined twice",
                                   "rename the data column, or the provenance/constant column it clashes with");
    out.push_back(std::move(f));
  };
  for (size_t c = 0; c < plan->target.size(); ++c) {
    const Field& f = plan->target.field(c);
    plan->targets.push_back(target_for(f));
    plan->index.emplace(f.name, c);
    Field copy = f;
    copy.nullable = true;  // a missing field is NULL
    add(std::move(copy));
  }
  if (!plan->options.rescued_data_column.empty()) {
    plan->rescued_column = static_cast<int>(out.size());
    add(Field(plan->options.rescued_data_column, DataType::string()));
  }
  plan->first_constant_column = out.size();
  for (const auto& [field, value] : plan->options.constant_columns) {
    if (!value.is_null() && !(value.type() == field.type))
      throw Error::invalid_input("constant column '" + field.name + "' is " + field.type.to_string() +
                                 " but its value is " + value.type().to_string());
    if (field.type.is_nested() || field.type.id() == TypeId::kNull)
      throw Error::unsupported("constant column '" + field.name + "' of type " + field.type.to_string());
    add(field);
  }
  if (!plan->options.source_file_column.empty()) {
    plan->source_file_column = static_cast<int>(out.size());
    add(Field(plan->options.source_file_column, DataType::string(), false));
  }
  if (!plan->options.source_line_column.empty()) {
    plan->source_line_column = static_cast<int>(out.size());
    add(Field(plan->options.source_line_column, DataType::int64(), false));
  }
  plan->output = std::make_shared<Schema>(std::move(out));
  const size_t threads = (plan->options.pool != nullptr ? *plan->options.pool : ThreadPool::global()).num_threads();
  plan->memory = detail::BatchMemoryPool::make(4 * threads + 8, 16 * plan->output->size() * (threads + 1));
  plan_ = std::move(plan);
}

NdjsonScanner::~NdjsonScanner() = default;

const Schema& NdjsonScanner::target_schema() const { return plan_->target; }
const SchemaPtr& NdjsonScanner::output_schema() const { return plan_->output; }
const ScanOptions& NdjsonScanner::options() const { return plan_->options; }

std::vector<FileScanResult> NdjsonScanner::scan(const std::vector<SourceFile>& files, const Consumer& consumer) const {
  ScanRun run(*plan_, files, consumer);
  return run.run();
}

ScanResult scan_all(const NdjsonScanner& scanner, const std::vector<SourceFile>& files) {
  ScanResult result;
  std::vector<Batch> batches;
  std::mutex mutex;
  result.files = scanner.scan(files, [&](ScanOutput& out, size_t) {
    std::lock_guard lock(mutex);
    if (out.batch.num_rows() > 0) batches.push_back(std::move(out.batch));
    for (RejectedLine& r : out.rejected) result.rejected.push_back(std::move(r));
  });
  result.batch = batches.empty() ? Batch::empty(scanner.output_schema()) : Batch::concat(batches);
  return result;
}

}  // namespace bullion::json
