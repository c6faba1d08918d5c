// bullion/tracking/store.h — experiments, runs, metrics, artifacts, logged
// models and the model registry of one lakehouse, MLflow-compatible.
//
// Layout: everything lives under `<lakehouse>/_tracking/`:
//   tracking.db       SQLite database (WAL) with every entity and the registry
//   artifacts/        artifact files; "mlflow-artifacts:/<path>" maps to
//                     artifacts/<path>, as `mlflow server --serve-artifacts` does
// A run's artifacts are under artifacts/<experiment_id>/<run_id>/artifacts/, a
// logged model's under artifacts/<experiment_id>/models/<model_id>/artifacts/.
//
// Threading and processes: a TrackingStore is thread-safe, and any number of
// processes may open the same lakehouse at once. Every write is one SQLite
// transaction begun with BEGIN IMMEDIATE (all-or-nothing); waits for other
// writers are bounded by a busy timeout and retried, never surfaced as
// "database is locked". Registry writes are durable on return
// (synchronous=FULL); run logging is atomic but may lose the last
// transactions on power failure (WAL, synchronous=NORMAL). Artifact files are
// written to a temporary name and renamed before any row points at them.
//
// Errors: bullion::Error — kInvalidInput for a bad name, value, filter or
// state transition (changing a logged param, logging to a deleted run; as in
// MLflow, logging to a finished run is allowed), kNotFound for an unknown id/name (the message names it), kConflict for
// a duplicate name (StoreBusyError, also kConflict, when other writers held the database past the busy timeout),
// kCorrupt for a damaged database, kIO for the filesystem. Validation follows MLflow's limits (key ≤ 250 characters,
// param value ≤ 6000, tag value ≤ 8000, batch ≤ 1000 metrics / 100 params / 100 tags).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bullion/core/error.h"
#include "bullion/tracking/entities.h"

namespace bullion::tracking {

namespace sql {
class Database;
}

// MLflow's request limits (validation.py, MLflow 3.x).
inline constexpr size_t kMaxEntityKeyLength = 250;
inline constexpr size_t kMaxParamValueLength = 6000;
inline constexpr size_t kMaxTagValueLength = 8000;
inline constexpr size_t kMaxMetricsPerBatch = 1000;
inline constexpr size_t kMaxParamsTagsPerBatch = 100;
inline constexpr size_t kMaxEntitiesPerBatch = 1000;
inline constexpr int64_t kMaxSearchRunsResults = 50000;
inline constexpr const char* kDefaultExperimentId = "0";
inline constexpr const char* kDefaultExperimentName = "Default";

// Raised (category kConflict) when other writers kept the database locked for
// longer than the busy timeout, after retries. Transient: retrying may succeed.
class StoreBusyError : public Error {
 public:
  using Error::Error;
};

struct StoreOptions {
  int busy_timeout_ms = 60'000;  // how long one statement waits for another process's lock
};

struct CreateRunOptions {
  std::string user_id;                // "" = the OS user
  std::string run_name;               // "" = tag mlflow.runName if given, else a generated name
  std::optional<int64_t> start_time;  // ms; default now
  std::vector<Tag> tags;
};

struct RunSearch {
  std::vector<std::string> experiment_ids;  // required, at least one
  std::string filter;                       // MLflow filter syntax (see search.h)
  ViewType view = ViewType::kActiveOnly;
  int64_t max_results = 1000;         // 1..50000
  std::vector<std::string> order_by;  // e.g. "metrics.roc_auc DESC", "attributes.start_time"
  std::string page_token;             // from a previous page; "" = first page
};

struct ExperimentSearch {
  std::string filter;  // "name LIKE 'x%'", "tags.k = 'v'", attributes name/creation_time/last_update_time
  ViewType view = ViewType::kActiveOnly;
  int64_t max_results = 1000;
  std::vector<std::string> order_by;  // name | experiment_id | creation_time | last_update_time [ASC|DESC]
  std::string page_token;
};

struct LoggedModelOrder {
  std::string field_name;  // creation_timestamp | last_updated_timestamp | name | model_id | metrics.<key>
  bool ascending = true;
};

struct LoggedModelSearch {
  std::vector<std::string> experiment_ids;
  std::string filter;  // attributes name, model_id, source_run_id, status, model_type, creation_timestamp;
                       // metrics./params./tags.
  int64_t max_results = 100;
  std::vector<LoggedModelOrder> order_by;  // default: creation_timestamp DESC
  std::string page_token;
};

struct CreateModelVersionOptions {
  std::string source;  // "models:/<model_id>", "runs:/<run_id>/<path>", "mlflow-artifacts:/…", a path
  std::string run_id;
  std::string model_id;
  std::string run_link;
  std::string description;
  std::vector<Tag> tags;
  std::string user_id;  // "" = the OS user
};

struct ArtifactEntry {
  std::string path;  // relative to the listed root, '/'-separated
  bool is_dir = false;
  int64_t file_size = 0;  // files only
};

class TrackingStore {
 public:
  // Opens the store of a lakehouse, creating `<lakehouse>/_tracking/` with an
  // empty database (and the Default experiment "0") when absent.
  explicit TrackingStore(const std::string& lakehouse_root, StoreOptions options = {});
  ~TrackingStore();
  TrackingStore(const TrackingStore&) = delete;
  TrackingStore& operator=(const TrackingStore&) = delete;

