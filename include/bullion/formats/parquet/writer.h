// bullion/formats/parquet/writer.h — writing Parquet files.
//
//   WriteOptions opts;                      // zstd, dictionary, page v1, 128 MiB row groups
//   auto w = ParquetWriter::open(FileSystem::local(), "part-0.parquet", schema, opts);
//   w->write(batch1);
//   w->write(batch2);
//   WrittenFile info = w->close();          // rows, bytes, per-column statistics
//
// Streaming: a row group is buffered (encoded and compressed) in memory until
// it reaches WriteOptions::row_group_bytes of uncompressed data or
// row_group_rows rows, then written; memory is bounded by one row group.
//
// Layout written: types per Parquet's LogicalTypes.md — BOOLEAN; TINYINT and
// SMALLINT as INT32 with INT(8/16, signed); INT as INT32; BIGINT as INT64;
// FLOAT; DOUBLE; DATE as INT32 DATE; TIMESTAMP / TIMESTAMP_NTZ as INT64
// TIMESTAMP(MICROS, isAdjustedToUTC = true / false) with converted type
// TIMESTAMP_MICROS; DECIMAL(p,s) as INT32 (p <= 9), INT64 (p <= 18) or
// FIXED_LEN_BYTE_ARRAY; STRING as BYTE_ARRAY STRING (UTF8); BINARY as
// BYTE_ARRAY; NULL as INT32 UNKNOWN; STRUCT as a group; ARRAY and MAP as the
// 3-level LIST (list/element) and MAP (key_value/key/value). Nullable fields
// are OPTIONAL, others REQUIRED.
//
// Statistics: min_value/max_value (never the deprecated min/max), null_count,
// nan_count for floating point, column_orders = TYPE_DEFINED_ORDER for every
// leaf. Strings and binaries compare as unsigned bytes; NaN never enters
// min/max; a zero min is written as -0.0 and a zero max as +0.0; values
// longer than statistics_truncate_bytes are truncated (min as a prefix, max
// as an incremented prefix, dropped if it cannot be incremented).
//
// Errors: kInvalidInput for a batch whose schema differs from the writer's or
// a NULL in a NOT NULL column (naming column and row); kIO from the file.
// After an error the writer is unusable; close() must not be called again.
// Not thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "bullion/columnar/batch.h"
#include "bullion/columnar/predicate.h"
#include "bullion/core/fs.h"
#include "bullion/core/memory.h"

namespace bullion::parquet {

enum class Compression { kUncompressed, kSnappy, kGzip, kZstd, kLz4Raw };

// Value encodings a column may be forced to (instead of dictionary + PLAIN).
enum class ValueEncoding {
  kDefault,  // dictionary, falling back to PLAIN
  kPlain,
  kDeltaBinaryPacked,     // INT32/INT64 physical types
  kDeltaLengthByteArray,  // BYTE_ARRAY
  kDeltaByteArray,        // BYTE_ARRAY
  kByteStreamSplit,       // FLOAT, DOUBLE, INT32, INT64, FIXED_LEN_BYTE_ARRAY
};

struct WriteOptions {
  Compression compression = Compression::kZstd;
  int compression_level = 0;  // 0: the codec's default (zstd 1, gzip 6)
  bool dictionary = true;
  // A column chunk's dictionary falls back to PLAIN once its PLAIN size exceeds this.
  size_t dictionary_page_bytes = size_t{1} << 20;
  size_t page_bytes = size_t{1} << 20;         // target uncompressed data page size
  size_t page_rows = 20000;                    // maximum rows per data page
  size_t row_group_bytes = size_t{128} << 20;  // uncompressed bytes per row group
  size_t row_group_rows = size_t{1} << 20;     // maximum rows per row group
  int data_page_version = 1;                   // 1 or 2
  size_t statistics_truncate_bytes = 64;       // 0: never truncate
  // Per top-level column (by name; nested columns apply it to every leaf).
  std::vector<std::pair<std::string, ValueEncoding>> column_encodings;
  std::vector<std::pair<std::string, std::string>> key_value_metadata;
  bool sync_on_close = false;      // fsync the file in close()
  MemoryBudget* memory = nullptr;  // row-group buffers are reserved here; nullptr = global()
};

// Statistics of one leaf column over the whole file (exact, not truncated).
struct WrittenColumn {
  std::vector<std::string> path;  // top-level name first; nested leaves use Parquet's path
  DataType type;
  ColumnStats stats;  // num_values counts level entries (rows for top-level columns)
};

struct WrittenFile {
  std::string path;
  int64_t num_rows = 0;
  uint64_t file_size = 0;
  size_t num_row_groups = 0;
  std::vector<WrittenColumn> columns;  // one per leaf, in schema order
  // Stats of a top-level primitive column by name (nullptr if absent or nested).
  const ColumnStats* stats_of(std::string_view name) const;
};

class ParquetWriter {
 public:
  static std::unique_ptr<ParquetWriter> open(FileSystem& fs, const std::string& path, SchemaPtr schema,
                                             const WriteOptions& options = {});
  static std::unique_ptr<ParquetWriter> open(std::unique_ptr<WritableFile> file, SchemaPtr schema,
                                             const WriteOptions& options = {});
  ~ParquetWriter();

  const SchemaPtr& schema() const;
  // Appends the batch's rows (its schema must equal the writer's).
  void write(const Batch& batch);
  // Writes the last row group and the footer, closes the file.
  WrittenFile close();

  struct Impl;
  explicit ParquetWriter(std::unique_ptr<Impl> impl);

 private:
  std::unique_ptr<Impl> impl_;
};

// Writes one batch to a file (tests, small files).
WrittenFile write_parquet(FileSystem& fs, const std::string& path, const Batch& batch,
                          const WriteOptions& options = {});

}  // namespace bullion::parquet
