#include "bullion/delta/maintenance.h"

#include <gtest/gtest.h>
#include <utime.h>

#include <fstream>

#include "bullion/core/error.h"
#include "bullion/core/time.h"
#include "bullion/delta/schema_json.h"
#include "bullion/delta/transaction.h"
#include "support/temp_dir.h"

namespace bullion::delta {

namespace {

constexpr int64_t kDay = 24LL * 3600 * 1000;

void touch(const std::string& path, int64_t mtime_ms) {
  FileSystem::local().create_dirs(parent_path(path));
  std::ofstream(path) << "data";
  struct utimbuf t {
    static_cast<time_t>(mtime_ms / 1000), static_cast<time_t>(mtime_ms / 1000)
  };
  ::utime(path.c_str(), &t);
}

AddFile add(const std::string& path) {
  AddFile a;
  a.path = path;
  a.size = 4;
  return a;
}

}  // namespace

TEST(Interval, ParsesDeltaIntervals) {
  EXPECT_EQ(parse_interval_ms("interval 1 week"), 7 * kDay);
  EXPECT_EQ(parse_interval_ms("interval 30 days"), 30 * kDay);
  EXPECT_EQ(parse_interval_ms("168 HOURS"), 7 * kDay);
  EXPECT_EQ(parse_interval_ms("interval 1 day 2 hours"), kDay + 2 * 3600 * 1000);
  EXPECT_THROW(parse_interval_ms("soon"), Error);
  EXPECT_THROW(parse_interval_ms("interval 3 fortnights"), Error);
}

TEST(Vacuum, KeepsEveryFileAVersionInTheLogStillNeeds) {
  testing::TempDir dir;
  const int64_t now = now_micros() / 1000;
  const int64_t old = now - 30 * kDay;
  Metadata m;
  m.schema_string = schema_to_json(Schema({Field("id", DataType::int64())}));
  Transaction::create(dir.path(), m).commit();
  const DeltaTable table = DeltaTable::open(dir.path());
  touch(dir.file("a.parquet"), old);
  touch(dir.file("b.parquet"), old);
  touch(dir.file("sub/orphan.parquet"), old);
  touch(dir.file("young-orphan.parquet"), now);
  touch(dir.file("_hidden/keep.parquet"), old);
  {
    Transaction t(table, table.latest());
    t.add_file(add("a.parquet"));
    t.add_file(add("b.parquet"));
    t.commit();
  }
  {
    Transaction t(table, table.latest());
    RemoveFile r;
    r.path = "a.parquet";
    r.deletion_timestamp = old;
    t.remove_file(r);
    t.commit();
  }
  // Under 7 days is refused unless forced.
  VacuumOptions short_retention;
  short_retention.retention_ms = 0;
  EXPECT_THROW(vacuum(table, short_retention), Error);

  VacuumOptions dry;
  dry.dry_run = true;
  VacuumResult r = vacuum(table, dry);
  // a.parquet was removed 30 days ago, but version 1 (still in the log) references it.
  EXPECT_EQ(r.deleted, std::vector<std::string>{"sub/orphan.parquet"});
  EXPECT_TRUE(FileSystem::local().exists(dir.file("sub/orphan.parquet")));
  const int64_t versions_before = table.latest_version();

  r = vacuum(table, VacuumOptions{});
  EXPECT_EQ(r.deleted, std::vector<std::string>{"sub/orphan.parquet"});
  EXPECT_FALSE(FileSystem::local().exists(dir.file("sub/orphan.parquet")));
  EXPECT_FALSE(FileSystem::local().exists(dir.file("sub")));
  EXPECT_TRUE(FileSystem::local().exists(dir.file("a.parquet")));
  EXPECT_TRUE(FileSystem::local().exists(dir.file("young-orphan.parquet")));
  EXPECT_TRUE(FileSystem::local().exists(dir.file("_hidden/keep.parquet")));
  EXPECT_EQ(table.latest_version(), versions_before + 2);  // VACUUM START and END
  const auto history = table.history(2);
  EXPECT_EQ(history[0].commit_info->operation, "VACUUM END");
  EXPECT_EQ(history[1].commit_info->operation, "VACUUM START");
  // Time travel to version 1 still finds every file.
  const Snapshot v1 = table.at_version(1);
  for (const AddFile& f : v1.files()) EXPECT_TRUE(FileSystem::local().exists(v1.data_file_path(f.path))) << f.path;
}

TEST(LogCleanup, NeedsACheckpointAndKeepsEverythingAfterIt) {
  testing::TempDir dir;
  Metadata m;
  m.schema_string = schema_to_json(Schema({Field("id", DataType::int64())}));
  Transaction::create(dir.path(), m).commit();
  const DeltaTable table = DeltaTable::open(dir.path());
  for (int i = 0; i < 3; ++i) {
    Transaction t(table, table.latest());
    t.add_file(add("f" + std::to_string(i) + ".parquet"));
    t.commit();
  }
  const int64_t future = now_micros() / 1000 + 365 * kDay;
  // No checkpoint: nothing is deleted, however old.
  EXPECT_TRUE(cleanup_log(table, 0, future).deleted.empty());
  EXPECT_EQ(table.history().size(), 4u);
}

}  // namespace bullion::delta
