// bullion/formats/json/ndjson_scanner.h — NDJSON files → batches of a target schema.
//
// An NdjsonScanner reads many NDJSON files (plain, .gz, .zst; LF or CRLF) in
// parallel on a ThreadPool and delivers batches of its output schema:
//
//   <target schema fields> [_rescued_data] [constant columns] [_source_file] [_source_line]
//
// Each line must be one JSON object. Per field of a line:
//   - a field of the target schema goes to its column; a missing field is NULL;
//   - JSON null is NULL in any column;
//   - a value that fits the column type is stored (see the table below);
//   - a value that does not fit: in a STRING column it is stored as its JSON
//     text (numbers as written, true/false, nested values minified); in any
//     other column the row keeps NULL there and the field goes to the rescued
//     data column;
//   - a field the target schema lacks ("extra") goes to the rescued data
//     column and is reported in FileScanResult::extra_fields (name, inferred
//     type), so the caller can evolve the schema for the next run.
//
//   column type        accepts
//   BOOLEAN            true, false
//   TINYINT..BIGINT    integers within the type's range
//   FLOAT, DOUBLE      any number (integers converted; beyond ±1.8e308 → ±inf)
//   DECIMAL(p,s)       numbers that fit p digits after rounding half up to s decimals
//   STRING             strings (unescaped); anything else as its JSON text
//   DATE               strings "yyyy-MM-dd"
//   TIMESTAMP          ISO-8601 strings (core/time.h parse_timestamp; no zone = UTC)
//   TIMESTAMP_NTZ      ISO-8601 strings without a zone
// Other column types (BINARY, STRUCT, LIST, MAP) are refused by the
// constructor (kUnsupported): declare such fields STRING to keep their JSON text.
//
// Rescued data (as Databricks' `_rescued_data`): a JSON object text holding
// every rescued field of the row with its value as JSON (minified), plus
// "_file_path" with the file's relative path; NULL when nothing was rescued.
// E.g. {"amount":"12,50","coupon":{"id":7},"_file_path":"2026/11/events-01.json"}.
// (With ScanOptions::rescued_data_column empty, such values are dropped.)
//
// Rejected lines — malformed JSON, a line that is not an object, invalid
// UTF-8, a line longer than max_line_bytes, the incomplete last line of a
// damaged file — are delivered with the batches, in line order, as
// {file, line number, raw text, error}; they never stop the file. Blank lines
// are skipped and counted. For every file: lines = rows + rejected + blank.
//
// A damaged compressed file or an I/O failure ends that file: every line
// before the damage is delivered, then FileScanResult::error says what
// happened and where (file, compressed byte offset, last line read). Other
// files are not affected; the caller decides whether that fails its run.
//
// Memory: per worker, one read buffer (block + longest line) and one batch
// being built (a compressed file parsed by several workers also holds two
// blocks of 8 × read_block_bytes of its text); kOrdered also holds finished batches of later files, bounded by
// max_buffered_bytes (a worker whose output would exceed it waits for its
// turn). Batch memory (columns and string blocks) is pooled: when the caller
// drops a batch its memory is reused for later batches, so steady-state
// scanning does not fault in fresh pages. Output does not depend on the
// thread count in kOrdered mode.
//
// Threading: a scanner is immutable once built; scan() may be called from
// several threads at once. The consumer is called per delivery.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "bullion/columnar/batch.h"
#include "bullion/columnar/type.h"
#include "bullion/columnar/value.h"
#include "bullion/core/compressed_reader.h"
#include "bullion/core/error.h"
#include "bullion/core/fs.h"
#include "bullion/core/memory.h"
#include "bullion/core/thread_pool.h"
#include "bullion/formats/json/source.h"

