#include "bullion/delta/log.h"

#include <gtest/gtest.h>
#include <utime.h>

#include <fstream>

#include "bullion/core/error.h"
#include "bullion/core/time.h"
#include "bullion/delta/deletion_vector.h"
#include "bullion/delta/partition_values.h"
#include "bullion/delta/schema_json.h"
#include "support/temp_dir.h"

namespace bullion::delta {

namespace {

const std::string kCorpus = std::string(BULLION_SHARED_DIR) + "/conformance/delta";

const char* kSchema =
    R"({\"type\":\"struct\",\"fields\":[{\"name\":\"id\",\"type\":\"long\",\"nullable\":true,\"metadata\":{}},)"
    R"({\"name\":\"part\",\"type\":\"string\",\"nullable\":true,\"metadata\":{}}]})";

// Builds a table log by hand, one commit file per call.
class LogWriter {
 public:
  explicit LogWriter(const std::string& root) : root_(root) { FileSystem::local().create_dirs(root + "/_delta_log"); }

  void commit(int64_t version, const std::string& actions, int64_t mtime_seconds = 0) {
    const std::string path = root_ + "/_delta_log/" + commit_file_name(version);
    std::ofstream(path) << actions;
    if (mtime_seconds != 0) {
      struct utimbuf t {
        mtime_seconds, mtime_seconds
      };
      ::utime(path.c_str(), &t);
    }
  }

  static std::string header() {
    return std::string(R"({"protocol":{"minReaderVersion":1,"minWriterVersion":2}})") + "\n" +
           R"({"metaData":{"id":"t1","format":{"provider":"parquet","options":{}},"schemaString":")" + kSchema +
           R"(","partitionColumns":["part"],"configuration":{}}})" + "\n";
  }
  static std::string add(const std::string& path, const std::string& part, const std::string& stats = "") {
    std::string s = R"({"add":{"path":")" + path + R"(","partitionValues":{"part":)" +
                    (part == "NULL" ? std::string("null") : "\"" + part + "\"") +
                    R"(},"size":10,"modificationTime":1,"dataChange":true)";
    if (!stats.empty()) s += R"(,"stats":")" + stats + "\"";
    return s + "}}\n";
  }
  static std::string remove(const std::string& path) {
    return R"({"remove":{"path":")" + path + R"(","deletionTimestamp":5,"dataChange":true}})" + "\n";
  }

 private:
  std::string root_;
};

std::vector<std::string> paths(const Snapshot& s) {
  std::vector<std::string> out;
  for (const AddFile& f : s.files()) out.push_back(f.path);
  return out;
}

}  // namespace

TEST(LogFiles, ClassifiesProtocolNamesAndIgnoresStrays) {
  EXPECT_EQ(classify_log_file("00000000000000000007.json")->kind, LogFile::Kind::kCommit);
  EXPECT_EQ(classify_log_file("00000000000000000007.json")->version, 7);
  EXPECT_EQ(classify_log_file("00000000000000000010.checkpoint.parquet")->kind, LogFile::Kind::kCheckpoint);
  const auto multi = classify_log_file("00000000000000000010.checkpoint.0000000002.0000000003.parquet");
  ASSERT_TRUE(multi);
  EXPECT_EQ(multi->kind, LogFile::Kind::kMultiPartCheckpoint);
  EXPECT_EQ(multi->part, 2);
  EXPECT_EQ(multi->parts, 3);
  EXPECT_EQ(classify_log_file("00000000000000000002.checkpoint.80a083e8-7026-4e79-81be-64bd76c43a11.json")->kind,
            LogFile::Kind::kV2Checkpoint);
  EXPECT_EQ(classify_log_file("00000000000000000004.00000000000000000006.compacted.json")->end_version, 6);
  EXPECT_FALSE(classify_log_file("._00000000000000000000.json"));
  EXPECT_FALSE(classify_log_file(".DS_Store"));
  EXPECT_FALSE(classify_log_file("_last_checkpoint"));
  EXPECT_FALSE(classify_log_file("0000000000000000000.json"));  // 19 digits
  EXPECT_FALSE(classify_log_file(".00000000000000000001.json.123.tmp"));
}

