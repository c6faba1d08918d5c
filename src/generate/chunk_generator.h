// Generates one chunk of the plan: its sessions, their events, and their
// NDJSON lines with dirt. A chunk's output depends only on the plan and the
// chunk's index (its random stream is keyed by both), never on which thread
// runs it or what ran before — so the files do not depend on the thread count.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "bullion/generate/generator.h"
#include "generate/plan.h"

namespace bullion::generate_detail {

// A line a chunk produced that belongs to a later chunk's place in the output
// (a late arrival, or a duplicate delivered later). Bytes in ChunkResult::delayed.
struct DelayedLine {
  uint32_t target_chunk;
  uint32_t offset;
  uint32_t length;
};

struct ChunkStats {
  uint64_t lines = 0;  // produced by this chunk, wherever written
  uint64_t sessions = 0;
  uint64_t churned = 0;
  std::array<uint64_t, kNumEventTypes> events_by_type{};
  DirtCounts dirt;
  int64_t first_micros = std::numeric_limits<int64_t>::max();
  int64_t last_micros = std::numeric_limits<int64_t>::min();
};

// Memory from aligned_alloc, released with free.
struct FreeDeleter {
  void operator()(char* p) const { std::free(p); }
};
using PageBuffer = std::unique_ptr<char[], FreeDeleter>;
// At least `bytes` of 2 MiB-aligned memory on transparent huge pages where
// the kernel allows: first touch of 4 KiB pages costs more than generating
// the lines (DESIGN, "Engine principles").
PageBuffer allocate_page_buffer(size_t bytes);

// One chunk's output. Reused across chunks: buffers only grow.
struct ChunkResult {
  PageBuffer body;  // lines written in this chunk's place, in order
  size_t body_capacity = 0;
  size_t body_size = 0;
  uint64_t body_lines = 0;
  std::string delayed;
  std::vector<DelayedLine> delayed_lines;
  ChunkStats stats;

  std::string_view body_text() const { return {body.get(), body_size}; }
};

// Per-worker generator with reusable scratch space. Not thread-safe; the plan
// and the activity flags are shared read-only / atomically.
class ChunkGenerator {
 public:
  // `active` has one flag per customer, set when the customer gets an event.
  ChunkGenerator(const Plan& plan, std::atomic<uint8_t>* active);

  void generate(uint32_t chunk_index, ChunkResult& out);

 private:
  struct Event {
    uint64_t session;
    uint32_t millis;  // of the day
    uint32_t customer;
    uint32_t product;
    EventType type;
    uint8_t dirt;  // DirtFlag bits
  };
  struct SessionEvent {
    EventType type;
    uint32_t product;
  };
  // A duplicate delivered later in the same chunk: a copy of body bytes.
  struct PendingDuplicate {
    uint64_t due;  // emitted once this many lines are in the body
    uint32_t offset;
    uint32_t length;
  };

  void collect_customers();
  // Weighted choice of an active customer by activity (u uniform in [0, 1)).
  uint32_t pick_customer(double u) const;
  void cancel_session(uint32_t customer, Rng& rng);
  void random_session(uint32_t customer, Rng& rng);
  uint32_t pick_product(const CustomerProfile& c, Rng& rng) const;
  // Places a session's events in time and adds them while lines remain.
  // `cancel`: the events use lines reserved for cancel sessions.
  void add_session(uint32_t customer, uint32_t start_second, const SessionEvent* events, size_t n, bool cancel,
                   Rng& rng);
  uint8_t draw_dirt(Rng& rng);
  void format(uint32_t chunk_index, const ChunkSpec& spec, Rng& rng, ChunkResult& out);

  const Plan& plan_;
  std::atomic<uint8_t>* active_;
  bool any_dirt_ = false;
  // Per-chunk state.
  int32_t day_ = 0;
  uint32_t second_begin_ = 0;
  uint32_t second_end_ = 0;
  uint64_t lines_left_ = 0;   // lines this chunk may still produce
  uint64_t cancel_left_ = 0;  // of which reserved for cancel events not yet added
  uint64_t sessions_ = 0;
  std::vector<double> cumulative_;  // running activity of the day's active customers
  std::vector<uint32_t> active_ids_;
  static constexpr size_t kSearchBlock = 64;
  std::vector<double> block_last_;  // cumulative_ at the end of each block of kSearchBlock
  std::vector<uint32_t> cancelling_;
  std::vector<Event> events_;
  std::vector<uint64_t> order_;  // (millis << 24 | index): events in time order
  std::vector<uint64_t> sort_scratch_;
  std::vector<PendingDuplicate> pending_;
};

}  // namespace bullion::generate_detail
