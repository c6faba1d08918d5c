// Internal: creates or checks the tracking database schema.
#pragma once

#include <cstdint>

#include "tracking/sqlite.h"

namespace bullion::tracking::detail {

inline constexpr int64_t kSchemaVersion = 1;

// Creates the schema (and the Default experiment "0") in an empty database;
// checks the version of an existing one (kUnsupported if newer). Safe to call
// from several processes at once.
void ensure_schema(sql::Database& db, int64_t now_ms);

// Runs ANALYZE (sampled) when the planner statistics are missing or the runs
// table has more than doubled since they were taken. Cheap when fresh.
void refresh_statistics(sql::Database& db);

}  // namespace bullion::tracking::detail
