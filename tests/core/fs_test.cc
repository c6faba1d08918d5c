#include "bullion/core/fs.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "bullion/core/error.h"
#include "support/temp_dir.h"

namespace bullion {

TEST(FileSystem, PutIfAbsentCreatesOnceAndNeverOverwrites) {
  testing::TempDir dir;
  FileSystem& fs = FileSystem::local();
  const std::string path = dir.file("00000.json");
  EXPECT_TRUE(fs.put_if_absent(path, "first"));
  EXPECT_FALSE(fs.put_if_absent(path, "second"));
  EXPECT_EQ(fs.read_all(path), "first");
  // No temp file is left behind.
  const auto entries = fs.list(dir.path());
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].name, "00000.json");
}

TEST(FileSystem, ConcurrentPutIfAbsentHasExactlyOneWinner) {
  testing::TempDir dir;
  const std::string path = dir.file("commit.json");
  std::atomic<int> winners{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&, i] {
      if (FileSystem::local().put_if_absent(path, "writer " + std::to_string(i))) ++winners;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(winners.load(), 1);
  EXPECT_EQ(FileSystem::local().list(dir.path()).size(), 1u);
}

TEST(FileSystem, WriteAtomicReplaces) {
  testing::TempDir dir;
  FileSystem& fs = FileSystem::local();
  fs.write_atomic(dir.file("a"), "one");
  fs.write_atomic(dir.file("a"), "two");
  EXPECT_EQ(fs.read_all(dir.file("a")), "two");
}

TEST(FileSystem, ReadAtPastEndIsCorruptNamingFile) {
  testing::TempDir dir;
  FileSystem& fs = FileSystem::local();
  fs.write_atomic(dir.file("short"), "abc");
  auto f = fs.open_read(dir.file("short"));
  EXPECT_EQ(f->size(), 3u);
  char buf[8];
  try {
    f->read_at(1, 5, buf);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.category(), ErrorCategory::kCorrupt);
    EXPECT_NE(e.message().find("short"), std::string::npos);
  }
}

TEST(FileSystem, MissingFileIsNotFound) {
  try {
    FileSystem::local().open_read("/nonexistent/bullion/file");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.category(), ErrorCategory::kNotFound);
  }
}

TEST(FileSystem, CreateDirsListAndRemove) {
  testing::TempDir dir;
  FileSystem& fs = FileSystem::local();
  fs.create_dirs(dir.file("a/b/c"));
  fs.create_dirs(dir.file("a/b/c"));  // idempotent
  fs.write_atomic(dir.file("a/b/z"), "z");
  const auto entries = fs.list(dir.file("a/b"));
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].name, "c");
  EXPECT_TRUE(entries[0].is_dir);
  EXPECT_EQ(entries[1].name, "z");
  EXPECT_EQ(entries[1].size, 1u);
  fs.remove(dir.file("a/b/z"));
  fs.remove(dir.file("a/b/z"));  // missing is fine
  EXPECT_FALSE(fs.exists(dir.file("a/b/z")));
}

TEST(Paths, JoinAndParent) {
  EXPECT_EQ(join_path("a/", "/b"), "a/b");
  EXPECT_EQ(join_path("", "b"), "b");
  EXPECT_EQ(parent_path("a/b/c.json"), "a/b");
  EXPECT_EQ(parent_path("c.json"), "");
  EXPECT_EQ(parent_path("/c"), "/");
}

}  // namespace bullion
