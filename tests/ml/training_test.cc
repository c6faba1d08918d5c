// train_classifier end to end on batches: metrics, artifacts,
// reproducibility (also across batch orders), compare_models.
#include "bullion/ml/training.h"

#include <gtest/gtest.h>

#include "bullion/core/error.h"
#include "bullion/core/fs.h"
#include "ml/ml_fixtures.h"
#include "support/temp_dir.h"

namespace bullion::ml {
namespace {

using bullion::testing::TempDir;

TrainingRequest churn_request(int nthread = 2) {
  TrainingRequest r;
  r.columns.features = testing::kChurnFeatures;
  r.split = {SplitBy::kEntity, 0.2, 42};
  r.params = {{"n_estimators", "60"}, {"max_depth", "4"}, {"learning_rate", "0.1"}};
  r.nthread = nthread;
  return r;
}

TEST(Training, TrainsEvaluatesAndReports) {
  const Batch batch = testing::churn_batch(500, 4);
  const TrainingResult r = train_classifier(std::span(&batch, 1), churn_request());
  EXPECT_EQ(r.data.num_rows(), 2000u);
  EXPECT_EQ(r.training_rows() + r.test_rows(), 2000u);
  EXPECT_EQ(r.split.test_groups, 100u);
  EXPECT_EQ(r.test_rows(), 400u);
  ASSERT_EQ(r.test_predictions.size(), r.test_rows());
  EXPECT_EQ(r.metrics.num_rows, 400);
  EXPECT_GT(r.metrics.roc_auc, 0.8);
  EXPECT_LT(r.metrics.roc_auc, 1.0);
  EXPECT_GT(r.metrics.pr_auc, 0.3);
  EXPECT_GT(r.metrics.log_loss, 0.0);
  EXPECT_EQ(r.params.seed, 42);  // the split's seed
  EXPECT_EQ(r.params.nthread, 2);
  EXPECT_EQ(r.model.num_rounds(), 60);
  EXPECT_EQ(r.importance.size(), 4u);
  EXPECT_GE(r.train_seconds, 0.0);
  // The metrics are those of the returned predictions.
  std::vector<uint8_t> labels;
  for (uint32_t row : r.split.test_rows) labels.push_back(r.data.labels[row]);
  const ClassificationMetrics again = evaluate_classifier(labels, std::span<const float>(r.test_predictions));
  EXPECT_EQ(again.roc_auc, r.metrics.roc_auc);
  EXPECT_EQ(again.log_loss, r.metrics.log_loss);
  EXPECT_EQ(r.roc.fpr.front(), 0.0);
  EXPECT_EQ(r.pr.recall.back(), 0.0);
}

TEST(Training, ReproducibleAcrossRunsAndBatchOrders) {
  const Batch all = testing::churn_batch(300, 4);
  const std::vector<Batch> shuffled = {all.slice(700, 500), all.slice(0, 350), all.slice(350, 350)};
  const TrainingResult a = train_classifier(std::span(&all, 1), churn_request());
  const TrainingResult b = train_classifier(std::span(&all, 1), churn_request());
  const TrainingResult c = train_classifier(shuffled, churn_request());
  const std::string bytes = a.model.to_json();
  EXPECT_EQ(b.model.to_json(), bytes);
  EXPECT_EQ(c.model.to_json(), bytes);
  EXPECT_EQ(b.test_predictions, a.test_predictions);
  EXPECT_EQ(c.test_predictions, a.test_predictions);
  EXPECT_EQ(c.metrics.roc_auc, a.metrics.roc_auc);

  const Dataset test = a.data.subset(a.split.test_rows);
  const ModelComparison same = compare_models(bytes, c.model, test);
  EXPECT_TRUE(same.identical()) << same.describe();
  EXPECT_EQ(same.describe(), "identical: " + std::to_string(bytes.size()) + " bytes of model JSON, " +
                                 std::to_string(test.num_rows()) + " test predictions");
}

TEST(Training, CompareModelsSaysWhatDiffers) {
  const Batch all = testing::churn_batch(300, 4);
  const TrainingResult a = train_classifier(std::span(&all, 1), churn_request());
  TrainingRequest other = churn_request();
  other.params = {{"n_estimators", "61"}, {"max_depth", "4"}, {"learning_rate", "0.1"}};
  const TrainingResult b = train_classifier(std::span(&all, 1), other);
  const Dataset test = a.data.subset(a.split.test_rows);
  const ModelComparison diff = compare_models(a.model.to_json(), b.model, test);
  EXPECT_FALSE(diff.identical());
  EXPECT_FALSE(diff.same_bytes);
  EXPECT_GT(diff.first_difference, 0u);
  EXPECT_EQ(diff.num_predictions, test.num_rows());
  EXPECT_GT(diff.num_different_predictions, 0u);
  EXPECT_GT(diff.max_abs_difference, 0.0);
  EXPECT_NE(diff.describe().find("model JSON differs from byte " + std::to_string(diff.first_difference)),
            std::string::npos);
}

TEST(Training, WritesLoadableArtifacts) {
  TempDir dir;
  const Batch all = testing::churn_batch(200, 3);
  const TrainingResult r = train_classifier(all, churn_request());
  const std::string out = dir.file("artifacts");
  const std::vector<std::string> paths = write_training_artifacts(r, out);
  ASSERT_EQ(paths.size(), 4u);
  EXPECT_EQ(paths[0], out + "/model.json");
  EXPECT_EQ(paths[1], out + "/roc_curve.svg");
  EXPECT_EQ(paths[2], out + "/precision_recall_curve.svg");
  EXPECT_EQ(paths[3], out + "/feature_importance.svg");
  for (const std::string& p : paths) EXPECT_TRUE(FileSystem::local().exists(p)) << p;
  const GbmModel loaded = GbmModel::load(paths[0]);
  EXPECT_EQ(loaded.predict(r.data.subset(r.split.test_rows)), r.test_predictions);
  EXPECT_NE(FileSystem::local().read_all(paths[1]).find("ROC curve (AUC = "), std::string::npos);
}

TEST(Training, TimeSplitAndErrors) {
  const Batch all = testing::churn_batch(300, 4);
  TrainingRequest by_time = churn_request();
  by_time.split = {SplitBy::kTime, 0.2, 42, 1};
  const TrainingResult r = train_classifier(std::span(&all, 1), by_time);
  EXPECT_EQ(r.test_rows(), 300u);
  for (uint32_t row : r.split.test_rows) EXPECT_EQ(r.data.feature_dates[row], 20148 + 21);

  auto expect_invalid = [](auto&& f, const std::string& text) {
    try {
      f();
      ADD_FAILURE() << "no error; expected: " << text;
    } catch (const Error& e) {
      EXPECT_EQ(e.category(), ErrorCategory::kInvalidInput);
      EXPECT_NE(e.message().find(text), std::string::npos) << e.message();
    }
  };
  expect_invalid([&] { train_classifier(std::span<const Batch>(), churn_request()); }, "the training set is empty");
  const Batch empty = all.slice(0, 0);
  expect_invalid([&] { train_classifier(std::span(&empty, 1), churn_request()); }, "the training set is empty");
  TrainingRequest bad = churn_request();
  bad.columns.features.push_back("total_event");
  expect_invalid([&] { train_classifier(std::span(&all, 1), bad); }, "'total_event'");
  bad = churn_request();
  bad.params.emplace_back("max_dept", "3");
  expect_invalid([&] { train_classifier(std::span(&all, 1), bad); }, "unknown model param 'max_dept'");
  bad = churn_request();
  bad.nthread = -1;
  expect_invalid([&] { train_classifier(std::span(&all, 1), bad); }, "nthread must not be negative");
}

}  // namespace
}  // namespace bullion::ml
