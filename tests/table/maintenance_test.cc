#include "bullion/table/maintenance.h"

#include <gtest/gtest.h>

#include <set>

#include "bullion/core/error.h"
#include "bullion/delta/scan.h"
#include "bullion/table/writer.h"
#include "support/temp_dir.h"

namespace bullion::table {

namespace {

SchemaPtr schema() {
  return std::make_shared<Schema>(std::vector<Field>{Field("id", DataType::int64()), Field("name", DataType::string()),
                                                     Field("part", DataType::string())});
}

Batch rows(std::vector<std::tuple<int64_t, std::string, std::string>> values) {
  Batch b = Batch::empty(schema());
  for (const auto& [id, name, part] : values) {
    b.column(0)->append<int64_t>(id);
    b.column(1)->append_string(name);
    b.column(2)->append_string(part);
  }
  b.sync_num_rows();
  return b;
}

void append(const std::string& path, const Batch& b, std::map<std::string, std::string> tags = {}) {
  DataWriteOptions o;
  o.tags = std::move(tags);
  DataFileWriter w(path, schema(), {"part"}, o);
  w.write(b);
  commit_write({path, schema(), {"part"}, {}}, w.finish(), WriteMode::append(), {});
}

std::map<int64_t, std::string> contents(const std::string& path) {
  const Batch all = delta::DeltaScan(delta::DeltaTable::open(path).latest(), {}).read_all();
  std::map<int64_t, std::string> out;
  for (size_t r = 0; r < all.num_rows(); ++r)
    out[all.column(0)->data<int64_t>()[r]] = std::string(all.column(1)->strings()[r]);
  return out;
}

}  // namespace

TEST(Optimize, BinPacksSmallFilesPerPartitionWithoutChangingData) {
  testing::TempDir dir;
  for (int i = 0; i < 5; ++i)
    append(dir.path(), rows({{i, "n" + std::to_string(i), "a"}}),
           {{"bullion.sources", "[{\"path\":\"f" + std::to_string(i) + "\"}]"}});
  append(dir.path(), rows({{100, "x", "b"}}));
  const auto before = contents(dir.path());
  exec::ExecContext exec;
  const OptimizeResult r = optimize(dir.path(), {}, exec);
  ASSERT_TRUE(r.version);
  EXPECT_EQ(r.files_removed, 5u);  // partition b has one file: left alone
  EXPECT_EQ(r.files_added, 1u);
  EXPECT_EQ(contents(dir.path()), before);
  const auto snapshot = delta::DeltaTable::open(dir.path()).latest();
  EXPECT_EQ(snapshot.files().size(), 2u);
  const auto commit = delta::DeltaTable::open(dir.path()).read_commit(*r.version);
  for (const auto& a : commit.adds) EXPECT_FALSE(a.data_change);
  for (const auto& rm : commit.removes) EXPECT_FALSE(rm.data_change);
  // The ingest ledger travels with the rows.
  size_t ledger_entries = 0;
  for (const auto& f : snapshot.files())
    if (auto it = f.tags.find("bullion.sources"); it != f.tags.end())
      ledger_entries += std::count(it->second.begin(), it->second.end(), '{');
  EXPECT_EQ(ledger_entries, 5u);
  // Nothing left to do.
  EXPECT_FALSE(optimize(dir.path(), {}, exec).version);
}

TEST(Optimize, ZOrderSortsTheSelectedPartitionOnly) {
  testing::TempDir dir;
  append(dir.path(), rows({{5, "e", "a"}, {1, "a", "a"}, {9, "i", "b"}}));
  append(dir.path(), rows({{3, "c", "a"}, {7, "g", "b"}, {2, "b", "b"}}));
  exec::ExecContext exec;
  OptimizeOptions o;
  o.partitions = {{"part", CompareOp::kEq, {Value::string("a")}}};
  o.zorder_by = {"id"};
  const OptimizeResult r = optimize(dir.path(), o, exec);
  EXPECT_EQ(r.partitions, 1u);
  const auto snapshot = delta::DeltaTable::open(dir.path()).latest();
  const Batch a = delta::DeltaScan(snapshot, {.filter = o.partitions}).read_all();
  std::vector<int64_t> ids;
  for (size_t i = 0; i < a.num_rows(); ++i) ids.push_back(a.column(0)->data<int64_t>()[i]);
  EXPECT_EQ(ids, (std::vector<int64_t>{1, 3, 5}));
  EXPECT_EQ(contents(dir.path()).size(), 6u);
  o.zorder_by = {"id", "name"};
  EXPECT_TRUE(optimize(dir.path(), o, exec).version);
  EXPECT_EQ(contents(dir.path()).size(), 6u);
  o.zorder_by = {"part"};
  EXPECT_THROW(optimize(dir.path(), o, exec), Error);
}

TEST(Merge, UpdatesAndInsertsRewritingOnlyFilesWithMatches) {
  testing::TempDir dir;
  append(dir.path(), rows({{0, "zero", "a"}, {1, "one", "a"}}));
  append(dir.path(), rows({{3, "three", "b"}, {4, "four", "b"}}));
  exec::ExecContext exec;
  const exec::Plan source = exec::Plan::values(schema(), {rows({{3, "THREE", "b"}, {20, "twenty", "c"}})});
  const MergeResult r = merge(dir.path(), source, {"id"}, exec);
  EXPECT_EQ(r.rows_updated, 1u);
  EXPECT_EQ(r.rows_inserted, 1u);
  EXPECT_EQ(r.files_rewritten, 1u);
  const std::map<int64_t, std::string> expected = {{0, "zero"}, {1, "one"}, {3, "THREE"}, {4, "four"}, {20, "twenty"}};
  EXPECT_EQ(contents(dir.path()), expected);
  const auto commit = delta::DeltaTable::open(dir.path()).read_commit(r.version);
  ASSERT_EQ(commit.removes.size(), 1u);
  EXPECT_NE(commit.removes[0].path.find("part=b"), std::string::npos);
  // Two source rows for one key are refused.
  const exec::Plan dup = exec::Plan::values(schema(), {rows({{1, "x", "a"}, {1, "y", "a"}})});
  EXPECT_THROW(merge(dir.path(), dup, {"id"}, exec), Error);
}

TEST(Merge, UpdatesEveryMatchedTargetRowAndInsertsUnmatchedDuplicatesAsSpark) {
  // Regression: a key repeated in the target collapsed to one row, and
  // numTargetRowsInserted was source rows minus target rows updated.
  testing::TempDir dir;
  append(dir.path(), rows({{7, "a", "a"}, {7, "b", "a"}, {1, "one", "a"}}));
  append(dir.path(), rows({{7, "c", "b"}, {2, "two", "b"}}));
  append(dir.path(), rows({{3, "three", "c"}}));
  exec::ExecContext exec;
  // Key 7 matches three target rows; key 9 repeats but matches nothing.
  const exec::Plan source =
      exec::Plan::values(schema(), {rows({{7, "SEVEN", "b"}, {9, "nine", "c"}, {9, "NINE", "c"}, {4, "four", "a"}})});
  const MergeResult r = merge(dir.path(), source, {"id"}, exec);
  EXPECT_EQ(r.rows_updated, 3u);
  EXPECT_EQ(r.rows_inserted, 3u);
  EXPECT_EQ(r.files_rewritten, 2u);
  const Batch all = delta::DeltaScan(delta::DeltaTable::open(dir.path()).latest(), {}).read_all();
  std::multiset<std::pair<int64_t, std::string>> got;
  for (size_t i = 0; i < all.num_rows(); ++i)
    got.insert({all.column(0)->data<int64_t>()[i], std::string(all.column(1)->strings()[i])});
  const std::multiset<std::pair<int64_t, std::string>> expected = {{1, "one"},   {2, "two"},   {3, "three"},
                                                                   {4, "four"},  {7, "SEVEN"}, {7, "SEVEN"},
                                                                   {7, "SEVEN"}, {9, "nine"},  {9, "NINE"}};
  EXPECT_EQ(got, expected);
  const auto commit = delta::DeltaTable::open(dir.path()).read_commit(r.version);
  EXPECT_EQ(commit.removes.size(), 2u);  // the file of partition c holds no match
  for (const auto& rm : commit.removes) EXPECT_EQ(rm.path.find("part=c"), std::string::npos);
}

TEST(Merge, SourceRowsWithNullKeysAreAllInserted) {
  testing::TempDir dir;
  append(dir.path(), rows({{1, "one", "a"}}));
  Batch b = Batch::empty(schema());
  for (const char* name : {"x", "y"}) {
    b.column(0)->append_null();
    b.column(1)->append_string(name);
    b.column(2)->append_string("a");
  }
  b.sync_num_rows();
  exec::ExecContext exec;
  const MergeResult r = merge(dir.path(), exec::Plan::values(schema(), {b}), {"id"}, exec);
  EXPECT_EQ(r.rows_updated, 0u);
  EXPECT_EQ(r.rows_inserted, 2u);
  EXPECT_EQ(r.files_rewritten, 0u);
  EXPECT_EQ(delta::DeltaScan(delta::DeltaTable::open(dir.path()).latest(), {}).read_all().num_rows(), 3u);
}

}  // namespace bullion::table
