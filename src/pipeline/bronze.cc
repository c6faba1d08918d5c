#include "bullion/pipeline/bronze.h"

#include <nlohmann/json.hpp>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <set>

#include "bullion/core/error.h"
#include "bullion/core/fs.h"
#include "bullion/core/log.h"
#include "bullion/delta/log.h"
#include "bullion/formats/json/ndjson_scanner.h"
#include "bullion/formats/json/schema_inference.h"
#include "bullion/table/table.h"
#include "bullion/table/writer.h"

namespace bullion::pipeline {

namespace {

using Json = nlohmann::json;

struct LedgerEntry {
  uint64_t size = 0;
  int64_t mtime = 0;
  std::string hash;
};
using Ledger = std::map<std::string, LedgerEntry>;

Ledger read_ledger(const delta::Snapshot& snapshot) {
  Ledger ledger;
  for (const delta::AddFile& f : snapshot.files()) {
    const auto it = f.tags.find(kLedgerTag);
    if (it == f.tags.end()) continue;
    const Json entries = Json::parse(it->second, nullptr, false);
    if (!entries.is_array())
      throw Error::corrupt("the ingest ledger in table '" + snapshot.table_path() + "' (file '" + f.path +
                           "') is not valid JSON");
    for (const Json& e : entries)
      ledger[e.value("path", "")] = {e.value("size", uint64_t{0}), e.value("mtime", int64_t{0}), e.value("hash", "")};
  }
  return ledger;
}

std::string ledger_json(const std::vector<std::pair<std::string, LedgerEntry>>& entries) {
  Json out = Json::array();
  for (const auto& [path, e] : entries)
    out.push_back({{"path", path}, {"size", e.size}, {"mtime", e.mtime}, {"hash", e.hash}});
  return out.dump();
}

std::string content_hash(const std::string& path) {
  auto file = FileSystem::local().open_read(path);
  XXH3_state_t* state = XXH3_createState();
  XXH3_128bits_reset(state);
  std::string buf(1 << 20, '\0');
  for (uint64_t off = 0; off < file->size(); off += buf.size()) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(buf.size(), file->size() - off));
    file->read_at(off, n, buf.data());
    XXH3_128bits_update(state, buf.data(), n);
  }
  const XXH128_hash_t h = XXH3_128bits_digest(state);
  XXH3_freeState(state);
  char hex[40];
  std::snprintf(hex, sizeof hex, "%016llx%016llx", static_cast<unsigned long long>(h.high64),
                static_cast<unsigned long long>(h.low64));
  return hex;
}

DataType type_from_name(const std::string& name, const BronzeSpec& spec) {
  std::string n;
  for (char c : name) n.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  if (n == "string") return DataType::string();
  if (n == "bigint" || n == "long") return DataType::int64();
  if (n == "int" || n == "integer") return DataType::int32();
  if (n == "double") return DataType::float64();
  if (n == "boolean" || n == "bool") return DataType::boolean();
  if (n == "timestamp") return DataType::timestamp();
  if (n == "date") return DataType::date();
  if (n.rfind("decimal(", 0) == 0 && n.back() == ')') {
    const size_t comma = n.find(',');
    try {
      return DataType::decimal(std::stoi(n.substr(8, comma - 8)),
                               comma == std::string::npos ? 0 : std::stoi(n.substr(comma + 1)));
    } catch (const Error&) {
      throw;
    } catch (...) {
    }
  }
  throw Error::invalid_input(
      spec.pos.to_string() + ": type '" + name + "' in the schema of bronze table " + spec.table + " is not supported",
      "use string, bigint, int, double, boolean, timestamp, date or decimal(p,s)");
}

// The provenance and metadata columns bullion adds, in output order.
std::vector<Field> added_fields(const BronzeSpec& spec) {
  std::vector<Field> out;
  out.emplace_back("_rescued_data", DataType::string());
  for (const auto& [name, value] : spec.metadata) out.emplace_back(name, DataType::string());
  out.emplace_back("_ingested_at", DataType::timestamp());
  out.emplace_back("_source_file", DataType::string());
  out.emplace_back("_source_line", DataType::int64());
  return out;
}

