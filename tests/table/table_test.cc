#include "bullion/table/table.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "bullion/core/error.h"
#include "bullion/core/time.h"
#include "bullion/delta/checkpoint.h"
#include "bullion/delta/maintenance.h"
#include "bullion/delta/scan.h"
#include "bullion/table/writer.h"
#include "support/temp_dir.h"

namespace bullion::table {

namespace {

SchemaPtr event_schema() {
  return std::make_shared<Schema>(std::vector<Field>{Field("id", DataType::int64()), Field("name", DataType::string()),
                                                     Field("ts", DataType::timestamp()),
                                                     Field("day", DataType::date())});
}

Batch events(int64_t first, int64_t count, int32_t day) {
  Batch b = Batch::empty(event_schema());
  for (int64_t i = first; i < first + count; ++i) {
    b.column(0)->append<int64_t>(i);
    if (i % 7 == 0)
      b.column(1)->append_null();
    else
      b.column(1)->append_string("name-" + std::to_string(i));
    b.column(2)->append<int64_t>(1'700'000'000'000'000 + i * 1'234'567);
    b.column(3)->append<int32_t>(day);
  }
  b.sync_num_rows();
  return b;
}

WriteResult write(const std::string& path, const std::vector<Batch>& batches, const WriteMode& mode,
                  CommitInfo info = {}, SchemaPtr schema = event_schema()) {
  TableSpec spec{path, schema, {"day"}, {}};
  DataFileWriter w(path, schema, spec.partition_columns);
  for (const Batch& b : batches) w.write(b);
  return commit_write(spec, w.finish(), mode, info);
}

std::vector<int64_t> ids(const std::string& path, std::optional<int64_t> version = std::nullopt) {
  const auto table = delta::DeltaTable::open(path);
  const delta::DeltaScan scan(version ? table.at_version(*version) : table.latest(), {.columns = {"id"}});
  const Batch all = scan.read_all();
  std::vector<int64_t> out(all.column(0)->data<int64_t>(), all.column(0)->data<int64_t>() + all.num_rows());
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<int64_t> range(int64_t a, int64_t b) {
  std::vector<int64_t> v;
  for (int64_t i = a; i < b; ++i) v.push_back(i);
  return v;
}

}  // namespace

TEST(Table, CreateAppendReadBackWithExactStats) {
  testing::TempDir dir;
  const WriteResult r = write(dir.path(), {events(0, 100, 20000), events(100, 50, 20001)}, WriteMode::append());
  EXPECT_EQ(r.version, 0);
  EXPECT_EQ(r.files_added, 2u);  // one file per partition
  EXPECT_EQ(r.rows_added, 150u);
  EXPECT_EQ(ids(dir.path()), range(0, 150));
  const auto snapshot = delta::DeltaTable::open(dir.path()).latest();
  EXPECT_EQ(snapshot.protocol().min_writer_version, 2);
  EXPECT_EQ(snapshot.partition_columns(), std::vector<std::string>{"day"});
  for (const delta::AddFile& f : snapshot.files()) {
    const ColumnStats id = snapshot.column_stats(f, 0);
    const ColumnStats name = snapshot.column_stats(f, 1);
    const bool first = f.partition_values.at("day") == "2024-10-04";
    EXPECT_EQ(id.min, Value::int64(first ? 0 : 100));
    EXPECT_EQ(id.max, Value::int64(first ? 99 : 149));
    EXPECT_EQ(name.null_count, first ? 15 : 7);
    EXPECT_EQ(snapshot.num_records(f), first ? 100 : 50);
    EXPECT_NE(f.path.find("day=2024-10-0"), std::string::npos);
    // Timestamp stats are milliseconds (as Spark writes them); the reader widens the max.
    const ColumnStats ts = snapshot.column_stats(f, 2);
    ASSERT_TRUE(ts.min && ts.max);
    const int64_t true_max = 1'700'000'000'000'000 + (first ? 99 : 149) * 1'234'567;
    EXPECT_LE(ts.min->as_int(), 1'700'000'000'000'000 + (first ? 0 : 100) * 1'234'567);
    EXPECT_GE(ts.max->as_int(), true_max);
    EXPECT_LT(ts.max->as_int() - true_max, 1000);
  }
  // Appends land as new versions; the history shows the operation.
  write(dir.path(), {events(150, 10, 20000)}, WriteMode::append());
  EXPECT_EQ(ids(dir.path()), range(0, 160));
  EXPECT_EQ(ids(dir.path(), 0), range(0, 150));
}

TEST(Table, OverwriteAndReplaceWhereRemoveExactlyTheirFiles) {
  testing::TempDir dir;
  write(dir.path(), {events(0, 10, 20000), events(10, 10, 20001)}, WriteMode::append());
  // Replace one partition.
  const WriteResult r = write(dir.path(), {events(100, 5, 20001)},
                              WriteMode::replace_where({{"day", CompareOp::kEq, {Value::date(20001)}}}));
  EXPECT_EQ(r.files_removed, 1u);
  EXPECT_EQ(r.rows_removed, 10u);
  std::vector<int64_t> expected = range(0, 10);
  for (int64_t i = 100; i < 105; ++i) expected.push_back(i);
  EXPECT_EQ(ids(dir.path()), expected);
  // Rows outside the predicate are refused, and nothing is committed.
  const int64_t before = delta::DeltaTable::open(dir.path()).latest_version();
  EXPECT_THROW(write(dir.path(), {events(200, 5, 20002)},
                     WriteMode::replace_where({{"day", CompareOp::kEq, {Value::date(20001)}}})),
               Error);
  EXPECT_EQ(delta::DeltaTable::open(dir.path()).latest_version(), before);
  // Overwrite replaces everything.
  write(dir.path(), {events(500, 3, 20003)}, WriteMode::overwrite());
  EXPECT_EQ(ids(dir.path()), range(500, 503));
}

TEST(Table, SchemaEnforcementAndEvolution) {
  testing::TempDir dir;
  write(dir.path(), {events(0, 5, 20000)}, WriteMode::append());
  // A column of another type is refused, naming it.
  auto wrong =
      std::make_shared<Schema>(std::vector<Field>{Field("id", DataType::string()), Field("day", DataType::date())});
  Batch wb = Batch::empty(wrong);
  wb.column(0)->append_string("x");
  wb.column(1)->append<int32_t>(20000);
  wb.sync_num_rows();
  try {
    write(dir.path(), {wb}, WriteMode::append(), {}, wrong);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(e.message().find("column 'id' is STRING in the data but BIGINT"), std::string::npos) << e.message();
  }
  // A new column needs mergeSchema, then it is added as nullable and old rows read as NULL.
  auto wider = std::make_shared<Schema>(std::vector<Field>{
      Field("id", DataType::int64()), Field("extra", DataType::float64()), Field("day", DataType::date())});
  Batch xb = Batch::empty(wider);
  xb.column(0)->append<int64_t>(99);
  xb.column(1)->append<double>(1.5);
  xb.column(2)->append<int32_t>(20000);
  xb.sync_num_rows();
  EXPECT_THROW(write(dir.path(), {xb}, WriteMode::append(), {}, wider), Error);
  CommitInfo merge;
  merge.merge_schema = true;
  write(dir.path(), {xb}, WriteMode::append(), merge, wider);
  const auto snapshot = delta::DeltaTable::open(dir.path()).latest();
  ASSERT_TRUE(snapshot.schema().index_of("extra"));
  const Batch all = delta::DeltaScan(snapshot, {.columns = {"id", "extra", "name"}}).read_all();
  size_t nulls = 0;
  for (size_t r = 0; r < all.num_rows(); ++r) nulls += all.column(1)->is_null(r);
  EXPECT_EQ(all.num_rows(), 6u);
  EXPECT_EQ(nulls, 5u);
}

TEST(Table, CheckpointsEveryTenCommitsAndReadsThroughThem) {
  testing::TempDir dir;
  for (int i = 0; i < 12; ++i) write(dir.path(), {events(i * 10, 10, 20000 + i % 3)}, WriteMode::append());
  FileSystem& fs = FileSystem::local();
  EXPECT_TRUE(fs.exists(dir.path() + "/_delta_log/00000000000000000010.checkpoint.parquet"));
  EXPECT_NE(fs.read_all(dir.path() + "/_delta_log/_last_checkpoint").find("\"version\":10"), std::string::npos);
  // Delete the commits the checkpoint covers: the table still reads, from the checkpoint.
  for (int v = 0; v < 10; ++v) fs.remove(dir.path() + "/_delta_log/" + delta::commit_file_name(v));
  EXPECT_EQ(ids(dir.path()), range(0, 120));
  EXPECT_EQ(ids(dir.path(), 10), range(0, 110));
  EXPECT_THROW(ids(dir.path(), 5), Error);  // no longer reconstructable
}

TEST(Table, RestoreBringsBackAnOldVersion) {
  testing::TempDir dir;
  write(dir.path(), {events(0, 10, 20000)}, WriteMode::append());
  write(dir.path(), {events(10, 10, 20001)}, WriteMode::append());
  write(dir.path(), {events(50, 5, 20000)}, WriteMode::overwrite());
  const WriteResult r = restore(dir.path(), 1);
  EXPECT_EQ(r.version, 3);
  EXPECT_EQ(r.files_added, 2u);
  EXPECT_EQ(r.files_removed, 1u);
  EXPECT_EQ(ids(dir.path()), range(0, 20));
  EXPECT_THROW(restore(dir.path(), 42), Error);
}

TEST(Table, ConcurrentReplaceWhereOfTheSamePartitionConflicts) {
  testing::TempDir dir;
  write(dir.path(), {events(0, 10, 20000)}, WriteMode::append());
  // Two writers prepare data for the same partition from the same snapshot.
  TableSpec spec{dir.path(), event_schema(), {"day"}, {}};
  auto prepare = [&](int64_t first) {
    DataFileWriter w(dir.path(), event_schema(), {"day"});
    w.write(events(first, 3, 20000));
    return w.finish();
  };
  const auto table = delta::DeltaTable::open(dir.path());
  const auto snapshot = table.latest();
  auto a = prepare(100);
  auto b = prepare(200);
  const Conjunction day = {{"day", CompareOp::kEq, {Value::date(20000)}}};
  commit_write(spec, std::move(a), WriteMode::replace_where(day), {});
  // The second is an append into the replaced partition from an older snapshot: Delta's
  // rules say a replaceWhere that read the partition conflicts with a concurrent write to it.
  delta::Transaction t(table, snapshot);
  t.read_predicate(day);
  for (const auto& f : snapshot.files()) {
    delta::RemoveFile rm;
    rm.path = f.path;
    rm.deletion_timestamp = 1;
    t.remove_file(rm);
  }
  for (auto& f : b) t.add_file(f);
  try {
    t.commit();
    FAIL() << "expected a conflict";
  } catch (const Error& e) {
    EXPECT_EQ(e.category(), ErrorCategory::kConflict) << e.message();
  }
  EXPECT_EQ(ids(dir.path()), range(100, 103));
}

}  // namespace bullion::table
