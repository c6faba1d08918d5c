#include "bullion/pipeline/validate.h"

#include <functional>
#include <map>
#include <optional>
#include <set>

#include "bullion/core/error.h"
#include "bullion/core/fs.h"
#include "bullion/delta/catalog.h"
#include "bullion/delta/log.h"
#include "bullion/expr/binder.h"
#include "bullion/formats/json/schema_inference.h"

namespace bullion::pipeline {

std::string ValidationIssue::to_string() const {
  std::string s = pos.to_string() + ": " + message;
  if (!hint.empty()) s += "\n  hint: " + hint;
  return s;
}

namespace {

class Validator {
 public:
  Validator(const PipelineSpec& spec, const std::string& lakehouse) : spec_(spec), lakehouse_(lakehouse) {}

  ValidationReport run() {
    declare_tables();
    check_cycles();
    for (const BronzeSpec& b : spec_.bronze) bronze(b);
    for (const SilverSpec& s : spec_.silver) silver(s);
    for (const GoldSpec& g : spec_.gold) gold(g);
    for (const LabelsSpec& l : spec_.labels) labels(l);
    if (spec_.train) train(*spec_.train);
    return std::move(report_);
  }

 private:
  void error(const SpecPos& pos, std::string message, std::string hint = {}) {
    report_.errors.push_back({pos, std::move(message), std::move(hint)});
  }
  void warning(const SpecPos& pos, std::string message) { report_.warnings.push_back({pos, std::move(message), {}}); }

  // Records a table produced by the spec.
  void produce(const std::string& name, const SpecPos& pos, const char* layer) {
    try {
      delta::resolve_table(lakehouse_, name);
    } catch (const Error& e) {
      error(pos, e.message(), e.hint());
      return;
    }
    if (!produced_.emplace(name, layer).second)
      error(pos, "table " + name + " is produced twice", "give each layer's table its own name");
    ++report_.tables;
  }

  void declare_tables() {
    for (const auto& b : spec_.bronze) produce(b.table, b.pos, "bronze");
    for (const auto& s : spec_.silver) produce(s.table, s.pos, "silver");
    for (const auto& g : spec_.gold) produce(g.table, g.pos, "gold");
    for (const auto& l : spec_.labels) produce(l.table, l.pos, "labels");
  }

  void check_cycles() {
    std::map<std::string, std::vector<std::string>> reads;
    std::map<std::string, SpecPos> pos;
    for (const auto& s : spec_.silver) reads[s.table] = {s.from}, pos[s.table] = s.pos;
    for (const auto& g : spec_.gold) reads[g.table] = {g.from}, pos[g.table] = g.pos;
    for (const auto& l : spec_.labels) reads[l.table] = {l.from, l.features}, pos[l.table] = l.pos;
    std::map<std::string, int> state;  // 1 visiting, 2 done
    std::vector<std::string> stack;
    std::function<void(const std::string&)> visit = [&](const std::string& t) {
      if (state[t] == 2) return;
      if (state[t] == 1) {
        std::string cycle;
        for (auto it = std::find(stack.begin(), stack.end(), t); it != stack.end(); ++it) cycle += *it + " → ";
        error(pos.count(t) ? pos[t] : SpecPos{spec_.file, 1, 1}, "tables read each other in a cycle: " + cycle + t,
              "a layer may only read tables that earlier layers produce");
        return;
      }
      state[t] = 1;
      stack.push_back(t);
      for (const auto& r : reads[t]) visit(r);
      stack.pop_back();
      state[t] = 2;
    };
    for (const auto& [t, r] : reads) visit(t);
  }

