// Training runs end to end: generated events → the example pipeline → train,
// track, register → reproduce by time travel.
#include "bullion/ml/train_run.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "bullion/core/fs.h"
#include "bullion/core/time.h"
#include "bullion/delta/log.h"
#include "bullion/generate/generator.h"
#include "bullion/pipeline/runner.h"
#include "bullion/tracking/training_run.h"
#include "support/temp_dir.h"

namespace bullion::ml {
namespace {

namespace keys = tracking::training_run;
using Json = nlohmann::json;

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string param(const tracking::Run& run, const std::string& key) {
  for (const auto& p : run.data.params)
    if (p.key == key) return p.value;
  ADD_FAILURE() << "no param " << key;
  return "";
}

std::optional<std::string> tag(const tracking::Run& run, const std::string& key) {
  for (const auto& t : run.data.tags)
    if (t.key == key) return t.value;
  return std::nullopt;
}

// A lakehouse with 40k generated events and the example spec, pipeline run
// for weekly feature dates.
class TrainRunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    GenerateOptions g;
    g.out_dir = lake_.file("raw");
    g.num_events = 40'000;
    g.seed = 7;
    generate(g);
    start_ = g.start_date;
    end_ = g.end_date;
    write_spec("");
  }

  // The example spec reading raw/, with `edit` applied as "old=>new".
  void write_spec(const std::string& edit) {
    std::string text = read_file(std::string(BULLION_SOURCE_DIR) + "/examples/churn/pipeline.yaml");
    replace(text, "path: data/raw/events/", "path: raw/");
    if (!edit.empty()) {
      const size_t arrow = edit.find("=>");
      replace(text, edit.substr(0, arrow), edit.substr(arrow + 2));
    }
    FileSystem::local().write_atomic(spec_path(), text);
  }
  static void replace(std::string& text, const std::string& from, const std::string& to) {
    const size_t at = text.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    text.replace(at, from.size(), to);
  }
  std::string spec_path() const { return lake_.file("pipeline.yaml"); }

  void run_pipeline(const std::vector<int32_t>& dates) {
    pipeline::RunOptions o;
    o.as_of_dates = dates;
    pipeline::run_pipeline(pipeline::load_spec(spec_path()), lake_.path(), o, exec_);
  }
  std::vector<int32_t> weekly(int32_t first, int32_t last) const {
    std::vector<int32_t> out;
    for (int32_t d = first; d <= last; d += 7) out.push_back(d);
    return out;
  }
  TrainRun train(TrainRunOptions o = {}) {
    o.nthread = 2;
    return train_run(pipeline::load_spec(spec_path()), lake_.path(), store(), o, exec_);
  }
  tracking::TrackingStore& store() {
    if (!store_) store_ = std::make_unique<tracking::TrackingStore>(lake_.path());
    return *store_;
  }
  int64_t latest(const std::string& table) const {
    return delta::DeltaTable::open(lake_.path() + "/" + table).latest_version();
  }

  testing::TempDir lake_;
  exec::ExecContext exec_;
  std::unique_ptr<tracking::TrackingStore> store_;
  int32_t start_ = 0, end_ = 0;
};

