#include "bullion/ml/train_run.h"

#include <charconv>
#include <cstdio>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "bullion/core/error.h"
#include "bullion/core/fs.h"
#include "bullion/core/time.h"
#include "bullion/delta/catalog.h"
#include "bullion/delta/log.h"
#include "bullion/exec/scan.h"
#include "bullion/expr/binder.h"
#include "bullion/ml/gbm.h"
#include "bullion/tracking/mlmodel.h"
#include "bullion/tracking/training_run.h"

namespace bullion::ml {

namespace {

using Json = nlohmann::json;
namespace keys = tracking::training_run;

// How far back from a version to look for the bullion commit that wrote it
// (OPTIMIZE, VACUUM and foreign engines' commits carry no lineage).
constexpr int64_t kLineageSearchDepth = 100;
// Hidden join-key names for the labels side (the join keeps both sides' keys).
constexpr const char* kLabelEntity = "__labels_entity";
constexpr const char* kLabelDate = "__labels_feature_date";

std::string version_text(const TableVersion& t) { return t.name + " version " + std::to_string(t.version); }

// The snapshot of `t` at its version, refusing versions whose log or data
// files are gone.
delta::Snapshot open_version(const TableVersion& t) {
  const delta::DeltaTable table = delta::DeltaTable::open(t.path);
  delta::Snapshot snapshot = [&] {
    try {
      return table.at_version(t.version);
    } catch (const Error& e) {
      if (e.category() != ErrorCategory::kNotFound) throw;
      throw Error::not_found(version_text(t) + " can no longer be read: " + e.message(),
                             "its log was cleaned up; the run's inputs cannot be restored");
    }
  }();
  FileSystem& fs = table.fs();
  size_t missing = 0;
  std::string first;
  for (const delta::AddFile& f : snapshot.files()) {
    if (fs.exists(snapshot.data_file_path(f.path))) continue;
    if (missing++ == 0) first = f.path;
  }
  if (missing > 0)
    throw Error::not_found(version_text(t) + " was vacuumed: " + std::to_string(missing) + " of " +
                               std::to_string(snapshot.files().size()) + " data files are gone (first: " + first + ")",
                           "VACUUM (by bullion or another engine) removed files this version needs; it cannot be "
                           "restored — train a new run on the current version");
  return snapshot;
}

TableVersion locate(const std::string& lakehouse, const std::string& name, std::optional<int64_t> version,
                    const char* role) {
  TableVersion t{name, delta::resolve_table(lakehouse, name).path, -1};
  if (!delta::DeltaTable::exists(t.path))
    throw Error::not_found("the " + std::string(role) + " table " + name + " does not exist (" + t.path + ")",
                           "run the pipeline first: bullion run <spec>");
  const int64_t latest = delta::DeltaTable::open(t.path).latest_version();
  if (version && (*version < 0 || *version > latest))
    throw Error::not_found(
        name + " has no version " + std::to_string(*version) + " (latest is " + std::to_string(latest) + ")",
        "pass a version from 'bullion table history " + name + "'");
  t.version = version.value_or(latest);
  return t;
}

// The `bullion.lineage` of the newest commit at or before `version` that has one.
std::map<std::string, int64_t> commit_lineage(const TableVersion& t) {
  const delta::DeltaTable table = delta::DeltaTable::open(t.path);
  for (int64_t v = t.version; v >= 0 && v > t.version - kLineageSearchDepth; --v) {
    delta::CommitActions actions;
    try {
      actions = table.read_commit(v);
    } catch (const Error& e) {
      if (e.category() == ErrorCategory::kNotFound) break;  // cleaned-up log: no further history
      throw;
    }
    if (!actions.commit_info) continue;
    const Json info = Json::parse(actions.commit_info->json, nullptr, false);
    if (!info.is_object() || !info.contains("bullion") || !info["bullion"].is_object()) continue;
    const Json& lineage = info["bullion"].value("lineage", Json::object());
    std::map<std::string, int64_t> out;
    if (lineage.is_object())
      for (const auto& [name, read] : lineage.items())
        if (read.is_number_integer()) out[name] = read.get<int64_t>();
    return out;
  }
  return {};
}

// Every table upstream of `roots`, breadth first (nearest first); a table
// reached twice keeps the first version found (Gold's reading of Silver
// before the labels').
std::vector<TableVersion> upstream_of(const std::string& lakehouse, const std::vector<TableVersion>& roots) {
  std::vector<TableVersion> out;
  std::set<std::string> seen;
  for (const TableVersion& r : roots) seen.insert(r.name);
  std::vector<TableVersion> frontier = roots;
  while (!frontier.empty()) {
    std::vector<TableVersion> next;
    for (const TableVersion& t : frontier) {
      for (const auto& [name, version] : commit_lineage(t)) {
        if (!seen.insert(name).second) continue;
        TableVersion u{name, delta::resolve_table(lakehouse, name).path, version};
        if (!delta::DeltaTable::exists(u.path)) continue;  // dropped since: nothing further to follow
        out.push_back(u);
        next.push_back(u);
      }
    }
    frontier = std::move(next);
  }
  return out;
}

// Gold ⋈ labels at the given versions: batches holding the entity, date,
// features and label columns, and the two tables' schemas at those versions.
struct TrainingRows {
  std::vector<Batch> batches;
  SchemaPtr features_schema;
  SchemaPtr labels_schema;
};

TrainingRows read_training_rows(const TableVersion& features, const TableVersion& labels, const DatasetColumns& columns,
                                exec::ExecContext& ctx) {
  const delta::Snapshot fsnap = open_version(features);
  const delta::Snapshot lsnap = open_version(labels);
  auto require = [](const delta::Snapshot& s, const TableVersion& t, const std::string& column, const char* role) {
    if (s.schema().index_of(column)) return;
    const std::string guess = expr::closest_name(column, s.schema().names());
    throw Error::invalid_input(std::string(role) + " column '" + column + "' is not in " + version_text(t),
                               guess.empty()
                                   ? "check train.feature_columns against 'bullion table describe " + t.name + "'"
                                   : "did you mean '" + guess + "'?");
  };
  std::vector<std::string> gold_columns = {columns.entity, columns.feature_date};
  for (const std::string& f : columns.features) {
    require(fsnap, features, f, "feature");
    gold_columns.push_back(f);
  }
  require(fsnap, features, columns.entity, "entity");
  require(fsnap, features, columns.feature_date, "feature date");
  require(lsnap, labels, columns.entity, "entity");
  require(lsnap, labels, columns.feature_date, "feature date");
  require(lsnap, labels, columns.label, "label");

  delta::DeltaScanOptions fopts;
  fopts.columns = gold_columns;
  delta::DeltaScanOptions lopts;
  lopts.columns = {columns.entity, columns.feature_date, columns.label};
  const exec::Plan gold = exec::scan_delta(fsnap, fopts);
  const exec::Plan label_rows =
      exec::scan_delta(lsnap, lopts)
          .project(
              {{kLabelEntity, columns.entity}, {kLabelDate, columns.feature_date}, {columns.label, columns.label}});
  std::vector<Batch> rows =
      gold.join(label_rows, {columns.entity, columns.feature_date}, {kLabelEntity, kLabelDate}, exec::JoinType::kInner)
          .collect(ctx);
  size_t n = 0;
  for (const Batch& b : rows) n += b.num_rows();
  if (n == 0)
    throw Error::invalid_input("the training set is empty: no row of " + version_text(features) + " has a label in " +
                                   version_text(labels) + " (joined on " + columns.entity + ", " +
                                   columns.feature_date + ")",
                               "run the labels layer for the Gold dates (bullion run <spec> --only labels); labels "
                               "exist only for dates whose horizon has passed");
  return {std::move(rows), fsnap.schema_ptr(), lsnap.schema_ptr()};
}

std::string json_list(const std::vector<std::string>& names) { return Json(names).dump(); }

std::string number_text(double v) {
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, end);
}

// MLflow's Delta dataset entry for one input table.
tracking::DatasetInput delta_input(const TableVersion& t, const std::string& context, size_t rows,
                                   const std::vector<std::string>& columns, const Schema& schema) {
  Json colspec = Json::array();
  for (const std::string& c : columns)
    if (auto i = schema.index_of(c)) {
      const DataType& type = schema.field(*i).type;
      colspec.push_back(
          {{"type", type.is_numeric() ? std::string(mlflow_column_type(type))
                                      : (type.id() == TypeId::kDate || type.id() == TypeId::kTimestamp ? "datetime"
                                         : type.id() == TypeId::kBoolean                               ? "boolean"
                                                                                                       : "string")},
           {"name", c},
           {"required", !schema.field(*i).nullable}});
    }
  const std::string source =
      Json{{"path", t.path}, {"delta_table_name", t.name}, {"delta_table_version", t.version}}.dump();
  char digest[17];
  std::snprintf(digest, sizeof digest, "%016zx", std::hash<std::string>{}(source));
  tracking::DatasetInput in;
  in.dataset.name = t.name;
  in.dataset.digest = std::string(digest, 8);
  in.dataset.source_type = "delta";
  in.dataset.source = source;
  in.dataset.schema = Json{{"mlflow_colspec", colspec}}.dump();
  in.dataset.profile = Json{{"num_rows", rows}}.dump();
  in.tags = {{"mlflow.data.context", context}};
  return in;
}

void log_params(tracking::TrackingStore& store, const std::string& run_id, const std::vector<tracking::Param>& params) {
  for (size_t i = 0; i < params.size(); i += tracking::kMaxParamsTagsPerBatch) {
    const size_t end = std::min(params.size(), i + tracking::kMaxParamsTagsPerBatch);
    store.log_batch(run_id, {}, std::vector<tracking::Param>(params.begin() + i, params.begin() + end), {});
  }
}

// Removes a scratch directory on every exit path.
struct ScratchDir {
  std::string path;
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
};

const pipeline::LabelsSpec* labels_spec_for(const pipeline::PipelineSpec& spec, const std::string& table) {
  for (const auto& l : spec.labels)
    if (l.table == table) return &l;
  return nullptr;
}

const pipeline::GoldSpec* gold_spec_for(const pipeline::PipelineSpec& spec, const std::string& table) {
  for (const auto& g : spec.gold)
    if (g.table == table) return &g;
  return nullptr;
}

}  // namespace

