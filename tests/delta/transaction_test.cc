#include "bullion/delta/transaction.h"

#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "bullion/core/error.h"
#include "bullion/delta/schema_json.h"
#include "support/fault_fs.h"
#include "support/temp_dir.h"

namespace bullion::delta {

namespace {

Metadata table_metadata(std::map<std::string, std::string> config = {}) {
  Metadata m;
  m.schema_string = schema_to_json(Schema({Field("id", DataType::int64()), Field("part", DataType::string())}));
  m.partition_columns = {"part"};
  m.configuration = std::move(config);
  return m;
}

AddFile file(const std::string& name, const std::string& part) {
  AddFile a;
  a.path = "part=" + part + "/" + name;
  a.partition_values = {{"part", part}};
  a.size = 100;
  a.modification_time = 1;
  a.stats = R"({"numRecords":1})";
  return a;
}

RemoveFile removal(const AddFile& a) {
  RemoveFile r;
  r.path = a.path;
  r.deletion_timestamp = 1;
  r.partition_values = a.partition_values;
  return r;
}

DeltaTable created(const testing::TempDir& dir, std::map<std::string, std::string> config = {}) {
  Transaction t = Transaction::create(dir.path(), table_metadata(std::move(config)));
  EXPECT_EQ(t.commit().version, 0);
  return DeltaTable::open(dir.path());
}

CommitResult append(const DeltaTable& table, const Snapshot& snapshot, const AddFile& add) {
  Transaction t(table, snapshot);
  t.add_file(add);
  return t.commit();
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return std::string(category_name(e.category())) + ": " + e.message();
  }
  return "no error";
}

}  // namespace

TEST(Transaction, CreateAppendAndReadBack) {
  testing::TempDir dir;
  const DeltaTable table = created(dir);
  const Snapshot v0 = table.latest();
  EXPECT_EQ(v0.protocol().min_reader_version, 1);
  EXPECT_EQ(v0.protocol().min_writer_version, 2);
  EXPECT_FALSE(v0.metadata().id.empty());
  Transaction t(table, v0);
  t.add_file(file("a.parquet", "x"));
  t.set_operation("WRITE", {{"mode", "Append"}});
  t.set_metrics({{"numFiles", "1"}});
  t.set_bullion_metadata(R"({"pipeline":"churn","layer":"bronze","lineage":{"raw":3}})");
  EXPECT_EQ(t.commit().version, 1);
  const auto history = table.history();
  ASSERT_EQ(history.size(), 2u);
  const CommitInfo& info = *history[0].commit_info;
  EXPECT_EQ(info.operation, "WRITE");
  EXPECT_EQ(info.read_version, 0);
  EXPECT_EQ(info.is_blind_append, true);
  EXPECT_NE(info.json.find(R"("bullion":{"pipeline":"churn","layer":"bronze","lineage":{"raw":3}})"),
            std::string::npos);
  EXPECT_NE(info.json.find(R"("operationParameters":{"mode":"Append"})"), std::string::npos);
  EXPECT_EQ(table.latest().files().size(), 1u);
}

TEST(Transaction, CreatingAnExistingTableConflicts) {
  testing::TempDir dir;
  created(dir);
  EXPECT_NE(error_of([&] { Transaction::create(dir.path(), table_metadata()).commit(); }).find("conflict: "),
            std::string::npos);
}

TEST(Transaction, ConcurrentBlindAppendsBothLand) {
  testing::TempDir dir;
  const DeltaTable table = created(dir);
  const Snapshot v0 = table.latest();
  EXPECT_EQ(append(table, v0, file("a.parquet", "x")).version, 1);
  const CommitResult second = append(table, v0, file("b.parquet", "x"));  // read v0, lands at v2
  EXPECT_EQ(second.version, 2);
  EXPECT_EQ(second.attempts, 2);
  EXPECT_EQ(table.latest().files().size(), 2u);
}

TEST(Transaction, ReplaceWhereConflictsWithAppendToTheSamePartitionOnly) {
  testing::TempDir dir;
  const DeltaTable table = created(dir);
  const AddFile a1 = file("a1.parquet", "a");
  append(table, table.latest(), a1);
  const Snapshot v1 = table.latest();
  auto replace_a = [&] {
    Transaction t(table, v1);
    t.read_predicate({{"part", CompareOp::kEq, {Value::string("a")}}});
    t.remove_file(removal(a1));
    t.add_file(file("a2.parquet", "a"));
    t.set_operation("WRITE", {{"mode", "Overwrite"}, {"predicate", "part = 'a'"}});
    return t.commit();
  };
  // A concurrent append to another partition does not conflict.
  append(table, v1, file("b1.parquet", "b"));
  EXPECT_EQ(replace_a().version, 3);
  // A concurrent append to the replaced partition does.
  testing::TempDir dir2;
  const DeltaTable t2 = created(dir2);
  append(t2, t2.latest(), a1);
  const Snapshot s1 = t2.latest();
  append(t2, s1, file("a9.parquet", "a"));
  Transaction t(t2, s1);
  t.read_predicate({{"part", CompareOp::kEq, {Value::string("a")}}});
  t.remove_file(removal(a1));
  t.add_file(file("a2.parquet", "a"));
  const std::string err = error_of([&] { t.commit(); });
  EXPECT_NE(err.find("conflict: a concurrent commit (version 2) added data"), std::string::npos) << err;
  EXPECT_EQ(t2.latest_version(), 2);
}

