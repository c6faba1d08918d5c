#include "bullion/generate/generator.h"

#include <atomic>
#include <map>
#include <memory>

#include "bullion/core/error.h"
#include "bullion/core/fs.h"
#include "bullion/core/progress.h"
#include "bullion/core/thread_pool.h"
#include "bullion/core/time.h"
#include "generate/chunk_generator.h"
#include "generate/plan.h"

namespace bullion {

using generate_detail::ChunkGenerator;
using generate_detail::ChunkResult;
using generate_detail::ChunkStats;
using generate_detail::Plan;

std::string_view event_type_name(EventType type) {
  switch (type) {
    case EventType::kLogin:
      return "LOGIN";
    case EventType::kPageView:
      return "PAGE_VIEW";
    case EventType::kAddToCart:
      return "ADD_TO_CART";
    case EventType::kPurchase:
      return "PURCHASE";
    case EventType::kSupportTicket:
      return "SUPPORT_TICKET";
    case EventType::kCancelSubscription:
      return "CANCEL_SUBSCRIPTION";
  }
  return "UNKNOWN";
}

uint64_t default_customers(uint64_t num_events) { return num_events / 50 == 0 ? 1 : num_events / 50; }

std::optional<uint64_t> parse_count(std::string_view text) {
  constexpr uint64_t kMax = 1'000'000'000'000'000ULL;
  uint64_t mantissa = 0;  // all digits, the fraction's included
  uint64_t scale = 1;     // 10^(digits after the point)
  size_t digits = 0;
  bool point = false;
  size_t i = 0;
  for (; i < text.size(); ++i) {
    const char ch = text[i];
    if (ch >= '0' && ch <= '9') {
      if (mantissa > kMax) return std::nullopt;
      mantissa = mantissa * 10 + static_cast<uint64_t>(ch - '0');
      if (point) {
        if (scale > kMax) return std::nullopt;
        scale *= 10;
      }
      ++digits;
    } else if (ch == '.' && !point && digits > 0) {
      point = true;
    } else if (ch == '_' && digits > 0 && !point) {
      continue;  // 10_000_000
    } else {
      break;
    }
  }
  if (digits == 0 || (point && scale == 1)) return std::nullopt;
  uint64_t multiplier = 1;
  if (i < text.size()) {
    switch (text[i]) {
      case 'k':
      case 'K':
        multiplier = 1'000;
        break;
      case 'm':
      case 'M':
        multiplier = 1'000'000;
        break;
      case 'g':
      case 'G':
      case 'b':
      case 'B':
        multiplier = 1'000'000'000;
        break;
      default:
        return std::nullopt;
    }
    if (++i != text.size()) return std::nullopt;
  }
  if (mantissa > kMax / multiplier) return std::nullopt;
  const uint64_t scaled = mantissa * multiplier;
  if (scaled % scale != 0) return std::nullopt;
  const uint64_t value = scaled / scale;
  if (value > kMax) return std::nullopt;
  return value;
}

namespace {

constexpr int32_t kMaxDays = 3660;
constexpr uint32_t kMaxFiles = 10'000;
constexpr uint64_t kMaxCustomers = 100'000'000;  // ~5 GB of profiles
// A day splits into at most 86,400 chunks (one per second) of ~64k lines.
constexpr uint64_t kMaxEventsPerDay = 5'000'000'000;

void check_rate(double rate, const char* flag) {
  if (!(rate >= 0.0 && rate <= 1.0))
    throw Error::invalid_input(std::string(flag) + " must be a probability between 0 and 1, got " +
                               std::to_string(rate));
}

void validate(const GenerateOptions& o, uint64_t customers) {
  if (o.out_dir.empty()) throw Error::invalid_input("--out must name the output directory");
  if (o.file_prefix.empty() || o.file_prefix.find('/') != std::string::npos)
    throw Error::invalid_input("the file prefix '" + o.file_prefix + "' must be a non-empty name without '/'");
  if (o.num_events == 0) throw Error::invalid_input("--events must be at least 1");
  if (customers > o.num_events)
    throw Error::invalid_input("--customers (" + std::to_string(customers) + ") must not exceed --events (" +
                                   std::to_string(o.num_events) + ")",
                               "ask for fewer customers or more events; the default is events / 50");
  if (customers > kMaxCustomers)
    throw Error::invalid_input("--customers " + std::to_string(customers) + " is more than the supported " +
                               std::to_string(kMaxCustomers));
  if (o.end_date < o.start_date)
    throw Error::invalid_input("--end (" + format_date(o.end_date) + ") is before --start (" +
                               format_date(o.start_date) + ")");
  const int64_t days = int64_t{o.end_date} - o.start_date + 1;
  if (o.num_events / static_cast<uint64_t>(days) > kMaxEventsPerDay)
    throw Error::invalid_input("--events " + std::to_string(o.num_events) + " is more than " +
                                   std::to_string(kMaxEventsPerDay) + " per day of the " + std::to_string(days) +
                                   "-day range",
                               "widen the range with --start and --end");
  if (days > kMaxDays)
    throw Error::invalid_input("--start " + format_date(o.start_date) + " to --end " + format_date(o.end_date) +
                               " spans " + std::to_string(days) + " days; at most " + std::to_string(kMaxDays) +
                               " are supported");
  if (o.num_files == 0 || o.num_files > kMaxFiles)
    throw Error::invalid_input("--files must be between 1 and " + std::to_string(kMaxFiles) + ", got " +
                               std::to_string(o.num_files));
  if (o.num_files > days * 1440)
    throw Error::invalid_input("--files " + std::to_string(o.num_files) + " is more than one file per minute of a " +
                               std::to_string(days) + "-day range");
  const int lo = min_compression_level(o.compression), hi = max_compression_level(o.compression);
  if (o.compression != Compression::kNone && (o.compression_level < lo || o.compression_level > hi))
    throw Error::invalid_input("--compression-level " + std::to_string(o.compression_level) + " is out of range for " +
                               std::string(compression_name(o.compression)) + ": use " + std::to_string(lo) + " to " +
                               std::to_string(hi));
  check_rate(o.dirt.null_customer, "--null-customer-rate");
  check_rate(o.dirt.null_event_type, "--null-event-type-rate");
  check_rate(o.dirt.null_country, "--null-country-rate");
  check_rate(o.dirt.duplicate, "--duplicate-rate");
  check_rate(o.dirt.messy_event_type, "--messy-event-type-rate");
  check_rate(o.dirt.messy_country, "--messy-country-rate");
  check_rate(o.dirt.malformed, "--malformed-rate");
  check_rate(o.dirt.late, "--late-rate");
}

std::string file_name(const GenerateOptions& o, uint32_t index) {
  std::string digits = std::to_string(index);
  if (digits.size() < 5) digits.insert(0, 5 - digits.size(), '0');
  return o.file_prefix + "-" + digits + ".json" + std::string(compression_extension(o.compression));
}

// Whether `name` is one of the generator's files for `prefix`, final
// (events-00012.json[.gz|.zst]) or temporary (.events-00012.json.zst.tmp).
bool is_generated_name(std::string_view name, std::string_view prefix, bool& temporary) {
  temporary = name.starts_with('.') && name.ends_with(".tmp");
  if (temporary) name = name.substr(1, name.size() - 5);
  if (!name.starts_with(prefix) || name.size() <= prefix.size() + 1 || name[prefix.size()] != '-') return false;
  name.remove_prefix(prefix.size() + 1);
  size_t digits = 0;
  while (digits < name.size() && name[digits] >= '0' && name[digits] <= '9') ++digits;
  if (digits < 5) return false;
  name.remove_prefix(digits);
  return name == ".json" || name == ".json.gz" || name == ".json.zst";
}

// Creates the output directory and clears (with overwrite) or refuses files
// of an earlier run: a mix of two runs' files would be one inconsistent feed.
void prepare_out_dir(FileSystem& fs, const GenerateOptions& o) {
  if (fs.exists(o.out_dir) && !fs.stat(o.out_dir).is_dir)
    throw Error::io("cannot write into --out '" + o.out_dir + "': it is a file, not a directory",
                    "choose a directory for --out");
  try {
    fs.create_dirs(o.out_dir);
  } catch (const Error& e) {
    throw Error(e.category(), "cannot create the output directory (--out): " + e.message(), e.hint());
  }
  std::vector<std::string> earlier;
  for (const FileInfo& entry : fs.list(o.out_dir)) {
    bool temporary = false;
    if (entry.is_dir || !is_generated_name(entry.name, o.file_prefix, temporary)) continue;
    if (!temporary && !o.overwrite)
      throw Error::conflict("--out '" + o.out_dir + "' already holds generated files (e.g. '" + entry.name + "')",
                            "pass --overwrite to replace them, or choose another --out");
    earlier.push_back(join_path(o.out_dir, entry.name));
  }
  for (const std::string& path : earlier) fs.remove(path);
}

// The output files, written one after the other under temporary names and
// renamed when complete.
class OutputFiles {
 public:
  OutputFiles(FileSystem& fs, const GenerateOptions& options) : fs_(fs), options_(options) {}
  ~OutputFiles() {
    if (writer_ == nullptr) return;
    writer_.reset();
    try {
      fs_.remove(temp_path_);
    } catch (...) {
      // Best effort: the run already failed with the error that matters.
    }
  }

