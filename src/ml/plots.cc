#include "bullion/ml/plots.h"

#include <algorithm>
#include <cmath>

#include "svg_document.h"

namespace bullion::ml {
namespace {

constexpr const char* kCurveColor = "#1f77b4";
constexpr const char* kReferenceColor = "#888888";
constexpr const char* kGridColor = "#e5e5e5";
constexpr const char* kAxisColor = "#333333";

// A unit-square chart: plot area, grid, ticks every 0.2, axis labels.
struct UnitChart {
  static constexpr double kWidth = 640, kHeight = 580;
  static constexpr double kLeft = 80, kRight = 30, kTop = 80, kBottom = 70;
  static constexpr double kPlotWidth = kWidth - kLeft - kRight;
  static constexpr double kPlotHeight = kHeight - kTop - kBottom;

  static double x(double v) { return kLeft + std::clamp(v, 0.0, 1.0) * kPlotWidth; }
  static double y(double v) { return kTop + (1 - std::clamp(v, 0.0, 1.0)) * kPlotHeight; }

  static SvgDocument frame(std::string_view title, std::string_view x_label, std::string_view y_label) {
    SvgDocument doc(kWidth, kHeight, title);
    doc.text(kWidth / 2, 30, title, "middle", 18, 0, "font-weight=\"bold\"");
    for (int i = 0; i <= 5; ++i) {
      const double v = i / 5.0;
      const std::string grid = std::string("stroke=\"") + kGridColor + "\" stroke-width=\"1\"";
      doc.line(x(v), y(0), x(v), y(1), grid);
      doc.line(x(0), y(v), x(1), y(v), grid);
      doc.text(x(v), y(0) + 20, format_fixed(v, 1), "middle", 12);
      doc.text(x(0) - 8, y(v) + 4, format_fixed(v, 1), "end", 12);
    }
    const std::string axis = std::string("stroke=\"") + kAxisColor + "\" stroke-width=\"1.5\"";
    doc.line(x(0), y(0), x(1), y(0), axis);
    doc.line(x(0), y(0), x(0), y(1), axis);
    doc.text(kLeft + kPlotWidth / 2, kHeight - 22, x_label, "middle", 14);
    doc.text(24, kTop + kPlotHeight / 2, y_label, "middle", 14, -90);
    return doc;
  }

  // A two-entry legend between the title and the plot, where no curve can
  // hide it.
  static void legend(SvgDocument& doc, std::string_view curve, std::string_view reference) {
    const double ly = 58;
    doc.line(kLeft, ly - 4, kLeft + 30, ly - 4, std::string("stroke=\"") + kCurveColor + "\" stroke-width=\"2.5\"");
    doc.text(kLeft + 38, ly, curve, "start", 13);
    const double rx = kLeft + kPlotWidth / 2 + 20;
    doc.line(rx, ly - 4, rx + 30, ly - 4,
             std::string("stroke=\"") + kReferenceColor + "\" stroke-width=\"1.5\" stroke-dasharray=\"6,4\"");
    doc.text(rx + 38, ly, reference, "start", 13);
  }
};

std::string curve_style() { return std::string("stroke=\"") + kCurveColor + "\" stroke-width=\"2.5\""; }
std::string reference_style() {
  return std::string("stroke=\"") + kReferenceColor + "\" stroke-width=\"1.5\" stroke-dasharray=\"6,4\"";
}

// 1, 2 or 5 times a power of ten: about five ticks up to `max`.
double nice_step(double max) {
  if (!(max > 0)) return 0.2;
  const double raw = max / 5;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0})
    if (raw <= m * magnitude) return m * magnitude;
  return 10 * magnitude;
}

int decimals_for(double step) { return step >= 1 ? 0 : static_cast<int>(std::ceil(-std::log10(step) - 1e-9)); }

}  // namespace

std::string roc_curve_svg(const RocCurve& curve, double auc) {
  const std::string auc_text = format_fixed(auc, 4);
  SvgDocument doc = UnitChart::frame("ROC curve (AUC = " + auc_text + ")", "False positive rate", "True positive rate");
  doc.line(UnitChart::x(0), UnitChart::y(0), UnitChart::x(1), UnitChart::y(1), reference_style());
  std::vector<Point> points;
  for (size_t i = 0; i < curve.fpr.size(); ++i) {
    if (std::isnan(curve.fpr[i]) || std::isnan(curve.tpr[i])) continue;
    points.push_back({UnitChart::x(curve.fpr[i]), UnitChart::y(curve.tpr[i])});
  }
  doc.polyline(thin_polyline(points), curve_style());
  UnitChart::legend(doc, "model (AUC = " + auc_text + ")", "chance (AUC = 0.5)");
  return std::move(doc).finish();
}

