// TrackingStore: experiments, runs, params, metrics, tags, artifacts, logged
// models and run search, with exact values.
#include "bullion/tracking/store.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "support/temp_dir.h"

namespace bullion::tracking {
namespace {

using bullion::testing::TempDir;

class StoreTest : public ::testing::Test {
 protected:
  TempDir dir_;
  TrackingStore store_{dir_.path()};

  tracking::Run new_run(const std::string& experiment = "0", const std::string& name = "") {
    CreateRunOptions options;
    options.run_name = name;
    options.user_id = "alice";
    return store_.create_run(experiment, options);
  }
};

template <typename F>
ErrorCategory category_of(F&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.category();
  }
  ADD_FAILURE() << "expected an Error";
  return ErrorCategory::kInternal;
}

TEST_F(StoreTest, LayoutAndDefaultExperiment) {
  EXPECT_TRUE(std::filesystem::exists(dir_.file("_tracking/tracking.db")));
  EXPECT_TRUE(std::filesystem::is_directory(dir_.file("_tracking/artifacts")));
  const Experiment e = store_.get_experiment("0");
  EXPECT_EQ(e.name, "Default");
  EXPECT_EQ(e.artifact_location, "mlflow-artifacts:/0");
  EXPECT_EQ(e.lifecycle_stage, LifecycleStage::kActive);
  // Reopening keeps everything and does not duplicate the Default experiment.
  TrackingStore again(dir_.path());
  EXPECT_EQ(again.search_experiments({}).items.size(), 1u);
}

TEST_F(StoreTest, ExperimentsCreateGetRenameDeleteRestore) {
  const std::string id = store_.create_experiment("/churn/gbm", "", {{"team", "ml"}});
  EXPECT_EQ(id, "1");
  const Experiment e = store_.get_experiment(id);
  EXPECT_EQ(e.name, "/churn/gbm");
  EXPECT_EQ(e.artifact_location, "mlflow-artifacts:/1");
  ASSERT_EQ(e.tags.size(), 1u);
  EXPECT_EQ(e.tags[0], (Tag{"team", "ml"}));
  EXPECT_EQ(store_.find_experiment_by_name("/churn/gbm")->experiment_id, "1");
  EXPECT_FALSE(store_.find_experiment_by_name("nope").has_value());
  EXPECT_EQ(category_of([&] { store_.create_experiment("/churn/gbm"); }), ErrorCategory::kConflict);
  EXPECT_EQ(category_of([&] { store_.get_experiment("42"); }), ErrorCategory::kNotFound);
  EXPECT_EQ(category_of([&] { store_.get_experiment("abc"); }), ErrorCategory::kNotFound);
  EXPECT_EQ(category_of([&] { store_.create_experiment(""); }), ErrorCategory::kInvalidInput);

  store_.rename_experiment(id, "/churn/renamed");
  EXPECT_EQ(store_.get_experiment(id).name, "/churn/renamed");
  store_.delete_experiment(id);
  EXPECT_EQ(store_.get_experiment(id).lifecycle_stage, LifecycleStage::kDeleted);
  EXPECT_EQ(category_of([&] { store_.create_run(id); }), ErrorCategory::kInvalidInput);
  ExperimentSearch search;
  EXPECT_EQ(store_.search_experiments(search).items.size(), 1u);
  search.view = ViewType::kAll;
  EXPECT_EQ(store_.search_experiments(search).items.size(), 2u);
  store_.restore_experiment(id);
  EXPECT_EQ(store_.get_experiment(id).lifecycle_stage, LifecycleStage::kActive);
  EXPECT_EQ(category_of([&] { store_.delete_experiment("0"); }), ErrorCategory::kInvalidInput);

  store_.set_experiment_tag(id, "k", "v");
  EXPECT_EQ(store_.get_experiment(id).tags.size(), 2u);
  store_.delete_experiment_tag(id, "k");
  EXPECT_EQ(category_of([&] { store_.delete_experiment_tag(id, "k"); }), ErrorCategory::kNotFound);
  EXPECT_EQ(store_.get_or_create_experiment("/churn/renamed").experiment_id, id);
  EXPECT_EQ(store_.get_or_create_experiment("/fresh").experiment_id, "2");
}

TEST_F(StoreTest, SearchExperimentsFilterOrderAndPages) {
  store_.create_experiment("alpha", "", {{"kind", "a"}});
  store_.create_experiment("beta", "", {{"kind", "b"}});
  store_.create_experiment("alphabet");
  ExperimentSearch s;
  s.filter = "name LIKE 'alpha%'";
  s.order_by = {"name DESC"};
  auto page = store_.search_experiments(s);
  ASSERT_EQ(page.items.size(), 2u);
  EXPECT_EQ(page.items[0].name, "alphabet");
  EXPECT_EQ(page.items[1].name, "alpha");
  s.filter = "tags.kind = 'b'";
  s.order_by = {};
  page = store_.search_experiments(s);
  ASSERT_EQ(page.items.size(), 1u);
  EXPECT_EQ(page.items[0].name, "beta");
  s.filter = "";
  s.order_by = {"name ASC"};
  s.max_results = 2;
  page = store_.search_experiments(s);
  ASSERT_EQ(page.items.size(), 2u);
  EXPECT_EQ(page.items[0].name, "Default");
  EXPECT_EQ(page.items[1].name, "alpha");
  ASSERT_FALSE(page.next_page_token.empty());
  s.page_token = page.next_page_token;
  page = store_.search_experiments(s);
  ASSERT_EQ(page.items.size(), 2u);
  EXPECT_EQ(page.items[0].name, "alphabet");
  EXPECT_EQ(page.items[1].name, "beta");
  EXPECT_TRUE(page.next_page_token.empty());
}

TEST_F(StoreTest, RunLifecycle) {
  CreateRunOptions options;
  options.user_id = "alice";
  options.start_time = 1000;
  options.tags = {{"mlflow.runName", "from-tag"}, {"source", "unit"}};
  const tracking::Run run = store_.create_run("0", options);
  EXPECT_EQ(run.info.run_id.size(), 32u);
  EXPECT_EQ(run.info.run_id[12], '4');  // uuid4
  EXPECT_EQ(run.info.run_name, "from-tag");
  EXPECT_EQ(run.info.user_id, "alice");
  EXPECT_EQ(run.info.status, RunStatus::kRunning);
  EXPECT_EQ(run.info.start_time, 1000);
  EXPECT_FALSE(run.info.end_time.has_value());
  EXPECT_EQ(run.info.artifact_uri, "mlflow-artifacts:/0/" + run.info.run_id + "/artifacts");
  ASSERT_EQ(run.data.tags.size(), 2u);
  EXPECT_EQ(run.data.tags[0], (Tag{"mlflow.runName", "from-tag"}));
  EXPECT_EQ(run.data.tags[1], (Tag{"source", "unit"}));

  const RunInfo ended = store_.update_run(run.info.run_id, RunStatus::kFinished, 5000, "renamed");
  EXPECT_EQ(ended.status, RunStatus::kFinished);
  EXPECT_EQ(ended.end_time, 5000);
  EXPECT_EQ(ended.run_name, "renamed");
  EXPECT_EQ(store_.get_run(run.info.run_id).data.tags[0].value, "renamed");

  store_.delete_run(run.info.run_id);
  EXPECT_EQ(store_.get_run(run.info.run_id).info.lifecycle_stage, LifecycleStage::kDeleted);
  EXPECT_EQ(category_of([&] { store_.log_param(run.info.run_id, "a", "1"); }), ErrorCategory::kInvalidInput);
  store_.restore_run(run.info.run_id);
  store_.log_param(run.info.run_id, "a", "1");
  EXPECT_EQ(category_of([&] { store_.get_run("0123456789abcdef0123456789abcdef"); }), ErrorCategory::kNotFound);
  try {
    store_.get_run("missing-run");
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("missing-run"), std::string::npos);
  }
  // A generated name when none is given.
  EXPECT_FALSE(new_run().info.run_name.empty());
}

