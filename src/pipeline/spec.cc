#include "bullion/pipeline/spec.h"

#include <yaml-cpp/yaml.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include <cstdio>
#include <set>

#include "bullion/core/error.h"
#include "bullion/core/fs.h"
#include "bullion/expr/binder.h"

namespace bullion::pipeline {

std::string SpecPos::to_string() const { return file + ":" + std::to_string(line) + ":" + std::to_string(column); }

std::string_view violation_action_name(ViolationAction a) {
  switch (a) {
    case ViolationAction::kWarn:
      return "warn";
    case ViolationAction::kDrop:
      return "drop";
    case ViolationAction::kQuarantine:
      return "quarantine";
    case ViolationAction::kFail:
      return "fail";
  }
  return "?";
}

namespace {

class Reader {
 public:
  explicit Reader(std::string file) : file_(std::move(file)) {}

  SpecPos pos(const YAML::Node& n) const {
    const YAML::Mark m = n.Mark();
    if (m.is_null()) return {file_, 0, 0};
    return {file_, m.line + 1, m.column + 1};
  }

  [[noreturn]] void fail(const YAML::Node& n, const std::string& what, const std::string& hint = {}) const {
    throw Error::invalid_input(pos(n).to_string() + ": " + what, hint);
  }

  // Checks that `map` is a mapping with only `allowed` keys and the `required` ones.
  void check_keys(const YAML::Node& map, const std::string& where, const std::vector<std::string>& allowed,
                  const std::vector<std::string>& required) const {
    if (!map.IsMap()) fail(map, where + " must be a mapping of keys to values");
    std::set<std::string> seen;
    for (auto it = map.begin(); it != map.end(); ++it) {
      const std::string key = it->first.as<std::string>();
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        const std::string guess = expr::closest_name(key, allowed);
        std::string list;
        for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
        fail(it->first,
             "unknown key '" + key + "' in " + where + (guess.empty() ? "" : "; did you mean " + guess + "?"),
             "allowed keys: " + list);
      }
      seen.insert(key);
    }
    for (const auto& r : required)
      if (!seen.contains(r)) fail(map, where + " lacks the required key '" + r + "'");
  }

  std::string scalar(const YAML::Node& n, const std::string& what) const {
    if (!n.IsScalar()) fail(n, what + " must be a single value, not a " + (n.IsSequence() ? "list" : "mapping"));
    return n.Scalar();
  }

  std::vector<std::string> string_list(const YAML::Node& n, const std::string& what) const {
    std::vector<std::string> out;
    if (n.IsScalar()) {
      out.push_back(n.Scalar());
      return out;
    }
    if (!n.IsSequence()) fail(n, what + " must be a list such as [customer_id, event_id]");
    for (const auto& item : n) out.push_back(scalar(item, what + " item"));
    if (out.empty()) fail(n, what + " must not be empty");
    return out;
  }

  int64_t integer(const YAML::Node& n, const std::string& what) const {
    const std::string s = scalar(n, what);
    try {
      size_t used = 0;
      const int64_t v = std::stoll(s, &used);
      if (used == s.size()) return v;
    } catch (...) {
    }
    fail(n, what + " must be an integer, not '" + s + "'");
  }

  double number(const YAML::Node& n, const std::string& what) const {
    const std::string s = scalar(n, what);
    try {
      size_t used = 0;
      const double v = std::stod(s, &used);
      if (used == s.size()) return v;
    } catch (...) {
    }
    fail(n, what + " must be a number, not '" + s + "'");
  }

  // An ordered mapping of names to SQL expressions.
  std::vector<SpecExpr> expressions(const YAML::Node& n, const std::string& what) const {
    if (!n.IsMap()) fail(n, what + " must be a mapping of names to SQL expressions");
    std::vector<SpecExpr> out;
    std::set<std::string> names;
    for (auto it = n.begin(); it != n.end(); ++it) {
      const std::string name = it->first.as<std::string>();
      if (!names.insert(name).second) fail(it->first, "'" + name + "' is defined twice in " + what);
      out.push_back({name, scalar(it->second, what + " '" + name + "'"), pos(it->second)});
    }
    return out;
  }

