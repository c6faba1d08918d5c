// expr_bench — evaluation throughput of the pipeline spec's expressions.
//
//   expr_bench [--rows N] [--threads T] [--batch B] [--repeat R] [--dump DIR] [--only NAME]
//
// Generates N deterministic Bronze-like and Gold-like rows in memory (split
// into batches of B rows), evaluates each of the seed's Silver and Gold
// expressions over all of them with T threads (one Evaluator per thread,
// batches handed out as morsels), and prints one JSON document with the best
// of R passes per expression (wall time, and CPU time of all threads). --dump writes the same rows as CSV (silver.csv,
// gold.csv) so that bench/expr_vs_duckdb.py can load them into DuckDB.
// Not a test: run by hand (README.md, "Expressions").
#include <time.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "bullion/core/thread_pool.h"
#include "bullion/core/time.h"
#include "bullion/expr/binder.h"
#include "bullion/expr/evaluator.h"

using namespace bullion;
using namespace bullion::expr;

namespace {

struct Options {
  size_t rows = 4'000'000;
  size_t threads = 1;
  size_t batch = 16384;
  int repeat = 5;
  std::string dump;
  std::string only;
};

// xorshift64*: deterministic, identical on every machine.
struct Rng {
  uint64_t s = 0x9E3779B97F4A7C15ull;
  uint64_t next() {
    s ^= s >> 12;
    s ^= s << 25;
    s ^= s >> 27;
    return s * 2685821657736338717ull;
  }
  size_t below(size_t n) { return static_cast<size_t>(next() % n); }
};

const char* kEventTypes[] = {"login",  " page_view ", "Purchase",    "cancel_subscription", "add_to_cart ",
                             "LOGOUT", "search",      "  view_item", "Straße_event",        "checkout"};
const char* kCountries[] = {"de", "fr", "us", "gb", "jp", "br", "in", "es", "it", "nl"};
constexpr int64_t kAsOfDays = 20782;  // 2026-11-25

struct Data {
  SchemaPtr silver_schema, gold_schema;
  std::vector<Batch> silver, gold;
};

std::string iso_timestamp(int64_t micros, int variant) {
  const int32_t days = date_of_timestamp(micros);
  const int64_t secs = (micros - static_cast<int64_t>(days) * kMicrosPerDay) / kMicrosPerSecond;
  const CivilDate c = civil_from_days(days);
  char buf[64];
  const char* zones[] = {"Z", "", "+02:00", ".250Z"};
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u%c%02lld:%02lld:%02lld%s", c.year, c.month, c.day,
                variant == 1 ? ' ' : 'T', static_cast<long long>(secs / 3600), static_cast<long long>(secs / 60 % 60),
                static_cast<long long>(secs % 60), zones[variant % 4]);
  return buf;
}

Data generate(const Options& o) {
  Data d;
  d.silver_schema = std::make_shared<Schema>(
      std::vector<Field>{Field("event_type", DataType::string()), Field("event_timestamp", DataType::string()),
                         Field("country", DataType::string()), Field("event_ts", DataType::timestamp())});
  d.gold_schema = std::make_shared<Schema>(
      std::vector<Field>{Field("total_events", DataType::int64()), Field("events_last_30d", DataType::int64()),
                         Field("events_last_90d", DataType::int64()), Field("last_event_ts", DataType::timestamp()),
                         Field("first_event_ts", DataType::timestamp())});
  Rng rng;
  const int64_t as_of_micros = kAsOfDays * kMicrosPerDay;
  for (size_t start = 0; start < o.rows; start += o.batch) {
    const size_t n = std::min(o.batch, o.rows - start);
    std::vector<ColumnPtr> s;
    for (const Field& f : d.silver_schema->fields()) s.push_back(Column::make(f.type));
    std::vector<ColumnPtr> g;
    for (const Field& f : d.gold_schema->fields()) g.push_back(Column::make(f.type));
    for (size_t i = 0; i < n; ++i) {
      const int64_t ts = as_of_micros - static_cast<int64_t>(rng.below(180 * 86400)) * kMicrosPerSecond;
      if (rng.below(50) == 0)
        s[0]->append_null();
      else
        s[0]->append_string(kEventTypes[rng.below(10)]);
      if (rng.below(100) == 0)
        s[1]->append_string("not a timestamp");
      else
        s[1]->append_string(iso_timestamp(ts, static_cast<int>(rng.below(4))));
      if (rng.below(20) == 0)
        s[2]->append_null();
      else
        s[2]->append_string(kCountries[rng.below(10)]);
      s[3]->append<int64_t>(ts);
      const int64_t total = 1 + static_cast<int64_t>(rng.below(500));
      const int64_t d90 = static_cast<int64_t>(rng.below(static_cast<size_t>(total) + 1));
      g[0]->append<int64_t>(total);
      g[1]->append<int64_t>(static_cast<int64_t>(rng.below(static_cast<size_t>(d90) + 1)));
      g[2]->append<int64_t>(d90);
      const int64_t last = as_of_micros - static_cast<int64_t>(rng.below(120 * 86400)) * kMicrosPerSecond;
      g[3]->append<int64_t>(last);
      g[4]->append<int64_t>(last - static_cast<int64_t>(rng.below(700 * 86400)) * kMicrosPerSecond);
    }
    d.silver.emplace_back(d.silver_schema, s, n);
    d.gold.emplace_back(d.gold_schema, g, n);
  }
  return d;
}

