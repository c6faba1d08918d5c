// `bullion generate`: the synthetic churn-event feed (bullion/generate/generator.h),
// and the summary report it shares with `bullion demo`.
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "bullion/core/progress.h"
#include "bullion/core/time.h"
#include "bullion/generate/generator.h"
#include "cli/cli.h"

namespace bullion::cli {

namespace {

std::string with_commas(uint64_t v) {
  std::string digits = std::to_string(v);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string percent_of(uint64_t part, uint64_t whole) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f%%", whole == 0 ? 0.0 : 100.0 * static_cast<double>(part) / whole);
  return buf;
}

std::string human_bytes(uint64_t bytes) {
  char buf[32];
  if (bytes >= (uint64_t{1} << 30))
    std::snprintf(buf, sizeof buf, "%.2f GiB", static_cast<double>(bytes) / (1 << 30));
  else if (bytes >= (uint64_t{1} << 20))
    std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(bytes) / (1 << 20));
  else if (bytes >= 1024)
    std::snprintf(buf, sizeof buf, "%.1f KiB", static_cast<double>(bytes) / 1024);
  else
    std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(bytes));
  return buf;
}

std::string rate_per_second(uint64_t count, double seconds) {
  char buf[32];
  const double rate = seconds > 0 ? static_cast<double>(count) / seconds : 0;
  if (rate >= 1e6)
    std::snprintf(buf, sizeof buf, "%.2fM", rate / 1e6);
  else
    std::snprintf(buf, sizeof buf, "%.0fk", rate / 1e3);
  return buf;
}

struct DirtRow {
  const char* label;
  const char* key;
  uint64_t count;
  const char* note;
};

std::vector<DirtRow> dirt_rows(const DirtCounts& d) {
  return {
      {"null customer_id", "null_customer", d.null_customer, ""},
      {"null event_type", "null_event_type", d.null_event_type, ""},
      {"null country", "null_country", d.null_country, ""},
      {"duplicate lines", "duplicate", d.duplicate, "same event_id, identical line"},
      {"messy event_type", "messy_event_type", d.messy_event_type, "mixed case, padded"},
      {"  of which tab-padded", "tab_padded_event_type", d.tab_padded_event_type, "upper(trim()) keeps the tab"},
      {"messy country", "messy_country", d.messy_country, "lower-case code or local name"},
      {"  of which non-ASCII", "non_ascii_country", d.non_ascii_country, ""},
      {"malformed lines", "malformed", d.malformed, "not valid JSON"},
      {"late lines", "late", d.late, "written 1-7 days after their time"},
  };
}

}  // namespace

GenerateSummary run_generator(const GenerateOptions& options, const GlobalOptions& global) {
  if (global.quiet) return generate(options);
  Progress progress("generate", options.num_events, "events");
  GenerateOptions with_progress = options;
  with_progress.progress = &progress;
  GenerateSummary summary = generate(with_progress);
  progress.finish();
  return summary;
}