TEST_F(StoreTest, ParamsAreImmutable) {
  const std::string id = new_run().info.run_id;
  store_.log_param(id, "max_depth", "5");
  store_.log_param(id, "max_depth", "5");  // same value: no-op
  try {
    store_.log_param(id, "max_depth", "6");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.category(), ErrorCategory::kInvalidInput);
    EXPECT_NE(std::string(e.what()).find("'5'"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("'6'"), std::string::npos);
  }
  const tracking::Run run = store_.get_run(id);
  ASSERT_EQ(run.data.params.size(), 1u);
  EXPECT_EQ(run.data.params[0], (Param{"max_depth", "5"}));
  EXPECT_EQ(category_of([&] { store_.log_param(id, "", "x"); }), ErrorCategory::kInvalidInput);
  EXPECT_EQ(category_of([&] { store_.log_param(id, "../x", "x"); }), ErrorCategory::kInvalidInput);
  EXPECT_EQ(category_of([&] { store_.log_param(id, "a$b", "x"); }), ErrorCategory::kInvalidInput);
  EXPECT_EQ(category_of([&] { store_.log_param(id, std::string(251, 'k'), "x"); }), ErrorCategory::kInvalidInput);
  EXPECT_EQ(category_of([&] { store_.log_param(id, "long", std::string(6001, 'v')); }), ErrorCategory::kInvalidInput);
  store_.log_param(id, "ok/key-1.2 :x", std::string(6000, 'v'));
}