  const std::string& tracking_dir() const { return tracking_dir_; }
  const std::string& artifact_root() const { return artifact_root_; }

  // ---- experiments ----
  // Returns the new id. Duplicate name (active or deleted): kConflict.
  std::string create_experiment(const std::string& name, const std::string& artifact_location = "",
                                const std::vector<Tag>& tags = {});
  Experiment get_experiment(const std::string& experiment_id);
  std::optional<Experiment> find_experiment_by_name(const std::string& name);
  // The active experiment of that name, created if absent (races with other
  // processes resolve to one experiment).
  Experiment get_or_create_experiment(const std::string& name);
  Page<Experiment> search_experiments(const ExperimentSearch& search);
  void rename_experiment(const std::string& experiment_id, const std::string& new_name);
  void delete_experiment(const std::string& experiment_id);   // soft delete; its runs become deleted
  void restore_experiment(const std::string& experiment_id);  // undoes delete_experiment
  void set_experiment_tag(const std::string& experiment_id, const std::string& key, const std::string& value);
  void delete_experiment_tag(const std::string& experiment_id, const std::string& key);

  // ---- runs ----
  Run create_run(const std::string& experiment_id, const CreateRunOptions& options = {});
  Run get_run(const std::string& run_id);
  // Updates the given fields; returns the new info. end_time defaults to now
  // when a terminal status is set without one.
  RunInfo update_run(const std::string& run_id, std::optional<RunStatus> status, std::optional<int64_t> end_time,
                     const std::string& run_name = "");
  // Convenience: update_run(run_id, status, now).
  RunInfo end_run(const std::string& run_id, RunStatus status = RunStatus::kFinished);
  void delete_run(const std::string& run_id);
  void restore_run(const std::string& run_id);

  // Params are immutable: logging the same value again is a no-op, a
  // different value is kInvalidInput naming both values.
  void log_param(const std::string& run_id, const std::string& key, const std::string& value);
  // Metrics are an append-only history; the run's value for a key is the
  // latest by (step, timestamp, value), as MLflow defines it. Logging an
  // identical (key, value, timestamp, step) twice stores it once. A metric
  // with a model_id is also recorded on that logged model.
  void log_metric(const std::string& run_id, const Metric& metric);
  void set_tag(const std::string& run_id, const std::string& key, const std::string& value);
  void delete_tag(const std::string& run_id, const std::string& key);  // unknown key: kNotFound
  // All-or-nothing; validated against MLflow's batch limits first.
  void log_batch(const std::string& run_id, const std::vector<Metric>& metrics, const std::vector<Param>& params,
                 const std::vector<Tag>& tags);
  // The metric's history ordered by (timestamp, step, value). max_results 0 = all.
  Page<Metric> get_metric_history(const std::string& run_id, const std::string& key, int64_t max_results = 0,
                                  const std::string& page_token = "");
  void log_inputs(const std::string& run_id, const std::vector<DatasetInput>& datasets,
                  const std::vector<std::string>& model_ids = {});
  void log_outputs(const std::string& run_id, const std::vector<ModelOutput>& models);

  // Runs matching a filter, ordered and paged (see RunSearch). Indexed: the
  // filter and sort are evaluated in SQLite, and only the page's runs are
  // materialized.
  Page<Run> search_runs(const RunSearch& search);

  // ---- artifacts ----
  // Maps an artifact URI ("mlflow-artifacts:/x/y", "file:///abs", "/abs") to
  // a local path. kUnsupported for other schemes.
  std::string local_path_for_uri(const std::string& uri) const;
  // Validates a relative artifact path as MLflow's validate_path_is_safe does
  // (no "..", not absolute, no backslash or NUL); kInvalidInput otherwise.
  static void validate_artifact_path(std::string_view path);
  // Copies a local file (or a directory, recursively) into the run's artifacts
  // under `artifact_path` ("" = top level), keeping the file name.
  void log_artifact(const std::string& run_id, const std::string& local_path, const std::string& artifact_path = "");
  // Writes bytes as the run artifact `relative_path` (e.g. "plots/roc.svg").
  void log_artifact_bytes(const std::string& run_id, const std::string& relative_path, std::string_view data);
  // Lists the entries directly under `path` of the run's artifacts (sorted by path).
  std::vector<ArtifactEntry> list_artifacts(const std::string& run_id, const std::string& path = "");
  std::string read_artifact(const std::string& run_id, const std::string& relative_path);

