// Test-only: logs an XGBoost model.json through the C++ API the training
// layer uses (experiment, run, params, metrics, log_xgboost_model, register,
// alias, stage) so that interop tests can load the result with MLflow.
//
//   log_model_tool LAKEHOUSE MODEL_JSON FEATURE[,FEATURE...] [XGB_VERSION]
// prints one JSON object: run_id, model_id, model_dir, registered_model, version.
#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>

#include "bullion/tracking/mlmodel.h"
#include "bullion/tracking/store.h"

int main(int argc, char** argv) {
  using namespace bullion::tracking;
  if (argc < 4) {
    std::fprintf(stderr, "usage: log_model_tool LAKEHOUSE MODEL_JSON FEATURES [XGB_VERSION]\n");
    return 2;
  }
  try {
    TrackingStore store(argv[1]);
    const Experiment e = store.get_or_create_experiment("/churn-prediction/feature-pipeline");
    CreateRunOptions o;
    o.run_name = "cpp-training";
    const Run run = store.create_run(e.experiment_id, o);
    store.log_batch(run.info.run_id, {{"roc_auc", 0.9, now_millis(), 0}}, {{"max_depth", "3"}, {"n_estimators", "10"}},
                    {{"bullion.source", "log_model_tool"}});
    XGBoostModelInfo info;
    if (argc > 4) info.xgb_version = argv[4];
    ModelSignature signature;
    std::stringstream features(argv[3]);
    for (std::string name; std::getline(features, name, ',');) signature.inputs.push_back({name, "double", true});
    info.signature = signature;
    const LoggedModel model = log_xgboost_model(store, run.info.run_id, "model", argv[2], info);
    store.end_run(run.info.run_id);
    const ModelVersion v = register_logged_model(store, "bullion-written-gbm", model.model_id);
    store.set_registered_model_alias(v.name, "champion", v.version);
    store.transition_model_version_stage(v.name, v.version, "Production", true);
    nlohmann::json out = {{"run_id", run.info.run_id},
                          {"model_id", model.model_id},
                          {"model_dir", store.local_path_for_uri(model.artifact_location)},
                          {"registered_model", v.name},
                          {"version", v.version}};
    std::printf("%s\n", out.dump().c_str());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "log_model_tool: %s\n", e.what());
    return 1;
  }
}
