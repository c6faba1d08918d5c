#include "bullion/pipeline/bronze.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <fstream>

#include "bullion/core/error.h"
#include "bullion/core/time.h"
#include "bullion/delta/log.h"
#include "bullion/delta/scan.h"
#include "bullion/generate/generator.h"
#include "support/temp_dir.h"

namespace bullion::pipeline {

namespace {

struct Fixture {
  testing::TempDir dir;
  PipelineSpec spec;
  BronzeSpec bronze;
  std::string raw() const { return dir.file("raw"); }
  Fixture() {
    spec.name = "test";
    spec.dir = dir.path();
    spec.hash = "h";
    bronze.table = "t.bronze.events";
    bronze.path = "raw";
    bronze.metadata = {{"_source", "events_api"}};
    FileSystem::local().create_dirs(raw());
  }
  RunContext ctx(int64_t at = 1'700'000'000'000'000) const {
    RunContext c;
    c.lakehouse = dir.file("lake");
    c.spec = &spec;
    c.run_id = "run-" + std::to_string(at);
    c.started_at_micros = at;
    return c;
  }
  void write(const std::string& name, const std::string& text) const {
    std::ofstream(raw() + "/" + name, std::ios::binary) << text;
  }
  Batch read(const std::string& table, std::vector<std::string> columns = {}) const {
    return delta::DeltaScan(delta::DeltaTable::open(dir.file("lake/t/bronze/" + table)).latest(), {.columns = columns})
        .read_all();
  }
};

}  // namespace

TEST(Bronze, IngestsGeneratedEventsExactlyOnceWithEveryLineAccountedFor) {
  Fixture f;
  GenerateOptions g;
  g.out_dir = f.raw();
  g.num_events = 20000;
  g.num_files = 3;
  g.compression = Compression::kZstd;
  const GenerateSummary summary = generate(g);
  const LayerResult r = run_bronze(f.ctx(), f.bronze);
  EXPECT_EQ(r.files.at("new"), 3);
  EXPECT_EQ(r.rows_in, 20000);
  EXPECT_EQ(r.rows_out + r.quarantined, r.rows_in);
  EXPECT_EQ(r.quarantined, static_cast<int64_t>(summary.dirt.malformed));
  ASSERT_TRUE(r.version_written);
  const Batch b = f.read("events", {"event_id", "_source_file", "_source_line", "_ingested_at", "_source"});
  EXPECT_EQ(static_cast<int64_t>(b.num_rows()), r.rows_out);
  EXPECT_EQ(b.column(3)->value(0), Value::timestamp(1'700'000'000'000'000));
  EXPECT_EQ(b.column(4)->value(0), Value::string("events_api"));
  EXPECT_EQ(b.column(1)->value(0).as_string().rfind("events-0000", 0), 0u);
  const Batch q = f.read("events_quarantine");
  EXPECT_EQ(static_cast<int64_t>(q.num_rows()), r.quarantined);
  // Rerunning ingests nothing and commits nothing.
  const LayerResult again = run_bronze(f.ctx(2'000'000'000'000'000), f.bronze);
  EXPECT_EQ(again.status, "SKIPPED");
  EXPECT_EQ(again.files.at("skipped"), 3);
  EXPECT_FALSE(again.version_written);
  EXPECT_EQ(delta::DeltaTable::open(f.dir.file("lake/t/bronze/events")).latest_version(), *r.version_written);
}

TEST(Bronze, NewFilesAddOnlyTheirRowsAndChangedFilesAreReported) {
  Fixture f;
  f.write("a.json", "{\"id\": 1, \"name\": \"x\"}\n{\"id\": 2, \"name\": \"y\"}\n");
  run_bronze(f.ctx(), f.bronze);
  f.write("b.json", "{\"id\": 3, \"name\": \"z\"}\n");
  const LayerResult r = run_bronze(f.ctx(), f.bronze);
  EXPECT_EQ(r.files.at("new"), 1);
  EXPECT_EQ(r.rows_out, 1);
  EXPECT_EQ(f.read("events", {"id"}).num_rows(), 3u);
  // A changed file is reported, not ingested again.
  f.write("a.json", "{\"id\": 1, \"name\": \"x\"}\n{\"id\": 2, \"name\": \"CHANGED\"}\n{\"id\": 9}\n");
  const LayerResult c = run_bronze(f.ctx(), f.bronze);
  EXPECT_EQ(c.files.at("changed"), 1);
  ASSERT_FALSE(c.warnings.empty());
  EXPECT_NE(c.warnings[0].find("'a.json' changed"), std::string::npos);
  EXPECT_EQ(f.read("events", {"id"}).num_rows(), 3u);
}

TEST(Bronze, MalformedBlankCrlfBomAndMissingFieldsAreAllAccountedFor) {
  Fixture f;
  const std::string text =
      "\xEF\xBB\xBF{\"id\": 1, \"name\": \"a\"}\r\n\r\n{\"id\": 2\r\n{\"id\": \"three\", \"name\": 3}\r\n"
      "{\"name\": \"only name\"}\r\n[1, 2]\r\n{\"id\": 5, \"extra\": true}";
  f.write("messy.json", text);
  const LayerResult r = run_bronze(f.ctx(), f.bronze);
  // 7 lines: 1 blank, 2 malformed ({"id": 2 and [1, 2]), 4 rows.
  EXPECT_EQ(r.rows_in, 6);
  EXPECT_EQ(r.rows_out, 4);
  EXPECT_EQ(r.quarantined, 2);
  const Batch q = f.read("events_quarantine", {"_source_line", "_raw", "_error"});
  std::vector<int64_t> lines;
  for (size_t i = 0; i < q.num_rows(); ++i) lines.push_back(q.column(0)->data<int64_t>()[i]);
  std::sort(lines.begin(), lines.end());
  EXPECT_EQ(lines, (std::vector<int64_t>{3, 6}));
  const Batch b = f.read("events", {"id", "name", "_rescued_data", "_source_line"});
  EXPECT_EQ(b.num_rows(), 4u);
}

TEST(Bronze, TruncatedGzipKeepsItsCompleteLinesAndQuarantinesTheDamage) {
  Fixture f;
  std::string plain;
  for (int i = 0; i < 2000; ++i)
    plain += "{\"id\": " + std::to_string(i) + ", \"pad\": \"" + std::string(50, 'x') + "\"}\n";
  // A gzip member via zlib's gz* API.
  const std::string gz_path = f.raw() + "/events.json.gz";
  gzFile gz = gzopen(gz_path.c_str(), "wb");
  gzwrite(gz, plain.data(), static_cast<unsigned>(plain.size()));
  gzclose(gz);
  std::string bytes = FileSystem::local().read_all(gz_path);
  bytes.resize(bytes.size() / 2);
  FileSystem::local().write_atomic(gz_path, bytes);
  const LayerResult r = run_bronze(f.ctx(), f.bronze);
  EXPECT_GT(r.rows_out, 100);
  EXPECT_LT(r.rows_out, 2000);
  // Quarantined: the line cut by the damage (its bytes kept as raw text) and the damage itself.
  EXPECT_EQ(r.quarantined, 2);
  EXPECT_EQ(r.rows_out + r.quarantined, r.rows_in);
  ASSERT_FALSE(r.warnings.empty());
  EXPECT_NE(r.warnings.back().find("events.json.gz"), std::string::npos);
  // The damaged file is in the ledger: rerunning does not duplicate its rows.
  EXPECT_EQ(run_bronze(f.ctx(), f.bronze).status, "SKIPPED");
}

TEST(Bronze, FilesWithNoValidRowsAreStillLedgered) {
  Fixture f;
  f.write("bad.json", "not json\n{broken\n");
  f.write("empty.json", "");
  const LayerResult r = run_bronze(f.ctx(), f.bronze);
  EXPECT_EQ(r.rows_out, 0);
  EXPECT_EQ(r.quarantined, 2);
  EXPECT_EQ(run_bronze(f.ctx(), f.bronze).status, "SKIPPED");
  EXPECT_EQ(f.read("events_quarantine").num_rows(), 2u);
}

TEST(Bronze, NewFieldsEvolveTheSchemaAndConflictsAreRescued) {
  Fixture f;
  f.write("1.json", "{\"id\": 1, \"name\": \"a\"}\n");
  run_bronze(f.ctx(), f.bronze);
  f.write("2.json", "{\"id\": \"not a number\", \"name\": 7, \"country\": \"DE\"}\n");
  const LayerResult r = run_bronze(f.ctx(), f.bronze);
  EXPECT_EQ(r.rows_out, 1);
  const auto snapshot = delta::DeltaTable::open(f.dir.file("lake/t/bronze/events")).latest();
  ASSERT_TRUE(snapshot.schema().index_of("country"));
  EXPECT_EQ(snapshot.schema().field(*snapshot.schema().index_of("id")).type, DataType::int64());
  const Batch b =
      delta::DeltaScan(snapshot, {.columns = {"id", "name", "country", "_rescued_data", "_source_file"}}).read_all();
  bool found = false;
  for (size_t i = 0; i < b.num_rows(); ++i) {
    if (b.column(4)->value(i) != Value::string("2.json")) continue;
    found = true;
    EXPECT_TRUE(b.column(0)->is_null(i));                   // BIGINT column: rescued
    EXPECT_EQ(b.column(1)->value(i), Value::string("7"));   // STRING column: widened to text
    EXPECT_EQ(b.column(2)->value(i), Value::string("DE"));  // the new column
    EXPECT_NE(b.column(3)->value(i).as_string().find("\"id\":\"not a number\""), std::string::npos);
  }
  EXPECT_TRUE(found);
}

TEST(Bronze, MissingSourcePathIsNotFound) {
  Fixture f;
  f.bronze.path = "nowhere";
  try {
    run_bronze(f.ctx(), f.bronze);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.category(), ErrorCategory::kNotFound);
    EXPECT_NE(e.message().find("nowhere"), std::string::npos);
  }
}

}  // namespace bullion::pipeline