TEST(Actions, ParsesEveryActionAndIgnoresUnknownOnes) {
  const std::string text =
      LogWriter::header() + LogWriter::add("a%20b.parquet", "x", "{}") +
      R"({"txn":{"appId":"app","version":3,"lastUpdated":9}})"
      "\n"
      R"({"domainMetadata":{"domain":"d","configuration":"{}","removed":false}})"
      "\n"
      R"({"somethingNew":{"x":1}})"
      "\n\n"
      R"({"commitInfo":{"timestamp":12,"operation":"WRITE","readVersion":2,"isBlindAppend":true,"bullion":{"layer":"gold"}}})"
      "\n";
  const CommitActions a = parse_actions(text, "00.json");
  ASSERT_TRUE(a.protocol);
  EXPECT_EQ(a.protocol->min_writer_version, 2);
  ASSERT_TRUE(a.metadata);
  EXPECT_EQ(a.metadata->partition_columns, std::vector<std::string>{"part"});
  ASSERT_EQ(a.adds.size(), 1u);
  EXPECT_EQ(a.adds[0].path, "a%20b.parquet");
  EXPECT_EQ(a.adds[0].partition_values.at("part"), "x");
  ASSERT_EQ(a.txns.size(), 1u);
  EXPECT_EQ(a.txns[0].version, 3);
  ASSERT_TRUE(a.commit_info);
  EXPECT_EQ(a.commit_info->operation, "WRITE");
  EXPECT_EQ(a.commit_info->read_version, 2);
  EXPECT_NE(a.commit_info->json.find("\"bullion\":{\"layer\":\"gold\"}"), std::string::npos);
}

TEST(Actions, MalformedLineIsCorruptNamingFileAndLine) {
  try {
    parse_actions(LogWriter::header() + "{\"add\":{\"path\":\n", "/t/_delta_log/00000000000000000003.json");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.category(), ErrorCategory::kCorrupt);
    EXPECT_NE(e.message().find("00000000000000000003.json line 3"), std::string::npos) << e.message();
  }
}

TEST(SchemaJson, RoundTripsSparkTypesWithMetadata) {
  Schema schema({Field("i", DataType::int32(), false), Field("d", DataType::decimal(12, 5)),
                 Field("ts", DataType::timestamp()), Field("ntz", DataType::timestamp_ntz()),
                 Field("a", DataType::list(DataType::string(), false)),
                 Field("m", DataType::map(DataType::string(), DataType::int64())),
                 Field("s", DataType::struct_({Field("x", DataType::int8()), Field("y", DataType::int16())}))});
  schema = Schema([&] {
    auto fields = schema.fields();
    fields[0].metadata.emplace_back("delta.columnMapping.id", "5");
    fields[0].metadata.emplace_back("delta.columnMapping.physicalName", "col-abc");
    return fields;
  }());
  const std::string json = schema_to_json(schema);
  EXPECT_NE(json.find(R"("type":"integer")"), std::string::npos);
  EXPECT_NE(json.find(R"("delta.columnMapping.id":5)"), std::string::npos);
  EXPECT_NE(json.find(R"("containsNull":false)"), std::string::npos);
  EXPECT_EQ(parse_schema_json(json), schema);
  EXPECT_THROW(parse_schema_json(R"({"type":"struct","fields":[{"name":"v","type":"variant","nullable":true}]})"),
               Error);
}

TEST(PartitionValues, ParsesEveryTypeAndNull) {
  EXPECT_EQ(parse_partition_value(std::nullopt, DataType::int32(), "c"), Value::null(DataType::int32()));
  EXPECT_EQ(parse_partition_value("", DataType::string(), "c"), Value::null(DataType::string()));
  EXPECT_EQ(parse_partition_value("null", DataType::string(), "c"), Value::string("null"));
  EXPECT_EQ(parse_partition_value("-7", DataType::int8(), "c"), Value::int8(-7));
  EXPECT_EQ(parse_partition_value("true", DataType::boolean(), "c"), Value::boolean(true));
  EXPECT_EQ(parse_partition_value("1.5", DataType::float64(), "c"), Value::float64(1.5));
  EXPECT_EQ(parse_partition_value("-2342342.23423", DataType::decimal(12, 5), "c"),
            Value::decimal(-234234223423, 12, 5));
  EXPECT_EQ(parse_partition_value("2021-09-08", DataType::date(), "c"), Value::date(days_from_civil(2021, 9, 8)));
  const int64_t ts = static_cast<int64_t>(days_from_civil(2021, 9, 8)) * kMicrosPerDay + 11 * 3600 * kMicrosPerSecond;
  EXPECT_EQ(parse_partition_value("2021-09-08 11:00:00", DataType::timestamp(), "c"), Value::timestamp(ts));
  EXPECT_EQ(parse_partition_value("2021-09-08T11:00:00.000000Z", DataType::timestamp(), "c"), Value::timestamp(ts));
  EXPECT_THROW(parse_partition_value("abc", DataType::int32(), "c"), Error);
  EXPECT_EQ(format_partition_value(Value::timestamp(ts)), "2021-09-08T11:00:00Z");
  EXPECT_EQ(format_partition_value(Value::null(DataType::int32())), std::nullopt);
}

