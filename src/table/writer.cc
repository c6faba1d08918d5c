#include "bullion/table/writer.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>

#include "bullion/core/error.h"
#include "bullion/core/fs.h"
#include "bullion/core/time.h"
#include "bullion/core/uuid.h"
#include "bullion/delta/partition_values.h"

namespace bullion::table {

namespace {

using nlohmann::ordered_json;

constexpr size_t kStatsColumns = 32;
constexpr size_t kStringStatsChars = 32;

// Byte length of the first `chars` UTF-8 characters of `s`.
size_t utf8_prefix_bytes(std::string_view s, size_t chars) {
  size_t count = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
      if (count == chars) return i;
      ++count;
    }
  }
  return s.size();
}

std::optional<ordered_json> stat_json(const Value& v, bool is_max) {
  if (v.is_null()) return std::nullopt;
  switch (v.type().id()) {
    case TypeId::kBoolean:
      return std::nullopt;  // Delta does not keep boolean min/max
    case TypeId::kInt8:
    case TypeId::kInt16:
    case TypeId::kInt32:
    case TypeId::kInt64:
      return ordered_json(v.as_int());
    case TypeId::kFloat:
    case TypeId::kDouble: {
      const double d = v.as_double();
      if (!std::isfinite(d)) return std::nullopt;
      return ordered_json(d);
    }
    case TypeId::kDecimal:
      return ordered_json::parse(v.to_display());
    case TypeId::kDate:
      return ordered_json(format_date(static_cast<int32_t>(v.as_int())));
    case TypeId::kTimestamp:
    case TypeId::kTimestampNtz: {
      // Milliseconds, floor, as Spark writes them (readers widen the max by 999 µs).
      int64_t micros = v.as_int();
      int64_t ms = micros / 1000;
      if (micros % 1000 < 0) --ms;
      std::string s = format_timestamp(ms * 1000);
      if (s.find('.') == std::string::npos) s.insert(s.size() - 1, ".000");
      if (v.type().id() == TypeId::kTimestampNtz) s.pop_back();
      return ordered_json(s);
    }
    case TypeId::kString: {
      const std::string& s = v.as_string();
      const size_t prefix = utf8_prefix_bytes(s, kStringStatsChars);
      if (prefix == s.size()) return ordered_json(s);
      if (is_max) return std::nullopt;  // a truncated max would not bound the column
      return ordered_json(s.substr(0, prefix));
    }
    default:
      return std::nullopt;
  }
}

}  // namespace

std::string stats_json(const parquet::WrittenFile& file, const Schema& data_schema) {
  ordered_json min = ordered_json::object(), max = ordered_json::object(), nulls = ordered_json::object();
  size_t n = 0;
  for (const Field& f : data_schema.fields()) {
    if (n++ >= kStatsColumns) break;
    if (f.type.is_nested()) continue;
    const ColumnStats* s = file.stats_of(f.name);
    if (!s) continue;
    if (s->null_count) nulls[f.name] = *s->null_count;
    if (s->min)
      if (auto j = stat_json(*s->min, false)) min[f.name] = *j;
    if (s->max)
      if (auto j = stat_json(*s->max, true)) max[f.name] = *j;
  }
  return ordered_json{{"numRecords", file.num_rows}, {"minValues", min}, {"maxValues", max}, {"nullCount", nulls}}
      .dump();
}

namespace {

// Whether every row of a primitive column holds the same value (or NULL throughout).
bool is_constant(const Column& c) {
  const size_t n = c.size();
  if (n == 0) return true;
  const bool first_null = c.is_null(0);
  for (size_t r = 1; r < n; ++r)
    if (c.is_null(r) != first_null) return false;
  if (first_null) return true;
  if (c.type().is_string_like()) {
    const std::string_view* s = c.strings();
    for (size_t r = 1; r < n; ++r)
      if (s[r] != s[0]) return false;
    return true;
  }
  const size_t w = c.type().value_width();
  const uint8_t* d = c.data<uint8_t>();
  for (size_t r = 1; r < n; ++r)
    if (std::memcmp(d + r * w, d, w) != 0) return false;
  return true;
}

}  // namespace

struct DataFileWriter::OpenFile {
  std::string relative_dir;  // "" or "col=value/..."
  delta::PartitionValues partition_values;
  std::unique_ptr<parquet::ParquetWriter> writer;
  std::string relative_path;
  uint64_t bytes = 0;
};

DataFileWriter::DataFileWriter(std::string table_path, SchemaPtr table_schema,
                               std::vector<std::string> partition_columns, DataWriteOptions options)
    : table_path_(std::move(table_path)),
      table_schema_(std::move(table_schema)),
      partition_columns_(std::move(partition_columns)),
      options_(std::move(options)) {
  for (const std::string& p : partition_columns_) {
    const auto idx = table_schema_->index_of(p);
    if (!idx) throw Error::invalid_input("partition column '" + p + "' is not in the table schema");
    if (table_schema_->field(*idx).type.is_nested())
      throw Error::invalid_input("partition column '" + p + "' has a nested type, which cannot be a partition column");
    partition_indexes_.push_back(*idx);
  }
  std::vector<Field> data_fields;
  for (size_t i = 0; i < table_schema_->size(); ++i) {
    if (std::find(partition_indexes_.begin(), partition_indexes_.end(), i) != partition_indexes_.end()) continue;
    data_indexes_.push_back(i);
    Field f = table_schema_->field(i);
    f.metadata.clear();
    data_fields.push_back(std::move(f));
  }
  data_schema_ = std::make_shared<Schema>(std::move(data_fields));
  options_.parquet.sync_on_close = true;
}

