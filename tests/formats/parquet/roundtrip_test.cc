// Write with bullion, read with bullion: every type, codec, page version and
// encoding; row groups, pages, projection, pruning, memory bounds.
#include <gtest/gtest.h>

#include "bullion/core/error.h"
#include "bullion/formats/parquet/reader.h"
#include "bullion/formats/parquet/writer.h"
#include "support/temp_dir.h"
#include "test_data.h"

namespace bullion::parquet {
namespace {

using testing::all_flat_fields;
using testing::expect_same_rows;
using testing::make_batch;
using testing::random_batch;

Batch read_all(const std::string& path, ScanOptions opts = {}) { return read_parquet(FileSystem::local(), path, opts); }

struct Variant {
  Compression compression;
  int page_version;
  bool dictionary;
};

class RoundTrip : public ::testing::TestWithParam<Variant> {};

TEST_P(RoundTrip, EveryFlatTypeWithNullsAcrossPagesAndRowGroups) {
  bullion::testing::TempDir dir;
  const Variant v = GetParam();
  WriteOptions opts;
  opts.compression = v.compression;
  opts.data_page_version = v.page_version;
  opts.dictionary = v.dictionary;
  opts.page_rows = 700;
  opts.row_group_rows = 2500;
  const Batch data = random_batch(all_flat_fields(), 6000, 42, 300);
  const std::string path = dir.file("t.parquet");
  auto w = ParquetWriter::open(FileSystem::local(), path, data.schema(), opts);
  // Uneven batches, as a pipeline would write.
  w->write(data.slice(0, 1));
  w->write(data.slice(1, 3000));
  w->write(data.slice(3001, 2999));
  const WrittenFile info = w->close();
  EXPECT_EQ(info.num_rows, 6000);
  EXPECT_EQ(info.num_row_groups, 3u);

  auto file = ParquetFile::open(FileSystem::local(), path);
  EXPECT_EQ(file->num_rows(), 6000);
  EXPECT_EQ(*file->schema(), *data.schema());
  EXPECT_EQ(file->row_group(0).num_rows, 2500);
  ScanOptions so;
  so.batch_rows = 999;
  expect_same_rows(data, read_all(path, so));
  for (const ColumnChunkInfo& c : file->row_group(0).columns) {
    EXPECT_EQ(c.codec, std::string(v.compression == Compression::kZstd     ? "ZSTD"
                                   : v.compression == Compression::kSnappy ? "SNAPPY"
                                   : v.compression == Compression::kGzip   ? "GZIP"
                                   : v.compression == Compression::kLz4Raw ? "LZ4_RAW"
                                                                           : "UNCOMPRESSED"));
  }
}

INSTANTIATE_TEST_SUITE_P(
    Variants, RoundTrip,
    ::testing::Values(Variant{Compression::kZstd, 1, true}, Variant{Compression::kZstd, 2, true},
                      Variant{Compression::kSnappy, 1, true}, Variant{Compression::kSnappy, 2, false},
                      Variant{Compression::kGzip, 1, false}, Variant{Compression::kGzip, 2, true},
                      Variant{Compression::kUncompressed, 1, true}, Variant{Compression::kUncompressed, 2, false},
                      Variant{Compression::kLz4Raw, 1, true}, Variant{Compression::kLz4Raw, 2, true}),
    [](const auto& info) {
      const Variant& v = info.param;
      std::string c = v.compression == Compression::kZstd     ? "zstd"
                      : v.compression == Compression::kSnappy ? "snappy"
                      : v.compression == Compression::kGzip   ? "gzip"
                      : v.compression == Compression::kLz4Raw ? "lz4raw"
                                                              : "none";
      return c + "_v" + std::to_string(v.page_version) + (v.dictionary ? "_dict" : "_plain");
    });

TEST(RoundTrip, ForcedEncodings) {
  bullion::testing::TempDir dir;
  const std::vector<Field> fields = {Field("i32", DataType::int32()),          Field("i64", DataType::int64()),
                                     Field("ts", DataType::timestamp()),       Field("dec", DataType::decimal(12, 2)),
                                     Field("f32", DataType::float32()),        Field("f64", DataType::float64()),
                                     Field("s1", DataType::string()),          Field("s2", DataType::string()),
                                     Field("b2", DataType::binary()),          Field("wide", DataType::decimal(30, 3)),
                                     Field("wide2", DataType::decimal(25, 0)), Field("date", DataType::date())};
  const Batch data = random_batch(fields, 3000, 9, 0);
  for (int version : {1, 2}) {
    WriteOptions opts;
    opts.data_page_version = version;
    opts.page_rows = 512;
    opts.column_encodings = {{"i32", ValueEncoding::kDeltaBinaryPacked},   {"i64", ValueEncoding::kDeltaBinaryPacked},
                             {"ts", ValueEncoding::kDeltaBinaryPacked},    {"dec", ValueEncoding::kByteStreamSplit},
                             {"f32", ValueEncoding::kByteStreamSplit},     {"f64", ValueEncoding::kByteStreamSplit},
                             {"s1", ValueEncoding::kDeltaLengthByteArray}, {"s2", ValueEncoding::kDeltaByteArray},
                             {"b2", ValueEncoding::kDeltaByteArray},       {"wide", ValueEncoding::kByteStreamSplit},
                             {"wide2", ValueEncoding::kDeltaByteArray},    {"date", ValueEncoding::kPlain}};
    const std::string path = dir.file("enc" + std::to_string(version) + ".parquet");
    write_parquet(FileSystem::local(), path, data, opts);
    expect_same_rows(data, read_all(path));
    auto file = ParquetFile::open(FileSystem::local(), path);
    const auto& cols = file->row_group(0).columns;
    auto has = [](const ColumnChunkInfo& c, const std::string& e) {
      return std::find(c.encodings.begin(), c.encodings.end(), e) != c.encodings.end();
    };
    EXPECT_TRUE(has(cols[0], "DELTA_BINARY_PACKED"));
    EXPECT_TRUE(has(cols[3], "BYTE_STREAM_SPLIT"));
    EXPECT_TRUE(has(cols[6], "DELTA_LENGTH_BYTE_ARRAY"));
    EXPECT_TRUE(has(cols[7], "DELTA_BYTE_ARRAY"));
    EXPECT_TRUE(has(cols[9], "BYTE_STREAM_SPLIT"));
    EXPECT_FALSE(has(cols[11], "RLE_DICTIONARY"));
  }
  WriteOptions bad;
  bad.column_encodings = {{"s1", ValueEncoding::kDeltaBinaryPacked}};
  EXPECT_THROW(write_parquet(FileSystem::local(), dir.file("bad.parquet"), data, bad), Error);
}

TEST(RoundTrip, DictionaryFallsBackToPlainWhenItGrowsTooLarge) {
  bullion::testing::TempDir dir;
  std::vector<std::vector<Value>> rows;
  for (int i = 0; i < 20000; ++i) {
    // First rows repeat a few values (dictionary pays), later ones are all distinct.
    rows.push_back({Value::string(i < 5000 ? "k" + std::to_string(i % 10) : "unique-" + std::to_string(i))});
  }
  const Batch data = make_batch({Field("s", DataType::string())}, rows);
  WriteOptions opts;
  opts.page_rows = 1000;
  opts.dictionary_page_bytes = 2000;
  const std::string path = dir.file("fallback.parquet");
  write_parquet(FileSystem::local(), path, data, opts);
  auto file = ParquetFile::open(FileSystem::local(), path);
  const auto& enc = file->row_group(0).columns[0].encodings;
  EXPECT_NE(std::find(enc.begin(), enc.end(), "RLE_DICTIONARY"), enc.end());
  EXPECT_NE(std::find(enc.begin(), enc.end(), "PLAIN"), enc.end());
  expect_same_rows(data, read_all(path));
}

TEST(RoundTrip, DictionaryThatDoesNotPayIsDropped) {
  bullion::testing::TempDir dir;
  std::vector<std::vector<Value>> rows;
  for (int64_t i = 0; i < 5000; ++i) rows.push_back({Value::int64(i * 7919)});
  const Batch data = make_batch({Field("id", DataType::int64())}, rows);
  const std::string path = dir.file("ids.parquet");
  write_parquet(FileSystem::local(), path, data);
  auto file = ParquetFile::open(FileSystem::local(), path);
  const auto& enc = file->row_group(0).columns[0].encodings;
  EXPECT_EQ(std::find(enc.begin(), enc.end(), "RLE_DICTIONARY"), enc.end());
  expect_same_rows(data, read_all(path));
}

TEST(RoundTrip, ProjectionReadsOnlyTheNamedColumnsInOrder) {
  bullion::testing::TempDir dir;
  const Batch data = random_batch(all_flat_fields(), 500, 5, 50);
  const std::string path = dir.file("p.parquet");
  write_parquet(FileSystem::local(), path, data);
  ScanOptions so;
  so.columns = {"s", "i8", "dec38"};
  const Batch got = read_all(path, so);
  expect_same_rows(data.project({7, 1, 14}), got);
  so.columns = {"nope"};
  try {
    read_all(path, so);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.category(), ErrorCategory::kInvalidInput);
    EXPECT_NE(e.message().find("nope"), std::string::npos);
  }
}

TEST(RoundTrip, RowGroupPruningWithStatistics) {
  bullion::testing::TempDir dir;
  std::vector<std::vector<Value>> rows;
  for (int64_t i = 0; i < 1000; ++i) {
    rows.push_back({Value::int64(i), Value::string("k" + std::to_string(1000 + i)),
                    i < 500 ? Value::null(DataType::float64()) : Value::float64(static_cast<double>(i))});
  }
  const Batch data = make_batch(
      {Field("id", DataType::int64()), Field("key", DataType::string()), Field("x", DataType::float64())}, rows);
  WriteOptions opts;
  opts.row_group_rows = 100;
  const std::string path = dir.file("prune.parquet");
  write_parquet(FileSystem::local(), path, data, opts);
  auto file = ParquetFile::open(FileSystem::local(), path);
  ASSERT_EQ(file->num_row_groups(), 10u);
  EXPECT_EQ(file->prune({{"id", CompareOp::kGe, {Value::int64(750)}}}), (std::vector<size_t>{7, 8, 9}));
  EXPECT_EQ(file->prune({{"id", CompareOp::kEq, {Value::int64(250)}}}), (std::vector<size_t>{2}));
  EXPECT_EQ(file->prune({{"key", CompareOp::kLt, {Value::string("k1150")}}}), (std::vector<size_t>{0, 1}));
  EXPECT_EQ(file->prune({{"x", CompareOp::kIsNotNull, {}}}), (std::vector<size_t>{5, 6, 7, 8, 9}));
  EXPECT_EQ(file->prune({{"x", CompareOp::kIsNull, {}}}), (std::vector<size_t>{0, 1, 2, 3, 4}));
  EXPECT_EQ(file->prune({{"id", CompareOp::kIn, {Value::int64(5), Value::int64(905)}}}), (std::vector<size_t>{0, 9}));
  EXPECT_EQ(file->prune({{"id", CompareOp::kGe, {Value::int64(300)}}, {"id", CompareOp::kLt, {Value::int64(400)}}}),
            (std::vector<size_t>{3}));
  ScanOptions so;
  so.filter = {{"id", CompareOp::kGt, {Value::int64(949)}}};
  auto scan = file->scan(so);
  EXPECT_EQ(scan->row_groups(), (std::vector<size_t>{9}));
  const Batch got = read_all(path, so);
  expect_same_rows(data.slice(900, 100), got);
  so.filter = {{"missing", CompareOp::kEq, {Value::int64(1)}}};
  EXPECT_THROW(file->scan(so), Error);
  so.filter = {};
  so.row_groups = std::vector<size_t>{4, 2};
  const Batch two = read_all(path, so);
  ASSERT_EQ(two.num_rows(), 200u);
  EXPECT_EQ(two.column(0)->value(0), Value::int64(400));
  EXPECT_EQ(two.column(0)->value(100), Value::int64(200));
}

TEST(RoundTrip, MetadataAndSummary) {
  bullion::testing::TempDir dir;
  const Batch data = make_batch({Field("x", DataType::int32()), Field("s", DataType::string())},
                                {{Value::int32(3), Value::string("b")},
                                 {Value::null(DataType::int32()), Value::string("a")},
                                 {Value::int32(-7), Value::null(DataType::string())}});
  WriteOptions opts;
  opts.key_value_metadata = {{"origin", "unit-test"}, {"k", ""}};
  const std::string path = dir.file("m.parquet");
  const WrittenFile info = write_parquet(FileSystem::local(), path, data, opts);
  EXPECT_EQ(info.num_rows, 3);
  EXPECT_EQ(info.file_size, FileSystem::local().stat(path).size);
  ASSERT_NE(info.stats_of("x"), nullptr);
  EXPECT_EQ(*info.stats_of("x")->min, Value::int32(-7));
  EXPECT_EQ(*info.stats_of("x")->max, Value::int32(3));
  EXPECT_EQ(info.stats_of("x")->null_count, 1);
  EXPECT_EQ(info.stats_of("x")->num_values, 3);
  EXPECT_EQ(*info.stats_of("s")->min, Value::string("a"));
  EXPECT_EQ(info.stats_of("nope"), nullptr);
  auto file = ParquetFile::open(FileSystem::local(), path);
  EXPECT_EQ(file->created_by(), "bullion version 0.1.0");
  EXPECT_EQ(file->key_value_metadata(),
            (std::vector<std::pair<std::string, std::string>>{{"origin", "unit-test"}, {"k", ""}}));
}

TEST(RoundTrip, EmptyFileKeepsItsSchema) {
  bullion::testing::TempDir dir;
  auto schema = std::make_shared<Schema>(all_flat_fields());
  const std::string path = dir.file("empty.parquet");
  auto w = ParquetWriter::open(FileSystem::local(), path, schema);
  const WrittenFile info = w->close();
  EXPECT_EQ(info.num_rows, 0);
  EXPECT_EQ(info.num_row_groups, 0u);
  const Batch got = read_all(path);
  EXPECT_EQ(got.num_rows(), 0u);
  EXPECT_EQ(*got.schema(), *schema);
}

TEST(RoundTrip, WriterRejectsBadBatches) {
  bullion::testing::TempDir dir;
  auto schema = std::make_shared<Schema>(std::vector<Field>{Field("id", DataType::int64(), false)});
  {
    auto w = ParquetWriter::open(FileSystem::local(), dir.file("a.parquet"), schema);
    const Batch wrong = make_batch({Field("id", DataType::int32(), false)}, {{Value::int32(1)}});
    try {
      w->write(wrong);
      FAIL();
    } catch (const Error& e) {
      EXPECT_EQ(e.category(), ErrorCategory::kInvalidInput);
      EXPECT_NE(e.message().find("a.parquet"), std::string::npos);
    }
  }
  auto w = ParquetWriter::open(FileSystem::local(), dir.file("b.parquet"), schema);
  const Batch with_null =
      make_batch({Field("id", DataType::int64(), false)}, {{Value::int64(1)}, {Value::null(DataType::int64())}});
  try {
    w->write(with_null);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.category(), ErrorCategory::kInvalidInput);
    EXPECT_NE(e.message().find("'id' is NOT NULL"), std::string::npos) << e.message();
    EXPECT_NE(e.message().find("row 1"), std::string::npos) << e.message();
  }
  EXPECT_THROW(w->close(), Error);
}

