// bullion/delta/maintenance.h — VACUUM and log cleanup.
//
// VACUUM deletes data files no longer needed. bullion's rule is stronger than
// Spark's (DESIGN, "Storage"): a file is kept if ANY version that the log can
// still reconstruct references it (so time travel to every advertised version
// keeps working), or if it is younger than the retention period; everything
// else under the table directory (except hidden `_`/`.` entries such as
// _delta_log) is deleted. Log cleanup deletes commits and checkpoints older
// than `delta.logRetentionDuration` (default 30 days), always keeping the
// newest checkpoint at or before the cutoff and everything after it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bullion/delta/log.h"

namespace bullion::delta {

struct VacuumOptions {
  // Files younger than this are kept. Default: the table's
  // delta.deletedFileRetentionDuration, else 7 days.
  std::optional<int64_t> retention_ms;
  // Allow a retention under 7 days (otherwise refused: concurrent writers and
  // readers may still need the files).
  bool force = false;
  bool dry_run = false;
  // For tests: "now" in milliseconds since the epoch.
  std::optional<int64_t> now_ms;
};

struct VacuumResult {
  std::vector<std::string> deleted;  // paths relative to the table root, sorted
  uint64_t deleted_bytes = 0;
  uint64_t kept_files = 0;  // data files kept
  int64_t earliest_protected_version = 0;
  std::optional<int64_t> commit_version;  // the VACUUM END commit, unless dry run
};

VacuumResult vacuum(const DeltaTable& table, const VacuumOptions& options);

struct LogCleanupResult {
  std::vector<std::string> deleted;  // _delta_log file names
};

// Deletes log files older than the retention (default the table's
// delta.logRetentionDuration, else 30 days); no checkpoint at or before the
// cutoff means nothing is deleted.
LogCleanupResult cleanup_log(const DeltaTable& table, std::optional<int64_t> retention_ms = std::nullopt,
                             std::optional<int64_t> now_ms = std::nullopt);

// Parses Delta's interval properties: "interval 7 days", "interval 1 week",
// "168 hours", "30 days". Throws kInvalidInput naming the text.
int64_t parse_interval_ms(const std::string& text);

inline constexpr int64_t kDefaultDeletedFileRetentionMs = 7LL * 24 * 3600 * 1000;
inline constexpr int64_t kDefaultLogRetentionMs = 30LL * 24 * 3600 * 1000;

}  // namespace bullion::delta
