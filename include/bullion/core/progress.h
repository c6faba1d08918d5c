// bullion/core/progress.h — progress display for long commands.
//
// Draws a single self-overwriting line on stderr ("generate  3.2M/10M events
// 32%  1.1M/s") at most ten times a second, only when stderr is a terminal
// (and BULLION_PROGRESS is not "0"); otherwise it is silent, so logs and pipes
// never see control characters. advance() is thread-safe and cheap (one
// relaxed atomic add; the clock is read at most every 4096 calls per thread).
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>

namespace bullion {

class Progress {
 public:
  // total 0 means unknown (no percentage).
  Progress(std::string label, uint64_t total, std::string unit);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  bool enabled() const { return enabled_; }
  void advance(uint64_t n);
  // Draws the final state and ends the line.
  void finish();

  // Whether progress would be drawn for this process.
  static bool terminal_attached();

 private:
  void draw(bool final);

  std::string label_;
  uint64_t total_;
  std::string unit_;
  bool enabled_;
  bool finished_ = false;
  int64_t start_micros_;
  std::atomic<uint64_t> done_{0};
  std::atomic<int64_t> last_draw_micros_{0};
  std::mutex draw_mutex_;
};

}  // namespace bullion
