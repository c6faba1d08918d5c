// bullion/formats/parquet/reader.h — reading Parquet files.
//
//   auto file = ParquetFile::open(FileSystem::local(), "part-0.parquet");
//   ScanOptions opts;
//   opts.columns = {"customer_id", "event_ts"};             // projection (top-level names)
//   opts.filter = {{"event_ts", CompareOp::kGe, {Value::timestamp(t0)}}};  // row-group pruning
//   auto scan = file->scan(opts);
//   Batch batch;
//   while (scan->next(&batch)) { ... }
//
// ParquetFile parses and validates the footer once; it is immutable and
// thread-safe, so many scanners (one per thread, e.g. one per row group) can
// share it. A ParquetScanner streams one row group at a time, page by page,
// decoding only the projected columns; it is not thread-safe.
//
// Types: the Parquet schema becomes a bullion Schema (logical types win over
// converted types; legacy converted types, INT96 timestamps and the LIST/MAP
// backward-compatibility rules are applied). Timestamps of any unit become
// microseconds (NANOS by floor division); INT96 becomes TIMESTAMP; INT(8/16)
// become TINYINT/SMALLINT; UINT_8/16/32 widen to SMALLINT/INT/BIGINT and
// UINT_64 to DECIMAL(20,0); FLOAT16 becomes FLOAT; JSON/ENUM become STRING;
// the UNKNOWN (null) logical type becomes NULL; groups annotated VARIANT read
// as their STRUCT of binaries. TIME and INTERVAL columns are kUnsupported, as
// are encrypted files and the BROTLI and LZO codecs.
//
// Memory: a scanner holds, per projected leaf column, one read window, one
// decompressed page, its dictionary and the page's levels; these are reserved
// against ScanOptions::memory (default MemoryBudget::global()) even when
// other (spillable) reservations have filled it, as memory that cannot be
// spilled. Buffers that exceed the budget's limit on their own are an error
// (kUnsupported, naming the column and sizes), so a corrupt size can never
// allocate unbounded memory. Batches handed out are
// the caller's; dictionary-encoded and PLAIN strings are views into the
// decoded pages, which the batch's columns keep alive (Column::keep_alive).
//
// Errors: bullion::Error — kNotFound/kIO from the filesystem; kCorrupt for a
// damaged file (wrong magic, truncated, malformed footer, page, dictionary or
// levels), naming the file, the column and what is wrong; kUnsupported for a
// valid feature bullion cannot read, naming it; kInvalidInput for a projection
// or filter naming a column the file does not have.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "bullion/columnar/batch.h"
#include "bullion/columnar/predicate.h"
#include "bullion/core/fs.h"
#include "bullion/core/memory.h"

namespace bullion::parquet {

// One leaf (primitive) column chunk of a row group, as the footer describes it.
struct ColumnChunkInfo {
  std::vector<std::string> path;  // e.g. {"add", "partitionValues", "key_value", "key"}
  std::string physical_type;      // "INT64", "BYTE_ARRAY", ...
  std::string codec;              // "ZSTD", "SNAPPY", ...
  std::vector<std::string> encodings;
  int64_t num_values = 0;  // level entries, NULLs included
  int64_t compressed_size = 0;
  int64_t uncompressed_size = 0;
  // Statistics as usable for pruning (see row_group_stats); min/max absent
  // when the file has none that are trustworthy.
  ColumnStats stats;
};

struct RowGroupInfo {
  int64_t num_rows = 0;
  int64_t total_byte_size = 0;           // uncompressed
  std::vector<ColumnChunkInfo> columns;  // one per leaf column, in schema order
};

struct ScanOptions {
  // Top-level column names to decode, in output order; empty means all.
  // A nested column is decoded as a whole.
  std::vector<std::string> columns;
  // Row groups whose statistics prove no row satisfies every predicate are
  // skipped (columnar/predicate.h may_match). Rows of the remaining row
  // groups are returned unfiltered: the caller applies the filter.
  Conjunction filter;
  // Restricts the scan to these row groups (in this order) before pruning.
  std::optional<std::vector<size_t>> row_groups;
  // Rows per batch (a batch never spans two row groups, so the last batch of
  // each row group may be shorter).
  size_t batch_rows = 65536;
  // Budget the scanner's buffers are reserved against; nullptr = global().
  MemoryBudget* memory = nullptr;
};

class ParquetScanner;

class ParquetFile : public std::enable_shared_from_this<ParquetFile> {
 public:
  // Opens and validates the footer. `file` is shared with scanners.
  static std::shared_ptr<const ParquetFile> open(std::shared_ptr<RandomAccessFile> file);
  static std::shared_ptr<const ParquetFile> open(FileSystem& fs, const std::string& path);

  ~ParquetFile();
  const std::string& path() const;
  uint64_t file_size() const;
  const SchemaPtr& schema() const;
  int64_t num_rows() const;
  size_t num_row_groups() const;
  const RowGroupInfo& row_group(size_t i) const;
  // Statistics of a top-level column in a row group. Nested columns, and
  // columns whose statistics are absent or untrustworthy (INT96, deprecated
  // byte-array min/max, unknown column order), give unknown min/max.
  // Floating-point columns report max = NaN when NaNs may be present (NaN
  // sorts last in compare_values), so pruning stays correct.
  ColumnStats row_group_stats(size_t row_group, size_t column) const;
  // Row groups (ascending) that may hold rows satisfying `filter`.
  std::vector<size_t> prune(const Conjunction& filter) const;

  const std::vector<std::pair<std::string, std::string>>& key_value_metadata() const;
  const std::string& created_by() const;

  // Starts a scan; throws kInvalidInput for unknown projected or filter columns.
  std::unique_ptr<ParquetScanner> scan(const ScanOptions& options = {}) const;

  struct Impl;
  explicit ParquetFile(std::unique_ptr<Impl> impl);

 private:
  std::unique_ptr<Impl> impl_;
  friend class ParquetScanner;
};

class ParquetScanner {
 public:
  ~ParquetScanner();
  // The projected schema of the batches.
  const SchemaPtr& schema() const;
  // The row groups this scan reads, after pruning.
  const std::vector<size_t>& row_groups() const;
  // Replaces *out with the next batch; false at the end.
  bool next(Batch* out);
  // Peak bytes this scanner reserved against its budget.
  uint64_t peak_reserved_bytes() const;

  struct State;
  explicit ParquetScanner(std::unique_ptr<State> state);

 private:
  std::unique_ptr<State> state_;
};

// Reads a whole file into one batch (tests, small files such as Delta checkpoints).
Batch read_parquet(FileSystem& fs, const std::string& path, const ScanOptions& options = {});

}  // namespace bullion::parquet
