// bullion/tracking/entities.h — the values the tracking store reads and writes.
//
// They mirror MLflow's entities (service.proto, model_registry.proto) so that
// the REST layer can translate them one to one. Times are milliseconds since
// the Unix epoch (MLflow's unit), ids are strings as on MLflow's wire. Plain
// values: copyable, no behaviour, no invariants beyond what the comments say.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace bullion::tracking {

enum class LifecycleStage { kActive, kDeleted };
enum class RunStatus { kRunning, kScheduled, kFinished, kFailed, kKilled };
enum class ViewType { kActiveOnly, kDeletedOnly, kAll };
enum class LoggedModelStatus { kPending, kReady, kUploadFailed };
enum class ModelVersionStatus { kPendingRegistration, kFailedRegistration, kReady };

// Names as MLflow spells them ("active", "RUNNING", "ACTIVE_ONLY",
// "LOGGED_MODEL_READY", "READY"); parse_* accept them case-insensitively and
// return nullopt for anything else.
const char* to_string(LifecycleStage stage);
const char* to_string(RunStatus status);
const char* to_string(ViewType view);
const char* to_string(LoggedModelStatus status);
const char* to_string(ModelVersionStatus status);
std::optional<RunStatus> parse_run_status(std::string_view text);
std::optional<ViewType> parse_view_type(std::string_view text);
std::optional<LoggedModelStatus> parse_logged_model_status(std::string_view text);

struct KeyValue {
  std::string key;
  std::string value;
  bool operator==(const KeyValue&) const = default;
};
using Tag = KeyValue;
using Param = KeyValue;

struct Metric {
  std::string key;
  double value = 0;       // may be NaN or ±infinity
  int64_t timestamp = 0;  // ms since the epoch
  int64_t step = 0;
  std::string model_id;  // MLflow 3: the logged model the metric describes ("" for none)
  std::string dataset_name;
  std::string dataset_digest;
  std::string run_id;  // filled on reads of logged-model metrics
};

struct Experiment {
  std::string experiment_id;  // "0" is the Default experiment
  std::string name;
  std::string artifact_location;  // "mlflow-artifacts:/<id>" unless given at creation
  LifecycleStage lifecycle_stage = LifecycleStage::kActive;
  int64_t creation_time = 0;
  int64_t last_update_time = 0;
  std::vector<Tag> tags;  // sorted by key
};

struct RunInfo {
  std::string run_id;  // uuid4 as 32 lowercase hex digits
  std::string run_name;
  std::string experiment_id;
  std::string user_id;
  RunStatus status = RunStatus::kRunning;
  int64_t start_time = 0;
  std::optional<int64_t> end_time;
  std::string artifact_uri;  // "<experiment artifact location>/<run_id>/artifacts"
  LifecycleStage lifecycle_stage = LifecycleStage::kActive;
};

struct RunData {
  std::vector<Metric> metrics;  // the latest value of each key (see TrackingStore::log_metric)
  std::vector<Param> params;    // sorted by key
  std::vector<Tag> tags;        // sorted by key
};

struct Dataset {
  std::string name;
  std::string digest;
  std::string source_type;
  std::string source;
  std::string schema;
  std::string profile;
};

struct DatasetInput {
  Dataset dataset;
  std::vector<Tag> tags;  // e.g. mlflow.data.context = "training"
};

struct ModelOutput {
  std::string model_id;
  int64_t step = 0;
};

struct Run {
  RunInfo info;
  RunData data;
  std::vector<DatasetInput> dataset_inputs;
  std::vector<std::string> model_inputs;   // logged model ids used by the run
  std::vector<ModelOutput> model_outputs;  // logged models the run produced
};

struct ModelRegistration {
  std::string name;
  std::string version;
};

struct LoggedModel {
  std::string model_id;  // "m-" + 32 hex digits
  std::string experiment_id;
  std::string name;
  std::string artifact_location;  // "<experiment artifact location>/models/<model_id>/artifacts"
  int64_t creation_timestamp = 0;
  int64_t last_updated_timestamp = 0;
  LoggedModelStatus status = LoggedModelStatus::kPending;
  std::string status_message;
  std::string creator_id;
  std::string model_type;
  std::string source_run_id;
  LifecycleStage lifecycle_stage = LifecycleStage::kActive;
  std::vector<Tag> tags;
  std::vector<Param> params;
  std::vector<Metric> metrics;
  std::vector<ModelRegistration> registrations;  // registry versions that point at this model
};

struct ModelVersion {
  std::string name;
  int64_t version = 0;
  int64_t creation_timestamp = 0;
  int64_t last_updated_timestamp = 0;
  std::string user_id;
  std::string current_stage = "None";  // None | Staging | Production | Archived
  std::string description;
  std::string source;            // as given: "models:/m-…", "runs:/<run>/path", a URI
  std::string storage_location;  // where the files are ("mlflow-artifacts:/…"), resolved from source
  std::string run_id;
  std::string run_link;
  std::string model_id;
  ModelVersionStatus status = ModelVersionStatus::kReady;
  std::string status_message;
  std::vector<Tag> tags;
  std::vector<std::string> aliases;  // sorted
};

struct AliasVersion {
  std::string alias;
  int64_t version = 0;
};

struct RegisteredModel {
  std::string name;
  int64_t creation_timestamp = 0;
  int64_t last_updated_timestamp = 0;
  std::string user_id;
  std::string description;
  std::vector<Tag> tags;
  std::vector<AliasVersion> aliases;          // sorted by alias
  std::vector<ModelVersion> latest_versions;  // the newest version of each stage, by stage name
};

// One row of the registry's history: every version creation and deletion,
// stage transition and alias change, in order.
struct RegistryEvent {
  int64_t id = 0;  // increasing with time
  std::string name;
  int64_t version = 0;  // the version concerned (for aliases: the new target, or the old one on removal)
  std::string
      kind;  // "version_created" | "version_deleted" | "stage" | "alias_set" | "alias_deleted" | "model_deleted"
  std::string alias;  // for alias events
  std::string from;   // stage: previous stage; alias_set: previous target version ("" if new)
  std::string to;     // stage: new stage; alias_set: new target version
  std::string user_id;
  int64_t timestamp = 0;
};

// Page of results: `next_page_token` is empty on the last page.
template <typename T>
struct Page {
  std::vector<T> items;
  std::string next_page_token;
};

}  // namespace bullion::tracking
