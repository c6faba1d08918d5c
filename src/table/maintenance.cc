#include "bullion/table/maintenance.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <numeric>
#include <set>

#include "bullion/core/error.h"
#include "bullion/core/time.h"
#include "bullion/delta/log.h"
#include "bullion/delta/scan.h"
#include "bullion/exec/batch_buffer.h"
#include "bullion/exec/scan.h"
#include "bullion/exec/sort_key.h"
#include "bullion/table/writer.h"

namespace bullion::table {

namespace {

constexpr const char* kLedgerTag = "bullion.sources";

delta::RemoveFile rearranged(const delta::AddFile& a, int64_t now_ms, bool data_change) {
  delta::RemoveFile r;
  r.path = a.path;
  r.deletion_timestamp = now_ms;
  r.data_change = data_change;
  r.extended_file_metadata = true;
  r.partition_values = a.partition_values;
  r.size = a.size;
  r.tags = a.tags;
  return r;
}

// The union of the ingest-ledger tags of `files` (JSON arrays), or "" if none.
std::string merged_ledger(const std::vector<const delta::AddFile*>& files) {
  nlohmann::json all = nlohmann::json::array();
  for (const delta::AddFile* f : files)
    if (const auto it = f->tags.find(kLedgerTag); it != f->tags.end()) {
      const auto entries = nlohmann::json::parse(it->second, nullptr, false);
      if (entries.is_array())
        for (const auto& e : entries) all.push_back(e);
    }
  return all.empty() ? std::string() : all.dump();
}

// Rows of `batch` ordered by the Z-order value of `columns`: each column's
// normalized sort key contributes its leading bits, interleaved (one column:
// the key itself, i.e. a sort).
std::vector<uint32_t> zorder(const Batch& batch, const std::vector<size_t>& columns) {
  const size_t n = batch.num_rows();
  std::vector<uint32_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  if (columns.size() == 1) {
    exec::SortKeyEncoder enc({exec::ascending(columns[0])}, *batch.schema());
    enc.encode(batch);
    std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return enc.key(a) < enc.key(b); });
    return order;
  }
  const size_t bits = 64 / columns.size();
  std::vector<uint64_t> z(n, 0);
  for (size_t c = 0; c < columns.size(); ++c) {
    exec::SortKeyEncoder enc({exec::ascending(columns[c])}, *batch.schema());
    enc.encode(batch);
    for (size_t r = 0; r < n; ++r) {
      const std::string_view key = enc.key(r);
      uint64_t prefix = 0;
      for (size_t i = 0; i < 8; ++i) prefix = (prefix << 8) | (i < key.size() ? static_cast<uint8_t>(key[i]) : 0);
      const uint64_t v = prefix >> (64 - bits);
      for (size_t b = 0; b < bits; ++b) z[r] |= ((v >> (bits - 1 - b)) & 1) << (63 - (b * columns.size() + c));
    }
  }
  std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return z[a] < z[b]; });
  return order;
}

}  // namespace

