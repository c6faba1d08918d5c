// bullion/pipeline/spec.h — the pipeline spec (DESIGN.md, "The pipeline spec").
//
// load_spec() reads the YAML and checks its structure: known keys only,
// required keys present, values of the right kind. Every error names
// file:line:column and suggests a fix ("pipeline.yaml:12:5: unknown key
// 'dedup_on' in silver table churn.silver.customers; did you mean
// dedupe_on?"). Semantic checks (expressions, columns, types, table
// references, cycles) are validate_spec() in validate.h. Values are plain
// data; thread-compatible.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace bullion::pipeline {

struct SpecPos {
  std::string file;
  int line = 0;                   // 1-based
  int column = 0;                 // 1-based
  std::string to_string() const;  // "pipeline.yaml:12:5"
};

// A named SQL expression of the spec (a column, an aggregation, a rule).
struct SpecExpr {
  std::string name;
  std::string sql;
  SpecPos pos;  // of the expression text
};

enum class ViolationAction { kWarn, kDrop, kQuarantine, kFail };
std::string_view violation_action_name(ViolationAction a);

struct Expectation {
  std::string name;
  std::string rule;
  ViolationAction action = ViolationAction::kQuarantine;
  SpecPos pos;
};

struct BronzeSpec {
  std::string table;
  SpecPos pos;
  std::string format = "json";
  std::string path;  // relative paths resolve against the spec file's directory
  std::vector<std::pair<std::string, std::string>> metadata;  // constant string columns
  // Explicit schema: column → type name (string, bigint, double, boolean, timestamp, date, int).
  std::optional<std::vector<std::pair<std::string, std::string>>> schema;
};

struct SilverSpec {
  std::string table;
  SpecPos pos;
  std::string from;
  std::vector<Expectation> expect;
  std::vector<std::string> dedupe_on;
  std::vector<SpecExpr> columns;
  std::vector<Expectation> expect_output;
  std::vector<std::string> merge_on;
};

struct GoldSpec {
  std::string table;
  SpecPos pos;
  std::string from;
  std::string entity;
  std::string event_time;
  std::string partition_by = "feature_date";
  std::vector<SpecExpr> aggregations;
  std::vector<SpecExpr> derived;
  std::vector<std::string> zorder_by;  // optimize.zorder_by
};

struct LabelsSpec {
  std::string table;
  SpecPos pos;
  std::string from;
  std::string features;
  std::string entity;
  std::string event_time;
  std::string label = "label";
  SpecExpr positive_when;
  int horizon_days = 30;
};

struct TrainSpec {
  SpecPos pos;
  std::string experiment;
  std::string features;
  std::string labels;
  std::vector<std::string> feature_columns;
  std::string model_type = "gbm_classifier";
  std::vector<std::pair<std::string, std::string>> model_params;  // as written (numbers as text)
  double test_size = 0.2;
  int64_t seed = 42;
  std::string split_by = "customer_id";  // an entity column, or "time"
  int test_dates = 1;
  std::string register_as;
};

struct PipelineSpec {
  std::string file;  // path as given
  std::string dir;   // directory of the file (for relative source paths)
  std::string text;  // the YAML text
  std::string hash;  // hex digest of the text (logged with runs and commits)
  std::string name;
  std::vector<BronzeSpec> bronze;
  std::vector<SilverSpec> silver;
  std::vector<GoldSpec> gold;
  std::vector<LabelsSpec> labels;
  std::optional<TrainSpec> train;
};

// Throws bullion::Error (kNotFound for a missing file, kInvalidInput otherwise).
PipelineSpec load_spec(const std::string& path);
PipelineSpec parse_spec(const std::string& text, const std::string& file_name, const std::string& dir = ".");

}  // namespace bullion::pipeline
