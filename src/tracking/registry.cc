// The model registry: registered models, versions, stages, aliases, tags and
// the history of every transition. Every write is durable on return.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>
#include <regex>

#include "bullion/tracking/store.h"
#include "tracking/search.h"
#include "tracking/store_internal.h"

namespace bullion::tracking {

using detail::SqlValue;
using sql::Connection;
using sql::Durability;

namespace {

constexpr const char* kStages[] = {"None", "Staging", "Production", "Archived"};

std::string resolve_user(const std::string& user) { return user.empty() ? current_user() : user; }

void require_model(Connection& c, const std::string& name) {
  auto q = c.query("SELECT 1 FROM registered_models WHERE name = ?");
  q.bind(1, name);
  if (!q.step())
    throw Error::not_found("registered model '" + name + "' not found", "list models with 'bullion models list'");
}

void touch_model(Connection& c, const std::string& name, int64_t now) {
  auto q = c.query("UPDATE registered_models SET last_updated_time = ? WHERE name = ?");
  q.bind(1, now).bind(2, name).run();
}

void record(Connection& c, const std::string& name, int64_t version, const std::string& kind, const std::string& alias,
            const std::string& from, const std::string& to, const std::string& user, int64_t now) {
  auto q = c.query(
      "INSERT INTO registry_history (name, version, kind, alias, from_value, to_value, user_id, timestamp) VALUES "
      "(?, ?, ?, ?, ?, ?, ?, ?)");
  q.bind(1, name)
      .bind(2, version)
      .bind(3, kind)
      .bind(4, alias)
      .bind(5, from)
      .bind(6, to)
      .bind(7, user)
      .bind(8, now)
      .run();
}

constexpr const char* kVersionColumns =
    "name, version, creation_time, last_updated_time, description, user_id, current_stage, source, storage_location, "
    "run_id, run_link, model_id, status, status_message";

constexpr const char* kPrefixedVersionColumns =
    "v.name, v.version, v.creation_time, v.last_updated_time, v.description, v.user_id, v.current_stage, v.source, "
    "v.storage_location, v.run_id, v.run_link, v.model_id, v.status, v.status_message";

ModelVersion read_version(Connection& c, const sql::Statement& q) {
  ModelVersion v;
  v.name = q.text(0);
  v.version = q.int64(1);
  v.creation_timestamp = q.int64(2);
  v.last_updated_timestamp = q.int64(3);
  v.description = q.text(4);
  v.user_id = q.text(5);
  v.current_stage = q.text(6);
  v.source = q.text(7);
  v.storage_location = q.text(8);
  v.run_id = q.text(9);
  v.run_link = q.text(10);
  v.model_id = q.text(11);
  const std::string status = q.text(12);
  v.status = status == "PENDING_REGISTRATION"  ? ModelVersionStatus::kPendingRegistration
             : status == "FAILED_REGISTRATION" ? ModelVersionStatus::kFailedRegistration
                                               : ModelVersionStatus::kReady;
  v.status_message = q.text(13);
  {
    auto t = c.query("SELECT key, value FROM model_version_tags WHERE name = ? AND version = ? ORDER BY key");
    t.bind(1, v.name).bind(2, v.version);
    while (t.step()) v.tags.push_back({t.text(0), t.text(1)});
  }
  {
    auto a = c.query("SELECT alias FROM registered_model_aliases WHERE name = ? AND version = ? ORDER BY alias");
    a.bind(1, v.name).bind(2, v.version);
    while (a.step()) v.aliases.push_back(a.text(0));
  }
  return v;
}

ModelVersion load_version(Connection& c, const std::string& name, int64_t version) {
  auto q = c.query(std::string("SELECT ") + kVersionColumns + " FROM model_versions WHERE name = ? AND version = ?");
  q.bind(1, name).bind(2, version);
  if (!q.step()) {
    require_model(c, name);
    throw Error::not_found("version " + std::to_string(version) + " of registered model '" + name + "' not found",
                           "list versions with 'bullion models show " + name + "'");
  }
  return read_version(c, q);
}

std::vector<ModelVersion> latest_versions(Connection& c, const std::string& name,
                                          const std::vector<std::string>& stages) {
  std::vector<ModelVersion> out;
  auto q = c.query(std::string("SELECT ") + kVersionColumns +
                   " FROM model_versions v WHERE name = ? AND version = (SELECT MAX(version) FROM model_versions w "
                   "WHERE w.name = v.name AND w.current_stage = v.current_stage) ORDER BY current_stage");
  q.bind(1, name);
  while (q.step()) {
    ModelVersion v = read_version(c, q);
    if (stages.empty() || std::find(stages.begin(), stages.end(), v.current_stage) != stages.end())
      out.push_back(std::move(v));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.version < b.version; });
  return out;
}

RegisteredModel load_model(Connection& c, const std::string& name) {
  auto q = c.query(
      "SELECT name, creation_time, last_updated_time, description, user_id FROM registered_models WHERE name = ?");
  q.bind(1, name);
  if (!q.step())
    throw Error::not_found("registered model '" + name + "' not found", "list models with 'bullion models list'");
  RegisteredModel m;
  m.name = q.text(0);
  m.creation_timestamp = q.int64(1);
  m.last_updated_timestamp = q.int64(2);
  m.description = q.text(3);
  m.user_id = q.text(4);
  {
    auto t = c.query("SELECT key, value FROM registered_model_tags WHERE name = ? ORDER BY key");
    t.bind(1, name);
    while (t.step()) m.tags.push_back({t.text(0), t.text(1)});
  }
  {
    auto a = c.query("SELECT alias, version FROM registered_model_aliases WHERE name = ? ORDER BY alias");
    a.bind(1, name);
    while (a.step()) m.aliases.push_back({a.text(0), a.int64(1)});
  }
  m.latest_versions = latest_versions(c, name, {});
  return m;
}

}  // namespace

