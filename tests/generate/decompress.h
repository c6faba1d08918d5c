// Test-side decoders for the generator's compressed output, written against
// zlib and libzstd directly so the tests do not trust bullion's own code.
// Both accept exactly one gzip member / zstd frame and fail on trailing bytes.
#pragma once

#include <gtest/gtest.h>
#include <zlib.h>
#include <zstd.h>

#include <cstring>
#include <string>

namespace bullion::testing {

inline std::string gunzip(const std::string& data) {
  z_stream s;
  std::memset(&s, 0, sizeof s);
  EXPECT_EQ(inflateInit2(&s, 15 + 16), Z_OK);
  s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  s.avail_in = static_cast<uInt>(data.size());
  std::string out;
  std::string buf(1 << 16, '\0');
  int rc;
  do {
    s.next_out = reinterpret_cast<Bytef*>(buf.data());
    s.avail_out = static_cast<uInt>(buf.size());
    rc = inflate(&s, Z_NO_FLUSH);
    EXPECT_TRUE(rc == Z_OK || rc == Z_STREAM_END) << "inflate: " << rc;
    out.append(buf.data(), buf.size() - s.avail_out);
  } while (rc == Z_OK);
  EXPECT_EQ(s.avail_in, 0u) << "bytes after the gzip member";
  inflateEnd(&s);
  return out;
}

inline std::string unzstd(const std::string& data) {
  ZSTD_DCtx* ctx = ZSTD_createDCtx();
  ZSTD_inBuffer in{data.data(), data.size(), 0};
  std::string out;
  std::string buf(1 << 16, '\0');
  size_t rc = 1;
  for (;;) {
    ZSTD_outBuffer o{buf.data(), buf.size(), 0};
    rc = ZSTD_decompressStream(ctx, &o, &in);
    if (ZSTD_isError(rc)) {
      ADD_FAILURE() << ZSTD_getErrorName(rc);
      break;
    }
    out.append(buf.data(), o.pos);
    if (rc == 0) break;                              // end of the frame
    if (in.pos == in.size && o.pos < o.size) break;  // input ends inside the frame
  }
  EXPECT_EQ(rc, 0u) << "incomplete zstd frame";
  EXPECT_EQ(in.pos, in.size) << "bytes after the zstd frame";
  ZSTD_freeDCtx(ctx);
  return out;
}

}  // namespace bullion::testing
