// The MLflow REST layer, in process: an httplib client against HttpServer on
// a free loopback port. Every endpoint, and bad requests: the right 4xx and
// nothing changed.
#include <gtest/gtest.h>
#include <httplib.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "bullion/server/http_server.h"
#include "bullion/server/mlflow_api.h"
#include "bullion/tracking/store.h"
#include "support/temp_dir.h"

namespace bullion::server {
namespace {

using bullion::testing::TempDir;
using nlohmann::json;
using tracking::TrackingStore;

struct Reply {
  int status = 0;
  std::string body;
  json js() const { return body.empty() ? json() : json::parse(body, nullptr, false); }
  std::string error_code() const {
    const json j = js();
    return j.is_object() && j.contains("error_code") ? j["error_code"].get<std::string>() : "";
  }
};

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override { start({}); }

  void start(const std::string& token) {
    client_.reset();
    server_.reset();
    ServerOptions o;
    o.port = 0;
    o.token = token;
    o.threads = 4;
    o.max_body_bytes = 64 * 1024;
    o.max_stream_bytes = 256 * 1024;
    server_ = std::make_unique<HttpServer>(o);
    add_mlflow_routes(*server_, store_);
    const int port = server_->start();
    client_ = std::make_unique<httplib::Client>("127.0.0.1", port);
    client_->set_read_timeout(30, 0);
    if (!token.empty()) headers_ = {{"Authorization", "Bearer " + token}};
  }

  static Reply reply(const httplib::Result& r) {
    if (!r) return {-1, "transport error " + httplib::to_string(r.error())};
    return {r->status, r->body};
  }
  Reply post(const std::string& path, const json& body) {
    return reply(client_->Post(api(path).c_str(), headers_, body.dump(), "application/json"));
  }
  Reply post_raw(const std::string& path, const std::string& body) {
    return reply(client_->Post(api(path).c_str(), headers_, body, "application/json"));
  }
  Reply patch(const std::string& path, const json& body) {
    return reply(client_->Patch(api(path).c_str(), headers_, body.dump(), "application/json"));
  }
  Reply del(const std::string& path, const json& body) {
    return reply(client_->Delete(api(path).c_str(), headers_, body.dump(), "application/json"));
  }
  Reply get(const std::string& path, const httplib::Params& params = {}) {
    return reply(client_->Get(api(path).c_str(), params, headers_));
  }
  static std::string api(const std::string& path) { return path[0] == '/' ? path : "/api/2.0/mlflow/" + path; }

  json ok(const Reply& r) {
    EXPECT_EQ(r.status, 200) << r.body;
    return r.js();
  }

  std::string new_run(const std::string& experiment = "0") {
    return ok(post("runs/create", {{"experiment_id", experiment}, {"start_time", 1000}}))["run"]["info"]["run_id"];
  }

