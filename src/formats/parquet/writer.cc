#include "bullion/formats/parquet/writer.h"

#include <algorithm>
#include <cstring>

#include "bullion/core/error.h"
#include "bullion/version.h"
#include "formats/parquet/column_writer.h"
#include "formats/parquet/metadata.h"
#include "formats/parquet/schema.h"

namespace bullion::parquet {

namespace {

// Rows shredded per step; the row-group size is checked between steps.
constexpr size_t kSliceRows = 8192;

// Levels and value rows of one leaf for a slice of rows.
struct LeafShred {
  std::vector<int16_t> def;
  std::vector<int16_t> rep;
  std::vector<uint32_t> rows;
  const Column* column = nullptr;
  void clear() {
    def.clear();
    rep.clear();
    rows.clear();
    column = nullptr;
  }
};

}  // namespace

struct ParquetWriter::Impl {
  std::unique_ptr<WritableFile> file;
  std::string path;
  SchemaPtr schema;
  WriteOptions options;
  WriteSchema ws;
  std::vector<std::unique_ptr<LeafWriter>> leaves;
  std::vector<LeafShred> shreds;
  MemoryBudget& budget;
  uint64_t reserved = 0;  // bytes of the budget this writer holds
  uint64_t offset = 0;
  int64_t rg_rows = 0;
  int64_t total_rows = 0;
  std::vector<RowGroup> row_groups;
  std::string chunk_bytes;
  bool closed = false;
  bool failed = false;

  explicit Impl(MemoryBudget& b) : budget(b) {}
  ~Impl() { budget.release(reserved); }

  // Holds `total` bytes of the budget; false (holding what it had) if the
  // budget refuses. Unlike MemoryReservation this ignores force_spill: a
  // writer cannot spill, it can only end its row group early.
  bool reserve(uint64_t total) {
    if (total <= reserved) {
      budget.release(reserved - total);
      reserved = total;
      return true;
    }
    if (!budget.try_reserve(total - reserved)) return false;
    reserved = total;
    return true;
  }

  [[noreturn]] void invalid(const std::string& what) const {
    throw Error::invalid_input("writing '" + path + "': " + what);
  }

  void append(std::string_view data) {
    file->append(data);
    offset += data.size();
  }

  size_t buffered_uncompressed() const {
    size_t n = 0;
    for (const auto& l : leaves) n += l->buffered_uncompressed();
    return n;
  }
  size_t buffered_memory() const {
    size_t n = 0;
    for (const auto& l : leaves) n += l->buffered_memory();
    return n;
  }

  void emit_null(const WriteNode& node, int16_t def, int16_t rep) {
    if (node.kind == AssemblyNode::Kind::kLeaf) {
      const WriteLeaf& leaf = ws.leaves[node.leaf];
      LeafShred& s = shreds[node.leaf];
      if (leaf.max_def > 0) s.def.push_back(def);
      if (leaf.max_rep > 0) s.rep.push_back(rep);
      return;
    }
    for (const WriteNode& c : node.children) emit_null(c, def, rep);
  }

  void shred(const WriteNode& node, const Column& col, size_t row, int16_t def, int16_t rep, const std::string& field) {
    if (col.is_null(row)) {
      if (!node.nullable) {
        invalid("column '" + field + "' is NOT NULL (or a map key) but has a NULL at row " +
                std::to_string(total_rows + rg_rows + static_cast<int64_t>(row)));
      }
      emit_null(node, def, rep);
      return;
    }
    const int16_t d = static_cast<int16_t>(def + (node.nullable ? 1 : 0));
    switch (node.kind) {
      case AssemblyNode::Kind::kLeaf: {
        const WriteLeaf& leaf = ws.leaves[node.leaf];
        LeafShred& s = shreds[node.leaf];
        if (leaf.max_def > 0) s.def.push_back(d);
        if (leaf.max_rep > 0) s.rep.push_back(rep);
        s.rows.push_back(static_cast<uint32_t>(row));
        s.column = &col;
        return;
      }
      case AssemblyNode::Kind::kStruct:
        for (size_t i = 0; i < node.children.size(); ++i) shred(node.children[i], col.child(i), row, d, rep, field);
        return;
      case AssemblyNode::Kind::kList:
      case AssemblyNode::Kind::kMap: {
        const int64_t b = col.offsets()[row], e = col.offsets()[row + 1];
        if (b == e) {
          for (const WriteNode& c : node.children) emit_null(c, d, rep);
          return;
        }
        for (int64_t j = b; j < e; ++j) {
          const int16_t r = j == b ? rep : node.repeated_rep;
          for (size_t c = 0; c < node.children.size(); ++c) {
            shred(node.children[c], col.child(c), static_cast<size_t>(j), static_cast<int16_t>(d + 1), r, field);
          }
        }
        return;
      }
    }
  }

