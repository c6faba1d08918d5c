#include "bullion/core/log.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>

namespace bullion {

namespace {

LogLevel level_from_env() {
  const char* env = std::getenv("BULLION_LOG");
  if (env == nullptr) return LogLevel::kWarn;
  const std::string v = env;
  if (v == "debug") return LogLevel::kDebug;
  if (v == "info") return LogLevel::kInfo;
  if (v == "error") return LogLevel::kError;
  return LogLevel::kWarn;
}

std::atomic<LogLevel> g_level{level_from_env()};
std::mutex g_mutex;

}  // namespace

void set_log_level(LogLevel level) { g_level = level; }
LogLevel log_level() { return g_level; }

void log(LogLevel level, std::string_view message) {
  if (level < g_level.load(std::memory_order_relaxed)) return;
  static constexpr const char* kPrefix[] = {"debug: ", "", "warning: ", "error: "};
  std::string line = "bullion: ";
  line += kPrefix[static_cast<int>(level)];
  line += message;
  line += '\n';
  std::lock_guard lock(g_mutex);
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace bullion
