// bullion/columnar/batch.h — a batch of rows: a schema and one column per field.
//
// The unit of data flow between operators (DESIGN: files → batches →
// operators → batches → files). Columns are shared, so project() and
// renaming are free; take() gathers rows without copying string bytes.
// Batches are immutable once built and safe to read from many threads.
#pragma once

#include <string>
#include <vector>

#include "bullion/columnar/column.h"
#include "bullion/columnar/type.h"
#include "bullion/columnar/value.h"

namespace bullion {

class Batch {
 public:
  Batch() : schema_(std::make_shared<Schema>()) {}
  // Every column must have num_rows rows and the type of its field.
  Batch(SchemaPtr schema, std::vector<ColumnPtr> columns, size_t num_rows);
  // Empty columns for a schema, ready to be appended to.
  static Batch empty(SchemaPtr schema);

  const SchemaPtr& schema() const { return schema_; }
  size_t num_rows() const { return num_rows_; }
  size_t num_columns() const { return columns_.size(); }
  const ColumnPtr& column(size_t i) const { return columns_[i]; }
  const std::vector<ColumnPtr>& columns() const { return columns_; }
  // The column of that exact name; throws InvalidInput naming the column and the schema.
  const ColumnPtr& column(std::string_view name) const;

  Batch project(const std::vector<size_t>& indices) const;
  Batch take(const uint32_t* rows, size_t n) const;
  Batch slice(size_t offset, size_t n) const;
  // Rows of `other` (same schema) appended into new columns.
  static Batch concat(const std::vector<Batch>& batches);

  // Re-reads the row count from the columns after appending through column().
  void sync_num_rows();

  std::vector<Value> row(size_t i) const;
  size_t memory_bytes() const;
  // A small aligned text table, for tests and debugging.
  std::string to_string(size_t max_rows = 20) const;

 private:
  SchemaPtr schema_;
  std::vector<ColumnPtr> columns_;
  size_t num_rows_ = 0;
};

}  // namespace bullion
