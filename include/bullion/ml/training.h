// bullion/ml/training.h — one call from Gold ⋈ labels batches to a trained,
// evaluated model and its artifacts; what `bullion train` and `bullion
// reproduce` call.
//
//   TrainingRequest request;
//   request.columns.features = spec.feature_columns;     // label/entity/date default to the churn spec's
//   request.split = {SplitBy::kEntity, 0.2, 42};
//   request.params = spec.model.params;                   // {"n_estimators", "200"}, ...
//   request.nthread = threads;
//   TrainingResult r = train_classifier(batches, request);
//   write_training_artifacts(r, dir);                     // model.json + three SVGs
//   log r.params.logged, r.metrics.named(), r.data.num_rows() ...
//
// Steps: build_dataset (sorted by feature_date, entity) → split_dataset →
// resolve_gbm_params (seed defaults to the split's seed) → GbmModel::train on
// the training rows → predict the test rows → evaluate_classifier, curves,
// feature importance. Every error of those steps propagates unchanged
// (kInvalidInput for the user's data and spec).
//
// Reproduction: the same batches (in any order), request and XGBoost library
// give a byte-identical model and identical test predictions;
// compare_models() reports exactly where two models differ.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "bullion/columnar/batch.h"
#include "bullion/ml/dataset.h"
#include "bullion/ml/gbm.h"
#include "bullion/ml/metrics.h"
#include "bullion/ml/split.h"

namespace bullion::ml {

struct TrainingRequest {
  DatasetColumns columns;
  SplitSpec split;
  ParamList params;  // the spec's model params (name, YAML scalar text)
  int nthread = 0;   // 0: the machine's hardware threads
};

struct TrainingResult {
  Dataset data;  // every labelled row, sorted
  DatasetSplit split;
  GbmParams params;
  GbmModel model;
  std::vector<float> test_predictions;  // probability per split.test_rows entry
  ClassificationMetrics metrics;        // on the test rows
  RocCurve roc;
  PrecisionRecallCurve pr;
  std::vector<FeatureImportance> importance;
  double train_seconds = 0;  // wall time of GbmModel::train (matrix + boosting)

  size_t training_rows() const { return split.train_rows.size(); }
  size_t test_rows() const { return split.test_rows.size(); }
};

TrainingResult train_classifier(std::span<const Batch> batches, const TrainingRequest& request);
inline TrainingResult train_classifier(const Batch& batch, const TrainingRequest& request) {
  return train_classifier(std::span<const Batch>(&batch, 1), request);
}
TrainingResult train_classifier(Dataset data, const TrainingRequest& request);

// File names inside an artifact directory, as write_training_artifacts writes them.
inline constexpr const char* kModelFile = "model.json";
inline constexpr const char* kRocCurveFile = "roc_curve.svg";
inline constexpr const char* kPrecisionRecallFile = "precision_recall_curve.svg";
inline constexpr const char* kFeatureImportanceFile = "feature_importance.svg";

// The test rows' predictions as CSV: "entity,feature_date,label,probability",
// one line per test row in split order, probabilities as float32 round-trip
// text (%.9g).
std::string test_predictions_csv(const TrainingResult& result);

// Writes model.json and the three SVG charts into `dir` (created if needed),
// each atomically; returns their paths in that order.
std::vector<std::string> write_training_artifacts(const TrainingResult& result, const std::string& dir);

// Logged model vs. retrained model, for `reproduce`.
struct ModelComparison {
  bool same_bytes = false;
  size_t first_difference = 0;  // byte offset of the first difference (when !same_bytes)
  size_t logged_bytes = 0, retrained_bytes = 0;
  size_t num_predictions = 0;
  size_t num_different_predictions = 0;  // rows whose float32 probabilities differ at all
  double max_abs_difference = 0;

  bool identical() const { return same_bytes && num_different_predictions == 0; }
  // "identical: 184223 bytes, 4012 test predictions" or what differs.
  std::string describe() const;
};

// Compares the logged model's JSON bytes with the retrained model's, and the
// two models' predictions on `rows`.
ModelComparison compare_models(std::string_view logged_model_json, const GbmModel& retrained, const Dataset& rows);

}  // namespace bullion::ml
