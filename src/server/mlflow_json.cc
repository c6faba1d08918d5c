#include "server/mlflow_json.h"

#include <charconv>
#include <cmath>

#include "bullion/server/http_server.h"

namespace bullion::server::mlflow {

using namespace bullion::tracking;

void missing(const std::string& key) {
  throw Error::invalid_input("Missing value for required parameter '" + key + "'.");
}

Fields Fields::from_body(const std::string& body) {
  Fields f;
  if (body.find_first_not_of(" \t\r\n") == std::string::npos) return f;
  f.body_ = json::parse(body, nullptr, false);
  if (f.body_.is_discarded()) throw HttpError(400, "BAD_REQUEST", "malformed JSON in request body");
  if (!f.body_.is_object()) throw HttpError(400, "BAD_REQUEST", "the request body must be a JSON object");
  return f;
}

Fields Fields::from_query(const httplib::Request& request) {
  Fields f;
  f.is_query_ = true;
  for (const auto& [k, v] : request.params) f.query_.emplace(k, v);
  return f;
}

bool Fields::has(const std::string& key) const {
  if (is_query_) return query_.count(key) > 0;
  return body_.contains(key) && !body_[key].is_null();
}

std::string Fields::str(const std::string& key) const {
  if (is_query_) {
    auto it = query_.find(key);
    return it == query_.end() ? std::string() : it->second;
  }
  if (!has(key)) return {};
  const json& v = body_[key];
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
  throw Error::invalid_input("Invalid value " + v.dump() + " for parameter '" + key + "' supplied: expected a string");
}

std::string Fields::required_str(const std::string& key) const {
  std::string v = str(key);
  if (v.empty()) missing(key);
  return v;
}

int64_t parse_int64(const json& v, const std::string& what) {
  if (v.is_number_integer()) return v.get<int64_t>();
  if (v.is_number_float()) {
    const double d = v.get<double>();
    if (std::floor(d) == d && std::abs(d) < 9.2e18) return static_cast<int64_t>(d);
  }
  if (v.is_string()) {
    const std::string s = v.get<std::string>();
    int64_t out = 0;
    const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    if (!s.empty() && ec == std::errc() && ptr == s.data() + s.size()) return out;
  }
  throw Error::invalid_input("Invalid value " + v.dump() + " for parameter '" + what +
                             "' supplied: expected an integer");
}

double parse_double(const json& v, const std::string& what) {
  if (v.is_number()) return v.get<double>();
  if (v.is_string()) {
    const std::string s = v.get<std::string>();
    if (s == "NaN" || s == "nan") return std::nan("");
    if (s == "Infinity" || s == "inf") return INFINITY;
    if (s == "-Infinity" || s == "-inf") return -INFINITY;
    double out = 0;
    const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    if (!s.empty() && ec == std::errc() && ptr == s.data() + s.size()) return out;
  }
  throw Error::invalid_input("Invalid value " + v.dump() + " for parameter '" + what + "' supplied: expected a number");
}

std::optional<int64_t> Fields::int64(const std::string& key) const {
  if (!has(key)) return std::nullopt;
  if (is_query_) return parse_int64(json(str(key)), key);
  return parse_int64(body_[key], key);
}

std::optional<double> Fields::real(const std::string& key) const {
  if (!has(key)) return std::nullopt;
  if (is_query_) return parse_double(json(str(key)), key);
  return parse_double(body_[key], key);
}

std::optional<bool> Fields::boolean(const std::string& key) const {
  if (!has(key)) return std::nullopt;
  json v = is_query_ ? json(str(key)) : body_[key];
  if (v.is_boolean()) return v.get<bool>();
  if (v.is_string()) {
    std::string s = v.get<std::string>();
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (s == "true") return true;
    if (s == "false") return false;
  }
  throw Error::invalid_input("Invalid value " + v.dump() + " for parameter '" + key + "' supplied: expected a boolean");
}

std::vector<std::string> Fields::strings(const std::string& key) const {
  std::vector<std::string> out;
  if (is_query_) {
    auto [begin, end] = query_.equal_range(key);
    for (auto it = begin; it != end; ++it) out.push_back(it->second);
    return out;
  }
  if (!has(key)) return out;
  const json& v = body_[key];
  if (v.is_string()) return {v.get<std::string>()};
  if (!v.is_array())
    throw Error::invalid_input("Invalid value " + v.dump() + " for parameter '" + key + "' supplied: expected a list");
  for (const json& item : v) {
    if (item.is_string())
      out.push_back(item.get<std::string>());
    else if (item.is_number_integer())
      out.push_back(std::to_string(item.get<int64_t>()));
    else
      throw Error::invalid_input("Invalid value in '" + key + "': expected strings");
  }
  return out;
}

std::vector<json> Fields::objects(const std::string& key) const {
  std::vector<json> out;
  if (is_query_ || !has(key)) return out;
  const json& v = body_[key];
  if (!v.is_array())
    throw Error::invalid_input("Invalid value " + v.dump().substr(0, 200) + " for parameter '" + key +
                               "' supplied: expected a list");
  for (const json& item : v) {
    if (!item.is_object()) throw Error::invalid_input("Invalid value in '" + key + "': expected objects");
    out.push_back(item);
  }
  return out;
}

std::optional<json> Fields::raw(const std::string& key) const {
  if (!has(key)) return std::nullopt;
  if (is_query_) return json(str(key));
  return body_[key];
}

std::vector<KeyValue> key_values(const std::vector<json>& items, const std::string& what) {
  std::vector<KeyValue> out;
  for (const json& item : items) {
    auto field = [&](const char* name) -> std::string {
      if (!item.contains(name) || item[name].is_null()) return {};
      const json& v = item[name];
      if (v.is_string()) return v.get<std::string>();
      if (v.is_number() || v.is_boolean()) return v.dump();
      throw Error::invalid_input("Invalid value for " + what + "." + name + ": expected a string");
    };
    if (!item.contains("key")) missing(what + ".key");
    out.push_back({field("key"), field("value")});
  }
  return out;
}

json double_json(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  return v;
}

json to_json(const std::vector<KeyValue>& kvs) {
  json out = json::array();
  for (const auto& kv : kvs) out.push_back({{"key", kv.key}, {"value", kv.value}});
  return out;
}

json to_json(const Metric& m) {
  json out = {{"key", m.key}, {"value", double_json(m.value)}, {"timestamp", m.timestamp}, {"step", m.step}};
  if (!m.dataset_name.empty()) out["dataset_name"] = m.dataset_name;
  if (!m.dataset_digest.empty()) out["dataset_digest"] = m.dataset_digest;
  if (!m.model_id.empty()) out["model_id"] = m.model_id;
  if (!m.run_id.empty()) out["run_id"] = m.run_id;
  return out;
}

json to_json(const Experiment& e) {
  json out = {{"experiment_id", e.experiment_id},         {"name", e.name},
              {"artifact_location", e.artifact_location}, {"lifecycle_stage", to_string(e.lifecycle_stage)},
              {"last_update_time", e.last_update_time},   {"creation_time", e.creation_time}};
  if (!e.tags.empty()) out["tags"] = to_json(e.tags);
  return out;
}

json to_json(const RunInfo& info) {
  json out = {{"run_id", info.run_id},
              {"run_uuid", info.run_id},
              {"run_name", info.run_name},
              {"experiment_id", info.experiment_id},
              {"user_id", info.user_id},
              {"status", to_string(info.status)},
              {"start_time", info.start_time},
              {"artifact_uri", info.artifact_uri},
              {"lifecycle_stage", to_string(info.lifecycle_stage)}};
  if (info.end_time) out["end_time"] = *info.end_time;
  return out;
}

json to_json(const Run& run) {
  json data = json::object();
  if (!run.data.metrics.empty()) {
    json metrics = json::array();
    for (const auto& m : run.data.metrics) metrics.push_back(to_json(m));
    data["metrics"] = std::move(metrics);
  }
  if (!run.data.params.empty()) data["params"] = to_json(run.data.params);
  if (!run.data.tags.empty()) data["tags"] = to_json(run.data.tags);
  json inputs = json::object();
  if (!run.dataset_inputs.empty()) {
    json datasets = json::array();
    for (const auto& d : run.dataset_inputs) {
      json item = {{"dataset",
                    {{"name", d.dataset.name},
                     {"digest", d.dataset.digest},
                     {"source_type", d.dataset.source_type},
                     {"source", d.dataset.source}}}};
      if (!d.dataset.schema.empty()) item["dataset"]["schema"] = d.dataset.schema;
      if (!d.dataset.profile.empty()) item["dataset"]["profile"] = d.dataset.profile;
      if (!d.tags.empty()) item["tags"] = to_json(d.tags);
      datasets.push_back(std::move(item));
    }
    inputs["dataset_inputs"] = std::move(datasets);
  }
  if (!run.model_inputs.empty()) {
    json models = json::array();
    for (const auto& id : run.model_inputs) models.push_back({{"model_id", id}});
    inputs["model_inputs"] = std::move(models);
  }
  json outputs = json::object();
  if (!run.model_outputs.empty()) {
    json models = json::array();
    for (const auto& m : run.model_outputs) models.push_back({{"model_id", m.model_id}, {"step", m.step}});
    outputs["model_outputs"] = std::move(models);
  }
  return {{"info", to_json(run.info)}, {"data", data}, {"inputs", inputs}, {"outputs", outputs}};
}

json to_json(const LoggedModel& m) {
  json info = {{"model_id", m.model_id},
               {"experiment_id", m.experiment_id},
               {"name", m.name},
               {"creation_timestamp_ms", m.creation_timestamp},
               {"last_updated_timestamp_ms", m.last_updated_timestamp},
               {"artifact_uri", m.artifact_location},
               {"status", to_string(m.status)},
               {"model_type", m.model_type},
               {"source_run_id", m.source_run_id},
               {"status_message", m.status_message}};
  if (!m.tags.empty()) info["tags"] = to_json(m.tags);
  if (!m.registrations.empty()) {
    json regs = json::array();
    for (const auto& r : m.registrations) regs.push_back({{"name", r.name}, {"version", r.version}});
    info["registrations"] = std::move(regs);
  }
  json data = json::object();
  if (!m.params.empty()) data["params"] = to_json(m.params);
  if (!m.metrics.empty()) {
    json metrics = json::array();
    for (const auto& metric : m.metrics) metrics.push_back(to_json(metric));
    data["metrics"] = std::move(metrics);
  }
  return {{"info", info}, {"data", data}};
}

json to_json(const ModelVersion& v) {
  json out = {{"name", v.name},
              {"version", std::to_string(v.version)},
              {"creation_timestamp", v.creation_timestamp},
              {"last_updated_timestamp", v.last_updated_timestamp},
              {"user_id", v.user_id},
              {"current_stage", v.current_stage},
              {"description", v.description},
              {"source", v.source},
              {"run_id", v.run_id},
              {"status", to_string(v.status)},
              {"status_message", v.status_message},
              {"run_link", v.run_link}};
  if (!v.model_id.empty()) out["model_id"] = v.model_id;
  if (!v.tags.empty()) out["tags"] = to_json(v.tags);
  if (!v.aliases.empty()) out["aliases"] = v.aliases;
  return out;
}

json to_json(const RegisteredModel& m) {
  json out = {{"name", m.name},
              {"creation_timestamp", m.creation_timestamp},
              {"last_updated_timestamp", m.last_updated_timestamp},
              {"user_id", m.user_id},
              {"description", m.description}};
  if (!m.latest_versions.empty()) {
    json versions = json::array();
    for (const auto& v : m.latest_versions) versions.push_back(to_json(v));
    out["latest_versions"] = std::move(versions);
  }
  if (!m.tags.empty()) out["tags"] = to_json(m.tags);
  if (!m.aliases.empty()) {
    json aliases = json::array();
    for (const auto& a : m.aliases) aliases.push_back({{"alias", a.alias}, {"version", std::to_string(a.version)}});
    out["aliases"] = std::move(aliases);
  }
  return out;
}

RunStatus parse_run_status(const json& v) {
  if (v.is_number_integer()) {
    switch (v.get<int64_t>()) {
      case 1:
        return RunStatus::kRunning;
      case 2:
        return RunStatus::kScheduled;
      case 3:
        return RunStatus::kFinished;
      case 4:
        return RunStatus::kFailed;
      case 5:
        return RunStatus::kKilled;
      default:
        break;
    }
  } else if (v.is_string()) {
    if (auto s = tracking::parse_run_status(v.get<std::string>())) return *s;
  }
  throw Error::invalid_input("Invalid value " + v.dump() + " for parameter 'status' supplied",
                             "run statuses are RUNNING, SCHEDULED, FINISHED, FAILED and KILLED");
}

ViewType parse_view_type(const std::string& v) {
  if (v.empty()) return ViewType::kActiveOnly;
  if (v == "1") return ViewType::kActiveOnly;
  if (v == "2") return ViewType::kDeletedOnly;
  if (v == "3") return ViewType::kAll;
  if (auto t = tracking::parse_view_type(v)) return *t;
  throw Error::invalid_input("Invalid view type '" + v + "'", "use ACTIVE_ONLY, DELETED_ONLY or ALL");
}

LoggedModelStatus parse_logged_model_status(const json& v) {
  if (v.is_number_integer()) {
    switch (v.get<int64_t>()) {
      case 1:
        return LoggedModelStatus::kPending;
      case 2:
        return LoggedModelStatus::kReady;
      case 3:
        return LoggedModelStatus::kUploadFailed;
      default:
        break;
    }
  } else if (v.is_string()) {
    if (auto s = tracking::parse_logged_model_status(v.get<std::string>())) return *s;
  }
  throw Error::invalid_input("Invalid value " + v.dump() + " for parameter 'status' supplied",
                             "logged model statuses are LOGGED_MODEL_PENDING, LOGGED_MODEL_READY and "
                             "LOGGED_MODEL_UPLOAD_FAILED");
}

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

}  // namespace bullion::server::mlflow
