#include "bullion/formats/json/schema_inference.h"

#include <gtest/gtest.h>

#include "json_test_support.h"
#include "support/temp_dir.h"

namespace bullion::json {
namespace {

using bullion::testing::TempDir;
using bullion::testing::write_file;

std::string describe(const Schema& s) { return s.to_string(); }

TEST(NdjsonSchemaInference, TypesFromValues) {
  auto r = infer_schema_from_text(
      R"({"b":true,"i":42,"big":123456789012345678901234,"d":1.5,"e":1e3,"s":"x","o":{"k":1},"a":[1,2],"n":null})"
      "\n");
  EXPECT_EQ(describe(r.schema),
            "b: BOOLEAN, i: BIGINT, big: DOUBLE, d: DOUBLE, e: DOUBLE, s: STRING, o: STRING, a: STRING, n: STRING");
  EXPECT_EQ(r.objects, 1);
}

TEST(NdjsonSchemaInference, WideningRules) {
  EXPECT_EQ(widen_type(DataType::int64(), DataType::float64()), DataType::float64());
  EXPECT_EQ(widen_type(DataType::float64(), DataType::int64()), DataType::float64());
  EXPECT_EQ(widen_type(DataType::null(), DataType::boolean()), DataType::boolean());
  EXPECT_EQ(widen_type(DataType::boolean(), DataType::int64()), DataType::string());
  EXPECT_EQ(widen_type(DataType::int64(), DataType::string()), DataType::string());
  EXPECT_EQ(widen_type(DataType::string(), DataType::boolean()), DataType::string());
  auto r = infer_schema_from_text(
      "{\"x\":1,\"y\":null,\"z\":true}\n"
      "{\"x\":2.5,\"y\":null,\"z\":1}\n"
      "{\"w\":\"late\",\"x\":null}\n");
  // Field order is first appearance; null alone → STRING.
  EXPECT_EQ(describe(r.schema), "x: DOUBLE, y: STRING, z: STRING, w: STRING");
}

TEST(NdjsonSchemaInference, MalformedAndBlankLinesAreCountedAndIgnored) {
  auto r = infer_schema_from_text("{\"a\":1}\n\n{\"b\":oops}\n[1,2]\n{\"c\":\"x\"} trailing\n  \n{\"a\":2}\n");
  EXPECT_EQ(describe(r.schema), "a: BIGINT");
  EXPECT_EQ(r.lines, 7);
  EXPECT_EQ(r.objects, 2);
  EXPECT_EQ(r.rejected, 3);
  EXPECT_EQ(r.blank, 2);
}

TEST(NdjsonSchemaInference, ProvenanceNamesAreIgnored) {
  auto r = infer_schema_from_text("{\"a\":1,\"_source_file\":\"x\",\"_rescued_data\":null}\n");
  EXPECT_EQ(describe(r.schema), "a: BIGINT");
}

TEST(NdjsonSchemaInference, FilesInOrderSampledAndIndependentOfThreads) {
  TempDir dir;
  write_file(dir.file("1.json"), "{\"a\":1}\n{\"b\":1}\n{\"late\":true}\n");
  write_file(dir.file("2.json.gz"), bullion::testing::gzip("{\"c\":\"x\",\"a\":1.5}\n"));
  write_file(dir.file("3.json.zst"), bullion::testing::zstd("{\"b\":\"text\",\"d\":null}\n"));
  const auto files = find_ndjson_files(FileSystem::local(), dir.path());
  ASSERT_EQ(files.size(), 3u);
  for (size_t threads : {1, 2, 4}) {
    ThreadPool pool(threads);
    InferOptions o;
    o.pool = &pool;
    o.sample_lines = 2;
    auto r = infer_schema(files, o);
    EXPECT_EQ(describe(r.schema), "a: DOUBLE, b: STRING, c: STRING, d: STRING") << threads;
    EXPECT_EQ(r.lines, 4);
    o.sample_lines = 0;
    EXPECT_EQ(describe(infer_schema(files, o).schema), "a: DOUBLE, b: STRING, late: BOOLEAN, c: STRING, d: STRING");
  }
}

TEST(NdjsonSchemaInference, SampleBytesLimitsTheSample) {
  TempDir dir;
  write_file(dir.file("1.json"), "{\"a\":1}\n{\"b\":1}\n");
  InferOptions o;
  o.sample_bytes = 8;  // only the line starting at byte 0
  auto r = infer_schema(find_ndjson_files(FileSystem::local(), dir.path()), o);
  EXPECT_EQ(describe(r.schema), "a: BIGINT");
}

TEST(NdjsonSchemaInference, DamagedFileKeepsItsPrefixAndIsReported) {
  TempDir dir;
  std::string text;
  for (int i = 0; i < 3000; ++i) text += "{\"a\":" + std::to_string(i) + ",\"pad\":\"" + std::string(40, 'p') + "\"}\n";
  const std::string z = bullion::testing::gzip(text);
  write_file(dir.file("t.json.gz"), z.substr(0, z.size() / 2));
  InferOptions o;
  o.sample_lines = 0;
  auto r = infer_schema(find_ndjson_files(FileSystem::local(), dir.path()), o);
  EXPECT_EQ(describe(r.schema), "a: BIGINT, pad: STRING");
  ASSERT_EQ(r.file_errors.size(), 1u);
  EXPECT_EQ(r.file_errors[0].second.category(), ErrorCategory::kCorrupt);
}

TEST(NdjsonSchemaEvolution, NewFieldsAppendedTableTypesKept) {
  Schema table({Field("id", DataType::string()), Field("n", DataType::int64())});
  Schema incoming(
      {Field("n", DataType::float64()), Field("extra", DataType::boolean()), Field("id", DataType::string())});
  auto e = evolve_schema(table, incoming);
  EXPECT_EQ(describe(e.schema), "id: STRING, n: BIGINT, extra: BOOLEAN");
  EXPECT_EQ(e.added, (std::vector<std::string>{"extra"}));
  ASSERT_EQ(e.conflicts.size(), 1u);
  EXPECT_EQ(e.conflicts[0].name, "n");
  EXPECT_EQ(e.conflicts[0].incoming_type, DataType::float64());
}

TEST(NdjsonSourceFiles, FindsNdjsonFilesRecursivelySkippingHidden) {
  TempDir dir;
  FileSystem::local().create_dirs(dir.file("2026/11"));
  FileSystem::local().create_dirs(dir.file("_delta_log"));
  for (const char* f :
       {"b.json", "a.jsonl.gz", "2026/11/c.ndjson.zst", "readme.txt", ".hidden.json", "_SUCCESS", "_delta_log/0.json"})
    write_file(dir.file(f), "{}\n");
  auto files = find_ndjson_files(FileSystem::local(), dir.path());
  std::vector<std::string> rel;
  for (auto& f : files) rel.push_back(f.relative_path);
  EXPECT_EQ(rel, (std::vector<std::string>{"2026/11/c.ndjson.zst", "a.jsonl.gz", "b.json"}));
  EXPECT_EQ(files[2].size, 3u);
  auto single = find_ndjson_files(FileSystem::local(), dir.file("b.json"));
  ASSERT_EQ(single.size(), 1u);
  EXPECT_EQ(single[0].relative_path, "b.json");
}

}  // namespace
}  // namespace bullion::json