TrainRun train_run(const pipeline::PipelineSpec& spec, const std::string& lakehouse, tracking::TrackingStore& store,
                   const TrainRunOptions& options, exec::ExecContext& ctx) {
  if (!spec.train)
    throw Error::invalid_input(spec.file + " has no 'train:' section",
                               "add one (see examples/churn/pipeline.yaml) naming the features, labels and model");
  const pipeline::TrainSpec& t = *spec.train;

  TrainingRequest request;
  request.columns.features = t.feature_columns;
  if (const auto* l = labels_spec_for(spec, t.labels)) {
    request.columns.label = l->label;
    request.columns.entity = l->entity;
  } else if (const auto* g = gold_spec_for(spec, t.features)) {
    request.columns.entity = g->entity;
  }
  if (const auto* g = gold_spec_for(spec, t.features)) request.columns.feature_date = g->partition_by;
  if (t.split_by == "time") {
    request.split.by = SplitBy::kTime;
    request.split.test_dates = t.test_dates;
  } else {
    request.split.by = SplitBy::kEntity;
    if (t.split_by != request.columns.entity)
      throw Error::invalid_input(t.pos.to_string() + ": split by '" + t.split_by +
                                     "' — a split keeps one entity on one side, and the entity column is '" +
                                     request.columns.entity + "'",
                                 "use by: " + request.columns.entity + " or by: time");
  }
  request.split.test_size = t.test_size;
  request.split.seed = static_cast<uint64_t>(t.seed);
  request.params = t.model_params;
  request.nthread = options.nthread;

  const TableVersion features = locate(lakehouse, t.features, options.features_version, "features");
  const TableVersion labels = locate(lakehouse, t.labels, options.labels_version, "labels");

  const tracking::Experiment experiment = store.get_or_create_experiment(t.experiment);
  tracking::CreateRunOptions run_options;
  run_options.run_name = options.run_name;
  run_options.tags = {{"mlflow.source.name", options.source_name},
                      {"mlflow.source.type", "LOCAL"},
                      {keys::kSpecFileTag, spec.file},
                      {keys::kXgboostVersionTag, xgboost_version()}};
  const tracking::Run run = store.create_run(experiment.experiment_id, run_options);
  const std::string& run_id = run.info.run_id;

  try {
    const std::vector<TableVersion> upstream = upstream_of(lakehouse, {features, labels});
    // Inputs first: a failed run still says what it tried to read.
    std::vector<tracking::Param> params = {
        {keys::kFeaturesTable, features.name},
        {keys::kFeatureVersion, std::to_string(features.version)},
        {keys::kLabelsTable, labels.name},
        {keys::kLabelsVersion, std::to_string(labels.version)},
        {keys::kFeatureColumns, json_list(request.columns.features)},
        {keys::kEntityColumn, request.columns.entity},
        {keys::kFeatureDateColumn, request.columns.feature_date},
        {keys::kLabelColumn, request.columns.label},
        {keys::kSplitBy, t.split_by},
        {keys::kSpecHash, spec.hash},
    };
    if (request.split.by == SplitBy::kEntity) {
      params.push_back({keys::kTestSize, number_text(request.split.test_size)});
      params.push_back({keys::kSplitSeed, std::to_string(request.split.seed)});
    } else {
      params.push_back({keys::kTestDates, std::to_string(request.split.test_dates)});
    }
    for (const TableVersion& u : upstream)
      params.push_back({keys::kUpstreamVersionPrefix + u.name, std::to_string(u.version)});
    log_params(store, run_id, params);
    store.log_artifact_bytes(run_id, keys::kSpecArtifact, spec.text);

    const TrainingRows rows = read_training_rows(features, labels, request.columns, ctx);
    TrainingResult training = train_classifier(std::span<const Batch>(rows.batches), request);
    const TrainingResult& r = training;

    std::vector<tracking::Param> trained;
    for (const auto& [k, v] : r.params.logged) trained.push_back({k, v});
    trained.push_back({keys::kTrainingRows, std::to_string(r.training_rows())});
    trained.push_back({keys::kTestRows, std::to_string(r.test_rows())});
    log_params(store, run_id, trained);

    // The inputs as MLflow datasets (the run page's "Datasets used").
    std::vector<std::string> fcols = {request.columns.entity, request.columns.feature_date};
    fcols.insert(fcols.end(), request.columns.features.begin(), request.columns.features.end());
    store.log_inputs(run_id, {delta_input(features, "training", r.data.num_rows(), fcols, *rows.features_schema),
                              delta_input(labels, "training", r.data.num_rows(),
                                          {request.columns.entity, request.columns.feature_date, request.columns.label},
                                          *rows.labels_schema)});

    ScratchDir scratch{join_path(store.tracking_dir(), "tmp/train-" + run_id)};
    const std::vector<std::string> files = write_training_artifacts(r, scratch.path);
    for (size_t i = 1; i < files.size(); ++i) store.log_artifact(run_id, files[i], keys::kPlotsDir);
    store.log_artifact_bytes(run_id, keys::kTestPredictionsArtifact, test_predictions_csv(r));

    tracking::XGBoostModelInfo info;
    info.xgb_version = xgboost_version();
    tracking::ModelSignature signature;
    for (size_t i = 0; i < r.data.num_features(); ++i)
      signature.inputs.push_back(
          {r.data.feature_names[i], std::string(mlflow_column_type(r.data.feature_types[i])), true});
    info.signature = signature;
    const tracking::LoggedModel model = tracking::log_xgboost_model(store, run_id, keys::kModelName, files[0], info);
    std::string model_dir = store.local_path_for_uri(model.artifact_location);

    std::vector<tracking::Metric> metrics;
    const int64_t now = tracking::now_millis();
    for (const auto& [k, v] : r.metrics.named()) {
      tracking::Metric m{k, v, now, 0};
      m.model_id = model.model_id;
      metrics.push_back(m);
    }
    store.log_batch(run_id, metrics, {}, {});

    std::optional<tracking::ModelVersion> registered;
    if (options.register_model && !t.register_as.empty())
      registered = tracking::register_logged_model(store, t.register_as, model.model_id);
    store.end_run(run_id, tracking::RunStatus::kFinished);
    return TrainRun{experiment.experiment_id,
                    run_id,
                    run.info.run_name,
                    features,
                    labels,
                    upstream,
                    model,
                    std::move(model_dir),
                    std::move(registered),
                    std::move(training)};
  } catch (const std::exception& e) {
    const std::string reason = std::string(e.what()).substr(0, tracking::kMaxTagValueLength);
    try {
      store.set_tag(run_id, "bullion.failure", reason);
      store.end_run(run_id, tracking::RunStatus::kFailed);
    } catch (const std::exception&) {
      // The original error is what the user needs; the store's is secondary.
    }
    throw;
  }
}

