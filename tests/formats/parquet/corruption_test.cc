// Damaged files: every one gives a bullion::Error naming the file (and the
// column where one is involved) — never a crash, hang or huge allocation.
#include <gtest/gtest.h>

#include <random>

#include "bullion/core/error.h"
#include "bullion/formats/parquet/reader.h"
#include "bullion/formats/parquet/writer.h"
#include "raw_file.h"
#include "support/temp_dir.h"
#include "test_data.h"

namespace bullion::parquet {
namespace {

using namespace testing;

struct Corruption : ::testing::Test {
  bullion::testing::TempDir dir;
  MemoryBudget budget{size_t{64} << 20};

  std::string save(const std::string& bytes) {
    const std::string path = dir.file("c" + std::to_string(counter++) + ".parquet");
    write_file(path, bytes);
    return path;
  }

  // Opens and scans everything; returns the error, if any.
  std::optional<Error> try_read(const std::string& path) {
    try {
      auto file = ParquetFile::open(FileSystem::local(), path);
      ScanOptions so;
      so.memory = &budget;
      so.batch_rows = 100;
      auto scan = file->scan(so);
      Batch b;
      while (scan->next(&b)) {
      }
    } catch (const Error& e) {
      return e;
    }
    EXPECT_EQ(budget.used(), 0u);
    return std::nullopt;
  }

  Error expect_error(const std::string& bytes, ErrorCategory category, std::vector<std::string> fragments) {
    const std::string path = save(bytes);
    const std::optional<Error> e = try_read(path);
    if (!e) {
      ADD_FAILURE() << "no error";
      return Error::internal("no error");
    }
    EXPECT_EQ(e->category(), category) << e->message();
    EXPECT_NE(e->message().find(path), std::string::npos) << e->message();
    for (const std::string& f : fragments) EXPECT_NE(e->message().find(f), std::string::npos) << e->message();
    return *e;
  }

  // A small file with flat and nested columns, dictionary and plain pages.
  std::string sample(int version = 1, Compression c = Compression::kSnappy) {
    const DataType lt = DataType::list(DataType::string());
    std::vector<std::vector<Value>> rows;
    for (int i = 0; i < 300; ++i) {
      rows.push_back(
          {Value::int64(i), Value::string("k" + std::to_string(i % 7)),
           i % 5 ? Value::nested(lt, {Value::string("a"), Value::null(DataType::string())}) : Value::null(lt)});
    }
    const Batch b =
        make_batch({Field("id", DataType::int64()), Field("key", DataType::string()), Field("tags", lt)}, rows);
    const std::string path = dir.file("sample" + std::to_string(counter++) + ".parquet");
    WriteOptions opts;
    opts.page_rows = 64;
    opts.compression = c;
    opts.data_page_version = version;
    write_parquet(FileSystem::local(), path, b, opts);
    return FileSystem::local().read_all(path);
  }

