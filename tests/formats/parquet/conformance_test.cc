// Real Parquet files from other writers (Spark, delta-rs, Databricks, Delta
// kernel test tables) in the shared conformance corpus: each one reads
// completely, or fails with kUnsupported naming the feature; row counts match
// the footer. (Values are compared against pyarrow in
// tests/interop/test_parquet_conformance.py.)
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "bullion/core/error.h"
#include "bullion/formats/parquet/reader.h"

namespace bullion::parquet {
namespace {

namespace fs = std::filesystem;

// The corpus lives in the shared directory next to the checkout; worktrees
// sit one level deeper, and BULLION_SHARED_DIR overrides both.
fs::path conformance_dir() {
  std::vector<fs::path> candidates;
  if (const char* env = std::getenv("BULLION_SHARED_DIR")) candidates.emplace_back(env);
  candidates.emplace_back(BULLION_SHARED_DIR);
  candidates.emplace_back(fs::path(BULLION_SOURCE_DIR) / ".." / ".." / "shared");
  for (const fs::path& c : candidates) {
    if (fs::is_directory(c / "conformance" / "delta")) return c / "conformance" / "delta";
  }
  return {};
}

TEST(Conformance, ReadsEveryParquetFileOfOtherWriters) {
  const fs::path dir = conformance_dir();
  ASSERT_FALSE(dir.empty()) << "conformance corpus not found; set BULLION_SHARED_DIR";
  size_t files = 0, read = 0, rows = 0, apple_double = 0;
  std::vector<std::string> unsupported;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".parquet") continue;
    const std::string path = entry.path().string();
    ++files;
    // macOS AppleDouble companions ("._x.parquet") are not Parquet at all.
    if (entry.path().filename().string().rfind("._", 0) == 0) {
      try {
        ParquetFile::open(FileSystem::local(), path);
        ADD_FAILURE() << path << " opened";
      } catch (const Error& e) {
        EXPECT_EQ(e.category(), ErrorCategory::kCorrupt) << e.message();
      }
      ++apple_double;
      continue;
    }
    try {
      auto file = ParquetFile::open(FileSystem::local(), path);
      auto scan = file->scan();
      Batch b;
      int64_t n = 0;
      while (scan->next(&b)) {
        n += static_cast<int64_t>(b.num_rows());
        for (size_t c = 0; c < b.num_columns(); ++c) ASSERT_EQ(b.column(c)->size(), b.num_rows()) << path;
      }
      EXPECT_EQ(n, file->num_rows()) << path;
      int64_t groups = 0;
      for (size_t g = 0; g < file->num_row_groups(); ++g) groups += file->row_group(g).num_rows;
      EXPECT_EQ(groups, file->num_rows()) << path;
      rows += static_cast<size_t>(n);
      ++read;
    } catch (const Error& e) {
      EXPECT_EQ(e.category(), ErrorCategory::kUnsupported) << e.message();
      EXPECT_NE(e.message().find(path), std::string::npos) << e.message();
      unsupported.push_back(e.message());
    }
  }
  EXPECT_GT(files, 1000u);
  EXPECT_EQ(read + apple_double + unsupported.size(), files);
  // Every file in the corpus uses features bullion reads.
  EXPECT_TRUE(unsupported.empty()) << unsupported.size() << " unsupported, first: " << unsupported.front();
  std::cout << "read " << read << " files (" << rows << " rows); skipped " << apple_double
            << " AppleDouble companions\n";
}

}  // namespace
}  // namespace bullion::parquet
