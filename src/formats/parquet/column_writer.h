// Writing one leaf column: levels and values into pages (dictionary with
// PLAIN fallback, or a forced encoding), compression, and statistics, for
// one column chunk per row group. Not thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "bullion/columnar/buffer.h"
#include "bullion/columnar/column.h"
#include "bullion/columnar/predicate.h"
#include "bullion/formats/parquet/writer.h"
#include "formats/parquet/compression.h"
#include "formats/parquet/metadata.h"
#include "formats/parquet/schema.h"

namespace bullion::parquet {

// Running statistics of the non-NULL values of a leaf.
struct StatsAccumulator {
  int64_t null_count = 0;
  int64_t nan_count = 0;
  int64_t num_values = 0;     // level entries
  bool has = false;           // any non-NULL, non-NaN value seen
  int128 imin = 0, imax = 0;  // booleans, integers, dates, timestamps, decimals
  double fmin = 0, fmax = 0;  // FLOAT, DOUBLE
  std::string smin, smax;     // STRING, BINARY
  void merge(const StatsAccumulator& o, bool is_float, bool is_bytes);
};

class LeafWriter {
 public:
  LeafWriter(const WriteLeaf& leaf, const WriteOptions& options, ValueEncoding encoding);
  ~LeafWriter();

  // Adds `num_levels` level entries (def/rep may be nullptr when the maximum
  // level is 0) and their non-NULL values: rows `rows[0..]` of `values`, or
  // when rows is nullptr the contiguous rows starting at `first_row`.
  void add(const int16_t* def, const int16_t* rep, size_t num_levels, const Column& values, const uint32_t* rows,
           size_t first_row);

  // Uncompressed bytes buffered for the current row group (pages + page in progress).
  size_t buffered_uncompressed() const;
  // Bytes of memory held (compressed pages, dictionary, staging).
  size_t buffered_memory() const;

  // Ends the column chunk: appends its pages to *out and fills *meta (offsets
  // relative to `file_offset`, where the chunk will be written). Resets for
  // the next row group.
  void finish_chunk(uint64_t file_offset, std::string* out, ColumnMetaData* meta);

  // Statistics over every chunk finished so far.
  ColumnStats file_stats() const;

 private:
  enum class Mode { kDictionary, kPlain, kForced };

  void add_piece(const int16_t* def, const int16_t* rep, size_t n, const Column& values, const uint32_t* rows,
                 size_t first_row, size_t* value_cursor);
  void append_values(const Column& values, const uint32_t* rows, size_t first_row, size_t count);
  template <class T>
  void append_fixed(const T* vals, size_t count);
  void append_bytes(const std::string_view* vals, size_t count);
  void update_string_stats(std::string_view v);
  void flush_page();
  void fallback_to_plain();
  void write_dictionary_page(std::string* out, size_t* uncompressed_total);
  Statistics chunk_statistics() const;
  void reset_chunk();

  const WriteLeaf& leaf_;
  const WriteOptions& options_;
  ValueEncoding forced_;
  PageCodec codec_;
  size_t width_ = 0;  // physical bytes per fixed-width value
  Mode mode_ = Mode::kPlain;
  Mode initial_mode_ = Mode::kPlain;

  // Page in progress.
  std::vector<int16_t> page_def_;
  std::vector<int16_t> page_rep_;
  size_t page_rows_ = 0;
  size_t page_nulls_ = 0;
  size_t page_entries_ = 0;
  std::vector<uint32_t> page_indices_;  // dictionary mode
  std::vector<uint64_t> hashes_;        // dictionary mode, scratch: the values' hashes
  std::string page_plain_;              // PLAIN / forced modes (PLAIN bytes)
  std::vector<uint8_t> page_bools_;     // PLAIN booleans before bit packing
  size_t page_plain_bytes_ = 0;         // PLAIN size of the page's values (any mode)
  bool first_page_ = true;

  // Dictionary of the chunk.
  struct Dict;
  std::unique_ptr<Dict> dict_;
  bool dict_used_ = false;  // some page of the chunk is dictionary-encoded

  // Chunk in progress.
  std::string chunk_;  // data pages (headers + bodies)
  size_t chunk_uncompressed_ = 0;
  int64_t chunk_values_ = 0;
  std::vector<std::pair<Encoding, int32_t>> page_encodings_;  // data page encoding counts
  StatsAccumulator chunk_stats_;
  StatsAccumulator file_stats_;
  bool any_chunk_ = false;

  // Scratch.
  std::vector<int32_t> i32_;
  std::vector<int64_t> i64_;
  std::vector<float> f32_;
  std::vector<double> f64_;
  std::vector<std::string_view> views_;
  std::string bytes_;  // FIXED_LEN_BYTE_ARRAY decimal bytes
  std::string body_;
  std::string compressed_;
  std::string header_;
};

}  // namespace bullion::parquet
