// Reading one leaf column chunk page by page: page headers, decompression,
// definition/repetition levels and values (every Parquet value encoding),
// converted to the leaf's bullion type. Not thread-safe; one per leaf per
// scanner.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "bullion/columnar/buffer.h"
#include "bullion/columnar/column.h"
#include "bullion/core/fs.h"
#include "bullion/core/memory.h"
#include "formats/parquet/compression.h"
#include "formats/parquet/delta.h"
#include "formats/parquet/metadata.h"
#include "formats/parquet/rle.h"
#include "formats/parquet/schema.h"

namespace bullion::parquet {

// Bytes a scanner holds, reserved against a MemoryBudget (which the scanner
// cannot spill: a refusal is an error).
class ScanMemory {
 public:
  explicit ScanMemory(MemoryBudget& budget) : budget_(budget) {}
  ~ScanMemory() { budget_.release(total_); }
  ScanMemory(const ScanMemory&) = delete;
  ScanMemory& operator=(const ScanMemory&) = delete;

  // Sets one account (e.g. a buffer's capacity) to `bytes`; false if the budget refuses.
  bool set(uint64_t* account, uint64_t bytes);
  uint64_t total() const { return total_; }
  uint64_t peak() const { return peak_; }
  uint64_t limit() const { return budget_.limit(); }

 private:
  MemoryBudget& budget_;
  uint64_t total_ = 0;
  uint64_t peak_ = 0;
};

// Levels and values of some rows of one leaf column.
struct LeafData {
  std::vector<int16_t> def;  // empty when max_def == 0
  std::vector<int16_t> rep;  // empty when max_rep == 0
  size_t num_entries = 0;
  ColumnPtr values;  // dense: one value per entry whose def == max_def
};

class LeafReader {
 public:
  // `context` names the file in messages; the chunk must have metadata.
  // `data_end` is where the footer starts: chunks must end before it.
  LeafReader(const RandomAccessFile& file, std::string_view context, const LeafInfo& leaf, const ColumnMetaData& meta,
             size_t row_group, uint64_t data_end, ScanMemory& memory);
  ~LeafReader();

  // Reads the levels and values of the next `rows` rows (all of them: a
  // chunk that ends early is kCorrupt) into *out, replacing its contents.
  void read_rows(size_t rows, LeafData* out);

 private:
  [[noreturn]] void corrupt(const std::string& what) const;
  void reserve(uint64_t* account, uint64_t bytes, const char* what);
  const uint8_t* fetch(uint64_t offset, size_t n);
  bool next_data_page();
  void read_dictionary_page(const PageHeader& h, const uint8_t* body);
  void load_data_page(const PageHeader& h, const uint8_t* body);
  void decode_levels(Encoding encoding, const uint8_t* data, size_t size, int max_level, bool length_prefix,
                     int16_t* out, size_t n, const char* which, size_t* consumed);
  void validate_levels(size_t n);
  void setup_values(Encoding encoding, const uint8_t* data, size_t size, size_t num_values);
  std::shared_ptr<Buffer> fresh_page_buffer(size_t bytes);

  // Values.
  struct PlainCursor {
    const uint8_t* p = nullptr;
    const uint8_t* end = nullptr;
    uint64_t bit = 0;  // BOOLEAN: bits consumed
  };
  void decode_values(Column& out, size_t k);
  // Decodes k PLAIN values at the cursor into out[pos, pos + k).
  void decode_plain(PlainCursor& c, size_t k, Column& out, size_t pos, const char* where);
  void convert_fixed(const uint8_t* src, size_t k, Column& out, size_t pos);
  void convert_views(const std::string_view* src, size_t k, Column& out, size_t pos);

  const RandomAccessFile& file_;
  std::string context_;  // "'file': column 'x' in row group N"
  const LeafInfo& leaf_;
  const ColumnMetaData& meta_;
  ScanMemory& memory_;
  PageCodec codec_;
  size_t value_width_ = 0;  // physical bytes per value for fixed-width types

  uint64_t pos_ = 0;  // next page header
  uint64_t end_ = 0;  // end of the column chunk
  int64_t entries_loaded_ = 0;

  // Read window over the chunk.
  Buffer window_;
  uint64_t window_start_ = 0;
  size_t window_len_ = 0;

  // Current data page.
  std::shared_ptr<Buffer> page_;
  std::vector<int16_t> page_def_;
  std::vector<int16_t> page_rep_;
  size_t page_entries_ = 0;
  size_t page_pos_ = 0;
  int16_t prev_def_ = 0;  // def level of the entry before the page (validation)
  bool any_page_ = false;

  // Value decoding state of the current page.
  Encoding encoding_ = Encoding::kPlain;
  PlainCursor plain_;
  RleDecoder rle_;
  DeltaBinaryPackedDecoder dbp_;
  std::vector<std::string_view> page_views_;  // DELTA_(LENGTH_)BYTE_ARRAY values of the page
  size_t page_views_pos_ = 0;
  std::shared_ptr<std::string> delta_storage_;
  const uint8_t* bss_data_ = nullptr;
  size_t bss_count_ = 0;
  size_t bss_pos_ = 0;

  // Dictionary (values converted to the leaf type).
  ColumnPtr dict_;
  std::shared_ptr<Buffer> dict_page_;

  // Scratch.
  std::vector<uint32_t> indices_;
  std::vector<int64_t> i64_scratch_;
  Buffer bytes_scratch_;
  std::vector<std::string_view> view_scratch_;

  // Memory accounts.
  uint64_t mem_window_ = 0, mem_page_ = 0, mem_levels_ = 0, mem_dict_ = 0, mem_delta_ = 0;
};

}  // namespace bullion::parquet