TEST_F(TrainRunTest, LogsInputsLineageMetricsAndTheModelAndRegistersIt) {
  run_pipeline(weekly(start_ + 31, end_ - 31 - 28));
  const TrainRun run = train();
  const TrainingResult& r = run.training;
  const tracking::Run logged = store().get_run(run.run_id);

  EXPECT_EQ(logged.info.status, tracking::RunStatus::kFinished);
  EXPECT_EQ(store().get_experiment(logged.info.experiment_id).name, "/churn-prediction/feature-pipeline");
  // Inputs: the versions read, and the lineage behind them.
  EXPECT_EQ(run.features.version, latest("churn/gold/features"));
  EXPECT_EQ(param(logged, keys::kFeatureVersion), std::to_string(latest("churn/gold/features")));
  EXPECT_EQ(param(logged, keys::kLabelsVersion), std::to_string(latest("churn/gold/labels")));
  EXPECT_EQ(param(logged, "delta_version.churn.silver.customers"), std::to_string(latest("churn/silver/customers")));
  EXPECT_EQ(param(logged, "delta_version.churn.bronze.events"), std::to_string(latest("churn/bronze/events")));
  ASSERT_EQ(run.upstream.size(), 2u);
  EXPECT_EQ(run.upstream[0].name, "churn.silver.customers");
  EXPECT_EQ(run.upstream[1].name, "churn.bronze.events");
  EXPECT_EQ(Json::parse(param(logged, keys::kFeatureColumns)).size(), 10u);
  EXPECT_EQ(param(logged, keys::kTrainingRows), std::to_string(r.training_rows()));
  EXPECT_EQ(param(logged, "n_estimators"), "200");
  EXPECT_EQ(param(logged, "nthread"), "2");
  EXPECT_EQ(param(logged, keys::kSpecHash), pipeline::load_spec(spec_path()).hash);
  EXPECT_EQ(logged.dataset_inputs.size(), 2u);
  EXPECT_GT(r.training_rows(), 1000u);
  EXPECT_GT(r.test_rows(), 200u);

  // Metrics exactly as computed.
  for (const auto& [k, v] : r.metrics.named()) {
    bool found = false;
    for (const auto& m : logged.data.metrics)
      if (m.key == k) {
        EXPECT_EQ(m.value, v) << k;
        found = true;
      }
    EXPECT_TRUE(found) << k;
  }
  EXPECT_GT(r.metrics.roc_auc, 0.7);  // the generator plants a learnable signal

  // The model directory: model.json is the trained booster's bytes, MLmodel has the signature.
  EXPECT_EQ(read_file(run.model_dir + "/model.json"), r.model.to_json());
  const std::string mlmodel = read_file(run.model_dir + "/MLmodel");
  EXPECT_NE(mlmodel.find(R"({"type": "long", "name": "total_events", "required": true})"), std::string::npos)
      << mlmodel;
  EXPECT_NE(mlmodel.find(R"({"type": "integer", "name": "recency_tier", "required": true})"), std::string::npos);
  EXPECT_NE(mlmodel.find(R"({"type": "double", "name": "engagement_score", "required": true})"), std::string::npos);

  // Artifacts: spec, plots, test predictions (one line per test row).
  EXPECT_EQ(store().read_artifact(run.run_id, keys::kSpecArtifact), pipeline::load_spec(spec_path()).text);
  EXPECT_EQ(store().list_artifacts(run.run_id, keys::kPlotsDir).size(), 3u);
  const std::string predictions = store().read_artifact(run.run_id, keys::kTestPredictionsArtifact);
  EXPECT_EQ(static_cast<size_t>(std::count(predictions.begin(), predictions.end(), '\n')), r.test_rows() + 1);

  // Registered last, linked to the run.
  ASSERT_TRUE(run.registered.has_value());
  EXPECT_EQ(run.registered->name, "churn-prediction-gbm");
  EXPECT_EQ(run.registered->version, 1);
  EXPECT_EQ(run.registered->run_id, run.run_id);
}

TEST_F(TrainRunTest, ReproducesExactlyAfterNewDataMovedEveryTable) {
  run_pipeline(weekly(start_ + 31, start_ + 31 + 49));
  const TrainRun first = train();

  // More feature dates arrive: Gold and labels move past the logged versions.
  run_pipeline(weekly(start_ + 31 + 56, end_ - 31 - 7));
  const TrainRun second = train();
  EXPECT_GT(second.features.version, first.features.version);
  EXPECT_GT(second.labels.version, first.labels.version);
  EXPECT_GT(second.training.training_rows(), first.training.training_rows());
  EXPECT_EQ(second.registered->version, 2);

  const Reproduction again = reproduce_run(lake_.path(), store(), first.run_id, exec_);
  EXPECT_EQ(again.features.version, first.features.version);
  EXPECT_EQ(again.labels.version, first.labels.version);
  EXPECT_TRUE(again.comparison.identical()) << again.comparison.describe();
  EXPECT_EQ(again.comparison.num_predictions, first.training.test_rows());
  EXPECT_EQ(again.training.model.to_json(), first.training.model.to_json());
  EXPECT_TRUE(again.upstream_notes.empty());
}

TEST_F(TrainRunTest, ASplitByTimeTestsOnTheLatestDatesAndReproduces) {
  write_spec("split: {test_size: 0.2, seed: 42, by: customer_id}=>split: {by: time, test_dates: 2}");
  const std::vector<int32_t> dates = weekly(start_ + 31, start_ + 31 + 49);
  run_pipeline(dates);
  const TrainRun run = train();
  const tracking::Run logged = store().get_run(run.run_id);
  EXPECT_EQ(param(logged, keys::kSplitBy), "time");
  EXPECT_EQ(param(logged, keys::kTestDates), "2");
  const TrainingResult& r = run.training;
  for (uint32_t row : r.split.test_rows) EXPECT_GE(r.data.feature_dates[row], dates[dates.size() - 2]);
  for (uint32_t row : r.split.train_rows) EXPECT_LT(r.data.feature_dates[row], dates[dates.size() - 2]);
  EXPECT_TRUE(reproduce_run(lake_.path(), store(), run.run_id, exec_).comparison.identical());
}

