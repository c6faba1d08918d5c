// bullion/table/writer.h — writing batches into a Delta table's data files.
//
// A DataFileWriter turns batches with the table's (logical) schema into
// Parquet data files under the table directory: one open file per partition
// (Hive-style directories, partition columns left out of the files as the
// protocol requires), rolled over at a target size, each fsynced before it
// is reported. finish() returns the `add` actions, with exact statistics
// (numRecords, minValues, maxValues, nullCount), ready to commit. Nothing is
// visible to readers until a Transaction commits those adds; files of a
// writer that never commits are orphans VACUUM removes later.
//
// Not thread-safe: use one writer per thread and commit their adds together.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "bullion/columnar/batch.h"
#include "bullion/delta/actions.h"
#include "bullion/formats/parquet/writer.h"

namespace bullion::table {

// Parquet options for table data files: the format's defaults (zstd), with
// row groups of at most 32 MiB uncompressed. A scan decodes one row group per
// worker at a time, so the row group bounds a reader's memory; 128 MiB
// (Spark's default) held ~4× more per core for no measurable gain in size.
inline parquet::WriteOptions table_parquet_options() {
  parquet::WriteOptions o;
  o.row_group_bytes = size_t{32} << 20;
  return o;
}

struct DataWriteOptions {
  uint64_t target_file_bytes = uint64_t{128} << 20;  // roll over to a new file after this many bytes
  parquet::WriteOptions parquet = table_parquet_options();
  // Tags put on every add (e.g. bullion's ingest ledger).
  std::map<std::string, std::string> tags;
  bool data_change = true;
};

class DataFileWriter {
 public:
  DataFileWriter(std::string table_path, SchemaPtr table_schema, std::vector<std::string> partition_columns,
                 DataWriteOptions options = {});
  ~DataFileWriter();
  DataFileWriter(const DataFileWriter&) = delete;
  DataFileWriter& operator=(const DataFileWriter&) = delete;

  // `batch` must have the table schema (same names and types, any order of rows).
  void write(const Batch& batch);
  // Closes every open file and returns their adds (empty if nothing was written).
  std::vector<delta::AddFile> finish();

  uint64_t rows_written() const { return rows_; }

 private:
  struct OpenFile;
  void roll(OpenFile& file);
  OpenFile& file_for(const std::vector<Value>& partition_values, const std::string& key);

  std::string table_path_;
  SchemaPtr table_schema_;
  std::vector<std::string> partition_columns_;
  std::vector<size_t> partition_indexes_;
  std::vector<size_t> data_indexes_;
  SchemaPtr data_schema_;
  DataWriteOptions options_;
  std::map<std::string, std::unique_ptr<OpenFile>> open_;
  std::vector<delta::AddFile> done_;
  std::vector<std::string> dirs_to_sync_;
  uint64_t rows_ = 0;
};

// The Delta `stats` JSON of a written Parquet file: numRecords and, for the
// first 32 top-level primitive columns, minValues, maxValues and nullCount
// (timestamps truncated to milliseconds as Spark writes them; strings longer
// than 32 characters keep a prefix as min and no max).
std::string stats_json(const parquet::WrittenFile& file, const Schema& data_schema);

}  // namespace bullion::table