  void write_field(size_t f, const Column& col, size_t begin, size_t count) {
    const WriteNode& node = ws.fields[f];
    const Field& field = schema->field(f);
    if (node.kind == AssemblyNode::Kind::kLeaf) {
      // Flat column: levels straight from the validity bytes.
      LeafWriter& lw = *leaves[node.leaf];
      const WriteLeaf& leaf = ws.leaves[node.leaf];
      const uint8_t* valid = col.validity();
      bool has_nulls = false;
      if (valid) {
        for (size_t i = 0; i < count && !has_nulls; ++i) has_nulls = valid[begin + i] == 0;
      }
      if (col.type().id() == TypeId::kNull) has_nulls = count > 0;
      if (leaf.max_def == 0) {
        if (has_nulls) {
          size_t i = 0;
          while (i < count && valid && valid[begin + i] != 0) ++i;
          invalid("column '" + field.name + "' is NOT NULL but has a NULL at row " +
                  std::to_string(total_rows + rg_rows + static_cast<int64_t>(i)));
        }
        lw.add(nullptr, nullptr, count, col, nullptr, begin);
        return;
      }
      LeafShred& s = shreds[node.leaf];
      s.clear();
      s.def.resize(count);
      if (!has_nulls) {
        std::fill(s.def.begin(), s.def.end(), static_cast<int16_t>(1));
        lw.add(s.def.data(), nullptr, count, col, nullptr, begin);
        return;
      }
      for (size_t i = 0; i < count; ++i) {
        const bool v = col.type().id() != TypeId::kNull && valid[begin + i] != 0;
        s.def[i] = v ? 1 : 0;
        if (v) s.rows.push_back(static_cast<uint32_t>(begin + i));
      }
      lw.add(s.def.data(), nullptr, count, col, s.rows.data(), 0);
      return;
    }
    const size_t lb = ws.leaf_begin[f], le = ws.leaf_begin[f + 1];
    for (size_t l = lb; l < le; ++l) shreds[l].clear();
    for (size_t r = begin; r < begin + count; ++r) shred(node, col, r, 0, 0, field.name);
    for (size_t l = lb; l < le; ++l) {
      LeafShred& s = shreds[l];
      const WriteLeaf& leaf = ws.leaves[l];
      const size_t n = leaf.max_def > 0 ? s.def.size() : (leaf.max_rep > 0 ? s.rep.size() : s.rows.size());
      const Column& values = s.column ? *s.column : col;
      leaves[l]->add(leaf.max_def > 0 ? s.def.data() : nullptr, leaf.max_rep > 0 ? s.rep.data() : nullptr, n, values,
                     s.rows.data(), 0);
    }
  }