  // The schema a table will have: from this validation if the spec produces
  // it, else from the lakehouse; nullopt (with an error) otherwise.
  std::optional<Schema> schema_of(const std::string& name, const SpecPos& pos, const std::string& who) {
    if (const auto it = schemas_.find(name); it != schemas_.end()) return it->second;
    if (produced_.contains(name)) return std::nullopt;  // its own errors were reported
    try {
      const std::string path = delta::resolve_table(lakehouse_, name).path;
      if (delta::DeltaTable::exists(path)) return delta::DeltaTable::open(path).latest().schema();
    } catch (const Error&) {
    }
    error(pos, who + " reads " + name + ", which no layer of the spec produces and which does not exist",
          "check the table name, or add the layer that produces it");
    return std::nullopt;
  }

  bool check(const std::function<void()>& bind, const SpecPos& pos, const std::string& what) {
    try {
      bind();
      ++report_.expressions;
      return true;
    } catch (const Error& e) {
      error(pos, what + ": " + e.message(), e.hint());
      return false;
    }
  }

  void require_column(const Schema& schema, const std::string& column, const SpecPos& pos, const std::string& what) {
    if (schema.find_case_insensitive(column)) return;
    const std::string guess = expr::closest_name(column, schema.names());
    error(pos, what + " '" + column + "' is not a column" + (guess.empty() ? "" : "; did you mean " + guess + "?"),
          "columns are: " + schema.to_string());
  }

  void bronze(const BronzeSpec& b) {
    std::vector<Field> data;
    if (b.schema) {
      for (const auto& [name, type] : *b.schema) {
        try {
          data.emplace_back(name, expr::parse_type_name(type));
        } catch (const Error& e) {
          error(b.pos, "schema of " + b.table + ": " + e.message(),
                "use string, bigint, int, double, boolean, timestamp, date");
        }
      }
    } else {
      const std::string path = delta::resolve_table(lakehouse_, b.table).path;
      if (delta::DeltaTable::exists(path)) {
        schemas_[b.table] = delta::DeltaTable::open(path).latest().schema();
        return;
      }
      const std::string root = !b.path.empty() && b.path[0] == '/' ? b.path : join_path(spec_.dir, b.path);
      if (!FileSystem::local().exists(root)) {
        error(b.pos, "the source path '" + root + "' of bronze table " + b.table + " does not exist",
              "create it, or fix source.path (relative paths start at the spec's directory)");
        return;
      }
      const auto files = json::find_ndjson_files(FileSystem::local(), root);
      if (files.empty()) {
        warning(b.pos,
                "no NDJSON files under '" + root + "' yet: later layers' expressions are checked for syntax only");
        return;
      }
      data = json::infer_schema(files, {}).schema.fields();
    }
    data.emplace_back("_rescued_data", DataType::string());
    for (const auto& [name, value] : b.metadata) data.emplace_back(name, DataType::string());
    data.emplace_back("_ingested_at", DataType::timestamp());
    data.emplace_back("_source_file", DataType::string());
    data.emplace_back("_source_line", DataType::int64());
    schemas_[b.table] = Schema(std::move(data));
  }

  void syntax_only(const std::string& sql, const SpecPos& pos, const std::string& what) {
    check([&] { expr::parse(sql); }, pos, what);
  }

  void silver(const SilverSpec& s) {
    const auto input = schema_of(s.from, s.pos, "silver table " + s.table);
    if (!input) {
      for (const auto& e : s.expect) syntax_only(e.rule, e.pos, "expect '" + e.name + "'");
      for (const auto& c : s.columns) syntax_only(c.sql, c.pos, "column '" + c.name + "'");
      for (const auto& e : s.expect_output) syntax_only(e.rule, e.pos, "expect_output '" + e.name + "'");
      return;
    }
    for (const auto& e : s.expect)
      check([&] { expr::compile_predicate(e.rule, *input); }, e.pos, "expect '" + e.name + "'");
    for (const auto& k : s.dedupe_on) require_column(*input, k, s.pos, "dedupe_on column");
    std::vector<Field> out;
    for (const auto& c : s.columns)
      check([&] { out.emplace_back(c.name, expr::compile(c.sql, *input)->type); }, c.pos, "column '" + c.name + "'");
    const Schema output(out);
    for (const auto& e : s.expect_output)
      check([&] { expr::compile_predicate(e.rule, output); }, e.pos, "expect_output '" + e.name + "'");
    for (const auto& k : s.merge_on) require_column(output, k, s.pos, "merge_on column");
    schemas_[s.table] = output;
  }

