// Several processes log to one store at once: every row lands exactly once,
// and no "database is locked" error escapes.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <set>
#include <thread>

#include "bullion/tracking/store.h"
#include "support/temp_dir.h"

namespace bullion::tracking {
namespace {

using bullion::testing::TempDir;

constexpr int kProcesses = 6;
constexpr int kMetricsPerProcess = 150;

// Child body: its own store handle, its own run, many small transactions, plus
// contended writes on shared entities (one experiment, one registered model).
int child_main(const std::string& lakehouse, int index, const std::string& run_id) {
  try {
    TrackingStore store(lakehouse);
    const Experiment e = store.get_or_create_experiment("/shared");
    const tracking::Run own =
        store.create_run(e.experiment_id, {"proc", "proc-" + std::to_string(index), std::nullopt, {}});
    for (int i = 0; i < kMetricsPerProcess; ++i) {
      store.log_metric(own.info.run_id, {"loss", 1.0 / (i + 1), 1000 + i, i});
      store.log_metric(run_id, {"p" + std::to_string(index), static_cast<double>(i), 1000 + i, i});
      if (i % 10 == 0) store.log_param(run_id, "p" + std::to_string(index) + "_" + std::to_string(i), "v");
      if (i % 50 == 0) {
        CreateModelVersionOptions o;
        o.source = "runs:/" + run_id + "/model";
        store.create_model_version("shared-model", o);
      }
    }
    store.end_run(own.info.run_id);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "child %d: %s\n", index, e.what());
    return 1;
  }
}

TEST(Concurrency, ManyProcessesLogToOneStore) {
  TempDir dir;
  std::string run_id;
  {
    TrackingStore store(dir.path());
    run_id = store.create_run("0").info.run_id;
    store.create_registered_model("shared-model");
  }
  std::vector<pid_t> children;
  for (int i = 0; i < kProcesses; ++i) {
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) ::_exit(child_main(dir.path(), i, run_id));
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0) << "a child failed (see stderr)";
  }

  TrackingStore store(dir.path());
  // One experiment despite the get-or-create race.
  ExperimentSearch es;
  es.filter = "name = '/shared'";
  const auto exps = store.search_experiments(es).items;
  ASSERT_EQ(exps.size(), 1u);
  RunSearch rs;
  rs.experiment_ids = {exps[0].experiment_id};
  const auto runs = store.search_runs(rs).items;
  ASSERT_EQ(runs.size(), static_cast<size_t>(kProcesses));
  for (const tracking::Run& r : runs) {
    EXPECT_EQ(r.info.status, RunStatus::kFinished);
    EXPECT_EQ(store.get_metric_history(r.info.run_id, "loss").items.size(), static_cast<size_t>(kMetricsPerProcess));
  }
  const tracking::Run shared = store.get_run(run_id);
  EXPECT_EQ(shared.data.metrics.size(), static_cast<size_t>(kProcesses));
  EXPECT_EQ(shared.data.params.size(), static_cast<size_t>(kProcesses * kMetricsPerProcess / 10));
  for (int i = 0; i < kProcesses; ++i) {
    const auto history = store.get_metric_history(run_id, "p" + std::to_string(i)).items;
    ASSERT_EQ(history.size(), static_cast<size_t>(kMetricsPerProcess));
    for (int j = 0; j < kMetricsPerProcess; ++j) EXPECT_EQ(history[j].value, j);
  }
  // Versions 1..N, each exactly once.
  const auto versions = store.search_model_versions("name = 'shared-model'").items;
  ASSERT_EQ(versions.size(), static_cast<size_t>(kProcesses * kMetricsPerProcess / 50));
  std::set<int64_t> numbers;
  for (const auto& v : versions) numbers.insert(v.version);
  EXPECT_EQ(numbers.size(), versions.size());
  EXPECT_EQ(*numbers.begin(), 1);
  EXPECT_EQ(*numbers.rbegin(), static_cast<int64_t>(versions.size()));
}

TEST(Concurrency, ThreadsShareOneStore) {
  TempDir dir;
  TrackingStore store(dir.path());
  const std::string run_id = store.create_run("0").info.run_id;
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 100; ++i) store.log_metric(run_id, {"t" + std::to_string(t), double(i), i, i});
      for (int i = 0; i < 20; ++i) store.get_run(run_id);
    });
  for (auto& th : threads) th.join();
  for (int t = 0; t < 8; ++t) EXPECT_EQ(store.get_metric_history(run_id, "t" + std::to_string(t)).items.size(), 100u);
}

}  // namespace
}  // namespace bullion::tracking
