// A minimal SVG writer: shapes and text appended in order, numbers formatted
// without the locale, text XML-escaped.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bullion::ml {

struct Point {
  double x = 0, y = 0;
};

// Fixed-point text of v with `decimals` digits ("-0.0" printed as "0.0").
std::string format_fixed(double v, int decimals);
// &, <, >, " and ' as entities.
std::string xml_escape(std::string_view text);

// Drops vertices a 0.1 px raster cannot show: per run of vertices with the
// same rounded x, keeps the first, the lowest, the highest and the last, in
// path order. Exact for drawing; bounds the size of any monotone-in-x curve.
std::vector<Point> thin_polyline(const std::vector<Point>& points);

class SvgDocument {
 public:
  SvgDocument(double width, double height, std::string_view title);

  // `style` is raw attribute text, e.g. R"(stroke="#333" stroke-width="1")".
  void line(double x1, double y1, double x2, double y2, std::string_view style);
  void rect(double x, double y, double width, double height, std::string_view style);
  void polyline(const std::vector<Point>& points, std::string_view style);
  // anchor: "start", "middle" or "end"; rotate: degrees about (x, y).
  void text(double x, double y, std::string_view content, std::string_view anchor = "start", int font_size = 12,
            double rotate = 0, std::string_view extra = {});

  std::string finish() &&;

 private:
  std::string out_;
};

}  // namespace bullion::ml
