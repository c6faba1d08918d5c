#include "bullion/formats/json/schema_inference.h"

#include <algorithm>
#include <cstring>
#include <mutex>

#include "bullion/formats/json/line_reader.h"
#include "json_parse.h"

namespace bullion::json {

using detail::JsonKind;
namespace od = simdjson::ondemand;

DataType widen_type(const DataType& a, const DataType& b) {
  if (a.id() == TypeId::kNull) return b;
  if (b.id() == TypeId::kNull) return a;
  if (a == b) return a;
  const bool a_num = a.id() == TypeId::kInt64 || a.id() == TypeId::kDouble;
  const bool b_num = b.id() == TypeId::kInt64 || b.id() == TypeId::kDouble;
  if (a_num && b_num) return DataType::float64();
  return DataType::string();
}

void SchemaAccumulator::observe(std::string_view name, const DataType& type) {
  auto it = index_.find(std::string(name));
  if (it == index_.end()) {
    index_.emplace(std::string(name), fields_.size());
    fields_.emplace_back(std::string(name), type);
    return;
  }
  Field& f = fields_[it->second];
  f.type = widen_type(f.type, type);
}

void SchemaAccumulator::merge(const SchemaAccumulator& other) {
  for (const Field& f : other.fields_) observe(f.name, f.type);
}

Schema SchemaAccumulator::finish() const {
  std::vector<Field> fields = fields_;
  for (Field& f : fields) {
    if (f.type.id() == TypeId::kNull) f.type = DataType::string();
    f.nullable = true;
  }
  return Schema(std::move(fields));
}

namespace {

// An in-memory file, for inferring over text.
class StringFile final : public RandomAccessFile {
 public:
  explicit StringFile(std::string_view data) : data_(data) {}
  const std::string& path() const override { return path_; }
  uint64_t size() const override { return data_.size(); }
  void read_at(uint64_t offset, size_t n, char* out) const override {
    BULLION_ASSERT(offset + n <= data_.size(), "read past the end of an in-memory file");
    std::memcpy(out, data_.data() + offset, n);
  }

 private:
  std::string_view data_;
  std::string path_ = "<text>";
};

struct FileInference {
  SchemaAccumulator schema;
  int64_t lines = 0;
  int64_t objects = 0;
  int64_t rejected = 0;
  int64_t blank = 0;
  std::optional<Error> error;
};

class LineTyper {
 public:
  explicit LineTyper(const std::vector<std::string>& ignored) : ignored_(ignored) {}

  // Adds the fields of one line to `schema`; false if the line is not a valid JSON object.
  bool add(std::string_view line, SchemaAccumulator& schema) {
    const bool ok = add_line(line, schema);
    if (line.size() > (size_t{1} << 20)) parser_ = od::parser{};  // release a huge line's buffers
    return ok;
  }

 private:
  bool add_line(std::string_view line, SchemaAccumulator& schema) {
    fields_.clear();
    od::document doc;
    if (parser_.iterate(simdjson::padded_string_view(line.data(), line.size(), line.size() + kLinePadding)).get(doc))
      return false;
    od::object object;
    if (doc.get_object().get(object)) return false;
    for (auto field_result : object) {
      od::field field;
      if (std::move(field_result).get(field)) return false;
      std::string_view key;
      if (field.unescaped_key().get(key)) return false;
      detail::ValueText value;
      if (detail::read_value(field.value(), value, scratch_)) return false;
      fields_.emplace_back(key, value.kind);
    }
    if (doc.current_location().error() != simdjson::OUT_OF_BOUNDS) return false;
    for (const auto& [name, kind] : fields_) {
      if (std::find(ignored_.begin(), ignored_.end(), name) != ignored_.end()) continue;
      schema.observe(name, detail::inferred_type(kind));
    }
    return true;
  }

  const std::vector<std::string>& ignored_;
  od::parser parser_;
  std::string scratch_;
  std::vector<std::pair<std::string_view, JsonKind>> fields_;
};

void infer_stream(CompressedReader& reader, const InferOptions& options, LineTyper& typer, FileInference& out) {
  LineReader::Options line_options;
  line_options.max_line_bytes = options.max_line_bytes;
  LineReader lines(reader, line_options);
  Line line;
  try {
    while (lines.next(line)) {
      if (options.sample_lines > 0 && out.lines >= options.sample_lines) break;
      if (options.sample_bytes > 0 && line.offset >= options.sample_bytes) break;
      ++out.lines;
      if (!line.truncated && !line.incomplete && LineReader::is_blank(line.text)) {
        ++out.blank;
        continue;
      }
      if (!line.truncated && !line.incomplete && typer.add(line.text, out.schema))
        ++out.objects;
      else
        ++out.rejected;
    }
  } catch (const Error& e) {
    out.error = e;
  }
}

InferResult combine(std::vector<FileInference>& parts, const std::vector<SourceFile>* files) {
  InferResult result;
  SchemaAccumulator schema;
  for (size_t i = 0; i < parts.size(); ++i) {
    schema.merge(parts[i].schema);
    result.lines += parts[i].lines;
    result.objects += parts[i].objects;
    result.rejected += parts[i].rejected;
    result.blank += parts[i].blank;
    if (parts[i].error)
      result.file_errors.emplace_back(files != nullptr ? (*files)[i].path : std::string("<text>"), *parts[i].error);
  }
  result.schema = schema.finish();
  return result;
}

}  // namespace

InferResult infer_schema(const std::vector<SourceFile>& files, const InferOptions& options) {
  FileSystem& fs = options.fs != nullptr ? *options.fs : FileSystem::local();
  ThreadPool& pool = options.pool != nullptr ? *options.pool : ThreadPool::global();
  std::vector<FileInference> parts(files.size());
  std::vector<std::unique_ptr<LineTyper>> typers(pool.num_threads());
  pool.parallel_for(files.size(), [&](size_t f, size_t worker) {
    if (!typers[worker]) typers[worker] = std::make_unique<LineTyper>(options.ignored_fields);
    try {
      auto reader = CompressedReader::open(fs, files[f].path);
      infer_stream(*reader, options, *typers[worker], parts[f]);
    } catch (const Error& e) {
      parts[f].error = e;
    }
  });
  return combine(parts, &files);
}

InferResult infer_schema_from_text(std::string_view ndjson, const InferOptions& options) {
  InferOptions all = options;
  all.sample_lines = 0;
  all.sample_bytes = 0;
  std::vector<FileInference> parts(1);
  CompressedReader reader(std::make_unique<StringFile>(ndjson), Compression::kNone, CompressedReader::Options{});
  LineTyper typer(all.ignored_fields);
  infer_stream(reader, all, typer, parts[0]);
  return combine(parts, nullptr);
}

SchemaEvolution evolve_schema(const Schema& table, const Schema& incoming) {
  SchemaEvolution out;
  std::vector<Field> fields = table.fields();
  for (const Field& f : incoming.fields()) {
    if (auto i = table.index_of(f.name)) {
      const DataType& existing = table.field(*i).type;
      if (!(existing == f.type)) out.conflicts.push_back({f.name, existing, f.type});
      continue;
    }
    Field added = f;
    added.nullable = true;
    fields.push_back(std::move(added));
    out.added.push_back(f.name);
  }
  out.schema = Schema(std::move(fields));
  return out;
}

}  // namespace bullion::json
