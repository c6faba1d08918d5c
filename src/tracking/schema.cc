// The tracking database schema (version 1) and its creation.
#include "tracking/schema.h"

#include <cstdlib>

#include "bullion/core/error.h"

namespace bullion::tracking::detail {

namespace {

// Integer surrogate keys (run_key) keep the child tables and their indexes
// small; every search predicate has an index that starts with its key.
constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE experiments (
  experiment_id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  artifact_location TEXT NOT NULL,
  lifecycle_stage TEXT NOT NULL DEFAULT 'active',
  creation_time INTEGER NOT NULL,
  last_update_time INTEGER NOT NULL);
CREATE TABLE experiment_tags (
  experiment_id INTEGER NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
  PRIMARY KEY (experiment_id, key)) WITHOUT ROWID;

CREATE TABLE runs (
  run_key INTEGER PRIMARY KEY,
  run_uuid TEXT NOT NULL UNIQUE,
  experiment_id INTEGER NOT NULL,
  name TEXT NOT NULL,
  user_id TEXT NOT NULL,
  status TEXT NOT NULL,
  start_time INTEGER NOT NULL,
  end_time INTEGER,
  artifact_uri TEXT NOT NULL,
  lifecycle_stage TEXT NOT NULL DEFAULT 'active');
CREATE INDEX runs_by_experiment ON runs (experiment_id, lifecycle_stage, start_time DESC, run_uuid);
CREATE INDEX runs_by_name ON runs (name);  -- run_name = / LIKE 'prefix%' (LIKE is case-sensitive)

CREATE TABLE params (
  run_key INTEGER NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
  PRIMARY KEY (run_key, key)) WITHOUT ROWID;
CREATE INDEX params_by_key_value ON params (key, value);
CREATE TABLE tags (
  run_key INTEGER NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
  PRIMARY KEY (run_key, key)) WITHOUT ROWID;
CREATE INDEX tags_by_key_value ON tags (key, value);

-- Append-only history; an identical (key, timestamp, step, value) is stored once,
-- as MLflow's primary key does.
CREATE TABLE metrics (
  run_key INTEGER NOT NULL, key TEXT NOT NULL, timestamp INTEGER NOT NULL, step INTEGER NOT NULL,
  value REAL NOT NULL, is_nan INTEGER NOT NULL,
  model_id TEXT NOT NULL DEFAULT '', dataset_name TEXT NOT NULL DEFAULT '', dataset_digest TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (run_key, key, timestamp, step, value, is_nan)) WITHOUT ROWID;
-- value is NULL for NaN, so that comparisons and sorts skip it without an expression.
CREATE TABLE latest_metrics (
  run_key INTEGER NOT NULL, key TEXT NOT NULL, value REAL, is_nan INTEGER NOT NULL,
  timestamp INTEGER NOT NULL, step INTEGER NOT NULL,
  model_id TEXT NOT NULL DEFAULT '', dataset_name TEXT NOT NULL DEFAULT '', dataset_digest TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (run_key, key)) WITHOUT ROWID;
CREATE INDEX latest_metrics_by_key_value ON latest_metrics (key, value);

CREATE TABLE datasets (
  dataset_key INTEGER PRIMARY KEY,
  experiment_id INTEGER NOT NULL, name TEXT NOT NULL, digest TEXT NOT NULL,
  source_type TEXT NOT NULL, source TEXT NOT NULL, schema TEXT NOT NULL, profile TEXT NOT NULL,
  UNIQUE (experiment_id, name, digest));
CREATE TABLE run_inputs (
  run_key INTEGER NOT NULL, dataset_key INTEGER NOT NULL, context TEXT NOT NULL, tags_json TEXT NOT NULL,
  PRIMARY KEY (run_key, dataset_key)) WITHOUT ROWID;
CREATE TABLE run_model_inputs (
  run_key INTEGER NOT NULL, model_id TEXT NOT NULL, PRIMARY KEY (run_key, model_id)) WITHOUT ROWID;
CREATE TABLE run_model_outputs (
  run_key INTEGER NOT NULL, model_id TEXT NOT NULL, step INTEGER NOT NULL,
  PRIMARY KEY (run_key, model_id)) WITHOUT ROWID;

CREATE TABLE logged_models (
  model_id TEXT PRIMARY KEY,
  experiment_id INTEGER NOT NULL,
  name TEXT NOT NULL,
  artifact_location TEXT NOT NULL,
  creation_time INTEGER NOT NULL,
  last_updated_time INTEGER NOT NULL,
  status TEXT NOT NULL,
  status_message TEXT NOT NULL DEFAULT '',
  lifecycle_stage TEXT NOT NULL DEFAULT 'active',
  creator_id TEXT NOT NULL DEFAULT '',
  model_type TEXT NOT NULL DEFAULT '',
  source_run_id TEXT NOT NULL DEFAULT '');
CREATE INDEX logged_models_by_experiment ON logged_models (experiment_id, creation_time);
CREATE INDEX logged_models_by_run ON logged_models (source_run_id);
CREATE TABLE logged_model_params (
  model_id TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (model_id, key)) WITHOUT ROWID;
CREATE TABLE logged_model_tags (
  model_id TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (model_id, key)) WITHOUT ROWID;
CREATE TABLE logged_model_metrics (
  model_id TEXT NOT NULL, key TEXT NOT NULL, timestamp INTEGER NOT NULL, step INTEGER NOT NULL,
  value REAL NOT NULL, is_nan INTEGER NOT NULL, run_id TEXT NOT NULL,
  dataset_name TEXT NOT NULL DEFAULT '', dataset_digest TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (model_id, key, timestamp, step, value, is_nan, run_id, dataset_name, dataset_digest)) WITHOUT ROWID;

CREATE TABLE registered_models (
  name TEXT PRIMARY KEY,
  creation_time INTEGER NOT NULL,
  last_updated_time INTEGER NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  user_id TEXT NOT NULL DEFAULT '',
  last_version INTEGER NOT NULL DEFAULT 0);
CREATE TABLE registered_model_tags (
  name TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (name, key)) WITHOUT ROWID;
CREATE TABLE model_versions (
  version_key INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  version INTEGER NOT NULL,
  creation_time INTEGER NOT NULL,
  last_updated_time INTEGER NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  user_id TEXT NOT NULL DEFAULT '',
  current_stage TEXT NOT NULL DEFAULT 'None',
  source TEXT NOT NULL DEFAULT '',
  storage_location TEXT NOT NULL DEFAULT '',
  run_id TEXT NOT NULL DEFAULT '',
  run_link TEXT NOT NULL DEFAULT '',
  model_id TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL DEFAULT 'READY',
  status_message TEXT NOT NULL DEFAULT '',
  UNIQUE (name, version));
CREATE INDEX model_versions_by_model_id ON model_versions (model_id);
CREATE INDEX model_versions_by_run ON model_versions (run_id);
CREATE TABLE model_version_tags (
  name TEXT NOT NULL, version INTEGER NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
  PRIMARY KEY (name, version, key)) WITHOUT ROWID;
CREATE TABLE registered_model_aliases (
  name TEXT NOT NULL, alias TEXT NOT NULL, version INTEGER NOT NULL,
  PRIMARY KEY (name, alias)) WITHOUT ROWID;
CREATE TABLE registry_history (
  event_id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  version INTEGER NOT NULL,
  kind TEXT NOT NULL,
  alias TEXT NOT NULL DEFAULT '',
  from_value TEXT NOT NULL DEFAULT '',
  to_value TEXT NOT NULL DEFAULT '',
  user_id TEXT NOT NULL DEFAULT '',
  timestamp INTEGER NOT NULL);
CREATE INDEX registry_history_by_name ON registry_history (name, event_id);
)sql";

}  // namespace