TEST_F(StoreTest, MetricHistoryAndLatestValue) {
  const std::string id = new_run().info.run_id;
  store_.log_metric(id, {"loss", 0.9, 100, 0});
  store_.log_metric(id, {"loss", 0.5, 200, 1});
  store_.log_metric(id, {"loss", 0.7, 150, 2});  // highest step wins although older
  store_.log_metric(id, {"loss", 0.7, 150, 2});  // identical: stored once
  store_.log_metric(id, {"auc", 0.8, 100, 0});
  store_.log_metric(id, {"auc", 0.85, 100, 0});  // tie on (step, timestamp): max value
  store_.log_metric(id, {"auc", 0.82, 100, 0});
  store_.log_metric(id, {"nan", std::nan(""), 1, 0});
  store_.log_metric(id, {"inf", INFINITY, 1, 0});
  const tracking::Run run = store_.get_run(id);
  ASSERT_EQ(run.data.metrics.size(), 4u);
  EXPECT_EQ(run.data.metrics[0].key, "auc");
  EXPECT_DOUBLE_EQ(run.data.metrics[0].value, 0.85);
  EXPECT_EQ(run.data.metrics[1].key, "inf");
  EXPECT_TRUE(std::isinf(run.data.metrics[1].value));
  EXPECT_EQ(run.data.metrics[2].key, "loss");
  EXPECT_DOUBLE_EQ(run.data.metrics[2].value, 0.7);
  EXPECT_EQ(run.data.metrics[2].step, 2);
  EXPECT_EQ(run.data.metrics[2].timestamp, 150);
  EXPECT_TRUE(std::isnan(run.data.metrics[3].value));

  const auto history = store_.get_metric_history(id, "loss").items;
  ASSERT_EQ(history.size(), 3u);  // ordered by timestamp
  EXPECT_DOUBLE_EQ(history[0].value, 0.9);
  EXPECT_DOUBLE_EQ(history[1].value, 0.7);
  EXPECT_DOUBLE_EQ(history[2].value, 0.5);
  const auto page1 = store_.get_metric_history(id, "loss", 2);
  ASSERT_EQ(page1.items.size(), 2u);
  ASSERT_FALSE(page1.next_page_token.empty());
  const auto page2 = store_.get_metric_history(id, "loss", 2, page1.next_page_token);
  ASSERT_EQ(page2.items.size(), 1u);
  EXPECT_DOUBLE_EQ(page2.items[0].value, 0.5);
  EXPECT_TRUE(page2.next_page_token.empty());
  EXPECT_TRUE(store_.get_metric_history(id, "missing").items.empty());
  EXPECT_EQ(category_of([&] { store_.get_metric_history(id, "loss", 2, "garbage!"); }), ErrorCategory::kInvalidInput);
}

