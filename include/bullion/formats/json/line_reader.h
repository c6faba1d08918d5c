// bullion/formats/json/line_reader.h — splitting a byte stream into NDJSON lines.
//
// A LineReader pulls bytes from a CompressedReader into one reused buffer and
// hands out the lines in it as views: no allocation per line, memory bounded
// by the block size plus the longest line (capped by max_line_bytes).
//
//   - A line ends at LF; a CR right before the LF (CRLF) is not part of it.
//     The last line of a stream needs no terminator; an empty tail after the
//     final LF is not a line.
//   - A UTF-8 byte-order mark (EF BB BF) at the very start of the stream is
//     dropped from the first line.
//   - Blank lines (empty, or only spaces, tabs and CRs) are returned too, so
//     that line numbers stay right; is_blank() tells them apart.
//   - Line numbers are 1-based in the stream (first_line_number shifts them).
//   - A line longer than max_line_bytes is returned with `truncated` set and
//     only its first max_line_bytes bytes; the rest is skipped.
//   - Damage in the source (a truncated .gz): every complete line is returned
//     first; then the bytes after the last LF, if any, come as one line with
//     `incomplete` set; then next() throws the source's Error (kCorrupt).
//
// Every returned view is followed by at least kLinePadding readable bytes in
// the buffer (simdjson reads ahead in 64-byte blocks), and stays valid until
// the next call of next(). Not thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "bullion/core/compressed_reader.h"

namespace bullion::json {

inline constexpr size_t kLinePadding = 64;

struct Line {
  std::string_view text;    // without terminator; see the contract above
  int64_t number = 0;       // 1-based line number
  uint64_t offset = 0;      // stream offset of the line's first byte (before a BOM is dropped)
  bool truncated = false;   // longer than max_line_bytes; text is its prefix
  bool incomplete = false;  // cut off by damage in the source; next() throws after it
};

class LineReader {
 public:
  struct Options {
    size_t block_bytes = size_t{1} << 20;      // bytes read per refill
    size_t max_line_bytes = size_t{16} << 20;  // longer lines are returned truncated
    int64_t first_line_number = 1;
    uint64_t first_offset = 0;     // stream offset of the source's first byte
    bool skip_first_line = false;  // drop bytes through the first LF (chunk starts)
  };

  // `source` must outlive the reader.
  LineReader(CompressedReader& source, Options options);
  ~LineReader();
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  // The next line (blank lines included); false at the end of the stream.
  // Throws the source's Error after delivering what came before it.
  bool next(Line& line);

  // Empty or only JSON whitespace (space, tab, CR, LF).
  static bool is_blank(std::string_view text);

  // Lines returned so far.
  int64_t lines_returned() const { return next_number_ - options_.first_line_number; }

 private:
  // Reads more bytes after the unconsumed tail; false if the source is done.
  bool fill();
  void pad();

  CompressedReader& source_;
  Options options_;
  std::unique_ptr<char[]> buffer_;
  size_t capacity_ = 0;         // usable bytes (the padding comes after)
  size_t pos_ = 0;              // first unconsumed byte
  size_t end_ = 0;              // end of valid data
  uint64_t buffer_offset_ = 0;  // stream offset of buffer_[0]
  int64_t next_number_;
  bool source_done_ = false;
  bool at_stream_start_ = true;
  bool skipping_first_ = false;
  std::optional<Error> pending_error_;
  bool error_due_ = false;
};

}  // namespace bullion::json