  std::vector<Expectation> expectations(const YAML::Node& n, const std::string& what) const {
    if (!n.IsMap()) fail(n, what + " must be a mapping of rule names to predicates");
    std::vector<Expectation> out;
    for (auto it = n.begin(); it != n.end(); ++it) {
      Expectation e;
      e.name = it->first.as<std::string>();
      const YAML::Node v = it->second;  // a copy: the iterator's pair is a temporary
      if (v.IsScalar()) {
        e.rule = v.Scalar();
        e.pos = pos(v);
      } else {
        check_keys(v, what + " '" + e.name + "'", {"rule", "on_violation"}, {"rule"});
        e.rule = scalar(v["rule"], "rule");
        e.pos = pos(v["rule"]);
        if (v["on_violation"]) {
          const std::string a = scalar(v["on_violation"], "on_violation");
          if (a == "warn")
            e.action = ViolationAction::kWarn;
          else if (a == "drop")
            e.action = ViolationAction::kDrop;
          else if (a == "quarantine")
            e.action = ViolationAction::kQuarantine;
          else if (a == "fail")
            e.action = ViolationAction::kFail;
          else
            fail(v["on_violation"], "on_violation '" + a + "' is not one of warn, drop, quarantine, fail");
        }
      }
      out.push_back(std::move(e));
    }
    return out;
  }

  std::vector<std::pair<std::string, std::string>> string_map(const YAML::Node& n, const std::string& what) const {
    if (!n.IsMap()) fail(n, what + " must be a mapping");
    std::vector<std::pair<std::string, std::string>> out;
    for (auto it = n.begin(); it != n.end(); ++it)
      out.emplace_back(it->first.as<std::string>(), scalar(it->second, what + " value"));
    return out;
  }

 private:
  std::string file_;
};

std::string hex_digest(const std::string& text) {
  const XXH128_hash_t h = XXH3_128bits(text.data(), text.size());
  char buf[40];
  std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(h.high64),
                static_cast<unsigned long long>(h.low64));
  return buf;
}

}  // namespace