TEST_F(StoreTest, TagsOverwriteAndDelete) {
  const std::string id = new_run().info.run_id;
  store_.set_tag(id, "k", "1");
  store_.set_tag(id, "k", "2");
  store_.set_tag(id, "mlflow.runName", "via-tag");
  tracking::Run run = store_.get_run(id);
  EXPECT_EQ(run.info.run_name, "via-tag");
  EXPECT_EQ(run.data.tags[0], (Tag{"k", "2"}));
  store_.delete_tag(id, "k");
  EXPECT_EQ(category_of([&] { store_.delete_tag(id, "k"); }), ErrorCategory::kNotFound);
  EXPECT_EQ(store_.get_run(id).data.tags.size(), 1u);
}

TEST_F(StoreTest, LogBatchIsAllOrNothingAndLimited) {
  const std::string id = new_run().info.run_id;
  store_.log_param(id, "p", "1");
  // The second param conflicts: nothing of the batch lands.
  EXPECT_EQ(category_of([&] {
              store_.log_batch(id, {{"m", 1.0, 1, 0}}, {{"q", "1"}, {"p", "2"}}, {{"t", "x"}});
            }),
            ErrorCategory::kInvalidInput);
  tracking::Run run = store_.get_run(id);
  EXPECT_TRUE(run.data.metrics.empty());
  EXPECT_EQ(run.data.params.size(), 1u);
  store_.log_batch(id, {{"m", 1.0, 1, 0}, {"m", 2.0, 2, 1}}, {{"q", "1"}}, {{"t", "x"}});
  run = store_.get_run(id);
  EXPECT_EQ(run.data.metrics.size(), 1u);
  EXPECT_DOUBLE_EQ(run.data.metrics[0].value, 2.0);
  EXPECT_EQ(run.data.params.size(), 2u);
  std::vector<Metric> many(1001, Metric{"m", 1.0, 1, 0});
  EXPECT_EQ(category_of([&] { store_.log_batch(id, many, {}, {}); }), ErrorCategory::kInvalidInput);
  std::vector<Param> params(101);
  for (size_t i = 0; i < params.size(); ++i) params[i] = {"p" + std::to_string(i), "v"};
  EXPECT_EQ(category_of([&] { store_.log_batch(id, {}, params, {}); }), ErrorCategory::kInvalidInput);
}