std::string TrackingStore::canonical_stage(std::string_view stage) {
  for (const char* s : kStages) {
    const std::string_view candidate(s);
    if (candidate.size() != stage.size()) continue;
    bool same = true;
    for (size_t i = 0; i < stage.size() && same; ++i)
      same = std::tolower(static_cast<unsigned char>(stage[i])) == std::tolower(static_cast<unsigned char>(s[i]));
    if (same) return s;
  }
  throw Error::invalid_input("invalid model version stage '" + std::string(stage) + "'",
                             "stages are None, Staging, Production and Archived (any capitalisation)");
}

void TrackingStore::validate_alias(std::string_view alias) {
  if (alias.empty()) throw Error::invalid_input("registered model alias name cannot be empty");
  for (unsigned char c : alias)
    if (!(std::isalnum(c) || c == '_' || c == '-' || c >= 0x80))
      throw Error::invalid_input("invalid alias name '" + std::string(alias) + "'",
                                 "names may only contain alphanumerics, underscores (_), and dashes (-)");
  if (alias.size() > 255) throw Error::invalid_input("alias name is longer than 255 characters");
  std::string lower(alias);
  for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (lower == "latest") throw Error::invalid_input("'latest' alias name (case insensitive) is reserved");
  if ((alias[0] == 'v' || alias[0] == 'V') && alias.size() > 1 &&
      std::all_of(alias.begin() + 1, alias.end(), [](unsigned char c) { return std::isdigit(c); }))
    throw Error::invalid_input("version alias name '" + std::string(alias) + "' is reserved",
                               "aliases of the form v<digits> would shadow version references");
}

RegisteredModel TrackingStore::create_registered_model(const std::string& name, const std::string& description,
                                                       const std::vector<Tag>& tags, const std::string& user_id) {
  detail::validate_model_name(name);
  for (const Tag& t : tags) {
    detail::validate_key("tag", t.key);
    detail::validate_value_length("tag", t.key, t.value, kMaxTagValueLength);
  }
  const int64_t now = now_millis();
  const std::string user = resolve_user(user_id);
  return db_->write(
      [&](Connection& c) {
        auto exists = c.query("SELECT 1 FROM registered_models WHERE name = ?");
        exists.bind(1, name);
        if (exists.step()) throw Error::conflict("Registered Model (name=" + name + ") already exists.");
        auto q = c.query(
            "INSERT INTO registered_models (name, creation_time, last_updated_time, description, user_id) VALUES (?, "
            "?, ?, ?, ?)");
        q.bind(1, name).bind(2, now).bind(3, now).bind(4, description).bind(5, user).run();
        for (const Tag& t : tags) {
          auto tq = c.query("INSERT OR REPLACE INTO registered_model_tags (name, key, value) VALUES (?, ?, ?)");
          tq.bind(1, name).bind(2, t.key).bind(3, t.value).run();
        }
        return load_model(c, name);
      },
      Durability::kFull);
}

