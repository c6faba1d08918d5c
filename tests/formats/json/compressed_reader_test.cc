#include "bullion/core/compressed_reader.h"

#include <gtest/gtest.h>

#include "json_test_support.h"
#include "support/temp_dir.h"

namespace bullion {
namespace {

using testing::gzip;
using testing::TempDir;
using testing::write_file;
using testing::zstd;

std::string many_lines(int n) {
  std::string s;
  for (int i = 0; i < n; ++i)
    s += "{\"i\":" + std::to_string(i) + ",\"s\":\"value number " + std::to_string(i * 7919) + "\"}\n";
  return s;
}

// Reads everything in small pieces; the bytes before an error are kept in `out`.
std::string read_all(CompressedReader& r, size_t piece = 333) {
  std::string out;
  std::string buf(piece, '\0');
  for (;;) {
    const size_t n = r.read(buf.data(), buf.size());
    if (n == 0) return out;
    out.append(buf.data(), n);
  }
}

TEST(NdjsonCompressedReader, DetectsByMagicAndExtension) {
  EXPECT_EQ(compression_from_magic("\x1f\x8b\x08"), Compression::kGzip);
  EXPECT_EQ(compression_from_magic("\x28\xb5\x2f\xfd"), Compression::kZstd);
  EXPECT_EQ(compression_from_magic("{\"a\""), Compression::kNone);
  EXPECT_EQ(compression_from_magic("\x1f"), Compression::kNone);
  EXPECT_EQ(compression_from_extension("a/b.json.gz"), Compression::kGzip);
  EXPECT_EQ(compression_from_extension("b.json.zst"), Compression::kZstd);
  EXPECT_EQ(compression_from_extension("b.json"), Compression::kNone);
}

TEST(NdjsonCompressedReader, PlainPassesThroughAndReadsRanges) {
  TempDir dir;
  const std::string text = many_lines(1000);
  write_file(dir.file("a.json"), text);
  auto r = CompressedReader::open(FileSystem::local(), dir.file("a.json"), {4096});
  EXPECT_EQ(r->compression(), Compression::kNone);
  EXPECT_EQ(read_all(*r), text);
  EXPECT_EQ(r->decompressed_bytes(), text.size());
  CompressedReader range(FileSystem::local().open_read(dir.file("a.json")), Compression::kNone, {4096}, 100, 5000);
  EXPECT_EQ(read_all(range, 1000), text.substr(100, 4900));
}

TEST(NdjsonCompressedReader, GzipWithSeveralMembersReadsAll) {
  TempDir dir;
  const std::string a = many_lines(2000), b = many_lines(10);
  // `cat a.gz b.gz > c.gz`, then zero padding as some tools leave it.
  write_file(dir.file("c.json.gz"), gzip(a) + gzip(b) + std::string(16, '\0'));
  auto r = CompressedReader::open(FileSystem::local(), dir.file("c.json.gz"), {4096});
  EXPECT_EQ(r->compression(), Compression::kGzip);
  EXPECT_EQ(read_all(*r), a + b);
}

TEST(NdjsonCompressedReader, ZstdWithSeveralFramesReadsAll) {
  TempDir dir;
  const std::string a = many_lines(3000), b = many_lines(5);
  write_file(dir.file("c.json.zst"), zstd(a) + zstd(b));
  auto r = CompressedReader::open(FileSystem::local(), dir.file("c.json.zst"), {4096});
  EXPECT_EQ(r->compression(), Compression::kZstd);
  EXPECT_EQ(read_all(*r, 70000), a + b);
}

TEST(NdjsonCompressedReader, DetectsCompressionWithoutExtension) {
  TempDir dir;
  write_file(dir.file("x.json"), gzip("{\"a\":1}\n"));
  auto r = CompressedReader::open(FileSystem::local(), dir.file("x.json"));
  EXPECT_EQ(r->compression(), Compression::kGzip);
  EXPECT_EQ(read_all(*r), "{\"a\":1}\n");
}

void expect_truncation_reported(const std::string& name, const std::string& compressed, const std::string& text) {
  TempDir dir;
  write_file(dir.file(name), compressed.substr(0, compressed.size() / 2));
  auto r = CompressedReader::open(FileSystem::local(), dir.file(name), {4096});
  std::string got;
  std::string buf(1000, '\0');
  try {
    for (;;) {
      const size_t n = r->read(buf.data(), buf.size());
      ASSERT_GT(n, 0u) << "a truncated stream must not end cleanly";
      got.append(buf.data(), n);
    }
  } catch (const Error& e) {
    EXPECT_EQ(e.category(), ErrorCategory::kCorrupt);
    EXPECT_NE(e.message().find(dir.file(name)), std::string::npos) << e.message();
    EXPECT_NE(e.message().find("truncated"), std::string::npos) << e.message();
    EXPECT_NE(e.message().find("at compressed byte"), std::string::npos) << e.message();
  }
  // Everything decodable before the damage was delivered, and it is a prefix of the original.
  EXPECT_GT(got.size(), text.size() / 4);
  EXPECT_EQ(text.substr(0, got.size()), got);
  // The error repeats.
  EXPECT_THROW(r->read(buf.data(), buf.size()), Error);
}

TEST(NdjsonCompressedReader, TruncatedGzipDeliversThePrefixThenFails) {
  const std::string text = many_lines(20000);
  expect_truncation_reported("t.json.gz", gzip(text), text);
}

TEST(NdjsonCompressedReader, TruncatedZstdDeliversThePrefixThenFails) {
  const std::string text = many_lines(20000);
  expect_truncation_reported("t.json.zst", zstd(text), text);
}

TEST(NdjsonCompressedReader, CorruptGzipIsCorrupt) {
  TempDir dir;
  std::string z = gzip(many_lines(5000));
  for (size_t i = z.size() / 2; i < z.size() / 2 + 64; ++i) z[i] = static_cast<char>(z[i] ^ 0x5a);
  write_file(dir.file("bad.json.gz"), z);
  auto r = CompressedReader::open(FileSystem::local(), dir.file("bad.json.gz"));
  try {
    read_all(*r);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.category(), ErrorCategory::kCorrupt);
    EXPECT_NE(e.message().find("zlib reports"), std::string::npos) << e.message();
  }
}

TEST(NdjsonCompressedReader, GarbageAfterGzipMemberIsCorrupt) {
  TempDir dir;
  write_file(dir.file("g.json.gz"), gzip("{\"a\":1}\n") + "garbage");
  auto r = CompressedReader::open(FileSystem::local(), dir.file("g.json.gz"));
  std::string buf(100, '\0');
  EXPECT_EQ(r->read(buf.data(), buf.size()), 8u);
  EXPECT_THROW(r->read(buf.data(), buf.size()), Error);
}

TEST(NdjsonCompressedReader, ExtensionWithoutMagicIsCorruptAndEmptyFileIsEmpty) {
  TempDir dir;
  write_file(dir.file("plain.json.gz"), "{\"a\":1}\n");
  try {
    CompressedReader::open(FileSystem::local(), dir.file("plain.json.gz"));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.category(), ErrorCategory::kCorrupt);
    EXPECT_NE(e.message().find("gzip magic"), std::string::npos) << e.message();
  }
  write_file(dir.file("empty.json.gz"), "");
  auto r = CompressedReader::open(FileSystem::local(), dir.file("empty.json.gz"));
  std::string buf(10, '\0');
  EXPECT_EQ(r->read(buf.data(), buf.size()), 0u);
}

TEST(NdjsonCompressedReader, MissingFileIsNotFound) {
  try {
    CompressedReader::open(FileSystem::local(), "/nonexistent/x.json");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.category(), ErrorCategory::kNotFound);
  }
}

}  // namespace
}  // namespace bullion
