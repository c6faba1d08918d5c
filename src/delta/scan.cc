#include "bullion/delta/scan.h"

#include <algorithm>

#include "bullion/core/error.h"
#include "bullion/core/time.h"
#include "bullion/delta/deletion_vector.h"
#include "bullion/formats/parquet/reader.h"

namespace bullion::delta {

namespace {

const std::string* physical_name_of(const Field& f, ColumnMappingMode mode) {
  return mode == ColumnMappingMode::kNone ? nullptr : f.metadata_value("delta.columnMapping.physicalName");
}

std::string file_name_of(const Field& f, ColumnMappingMode mode) {
  const std::string* p = physical_name_of(f, mode);
  return p ? *p : f.name;
}

const std::string* field_id_of(const Field& f) { return f.metadata_value("delta.columnMapping.id"); }

// Index of the file field matching a logical field (by id in id mode, else by physical name).
std::optional<size_t> match_field(const std::vector<Field>& file_fields, const Field& logical, ColumnMappingMode mode) {
  if (mode == ColumnMappingMode::kId) {
    if (const std::string* id = field_id_of(logical))
      for (size_t i = 0; i < file_fields.size(); ++i)
        if (const std::string* fid = file_fields[i].metadata_value("parquet.field_id"); fid && *fid == *id) return i;
  }
  const std::string name = file_name_of(logical, mode);
  for (size_t i = 0; i < file_fields.size(); ++i)
    if (file_fields[i].name == name) return i;
  return std::nullopt;
}

template <class From, class To>
ColumnPtr widen(const Column& c, const DataType& to) {
  auto out = Column::make(to);
  out->resize(c.size());
  const From* src = c.data<From>();
  To* dst = out->mutable_data<To>();
  for (size_t i = 0; i < c.size(); ++i) dst[i] = static_cast<To>(src[i]);
  if (c.may_have_nulls()) std::memcpy(out->mutable_validity(), c.validity(), c.size());
  return out;
}

ColumnPtr widen_integer(const Column& c, const DataType& to) {
  switch (c.type().id()) {
    case TypeId::kInt8:
      if (to.id() == TypeId::kInt16) return widen<int8_t, int16_t>(c, to);
      if (to.id() == TypeId::kInt32) return widen<int8_t, int32_t>(c, to);
      if (to.id() == TypeId::kInt64) return widen<int8_t, int64_t>(c, to);
      if (to.id() == TypeId::kDouble) return widen<int8_t, double>(c, to);
      break;
    case TypeId::kInt16:
      if (to.id() == TypeId::kInt32) return widen<int16_t, int32_t>(c, to);
      if (to.id() == TypeId::kInt64) return widen<int16_t, int64_t>(c, to);
      if (to.id() == TypeId::kDouble) return widen<int16_t, double>(c, to);
      break;
    case TypeId::kInt32:
      if (to.id() == TypeId::kInt64) return widen<int32_t, int64_t>(c, to);
      if (to.id() == TypeId::kDouble) return widen<int32_t, double>(c, to);
      break;
    case TypeId::kInt64:
      if (to.id() == TypeId::kDouble) return widen<int64_t, double>(c, to);
      break;
    case TypeId::kFloat:
      if (to.id() == TypeId::kDouble) return widen<float, double>(c, to);
      break;
    default:
      break;
  }
  return nullptr;
}

// Same physical values, another logical type (TIMESTAMP vs TIMESTAMP_NTZ).
ColumnPtr relabel(const Column& c, const DataType& to) {
  auto out = Column::make(to);
  out->resize(c.size());
  std::memcpy(out->mutable_data<uint8_t>(), c.data<uint8_t>(), c.size() * to.value_width());
  if (c.may_have_nulls()) std::memcpy(out->mutable_validity(), c.validity(), c.size());
  return out;
}

}  // namespace

ColumnPtr conform_column(const ColumnPtr& column, const Field& target, ColumnMappingMode mode,
                         const std::string& where) {
  const DataType& from = column->type();
  const DataType& to = target.type;
  if (from == to) return column;
  auto fail = [&]() -> ColumnPtr {
    throw Error::unsupported("column '" + target.name + "' of " + where + " is " + from.to_string() +
                             " in the data file but " + to.to_string() + " in the table schema");
  };
  if (to.id() == TypeId::kStruct && from.id() == TypeId::kStruct) {
    auto out = Column::make(to);
    const auto& file_fields = from.children();
    for (size_t i = 0; i < to.children().size(); ++i) {
      const Field& tf = to.children()[i];
      const auto idx = match_field(file_fields, tf, mode);
      ColumnPtr child = idx ? conform_column(column->child_ptr(*idx), tf, mode, where)
                            : Column::constant(Value::null(tf.type), column->size());
      out->set_child(i, std::move(child));
    }
    out->resize(column->size());
    if (column->may_have_nulls()) std::memcpy(out->mutable_validity(), column->validity(), column->size());
    return out;
  }
  if ((to.id() == TypeId::kList && from.id() == TypeId::kList) ||
      (to.id() == TypeId::kMap && from.id() == TypeId::kMap)) {
    auto out = Column::make(to);
    for (size_t i = 0; i < to.children().size(); ++i)
      out->set_child(i, conform_column(column->child_ptr(i), to.child(i), mode, where));
    out->resize(column->size());
    std::memcpy(out->mutable_offsets(), column->offsets(), (column->size() + 1) * sizeof(int64_t));
    if (column->may_have_nulls()) std::memcpy(out->mutable_validity(), column->validity(), column->size());
    return out;
  }
  if ((from.id() == TypeId::kTimestamp || from.id() == TypeId::kTimestampNtz) &&
      (to.id() == TypeId::kTimestamp || to.id() == TypeId::kTimestampNtz))
    return relabel(*column, to);
  if (from.id() == TypeId::kDate && to.id() == TypeId::kTimestampNtz) {
    auto out = widen<int32_t, int64_t>(*column, to);
    int64_t* v = out->mutable_data<int64_t>();
    for (size_t i = 0; i < out->size(); ++i) v[i] *= kMicrosPerDay;
    return out;
  }
  if (to.id() == TypeId::kDecimal && (from.id() == TypeId::kDecimal || from.is_integer())) {
    const int from_scale = from.id() == TypeId::kDecimal ? from.scale() : 0;
    if (to.scale() < from_scale) return fail();
    int128 factor = 1;
    for (int i = from_scale; i < to.scale(); ++i) factor *= 10;
    auto out = Column::make(to);
    out->resize(column->size());
    int128* dst = out->mutable_data<int128>();
    for (size_t i = 0; i < column->size(); ++i) {
      int128 v;
      switch (from.id()) {
        case TypeId::kDecimal:
          v = column->data<int128>()[i];
          break;
        case TypeId::kInt8:
          v = column->data<int8_t>()[i];
          break;
        case TypeId::kInt16:
          v = column->data<int16_t>()[i];
          break;
        case TypeId::kInt32:
          v = column->data<int32_t>()[i];
          break;
        default:
          v = column->data<int64_t>()[i];
          break;
      }
      dst[i] = v * factor;
    }
    if (column->may_have_nulls()) std::memcpy(out->mutable_validity(), column->validity(), column->size());
    return out;
  }
  if (ColumnPtr widened = widen_integer(*column, to)) return widened;
  if (from.id() == TypeId::kNull) return Column::constant(Value::null(to), column->size());
  return fail();
}

DeltaScan::DeltaScan(Snapshot snapshot, DeltaScanOptions options)
    : snapshot_(std::move(snapshot)), options_(std::move(options)) {
  const Schema& schema = snapshot_.schema();
  std::vector<Field> fields;
  if (options_.columns.empty()) {
    for (size_t i = 0; i < schema.size(); ++i) columns_.push_back(i);
  } else {
    for (const std::string& name : options_.columns) {
      const auto idx = schema.find_case_insensitive(name);
      if (!idx)
        throw Error::invalid_input("Delta table '" + snapshot_.table_path() + "' has no column '" + name + "'",
                                   "columns are: " + schema.to_string());
      columns_.push_back(*idx);
    }
  }
  for (size_t idx : columns_) {
    Field f = schema.field(idx);
    f.metadata.clear();  // column-mapping metadata describes files, not batches
    fields.push_back(std::move(f));
  }
  if (options_.with_file_path) fields.emplace_back("_file", DataType::string(), false);
  schema_ = std::make_shared<Schema>(std::move(fields));
  if (options_.files) {
    explicit_files_ = std::move(*options_.files);
    options_.files.reset();
    for (const AddFile& f : explicit_files_)
      if (snapshot_.file_may_match(f, options_.filter)) files_.push_back(&f);
  } else {
    files_ = snapshot_.files_matching(options_.filter);
  }
}

void DeltaScan::read_file(size_t i, const std::function<void(Batch&&)>& emit) const {
  const AddFile& add = *files_[i];
  const Schema& table_schema = snapshot_.schema();
  const ColumnMappingMode mode = snapshot_.column_mapping_mode();
  const std::string path = snapshot_.data_file_path(add.path);
  const std::string where = "Delta table '" + snapshot_.table_path() + "' (file '" + add.path + "')";
  std::shared_ptr<const parquet::ParquetFile> file;
  try {
    file = parquet::ParquetFile::open(FileSystem::local(), path);
  } catch (const Error& e) {
    if (e.category() != ErrorCategory::kNotFound) throw;
    throw Error::not_found("data file '" + add.path + "' of version " + std::to_string(snapshot_.version()) +
                               " of Delta table '" + snapshot_.table_path() + "' no longer exists",
                           "it was probably removed by VACUUM (by bullion or another engine); this version can no "
                           "longer be read — read a later version");
  }
  const auto& partition_columns = snapshot_.partition_columns();
  std::vector<Value> partition_values;
  if (!partition_columns.empty()) partition_values = snapshot_.partition_values(add);

  // Data columns to read from the file, by output position.
  const Schema& file_schema = *file->schema();
  std::vector<std::string> read_names;
  std::vector<int> read_index(columns_.size(), -1);  // position in the scan's batches
  for (size_t out = 0; out < columns_.size(); ++out) {
    const Field& f = table_schema.field(columns_[out]);
    if (std::find(partition_columns.begin(), partition_columns.end(), f.name) != partition_columns.end()) continue;
    const auto idx = match_field(file_schema.fields(), f, mode);
    if (!idx) continue;  // added after this file was written: NULL
    read_index[out] = static_cast<int>(read_names.size());
    read_names.push_back(file_schema.field(*idx).name);
  }
  std::vector<uint64_t> deleted;
  if (add.deletion_vector)
    deleted = load_deletion_vector(FileSystem::local(), snapshot_.table_path(), *add.deletion_vector);

  parquet::ScanOptions scan_options;
  scan_options.columns = read_names;
  scan_options.batch_rows = options_.batch_rows;
  scan_options.memory = options_.memory;
  if (deleted.empty()) {
    // Prune row groups with the filter, on physical names of data columns.
    for (const ColumnPredicate& p : options_.filter) {
      const auto idx = table_schema.index_of(p.column);
      if (!idx || std::find(partition_columns.begin(), partition_columns.end(), p.column) != partition_columns.end())
        continue;
      const auto fidx = match_field(file_schema.fields(), table_schema.field(*idx), mode);
      if (!fidx) continue;
      ColumnPredicate physical = p;
      physical.column = file_schema.field(*fidx).name;
      scan_options.filter.push_back(std::move(physical));
    }
  }
  if (read_names.empty()) scan_options.columns = {file_schema.field(0).name};  // something to count rows by
  auto scanner = file->scan(scan_options);
  Batch batch;
  uint64_t row_base = 0;
  size_t next_deleted = 0;
  while (scanner->next(&batch)) {
    const size_t n = batch.num_rows();
    std::vector<ColumnPtr> columns;
    for (size_t out = 0; out < columns_.size(); ++out) {
      const Field& f = table_schema.field(columns_[out]);
      const auto pit = std::find(partition_columns.begin(), partition_columns.end(), f.name);
      if (pit != partition_columns.end()) {
        columns.push_back(Column::constant(partition_values[static_cast<size_t>(pit - partition_columns.begin())], n));
      } else if (read_index[out] < 0) {
        columns.push_back(Column::constant(Value::null(f.type), n));
      } else {
        columns.push_back(conform_column(batch.column(static_cast<size_t>(read_index[out])), f, mode, where));
      }
    }
    if (options_.with_file_path) columns.push_back(Column::constant(Value::string(add.path), n));
    Batch out(schema_, std::move(columns), n);
    if (!deleted.empty()) {
      std::vector<uint32_t> keep;
      keep.reserve(n);
      for (size_t r = 0; r < n; ++r) {
        const uint64_t row = row_base + r;
        while (next_deleted < deleted.size() && deleted[next_deleted] < row) ++next_deleted;
        if (next_deleted < deleted.size() && deleted[next_deleted] == row) continue;
        keep.push_back(static_cast<uint32_t>(r));
      }
      if (keep.size() != n) out = out.take(keep.data(), keep.size());
    }
    row_base += n;
    if (out.num_rows() > 0) emit(std::move(out));
  }
}

Batch DeltaScan::read_all() const {
  std::vector<Batch> batches;
  for (size_t i = 0; i < files_.size(); ++i) read_file(i, [&](Batch&& b) { batches.push_back(std::move(b)); });
  if (batches.empty()) return Batch::empty(schema_);
  return Batch::concat(batches);
}

}  // namespace bullion::delta
