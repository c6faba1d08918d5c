#include "bullion/ml/metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "bullion/core/error.h"

namespace bullion::ml {
namespace {

void validate(std::span<const uint8_t> labels, std::span<const double> scores, std::string_view what) {
  if (labels.size() != scores.size())
    throw Error::invalid_input(std::string(what) + ": " + std::to_string(labels.size()) + " labels but " +
                               std::to_string(scores.size()) + " scores");
  if (labels.empty()) throw Error::invalid_input(std::string(what) + ": no rows");
  for (size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] > 1)
      throw Error::invalid_input(std::string(what) + ": label " + std::to_string(labels[i]) + " at row " +
                                 std::to_string(i) + " is not 0 or 1");
    if (!std::isfinite(scores[i]))
      throw Error::invalid_input(std::string(what) + ": score " + std::to_string(scores[i]) + " at row " +
                                 std::to_string(i) + " is not a finite number");
  }
}

// Compensated (Neumaier) summation: the sum is as accurate as numpy's
// pairwise sum or better, so results agree with scikit-learn far below 1e-9.
class Sum {
 public:
  void add(double v) {
    const double t = sum_ + v;
    compensation_ += std::fabs(sum_) >= std::fabs(v) ? (sum_ - t) + v : (v - t) + sum_;
    sum_ = t;
  }
  double value() const { return sum_ + compensation_; }

 private:
  double sum_ = 0, compensation_ = 0;
};

// scikit-learn's confusion_matrix_at_thresholds: scores sorted descending;
// at the last row of every distinct score, the counts of positives (tps) and
// negatives (fps) scoring at least that much.
struct ThresholdCounts {
  std::vector<double> fps, tps, thresholds;
};

ThresholdCounts counts_at_thresholds(std::span<const uint8_t> labels, std::span<const double> scores) {
  std::vector<uint32_t> order(scores.size());
  std::iota(order.begin(), order.end(), 0u);
  std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return scores[a] > scores[b]; });
  ThresholdCounts out;
  double tp = 0, fp = 0;
  for (size_t i = 0; i < order.size(); ++i) {
    (labels[order[i]] ? tp : fp) += 1;
    if (i + 1 == order.size() || scores[order[i + 1]] != scores[order[i]]) {
      out.tps.push_back(tp);
      out.fps.push_back(fp);
      out.thresholds.push_back(scores[order[i]]);
    }
  }
  return out;
}

double safe_ratio(int64_t num, int64_t den) {
  return den == 0 ? 0.0 : static_cast<double>(num) / static_cast<double>(den);
}

}  // namespace

RocCurve roc_curve(std::span<const uint8_t> labels, std::span<const double> scores) {
  validate(labels, scores, "roc_curve");
  ThresholdCounts c = counts_at_thresholds(labels, scores);
  // drop_intermediate: keep only the corners (where the second difference of
  // fps or tps is not zero), and both ends.
  if (c.fps.size() > 2) {
    ThresholdCounts kept;
    for (size_t i = 0; i < c.fps.size(); ++i) {
      const bool end = i == 0 || i + 1 == c.fps.size();
      if (end || c.fps[i + 1] - 2 * c.fps[i] + c.fps[i - 1] != 0 || c.tps[i + 1] - 2 * c.tps[i] + c.tps[i - 1] != 0) {
        kept.fps.push_back(c.fps[i]);
        kept.tps.push_back(c.tps[i]);
        kept.thresholds.push_back(c.thresholds[i]);
      }
    }
    c = std::move(kept);
  }
  RocCurve out;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double negatives = c.fps.back(), positives = c.tps.back();
  out.fpr.push_back(negatives > 0 ? 0.0 : nan);
  out.tpr.push_back(positives > 0 ? 0.0 : nan);
  out.thresholds.push_back(std::numeric_limits<double>::infinity());
  for (size_t i = 0; i < c.fps.size(); ++i) {
    out.fpr.push_back(negatives > 0 ? c.fps[i] / negatives : nan);
    out.tpr.push_back(positives > 0 ? c.tps[i] / positives : nan);
    out.thresholds.push_back(c.thresholds[i]);
  }
  return out;
}

double roc_auc(std::span<const uint8_t> labels, std::span<const double> scores) {
  const RocCurve curve = roc_curve(labels, scores);
  if (std::isnan(curve.fpr.back()) || std::isnan(curve.tpr.back())) return std::numeric_limits<double>::quiet_NaN();
  Sum area;
  for (size_t i = 1; i < curve.fpr.size(); ++i)
    area.add((curve.fpr[i] - curve.fpr[i - 1]) * (curve.tpr[i] + curve.tpr[i - 1]) / 2.0);
  return area.value();
}

