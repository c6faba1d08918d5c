// Test data for scoring: a Gold-like features table in a lakehouse and
// models trained on it, logged and registered the way bullion's training
// logs them (the params of tracking/training_run.h, an MLflow model
// directory with a signature, a registered version). Shared by the server
// tests and scoring_fixture_tool (the interop tests' data).
#pragma once

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bullion/core/fs.h"
#include "bullion/delta/catalog.h"
#include "bullion/ml/training.h"
#include "bullion/table/table.h"
#include "bullion/table/writer.h"
#include "bullion/tracking/mlmodel.h"
#include "bullion/tracking/store.h"
#include "bullion/tracking/training_run.h"
#include "ml/ml_fixtures.h"

namespace bullion::server::testing {

inline constexpr const char* kFeaturesTable = "churn.gold.features";
inline constexpr const char* kExperiment = "/churn-prediction/feature-pipeline";

// ml::testing::churn_batch's columns without the label: a Gold table's rows.
inline Batch features_of(const Batch& labelled) {
  std::vector<size_t> keep;
  for (size_t i = 0; i < labelled.num_columns(); ++i)
    if (labelled.schema()->field(i).name != "churned") keep.push_back(i);
  return labelled.project(keep);
}

// Writes `rows` into the features table (created partitioned by
// feature_date), replacing the partitions of the dates they hold, as the gold
// layer does. Returns the version written.
inline int64_t write_features(const std::string& lakehouse, const Batch& rows,
                              const std::string& table = kFeaturesTable) {
  const std::string path = delta::resolve_table(lakehouse, table).path;
  table::DataFileWriter writer(path, rows.schema(), {"feature_date"});
  writer.write(rows);
  std::vector<Value> dates;
  const Column& date = *rows.column("feature_date");
  for (size_t r = 0; r < rows.num_rows(); ++r)
    if (std::find(dates.begin(), dates.end(), date.value(r)) == dates.end()) dates.push_back(date.value(r));
  return table::commit_write({path, rows.schema(), {"feature_date"}, {}}, writer.finish(),
                             table::WriteMode::replace_where({{"feature_date", CompareOp::kIn, dates}}), {})
      .version;
}

struct TrainedVersion {
  std::string run_id;
  std::string model_id;
  int64_t version = 0;
  std::string model_json;  // the booster, as logged
};

// Trains on `labelled` (ml::testing::kChurnFeatures, label churned), logs
// the run and the model, and registers it as a new version of `name`.
inline TrainedVersion train_and_register(tracking::TrackingStore& store, const std::string& scratch_dir,
                                         const Batch& labelled, const std::string& name, int n_estimators,
                                         const std::string& features_table = kFeaturesTable) {
  namespace run_params = tracking::training_run;
  ml::TrainingRequest request;
  request.columns.features = ml::testing::kChurnFeatures;
  request.split = {ml::SplitBy::kEntity, 0.25, 42};
  request.params = {{"n_estimators", std::to_string(n_estimators)}, {"max_depth", "3"}, {"learning_rate", "0.3"}};
  request.nthread = 1;
  const ml::TrainingResult trained = ml::train_classifier(labelled, request);
  const std::string model_path = join_path(scratch_dir, "model-" + std::to_string(n_estimators) + ".json");
  trained.model.save(model_path);

  const tracking::Experiment experiment = store.get_or_create_experiment(kExperiment);
  tracking::CreateRunOptions options;
  options.run_name = "gbm-" + std::to_string(n_estimators);
  const std::string run_id = store.create_run(experiment.experiment_id, options).info.run_id;
  std::vector<tracking::Param> params;
  for (const auto& [k, v] : trained.params.logged) params.push_back({k, v});
  params.push_back({run_params::kFeaturesTable, features_table});
  params.push_back({run_params::kEntityColumn, request.columns.entity});
  params.push_back({run_params::kFeatureDateColumn, request.columns.feature_date});
  params.push_back({run_params::kLabelColumn, request.columns.label});
  params.push_back({run_params::kFeatureColumns, nlohmann::json(request.columns.features).dump()});
  params.push_back({run_params::kTrainingRows, std::to_string(trained.training_rows())});
  params.push_back({run_params::kTestRows, std::to_string(trained.test_rows())});
  std::vector<tracking::Metric> metrics;
  for (const auto& [k, v] : trained.metrics.named()) metrics.push_back({k, v, tracking::now_millis(), 0});
  store.log_batch(run_id, metrics, params, {});

  tracking::XGBoostModelInfo info;
  info.xgb_version = ml::xgboost_version();
  tracking::ModelSignature signature;
  for (size_t i = 0; i < trained.data.num_features(); ++i)
    signature.inputs.push_back(
        {trained.data.feature_names[i], std::string(ml::mlflow_column_type(trained.data.feature_types[i])), true});
  info.signature = signature;
  const tracking::LoggedModel logged =
      tracking::log_xgboost_model(store, run_id, run_params::kModelName, model_path, info);
  store.end_run(run_id);
  const tracking::ModelVersion v = tracking::register_logged_model(store, name, logged.model_id);
  return {run_id, logged.model_id, v.version, trained.model.to_json()};
}

}  // namespace bullion::server::testing
