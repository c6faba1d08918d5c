// TrackingStore: opening, experiments, runs, params, metrics, tags, inputs
// and outputs, and run search.
#include "bullion/tracking/store.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "bullion/core/fs.h"
#include "tracking/schema.h"
#include "tracking/search.h"
#include "tracking/sqlite.h"
#include "tracking/store_internal.h"

namespace bullion::tracking {

using detail::RunRow;
using detail::SqlValue;
using sql::Connection;
using sql::Durability;

namespace detail {

void bind_all(sql::Statement& stmt, const std::vector<SqlValue>& values) {
  for (size_t i = 0; i < values.size(); ++i) {
    const int index = static_cast<int>(i + 1);
    std::visit([&](const auto& v) { stmt.bind(index, v); }, values[i]);
  }
}

namespace {
bool is_key_char(unsigned char c) {
  return std::isalnum(c) || c == '_' || c == '/' || c == '.' || c == '-' || c == ' ' || c == ':' || c >= 0x80;
}
}  // namespace

void validate_key(std::string_view what, std::string_view key) {
  if (key.empty()) throw Error::invalid_input("missing " + std::string(what) + " key", "a key name must be provided");
  if (key.size() > kMaxEntityKeyLength)
    throw Error::invalid_input(std::string(what) + " key '" + std::string(key.substr(0, 100)) + "...' has " +
                               std::to_string(key.size()) + " characters, more than the limit of " +
                               std::to_string(kMaxEntityKeyLength));
  for (unsigned char c : key)
    if (!is_key_char(c))
      throw Error::invalid_input("invalid " + std::string(what) + " key '" + std::string(key) + "'",
                                 "names may only contain alphanumerics, underscores (_), dashes (-), periods (.), "
                                 "spaces ( ), colon(:) and slashes (/)");
  // MLflow's path_not_unique: a key must not change under posixpath.normpath.
  bool bad = key.front() == '/' || key.back() == '/' || key.find("//") != std::string_view::npos;
  size_t start = 0;
  while (!bad && start <= key.size()) {
    size_t end = key.find('/', start);
    if (end == std::string_view::npos) end = key.size();
    const std::string_view segment = key.substr(start, end - start);
    if (segment == "." || segment == "..") bad = true;
    start = end + 1;
  }
  if (bad)
    throw Error::invalid_input("invalid " + std::string(what) + " key '" + std::string(key) + "'",
                               "keys are used as file names and must not contain '.', '..' or empty path segments");
}

void validate_value_length(std::string_view what, std::string_view key, std::string_view value, size_t limit) {
  if (value.size() > limit)
    throw Error::invalid_input(std::string(what) + " '" + std::string(key) + "' has a value of " +
                               std::to_string(value.size()) + " characters, more than the limit of " +
                               std::to_string(limit));
}

void validate_experiment_name(std::string_view name) {
  if (name.empty()) throw Error::invalid_input("experiment name must not be empty");
  if (name.size() > 500)
    throw Error::invalid_input("experiment name has " + std::to_string(name.size()) +
                               " characters, more than the limit of 500");
}

void validate_model_name(std::string_view name) {
  if (name.empty()) throw Error::invalid_input("registered model name must not be empty");
  if (name.size() > 500) throw Error::invalid_input("registered model name is longer than 500 characters");
  if (name.find('/') != std::string_view::npos || name.find(':') != std::string_view::npos)
    throw Error::invalid_input("invalid registered model name '" + std::string(name) + "'",
                               "model names must not contain '/' or ':'");
}

int64_t parse_experiment_id(std::string_view id) {
  int64_t value = -1;
  const auto [ptr, ec] = std::from_chars(id.data(), id.data() + id.size(), value);
  if (id.empty() || ec != std::errc() || ptr != id.data() + id.size() || value < 0)
    throw Error::not_found("experiment '" + std::string(id) + "' does not exist",
                           "experiment ids are the numbers shown by 'bullion runs list'");
  return value;
}

static RunInfo read_run_info(const sql::Statement& q, int first) {
  RunInfo info;
  info.run_id = q.text(first);
  info.experiment_id = std::to_string(q.int64(first + 1));
  info.run_name = q.text(first + 2);
  info.user_id = q.text(first + 3);
  info.status = parse_run_status(q.text(first + 4)).value_or(RunStatus::kRunning);
  info.start_time = q.int64(first + 5);
  if (!q.is_null(first + 6)) info.end_time = q.int64(first + 6);
  info.artifact_uri = q.text(first + 7);
  info.lifecycle_stage = q.text(first + 8) == "deleted" ? LifecycleStage::kDeleted : LifecycleStage::kActive;
  return info;
}

constexpr const char* kRunColumns =
    "r.run_key, r.run_uuid, r.experiment_id, r.name, r.user_id, r.status, r.start_time, r.end_time, r.artifact_uri, "
    "r.lifecycle_stage";

RunRow load_run_row(Connection& conn, const std::string& run_id) {
  auto q = conn.query(std::string("SELECT ") + kRunColumns + " FROM runs r WHERE r.run_uuid = ?");
  q.bind(1, run_id);
  if (!q.step())
    throw Error::not_found("run '" + run_id + "' not found",
                           "list runs with 'bullion runs list' (run ids are 32 hex digits)");
  return RunRow{q.int64(0), read_run_info(q, 1)};
}

Experiment load_experiment_row(Connection& conn, int64_t experiment_id) {
  auto q = conn.query(
      "SELECT experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time FROM "
      "experiments WHERE experiment_id = ?");
  q.bind(1, experiment_id);
  if (!q.step())
    throw Error::not_found("experiment '" + std::to_string(experiment_id) + "' does not exist",
                           "list experiments with the MLflow client or 'bullion runs list'");
  Experiment e;
  e.experiment_id = std::to_string(q.int64(0));
  e.name = q.text(1);
  e.artifact_location = q.text(2);
  e.lifecycle_stage = q.text(3) == "deleted" ? LifecycleStage::kDeleted : LifecycleStage::kActive;
  e.creation_time = q.int64(4);
  e.last_update_time = q.int64(5);
  return e;
}

void require_active_run(const RunRow& row) {
  if (row.info.lifecycle_stage != LifecycleStage::kActive)
    throw Error::invalid_input(
        "run '" + row.info.run_id + "' must be in the 'active' state to change it; it is deleted",
        "restore the run first");
}

static Metric read_metric(const sql::Statement& q, int first) {
  Metric m;
  m.key = q.text(first);
  m.value = q.int64(first + 2) != 0 ? std::nan("") : q.real(first + 1);
  m.timestamp = q.int64(first + 3);
  m.step = q.int64(first + 4);
  m.model_id = q.text(first + 5);
  m.dataset_name = q.text(first + 6);
  m.dataset_digest = q.text(first + 7);
  return m;
}

void fill_runs_data(Connection& conn, const std::vector<int64_t>& run_keys, std::vector<Run*>& runs) {
  if (run_keys.empty()) return;
  // One statement per child table for the whole page, not one per run.
  std::string in = "(";
  std::unordered_map<int64_t, Run*> by_key;
  for (size_t i = 0; i < run_keys.size(); ++i) {
    in += (i ? "," : "") + std::to_string(run_keys[i]);
    by_key[run_keys[i]] = runs[i];
  }
  in += ")";
  auto each = [&](const std::string& sql, const std::function<void(Run&, const sql::Statement&)>& fn) {
    auto q =
        run_keys.size() == 1 ? conn.query(sql + "(?)" + " ORDER BY 1, 2") : conn.prepare(sql + in + " ORDER BY 1, 2");
    if (run_keys.size() == 1) q.bind(1, run_keys[0]);
    while (q.step()) fn(*by_key.at(q.int64(0)), q);
  };
  each(
      "SELECT run_key, key, value, is_nan, timestamp, step, model_id, dataset_name, dataset_digest FROM "
      "latest_metrics WHERE run_key IN ",
      [](Run& run, const sql::Statement& q) { run.data.metrics.push_back(read_metric(q, 1)); });
  each("SELECT run_key, key, value FROM params WHERE run_key IN ", [](Run& run, const sql::Statement& q) {
    run.data.params.push_back({q.text(1), q.text(2)});
  });
  each("SELECT run_key, key, value FROM tags WHERE run_key IN ", [](Run& run, const sql::Statement& q) {
    run.data.tags.push_back({q.text(1), q.text(2)});
  });
  each(
      "SELECT i.run_key, d.dataset_key, d.name, d.digest, d.source_type, d.source, d.schema, d.profile, i.tags_json "
      "FROM run_inputs i JOIN datasets d ON d.dataset_key = i.dataset_key WHERE i.run_key IN ",
      [](Run& run, const sql::Statement& q) {
        DatasetInput input;
        input.dataset = {q.text(2), q.text(3), q.text(4), q.text(5), q.text(6), q.text(7)};
        const auto tags = nlohmann::json::parse(q.text(8), nullptr, false);
        if (tags.is_array())
          for (const auto& t : tags) input.tags.push_back({t.value("key", ""), t.value("value", "")});
        run.dataset_inputs.push_back(std::move(input));
      });
  each("SELECT run_key, model_id FROM run_model_inputs WHERE run_key IN ",
       [](Run& run, const sql::Statement& q) { run.model_inputs.push_back(q.text(1)); });
  each("SELECT run_key, model_id, step FROM run_model_outputs WHERE run_key IN ",
       [](Run& run, const sql::Statement& q) {
         run.model_outputs.push_back({q.text(1), q.int64(2)});
       });
}

void fill_run_data(Connection& conn, int64_t run_key, Run& run) {
  std::vector<Run*> runs = {&run};
  fill_runs_data(conn, {run_key}, runs);
}

}  // namespace detail

// ---------------------------------------------------------------------------
// Opening

TrackingStore::TrackingStore(const std::string& lakehouse_root, StoreOptions options)
    : tracking_dir_(join_path(lakehouse_root, "_tracking")), artifact_root_(join_path(tracking_dir_, "artifacts")) {
  FileSystem::local().create_dirs(artifact_root_);
  db_ = std::make_unique<sql::Database>(join_path(tracking_dir_, "tracking.db"), options.busy_timeout_ms);
  detail::ensure_schema(*db_, now_millis());
  detail::refresh_statistics(*db_);
  last_statistics_check_ms_ = now_millis();
}

TrackingStore::~TrackingStore() = default;

// ---------------------------------------------------------------------------
// Experiments

static std::vector<Tag> load_experiment_tags(Connection& c, int64_t id) {
  std::vector<Tag> tags;
  auto q = c.query("SELECT key, value FROM experiment_tags WHERE experiment_id = ? ORDER BY key");
  q.bind(1, id);
  while (q.step()) tags.push_back({q.text(0), q.text(1)});
  return tags;
}

static Experiment load_experiment(Connection& c, int64_t id) {
  Experiment e = detail::load_experiment_row(c, id);
  e.tags = load_experiment_tags(c, id);
  return e;
}

std::string TrackingStore::create_experiment(const std::string& name, const std::string& artifact_location,
                                             const std::vector<Tag>& tags) {
  detail::validate_experiment_name(name);
  if (artifact_location.rfind("runs:", 0) == 0)
    throw Error::invalid_input("artifact location cannot be a runs:/ URI: '" + artifact_location + "'");
  for (const Tag& t : tags) {
    detail::validate_key("tag", t.key);
    detail::validate_value_length("tag", t.key, t.value, kMaxTagValueLength);
  }
  const int64_t now = now_millis();
  return db_->write([&](Connection& c) {
    {
      auto q = c.query("SELECT experiment_id, lifecycle_stage FROM experiments WHERE name = ?");
      q.bind(1, name);
      if (q.step())
        throw Error::conflict(
            "experiment '" + name + "' already exists" +
                (q.text(1) == "deleted" ? " in the deleted state (id " + std::to_string(q.int64(0)) + ")"
                                        : " (id " + std::to_string(q.int64(0)) + ")"),
            "choose another name, or restore the deleted experiment");
    }
    auto ins = c.query(
        "INSERT INTO experiments (name, artifact_location, lifecycle_stage, creation_time, last_update_time) "
        "VALUES (?, '', 'active', ?, ?)");
    ins.bind(1, name).bind(2, now).bind(3, now).run();
    const int64_t id = c.last_insert_rowid();
    const std::string location =
        artifact_location.empty() ? "mlflow-artifacts:/" + std::to_string(id) : artifact_location;
    auto upd = c.query("UPDATE experiments SET artifact_location = ? WHERE experiment_id = ?");
    upd.bind(1, location).bind(2, id).run();
    for (const Tag& t : tags) {
      auto tq = c.query("INSERT OR REPLACE INTO experiment_tags (experiment_id, key, value) VALUES (?, ?, ?)");
      tq.bind(1, id).bind(2, t.key).bind(3, t.value).run();
    }
    return std::to_string(id);
  });
}

Experiment TrackingStore::get_experiment(const std::string& experiment_id) {
  const int64_t id = detail::parse_experiment_id(experiment_id);
  return db_->read([&](Connection& c) { return load_experiment(c, id); });
}

std::optional<Experiment> TrackingStore::find_experiment_by_name(const std::string& name) {
  return db_->read([&](Connection& c) -> std::optional<Experiment> {
    auto q = c.query("SELECT experiment_id FROM experiments WHERE name = ?");
    q.bind(1, name);
    if (!q.step()) return std::nullopt;
    const int64_t id = q.int64(0);
    return load_experiment(c, id);
  });
}

Experiment TrackingStore::get_or_create_experiment(const std::string& name) {
  if (auto e = find_experiment_by_name(name)) {
    if (e->lifecycle_stage == LifecycleStage::kDeleted)
      throw Error::invalid_input("experiment '" + name + "' is deleted", "restore it or choose another name");
    return *e;
  }
  try {
    return get_experiment(create_experiment(name));
  } catch (const Error& e) {
    if (e.category() != ErrorCategory::kConflict || dynamic_cast<const StoreBusyError*>(&e) != nullptr) throw;
    // Another process created it between our read and our write.
    return *find_experiment_by_name(name);
  }
}

Page<Experiment> TrackingStore::search_experiments(const ExperimentSearch& search) {
  using namespace search;
  if (search.max_results < 1 || search.max_results > 50000)
    throw Error::invalid_input("max_results must be between 1 and 50000, got " + std::to_string(search.max_results));
  const auto clauses = parse_filter(search.filter, SearchKind::kExperiments);
  std::vector<OrderBy> orders;
  for (const auto& o : search.order_by) orders.push_back(parse_order_by(o, SearchKind::kExperiments));
  const int64_t offset = parse_page_token(search.page_token);

  std::string joins, where = "1 = 1";
  std::vector<SqlValue> params;
  if (search.view == ViewType::kActiveOnly) where += " AND e.lifecycle_stage = 'active'";
  if (search.view == ViewType::kDeletedOnly) where += " AND e.lifecycle_stage = 'deleted'";
  int n = 0;
  std::vector<SqlValue> join_params;
  for (const Clause& cl : clauses) {
    std::string column;
    if (cl.type == EntityType::kTag) {
      const std::string alias = "t" + std::to_string(n++);
      if (cl.op == Comparator::kIsNull || cl.op == Comparator::kIsNotNull) {
        where += std::string(" AND ") + (cl.op == Comparator::kIsNull ? "NOT " : "") +
                 "EXISTS (SELECT 1 FROM experiment_tags x WHERE x.experiment_id = e.experiment_id AND x.key = ?)";
        params.push_back(cl.key);
        continue;
      }
      joins += " JOIN experiment_tags " + alias + " ON " + alias + ".experiment_id = e.experiment_id AND " + alias +
               ".key = ?";
      join_params.push_back(cl.key);
      column = alias + ".value";
    } else {
      column = "e." + cl.key;
    }
    if (cl.op == Comparator::kILike) {
      where += " AND lower(" + column + ") LIKE lower(?)";
    } else {
      where += " AND " + column + " " + sql_operator(cl.op) + " ?";
    }
    if (cl.numeric)
      params.push_back(static_cast<int64_t>(cl.number));
    else
      params.push_back(cl.key == "experiment_id" ? SqlValue(static_cast<int64_t>(std::atoll(cl.text.c_str())))
                                                 : SqlValue(cl.text));
  }
  std::string order;
  for (const OrderBy& o : orders) order += "e." + o.key + (o.ascending ? " ASC, " : " DESC, ");
  order += "e.creation_time DESC, e.experiment_id ASC";
  const std::string sql_text = "SELECT e.experiment_id FROM experiments e" + joins + " WHERE " + where + " ORDER BY " +
                               order + " LIMIT ? OFFSET ?";
  return db_->read([&](Connection& c) {
    auto q = c.prepare(sql_text);
    std::vector<SqlValue> all = join_params;
    all.insert(all.end(), params.begin(), params.end());
    all.push_back(search.max_results + 1);
    all.push_back(offset);
    detail::bind_all(q, all);
    std::vector<int64_t> ids;
    while (q.step()) ids.push_back(q.int64(0));
    Page<Experiment> page;
    if (static_cast<int64_t>(ids.size()) > search.max_results) {
      ids.pop_back();
      page.next_page_token = make_page_token(offset + search.max_results);
    }
    for (int64_t id : ids) page.items.push_back(load_experiment(c, id));
    return page;
  });
}

void TrackingStore::rename_experiment(const std::string& experiment_id, const std::string& new_name) {
  detail::validate_experiment_name(new_name);
  const int64_t id = detail::parse_experiment_id(experiment_id);
  db_->write([&](Connection& c) {
    const Experiment e = detail::load_experiment_row(c, id);
    if (e.lifecycle_stage != LifecycleStage::kActive)
      throw Error::invalid_input("cannot rename deleted experiment '" + experiment_id + "'");
    auto dup = c.query("SELECT experiment_id FROM experiments WHERE name = ? AND experiment_id != ?");
    dup.bind(1, new_name).bind(2, id);
    if (dup.step()) throw Error::conflict("experiment '" + new_name + "' already exists");
    auto q = c.query("UPDATE experiments SET name = ?, last_update_time = ? WHERE experiment_id = ?");
    q.bind(1, new_name).bind(2, now_millis()).bind(3, id).run();
  });
}

static void set_experiment_lifecycle(sql::Database& db, const std::string& experiment_id, bool deleted) {
  const int64_t id = detail::parse_experiment_id(experiment_id);
  db.write([&](Connection& c) {
    const Experiment e = detail::load_experiment_row(c, id);
    if (deleted && id == 0) throw Error::invalid_input("the Default experiment (id 0) cannot be deleted");
    const LifecycleStage expected = deleted ? LifecycleStage::kActive : LifecycleStage::kDeleted;
    if (e.lifecycle_stage != expected)
      throw Error::invalid_input("experiment '" + experiment_id + "' is already " +
                                 std::string(deleted ? "deleted" : "active"));
    const char* stage = deleted ? "deleted" : "active";
    auto q = c.query("UPDATE experiments SET lifecycle_stage = ?, last_update_time = ? WHERE experiment_id = ?");
    q.bind(1, stage).bind(2, now_millis()).bind(3, id).run();
    auto r = c.query("UPDATE runs SET lifecycle_stage = ? WHERE experiment_id = ?");
    r.bind(1, stage).bind(2, id).run();
  });
}

void TrackingStore::delete_experiment(const std::string& experiment_id) {
  set_experiment_lifecycle(*db_, experiment_id, true);
}
void TrackingStore::restore_experiment(const std::string& experiment_id) {
  set_experiment_lifecycle(*db_, experiment_id, false);
}

void TrackingStore::set_experiment_tag(const std::string& experiment_id, const std::string& key,
                                       const std::string& value) {
  detail::validate_key("tag", key);
  detail::validate_value_length("tag", key, value, kMaxTagValueLength);
  const int64_t id = detail::parse_experiment_id(experiment_id);
  db_->write([&](Connection& c) {
    const Experiment e = detail::load_experiment_row(c, id);
    if (e.lifecycle_stage != LifecycleStage::kActive)
      throw Error::invalid_input("experiment '" + experiment_id + "' must be active to set tags");
    auto q = c.query("INSERT OR REPLACE INTO experiment_tags (experiment_id, key, value) VALUES (?, ?, ?)");
    q.bind(1, id).bind(2, key).bind(3, value).run();
  });
}

void TrackingStore::delete_experiment_tag(const std::string& experiment_id, const std::string& key) {
  const int64_t id = detail::parse_experiment_id(experiment_id);
  db_->write([&](Connection& c) {
    detail::load_experiment_row(c, id);
    auto q = c.query("DELETE FROM experiment_tags WHERE experiment_id = ? AND key = ?");
    q.bind(1, id).bind(2, key).run();
    if (c.changes() == 0) throw Error::not_found("no tag '" + key + "' on experiment '" + experiment_id + "'");
  });
}

// ---------------------------------------------------------------------------
// Runs

static constexpr const char* kRunNameTag = "mlflow.runName";

static void upsert_tag(Connection& c, int64_t run_key, const std::string& key, const std::string& value) {
  auto q = c.query("INSERT OR REPLACE INTO tags (run_key, key, value) VALUES (?, ?, ?)");
  q.bind(1, run_key).bind(2, key).bind(3, value).run();
  if (key == kRunNameTag) {
    auto u = c.query("UPDATE runs SET name = ? WHERE run_key = ?");
    u.bind(1, value).bind(2, run_key).run();
  }
}

Run TrackingStore::create_run(const std::string& experiment_id, const CreateRunOptions& options) {
  const int64_t exp_id = detail::parse_experiment_id(experiment_id.empty() ? kDefaultExperimentId : experiment_id);
  for (const Tag& t : options.tags) {
    detail::validate_key("tag", t.key);
    detail::validate_value_length("tag", t.key, t.value, kMaxTagValueLength);
  }
  std::string name = options.run_name;
  for (const Tag& t : options.tags)
    if (t.key == kRunNameTag && name.empty()) name = t.value;
  if (name.empty()) name = detail::generate_run_name();
  const std::string user = options.user_id.empty() ? current_user() : options.user_id;
  const int64_t start = options.start_time.value_or(now_millis());
  const std::string run_id = new_run_id();
  return db_->write([&](Connection& c) {
    const Experiment e = detail::load_experiment_row(c, exp_id);
    if (e.lifecycle_stage != LifecycleStage::kActive)
      throw Error::invalid_input("experiment '" + e.experiment_id +
                                 "' is deleted; runs can only be created in "
                                 "active experiments");
    const std::string artifact_uri = e.artifact_location + "/" + run_id + "/artifacts";
    auto q = c.query(
        "INSERT INTO runs (run_uuid, experiment_id, name, user_id, status, start_time, end_time, artifact_uri, "
        "lifecycle_stage) VALUES (?, ?, ?, ?, 'RUNNING', ?, NULL, ?, 'active')");
    q.bind(1, run_id).bind(2, exp_id).bind(3, name).bind(4, user).bind(5, start).bind(6, artifact_uri).run();
    const int64_t key = c.last_insert_rowid();
    for (const Tag& t : options.tags)
      if (t.key != kRunNameTag) upsert_tag(c, key, t.key, t.value);
    upsert_tag(c, key, kRunNameTag, name);
    Run run;
    run.info = detail::load_run_row(c, run_id).info;
    detail::fill_run_data(c, key, run);
    return run;
  });
}

Run TrackingStore::get_run(const std::string& run_id) {
  return db_->read([&](Connection& c) {
    RunRow row = detail::load_run_row(c, run_id);
    Run run;
    run.info = std::move(row.info);
    detail::fill_run_data(c, row.run_key, run);
    return run;
  });
}

RunInfo TrackingStore::update_run(const std::string& run_id, std::optional<RunStatus> status,
                                  std::optional<int64_t> end_time, const std::string& run_name) {
  return db_->write([&](Connection& c) {
    RunRow row = detail::load_run_row(c, run_id);
    detail::require_active_run(row);
    if (status) {
      std::optional<int64_t> end = end_time;
      if (!end && *status != RunStatus::kRunning && *status != RunStatus::kScheduled) end = now_millis();
      auto q = c.query("UPDATE runs SET status = ?, end_time = COALESCE(?, end_time) WHERE run_key = ?");
      q.bind(1, to_string(*status));
      if (end)
        q.bind(2, *end);
      else
        q.bind_null(2);
      q.bind(3, row.run_key).run();
    } else if (end_time) {
      auto q = c.query("UPDATE runs SET end_time = ? WHERE run_key = ?");
      q.bind(1, *end_time).bind(2, row.run_key).run();
    }
    if (!run_name.empty()) upsert_tag(c, row.run_key, kRunNameTag, run_name);
    return detail::load_run_row(c, run_id).info;
  });
}

RunInfo TrackingStore::end_run(const std::string& run_id, RunStatus status) {
  return update_run(run_id, status, now_millis());
}

static void set_run_lifecycle(sql::Database& db, const std::string& run_id, bool deleted) {
  db.write([&](Connection& c) {
    RunRow row = detail::load_run_row(c, run_id);
    if (!deleted) {
      const Experiment e = detail::load_experiment_row(c, detail::parse_experiment_id(row.info.experiment_id));
      if (e.lifecycle_stage != LifecycleStage::kActive)
        throw Error::invalid_input("cannot restore run '" + run_id + "': its experiment is deleted");
    }
    auto q = c.query("UPDATE runs SET lifecycle_stage = ? WHERE run_key = ?");
    q.bind(1, deleted ? "deleted" : "active").bind(2, row.run_key).run();
  });
}

void TrackingStore::delete_run(const std::string& run_id) { set_run_lifecycle(*db_, run_id, true); }
void TrackingStore::restore_run(const std::string& run_id) { set_run_lifecycle(*db_, run_id, false); }

// ---------------------------------------------------------------------------
// Params, metrics, tags

static void insert_param(Connection& c, const RunRow& row, const std::string& key, const std::string& value) {
  auto existing = c.query("SELECT value FROM params WHERE run_key = ? AND key = ?");
  existing.bind(1, row.run_key).bind(2, key);
  if (existing.step()) {
    const std::string old = existing.text(0);
    if (old == value) return;
    throw Error::invalid_input("changing param values is not allowed: param '" + key + "' of run '" + row.info.run_id +
                                   "' was already logged with value '" + old + "', new value '" + value + "'",
                               "params are immutable; log a different key or start a new run");
  }
  auto q = c.query("INSERT INTO params (run_key, key, value) VALUES (?, ?, ?)");
  q.bind(1, row.run_key).bind(2, key).bind(3, value).run();
}

static void insert_metric(Connection& c, const RunRow& row, const Metric& m) {
  const bool nan = std::isnan(m.value);
  const double value = nan ? 0.0 : m.value;
  auto q = c.query(
      "INSERT OR IGNORE INTO metrics (run_key, key, timestamp, step, value, is_nan, model_id, dataset_name, "
      "dataset_digest) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
  q.bind(1, row.run_key).bind(2, m.key).bind(3, m.timestamp).bind(4, m.step).bind(5, value).bind(6, nan ? 1 : 0);
  q.bind(7, m.model_id).bind(8, m.dataset_name).bind(9, m.dataset_digest).run();
  if (c.changes() > 0) {
    // MLflow's "latest": the greatest (step, timestamp, value); NaN never wins a tie.
    auto l = c.query(
        "INSERT INTO latest_metrics AS l (run_key, key, value, is_nan, timestamp, step, model_id, dataset_name, "
        "dataset_digest) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (run_key, key) DO UPDATE SET "
        "value = excluded.value, is_nan = excluded.is_nan, timestamp = excluded.timestamp, step = excluded.step, "
        "model_id = excluded.model_id, dataset_name = excluded.dataset_name, dataset_digest = excluded.dataset_digest "
        "WHERE excluded.step > l.step OR (excluded.step = l.step AND (excluded.timestamp > l.timestamp OR "
        "(excluded.timestamp = l.timestamp AND excluded.is_nan = 0 AND (l.is_nan = 1 OR excluded.value > l.value))))");
    l.bind(1, row.run_key).bind(2, m.key);
    if (nan)
      l.bind_null(3);
    else
      l.bind(3, value);
    l.bind(4, nan ? 1 : 0).bind(5, m.timestamp).bind(6, m.step);
    l.bind(7, m.model_id).bind(8, m.dataset_name).bind(9, m.dataset_digest).run();
  }
  if (!m.model_id.empty()) {
    auto lm = c.query(
        "INSERT OR IGNORE INTO logged_model_metrics (model_id, key, timestamp, step, value, is_nan, run_id, "
        "dataset_name, dataset_digest) SELECT ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM logged_models "
        "WHERE model_id = ?)");
    lm.bind(1, m.model_id).bind(2, m.key).bind(3, m.timestamp).bind(4, m.step).bind(5, value).bind(6, nan ? 1 : 0);
    lm.bind(7, row.info.run_id).bind(8, m.dataset_name).bind(9, m.dataset_digest).bind(10, m.model_id).run();
  }
}

void TrackingStore::log_param(const std::string& run_id, const std::string& key, const std::string& value) {
  detail::validate_key("param", key);
  detail::validate_value_length("param", key, value, kMaxParamValueLength);
  db_->write([&](Connection& c) {
    const RunRow row = detail::load_run_row(c, run_id);
    detail::require_active_run(row);
    insert_param(c, row, key, value);
  });
}

void TrackingStore::log_metric(const std::string& run_id, const Metric& metric) {
  detail::validate_key("metric", metric.key);
  db_->write([&](Connection& c) {
    const RunRow row = detail::load_run_row(c, run_id);
    detail::require_active_run(row);
    insert_metric(c, row, metric);
  });
}

void TrackingStore::set_tag(const std::string& run_id, const std::string& key, const std::string& value) {
  detail::validate_key("tag", key);
  detail::validate_value_length("tag", key, value, kMaxTagValueLength);
  db_->write([&](Connection& c) {
    const RunRow row = detail::load_run_row(c, run_id);
    detail::require_active_run(row);
    upsert_tag(c, row.run_key, key, value);
  });
}

void TrackingStore::delete_tag(const std::string& run_id, const std::string& key) {
  db_->write([&](Connection& c) {
    const RunRow row = detail::load_run_row(c, run_id);
    detail::require_active_run(row);
    auto q = c.query("DELETE FROM tags WHERE run_key = ? AND key = ?");
    q.bind(1, row.run_key).bind(2, key).run();
    if (c.changes() == 0)
      throw Error::not_found("no tag '" + key + "' on run '" + run_id + "'",
                             "list the run's tags with 'bullion runs show'");
  });
}

void TrackingStore::log_batch(const std::string& run_id, const std::vector<Metric>& metrics,
                              const std::vector<Param>& params, const std::vector<Tag>& tags) {
  if (metrics.size() > kMaxMetricsPerBatch)
    throw Error::invalid_input("a batch may contain at most " + std::to_string(kMaxMetricsPerBatch) + " metrics, got " +
                               std::to_string(metrics.size()));
  if (params.size() > kMaxParamsTagsPerBatch)
    throw Error::invalid_input("a batch may contain at most " + std::to_string(kMaxParamsTagsPerBatch) +
                               " params, got " + std::to_string(params.size()));
  if (tags.size() > kMaxParamsTagsPerBatch)
    throw Error::invalid_input("a batch may contain at most " + std::to_string(kMaxParamsTagsPerBatch) + " tags, got " +
                               std::to_string(tags.size()));
  if (metrics.size() + params.size() + tags.size() > kMaxEntitiesPerBatch)
    throw Error::invalid_input("a batch may contain at most " + std::to_string(kMaxEntitiesPerBatch) +
                               " metrics, params and tags in total");
  std::map<std::string, std::string> seen;
  for (const Param& p : params) {
    detail::validate_key("param", p.key);
    detail::validate_value_length("param", p.key, p.value, kMaxParamValueLength);
    auto [it, inserted] = seen.emplace(p.key, p.value);
    if (!inserted && it->second != p.value)
      throw Error::invalid_input("duplicate param key '" + p.key + "' with different values in one batch");
  }
  for (const Metric& m : metrics) detail::validate_key("metric", m.key);
  for (const Tag& t : tags) {
    detail::validate_key("tag", t.key);
    detail::validate_value_length("tag", t.key, t.value, kMaxTagValueLength);
  }
  db_->write([&](Connection& c) {
    const RunRow row = detail::load_run_row(c, run_id);
    detail::require_active_run(row);
    for (const Param& p : params) insert_param(c, row, p.key, p.value);
    for (const Metric& m : metrics) insert_metric(c, row, m);
    for (const Tag& t : tags) upsert_tag(c, row.run_key, t.key, t.value);
  });
}

Page<Metric> TrackingStore::get_metric_history(const std::string& run_id, const std::string& key, int64_t max_results,
                                               const std::string& page_token) {
  if (max_results < 0) throw Error::invalid_input("max_results must not be negative");
  const int64_t offset = search::parse_page_token(page_token);
  return db_->read([&](Connection& c) {
    const RunRow row = detail::load_run_row(c, run_id);
    auto q = c.query(
        "SELECT key, value, is_nan, timestamp, step, model_id, dataset_name, dataset_digest FROM metrics WHERE "
        "run_key = ? AND key = ? ORDER BY timestamp, step, value LIMIT ? OFFSET ?");
    q.bind(1, row.run_key).bind(2, key).bind(3, max_results == 0 ? int64_t{-1} : max_results + 1).bind(4, offset);
    Page<Metric> page;
    while (q.step()) {
      Metric m = detail::read_metric(q, 0);
      m.run_id = run_id;
      page.items.push_back(std::move(m));
    }
    if (max_results > 0 && static_cast<int64_t>(page.items.size()) > max_results) {
      page.items.pop_back();
      page.next_page_token = search::make_page_token(offset + max_results);
    }
    return page;
  });
}

void TrackingStore::log_inputs(const std::string& run_id, const std::vector<DatasetInput>& datasets,
                               const std::vector<std::string>& model_ids) {
  for (const DatasetInput& d : datasets) {
    if (d.dataset.name.empty() || d.dataset.digest.empty())
      throw Error::invalid_input("a dataset input needs a name and a digest");
  }
  db_->write([&](Connection& c) {
    const RunRow row = detail::load_run_row(c, run_id);
    detail::require_active_run(row);
    const int64_t exp_id = detail::parse_experiment_id(row.info.experiment_id);
    for (const DatasetInput& d : datasets) {
      auto ins = c.query(
          "INSERT OR IGNORE INTO datasets (experiment_id, name, digest, source_type, source, schema, profile) VALUES "
          "(?, ?, ?, ?, ?, ?, ?)");
      ins.bind(1, exp_id).bind(2, d.dataset.name).bind(3, d.dataset.digest).bind(4, d.dataset.source_type);
      ins.bind(5, d.dataset.source).bind(6, d.dataset.schema).bind(7, d.dataset.profile).run();
      auto sel = c.query("SELECT dataset_key FROM datasets WHERE experiment_id = ? AND name = ? AND digest = ?");
      sel.bind(1, exp_id).bind(2, d.dataset.name).bind(3, d.dataset.digest);
      sel.step();
      const int64_t dataset_key = sel.int64(0);
      nlohmann::json tags = nlohmann::json::array();
      std::string context;
      for (const Tag& t : d.tags) {
        tags.push_back({{"key", t.key}, {"value", t.value}});
        if (t.key == "mlflow.data.context") context = t.value;
      }
      auto link =
          c.query("INSERT OR REPLACE INTO run_inputs (run_key, dataset_key, context, tags_json) VALUES (?, ?, ?, ?)");
      link.bind(1, row.run_key).bind(2, dataset_key).bind(3, context).bind(4, tags.dump()).run();
    }
    for (const std::string& model_id : model_ids) {
      auto q = c.query("INSERT OR IGNORE INTO run_model_inputs (run_key, model_id) VALUES (?, ?)");
      q.bind(1, row.run_key).bind(2, model_id).run();
    }
  });
}

void TrackingStore::log_outputs(const std::string& run_id, const std::vector<ModelOutput>& models) {
  db_->write([&](Connection& c) {
    const RunRow row = detail::load_run_row(c, run_id);
    detail::require_active_run(row);
    for (const ModelOutput& m : models) {
      auto exists = c.query("SELECT 1 FROM logged_models WHERE model_id = ?");
      exists.bind(1, m.model_id);
      if (!exists.step()) throw Error::not_found("logged model '" + m.model_id + "' not found");
      auto q = c.query("INSERT OR REPLACE INTO run_model_outputs (run_key, model_id, step) VALUES (?, ?, ?)");
      q.bind(1, row.run_key).bind(2, m.model_id).bind(3, m.step).run();
    }
  });
}

// ---------------------------------------------------------------------------
// Run search: the filter and the sort are compiled to one SQL statement;
// only the page's runs are then materialized.

namespace {

std::string run_attribute_column(const std::string& key) {
  if (key == "run_id") return "r.run_uuid";
  if (key == "run_name") return "r.name";
  return "r." + key;  // user_id, status, start_time, end_time, artifact_uri, experiment_id, lifecycle_stage
}

void append_comparison(std::string& where, std::vector<SqlValue>& params, const std::string& column,
                       const search::Clause& cl) {
  using search::Comparator;
  switch (cl.op) {
    case Comparator::kILike:
      where += " AND lower(" + column + ") LIKE lower(?)";
      params.push_back(cl.text);
      return;
    case Comparator::kIn:
    case Comparator::kNotIn: {
      where += " AND " + column + (cl.op == Comparator::kIn ? " IN (" : " NOT IN (");
      for (size_t i = 0; i < cl.list.size(); ++i) {
        where += i ? ", ?" : "?";
        params.push_back(cl.list[i]);
      }
      where += ")";
      return;
    }
    default:
      where += " AND " + column + " " + search::sql_operator(cl.op) + " ?";
      if (cl.numeric)
        params.push_back(cl.number);
      else
        params.push_back(cl.text);
  }
}

}  // namespace

// A run search compiled to SQL pieces: FROM-clause joins and WHERE
// conditions with their bound values, and ORDER BY terms.
struct RunQuery {
  std::string joins;
  std::vector<SqlValue> join_params;
  std::string where;
  std::vector<SqlValue> where_params;
  std::string order;                   // without the final tie-breakers
  bool drive_from_first_join = false;  // force the join order (CROSS JOIN)

  std::string sql(const std::string& select, const std::string& tail) const {
    const std::string from =
        drive_from_first_join ? " FROM " + joins.substr(std::string(" JOIN ").size()) : " FROM runs r";
    return "SELECT " + select + from + (drive_from_first_join ? "" : joins) + " WHERE " + where + tail;
  }
  std::vector<SqlValue> params() const {
    std::vector<SqlValue> all = join_params;
    all.insert(all.end(), where_params.begin(), where_params.end());
    return all;
  }
};

Page<Run> TrackingStore::search_runs(const RunSearch& search) {
  using namespace search;
  if (search.experiment_ids.empty()) throw Error::invalid_input("search_runs needs at least one experiment id");
  if (search.max_results < 1 || search.max_results > kMaxSearchRunsResults)
    throw Error::invalid_input("max_results must be between 1 and " + std::to_string(kMaxSearchRunsResults) + ", got " +
                               std::to_string(search.max_results));
  const std::vector<Clause> clauses = parse_filter(search.filter, SearchKind::kRuns);
  std::vector<OrderBy> orders;
  for (const auto& o : search.order_by) orders.push_back(parse_order_by(o, SearchKind::kRuns));
  const int64_t offset = parse_page_token(search.page_token);

  // Keep the planner's statistics fresh in a long-running process (a server).
  if (const int64_t now = now_millis(); now - last_statistics_check_ms_.load() > 60'000) {
    last_statistics_check_ms_ = now;
    detail::refresh_statistics(*db_);
  }

  RunQuery q;
  q.where = "r.experiment_id IN (";
  for (size_t i = 0; i < search.experiment_ids.size(); ++i) {
    q.where += i ? ", ?" : "?";
    int64_t id = -1;
    const std::string& s = search.experiment_ids[i];
    std::from_chars(s.data(), s.data() + s.size(), id);
    q.where_params.push_back(id);
  }
  q.where += ")";
  if (search.view == ViewType::kActiveOnly) q.where += " AND r.lifecycle_stage = 'active'";
  if (search.view == ViewType::kDeletedOnly) q.where += " AND r.lifecycle_stage = 'deleted'";

  int alias_count = 0;
  std::map<std::string, std::string> metric_alias;  // metric key -> inner-joined alias
  for (const Clause& cl : clauses) {
    const std::string a = "f" + std::to_string(alias_count++);
    switch (cl.type) {
      case EntityType::kMetric:
        q.joins += " JOIN latest_metrics " + a + " ON " + a + ".run_key = r.run_key AND " + a + ".key = ?";
        q.join_params.push_back(cl.key);
        metric_alias.emplace(cl.key, a);
        append_comparison(q.where, q.where_params, a + ".value", cl);  // NaN is NULL: never matches
        break;
      case EntityType::kParam:
      case EntityType::kTag: {
        const char* table = cl.type == EntityType::kParam ? "params" : "tags";
        if (cl.op == Comparator::kIsNull || cl.op == Comparator::kIsNotNull) {
          q.where += std::string(" AND ") + (cl.op == Comparator::kIsNull ? "NOT " : "") + "EXISTS (SELECT 1 FROM " +
                     table + " x WHERE x.run_key = r.run_key AND x.key = ?)";
          q.where_params.push_back(cl.key);
          break;
        }
        q.joins += std::string(" JOIN ") + table + " " + a + " ON " + a + ".run_key = r.run_key AND " + a + ".key = ?";
        q.join_params.push_back(cl.key);
        append_comparison(q.where, q.where_params, a + ".value", cl);
        break;
      }
      case EntityType::kAttribute:
        append_comparison(q.where, q.where_params, run_attribute_column(cl.key), cl);
        break;
      case EntityType::kDataset: {
        const std::string column = cl.key == "context" ? "i.context" : "d." + cl.key;
        std::string sub;
        std::vector<SqlValue> sub_params;
        append_comparison(sub, sub_params, column, cl);
        q.where +=
            " AND EXISTS (SELECT 1 FROM run_inputs i JOIN datasets d ON d.dataset_key = i.dataset_key WHERE "
            "i.run_key = r.run_key" +
            sub + ")";
        q.where_params.insert(q.where_params.end(), sub_params.begin(), sub_params.end());
        break;
      }
    }
  }

  // Missing values sort last in both directions (MLflow). A first sort key on
  // a metric is split in two ordered queries: runs that have the metric (an
  // inner join the planner can walk in index order, stopping at the page) and
  // then runs that lack it.
  std::optional<std::string> split_metric;
  bool split_ascending = true;
  bool has_start_time = false;
  std::string order_tail;
  std::string order_joins;
  std::vector<SqlValue> order_join_params;
  for (size_t i = 0; i < orders.size(); ++i) {
    const OrderBy& o = orders[i];
    const char* dir = o.ascending ? " ASC" : " DESC";
    if (o.type == EntityType::kMetric) {
      if (auto it = metric_alias.find(o.key); it != metric_alias.end()) {
        order_tail += it->second + ".value" + dir + ", ";  // filtered on: never NULL
        continue;
      }
      if (i == 0) {
        split_metric = o.key;
        split_ascending = o.ascending;
        continue;
      }
    }
    const std::string a = "o" + std::to_string(alias_count++);
    std::string column;
    switch (o.type) {
      case EntityType::kMetric:
        order_joins += " LEFT JOIN latest_metrics " + a + " ON " + a + ".run_key = r.run_key AND " + a + ".key = ?";
        order_join_params.push_back(o.key);
        column = a + ".value";
        break;
      case EntityType::kParam:
      case EntityType::kTag:
        order_joins += std::string(" LEFT JOIN ") + (o.type == EntityType::kParam ? "params " : "tags ") + a + " ON " +
                       a + ".run_key = r.run_key AND " + a + ".key = ?";
        order_join_params.push_back(o.key);
        column = a + ".value";
        break;
      default:
        column = run_attribute_column(o.key);
        if (o.key == "start_time") has_start_time = true;
        break;
    }
    order_tail += column + dir + " NULLS LAST, ";
  }
  if (!has_start_time) order_tail += "r.start_time DESC, ";
  order_tail += "r.run_uuid ASC";
  q.joins += order_joins;
  q.join_params.insert(q.join_params.end(), order_join_params.begin(), order_join_params.end());

  const int64_t need = search.max_results + 1;
  const std::string select = std::string(detail::kRunColumns);
  std::vector<std::pair<int64_t, RunInfo>> rows;
  auto run_select = [&](Connection& c, const RunQuery& query, const std::string& order, int64_t limit, int64_t skip) {
    auto stmt = c.prepare(query.sql(select, " ORDER BY " + order + " LIMIT ? OFFSET ?"));
    std::vector<SqlValue> all = query.params();
    all.push_back(limit);
    all.push_back(skip);
    detail::bind_all(stmt, all);
    while (stmt.step()) rows.emplace_back(stmt.int64(0), detail::read_run_info(stmt, 1));
  };

  return db_->read([&](Connection& c) {
    if (!split_metric) {
      run_select(c, q, order_tail, need, offset);
    } else {
      // Runs with the metric, in metric order. With no filter, force the walk
      // down the (key, value) index so that a top-N stops after N runs.
      RunQuery with = q;
      with.joins = " JOIN latest_metrics s ON s.run_key = r.run_key AND s.key = ?" + q.joins;
      with.join_params.insert(with.join_params.begin(), *split_metric);
      with.where += " AND s.value IS NOT NULL";
      if (clauses.empty()) {
        with.drive_from_first_join = true;
        with.joins = " JOIN latest_metrics s CROSS JOIN runs r" + q.joins;
        with.where = "s.key = ? AND s.run_key = r.run_key AND " + with.where;
        with.join_params.erase(with.join_params.begin());
        with.join_params.insert(with.join_params.begin() + static_cast<long>(q.join_params.size()), *split_metric);
      }
      const std::string metric_order = std::string("s.value") + (split_ascending ? " ASC, " : " DESC, ");
      run_select(c, with, metric_order + order_tail, need, offset);
      const int64_t from_first = static_cast<int64_t>(rows.size());
      if (from_first < need) {
        int64_t count_with = offset + from_first;
        if (from_first == 0 && offset > 0) {
          auto count = c.prepare(with.sql("COUNT(*)", ""));
          detail::bind_all(count, with.params());
          count.step();
          count_with = count.int64(0);
        }
        RunQuery without = q;
        without.where +=
            " AND NOT EXISTS (SELECT 1 FROM latest_metrics x WHERE x.run_key = r.run_key AND x.key = ? "
            "AND x.value IS NOT NULL)";
        without.where_params.push_back(*split_metric);
        run_select(c, without, order_tail, need - from_first, std::max<int64_t>(0, offset - count_with));
      }
    }
    Page<Run> page;
    if (static_cast<int64_t>(rows.size()) > search.max_results) {
      rows.pop_back();
      page.next_page_token = make_page_token(offset + search.max_results);
    }
    page.items.resize(rows.size());
    std::vector<int64_t> keys;
    std::vector<Run*> targets;
    for (size_t i = 0; i < rows.size(); ++i) {
      page.items[i].info = std::move(rows[i].second);
      keys.push_back(rows[i].first);
      targets.push_back(&page.items[i]);
    }
    detail::fill_runs_data(c, keys, targets);
    return page;
  });
}

}  // namespace bullion::tracking
