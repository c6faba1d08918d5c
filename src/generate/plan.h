// The generation plan: the customer base, and the exact number of lines each
// chunk of the time range produces. Built once, read-only afterwards (shared
// by all workers).
//
// Exact line counts come from cumulative rounding: the random (non-cancel)
// lines are spread over days in proportion to the customers' total activity
// on each day times a weekday factor, and over the parts of a day in
// proportion to the daily rhythm; a value x_i of a running total X is
// round(X_i) - round(X_{i-1}), so the parts always add up to the whole.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bullion/generate/generator.h"
#include "generate/customer_model.h"

namespace bullion {
class ThreadPool;
}

namespace bullion::generate_detail {

// Chunks are capped near this many lines, so that a chunk's buffers stay
// small (~25 MB) and a day with many events still spreads over threads.
inline constexpr uint64_t kTargetChunkLines = 65'536;
// Bytes a line can take at most (escaped, padded, non-ASCII country and product).
inline constexpr size_t kMaxLineBytes = 384;

struct ChunkSpec {
  int32_t day = 0;  // index into the range
  uint32_t part = 0;
  uint32_t second_begin = 0;  // sessions starting in [second_begin, second_end) of the day
  uint32_t second_end = 0;
  uint64_t lines = 0;         // lines this chunk produces (some written later: late, duplicates)
  uint64_t cancel_lines = 0;  // of which cancel-session events
};

struct Plan {
  uint64_t seed = 0;
  int32_t start_date = 0;  // days since the epoch
  int32_t num_days = 0;
  DirtRates dirt;
  std::vector<CustomerProfile> customers;
  std::vector<ChunkSpec> chunks;  // in time order
  std::vector<uint32_t> first_chunk_of_day;
  std::vector<uint32_t> first_chunk_of_file;  // size num_files + 1
  uint64_t max_chunk_lines = 0;
  uint32_t customer_id_width = 7;  // digits after "C"
  ProductCatalogue products;
  DailyRhythm rhythm;

  // The first chunk of `day`, or the last chunk when `day` lies past the range.
  uint32_t chunk_of_day(int64_t day) const {
    return day >= num_days ? static_cast<uint32_t>(chunks.size() - 1) : first_chunk_of_day[static_cast<size_t>(day)];
  }
};

// Builds the plan for validated options (customers resolved, dates ordered).
Plan make_plan(const GenerateOptions& options, uint64_t num_customers, ThreadPool& pool);

}  // namespace bullion::generate_detail
