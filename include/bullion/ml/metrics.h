// bullion/ml/metrics.h — binary classification metrics, computed as
// scikit-learn 1.9 computes them.
//
// Each function equals its scikit-learn counterpart on the same labels and
// scores to 1e-9 (tests/interop/test_ml_metrics.py checks it on random and
// tie-heavy data):
//   roc_auc            roc_auc_score: trapezoids over roc_curve's points, so
//                      tied scores count half (a tie is one threshold).
//                      One class only → NaN, as scikit-learn returns.
//   average_precision  average_precision_score (the contract's pr_auc): the
//                      step sum Σ (R_n − R_{n−1}) · P_n over distinct
//                      thresholds — not the trapezoidal area, which is
//                      optimistic. No positive label → 0.
//   precision, recall, f1_score, accuracy
//                      at the contract's threshold: a row is predicted
//                      positive iff its probability is strictly greater than
//                      0.5. zero_division: a metric whose denominator is 0
//                      (no predicted positives for precision, no actual
//                      positives for recall, neither for F1) is 0.0 — what
//                      scikit-learn's default zero_division="warn" returns.
//   log_loss           log_loss: mean of −log(p) for positives and −log(1−p)
//                      for negatives, p first clipped to [eps, 1 − eps].
//                      scikit-learn 1.9 takes eps = the machine epsilon of the
//                      probabilities' dtype (no longer a fixed 1e-15): for a
//                      float64 array 2.220446049250313e-16, which is the
//                      default here — bullion widens XGBoost's float32
//                      predictions to double before computing metrics, and
//                      scikit-learn given those doubles agrees. (Given the
//                      float32 array itself, scikit-learn clips at
//                      1.1920929e-07 and sums in float32; pass
//                      kFloat32Epsilon to reproduce its clipping.) One class
//                      only is an error, as in scikit-learn.
// Curves follow roc_curve (drop_intermediate=True: collinear points dropped,
// a first point at threshold +inf) and precision_recall_curve (the final
// (recall 0, precision 1) point appended, recall decreasing).
//
// Input: labels are 0/1; scores are finite. A length mismatch, no rows, a
// label other than 0/1, or a NaN/infinite score is kInvalidInput, and so is
// a probability outside [0, 1] for log_loss (scikit-learn raises too).
// Complexity: O(n log n) (one sort by score). Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace bullion::ml {

inline constexpr double kFloat64Epsilon = 2.220446049250313e-16;   // np.finfo(np.float64).eps
inline constexpr double kFloat32Epsilon = 1.1920928955078125e-07;  // np.finfo(np.float32).eps
inline constexpr double kDecisionThreshold = 0.5;                  // predicted positive iff p > 0.5

struct RocCurve {
  std::vector<double> fpr, tpr;
  std::vector<double> thresholds;  // thresholds[0] = +inf
};

struct PrecisionRecallCurve {
  std::vector<double> precision, recall;  // one more point than thresholds: (P 1, R 0) last
  std::vector<double> thresholds;         // increasing
};

struct ConfusionCounts {
  int64_t true_positive = 0, false_positive = 0, true_negative = 0, false_negative = 0;
};

RocCurve roc_curve(std::span<const uint8_t> labels, std::span<const double> scores);
PrecisionRecallCurve precision_recall_curve(std::span<const uint8_t> labels, std::span<const double> scores);
double roc_auc(std::span<const uint8_t> labels, std::span<const double> scores);
double average_precision(std::span<const uint8_t> labels, std::span<const double> scores);

// Rows with score > threshold are predicted positive.
ConfusionCounts confusion_counts(std::span<const uint8_t> labels, std::span<const double> scores,
                                 double threshold = kDecisionThreshold);
double precision(const ConfusionCounts& c);
double recall(const ConfusionCounts& c);
double f1_score(const ConfusionCounts& c);
double accuracy(const ConfusionCounts& c);

double log_loss(std::span<const uint8_t> labels, std::span<const double> probabilities, double eps = kFloat64Epsilon);

// The contract's metrics of a binary classifier on one test set.
struct ClassificationMetrics {
  double roc_auc = 0;
  double pr_auc = 0;  // average precision
  double f1_score = 0;
  double precision = 0;
  double recall = 0;
  double accuracy = 0;
  double log_loss = 0;
  ConfusionCounts confusion;
  int64_t num_rows = 0;
  int64_t num_positive = 0;

  // The seven metrics under the contract's names, in the order above (what a
  // run logs).
  std::vector<std::pair<std::string, double>> named() const;
};

ClassificationMetrics evaluate_classifier(std::span<const uint8_t> labels, std::span<const double> probabilities);
// As above for XGBoost's float32 predictions, widened to double exactly.
ClassificationMetrics evaluate_classifier(std::span<const uint8_t> labels, std::span<const float> probabilities);

}  // namespace bullion::ml