namespace {

std::string require_param(const tracking::Run& run, const char* key) {
  for (const auto& p : run.data.params)
    if (p.key == key) return p.value;
  throw Error::invalid_input("run " + run.info.run_id + " has no param '" + key + "'",
                             "only runs logged by 'bullion train' can be reproduced");
}

int64_t parse_int(const std::string& text, const std::string& what) {
  int64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size())
    throw Error::invalid_input("the run's param " + what + " is '" + text + "', not an integer");
  return v;
}

}  // namespace

Reproduction reproduce_run(const std::string& lakehouse, tracking::TrackingStore& store, const std::string& run_id,
                           exec::ExecContext& ctx) {
  const tracking::Run run = store.get_run(run_id);
  if (run.info.status != tracking::RunStatus::kFinished)
    throw Error::invalid_input("run " + run_id + " is " + tracking::to_string(run.info.status) + ", not FINISHED",
                               "only a finished training run has a model to compare with");

  const std::string features_name = require_param(run, keys::kFeaturesTable);
  const std::string labels_name = require_param(run, keys::kLabelsTable);
  const TableVersion features{features_name, delta::resolve_table(lakehouse, features_name).path,
                              parse_int(require_param(run, keys::kFeatureVersion), keys::kFeatureVersion)};
  const TableVersion labels{labels_name, delta::resolve_table(lakehouse, labels_name).path,
                            parse_int(require_param(run, keys::kLabelsVersion), keys::kLabelsVersion)};
  for (const TableVersion* t : {&features, &labels})
    if (!delta::DeltaTable::exists(t->path))
      throw Error::not_found("the run read " + version_text(*t) + ", and the table no longer exists (" + t->path + ")");

  TrainingRequest request;
  const Json feature_list = Json::parse(require_param(run, keys::kFeatureColumns), nullptr, false);
  if (!feature_list.is_array())
    throw Error::invalid_input("the run's param feature_columns is not a JSON array of names");
  for (const Json& f : feature_list) request.columns.features.push_back(f.get<std::string>());
  request.columns.entity = require_param(run, keys::kEntityColumn);
  request.columns.feature_date = require_param(run, keys::kFeatureDateColumn);
  request.columns.label = require_param(run, keys::kLabelColumn);
  if (require_param(run, keys::kSplitBy) == "time") {
    request.split.by = SplitBy::kTime;
    request.split.test_dates = static_cast<int>(parse_int(require_param(run, keys::kTestDates), keys::kTestDates));
  } else {
    request.split.by = SplitBy::kEntity;
    request.split.test_size = std::stod(require_param(run, keys::kTestSize));
    request.split.seed = static_cast<uint64_t>(parse_int(require_param(run, keys::kSplitSeed), keys::kSplitSeed));
  }
  // The logged model params include nthread and seed: the retraining uses them.
  for (const auto& p : run.data.params)
    if (is_gbm_param(p.key)) request.params.emplace_back(p.key, p.value);
  request.nthread = static_cast<int>(parse_int(require_param(run, "nthread"), "nthread"));

  // The logged model: the run's output named "model".
  std::string logged_json;
  for (const tracking::ModelOutput& o : run.model_outputs) {
    const tracking::LoggedModel m = store.get_logged_model(o.model_id);
    if (m.name != keys::kModelName) continue;
    logged_json = FileSystem::local().read_all(join_path(store.local_path_for_uri(m.artifact_location), kModelFile));
  }
  if (logged_json.empty())
    throw Error::not_found("run " + run_id + " has no logged model '" + std::string(keys::kModelName) + "'");

  std::vector<std::string> upstream_notes;
  for (const auto& p : run.data.params) {
    if (p.key.rfind(keys::kUpstreamVersionPrefix, 0) != 0) continue;
    const std::string name = p.key.substr(std::string(keys::kUpstreamVersionPrefix).size());
    const TableVersion u{name, delta::resolve_table(lakehouse, name).path, parse_int(p.value, p.key)};
    try {
      if (!delta::DeltaTable::exists(u.path)) throw Error::not_found("the table no longer exists");
      open_version(u);
    } catch (const Error& e) {
      upstream_notes.push_back("upstream " + version_text(u) + ": " + e.message());
    }
  }

  const TrainingRows rows = read_training_rows(features, labels, request.columns, ctx);
  TrainingResult training = train_classifier(std::span<const Batch>(rows.batches), request);
  ModelComparison comparison =
      compare_models(logged_json, training.model, training.data.subset(training.split.test_rows));
  return Reproduction{run_id, features, labels, std::move(upstream_notes), comparison, std::move(training)};
}

}  // namespace bullion::ml