SchemaPtr quarantine_schema() {
  static const SchemaPtr schema = std::make_shared<Schema>(
      std::vector<Field>{Field("_source_file", DataType::string()), Field("_source_line", DataType::int64()),
                         Field("_raw", DataType::string()), Field("_error", DataType::string()),
                         Field("_ingested_at", DataType::timestamp())});
  return schema;
}

std::string bullion_metadata(const RunContext& ctx, const char* layer, int64_t files) {
  return Json{{"pipeline", ctx.spec->name},  {"layer", layer},        {"run_id", ctx.run_id},
              {"spec_hash", ctx.spec->hash}, {"source_files", files}, {"lineage", Json::object()}}
      .dump();
}

}  // namespace

LayerResult run_bronze(const RunContext& ctx, const BronzeSpec& spec) {
  const auto started = std::chrono::steady_clock::now();
  LayerResult result;
  result.layer = "bronze";
  result.table = spec.table;
  FileSystem& fs = FileSystem::local();
  const std::string path = table_path(ctx, spec.table);
  const std::string qpath = table_path(ctx, quarantine_name(spec.table));
  const std::string root = !spec.path.empty() && spec.path[0] == '/' ? spec.path : join_path(ctx.spec->dir, spec.path);
  if (!fs.exists(root))
    throw Error::not_found(
        spec.pos.to_string() + ": the source path '" + root + "' of bronze table " + spec.table + " does not exist",
        "create it, or fix source.path (relative paths start at the spec's directory)");

  // Ledgers of what each table already holds.
  std::optional<delta::Snapshot> bronze, quarantine;
  if (delta::DeltaTable::exists(path)) bronze = delta::DeltaTable::open(path).latest();
  if (delta::DeltaTable::exists(qpath)) quarantine = delta::DeltaTable::open(qpath).latest();
  const Ledger bronze_ledger = bronze ? read_ledger(*bronze) : Ledger{};
  const Ledger quarantine_ledger = quarantine ? read_ledger(*quarantine) : Ledger{};
  if (bronze) result.versions_read[spec.table] = bronze->version();

  // New, unchanged and changed files.
  const std::vector<json::SourceFile> found = json::find_ndjson_files(fs, root);
  std::vector<json::SourceFile> fresh;
  std::vector<LedgerEntry> fresh_entries;
  int64_t skipped = 0, changed = 0;
  for (const json::SourceFile& f : found) {
    const auto it = bronze_ledger.find(f.relative_path);
    if (it != bronze_ledger.end() && it->second.size == f.size && it->second.mtime == f.mtime_micros) {
      ++skipped;
      continue;
    }
    LedgerEntry entry{f.size, f.mtime_micros, content_hash(f.path)};
    if (it != bronze_ledger.end()) {
      if (it->second.hash == entry.hash) {
        ++skipped;  // touched, same content
        continue;
      }
      ++changed;
      result.warnings.push_back("source file '" + f.relative_path + "' changed since it was ingested (size " +
                                std::to_string(it->second.size) + " → " + std::to_string(f.size) +
                                "); it was not ingested again — add changed data as a new file");
      continue;
    }
    fresh.push_back(f);
    fresh_entries.push_back(std::move(entry));
  }
  result.files = {{"found", static_cast<int64_t>(found.size())},
                  {"new", static_cast<int64_t>(fresh.size())},
                  {"skipped", skipped},
                  {"changed", changed}};
  if (fresh.empty()) {
    result.status = "SKIPPED";
    result.message = "no new source files";
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return result;
  }

  // The data columns: explicit, or the table's evolved with what the new files hold.
  const std::vector<Field> added = added_fields(spec);
  auto is_added = [&](const std::string& name) {
    return std::any_of(added.begin(), added.end(), [&](const Field& f) { return f.name == name; });
  };
  Schema data_schema;
  if (spec.schema) {
    std::vector<Field> fields;
    for (const auto& [name, type] : *spec.schema) fields.emplace_back(name, type_from_name(type, spec));
    data_schema = Schema(std::move(fields));
  } else {
    const json::InferResult inferred = json::infer_schema(fresh, {});
    if (bronze) {
      std::vector<Field> existing;
      for (const Field& f : bronze->schema().fields())
        if (!is_added(f.name)) existing.push_back(f);
      const json::SchemaEvolution evolution = json::evolve_schema(Schema(existing), inferred.schema);
      for (const auto& c : evolution.conflicts)
        result.warnings.push_back(
            "field '" + c.name + "' holds " + c.incoming_type.to_string() + " values but column '" + c.name + "' is " +
            c.table_type.to_string() +
            (c.table_type.id() == TypeId::kString ? ": they are stored as text" : ": they go to _rescued_data"));
      data_schema = evolution.schema;
    } else {
      data_schema = inferred.schema;
    }
  }
  std::vector<Field> table_fields;
  if (bronze && !spec.schema) {
    table_fields = bronze->schema().fields();
    for (const Field& f : data_schema.fields())
      if (!bronze->schema().index_of(f.name)) table_fields.push_back(f);
    for (Field& f : table_fields) f.metadata.clear();
  } else {
    table_fields = data_schema.fields();
    for (const Field& f : added) table_fields.push_back(f);
  }
  const SchemaPtr table_schema = std::make_shared<Schema>(std::move(table_fields));

  // Scan in parallel; each worker writes its own data files.
  json::ScanOptions options;
  options.delivery = json::Delivery::kConcurrent;
  for (const auto& [name, value] : spec.metadata)
    options.constant_columns.emplace_back(Field(name, DataType::string()), Value::string(value));
  options.constant_columns.emplace_back(Field("_ingested_at", DataType::timestamp()),
                                        Value::timestamp(ctx.started_at_micros));
  const json::NdjsonScanner scanner(data_schema, options);
  const Schema& out_schema = *scanner.output_schema();
  std::vector<size_t> order;  // output column of each table column
  for (const Field& f : table_schema->fields()) {
    const auto idx = out_schema.index_of(f.name);
    order.push_back(idx ? *idx : SIZE_MAX);
  }
  const size_t workers = ThreadPool::global().num_threads();
  std::vector<std::unique_ptr<table::DataFileWriter>> writers;
  for (size_t w = 0; w < workers; ++w)
    writers.push_back(std::make_unique<table::DataFileWriter>(path, table_schema, std::vector<std::string>{}));
  std::mutex quarantine_mutex;
  table::DataFileWriter quarantine_writer(qpath, quarantine_schema(), {});
  int64_t quarantined = 0;
  auto quarantine_row = [&](const std::string& file, int64_t line, const std::string& raw, const std::string& error) {
    Batch q = Batch::empty(quarantine_schema());
    q.column(0)->append_string(file);
    q.column(1)->append<int64_t>(line);
    q.column(2)->append_string(raw);
    q.column(3)->append_string(error);
    q.column(4)->append<int64_t>(ctx.started_at_micros);
    q.sync_num_rows();
    if (!ctx.dry_run) quarantine_writer.write(q);
    ++quarantined;
  };
  const auto scans = scanner.scan(fresh, [&](json::ScanOutput& out, size_t worker) {
    const Batch& b = out.batch;
    if (b.num_rows() > 0 && !ctx.dry_run) {
      std::vector<ColumnPtr> columns;
      for (size_t c = 0; c < order.size(); ++c)
        columns.push_back(order[c] == SIZE_MAX
                              ? Column::constant(Value::null(table_schema->field(c).type), b.num_rows())
                              : b.column(order[c]));
      writers[worker]->write(Batch(table_schema, std::move(columns), b.num_rows()));
    }
    if (!out.rejected.empty()) {
      const std::string& file = fresh[out.file_index].relative_path;
      if (quarantine_ledger.contains(file)) return;  // quarantined by an earlier, interrupted run
      std::lock_guard lock(quarantine_mutex);
      for (const json::RejectedLine& r : out.rejected) quarantine_row(file, r.line_number, r.raw, r.error);
    }
  });
  for (const json::FileScanResult& s : scans) {
    result.rows_in += s.rows + s.rejected;
    result.rows_out += s.rows;
    result.rescued += s.rescued_rows;
    if (!s.extra_fields.empty()) {
      std::string names;
      for (const auto& e : s.extra_fields) names += (names.empty() ? "" : ", ") + e.name;
      result.warnings.push_back("'" + s.file.relative_path + "' has field(s) " + names +
                                " beyond the inference sample: kept in _rescued_data");
    }
    if (s.error) {
      // The lines before the damage were ingested; the damage itself is quarantined, not dropped.
      result.warnings.push_back(s.error->message());
      if (!quarantine_ledger.contains(s.file.relative_path)) {
        std::lock_guard lock(quarantine_mutex);
        quarantine_row(s.file.relative_path, s.lines + 1, "", s.error->message());
        ++result.rows_in;
      }
    }
  }
  result.quarantined = quarantined;
  if (ctx.dry_run) {
    result.status = "DRY RUN";
    result.message = std::to_string(fresh.size()) + " new source file(s) would be ingested";
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return result;
  }

  std::vector<std::pair<std::string, LedgerEntry>> ledger;
  for (size_t i = 0; i < fresh.size(); ++i) ledger.emplace_back(fresh[i].relative_path, fresh_entries[i]);
  // Quarantine first: its own ledger makes a retry after a crash skip it.
  std::vector<delta::AddFile> qadds = quarantine_writer.finish();
  if (!qadds.empty()) {
    qadds.front().tags[kLedgerTag] = ledger_json(ledger);
    table::CommitInfo info;
    info.bullion_json = bullion_metadata(ctx, "bronze", static_cast<int64_t>(fresh.size()));
    result.quarantine_version_written =
        commit_layer(result, {qpath, quarantine_schema(), {}, {}}, std::move(qadds), table::WriteMode::append(), info)
            .version;
  }
  std::vector<delta::AddFile> adds;
  for (auto& w : writers)
    for (auto& a : w->finish()) adds.push_back(std::move(a));
  if (adds.empty()) {
    // Every new file was empty or malformed: a 0-row file carries the ledger.
    table::DataFileWriter empty(path, table_schema, {});
    empty.write(Batch::empty(table_schema));
    adds = empty.finish();
    if (adds.empty()) {
      // DataFileWriter writes nothing for no rows: write the carrier explicitly.
      parquet::WriteOptions po;
      po.sync_on_close = true;
      const std::string name = "part-ledger-" + ctx.run_id + ".zstd.parquet";
      FileSystem::local().create_dirs(path);
      const auto written =
          parquet::write_parquet(FileSystem::local(), path + "/" + name, Batch::empty(table_schema), po);
      delta::AddFile a;
      a.path = name;
      a.size = static_cast<int64_t>(written.file_size);
      a.modification_time = FileSystem::local().stat(path + "/" + name).mtime_micros / 1000;
      a.stats = table::stats_json(written, *table_schema);
      adds.push_back(std::move(a));
    }
  }
  std::sort(adds.begin(), adds.end(), [](const delta::AddFile& a, const delta::AddFile& b) { return a.path < b.path; });
  adds.front().tags[kLedgerTag] = ledger_json(ledger);
  table::CommitInfo info;
  info.bullion_json = bullion_metadata(ctx, "bronze", static_cast<int64_t>(fresh.size()));
  info.merge_schema = true;
  info.parameters = {{"sourcePath", root}, {"newFiles", std::to_string(fresh.size())}};
  result.version_written =
      commit_layer(result, {path, table_schema, {}, {}}, std::move(adds), table::WriteMode::append(), info).version;
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return result;
}

}  // namespace bullion::pipeline