RegisteredModel TrackingStore::get_registered_model(const std::string& name) {
  return db_->read([&](Connection& c) { return load_model(c, name); });
}

bool TrackingStore::registered_model_exists(const std::string& name) {
  return db_->read([&](Connection& c) {
    auto q = c.query("SELECT 1 FROM registered_models WHERE name = ?");
    q.bind(1, name);
    return q.step();
  });
}

RegisteredModel TrackingStore::rename_registered_model(const std::string& name, const std::string& new_name) {
  detail::validate_model_name(new_name);
  return db_->write(
      [&](Connection& c) {
        require_model(c, name);
        auto dup = c.query("SELECT 1 FROM registered_models WHERE name = ?");
        dup.bind(1, new_name);
        if (dup.step()) throw Error::conflict("Registered Model (name=" + new_name + ") already exists.");
        for (const char* table : {"registered_models", "registered_model_tags", "model_versions", "model_version_tags",
                                  "registered_model_aliases", "registry_history"}) {
          auto q = c.query(std::string("UPDATE ") + table + " SET name = ? WHERE name = ?");
          q.bind(1, new_name).bind(2, name).run();
        }
        touch_model(c, new_name, now_millis());
        return load_model(c, new_name);
      },
      Durability::kFull);
}

RegisteredModel TrackingStore::update_registered_model(const std::string& name, const std::string& description) {
  return db_->write(
      [&](Connection& c) {
        require_model(c, name);
        auto q = c.query("UPDATE registered_models SET description = ?, last_updated_time = ? WHERE name = ?");
        q.bind(1, description).bind(2, now_millis()).bind(3, name).run();
        return load_model(c, name);
      },
      Durability::kFull);
}

void TrackingStore::delete_registered_model(const std::string& name) {
  db_->write(
      [&](Connection& c) {
        require_model(c, name);
        for (const char* table : {"registered_models", "registered_model_tags", "model_versions", "model_version_tags",
                                  "registered_model_aliases"}) {
          auto q = c.query(std::string("DELETE FROM ") + table + " WHERE name = ?");
          q.bind(1, name).run();
        }
        record(c, name, 0, "model_deleted", "", "", "", current_user(), now_millis());
      },
      Durability::kFull);
}

Page<RegisteredModel> TrackingStore::search_registered_models(const std::string& filter, int64_t max_results,
                                                              const std::vector<std::string>& order_by,
                                                              const std::string& page_token) {
  using namespace search;
  if (max_results < 1 || max_results > 1000)
    throw Error::invalid_input("max_results must be between 1 and 1000, got " + std::to_string(max_results));
  const auto clauses = parse_filter(filter, SearchKind::kRegisteredModels);
  const int64_t offset = parse_page_token(page_token);
  std::string joins, where = "1 = 1";
  std::vector<SqlValue> join_params, params;
  int n = 0;
  for (const Clause& cl : clauses) {
    std::string column = "m.name";
    if (cl.type == EntityType::kTag) {
      const std::string a = "t" + std::to_string(n++);
      if (cl.op == Comparator::kIsNull || cl.op == Comparator::kIsNotNull) {
        where += std::string(" AND ") + (cl.op == Comparator::kIsNull ? "NOT " : "") +
                 "EXISTS (SELECT 1 FROM registered_model_tags x WHERE x.name = m.name AND x.key = ?)";
        params.push_back(cl.key);
        continue;
      }
      joins += " JOIN registered_model_tags " + a + " ON " + a + ".name = m.name AND " + a + ".key = ?";
      join_params.push_back(cl.key);
      column = a + ".value";
    }
    if (cl.op == Comparator::kILike)
      where += " AND lower(" + column + ") LIKE lower(?)";
    else
      where += " AND " + column + " " + sql_operator(cl.op) + " ?";
    params.push_back(cl.text);
  }
  std::string order;
  for (const auto& o : order_by) {
    const OrderBy ob = parse_order_by(o, SearchKind::kRegisteredModels);
    const std::string column = ob.key == "name"                 ? "m.name"
                               : ob.key == "creation_timestamp" ? "m.creation_time"
                                                                : "m.last_updated_time";
    order += column + (ob.ascending ? " ASC, " : " DESC, ");
  }
  order += "m.name ASC";
  const std::string sql_text =
      "SELECT m.name FROM registered_models m" + joins + " WHERE " + where + " ORDER BY " + order + " LIMIT ? OFFSET ?";
  return db_->read([&](Connection& c) {
    auto q = c.prepare(sql_text);
    std::vector<SqlValue> all = join_params;
    all.insert(all.end(), params.begin(), params.end());
    all.push_back(max_results + 1);
    all.push_back(offset);
    detail::bind_all(q, all);
    std::vector<std::string> names;
    while (q.step()) names.push_back(q.text(0));
    Page<RegisteredModel> page;
    if (static_cast<int64_t>(names.size()) > max_results) {
      names.pop_back();
      page.next_page_token = make_page_token(offset + max_results);
    }
    for (const auto& name : names) page.items.push_back(load_model(c, name));
    return page;
  });
}