void print_generate_summary(const GenerateOptions& options, const GenerateSummary& s, bool json) {
  const int32_t first_day = date_of_timestamp(s.first_event_micros);
  const int32_t last_day = date_of_timestamp(s.last_event_micros);
  if (json) {
    nlohmann::ordered_json j;
    j["out"] = options.out_dir;
    j["lines"] = s.lines;
    j["unique_events"] = s.unique_events;
    j["customers"] = s.customers;
    j["active_customers"] = s.active_customers;
    j["churned_customers"] = s.churned_customers;
    j["sessions"] = s.sessions;
    j["seed"] = options.seed;
    j["start"] = format_date(options.start_date);
    j["end"] = format_date(options.end_date);
    j["first_event_timestamp"] = format_timestamp(s.first_event_micros);
    j["last_event_timestamp"] = format_timestamp(s.last_event_micros);
    j["compression"] = compression_name(options.compression);
    j["bytes"] = s.bytes;
    j["uncompressed_bytes"] = s.uncompressed_bytes;
    j["seconds"] = s.seconds;
    auto& types = j["events_by_type"] = nlohmann::ordered_json::object();
    for (size_t t = 0; t < kNumEventTypes; ++t)
      types[std::string(event_type_name(static_cast<EventType>(t)))] = s.events_by_type[t];
    auto& dirt = j["dirt"] = nlohmann::ordered_json::object();
    for (const DirtRow& row : dirt_rows(s.dirt)) dirt[row.key] = row.count;
    auto& files = j["files"] = nlohmann::ordered_json::array();
    for (const GeneratedFile& f : s.files) files.push_back({{"path", f.path}, {"lines", f.lines}, {"bytes", f.bytes}});
    std::printf("%s\n", j.dump(2).c_str());
    return;
  }
  std::printf("generated %s events in %zu file%s (%s, %s) in %.2f s — %s events/s\n", with_commas(s.lines).c_str(),
              s.files.size(), s.files.size() == 1 ? "" : "s", human_bytes(s.bytes).c_str(),
              options.compression == Compression::kNone
                  ? "NDJSON"
                  : ("NDJSON, " + std::string(compression_name(options.compression))).c_str(),
              s.seconds, rate_per_second(s.lines, s.seconds).c_str());
  std::printf("  directory      %s\n", options.out_dir.c_str());
  std::printf("  seed           %llu\n", static_cast<unsigned long long>(options.seed));
  std::printf("  event time     %s .. %s (%d days)\n", format_timestamp(s.first_event_micros).c_str(),
              format_timestamp(s.last_event_micros).c_str(), last_day - first_day + 1);
  std::printf("  customers      %s (%s with events, %s churned)\n", with_commas(s.customers).c_str(),
              with_commas(s.active_customers).c_str(), with_commas(s.churned_customers).c_str());
  std::printf("  sessions       %s\n", with_commas(s.sessions).c_str());
  std::printf("  unique events  %s (lines minus duplicate deliveries)\n", with_commas(s.unique_events).c_str());
  std::printf("  events by type (true type, before dirt):\n");
  for (size_t t = 0; t < kNumEventTypes; ++t)
    std::printf("    %-20s %12s  %7s\n", std::string(event_type_name(static_cast<EventType>(t))).c_str(),
                with_commas(s.events_by_type[t]).c_str(), percent_of(s.events_by_type[t], s.unique_events).c_str());
  std::printf("  dirt (share of lines):\n");
  for (const DirtRow& row : dirt_rows(s.dirt))
    std::printf("    %-22s %10s  %7s%s%s\n", row.label, with_commas(row.count).c_str(),
                percent_of(row.count, s.lines).c_str(), *row.note ? "  " : "", row.note);
  if (s.files.size() <= 12) {
    std::printf("  files:\n");
    for (const GeneratedFile& f : s.files)
      std::printf("    %-40s %12s lines  %10s\n", f.path.c_str(), with_commas(f.lines).c_str(),
                  human_bytes(f.bytes).c_str());
  }
}

CLI::Validator count_validator(uint64_t min) {
  return CLI::Validator(
      [min](const std::string& value) -> std::string {
        const auto parsed = parse_count(value);
        if (!parsed) return "'" + value + "' is not a count such as 10M, 200k or 5000";
        if (*parsed < min) return "'" + value + "' must be at least " + std::to_string(min);
        return "";
      },
      "COUNT");
}

namespace {

CLI::Validator date_validator() {
  return CLI::Validator(
      [](const std::string& value) -> std::string {
        return parse_date(value) ? "" : "'" + value + "' is not a date in the form 2025-01-31";
      },
      "DATE");
}

CLI::Validator compression_validator() {
  return CLI::Validator(
      [](const std::string& value) -> std::string {
        return parse_compression(value) ? "" : "'" + value + "' is not one of none, gzip, zstd";
      },
      "none|gzip|zstd");
}

struct GenerateFlags {
  std::string out = "data/raw/events";
  std::string events = "1M";
  std::string customers;  // empty: events / 50
  uint64_t seed = 42;
  std::string start = "2025-01-01";
  std::string end = "2025-06-30";
  uint32_t files = 1;
  std::string compression = "none";
  int level = CompressedWriter::kDefaultLevel;
  bool overwrite = false;
  bool clean = false;
  bool json = false;
  DirtRates dirt;
};

}  // namespace

