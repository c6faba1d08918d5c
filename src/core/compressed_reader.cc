#include "bullion/core/compressed_reader.h"

#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cstring>

namespace bullion {

namespace {

// The first byte of a gzip member (to tell trailing garbage from a new member).
constexpr unsigned char kGzipMagic[] = {0x1f, 0x8b};

}  // namespace

struct CompressedReader::Codec {
  z_stream zs{};
  bool zs_ready = false;
  ZSTD_DCtx* zstd = nullptr;

  ~Codec() {
    if (zs_ready) inflateEnd(&zs);
    if (zstd != nullptr) ZSTD_freeDCtx(zstd);
  }
};

std::unique_ptr<CompressedReader> CompressedReader::open(FileSystem& fs, const std::string& path, Options options) {
  auto file = fs.open_read(path);
  char head[4] = {};
  const size_t head_size = static_cast<size_t>(std::min<uint64_t>(file->size(), sizeof(head)));
  if (head_size > 0) file->read_at(0, head_size, head);
  Compression compression = compression_from_magic(std::string_view(head, head_size));
  const Compression promised = compression_from_extension(path);
  if (promised != Compression::kNone && compression != promised && file->size() > 0) {
    throw Error::corrupt("'" + path + "' is named like a " + std::string(compression_name(promised)) +
                             " file but does not start with the " + std::string(compression_name(promised)) +
                             " magic bytes",
                         "check how the file was produced, or rename it to match its content");
  }
  return std::make_unique<CompressedReader>(std::move(file), compression, options);
}

CompressedReader::CompressedReader(std::unique_ptr<RandomAccessFile> file, Compression compression, Options options,
                                   uint64_t begin, uint64_t end)
    : file_(std::move(file)), compression_(compression), options_(options) {
  BULLION_ASSERT(file_ != nullptr, "CompressedReader needs a file");
  if (options_.input_buffer_bytes < 4096) options_.input_buffer_bytes = 4096;
  end_ = std::min(end, file_->size());
  begin_ = std::min(begin, end_);
  BULLION_ASSERT(compression_ == Compression::kNone || (begin_ == 0 && end_ == file_->size()),
                 "a compressed stream is read whole");
  file_pos_ = begin_;
  input_ = std::make_unique_for_overwrite<char[]>(options_.input_buffer_bytes);
  codec_ = std::make_unique<Codec>();
  if (compression_ == Compression::kGzip) {
    // 16 + MAX_WBITS: gzip framing only (a zlib or raw deflate stream is corruption here).
    if (inflateInit2(&codec_->zs, 16 + MAX_WBITS) != Z_OK) throw Error::internal("zlib inflateInit2 failed");
    codec_->zs_ready = true;
  } else if (compression_ == Compression::kZstd) {
    codec_->zstd = ZSTD_createDCtx();
    if (codec_->zstd == nullptr) throw Error::internal("ZSTD_createDCtx failed");
  }
}

CompressedReader::~CompressedReader() = default;

const std::string& CompressedReader::path() const { return file_->path(); }

bool CompressedReader::refill() {
  if (input_left() > 0) return true;
  if (file_pos_ >= end_) return false;
  const size_t n = static_cast<size_t>(std::min<uint64_t>(options_.input_buffer_bytes, end_ - file_pos_));
  file_->read_at(file_pos_, n, input_.get());
  file_pos_ += n;
  input_pos_ = 0;
  input_end_ = n;
  return true;
}

Error CompressedReader::damage(std::string what) const {
  return Error::corrupt(std::string(compression_name(compression_)) + " file '" + path() + "' is damaged: " + what +
                            " at compressed byte " + std::to_string(compressed_bytes_read()) + " of " +
                            std::to_string(input_size()) + ", after " + std::to_string(output_bytes_) +
                            " decompressed bytes",
                        "the data before this point was read; re-fetch or re-create the file to read the rest");
}

size_t CompressedReader::read(char* out, size_t n) {
  if (error_) throw *error_;
  if (finished_ || n == 0) return 0;
  size_t got = 0;
  try {
    switch (compression_) {
      case Compression::kNone:
        got = read_plain(out, n);
        break;
      case Compression::kGzip:
        got = read_gzip(out, n);
        break;
      case Compression::kZstd:
        got = read_zstd(out, n);
        break;
    }
  } catch (const Error& e) {
    // An I/O failure mid-stream: like damage, deliver what was decoded first.
    error_ = e;
  }
  output_bytes_ += got;
  // The message counts the bytes this call still returns.
  if (damage_ && !error_) error_ = damage(*damage_);
  if (got == 0 && error_) throw *error_;
  return got;
}

size_t CompressedReader::read_plain(char* out, size_t n) {
  size_t got = 0;
  // Serve what is buffered first, then read large requests straight into `out`.
  if (input_left() > 0) {
    got = std::min(n, input_left());
    std::memcpy(out, input_.get() + input_pos_, got);
    input_pos_ += got;
  }
  if (got < n && file_pos_ < end_) {
    const size_t direct = static_cast<size_t>(std::min<uint64_t>(n - got, end_ - file_pos_));
    file_->read_at(file_pos_, direct, out + got);
    file_pos_ += direct;
    got += direct;
  }
  if (got == 0) finished_ = true;
  return got;
}

size_t CompressedReader::read_gzip(char* out, size_t n) {
  z_stream& zs = codec_->zs;
  zs.next_out = reinterpret_cast<Bytef*>(out);
  zs.avail_out = static_cast<uInt>(std::min<size_t>(n, UINT32_MAX));
  const size_t want = zs.avail_out;
  while (zs.avail_out > 0) {
    const bool have_input = refill();
    if (!in_member_) {
      if (!have_input) {
        finished_ = true;
        break;
      }
      // Between members: another member, zero padding (ignored, as gzip does), or garbage.
      const unsigned char c = static_cast<unsigned char>(input_[input_pos_]);
      if (c == 0) {
        ++input_pos_;
        continue;
      }
      if (c != kGzipMagic[0]) {
        damage_ = "unexpected bytes after the end of a gzip member";
        break;
      }
      if (inflateReset(&zs) != Z_OK) throw Error::internal("zlib inflateReset failed");
      in_member_ = true;
    }
    // Inflate even without new input: zlib may hold output it could not store last time.
    const uInt out_before = zs.avail_out;
    zs.next_in = reinterpret_cast<Bytef*>(input_.get() + input_pos_);
    zs.avail_in = static_cast<uInt>(input_left());
    const int rc = inflate(&zs, Z_NO_FLUSH);
    input_pos_ = input_end_ - zs.avail_in;
    if (rc == Z_STREAM_END) {
      in_member_ = false;
    } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
      damage_ = std::string("zlib reports '") + (zs.msg != nullptr ? zs.msg : zError(rc)) + "'";
      break;
    } else if (!have_input && zs.avail_out == out_before) {
      damage_ = "the data ends inside a gzip member (truncated file)";
      break;
    }
  }
  return want - zs.avail_out;
}

size_t CompressedReader::read_zstd(char* out, size_t n) {
  ZSTD_outBuffer output{out, n, 0};
  while (output.pos < output.size) {
    const bool have_input = refill();
    if (!have_input && !in_member_) {
      finished_ = true;
      break;
    }
    // Decompress even without new input: the context may hold output not yet flushed.
    const size_t out_before = output.pos;
    ZSTD_inBuffer input{input_.get() + input_pos_, input_left(), 0};
    const size_t rc = ZSTD_decompressStream(codec_->zstd, &output, &input);
    input_pos_ += input.pos;
    if (ZSTD_isError(rc)) {
      damage_ = std::string("zstd reports '") + ZSTD_getErrorName(rc) + "'";
      break;
    }
    // rc == 0: a frame ended and everything it holds was flushed.
    in_member_ = rc != 0;
    if (!have_input && in_member_ && output.pos == out_before) {
      damage_ = "the data ends inside a zstd frame (truncated file)";
      break;
    }
  }
  return output.pos;
}

}  // namespace bullion
