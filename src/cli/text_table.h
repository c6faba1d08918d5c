// Plain-text tables for human-readable command output: columns padded to
// their widest cell, two spaces apart, a header row.
#pragma once

#include <string>
#include <vector>

namespace bullion::cli {

class TextTable {
 public:
  explicit TextTable(std::vector<std::string> header) : header_(std::move(header)) {}
  void add_row(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  bool empty() const { return rows_.empty(); }
  // The table as lines ending in '\n'; cells longer than max_cell are cut with "…".
  std::string render(size_t max_cell = 60) const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

// "2026-11-25 10:15:30" (UTC) for milliseconds since the epoch; "-" for 0.
std::string format_millis(int64_t millis);

}  // namespace bullion::cli
