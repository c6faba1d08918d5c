// bullion/ml/plots.h — a trained model's charts as standalone SVG documents.
//
// Written by bullion itself (no plotting library): each function returns a
// complete, well-formed SVG 1.1 document (XML declaration, xmlns, viewBox;
// text XML-escaped) that browsers and MLflow's artifact viewer display:
//   roc_curve_svg           the ROC curve with the AUC in the title and the
//                           chance diagonal; axes "False positive rate",
//                           "True positive rate", ticks every 0.2.
//   precision_recall_svg    the precision-recall curve as the step function
//                           whose area is the average precision (AP in the
//                           title), and the no-skill line at the prevalence.
//   feature_importance_svg  horizontal bars of each feature's average gain,
//                           largest first (ties by name), value at each bar.
// Curves with many points are thinned to what 0.1 px can show (per pixel
// column: first, lowest, highest and last vertex), so a chart stays small
// for any test-set size and looks the same. Numbers are formatted without
// the locale. Pure functions; thread-safe.
#pragma once

#include <span>
#include <string>

#include "bullion/ml/gbm.h"
#include "bullion/ml/metrics.h"

namespace bullion::ml {

std::string roc_curve_svg(const RocCurve& curve, double auc);
std::string precision_recall_svg(const PrecisionRecallCurve& curve, double average_precision, double prevalence);
std::string feature_importance_svg(std::span<const FeatureImportance> importance);

}  // namespace bullion::ml
