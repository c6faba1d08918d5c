// MLflow model registry RPCs: registered models, versions, stages, aliases.
#include "server/mlflow_routes.h"

namespace bullion::server::mlflow {

using namespace bullion::tracking;

namespace {

int64_t version_of(const Fields& f) {
  const auto raw = f.raw("version");
  if (!raw || (raw->is_string() && raw->get<std::string>().empty())) missing("version");
  int64_t v = 0;
  try {
    v = parse_int64(*raw, "version");
  } catch (const Error&) {
    throw Error::invalid_input("Model version must be an integer, got " + raw->dump());
  }
  if (v <= 0) throw Error::invalid_input("Model version must be a positive integer, got " + std::to_string(v));
  return v;
}

json versions_json(const std::vector<ModelVersion>& versions) {
  json items = json::array();
  for (const auto& v : versions) items.push_back(to_json(v));
  return items;
}

}  // namespace

void add_registry_routes(HttpServer& s, TrackingStore& store) {
  const std::string rm = std::string(kApi) + "registered-models/";
  const std::string mv = std::string(kApi) + "model-versions/";
  rpc(s, "POST", rm + "create", [&store](const Fields& f, RouteContext&) {
    return json{{"registered_model", to_json(store.create_registered_model(f.required_str("name"), f.str("description"),
                                                                           key_values(f.objects("tags"), "tags")))}};
  });
  rpc(s, "GET", rm + "get", [&store](const Fields& f, RouteContext&) {
    return json{{"registered_model", to_json(store.get_registered_model(f.required_str("name")))}};
  });
  rpc(s, "POST", rm + "rename", [&store](const Fields& f, RouteContext&) {
    return json{{"registered_model",
                 to_json(store.rename_registered_model(f.required_str("name"), f.required_str("new_name")))}};
  });
  rpc(s, "PATCH", rm + "update", [&store](const Fields& f, RouteContext&) {
    return json{
        {"registered_model", to_json(store.update_registered_model(f.required_str("name"), f.str("description")))}};
  });
  rpc(s, "DELETE", rm + "delete", [&store](const Fields& f, RouteContext&) {
    store.delete_registered_model(f.required_str("name"));
    return json::object();
  });
  rpc(s, "GET", rm + "search", [&store](const Fields& f, RouteContext&) {
    const auto page = store.search_registered_models(f.str("filter"), f.int64("max_results").value_or(100),
                                                     f.strings("order_by"), f.str("page_token"));
    json models = json::array();
    for (const auto& m : page.items) models.push_back(to_json(m));
    json out = json::object();
    if (!models.empty()) out["registered_models"] = std::move(models);
    if (!page.next_page_token.empty()) out["next_page_token"] = page.next_page_token;
    return out;
  });
  auto latest = [&store](const Fields& f, RouteContext&) {
    const auto versions = store.get_latest_versions(f.required_str("name"), f.strings("stages"));
    json out = json::object();
    if (!versions.empty()) out["model_versions"] = versions_json(versions);
    return out;
  };
  rpc(s, "POST", rm + "get-latest-versions", latest);
  rpc(s, "GET", rm + "get-latest-versions", latest);
  rpc(s, "POST", rm + "set-tag", [&store](const Fields& f, RouteContext&) {
    store.set_registered_model_tag(f.required_str("name"), f.required_str("key"), f.str("value"));
    return json::object();
  });
  rpc(s, "DELETE", rm + "delete-tag", [&store](const Fields& f, RouteContext&) {
    store.delete_registered_model_tag(f.required_str("name"), f.required_str("key"));
    return json::object();
  });
  rpc(s, "POST", rm + "alias", [&store](const Fields& f, RouteContext&) {
    store.set_registered_model_alias(f.required_str("name"), f.required_str("alias"), version_of(f));
    return json::object();
  });
  rpc(s, "DELETE", rm + "alias", [&store](const Fields& f, RouteContext&) {
    store.delete_registered_model_alias(f.required_str("name"), f.required_str("alias"));
    return json::object();
  });
  rpc(s, "GET", rm + "alias", [&store](const Fields& f, RouteContext&) {
    return json{
        {"model_version", to_json(store.get_model_version_by_alias(f.required_str("name"), f.required_str("alias")))}};
  });

  rpc(s, "POST", mv + "create", [&store](const Fields& f, RouteContext&) {
    CreateModelVersionOptions o;
    o.source = f.str("source");
    o.run_id = f.str("run_id");
    o.model_id = f.str("model_id");
    o.run_link = f.str("run_link");
    o.description = f.str("description");
    o.tags = key_values(f.objects("tags"), "tags");
    if (o.source.empty() && o.model_id.empty()) missing("source");
    return json{{"model_version", to_json(store.create_model_version(f.required_str("name"), o))}};
  });
  rpc(s, "GET", mv + "get", [&store](const Fields& f, RouteContext&) {
    return json{{"model_version", to_json(store.get_model_version(f.required_str("name"), version_of(f)))}};
  });
  rpc(s, "PATCH", mv + "update", [&store](const Fields& f, RouteContext&) {
    return json{{"model_version",
                 to_json(store.update_model_version(f.required_str("name"), version_of(f), f.str("description")))}};
  });
  rpc(s, "DELETE", mv + "delete", [&store](const Fields& f, RouteContext&) {
    store.delete_model_version(f.required_str("name"), version_of(f));
    return json::object();
  });
  rpc(s, "GET", mv + "search", [&store](const Fields& f, RouteContext&) {
    const auto page = store.search_model_versions(f.str("filter"), f.int64("max_results").value_or(10000),
                                                  f.strings("order_by"), f.str("page_token"));
    json out = json::object();
    if (!page.items.empty()) out["model_versions"] = versions_json(page.items);
    if (!page.next_page_token.empty()) out["next_page_token"] = page.next_page_token;
    return out;
  });
  rpc(s, "GET", mv + "get-download-uri", [&store](const Fields& f, RouteContext&) {
    return json{{"artifact_uri", store.get_model_version_download_uri(f.required_str("name"), version_of(f))}};
  });
  rpc(s, "POST", mv + "transition-stage", [&store](const Fields& f, RouteContext&) {
    const std::string name = f.required_str("name");
    const int64_t version = version_of(f);
    const std::string stage = f.required_str("stage");
    const bool archive = f.boolean("archive_existing_versions").value_or(false);
    return json{{"model_version", to_json(store.transition_model_version_stage(name, version, stage, archive))}};
  });
  rpc(s, "POST", mv + "set-tag", [&store](const Fields& f, RouteContext&) {
    store.set_model_version_tag(f.required_str("name"), version_of(f), f.required_str("key"), f.str("value"));
    return json::object();
  });
  rpc(s, "DELETE", mv + "delete-tag", [&store](const Fields& f, RouteContext&) {
    store.delete_model_version_tag(f.required_str("name"), version_of(f), f.required_str("key"));
    return json::object();
  });
}

}  // namespace bullion::server::mlflow
