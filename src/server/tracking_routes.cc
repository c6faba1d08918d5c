// MLflow tracking RPCs: experiments, runs, params, metrics, tags, inputs,
// outputs, metric history, run artifact listing.
#include <filesystem>

#include "bullion/server/mlflow_api.h"
#include "server/mlflow_routes.h"

namespace bullion::server {

namespace mlflow {

using namespace bullion::tracking;

void rpc(HttpServer& server, const std::string& method, const std::string& path, RpcHandler handler) {
  server.add_route(method, path, [handler = std::move(handler)](RouteContext& ctx, httplib::Response& res) {
    const Fields fields = ctx.request.method == "GET" || ctx.request.method == "HEAD" ? Fields::from_query(ctx.request)
                                                                                      : Fields::from_body(ctx.body);
    HttpServer::send_json(res, dump(handler(fields, ctx)));
  });
}

std::string run_id_of(const Fields& f) {
  std::string id = f.str("run_id");
  if (id.empty()) id = f.str("run_uuid");
  if (id.empty()) missing("run_id");
  return id;
}

namespace {

json page_json(const char* key, json items, const std::string& token) {
  json out = json::object();
  if (!items.empty()) out[key] = std::move(items);
  if (!token.empty()) out["next_page_token"] = token;
  return out;
}

Metric metric_from(const json& item, const std::string& what) {
  Metric m;
  if (!item.contains("key") || !item["key"].is_string()) missing(what + ".key");
  m.key = item["key"].get<std::string>();
  if (!item.contains("value") || item["value"].is_null()) missing(what + ".value");
  m.value = parse_double(item["value"], what + ".value");
  if (!item.contains("timestamp") || item["timestamp"].is_null()) missing(what + ".timestamp");
  m.timestamp = parse_int64(item["timestamp"], what + ".timestamp");
  if (item.contains("step") && !item["step"].is_null()) m.step = parse_int64(item["step"], what + ".step");
  auto opt = [&](const char* k) { return item.contains(k) && item[k].is_string() ? item[k].get<std::string>() : ""; };
  m.model_id = opt("model_id");
  m.dataset_name = opt("dataset_name");
  m.dataset_digest = opt("dataset_digest");
  return m;
}

void add_experiment_routes(HttpServer& s, TrackingStore& store) {
  const std::string api = kApi;
  rpc(s, "POST", api + "experiments/create", [&store](const Fields& f, RouteContext&) {
    const std::string id = store.create_experiment(f.required_str("name"), f.str("artifact_location"),
                                                   key_values(f.objects("tags"), "tags"));
    return json{{"experiment_id", id}};
  });
  rpc(s, "GET", api + "experiments/get", [&store](const Fields& f, RouteContext&) {
    return json{{"experiment", to_json(store.get_experiment(f.required_str("experiment_id")))}};
  });
  rpc(s, "GET", api + "experiments/get-by-name", [&store](const Fields& f, RouteContext&) {
    const std::string name = f.required_str("experiment_name");
    auto e = store.find_experiment_by_name(name);
    if (!e) throw Error::not_found("Could not find experiment with name '" + name + "'");
    return json{{"experiment", to_json(*e)}};
  });
  auto search = [&store](const Fields& f, RouteContext&) {
    ExperimentSearch q;
    q.filter = f.str("filter");
    q.max_results = f.int64("max_results").value_or(1000);
    q.order_by = f.strings("order_by");
    q.page_token = f.str("page_token");
    q.view = parse_view_type(f.str("view_type"));
    const auto page = store.search_experiments(q);
    json items = json::array();
    for (const auto& e : page.items) items.push_back(to_json(e));
    return page_json("experiments", std::move(items), page.next_page_token);
  };
  rpc(s, "POST", api + "experiments/search", search);
  rpc(s, "GET", api + "experiments/search", search);
  rpc(s, "POST", api + "experiments/delete", [&store](const Fields& f, RouteContext&) {
    store.delete_experiment(f.required_str("experiment_id"));
    return json::object();
  });
  rpc(s, "POST", api + "experiments/restore", [&store](const Fields& f, RouteContext&) {
    store.restore_experiment(f.required_str("experiment_id"));
    return json::object();
  });
  rpc(s, "POST", api + "experiments/update", [&store](const Fields& f, RouteContext&) {
    store.rename_experiment(f.required_str("experiment_id"), f.required_str("new_name"));
    return json::object();
  });
  rpc(s, "POST", api + "experiments/set-experiment-tag", [&store](const Fields& f, RouteContext&) {
    store.set_experiment_tag(f.required_str("experiment_id"), f.required_str("key"), f.str("value"));
    return json::object();
  });
  rpc(s, "POST", api + "experiments/delete-experiment-tag", [&store](const Fields& f, RouteContext&) {
    store.delete_experiment_tag(f.required_str("experiment_id"), f.required_str("key"));
    return json::object();
  });
}

void add_run_routes(HttpServer& s, TrackingStore& store) {
  const std::string api = kApi;
  rpc(s, "POST", api + "runs/create", [&store](const Fields& f, RouteContext&) {
    CreateRunOptions o;
    o.user_id = f.str("user_id");
    o.run_name = f.str("run_name");
    o.start_time = f.int64("start_time");
    o.tags = key_values(f.objects("tags"), "tags");
    std::string experiment = f.str("experiment_id");
    if (experiment.empty()) experiment = kDefaultExperimentId;
    return json{{"run", to_json(store.create_run(experiment, o))}};
  });
  rpc(s, "POST", api + "runs/update", [&store](const Fields& f, RouteContext&) {
    std::optional<RunStatus> status;
    if (auto raw = f.raw("status")) status = parse_run_status(*raw);
    const RunInfo info = store.update_run(run_id_of(f), status, f.int64("end_time"), f.str("run_name"));
    return json{{"run_info", to_json(info)}};
  });
  rpc(s, "POST", api + "runs/delete", [&store](const Fields& f, RouteContext&) {
    store.delete_run(run_id_of(f));
    return json::object();
  });
  rpc(s, "POST", api + "runs/restore", [&store](const Fields& f, RouteContext&) {
    store.restore_run(run_id_of(f));
    return json::object();
  });
  rpc(s, "GET", api + "runs/get", [&store](const Fields& f, RouteContext&) {
    return json{{"run", to_json(store.get_run(run_id_of(f)))}};
  });
  rpc(s, "POST", api + "runs/log-metric", [&store](const Fields& f, RouteContext&) {
    const std::string run_id = run_id_of(f);
    Metric m;
    m.key = f.required_str("key");
    const auto value = f.real("value");
    if (!value) missing("value");
    m.value = *value;
    const auto timestamp = f.int64("timestamp");
    if (!timestamp) missing("timestamp");
    m.timestamp = *timestamp;
    m.step = f.int64("step").value_or(0);
    m.model_id = f.str("model_id");
    m.dataset_name = f.str("dataset_name");
    m.dataset_digest = f.str("dataset_digest");
    store.log_metric(run_id, m);
    return json::object();
  });
  rpc(s, "POST", api + "runs/log-parameter", [&store](const Fields& f, RouteContext&) {
    const std::string run_id = run_id_of(f);
    if (!f.has("value")) missing("value");
    store.log_param(run_id, f.required_str("key"), f.str("value"));
    return json::object();
  });
  rpc(s, "POST", api + "runs/set-tag", [&store](const Fields& f, RouteContext&) {
    const std::string run_id = run_id_of(f);
    if (!f.has("value")) missing("value");
    store.set_tag(run_id, f.required_str("key"), f.str("value"));
    return json::object();
  });
  rpc(s, "POST", api + "runs/delete-tag", [&store](const Fields& f, RouteContext&) {
    store.delete_tag(run_id_of(f), f.required_str("key"));
    return json::object();
  });
  rpc(s, "POST", api + "runs/log-batch", [&store](const Fields& f, RouteContext&) {
    const std::string run_id = run_id_of(f);
    std::vector<Metric> metrics;
    const auto metric_items = f.objects("metrics");
    if (metric_items.size() > kMaxMetricsPerBatch)
      throw Error::invalid_input("A batch logging request can contain at most " + std::to_string(kMaxMetricsPerBatch) +
                                 " metrics. Got " + std::to_string(metric_items.size()) + " metrics.");
    for (const json& item : metric_items) metrics.push_back(metric_from(item, "metrics"));
    store.log_batch(run_id, metrics, key_values(f.objects("params"), "params"), key_values(f.objects("tags"), "tags"));
    return json::object();
  });
  rpc(s, "POST", api + "runs/log-model", [&store](const Fields& f, RouteContext&) {
    const std::string run_id = run_id_of(f);
    const std::string model_json = f.required_str("model_json");
    const json model = json::parse(model_json, nullptr, false);
    if (model.is_discarded() || !model.is_object()) throw Error::invalid_input("model_json is not a JSON object");
    for (const char* key : {"artifact_path", "flavors", "utc_time_created", "run_id"})
      if (!model.contains(key))
        throw Error::invalid_input(std::string("Model json is missing mandatory fields: ") + key);
    // As MLflow does: append to the run's mlflow.log-model.history tag.
    const Run run = store.get_run(run_id);
    json history = json::array();
    for (const Tag& t : run.data.tags)
      if (t.key == "mlflow.log-model.history") {
        history = json::parse(t.value, nullptr, false);
        if (!history.is_array()) history = json::array();
      }
    history.push_back(model);
    store.set_tag(run_id, "mlflow.log-model.history", dump(history));
    return json::object();
  });
  rpc(s, "POST", api + "runs/log-inputs", [&store](const Fields& f, RouteContext&) {
    const std::string run_id = run_id_of(f);
    std::vector<DatasetInput> inputs;
    for (const json& item : f.objects("datasets")) {
      DatasetInput in;
      const json d = item.value("dataset", json::object());
      auto field = [&](const char* k) { return d.contains(k) && d[k].is_string() ? d[k].get<std::string>() : ""; };
      in.dataset = {field("name"),   field("digest"), field("source_type"),
                    field("source"), field("schema"), field("profile")};
      if (item.contains("tags") && item["tags"].is_array())
        in.tags = key_values(item["tags"].get<std::vector<json>>(), "datasets.tags");
      inputs.push_back(std::move(in));
    }
    std::vector<std::string> models;
    for (const json& item : f.objects("models")) {
      if (!item.contains("model_id") || !item["model_id"].is_string()) missing("models.model_id");
      models.push_back(item["model_id"].get<std::string>());
    }
    store.log_inputs(run_id, inputs, models);
    return json::object();
  });
  rpc(s, "POST", api + "runs/outputs", [&store](const Fields& f, RouteContext&) {
    const std::string run_id = run_id_of(f);
    std::vector<ModelOutput> outputs;
    for (const json& item : f.objects("models")) {
      if (!item.contains("model_id") || !item["model_id"].is_string()) missing("models.model_id");
      ModelOutput o{item["model_id"].get<std::string>(), 0};
      if (item.contains("step") && !item["step"].is_null()) o.step = parse_int64(item["step"], "models.step");
      outputs.push_back(std::move(o));
    }
    store.log_outputs(run_id, outputs);
    return json::object();
  });
  rpc(s, "POST", api + "runs/search", [&store](const Fields& f, RouteContext&) {
    RunSearch q;
    q.experiment_ids = f.strings("experiment_ids");
    if (q.experiment_ids.empty()) missing("experiment_ids");
    q.filter = f.str("filter");
    q.view = parse_view_type(f.str("run_view_type"));
    q.max_results = f.int64("max_results").value_or(1000);
    q.order_by = f.strings("order_by");
    q.page_token = f.str("page_token");
    const auto page = store.search_runs(q);
    json runs = json::array();
    for (const auto& r : page.items) runs.push_back(to_json(r));
    return page_json("runs", std::move(runs), page.next_page_token);
  });
  rpc(s, "GET", api + "metrics/get-history", [&store](const Fields& f, RouteContext&) {
    const auto page = store.get_metric_history(run_id_of(f), f.required_str("metric_key"),
                                               f.int64("max_results").value_or(0), f.str("page_token"));
    json metrics = json::array();
    for (const auto& m : page.items) {
      json item = to_json(m);
      item.erase("run_id");
      metrics.push_back(std::move(item));
    }
    return page_json("metrics", std::move(metrics), page.next_page_token);
  });
  rpc(s, "GET", api + "artifacts/list", [&store](const Fields& f, RouteContext&) {
    const std::string run_id = run_id_of(f);
    const std::string path = f.str("path");
    const Run run = store.get_run(run_id);
    json files = json::array();
    for (const auto& e : store.list_artifacts(run_id, path)) {
      json item = {{"path", e.path}, {"is_dir", e.is_dir}};
      if (!e.is_dir) item["file_size"] = e.file_size;
      files.push_back(std::move(item));
    }
    json out = {{"root_uri", run.info.artifact_uri}};
    if (!files.empty()) out["files"] = std::move(files);
    return out;
  });
}

}  // namespace

void add_tracking_routes(HttpServer& server, TrackingStore& store) {
  add_experiment_routes(server, store);
  add_run_routes(server, store);
}

}  // namespace mlflow

void add_mlflow_routes(HttpServer& server, tracking::TrackingStore& store) {
  mlflow::add_tracking_routes(server, store);
  mlflow::add_logged_model_routes(server, store);
  mlflow::add_registry_routes(server, store);
  mlflow::add_artifact_routes(server, store);
  server.add_route("GET", "/health",
                   [](RouteContext&, httplib::Response& res) { res.set_content("OK", "text/plain"); });
}

}  // namespace bullion::server
