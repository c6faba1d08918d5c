// bullion/delta/scan.h — reading the rows of a Delta snapshot.
//
//   DeltaScan scan(snapshot, {.columns = {"customer_id", "event_ts"}, .filter = conjunction});
//   for (size_t i = 0; i < scan.num_files(); ++i) scan.read_file(i, [](Batch&& b) { ... });
//
// A scan selects the snapshot's live files that may match the filter
// (partition values exactly, file stats conservatively), then reads each one:
// Parquet row groups pruned by the same filter, only the projected columns
// decoded, columns found by physical name or field id under column mapping,
// narrower file types widened to the table's type (type widening), missing
// columns as NULL, partition values added as constant columns, and rows
// marked in a deletion vector dropped. Rows that do not satisfy the filter
// may still be returned (the filter prunes; callers apply it).
//
// read_file() is thread-safe: files are the natural morsels of a parallel scan.
// A file that no longer exists is kNotFound naming the version that needs it
// (typically removed by VACUUM) — never silently skipped.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "bullion/columnar/batch.h"
#include "bullion/columnar/predicate.h"
#include "bullion/core/memory.h"
#include "bullion/delta/log.h"

namespace bullion::delta {

struct DeltaScanOptions {
  std::vector<std::string> columns;  // logical names; empty = every column
  Conjunction filter;
  size_t batch_rows = 65536;
  // Appends a STRING column "_file" with each row's data file (its log path).
  bool with_file_path = false;
  // Reads exactly these files (e.g. the adds of a range of commits, for an
  // incremental read) instead of the snapshot's live files; the filter still prunes.
  std::optional<std::vector<AddFile>> files;
  MemoryBudget* memory = nullptr;
};

class DeltaScan {
 public:
  DeltaScan(Snapshot snapshot, DeltaScanOptions options);

  const Snapshot& snapshot() const { return snapshot_; }
  const SchemaPtr& schema() const { return schema_; }
  size_t num_files() const { return files_.size(); }
  const AddFile& file(size_t i) const { return *files_[i]; }

  void read_file(size_t i, const std::function<void(Batch&&)>& emit) const;

  // Every row of every selected file, in file order (tests, small tables).
  Batch read_all() const;

 private:
  Snapshot snapshot_;
  DeltaScanOptions options_;
  SchemaPtr schema_;
  std::vector<size_t> columns_;  // logical column index per output column (without _file)
  std::vector<AddFile> explicit_files_;
  std::vector<const AddFile*> files_;
};

// Converts a column read from a file to the table's type: widening numbers
// (TINYINT→…→BIGINT, FLOAT→DOUBLE, integers→DOUBLE, DECIMAL precision/scale),
// DATE→TIMESTAMP_NTZ, relabelling TIMESTAMP/TIMESTAMP_NTZ, and struct fields
// matched by (physical) name with missing fields as NULL. kUnsupported for
// anything else, naming the column.
ColumnPtr conform_column(const ColumnPtr& column, const Field& target, ColumnMappingMode mode,
                         const std::string& where);

}  // namespace bullion::delta
