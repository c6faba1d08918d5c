// Page compression codecs (Compression.md) over Debian's libzstd, libsnappy,
// zlib and liblz4. A Codec object keeps its library contexts so a reader or
// writer reuses them page after page. Not thread-safe; one per column reader
// or writer.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "formats/parquet/metadata.h"

namespace bullion::parquet {

class PageCodec {
 public:
  // level: codec-specific (zstd 1..22, gzip 1..9); 0 picks the codec default.
  explicit PageCodec(Codec codec, int level = 0);
  ~PageCodec();
  PageCodec(const PageCodec&) = delete;
  PageCodec& operator=(const PageCodec&) = delete;

  Codec codec() const { return codec_; }

  // True if bullion can read this codec (UNCOMPRESSED, SNAPPY, GZIP, LZ4,
  // ZSTD, LZ4_RAW) / write it (all of those but LZ4).
  static bool can_decompress(Codec codec);
  static bool can_compress(Codec codec);

  // Appends the compressed form of data[0..n) to *out.
  void compress(const uint8_t* data, size_t n, std::string* out);

  // Checks, before anything is allocated, that `in` can decompress to
  // out_size bytes (the codec's own size header, or its maximum ratio).
  // Returns a message if not (empty if plausible).
  std::string check_size(const uint8_t* in, size_t in_size, size_t out_size) const;

  // Decompresses exactly out_size bytes into out. On malformed input or a
  // size mismatch returns a message describing the problem (empty on success).
  std::string decompress(const uint8_t* in, size_t in_size, uint8_t* out, size_t out_size);

 private:
  struct Contexts;
  Codec codec_;
  int level_;
  std::unique_ptr<Contexts> ctx_;
};

}  // namespace bullion::parquet
