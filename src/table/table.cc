#include "bullion/table/table.h"

#include <simdjson.h>

#include <algorithm>
#include <set>

#include "bullion/core/error.h"
#include "bullion/core/time.h"
#include "bullion/delta/log.h"
#include "bullion/delta/schema_json.h"

namespace bullion::table {

int64_t num_records(const delta::AddFile& add) {
  if (!add.stats) return 0;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  int64_t n = 0;
  if (parser.parse(*add.stats).get(doc) != simdjson::SUCCESS) return 0;
  if (doc["numRecords"].get(n) != simdjson::SUCCESS) return 0;
  return n;
}

namespace {

delta::RemoveFile removal_of(const delta::AddFile& a, int64_t now_ms) {
  delta::RemoveFile r;
  r.path = a.path;
  r.deletion_timestamp = now_ms;
  r.data_change = true;
  r.extended_file_metadata = true;
  r.partition_values = a.partition_values;
  r.size = a.size;
  r.stats = a.stats;
  r.tags = a.tags;
  r.deletion_vector = a.deletion_vector;
  return r;
}

std::string predicate_text(const Conjunction& c) {
  std::string s;
  for (const auto& p : c) s += (s.empty() ? "" : " AND ") + p.to_string();
  return s;
}

// The table's schema after this write: the table's, plus new nullable
// columns when merge_schema; throws kInvalidInput naming the first column
// that does not fit.
std::optional<Schema> evolve(const Schema& table, const Schema& write, bool merge_schema, const std::string& path) {
  std::vector<Field> fields = table.fields();
  bool changed = false;
  for (const Field& w : write.fields()) {
    const auto exact = table.index_of(w.name);
    if (!exact) {
      if (const auto ci = table.find_case_insensitive(w.name))
        throw Error::invalid_input("column '" + w.name + "' of the data differs only in case from column '" +
                                       table.field(*ci).name + "' of table '" + path + "'",
                                   "rename the column to match the table");
      if (!merge_schema)
        throw Error::invalid_input(
            "column '" + w.name + "' (" + w.type.to_string() + ") is not in table '" + path + "'",
            "enable schema evolution (mergeSchema) to add it, or drop the column");
      Field added = w;
      added.nullable = true;
      added.metadata.clear();
      fields.push_back(std::move(added));
      changed = true;
      continue;
    }
    const Field& t = table.field(*exact);
    if (!(t.type == w.type))
      throw Error::invalid_input("column '" + w.name + "' is " + w.type.to_string() + " in the data but " +
                                     t.type.to_string() + " in table '" + path + "'",
                                 "cast the column to the table's type");
  }
  for (const Field& t : table.fields())
    if (!t.nullable && !write.index_of(t.name))
      throw Error::invalid_input("the data lacks column '" + t.name + "', which table '" + path +
                                 "' declares NOT NULL");
  if (!changed) return std::nullopt;
  return Schema(std::move(fields));
}

}  // namespace

WriteResult commit_write(const TableSpec& spec, std::vector<delta::AddFile> adds, const WriteMode& mode,
                         const CommitInfo& info) {
  const int64_t now_ms = now_micros() / 1000;
  WriteResult result;
  result.files_added = adds.size();
  uint64_t bytes = 0;
  for (const auto& a : adds) {
    result.rows_added += static_cast<uint64_t>(num_records(a));
    bytes += static_cast<uint64_t>(a.size);
  }
  std::map<std::string, std::string> metrics = {{"numFiles", std::to_string(adds.size())},
                                                {"numOutputRows", std::to_string(result.rows_added)},
                                                {"numOutputBytes", std::to_string(bytes)}};
  std::map<std::string, std::string> params = info.parameters;
  params["mode"] = mode.kind == WriteMode::Kind::kAppend ? "Append" : "Overwrite";
  if (mode.kind == WriteMode::Kind::kReplaceWhere) params["predicate"] = predicate_text(mode.predicate);
  if (!spec.partition_columns.empty()) {
    std::string cols = "[";
    for (size_t i = 0; i < spec.partition_columns.size(); ++i)
      cols += (i ? ",\"" : "\"") + spec.partition_columns[i] + "\"";
    params["partitionBy"] = cols + "]";
  }

  if (!delta::DeltaTable::exists(spec.path)) {
    delta::Metadata metadata;
    metadata.schema_string = delta::schema_to_json(*spec.schema);
    metadata.partition_columns = spec.partition_columns;
    metadata.configuration = spec.properties;
    delta::Transaction t = delta::Transaction::create(spec.path, std::move(metadata));
    for (auto& a : adds) t.add_file(std::move(a));
    if (info.txn) t.set_txn(info.txn->app_id, info.txn->version);
    t.set_operation(info.operation, params);
    t.set_metrics(metrics);
    if (!info.bullion_json.empty()) t.set_bullion_metadata(info.bullion_json);
    const auto r = t.commit();
    result.version = r.version;
    result.attempts = r.attempts;
    return result;
  }

  const delta::DeltaTable table = delta::DeltaTable::open(spec.path);
  const delta::Snapshot snapshot = table.latest();
  if (spec.schema) {
    if (!spec.partition_columns.empty() && spec.partition_columns != snapshot.partition_columns())
      throw Error::invalid_input(
          "table '" + spec.path + "' is partitioned by a different column set than the write asks",
          "write with the table's partition columns");
  }
  delta::Transaction t(table, snapshot);
  result.read_version = snapshot.version();
  if (spec.schema) {
    if (auto evolved = evolve(snapshot.schema(), *spec.schema, info.merge_schema, spec.path)) {
      delta::Metadata metadata = snapshot.metadata();
      metadata.schema_string = delta::schema_to_json(*evolved);
      t.set_metadata(std::move(metadata));
    }
  }
  if (info.read_whole_table) t.read_whole_table();
  switch (mode.kind) {
    case WriteMode::Kind::kAppend:
      break;
    case WriteMode::Kind::kOverwrite:
      t.read_whole_table();
      for (const delta::AddFile& f : snapshot.files()) {
        t.remove_file(removal_of(f, now_ms));
        ++result.files_removed;
        result.rows_removed += static_cast<uint64_t>(num_records(f));
      }
      break;
    case WriteMode::Kind::kReplaceWhere: {
      const auto& parts = snapshot.partition_columns();
      for (const ColumnPredicate& p : mode.predicate)
        if (std::find(parts.begin(), parts.end(), p.column) == parts.end())
          throw Error::unsupported("replaceWhere on column '" + p.column + "' of table '" + spec.path +
                                       "': bullion replaces whole partitions only",
                                   "use a predicate on the partition columns");
      for (const delta::AddFile& a : adds)
        if (!snapshot.file_may_match(a, mode.predicate))
          throw Error::invalid_input("written data lies outside the replaceWhere predicate " +
                                         predicate_text(mode.predicate) + " (file '" + a.path + "')",
                                     "write only rows that satisfy the predicate");
      t.read_predicate(mode.predicate);
      for (const delta::AddFile* f : snapshot.files_matching(mode.predicate)) {
        t.remove_file(removal_of(*f, now_ms));
        ++result.files_removed;
        result.rows_removed += static_cast<uint64_t>(num_records(*f));
      }
      break;
    }
  }
  metrics["numRemovedFiles"] = std::to_string(result.files_removed);
  if (mode.kind != WriteMode::Kind::kAppend) metrics["numDeletedRows"] = std::to_string(result.rows_removed);
  for (auto& a : adds) t.add_file(std::move(a));
  if (info.txn) t.set_txn(info.txn->app_id, info.txn->version);
  t.set_operation(info.operation, params);
  t.set_metrics(metrics);
  if (!info.bullion_json.empty()) t.set_bullion_metadata(info.bullion_json);
  const auto r = t.commit();
  result.version = r.version;
  result.attempts = r.attempts;
  return result;
}

WriteResult restore(const std::string& table_path, int64_t version) {
  const delta::DeltaTable table = delta::DeltaTable::open(table_path);
  const delta::Snapshot latest = table.latest();
  const delta::Snapshot target = table.at_version(version);
  auto key = [&](const delta::AddFile& f) {
    return delta::canonical_file_path(f.path, table_path) +
           (f.deletion_vector ? "@" + f.deletion_vector->unique_id() : "");
  };
  std::set<std::string> in_latest, in_target;
  for (const auto& f : latest.files()) in_latest.insert(key(f));
  for (const auto& f : target.files()) in_target.insert(key(f));
  delta::Transaction t(table, latest);
  t.read_whole_table();
  WriteResult result;
  result.read_version = latest.version();
  const int64_t now_ms = now_micros() / 1000;
  uint64_t restored_bytes = 0;
  for (const auto& f : target.files()) {
    if (in_latest.contains(key(f))) continue;
    const std::string path = target.data_file_path(f.path);
    if (!FileSystem::local().exists(path))
      throw Error::not_found("cannot restore '" + table_path + "' to version " + std::to_string(version) +
                                 ": its data file '" + f.path + "' was deleted (VACUUM)",
                             "restore to a later version whose files still exist");
    delta::AddFile a = f;
    a.data_change = true;
    t.add_file(std::move(a));
    ++result.files_added;
    restored_bytes += static_cast<uint64_t>(f.size);
    result.rows_added += static_cast<uint64_t>(num_records(f));
  }
  for (const auto& f : latest.files()) {
    if (in_target.contains(key(f))) continue;
    t.remove_file(removal_of(f, now_ms));
    ++result.files_removed;
    result.rows_removed += static_cast<uint64_t>(num_records(f));
  }
  if (target.metadata().schema_string != latest.metadata().schema_string ||
      target.metadata().configuration != latest.metadata().configuration ||
      target.metadata().partition_columns != latest.metadata().partition_columns) {
    delta::Metadata m = target.metadata();
    m.id = latest.metadata().id;
    t.set_metadata(std::move(m));
  }
  t.set_operation("RESTORE", {{"version", std::to_string(version)}, {"timestamp", ""}});
  uint64_t size_after = 0;
  for (const auto& f : target.files()) size_after += static_cast<uint64_t>(f.size);
  t.set_metrics({{"numRestoredFiles", std::to_string(result.files_added)},
                 {"numRemovedFiles", std::to_string(result.files_removed)},
                 {"restoredFilesSize", std::to_string(restored_bytes)},
                 {"tableSizeAfterRestore", std::to_string(size_after)},
                 {"numOfFilesAfterRestore", std::to_string(target.files().size())}});
  const auto r = t.commit();
  result.version = r.version;
  result.attempts = r.attempts;
  return result;
}

}  // namespace bullion::table
