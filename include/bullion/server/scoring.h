// bullion/server/scoring.h — registered models put to work on Gold features:
// what `bullion score` (batch) and `bullion serve`'s online routes (online.h)
// call.
//
// A model is named as MLflow names it: "NAME@ALIAS" (the version an alias
// points at) or "NAME/VERSION" (a "models:/" prefix is accepted too). The
// registry resolves it to a model version; the version's storage_location
// (an mlflow-artifacts:/ URI) holds `model.json`, loaded with GbmModel; and
// the version's training run says what the model reads — the params of
// training_run.h: features_table, entity_column, feature_date_column and
// feature_columns (a JSON array, in the model's order).
//
// Batch scoring (score_batch):
//   ScoreRequest r{parse_model_ref("churn-prediction-gbm@champion"), *parse_date("2025-03-01")};
//   ScoreResult s = score_batch(lakehouse, store, r, exec);
// reads the latest version of the features table at `feature_date = as_of`,
// predicts every row, and writes the predictions table — by default
// `<catalog>.<schema>.predictions` of the features table — with columns
//   <entity>        the features table's entity column (same name and type)
//   <feature_date>  DATE, the features table's date column name; the partition column
//   probability     DOUBLE, the model's probability of the positive class
//                   (XGBoost computes float32; the value is that float, widened)
//   prediction      INT, 1 when probability > 0.5 else 0 — the type of a
//                   label column such as churned, so the two join and compare
//   model_name      STRING
//   model_version   BIGINT
// sorted by entity, with replaceWhere on the date: rescoring a date replaces
// exactly that partition, other dates stay. The commit's `bullion`
// commitInfo metadata records layer "score", as_of, the model (name,
// version, run id, model id) and the features table version read
// ("lineage": {table: version}), so every prediction traces to the model and
// the Gold snapshot it came from.
//
// Errors (bullion::Error): kInvalidInput for a malformed model reference or
// a features table that lacks a model feature (naming it and the closest
// column); kNotFound for an unknown model, alias or version (listing the
// registered models, the model's aliases or its versions), a missing model
// file or features table, and a date with no rows (naming the table, its
// version and the dates it has); kInvalidInput when the version's run lacks
// the training params (it was not logged by bullion's training); the
// table layer's errors for the predictions table (e.g. an existing table of
// another schema). Nothing is written unless every row was scored.
//
// Threading: the functions are thread-safe as far as TrackingStore is;
// score_batch runs its scan on exec's pool.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "bullion/exec/plan.h"
#include "bullion/ml/gbm.h"
#include "bullion/tracking/entities.h"
#include "bullion/tracking/store.h"

namespace bullion::server {

struct ModelRef {
  std::string name;
  std::string alias;    // "NAME@ALIAS"
  int64_t version = 0;  // "NAME/VERSION" (> 0); 0 with an alias
  // "NAME@ALIAS" or "NAME/VERSION".
  std::string to_string() const;
};

// Parses "NAME@ALIAS", "NAME/VERSION", or either with a "models:/" prefix.
// kInvalidInput naming the text and the accepted forms otherwise.
ModelRef parse_model_ref(std::string_view text);

// What a model reads, from its training run's params.
struct ModelInputs {
  std::string features_table;  // as the spec named it, e.g. churn.gold.features
  std::string entity_column;
  std::string feature_date_column;
  std::vector<std::string> feature_columns;  // in the model's order
};

// A registered model version, loaded and ready to predict.
struct ScoringModel {
  tracking::ModelVersion version;  // name, version, run_id, model_id, storage_location
  ModelInputs inputs;
  ml::GbmModel model;
};

// The version `ref` names (see the errors above).
tracking::ModelVersion resolve_model_version(tracking::TrackingStore& store, const ModelRef& ref);
// The inputs the version's training run logged.
ModelInputs read_model_inputs(tracking::TrackingStore& store, const tracking::ModelVersion& version);
// resolve_model_version + read_model_inputs + GbmModel::load of the
// version's model.json (kNotFound naming the directory when it has none).
ScoringModel load_scoring_model(tracking::TrackingStore& store, const ModelRef& ref);

struct ScoreRequest {
  ModelRef model;
  int32_t as_of = 0;         // the feature date to score (days since 1970-01-01)
  std::string output_table;  // "" = <catalog>.<schema>.predictions of the features table
};

struct ScoreResult {
  std::string model_name;
  int64_t model_version = 0;
  std::string run_id;
  std::string model_id;
  std::string features_table;
  int64_t features_version = -1;  // the features table version read
  std::string output_table;
  int64_t output_version = -1;  // the predictions table version written
  int32_t as_of = 0;
  uint64_t rows = 0;
  uint64_t positives = 0;  // rows with prediction 1

  double positive_rate() const { return rows == 0 ? 0.0 : static_cast<double>(positives) / static_cast<double>(rows); }
};

// Predictions table columns after the entity and date columns.
inline constexpr const char* kProbabilityColumn = "probability";
inline constexpr const char* kPredictionColumn = "prediction";
inline constexpr const char* kModelNameColumn = "model_name";
inline constexpr const char* kModelVersionColumn = "model_version";
inline constexpr double kPredictionThreshold = 0.5;  // prediction = probability > threshold

ScoreResult score_batch(const std::string& lakehouse_root, tracking::TrackingStore& store, const ScoreRequest& request,
                        exec::ExecContext& exec);

// The default predictions table of a features table: "churn.gold.features"
// → "churn.gold.predictions". kInvalidInput for a path (no catalog.schema
// to put it in): give the output table explicitly.
std::string default_predictions_table(const std::string& features_table);

}  // namespace bullion::server