void TrackingStore::set_registered_model_tag(const std::string& name, const std::string& key,
                                             const std::string& value) {
  detail::validate_key("tag", key);
  detail::validate_value_length("tag", key, value, kMaxTagValueLength);
  db_->write(
      [&](Connection& c) {
        require_model(c, name);
        auto q = c.query("INSERT OR REPLACE INTO registered_model_tags (name, key, value) VALUES (?, ?, ?)");
        q.bind(1, name).bind(2, key).bind(3, value).run();
        touch_model(c, name, now_millis());
      },
      Durability::kFull);
}

void TrackingStore::delete_registered_model_tag(const std::string& name, const std::string& key) {
  db_->write(
      [&](Connection& c) {
        require_model(c, name);
        auto q = c.query("DELETE FROM registered_model_tags WHERE name = ? AND key = ?");
        q.bind(1, name).bind(2, key).run();
        if (c.changes() == 0) throw Error::not_found("no tag '" + key + "' on registered model '" + name + "'");
        touch_model(c, name, now_millis());
      },
      Durability::kFull);
}

std::vector<ModelVersion> TrackingStore::get_latest_versions(const std::string& name,
                                                             const std::vector<std::string>& stages) {
  std::vector<std::string> canonical;
  for (const auto& s : stages) canonical.push_back(canonical_stage(s));
  return db_->read([&](Connection& c) {
    require_model(c, name);
    return latest_versions(c, name, canonical);
  });
}

