// bullion/tracking/mlmodel.h — MLflow model directories for XGBoost models.
//
// An MLflow model directory is what `mlflow.pyfunc.load_model` and
// `mlflow.xgboost.load_model` read:
//   MLmodel            YAML: flavors xgboost + python_function, signature, ids
//   model.json         the booster, as XGBoost's JSON model format
//   requirements.txt   pip requirements (mlflow, xgboost)
//   python_env.yaml    python version and build dependencies
//   conda.yaml         the same for conda
// The model file itself is written by the caller (XGBoosterSaveModel to
// "model.json", or Python's Booster.save_model); these functions write the
// rest around it. pyfunc predictions of a Booster with a binary:logistic
// objective are probabilities, so the default output signature is one double.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bullion/tracking/entities.h"

namespace bullion::tracking {

class TrackingStore;

// MLflow's column types: "double", "float", "long", "integer", "boolean",
// "string", "binary", "datetime".
struct ColumnSpec {
  std::string name;  // "" for an unnamed output
  std::string type = "double";
  bool required = true;
};

struct ModelSignature {
  std::vector<ColumnSpec> inputs;
  std::vector<ColumnSpec> outputs = {ColumnSpec{"", "double", true}};
};

struct XGBoostModelInfo {
  std::string model_file = "model.json";             // file name inside the directory
  std::string model_format = "json";                 // "json" or "ubj"
  std::string model_class = "xgboost.core.Booster";  // what mlflow.xgboost.load_model returns
  std::string xgb_version = "1.7.4";                 // the XGBoost that wrote the file
  std::optional<ModelSignature> signature;
  std::string run_id;
  std::string model_id;                  // "m-…"; also written as model_uuid
  std::string artifact_path;             // the logged model's artifact location ("" to omit)
  int64_t utc_time_created_micros = 0;   // 0 = now
  std::string mlflow_version = "3.1.0";  // MLflow model format version written
  std::string python_version = "3.11.2";
  // requirements.txt lines; default: mlflow==<mlflow_version>, xgboost==<xgb_version>.
  std::vector<std::string> pip_requirements;
};

// The MLmodel document for `info` (model_size_bytes given by the caller).
std::string render_mlmodel(const XGBoostModelInfo& info, int64_t model_size_bytes);
// MLflow's column-spec JSON ('[{"type": "double", "name": "x", "required": true}]').
std::string signature_json(const std::vector<ColumnSpec>& columns);

// Writes MLmodel, requirements.txt, python_env.yaml and conda.yaml into
// `dir` (created if needed), each atomically. The model file must already be
// in `dir` (kNotFound otherwise); model_size_bytes is the directory's size.
void write_xgboost_model_directory(const std::string& dir, const XGBoostModelInfo& info);

// The training layer's one call to log a model: creates an MLflow 3 logged
// model in the run's experiment (source_run_id = run_id, model_type
// "xgboost"), writes the full directory (model file copied from
// `model_file_path`, MLmodel with the model's id and artifact location) into
// its artifact location, links it as an output of the run (step 0), and marks
// it READY. On failure the logged model is marked UPLOAD_FAILED and the error
// rethrown. `info.run_id`, `info.model_id` and `info.artifact_path` are filled in.
LoggedModel log_xgboost_model(TrackingStore& store, const std::string& run_id, const std::string& name,
                              const std::string& model_file_path, XGBoostModelInfo info,
                              const std::vector<Param>& params = {});

// Registers a logged model as a new version of `registered_name`, creating
// the registered model when it does not exist (races with other processes
// resolve to one model). Returns the new version.
ModelVersion register_logged_model(TrackingStore& store, const std::string& registered_name,
                                   const std::string& model_id, const std::string& user_id = "");

}  // namespace bullion::tracking