  TempDir dir_;
  TrackingStore store_{dir_.path()};
  std::unique_ptr<HttpServer> server_;
  std::unique_ptr<httplib::Client> client_;
  httplib::Headers headers_;
};

TEST_F(ServerTest, Experiments) {
  json r = ok(post("experiments/create", {{"name", "/churn"}, {"tags", {{{"key", "team"}, {"value", "ml"}}}}}));
  EXPECT_EQ(r, (json{{"experiment_id", "1"}}));
  r = ok(get("experiments/get", {{"experiment_id", "1"}}));
  EXPECT_EQ(r["experiment"]["name"], "/churn");
  EXPECT_EQ(r["experiment"]["artifact_location"], "mlflow-artifacts:/1");
  EXPECT_EQ(r["experiment"]["lifecycle_stage"], "active");
  EXPECT_TRUE(r["experiment"]["creation_time"].is_number_integer());
  EXPECT_EQ(r["experiment"]["tags"], (json{{{"key", "team"}, {"value", "ml"}}}));
  EXPECT_EQ(ok(get("experiments/get-by-name", {{"experiment_name", "/churn"}}))["experiment"]["experiment_id"], "1");
  r = ok(post("experiments/search", {{"filter", "name = '/churn'"}}));
  ASSERT_EQ(r["experiments"].size(), 1u);
  r = ok(get("experiments/search", {{"max_results", "1"}, {"order_by", "name ASC"}}));
  EXPECT_EQ(r["experiments"][0]["name"], "/churn");
  EXPECT_TRUE(r.contains("next_page_token"));
  ok(post("experiments/update", {{"experiment_id", "1"}, {"new_name", "/churn2"}}));
  ok(post("experiments/set-experiment-tag", {{"experiment_id", "1"}, {"key", "k"}, {"value", "v"}}));
  ok(post("experiments/delete-experiment-tag", {{"experiment_id", "1"}, {"key", "k"}}));
  ok(post("experiments/delete", {{"experiment_id", "1"}}));
  EXPECT_EQ(store_.get_experiment("1").lifecycle_stage, tracking::LifecycleStage::kDeleted);
  ok(post("experiments/restore", {{"experiment_id", "1"}}));
  EXPECT_EQ(store_.get_experiment("1").name, "/churn2");

  Reply bad = post("experiments/create", {{"name", "/churn2"}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.error_code(), "RESOURCE_ALREADY_EXISTS");
  bad = get("experiments/get", {{"experiment_id", "99"}});
  EXPECT_EQ(bad.status, 404);
  EXPECT_EQ(bad.error_code(), "RESOURCE_DOES_NOT_EXIST");
  bad = get("experiments/get-by-name", {{"experiment_name", "nope"}});
  EXPECT_EQ(bad.status, 404);
  EXPECT_EQ(bad.error_code(), "RESOURCE_DOES_NOT_EXIST");
  bad = post("experiments/create", json::object());
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.error_code(), "INVALID_PARAMETER_VALUE");
  EXPECT_NE(bad.js()["message"].get<std::string>().find("'name'"), std::string::npos);
  EXPECT_EQ(post("experiments/search", {{"filter", "bogus filter"}}).status, 400);
  EXPECT_EQ(store_.search_experiments({}).items.size(), 2u);  // nothing else was created
}

TEST_F(ServerTest, RunsParamsMetricsTags) {
  json r = ok(post("runs/create", {{"experiment_id", "0"},
                                   {"user_id", "alice"},
                                   {"run_name", "r1"},
                                   {"start_time", "1234"},  // int64 as a string is accepted
                                   {"tags", {{{"key", "t"}, {"value", "1"}}}}}));
  const std::string id = r["run"]["info"]["run_id"];
  EXPECT_EQ(r["run"]["info"]["run_uuid"], id);
  EXPECT_EQ(r["run"]["info"]["status"], "RUNNING");
  EXPECT_EQ(r["run"]["info"]["start_time"], 1234);
  EXPECT_EQ(r["run"]["info"]["artifact_uri"], "mlflow-artifacts:/0/" + id + "/artifacts");
  EXPECT_FALSE(r["run"]["info"].contains("end_time"));

  ok(post("runs/log-parameter", {{"run_id", id}, {"run_uuid", id}, {"key", "max_depth"}, {"value", "5"}}));
  ok(post("runs/log-metric", {{"run_id", id}, {"key", "loss"}, {"value", 0.5}, {"timestamp", 10}, {"step", 1}}));
  ok(post("runs/log-metric", {{"run_id", id}, {"key", "odd"}, {"value", "NaN"}, {"timestamp", 10}}));
  ok(post("runs/set-tag", {{"run_id", id}, {"key", "k"}, {"value", "v"}}));
  ok(post("runs/delete-tag", {{"run_id", id}, {"key", "t"}}));
  ok(post("runs/log-batch", {{"run_id", id},
                             {"metrics", {{{"key", "loss"}, {"value", 0.25}, {"timestamp", 20}, {"step", 2}}}},
                             {"params", {{{"key", "eta"}, {"value", "0.1"}}}},
                             {"tags", {{{"key", "k2"}, {"value", "v2"}}}}}));
  r = ok(get("runs/get", {{"run_id", id}}));
  const json& data = r["run"]["data"];
  EXPECT_EQ(data["params"], (json{{{"key", "eta"}, {"value", "0.1"}}, {{"key", "max_depth"}, {"value", "5"}}}));
  ASSERT_EQ(data["metrics"].size(), 2u);
  EXPECT_EQ(data["metrics"][0], (json{{"key", "loss"}, {"value", 0.25}, {"timestamp", 20}, {"step", 2}}));
  EXPECT_EQ(data["metrics"][1]["value"], "NaN");
  EXPECT_EQ(data["tags"].size(), 3u);  // k, k2, mlflow.runName

  r = ok(get("metrics/get-history", {{"run_id", id}, {"metric_key", "loss"}, {"max_results", "1"}}));
  ASSERT_EQ(r["metrics"].size(), 1u);
  EXPECT_EQ(r["metrics"][0]["value"], 0.5);
  r = ok(get("metrics/get-history",
             {{"run_id", id}, {"metric_key", "loss"}, {"page_token", r["next_page_token"].get<std::string>()}}));
  EXPECT_EQ(r["metrics"][0]["value"], 0.25);
  EXPECT_FALSE(r.contains("next_page_token"));

  r = ok(post("runs/update", {{"run_id", id}, {"status", "FINISHED"}, {"end_time", 5000}}));
  EXPECT_EQ(r["run_info"]["status"], "FINISHED");
  EXPECT_EQ(r["run_info"]["end_time"], 5000);
  r = ok(post("runs/update", {{"run_id", id}, {"status", 4}}));  // enum number
  EXPECT_EQ(r["run_info"]["status"], "FAILED");
  ok(post("runs/delete", {{"run_id", id}}));
  EXPECT_EQ(ok(get("runs/get", {{"run_id", id}}))["run"]["info"]["lifecycle_stage"], "deleted");
  ok(post("runs/restore", {{"run_id", id}}));
  ok(post("runs/log-model",
          {{"run_id", id},
           {"model_json",
            json{{"artifact_path", "model"}, {"flavors", json::object()}, {"utc_time_created", "x"}, {"run_id", id}}
                .dump()}}));
  const auto tags = store_.get_run(id).data.tags;
  ASSERT_EQ(tags.size(), 4u);
  EXPECT_EQ(tags[2].key, "mlflow.log-model.history");
  EXPECT_EQ(json::parse(tags[2].value)[0]["artifact_path"], "model");
  EXPECT_EQ(post("runs/log-model", {{"run_id", id}, {"model_json", "{}"}}).status, 400);
}

TEST_F(ServerTest, RunErrorsChangeNothing) {
  const std::string id = new_run();
  ok(post("runs/log-parameter", {{"run_id", id}, {"key", "p"}, {"value", "1"}}));
  Reply bad = get("runs/get", {{"run_id", "0123456789abcdef0123456789abcdef"}});
  EXPECT_EQ(bad.status, 404);
  EXPECT_EQ(bad.error_code(), "RESOURCE_DOES_NOT_EXIST");
  EXPECT_NE(bad.js()["message"].get<std::string>().find("0123456789abcdef0123456789abcdef"), std::string::npos);
  bad = post("runs/log-parameter", {{"run_id", id}, {"key", "p"}, {"value", "2"}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.error_code(), "INVALID_PARAMETER_VALUE");
  EXPECT_EQ(post_raw("runs/log-metric", "{not json").status, 400);
  EXPECT_EQ(post_raw("runs/log-metric", "{not json").error_code(), "BAD_REQUEST");
  EXPECT_EQ(post_raw("runs/log-metric", "[1,2]").status, 400);
  EXPECT_EQ(post("runs/log-metric", {{"run_id", id}, {"key", "m"}, {"value", "abc"}, {"timestamp", 1}}).status, 400);
  EXPECT_EQ(post("runs/log-metric", {{"run_id", id}, {"key", "m"}, {"value", 1}}).status, 400);    // no timestamp
  EXPECT_EQ(post("runs/log-metric", {{"key", "m"}, {"value", 1}, {"timestamp", 1}}).status, 400);  // no run
  EXPECT_EQ(post("runs/update", {{"run_id", id}, {"status", "DONE"}}).status, 400);
  json metrics = json::array();
  for (int i = 0; i < 1001; ++i) metrics.push_back({{"key", "m"}, {"value", i}, {"timestamp", i}});
  bad = post("runs/log-batch", {{"run_id", id}, {"metrics", metrics}});
  EXPECT_EQ(bad.status, 400);
  bad = post("runs/log-batch", {{"run_id", id},
                                {"metrics", {{{"key", "m"}, {"value", 1}, {"timestamp", 1}}}},
                                {"params", {{{"key", "p"}, {"value", "3"}}}}});
  EXPECT_EQ(bad.status, 400);
  bad = post("runs/search", {{"experiment_ids", {"0"}}, {"filter", "metrics.m > 'x'"}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(post("runs/search", json::object()).status, 400);
  const tracking::Run run = store_.get_run(id);
  EXPECT_TRUE(run.data.metrics.empty());
  ASSERT_EQ(run.data.params.size(), 1u);
  EXPECT_EQ(run.data.params[0].value, "1");
  EXPECT_EQ(run.info.status, tracking::RunStatus::kRunning);
}

TEST_F(ServerTest, SearchRunsFiltersOrdersAndPages) {
  for (int i = 0; i < 3; ++i) {
    const std::string id = new_run();
    ok(post("runs/log-metric", {{"run_id", id}, {"key", "auc"}, {"value", 0.7 + 0.1 * i}, {"timestamp", 1}}));
    ok(post("runs/log-parameter", {{"run_id", id}, {"key", "i"}, {"value", std::to_string(i)}}));
  }
  json r = ok(post("runs/search", {{"experiment_ids", {"0"}},
                                   {"filter", "metrics.auc > 0.75"},
                                   {"order_by", {"metrics.auc DESC"}},
                                   {"run_view_type", "ACTIVE_ONLY"}}));
  ASSERT_EQ(r["runs"].size(), 2u);
  EXPECT_EQ(r["runs"][0]["data"]["params"][0]["value"], "2");
  EXPECT_EQ(r["runs"][1]["data"]["params"][0]["value"], "1");
  r = ok(post("runs/search", {{"experiment_ids", {"0"}}, {"max_results", 2}, {"order_by", {"params.i ASC"}}}));
  ASSERT_EQ(r["runs"].size(), 2u);
  r = ok(post("runs/search", {{"experiment_ids", {"0"}},
                              {"max_results", 2},
                              {"order_by", {"params.i ASC"}},
                              {"page_token", r["next_page_token"]}}));
  ASSERT_EQ(r["runs"].size(), 1u);
  EXPECT_EQ(r["runs"][0]["data"]["params"][0]["value"], "2");
  EXPECT_EQ(ok(post("runs/search", {{"experiment_ids", {"0"}}, {"filter", "params.i = '9'"}})), json::object());
}

TEST_F(ServerTest, InputsOutputsAndLoggedModels) {
  const std::string run_id = new_run();
  json r = ok(post("logged-models", {{"experiment_id", "0"},
                                     {"name", "model"},
                                     {"model_type", "xgboost"},
                                     {"source_run_id", run_id},
                                     {"params", {{{"key", "max_depth"}, {"value", "5"}}}}}));
  const std::string model_id = r["model"]["info"]["model_id"];
  EXPECT_EQ(r["model"]["info"]["status"], "LOGGED_MODEL_PENDING");
  EXPECT_EQ(r["model"]["info"]["artifact_uri"], "mlflow-artifacts:/0/models/" + model_id + "/artifacts");
  EXPECT_EQ(r["model"]["data"]["params"][0]["value"], "5");
  ok(post("runs/outputs", {{"run_id", run_id}, {"models", {{{"model_id", model_id}, {"step", 0}}}}}));
  ok(post("runs/log-inputs",
          {{"run_id", run_id},
           {"datasets",
            {{{"dataset", {{"name", "features"}, {"digest", "d1"}, {"source_type", "delta"}, {"source", "s"}}},
              {"tags", {{{"key", "mlflow.data.context"}, {"value", "training"}}}}}}},
           {"models", {{{"model_id", model_id}}}}}));
  r = ok(get("runs/get", {{"run_id", run_id}}));
  EXPECT_EQ(r["run"]["outputs"]["model_outputs"][0]["model_id"], model_id);
  EXPECT_EQ(r["run"]["inputs"]["model_inputs"][0]["model_id"], model_id);
  EXPECT_EQ(r["run"]["inputs"]["dataset_inputs"][0]["dataset"]["name"], "features");

  ok(patch("logged-models/" + model_id + "/tags", {{"tags", {{{"key", "a"}, {"value", "1"}}}}}));
  ok(del("logged-models/" + model_id + "/tags/a", json::object()));
  ok(post("logged-models/" + model_id + "/params", {{"params", {{{"key", "eta"}, {"value", "0.1"}}}}}));
  r = ok(patch("logged-models/" + model_id, {{"model_id", model_id}, {"status", "LOGGED_MODEL_READY"}}));
  EXPECT_EQ(r["model"]["info"]["status"], "LOGGED_MODEL_READY");
  r = ok(get("logged-models/" + model_id));
  EXPECT_EQ(r["model"]["data"]["params"].size(), 2u);
  EXPECT_FALSE(r["model"]["info"].contains("tags"));
  r = ok(post("logged-models/search", {{"experiment_ids", {"0"}},
                                       {"filter", "source_run_id = '" + run_id + "' AND name = 'model'"},
                                       {"order_by", {{{"field_name", "creation_timestamp"}, {"ascending", false}}}}}));
  ASSERT_EQ(r["models"].size(), 1u);
  const std::string model_dir = store_.local_path_for_uri("mlflow-artifacts:/0/models/" + model_id + "/artifacts");
  std::filesystem::create_directories(model_dir);
  std::ofstream(model_dir + "/MLmodel") << "x";
  r = ok(get("logged-models/" + model_id + "/artifacts/directories"));
  EXPECT_EQ(r["files"], (json{{{"path", "MLmodel"}, {"is_dir", false}, {"file_size", 1}}}));

  EXPECT_EQ(patch("logged-models/" + model_id, {{"status", "BOGUS"}}).status, 400);
  EXPECT_EQ(get("logged-models/m-nope").status, 404);
  EXPECT_EQ(post("runs/outputs", {{"run_id", run_id}, {"models", {{{"model_id", "m-nope"}}}}}).status, 404);
  EXPECT_EQ(post("logged-models", {{"name", "x"}}).status, 400);  // no experiment_id
  ok(del("logged-models/" + model_id, json::object()));
  EXPECT_EQ(get("logged-models/" + model_id).status, 404);
}

TEST_F(ServerTest, Registry) {
  const std::string run_id = new_run();
  const std::string model_id = store_.create_logged_model("0", "m", "xgboost", run_id).model_id;
  json r = ok(post("registered-models/create", {{"name", "churn"}, {"description", "d"}}));
  EXPECT_EQ(r["registered_model"]["name"], "churn");
  EXPECT_EQ(post("registered-models/create", {{"name", "churn"}}).error_code(), "RESOURCE_ALREADY_EXISTS");
  for (int i = 0; i < 3; ++i) {
    r = ok(post("model-versions/create",
                {{"name", "churn"}, {"source", "models:/" + model_id}, {"run_id", run_id}, {"model_id", model_id}}));
    EXPECT_EQ(r["model_version"]["version"], std::to_string(i + 1));
    EXPECT_EQ(r["model_version"]["status"], "READY");
    EXPECT_EQ(r["model_version"]["model_id"], model_id);
  }
  r = ok(get("model-versions/get-download-uri", {{"name", "churn"}, {"version", "2"}}));
  EXPECT_EQ(r["artifact_uri"], "mlflow-artifacts:/0/models/" + model_id + "/artifacts");
  ok(post("model-versions/transition-stage",
          {{"name", "churn"}, {"version", "1"}, {"stage", "production"}, {"archive_existing_versions", false}}));
  r = ok(post("model-versions/transition-stage",
              {{"name", "churn"}, {"version", "2"}, {"stage", "Production"}, {"archive_existing_versions", true}}));
  EXPECT_EQ(r["model_version"]["current_stage"], "Production");
  EXPECT_EQ(ok(get("model-versions/get", {{"name", "churn"}, {"version", "1"}}))["model_version"]["current_stage"],
            "Archived");
  r = ok(post("registered-models/get-latest-versions", {{"name", "churn"}, {"stages", {"Production"}}}));
  ASSERT_EQ(r["model_versions"].size(), 1u);
  EXPECT_EQ(r["model_versions"][0]["version"], "2");
  r = ok(get("registered-models/get-latest-versions", {{"name", "churn"}, {"stages", "None"}}));
  EXPECT_EQ(r["model_versions"][0]["version"], "3");

  ok(post("registered-models/alias", {{"name", "churn"}, {"alias", "champion"}, {"version", "2"}}));
  r = ok(get("registered-models/alias", {{"name", "churn"}, {"alias", "champion"}}));
  EXPECT_EQ(r["model_version"]["version"], "2");
  EXPECT_EQ(r["model_version"]["aliases"], (json{"champion"}));
  r = ok(get("registered-models/get", {{"name", "churn"}}));
  EXPECT_EQ(r["registered_model"]["aliases"], (json{{{"alias", "champion"}, {"version", "2"}}}));
  EXPECT_EQ(r["registered_model"]["latest_versions"].size(), 3u);

  ok(patch("registered-models/update", {{"name", "churn"}, {"description", "new"}}));
  ok(post("registered-models/set-tag", {{"name", "churn"}, {"key", "k"}, {"value", "v"}}));
  ok(del("registered-models/delete-tag", {{"name", "churn"}, {"key", "k"}}));
  ok(patch("model-versions/update", {{"name", "churn"}, {"version", "3"}, {"description", "v3"}}));
  ok(post("model-versions/set-tag", {{"name", "churn"}, {"version", "3"}, {"key", "ok"}, {"value", "yes"}}));
  r = ok(get("model-versions/search", {{"filter", "name='churn' and tags.ok = 'yes'"}}));
  ASSERT_EQ(r["model_versions"].size(), 1u);
  EXPECT_EQ(r["model_versions"][0]["description"], "v3");
  ok(del("model-versions/delete-tag", {{"name", "churn"}, {"version", "3"}, {"key", "ok"}}));
  r = ok(get("registered-models/search", {{"filter", "name LIKE 'ch%'"}, {"max_results", "10"}}));
  EXPECT_EQ(r["registered_models"].size(), 1u);

  // Bad requests: right status, nothing changed.
  Reply bad = post("model-versions/transition-stage", {{"name", "churn"}, {"version", "3"}, {"stage", "Shipping"}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.js()["message"].get<std::string>().find("Shipping"), std::string::npos);
  bad = post("model-versions/transition-stage",
             {{"name", "churn"}, {"version", "3"}, {"stage", "Archived"}, {"archive_existing_versions", true}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(post("registered-models/alias", {{"name", "churn"}, {"alias", "v3"}, {"version", "3"}}).status, 400);
  EXPECT_EQ(post("registered-models/alias", {{"name", "churn"}, {"alias", "bad alias"}, {"version", "3"}}).status, 400);
  EXPECT_EQ(post("registered-models/alias", {{"name", "churn"}, {"alias", "x"}, {"version", "abc"}}).status, 400);
  EXPECT_EQ(post("registered-models/alias", {{"name", "churn"}, {"alias", "x"}, {"version", "9"}}).status, 404);
  EXPECT_EQ(get("registered-models/get", {{"name", "nope"}}).status, 404);
  EXPECT_EQ(get("model-versions/get", {{"name", "churn"}, {"version", "0"}}).status, 400);
  EXPECT_EQ(post("model-versions/create", {{"name", "churn"}}).status, 400);
  EXPECT_EQ(store_.get_model_version("churn", 3).current_stage, "None");
  EXPECT_EQ(store_.get_registered_model("churn").aliases.size(), 1u);

  ok(del("registered-models/alias", {{"name", "churn"}, {"alias", "champion"}}));
  EXPECT_EQ(get("registered-models/alias", {{"name", "churn"}, {"alias", "champion"}}).status, 404);
  ok(del("model-versions/delete", {{"name", "churn"}, {"version", "3"}}));
  r = ok(post("registered-models/rename", {{"name", "churn"}, {"new_name", "churn2"}}));
  EXPECT_EQ(r["registered_model"]["name"], "churn2");
  ok(del("registered-models/delete", {{"name", "churn2"}}));
  EXPECT_FALSE(store_.registered_model_exists("churn2"));
}

TEST_F(ServerTest, ArtifactProxy) {
  const std::string run_id = new_run();
  const std::string base = "/api/2.0/mlflow-artifacts/artifacts/0/" + run_id + "/artifacts";
  auto put = [&](const std::string& path, const std::string& body) {
    return reply(client_->Put(path.c_str(), headers_, body, "application/octet-stream"));
  };
  EXPECT_EQ(put(base + "/notes/a.txt", "hello").status, 200);
  EXPECT_EQ(put(base + "/b.bin", std::string(1000, 'x')).status, 200);
  Reply r = reply(client_->Get(base + "/notes/a.txt", headers_));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "hello");
  r = reply(client_->Get("/api/2.0/mlflow-artifacts/artifacts", {{"path", "0/" + run_id + "/artifacts"}}, headers_));
  EXPECT_EQ(
      r.js(),
      (json{{"files",
             {{{"path", "b.bin"}, {"is_dir", false}, {"file_size", 1000}}, {{"path", "notes"}, {"is_dir", true}}}}}));
  r = reply(client_->Get("/api/2.0/mlflow-artifacts/artifacts", {{"path", "0/missing"}}, headers_));
  EXPECT_EQ(r.js(), json::object());
  r = get("artifacts/list", {{"run_id", run_id}, {"path", "notes"}});
  EXPECT_EQ(r.js()["files"], (json{{{"path", "notes/a.txt"}, {"is_dir", false}, {"file_size", 5}}}));
  EXPECT_EQ(r.js()["root_uri"], "mlflow-artifacts:/0/" + run_id + "/artifacts");
  EXPECT_EQ(store_.read_artifact(run_id, "notes/a.txt"), "hello");
  EXPECT_EQ(reply(client_->Delete(base + "/b.bin", headers_)).status, 200);
  EXPECT_EQ(reply(client_->Get(base + "/b.bin", headers_)).status, 404);

  // Traversal and absolute paths: 400, nothing written outside the root.
  for (const std::string& evil : {std::string("/api/2.0/mlflow-artifacts/artifacts/../../escape.txt"),
                                  std::string("/api/2.0/mlflow-artifacts/artifacts/0/%2e%2e/%2e%2e/escape.txt"),
                                  std::string("/api/2.0/mlflow-artifacts/artifacts//etc/escape.txt"),
                                  std::string("/api/2.0/mlflow-artifacts/artifacts/0/a\\..\\..\\escape.txt")}) {
    const Reply bad = put(evil, "owned");
    EXPECT_EQ(bad.status, 400) << evil << " " << bad.body;
  }
  r = reply(client_->Get("/api/2.0/mlflow-artifacts/artifacts", {{"path", "../.."}}, headers_));
  EXPECT_EQ(r.status, 400);
  EXPECT_FALSE(std::filesystem::exists(dir_.path() + "/escape.txt"));
  EXPECT_FALSE(std::filesystem::exists(dir_.path() + "/_tracking/escape.txt"));
  EXPECT_FALSE(std::filesystem::exists("/etc/escape.txt"));
  // A symlink inside the root that points outside is refused.
  std::filesystem::create_symlink(dir_.path(), dir_.path() + "/_tracking/artifacts/link");
  EXPECT_EQ(put("/api/2.0/mlflow-artifacts/artifacts/link/escape.txt", "x").status, 400);
  EXPECT_FALSE(std::filesystem::exists(dir_.path() + "/escape.txt"));

  // Oversized upload: 413, no file.
  const Reply big = put(base + "/big.bin", std::string(300 * 1024, 'x'));
  EXPECT_EQ(big.status, 413) << big.body;
  EXPECT_FALSE(
      std::filesystem::exists(store_.local_path_for_uri("mlflow-artifacts:/0/" + run_id + "/artifacts/big.bin")));
  // Multipart upload is declined with the message the client falls back on.
  client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
  r = reply(client_->Post("/api/2.0/mlflow-artifacts/mpu/create/0/x.bin", headers_, "{}", "application/json"));
  EXPECT_EQ(r.status, 501);
  EXPECT_EQ(r.js()["message"].get<std::string>().rfind("Multipart upload is not supported", 0), 0u);
}

TEST_F(ServerTest, UnknownRoutesLimitsAndAjaxAlias) {
  Reply r = reply(client_->Get("/api/3.0/mlflow/traces/search", headers_));
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, "");
  r = reply(client_->Post("/api/2.0/mlflow/traces", headers_, "{}", "application/json"));
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, "");
  EXPECT_EQ(reply(client_->Get("/api/2.0/mlflow/runs/create", headers_)).status, 405);
  EXPECT_EQ(reply(client_->Get("/ajax-api/2.0/mlflow/experiments/get?experiment_id=0", headers_)).status, 200);
  EXPECT_EQ(reply(client_->Get("/health", headers_)).body, "OK");
  // A JSON body over the limit: 413 and no experiment created.
  const std::string name(70 * 1024, 'n');
  r = post("experiments/create", {{"name", name}});
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(r.error_code(), "REQUEST_LIMIT_EXCEEDED");
  client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
  EXPECT_EQ(store_.search_experiments({}).items.size(), 1u);
  EXPECT_EQ(ok(get("experiments/get", {{"experiment_id", "0"}}))["experiment"]["name"], "Default");
}

TEST_F(ServerTest, BearerTokenIsRequiredOnEveryRequest) {
  start("s3cret");
  EXPECT_EQ(ok(get("experiments/get", {{"experiment_id", "0"}}))["experiment"]["name"], "Default");
  for (const httplib::Headers& h :
       {httplib::Headers{}, httplib::Headers{{"Authorization", "Bearer wrong"}},
        httplib::Headers{{"Authorization", "Basic czNjcmV0"}}, httplib::Headers{{"Authorization", "Bearer s3cret2"}}}) {
    Reply r = reply(client_->Post("/api/2.0/mlflow/experiments/create", h, R"({"name":"x"})", "application/json"));
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(r.error_code(), "UNAUTHENTICATED");
    r = reply(client_->Get("/api/2.0/mlflow/experiments/get?experiment_id=0", h));
    EXPECT_EQ(r.status, 401);
    r = reply(client_->Put("/api/2.0/mlflow-artifacts/artifacts/0/x.txt", h, "x", "text/plain"));
    EXPECT_EQ(r.status, 401);
    r = reply(client_->Get("/api/3.0/unknown", h));
    EXPECT_EQ(r.status, 401);
  }
  EXPECT_FALSE(store_.find_experiment_by_name("x").has_value());
  EXPECT_FALSE(std::filesystem::exists(dir_.path() + "/_tracking/artifacts/0/x.txt"));
}

TEST_F(ServerTest, ConcurrentClientsLogEveryMetric) {
  const std::string id = new_run();
  const int port = server_->port();
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 6; ++t)
    threads.emplace_back([&, t] {
      httplib::Client c("127.0.0.1", port);
      for (int i = 0; i < 50; ++i) {
        const json body = {
            {"run_id", id}, {"key", "t" + std::to_string(t)}, {"value", i}, {"timestamp", i}, {"step", i}};
        auto res = c.Post("/api/2.0/mlflow/runs/log-metric", body.dump(), "application/json");
        if (!res || res->status != 200) ++failures;
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  for (int t = 0; t < 6; ++t) EXPECT_EQ(store_.get_metric_history(id, "t" + std::to_string(t)).items.size(), 50u);
}

}  // namespace
}  // namespace bullion::server