TEST(RoundTrip, StringsOutliveTheReader) {
  bullion::testing::TempDir dir;
  std::vector<std::vector<Value>> rows;
  for (int i = 0; i < 3000; ++i)
    rows.push_back({Value::string("value-" + std::to_string(i % 40)), Value::string("p" + std::to_string(i))});
  const Batch data = make_batch({Field("dict", DataType::string()), Field("plain", DataType::string())}, rows);
  const std::string path = dir.file("s.parquet");
  WriteOptions opts;
  opts.page_rows = 100;
  write_parquet(FileSystem::local(), path, data, opts);
  std::vector<Batch> kept;
  {
    auto file = ParquetFile::open(FileSystem::local(), path);
    ScanOptions so;
    so.batch_rows = 250;
    auto scan = file->scan(so);
    Batch b;
    while (scan->next(&b)) kept.push_back(b);
  }
  // The file, the scanner and its page buffers are gone; the views stay valid.
  expect_same_rows(data, Batch::concat(kept));
}

TEST(RoundTrip, ScanMemoryIsBoundedByTheBudget) {
  bullion::testing::TempDir dir;
  const std::vector<Field> fields = {Field("id", DataType::int64()), Field("name", DataType::string()),
                                     Field("score", DataType::float64())};
  const std::string path = dir.file("big.parquet");
  {
    auto w = ParquetWriter::open(FileSystem::local(), path, std::make_shared<Schema>(fields));
    for (int part = 0; part < 10; ++part) w->write(random_batch(fields, 30000, 100 + part, 0));
    w->close();
  }
  MemoryBudget budget(size_t{8} << 20);
  ScanOptions so;
  so.memory = &budget;
  auto file = ParquetFile::open(FileSystem::local(), path);
  auto scan = file->scan(so);
  Batch b;
  size_t rows = 0;
  while (scan->next(&b)) rows += b.num_rows();
  EXPECT_EQ(rows, 300000u);
  EXPECT_GT(scan->peak_reserved_bytes(), 0u);
  EXPECT_LE(scan->peak_reserved_bytes(), budget.limit());
  scan.reset();
  EXPECT_EQ(budget.used(), 0u);
  // A budget too small for one page is a clear error.
  MemoryBudget tiny(16 << 10);
  so.memory = &tiny;
  try {
    auto s = file->scan(so);
    while (s->next(&b)) {
    }
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.category(), ErrorCategory::kUnsupported);
    EXPECT_NE(e.message().find("memory budget"), std::string::npos) << e.message();
    EXPECT_NE(e.message().find("big.parquet"), std::string::npos) << e.message();
  }
  EXPECT_EQ(tiny.used(), 0u);
}