TEST(PartitionValues, PathEscaping) {
  EXPECT_EQ(percent_decode("a%20b%253A"), "a b%3A");
  EXPECT_EQ(percent_encode_path("part=a b:c/x.parquet"), "part=a%20b%3Ac/x.parquet");
  EXPECT_EQ(hive_partition_dir("part", std::string("a:b")), "part=a%3Ab");
  EXPECT_EQ(hive_partition_dir("part", std::nullopt), "part=__HIVE_DEFAULT_PARTITION__");
}

TEST(Replay, AddRemoveReAddAndTimeTravelByVersion) {
  testing::TempDir dir;
  LogWriter log(dir.path());
  log.commit(0,
             LogWriter::header() + LogWriter::add("part=a/1.parquet", "a") + LogWriter::add("part=b/2.parquet", "b"));
  log.commit(1, LogWriter::remove("part=a/1.parquet") + LogWriter::add("part=a/3.parquet", "a"));
  log.commit(2, LogWriter::add("part=a/1.parquet", "a"));
  const DeltaTable t = DeltaTable::open(dir.path());
  EXPECT_EQ(t.latest_version(), 2);
  EXPECT_EQ(paths(t.at_version(0)), (std::vector<std::string>{"part=a/1.parquet", "part=b/2.parquet"}));
  EXPECT_EQ(paths(t.at_version(1)), (std::vector<std::string>{"part=a/3.parquet", "part=b/2.parquet"}));
  EXPECT_EQ(t.at_version(1).tombstones().size(), 1u);
  EXPECT_EQ(paths(t.latest()), (std::vector<std::string>{"part=a/1.parquet", "part=a/3.parquet", "part=b/2.parquet"}));
  EXPECT_TRUE(t.latest().tombstones().empty());
  try {
    t.at_version(3);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.category(), ErrorCategory::kNotFound);
    EXPECT_NE(e.message().find("latest is 2"), std::string::npos);
  }
}

TEST(Replay, AbsoluteAndEncodedPathsAreOneFile) {
  testing::TempDir dir;
  LogWriter log(dir.path());
  log.commit(0, LogWriter::header() + LogWriter::add("part=a%20b/1.parquet", "a b"));
  log.commit(1, LogWriter::remove("file:" + dir.path() + "/part=a%20b/1.parquet"));
  const Snapshot s = DeltaTable::open(dir.path()).latest();
  EXPECT_TRUE(s.files().empty());
  const Snapshot v0 = DeltaTable::open(dir.path()).at_version(0);
  EXPECT_EQ(v0.data_file_path(v0.files()[0].path), dir.path() + "/part=a b/1.parquet");
}

TEST(Replay, TxnAndDomainMetadataKeepTheLatest) {
  testing::TempDir dir;
  LogWriter log(dir.path());
  log.commit(0, LogWriter::header() +
                    R"({"txn":{"appId":"silver","version":4}})"
                    "\n" +
                    R"({"domainMetadata":{"domain":"d1","configuration":"a","removed":false}})"
                    "\n");
  log.commit(1, R"({"txn":{"appId":"silver","version":9}})"
                "\n"
                R"({"domainMetadata":{"domain":"d1","configuration":"a","removed":true}})"
                "\n");
  const Snapshot s = DeltaTable::open(dir.path()).latest();
  EXPECT_EQ(s.txn_version("silver"), 9);
  EXPECT_EQ(s.txn_version("other"), std::nullopt);
  EXPECT_TRUE(s.domains().empty());
  EXPECT_EQ(DeltaTable::open(dir.path()).at_version(0).domains().size(), 1u);
}

