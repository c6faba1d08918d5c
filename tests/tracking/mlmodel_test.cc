// MLmodel writer: exact document, files of the directory, log_xgboost_model.
#include "bullion/tracking/mlmodel.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>

#include "bullion/core/fs.h"
#include "bullion/tracking/store.h"
#include "support/temp_dir.h"

namespace bullion::tracking {
namespace {

using bullion::testing::TempDir;

XGBoostModelInfo sample_info() {
  XGBoostModelInfo info;
  info.run_id = "0123456789abcdef0123456789abcdef";
  info.model_id = "m-00112233445566778899aabbccddeeff";
  info.artifact_path = "mlflow-artifacts:/1/models/m-00112233445566778899aabbccddeeff/artifacts";
  info.utc_time_created_micros = 1'764'065'730'123'456;  // 2025-11-25 10:15:30.123456
  info.signature =
      ModelSignature{{{"total_events", "long", true}, {"engagement_score", "double", true}}, {{"", "double", true}}};
  return info;
}

TEST(MLmodel, SignatureJsonMatchesMlflow) {
  EXPECT_EQ(signature_json({{"a", "double", true}, {"", "long", false}}),
            "[{\"type\": \"double\", \"name\": \"a\", \"required\": true}, {\"type\": \"long\", \"required\": false}]");
  EXPECT_EQ(signature_json({{"quote\"d", "string", true}}),
            "[{\"type\": \"string\", \"name\": \"quote\\\"d\", \"required\": true}]");
}

TEST(MLmodel, RendersTheExactDocument) {
  const std::string expected =
      "artifact_path: mlflow-artifacts:/1/models/m-00112233445566778899aabbccddeeff/artifacts\n"
      "flavors:\n"
      "  python_function:\n"
      "    data: model.json\n"
      "    env:\n"
      "      conda: conda.yaml\n"
      "      virtualenv: python_env.yaml\n"
      "    loader_module: mlflow.xgboost\n"
      "    python_version: 3.11.2\n"
      "  xgboost:\n"
      "    code: ~\n"
      "    data: model.json\n"
      "    model_class: xgboost.core.Booster\n"
      "    model_format: json\n"
      "    xgb_version: 1.7.4\n"
      "is_signature_from_type_hint: false\n"
      "mlflow_version: 3.1.0\n"
      "model_id: m-00112233445566778899aabbccddeeff\n"
      "model_size_bytes: 1234\n"
      "model_uuid: m-00112233445566778899aabbccddeeff\n"
      "run_id: 0123456789abcdef0123456789abcdef\n"
      "signature:\n"
      "  inputs: '[{\"type\": \"long\", \"name\": \"total_events\", \"required\": true}, {\"type\": \"double\", "
      "\"name\": \"engagement_score\", \"required\": true}]'\n"
      "  outputs: '[{\"type\": \"double\", \"required\": true}]'\n"
      "  params: ~\n"
      "type_hint_from_example: false\n"
      "utc_time_created: '2025-11-25 10:15:30.123456'\n";
  EXPECT_EQ(render_mlmodel(sample_info(), 1234), expected);
}

TEST(MLmodel, ParsesBackAsYaml) {
  const YAML::Node doc = YAML::Load(render_mlmodel(sample_info(), 10));
  EXPECT_EQ(doc["flavors"]["python_function"]["loader_module"].as<std::string>(), "mlflow.xgboost");
  EXPECT_EQ(doc["flavors"]["xgboost"]["data"].as<std::string>(), "model.json");
  EXPECT_TRUE(doc["flavors"]["xgboost"]["code"].IsNull());
  EXPECT_EQ(doc["signature"]["inputs"].as<std::string>().substr(0, 2), "[{");
  EXPECT_EQ(doc["model_size_bytes"].as<int64_t>(), 10);
  XGBoostModelInfo bare;
  const YAML::Node minimal = YAML::Load(render_mlmodel(bare, 0));
  EXPECT_FALSE(minimal["run_id"]);
  EXPECT_FALSE(minimal["signature"]);
  EXPECT_EQ(minimal["model_uuid"].as<std::string>().size(), 32u);
}

TEST(MLmodel, WritesTheDirectory) {
  TempDir dir;
  const std::string model_dir = dir.file("model");
  EXPECT_THROW(write_xgboost_model_directory(model_dir, sample_info()), Error);  // no model.json yet
  std::filesystem::create_directories(model_dir);
  std::ofstream(model_dir + "/model.json") << "{\"learner\":{}}";
  write_xgboost_model_directory(model_dir, sample_info());
  FileSystem& fs = FileSystem::local();
  EXPECT_EQ(fs.read_all(model_dir + "/requirements.txt"), "mlflow==3.1.0\nxgboost==1.7.4\n");
  EXPECT_EQ(
      fs.read_all(model_dir + "/python_env.yaml"),
      "python: 3.11.2\nbuild_dependencies:\n- pip\n- setuptools\n- wheel\ndependencies:\n- -r requirements.txt\n");
  EXPECT_EQ(fs.read_all(model_dir + "/conda.yaml"),
            "channels:\n- conda-forge\ndependencies:\n- python=3.11.2\n- pip\n- pip:\n  - mlflow==3.1.0\n  - "
            "xgboost==1.7.4\nname: mlflow-env\n");
  const YAML::Node doc = YAML::LoadFile(model_dir + "/MLmodel");
  // Every file but MLmodel itself.
  EXPECT_EQ(doc["model_size_bytes"].as<int64_t>(), 14 + 30 + 95 + 123);
  XGBoostModelInfo bad = sample_info();
  bad.model_format = "xgb";
  EXPECT_THROW(write_xgboost_model_directory(model_dir, bad), Error);
}

TEST(MLmodel, LogXGBoostModelCreatesAReadyLoggedModelLinkedToTheRun) {
  TempDir dir;
  TrackingStore store(dir.path());
  const std::string exp = store.create_experiment("/churn");
  const std::string run_id = store.create_run(exp).info.run_id;
  std::ofstream(dir.file("booster.json")) << "{\"learner\":{}}";
  const LoggedModel m =
      log_xgboost_model(store, run_id, "churn-gbm", dir.file("booster.json"), sample_info(), {{"max_depth", "5"}});
  EXPECT_EQ(m.status, LoggedModelStatus::kReady);
  EXPECT_EQ(m.source_run_id, run_id);
  EXPECT_EQ(m.model_type, "xgboost");
  EXPECT_EQ(m.params.at(0), (Param{"max_depth", "5"}));
  const std::string local = store.local_path_for_uri(m.artifact_location);
  EXPECT_EQ(local, dir.path() + "/_tracking/artifacts/1/models/" + m.model_id + "/artifacts");
  const YAML::Node doc = YAML::LoadFile(local + "/MLmodel");
  EXPECT_EQ(doc["model_id"].as<std::string>(), m.model_id);
  EXPECT_EQ(doc["run_id"].as<std::string>(), run_id);
  EXPECT_EQ(doc["artifact_path"].as<std::string>(), m.artifact_location);
  EXPECT_TRUE(std::filesystem::exists(local + "/model.json"));
  const tracking::Run run = store.get_run(run_id);
  ASSERT_EQ(run.model_outputs.size(), 1u);
  EXPECT_EQ(run.model_outputs[0].model_id, m.model_id);
  const ModelVersion v = register_logged_model(store, "churn-prediction-gbm", m.model_id);
  EXPECT_EQ(v.storage_location, m.artifact_location);

  // A missing model file fails and leaves the logged model marked failed.
  EXPECT_THROW(log_xgboost_model(store, run_id, "broken", dir.file("missing.json"), {}), Error);
  LoggedModelSearch s;
  s.experiment_ids = {exp};
  s.filter = "name = 'broken'";
  const auto broken = store.search_logged_models(s).items;
  ASSERT_EQ(broken.size(), 1u);
  EXPECT_EQ(broken[0].status, LoggedModelStatus::kUploadFailed);
}

}  // namespace
}  // namespace bullion::tracking