TEST_F(StoreTest, ArtifactsAreWrittenUnderTheRunAndPathsValidated) {
  const tracking::Run run = new_run();
  const std::string id = run.info.run_id;
  const std::string src = dir_.file("report.txt");
  std::ofstream(src) << "hello";
  store_.log_artifact(id, src);
  store_.log_artifact(id, src, "sub/dir");
  store_.log_artifact_bytes(id, "plots/roc.svg", "<svg/>");
  const std::string root = dir_.path() + "/_tracking/artifacts/0/" + id + "/artifacts";
  EXPECT_TRUE(std::filesystem::exists(root + "/report.txt"));
  EXPECT_TRUE(std::filesystem::exists(root + "/sub/dir/report.txt"));
  EXPECT_EQ(store_.read_artifact(id, "plots/roc.svg"), "<svg/>");
  const auto top = store_.list_artifacts(id);
  ASSERT_EQ(top.size(), 3u);
  EXPECT_EQ(top[0].path, "plots");
  EXPECT_TRUE(top[0].is_dir);
  EXPECT_EQ(top[1].path, "report.txt");
  EXPECT_EQ(top[1].file_size, 5);
  EXPECT_EQ(top[2].path, "sub");
  const auto sub = store_.list_artifacts(id, "sub/dir");
  ASSERT_EQ(sub.size(), 1u);
  EXPECT_EQ(sub[0].path, "sub/dir/report.txt");
  for (const char* bad : {"../escape", "a/../../b", "/etc/passwd", "a\\b", "C:/x"})
    EXPECT_EQ(category_of([&] { store_.log_artifact_bytes(id, bad, "x"); }), ErrorCategory::kInvalidInput) << bad;
  EXPECT_EQ(category_of([&] { store_.read_artifact(id, "nope.txt"); }), ErrorCategory::kNotFound);
  EXPECT_EQ(store_.local_path_for_uri("mlflow-artifacts:/0/x"), dir_.path() + "/_tracking/artifacts/0/x");
  EXPECT_EQ(store_.local_path_for_uri("mlflow-artifacts://host:5000/0/x"), dir_.path() + "/_tracking/artifacts/0/x");
  EXPECT_EQ(store_.local_path_for_uri("file:///tmp/a"), "/tmp/a");
  EXPECT_EQ(category_of([&] { store_.local_path_for_uri("s3://bucket/x"); }), ErrorCategory::kUnsupported);
  EXPECT_EQ(category_of([&] { store_.local_path_for_uri("mlflow-artifacts:/../x"); }), ErrorCategory::kInvalidInput);
}

TEST_F(StoreTest, InputsAndOutputs) {
  const std::string id = new_run().info.run_id;
  DatasetInput input;
  input.dataset = {"features", "abc123", "delta", "churn.gold.features@v3", "{}", ""};
  input.tags = {{"mlflow.data.context", "training"}};
  store_.log_inputs(id, {input, input});
  const LoggedModel model = store_.create_logged_model("0", "model", "xgboost", id);
  store_.log_outputs(id, {{model.model_id, 3}});
  EXPECT_EQ(category_of([&] { store_.log_outputs(id, {{"m-missing", 0}}); }), ErrorCategory::kNotFound);
  const tracking::Run run = store_.get_run(id);
  ASSERT_EQ(run.dataset_inputs.size(), 1u);
  EXPECT_EQ(run.dataset_inputs[0].dataset.source, "churn.gold.features@v3");
  EXPECT_EQ(run.dataset_inputs[0].tags[0], (Tag{"mlflow.data.context", "training"}));
  ASSERT_EQ(run.model_outputs.size(), 1u);
  EXPECT_EQ(run.model_outputs[0].model_id, model.model_id);
  EXPECT_EQ(run.model_outputs[0].step, 3);
  RunSearch s;
  s.experiment_ids = {"0"};
  s.filter = "datasets.context = 'training'";
  EXPECT_EQ(store_.search_runs(s).items.size(), 1u);
}