std::string precision_recall_svg(const PrecisionRecallCurve& curve, double average_precision, double prevalence) {
  const std::string ap_text = format_fixed(average_precision, 4);
  SvgDocument doc = UnitChart::frame("Precision-recall curve (AP = " + ap_text + ")", "Recall", "Precision");
  doc.line(UnitChart::x(0), UnitChart::y(prevalence), UnitChart::x(1), UnitChart::y(prevalence), reference_style());
  // Recall decreases along the arrays; precision[i] holds from recall[i] down
  // to recall[i + 1] (the steps whose area is the AP).
  std::vector<Point> points;
  for (size_t i = 0; i < curve.recall.size(); ++i) {
    const double px = UnitChart::x(curve.recall[i]);
    if (i > 0) points.push_back({px, UnitChart::y(curve.precision[i - 1])});
    points.push_back({px, UnitChart::y(curve.precision[i])});
  }
  doc.polyline(thin_polyline(points), curve_style());
  UnitChart::legend(doc, "model (AP = " + ap_text + ")", "no skill (prevalence " + format_fixed(prevalence, 4) + ")");
  return std::move(doc).finish();
}

std::string feature_importance_svg(std::span<const FeatureImportance> importance) {
  std::vector<FeatureImportance> sorted(importance.begin(), importance.end());
  std::sort(sorted.begin(), sorted.end(), [](const FeatureImportance& a, const FeatureImportance& b) {
    return a.gain != b.gain ? a.gain > b.gain : a.feature < b.feature;
  });
  size_t longest = 4;
  double max_gain = 0;
  for (const FeatureImportance& f : sorted) {
    longest = std::max(longest, f.feature.size());
    max_gain = std::max(max_gain, f.gain);
  }
  const double bar_height = 20, row_height = 28;
  const double left = 24 + 8 * static_cast<double>(std::min<size_t>(longest, 48)), right = 90, top = 60, bottom = 70;
  const double plot_width = 520;
  const double width = left + plot_width + right;
  const double plot_height = row_height * static_cast<double>(std::max<size_t>(sorted.size(), 1));
  const double height = top + plot_height + bottom;
  const double step = nice_step(max_gain);
  const double axis_max = max_gain > 0 ? std::ceil(max_gain / step - 1e-9) * step : 1.0;
  const int decimals = decimals_for(step);
  auto x = [&](double v) { return left + v / axis_max * plot_width; };

  SvgDocument doc(width, height, "Feature importance (gain)");
  doc.text(width / 2, 34, "Feature importance (gain)", "middle", 18, 0, "font-weight=\"bold\"");
  for (double v = 0; v <= axis_max + step / 2; v += step) {
    doc.line(x(v), top, x(v), top + plot_height, std::string("stroke=\"") + kGridColor + "\" stroke-width=\"1\"");
    doc.text(x(v), top + plot_height + 20, format_fixed(v, decimals), "middle", 12);
  }
  for (size_t i = 0; i < sorted.size(); ++i) {
    const double row_y = top + row_height * static_cast<double>(i);
    const double bar_y = row_y + (row_height - bar_height) / 2;
    std::string name = sorted[i].feature;
    if (name.size() > 48) name = name.substr(0, 45) + "...";
    doc.text(left - 8, bar_y + bar_height / 2 + 4, name, "end", 13);
    doc.rect(left, bar_y, std::max(0.0, x(sorted[i].gain) - left), bar_height,
             std::string("fill=\"") + kCurveColor + "\"");
    doc.text(x(sorted[i].gain) + 6, bar_y + bar_height / 2 + 4, format_fixed(sorted[i].gain, decimals + 2), "start",
             11);
  }
  const std::string axis = std::string("stroke=\"") + kAxisColor + "\" stroke-width=\"1.5\"";
  doc.line(left, top + plot_height, left + plot_width, top + plot_height, axis);
  doc.line(left, top, left, top + plot_height, axis);
  doc.text(left + plot_width / 2, height - 22, "Average gain per split", "middle", 14);
  return std::move(doc).finish();
}

}  // namespace bullion::ml