PipelineSpec parse_spec(const std::string& text, const std::string& file_name, const std::string& dir) {
  PipelineSpec spec;
  spec.file = file_name;
  spec.dir = dir;
  spec.text = text;
  spec.hash = hex_digest(text);
  Reader r(file_name);
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw Error::invalid_input(file_name + ":" + std::to_string(e.mark.line + 1) + ":" +
                                   std::to_string(e.mark.column + 1) + ": invalid YAML: " + e.msg,
                               "check indentation and quoting around that line");
  }
  if (!root.IsMap())
    throw Error::invalid_input(file_name + ": a pipeline spec must be a YAML mapping",
                               "see examples/churn/pipeline.yaml");
  r.check_keys(root, "the pipeline spec", {"pipeline", "bronze", "silver", "gold", "labels", "train"}, {"pipeline"});
  spec.name = r.scalar(root["pipeline"], "pipeline");

  auto each = [&](const char* layer, auto&& fn) {
    const YAML::Node list = root[layer];
    if (!list) return;
    if (!list.IsSequence())
      r.fail(list, std::string(layer) + " must be a list of tables (each item starts with '- table:')");
    for (const auto& item : list) fn(item);
  };

  each("bronze", [&](const YAML::Node& n) {
    BronzeSpec b;
    r.check_keys(n, "a bronze table", {"table", "source", "metadata", "schema"}, {"table", "source"});
    b.table = r.scalar(n["table"], "table");
    b.pos = r.pos(n);
    const std::string where = "bronze table " + b.table;
    r.check_keys(n["source"], "the source of " + where, {"format", "path"}, {"path"});
    if (n["source"]["format"]) b.format = r.scalar(n["source"]["format"], "source format");
    if (b.format != "json")
      r.fail(n["source"]["format"], "source format '" + b.format + "' is not supported",
             "use format: json (NDJSON files)");
    b.path = r.scalar(n["source"]["path"], "source path");
    if (n["metadata"]) b.metadata = r.string_map(n["metadata"], "metadata of " + where);
    if (n["schema"]) b.schema = r.string_map(n["schema"], "schema of " + where);
    spec.bronze.push_back(std::move(b));
  });

  each("silver", [&](const YAML::Node& n) {
    SilverSpec s;
    r.check_keys(n, "a silver table", {"table", "from", "expect", "dedupe_on", "columns", "expect_output", "merge_on"},
                 {"table", "from", "columns"});
    s.table = r.scalar(n["table"], "table");
    s.pos = r.pos(n);
    const std::string where = "silver table " + s.table;
    s.from = r.scalar(n["from"], "from");
    if (n["expect"]) s.expect = r.expectations(n["expect"], "expect of " + where);
    if (n["dedupe_on"]) s.dedupe_on = r.string_list(n["dedupe_on"], "dedupe_on");
    s.columns = r.expressions(n["columns"], "columns of " + where);
    if (n["expect_output"]) s.expect_output = r.expectations(n["expect_output"], "expect_output of " + where);
    if (n["merge_on"]) s.merge_on = r.string_list(n["merge_on"], "merge_on");
    spec.silver.push_back(std::move(s));
  });

  each("gold", [&](const YAML::Node& n) {
    GoldSpec g;
    r.check_keys(n, "a gold table",
                 {"table", "from", "entity", "event_time", "partition_by", "aggregations", "derived", "optimize"},
                 {"table", "from", "entity", "event_time", "aggregations"});
    g.table = r.scalar(n["table"], "table");
    g.pos = r.pos(n);
    const std::string where = "gold table " + g.table;
    g.from = r.scalar(n["from"], "from");
    g.entity = r.scalar(n["entity"], "entity");
    g.event_time = r.scalar(n["event_time"], "event_time");
    if (n["partition_by"]) g.partition_by = r.scalar(n["partition_by"], "partition_by");
    g.aggregations = r.expressions(n["aggregations"], "aggregations of " + where);
    if (n["derived"]) g.derived = r.expressions(n["derived"], "derived columns of " + where);
    if (n["optimize"]) {
      r.check_keys(n["optimize"], "optimize of " + where, {"zorder_by"}, {});
      if (n["optimize"]["zorder_by"]) g.zorder_by = r.string_list(n["optimize"]["zorder_by"], "zorder_by");
    }
    spec.gold.push_back(std::move(g));
  });

  each("labels", [&](const YAML::Node& n) {
    LabelsSpec l;
    r.check_keys(n, "a labels table",
                 {"table", "from", "features", "entity", "event_time", "label", "positive_when", "horizon_days"},
                 {"table", "from", "features", "entity", "event_time", "positive_when"});
    l.table = r.scalar(n["table"], "table");
    l.pos = r.pos(n);
    l.from = r.scalar(n["from"], "from");
    l.features = r.scalar(n["features"], "features");
    l.entity = r.scalar(n["entity"], "entity");
    l.event_time = r.scalar(n["event_time"], "event_time");
    if (n["label"]) l.label = r.scalar(n["label"], "label");
    l.positive_when = {"positive_when", r.scalar(n["positive_when"], "positive_when"), r.pos(n["positive_when"])};
    if (n["horizon_days"]) {
      const int64_t h = r.integer(n["horizon_days"], "horizon_days");
      if (h < 1 || h > 3650)
        r.fail(n["horizon_days"], "horizon_days must be between 1 and 3650, not " + std::to_string(h));
      l.horizon_days = static_cast<int>(h);
    }
    spec.labels.push_back(std::move(l));
  });

  if (const YAML::Node t = root["train"]) {
    TrainSpec train;
    train.pos = r.pos(t);
    r.check_keys(t, "train", {"experiment", "features", "labels", "feature_columns", "model", "split", "register_as"},
                 {"experiment", "features", "labels", "feature_columns", "model"});
    train.experiment = r.scalar(t["experiment"], "experiment");
    train.features = r.scalar(t["features"], "features");
    train.labels = r.scalar(t["labels"], "labels");
    train.feature_columns = r.string_list(t["feature_columns"], "feature_columns");
    r.check_keys(t["model"], "train.model", {"type", "params"}, {"type"});
    train.model_type = r.scalar(t["model"]["type"], "model type");
    if (train.model_type != "gbm_classifier")
      r.fail(t["model"]["type"], "model type '" + train.model_type + "' is not supported", "use type: gbm_classifier");
    if (t["model"]["params"]) train.model_params = r.string_map(t["model"]["params"], "model params");
    if (const YAML::Node s = t["split"]) {
      r.check_keys(s, "train.split", {"test_size", "seed", "by", "test_dates"}, {});
      if (s["test_size"]) {
        train.test_size = r.number(s["test_size"], "test_size");
        if (!(train.test_size > 0 && train.test_size < 1))
          r.fail(s["test_size"], "test_size must be between 0 and 1 (exclusive)");
      }
      if (s["seed"]) train.seed = r.integer(s["seed"], "seed");
      if (s["by"]) train.split_by = r.scalar(s["by"], "split by");
      if (s["test_dates"]) {
        train.test_dates = static_cast<int>(r.integer(s["test_dates"], "test_dates"));
        if (train.test_dates < 1) r.fail(s["test_dates"], "test_dates must be at least 1");
      }
    }
    if (t["register_as"]) train.register_as = r.scalar(t["register_as"], "register_as");
    spec.train = std::move(train);
  }
  return spec;
}

PipelineSpec load_spec(const std::string& path) {
  FileSystem& fs = FileSystem::local();
  if (!fs.exists(path))
    throw Error::not_found("pipeline spec '" + path + "' does not exist", "pass the path of a pipeline YAML file");
  std::string dir = parent_path(path);
  if (dir.empty()) dir = ".";
  return parse_spec(fs.read_all(path), path, dir);
}

}  // namespace bullion::pipeline