TEST_F(StoreTest, LoggedModels) {
  const std::string run_id = new_run().info.run_id;
  const LoggedModel m = store_.create_logged_model("0", "gbm", "xgboost", run_id, {{"max_depth", "5"}}, {{"t", "1"}});
  EXPECT_EQ(m.model_id.size(), 34u);
  EXPECT_EQ(m.model_id.substr(0, 2), "m-");
  EXPECT_EQ(m.artifact_location, "mlflow-artifacts:/0/models/" + m.model_id + "/artifacts");
  EXPECT_EQ(m.status, LoggedModelStatus::kPending);
  EXPECT_EQ(m.source_run_id, run_id);
  EXPECT_EQ(m.params[0], (Param{"max_depth", "5"}));
  store_.set_logged_model_tags(m.model_id, {{"u", "2"}});
  store_.delete_logged_model_tag(m.model_id, "t");
  store_.log_logged_model_params(m.model_id, {{"eta", "0.05"}});
  EXPECT_EQ(category_of([&] {
              store_.log_logged_model_params(m.model_id, {{"eta", "0.1"}});
            }),
            ErrorCategory::kInvalidInput);
  store_.log_metric(run_id, {"roc_auc", 0.91, 10, 0, m.model_id});
  const LoggedModel ready = store_.finalize_logged_model(m.model_id, LoggedModelStatus::kReady);
  EXPECT_EQ(ready.status, LoggedModelStatus::kReady);
  ASSERT_EQ(ready.tags.size(), 1u);
  EXPECT_EQ(ready.tags[0], (Tag{"u", "2"}));
  ASSERT_EQ(ready.params.size(), 2u);
  ASSERT_EQ(ready.metrics.size(), 1u);
  EXPECT_DOUBLE_EQ(ready.metrics[0].value, 0.91);
  EXPECT_EQ(ready.metrics[0].run_id, run_id);

  store_.create_logged_model("0", "other", "", "");
  LoggedModelSearch s;
  s.experiment_ids = {"0"};
  s.filter = "source_run_id = '" + run_id + "' AND name = 'gbm'";
  auto page = store_.search_logged_models(s);
  ASSERT_EQ(page.items.size(), 1u);
  EXPECT_EQ(page.items[0].model_id, m.model_id);
  s.filter = "metrics.roc_auc > 0.9";
  EXPECT_EQ(store_.search_logged_models(s).items.size(), 1u);
  s.filter = "status = 'READY'";
  EXPECT_EQ(store_.search_logged_models(s).items.size(), 1u);
  s.filter = "";
  s.order_by = {{"name", true}};
  page = store_.search_logged_models(s);
  ASSERT_EQ(page.items.size(), 2u);
  EXPECT_EQ(page.items[0].name, "gbm");
  store_.delete_logged_model(m.model_id);
  EXPECT_EQ(category_of([&] { store_.get_logged_model(m.model_id); }), ErrorCategory::kNotFound);
  EXPECT_EQ(store_.get_logged_model(m.model_id, true).lifecycle_stage, LifecycleStage::kDeleted);
}

// ---------------------------------------------------------------------------
// search_runs

class SearchRunsTest : public StoreTest {
 protected:
  static constexpr double kAuc[] = {0.70, 0.75, 0.80, 0.85, 0.90};
  void SetUp() override {
    exp_ = store_.create_experiment("search");
    // run i: start_time 1000+i, roc_auc 0.70 + 0.05 i, max_depth i+3, tag team a/b, status.
    for (int i = 0; i < 5; ++i) {
      CreateRunOptions o;
      o.start_time = 1000 + i;
      o.run_name = "run-" + std::to_string(i);
      o.user_id = i % 2 ? "bob" : "alice";
      const tracking::Run r = store_.create_run(exp_, o);
      ids_.push_back(r.info.run_id);
      store_.log_metric(r.info.run_id, {"roc_auc", kAuc[i], 1, 0});
      store_.log_param(r.info.run_id, "max_depth", std::to_string(i + 3));
      store_.set_tag(r.info.run_id, "team", i < 3 ? "Alpha" : "beta");
      if (i != 2) store_.end_run(r.info.run_id, i == 4 ? RunStatus::kFailed : RunStatus::kFinished);
    }
  }

  std::vector<std::string> names(const std::string& filter, std::vector<std::string> order = {}, int64_t max = 1000) {
    RunSearch s;
    s.experiment_ids = {exp_};
    s.filter = filter;
    s.order_by = std::move(order);
    s.max_results = max;
    std::vector<std::string> out;
    for (const tracking::Run& r : store_.search_runs(s).items) out.push_back(r.info.run_name);
    return out;
  }

  std::string exp_;
  std::vector<std::string> ids_;
};

using V = std::vector<std::string>;

TEST_F(SearchRunsTest, DefaultOrderIsStartTimeDescending) {
  EXPECT_EQ(names(""), (V{"run-4", "run-3", "run-2", "run-1", "run-0"}));
}

