// Run search over a large tracking store (not a test: run by hand).
//
//   build/bench/tracking_search_bench [--runs 100000] [--dir DIR] [--repeat 30]
//
// Builds (or reuses, with --dir) a lakehouse whose experiment holds N runs,
// each with 3 params, 4 metrics (latest values) and 2 tags, then times
// search_runs for typical filters and sorts and prints p50/p99 per query.
// Target (issue 10): under 100 ms for every query at 100k runs.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "bullion/tracking/store.h"

using namespace bullion::tracking;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  int64_t runs = 100000;
  int repeat = 30;
  std::string dir;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--runs"))
      runs = std::atoll(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--repeat"))
      repeat = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--dir"))
      dir = argv[i + 1];
  }
  const bool temporary = dir.empty();
  if (temporary)
    dir = (std::filesystem::temp_directory_path() / ("bullion-search-bench-" + std::to_string(runs))).string();
  TrackingStore store(dir);
  const Experiment e = store.get_or_create_experiment("/bench/search");
  RunSearch count;
  count.experiment_ids = {e.experiment_id};
  count.max_results = 1;
  count.view = ViewType::kAll;
  const bool populated = !store.search_runs(count).items.empty();
  if (!populated) {
    std::printf("populating %lld runs in %s ...\n", static_cast<long long>(runs), dir.c_str());
    std::mt19937_64 rng(42);
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    const auto t0 = Clock::now();
    for (int64_t i = 0; i < runs; ++i) {
      CreateRunOptions o;
      o.run_name = "run-" + std::to_string(i);
      o.user_id = i % 3 ? "alice" : "bob";
      o.start_time = 1'700'000'000'000 + i * 1000;
      o.tags = {{"team", i % 4 ? "churn" : "growth"}, {"pipeline", "p" + std::to_string(i % 10)}};
      const Run run = store.create_run(e.experiment_id, o);
      const int64_t ts = o.start_time.value() + 500;
      store.log_batch(run.info.run_id,
                      {{"roc_auc", 0.5 + 0.5 * unit(rng), ts, 0},
                       {"f1_score", unit(rng), ts, 0},
                       {"log_loss", unit(rng), ts, 0},
                       {"accuracy", unit(rng), ts, 0}},
                      {{"max_depth", std::to_string(3 + i % 6)},
                       {"learning_rate", i % 2 ? "0.05" : "0.1"},
                       {"n_estimators", std::to_string(100 * (1 + i % 3))}},
                      {});
      if (i % 5 != 0) store.update_run(run.info.run_id, RunStatus::kFinished, ts + 1000);
    }
    std::printf("populated in %.1f s\n", std::chrono::duration<double>(Clock::now() - t0).count());
  }

  struct Query {
    const char* label;
    std::string filter;
    std::vector<std::string> order_by;
    int64_t max_results;
  };
  const std::vector<Query> queries = {
      {"newest 100 (no filter)", "", {}, 100},
      {"newest 1000 (no filter)", "", {}, 1000},
      {"metrics.roc_auc > 0.95", "metrics.roc_auc > 0.95", {}, 1000},
      {"roc_auc > 0.8 and max_depth = '5', top 100 by roc_auc",
       "metrics.roc_auc > 0.8 and params.max_depth = '5'",
       {"metrics.roc_auc DESC"},
       100},
      {"top 10 by roc_auc (all runs)", "", {"metrics.roc_auc DESC"}, 10},
      {"brief's example (4 clauses)",
       "metrics.roc_auc > 0.8 and params.max_depth = '5' and tags.team = 'growth' and attributes.status = 'FINISHED'",
       {},
       1000},
      {"run_name LIKE 'run-9999%'", "attributes.run_name LIKE 'run-9999%'", {}, 1000},
      {"params.max_depth = '4', page 3 of 100", "params.max_depth = '4'", {}, 100},
  };
  const std::string header = "query (" + std::to_string(runs) + " runs)";
  std::printf("\n%-58s %9s %9s %7s\n", header.c_str(), "p50 ms", "p99 ms", "rows");
  bool all_fast = true;
  for (const Query& q : queries) {
    RunSearch s;
    s.experiment_ids = {e.experiment_id};
    s.filter = q.filter;
    s.order_by = q.order_by;
    s.max_results = q.max_results;
    if (std::string(q.label).find("page 3") != std::string::npos) {
      s.page_token = store.search_runs(s).next_page_token;
      s.page_token = store.search_runs(s).next_page_token;
    }
    std::vector<double> ms;
    size_t rows = 0;
    for (int r = 0; r < repeat; ++r) {
      const auto t0 = Clock::now();
      rows = store.search_runs(s).items.size();
      ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    }
    std::sort(ms.begin(), ms.end());
    const double p50 = ms[ms.size() / 2];
    const double p99 = ms[std::min(ms.size() - 1, static_cast<size_t>(ms.size() * 0.99))];
    all_fast = all_fast && p99 < 100.0;
    std::printf("%-58s %9.2f %9.2f %7zu\n", q.label, p50, p99, rows);
  }
  std::printf("\n%s\n", all_fast ? "every query under 100 ms (p99)" : "SOME QUERY TOOK 100 ms OR MORE (p99)");
  if (temporary) std::printf("(store kept in %s for reruns; delete it when done)\n", dir.c_str());
  return 0;
}
