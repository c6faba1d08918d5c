#include "bullion/tracking/mlmodel.h"

#include <yaml-cpp/yaml.h>

#include <ctime>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "bullion/core/fs.h"
#include "bullion/core/time.h"
#include "bullion/tracking/store.h"
#include "tracking/store_internal.h"

namespace bullion::tracking {

namespace fs = std::filesystem;

namespace {

// A JSON string literal (MLflow's column specs are JSON inside the YAML).
std::string json_string(const std::string& s) { return nlohmann::json(s).dump(); }

// "2026-11-25 10:15:30.123456": Python's str(datetime.utcnow()).
std::string python_utc_time(int64_t micros) {
  const int64_t seconds = micros >= 0 ? micros / 1'000'000 : (micros - 999'999) / 1'000'000;
  const int64_t fraction = micros - seconds * 1'000'000;
  const std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  std::string out = buf;
  if (fraction != 0) {
    char frac[16];
    std::snprintf(frac, sizeof frac, ".%06lld", static_cast<long long>(fraction));
    out += frac;
  }
  return out;
}

std::vector<std::string> requirements(const XGBoostModelInfo& info) {
  if (!info.pip_requirements.empty()) return info.pip_requirements;
  return {"mlflow==" + info.mlflow_version, "xgboost==" + info.xgb_version};
}

uint64_t directory_size(const std::string& dir) {
  uint64_t total = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir))
    if (entry.is_regular_file() && entry.path().filename() != "MLmodel") total += entry.file_size();
  return total;
}

}  // namespace

std::string signature_json(const std::vector<ColumnSpec>& columns) {
  std::string out = "[";
  for (size_t i = 0; i < columns.size(); ++i) {
    const ColumnSpec& c = columns[i];
    if (i) out += ", ";
    out += "{\"type\": " + json_string(c.type);
    if (!c.name.empty()) out += ", \"name\": " + json_string(c.name);
    out += std::string(", \"required\": ") + (c.required ? "true" : "false") + "}";
  }
  return out + "]";
}

std::string render_mlmodel(const XGBoostModelInfo& info, int64_t model_size_bytes) {
  const int64_t created = info.utc_time_created_micros != 0 ? info.utc_time_created_micros : now_micros();
  YAML::Emitter out;
  out << YAML::BeginMap;
  if (!info.artifact_path.empty()) out << YAML::Key << "artifact_path" << YAML::Value << info.artifact_path;
  out << YAML::Key << "flavors" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "python_function" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "data" << YAML::Value << info.model_file;
  out << YAML::Key << "env" << YAML::Value << YAML::BeginMap << YAML::Key << "conda" << YAML::Value << "conda.yaml"
      << YAML::Key << "virtualenv" << YAML::Value << "python_env.yaml" << YAML::EndMap;
  out << YAML::Key << "loader_module" << YAML::Value << "mlflow.xgboost";
  out << YAML::Key << "python_version" << YAML::Value << info.python_version;
  out << YAML::EndMap;
  out << YAML::Key << "xgboost" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "code" << YAML::Value << YAML::Null;
  out << YAML::Key << "data" << YAML::Value << info.model_file;
  out << YAML::Key << "model_class" << YAML::Value << info.model_class;
  out << YAML::Key << "model_format" << YAML::Value << info.model_format;
  out << YAML::Key << "xgb_version" << YAML::Value << info.xgb_version;
  out << YAML::EndMap;
  out << YAML::EndMap;
  if (info.signature) out << YAML::Key << "is_signature_from_type_hint" << YAML::Value << false;
  out << YAML::Key << "mlflow_version" << YAML::Value << info.mlflow_version;
  if (!info.model_id.empty()) out << YAML::Key << "model_id" << YAML::Value << info.model_id;
  out << YAML::Key << "model_size_bytes" << YAML::Value << model_size_bytes;
  out << YAML::Key << "model_uuid" << YAML::Value << (info.model_id.empty() ? detail::random_hex(16) : info.model_id);
  if (!info.run_id.empty()) out << YAML::Key << "run_id" << YAML::Value << info.run_id;
  if (info.signature) {
    out << YAML::Key << "signature" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "inputs" << YAML::Value << YAML::SingleQuoted << signature_json(info.signature->inputs);
    out << YAML::Key << "outputs" << YAML::Value << YAML::SingleQuoted << signature_json(info.signature->outputs);
    out << YAML::Key << "params" << YAML::Value << YAML::Null;
    out << YAML::EndMap;
    out << YAML::Key << "type_hint_from_example" << YAML::Value << false;
  }
  out << YAML::Key << "utc_time_created" << YAML::Value << YAML::SingleQuoted << python_utc_time(created);
  out << YAML::EndMap;
  if (!out.good()) throw Error::internal(std::string("rendering MLmodel: ") + out.GetLastError());
  return std::string(out.c_str()) + "\n";
}