ModelVersion TrackingStore::create_model_version(const std::string& name, const CreateModelVersionOptions& options) {
  detail::validate_model_name(name);
  for (const Tag& t : options.tags) {
    detail::validate_key("tag", t.key);
    detail::validate_value_length("tag", t.key, t.value, kMaxTagValueLength);
  }
  if (options.source.empty() && options.model_id.empty())
    throw Error::invalid_input("a model version needs a source (e.g. models:/<model_id> or runs:/<run_id>/<path>)");
  const int64_t now = now_millis();
  const std::string user = resolve_user(options.user_id);
  return db_->write(
      [&](Connection& c) {
        require_model(c, name);
        std::string source = options.source;
        std::string run_id = options.run_id;
        std::string model_id = options.model_id;
        std::string storage;
        static constexpr std::string_view kModels = "models:/";
        static constexpr std::string_view kRuns = "runs:/";
        if (source.empty()) source = "models:/" + model_id;
        if (source.rfind(kModels, 0) == 0) {
          const std::string rest = source.substr(kModels.size());
          if (rest.rfind("m-", 0) == 0 && rest.find('/') == std::string::npos) {
            auto q = c.query("SELECT artifact_location, source_run_id FROM logged_models WHERE model_id = ?");
            q.bind(1, rest);
            if (!q.step()) throw Error::not_found("logged model '" + rest + "' (source '" + source + "') not found");
            storage = q.text(0);
            if (run_id.empty()) run_id = q.text(1);
            if (model_id.empty()) model_id = rest;
          } else {
            const size_t slash = rest.rfind('/');
            int64_t version = 0;
            if (slash != std::string::npos) {
              const std::string v = rest.substr(slash + 1);
              std::from_chars(v.data(), v.data() + v.size(), version);
            }
            if (slash == std::string::npos || version <= 0)
              throw Error::invalid_input("unsupported model version source '" + source + "'",
                                         "use models:/<model_id>, models:/<name>/<version> or runs:/<run_id>/<path>");
            const ModelVersion other = load_version(c, rest.substr(0, slash), version);
            storage = other.storage_location.empty() ? other.source : other.storage_location;
            if (model_id.empty()) model_id = other.model_id;
          }
        } else if (source.rfind(kRuns, 0) == 0) {
          const std::string rest = source.substr(kRuns.size());
          const size_t slash = rest.find('/');
          const std::string source_run = rest.substr(0, slash);
          const std::string path = slash == std::string::npos ? "" : rest.substr(slash + 1);
          validate_artifact_path(path);
          const detail::RunRow row = detail::load_run_row(c, source_run);
          storage = path.empty() ? row.info.artifact_uri : row.info.artifact_uri + "/" + path;
          if (run_id.empty()) run_id = source_run;
        } else {
          storage = source;
        }
        if (!model_id.empty()) {
          auto q = c.query("SELECT 1 FROM logged_models WHERE model_id = ?");
          q.bind(1, model_id);
          if (!q.step()) throw Error::not_found("logged model '" + model_id + "' not found");
        }
        if (!run_id.empty()) detail::load_run_row(c, run_id);
        auto bump = c.query(
            "UPDATE registered_models SET last_version = last_version + 1, last_updated_time = ? WHERE name = ? "
            "RETURNING last_version");
        bump.bind(1, now).bind(2, name);
        bump.step();
        const int64_t version = bump.int64(0);
        while (bump.step()) {
        }
        auto ins = c.query(
            "INSERT INTO model_versions (name, version, creation_time, last_updated_time, description, user_id, "
            "current_stage, source, storage_location, run_id, run_link, model_id, status) VALUES (?, ?, ?, ?, ?, ?, "
            "'None', ?, ?, ?, ?, ?, 'READY')");
        ins.bind(1, name).bind(2, version).bind(3, now).bind(4, now).bind(5, options.description).bind(6, user);
        ins.bind(7, source).bind(8, storage).bind(9, run_id).bind(10, options.run_link).bind(11, model_id).run();
        for (const Tag& t : options.tags) {
          auto tq =
              c.query("INSERT OR REPLACE INTO model_version_tags (name, version, key, value) VALUES (?, ?, ?, ?)");
          tq.bind(1, name).bind(2, version).bind(3, t.key).bind(4, t.value).run();
        }
        record(c, name, version, "version_created", "", "", "None", user, now);
        return load_version(c, name, version);
      },
      Durability::kFull);
}

ModelVersion TrackingStore::get_model_version(const std::string& name, int64_t version) {
  return db_->read([&](Connection& c) { return load_version(c, name, version); });
}

ModelVersion TrackingStore::update_model_version(const std::string& name, int64_t version,
                                                 const std::string& description) {
  return db_->write(
      [&](Connection& c) {
        load_version(c, name, version);
        const int64_t now = now_millis();
        auto q =
            c.query("UPDATE model_versions SET description = ?, last_updated_time = ? WHERE name = ? AND version = ?");
        q.bind(1, description).bind(2, now).bind(3, name).bind(4, version).run();
        return load_version(c, name, version);
      },
      Durability::kFull);
}

void TrackingStore::delete_model_version(const std::string& name, int64_t version) {
  db_->write(
      [&](Connection& c) {
        const ModelVersion v = load_version(c, name, version);
        const int64_t now = now_millis();
        const std::string user = current_user();
        for (const std::string& alias : v.aliases)
          record(c, name, version, "alias_deleted", alias, std::to_string(version), "", user, now);
        for (const char* table : {"model_versions", "model_version_tags", "registered_model_aliases"}) {
          auto q = c.query(std::string("DELETE FROM ") + table + " WHERE name = ? AND version = ?");
          q.bind(1, name).bind(2, version).run();
        }
        record(c, name, version, "version_deleted", "", v.current_stage, "", user, now);
        touch_model(c, name, now);
      },
      Durability::kFull);
}