  void begin(uint32_t index) {
    const std::string name = file_name(options_, index);
    path_ = join_path(options_.out_dir, name);
    temp_path_ = join_path(options_.out_dir, "." + name + ".tmp");
    writer_ = std::make_unique<CompressedWriter>(
        fs_.open_write(temp_path_), options_.compression,
        options_.compression == Compression::kNone ? CompressedWriter::kDefaultLevel : options_.compression_level);
    lines_ = 0;
  }
  void append(std::string_view text, uint64_t lines) {
    if (text.empty()) return;
    writer_->append(text);
    lines_ += lines;
  }
  void finish(GenerateSummary& summary) {
    writer_->close();
    fs_.rename(temp_path_, path_);
    summary.files.push_back({path_, lines_, writer_->bytes_out()});
    summary.uncompressed_bytes += writer_->bytes_in();
    summary.bytes += writer_->bytes_out();
    writer_.reset();
  }

 private:
  FileSystem& fs_;
  const GenerateOptions& options_;
  std::unique_ptr<CompressedWriter> writer_;
  std::string path_;
  std::string temp_path_;
  uint64_t lines_ = 0;
};

void add_stats(GenerateSummary& s, const ChunkStats& c) {
  s.sessions += c.sessions;
  s.churned_customers += c.churned;
  for (size_t t = 0; t < kNumEventTypes; ++t) s.events_by_type[t] += c.events_by_type[t];
  s.dirt.null_customer += c.dirt.null_customer;
  s.dirt.null_event_type += c.dirt.null_event_type;
  s.dirt.null_country += c.dirt.null_country;
  s.dirt.duplicate += c.dirt.duplicate;
  s.dirt.messy_event_type += c.dirt.messy_event_type;
  s.dirt.tab_padded_event_type += c.dirt.tab_padded_event_type;
  s.dirt.messy_country += c.dirt.messy_country;
  s.dirt.non_ascii_country += c.dirt.non_ascii_country;
  s.dirt.malformed += c.dirt.malformed;
  s.dirt.late += c.dirt.late;
  s.first_event_micros = std::min(s.first_event_micros, c.first_micros);
  s.last_event_micros = std::max(s.last_event_micros, c.last_micros);
}

// Lines that a chunk handed on to a later chunk's place in the output.
struct HeldLines {
  std::string text;
  uint64_t lines = 0;
};

}  // namespace

GenerateSummary generate(const GenerateOptions& options) {
  const int64_t started = now_micros();
  const uint64_t num_customers =
      options.num_customers != 0 ? options.num_customers : default_customers(options.num_events);
  validate(options, num_customers);
  FileSystem& fs = options.fs != nullptr ? *options.fs : FileSystem::local();
  ThreadPool& pool = options.pool != nullptr ? *options.pool : ThreadPool::global();

  prepare_out_dir(fs, options);
  OutputFiles files(fs, options);
  files.begin(0);  // fail on an unwritable directory before any work
  const Plan plan = generate_detail::make_plan(options, num_customers, pool);

  GenerateSummary summary;
  summary.customers = num_customers;
  summary.first_event_micros = std::numeric_limits<int64_t>::max();
  summary.last_event_micros = std::numeric_limits<int64_t>::min();
  std::vector<std::atomic<uint8_t>> active(num_customers);
  std::vector<std::unique_ptr<ChunkGenerator>> generators(pool.num_threads());
  std::map<uint32_t, HeldLines> held;  // by target chunk
  uint32_t current_file = 0;

  // Writes one generated chunk in its place, plus the lines earlier chunks
  // held for it. Runs on one thread at a time, in chunk order.
  auto write_chunk = [&](uint32_t k, const ChunkResult& r) {
    while (k >= plan.first_chunk_of_file[current_file + 1]) {
      files.finish(summary);
      files.begin(++current_file);
    }
    uint64_t lines = r.body_lines;
    files.append(r.body_text(), r.body_lines);
    if (auto it = held.find(k); it != held.end()) {
      files.append(it->second.text, it->second.lines);
      lines += it->second.lines;
      held.erase(it);
    }
    for (const auto& d : r.delayed_lines) {
      HeldLines& h = held[d.target_chunk];
      h.text.append(r.delayed, d.offset, d.length);
      ++h.lines;
    }
    add_stats(summary, r.stats);
    summary.lines += lines;
    if (options.progress != nullptr) options.progress->advance(lines);
  };

  // Waves of one chunk per thread; the previous wave is written while the
  // next is generated, so compression overlaps generation.
  const auto num_chunks = static_cast<uint32_t>(plan.chunks.size());
  const size_t wave = pool.num_threads();
  std::vector<ChunkResult> results(2 * wave);
  uint32_t previous_first = 0;
  size_t previous_count = 0;
  for (uint32_t first = 0, round = 0;; first += static_cast<uint32_t>(wave), ++round) {
    const size_t count = first < num_chunks ? std::min<size_t>(wave, num_chunks - first) : 0;
    const size_t write_tasks = previous_count > 0 ? 1 : 0;
    if (count + write_tasks == 0) break;
    ChunkResult* current = results.data() + (round % 2) * wave;
    ChunkResult* previous = results.data() + ((round + 1) % 2) * wave;
    pool.parallel_for(count + write_tasks, [&](size_t task, size_t worker) {
      if (task < write_tasks) {
        for (size_t i = 0; i < previous_count; ++i) write_chunk(previous_first + static_cast<uint32_t>(i), previous[i]);
        return;
      }
      const size_t i = task - write_tasks;
      auto& generator = generators[worker];
      if (generator == nullptr) generator = std::make_unique<ChunkGenerator>(plan, active.data());
      generator->generate(first + static_cast<uint32_t>(i), current[i]);
    });
    previous_first = first;
    previous_count = count;
  }
  BULLION_ASSERT(held.empty(), "lines held for a chunk that was never written");
  while (true) {
    files.finish(summary);
    if (++current_file >= options.num_files) break;
    files.begin(current_file);
  }
  BULLION_ASSERT(summary.lines == options.num_events, "wrote a different number of lines than asked");

  summary.unique_events = summary.lines - summary.dirt.duplicate;
  for (const auto& flag : active) summary.active_customers += flag.load(std::memory_order_relaxed);
  if (summary.lines == 0) summary.first_event_micros = summary.last_event_micros = 0;
  summary.seconds = static_cast<double>(now_micros() - started) / 1e6;
  return summary;
}

}  // namespace bullion
