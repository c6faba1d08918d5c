#include "bullion/generate/generator.h"

#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "bullion/core/error.h"
#include "bullion/core/fs.h"
#include "bullion/core/thread_pool.h"
#include "bullion/core/time.h"
#include "generate/decompress.h"
#include "support/temp_dir.h"

namespace bullion {
namespace {

using testing::TempDir;

GenerateOptions small_options(const std::string& dir) {
  GenerateOptions o;
  o.out_dir = dir;
  o.num_events = 20'000;
  o.num_customers = 400;
  o.num_files = 3;
  return o;
}

std::string read(const std::string& path) { return FileSystem::local().read_all(path); }

// All lines of a run's files, in file order.
std::vector<std::string> read_lines(const GenerateSummary& s) {
  std::vector<std::string> lines;
  for (const GeneratedFile& f : s.files) {
    const std::string text = read(f.path);
    size_t pos = 0;
    while (pos < text.size()) {
      const size_t end = text.find('\n', pos);
      EXPECT_NE(end, std::string::npos) << "last line of " << f.path << " lacks a newline";
      if (end == std::string::npos) break;
      lines.push_back(text.substr(pos, end - pos));
      pos = end + 1;
    }
  }
  return lines;
}

bool is_canonical_type(const std::string& t) {
  for (size_t i = 0; i < kNumEventTypes; ++i)
    if (t == event_type_name(static_cast<EventType>(i))) return true;
  return false;
}

// The event type a messy spelling stands for: without spaces and tabs, in upper case.
std::string unpadded_upper(const std::string& t) {
  std::string out;
  for (char c : t) {
    if (c == ' ' || c == '\t') continue;
    out += (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
  }
  return out;
}

TEST(Generator, DefaultRangeIsFixed) {
  EXPECT_EQ(GenerateOptions::kDefaultStartDate, days_from_civil(2025, 1, 1));
  EXPECT_EQ(GenerateOptions::kDefaultEndDate, days_from_civil(2025, 6, 30));
  EXPECT_EQ(default_customers(10'000'000), 200'000u);
  EXPECT_EQ(default_customers(10), 1u);
}

TEST(Generator, WritesExactlyTheRequestedLinesIntoNamedFiles) {
  TempDir dir;
  const GenerateSummary s = generate(small_options(dir.path()));
  EXPECT_EQ(s.lines, 20'000u);
  ASSERT_EQ(s.files.size(), 3u);
  uint64_t total = 0, bytes = 0;
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(s.files[i].path, dir.file("events-0000" + std::to_string(i) + ".json"));
    const std::string text = read(s.files[i].path);
    EXPECT_EQ(static_cast<uint64_t>(std::count(text.begin(), text.end(), '\n')), s.files[i].lines);
    EXPECT_EQ(text.size(), s.files[i].bytes);
    EXPECT_GT(s.files[i].lines, 0u);
    total += s.files[i].lines;
    bytes += s.files[i].bytes;
  }
  EXPECT_EQ(total, 20'000u);
  EXPECT_EQ(bytes, s.bytes);
  EXPECT_EQ(s.uncompressed_bytes, s.bytes);
  // Nothing but the three files (no temporary files left behind).
  EXPECT_EQ(FileSystem::local().list(dir.path()).size(), 3u);
}

TEST(Generator, SameSeedGivesIdenticalBytesOnAnyThreadCount) {
  TempDir a, b, c;
  ThreadPool one(1), four(4);
  GenerateOptions o = small_options(a.path());
  o.num_events = 60'000;
  o.num_files = 4;
  o.pool = &one;
  const GenerateSummary sa = generate(o);
  o.out_dir = b.path();
  o.pool = &four;
  const GenerateSummary sb = generate(o);
  o.out_dir = c.path();
  o.pool = nullptr;  // the global pool
  generate(o);
  for (const std::string name : {"events-00000.json", "events-00001.json", "events-00002.json", "events-00003.json"}) {
    const std::string bytes = read(a.file(name));
    EXPECT_FALSE(bytes.empty());
    EXPECT_TRUE(bytes == read(b.file(name))) << name << " differs between 1 and 4 threads";
    EXPECT_TRUE(bytes == read(c.file(name))) << name << " differs with the global pool";
  }
  EXPECT_EQ(sa.sessions, sb.sessions);
  EXPECT_EQ(sa.active_customers, sb.active_customers);
  EXPECT_EQ(sa.events_by_type, sb.events_by_type);
  EXPECT_EQ(sa.dirt.late, sb.dirt.late);
  EXPECT_EQ(sa.first_event_micros, sb.first_event_micros);
  EXPECT_EQ(sa.last_event_micros, sb.last_event_micros);
}

TEST(Generator, DifferentSeedsGiveDifferentData) {
  TempDir a, b;
  GenerateOptions o = small_options(a.path());
  o.num_files = 1;
  generate(o);
  o.out_dir = b.path();
  o.seed = 43;
  generate(o);
  const std::string x = read(a.file("events-00000.json")), y = read(b.file("events-00000.json"));
  EXPECT_NE(x, y);
  // Not just shifted: the first event ids differ.
  EXPECT_NE(x.substr(0, 60), y.substr(0, 60));
}

TEST(Generator, EveryWellFormedLineHasExactlyTheSchema) {
  TempDir dir;
  GenerateOptions o = small_options(dir.path());
  o.dirt.messy_event_type = o.dirt.messy_country = 0.05;
  const GenerateSummary s = generate(o);
  const std::regex uuid("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  const std::regex customer("C[0-9]{7}");
  const std::regex timestamp("2025-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z");
  const std::regex product("P[0-9]{5}(-.+)?");
  const std::regex session("[0-9a-f]{16}");
  const std::vector<std::string> keys = {"event_id", "customer_id", "event_type", "event_timestamp",
                                         "country",  "product_id",  "session_id"};
  const int64_t begin = int64_t{o.start_date} * kMicrosPerDay, end = int64_t{o.end_date + 1} * kMicrosPerDay;
  uint64_t well_formed = 0;
  for (const std::string& line : read_lines(s)) {
    const auto j = nlohmann::ordered_json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) continue;
    ++well_formed;
    ASSERT_TRUE(j.is_object()) << line;
    std::vector<std::string> got;
    for (const auto& item : j.items()) got.push_back(item.key());
    ASSERT_EQ(got, keys) << line;
    for (const auto& item : j.items()) ASSERT_TRUE(item.value().is_string() || item.value().is_null()) << line;
    ASSERT_TRUE(std::regex_match(j["event_id"].get<std::string>(), uuid)) << line;
    if (!j["customer_id"].is_null()) {
      ASSERT_TRUE(std::regex_match(j["customer_id"].get<std::string>(), customer)) << line;
    }
    if (!j["event_type"].is_null()) {
      ASSERT_TRUE(is_canonical_type(unpadded_upper(j["event_type"].get<std::string>()))) << line;
    }
    const std::string ts = j["event_timestamp"].get<std::string>();
    ASSERT_TRUE(std::regex_match(ts, timestamp)) << line;
    const auto micros = parse_timestamp(ts);
    ASSERT_TRUE(micros.has_value()) << line;
    ASSERT_GE(*micros, begin) << line;
    ASSERT_LT(*micros, end) << line;
    if (!j["product_id"].is_null()) {
      ASSERT_TRUE(std::regex_match(j["product_id"].get<std::string>(), product)) << line;
    }
    ASSERT_TRUE(std::regex_match(j["session_id"].get<std::string>(), session)) << line;
  }
  EXPECT_EQ(well_formed, s.lines - s.dirt.malformed);
  EXPECT_GE(s.first_event_micros, begin);
  EXPECT_LT(s.last_event_micros, end);
}

// Counts the dirt in the lines as a reader would see it, and checks it
// against the configured rates and the summary's exact counts.
TEST(Generator, DirtMatchesTheRatesAndTheSummary) {
  TempDir dir;
  GenerateOptions o = small_options(dir.path());
  o.num_events = 150'000;
  o.num_customers = 2'000;
  o.num_files = 5;
  o.dirt = {0.02, 0.03, 0.04, 0.02, 0.05, 0.03, 0.01, 0.02};
  const GenerateSummary s = generate(o);
  const std::vector<std::string> lines = read_lines(s);
  ASSERT_EQ(lines.size(), o.num_events);

  std::map<std::string, std::string> first_line;  // event_id -> its first line
  DirtCounts seen;
  uint64_t unique_well_formed = 0, late_seen = 0;
  std::string latest_date;  // of the first deliveries so far, in write order
  for (const std::string& line : lines) {
    const auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded()) {
      ++seen.malformed;
      continue;
    }
    const std::string id = j["event_id"].get<std::string>();
    if (auto it = first_line.find(id); it != first_line.end()) {
      ++seen.duplicate;
      EXPECT_EQ(it->second, line) << "a duplicate delivery must be byte-identical";
      continue;
    }
    first_line.emplace(id, line);
    ++unique_well_formed;
    seen.null_customer += j["customer_id"].is_null();
    seen.null_event_type += j["event_type"].is_null();
    seen.null_country += j["country"].is_null();
    if (j["event_type"].is_string()) {
      const std::string t = j["event_type"].get<std::string>();
      seen.messy_event_type += !is_canonical_type(t);
      seen.tab_padded_event_type += t.find('\t') != std::string::npos;
    }
    if (j["country"].is_string()) {
      const std::string c = j["country"].get<std::string>();
      const bool code = c.size() == 2 && std::isupper(static_cast<unsigned char>(c[0])) &&
                        std::isupper(static_cast<unsigned char>(c[1]));
      seen.messy_country += !code;
      seen.non_ascii_country += std::any_of(c.begin(), c.end(), [](char ch) { return ch & 0x80; });
    }
    // Batches are days in time order: a line older than a day already
    // delivered arrived late.
    const std::string date = j["event_timestamp"].get<std::string>().substr(0, 10);
    if (date < latest_date) ++late_seen;
    latest_date = std::max(latest_date, date);
  }
  // Exactly what the summary reports (field dirt is counted on well-formed first deliveries).
  EXPECT_EQ(seen.malformed, s.dirt.malformed);
  EXPECT_EQ(seen.duplicate, s.dirt.duplicate);
  EXPECT_EQ(seen.null_customer, s.dirt.null_customer);
  EXPECT_EQ(seen.null_event_type, s.dirt.null_event_type);
  EXPECT_EQ(seen.null_country, s.dirt.null_country);
  EXPECT_EQ(seen.messy_event_type, s.dirt.messy_event_type);
  EXPECT_EQ(seen.tab_padded_event_type, s.dirt.tab_padded_event_type);
  EXPECT_EQ(seen.messy_country, s.dirt.messy_country);
  EXPECT_EQ(seen.non_ascii_country, s.dirt.non_ascii_country);
  EXPECT_EQ(s.unique_events, s.lines - s.dirt.duplicate);
  // Late lines that were also malformed cannot be seen as late.
  EXPECT_LE(late_seen, s.dirt.late);
  EXPECT_GE(late_seen + s.dirt.malformed, s.dirt.late);

  // Near the configured rates (binomial; tolerances are > 5 standard deviations).
  const auto near = [&](uint64_t count, uint64_t of, double rate, const char* what) {
    const double observed = static_cast<double>(count) / static_cast<double>(of);
    const double sd = std::sqrt(rate * (1 - rate) / static_cast<double>(of));
    EXPECT_NEAR(observed, rate, 5.5 * sd + 0.001) << what;
  };
  // A duplicate is an extra line of an event that is neither malformed nor late.
  const double dup = o.dirt.duplicate;
  near(s.dirt.duplicate, s.lines, dup / (1 + dup), "duplicate");
  near(s.dirt.malformed, s.lines, o.dirt.malformed * (1 - dup) / (1 + dup), "malformed");
  near(seen.null_customer, unique_well_formed, o.dirt.null_customer, "null customer");
  near(seen.null_event_type, unique_well_formed, o.dirt.null_event_type, "null event_type");
  near(seen.null_country, unique_well_formed, o.dirt.null_country, "null country");
  near(seen.messy_event_type, unique_well_formed, o.dirt.messy_event_type * (1 - o.dirt.null_event_type),
       "messy event_type");
  near(seen.messy_country, unique_well_formed, o.dirt.messy_country * (1 - o.dirt.null_country), "messy country");
  // Late: events of the last day have no later batch to arrive in.
  near(s.dirt.late, s.unique_events, o.dirt.late * (1 - dup) * (180.0 / 181.0), "late");
  EXPECT_GT(s.dirt.tab_padded_event_type, 0u);
  EXPECT_GT(s.dirt.non_ascii_country, 0u);
  EXPECT_LT(s.dirt.tab_padded_event_type, s.dirt.messy_event_type);
}

TEST(Generator, SomeDuplicatesAndLateLinesLandInLaterFiles) {
  TempDir dir;
  GenerateOptions o = small_options(dir.path());
  o.num_events = 100'000;
  o.num_customers = 1'500;
  o.num_files = 6;
  o.dirt.malformed = 0;
  const GenerateSummary s = generate(o);
  std::map<std::string, size_t> file_of_id;
  uint64_t cross_file_duplicates = 0, late_into_later_file = 0;
  std::vector<std::string> file_first_date(s.files.size());
  for (size_t f = 0; f < s.files.size(); ++f) {
    std::string min_date = "9999";
    const std::string text = read(s.files[f].path);
    size_t pos = 0;
    std::vector<std::string> dates;
    while (pos < text.size()) {
      const size_t end = text.find('\n', pos);
      const auto j = nlohmann::json::parse(text.substr(pos, end - pos));
      pos = end + 1;
      const std::string id = j["event_id"].get<std::string>();
      if (auto it = file_of_id.find(id); it != file_of_id.end()) {
        cross_file_duplicates += it->second != f;
        continue;
      }
      file_of_id.emplace(id, f);
      dates.push_back(j["event_timestamp"].get<std::string>().substr(0, 10));
    }
    // The file's own time: its median first delivery. Late lines are days older.
    std::vector<std::string> sorted = dates;
    std::sort(sorted.begin(), sorted.end());
    const std::string first_own = sorted[sorted.size() / 50];  // 2nd percentile
    for (const std::string& d : dates) late_into_later_file += d < first_own;
  }
  EXPECT_GT(cross_file_duplicates, 0u);
  EXPECT_GT(late_into_later_file, 0u);
}

TEST(Generator, CompressedFilesDecompressToThePlainOutput) {
  TempDir plain, gz, zst;
  GenerateOptions o = small_options(plain.path());
  const GenerateSummary p = generate(o);
  o.out_dir = gz.path();
  o.compression = Compression::kGzip;
  const GenerateSummary g = generate(o);
  o.out_dir = zst.path();
  o.compression = Compression::kZstd;
  const GenerateSummary z = generate(o);
  ASSERT_EQ(g.files.size(), 3u);
  ASSERT_EQ(z.files.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_TRUE(g.files[i].path.ends_with(".json.gz")) << g.files[i].path;
    EXPECT_TRUE(z.files[i].path.ends_with(".json.zst")) << z.files[i].path;
    const std::string text = read(p.files[i].path);
    EXPECT_TRUE(testing::gunzip(read(g.files[i].path)) == text) << g.files[i].path;
    EXPECT_TRUE(testing::unzstd(read(z.files[i].path)) == text) << z.files[i].path;
    EXPECT_LT(z.files[i].bytes, text.size() / 2);
    EXPECT_EQ(z.files[i].lines, p.files[i].lines);
  }
  EXPECT_EQ(z.uncompressed_bytes, p.bytes);
  EXPECT_EQ(g.uncompressed_bytes, p.bytes);
}

TEST(Generator, ChurnersCancelOnceAndFallMostlySilent) {
  TempDir dir;
  GenerateOptions o = small_options(dir.path());
  o.num_events = 100'000;
  o.num_customers = 1'500;
  o.dirt = DirtRates::none();
  const GenerateSummary s = generate(o);
  std::map<std::string, int64_t> cancel_at;
  std::map<std::string, std::string> customer_of_session;
  std::vector<std::pair<std::string, int64_t>> events;
  for (const std::string& line : read_lines(s)) {
    const auto j = nlohmann::json::parse(line);
    const std::string customer = j["customer_id"].get<std::string>();
    const int64_t ts = *parse_timestamp(j["event_timestamp"].get<std::string>());
    if (j["event_type"] == "CANCEL_SUBSCRIPTION") {
      EXPECT_TRUE(cancel_at.emplace(customer, ts).second) << customer << " cancelled twice";
    }
    const std::string session = j["session_id"].get<std::string>();
    const auto [it, inserted] = customer_of_session.emplace(session, customer);
    EXPECT_EQ(it->second, customer) << "session " << session << " spans customers";
    events.emplace_back(customer, ts);
  }
  EXPECT_EQ(cancel_at.size(), s.churned_customers);
  EXPECT_GT(s.churned_customers, s.customers / 10);
  EXPECT_LT(s.churned_customers, s.customers * 6 / 10);
  // Churners' activity per day: the 30 days after the cancel against the 60 before.
  uint64_t after = 0, before = 0;
  for (const auto& [customer, ts] : events) {
    const auto it = cancel_at.find(customer);
    if (it == cancel_at.end()) continue;
    if (ts > it->second && ts <= it->second + 30 * kMicrosPerDay) ++after;
    if (ts < it->second && ts >= it->second - 60 * kMicrosPerDay) ++before;
  }
  EXPECT_LT(static_cast<double>(after) / 30, 0.1 * static_cast<double>(before) / 60);
  EXPECT_EQ(s.events_by_type[static_cast<size_t>(EventType::kCancelSubscription)], s.churned_customers);
  EXPECT_EQ(s.sessions, customer_of_session.size());
}

TEST(Generator, CleanRunHasNoDirt) {
  TempDir dir;
  GenerateOptions o = small_options(dir.path());
  o.dirt = DirtRates::none();
  const GenerateSummary s = generate(o);
  EXPECT_EQ(s.unique_events, s.lines);
  for (const std::string& line : read_lines(s)) {
    const auto j = nlohmann::json::parse(line);
    EXPECT_TRUE(j["customer_id"].is_string());
    EXPECT_TRUE(is_canonical_type(j["event_type"].get<std::string>())) << line;
    EXPECT_EQ(j["country"].get<std::string>().size(), 2u) << line;
  }
}

TEST(Generator, EdgeSizesWork) {
  TempDir a, b, c;
  GenerateOptions o;
  o.out_dir = a.path();
  o.num_events = 1;
  o.num_customers = 1;
  GenerateSummary s = generate(o);
  EXPECT_EQ(s.lines, 1u);
  EXPECT_EQ(read_lines(s).size(), 1u);

  // As many customers as events; a single day cut into 24 files.
  o.out_dir = b.path();
  o.num_events = 5'000;
  o.num_customers = 5'000;
  o.start_date = o.end_date = days_from_civil(2025, 3, 1);
  o.num_files = 24;
  s = generate(o);
  EXPECT_EQ(s.lines, 5'000u);
  EXPECT_EQ(s.files.size(), 24u);
  EXPECT_EQ(date_of_timestamp(s.first_event_micros), o.start_date);
  EXPECT_EQ(date_of_timestamp(s.last_event_micros), o.start_date);

  // More lines than fit one chunk: a day is split into parts.
  o.out_dir = c.path();
  o.num_events = 300'000;
  o.num_customers = 1'000;
  o.num_files = 2;
  s = generate(o);
  EXPECT_EQ(s.lines, 300'000u);
  EXPECT_EQ(read_lines(s).size(), 300'000u);
}

template <typename F>
Error expect_error(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "expected a bullion::Error";
  return Error::internal("no error");
}

TEST(Generator, BadOptionsNameTheFlag) {
  TempDir dir;
  GenerateOptions o = small_options(dir.path());
  o.num_customers = 30'000;
  Error e = expect_error([&] { generate(o); });
  EXPECT_EQ(e.category(), ErrorCategory::kInvalidInput);
  EXPECT_NE(e.message().find("--customers"), std::string::npos) << e.message();

  o = small_options(dir.path());
  o.end_date = o.start_date - 1;
  e = expect_error([&] { generate(o); });
  EXPECT_NE(e.message().find("--end"), std::string::npos) << e.message();

  o = small_options(dir.path());
  o.dirt.late = 1.5;
  e = expect_error([&] { generate(o); });
  EXPECT_NE(e.message().find("--late-rate"), std::string::npos) << e.message();

  o = small_options(dir.path());
  o.num_files = 0;
  e = expect_error([&] { generate(o); });
  EXPECT_NE(e.message().find("--files"), std::string::npos) << e.message();

  o = small_options(dir.path());
  o.num_events = 200'000'000;
  o.num_customers = 150'000'000;
  e = expect_error([&] { generate(o); });
  EXPECT_NE(e.message().find("--customers"), std::string::npos) << e.message();

  o = small_options(dir.path());
  o.num_events = 10'000'000'000;
  o.start_date = o.end_date;
  e = expect_error([&] { generate(o); });
  EXPECT_NE(e.message().find("--events"), std::string::npos) << e.message();
  EXPECT_NE(e.hint().find("--start"), std::string::npos) << e.hint();

  o = small_options(dir.path());
  o.compression = Compression::kZstd;
  o.compression_level = 30;
  e = expect_error([&] { generate(o); });
  EXPECT_NE(e.message().find("--compression-level"), std::string::npos) << e.message();
  // Nothing was written by the refused runs.
  EXPECT_TRUE(FileSystem::local().list(dir.path()).empty());
}

TEST(Generator, RefusesToMixWithAnEarlierRunUnlessOverwriting) {
  TempDir dir;
  GenerateOptions o = small_options(dir.path());
  o.num_files = 4;
  generate(o);
  FileSystem::local().write_atomic(dir.file("notes.txt"), "keep me");
  o.num_files = 2;
  const Error e = expect_error([&] { generate(o); });
  EXPECT_EQ(e.category(), ErrorCategory::kConflict);
  EXPECT_NE(e.hint().find("--overwrite"), std::string::npos) << e.hint();
  o.overwrite = true;
  generate(o);
  std::vector<std::string> names;
  for (const FileInfo& f : FileSystem::local().list(dir.path())) names.push_back(f.name);
  EXPECT_EQ(names, (std::vector<std::string>{"events-00000.json", "events-00001.json", "notes.txt"}));
}

TEST(Generator, UnwritableOutputIsAnIOErrorNamingThePath) {
  GenerateOptions o = small_options("/dev/null/events");
  const Error e = expect_error([&] { generate(o); });
  EXPECT_EQ(e.category(), ErrorCategory::kIO);
  EXPECT_NE(e.message().find("/dev/null"), std::string::npos) << e.message();
  EXPECT_NE(e.message().find("--out"), std::string::npos) << e.message();
}

TEST(ParseCount, AcceptsSuffixesAndRejectsJunk) {
  EXPECT_EQ(parse_count("5000"), 5000u);
  EXPECT_EQ(parse_count("10M"), 10'000'000u);
  EXPECT_EQ(parse_count("10m"), 10'000'000u);
  EXPECT_EQ(parse_count("200k"), 200'000u);
  EXPECT_EQ(parse_count("200K"), 200'000u);
  EXPECT_EQ(parse_count("1.5M"), 1'500'000u);
  EXPECT_EQ(parse_count("2B"), 2'000'000'000u);
  EXPECT_EQ(parse_count("1G"), 1'000'000'000u);
  EXPECT_EQ(parse_count("10_000_000"), 10'000'000u);
  EXPECT_EQ(parse_count("0"), 0u);
  for (const char* bad :
       {"", "M", "10X", "1.2345k", "-5", "5 k", "1e6", "1.", ".5M", "10MM", "2000000T", "99999999999999999999"})
    EXPECT_EQ(parse_count(bad), std::nullopt) << bad;
}

}  // namespace
}  // namespace bullion
