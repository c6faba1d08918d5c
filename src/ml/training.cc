#include "bullion/ml/training.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <thread>

#include "bullion/core/error.h"
#include "bullion/core/fs.h"
#include "bullion/core/time.h"
#include "bullion/ml/plots.h"

namespace bullion::ml {

TrainingResult train_classifier(std::span<const Batch> batches, const TrainingRequest& request) {
  return train_classifier(build_dataset(batches, request.columns), request);
}

TrainingResult train_classifier(Dataset data, const TrainingRequest& request) {
  if (request.nthread < 0)
    throw Error::invalid_input("nthread must not be negative, got " + std::to_string(request.nthread));
  const int nthread =
      request.nthread > 0 ? request.nthread : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (request.split.seed > static_cast<uint64_t>(INT64_MAX))
    throw Error::invalid_input("split seed " + std::to_string(request.split.seed) + " is beyond 2^63 - 1");
  DatasetSplit split = split_dataset(data, request.split);
  GbmParams params = resolve_gbm_params(request.params, nthread, static_cast<int64_t>(request.split.seed));

  const Dataset train = data.subset(split.train_rows);
  const auto start = std::chrono::steady_clock::now();
  GbmModel model = GbmModel::train(train, params);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  const Dataset test = data.subset(split.test_rows);
  std::vector<float> predictions = model.predict(test);
  const std::vector<double> scores(predictions.begin(), predictions.end());
  ClassificationMetrics metrics = evaluate_classifier(test.labels, std::span<const double>(scores));
  RocCurve roc = roc_curve(test.labels, scores);
  PrecisionRecallCurve pr = precision_recall_curve(test.labels, scores);
  std::vector<FeatureImportance> importance = model.feature_importance();
  return TrainingResult{std::move(data),        std::move(split), std::move(params), std::move(model),
                        std::move(predictions), metrics,          std::move(roc),    std::move(pr),
                        std::move(importance),  seconds};
}

std::string test_predictions_csv(const TrainingResult& result) {
  std::string out = "entity,feature_date,label,probability\n";
  for (size_t i = 0; i < result.split.test_rows.size(); ++i) {
    const uint32_t row = result.split.test_rows[i];
    char p[32];
    std::snprintf(p, sizeof p, "%.9g", static_cast<double>(result.test_predictions[i]));
    out += result.data.entities[row] + "," + format_date(result.data.feature_dates[row]) + "," +
           std::to_string(result.data.labels[row]) + "," + p + "\n";
  }
  return out;
}

std::vector<std::string> write_training_artifacts(const TrainingResult& result, const std::string& dir) {
  FileSystem& fs = FileSystem::local();
  fs.create_dirs(dir);
  const double prevalence =
      result.metrics.num_rows > 0 ? static_cast<double>(result.metrics.num_positive) / result.metrics.num_rows : 0;
  const std::vector<std::string> paths = {join_path(dir, kModelFile), join_path(dir, kRocCurveFile),
                                          join_path(dir, kPrecisionRecallFile), join_path(dir, kFeatureImportanceFile)};
  result.model.save(paths[0]);
  fs.write_atomic(paths[1], roc_curve_svg(result.roc, result.metrics.roc_auc));
  fs.write_atomic(paths[2], precision_recall_svg(result.pr, result.metrics.pr_auc, prevalence));
  fs.write_atomic(paths[3], feature_importance_svg(result.importance));
  return paths;
}

std::string ModelComparison::describe() const {
  std::string out;
  if (identical())
    return "identical: " + std::to_string(logged_bytes) + " bytes of model JSON, " + std::to_string(num_predictions) +
           " test predictions";
  if (!same_bytes)
    out = "model JSON differs from byte " + std::to_string(first_difference) + " (logged " +
          std::to_string(logged_bytes) + " bytes, retrained " + std::to_string(retrained_bytes) + ")";
  else
    out = "model JSON identical (" + std::to_string(logged_bytes) + " bytes)";
  out += "; " + std::to_string(num_different_predictions) + " of " + std::to_string(num_predictions) +
         " test predictions differ";
  if (num_different_predictions > 0) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3g", max_abs_difference);
    out += std::string(" (max |difference| ") + buf + ")";
  }
  return out;
}

ModelComparison compare_models(std::string_view logged_model_json, const GbmModel& retrained, const Dataset& rows) {
  ModelComparison c;
  const std::string retrained_json = retrained.to_json();
  c.logged_bytes = logged_model_json.size();
  c.retrained_bytes = retrained_json.size();
  c.same_bytes = logged_model_json == retrained_json;
  if (!c.same_bytes) {
    const size_t n = std::min(logged_model_json.size(), retrained_json.size());
    size_t i = 0;
    while (i < n && logged_model_json[i] == retrained_json[i]) ++i;
    c.first_difference = i;
  }
  const GbmModel logged = GbmModel::from_json(logged_model_json);
  const std::vector<float> a = logged.predict(rows);
  const std::vector<float> b = retrained.predict(rows);
  c.num_predictions = a.size();
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] == b[i]) continue;
    ++c.num_different_predictions;
    c.max_abs_difference = std::max(c.max_abs_difference, std::fabs(static_cast<double>(a[i]) - b[i]));
  }
  return c;
}

}  // namespace bullion::ml