  int counter = 0;
};

TEST_F(Corruption, EveryTruncationIsAnError) {
  const std::string good = sample();
  ASSERT_FALSE(try_read(save(good)).has_value());
  for (size_t len = 0; len < good.size(); ++len) {
    const std::optional<Error> e = try_read(save(good.substr(0, len)));
    ASSERT_TRUE(e.has_value()) << "length " << len;
    EXPECT_EQ(e->category(), ErrorCategory::kCorrupt) << e->message();
  }
}

TEST_F(Corruption, MagicAndFooterLength) {
  const std::string good = sample();
  expect_error("PAR", ErrorCategory::kCorrupt, {"too small"});
  std::string bad_tail = good;
  bad_tail[bad_tail.size() - 1] = 'X';
  expect_error(bad_tail, ErrorCategory::kCorrupt, {"PAR1", "50 41 52 58"});
  std::string bad_head = good;
  bad_head[0] = 'Q';
  expect_error(bad_head, ErrorCategory::kCorrupt, {"does not start"});
  std::string encrypted = good;
  encrypted.replace(encrypted.size() - 4, 4, "PARE");
  expect_error(encrypted, ErrorCategory::kUnsupported, {"encrypted"});
  std::string long_footer = good;
  const uint32_t len = 0x7fffffff;
  std::memcpy(long_footer.data() + long_footer.size() - 8, &len, 4);
  expect_error(long_footer, ErrorCategory::kCorrupt, {"footer length"});
  expect_error(std::string("PAR1garbagegarbage\x05\x00\x00\x00PAR1", 26), ErrorCategory::kCorrupt, {"footer"});
}

TEST_F(Corruption, RandomFlipsNeverCrash) {
  for (int version : {1, 2}) {
    for (Compression c : {Compression::kSnappy, Compression::kUncompressed, Compression::kZstd}) {
      const std::string good = sample(version, c);
      std::mt19937 rng(version * 100 + static_cast<int>(c));
      for (int trial = 0; trial < 300; ++trial) {
        std::string bad = good;
        const int flips = 1 + static_cast<int>(rng() % 4);
        for (int f = 0; f < flips; ++f) {
          // Half the flips hit the footer, where sizes and offsets live.
          const size_t footer_start = bad.size() > 600 ? bad.size() - 600 : 0;
          const size_t pos = rng() % 2 ? footer_start + rng() % (bad.size() - footer_start) : rng() % bad.size();
          bad[pos] = static_cast<char>(rng() % 3 == 0 ? 0xff : rng());
        }
        const std::optional<Error> e = try_read(save(bad));
        EXPECT_EQ(budget.used(), 0u);
        if (e) {
          EXPECT_TRUE(e->category() == ErrorCategory::kCorrupt || e->category() == ErrorCategory::kUnsupported)
              << e->message();
        }
      }
    }
  }
}

// Files built byte by byte with one specific defect each.
RawLeaf int_leaf(std::vector<int16_t> def, std::string values, int32_t n) {
  RawLeaf leaf;
  leaf.path = {"x"};
  leaf.max_def = 1;
  leaf.pages.push_back({std::move(def), {}, n, Encoding::kPlain, std::move(values)});
  return leaf;
}

std::vector<SchemaElement> int_schema() {
  return {group("schema", 1, std::nullopt), primitive("x", PhysicalType::kInt32, Repetition::kOptional)};
}

TEST_F(Corruption, ValuesShorterThanTheLevelsSay) {
  expect_error(build_raw_file(int_schema(), {int_leaf({1, 1, 1}, plain<int32_t>({1, 2}), 3)}, 3),
               ErrorCategory::kCorrupt, {"column 'x'", "row group 0", "PLAIN values"});
}

TEST_F(Corruption, ChunkEndsBeforeTheRowGroup) {
  expect_error(build_raw_file(int_schema(), {int_leaf({1, 1}, plain<int32_t>({1, 2}), 2)}, 5), ErrorCategory::kCorrupt,
               {"column 'x'", "ends after 2"});
}

TEST_F(Corruption, FooterRowCountDisagrees) {
  const std::string raw = build_raw_file(int_schema(), {int_leaf({1}, plain<int32_t>({1}), 1)}, 1);
  uint32_t len;
  std::memcpy(&len, raw.data() + raw.size() - 8, 4);
  FileMetaData m = decode_file_metadata(reinterpret_cast<const uint8_t*>(raw.data()) + raw.size() - 8 - len, len, "f");
  m.num_rows = 7;
  std::string footer;
  encode_file_metadata(m, &footer);
  std::string out = raw.substr(0, raw.size() - 8 - len) + footer;
  put_u32(&out, static_cast<uint32_t>(footer.size()));
  out += "PAR1";
  expect_error(out, ErrorCategory::kCorrupt, {"7 rows"});
}

TEST_F(Corruption, LevelsAboveTheMaximum) {
  // optional group a { optional int32 x } has maximum definition level 2 (2 bits); 3 is invalid.
  RawLeaf leaf;
  leaf.path = {"a", "x"};
  leaf.max_def = 3;  // the builder encodes with 2 bits, as the reader will decode
  leaf.pages.push_back({{3, 2}, {}, 2, Encoding::kPlain, plain<int32_t>({1})});
  expect_error(build_raw_file({group("schema", 1, std::nullopt), group("a", 1, Repetition::kOptional),
                               primitive("x", PhysicalType::kInt32, Repetition::kOptional)},
                              {leaf}, 2),
               ErrorCategory::kCorrupt, {"column 'a.x'", "definition level 3 exceeds the column's maximum 2"});
}

TEST_F(Corruption, RepetitionContinuingAnEmptyList) {
  RawLeaf leaf;
  leaf.path = {"l", "list", "element"};
  leaf.max_def = 3;
  leaf.max_rep = 1;
  // Row 0 is an empty list (def 1), then rep 1 claims to continue it.
  leaf.pages.push_back({{1, 3}, {0, 1}, 2, Encoding::kPlain, plain<int32_t>({5})});
  expect_error(
      build_raw_file(
          {group("schema", 1, std::nullopt), group("l", 1, Repetition::kOptional, ConvertedType::kList),
           group("list", 1, Repetition::kRepeated), primitive("element", PhysicalType::kInt32, Repetition::kOptional)},
          {leaf}, 1),
      ErrorCategory::kCorrupt, {"column 'l.list.element'", "continues a list that is empty"});
  RawLeaf first;
  first.path = {"l", "list", "element"};
  first.max_def = 3;
  first.max_rep = 1;
  first.pages.push_back({{3}, {1}, 1, Encoding::kPlain, plain<int32_t>({5})});
  expect_error(
      build_raw_file(
          {group("schema", 1, std::nullopt), group("l", 1, Repetition::kOptional, ConvertedType::kList),
           group("list", 1, Repetition::kRepeated), primitive("element", PhysicalType::kInt32, Repetition::kOptional)},
          {first}, 1),
      ErrorCategory::kCorrupt, {"starts with repetition level 1"});
}

TEST_F(Corruption, DictionaryProblems) {
  // Bit width 1, an RLE run of two zeros.
  RawLeaf leaf = int_leaf({1, 1}, std::string("\x01\x04\x00", 3), 2);
  leaf.pages[0].encoding = Encoding::kRleDictionary;
  // No dictionary page at all.
  expect_error(build_raw_file(int_schema(), {leaf}, 2), ErrorCategory::kCorrupt, {"precedes any dictionary page"});
  // Index beyond the dictionary: bit width 2, RLE run of 2 x value 3, dictionary of 2 entries.
  leaf.has_dictionary = true;
  leaf.dictionary = plain<int32_t>({10, 20});
  leaf.dictionary_count = 2;
  leaf.pages[0].values = std::string("\x02\x04\x03", 3);
  expect_error(build_raw_file(int_schema(), {leaf}, 2), ErrorCategory::kCorrupt,
               {"dictionary index 3 is out of range"});
  // A dictionary claiming more values than its bytes hold.
  leaf.dictionary_count = 1000;
  expect_error(build_raw_file(int_schema(), {leaf}, 2), ErrorCategory::kCorrupt,
               {"dictionary page claims 1000 values"});
  // A bit width above 32.
  leaf.dictionary_count = 2;
  leaf.pages[0].values = std::string("\x29\x04\x03", 3);
  expect_error(build_raw_file(int_schema(), {leaf}, 2), ErrorCategory::kCorrupt, {"bit width 41"});
}

TEST_F(Corruption, UnsupportedCodecAndEncodingAreNamed) {
  RawLeaf leaf = int_leaf({1}, plain<int32_t>({1}), 1);
  std::string bytes = build_raw_file(int_schema(), {leaf}, 1);
  uint32_t len;
  std::memcpy(&len, bytes.data() + bytes.size() - 8, 4);
  FileMetaData m =
      decode_file_metadata(reinterpret_cast<const uint8_t*>(bytes.data()) + bytes.size() - 8 - len, len, "f");
  m.row_groups[0].columns[0].meta_data->codec = Codec::kLzo;
  std::string footer;
  encode_file_metadata(m, &footer);
  std::string out = bytes.substr(0, bytes.size() - 8 - len) + footer;
  put_u32(&out, static_cast<uint32_t>(footer.size()));
  out += "PAR1";
  expect_error(out, ErrorCategory::kUnsupported, {"LZO", "column 'x'"});

  leaf.pages[0].encoding = static_cast<Encoding>(10);  // ALP, from the future
  expect_error(build_raw_file(int_schema(), {leaf}, 1), ErrorCategory::kUnsupported, {"value encoding", "(10)"});
}

TEST_F(Corruption, PageSizesBeyondTheChunkOrTheCodec) {
  // A snappy page whose header claims 1 GiB uncompressed: refused before allocating.
  RawLeaf leaf = int_leaf({1, 1}, plain<int32_t>({1, 2}), 2);
  leaf.codec = Codec::kSnappy;
  leaf.pages[0].uncompressed_size_override = 1 << 30;
  expect_error(build_raw_file(int_schema(), {leaf}, 2), ErrorCategory::kCorrupt,
               {"column 'x'", "snappy data decompresses to", "1073741824"});
  leaf.codec = Codec::kGzip;
  expect_error(build_raw_file(int_schema(), {leaf}, 2), ErrorCategory::kCorrupt, {"cannot hold the 1073741824 bytes"});
  // A page extending past its column chunk.
  leaf.pages[0].uncompressed_size_override = -1;
  leaf.pages[0].compressed_size_delta = 1000;
  expect_error(build_raw_file(int_schema(), {leaf}, 2), ErrorCategory::kCorrupt,
               {"extends past the end of the column chunk"});
  leaf.pages[0].compressed_size_delta = -1000;
  expect_error(build_raw_file(int_schema(), {leaf}, 2), ErrorCategory::kCorrupt, {"negative size"});
}

TEST_F(Corruption, ChunkOutsideTheFileAndMismatchedPaths) {
  RawLeaf leaf = int_leaf({1}, plain<int32_t>({1}), 1);
  const std::string bytes = build_raw_file(int_schema(), {leaf}, 1);
  uint32_t len;
  std::memcpy(&len, bytes.data() + bytes.size() - 8, 4);
  const FileMetaData base =
      decode_file_metadata(reinterpret_cast<const uint8_t*>(bytes.data()) + bytes.size() - 8 - len, len, "f");
  auto with = [&](FileMetaData m) {
    std::string footer;
    encode_file_metadata(m, &footer);
    std::string out = bytes.substr(0, bytes.size() - 8 - len) + footer;
    put_u32(&out, static_cast<uint32_t>(footer.size()));
    return out + "PAR1";
  };
  FileMetaData far = base;
  far.row_groups[0].columns[0].meta_data->data_page_offset = 1 << 20;
  expect_error(with(far), ErrorCategory::kCorrupt, {"lies outside the file"});
  FileMetaData path = base;
  path.row_groups[0].columns[0].meta_data->path_in_schema = {"y"};
  expect_error(with(path), ErrorCategory::kCorrupt, {"path 'y'"});
  FileMetaData type = base;
  type.row_groups[0].columns[0].meta_data->type = PhysicalType::kDouble;
  expect_error(with(type), ErrorCategory::kCorrupt, {"DOUBLE"});
  FileMetaData children = base;
  children.schema[0].num_children = 5;
  expect_error(with(children), ErrorCategory::kCorrupt, {"claims 5 children"});
  FileMetaData nested = base;  // root claims 2 children, group a takes the only leaf
  nested.schema = {group("schema", 2, std::nullopt), group("a", 1),
                   primitive("x", PhysicalType::kInt32, Repetition::kOptional)};
  expect_error(with(nested), ErrorCategory::kCorrupt, {"the schema ends inside a group"});
  FileMetaData no_chunks = base;
  no_chunks.row_groups[0].columns.clear();
  expect_error(with(no_chunks), ErrorCategory::kCorrupt, {"0 column chunks"});
}

}  // namespace
}  // namespace bullion::parquet