  void gold(const GoldSpec& g) {
    const auto input = schema_of(g.from, g.pos, "gold table " + g.table);
    const expr::BindOptions bind{{{"as_of", Value::date(0)}}};
    if (!input) {
      for (const auto& a : g.aggregations) syntax_only(a.sql, a.pos, "aggregation '" + a.name + "'");
      for (const auto& d : g.derived) syntax_only(d.sql, d.pos, "derived column '" + d.name + "'");
      return;
    }
    require_column(*input, g.entity, g.pos, "entity");
    require_column(*input, g.event_time, g.pos, "event_time");
    std::vector<Field> out;
    if (const auto e = input->find_case_insensitive(g.entity)) out.push_back(input->field(*e));
    for (const auto& a : g.aggregations)
      check(
          [&] {
            const auto binding = expr::compile_aggregate(a.sql, *input, {g.entity}, bind);
            out.emplace_back(a.name, binding.result->type);
          },
          a.pos, "aggregation '" + a.name + "'");
    for (const auto& d : g.derived)
      check([&] { out.emplace_back(d.name, expr::compile(d.sql, Schema(out), bind)->type); }, d.pos,
            "derived column '" + d.name + "'");
    for (const auto& z : g.zorder_by) require_column(Schema(out), z, g.pos, "zorder_by column");
    out.emplace_back(g.partition_by, DataType::date());
    schemas_[g.table] = Schema(out);
  }

  void labels(const LabelsSpec& l) {
    const auto events = schema_of(l.from, l.pos, "labels table " + l.table);
    const auto features = schema_of(l.features, l.pos, "labels table " + l.table);
    if (events) {
      require_column(*events, l.entity, l.pos, "entity");
      require_column(*events, l.event_time, l.pos, "event_time");
      check([&] { expr::compile_predicate(l.positive_when.sql, *events); }, l.positive_when.pos, "positive_when");
    } else {
      syntax_only(l.positive_when.sql, l.positive_when.pos, "positive_when");
    }
    if (features) {
      require_column(*features, l.entity, l.pos, "entity (in the features table)");
      require_column(*features, "feature_date", l.pos, "feature column");
    }
    Schema out({Field(l.entity, DataType::string()), Field("feature_date", DataType::date()),
                Field(l.label, DataType::int32())});
    schemas_[l.table] = out;
  }

  void train(const TrainSpec& t) {
    const auto features = schema_of(t.features, t.pos, "train");
    schema_of(t.labels, t.pos, "train");
    if (!features) return;
    for (const auto& c : t.feature_columns) {
      const auto idx = features->find_case_insensitive(c);
      if (!idx) {
        require_column(*features, c, t.pos, "feature column");
        continue;
      }
      const DataType& type = features->field(*idx).type;
      if (!type.is_numeric() && type.id() != TypeId::kBoolean)
        error(t.pos, "feature column '" + c + "' is " + type.to_string() + ", not numeric",
              "train on numeric features (derive a number from it in gold.derived)");
    }
    if (t.split_by != "time") require_column(*features, t.split_by, t.pos, "split.by column");
  }

  const PipelineSpec& spec_;
  const std::string& lakehouse_;
  ValidationReport report_;
  std::map<std::string, std::string> produced_;
  std::map<std::string, Schema> schemas_;
};

}  // namespace

ValidationReport validate_spec(const PipelineSpec& spec, const std::string& lakehouse) {
  return Validator(spec, lakehouse).run();
}

}  // namespace bullion::pipeline