  void flush_row_group() {
    if (rg_rows == 0) return;
    RowGroup rg;
    rg.num_rows = rg_rows;
    rg.file_offset = static_cast<int64_t>(offset);
    rg.ordinal = static_cast<int16_t>(std::min<size_t>(row_groups.size(), INT16_MAX));
    int64_t uncompressed = 0, compressed = 0;
    for (size_t l = 0; l < leaves.size(); ++l) {
      chunk_bytes.clear();
      ColumnChunk cc;
      ColumnMetaData meta;
      leaves[l]->finish_chunk(offset, &chunk_bytes, &meta);
      uncompressed += meta.total_uncompressed_size;
      compressed += meta.total_compressed_size;
      cc.file_offset = 0;  // deprecated; 0 per parquet.thrift
      cc.meta_data = std::move(meta);
      rg.columns.push_back(std::move(cc));
      append(chunk_bytes);
    }
    rg.total_byte_size = uncompressed;
    rg.total_compressed_size = compressed;
    row_groups.push_back(std::move(rg));
    total_rows += rg_rows;
    rg_rows = 0;
    reserve(buffered_memory());
  }
};

ParquetWriter::ParquetWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ParquetWriter::~ParquetWriter() {
  if (impl_ && impl_->file && !impl_->closed) {
    try {
      impl_->file->close();
    } catch (const Error&) {
      // The destructor closes silently; close() reports errors.
    }
  }
}

std::unique_ptr<ParquetWriter> ParquetWriter::open(FileSystem& fs, const std::string& path, SchemaPtr schema,
                                                   const WriteOptions& options) {
  return open(fs.open_write(path), std::move(schema), options);
}

std::unique_ptr<ParquetWriter> ParquetWriter::open(std::unique_ptr<WritableFile> file, SchemaPtr schema,
                                                   const WriteOptions& options) {
  auto impl = std::make_unique<Impl>(options.memory ? *options.memory : MemoryBudget::global());
  impl->path = file->path();
  impl->file = std::move(file);
  impl->schema = std::move(schema);
  impl->options = options;
  if (impl->options.page_rows == 0) impl->options.page_rows = 1;
  if (impl->options.row_group_rows == 0) impl->options.row_group_rows = 1;
  if (options.data_page_version != 1 && options.data_page_version != 2) {
    impl->invalid("data_page_version must be 1 or 2, not " + std::to_string(options.data_page_version));
  }
  impl->ws = build_write_schema(*impl->schema);
  for (const auto& [name, enc] : options.column_encodings) {
    if (!impl->schema->index_of(name))
      impl->invalid("column_encodings names column '" + name + "', which the schema lacks");
  }
  for (size_t f = 0; f < impl->schema->size(); ++f) {
    ValueEncoding enc = ValueEncoding::kDefault;
    for (const auto& [name, e] : options.column_encodings) {
      if (name == impl->schema->field(f).name) enc = e;
    }
    for (size_t l = impl->ws.leaf_begin[f]; l < impl->ws.leaf_begin[f + 1]; ++l) {
      impl->leaves.push_back(std::make_unique<LeafWriter>(impl->ws.leaves[l], impl->options, enc));
    }
  }
  impl->shreds.resize(impl->leaves.size());
  impl->append("PAR1");
  return std::make_unique<ParquetWriter>(std::move(impl));
}

const SchemaPtr& ParquetWriter::schema() const { return impl_->schema; }

void ParquetWriter::write(const Batch& batch) {
  Impl& w = *impl_;
  if (w.closed || w.failed) throw Error::internal("ParquetWriter::write after close() or a failed write");
  const Schema& bs = *batch.schema();
  if (bs.size() != w.schema->size()) {
    w.invalid("the batch has " + std::to_string(bs.size()) + " columns, the file " + std::to_string(w.schema->size()) +
              " (" + w.schema->to_string() + ")");
  }
  for (size_t i = 0; i < bs.size(); ++i) {
    const Field& a = bs.field(i);
    const Field& b = w.schema->field(i);
    if (a.name != b.name || !(a.type == b.type)) {
      w.invalid("batch column " + std::to_string(i) + " is '" + a.name + "' " + a.type.to_string() +
                ", the file's is '" + b.name + "' " + b.type.to_string());
    }
  }
  w.failed = true;  // until this write completes
  const size_t n = batch.num_rows();
  size_t r = 0;
  while (r < n) {
    const size_t rg_room = w.options.row_group_rows - static_cast<size_t>(w.rg_rows);
    const size_t slice = std::min({n - r, kSliceRows, rg_room});
    for (size_t f = 0; f < bs.size(); ++f) w.write_field(f, *batch.column(f), r, slice);
    w.rg_rows += static_cast<int64_t>(slice);
    r += slice;
    const bool full = static_cast<size_t>(w.rg_rows) >= w.options.row_group_rows ||
                      w.buffered_uncompressed() >= w.options.row_group_bytes;
    // A budget that refuses the buffered row group ends it early.
    if (full || !w.reserve(w.buffered_memory())) w.flush_row_group();
  }
  w.failed = false;
}

WrittenFile ParquetWriter::close() {
  Impl& w = *impl_;
  if (w.closed || w.failed) throw Error::internal("ParquetWriter::close after close() or a failed write");
  w.failed = true;
  w.flush_row_group();
  FileMetaData m;
  m.version = 1;
  m.schema = w.ws.elements;
  m.num_rows = w.total_rows;
  m.row_groups = std::move(w.row_groups);
  for (const auto& [k, v] : w.options.key_value_metadata) m.key_value_metadata.push_back({k, v});
  m.created_by = std::string("bullion version ") + kVersion;
  m.column_orders.assign(w.leaves.size(), ColumnOrder::kTypeDefined);
  std::string footer;
  encode_file_metadata(m, &footer);
  const uint32_t len = static_cast<uint32_t>(footer.size());
  footer.append(reinterpret_cast<const char*>(&len), 4);
  footer.append("PAR1");
  w.append(footer);
  if (w.options.sync_on_close) w.file->sync();
  w.file->close();
  w.closed = true;
  w.failed = false;
  w.reserve(0);

  WrittenFile out;
  out.path = w.path;
  out.num_rows = w.total_rows;
  out.file_size = w.offset;
  out.num_row_groups = m.row_groups.size();
  for (size_t l = 0; l < w.leaves.size(); ++l) {
    WrittenColumn c;
    c.path = w.ws.leaves[l].path;
    c.type = w.ws.leaves[l].type;
    c.stats = w.leaves[l]->file_stats();
    out.columns.push_back(std::move(c));
  }
  return out;
}

const ColumnStats* WrittenFile::stats_of(std::string_view name) const {
  for (const WrittenColumn& c : columns) {
    if (c.path.size() == 1 && c.path[0] == name) return &c.stats;
  }
  return nullptr;
}

WrittenFile write_parquet(FileSystem& fs, const std::string& path, const Batch& batch, const WriteOptions& options) {
  auto w = ParquetWriter::open(fs, path, batch.schema(), options);
  w->write(batch);
  return w->close();
}

}  // namespace bullion::parquet
