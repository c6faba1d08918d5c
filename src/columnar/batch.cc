#include "bullion/columnar/batch.h"

#include <algorithm>

#include "bullion/core/error.h"

namespace bullion {

Batch::Batch(SchemaPtr schema, std::vector<ColumnPtr> columns, size_t num_rows)
    : schema_(std::move(schema)), columns_(std::move(columns)), num_rows_(num_rows) {
  BULLION_ASSERT(schema_->size() == columns_.size(), "batch: column count differs from schema");
  for (size_t i = 0; i < columns_.size(); ++i) {
    BULLION_ASSERT(columns_[i]->size() == num_rows_, "batch: column length differs from row count");
    BULLION_ASSERT(columns_[i]->type().id() == schema_->field(i).type.id(), "batch: column type differs from schema");
  }
}

Batch Batch::empty(SchemaPtr schema) {
  std::vector<ColumnPtr> columns;
  for (const Field& f : schema->fields()) columns.push_back(Column::make(f.type));
  return Batch(std::move(schema), std::move(columns), 0);
}

const ColumnPtr& Batch::column(std::string_view name) const {
  const auto index = schema_->index_of(name);
  if (!index)
    throw Error::invalid_input("no column '" + std::string(name) + "' in batch",
                               "columns are: " + schema_->to_string());
  return columns_[*index];
}

Batch Batch::project(const std::vector<size_t>& indices) const {
  std::vector<Field> fields;
  std::vector<ColumnPtr> columns;
  for (size_t i : indices) {
    fields.push_back(schema_->field(i));
    columns.push_back(columns_[i]);
  }
  return Batch(std::make_shared<Schema>(std::move(fields)), std::move(columns), num_rows_);
}

Batch Batch::take(const uint32_t* rows, size_t n) const {
  std::vector<ColumnPtr> columns;
  columns.reserve(columns_.size());
  for (const auto& c : columns_) columns.push_back(c->take(rows, n));
  return Batch(schema_, std::move(columns), n);
}

Batch Batch::slice(size_t offset, size_t n) const {
  std::vector<ColumnPtr> columns;
  columns.reserve(columns_.size());
  for (const auto& c : columns_) columns.push_back(c->slice(offset, n));
  return Batch(schema_, std::move(columns), n);
}

Batch Batch::concat(const std::vector<Batch>& batches) {
  BULLION_ASSERT(!batches.empty(), "concat of no batches");
  Batch out = empty(batches.front().schema());
  size_t total = 0;
  for (const Batch& b : batches) total += b.num_rows();
  for (size_t c = 0; c < out.num_columns(); ++c) {
    out.columns_[c]->reserve(total);
    for (const Batch& b : batches) out.columns_[c]->append_from(*b.column(c), 0, b.num_rows());
  }
  out.num_rows_ = total;
  return out;
}

void Batch::sync_num_rows() { num_rows_ = columns_.empty() ? 0 : columns_.front()->size(); }

std::vector<Value> Batch::row(size_t i) const {
  std::vector<Value> out;
  out.reserve(columns_.size());
  for (const auto& c : columns_) out.push_back(c->value(i));
  return out;
}

size_t Batch::memory_bytes() const {
  size_t bytes = 0;
  for (const auto& c : columns_) bytes += c->memory_bytes();
  return bytes;
}

std::string Batch::to_string(size_t max_rows) const {
  const size_t rows = std::min(max_rows, num_rows_);
  std::vector<std::vector<std::string>> cells(rows + 1);
  for (const Field& f : schema_->fields()) cells[0].push_back(f.name);
  for (size_t r = 0; r < rows; ++r)
    for (const auto& c : columns_) cells[r + 1].push_back(c->value(r).to_display());
  std::vector<size_t> width(columns_.size(), 0);
  for (const auto& line : cells)
    for (size_t c = 0; c < line.size(); ++c) width[c] = std::max(width[c], line[c].size());
  std::string out;
  for (const auto& line : cells) {
    for (size_t c = 0; c < line.size(); ++c) {
      if (c) out += " | ";
      out += line[c];
      out.append(width[c] - line[c].size(), ' ');
    }
    out += '\n';
  }
  if (rows < num_rows_) out += "... (" + std::to_string(num_rows_) + " rows)\n";
  return out;
}

}  // namespace bullion
