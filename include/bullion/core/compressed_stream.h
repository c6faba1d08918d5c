// bullion/core/compressed_stream.h — buffered, optionally compressed output.
//
// A CompressedWriter turns many small appends into few large writes of a
// WritableFile, compressing on the way with gzip (zlib) or zstd (libzstd), or
// passing the bytes through unchanged. The output is one gzip member or one
// zstd frame per file (with zstd's content checksum), which every reader
// decodes — concatenated members or frames are valid too but some readers stop
// after the first, so a writer never produces them.
//
// Output is a pure function of the appended bytes, the codec and the level:
// the same input gives byte-identical files (the gzip header carries no time).
//
// Ownership: the writer owns its WritableFile. Threading: not thread-safe, one
// writer per thread. Errors: append() and close() throw bullion::Error — kIO
// from the file (naming its path), kInvalidInput for a bad level. After an
// error the writer is unusable and its file incomplete; the destructor closes
// the file without finishing the stream and never throws. Memory: one input
// buffer of `buffer_size` bytes plus the codec's state (zstd level 1: ~1 MB;
// gzip: ~256 KB), allocated once and reused.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "bullion/core/compression.h"
#include "bullion/core/fs.h"

namespace bullion {

class CompressedWriter {
 public:
  static constexpr size_t kDefaultBufferSize = size_t{1} << 20;
  // The level used when none is given: the fastest (1) for both codecs, since
  // bullion writes large outputs where throughput matters more than ratio.
  static constexpr int kDefaultLevel = 1;

  // Takes ownership of `file`. `level` must lie in the codec's range (ignored
  // for kNone); otherwise throws kInvalidInput.
  CompressedWriter(std::unique_ptr<WritableFile> file, Compression compression, int level = kDefaultLevel,
                   size_t buffer_size = kDefaultBufferSize);
  ~CompressedWriter();
  CompressedWriter(const CompressedWriter&) = delete;
  CompressedWriter& operator=(const CompressedWriter&) = delete;

  const std::string& path() const;
  Compression compression() const { return compression_; }

  // Appends bytes to the (uncompressed) stream. Small appends are copied into
  // the buffer; appends larger than the buffer go to the codec directly.
  void append(std::string_view data);

  // Ends the stream (gzip trailer, zstd frame epilogue), writes what is
  // buffered, fsyncs the file if `sync`, and closes it. A second call does
  // nothing.
  void close(bool sync = false);

  // Bytes appended so far (uncompressed), and bytes written to the file.
  uint64_t bytes_in() const { return bytes_in_; }
  uint64_t bytes_out() const { return bytes_out_; }

  // The codec's streaming state; defined in compressed_stream.cc.
  class Codec;

 private:
  void flush_buffer();
  void encode(std::string_view data, bool finish);

  std::unique_ptr<WritableFile> file_;
  Compression compression_;
  std::unique_ptr<Codec> codec_;  // null for kNone
  std::unique_ptr<char[]> buffer_;
  size_t buffer_size_;
  size_t buffered_ = 0;
  uint64_t bytes_in_ = 0;
  uint64_t bytes_out_ = 0;
  bool closed_ = false;
  bool failed_ = false;
};

}  // namespace bullion
