// Test-only driver of the ml module for tests/interop/test_ml_*.py and
// bench/ml_train_bench.py. Reads a CSV (header line; empty cell = NULL) or
// NDJSON (.json/.jsonl/.ndjson) file of model rows; integer columns become
// BIGINT, other numbers DOUBLE, text STRING, and the --date column DATE
// (yyyy-mm-dd).
//
//   ml_tool train   --data F --features a,b,c --out DIR [--label churned] [--entity customer_id]
//                   [--date feature_date] [--split entity|time] [--test-size 0.2] [--seed 42]
//                   [--test-dates 1] [--param name=value]... [--nthread N] [--log-to LAKEHOUSE]
//       writes DIR/model.json, the three SVGs, DIR/metrics.json and DIR/predictions.csv
//       (test rows: entity,feature_date,label,probability); prints metrics.json. With
//       --log-to, logs a run (params, metrics, SVG artifacts) and the model through the
//       tracking API (log_xgboost_model), and adds run_id and model_dir to the output.
//   ml_tool predict --model model.json --data F [--features a,b,c] [--nthread N]
//       prints one probability per row (%.9g: float32 exact), in the file's row order.
//   ml_tool metrics --data F
//       F is a CSV "label,score"; prints the seven metrics as JSON (%.17g).
//   ml_tool split   --data F --features a,b,c [split options as train]
//       prints {"train_entities": [...], "test_entities": [...], "test_rows": n, ...}.
#include <charconv>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <variant>

#include "bullion/core/error.h"
#include "bullion/core/fs.h"
#include "bullion/core/time.h"
#include "bullion/ml/training.h"
#include "bullion/tracking/mlmodel.h"
#include "bullion/tracking/store.h"
#include "ml/ml_fixtures.h"

namespace {

using namespace bullion;
using namespace bullion::ml;
using Json = nlohmann::ordered_json;

struct Args {
  std::string command;
  std::map<std::string, std::string> values;
  ParamList params;

  std::string get(const std::string& key, const std::string& fallback = "") const {
    auto it = values.find(key);
    return it == values.end() ? fallback : it->second;
  }
  std::string require(const std::string& key) const {
    auto it = values.find(key);
    if (it == values.end()) throw Error::invalid_input("missing --" + key);
    return it->second;
  }
};

Args parse_args(int argc, char** argv) {
  if (argc < 2) throw Error::invalid_input("usage: ml_tool train|predict|metrics|split --data FILE ...");
  Args a;
  a.command = argv[1];
  for (int i = 2; i < argc; ++i) {
    std::string key = argv[i];
    if (!key.starts_with("--") || i + 1 >= argc) throw Error::invalid_input("expected --key value at '" + key + "'");
    key = key.substr(2);
    const std::string value = argv[++i];
    if (key == "param") {
      const size_t eq = value.find('=');
      if (eq == std::string::npos) throw Error::invalid_input("--param wants name=value, got " + value);
      a.params.emplace_back(value.substr(0, eq), value.substr(eq + 1));
    } else {
      a.values[key] = value;
    }
  }
  return a;
}

std::vector<std::string> split_list(const std::string& s, char sep = ',') {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, sep);)
    if (!item.empty()) out.push_back(item);
  return out;
}

// ---- reading rows ----------------------------------------------------------

using Cell = std::variant<std::monostate, int64_t, double, std::string>;

struct Table {
  std::vector<std::string> names;
  std::vector<std::vector<Cell>> columns;
};

Cell parse_text_cell(const std::string& text) {
  if (text.empty()) return std::monostate{};
  int64_t i = 0;
  auto [ie, iec] = std::from_chars(text.data(), text.data() + text.size(), i);
  if (iec == std::errc{} && ie == text.data() + text.size()) return i;
  double d = 0;
  auto [de, dec] = std::from_chars(text.data(), text.data() + text.size(), d);
  if (dec == std::errc{} && de == text.data() + text.size()) return d;
  if (text == "nan" || text == "NaN") return std::nan("");
  return text;
}

