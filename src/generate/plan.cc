#include "generate/plan.h"

#include <algorithm>

#include "bullion/core/error.h"
#include "bullion/core/thread_pool.h"

namespace bullion::generate_detail {

namespace {

// Customers are profiled in fixed blocks (not per thread), so the order in
// which floating-point day totals are summed never depends on the pool.
constexpr uint64_t kCustomerBlock = 4096;

uint64_t round_share(uint64_t total, double fraction) {
  return static_cast<uint64_t>(static_cast<double>(total) * fraction + 0.5);
}

}  // namespace

Plan make_plan(const GenerateOptions& options, uint64_t num_customers, ThreadPool& pool) {
  Plan plan;
  plan.seed = options.seed;
  plan.start_date = options.start_date;
  plan.num_days = options.end_date - options.start_date + 1;
  plan.dirt = options.dirt;
  const auto num_days = static_cast<size_t>(plan.num_days);
  for (uint64_t v = num_customers - 1; v >= 10'000'000; v /= 10) ++plan.customer_id_width;

  // 1. Profiles and each day's total activity, per block of customers.
  plan.customers.resize(num_customers);
  const size_t num_blocks = (num_customers + kCustomerBlock - 1) / kCustomerBlock;
  std::vector<std::vector<double>> block_activity(num_blocks);
  pool.parallel_for(num_blocks, [&](size_t block, size_t) {
    std::vector<double>& sums = block_activity[block];
    sums.assign(num_days, 0.0);
    const uint64_t end = std::min<uint64_t>(num_customers, (block + 1) * kCustomerBlock);
    for (uint64_t i = block * kCustomerBlock; i < end; ++i) {
      CustomerProfile& c = plan.customers[i];
      c = make_profile(plan.seed, i, plan.num_days);
      for (int32_t day = c.first_day; day < plan.num_days; ++day) sums[static_cast<size_t>(day)] += activity(c, day);
    }
  });
  std::vector<double> day_weight(num_days, 0.0);
  for (const auto& sums : block_activity)
    for (size_t d = 0; d < num_days; ++d) day_weight[d] += sums[d];
  for (size_t d = 0; d < num_days; ++d)
    day_weight[d] *= DailyRhythm::weekday_factor(plan.start_date + static_cast<int32_t>(d));

  // 2. Cancel sessions: one per churning customer, on its churn day. If they
  // would take more than half the lines (a tiny --events for its customers),
  // they shrink to the CANCEL_SUBSCRIPTION event alone.
  uint64_t cancel_lines = 0;
  for (const CustomerProfile& c : plan.customers)
    if (c.churn_day != kNever) cancel_lines += c.cancel_events;
  if (cancel_lines > options.num_events / 2) {
    cancel_lines = 0;
    for (CustomerProfile& c : plan.customers) {
      if (c.churn_day == kNever) continue;
      c.cancel_events = 1;
      ++cancel_lines;
    }
  }
  BULLION_ASSERT(cancel_lines <= options.num_events, "more cancel events than lines");
  std::vector<uint64_t> day_cancel_lines(num_days, 0);
  for (const CustomerProfile& c : plan.customers)
    if (c.churn_day != kNever) day_cancel_lines[static_cast<size_t>(c.churn_day)] += c.cancel_events;

  // 3. The other lines, over days by activity (cumulative rounding).
  const uint64_t random_lines = options.num_events - cancel_lines;
  double total_weight = 0;
  for (double w : day_weight) total_weight += w;
  BULLION_ASSERT(total_weight > 0, "no customer is ever active");
  std::vector<uint64_t> day_random_lines(num_days);
  double running = 0;
  uint64_t assigned = 0;
  for (size_t d = 0; d < num_days; ++d) {
    running += day_weight[d];
    const uint64_t upto = d + 1 == num_days ? random_lines : round_share(random_lines, running / total_weight);
    day_random_lines[d] = upto - assigned;
    assigned = upto;
  }

  // 4. Chunks: parts of a day, enough for the line cap and for --files.
  const uint64_t min_parts = (options.num_files + num_days - 1) / num_days;
  plan.first_chunk_of_day.resize(num_days);
  for (size_t d = 0; d < num_days; ++d) {
    const uint64_t day_lines = day_random_lines[d] + day_cancel_lines[d];
    const uint64_t parts = std::min<uint64_t>(
        kSecondsPerDay, std::max(min_parts, (day_lines + kTargetChunkLines - 1) / kTargetChunkLines));
    plan.first_chunk_of_day[d] = static_cast<uint32_t>(plan.chunks.size());
    uint64_t done = 0;
    for (uint64_t p = 0; p < parts; ++p) {
      ChunkSpec chunk;
      chunk.day = static_cast<int32_t>(d);
      chunk.part = static_cast<uint32_t>(p);
      chunk.second_begin = static_cast<uint32_t>(kSecondsPerDay * p / parts);
      chunk.second_end = static_cast<uint32_t>(kSecondsPerDay * (p + 1) / parts);
      const uint64_t upto =
          p + 1 == parts ? day_random_lines[d] : round_share(day_random_lines[d], plan.rhythm.cdf(chunk.second_end));
      chunk.lines = upto - done;
      done = upto;
      plan.chunks.push_back(chunk);
    }
  }
  // Each cancel session belongs to the chunk whose part of the day holds its start.
  for (const CustomerProfile& c : plan.customers) {
    if (c.churn_day == kNever) continue;
    const size_t d = static_cast<size_t>(c.churn_day);
    const uint32_t first = plan.first_chunk_of_day[d];
    const uint32_t end = d + 1 < num_days ? plan.first_chunk_of_day[d + 1] : static_cast<uint32_t>(plan.chunks.size());
    uint32_t k = first;
    while (k + 1 < end && plan.chunks[k + 1].second_begin <= c.cancel_second) ++k;
    plan.chunks[k].lines += c.cancel_events;
    plan.chunks[k].cancel_lines += c.cancel_events;
  }

  for (const ChunkSpec& chunk : plan.chunks) plan.max_chunk_lines = std::max(plan.max_chunk_lines, chunk.lines);

  // 5. Files: contiguous runs of chunks, equal in number.
  const uint64_t num_chunks = plan.chunks.size();
  BULLION_ASSERT(num_chunks >= options.num_files, "fewer chunks than files");
  plan.first_chunk_of_file.resize(options.num_files + 1);
  for (uint64_t f = 0; f <= options.num_files; ++f)
    plan.first_chunk_of_file[f] = static_cast<uint32_t>(num_chunks * f / options.num_files);
  return plan;
}

}  // namespace bullion::generate_detail
