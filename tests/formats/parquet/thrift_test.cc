// Thrift compact protocol codec and the Parquet metadata structs built on it.
#include <gtest/gtest.h>

#include "bullion/core/error.h"
#include "formats/parquet/metadata.h"
#include "formats/parquet/thrift_compact.h"

namespace bullion::parquet {
namespace {

const uint8_t* u8(const std::string& s) { return reinterpret_cast<const uint8_t*>(s.data()); }

TEST(ThriftCompact, EncodesFieldsAsTheSpecSays) {
  std::string out;
  CompactWriter w(&out);
  w.begin_struct();
  w.field_i32(1, -1);        // delta 1, type i32 (5), zigzag(-1) = 1
  w.field_bool(2, true);     // delta 1, type TRUE (1)
  w.field_i64(20, 150);      // delta 18 > 15: long form, type byte then zigzag i16 id 20 = 40
  w.field_binary(21, "ab");  // delta 1, binary (8), length 2
  w.end_struct();
  const std::string expected = std::string(
      "\x15\x01\x11\x06\x28\xac\x02\x18\x02"
      "ab\x00",
      12);
  EXPECT_EQ(out, expected);
}

TEST(ThriftCompact, RoundTripsValuesAndLists) {
  std::string out;
  CompactWriter w(&out);
  w.begin_struct();
  w.field_i16(1, -300);
  w.field_i64(2, INT64_MIN);
  w.field_double(3, 2.5);
  w.field_list_begin(4, WireType::kI32, 20);  // 20 >= 15 elements: size in a varint
  for (int i = 0; i < 20; ++i) w.element_i32(i * 1000 - 7);
  w.field_struct_begin(5);
  w.field_i8(1, -5);
  w.end_struct();
  w.end_struct();

  CompactReader r(u8(out), out.size(), "test");
  r.begin_struct();
  auto h = r.read_field();
  EXPECT_EQ(h.id, 1);
  EXPECT_EQ(r.read_i16(), -300);
  h = r.read_field();
  EXPECT_EQ(r.read_i64(), INT64_MIN);
  h = r.read_field();
  EXPECT_EQ(r.read_double(), 2.5);
  h = r.read_field();
  ASSERT_EQ(h.type, WireType::kList);
  const auto lh = r.read_list_header();
  ASSERT_EQ(lh.size, 20u);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(r.read_i32(), i * 1000 - 7);
  h = r.read_field();
  EXPECT_EQ(h.id, 5);
  r.skip(h.type);
  EXPECT_EQ(r.read_field().type, WireType::kStop);
  r.end_struct();
  EXPECT_EQ(r.remaining(), 0u);
}

TEST(ThriftCompact, RejectsMalformedInput) {
  auto expect_corrupt = [](const std::string& bytes, const char* what) {
    CompactReader r(u8(bytes), bytes.size(), "ctx");
    try {
      r.begin_struct();
      while (true) {
        auto h = r.read_field();
        if (h.type == WireType::kStop) break;
        r.skip(h.type);
      }
      ADD_FAILURE() << "no error for " << what;
    } catch (const Error& e) {
      EXPECT_EQ(e.category(), ErrorCategory::kCorrupt) << what;
      EXPECT_NE(e.message().find("ctx"), std::string::npos) << e.message();
    }
  };
  expect_corrupt(std::string("\x15", 1), "truncated varint");
  expect_corrupt(std::string("\x16\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 12), "overlong varint");
  expect_corrupt(std::string("\x18\x80\x80\x80\x80\x08", 6), "string longer than the data");
  expect_corrupt(std::string("\x19\xf5\xff\xff\xff\xff\x0f", 7), "list of 4 billion i32");
  expect_corrupt(std::string("\x1d", 1), "invalid type 13");
  // 40 nested structs exceed the depth bound.
  std::string deep;
  for (int i = 0; i < 40; ++i) deep += '\x1c';
  expect_corrupt(deep, "nesting");
}

TEST(ThriftCompact, ReadsFieldIdsAndTypesPastKnownOnes) {
  // A KeyValue with an unknown field 7 (a list of structs), skipped by the decoder.
  std::string out;
  CompactWriter w(&out);
  w.begin_struct();
  w.field_binary(1, "k");
  w.field_list_begin(7, WireType::kStruct, 1);
  w.element_struct_begin();
  w.field_i32(1, 3);
  w.end_struct();
  w.field_binary(2, "v");
  w.end_struct();
  std::string file;
  CompactWriter fw(&file);
  fw.begin_struct();
  fw.field_i32(1, 1);
  fw.field_list_begin(2, WireType::kStruct, 1);
  fw.element_struct_begin();
  fw.field_binary(4, "schema");
  fw.field_i32(5, 0);
  fw.end_struct();
  fw.field_i64(3, 0);
  fw.field_list_begin(4, WireType::kStruct, 0);
  fw.field_list_begin(5, WireType::kStruct, 1);
  file += out;  // the KeyValue element
  fw.field_binary(6, "writer 1.0");
  fw.end_struct();
  const FileMetaData m = decode_file_metadata(u8(file), file.size(), "footer");
  ASSERT_EQ(m.key_value_metadata.size(), 1u);
  EXPECT_EQ(m.key_value_metadata[0].key, "k");
  EXPECT_EQ(m.key_value_metadata[0].value, "v");
  EXPECT_EQ(m.created_by, "writer 1.0");
}

TEST(Metadata, FileMetaDataRoundTrips) {
  FileMetaData m;
  m.version = 1;
  SchemaElement root;
  root.name = "schema";
  root.num_children = 1;
  SchemaElement leaf;
  leaf.name = "ts";
  leaf.type = PhysicalType::kInt64;
  leaf.repetition = Repetition::kOptional;
  leaf.converted_type = ConvertedType::kTimestampMicros;
  LogicalType lt;
  lt.kind = LogicalType::Kind::kTimestamp;
  lt.adjusted_to_utc = true;
  lt.unit = TimeUnit::kMicros;
  leaf.logical_type = lt;
  m.schema = {root, leaf};
  m.num_rows = 42;
  RowGroup rg;
  rg.num_rows = 42;
  rg.total_byte_size = 1000;
  ColumnChunk cc;
  ColumnMetaData cm;
  cm.type = PhysicalType::kInt64;
  cm.encodings = {Encoding::kPlain, Encoding::kRle, Encoding::kRleDictionary};
  cm.path_in_schema = {"ts"};
  cm.codec = Codec::kZstd;
  cm.num_values = 42;
  cm.total_uncompressed_size = 500;
  cm.total_compressed_size = 300;
  cm.data_page_offset = 100;
  cm.dictionary_page_offset = 4;
  Statistics st;
  st.null_count = 2;
  st.min_value = std::string("\x01\x00\x00\x00\x00\x00\x00\x00", 8);
  st.max_value = std::string("\x09\x00\x00\x00\x00\x00\x00\x00", 8);
  st.is_max_value_exact = true;
  cm.statistics = st;
  cm.encoding_stats = {{PageType::kDictionaryPage, Encoding::kPlain, 1},
                       {PageType::kDataPage, Encoding::kRleDictionary, 3}};
  cc.meta_data = cm;
  rg.columns = {cc};
  m.row_groups = {rg};
  m.key_value_metadata = {{"a", std::string("b")}, {"no-value", std::nullopt}};
  m.created_by = "bullion test";
  m.column_orders = {ColumnOrder::kTypeDefined};

  std::string bytes;
  encode_file_metadata(m, &bytes);
  const FileMetaData d = decode_file_metadata(u8(bytes), bytes.size(), "footer");
  ASSERT_EQ(d.schema.size(), 2u);
  EXPECT_EQ(d.schema[1].name, "ts");
  ASSERT_TRUE(d.schema[1].logical_type.has_value());
  EXPECT_EQ(d.schema[1].logical_type->kind, LogicalType::Kind::kTimestamp);
  EXPECT_TRUE(d.schema[1].logical_type->adjusted_to_utc);
  EXPECT_EQ(d.schema[1].logical_type->unit, TimeUnit::kMicros);
  EXPECT_EQ(d.schema[1].converted_type, ConvertedType::kTimestampMicros);
  EXPECT_EQ(d.num_rows, 42);
  const ColumnMetaData& dm = *d.row_groups[0].columns[0].meta_data;
  EXPECT_EQ(dm.codec, Codec::kZstd);
  EXPECT_EQ(dm.encodings.size(), 3u);
  EXPECT_EQ(dm.dictionary_page_offset, 4);
  EXPECT_EQ(dm.statistics->null_count, 2);
  EXPECT_EQ(dm.statistics->min_value, st.min_value);
  EXPECT_EQ(dm.statistics->is_max_value_exact, true);
  EXPECT_FALSE(dm.statistics->min.has_value());
  ASSERT_EQ(dm.encoding_stats.size(), 2u);
  EXPECT_EQ(dm.encoding_stats[1].count, 3);
  EXPECT_EQ(d.key_value_metadata[1].key, "no-value");
  EXPECT_FALSE(d.key_value_metadata[1].value.has_value());
  EXPECT_EQ(d.column_orders, std::vector<ColumnOrder>{ColumnOrder::kTypeDefined});
}

TEST(Metadata, PageHeaderRoundTripsAndReportsItsSize) {
  PageHeader h;
  h.type = PageType::kDataPageV2;
  h.uncompressed_page_size = 1000;
  h.compressed_page_size = 400;
  DataPageHeaderV2 v2;
  v2.num_values = 10;
  v2.num_nulls = 2;
  v2.num_rows = 5;
  v2.encoding = Encoding::kDeltaBinaryPacked;
  v2.definition_levels_byte_length = 3;
  v2.repetition_levels_byte_length = 4;
  v2.is_compressed = false;
  h.data_page_header_v2 = v2;
  std::string bytes;
  encode_page_header(h, &bytes);
  bytes += "trailing page data";
  size_t size = 0;
  const PageHeader d = decode_page_header(u8(bytes), bytes.size(), "page", &size);
  EXPECT_EQ(size, bytes.size() - 18);
  ASSERT_TRUE(d.data_page_header_v2.has_value());
  EXPECT_EQ(d.data_page_header_v2->num_rows, 5);
  EXPECT_EQ(d.data_page_header_v2->encoding, Encoding::kDeltaBinaryPacked);
  EXPECT_FALSE(d.data_page_header_v2->is_compressed);
}

TEST(Metadata, MissingRequiredFieldsAreCorrupt) {
  std::string bytes;
  CompactWriter w(&bytes);
  w.begin_struct();
  w.field_i32(1, 1);
  w.end_struct();  // no schema, num_rows, row_groups
  try {
    decode_file_metadata(u8(bytes), bytes.size(), "'x.parquet' footer");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.category(), ErrorCategory::kCorrupt);
    EXPECT_NE(e.message().find("'x.parquet' footer"), std::string::npos);
    EXPECT_NE(e.message().find("FileMetaData.schema"), std::string::npos);
  }
}

}  // namespace
}  // namespace bullion::parquet
