#include "bullion/core/compressed_stream.h"

#include <gtest/gtest.h>
#include <zlib.h>
#include <zstd.h>

#include <cstring>
#include <string>

#include "bullion/core/error.h"
#include "bullion/core/fs.h"
#include "support/temp_dir.h"

namespace bullion {
namespace {

std::string gunzip(const std::string& data) {
  z_stream s;
  std::memset(&s, 0, sizeof s);
  EXPECT_EQ(inflateInit2(&s, 15 + 16), Z_OK);
  s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  s.avail_in = static_cast<uInt>(data.size());
  std::string out;
  char buf[65536];
  int rc;
  do {
    s.next_out = reinterpret_cast<Bytef*>(buf);
    s.avail_out = sizeof buf;
    rc = inflate(&s, Z_NO_FLUSH);
    EXPECT_TRUE(rc == Z_OK || rc == Z_STREAM_END) << rc;
    out.append(buf, sizeof buf - s.avail_out);
  } while (rc == Z_OK);
  EXPECT_EQ(s.avail_in, 0u) << "trailing bytes after the gzip member";
  inflateEnd(&s);
  return out;
}

std::string unzstd(const std::string& data) {
  ZSTD_DCtx* ctx = ZSTD_createDCtx();
  ZSTD_inBuffer in{data.data(), data.size(), 0};
  std::string out;
  char buf[65536];
  size_t rc = 1;
  for (;;) {
    ZSTD_outBuffer o{buf, sizeof buf, 0};
    rc = ZSTD_decompressStream(ctx, &o, &in);
    EXPECT_FALSE(ZSTD_isError(rc)) << ZSTD_getErrorName(rc);
    if (ZSTD_isError(rc)) break;
    out.append(buf, o.pos);
    if (rc == 0) break;                              // end of the frame
    if (in.pos == in.size && o.pos < o.size) break;  // input ends inside the frame
  }
  EXPECT_EQ(rc, 0u) << "incomplete zstd frame";
  EXPECT_EQ(in.pos, in.size) << "bytes after the zstd frame";
  ZSTD_freeDCtx(ctx);
  return out;
}

std::string decode(Compression c, const std::string& data) {
  switch (c) {
    case Compression::kNone:
      return data;
    case Compression::kGzip:
      return gunzip(data);
    case Compression::kZstd:
      return unzstd(data);
  }
  return {};
}

// Text that compresses but is not trivial: numbered JSON-ish lines.
std::string sample_text(size_t lines) {
  std::string text;
  for (size_t i = 0; i < lines; ++i)
    text += "{\"n\":" + std::to_string(i) + ",\"sq\":" + std::to_string(i * i % 9973) + ",\"t\":\"LOGIN\"}\n";
  return text;
}

class CompressedWriterTest : public ::testing::TestWithParam<Compression> {};

TEST_P(CompressedWriterTest, SmallAndLargeAppendsRoundTrip) {
  testing::TempDir dir;
  const std::string path = dir.file("out");
  const std::string text = sample_text(100000);  // ~3.5 MB
  CompressedWriter w(FileSystem::local().open_write(path), GetParam(), CompressedWriter::kDefaultLevel, 4096);
  // Line by line, then one append larger than the buffer, then a tail.
  const size_t half = text.size() / 2;
  size_t pos = 0;
  while (pos < half) {
    const size_t end = text.find('\n', pos) + 1;
    w.append(std::string_view(text).substr(pos, end - pos));
    pos = end;
  }
  w.append(std::string_view(text).substr(pos, 1'000'000));
  w.append(std::string_view(text).substr(pos + 1'000'000));
  w.close();
  const std::string stored = FileSystem::local().read_all(path);
  EXPECT_EQ(w.bytes_in(), text.size());
  EXPECT_EQ(w.bytes_out(), stored.size());
  EXPECT_EQ(decode(GetParam(), stored), text);
  if (GetParam() != Compression::kNone) {
    EXPECT_LT(stored.size(), text.size() / 3);
  }
}

TEST_P(CompressedWriterTest, EmptyStreamIsValid) {
  testing::TempDir dir;
  CompressedWriter w(FileSystem::local().open_write(dir.file("empty")), GetParam());
  w.close();
  w.close();  // idempotent
  const std::string stored = FileSystem::local().read_all(dir.file("empty"));
  EXPECT_EQ(decode(GetParam(), stored), "");
  if (GetParam() == Compression::kNone) {
    EXPECT_TRUE(stored.empty());
  } else {
    EXPECT_FALSE(stored.empty());
  }
}

TEST_P(CompressedWriterTest, OutputIsAFunctionOfTheInput) {
  testing::TempDir dir;
  const std::string text = sample_text(20000);
  for (const char* name : {"a", "b"}) {
    CompressedWriter w(FileSystem::local().open_write(dir.file(name)), GetParam(), 3);
    w.append(text);
    w.close();
  }
  EXPECT_EQ(FileSystem::local().read_all(dir.file("a")), FileSystem::local().read_all(dir.file("b")));
}

INSTANTIATE_TEST_SUITE_P(Codecs, CompressedWriterTest,
                         ::testing::Values(Compression::kNone, Compression::kGzip, Compression::kZstd),
                         [](const auto& info) { return std::string(compression_name(info.param)); });

TEST(CompressedWriter, NamesAndExtensions) {
  EXPECT_EQ(parse_compression("gz"), Compression::kGzip);
  EXPECT_EQ(parse_compression("gzip"), Compression::kGzip);
  EXPECT_EQ(parse_compression("zst"), Compression::kZstd);
  EXPECT_EQ(parse_compression("zstd"), Compression::kZstd);
  EXPECT_EQ(parse_compression("none"), Compression::kNone);
  EXPECT_EQ(parse_compression("lz4"), std::nullopt);
  EXPECT_EQ(compression_extension(Compression::kGzip), ".gz");
  EXPECT_EQ(compression_extension(Compression::kZstd), ".zst");
  EXPECT_EQ(compression_extension(Compression::kNone), "");
}

TEST(CompressedWriter, LevelOutOfRangeIsInvalidInputNamingThePath) {
  testing::TempDir dir;
  try {
    CompressedWriter w(FileSystem::local().open_write(dir.file("x.gz")), Compression::kGzip, 12);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.category(), ErrorCategory::kInvalidInput);
    EXPECT_NE(e.message().find("x.gz"), std::string::npos) << e.message();
    EXPECT_NE(e.hint().find("1 to 9"), std::string::npos) << e.hint();
  }
}

// A file that refuses writes after `limit` bytes, as a full disk does.
class FullDiskFile final : public WritableFile {
 public:
  explicit FullDiskFile(size_t limit) : limit_(limit) {}
  const std::string& path() const override { return path_; }
  void append(std::string_view data) override {
    if (written_ + data.size() > limit_) throw Error::from_errno("cannot write", path_, ENOSPC);
    written_ += data.size();
  }
  void sync() override {}
  void close() override {}

 private:
  std::string path_ = "/disk/full.zst";
  size_t limit_;
  size_t written_ = 0;
};

TEST(CompressedWriter, WriteErrorsPropagateWithThePath) {
  const std::string text = sample_text(50000);
  for (Compression c : {Compression::kNone, Compression::kZstd}) {
    try {
      CompressedWriter w(std::make_unique<FullDiskFile>(1000), c, 1, 4096);
      w.append(text);
      w.close();
      FAIL() << "expected an I/O error";
    } catch (const Error& e) {
      EXPECT_EQ(e.category(), ErrorCategory::kIO);
      EXPECT_NE(e.message().find("/disk/full.zst"), std::string::npos) << e.message();
    }
  }
}

}  // namespace
}  // namespace bullion
