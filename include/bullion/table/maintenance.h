// bullion/table/maintenance.h — OPTIMIZE (bin-packing, Z-order) and MERGE (upsert).
//
// optimize() rewrites the small files of the selected partitions into files
// of about the target size (bin-packing), or — with zorder_by — every file of
// those partitions sorted by the interleaved bits of the Z-order columns (one
// column: a plain sort). The commit removes and adds with dataChange = false,
// so readers of changes skip it and concurrent appends do not conflict;
// concurrent removal of the same files does. Tags bullion keeps on files
// (the Bronze ingest ledger) are carried over to the new files.
//
// merge() is MERGE INTO target USING source ON keys WHEN MATCHED THEN UPDATE
// SET * WHEN NOT MATCHED THEN INSERT *: only the files holding matched keys
// are rewritten (their unmatched rows kept). As in Spark, every matched
// target row becomes its source row (a key repeated in the target stays
// repeated), source rows matching no target row are inserted (NULL keys
// never match), and two source rows matching one target row are an error.
#pragma once

#include <string>
#include <vector>

#include "bullion/columnar/predicate.h"
#include "bullion/exec/plan.h"
#include "bullion/table/table.h"

namespace bullion::table {

struct OptimizeOptions {
  Conjunction partitions;              // which partitions (empty: all)
  std::vector<std::string> zorder_by;  // empty: bin-packing only
  uint64_t target_file_bytes = uint64_t{128} << 20;
};

struct OptimizeResult {
  std::optional<int64_t> version;  // nullopt: nothing to do
  size_t files_removed = 0;
  size_t files_added = 0;
  size_t partitions = 0;
  uint64_t rows = 0;
};

OptimizeResult optimize(const std::string& table_path, const OptimizeOptions& options, exec::ExecContext& exec);

struct MergeResult {
  int64_t version = -1;
  uint64_t rows_updated = 0;
  uint64_t rows_inserted = 0;
  size_t files_rewritten = 0;
};

// `source` must have the target's columns (by name and type).
MergeResult merge(const std::string& table_path, const exec::Plan& source, const std::vector<std::string>& keys,
                  exec::ExecContext& exec);

}  // namespace bullion::table