TEST_F(SearchRunsTest, FiltersOnMetricsParamsTagsAttributes) {
  EXPECT_EQ(names("metrics.roc_auc > 0.8"), (V{"run-4", "run-3"}));
  EXPECT_EQ(names("metrics.roc_auc >= 0.8"), (V{"run-4", "run-3", "run-2"}));
  EXPECT_EQ(names("params.max_depth = '5'"), (V{"run-2"}));
  EXPECT_EQ(names("tags.team = 'beta'"), (V{"run-4", "run-3"}));
  EXPECT_EQ(names("tags.team LIKE 'A%'"), (V{"run-2", "run-1", "run-0"}));
  EXPECT_EQ(names("tags.team LIKE 'a%'"), (V{}));  // LIKE is case-sensitive
  EXPECT_EQ(names("tags.team ILIKE 'a%'"), (V{"run-2", "run-1", "run-0"}));
  EXPECT_EQ(names("attributes.status = 'FINISHED'"), (V{"run-3", "run-1", "run-0"}));
  EXPECT_EQ(names("status != 'FINISHED'"), (V{"run-4", "run-2"}));
  EXPECT_EQ(names("run_name = 'run-1'"), (V{"run-1"}));
  EXPECT_EQ(names("attributes.run_name LIKE 'run-%' and attributes.user_id = 'bob'"), (V{"run-3", "run-1"}));
  EXPECT_EQ(names("metrics.roc_auc > 0.8 and params.max_depth = '6' and tags.team = 'beta' and "
                  "attributes.status = 'FINISHED'"),
            (V{"run-3"}));
  EXPECT_EQ(names("attributes.start_time >= 1003"), (V{"run-4", "run-3"}));
  EXPECT_EQ(names("attributes.run_id IN ('" + ids_[0] + "', '" + ids_[4] + "')"), (V{"run-4", "run-0"}));
  EXPECT_EQ(names("tags.missing IS NULL and params.max_depth IS NOT NULL").size(), 5u);
  EXPECT_EQ(names("metrics.missing > 0"), (V{}));
}

TEST_F(SearchRunsTest, OrderByMetricParamAttributeWithMissingLast) {
  EXPECT_EQ(names("", {"metrics.roc_auc DESC"}), (V{"run-4", "run-3", "run-2", "run-1", "run-0"}));
  EXPECT_EQ(names("", {"metrics.roc_auc ASC"}), (V{"run-0", "run-1", "run-2", "run-3", "run-4"}));
  EXPECT_EQ(names("", {"attributes.start_time"}), (V{"run-0", "run-1", "run-2", "run-3", "run-4"}));
  EXPECT_EQ(names("", {"tags.team DESC", "attributes.start_time ASC"}),
            (V{"run-3", "run-4", "run-0", "run-1", "run-2"}));
  const tracking::Run extra = store_.create_run(exp_, {"carol", "no-metric", int64_t{2000}, {}});
  EXPECT_EQ(names("", {"metrics.roc_auc DESC"}).back(), "no-metric");
  EXPECT_EQ(names("", {"metrics.roc_auc ASC"}).back(), "no-metric");
  EXPECT_EQ(names("", {"params.max_depth ASC"}).back(), "no-metric");
}