CLI::App* add_generate_command(CLI::App& app, const GlobalOptions& global) {
  auto flags = std::make_shared<GenerateFlags>();
  CLI::App* cmd = app.add_subcommand("generate", "Generate synthetic churn events as NDJSON (deterministic per seed)");
  cmd->add_option("--out", flags->out, "Output directory (created if missing)")->capture_default_str();
  cmd->add_option("--events", flags->events, "Lines to write: 5000, 200k, 10M")
      ->check(count_validator(1))
      ->capture_default_str();
  cmd->add_option("--customers", flags->customers, "Customer base (default: events / 50)")->check(count_validator(1));
  cmd->add_option("--seed", flags->seed, "Random seed: same seed and options, same bytes")->capture_default_str();
  cmd->add_option("--start", flags->start, "First day of event time (UTC)")
      ->check(date_validator())
      ->capture_default_str();
  cmd->add_option("--end", flags->end, "Last day of event time (UTC, inclusive)")
      ->check(date_validator())
      ->capture_default_str();
  cmd->add_option("--files", flags->files, "Number of files: consecutive delivery batches in time")
      ->check(CLI::Range(1, 10000))
      ->capture_default_str();
  cmd->add_option("--compression", flags->compression, "none, gzip (.json.gz) or zstd (.json.zst)")
      ->check(compression_validator())
      ->capture_default_str();
  cmd->add_option("--compression-level", flags->level, "gzip 1-9, zstd 1-19")->capture_default_str();
  cmd->add_flag("--overwrite", flags->overwrite, "Replace generated files already in --out");
  cmd->add_flag("--json", flags->json, "Print the summary as JSON");
  cmd->add_flag("--clean", flags->clean, "No dirt at all (every rate 0)");
  auto rate = [&](const char* name, double& field, const char* what) {
    cmd->add_option(name, field, what)->check(CLI::Range(0.0, 1.0))->capture_default_str()->group("Dirt (per event)");
  };
  rate("--null-customer-rate", flags->dirt.null_customer, "customer_id is null");
  rate("--null-event-type-rate", flags->dirt.null_event_type, "event_type is null");
  rate("--null-country-rate", flags->dirt.null_country, "country is null");
  rate("--duplicate-rate", flags->dirt.duplicate, "an identical extra line (same event_id), often in a later file");
  rate("--messy-event-type-rate", flags->dirt.messy_event_type, "event_type in mixed case, padded with spaces/tabs");
  rate("--messy-country-rate", flags->dirt.messy_country, "country as a lower-case code or local (non-ASCII) name");
  rate("--malformed-rate", flags->dirt.malformed, "the line is not valid JSON (truncated, bad quoting)");
  rate("--late-rate", flags->dirt.late, "written 1-7 days after its timestamp's batch");

  cmd->callback([flags, &global, cmd] {
    GenerateOptions options;
    options.out_dir = flags->out;
    options.num_events = *parse_count(flags->events);
    options.num_customers = flags->customers.empty() ? 0 : *parse_count(flags->customers);
    options.seed = flags->seed;
    options.start_date = parse_date(flags->start).value();
    options.end_date = parse_date(flags->end).value();
    if (options.end_date < options.start_date)
      throw CLI::ValidationError("--end", "'" + flags->end + "' is before --start '" + flags->start + "'");
    options.num_files = flags->files;
    options.compression = *parse_compression(flags->compression);
    options.compression_level = flags->level;
    if (options.compression != Compression::kNone && (flags->level < min_compression_level(options.compression) ||
                                                      flags->level > max_compression_level(options.compression)))
      throw CLI::ValidationError("--compression-level",
                                 std::to_string(flags->level) + " is out of range for " + flags->compression +
                                     " (use " + std::to_string(min_compression_level(options.compression)) + " to " +
                                     std::to_string(max_compression_level(options.compression)) + ")");
    if (flags->clean) {
      for (const CLI::Option* opt : cmd->get_options())
        if (opt->get_group() == "Dirt (per event)" && opt->count() > 0)
          throw CLI::ValidationError("--clean", "cannot be combined with " + opt->get_name());
      options.dirt = DirtRates::none();
    } else {
      options.dirt = flags->dirt;
    }
    options.overwrite = flags->overwrite;
    const GenerateSummary summary = run_generator(options, global);
    if (!global.quiet || flags->json) print_generate_summary(options, summary, flags->json);
  });
  return cmd;
}

}  // namespace bullion::cli