OptimizeResult optimize(const std::string& table_path, const OptimizeOptions& options, exec::ExecContext& exec) {
  const delta::DeltaTable table = delta::DeltaTable::open(table_path);
  const delta::Snapshot snapshot = table.latest();
  const auto& partition_columns = snapshot.partition_columns();
  for (const ColumnPredicate& p : options.partitions)
    if (std::find(partition_columns.begin(), partition_columns.end(), p.column) == partition_columns.end())
      throw Error::invalid_input("OPTIMIZE selects partitions: '" + p.column + "' is not a partition column of '" +
                                 table_path + "'");
  std::vector<size_t> zcols;
  for (const std::string& z : options.zorder_by) {
    const auto idx = snapshot.schema().index_of(z);
    if (!idx) throw Error::invalid_input("ZORDER BY column '" + z + "' is not in table '" + table_path + "'");
    if (std::find(partition_columns.begin(), partition_columns.end(), z) != partition_columns.end())
      throw Error::invalid_input("ZORDER BY '" + z + "': partition columns cannot be Z-ordered");
    zcols.push_back(*idx);
  }
  // Files by partition.
  std::map<delta::PartitionValues, std::vector<const delta::AddFile*>> partitions;
  for (const delta::AddFile* f : snapshot.files_matching(options.partitions))
    partitions[f->partition_values].push_back(f);
  OptimizeResult result;
  const int64_t now_ms = now_micros() / 1000;
  delta::Transaction t(table, snapshot);
  t.read_predicate(options.partitions);
  for (auto& [values, files] : partitions) {
    std::vector<const delta::AddFile*> chosen;
    if (zcols.empty()) {
      // Bin-packing: only files well under the target are worth rewriting.
      for (const delta::AddFile* f : files)
        if (static_cast<uint64_t>(f->size) < options.target_file_bytes * 3 / 4) chosen.push_back(f);
      if (chosen.size() < 2) continue;
    } else {
      chosen = files;
    }
    delta::DeltaScanOptions scan;
    scan.files = std::vector<delta::AddFile>();
    for (const delta::AddFile* f : chosen) scan.files->push_back(*f);
    const Batch rows = exec::scan_delta(snapshot, std::move(scan)).collect_batch(exec);
    DataWriteOptions write;
    write.target_file_bytes = options.target_file_bytes;
    write.data_change = false;
    DataFileWriter writer(table_path, rows.schema(), partition_columns, write);
    if (zcols.empty()) {
      writer.write(rows);
    } else {
      const auto order = zorder(rows, zcols);
      writer.write(rows.take(order.data(), order.size()));
    }
    std::vector<delta::AddFile> adds = writer.finish();
    const std::string ledger = merged_ledger(chosen);
    if (!ledger.empty() && !adds.empty()) adds.front().tags[kLedgerTag] = ledger;
    for (const delta::AddFile* f : chosen) t.remove_file(rearranged(*f, now_ms, false));
    for (auto& a : adds) t.add_file(std::move(a));
    result.files_removed += chosen.size();
    result.files_added += adds.size();
    result.rows += rows.num_rows();
    ++result.partitions;
  }
  if (result.files_removed == 0) return result;
  std::string predicate;
  for (const auto& p : options.partitions) predicate += (predicate.empty() ? "" : " AND ") + p.to_string();
  std::string zorder_json = "[";
  for (size_t i = 0; i < options.zorder_by.size(); ++i) zorder_json += (i ? ",\"" : "\"") + options.zorder_by[i] + "\"";
  t.set_operation("OPTIMIZE", {{"predicate", "[" + (predicate.empty() ? "" : "\"" + predicate + "\"") + "]"},
                               {"zOrderBy", zorder_json + "]"}});
  t.set_metrics({{"numRemovedFiles", std::to_string(result.files_removed)},
                 {"numAddedFiles", std::to_string(result.files_added)},
                 {"numPartitions", std::to_string(result.partitions)}});
  result.version = t.commit().version;
  return result;
}

