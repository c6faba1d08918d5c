#include "bullion/formats/parquet/reader.h"

#include <algorithm>
#include <cstring>

#include "bullion/core/error.h"
#include "formats/parquet/assembly.h"
#include "formats/parquet/column_reader.h"
#include "formats/parquet/metadata.h"
#include "formats/parquet/schema.h"
#include "formats/parquet/statistics.h"

namespace bullion::parquet {

struct ParquetFile::Impl {
  std::shared_ptr<RandomAccessFile> file;
  std::string path;
  std::string context;  // "'path'"
  uint64_t size = 0;
  uint64_t data_end = 0;  // where the footer starts
  FileMetaData meta;
  FileSchema schema;
  std::vector<ColumnOrder> orders;  // per leaf
  std::vector<RowGroupInfo> row_groups;
  std::vector<std::pair<std::string, std::string>> key_values;
  std::string created_by;
  int64_t num_rows = 0;
};

namespace {

[[noreturn]] void corrupt_file(const std::string& context, const std::string& what) {
  throw Error::corrupt(context + ": " + what, "the file is damaged or not a Parquet file; rewrite it from its source");
}

std::string hex4(const char* p) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  for (int i = 0; i < 4; ++i) {
    if (i) s += ' ';
    s += digits[(static_cast<uint8_t>(p[i]) >> 4) & 0xf];
    s += digits[static_cast<uint8_t>(p[i]) & 0xf];
  }
  return s;
}

std::unique_ptr<ParquetFile::Impl> open_impl(std::shared_ptr<RandomAccessFile> file) {
  auto impl = std::make_unique<ParquetFile::Impl>();
  impl->path = file->path();
  impl->context = "'" + impl->path + "'";
  impl->size = file->size();
  const std::string& ctx = impl->context;
  if (impl->size < 12) {
    corrupt_file(ctx, "a file of " + std::to_string(impl->size) + " bytes is too small to be Parquet (at least 12)");
  }
  char head[4], tail[8];
  file->read_at(0, 4, head);
  file->read_at(impl->size - 8, 8, tail);
  if (std::memcmp(tail + 4, "PARE", 4) == 0) {
    throw Error::unsupported(ctx + ": the file is encrypted (PARE footer), which bullion cannot read");
  }
  if (std::memcmp(tail + 4, "PAR1", 4) != 0) {
    corrupt_file(ctx, "the file does not end with the Parquet magic PAR1 (found " + hex4(tail + 4) +
                          "); it is truncated or not Parquet");
  }
  if (std::memcmp(head, "PAR1", 4) != 0) {
    corrupt_file(ctx, "the file does not start with the Parquet magic PAR1 (found " + hex4(head) + ")");
  }
  uint32_t footer_len;
  std::memcpy(&footer_len, tail, 4);
  if (footer_len == 0 || footer_len > impl->size - 12) {
    corrupt_file(ctx, "the footer length " + std::to_string(footer_len) + " does not fit the file of " +
                          std::to_string(impl->size) + " bytes");
  }
  impl->data_end = impl->size - 8 - footer_len;
  std::string footer(footer_len, '\0');
  file->read_at(impl->data_end, footer_len, footer.data());
  impl->meta = decode_file_metadata(reinterpret_cast<const uint8_t*>(footer.data()), footer.size(), ctx + " footer");
  FileMetaData& m = impl->meta;
  if (m.encrypted) throw Error::unsupported(ctx + ": the file has encrypted columns, which bullion cannot read");
  impl->schema = build_file_schema(m.schema, ctx);
  const std::vector<LeafInfo>& leaves = impl->schema.leaves;
  const size_t n = leaves.size();

  // Column orders: absent (older writers) means the type's order; a list of
  // the wrong length is ignored, and so are the statistics it would govern.
  if (m.column_orders.size() == n) {
    impl->orders = m.column_orders;
  } else {
    impl->orders.assign(n, m.column_orders.empty() ? ColumnOrder::kTypeDefined : ColumnOrder::kUnknown);
  }

  int64_t total_rows = 0;
  for (size_t g = 0; g < m.row_groups.size(); ++g) {
    const RowGroup& rg = m.row_groups[g];
    const std::string where = ctx + ": row group " + std::to_string(g);
    if (rg.num_rows < 0) corrupt_file(where, "has a negative row count");
    if (rg.columns.size() != n) {
      corrupt_file(where, "has " + std::to_string(rg.columns.size()) + " column chunks, the schema has " +
                              std::to_string(n) + " columns");
    }
    RowGroupInfo info;
    info.num_rows = rg.num_rows;
    info.total_byte_size = rg.total_byte_size;
    for (size_t c = 0; c < n; ++c) {
      const ColumnChunk& cc = rg.columns[c];
      const LeafInfo& leaf = leaves[c];
      if (cc.encrypted) throw Error::unsupported(where + ": column '" + leaf.dotted_path + "' is encrypted");
      if (cc.file_path) {
        throw Error::unsupported(where + ": column '" + leaf.dotted_path + "' is stored in another file ('" +
                                 *cc.file_path + "')");
      }
      if (!cc.meta_data) corrupt_file(where, "column '" + leaf.dotted_path + "' has no ColumnMetaData");
      const ColumnMetaData& cm = *cc.meta_data;
      if (cm.type != leaf.physical) {
        corrupt_file(where, "column '" + leaf.dotted_path + "' chunk has physical type " +
                                std::string(physical_type_name(cm.type)) + ", the schema says " +
                                std::string(physical_type_name(leaf.physical)));
      }
      if (cm.path_in_schema != leaf.path) {
        std::string p;
        for (const std::string& s : cm.path_in_schema) p += (p.empty() ? "" : ".") + s;
        corrupt_file(where, "column chunk " + std::to_string(c) + " has path '" + p + "', the schema says '" +
                                leaf.dotted_path + "'");
      }
      if (cm.num_values < 0) corrupt_file(where, "column '" + leaf.dotted_path + "' has a negative value count");
      ColumnChunkInfo ci;
      ci.path = leaf.path;
      ci.physical_type = std::string(physical_type_name(cm.type));
      ci.codec = std::string(codec_name(cm.codec));
      for (Encoding e : cm.encodings) ci.encodings.emplace_back(encoding_name(e));
      ci.num_values = cm.num_values;
      ci.compressed_size = cm.total_compressed_size;
      ci.uncompressed_size = cm.total_uncompressed_size;
      ci.stats = read_chunk_stats(leaf, cm.statistics, impl->orders[c], cm.num_values);
      info.columns.push_back(std::move(ci));
    }
    if (total_rows > INT64_MAX - rg.num_rows) corrupt_file(ctx, "row counts overflow");
    total_rows += rg.num_rows;
    impl->row_groups.push_back(std::move(info));
  }
  if (total_rows != m.num_rows) {
    corrupt_file(ctx, "the footer says " + std::to_string(m.num_rows) + " rows, its row groups hold " +
                          std::to_string(total_rows));
  }
  impl->num_rows = total_rows;
  for (const KeyValue& kv : m.key_value_metadata) impl->key_values.emplace_back(kv.key, kv.value.value_or(""));
  impl->created_by = m.created_by.value_or("");
  impl->file = std::move(file);
  return impl;
}

}  // namespace

