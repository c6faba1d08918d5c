#include "bullion/formats/json/line_reader.h"

#include <algorithm>
#include <cstring>

namespace bullion::json {

LineReader::LineReader(CompressedReader& source, Options options)
    : source_(source), options_(options), next_number_(options.first_line_number) {
  options_.block_bytes = std::max<size_t>(options_.block_bytes, 4096);
  options_.max_line_bytes = std::max<size_t>(options_.max_line_bytes, 1);
  capacity_ = options_.block_bytes;
  buffer_ = std::make_unique_for_overwrite<char[]>(capacity_ + kLinePadding);
  buffer_offset_ = options_.first_offset;
  at_stream_start_ = options_.first_offset == 0 && !options_.skip_first_line;
  skipping_first_ = options_.skip_first_line;
  pad();
}

LineReader::~LineReader() = default;

bool LineReader::is_blank(std::string_view text) {
  for (char c : text)
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') return false;
  return true;
}

void LineReader::pad() { std::memset(buffer_.get() + end_, ' ', kLinePadding); }

bool LineReader::fill() {
  if (source_done_) return false;
  // Keep the unconsumed tail (a partial line) at the front of the buffer.
  if (pos_ > 0) {
    std::memmove(buffer_.get(), buffer_.get() + pos_, end_ - pos_);
    buffer_offset_ += pos_;
    end_ -= pos_;
    pos_ = 0;
  }
  if (capacity_ - end_ < options_.block_bytes / 2) {
    // A long line: grow (bounded, since lines beyond max_line_bytes are cut).
    const size_t capacity = std::max(capacity_ * 2, end_ + options_.block_bytes);
    auto bigger = std::make_unique_for_overwrite<char[]>(capacity + kLinePadding);
    std::memcpy(bigger.get(), buffer_.get(), end_);
    buffer_ = std::move(bigger);
    capacity_ = capacity;
  }
  size_t got = 0;
  try {
    got = source_.read(buffer_.get() + end_, capacity_ - end_);
  } catch (const Error& e) {
    pending_error_ = e;
    source_done_ = true;
    return false;
  }
  if (got == 0) {
    source_done_ = true;
    return false;
  }
  end_ += got;
  pad();
  return true;
}

bool LineReader::next(Line& line) {
  if (error_due_) throw *pending_error_;
  for (;;) {
    char* start = buffer_.get() + pos_;
    const size_t avail = end_ - pos_;
    const char* nl = avail == 0 ? nullptr : static_cast<const char*>(std::memchr(start, '\n', avail));
    if (skipping_first_) {
      // Drop bytes through the next LF: the rest of a line that began before us,
      // or the remainder of a line that was too long.
      if (nl != nullptr) {
        pos_ += static_cast<size_t>(nl - start) + 1;
        skipping_first_ = false;
        continue;
      }
      pos_ = end_;
      if (fill()) continue;
      if (pending_error_) {
        error_due_ = true;
        throw *pending_error_;
      }
      return false;
    }
    size_t length;
    bool terminated = nl != nullptr;
    if (terminated) {
      length = static_cast<size_t>(nl - start);
    } else if (avail > options_.max_line_bytes) {
      length = avail;  // cut below
    } else if (fill()) {
      continue;
    } else if (avail > 0) {
      length = avail;  // the last line has no terminator (or the source is damaged after it)
    } else {
      if (pending_error_) {
        error_due_ = true;
        throw *pending_error_;
      }
      return false;
    }
    line = Line{};
    line.number = next_number_++;
    line.offset = buffer_offset_ + pos_;
    if (length > options_.max_line_bytes) {
      line.truncated = true;
      line.text = std::string_view(start, options_.max_line_bytes);
      if (terminated) {
        pos_ += length + 1;
      } else {
        pos_ = end_;
        skipping_first_ = true;
      }
    } else {
      std::string_view text(start, length);
      pos_ += length + (terminated ? 1 : 0);
      if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
      if (!terminated && source_done_ && pending_error_) line.incomplete = true;
      line.text = text;
    }
    if (at_stream_start_) {
      at_stream_start_ = false;
      if (line.text.size() >= 3 && std::memcmp(line.text.data(), "\xEF\xBB\xBF", 3) == 0) line.text.remove_prefix(3);
    }
    return true;
  }
}

}  // namespace bullion::json