MergeResult merge(const std::string& table_path, const exec::Plan& source, const std::vector<std::string>& keys,
                  exec::ExecContext& exec) {
  const delta::DeltaTable table = delta::DeltaTable::open(table_path);
  const delta::Snapshot snapshot = table.latest();
  const Schema& target_schema = snapshot.schema();
  for (const Field& f : target_schema.fields()) {
    const auto idx = source.schema()->index_of(f.name);
    if (!idx || !(source.schema()->field(*idx).type == f.type))
      throw Error::invalid_input("MERGE source must have target column '" + f.name + "' (" + f.type.to_string() + ")");
  }
  // The source, materialized once.
  exec::BatchBuffer src(source.schema(), *exec.budget);
  source.execute(exec, [&](Batch&& b) { src.add(std::move(b)); });
  // Files holding a matched key.
  std::vector<std::string> src_keys;
  std::vector<exec::NamedExpr> renamed;
  std::vector<std::string> target_keys;
  std::vector<exec::NamedExpr> target_renamed;
  std::string keys_not_null;
  for (const std::string& k : keys) {
    src_keys.push_back("__src_" + k);
    renamed.push_back({"__src_" + k, "`" + k + "`"});
    target_keys.push_back("__target_" + k);
    target_renamed.push_back({"__target_" + k, "`" + k + "`"});
    keys_not_null += (keys_not_null.empty() ? "" : " AND ") + ("`" + k + "` IS NOT NULL");
  }
  const exec::Plan source_keys = src.as_plan().project(renamed);
  delta::DeltaScanOptions key_scan;
  key_scan.columns = keys;
  key_scan.with_file_path = true;
  const Batch matched_files = exec::scan_delta(snapshot, key_scan)
                                  .join(source_keys, keys, src_keys, exec::JoinType::kSemi)
                                  .aggregate({"_file"}, {{"__n", "count(*)"}})
                                  .collect_batch(exec);
  std::set<std::string> rewrite;
  for (size_t r = 0; r < matched_files.num_rows(); ++r)
    rewrite.insert(std::string(matched_files.column(0)->strings()[r]));
  std::vector<const delta::AddFile*> rewritten;
  delta::DeltaScanOptions rewrite_scan;
  rewrite_scan.files = std::vector<delta::AddFile>();
  for (const delta::AddFile& f : snapshot.files())
    if (rewrite.contains(f.path)) {
      rewrite_scan.files->push_back(f);
      rewritten.push_back(&f);
    }
  // Every target row holding a matched key lies in those files. As in Spark,
  // each matched target row is updated (a key repeated in the target stays
  // repeated), and two source rows matching one target row are an error;
  // source rows that match nothing (NULL keys included) are all inserted.
  delta::DeltaScanOptions rewrite_key_scan = rewrite_scan;
  rewrite_key_scan.columns = keys;
  const exec::Plan matched_target_keys = exec::scan_delta(snapshot, rewrite_key_scan).project(target_renamed);
  if (!rewrite.empty()) {
    const Batch dups = src.as_plan()
                           .filter(keys_not_null)
                           .aggregate(keys, {{"__n", "count(*)"}})
                           .filter("__n > 1")
                           .join(matched_target_keys, keys, target_keys, exec::JoinType::kSemi)
                           .collect_batch(exec);
    if (dups.num_rows() > 0)
      throw Error::invalid_input("MERGE into '" + table_path + "': " + std::to_string(dups.num_rows()) +
                                     " key(s) match target rows and appear more than once in the source",
                                 "deduplicate the source on the merge keys first");
  }
  const std::vector<std::string> target_names = target_schema.names();
  DataFileWriter writer(table_path, std::make_shared<Schema>(target_schema.fields()), snapshot.partition_columns());
  uint64_t updated = 0;
  uint64_t inserted = 0;
  if (!rewrite.empty()) {
    // Unmatched rows of the rewritten files are kept.
    exec::scan_delta(snapshot, rewrite_scan)
        .join(source_keys, keys, src_keys, exec::JoinType::kAnti)
        .execute(exec, [&](Batch&& b) { writer.write(b); });
    // One updated row (the source row) per matched target row.
    matched_target_keys.join(src.as_plan(), target_keys, keys, exec::JoinType::kInner)
        .select(target_names)
        .execute(exec, [&](Batch&& b) {
          updated += b.num_rows();
          writer.write(b);
        });
  }
  // Source rows matching no target row are inserted.
  const exec::Plan unmatched_source =
      rewrite.empty() ? src.as_plan()
                      : src.as_plan().join(matched_target_keys, keys, target_keys, exec::JoinType::kAnti);
  const exec::Plan to_insert = unmatched_source.select(target_names);
  to_insert.execute(exec, [&](Batch&& b) {
    inserted += b.num_rows();
    writer.write(b);
  });
  delta::Transaction t(table, snapshot);
  t.read_whole_table();
  const int64_t now_ms = now_micros() / 1000;
  for (const delta::AddFile* f : rewritten) t.remove_file(rearranged(*f, now_ms, true));
  for (auto& a : writer.finish()) t.add_file(std::move(a));
  std::string predicate;
  for (const auto& k : keys) predicate += (predicate.empty() ? "" : " AND ") + ("target." + k + " = source." + k);
  t.set_operation("MERGE", {{"predicate", predicate},
                            {"matchedPredicates", "[{\"actionType\":\"update\"}]"},
                            {"notMatchedPredicates", "[{\"actionType\":\"insert\"}]"}});
  MergeResult result;
  result.rows_updated = updated;
  result.rows_inserted = inserted;
  result.files_rewritten = rewritten.size();
  t.set_metrics({{"numTargetRowsUpdated", std::to_string(updated)},
                 {"numTargetRowsInserted", std::to_string(inserted)},
                 {"numTargetFilesRemoved", std::to_string(rewritten.size())}});
  result.version = t.commit().version;
  return result;
}

}  // namespace bullion::table