void write_xgboost_model_directory(const std::string& dir, const XGBoostModelInfo& info) {
  if (info.model_format != "json" && info.model_format != "ubj")
    throw Error::invalid_input("unsupported XGBoost model format '" + info.model_format + "'",
                               "write the booster as model.json (format json) or model.ubj (format ubj)");
  if (info.model_file.empty() || info.model_file.find('/') != std::string::npos)
    throw Error::invalid_input("model file name '" + info.model_file + "' must be a plain file name");
  const std::string model_path = join_path(dir, info.model_file);
  std::error_code ec;
  if (!fs::is_regular_file(model_path, ec))
    throw Error::not_found("model file '" + model_path + "' does not exist",
                           "save the booster into the model directory before writing MLmodel");
  const std::vector<std::string> reqs = requirements(info);
  std::string requirements_txt;
  for (const auto& r : reqs) requirements_txt += r + "\n";
  detail::write_file_atomic(join_path(dir, "requirements.txt"), requirements_txt);
  detail::write_file_atomic(join_path(dir, "python_env.yaml"),
                            "python: " + info.python_version +
                                "\nbuild_dependencies:\n- pip\n- setuptools\n- wheel\ndependencies:\n- -r "
                                "requirements.txt\n");
  std::string conda = "channels:\n- conda-forge\ndependencies:\n- python=" + info.python_version + "\n- pip\n- pip:\n";
  for (const auto& r : reqs) conda += "  - " + r + "\n";
  conda += "name: mlflow-env\n";
  detail::write_file_atomic(join_path(dir, "conda.yaml"), conda);
  detail::write_file_atomic(join_path(dir, "MLmodel"), render_mlmodel(info, static_cast<int64_t>(directory_size(dir))));
}

LoggedModel log_xgboost_model(TrackingStore& store, const std::string& run_id, const std::string& name,
                              const std::string& model_file_path, XGBoostModelInfo info,
                              const std::vector<Param>& params) {
  const Run run = store.get_run(run_id);
  LoggedModel model = store.create_logged_model(run.info.experiment_id, name, "xgboost", run_id, params);
  try {
    info.run_id = run_id;
    info.model_id = model.model_id;
    info.artifact_path = model.artifact_location;
    const std::string dir = store.local_path_for_uri(model.artifact_location);
    detail::copy_file_atomic(model_file_path, join_path(dir, info.model_file));
    write_xgboost_model_directory(dir, info);
    store.log_outputs(run_id, {{model.model_id, 0}});
    return store.finalize_logged_model(model.model_id, LoggedModelStatus::kReady);
  } catch (...) {
    try {
      store.finalize_logged_model(model.model_id, LoggedModelStatus::kUploadFailed);
    } catch (...) {
    }
    throw;
  }
}

ModelVersion register_logged_model(TrackingStore& store, const std::string& registered_name,
                                   const std::string& model_id, const std::string& user_id) {
  if (!store.registered_model_exists(registered_name)) {
    try {
      store.create_registered_model(registered_name, "", {}, user_id);
    } catch (const Error& e) {
      if (e.category() != ErrorCategory::kConflict || dynamic_cast<const StoreBusyError*>(&e) != nullptr) throw;
    }
  }
  CreateModelVersionOptions options;
  options.source = "models:/" + model_id;
  options.model_id = model_id;
  options.user_id = user_id;
  return store.create_model_version(registered_name, options);
}

}  // namespace bullion::tracking