void write_csv(const std::vector<Batch>& batches, const std::string& path) {
  std::ofstream out(path);
  const Schema& schema = *batches.at(0).schema();
  for (size_t c = 0; c < schema.size(); ++c) out << (c ? "," : "") << schema.field(c).name;
  out << "\n";
  for (const Batch& b : batches) {
    for (size_t r = 0; r < b.num_rows(); ++r) {
      for (size_t c = 0; c < b.num_columns(); ++c) {
        if (c) out << ',';
        const Column& col = *b.column(c);
        if (col.is_null(r)) {
          out << "\\N";
        } else if (col.type().id() == TypeId::kString) {
          out << '"' << col.strings()[r] << '"';
        } else if (col.type().id() == TypeId::kTimestamp) {
          std::string t = format_timestamp(col.data<int64_t>()[r]);
          t.pop_back();  // DuckDB TIMESTAMP: UTC wall clock without the Z
          out << t;
        } else {
          out << col.data<int64_t>()[r];
        }
      }
      out << '\n';
    }
  }
}

struct Case {
  const char* name;
  const char* text;
  bool gold;
};

const Case kCases[] = {
    {"silver_event_type", "upper(trim(event_type))", false},
    {"silver_event_ts", "to_timestamp(event_timestamp)", false},
    {"silver_country_code", "coalesce(upper(country), 'UNKNOWN')", false},
    {"gold_window_30d", "datediff(as_of, event_ts) <= 30", false},
    {"gold_days_since_last_event", "datediff(as_of, last_event_ts)", true},
    {"gold_avg_events_per_day", "total_events / (datediff(as_of, first_event_ts) + 1)", true},
    {"gold_recency_tier",
     "CASE WHEN datediff(as_of, last_event_ts) <= 7 THEN 3 WHEN datediff(as_of, last_event_ts) <= 30 THEN 2 ELSE 1 "
     "END",
     true},
    {"gold_engagement_score", "(events_last_30d * 0.6 + events_last_90d * 0.4) / (datediff(as_of, first_event_ts) + 1)",
     true},
};

// CPU time of the process (all threads): robust to other processes on a
// busy machine, unlike wall time.
double process_cpu_seconds() {
  timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << "expr_bench: " << a << " needs a value\n";
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--rows")
      o.rows = std::stoull(value());
    else if (a == "--threads")
      o.threads = std::stoull(value());
    else if (a == "--batch")
      o.batch = std::stoull(value());
    else if (a == "--repeat")
      o.repeat = std::stoi(value());
    else if (a == "--dump")
      o.dump = value();
    else if (a == "--only")
      o.only = value();
    else {
      std::cerr << "usage: expr_bench [--rows N] [--threads T] [--batch B] [--repeat R] [--dump DIR] [--only NAME]\n";
      return 2;
    }
  }
  const Data data = generate(o);
  if (!o.dump.empty()) {
    std::filesystem::create_directories(o.dump);
    write_csv(data.silver, o.dump + "/silver.csv");
    write_csv(data.gold, o.dump + "/gold.csv");
  }
  ThreadPool pool(o.threads);
  BindOptions options;
  options.parameters.push_back({"as_of", Value::date(static_cast<int32_t>(kAsOfDays))});
  std::cout << "{\"rows\": " << o.rows << ", \"threads\": " << o.threads << ", \"batch\": " << o.batch
            << ", \"results\": [";
  bool first_case = true;
  for (const Case& c : kCases) {
    if (!o.only.empty() && o.only != c.name) continue;
    const std::vector<Batch>& batches = c.gold ? data.gold : data.silver;
    const ExprPtr e = compile(c.text, c.gold ? *data.gold_schema : *data.silver_schema, options);
    std::vector<Evaluator> evaluators;
    for (size_t t = 0; t < o.threads; ++t) evaluators.emplace_back(e);
    std::vector<size_t> non_null(o.threads, 0);
    double best = 1e300, best_cpu = 1e300;
    for (int r = 0; r < o.repeat + 1; ++r) {  // the first pass warms buffers up
      const double cpu_start = process_cpu_seconds();
      const auto start = std::chrono::steady_clock::now();
      pool.parallel_for(batches.size(), [&](size_t task, size_t worker) {
        ColumnPtr out = evaluators[worker].evaluate(batches[task]);
        non_null[worker] += out->size() - out->null_count();
      });
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      const double cpu = process_cpu_seconds() - cpu_start;
      if (r > 0) {
        best = std::min(best, seconds);
        best_cpu = std::min(best_cpu, cpu);
      }
    }
    size_t checked = 0;
    for (size_t v : non_null) checked += v;
    std::cout << (first_case ? "" : ",") << "\n  {\"name\": \"" << c.name << "\", \"seconds\": " << best
              << ", \"rows_per_second\": " << static_cast<double>(o.rows) / best << ", \"cpu_seconds\": " << best_cpu
              << ", \"non_null_results\": " << checked / static_cast<size_t>(o.repeat + 1) << "}";
    first_case = false;
  }
  std::cout << "\n]}\n";
  return 0;
}
