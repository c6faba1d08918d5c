#include "bullion/core/progress.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "bullion/core/time.h"

namespace bullion {

namespace {

std::string human_count(double v) {
  char buf[32];
  if (v >= 1e9)
    std::snprintf(buf, sizeof buf, "%.2fG", v / 1e9);
  else if (v >= 1e6)
    std::snprintf(buf, sizeof buf, "%.2fM", v / 1e6);
  else if (v >= 1e4)
    std::snprintf(buf, sizeof buf, "%.1fk", v / 1e3);
  else
    std::snprintf(buf, sizeof buf, "%.0f", v);
  return buf;
}

}  // namespace

bool Progress::terminal_attached() {
  const char* env = std::getenv("BULLION_PROGRESS");
  if (env != nullptr && std::strcmp(env, "0") == 0) return false;
  return ::isatty(STDERR_FILENO) == 1;
}

Progress::Progress(std::string label, uint64_t total, std::string unit)
    : label_(std::move(label)),
      total_(total),
      unit_(std::move(unit)),
      enabled_(terminal_attached()),
      start_micros_(now_micros()) {}

Progress::~Progress() {
  if (!finished_) finish();
}

void Progress::advance(uint64_t n) {
  const uint64_t before = done_.fetch_add(n, std::memory_order_relaxed);
  if (!enabled_) return;
  // Check the clock only when the count crosses a 4096 boundary.
  if ((before >> 12) == ((before + n) >> 12)) return;
  const int64_t now = now_micros();
  int64_t last = last_draw_micros_.load(std::memory_order_relaxed);
  if (now - last < 100'000) return;
  if (!last_draw_micros_.compare_exchange_strong(last, now)) return;
  draw(false);
}

void Progress::finish() {
  if (finished_) return;
  finished_ = true;
  if (enabled_) draw(true);
}

void Progress::draw(bool final) {
  std::lock_guard lock(draw_mutex_);
  const double done = static_cast<double>(done_.load(std::memory_order_relaxed));
  const double secs = static_cast<double>(now_micros() - start_micros_) / 1e6;
  std::string line = "\r\x1b[2K" + label_ + "  " + human_count(done);
  if (total_ > 0) {
    char pct[16];
    std::snprintf(pct, sizeof pct, " %3.0f%%", 100.0 * done / static_cast<double>(total_));
    line += "/" + human_count(static_cast<double>(total_)) + " " + unit_ + pct;
  } else {
    line += " " + unit_;
  }
  if (secs > 0.05) line += "  " + human_count(done / secs) + "/s";
  if (final) line += "\n";
  std::fputs(line.c_str(), stderr);
  std::fflush(stderr);
}

}  // namespace bullion
