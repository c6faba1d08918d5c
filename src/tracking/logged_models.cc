// MLflow 3 logged models: a model with its own id, artifacts, params, tags
// and metrics, produced by a run.
#include <charconv>
#include <cmath>

#include "bullion/tracking/store.h"
#include "tracking/search.h"
#include "tracking/store_internal.h"

namespace bullion::tracking {

using detail::SqlValue;
using sql::Connection;

namespace {

LoggedModel load_logged_model(Connection& c, const std::string& model_id, bool allow_deleted) {
  auto q = c.query(
      "SELECT model_id, experiment_id, name, artifact_location, creation_time, last_updated_time, status, "
      "status_message, lifecycle_stage, creator_id, model_type, source_run_id FROM logged_models WHERE model_id = ?");
  q.bind(1, model_id);
  if (!q.step() || (!allow_deleted && q.text(8) == "deleted"))
    throw Error::not_found("logged model '" + model_id + "' not found");
  LoggedModel m;
  m.model_id = q.text(0);
  m.experiment_id = std::to_string(q.int64(1));
  m.name = q.text(2);
  m.artifact_location = q.text(3);
  m.creation_timestamp = q.int64(4);
  m.last_updated_timestamp = q.int64(5);
  m.status = parse_logged_model_status(q.text(6)).value_or(LoggedModelStatus::kPending);
  m.status_message = q.text(7);
  m.lifecycle_stage = q.text(8) == "deleted" ? LifecycleStage::kDeleted : LifecycleStage::kActive;
  m.creator_id = q.text(9);
  m.model_type = q.text(10);
  m.source_run_id = q.text(11);
  {
    auto t = c.query("SELECT key, value FROM logged_model_tags WHERE model_id = ? ORDER BY key");
    t.bind(1, model_id);
    while (t.step()) m.tags.push_back({t.text(0), t.text(1)});
  }
  {
    auto p = c.query("SELECT key, value FROM logged_model_params WHERE model_id = ? ORDER BY key");
    p.bind(1, model_id);
    while (p.step()) m.params.push_back({p.text(0), p.text(1)});
  }
  {
    auto k = c.query(
        "SELECT key, value, is_nan, timestamp, step, run_id, dataset_name, dataset_digest FROM logged_model_metrics "
        "WHERE model_id = ? ORDER BY key, timestamp, step");
    k.bind(1, model_id);
    while (k.step()) {
      Metric metric;
      metric.key = k.text(0);
      metric.value = k.int64(2) ? std::nan("") : k.real(1);
      metric.timestamp = k.int64(3);
      metric.step = k.int64(4);
      metric.run_id = k.text(5);
      metric.dataset_name = k.text(6);
      metric.dataset_digest = k.text(7);
      metric.model_id = model_id;
      m.metrics.push_back(std::move(metric));
    }
  }
  {
    auto r = c.query("SELECT name, version FROM model_versions WHERE model_id = ? ORDER BY name, version");
    r.bind(1, model_id);
    while (r.step()) m.registrations.push_back({r.text(0), std::to_string(r.int64(1))});
  }
  return m;
}

void require_active(Connection& c, const std::string& model_id) {
  auto q = c.query("SELECT lifecycle_stage FROM logged_models WHERE model_id = ?");
  q.bind(1, model_id);
  if (!q.step() || q.text(0) == "deleted") throw Error::not_found("logged model '" + model_id + "' not found");
}

void touch(Connection& c, const std::string& model_id) {
  auto q = c.query("UPDATE logged_models SET last_updated_time = ? WHERE model_id = ?");
  q.bind(1, now_millis()).bind(2, model_id).run();
}

}  // namespace

LoggedModel TrackingStore::create_logged_model(const std::string& experiment_id, const std::string& name,
                                               const std::string& model_type, const std::string& source_run_id,
                                               const std::vector<Param>& params, const std::vector<Tag>& tags) {
  const int64_t exp_id = detail::parse_experiment_id(experiment_id);
  for (const Param& p : params) {
    detail::validate_key("param", p.key);
    detail::validate_value_length("param", p.key, p.value, kMaxParamValueLength);
  }
  for (const Tag& t : tags) {
    detail::validate_key("tag", t.key);
    detail::validate_value_length("tag", t.key, t.value, kMaxTagValueLength);
  }
  const std::string model_id = new_model_id();
  const std::string model_name = name.empty() ? detail::generate_run_name() : name;
  const int64_t now = now_millis();
  const std::string creator = current_user();
  return db_->write([&](Connection& c) {
    const Experiment e = detail::load_experiment_row(c, exp_id);
    if (e.lifecycle_stage != LifecycleStage::kActive)
      throw Error::invalid_input("experiment '" + experiment_id + "' is deleted");
    if (!source_run_id.empty()) detail::load_run_row(c, source_run_id);
    const std::string location = e.artifact_location + "/models/" + model_id + "/artifacts";
    auto q = c.query(
        "INSERT INTO logged_models (model_id, experiment_id, name, artifact_location, creation_time, "
        "last_updated_time, status, creator_id, model_type, source_run_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    q.bind(1, model_id).bind(2, exp_id).bind(3, model_name).bind(4, location).bind(5, now).bind(6, now);
    q.bind(7, to_string(LoggedModelStatus::kPending))
        .bind(8, creator)
        .bind(9, model_type)
        .bind(10, source_run_id)
        .run();
    for (const Param& p : params) {
      auto pq = c.query("INSERT OR REPLACE INTO logged_model_params (model_id, key, value) VALUES (?, ?, ?)");
      pq.bind(1, model_id).bind(2, p.key).bind(3, p.value).run();
    }
    for (const Tag& t : tags) {
      auto tq = c.query("INSERT OR REPLACE INTO logged_model_tags (model_id, key, value) VALUES (?, ?, ?)");
      tq.bind(1, model_id).bind(2, t.key).bind(3, t.value).run();
    }
    return load_logged_model(c, model_id, false);
  });
}

LoggedModel TrackingStore::get_logged_model(const std::string& model_id, bool allow_deleted) {
  return db_->read([&](Connection& c) { return load_logged_model(c, model_id, allow_deleted); });
}

LoggedModel TrackingStore::finalize_logged_model(const std::string& model_id, LoggedModelStatus status) {
  if (status == LoggedModelStatus::kPending)
    throw Error::invalid_input("a logged model can only be finalized as READY or UPLOAD_FAILED");
  return db_->write([&](Connection& c) {
    require_active(c, model_id);
    auto q = c.query("UPDATE logged_models SET status = ?, last_updated_time = ? WHERE model_id = ?");
    q.bind(1, to_string(status)).bind(2, now_millis()).bind(3, model_id).run();
    return load_logged_model(c, model_id, false);
  });
}

void TrackingStore::set_logged_model_tags(const std::string& model_id, const std::vector<Tag>& tags) {
  for (const Tag& t : tags) {
    detail::validate_key("tag", t.key);
    detail::validate_value_length("tag", t.key, t.value, kMaxTagValueLength);
  }
  db_->write([&](Connection& c) {
    require_active(c, model_id);
    for (const Tag& t : tags) {
      auto q = c.query("INSERT OR REPLACE INTO logged_model_tags (model_id, key, value) VALUES (?, ?, ?)");
      q.bind(1, model_id).bind(2, t.key).bind(3, t.value).run();
    }
    touch(c, model_id);
  });
}

void TrackingStore::delete_logged_model_tag(const std::string& model_id, const std::string& key) {
  db_->write([&](Connection& c) {
    require_active(c, model_id);
    auto q = c.query("DELETE FROM logged_model_tags WHERE model_id = ? AND key = ?");
    q.bind(1, model_id).bind(2, key).run();
    if (c.changes() == 0) throw Error::not_found("no tag '" + key + "' on logged model '" + model_id + "'");
    touch(c, model_id);
  });
}

void TrackingStore::log_logged_model_params(const std::string& model_id, const std::vector<Param>& params) {
  for (const Param& p : params) {
    detail::validate_key("param", p.key);
    detail::validate_value_length("param", p.key, p.value, kMaxParamValueLength);
  }
  db_->write([&](Connection& c) {
    require_active(c, model_id);
    for (const Param& p : params) {
      auto old = c.query("SELECT value FROM logged_model_params WHERE model_id = ? AND key = ?");
      old.bind(1, model_id).bind(2, p.key);
      if (old.step()) {
        if (old.text(0) == p.value) continue;
        throw Error::invalid_input("changing param values is not allowed: param '" + p.key + "' of logged model '" +
                                   model_id + "' has value '" + old.text(0) + "', new value '" + p.value + "'");
      }
      auto q = c.query("INSERT INTO logged_model_params (model_id, key, value) VALUES (?, ?, ?)");
      q.bind(1, model_id).bind(2, p.key).bind(3, p.value).run();
    }
    touch(c, model_id);
  });
}

void TrackingStore::delete_logged_model(const std::string& model_id) {
  db_->write([&](Connection& c) {
    require_active(c, model_id);
    auto q = c.query("UPDATE logged_models SET lifecycle_stage = 'deleted', last_updated_time = ? WHERE model_id = ?");
    q.bind(1, now_millis()).bind(2, model_id).run();
  });
}

void TrackingStore::upload_logged_model_artifacts(const std::string& model_id, const std::string& local_dir) {
  const LoggedModel model = get_logged_model(model_id);
  detail::copy_tree(local_dir, local_path_for_uri(model.artifact_location));
}

Page<LoggedModel> TrackingStore::search_logged_models(const LoggedModelSearch& search) {
  using namespace search;
  if (search.experiment_ids.empty())
    throw Error::invalid_input("search_logged_models needs at least one experiment id");
  if (search.max_results < 1 || search.max_results > 50000)
    throw Error::invalid_input("max_results must be between 1 and 50000, got " + std::to_string(search.max_results));
  const auto clauses = parse_filter(search.filter, SearchKind::kLoggedModels);
  const int64_t offset = parse_page_token(search.page_token);
  std::vector<SqlValue> params;
  std::string joins, where = "m.lifecycle_stage = 'active' AND m.experiment_id IN (";
  std::vector<SqlValue> join_params;
  for (size_t i = 0; i < search.experiment_ids.size(); ++i) {
    where += i ? ", ?" : "?";
    int64_t id = -1;
    const std::string& s = search.experiment_ids[i];
    std::from_chars(s.data(), s.data() + s.size(), id);
    params.push_back(id);
  }
  where += ")";
  int n = 0;
  for (const Clause& cl : clauses) {
    const std::string a = "f" + std::to_string(n++);
    std::string column;
    switch (cl.type) {
      case EntityType::kMetric:
        where += " AND EXISTS (SELECT 1 FROM logged_model_metrics " + a + " WHERE " + a +
                 ".model_id = m.model_id AND " + a + ".key = ? AND " + a + ".is_nan = 0 AND " + a + ".value " +
                 sql_operator(cl.op) + " ?)";
        params.push_back(cl.key);
        params.push_back(cl.number);
        continue;
      case EntityType::kParam:
      case EntityType::kTag: {
        const char* table = cl.type == EntityType::kParam ? "logged_model_params" : "logged_model_tags";
        if (cl.op == Comparator::kIsNull || cl.op == Comparator::kIsNotNull) {
          where += std::string(" AND ") + (cl.op == Comparator::kIsNull ? "NOT " : "") + "EXISTS (SELECT 1 FROM " +
                   table + " x WHERE x.model_id = m.model_id AND x.key = ?)";
          params.push_back(cl.key);
          continue;
        }
        joins += std::string(" JOIN ") + table + " " + a + " ON " + a + ".model_id = m.model_id AND " + a + ".key = ?";
        join_params.push_back(cl.key);
        column = a + ".value";
        break;
      }
      default:
        if (cl.key == "creation_timestamp")
          column = "m.creation_time";
        else if (cl.key == "last_updated_timestamp")
          column = "m.last_updated_time";
        else
          column = "m." + cl.key;
        break;
    }
    std::string text = cl.text;
    if (cl.key == "status" && cl.type == EntityType::kAttribute) {
      if (auto s = parse_logged_model_status(text)) text = to_string(*s);
    }
    if (cl.op == Comparator::kILike) {
      where += " AND lower(" + column + ") LIKE lower(?)";
      params.push_back(text);
    } else if (cl.op == Comparator::kIn || cl.op == Comparator::kNotIn) {
      where += " AND " + column + (cl.op == Comparator::kIn ? " IN (" : " NOT IN (");
      for (size_t i = 0; i < cl.list.size(); ++i) {
        where += i ? ", ?" : "?";
        params.push_back(cl.list[i]);
      }
      where += ")";
    } else {
      where += " AND " + column + " " + sql_operator(cl.op) + " ?";
      if (cl.numeric)
        params.push_back(static_cast<int64_t>(cl.number));
      else
        params.push_back(text);
    }
  }
  std::string order;
  std::vector<SqlValue> order_params;
  for (const LoggedModelOrder& o : search.order_by) {
    const char* dir = o.ascending ? " ASC" : " DESC";
    if (o.field_name.rfind("metrics.", 0) == 0) {
      order +=
          "(SELECT x.value FROM logged_model_metrics x WHERE x.model_id = m.model_id AND x.key = ? ORDER BY "
          "x.step DESC, x.timestamp DESC LIMIT 1) IS NULL, (SELECT x.value FROM logged_model_metrics x WHERE "
          "x.model_id = m.model_id AND x.key = ? ORDER BY x.step DESC, x.timestamp DESC LIMIT 1)" +
          std::string(dir) + ", ";
      order_params.push_back(o.field_name.substr(8));
      order_params.push_back(o.field_name.substr(8));
      continue;
    }
    std::string column;
    if (o.field_name == "creation_timestamp" || o.field_name == "creation_time")
      column = "m.creation_time";
    else if (o.field_name == "last_updated_timestamp")
      column = "m.last_updated_time";
    else if (o.field_name == "name" || o.field_name == "model_id" || o.field_name == "experiment_id")
      column = "m." + o.field_name;
    else
      throw Error::invalid_input("cannot order logged models by '" + o.field_name + "'",
                                 "use creation_timestamp, last_updated_timestamp, name, model_id or metrics.<key>");
    order += column + dir + ", ";
  }
  order += "m.creation_time DESC, m.model_id ASC";
  const std::string sql_text =
      "SELECT m.model_id FROM logged_models m" + joins + " WHERE " + where + " ORDER BY " + order + " LIMIT ? OFFSET ?";
  return db_->read([&](Connection& c) {
    auto q = c.prepare(sql_text);
    std::vector<SqlValue> all = join_params;
    all.insert(all.end(), params.begin(), params.end());
    all.insert(all.end(), order_params.begin(), order_params.end());
    all.push_back(search.max_results + 1);
    all.push_back(offset);
    detail::bind_all(q, all);
    std::vector<std::string> ids;
    while (q.step()) ids.push_back(q.text(0));
    Page<LoggedModel> page;
    if (static_cast<int64_t>(ids.size()) > search.max_results) {
      ids.pop_back();
      page.next_page_token = make_page_token(offset + search.max_results);
    }
    for (const auto& id : ids) page.items.push_back(load_logged_model(c, id, false));
    return page;
  });
}

}  // namespace bullion::tracking