ParquetFile::ParquetFile(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ParquetFile::~ParquetFile() = default;

std::shared_ptr<const ParquetFile> ParquetFile::open(std::shared_ptr<RandomAccessFile> file) {
  return std::make_shared<ParquetFile>(open_impl(std::move(file)));
}

std::shared_ptr<const ParquetFile> ParquetFile::open(FileSystem& fs, const std::string& path) {
  return open(std::shared_ptr<RandomAccessFile>(fs.open_read(path)));
}

const std::string& ParquetFile::path() const { return impl_->path; }
uint64_t ParquetFile::file_size() const { return impl_->size; }
const SchemaPtr& ParquetFile::schema() const { return impl_->schema.schema; }
int64_t ParquetFile::num_rows() const { return impl_->num_rows; }
size_t ParquetFile::num_row_groups() const { return impl_->row_groups.size(); }
const RowGroupInfo& ParquetFile::row_group(size_t i) const {
  BULLION_ASSERT(i < impl_->row_groups.size(), "row group index out of range");
  return impl_->row_groups[i];
}
const std::vector<std::pair<std::string, std::string>>& ParquetFile::key_value_metadata() const {
  return impl_->key_values;
}
const std::string& ParquetFile::created_by() const { return impl_->created_by; }

ColumnStats ParquetFile::row_group_stats(size_t row_group, size_t column) const {
  BULLION_ASSERT(row_group < impl_->row_groups.size() && column < impl_->schema.fields.size(),
                 "row group or column out of range");
  const RowGroupInfo& rg = impl_->row_groups[row_group];
  const AssemblyNode& node = impl_->schema.fields[column];
  ColumnStats s;
  if (node.kind == AssemblyNode::Kind::kLeaf && impl_->schema.leaves[node.leaf].max_rep == 0) {
    s = rg.columns[node.leaf].stats;
  }
  s.num_values = rg.num_rows;
  return s;
}

std::vector<size_t> ParquetFile::prune(const Conjunction& filter) const {
  std::vector<size_t> columns;
  for (const ColumnPredicate& p : filter) {
    const auto idx = impl_->schema.schema->index_of(p.column);
    if (!idx) {
      throw Error::invalid_input(impl_->context + ": the filter names column '" + p.column +
                                 "', which the file does not have (columns: " + impl_->schema.schema->to_string() +
                                 ")");
    }
    columns.push_back(*idx);
  }
  std::vector<size_t> out;
  for (size_t g = 0; g < impl_->row_groups.size(); ++g) {
    bool keep = true;
    for (size_t i = 0; i < filter.size() && keep; ++i) keep = may_match(filter[i], row_group_stats(g, columns[i]));
    if (keep) out.push_back(g);
  }
  return out;
}

// ---------------------------------------------------------------------------

struct ParquetScanner::State {
  std::shared_ptr<const ParquetFile> file;
  const ParquetFile::Impl* impl = nullptr;
  SchemaPtr schema;
  std::vector<size_t> fields;  // projected top-level field indices
  std::vector<size_t> row_groups;
  size_t next_row_group = 0;
  size_t current_row_group = 0;
  int64_t rows_left = 0;
  size_t batch_rows = 65536;
  ScanMemory memory;
  // Per projected field: one reader and one LeafData per leaf.
  std::vector<std::vector<std::unique_ptr<LeafReader>>> readers;
  std::vector<std::vector<LeafData>> leaf_data;

  explicit State(MemoryBudget& budget) : memory(budget) {}
};

std::unique_ptr<ParquetScanner> ParquetFile::scan(const ScanOptions& options) const {
  auto st = std::make_unique<ParquetScanner::State>(options.memory ? *options.memory : MemoryBudget::global());
  st->file = shared_from_this();
  st->impl = impl_.get();
  const Schema& full = *impl_->schema.schema;
  std::vector<Field> out_fields;
  if (options.columns.empty()) {
    for (size_t i = 0; i < full.size(); ++i) st->fields.push_back(i);
  } else {
    for (const std::string& name : options.columns) {
      const auto idx = full.index_of(name);
      if (!idx) {
        throw Error::invalid_input(impl_->context + ": no column '" + name + "' to read (columns: " + full.to_string() +
                                   ")");
      }
      st->fields.push_back(*idx);
    }
  }
  for (size_t f : st->fields) out_fields.push_back(full.field(f));
  st->schema = std::make_shared<Schema>(std::move(out_fields));
  std::vector<size_t> candidates;
  if (options.row_groups) {
    for (size_t g : *options.row_groups) {
      if (g >= impl_->row_groups.size()) {
        throw Error::invalid_input(impl_->context + ": row group " + std::to_string(g) +
                                   " does not exist (the file has " + std::to_string(impl_->row_groups.size()) + ")");
      }
      candidates.push_back(g);
    }
  } else {
    for (size_t g = 0; g < impl_->row_groups.size(); ++g) candidates.push_back(g);
  }
  if (options.filter.empty()) {
    st->row_groups = std::move(candidates);
  } else {
    const std::vector<size_t> keep = prune(options.filter);
    for (size_t g : candidates) {
      if (std::binary_search(keep.begin(), keep.end(), g)) st->row_groups.push_back(g);
    }
  }
  st->batch_rows = options.batch_rows == 0 ? 65536 : options.batch_rows;
  st->readers.resize(st->fields.size());
  st->leaf_data.resize(st->fields.size());
  return std::make_unique<ParquetScanner>(std::move(st));
}

ParquetScanner::ParquetScanner(std::unique_ptr<State> state) : state_(std::move(state)) {}
ParquetScanner::~ParquetScanner() = default;
const SchemaPtr& ParquetScanner::schema() const { return state_->schema; }
const std::vector<size_t>& ParquetScanner::row_groups() const { return state_->row_groups; }
uint64_t ParquetScanner::peak_reserved_bytes() const { return state_->memory.peak(); }

bool ParquetScanner::next(Batch* out) {
  State& st = *state_;
  const ParquetFile::Impl& impl = *st.impl;
  while (st.rows_left == 0) {
    for (auto& r : st.readers) r.clear();  // release the previous row group's buffers first
    if (st.next_row_group >= st.row_groups.size()) return false;
    st.current_row_group = st.row_groups[st.next_row_group++];
    const RowGroup& rg = impl.meta.row_groups[st.current_row_group];
    st.rows_left = rg.num_rows;
    if (st.rows_left == 0) continue;
    for (size_t i = 0; i < st.fields.size(); ++i) {
      const size_t f = st.fields[i];
      const size_t begin = impl.schema.leaf_begin[f], end = impl.schema.leaf_begin[f + 1];
      st.leaf_data[i].resize(end - begin);
      for (size_t l = begin; l < end; ++l) {
        st.readers[i].push_back(std::make_unique<LeafReader>(*impl.file, impl.context, impl.schema.leaves[l],
                                                             *rg.columns[l].meta_data, st.current_row_group,
                                                             impl.data_end, st.memory));
      }
    }
  }
  const size_t n = static_cast<size_t>(std::min<int64_t>(st.rows_left, static_cast<int64_t>(st.batch_rows)));
  std::vector<ColumnPtr> columns;
  columns.reserve(st.fields.size());
  for (size_t i = 0; i < st.fields.size(); ++i) {
    const size_t f = st.fields[i];
    for (size_t l = 0; l < st.readers[i].size(); ++l) st.readers[i][l]->read_rows(n, &st.leaf_data[i][l]);
    columns.push_back(assemble_field(impl.schema.fields[f], impl.schema.leaves, st.leaf_data[i],
                                     impl.schema.leaf_begin[f], n, impl.context));
  }
  st.rows_left -= static_cast<int64_t>(n);
  *out = Batch(st.schema, std::move(columns), n);
  return true;
}

Batch read_parquet(FileSystem& fs, const std::string& path, const ScanOptions& options) {
  auto file = ParquetFile::open(fs, path);
  auto scan = file->scan(options);
  std::vector<Batch> batches;
  Batch b;
  while (scan->next(&b)) batches.push_back(std::move(b));
  if (batches.empty()) return Batch::empty(scan->schema());
  if (batches.size() == 1) return std::move(batches.front());
  return Batch::concat(batches);
}

}  // namespace bullion::parquet