TEST(RoundTrip, RowGroupsAreBoundedByBytes) {
  bullion::testing::TempDir dir;
  const std::vector<Field> fields = {Field("id", DataType::int64()), Field("name", DataType::string())};
  WriteOptions opts;
  opts.row_group_bytes = 256 << 10;
  const std::string path = dir.file("rg.parquet");
  const Batch data = random_batch(fields, 100000, 1, 0);
  write_parquet(FileSystem::local(), path, data, opts);
  auto file = ParquetFile::open(FileSystem::local(), path);
  EXPECT_GT(file->num_row_groups(), 3u);
  for (size_t g = 0; g < file->num_row_groups(); ++g) {
    EXPECT_LT(file->row_group(g).total_byte_size, 2 * (256 << 10)) << "row group " << g;
  }
  expect_same_rows(data, read_all(path));
}

}  // namespace
}  // namespace bullion::parquet

namespace bullion::parquet {
namespace {

TEST(RoundTrip, WriterEndsRowGroupsEarlyUnderATightBudget) {
  bullion::testing::TempDir dir;
  const std::vector<Field> fields = {Field("id", DataType::int64()), Field("name", DataType::string())};
  const Batch data = testing::random_batch(fields, 100000, 3, 0);
  MemoryBudget budget(size_t{1} << 20);
  budget.set_force_spill(true);  // a writer cannot spill: force_spill does not change its behaviour
  WriteOptions opts;
  opts.memory = &budget;
  const std::string path = dir.file("tight.parquet");
  const WrittenFile info = write_parquet(FileSystem::local(), path, data, opts);
  EXPECT_GT(info.num_row_groups, 1u);
  EXPECT_EQ(budget.used(), 0u);
  EXPECT_LE(budget.peak(), budget.limit());
  testing::expect_same_rows(data, read_parquet(FileSystem::local(), path));
}

}  // namespace
TEST(ScanMemory, PagesAreReadWhenSpillableReservationsFillTheBudget) {
  // Regression: an aggregation that had reserved up to the limit made the
  // next page of its input scan fail ("does not fit the memory budget")
  // instead of spilling.
  bullion::testing::TempDir dir;
  const std::vector<Field> fields = {Field("i", DataType::int64()), Field("s", DataType::string())};
  const Batch batch = random_batch(fields, 20000, 5, 1000);
  const std::string path = dir.file("t.parquet");
  write_parquet(FileSystem::local(), path, batch);
  MemoryBudget budget(uint64_t{4} << 20);
  budget.reserve(budget.limit());  // a spilling operator holds everything
  ScanOptions so;
  so.memory = &budget;
  std::vector<Batch> got;
  auto scan = ParquetFile::open(FileSystem::local(), path)->scan(so);
  for (Batch b; scan->next(&b);) got.push_back(b);
  expect_same_rows(batch, Batch::concat(got));
  scan.reset();
  EXPECT_EQ(budget.used(), budget.limit());
  // Buffers that could never fit the limit are still refused.
  MemoryBudget tiny(1024);
  so.memory = &tiny;
  try {
    auto s = ParquetFile::open(FileSystem::local(), path)->scan(so);
    for (Batch b; s->next(&b);) {
    }
    FAIL() << "a 1 KiB budget read the file";
  } catch (const Error& e) {
    EXPECT_EQ(e.category(), ErrorCategory::kUnsupported);
    EXPECT_NE(std::string(e.what()).find("does not fit the memory budget"), std::string::npos) << e.what();
  }
  EXPECT_EQ(tiny.used(), 0u);
}

}  // namespace bullion::parquet