Table read_csv(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error::not_found("cannot open " + path);
  Table t;
  std::string line;
  if (!std::getline(in, line)) throw Error::invalid_input(path + " is empty");
  if (!line.empty() && line.back() == '\r') line.pop_back();
  std::stringstream header(line);
  for (std::string name; std::getline(header, name, ',');) t.names.push_back(name);
  t.columns.resize(t.names.size());
  size_t line_number = 1;
  while (std::getline(in, line)) {
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    size_t field = 0, start = 0;
    while (true) {
      const size_t comma = line.find(',', start);
      const std::string cell = line.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      if (field >= t.names.size())
        throw Error::invalid_input(path + ":" + std::to_string(line_number) + ": too many fields");
      t.columns[field++].push_back(parse_text_cell(cell));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    if (field != t.names.size())
      throw Error::invalid_input(path + ":" + std::to_string(line_number) + ": " + std::to_string(field) +
                                 " fields, header has " + std::to_string(t.names.size()));
  }
  return t;
}

Table read_ndjson(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error::not_found("cannot open " + path);
  Table t;
  std::map<std::string, size_t> index;
  size_t rows = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    const nlohmann::json j = nlohmann::json::parse(line);
    for (auto& [key, value] : j.items()) {
      auto [it, inserted] = index.emplace(key, t.names.size());
      if (inserted) {
        t.names.push_back(key);
        t.columns.emplace_back(rows);
      }
      std::vector<Cell>& col = t.columns[it->second];
      col.resize(rows);
      if (value.is_number_integer())
        col.push_back(value.get<int64_t>());
      else if (value.is_number())
        col.push_back(value.get<double>());
      else if (value.is_string())
        col.push_back(value.get<std::string>());
      else
        col.push_back(std::monostate{});
    }
    ++rows;
    for (auto& col : t.columns) col.resize(rows);
  }
  return t;
}

Batch to_batch(const Table& t, const std::string& date_column) {
  std::vector<Field> fields;
  std::vector<ColumnPtr> columns;
  const size_t rows = t.columns.empty() ? 0 : t.columns[0].size();
  for (size_t c = 0; c < t.names.size(); ++c) {
    const std::vector<Cell>& cells = t.columns[c];
    bool any_double = false, any_string = false;
    for (const Cell& cell : cells) {
      any_double = any_double || std::holds_alternative<double>(cell);
      any_string = any_string || std::holds_alternative<std::string>(cell);
    }
    DataType type = any_string ? DataType::string() : any_double ? DataType::float64() : DataType::int64();
    if (t.names[c] == date_column) type = DataType::date();
    ColumnPtr col = Column::make(type);
    for (const Cell& cell : cells) {
      if (std::holds_alternative<std::monostate>(cell)) {
        col->append_null();
      } else if (type.id() == TypeId::kDate) {
        const auto* text = std::get_if<std::string>(&cell);
        const std::optional<int32_t> days = text ? parse_date(*text) : std::nullopt;
        if (!days) throw Error::invalid_input("column " + date_column + " holds a value that is not yyyy-mm-dd");
        col->append<int32_t>(*days);
      } else if (type.id() == TypeId::kString) {
        if (const auto* s = std::get_if<std::string>(&cell))
          col->append_string(*s);
        else if (const auto* i = std::get_if<int64_t>(&cell))
          col->append_string(std::to_string(*i));
        else
          col->append_string(std::to_string(std::get<double>(cell)));
      } else if (type.id() == TypeId::kDouble) {
        col->append<double>(std::holds_alternative<int64_t>(cell) ? static_cast<double>(std::get<int64_t>(cell))
                                                                  : std::get<double>(cell));
      } else {
        col->append<int64_t>(std::get<int64_t>(cell));
      }
    }
    fields.emplace_back(t.names[c], type);
    columns.push_back(std::move(col));
  }
  return Batch(std::make_shared<Schema>(std::move(fields)), std::move(columns), rows);
}

Batch read_batch(const std::string& path, const std::string& date_column) {
  const bool json = path.ends_with(".json") || path.ends_with(".jsonl") || path.ends_with(".ndjson");
  return to_batch(json ? read_ndjson(path) : read_csv(path), date_column);
}

// ---- output ------------------------------------------------------------------

