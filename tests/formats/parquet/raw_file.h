// Test helper: builds Parquet files byte by byte from explicit schema
// elements, levels and encoded values — to produce shapes bullion's writer
// never emits (legacy 2-level lists, INT96, deprecated statistics, odd page
// layouts) and to corrupt files precisely.
#pragma once

#include <cstring>
#include <string>
#include <vector>

#include "bullion/core/fs.h"
#include "formats/parquet/compression.h"
#include "formats/parquet/metadata.h"
#include "formats/parquet/rle.h"

namespace bullion::parquet::testing {

struct RawPage {
  std::vector<int16_t> def;  // empty when the leaf's max_def is 0
  std::vector<int16_t> rep;  // empty when the leaf's max_rep is 0
  int32_t num_values = 0;    // level entries
  Encoding encoding = Encoding::kPlain;
  std::string values;  // encoded values
  bool v2 = false;
  bool compressed = true;  // v2: whether the values section is compressed
  // Header lies, for corruption tests.
  int32_t uncompressed_size_override = -1;
  int32_t compressed_size_delta = 0;
};

struct RawLeaf {
  std::vector<std::string> path;
  PhysicalType type = PhysicalType::kInt32;
  int16_t max_def = 0;
  int16_t max_rep = 0;
  Codec codec = Codec::kUncompressed;
  std::vector<RawPage> pages;
  bool has_dictionary = false;
  std::string dictionary;  // PLAIN-encoded entries
  int32_t dictionary_count = 0;
  // Leave dictionary_page_offset unset and point data_page_offset at the
  // dictionary page, as some writers do.
  bool omit_dictionary_offset = false;
  std::optional<Statistics> statistics;
};

inline void put_u32(std::string* s, uint32_t v) { s->append(reinterpret_cast<const char*>(&v), 4); }

template <class T>
std::string plain(const std::vector<T>& values) {
  std::string s;
  for (const T& v : values) s.append(reinterpret_cast<const char*>(&v), sizeof(T));
  return s;
}

inline std::string plain_strings(const std::vector<std::string>& values) {
  std::string s;
  for (const std::string& v : values) {
    put_u32(&s, static_cast<uint32_t>(v.size()));
    s += v;
  }
  return s;
}

inline std::string rle_levels(const std::vector<int16_t>& levels, int max_level, bool prefix) {
  std::string s;
  encode_levels(levels.data(), levels.size(), max_level, prefix, &s);
  return s;
}

// Serializes the file: "PAR1", per leaf [dictionary page] data pages, footer.
inline std::string build_raw_file(const std::vector<SchemaElement>& schema, const std::vector<RawLeaf>& leaves,
                                  int64_t num_rows, std::vector<ColumnOrder> orders = {},
                                  std::vector<KeyValue> kv = {}) {
  std::string file = "PAR1";
  FileMetaData m;
  m.schema = schema;
  m.num_rows = num_rows;
  m.column_orders = std::move(orders);
  m.key_value_metadata = std::move(kv);
  m.created_by = "raw-file-test-builder";
  RowGroup rg;
  rg.num_rows = num_rows;
  for (const RawLeaf& leaf : leaves) {
    PageCodec codec(leaf.codec);
    ColumnMetaData cm;
    cm.type = leaf.type;
    cm.path_in_schema = leaf.path;
    cm.codec = leaf.codec;
    cm.encodings = {Encoding::kPlain, Encoding::kRle};
    cm.statistics = leaf.statistics;
    const size_t start = file.size();
    if (leaf.has_dictionary) {
      std::string body;
      codec.compress(reinterpret_cast<const uint8_t*>(leaf.dictionary.data()), leaf.dictionary.size(), &body);
      PageHeader h;
      h.type = PageType::kDictionaryPage;
      h.uncompressed_page_size = static_cast<int32_t>(leaf.dictionary.size());
      h.compressed_page_size = static_cast<int32_t>(body.size());
      h.dictionary_page_header = DictionaryPageHeader{leaf.dictionary_count, Encoding::kPlain, std::nullopt};
      encode_page_header(h, &file);
      file += body;
      cm.dictionary_page_offset = static_cast<int64_t>(start);
    }
    cm.data_page_offset = static_cast<int64_t>(file.size());
    if (leaf.omit_dictionary_offset) {
      cm.dictionary_page_offset.reset();
      cm.data_page_offset = static_cast<int64_t>(start);
    }
    int64_t values = 0;
    for (const RawPage& p : leaf.pages) {
      PageHeader h;
      std::string body;
      if (!p.v2) {
        std::string raw;
        if (leaf.max_rep > 0) raw += rle_levels(p.rep, leaf.max_rep, true);
        if (leaf.max_def > 0) raw += rle_levels(p.def, leaf.max_def, true);
        raw += p.values;
        codec.compress(reinterpret_cast<const uint8_t*>(raw.data()), raw.size(), &body);
        h.type = PageType::kDataPage;
        h.uncompressed_page_size = static_cast<int32_t>(raw.size());
        h.data_page_header = DataPageHeader{p.num_values, p.encoding, Encoding::kRle, Encoding::kRle};
      } else {
        const std::string r = leaf.max_rep > 0 ? rle_levels(p.rep, leaf.max_rep, false) : "";
        const std::string d = leaf.max_def > 0 ? rle_levels(p.def, leaf.max_def, false) : "";
        body = r + d;
        if (p.compressed) {
          codec.compress(reinterpret_cast<const uint8_t*>(p.values.data()), p.values.size(), &body);
        } else {
          body += p.values;
        }
        h.type = PageType::kDataPageV2;
        h.uncompressed_page_size = static_cast<int32_t>(r.size() + d.size() + p.values.size());
        DataPageHeaderV2 v2;
        v2.num_values = p.num_values;
        v2.num_rows = p.num_values;
        v2.encoding = p.encoding;
        v2.definition_levels_byte_length = static_cast<int32_t>(d.size());
        v2.repetition_levels_byte_length = static_cast<int32_t>(r.size());
        v2.is_compressed = p.compressed;
        h.data_page_header_v2 = v2;
      }
      h.compressed_page_size = static_cast<int32_t>(body.size()) + p.compressed_size_delta;
      if (p.uncompressed_size_override >= 0) h.uncompressed_page_size = p.uncompressed_size_override;
      encode_page_header(h, &file);
      file += body;
      values += p.num_values;
    }
    cm.num_values = values;
    cm.total_compressed_size = static_cast<int64_t>(file.size() - start);
    cm.total_uncompressed_size = cm.total_compressed_size;
    ColumnChunk cc;
    cc.meta_data = cm;
    rg.columns.push_back(cc);
  }
  m.row_groups.push_back(rg);
  std::string footer;
  encode_file_metadata(m, &footer);
  file += footer;
  put_u32(&file, static_cast<uint32_t>(footer.size()));
  file += "PAR1";
  return file;
}

inline SchemaElement group(const std::string& name, int children, std::optional<Repetition> rep = Repetition::kOptional,
                           std::optional<ConvertedType> ct = std::nullopt) {
  SchemaElement e;
  e.name = name;
  e.num_children = children;
  e.repetition = rep;
  e.converted_type = ct;
  return e;
}

inline SchemaElement primitive(const std::string& name, PhysicalType t, Repetition rep,
                               std::optional<ConvertedType> ct = std::nullopt) {
  SchemaElement e;
  e.name = name;
  e.type = t;
  e.repetition = rep;
  e.converted_type = ct;
  return e;
}

inline void write_file(const std::string& path, const std::string& bytes) {
  auto f = FileSystem::local().open_write(path);
  f->append(bytes);
  f->close();
}

}  // namespace bullion::parquet::testing