TEST_F(SearchRunsTest, MetricOrderPagesAcrossRunsWithAndWithoutTheMetric) {
  // Two more runs: one without roc_auc, one whose roc_auc is NaN; both sort
  // last in either direction, after the runs that have a value.
  store_.create_run(exp_, {"carol", "no-metric", int64_t{2000}, {}});
  const tracking::Run nan_run = store_.create_run(exp_, {"carol", "nan-metric", int64_t{1500}, {}});
  store_.log_metric(nan_run.info.run_id, {"roc_auc", std::nan(""), 1, 0});
  const V desc = {"run-4", "run-3", "run-2", "run-1", "run-0", "no-metric", "nan-metric"};
  const V asc = {"run-0", "run-1", "run-2", "run-3", "run-4", "no-metric", "nan-metric"};
  EXPECT_EQ(names("", {"metrics.roc_auc DESC"}), desc);
  EXPECT_EQ(names("", {"metrics.roc_auc ASC"}), asc);
  for (int64_t page_size : {1, 2, 3, 4, 5, 6, 7}) {
    for (const auto& [order, expected] :
         {std::pair{"metrics.roc_auc DESC", desc}, std::pair{"metrics.roc_auc ASC", asc}}) {
      RunSearch s;
      s.experiment_ids = {exp_};
      s.order_by = {order};
      s.max_results = page_size;
      V all;
      do {
        auto page = store_.search_runs(s);
        for (const tracking::Run& r : page.items) all.push_back(r.info.run_name);
        s.page_token = page.next_page_token;
      } while (!s.page_token.empty());
      EXPECT_EQ(all, expected) << order << " pages of " << page_size;
    }
  }
  // With a filter on another key, and ordering by a filtered metric.
  EXPECT_EQ(names("tags.team = 'Alpha'", {"metrics.roc_auc DESC"}), (V{"run-2", "run-1", "run-0"}));
  EXPECT_EQ(names("metrics.roc_auc >= 0.75", {"metrics.roc_auc ASC"}), (V{"run-1", "run-2", "run-3", "run-4"}));
  EXPECT_EQ(names("metrics.roc_auc < 0.8", {"metrics.roc_auc DESC"}, 1), (V{"run-1"}));
}

TEST_F(SearchRunsTest, PagesAndDeletedRuns) {
  RunSearch s;
  s.experiment_ids = {exp_};
  s.max_results = 2;
  std::vector<std::string> all;
  int pages = 0;
  do {
    auto page = store_.search_runs(s);
    for (const tracking::Run& r : page.items) all.push_back(r.info.run_name);
    s.page_token = page.next_page_token;
    ++pages;
  } while (!s.page_token.empty());
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(all, (V{"run-4", "run-3", "run-2", "run-1", "run-0"}));
  store_.delete_run(ids_[0]);
  EXPECT_EQ(names("").size(), 4u);
  s = {};
  s.experiment_ids = {exp_};
  s.view = ViewType::kDeletedOnly;
  ASSERT_EQ(store_.search_runs(s).items.size(), 1u);
  s.view = ViewType::kAll;
  EXPECT_EQ(store_.search_runs(s).items.size(), 5u);
  // Page data is complete.
  s.view = ViewType::kActiveOnly;
  s.filter = "run_name = 'run-3'";
  const tracking::Run r = store_.search_runs(s).items.at(0);
  EXPECT_EQ(r.data.params.at(0), (Param{"max_depth", "6"}));
  EXPECT_DOUBLE_EQ(r.data.metrics.at(0).value, 0.85);
  EXPECT_EQ(r.data.tags.size(), 2u);
}

TEST_F(SearchRunsTest, BadFiltersAreInvalidInput) {
  for (const char* bad : {"metrics.roc_auc > 'x'", "params.max_depth = 5", "metrics.a LIKE '1'", "nonsense.key = 'x'",
                          "attributes.bogus = 'x'", "metrics.a > 1 or metrics.b > 2", "params.x > '1'",
                          "tags.t = 'unterminated", "metrics.a IS NULL", "run_name IN ('a')"}) {
    RunSearch s;
    s.experiment_ids = {exp_};
    s.filter = bad;
    EXPECT_EQ(category_of([&] { store_.search_runs(s); }), ErrorCategory::kInvalidInput) << bad;
  }
  RunSearch s;
  s.experiment_ids = {exp_};
  s.order_by = {"metrics.x SIDEWAYS"};
  EXPECT_EQ(category_of([&] { store_.search_runs(s); }), ErrorCategory::kInvalidInput);
  s.order_by = {};
  s.max_results = 50001;
  EXPECT_EQ(category_of([&] { store_.search_runs(s); }), ErrorCategory::kInvalidInput);
}

}  // namespace
}  // namespace bullion::tracking