TEST(Transaction, ConcurrentRemovesOfTheSameFileConflict) {
  testing::TempDir dir;
  const DeltaTable table = created(dir);
  const AddFile a1 = file("a1.parquet", "a");
  append(table, table.latest(), a1);
  const Snapshot v1 = table.latest();
  Transaction first(table, v1);
  first.remove_file(removal(a1));
  first.commit();
  Transaction second(table, v1);
  second.remove_file(removal(a1));
  EXPECT_NE(error_of([&] { second.commit(); }).find("also removed file 'part=a/a1.parquet'"), std::string::npos);
}

TEST(Transaction, MetadataChangesAndTxnRacesConflict) {
  testing::TempDir dir;
  const DeltaTable table = created(dir);
  const Snapshot v0 = table.latest();
  Transaction meta(table, v0);
  Metadata m = v0.metadata();
  m.configuration["delta.checkpointInterval"] = "5";
  meta.set_metadata(m);
  meta.commit();
  // Even a blind append fails: its files were written for the old schema and properties.
  EXPECT_NE(error_of([&] { append(table, v0, file("x.parquet", "x")); }).find("changed the metadata"),
            std::string::npos);
  testing::TempDir dir2;
  const DeltaTable t2 = created(dir2);
  const Snapshot s0 = t2.latest();
  Transaction a(t2, s0), b(t2, s0);
  a.set_txn("silver", 1);
  b.set_txn("silver", 1);
  a.commit();
  EXPECT_NE(error_of([&] { b.commit(); }).find("also committed for application 'silver'"), std::string::npos);
}

TEST(Transaction, AppendOnlyTablesRefuseDataRemoval) {
  testing::TempDir dir;
  const DeltaTable table = created(dir, {{"delta.appendOnly", "true"}});
  const AddFile a1 = file("a1.parquet", "a");
  append(table, table.latest(), a1);
  Transaction t(table, table.latest());
  t.remove_file(removal(a1));
  EXPECT_NE(error_of([&] { t.commit(); }).find("invalid input: Delta table"), std::string::npos);
  EXPECT_EQ(table.latest_version(), 1);
}

TEST(Transaction, RefusesUnimplementedWriterFeatures) {
  Protocol p;
  p.min_reader_version = 3;
  p.min_writer_version = 7;
  p.reader_features = std::vector<std::string>{"deletionVectors"};
  p.writer_features = std::vector<std::string>{"deletionVectors", "appendOnly"};
  EXPECT_NE(error_of([&] { check_writable(p, "/t"); }).find("writer feature 'deletionVectors'"), std::string::npos);
  p.min_reader_version = 1;
  p.reader_features.reset();
  p.writer_features = std::vector<std::string>{"appendOnly", "invariants"};
  EXPECT_EQ(error_of([&] { check_writable(p, "/t"); }), "no error");
}

TEST(Transaction, ManyThreadsAppendingEachCommitLandsOnce) {
  testing::TempDir dir;
  const DeltaTable table = created(dir);
  constexpr int kThreads = 8, kCommits = 10;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int c = 0; c < kCommits; ++c) {
        try {
          append(table, table.latest(), file("t" + std::to_string(t) + "-" + std::to_string(c) + ".parquet", "p"));
        } catch (...) {
          ++failures;
        }
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  const Snapshot s = table.latest();
  EXPECT_EQ(s.version(), kThreads * kCommits);
  std::set<std::string> unique;
  for (const AddFile& f : s.files()) unique.insert(f.path);
  EXPECT_EQ(unique.size(), static_cast<size_t>(kThreads * kCommits));
}

TEST(Transaction, FailedFsyncOrFullDiskLeavesNoCommit) {
  for (auto fault :
       {testing::FaultInjectingFileSystem::Fault::kSyncFails, testing::FaultInjectingFileSystem::Fault::kNoSpace,
        testing::FaultInjectingFileSystem::Fault::kUnwritable}) {
    testing::TempDir dir;
    testing::FaultInjectingFileSystem fs;
    Transaction::create(dir.path(), table_metadata(), fs).commit();
    const DeltaTable table = DeltaTable::open(dir.path(), fs);
    fs.inject(fault);
    const std::string err = error_of([&] { append(table, table.latest(), file("a.parquet", "x")); });
    EXPECT_NE(err.find("I/O error"), std::string::npos) << err;
    EXPECT_EQ(fs.faults_triggered(), 1);
    fs.inject(testing::FaultInjectingFileSystem::Fault::kNone);
    EXPECT_EQ(table.latest_version(), 0);
    EXPECT_EQ(FileSystem::local().list(dir.path() + "/_delta_log").size(), 1u) << "no temp file or partial commit left";
    EXPECT_EQ(append(table, table.latest(), file("a.parquet", "x")).version, 1);  // and the table still works
  }
}

}  // namespace bullion::delta
