// bullion/generate/generator.h — a deterministic synthetic churn-event feed.
//
// generate() writes newline-delimited JSON events of a simulated customer
// base into files `<out_dir>/<prefix>-00000.json[.gz|.zst]`, ...; each line is
//
//   {"event_id":"<uuid>","customer_id":"C0001234","event_type":"PAGE_VIEW",
//    "event_timestamp":"2025-03-01T10:15:30.123Z","country":"DE",
//    "product_id":"P00123","session_id":"<16 hex>"}
//
// (one line, keys always in this order, values strings or null).
//
// The model. Every customer has a latent churn propensity that raises a daily
// churn hazard and lowers activity. A customer who churns declines for 6–12
// weeks beforehand (fewer sessions, fewer carts and purchases, more support
// tickets), then emits one CANCEL_SUBSCRIPTION event and stays mostly silent.
// Sessions group several events of one customer (LOGIN, PAGE_VIEW,
// ADD_TO_CART, PURCHASE, SUPPORT_TICKET); product_id is set on page views,
// carts and purchases and null otherwise. Some customers exist from the first
// day, others sign up during the range; some take a quiet break without
// churning. Event times follow a daily and weekly rhythm and lie in
// [start_date 00:00, end_date 23:59:59.999] UTC.
//
// Files are delivery batches in time order: the range is cut into chunks (a
// day, or part of one), file i holds a contiguous run of chunks, and within a
// chunk lines are sorted by event time — except for the dirt below.
//
// Dirt (each a per-event probability, see DirtRates): null customer_id, null
// event_type, null country; duplicate deliveries (an identical extra line of
// an event, shortly after it or in a later chunk or file); event types in
// mixed case and padded with spaces and tabs; countries written as lower-case
// codes or local names, often non-ASCII ("Österreich", "Großbritannien");
// malformed lines (truncated objects, single quotes, unquoted values); and
// late arrivals (written 1–7 days after their timestamp's chunk). 2% of the
// product catalogue carries non-ASCII ids (e.g. "P00007-Größe") — legitimate
// UTF-8, not dirt.
//
// Exactness and determinism. Exactly num_events lines are written. The output
// bytes are a pure function of the options (minus out_dir, pool and progress):
// the same options give byte-identical files on any machine, day and thread
// count. The generator draws every random number from its own PRNG, uses no
// floating-point library functions, and splits work into chunks that do not
// depend on the number of threads.
//
// Errors: bullion::Error — kInvalidInput for bad options (naming the flag),
// kConflict if out_dir already holds generated files and overwrite is false,
// kIO / kNotFound from the filesystem (naming the path). Files are written
// under hidden temporary names and renamed when complete, so a failed run
// never leaves a partial file under a final name.
//
// Threading: generate() runs chunks on `pool` (ThreadPool::global() when
// null) and blocks until done; compression runs on one thread at a time,
// overlapped with generation. Memory: about 64 bytes per customer, plus up to
// ~60 MB per thread of buffers reused from chunk to chunk.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bullion/core/compressed_stream.h"

namespace bullion {

class FileSystem;
class Progress;
class ThreadPool;

enum class EventType : uint8_t { kLogin, kPageView, kAddToCart, kPurchase, kSupportTicket, kCancelSubscription };
inline constexpr size_t kNumEventTypes = 6;
// "LOGIN", "PAGE_VIEW", "ADD_TO_CART", "PURCHASE", "SUPPORT_TICKET", "CANCEL_SUBSCRIPTION".
std::string_view event_type_name(EventType type);

// Per-event probabilities of each kind of dirt, each in [0, 1]. The defaults
// are small, as in a real feed.
struct DirtRates {
  double null_customer = 0.005;    // "customer_id":null
  double null_event_type = 0.005;  // "event_type":null
  double null_country = 0.01;      // "country":null
  double duplicate = 0.01;         // an identical extra line (same event_id)
  double messy_event_type = 0.02;  // " login", "Page_View\t", "\tPURCHASE  "...
  double messy_country = 0.01;     // "de", "Österreich", "Großbritannien"...
  double malformed = 0.002;        // a line that is not valid JSON
  double late = 0.01;              // written 1–7 days after its time's chunk

