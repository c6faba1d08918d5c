// bullion/core/log.h — diagnostics on stderr.
//
// Messages at or above the current level are written as one line each
// ("bullion: warning: ..."), atomically with respect to other threads. The
// level comes from --quiet / --verbose or BULLION_LOG=debug|info|warn|error.
#pragma once

#include <string_view>

namespace bullion {

enum class LogLevel { kDebug, kInfo, kWarn, kError };

void set_log_level(LogLevel level);
LogLevel log_level();
void log(LogLevel level, std::string_view message);

inline void log_debug(std::string_view m) { log(LogLevel::kDebug, m); }
inline void log_info(std::string_view m) { log(LogLevel::kInfo, m); }
inline void log_warn(std::string_view m) { log(LogLevel::kWarn, m); }
inline void log_error(std::string_view m) { log(LogLevel::kError, m); }

}  // namespace bullion
