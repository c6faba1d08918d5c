// MLflow 3 logged-model RPCs.
#include <filesystem>

#include "server/mlflow_routes.h"

namespace bullion::server::mlflow {

using namespace bullion::tracking;

void add_logged_model_routes(HttpServer& s, TrackingStore& store) {
  const std::string api = std::string(kApi) + "logged-models";
  rpc(s, "POST", api, [&store](const Fields& f, RouteContext&) {
    const LoggedModel m = store.create_logged_model(f.required_str("experiment_id"), f.str("name"), f.str("model_type"),
                                                    f.str("source_run_id"), key_values(f.objects("params"), "params"),
                                                    key_values(f.objects("tags"), "tags"));
    return json{{"model", to_json(m)}};
  });
  rpc(s, "POST", api + "/search", [&store](const Fields& f, RouteContext&) {
    LoggedModelSearch q;
    q.experiment_ids = f.strings("experiment_ids");
    if (q.experiment_ids.empty()) missing("experiment_ids");
    q.filter = f.str("filter");
    q.max_results = f.int64("max_results").value_or(100);
    q.page_token = f.str("page_token");
    for (const json& o : f.objects("order_by")) {
      if (!o.contains("field_name") || !o["field_name"].is_string()) missing("order_by.field_name");
      q.order_by.push_back({o["field_name"].get<std::string>(), o.value("ascending", true)});
    }
    const auto page = store.search_logged_models(q);
    json models = json::array();
    for (const auto& m : page.items) models.push_back(to_json(m));
    json out = json::object();
    if (!models.empty()) out["models"] = std::move(models);
    if (!page.next_page_token.empty()) out["next_page_token"] = page.next_page_token;
    return out;
  });
  rpc(s, "GET", api + "/{model_id}", [&store](const Fields& f, RouteContext& ctx) {
    const bool allow_deleted = f.boolean("allow_deleted").value_or(false);
    return json{{"model", to_json(store.get_logged_model(ctx.param("model_id"), allow_deleted))}};
  });
  rpc(s, "PATCH", api + "/{model_id}", [&store](const Fields& f, RouteContext& ctx) {
    const auto raw = f.raw("status");
    if (!raw) missing("status");
    return json{
        {"model", to_json(store.finalize_logged_model(ctx.param("model_id"), parse_logged_model_status(*raw)))}};
  });
  rpc(s, "DELETE", api + "/{model_id}", [&store](const Fields&, RouteContext& ctx) {
    store.delete_logged_model(ctx.param("model_id"));
    return json::object();
  });
  rpc(s, "PATCH", api + "/{model_id}/tags", [&store](const Fields& f, RouteContext& ctx) {
    store.set_logged_model_tags(ctx.param("model_id"), key_values(f.objects("tags"), "tags"));
    return json::object();
  });
  rpc(s, "DELETE", api + "/{model_id}/tags/{tag_key}", [&store](const Fields&, RouteContext& ctx) {
    store.delete_logged_model_tag(ctx.param("model_id"), ctx.param("tag_key"));
    return json::object();
  });
  rpc(s, "POST", api + "/{model_id}/params", [&store](const Fields& f, RouteContext& ctx) {
    store.log_logged_model_params(ctx.param("model_id"), key_values(f.objects("params"), "params"));
    return json::object();
  });
  rpc(s, "GET", api + "/{model_id}/artifacts/directories", [&store](const Fields& f, RouteContext& ctx) {
    const LoggedModel m = store.get_logged_model(ctx.param("model_id"));
    const std::string sub = f.str("artifact_directory_path");
    TrackingStore::validate_artifact_path(sub);
    const std::string root = store.local_path_for_uri(m.artifact_location);
    const std::string dir = sub.empty() ? root : root + "/" + sub;
    json files = json::array();
    std::error_code ec;
    if (std::filesystem::is_directory(dir, ec)) {
      std::vector<std::filesystem::directory_entry> entries(std::filesystem::directory_iterator(dir, ec), {});
      std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.path() < b.path(); });
      for (const auto& e : entries) {
        const std::string name = e.path().filename().string();
        json item = {{"path", sub.empty() ? name : sub + "/" + name}, {"is_dir", e.is_directory()}};
        if (!e.is_directory()) item["file_size"] = static_cast<int64_t>(e.file_size());
        files.push_back(std::move(item));
      }
    }
    json out = {{"root_uri", m.artifact_location}};
    if (!files.empty()) out["files"] = std::move(files);
    return out;
  });
}

}  // namespace bullion::server::mlflow
