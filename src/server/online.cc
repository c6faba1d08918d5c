#include "bullion/server/online.h"

#include <nlohmann/json.hpp>
#include <unordered_map>

#include "bullion/core/error.h"
#include "bullion/core/log.h"
#include "bullion/core/thread_pool.h"
#include "bullion/core/time.h"
#include "bullion/delta/catalog.h"
#include "bullion/delta/log.h"
#include "bullion/exec/scan.h"
#include "bullion/ml/dataset.h"
#include "bullion/server/row_json.h"
#include "server/mlflow_json.h"

namespace bullion::server {

struct OnlineService::FeatureTable {
  std::string name;  // as the model's run names it
  std::string path;
  std::string entity_column;
  std::string date_column;
  int64_t version = -1;
  std::vector<Batch> batches;  // the latest row of every entity
  struct Location {
    uint32_t batch;
    uint32_t row;
  };
  std::unordered_map<std::string, Location> rows;  // entity key → its row
};

struct OnlineService::ServedModel {
  ModelRef ref;
  tracking::ModelVersion version;
  ModelInputs inputs;
  std::shared_ptr<ml::GbmModel> model;  // used only under reload_mutex_, to rescore new features
  std::shared_ptr<const FeatureTable> features;
  struct Score {
    int32_t feature_date;
    float probability;
  };
  std::unordered_map<std::string, Score> scores;  // entity key → score of its latest row
};

namespace {

// Entity keys as ml::Dataset writes them: strings as they are, integers as
// decimal text.
std::string entity_key(const Column& column, size_t row) {
  if (column.type().id() == TypeId::kString) return std::string(column.strings()[row]);
  return std::to_string(column.value(row).as_int());
}

bool is_integer(TypeId id) {
  return id == TypeId::kInt8 || id == TypeId::kInt16 || id == TypeId::kInt32 || id == TypeId::kInt64;
}

int prediction_threads() { return static_cast<int>(std::max<size_t>(1, ThreadPool::global().num_threads())); }

}  // namespace

OnlineService::OnlineService(std::string lakehouse_root, tracking::TrackingStore& store, OnlineOptions options)
    : lakehouse_(std::move(lakehouse_root)), store_(store), options_(std::move(options)) {
  if (!options_.model.empty()) {
    default_key_ = parse_model_ref(options_.model).to_string();
    model_for(default_key_);
  }
  if (options_.refresh_interval.count() > 0) refresher_ = std::thread([this] { refresh_loop(); });
}

OnlineService::~OnlineService() {
  {
    std::lock_guard lock(stop_mutex_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (refresher_.joinable()) refresher_.join();
}

std::string OnlineService::features_key(const ModelInputs& inputs) const {
  return inputs.features_table + "\n" + inputs.entity_column + "\n" + inputs.feature_date_column;
}

std::shared_ptr<const OnlineService::FeatureTable> OnlineService::load_features(const ModelInputs& inputs) const {
  auto t = std::make_shared<FeatureTable>();
  t->name = inputs.features_table;
  t->path = delta::resolve_table(lakehouse_, inputs.features_table).path;
  t->entity_column = inputs.entity_column;
  t->date_column = inputs.feature_date_column;
  if (!delta::DeltaTable::exists(t->path))
    throw Error::not_found("features table " + t->name + " (" + t->path + ") does not exist",
                           "run the pipeline's gold layer first: bullion run SPEC");
  const delta::Snapshot snapshot = delta::DeltaTable::open(t->path).latest();
  t->version = snapshot.version();
  const Schema& schema = snapshot.schema();
  for (const std::string& c : {t->entity_column, t->date_column})
    if (!schema.index_of(c))
      throw Error::invalid_input("features table " + t->name + " has no column '" + c + "'",
                                 "its columns are: " + schema.to_string());
  const TypeId entity_type = schema.field(*schema.index_of(t->entity_column)).type.id();
  if (entity_type != TypeId::kString && !is_integer(entity_type))
    throw Error::invalid_input("features table " + t->name + ": entity column '" + t->entity_column +
                               "' must be a STRING or an integer to be looked up");

  exec::ExecContext exec;
  t->batches = exec::scan_delta(snapshot, {})
                   .dedupe({t->entity_column}, {{t->date_column, /*descending=*/true, {}}})
                   .collect(exec);
  for (size_t b = 0; b < t->batches.size(); ++b) {
    const Column& entities = *t->batches[b].column(t->entity_column);
    for (size_t r = 0; r < entities.size(); ++r)
      if (!entities.is_null(r))
        t->rows.emplace(entity_key(entities, r),
                        FeatureTable::Location{static_cast<uint32_t>(b), static_cast<uint32_t>(r)});
  }
  log_info("serve: loaded " + std::to_string(t->rows.size()) + " entities of " + t->name + " (version " +
           std::to_string(t->version) + ")");
  return t;
}

std::shared_ptr<const OnlineService::ServedModel> OnlineService::build_model(
    const ModelRef& ref, tracking::ModelVersion version, ModelInputs inputs, std::shared_ptr<ml::GbmModel> model,
    std::shared_ptr<const FeatureTable> features) const {
  auto m = std::make_shared<ServedModel>();
  m->ref = ref;
  m->version = std::move(version);
  m->inputs = std::move(inputs);
  const std::string who = "model " + m->version.name + " v" + std::to_string(m->version.version);
  ml::Dataset data;
  try {
    data = ml::build_dataset(features->batches,
                             {m->inputs.feature_columns, "", m->inputs.entity_column, m->inputs.feature_date_column});
  } catch (const Error& e) {
    throw Error(e.category(), who + " on features table " + features->name + ": " + e.message(), e.hint());
  }
  model->set_nthread(prediction_threads());
  const std::vector<float> probabilities = model->predict(data);
  m->scores.reserve(data.num_rows());
  for (size_t r = 0; r < data.num_rows(); ++r)
    m->scores.emplace(data.entities[r], ServedModel::Score{data.feature_dates[r], probabilities[r]});
  m->model = std::move(model);
  m->features = std::move(features);
  log_info("serve: " + who + " scored " + std::to_string(m->scores.size()) + " entities of " + m->features->name +
           " (version " + std::to_string(m->features->version) + ")");
  return m;
}

std::shared_ptr<const OnlineService::ServedModel> OnlineService::load_model(
    const ModelRef& ref, std::map<std::string, std::shared_ptr<const FeatureTable>>& tables) const {
  ScoringModel model = load_scoring_model(store_, ref);
  const std::string table_key = features_key(model.inputs);
  auto it = tables.find(table_key);
  if (it == tables.end()) it = tables.emplace(table_key, load_features(model.inputs)).first;
  return build_model(ref, std::move(model.version), std::move(model.inputs),
                     std::make_shared<ml::GbmModel>(std::move(model.model)), it->second);
}

std::shared_ptr<const OnlineService::ServedModel> OnlineService::model_for(const std::string& key) {
  {
    std::shared_lock lock(state_mutex_);
    if (auto it = models_.find(key); it != models_.end()) return it->second;
  }
  std::lock_guard loading(reload_mutex_);
  std::map<std::string, std::shared_ptr<const FeatureTable>> tables;
  {
    std::shared_lock lock(state_mutex_);
    if (auto it = models_.find(key); it != models_.end()) return it->second;
    tables = tables_;
  }
  std::shared_ptr<const ServedModel> loaded = load_model(parse_model_ref(key), tables);
  std::unique_lock lock(state_mutex_);
  tables_[features_key(loaded->inputs)] = loaded->features;
  models_[key] = loaded;
  return loaded;
}

size_t OnlineService::refresh() {
  std::lock_guard loading(reload_mutex_);
  std::map<std::string, std::shared_ptr<const FeatureTable>> tables;
  std::map<std::string, std::shared_ptr<const ServedModel>> models;
  {
    std::shared_lock lock(state_mutex_);
    tables = tables_;
    models = models_;
  }
  size_t reloaded = 0;
  std::exception_ptr first_failure;
  auto note_failure = [&](const std::string& what) {
    if (!first_failure) first_failure = std::current_exception();
    try {
      throw;
    } catch (const std::exception& e) {
      log_warn("serve: keeping the loaded " + what + ": reload failed: " + e.what());
    }
  };

  std::map<std::string, std::shared_ptr<const FeatureTable>> changed_tables;
  for (const auto& [key, table] : tables) {
    try {
      if (delta::DeltaTable::open(table->path).latest_version() == table->version) continue;
      ModelInputs inputs;
      inputs.features_table = table->name;
      inputs.entity_column = table->entity_column;
      inputs.feature_date_column = table->date_column;
      changed_tables[key] = load_features(inputs);
      ++reloaded;
    } catch (...) {
      note_failure("features table " + table->name);
    }
  }
  for (const auto& [key, table] : changed_tables) tables[key] = table;

  std::map<std::string, std::shared_ptr<const ServedModel>> changed_models;
  for (const auto& [key, served] : models) {
    try {
      const tracking::ModelVersion current = resolve_model_version(store_, served->ref);
      const bool moved = current.version != served->version.version;
      const std::string table_key = features_key(served->inputs);
      if (!moved && !changed_tables.count(table_key)) continue;
      std::shared_ptr<const ServedModel> rebuilt;
      if (moved) {
        rebuilt = load_model(served->ref, tables);
        log_info("serve: " + key + " moved from v" + std::to_string(served->version.version) + " to v" +
                 std::to_string(rebuilt->version.version));
      } else {
        // Same model, new features: rescore them with the loaded booster.
        rebuilt = build_model(served->ref, served->version, served->inputs, served->model, tables.at(table_key));
      }
      changed_models[key] = rebuilt;
      ++reloaded;
    } catch (...) {
      note_failure("model " + key);
    }
  }

  if (!changed_tables.empty() || !changed_models.empty()) {
    std::unique_lock lock(state_mutex_);
    for (auto& [key, m] : changed_models) models_[key] = m;
    // Keep the tables some model still reads.
    std::map<std::string, std::shared_ptr<const FeatureTable>> in_use;
    for (const auto& [key, m] : models_) in_use[features_key(m->inputs)] = m->features;
    tables_ = std::move(in_use);
  }
  if (first_failure) std::rethrow_exception(first_failure);
  return reloaded;
}

void OnlineService::refresh_loop() {
  std::unique_lock lock(stop_mutex_);
  while (!stopping_) {
    if (stop_cv_.wait_for(lock, options_.refresh_interval, [this] { return stopping_; })) break;
    lock.unlock();
    try {
      refresh();
    } catch (const std::exception&) {
      // refresh() logged it; the previous state keeps serving.
    }
    lock.lock();
  }
}

std::string OnlineService::feature_row_json(const std::string& entity) const {
  if (default_key_.empty())
    throw Error::invalid_input(
        "feature lookup is off: the server has no model to name its features table (start it with 'bullion serve "
        "--model NAME@ALIAS')");
  std::shared_ptr<const ServedModel> m;
  {
    std::shared_lock lock(state_mutex_);
    m = models_.at(default_key_);
  }
  const FeatureTable& t = *m->features;
  const auto it = t.rows.find(entity);
  if (it == t.rows.end())
    throw Error::not_found("entity '" + entity + "' not found in features table " + t.name + " (version " +
                           std::to_string(t.version) + ")");
  return row_to_json(t.batches[it->second.batch], it->second.row).dump();
}

OnlineScores OnlineService::score(const std::vector<std::string>& entities, const std::string& model_ref) {
  const std::string key = model_ref.empty() ? default_key_ : parse_model_ref(model_ref).to_string();
  if (key.empty())
    throw Error::invalid_input(
        "no model to score with: name one in the request (\"model\": \"NAME@ALIAS\") or "
        "start the server with 'bullion serve --model NAME@ALIAS'");
  const std::shared_ptr<const ServedModel> m = model_for(key);
  OnlineScores out;
  out.model = m->version.name;
  out.version = m->version.version;
  out.predictions.reserve(entities.size());
  std::vector<std::string> unknown;
  for (const std::string& e : entities) {
    const auto it = m->scores.find(e);
    if (it == m->scores.end()) {
      unknown.push_back(e);
      continue;
    }
    out.predictions.push_back({e, it->second.feature_date, it->second.probability});
  }
  if (!unknown.empty()) {
    constexpr size_t kNamed = 10;
    std::string names;
    for (size_t i = 0; i < unknown.size() && i < kNamed; ++i) names += (i ? ", '" : "'") + unknown[i] + "'";
    if (unknown.size() > kNamed) names += " and " + std::to_string(unknown.size() - kNamed) + " more";
    throw Error::not_found(std::to_string(unknown.size()) + " unknown " +
                           (unknown.size() == 1 ? "entity" : "entities") + " in features table " + m->features->name +
                           " (version " + std::to_string(m->features->version) + "): " + names);
  }
  return out;
}

std::pair<int64_t, int64_t> OnlineService::versions(const std::string& model_ref) const {
  const std::string key = model_ref.empty() ? default_key_ : parse_model_ref(model_ref).to_string();
  std::shared_lock lock(state_mutex_);
  const auto it = models_.find(key);
  if (it == models_.end()) return {-1, -1};
  return {it->second->version.version, it->second->features->version};
}

void add_online_routes(HttpServer& server, OnlineService& service) {
  server.add_route("GET", "/features/{entity}", [&service](RouteContext& ctx, httplib::Response& res) {
    HttpServer::send_json(res, service.feature_row_json(ctx.param("entity")));
  });
  server.add_route("POST", "/score", [&service](RouteContext& ctx, httplib::Response& res) {
    const mlflow::Fields fields = mlflow::Fields::from_body(ctx.body);
    if (!fields.has("entities")) mlflow::missing("entities");
    const OnlineScores scores = service.score(fields.strings("entities"), fields.str("model"));
    nlohmann::ordered_json predictions = nlohmann::ordered_json::array();
    for (const OnlinePrediction& p : scores.predictions)
      predictions.push_back({{"entity", p.entity},
                             {"feature_date", format_date(p.feature_date)},
                             {"probability", static_cast<double>(p.probability)}});
    const nlohmann::ordered_json body = {
        {"model", scores.model}, {"version", scores.version}, {"predictions", std::move(predictions)}};
    HttpServer::send_json(res, body.dump());
  });
}

}  // namespace bullion::server