PrecisionRecallCurve precision_recall_curve(std::span<const uint8_t> labels, std::span<const double> scores) {
  validate(labels, scores, "precision_recall_curve");
  const ThresholdCounts c = counts_at_thresholds(labels, scores);
  PrecisionRecallCurve out;
  const size_t n = c.tps.size();
  const double positives = c.tps.back();
  for (size_t k = 0; k < n; ++k) {
    const size_t i = n - 1 - k;  // reversed: recall decreasing, thresholds increasing
    const double predicted = c.tps[i] + c.fps[i];
    out.precision.push_back(predicted != 0 ? c.tps[i] / predicted : 0.0);
    out.recall.push_back(positives == 0 ? 1.0 : c.tps[i] / positives);
    out.thresholds.push_back(c.thresholds[i]);
  }
  out.precision.push_back(1.0);
  out.recall.push_back(0.0);
  return out;
}

double average_precision(std::span<const uint8_t> labels, std::span<const double> scores) {
  const PrecisionRecallCurve curve = precision_recall_curve(labels, scores);
  Sum sum;
  for (size_t i = 0; i + 1 < curve.recall.size(); ++i)
    sum.add((curve.recall[i + 1] - curve.recall[i]) * curve.precision[i]);
  return std::max(0.0, -sum.value());
}

ConfusionCounts confusion_counts(std::span<const uint8_t> labels, std::span<const double> scores, double threshold) {
  validate(labels, scores, "confusion_counts");
  ConfusionCounts c;
  for (size_t i = 0; i < labels.size(); ++i) {
    const bool predicted = scores[i] > threshold;
    if (labels[i])
      ++(predicted ? c.true_positive : c.false_negative);
    else
      ++(predicted ? c.false_positive : c.true_negative);
  }
  return c;
}

double precision(const ConfusionCounts& c) { return safe_ratio(c.true_positive, c.true_positive + c.false_positive); }
double recall(const ConfusionCounts& c) { return safe_ratio(c.true_positive, c.true_positive + c.false_negative); }
double f1_score(const ConfusionCounts& c) {
  return safe_ratio(2 * c.true_positive, 2 * c.true_positive + c.false_positive + c.false_negative);
}
double accuracy(const ConfusionCounts& c) {
  return safe_ratio(c.true_positive + c.true_negative,
                    c.true_positive + c.true_negative + c.false_positive + c.false_negative);
}

double log_loss(std::span<const uint8_t> labels, std::span<const double> probabilities, double eps) {
  validate(labels, probabilities, "log_loss");
  if (!(eps > 0 && eps < 0.5)) throw Error::invalid_input("log_loss: eps must be in (0, 0.5)");
  size_t positives = 0;
  for (size_t i = 0; i < labels.size(); ++i) {
    const double p = probabilities[i];
    if (p < 0 || p > 1)
      throw Error::invalid_input("log_loss: probability " + std::to_string(p) + " at row " + std::to_string(i) +
                                 " is outside [0, 1]");
    positives += labels[i];
  }
  if (positives == 0 || positives == labels.size())
    throw Error::invalid_input("log_loss: the labels contain only one class",
                               "log loss over one class is undefined in scikit-learn; evaluate on both classes");
  Sum sum;
  for (size_t i = 0; i < labels.size(); ++i) {
    // As scikit-learn: the probability of the row's own class, clipped.
    const double p = labels[i] ? probabilities[i] : 1.0 - probabilities[i];
    sum.add(-std::log(std::clamp(p, eps, 1.0 - eps)));
  }
  return sum.value() / static_cast<double>(labels.size());
}

std::vector<std::pair<std::string, double>> ClassificationMetrics::named() const {
  return {{"roc_auc", roc_auc}, {"pr_auc", pr_auc},     {"f1_score", f1_score}, {"precision", precision},
          {"recall", recall},   {"accuracy", accuracy}, {"log_loss", log_loss}};
}

ClassificationMetrics evaluate_classifier(std::span<const uint8_t> labels, std::span<const double> probabilities) {
  ClassificationMetrics m;
  m.roc_auc = ml::roc_auc(labels, probabilities);
  m.pr_auc = average_precision(labels, probabilities);
  m.confusion = confusion_counts(labels, probabilities);
  m.precision = ml::precision(m.confusion);
  m.recall = ml::recall(m.confusion);
  m.f1_score = ml::f1_score(m.confusion);
  m.accuracy = ml::accuracy(m.confusion);
  m.log_loss = ml::log_loss(labels, probabilities);
  m.num_rows = static_cast<int64_t>(labels.size());
  m.num_positive = m.confusion.true_positive + m.confusion.false_negative;
  return m;
}

ClassificationMetrics evaluate_classifier(std::span<const uint8_t> labels, std::span<const float> probabilities) {
  const std::vector<double> widened(probabilities.begin(), probabilities.end());
  return evaluate_classifier(labels, std::span<const double>(widened));
}

}  // namespace bullion::ml
