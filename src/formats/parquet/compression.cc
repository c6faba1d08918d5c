#include "formats/parquet/compression.h"

#include <lz4.h>
#include <lz4frame.h>
#include <snappy-c.h>
#include <zlib.h>
#include <zstd.h>

#include <cstring>

#include "bullion/core/error.h"

namespace bullion::parquet {

struct PageCodec::Contexts {
  ZSTD_CCtx* zc = nullptr;
  ZSTD_DCtx* zd = nullptr;
  ~Contexts() {
    if (zc) ZSTD_freeCCtx(zc);
    if (zd) ZSTD_freeDCtx(zd);
  }
};

PageCodec::PageCodec(Codec codec, int level) : codec_(codec), level_(level), ctx_(std::make_unique<Contexts>()) {}
PageCodec::~PageCodec() = default;

bool PageCodec::can_decompress(Codec c) {
  switch (c) {
    case Codec::kUncompressed:
    case Codec::kSnappy:
    case Codec::kGzip:
    case Codec::kLz4:
    case Codec::kZstd:
    case Codec::kLz4Raw:
      return true;
    default:
      return false;
  }
}

bool PageCodec::can_compress(Codec c) { return can_decompress(c) && c != Codec::kLz4; }

void PageCodec::compress(const uint8_t* data, size_t n, std::string* out) {
  const size_t base = out->size();
  switch (codec_) {
    case Codec::kUncompressed:
      out->append(reinterpret_cast<const char*>(data), n);
      return;
    case Codec::kSnappy: {
      size_t len = snappy_max_compressed_length(n);
      out->resize(base + len);
      if (snappy_compress(reinterpret_cast<const char*>(data), n, out->data() + base, &len) != SNAPPY_OK) {
        throw Error::internal("snappy compression failed");
      }
      out->resize(base + len);
      return;
    }
    case Codec::kZstd: {
      if (!ctx_->zc) ctx_->zc = ZSTD_createCCtx();
      const size_t bound = ZSTD_compressBound(n);
      out->resize(base + bound);
      const size_t r = ZSTD_compressCCtx(ctx_->zc, out->data() + base, bound, data, n, level_ == 0 ? 1 : level_);
      if (ZSTD_isError(r)) throw Error::internal(std::string("zstd compression failed: ") + ZSTD_getErrorName(r));
      out->resize(base + r);
      return;
    }
    case Codec::kGzip: {
      z_stream zs;
      std::memset(&zs, 0, sizeof(zs));
      if (deflateInit2(&zs, level_ == 0 ? Z_DEFAULT_COMPRESSION : level_, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
          Z_OK) {
        throw Error::internal("zlib deflateInit2 failed");
      }
      const size_t bound = deflateBound(&zs, static_cast<uLong>(n)) + 32;
      out->resize(base + bound);
      zs.next_in = const_cast<Bytef*>(data);
      zs.avail_in = static_cast<uInt>(n);
      zs.next_out = reinterpret_cast<Bytef*>(out->data() + base);
      zs.avail_out = static_cast<uInt>(bound);
      const int r = deflate(&zs, Z_FINISH);
      const size_t produced = bound - zs.avail_out;
      deflateEnd(&zs);
      if (r != Z_STREAM_END) throw Error::internal("gzip compression failed");
      out->resize(base + produced);
      return;
    }
    case Codec::kLz4Raw: {
      const int bound = LZ4_compressBound(static_cast<int>(n));
      out->resize(base + static_cast<size_t>(bound));
      const int r =
          LZ4_compress_default(reinterpret_cast<const char*>(data), out->data() + base, static_cast<int>(n), bound);
      if (r <= 0) throw Error::internal("lz4 compression failed");
      out->resize(base + static_cast<size_t>(r));
      return;
    }
    default:
      throw Error::unsupported("bullion cannot write Parquet pages compressed with " + std::string(codec_name(codec_)));
  }
}

namespace {

uint32_t load_be32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

// Hadoop's block framing of LZ4: repeated [BE32 raw size][BE32 compressed size][lz4 block].
bool lz4_hadoop(const uint8_t* in, size_t in_size, uint8_t* out, size_t out_size) {
  size_t produced = 0;
  while (in_size >= 8) {
    const uint32_t raw = load_be32(in);
    const uint32_t comp = load_be32(in + 4);
    in += 8;
    in_size -= 8;
    if (comp > in_size || raw > out_size - produced) return false;
    const int r = LZ4_decompress_safe(reinterpret_cast<const char*>(in), reinterpret_cast<char*>(out + produced),
                                      static_cast<int>(comp), static_cast<int>(out_size - produced));
    if (r < 0 || static_cast<uint32_t>(r) != raw) return false;
    produced += raw;
    in += comp;
    in_size -= comp;
  }
  return in_size == 0 && produced == out_size;
}

bool lz4_frame(const uint8_t* in, size_t in_size, uint8_t* out, size_t out_size) {
  LZ4F_dctx* ctx = nullptr;
  if (LZ4F_isError(LZ4F_createDecompressionContext(&ctx, LZ4F_VERSION))) return false;
  size_t produced = 0, consumed = 0;
  bool ok = false;
  while (true) {
    size_t dst = out_size - produced, src = in_size - consumed;
    const size_t r = LZ4F_decompress(ctx, out + produced, &dst, in + consumed, &src, nullptr);
    if (LZ4F_isError(r)) break;
    produced += dst;
    consumed += src;
    if (r == 0) {
      ok = consumed == in_size && produced == out_size;
      break;
    }
    if (src == 0 && dst == 0) break;  // no progress: truncated or output full
  }
  LZ4F_freeDecompressionContext(ctx);
  return ok;
}

}  // namespace

std::string PageCodec::check_size(const uint8_t* in, size_t in_size, size_t out_size) const {
  auto too_big = [&](uint64_t max_ratio) -> std::string {
    if (out_size / max_ratio > in_size + 64) {
      return std::to_string(in_size) + " " + std::string(codec_name(codec_)) + " bytes cannot hold the " +
             std::to_string(out_size) + " bytes the page header claims";
    }
    return {};
  };
  switch (codec_) {
    case Codec::kUncompressed:
      if (in_size != out_size) {
        return "uncompressed page holds " + std::to_string(in_size) + " bytes, the page header says " +
               std::to_string(out_size);
      }
      return {};
    case Codec::kSnappy: {
      size_t len = 0;
      if (snappy_uncompressed_length(reinterpret_cast<const char*>(in), in_size, &len) != SNAPPY_OK) {
        return "malformed snappy data";
      }
      if (len != out_size) {
        return "snappy data decompresses to " + std::to_string(len) + " bytes, the page header says " +
               std::to_string(out_size);
      }
      return {};
    }
    case Codec::kZstd: {
      const unsigned long long n = ZSTD_getFrameContentSize(in, in_size);
      if (n == ZSTD_CONTENTSIZE_ERROR) return "malformed zstd data";
      // A single frame that declares its size must declare the page's.
      const bool single_frame = ZSTD_findFrameCompressedSize(in, in_size) == in_size;
      if (single_frame && n != ZSTD_CONTENTSIZE_UNKNOWN && n != out_size) {
        return "zstd data decompresses to " + std::to_string(n) + " bytes, the page header says " +
               std::to_string(out_size);
      }
      return too_big(65536);
    }
    case Codec::kGzip:
      return too_big(1040);
    case Codec::kLz4:
    case Codec::kLz4Raw:
      return too_big(256);
    default:
      return {};
  }
}

std::string PageCodec::decompress(const uint8_t* in, size_t in_size, uint8_t* out, size_t out_size) {
  // Empty buffers may come as nullptr, which the libraries (and memcpy) must not see.
  static const uint8_t no_input = 0;
  uint8_t no_output = 0;
  if (in == nullptr) in = &no_input;
  if (out == nullptr) out = &no_output;
  switch (codec_) {
    case Codec::kUncompressed:
      if (in_size != out_size) return "uncompressed page size differs from its compressed size";
      if (in_size > 0) std::memcpy(out, in, in_size);
      return {};
    case Codec::kSnappy: {
      size_t len = 0;
      if (snappy_uncompressed_length(reinterpret_cast<const char*>(in), in_size, &len) != SNAPPY_OK) {
        return "malformed snappy data";
      }
      if (len != out_size) {
        return "snappy data decompresses to " + std::to_string(len) + " bytes, the page header says " +
               std::to_string(out_size);
      }
      if (snappy_uncompress(reinterpret_cast<const char*>(in), in_size, reinterpret_cast<char*>(out), &len) !=
              SNAPPY_OK ||
          len != out_size) {
        return "malformed snappy data";
      }
      return {};
    }
    case Codec::kZstd: {
      if (!ctx_->zd) ctx_->zd = ZSTD_createDCtx();
      const size_t r = ZSTD_decompressDCtx(ctx_->zd, out, out_size, in, in_size);
      if (ZSTD_isError(r)) return std::string("malformed zstd data (") + ZSTD_getErrorName(r) + ")";
      if (r != out_size) {
        return "zstd data decompresses to " + std::to_string(r) + " bytes, the page header says " +
               std::to_string(out_size);
      }
      return {};
    }
    case Codec::kGzip: {
      z_stream zs;
      std::memset(&zs, 0, sizeof(zs));
      if (inflateInit2(&zs, 15 + 32) != Z_OK) return "zlib inflateInit2 failed";
      // zlib reports no progress (Z_BUF_ERROR) with no output space, even
      // for an empty stream: give it a byte to spare.
      uint8_t spare;
      zs.next_in = const_cast<Bytef*>(in);
      zs.avail_in = static_cast<uInt>(in_size);
      zs.next_out = out_size > 0 ? out : &spare;
      zs.avail_out = out_size > 0 ? static_cast<uInt>(out_size) : 1;
      const int r = inflate(&zs, Z_FINISH);
      const size_t produced = out_size > 0 ? out_size - zs.avail_out : 1 - zs.avail_out;
      inflateEnd(&zs);
      if (r != Z_STREAM_END) return "malformed or truncated gzip data";
      if (produced != out_size) {
        return "gzip data decompresses to " + std::to_string(produced) + " bytes, the page header says " +
               std::to_string(out_size);
      }
      return {};
    }
    case Codec::kLz4Raw: {
      const int r = LZ4_decompress_safe(reinterpret_cast<const char*>(in), reinterpret_cast<char*>(out),
                                        static_cast<int>(in_size), static_cast<int>(out_size));
      if (r < 0 || static_cast<size_t>(r) != out_size) return "malformed LZ4_RAW data";
      return {};
    }
    case Codec::kLz4: {
      // As other readers do: Hadoop framing first, then a bare LZ4 block (old
      // parquet-cpp), then the LZ4 frame format.
      if (lz4_hadoop(in, in_size, out, out_size)) return {};
      const int r = LZ4_decompress_safe(reinterpret_cast<const char*>(in), reinterpret_cast<char*>(out),
                                        static_cast<int>(in_size), static_cast<int>(out_size));
      if (r >= 0 && static_cast<size_t>(r) == out_size) return {};
      if (lz4_frame(in, in_size, out, out_size)) return {};
      return "malformed LZ4 data (neither Hadoop-framed, raw nor LZ4 frame)";
    }
    default:
      return "unsupported codec " + std::string(codec_name(codec_));
  }
}

}  // namespace bullion::parquet