void refresh_statistics(sql::Database& db) {
  // The planner needs statistics to drive a search from its most selective
  // index; refresh them when the runs table has no statistics yet or has more
  // than doubled since they were taken (a full ANALYZE takes about 0.3 s per 100k runs).
  const bool stale = db.read([](sql::Connection& c) {
    auto count = c.query("SELECT COALESCE(MAX(run_key), 0) FROM runs");
    count.step();
    const int64_t runs = count.int64(0);
    if (runs < 1000) return false;
    auto has_stats = c.query("SELECT COUNT(*) FROM sqlite_master WHERE name = 'sqlite_stat1'");
    has_stats.step();
    if (has_stats.int64(0) == 0) return true;
    auto stat = c.query("SELECT stat FROM sqlite_stat1 WHERE tbl = 'runs' LIMIT 1");
    if (!stat.step()) return true;
    return std::atoll(stat.text(0).c_str()) * 2 < runs;
  });
  if (!stale) return;
  db.write([](sql::Connection& c) { c.exec("PRAGMA analysis_limit = 0; ANALYZE;"); });
}

void ensure_schema(sql::Database& db, int64_t now_ms) {
  // Cheap check first (a read), so that opening an existing store never
  // takes the write lock.
  const int64_t version = db.read([](sql::Connection& c) {
    auto q = c.query("PRAGMA user_version");
    q.step();
    return q.int64(0);
  });
  if (version == kSchemaVersion) return;
  if (version > kSchemaVersion)
    throw Error::unsupported("tracking database '" + db.path() + "' has schema version " + std::to_string(version) +
                                 ", newer than this bullion supports (" + std::to_string(kSchemaVersion) + ")",
                             "use a newer bullion");
  db.write(
      [&](sql::Connection& c) {
        auto q = c.query("PRAGMA user_version");
        q.step();
        if (q.int64(0) == kSchemaVersion) return;  // another process won the race
        c.exec(kSchemaV1);
        auto ins = c.query(
            "INSERT INTO experiments (experiment_id, name, artifact_location, lifecycle_stage, creation_time, "
            "last_update_time) VALUES (0, 'Default', 'mlflow-artifacts:/0', 'active', ?, ?)");
        ins.bind(1, now_ms).bind(2, now_ms).run();
        c.exec("PRAGMA user_version = " + std::to_string(kSchemaVersion));
      },
      sql::Durability::kFull);
}

}  // namespace bullion::tracking::detail