TEST_F(TrainRunTest, AVacuumedVersionIsReportedWithTheMissingFile) {
  const std::vector<int32_t> dates = weekly(start_ + 31, start_ + 31 + 35);
  run_pipeline(dates);
  const TrainRun run = train();
  // Gold is recomputed for the same dates (replaceWhere removes the old files),
  // then another engine's VACUUM deletes the removed files.
  run_pipeline(dates);
  const delta::DeltaTable gold = delta::DeltaTable::open(lake_.path() + "/churn/gold/features");
  const delta::Snapshot old = gold.at_version(run.features.version);
  size_t deleted = 0;
  const delta::Snapshot now = gold.latest();
  for (const delta::AddFile& f : old.files()) {
    bool live = false;
    for (const delta::AddFile& g : now.files()) live = live || g.path == f.path;
    if (!live) deleted += std::filesystem::remove(old.data_file_path(f.path)) ? 1 : 0;
  }
  ASSERT_GT(deleted, 0u);
  try {
    reproduce_run(lake_.path(), store(), run.run_id, exec_);
    FAIL() << "reproduce read a vacuumed version";
  } catch (const Error& e) {
    EXPECT_EQ(e.category(), ErrorCategory::kNotFound);
    EXPECT_NE(e.message().find("churn.gold.features version " + std::to_string(run.features.version) + " was vacuumed"),
              std::string::npos)
        << e.message();
    EXPECT_NE(e.message().find(std::to_string(deleted) + " of "), std::string::npos) << e.message();
  }
}

// Each failure: a clear error, the run FAILED with the reason, nothing registered.
void expect_failed_run(tracking::TrackingStore& store, const std::string& expected) {
  tracking::RunSearch search;
  search.experiment_ids = {store.find_experiment_by_name("/churn-prediction/feature-pipeline")->experiment_id};
  const auto runs = store.search_runs(search).items;
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].info.status, tracking::RunStatus::kFailed);
  const auto reason = tag(runs[0], "bullion.failure");
  ASSERT_TRUE(reason.has_value());
  EXPECT_NE(reason->find(expected), std::string::npos) << *reason;
  EXPECT_FALSE(store.registered_model_exists("churn-prediction-gbm"));
}

TEST_F(TrainRunTest, AMissingFeatureColumnFailsTheRunWithASuggestion) {
  run_pipeline(weekly(start_ + 31, start_ + 31 + 28));
  write_spec("customer_tenure_days, avg_events_per_day=>customer_tenure_day, avg_events_per_day");
  try {
    train();
    FAIL() << "trained without a feature column";
  } catch (const Error& e) {
    EXPECT_EQ(e.category(), ErrorCategory::kInvalidInput);
    EXPECT_NE(e.message().find("feature column 'customer_tenure_day' is not in churn.gold.features"), std::string::npos)
        << e.message();
    EXPECT_EQ(e.hint(), "did you mean 'customer_tenure_days'?");
  }
  expect_failed_run(store(), "customer_tenure_day");
}

TEST_F(TrainRunTest, AnEmptyTrainingSetFailsTheRun) {
  // Feature dates whose 30-day horizon is past the data: every label is censored.
  run_pipeline({end_ - 10, end_ - 3});
  EXPECT_THROW(train(), Error);
  expect_failed_run(store(), "the training set is empty");
}

TEST_F(TrainRunTest, ASingleClassLabelFailsTheRun) {
  write_spec("positive_when: event_type = 'CANCEL_SUBSCRIPTION'=>positive_when: event_type = 'NO_SUCH_EVENT'");
  run_pipeline(weekly(start_ + 31, start_ + 31 + 28));
  EXPECT_THROW(train(), Error);
  expect_failed_run(store(), "class");
}

TEST_F(TrainRunTest, AnUnknownVersionIsRefusedBeforeAnyRunStarts) {
  run_pipeline({start_ + 31});
  TrainRunOptions o;
  o.features_version = 99;
  try {
    train(o);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.category(), ErrorCategory::kNotFound);
    EXPECT_NE(e.message().find("churn.gold.features has no version 99"), std::string::npos) << e.message();
  }
  EXPECT_FALSE(store().find_experiment_by_name("/churn-prediction/feature-pipeline").has_value());
}

}  // namespace
}  // namespace bullion::ml
