// bullion/core/compressed_reader.h — streaming decompression of input files.
//
// A CompressedReader turns a file (plain, gzip or zstd) into a stream of
// decompressed bytes, read into a buffer the caller owns and reuses: memory
// is one fixed input buffer plus the codec's state (zlib: ~40 KiB; zstd: its
// window, at most 8 MiB for the default levels) whatever the file's size.
//
//   gzip  — every member of a multi-member file (as `cat a.gz b.gz` makes);
//           trailing zero bytes after the last member are ignored, as gzip(1)
//           does; any other trailing bytes are corruption.
//   zstd  — every frame of a multi-frame file; skippable frames are skipped.
//   plain — bytes pass through; a plain reader may cover a byte range of the
//           file (for splitting a large file into chunks).
//
// Detection: the magic bytes decide (gzip 1f 8b, zstd 28 b5 2f fd); a file
// whose extension promises compression (.gz, .gzip, .zst, .zstd) but whose
// content lacks the magic is kCorrupt. An empty file is an empty stream.
//
// Damage: a truncated or corrupt compressed stream is reported as
// Error(kCorrupt) naming the file, the compressed byte offset reached and the
// number of decompressed bytes delivered. read() first returns every byte that
// was decoded before the damage; only the following call throws. So a caller
// that consumes whole lines gets every complete line before the error.
//
// Threading: one reader is used by one thread at a time; readers of the same
// or different files are independent.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "bullion/core/compression.h"
#include "bullion/core/error.h"
#include "bullion/core/fs.h"

namespace bullion {

class CompressedReader {
 public:
  struct Options {
    // Bytes read from the file per refill of the input buffer.
    size_t input_buffer_bytes = size_t{1} << 20;
  };

  // Opens `path` through `fs`, detecting the compression as described above.
  // Throws kNotFound/kIO if the file cannot be opened, kCorrupt if the
  // extension promises a compression the content lacks.
  static std::unique_ptr<CompressedReader> open(FileSystem& fs, const std::string& path, Options options);
  static std::unique_ptr<CompressedReader> open(FileSystem& fs, const std::string& path) {
    return open(fs, path, Options{});
  }

  // A reader over an opened file with a known compression. For kNone,
  // [begin, end) selects a byte range (end clamped to the file size); a
  // compressed stream must start at 0 and run to the end of the file.
  CompressedReader(std::unique_ptr<RandomAccessFile> file, Compression compression, Options options, uint64_t begin = 0,
                   uint64_t end = UINT64_MAX);
  ~CompressedReader();
  CompressedReader(const CompressedReader&) = delete;
  CompressedReader& operator=(const CompressedReader&) = delete;

  // Stores up to `n` (> 0) decompressed bytes at `out` and returns how many;
  // 0 means the end of the stream. A damaged stream yields every decodable
  // byte first, then the next call throws Error(kCorrupt); further calls
  // throw the same error again.
  size_t read(char* out, size_t n);

  const std::string& path() const;
  Compression compression() const { return compression_; }
  // Bytes of the file consumed so far (for kNone: relative to the range start).
  uint64_t compressed_bytes_read() const { return file_pos_ - begin_ - input_left(); }
  // Decompressed bytes returned by read() so far.
  uint64_t decompressed_bytes() const { return output_bytes_; }
  // Bytes of the stream's input: the file's size, or the range's length.
  uint64_t input_size() const { return end_ - begin_; }

 private:
  struct Codec;

  size_t read_plain(char* out, size_t n);
  size_t read_gzip(char* out, size_t n);
  size_t read_zstd(char* out, size_t n);
  // Refills the input buffer when it is empty; false at the end of input.
  bool refill();
  size_t input_left() const { return input_end_ - input_pos_; }
  Error damage(std::string what) const;

  std::unique_ptr<RandomAccessFile> file_;
  Compression compression_;
  Options options_;
  uint64_t begin_;
  uint64_t end_;
  uint64_t file_pos_;  // next byte of the file to read into the input buffer
  uint64_t output_bytes_ = 0;
  std::unique_ptr<char[]> input_;
  size_t input_pos_ = 0;
  size_t input_end_ = 0;
  std::unique_ptr<Codec> codec_;
  bool in_member_ = false;  // gzip: inside a member; zstd: inside a frame
  bool finished_ = false;
  std::optional<std::string> damage_;  // what is wrong with the stream, once found
  std::optional<Error> error_;         // thrown once every decodable byte was returned
};

}  // namespace bullion