DataFileWriter::~DataFileWriter() = default;

DataFileWriter::OpenFile& DataFileWriter::file_for(const std::vector<Value>& values, const std::string& key) {
  auto& slot = open_[key];
  if (!slot) {
    slot = std::make_unique<OpenFile>();
    for (size_t i = 0; i < partition_columns_.size(); ++i) {
      const auto text = delta::format_partition_value(values[i]);
      slot->partition_values[partition_columns_[i]] = text;
      slot->relative_dir +=
          (slot->relative_dir.empty() ? "" : "/") + delta::hive_partition_dir(partition_columns_[i], text);
    }
  }
  if (!slot->writer) {
    const std::string dir = slot->relative_dir.empty() ? table_path_ : table_path_ + "/" + slot->relative_dir;
    FileSystem::local().create_dirs(dir);
    if (std::find(dirs_to_sync_.begin(), dirs_to_sync_.end(), dir) == dirs_to_sync_.end()) dirs_to_sync_.push_back(dir);
    const std::string name = "part-" + make_uuid() + ".c000.zstd.parquet";
    slot->relative_path = slot->relative_dir.empty() ? name : slot->relative_dir + "/" + name;
    slot->writer = parquet::ParquetWriter::open(FileSystem::local(), table_path_ + "/" + slot->relative_path,
                                                data_schema_, options_.parquet);
    slot->bytes = 0;
  }
  return *slot;
}

void DataFileWriter::roll(OpenFile& file) {
  const parquet::WrittenFile written = file.writer->close();
  file.writer.reset();
  delta::AddFile add;
  add.path = delta::percent_encode_path(file.relative_path);
  add.partition_values = file.partition_values;
  add.size = static_cast<int64_t>(written.file_size);
  add.modification_time = FileSystem::local().stat(table_path_ + "/" + file.relative_path).mtime_micros / 1000;
  add.data_change = options_.data_change;
  add.stats = stats_json(written, *data_schema_);
  add.tags = options_.tags;
  done_.push_back(std::move(add));
}

void DataFileWriter::write(const Batch& batch) {
  if (batch.num_rows() == 0) return;
  if (batch.num_columns() != table_schema_->size())
    throw Error::invalid_input("a batch with " + std::to_string(batch.num_columns()) +
                               " columns cannot be written to table '" + table_path_ + "' with " +
                               std::to_string(table_schema_->size()) + " columns");
  for (size_t i = 0; i < table_schema_->size(); ++i)
    if (!(batch.column(i)->type() == table_schema_->field(i).type))
      throw Error::invalid_input("column '" + table_schema_->field(i).name + "' is " +
                                 batch.column(i)->type().to_string() + " in the data but " +
                                 table_schema_->field(i).type.to_string() + " in table '" + table_path_ + "'");
  // Rows per partition (one group without Value conversions when every
  // partition column is constant in the batch, as in a replaceWhere of one date).
  std::map<std::string, std::pair<std::vector<Value>, std::vector<uint32_t>>> groups;
  const bool constant = std::all_of(partition_indexes_.begin(), partition_indexes_.end(),
                                    [&](size_t idx) { return is_constant(*batch.column(idx)); });
  if (partition_indexes_.empty() || constant) {
    std::vector<Value> values;
    std::string key;
    for (size_t idx : partition_indexes_) {
      values.push_back(batch.column(idx)->value(0));
      key += values.back().to_string();
      key.push_back('\x01');
    }
    auto& g = groups[key];
    g.first = std::move(values);
    g.second.resize(batch.num_rows());
    for (uint32_t r = 0; r < batch.num_rows(); ++r) g.second[r] = r;
  } else {
    for (uint32_t r = 0; r < batch.num_rows(); ++r) {
      std::vector<Value> values;
      std::string key;
      for (size_t idx : partition_indexes_) {
        values.push_back(batch.column(idx)->value(r));
        key += values.back().to_string();
        key.push_back('\x01');
      }
      auto& g = groups[key];
      if (g.second.empty()) g.first = std::move(values);
      g.second.push_back(r);
    }
  }
  const Batch data = batch.project(data_indexes_);
  for (auto& [key, group] : groups) {
    OpenFile& file = file_for(group.first, key);
    const auto& rows = group.second;
    Batch part = rows.size() == batch.num_rows() ? data : data.take(rows.data(), rows.size());
    file.writer->write(Batch(data_schema_, part.columns(), part.num_rows()));
    file.bytes += part.memory_bytes();
    rows_ += part.num_rows();
    if (file.bytes >= options_.target_file_bytes) roll(file);
  }
}

std::vector<delta::AddFile> DataFileWriter::finish() {
  for (auto& [key, file] : open_)
    if (file->writer) roll(*file);
  open_.clear();
  // Make the new directory entries durable before anything commits them.
  for (const std::string& dir : dirs_to_sync_) FileSystem::local().sync_dir(dir);
  dirs_to_sync_.clear();
  return std::move(done_);
}

}  // namespace bullion::table