TEST(Replay, StrayFilesAreIgnoredAndGapsAreCorrupt) {
  testing::TempDir dir;
  LogWriter log(dir.path());
  log.commit(0, LogWriter::header());
  std::ofstream(dir.path() + "/_delta_log/._00000000000000000001.json") << "junk";
  std::ofstream(dir.path() + "/_delta_log/.DS_Store") << "junk";
  EXPECT_EQ(DeltaTable::open(dir.path()).latest().version(), 0);
  log.commit(2, LogWriter::add("part=a/1.parquet", "a"));
  try {
    DeltaTable::open(dir.path()).latest();
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.category(), ErrorCategory::kCorrupt);
    EXPECT_NE(e.message().find("00000000000000000001.json"), std::string::npos);
  }
}

TEST(Replay, MissingTableIsNotFound) {
  testing::TempDir dir;
  try {
    DeltaTable::open(dir.path());
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.category(), ErrorCategory::kNotFound);
  }
}

TEST(TimeTravel, ByTimestampUsesMonotonicCommitTimes) {
  testing::TempDir dir;
  LogWriter log(dir.path());
  log.commit(0, LogWriter::header(), 1000);
  log.commit(1, LogWriter::add("part=a/1.parquet", "a"), 2000);
  log.commit(2, LogWriter::add("part=a/2.parquet", "a"), 1500);  // clock went back: treated as 2000.001
  log.commit(3, LogWriter::add("part=a/3.parquet", "a"), 3000);
  const DeltaTable t = DeltaTable::open(dir.path());
  EXPECT_EQ(t.at_timestamp(1000'000).version(), 0);
  EXPECT_EQ(t.at_timestamp(1999'999).version(), 0);
  EXPECT_EQ(t.at_timestamp(2000'000).version(), 1);
  EXPECT_EQ(t.at_timestamp(2000'001).version(), 2);
  EXPECT_EQ(t.at_timestamp(2999'999).version(), 2);
  EXPECT_EQ(t.at_timestamp(3000'000).version(), 3);
  EXPECT_THROW(t.at_timestamp(999'999), Error);
  EXPECT_THROW(t.at_timestamp(3000'001), Error);
  const auto history = t.history();
  ASSERT_EQ(history.size(), 4u);
  EXPECT_EQ(history[0].version, 3);
  EXPECT_EQ(history[1].timestamp_ms, 2000'001);
}

TEST(TimeTravel, InCommitTimestampsWinOverFileTimes) {
  testing::TempDir dir;
  LogWriter log(dir.path());
  log.commit(0,
             R"({"commitInfo":{"timestamp":5,"inCommitTimestamp":100}})"
             "\n" +
                 LogWriter::header(),
             9000);
  log.commit(1,
             R"({"commitInfo":{"timestamp":5,"inCommitTimestamp":200}})"
             "\n",
             1);
  const DeltaTable t = DeltaTable::open(dir.path());
  EXPECT_EQ(t.at_timestamp(150).version(), 0);
  EXPECT_EQ(t.at_timestamp(200).version(), 1);
  EXPECT_EQ(t.latest().timestamp_ms(), 200);
}

TEST(Skipping, PartitionValuesAndStats) {
  testing::TempDir dir;
  LogWriter log(dir.path());
  const std::string stats =
      R"({\"numRecords\":3,\"minValues\":{\"id\":10},\"maxValues\":{\"id\":20},\"nullCount\":{\"id\":0}})";
  log.commit(0, LogWriter::header() + LogWriter::add("part=a/1.parquet", "a", stats) +
                    LogWriter::add("part=b/2.parquet", "b") + LogWriter::add("part=null/3.parquet", "NULL", stats));
  const Snapshot s = DeltaTable::open(dir.path()).latest();
  auto matching = [&](Conjunction c) {
    std::vector<std::string> out;
    for (const AddFile* f : s.files_matching(c)) out.push_back(f->path);
    return out;
  };
  EXPECT_EQ(matching({{"part", CompareOp::kEq, {Value::string("a")}}}), std::vector<std::string>{"part=a/1.parquet"});
  EXPECT_EQ(matching({{"part", CompareOp::kIsNull, {}}}), std::vector<std::string>{"part=null/3.parquet"});
  // File 2 has no stats: never pruned by a data predicate.
  EXPECT_EQ(matching({{"id", CompareOp::kGt, {Value::int64(20)}}}), std::vector<std::string>{"part=b/2.parquet"});
  EXPECT_EQ(matching({{"id", CompareOp::kEq, {Value::int64(15)}}, {"part", CompareOp::kNe, {Value::string("a")}}}),
            (std::vector<std::string>{"part=b/2.parquet"}));
  EXPECT_EQ(s.num_records(s.files()[0]), 3);
}

TEST(Protocol, RefusesUnknownReaderFeaturesByName) {
  Protocol p;
  p.min_reader_version = 3;
  p.min_writer_version = 7;
  p.reader_features = std::vector<std::string>{"deletionVectors", "variantType"};
  try {
    check_readable(p, "/t");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.category(), ErrorCategory::kUnsupported);
    EXPECT_NE(e.message().find("variantType"), std::string::npos);
    EXPECT_EQ(e.message().find("deletionVectors"), std::string::npos);
  }
  p.reader_features = std::vector<std::string>{"deletionVectors", "columnMapping", "timestampNtz", "v2Checkpoint"};
  EXPECT_NO_THROW(check_readable(p, "/t"));
}

// --- The conformance corpus -------------------------------------------------

TEST(Conformance, DatTablesAtEveryVersion) {
  const DeltaTable t = DeltaTable::open(kCorpus + "/dat/multi_partitioned/delta");
  EXPECT_EQ(t.latest_version(), 2);
  EXPECT_EQ(t.at_version(0).partition_columns(), (std::vector<std::string>{"letter", "date", "data"}));
  const Snapshot s = t.latest();
  ASSERT_FALSE(s.files().empty());
  for (const AddFile& f : s.files()) EXPECT_EQ(s.partition_values(f).size(), 3u);
  const DeltaTable schema_change = DeltaTable::open(kCorpus + "/dat/with_schema_change/delta");
  EXPECT_NE(schema_change.at_version(0).schema(), schema_change.at_version(1).schema());
}

TEST(Conformance, DeletionVectorKeyCases) {
  const Snapshot s = DeltaTable::open(kCorpus + "/delta-golden/log-replay-dv-key-cases").latest();
  ASSERT_EQ(s.files().size(), 1u);
  ASSERT_TRUE(s.files()[0].deletion_vector);
  const auto rows = load_deletion_vector(FileSystem::local(), s.table_path(), *s.files()[0].deletion_vector);
  EXPECT_EQ(rows, (std::vector<uint64_t>{0, 7, 14}));
}

TEST(Conformance, InlineDeletionVector) {
  DeletionVectorDescriptor dv;
  dv.storage_type = 'i';
  dv.path_or_inline_dv = "^Bg9^0rr910000000000iXQKl0rr91000315c8Xg000f5";
  dv.size_in_bytes = 36;
  dv.cardinality = 2;
  EXPECT_EQ(load_deletion_vector(FileSystem::local(), "/unused", dv).size(), 2u);
  dv.cardinality = 3;
  EXPECT_THROW(load_deletion_vector(FileSystem::local(), "/unused", dv), Error);
}

TEST(Conformance, RefusalsAndDamage) {
  auto category_of = [](const std::string& table) {
    try {
      DeltaTable::open(kCorpus + "/" + table).latest();
      return std::string("ok");
    } catch (const Error& e) {
      return std::string(category_name(e.category())) + ": " + e.message();
    }
  };
  EXPECT_NE(category_of("delta-golden/versions-not-contiguous").find("corrupt data"), std::string::npos);
  EXPECT_NE(category_of("delta-golden/deltalog-invalid-protocol-version").find("reader version 99"), std::string::npos);
  EXPECT_NE(category_of("delta-rs/simple_table_features").find("blahabl"), std::string::npos);
  EXPECT_NE(category_of("delta-kernel-rs-data/table-with-geo").find("geospatial"), std::string::npos);
  EXPECT_NE(category_of("delta-golden/deltalog-state-reconstruction-without-protocol").find("no protocol"),
            std::string::npos);
  // macOS junk in _delta_log/ is ignored.
  EXPECT_EQ(category_of("delta-kernel-rs-data/cdf-column-mapping-name-mode-3-7"), "ok");
}

}  // namespace bullion::delta
