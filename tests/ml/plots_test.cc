// SVG charts: structure, titles, escaping, sorting, thinning. (Full XML
// parsing of the documents is in tests/interop/test_ml_model.py.)
#include "bullion/ml/plots.h"

#include <gtest/gtest.h>

#include <cmath>

#include "ml/svg_document.h"

namespace bullion::ml {
namespace {

size_t count(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t pos = haystack.find(needle); pos != std::string::npos; pos = haystack.find(needle, pos + 1)) ++n;
  return n;
}

void expect_document(const std::string& svg) {
  EXPECT_TRUE(svg.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\""))
      << svg.substr(0, 120);
  EXPECT_TRUE(svg.ends_with("</svg>\n"));
  EXPECT_EQ(count(svg, "<svg"), 1u);
  EXPECT_EQ(count(svg, "<text"), count(svg, "</text>"));
  EXPECT_EQ(count(svg, "<title>"), 1u);
}

TEST(Plots, RocCurveHasTitleAxesDiagonalAndCurve) {
  const std::vector<uint8_t> y = {0, 1, 0, 1, 1};
  const std::vector<double> s = {0.5, 0.5, 0.2, 0.5, 0.9};
  const std::string svg = roc_curve_svg(roc_curve(y, s), roc_auc(y, s));
  expect_document(svg);
  EXPECT_NE(svg.find("ROC curve (AUC = 0.8333)"), std::string::npos);
  EXPECT_NE(svg.find(">False positive rate</text>"), std::string::npos);
  EXPECT_NE(svg.find(">True positive rate</text>"), std::string::npos);
  EXPECT_NE(svg.find("chance (AUC = 0.5)"), std::string::npos);
  // The diagonal from (0, 0) to (1, 1) in plot coordinates, dashed.
  EXPECT_NE(svg.find("<line x1=\"80.0\" y1=\"510.0\" x2=\"610.0\" y2=\"80.0\" stroke=\"#888888\""), std::string::npos);
  // The curve: (0,0) (0,1/3) (.5,1) (1,1).
  EXPECT_NE(svg.find("points=\"80.0,510.0 80.0,366.7 345.0,80.0 610.0,80.0\""), std::string::npos) << svg;
  for (const char* tick : {">0.0</text>", ">0.2</text>", ">1.0</text>"}) EXPECT_EQ(count(svg, tick), 2u) << tick;
}

TEST(Plots, PrecisionRecallIsTheStepFunctionOfTheAp) {
  const std::vector<uint8_t> y = {0, 1, 0, 1, 1};
  const std::vector<double> s = {0.5, 0.5, 0.2, 0.5, 0.9};
  const std::string svg = precision_recall_svg(precision_recall_curve(y, s), average_precision(y, s), 0.6);
  expect_document(svg);
  EXPECT_NE(svg.find("Precision-recall curve (AP = 0.8333)"), std::string::npos);
  EXPECT_NE(svg.find("no skill (prevalence 0.6000)"), std::string::npos);
  // recall 1→1→1/3→0 with precision .6, .75, 1, 1: from (1, .6) up to .75,
  // left to recall 1/3 at .75, up to 1, left to 0.
  EXPECT_NE(svg.find("points=\"610.0,252.0 610.0,187.5 256.7,187.5 256.7,80.0 80.0,80.0\""), std::string::npos) << svg;
}

TEST(Plots, FeatureImportanceIsSortedByGainAndEscaped) {
  const std::vector<FeatureImportance> imp = {
      {"recency", 2.5, 10, 4}, {"a<b & \"c\"", 12.25, 49, 4}, {"unused", 0, 0, 0}, {"tie_b", 2.5, 5, 2}};
  const std::string svg = feature_importance_svg(imp);
  expect_document(svg);
  EXPECT_NE(svg.find("a&lt;b &amp; &quot;c&quot;"), std::string::npos);
  EXPECT_EQ(svg.find("a<b"), std::string::npos);
  const size_t first = svg.find("a&lt;b"), second = svg.find(">recency<"), third = svg.find(">tie_b<"),
               fourth = svg.find(">unused<");
  EXPECT_LT(first, second);
  EXPECT_LT(second, third);
  EXPECT_LT(third, fourth);
  EXPECT_NE(svg.find(">Average gain per split</text>"), std::string::npos);
  EXPECT_NE(svg.find(">12.25</text>"), std::string::npos);
  EXPECT_EQ(count(svg, "<rect"), 1u + 4u);  // background + one bar per feature
  // About five ticks of 1, 2 or 5 × 10^k: 0, 5, 10, 15.
  EXPECT_NE(svg.find(">15</text>"), std::string::npos);
  EXPECT_EQ(svg.find(">20</text>"), std::string::npos);
}

TEST(Plots, EmptyOrZeroImportanceStillDraws) {
  expect_document(feature_importance_svg({}));
  const std::vector<FeatureImportance> zero = {{"x", 0, 0, 0}};
  const std::string svg = feature_importance_svg(zero);
  expect_document(svg);
  EXPECT_NE(svg.find(">1.0</text>"), std::string::npos);
}

TEST(Plots, LargeCurvesAreThinnedToWhatCanBeSeen) {
  // 100k distinct scores: the PR curve has 100k points, the chart far fewer.
  std::vector<uint8_t> y;
  std::vector<double> s;
  for (int64_t i = 0; i < 100000; ++i) {
    y.push_back((i * 7919) % 10 < 3 ? 1 : 0);
    s.push_back(static_cast<double>((i * 104729) % 100003) / 100003.0);
  }
  const PrecisionRecallCurve pr = precision_recall_curve(y, s);
  ASSERT_GT(pr.recall.size(), 99000u);
  const std::string svg = precision_recall_svg(pr, average_precision(y, s), 0.3);
  expect_document(svg);
  EXPECT_LT(svg.size(), 400u * 1024);
}

TEST(Plots, ThinPolylineKeepsFirstExtremesAndLastPerColumn) {
  const std::vector<Point> in = {{0, 5}, {0.01, 9}, {0.02, 1}, {0.03, 4}, {1, 4}, {1, 4}, {2, 0}};
  const std::vector<Point> out = thin_polyline(in);
  ASSERT_EQ(out.size(), 6u);
  EXPECT_EQ(out[0].y, 5);
  EXPECT_EQ(out[1].y, 9);
  EXPECT_EQ(out[2].y, 1);
  EXPECT_EQ(out[3].y, 4);
  EXPECT_EQ(out[4].x, 1);
  EXPECT_EQ(out[5].x, 2);
  EXPECT_TRUE(thin_polyline({}).empty());
}

TEST(Plots, NumbersIgnoreTheLocaleAndNegativeZero) {
  EXPECT_EQ(format_fixed(-0.0001, 1), "0.0");
  EXPECT_EQ(format_fixed(0.83333, 4), "0.8333");
  EXPECT_EQ(format_fixed(NAN, 2), "0");
  EXPECT_EQ(xml_escape("<a href='x'>&\x01"), "&lt;a href=&apos;x&apos;&gt;&amp;?");
}

}  // namespace
}  // namespace bullion::ml