std::string exact(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

Json number(double v) { return std::isfinite(v) ? Json(v) : Json(exact(v)); }

Json metrics_json(const ClassificationMetrics& m) {
  Json out = Json::object();
  for (const auto& [name, value] : m.named()) out[name] = number(value);
  out["num_rows"] = m.num_rows;
  out["num_positive"] = m.num_positive;
  out["confusion"] = {{"tp", m.confusion.true_positive},
                      {"fp", m.confusion.false_positive},
                      {"tn", m.confusion.true_negative},
                      {"fn", m.confusion.false_negative}};
  return out;
}

TrainingRequest request_from(const Args& a) {
  TrainingRequest r;
  r.columns.features = split_list(a.require("features"));
  r.columns.label = a.get("label", "churned");
  r.columns.entity = a.get("entity", "customer_id");
  r.columns.feature_date = a.get("date", "feature_date");
  r.split.by = a.get("split", "entity") == "time" ? SplitBy::kTime : SplitBy::kEntity;
  r.split.test_size = std::stod(a.get("test-size", "0.2"));
  r.split.seed = std::stoull(a.get("seed", "42"));
  r.split.test_dates = std::stoi(a.get("test-dates", "1"));
  r.params = a.params;
  r.nthread = std::stoi(a.get("nthread", "0"));
  return r;
}

Json log_to_tracking(const std::string& lakehouse, const TrainingResult& r, const std::string& model_path) {
  using namespace bullion::tracking;
  TrackingStore store(lakehouse);
  const Experiment e = store.get_or_create_experiment("/churn-prediction/feature-pipeline");
  CreateRunOptions o;
  o.run_name = "ml_tool";
  const Run run = store.create_run(e.experiment_id, o);
  const std::string& run_id = run.info.run_id;
  std::vector<Param> params;
  for (const auto& [k, v] : r.params.logged) params.push_back({k, v});
  std::string features;
  for (const std::string& f : r.data.feature_names) features += (features.empty() ? "" : ",") + f;
  params.push_back({"feature_columns", features});
  params.push_back({"training_rows", std::to_string(r.training_rows())});
  std::vector<Metric> metrics;
  for (const auto& [k, v] : r.metrics.named()) metrics.push_back({k, v, now_millis(), 0});
  store.log_batch(run_id, metrics, params,
                  {{"bullion.xgboost_version", xgboost_version()}, {"bullion.omp_wait_policy", openmp_wait_policy()}});
  const std::string dir = parent_path(model_path);
  for (const char* svg : {kRocCurveFile, kPrecisionRecallFile, kFeatureImportanceFile})
    store.log_artifact(run_id, join_path(dir, svg), "plots");
  XGBoostModelInfo info;
  info.xgb_version = xgboost_version();
  ModelSignature signature;
  for (size_t i = 0; i < r.data.num_features(); ++i)
    signature.inputs.push_back(
        {r.data.feature_names[i], std::string(mlflow_column_type(r.data.feature_types[i])), true});
  info.signature = signature;
  const LoggedModel model = log_xgboost_model(store, run_id, "model", model_path, info);
  store.end_run(run_id);
  return {{"run_id", run_id},
          {"model_id", model.model_id},
          {"model_dir", store.local_path_for_uri(model.artifact_location)},
          {"signature", signature_json(signature.inputs)}};
}

int train(const Args& a) {
  const TrainingRequest request = request_from(a);
  const Batch batch = read_batch(a.require("data"), request.columns.feature_date);
  const TrainingResult r = train_classifier(std::span(&batch, 1), request);
  const std::string out = a.require("out");
  const std::vector<std::string> paths = write_training_artifacts(r, out);

  FileSystem::local().write_atomic(join_path(out, "predictions.csv"), test_predictions_csv(r));

  Json params = Json::object();
  for (const auto& [k, v] : r.params.logged) params[k] = v;
  Json importance = Json::array();
  for (const FeatureImportance& f : r.importance)
    importance.push_back(
        {{"feature", f.feature}, {"gain", f.gain}, {"total_gain", f.total_gain}, {"weight", f.weight}});
  Json result = {{"metrics", metrics_json(r.metrics)},
                 {"params", params},
                 {"num_rounds", r.params.num_rounds},
                 {"rows", r.data.num_rows()},
                 {"training_rows", r.training_rows()},
                 {"test_rows", r.test_rows()},
                 {"train_groups", r.split.train_groups},
                 {"test_groups", r.split.test_groups},
                 {"train_seconds", r.train_seconds},
                 {"xgboost_version", xgboost_version()},
                 {"omp_wait_policy", openmp_wait_policy()},
                 {"importance", importance},
                 {"files", paths}};
  if (a.values.contains("log-to")) result["tracking"] = log_to_tracking(a.get("log-to"), r, paths[0]);
  const std::string text = result.dump(2);
  FileSystem::local().write_atomic(join_path(out, "metrics.json"), text + "\n");
  std::printf("%s\n", text.c_str());
  return 0;
}

int predict(const Args& a) {
  GbmModel model = GbmModel::load(a.require("model"));
  model.set_nthread(std::stoi(a.get("nthread", "1")));
  const Table table = [&] {
    const std::string path = a.require("data");
    const bool json = path.ends_with(".json") || path.ends_with(".jsonl") || path.ends_with(".ndjson");
    return json ? read_ndjson(path) : read_csv(path);
  }();
  const Batch batch = to_batch(table, "");
  const std::vector<std::string> features =
      a.values.contains("features") ? split_list(a.get("features")) : model.feature_names();
  // The file's row order: the matrix is built here, not by build_dataset (which sorts).
  std::vector<float> rows(batch.num_rows() * features.size());
  for (size_t f = 0; f < features.size(); ++f) {
    const Column& col = *batch.column(features[f]);
    for (size_t r = 0; r < batch.num_rows(); ++r) {
      const Value v = col.value(r);
      rows[r * features.size() + f] = v.is_null()                       ? NAN
                                      : v.type().id() == TypeId::kInt64 ? static_cast<float>(v.as_int())
                                                                        : static_cast<float>(v.as_double());
    }
  }
  for (float p : model.predict(rows)) std::printf("%.9g\n", static_cast<double>(p));
  return 0;
}

int metrics(const Args& a) {
  const Table t = read_csv(a.require("data"));
  if (t.names.size() != 2) throw Error::invalid_input("metrics wants a CSV of label,score");
  std::vector<uint8_t> labels;
  std::vector<double> scores;
  for (size_t i = 0; i < t.columns[0].size(); ++i) {
    labels.push_back(static_cast<uint8_t>(std::get<int64_t>(t.columns[0][i])));
    const Cell& s = t.columns[1][i];
    scores.push_back(std::holds_alternative<int64_t>(s) ? static_cast<double>(std::get<int64_t>(s))
                                                        : std::get<double>(s));
  }
  const ClassificationMetrics m = evaluate_classifier(labels, std::span<const double>(scores));
  Json out = Json::object();
  for (const auto& [name, value] : m.named()) out[name] = exact(value);
  out["log_loss_float32_eps"] = exact(log_loss(labels, scores, kFloat32Epsilon));
  std::printf("%s\n", out.dump().c_str());
  return 0;
}

int split(const Args& a) {
  const TrainingRequest request = request_from(a);
  const Batch batch = read_batch(a.require("data"), request.columns.feature_date);
  const Dataset d = build_dataset(std::span(&batch, 1), request.columns);
  const DatasetSplit s = split_dataset(d, request.split);
  std::set<std::string> train, test;
  for (uint32_t r : s.train_rows) train.insert(d.entities[r]);
  for (uint32_t r : s.test_rows) test.insert(d.entities[r]);
  Json out = {{"train_entities", train},
              {"test_entities", test},
              {"train_rows", s.train_rows.size()},
              {"test_rows", s.test_rows.size()},
              {"first_row", {d.entities.front(), format_date(d.feature_dates.front())}},
              {"last_row", {d.entities.back(), format_date(d.feature_dates.back())}}};
  std::printf("%s\n", out.dump().c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Args a = parse_args(argc, argv);
    if (a.command == "train") return train(a);
    if (a.command == "predict") return predict(a);
    if (a.command == "metrics") return metrics(a);
    if (a.command == "split") return split(a);
    throw Error::invalid_input("unknown command " + a.command);
  } catch (const bullion::Error& e) {
    std::fprintf(stderr, "ml_tool: %s%s%s\n", e.message().c_str(),
                 e.hint().empty() ? "" : "\n  hint: ", e.hint().c_str());
    return bullion::exit_code(e.category());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ml_tool: %s\n", e.what());
    return 1;
  }
}