namespace bullion::json {

struct RejectedLine {
  size_t file_index = 0;    // into the files passed to scan()
  int64_t line_number = 0;  // 1-based within the file
  std::string raw;          // the line as read (without terminator; a BOM dropped)
  std::string error;        // why it was rejected
};

struct ExtraField {
  std::string name;
  DataType type;  // inferred and widened as schema_inference.h does (NULL → STRING)
  int64_t occurrences = 0;
};

struct FileScanResult {
  SourceFile file;
  Compression compression = Compression::kNone;
  int64_t lines = 0;  // lines read: rows + rejected + blank
  int64_t rows = 0;
  int64_t rejected = 0;
  int64_t blank = 0;
  int64_t rescued_rows = 0;              // rows whose rescued data column is not NULL
  std::vector<ExtraField> extra_fields;  // first-appearance order
  std::optional<Error> error;            // the file could not be read to its end
};

// One delivery: rows of one file, in line order, and the lines of the same
// stretch of the file that were rejected.
struct ScanOutput {
  size_t file_index = 0;
  Batch batch;  // the scanner's output_schema(); may have 0 rows
  std::vector<RejectedLine> rejected;
};

enum class Delivery {
  kOrdered,     // by file, then line; one call at a time; independent of thread count
  kAsProduced,  // one call at a time, in completion order (each file's pieces in line order)
  kConcurrent,  // called from the workers concurrently; within a file, in line order
};

struct ScanOptions {
  size_t batch_rows = 16384;
  size_t batch_bytes = size_t{16} << 20;  // string bytes per batch before it is cut
  // Plain files larger than this are split into chunks parsed in parallel
  // (0: never split). A compressed file is decompressed by one worker, in
  // blocks of 8 × read_block_bytes whose lines idle workers help parse.
  uint64_t chunk_bytes = uint64_t{8} << 20;
  size_t read_block_bytes = size_t{1} << 20;
  // Longer lines are rejected (as DuckDB's maximum_object_size, 16 MiB by
  // default); simdjson needs ~6 bytes of parser memory per byte of a line.
  size_t max_line_bytes = size_t{16} << 20;
  Delivery delivery = Delivery::kOrdered;
  size_t max_buffered_bytes = size_t{256} << 20;
  // Column names; an empty name leaves the column out.
  std::string rescued_data_column = "_rescued_data";
  std::string source_file_column = "_source_file";
  std::string source_line_column = "_source_line";
  // Columns with one value for every row (e.g. `_ingested_at`, the spec's
  // metadata), placed after the rescued data column. The value's type must
  // equal the field's type (or the value is NULL).
  std::vector<std::pair<Field, Value>> constant_columns;
  FileSystem* fs = nullptr;        // default FileSystem::local()
  ThreadPool* pool = nullptr;      // default ThreadPool::global()
  MemoryBudget* budget = nullptr;  // default MemoryBudget::global(); buffered output is reserved in it
};

class NdjsonScanner {
 public:
  // `worker` is in [0, pool threads) for kConcurrent, 0 otherwise. The
  // consumer may move the batch and rejected lines out. An exception thrown by
  // the consumer stops the scan and is rethrown by scan().
  using Consumer = std::function<void(ScanOutput& output, size_t worker)>;

  // Throws kUnsupported for a target column type the scanner cannot fill and
  // kInvalidInput for duplicate output column names.
  NdjsonScanner(Schema target, ScanOptions options);
  ~NdjsonScanner();
  NdjsonScanner(const NdjsonScanner&) = delete;
  NdjsonScanner& operator=(const NdjsonScanner&) = delete;

  const Schema& target_schema() const;
  const SchemaPtr& output_schema() const;
  const ScanOptions& options() const;

  // Reads `files` and delivers their rows; returns one result per file, in
  // the order of `files`. Throws only for failures that are not about one
  // file's data (a consumer exception, an internal error).
  std::vector<FileScanResult> scan(const std::vector<SourceFile>& files, const Consumer& consumer) const;

  struct Plan;

 private:
  std::shared_ptr<const Plan> plan_;
};

// Reads all of `files` into memory (tests and small inputs): the batches
// concatenated in kOrdered order, the rejected lines, and the file results.
struct ScanResult {
  Batch batch;
  std::vector<RejectedLine> rejected;
  std::vector<FileScanResult> files;
};
ScanResult scan_all(const NdjsonScanner& scanner, const std::vector<SourceFile>& files);

}  // namespace bullion::json