  static DirtRates none() { return {0, 0, 0, 0, 0, 0, 0, 0}; }
};

struct GenerateOptions {
  std::string out_dir;                 // created if missing
  std::string file_prefix = "events";  // file names <prefix>-00000.json[.gz|.zst]
  uint64_t num_events = 1'000'000;     // lines written, >= 1
  uint64_t num_customers = 0;          // 0: num_events / 50 (at least 1); at most num_events
  uint64_t seed = 42;
  int32_t start_date = kDefaultStartDate;  // first day, days since 1970-01-01 (UTC)
  int32_t end_date = kDefaultEndDate;      // last day (inclusive), >= start_date
  uint32_t num_files = 1;                  // >= 1
  Compression compression = Compression::kNone;
  int compression_level = CompressedWriter::kDefaultLevel;
  DirtRates dirt;
  bool overwrite = false;  // replace files of an earlier run in out_dir

  ThreadPool* pool = nullptr;    // null: ThreadPool::global()
  Progress* progress = nullptr;  // advanced by lines written; may be null
  FileSystem* fs = nullptr;      // null: FileSystem::local()

  // 2025-01-01 .. 2025-06-30: fixed, so a seed names one dataset forever.
  static constexpr int32_t kDefaultStartDate = 20089;
  static constexpr int32_t kDefaultEndDate = 20269;
};

// How often each kind of dirt was written. messy_event_type includes
// tab_padded_event_type (padding upper(trim(...)) cannot remove);
// messy_country includes non_ascii_country.
struct DirtCounts {
  uint64_t null_customer = 0;
  uint64_t null_event_type = 0;
  uint64_t null_country = 0;
  uint64_t duplicate = 0;  // extra lines
  uint64_t messy_event_type = 0;
  uint64_t tab_padded_event_type = 0;
  uint64_t messy_country = 0;
  uint64_t non_ascii_country = 0;
  uint64_t malformed = 0;
  uint64_t late = 0;
};

struct GeneratedFile {
  std::string path;
  uint64_t lines = 0;
  uint64_t bytes = 0;  // on disk (compressed size when compressed)
};

// What generate() wrote. Every count is computed from the lines written.
struct GenerateSummary {
  uint64_t lines = 0;              // == options.num_events
  uint64_t unique_events = 0;      // distinct event_ids (lines minus duplicates)
  uint64_t customers = 0;          // the customer base (options or its default)
  uint64_t active_customers = 0;   // customers with at least one event
  uint64_t churned_customers = 0;  // customers with a CANCEL_SUBSCRIPTION event
  uint64_t sessions = 0;
  int64_t first_event_micros = 0;  // earliest and latest event_timestamp
  int64_t last_event_micros = 0;
  // Unique events by their true type (before messy or null event_type).
  std::array<uint64_t, kNumEventTypes> events_by_type{};
  DirtCounts dirt;
  std::vector<GeneratedFile> files;
  uint64_t uncompressed_bytes = 0;
  uint64_t bytes = 0;  // on disk
  double seconds = 0;  // wall time (the only value that varies between runs)
};

// Generates the dataset described by `options`; see the contract above.
GenerateSummary generate(const GenerateOptions& options);

// The default customer base for a number of events: events / 50, at least 1.
uint64_t default_customers(uint64_t num_events);

// Parses a count: digits with an optional fraction and suffix k/K (10^3),
// m/M (10^6) or g/G/b/B (10^9): "10M", "200k", "1.5M", "5000". The value must
// be a whole number; nullopt if malformed or above 10^15.
std::optional<uint64_t> parse_count(std::string_view text);

}  // namespace bullion
