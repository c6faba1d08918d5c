#include "svg_document.h"

#include <charconv>
#include <cmath>

#include "bullion/core/error.h"

namespace bullion::ml {

std::string format_fixed(double v, int decimals) {
  if (!std::isfinite(v)) return "0";
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, decimals);
  BULLION_ASSERT(ec == std::errc{}, "to_chars(fixed)");
  std::string s(buf, end);
  if (s.starts_with('-') && s.find_first_not_of("-0.") == std::string::npos) s.erase(0, 1);
  return s;
}

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        // Control characters are not allowed in XML 1.0 text.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r')
          out += '?';
        else
          out += c;
    }
  }
  return out;
}

std::vector<Point> thin_polyline(const std::vector<Point>& points) {
  std::vector<Point> out;
  size_t i = 0;
  while (i < points.size()) {
    const double column = std::round(points[i].x * 10);
    size_t j = i;
    size_t lowest = i, highest = i;
    while (j < points.size() && std::round(points[j].x * 10) == column) {
      if (points[j].y < points[lowest].y) lowest = j;
      if (points[j].y > points[highest].y) highest = j;
      ++j;
    }
    // [i, j) share a pixel column; keep first, extremes (in path order), last.
    size_t keep[4] = {i, std::min(lowest, highest), std::max(lowest, highest), j - 1};
    for (size_t k = 0; k < 4; ++k) {
      const Point& p = points[keep[k]];
      if (!out.empty() && std::round(out.back().x * 10) == std::round(p.x * 10) &&
          std::round(out.back().y * 10) == std::round(p.y * 10))
        continue;
      out.push_back(p);
    }
    i = j;
  }
  return out;
}

SvgDocument::SvgDocument(double width, double height, std::string_view title) {
  const std::string w = format_fixed(width, 0), h = format_fixed(height, 0);
  out_ = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out_ += "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"" + w + "\" height=\"" + h +
          "\" viewBox=\"0 0 " + w + " " + h + "\" font-family=\"Helvetica, Arial, sans-serif\">\n";
  out_ += "<title>" + xml_escape(title) + "</title>\n";
  out_ += "<rect x=\"0\" y=\"0\" width=\"" + w + "\" height=\"" + h + "\" fill=\"white\"/>\n";
}

void SvgDocument::line(double x1, double y1, double x2, double y2, std::string_view style) {
  out_ += "<line x1=\"" + format_fixed(x1, 1) + "\" y1=\"" + format_fixed(y1, 1) + "\" x2=\"" + format_fixed(x2, 1) +
          "\" y2=\"" + format_fixed(y2, 1) + "\" " + std::string(style) + "/>\n";
}

void SvgDocument::rect(double x, double y, double width, double height, std::string_view style) {
  out_ += "<rect x=\"" + format_fixed(x, 1) + "\" y=\"" + format_fixed(y, 1) + "\" width=\"" + format_fixed(width, 1) +
          "\" height=\"" + format_fixed(height, 1) + "\" " + std::string(style) + "/>\n";
}

void SvgDocument::polyline(const std::vector<Point>& points, std::string_view style) {
  out_ += "<polyline fill=\"none\" " + std::string(style) + " points=\"";
  for (size_t i = 0; i < points.size(); ++i) {
    if (i > 0) out_ += ' ';
    out_ += format_fixed(points[i].x, 1) + "," + format_fixed(points[i].y, 1);
  }
  out_ += "\"/>\n";
}

void SvgDocument::text(double x, double y, std::string_view content, std::string_view anchor, int font_size,
                       double rotate, std::string_view extra) {
  out_ += "<text x=\"" + format_fixed(x, 1) + "\" y=\"" + format_fixed(y, 1) + "\" font-size=\"" +
          std::to_string(font_size) + "\" text-anchor=\"" + std::string(anchor) + "\"";
  if (rotate != 0)
    out_ +=
        " transform=\"rotate(" + format_fixed(rotate, 0) + " " + format_fixed(x, 1) + " " + format_fixed(y, 1) + ")\"";
  if (!extra.empty()) out_ += " " + std::string(extra);
  out_ += ">" + xml_escape(content) + "</text>\n";
}

std::string SvgDocument::finish() && {
  out_ += "</svg>\n";
  return std::move(out_);
}

}  // namespace bullion::ml
