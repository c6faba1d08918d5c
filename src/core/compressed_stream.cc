#include "bullion/core/compressed_stream.h"

#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cstring>

#include "bullion/core/error.h"

namespace bullion {

// One codec's streaming state plus a reused output buffer. step() consumes
// all of `in` (and, with `finish`, ends the stream), handing each filled
// output buffer to `sink`.
class CompressedWriter::Codec {
 public:
  virtual ~Codec() = default;
  template <typename Sink>
  void step(std::string_view in, bool finish, Sink&& sink);

 protected:
  // Returns the number of output bytes produced and whether the codec is
  // done with this call (all input consumed, and the stream ended if finish).
  virtual bool run(std::string_view& in, bool finish, size_t& produced) = 0;

  std::unique_ptr<char[]> out_;
  size_t out_size_ = 0;
};

template <typename Sink>
void CompressedWriter::Codec::step(std::string_view in, bool finish, Sink&& sink) {
  for (;;) {
    size_t produced = 0;
    const bool done = run(in, finish, produced);
    if (produced > 0) sink(std::string_view(out_.get(), produced));
    if (done) return;
  }
}

namespace {

class ZstdCodec final : public CompressedWriter::Codec {
 public:
  explicit ZstdCodec(int level) : ctx_(ZSTD_createCCtx()) {
    if (ctx_ == nullptr) throw Error::internal("ZSTD_createCCtx failed (out of memory)");
    check(ZSTD_CCtx_setParameter(ctx_, ZSTD_c_compressionLevel, level), "set level");
    check(ZSTD_CCtx_setParameter(ctx_, ZSTD_c_checksumFlag, 1), "enable checksum");
    out_size_ = ZSTD_CStreamOutSize();
    out_ = std::make_unique_for_overwrite<char[]>(out_size_);
  }
  ~ZstdCodec() override { ZSTD_freeCCtx(ctx_); }

 protected:
  bool run(std::string_view& in, bool finish, size_t& produced) override {
    ZSTD_inBuffer input{in.data(), in.size(), 0};
    ZSTD_outBuffer output{out_.get(), out_size_, 0};
    const size_t remaining = ZSTD_compressStream2(ctx_, &output, &input, finish ? ZSTD_e_end : ZSTD_e_continue);
    check(remaining, "compress");
    in.remove_prefix(input.pos);
    produced = output.pos;
    // With e_continue, zstd is done once it took all input and left output
    // room; with e_end, once it reports nothing left to flush.
    return finish ? remaining == 0 : (in.empty() && output.pos < output.size);
  }

 private:
  static void check(size_t rc, const char* what) {
    if (ZSTD_isError(rc)) throw Error::internal(std::string("zstd ") + what + " failed: " + ZSTD_getErrorName(rc));
  }
  ZSTD_CCtx* ctx_;
};

class GzipCodec final : public CompressedWriter::Codec {
 public:
  explicit GzipCodec(int level) {
    std::memset(&stream_, 0, sizeof stream_);
    // windowBits 15 + 16 selects the gzip wrapper; zlib's default gzip header
    // has mtime 0 and no file name, so the output does not depend on the clock.
    const int rc = deflateInit2(&stream_, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
    if (rc != Z_OK) throw Error::internal("zlib deflateInit2 failed: " + std::to_string(rc));
    out_size_ = size_t{256} << 10;
    out_ = std::make_unique_for_overwrite<char[]>(out_size_);
  }
  ~GzipCodec() override { deflateEnd(&stream_); }

 protected:
  bool run(std::string_view& in, bool finish, size_t& produced) override {
    // zlib's avail_in is 32-bit: feed at most 1 GiB per call.
    const size_t take = std::min(in.size(), size_t{1} << 30);
    stream_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    stream_.avail_in = static_cast<uInt>(take);
    stream_.next_out = reinterpret_cast<Bytef*>(out_.get());
    stream_.avail_out = static_cast<uInt>(out_size_);
    const bool last = finish && take == in.size();
    const int rc = deflate(&stream_, last ? Z_FINISH : Z_NO_FLUSH);
    if (rc == Z_STREAM_ERROR) throw Error::internal("zlib deflate failed (stream error)");
    in.remove_prefix(take - stream_.avail_in);
    produced = out_size_ - stream_.avail_out;
    if (last) return rc == Z_STREAM_END;
    return in.empty() && stream_.avail_out > 0;
  }

 private:
  z_stream stream_;
};

}  // namespace

CompressedWriter::CompressedWriter(std::unique_ptr<WritableFile> file, Compression compression, int level,
                                   size_t buffer_size)
    : file_(std::move(file)), compression_(compression), buffer_size_(buffer_size == 0 ? 1 : buffer_size) {
  BULLION_ASSERT(file_ != nullptr);
  if (compression_ != Compression::kNone &&
      (level < min_compression_level(compression_) || level > max_compression_level(compression_)))
    throw Error::invalid_input("compression level " + std::to_string(level) + " is out of range for " +
                                   std::string(compression_name(compression_)) + " writing '" + file_->path() + "'",
                               "use a level from " + std::to_string(min_compression_level(compression_)) + " to " +
                                   std::to_string(max_compression_level(compression_)));
  if (compression_ == Compression::kZstd) codec_ = std::make_unique<ZstdCodec>(level);
  if (compression_ == Compression::kGzip) codec_ = std::make_unique<GzipCodec>(level);
  buffer_ = std::make_unique_for_overwrite<char[]>(buffer_size_);
}

CompressedWriter::~CompressedWriter() {
  if (closed_) return;
  try {
    file_->close();
  } catch (...) {
    // The stream is abandoned: the caller saw (or never asked for) the error.
  }
}

const std::string& CompressedWriter::path() const { return file_->path(); }

void CompressedWriter::append(std::string_view data) {
  BULLION_ASSERT(!closed_, "append after close");
  BULLION_ASSERT(!failed_, "append after a failed write");
  bytes_in_ += data.size();
  if (data.size() <= buffer_size_ - buffered_) {
    std::memcpy(buffer_.get() + buffered_, data.data(), data.size());
    buffered_ += data.size();
    return;
  }
  flush_buffer();
  if (data.size() >= buffer_size_) {
    encode(data, false);
  } else {
    std::memcpy(buffer_.get(), data.data(), data.size());
    buffered_ = data.size();
  }
}

void CompressedWriter::flush_buffer() {
  if (buffered_ == 0) return;
  const size_t n = buffered_;
  buffered_ = 0;
  encode(std::string_view(buffer_.get(), n), false);
}

void CompressedWriter::encode(std::string_view data, bool finish) {
  try {
    if (codec_ == nullptr) {
      file_->append(data);
      bytes_out_ += data.size();
      return;
    }
    codec_->step(data, finish, [this](std::string_view out) {
      file_->append(out);
      bytes_out_ += out.size();
    });
  } catch (...) {
    failed_ = true;
    throw;
  }
}

void CompressedWriter::close(bool sync) {
  if (closed_) return;
  BULLION_ASSERT(!failed_, "close after a failed write");
  const size_t n = buffered_;
  buffered_ = 0;
  encode(std::string_view(buffer_.get(), n), true);
  try {
    if (sync) file_->sync();
    file_->close();
  } catch (...) {
    failed_ = true;
    throw;
  }
  closed_ = true;
}

}  // namespace bullion
