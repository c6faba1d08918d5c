// bullion/server/online.h — online feature lookup and scoring, served from
// memory by `bullion serve --model NAME@ALIAS`.
//
// Routes (add_online_routes):
//   GET  /features/{entity}   → the entity's latest row of the features table
//                               (the row with its newest feature date), every
//                               column as JSON (row_json.h); 404
//                               RESOURCE_DOES_NOT_EXIST naming an unknown entity.
//   POST /score               {"entities": ["C0001", ...], "model": "NAME@ALIAS"}
//                             → {"model": NAME, "version": N, "predictions":
//                                [{"entity", "feature_date", "probability"}, ...]}
//                               in request order. "model" is optional (default:
//                               the service's model); NAME/VERSION works too.
//                               An unknown entity is 404 naming it (up to 10);
//                               malformed JSON 400 BAD_REQUEST; a missing or
//                               non-list "entities" 400 INVALID_PARAMETER_VALUE.
// Both answer in MLflow's error shape (http_server.h).
//
// Memory model: for each features table in use, one scan at load keeps the
// latest row of every entity (a dedupe on the entity by feature date
// descending), indexed by entity (integer keys as decimal text). For each
// model in use, the model is loaded from the registry and every entity's
// latest row is scored once, so POST /score is a hash lookup per entity: the
// probabilities are exactly GbmModel::predict of those rows (the same float32
// values `bullion score` writes for that date). The model's features come
// from its training run (scoring.h); a features table is shared by every
// model that reads it.
//
// Freshness: a background thread checks, every refresh_interval, whether any
// alias in use points at another version (one registry read each) and
// whether any features table has a new Delta version (one log listing each),
// and rebuilds what changed off the request path; the new state replaces the
// old one atomically (readers copy a shared_ptr under a shared lock), so a
// request sees either the old or the new model with its matching features,
// never a mix. A failed reload keeps serving the previous state and logs a
// warning. refresh() runs one check synchronously (tests, tools).
//
// Errors at construction: the default model's errors of scoring.h
// (unknown model/alias, missing inputs, missing features table, features
// not in the table). A model named in a request is loaded on first use; its
// errors answer that request (404 unknown, 400 bad reference).
//
// Threading: every public function is thread-safe; handlers run on the HTTP
// server's pool. The store must outlive the service, the service the server.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

#include "bullion/server/http_server.h"
#include "bullion/server/scoring.h"
#include "bullion/tracking/store.h"

namespace bullion::server {

struct OnlineOptions {
  std::string model;  // default model reference ("" = each /score request names one; /features is then off)
  std::chrono::milliseconds refresh_interval{1000};  // 0 = no background refresh (call refresh())
};

struct OnlinePrediction {
  std::string entity;    // as requested
  int32_t feature_date;  // days since 1970-01-01: the row that was scored
  float probability;
};

struct OnlineScores {
  std::string model;  // registered model name
  int64_t version = 0;
  std::vector<OnlinePrediction> predictions;
};

class OnlineService {
 public:
  OnlineService(std::string lakehouse_root, tracking::TrackingStore& store, OnlineOptions options);
  ~OnlineService();  // stops the refresh thread
  OnlineService(const OnlineService&) = delete;
  OnlineService& operator=(const OnlineService&) = delete;

  // The latest row of `entity` in the default model's features table as a
  // JSON object. kNotFound naming the entity and the table; kInvalidInput
  // when the service has no default model.
  std::string feature_row_json(const std::string& entity) const;

  // Probabilities of the model `model_ref` ("" = the default) for the
  // entities' latest rows.
  OnlineScores score(const std::vector<std::string>& entities, const std::string& model_ref = "");

  // Checks every model and features table in use now and reloads what
  // changed; returns how many were reloaded. Throws what a reload throws
  // (the previous state stays).
  size_t refresh();

  // Observability: the model version and features table version serving
  // `model_ref` ("" = the default) — {-1, -1} when it is not loaded.
  std::pair<int64_t, int64_t> versions(const std::string& model_ref = "") const;

 private:
  struct FeatureTable;
  struct ServedModel;
  std::shared_ptr<const FeatureTable> load_features(const ModelInputs& inputs) const;
  std::shared_ptr<const ServedModel> build_model(const ModelRef& ref, tracking::ModelVersion version,
                                                 ModelInputs inputs, std::shared_ptr<ml::GbmModel> model,
                                                 std::shared_ptr<const FeatureTable> features) const;
  // Loads `ref` from the registry, reading its features table from `tables`
  // or loading it (and adding it there).
  std::shared_ptr<const ServedModel> load_model(
      const ModelRef& ref, std::map<std::string, std::shared_ptr<const FeatureTable>>& tables) const;
  std::shared_ptr<const ServedModel> model_for(const std::string& key);
  std::string features_key(const ModelInputs& inputs) const;
  void refresh_loop();

  std::string lakehouse_;
  tracking::TrackingStore& store_;
  OnlineOptions options_;
  std::string default_key_;  // canonical reference of the default model

  mutable std::shared_mutex state_mutex_;  // guards the two maps (pointers are immutable states)
  std::map<std::string, std::shared_ptr<const FeatureTable>> tables_;
  std::map<std::string, std::shared_ptr<const ServedModel>> models_;  // by canonical reference
  std::mutex reload_mutex_;  // one loader at a time (refresh thread, first use of a model)

  std::mutex stop_mutex_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::thread refresher_;
};

// Registers GET /features/{entity} and POST /score on `server`.
void add_online_routes(HttpServer& server, OnlineService& service);

}  // namespace bullion::server