  // ---- logged models (MLflow 3) ----
  LoggedModel create_logged_model(const std::string& experiment_id, const std::string& name,
                                  const std::string& model_type = "", const std::string& source_run_id = "",
                                  const std::vector<Param>& params = {}, const std::vector<Tag>& tags = {});
  LoggedModel get_logged_model(const std::string& model_id, bool allow_deleted = false);
  LoggedModel finalize_logged_model(const std::string& model_id, LoggedModelStatus status);
  void set_logged_model_tags(const std::string& model_id, const std::vector<Tag>& tags);
  void delete_logged_model_tag(const std::string& model_id, const std::string& key);
  void log_logged_model_params(const std::string& model_id, const std::vector<Param>& params);
  void delete_logged_model(const std::string& model_id);
  Page<LoggedModel> search_logged_models(const LoggedModelSearch& search);
  // Copies a local model directory (recursively) into the logged model's
  // artifact location.
  void upload_logged_model_artifacts(const std::string& model_id, const std::string& local_dir);

  // ---- model registry ----
  RegisteredModel create_registered_model(const std::string& name, const std::string& description = "",
                                          const std::vector<Tag>& tags = {}, const std::string& user_id = "");
  RegisteredModel get_registered_model(const std::string& name);
  bool registered_model_exists(const std::string& name);
  RegisteredModel rename_registered_model(const std::string& name, const std::string& new_name);
  RegisteredModel update_registered_model(const std::string& name, const std::string& description);
  void delete_registered_model(const std::string& name);  // with its versions, tags and aliases
  // filter: "name = 'x'", "name LIKE '%x%'", "tags.k = 'v'"; order_by: name |
  // creation_timestamp | last_updated_timestamp [ASC|DESC] (default name ASC).
  Page<RegisteredModel> search_registered_models(const std::string& filter, int64_t max_results = 100,
                                                 const std::vector<std::string>& order_by = {},
                                                 const std::string& page_token = "");
  void set_registered_model_tag(const std::string& name, const std::string& key, const std::string& value);
  void delete_registered_model_tag(const std::string& name, const std::string& key);
  // The newest version in each of `stages` (all stages when empty), sorted by stage.
  std::vector<ModelVersion> get_latest_versions(const std::string& name, const std::vector<std::string>& stages = {});

  // Allocates the next version number of `name` inside the same transaction
  // (UNIQUE(name, version); numbers are never reused) and records it READY.
  // A "models:/<model_id>" source resolves storage_location to the logged
  // model's artifact location (and run_id to its source run); a
  // "runs:/<run_id>/<path>" source to that run's artifact URI + path.
  ModelVersion create_model_version(const std::string& name, const CreateModelVersionOptions& options);
  ModelVersion get_model_version(const std::string& name, int64_t version);
  ModelVersion update_model_version(const std::string& name, int64_t version, const std::string& description);
  void delete_model_version(const std::string& name, int64_t version);  // its aliases are removed
  // filter: name, run_id, source_path, version_number, tags.k; order_by: name |
  // version_number | creation_timestamp | last_updated_timestamp.
  Page<ModelVersion> search_model_versions(const std::string& filter, int64_t max_results = 10000,
                                           const std::vector<std::string>& order_by = {},
                                           const std::string& page_token = "");
  void set_model_version_tag(const std::string& name, int64_t version, const std::string& key,
                             const std::string& value);
  void delete_model_version_tag(const std::string& name, int64_t version, const std::string& key);
  std::string get_model_version_download_uri(const std::string& name, int64_t version);
  // stage: None | Staging | Production | Archived, case-insensitive
  // (kInvalidInput naming it otherwise). archive_existing_versions moves the
  // other versions in the target stage to Archived; it is only allowed for
  // Staging and Production. Every change is recorded in the history.
  ModelVersion transition_model_version_stage(const std::string& name, int64_t version, const std::string& stage,
                                              bool archive_existing_versions, const std::string& user_id = "");
  // Aliases: `^[\w\-]*$`, at most 255 characters, not "latest" and not
  // v<digits> (kInvalidInput). Setting moves the alias if it exists.
  void set_registered_model_alias(const std::string& name, const std::string& alias, int64_t version,
                                  const std::string& user_id = "");
  void delete_registered_model_alias(const std::string& name, const std::string& alias,
                                     const std::string& user_id = "");  // missing alias: no-op
  ModelVersion get_model_version_by_alias(const std::string& name, const std::string& alias);
  // Every registry event of `name` ("" = all models), oldest first.
  std::vector<RegistryEvent> registry_history(const std::string& name = "");

  // Canonical stage name for any capitalisation; kInvalidInput otherwise.
  static std::string canonical_stage(std::string_view stage);
  static void validate_alias(std::string_view alias);

 private:
  std::string tracking_dir_;
  std::string artifact_root_;
  std::unique_ptr<sql::Database> db_;
  std::atomic<int64_t> last_statistics_check_ms_{0};
};

// A fresh run id: uuid4 as 32 lowercase hex digits.
std::string new_run_id();
// A fresh logged model id: "m-" + 32 hex digits.
std::string new_model_id();
// The current time in milliseconds since the epoch.
int64_t now_millis();
// The OS user name (for user_id when none is given).
std::string current_user();

}  // namespace bullion::tracking