Page<ModelVersion> TrackingStore::search_model_versions(const std::string& filter, int64_t max_results,
                                                        const std::vector<std::string>& order_by,
                                                        const std::string& page_token) {
  using namespace search;
  if (max_results < 1 || max_results > 200000)
    throw Error::invalid_input("max_results must be between 1 and 200000, got " + std::to_string(max_results));
  const auto clauses = parse_filter(filter, SearchKind::kModelVersions);
  const int64_t offset = parse_page_token(page_token);
  std::string joins, where = "1 = 1";
  std::vector<SqlValue> join_params, params;
  int n = 0;
  for (const Clause& cl : clauses) {
    std::string column;
    if (cl.type == EntityType::kTag) {
      const std::string a = "t" + std::to_string(n++);
      if (cl.op == Comparator::kIsNull || cl.op == Comparator::kIsNotNull) {
        where += std::string(" AND ") + (cl.op == Comparator::kIsNull ? "NOT " : "") +
                 "EXISTS (SELECT 1 FROM model_version_tags x WHERE x.name = v.name AND x.version = v.version AND "
                 "x.key = ?)";
        params.push_back(cl.key);
        continue;
      }
      joins += " JOIN model_version_tags " + a + " ON " + a + ".name = v.name AND " + a + ".version = v.version AND " +
               a + ".key = ?";
      join_params.push_back(cl.key);
      column = a + ".value";
    } else if (cl.key == "source_path") {
      column = "v.source";
    } else if (cl.key == "version_number") {
      column = "v.version";
    } else {
      column = "v." + cl.key;
    }
    if (cl.op == Comparator::kILike) {
      where += " AND lower(" + column + ") LIKE lower(?)";
      params.push_back(cl.text);
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
        params.push_back(cl.text);
    }
  }
  std::string order;
  for (const auto& o : order_by) {
    const OrderBy ob = parse_order_by(o, SearchKind::kModelVersions);
    const std::string column = ob.key == "name"                 ? "v.name"
                               : ob.key == "version_number"     ? "v.version"
                               : ob.key == "creation_timestamp" ? "v.creation_time"
                                                                : "v.last_updated_time";
    order += column + (ob.ascending ? " ASC, " : " DESC, ");
  }
  order += "v.name ASC, v.version DESC";
  const std::string sql_text = std::string("SELECT ") + kPrefixedVersionColumns + " FROM model_versions v" + joins +
                               " WHERE " + where + " ORDER BY " + order + " LIMIT ? OFFSET ?";
  return db_->read([&](Connection& c) {
    auto q = c.prepare(sql_text);
    std::vector<SqlValue> all = join_params;
    all.insert(all.end(), params.begin(), params.end());
    all.push_back(max_results + 1);
    all.push_back(offset);
    detail::bind_all(q, all);
    Page<ModelVersion> page;
    while (q.step()) page.items.push_back(read_version(c, q));
    if (static_cast<int64_t>(page.items.size()) > max_results) {
      page.items.pop_back();
      page.next_page_token = make_page_token(offset + max_results);
    }
    return page;
  });
}

void TrackingStore::set_model_version_tag(const std::string& name, int64_t version, const std::string& key,
                                          const std::string& value) {
  detail::validate_key("tag", key);
  detail::validate_value_length("tag", key, value, kMaxTagValueLength);
  db_->write(
      [&](Connection& c) {
        load_version(c, name, version);
        auto q = c.query("INSERT OR REPLACE INTO model_version_tags (name, version, key, value) VALUES (?, ?, ?, ?)");
        q.bind(1, name).bind(2, version).bind(3, key).bind(4, value).run();
      },
      Durability::kFull);
}

void TrackingStore::delete_model_version_tag(const std::string& name, int64_t version, const std::string& key) {
  db_->write(
      [&](Connection& c) {
        load_version(c, name, version);
        auto q = c.query("DELETE FROM model_version_tags WHERE name = ? AND version = ? AND key = ?");
        q.bind(1, name).bind(2, version).bind(3, key).run();
        if (c.changes() == 0)
          throw Error::not_found("no tag '" + key + "' on version " + std::to_string(version) + " of '" + name + "'");
      },
      Durability::kFull);
}

std::string TrackingStore::get_model_version_download_uri(const std::string& name, int64_t version) {
  const ModelVersion v = get_model_version(name, version);
  return v.storage_location.empty() ? v.source : v.storage_location;
}

