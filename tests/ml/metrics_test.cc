// Metrics: exact values from scikit-learn 1.9.1 on small cases (ties,
// all-equal scores, perfect and inverted rankings, clipping, zero division).
#include "bullion/ml/metrics.h"

#include <gtest/gtest.h>

#include <cmath>

#include "bullion/core/error.h"

namespace bullion::ml {
namespace {

using Labels = std::vector<uint8_t>;
using Scores = std::vector<double>;

template <class F>
void expect_invalid(F&& f, const std::string& text) {
  try {
    f();
    ADD_FAILURE() << "no error; expected one containing: " << text;
  } catch (const Error& e) {
    EXPECT_EQ(e.category(), ErrorCategory::kInvalidInput);
    EXPECT_NE(e.message().find(text), std::string::npos) << e.message();
  }
}

TEST(Metrics, TiesCountHalf) {
  // sklearn: roc_curve → fpr [0, 0, .5, 1], tpr [0, 1/3, 1, 1], thresholds [inf, .9, .5, .2].
  const Labels y = {0, 1, 0, 1, 1};
  const Scores s = {0.5, 0.5, 0.2, 0.5, 0.9};
  const RocCurve roc = roc_curve(y, s);
  EXPECT_EQ(roc.fpr, (Scores{0, 0, 0.5, 1}));
  EXPECT_EQ(roc.tpr, (Scores{0, 1.0 / 3, 1, 1}));
  EXPECT_EQ(roc.thresholds, (Scores{INFINITY, 0.9, 0.5, 0.2}));
  EXPECT_DOUBLE_EQ(roc_auc(y, s), 0.8333333333333333);
  // precision_recall_curve → precision [.6, .75, 1, 1], recall [1, 1, 1/3, 0], thresholds [.2, .5, .9].
  const PrecisionRecallCurve pr = precision_recall_curve(y, s);
  EXPECT_EQ(pr.precision, (Scores{0.6, 0.75, 1, 1}));
  EXPECT_EQ(pr.recall, (Scores{1, 1, 1.0 / 3, 0}));
  EXPECT_EQ(pr.thresholds, (Scores{0.2, 0.5, 0.9}));
  EXPECT_DOUBLE_EQ(average_precision(y, s), 0.8333333333333333);
}

TEST(Metrics, DropsIntermediatePointsAsScikitLearn) {
  const Labels y = {0, 0, 1, 1, 0, 1, 0, 1, 1, 0};
  const Scores s = {0.1, 0.4, 0.35, 0.8, 0.4, 0.4, 0.05, 0.9, 0.6, 0.7};
  const RocCurve roc = roc_curve(y, s);
  EXPECT_EQ(roc.fpr, (Scores{0, 0, 0, 0.2, 0.2, 0.6, 0.6, 1}));
  EXPECT_EQ(roc.tpr, (Scores{0, 0.2, 0.4, 0.4, 0.6, 0.8, 1, 1}));
  EXPECT_EQ(roc.thresholds, (Scores{INFINITY, 0.9, 0.8, 0.7, 0.6, 0.4, 0.35, 0.05}));
  EXPECT_NEAR(roc_auc(y, s), 0.76, 1e-15);
  EXPECT_NEAR(average_precision(y, s), 0.7892857142857144, 1e-15);
}

TEST(Metrics, AllEqualScores) {
  const Labels y = {0, 1, 0, 1, 1};
  const Scores s(5, 0.3);
  EXPECT_EQ(roc_auc(y, s), 0.5);
  EXPECT_DOUBLE_EQ(average_precision(y, s), 0.6);  // the prevalence
  const RocCurve roc = roc_curve(y, s);
  EXPECT_EQ(roc.fpr, (Scores{0, 1}));
  EXPECT_EQ(roc.tpr, (Scores{0, 1}));
}

TEST(Metrics, PerfectAndInvertedRankings) {
  const Labels y = {0, 0, 1, 1};
  EXPECT_EQ(roc_auc(y, Scores{0.1, 0.2, 0.8, 0.9}), 1.0);
  EXPECT_EQ(average_precision(y, Scores{0.1, 0.2, 0.8, 0.9}), 1.0);
  EXPECT_EQ(roc_auc(y, Scores{0.9, 0.8, 0.2, 0.1}), 0.0);
  EXPECT_DOUBLE_EQ(average_precision(y, Scores{0.9, 0.8, 0.2, 0.1}), 0.41666666666666663);
}

TEST(Metrics, OneClassAsScikitLearn) {
  // roc_auc_score returns nan; average_precision_score 0 (no positives) or 1 (all positive).
  EXPECT_TRUE(std::isnan(roc_auc(Labels{1, 1, 1}, Scores{0.1, 0.5, 0.9})));
  EXPECT_TRUE(std::isnan(roc_auc(Labels{0, 0}, Scores{0.1, 0.5})));
  EXPECT_EQ(average_precision(Labels{0, 0, 0}, Scores{0.1, 0.5, 0.9}), 0.0);
  EXPECT_EQ(average_precision(Labels{1, 1, 1}, Scores{0.1, 0.5, 0.9}), 1.0);
  const PrecisionRecallCurve pr = precision_recall_curve(Labels{0, 0}, Scores{0.1, 0.5});
  EXPECT_EQ(pr.recall, (Scores{1, 1, 0}));
  EXPECT_EQ(pr.precision, (Scores{0, 0, 1}));
}

TEST(Metrics, ThresholdIsStrictlyGreaterThanHalf) {
  // sklearn on y_pred = (p > 0.5): f1 2/3, precision 1, recall 0.5, accuracy 2/3, log_loss 0.7304044524492036.
  const Labels y = {0, 1, 1, 0, 1, 1};
  const Scores p = {0.3, 0.7, 0.2, 0.5, 0.51, 0.5};
  const ConfusionCounts c = confusion_counts(y, p);
  EXPECT_EQ(c.true_positive, 2);
  EXPECT_EQ(c.false_positive, 0);
  EXPECT_EQ(c.true_negative, 2);
  EXPECT_EQ(c.false_negative, 2);
  EXPECT_DOUBLE_EQ(f1_score(c), 0.6666666666666666);
  EXPECT_EQ(precision(c), 1.0);
  EXPECT_EQ(recall(c), 0.5);
  EXPECT_DOUBLE_EQ(accuracy(c), 0.6666666666666666);
  EXPECT_NEAR(log_loss(y, p), 0.7304044524492036, 1e-15);
  const ClassificationMetrics m = evaluate_classifier(y, p);
  EXPECT_EQ(m.num_rows, 6);
  EXPECT_EQ(m.num_positive, 4);
  EXPECT_DOUBLE_EQ(m.f1_score, 0.6666666666666666);
  const auto named = m.named();
  ASSERT_EQ(named.size(), 7u);
  const char* names[] = {"roc_auc", "pr_auc", "f1_score", "precision", "recall", "accuracy", "log_loss"};
  for (size_t i = 0; i < 7; ++i) EXPECT_EQ(named[i].first, names[i]);
  EXPECT_EQ(named[6].second, m.log_loss);
}

TEST(Metrics, ZeroDivisionGivesZero) {
  // No predicted positives and no actual positives: sklearn's zero_division="warn" → 0.0.
  ConfusionCounts none;
  none.true_negative = 2;
  EXPECT_EQ(precision(none), 0.0);
  EXPECT_EQ(recall(none), 0.0);
  EXPECT_EQ(f1_score(none), 0.0);
  EXPECT_EQ(accuracy(none), 1.0);
  // f1_score([1, 0], [0, 1]) = 0.
  const ConfusionCounts wrong = confusion_counts(Labels{1, 0}, Scores{0.2, 0.9});
  EXPECT_EQ(f1_score(wrong), 0.0);
  EXPECT_EQ(precision(wrong), 0.0);
  EXPECT_EQ(accuracy(ConfusionCounts{}), 0.0);
}

TEST(Metrics, LogLossClipsAtTheDtypesEpsilon) {
  EXPECT_NEAR(log_loss(Labels{1, 0}, Scores{0.8, 0.3}), 0.2899092476264711, 1e-15);
  // Certain and right: each row costs -log(1 - eps) ≈ eps.
  EXPECT_DOUBLE_EQ(log_loss(Labels{0, 1}, Scores{0.0, 1.0}), 2.220446049250313e-16);
  // Certain and wrong: -log(eps) for float64 (sklearn: 36.04365338911715).
  EXPECT_DOUBLE_EQ(log_loss(Labels{1, 0}, Scores{0.0, 1.0}), 36.04365338911715);
  // float32's epsilon, as scikit-learn clips a float32 array (it then sums in
  // float32 and reports 15.942384719848633).
  EXPECT_DOUBLE_EQ(log_loss(Labels{1, 0}, Scores{0.0, 1.0}, kFloat32Epsilon), -std::log(kFloat32Epsilon));
  EXPECT_NEAR(log_loss(Labels{1, 0}, Scores{0.0, 1.0}, kFloat32Epsilon), 15.942384719848633, 1e-6);
}

TEST(Metrics, InputErrors) {
  expect_invalid([] { roc_auc(Labels{0, 1}, Scores{0.5}); }, "2 labels but 1 scores");
  expect_invalid([] { roc_auc(Labels{}, Scores{}); }, "no rows");
  expect_invalid([] { average_precision(Labels{0, 2}, Scores{0.1, 0.2}); }, "label 2 at row 1 is not 0 or 1");
  expect_invalid([] { roc_auc(Labels{0, 1}, Scores{NAN, 0.2}); }, "at row 0 is not a finite number");
  expect_invalid([] { confusion_counts(Labels{0, 1}, Scores{0.1, INFINITY}); }, "not a finite number");
  expect_invalid([] { log_loss(Labels{0, 1}, Scores{0.1, 1.5}); }, "outside [0, 1]");
  expect_invalid([] { log_loss(Labels{1, 1}, Scores{0.2, 0.3}); }, "only one class");
  expect_invalid([] { log_loss(Labels{0, 1}, Scores{0.2, 0.3}, 0); }, "eps must be in (0, 0.5)");
}

TEST(Metrics, FloatPredictionsWidenExactly) {
  const Labels y = {0, 1, 1, 0};
  const std::vector<float> p = {0.1f, 0.7f, 0.35f, 0.4f};
  const ClassificationMetrics a = evaluate_classifier(y, std::span<const float>(p));
  const Scores widened(p.begin(), p.end());
  const ClassificationMetrics b = evaluate_classifier(y, std::span<const double>(widened));
  EXPECT_EQ(a.log_loss, b.log_loss);
  EXPECT_EQ(a.roc_auc, 0.75);
  EXPECT_EQ(a.roc_auc, b.roc_auc);
}

}  // namespace
}  // namespace bullion::ml