ModelVersion TrackingStore::transition_model_version_stage(const std::string& name, int64_t version,
                                                           const std::string& stage, bool archive_existing_versions,
                                                           const std::string& user_id) {
  const std::string target = canonical_stage(stage);
  if (archive_existing_versions && target != "Staging" && target != "Production")
    throw Error::invalid_input(
        "archive_existing_versions is only allowed for the Staging and Production stages, "
        "not '" +
        target + "'");
  const std::string user = resolve_user(user_id);
  return db_->write(
      [&](Connection& c) {
        const ModelVersion v = load_version(c, name, version);
        const int64_t now = now_millis();
        if (archive_existing_versions) {
          auto others = c.query(
              "SELECT version FROM model_versions WHERE name = ? AND current_stage = ? AND version != ? ORDER BY "
              "version");
          others.bind(1, name).bind(2, target).bind(3, version);
          std::vector<int64_t> archived;
          while (others.step()) archived.push_back(others.int64(0));
          for (int64_t other : archived) {
            auto u = c.query(
                "UPDATE model_versions SET current_stage = 'Archived', last_updated_time = ? WHERE name = ? AND "
                "version = ?");
            u.bind(1, now).bind(2, name).bind(3, other).run();
            record(c, name, other, "stage", "", target, "Archived", user, now);
          }
        }
        auto u = c.query(
            "UPDATE model_versions SET current_stage = ?, last_updated_time = ? WHERE name = ? AND version = ?");
        u.bind(1, target).bind(2, now).bind(3, name).bind(4, version).run();
        record(c, name, version, "stage", "", v.current_stage, target, user, now);
        touch_model(c, name, now);
        return load_version(c, name, version);
      },
      Durability::kFull);
}

void TrackingStore::set_registered_model_alias(const std::string& name, const std::string& alias, int64_t version,
                                               const std::string& user_id) {
  validate_alias(alias);
  const std::string user = resolve_user(user_id);
  db_->write(
      [&](Connection& c) {
        load_version(c, name, version);
        const int64_t now = now_millis();
        std::string previous;
        auto old = c.query("SELECT version FROM registered_model_aliases WHERE name = ? AND alias = ?");
        old.bind(1, name).bind(2, alias);
        if (old.step()) previous = std::to_string(old.int64(0));
        if (previous == std::to_string(version)) return;
        auto q = c.query("INSERT OR REPLACE INTO registered_model_aliases (name, alias, version) VALUES (?, ?, ?)");
        q.bind(1, name).bind(2, alias).bind(3, version).run();
        record(c, name, version, "alias_set", alias, previous, std::to_string(version), user, now);
        touch_model(c, name, now);
      },
      Durability::kFull);
}

void TrackingStore::delete_registered_model_alias(const std::string& name, const std::string& alias,
                                                  const std::string& user_id) {
  validate_alias(alias);
  const std::string user = resolve_user(user_id);
  db_->write(
      [&](Connection& c) {
        require_model(c, name);
        auto old = c.query("SELECT version FROM registered_model_aliases WHERE name = ? AND alias = ?");
        old.bind(1, name).bind(2, alias);
        if (!old.step()) return;
        const int64_t version = old.int64(0);
        auto q = c.query("DELETE FROM registered_model_aliases WHERE name = ? AND alias = ?");
        q.bind(1, name).bind(2, alias).run();
        const int64_t now = now_millis();
        record(c, name, version, "alias_deleted", alias, std::to_string(version), "", user, now);
        touch_model(c, name, now);
      },
      Durability::kFull);
}

ModelVersion TrackingStore::get_model_version_by_alias(const std::string& name, const std::string& alias) {
  return db_->read([&](Connection& c) {
    require_model(c, name);
    auto q = c.query("SELECT version FROM registered_model_aliases WHERE name = ? AND alias = ?");
    q.bind(1, name).bind(2, alias);
    if (!q.step())
      throw Error::not_found("registered model '" + name + "' has no alias '" + alias + "'",
                             "set one with 'bullion models alias " + name + " " + alias + " VERSION'");
    return load_version(c, name, q.int64(0));
  });
}

std::vector<RegistryEvent> TrackingStore::registry_history(const std::string& name) {
  return db_->read([&](Connection& c) {
    auto q = c.query(
        "SELECT event_id, name, version, kind, alias, from_value, to_value, user_id, timestamp FROM registry_history "
        "WHERE ? = '' OR name = ? ORDER BY event_id");
    q.bind(1, name).bind(2, name);
    std::vector<RegistryEvent> out;
    while (q.step())
      out.push_back(
          {q.int64(0), q.text(1), q.int64(2), q.text(3), q.text(4), q.text(5), q.text(6), q.text(7), q.int64(8)});
    return out;
  });
}

}  // namespace bullion::tracking
