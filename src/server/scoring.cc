#include "bullion/server/scoring.h"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "bullion/core/error.h"
#include "bullion/core/fs.h"
#include "bullion/core/time.h"
#include "bullion/delta/catalog.h"
#include "bullion/delta/log.h"
#include "bullion/exec/scan.h"
#include "bullion/expr/binder.h"
#include "bullion/ml/dataset.h"
#include "bullion/table/table.h"
#include "bullion/table/writer.h"
#include "bullion/tracking/training_run.h"

namespace bullion::server {

namespace {

using nlohmann::json;
namespace run_params = tracking::training_run;

std::string join(const std::vector<std::string>& items, const std::string& separator = ", ") {
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : separator) + s;
  return out;
}

std::string quoted(const std::string& name) { return "`" + name + "`"; }

std::string did_you_mean(const std::string& name, const std::vector<std::string>& candidates) {
  const std::string closest = expr::closest_name(name, candidates);
  return closest.empty() ? "" : "did you mean '" + closest + "'? ";
}

std::vector<std::string> registered_model_names(tracking::TrackingStore& store) {
  std::vector<std::string> names;
  std::string token;
  do {
    const auto page = store.search_registered_models("", 1000, {}, token);
    for (const auto& m : page.items) names.push_back(m.name);
    token = page.next_page_token;
  } while (!token.empty() && names.size() < 10000);
  return names;
}

// The dates a features table has rows for: its partition values when the
// date is a partition column, else the distinct values of the column.
std::vector<int32_t> feature_dates(const delta::Snapshot& snapshot, const std::string& date_column,
                                   exec::ExecContext& exec) {
  std::set<int32_t> dates;
  const auto& partitions = snapshot.partition_columns();
  const auto it = std::find(partitions.begin(), partitions.end(), date_column);
  if (it != partitions.end()) {
    const size_t k = static_cast<size_t>(it - partitions.begin());
    for (const delta::AddFile& f : snapshot.files()) {
      const Value v = snapshot.partition_values(f)[k];
      if (!v.is_null() && v.type().id() == TypeId::kDate) dates.insert(static_cast<int32_t>(v.as_int()));
    }
  } else {
    for (const Batch& b : exec::scan_delta(snapshot, {.columns = {date_column}}).collect(exec))
      for (size_t r = 0; r < b.num_rows(); ++r) {
        const Value v = b.column(0)->value(r);
        if (!v.is_null() && v.type().id() == TypeId::kDate) dates.insert(static_cast<int32_t>(v.as_int()));
      }
  }
  return {dates.begin(), dates.end()};
}

std::string describe_dates(const std::vector<int32_t>& dates) {
  if (dates.empty()) return "it has no rows at all";
  constexpr size_t kShown = 8;
  std::vector<std::string> shown;
  const size_t first = dates.size() > kShown ? dates.size() - kShown : 0;
  for (size_t i = first; i < dates.size(); ++i) shown.push_back(format_date(dates[i]));
  if (first == 0) return "its dates are " + join(shown);
  return "it has " + std::to_string(dates.size()) + " dates from " + format_date(dates.front()) + " to " +
         format_date(dates.back()) + ", the latest " + join(shown);
}

// Appends the dataset's entity keys (integers are kept as decimal text) as
// values of the features table's entity type.
ColumnPtr entity_column(const std::vector<std::string>& entities, const DataType& type) {
  ColumnPtr column = Column::make(type);
  column->reserve(entities.size());
  for (const std::string& e : entities) {
    if (type.id() == TypeId::kString) {
      column->append_string(e);
      continue;
    }
    int64_t v = 0;
    const auto [end, ec] = std::from_chars(e.data(), e.data() + e.size(), v);
    BULLION_ASSERT(ec == std::errc() && end == e.data() + e.size(), "integer entity key is not decimal text");
    switch (type.id()) {
      case TypeId::kInt8:
        column->append_value(Value::int8(static_cast<int8_t>(v)));
        break;
      case TypeId::kInt16:
        column->append_value(Value::int16(static_cast<int16_t>(v)));
        break;
      case TypeId::kInt32:
        column->append_value(Value::int32(static_cast<int32_t>(v)));
        break;
      default:
        column->append_value(Value::int64(v));
        break;
    }
  }
  return column;
}

}  // namespace

std::string ModelRef::to_string() const {
  return alias.empty() ? name + "/" + std::to_string(version) : name + "@" + alias;
}

ModelRef parse_model_ref(std::string_view text) {
  std::string_view rest = text;
  if (rest.rfind("models:/", 0) == 0) rest.remove_prefix(8);
  const auto fail = [&]() -> ModelRef {
    throw Error::invalid_input("'" + std::string(text) + "' is not a model reference",
                               "name a registered model version as NAME@ALIAS (e.g. churn-prediction-gbm@champion) or "
                               "NAME/VERSION (e.g. churn-prediction-gbm/3)");
  };
  ModelRef ref;
  if (const size_t at = rest.rfind('@'); at != std::string_view::npos) {
    ref.name = std::string(rest.substr(0, at));
    ref.alias = std::string(rest.substr(at + 1));
    if (ref.name.empty() || ref.alias.empty()) return fail();
    tracking::TrackingStore::validate_alias(ref.alias);
    return ref;
  }
  const size_t slash = rest.rfind('/');
  if (slash == std::string_view::npos || slash == 0) return fail();
  const std::string_view number = rest.substr(slash + 1);
  const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), ref.version);
  if (number.empty() || ec != std::errc() || end != number.data() + number.size() || ref.version <= 0) return fail();
  ref.name = std::string(rest.substr(0, slash));
  return ref;
}

tracking::ModelVersion resolve_model_version(tracking::TrackingStore& store, const ModelRef& ref) {
  if (!store.registered_model_exists(ref.name)) {
    const std::vector<std::string> names = registered_model_names(store);
    throw Error::not_found("registered model '" + ref.name + "' not found; " +
                               (names.empty() ? "the registry has no models" : "registered models: " + join(names)),
                           did_you_mean(ref.name, names) + "list them with 'bullion models list'");
  }
  if (!ref.alias.empty()) {
    try {
      return store.get_model_version_by_alias(ref.name, ref.alias);
    } catch (const Error& e) {
      if (e.category() != ErrorCategory::kNotFound) throw;
      const tracking::RegisteredModel model = store.get_registered_model(ref.name);
      std::vector<std::string> aliases, alias_names;
      for (const auto& a : model.aliases) {
        aliases.push_back(a.alias + " -> v" + std::to_string(a.version));
        alias_names.push_back(a.alias);
      }
      throw Error::not_found("registered model '" + ref.name + "' has no alias '" + ref.alias + "'; " +
                                 (aliases.empty() ? "it has no aliases" : "its aliases: " + join(aliases)),
                             did_you_mean(ref.alias, alias_names) + "set one with 'bullion models alias " + ref.name +
                                 " " + ref.alias + " VERSION', or name a version as " + ref.name + "/VERSION");
    }
  }
  try {
    return store.get_model_version(ref.name, ref.version);
  } catch (const Error& e) {
    if (e.category() != ErrorCategory::kNotFound) throw;
    std::vector<std::string> versions;
    std::string token;
    do {
      // MLflow's filter quotes with ''; a name holding one is matched here instead.
      const std::string filter = ref.name.find('\'') == std::string::npos ? "name = '" + ref.name + "'" : "";
      const auto page = store.search_model_versions(filter, 10000, {"version_number ASC"}, token);
      for (const auto& v : page.items)
        if (v.name == ref.name) versions.push_back(std::to_string(v.version));
      token = page.next_page_token;
    } while (!token.empty());
    throw Error::not_found("registered model '" + ref.name + "' has no version " + std::to_string(ref.version) + "; " +
                               (versions.empty() ? "it has no versions" : "its versions: " + join(versions)),
                           "see them with 'bullion models show " + ref.name + "'");
  }
}

ModelInputs read_model_inputs(tracking::TrackingStore& store, const tracking::ModelVersion& version) {
  const std::string who = "model " + version.name + " v" + std::to_string(version.version);
  const std::string hint = "score a model version registered by 'bullion train', whose run logs its inputs";
  if (version.run_id.empty()) throw Error::invalid_input(who + " has no training run, so its inputs are unknown", hint);
  const tracking::Run run = store.get_run(version.run_id);
  std::map<std::string, std::string> params;
  for (const auto& p : run.data.params) params[p.key] = p.value;
  std::vector<std::string> missing;
  for (const char* key : {run_params::kFeaturesTable, run_params::kEntityColumn, run_params::kFeatureDateColumn,
                          run_params::kFeatureColumns})
    if (!params.count(key)) missing.push_back(key);
  if (!missing.empty())
    throw Error::invalid_input(who + ": its run " + version.run_id + " has no param " + join(missing, ", no param "),
                               hint);
  ModelInputs inputs;
  inputs.features_table = params[run_params::kFeaturesTable];
  inputs.entity_column = params[run_params::kEntityColumn];
  inputs.feature_date_column = params[run_params::kFeatureDateColumn];
  const json columns = json::parse(params[run_params::kFeatureColumns], nullptr, false);
  bool valid = columns.is_array() && !columns.empty();
  if (valid)
    for (const json& c : columns) {
      if (!c.is_string()) {
        valid = false;
        break;
      }
      inputs.feature_columns.push_back(c.get<std::string>());
    }
  if (!valid)
    throw Error::invalid_input(who + ": param " + std::string(run_params::kFeatureColumns) + " of run " +
                                   version.run_id +
                                   " is not a JSON array of column names: " + params[run_params::kFeatureColumns],
                               hint);
  return inputs;
}

ScoringModel load_scoring_model(tracking::TrackingStore& store, const ModelRef& ref) {
  tracking::ModelVersion version = resolve_model_version(store, ref);
  ModelInputs inputs = read_model_inputs(store, version);
  const std::string uri = version.storage_location.empty() ? version.source : version.storage_location;
  const std::string dir = store.local_path_for_uri(uri);
  const std::string path = join_path(dir, "model.json");
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    std::vector<std::string> files;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) files.push_back(entry.path().filename());
    std::sort(files.begin(), files.end());
    throw Error::not_found(
        "model " + version.name + " v" + std::to_string(version.version) + ": " + dir + " has no model.json" +
            (files.empty() ? " (the directory is empty or missing)" : " (it holds " + join(files) + ")"),
        "bullion scores XGBoost models saved in JSON format, as bullion's training logs them");
  }
  return {std::move(version), std::move(inputs), ml::GbmModel::load(path)};
}

std::string default_predictions_table(const std::string& features_table) {
  const size_t dot = features_table.rfind('.');
  if (features_table.find('/') != std::string::npos || dot == std::string::npos)
    throw Error::invalid_input("features table '" + features_table + "' is a path, not catalog.schema.table",
                               "name the predictions table with --output");
  return features_table.substr(0, dot) + ".predictions";
}

ScoreResult score_batch(const std::string& lakehouse_root, tracking::TrackingStore& store, const ScoreRequest& request,
                        exec::ExecContext& exec) {
  ScoringModel m = load_scoring_model(store, request.model);
  const ModelInputs& in = m.inputs;
  const std::string who = "model " + m.version.name + " v" + std::to_string(m.version.version);
  ScoreResult result;
  result.model_name = m.version.name;
  result.model_version = m.version.version;
  result.run_id = m.version.run_id;
  result.model_id = m.version.model_id;
  result.features_table = in.features_table;
  result.as_of = request.as_of;
  result.output_table =
      request.output_table.empty() ? default_predictions_table(in.features_table) : request.output_table;

  const delta::TableLocation features = delta::resolve_table(lakehouse_root, in.features_table);
  const delta::TableLocation output = delta::resolve_table(lakehouse_root, result.output_table);
  if (std::filesystem::weakly_canonical(features.path) == std::filesystem::weakly_canonical(output.path))
    throw Error::invalid_input("the predictions table " + result.output_table + " is the features table",
                               "name another table with --output");
  if (!delta::DeltaTable::exists(features.path))
    throw Error::not_found(
        who + " reads features table " + in.features_table + " (" + features.path + "), which does not exist",
        "run the pipeline's gold layer first: bullion run SPEC");
  const delta::Snapshot snapshot = delta::DeltaTable::open(features.path).latest();
  result.features_version = snapshot.version();
  const Schema& schema = snapshot.schema();
  const std::vector<std::string> names = schema.names();
  std::vector<std::string> needed = {in.entity_column, in.feature_date_column};
  needed.insert(needed.end(), in.feature_columns.begin(), in.feature_columns.end());
  for (const std::string& c : needed)
    if (!schema.index_of(c))
      throw Error::invalid_input(who + " needs column '" + c + "', which features table " + in.features_table +
                                     " (version " + std::to_string(snapshot.version()) + ") does not have",
                                 did_you_mean(c, names) + "its columns are: " + join(names) +
                                     "; score this table with a model trained on its columns");
  const DataType entity_type = schema.field(*schema.index_of(in.entity_column)).type;

  const expr::BindOptions bind{{{"as_of", Value::date(request.as_of)}}};
  const std::vector<Batch> batches =
      exec::scan_delta(snapshot, {.columns = needed}, quoted(in.feature_date_column) + " = as_of", bind).collect(exec);
  ml::Dataset data = ml::build_dataset(batches, {in.feature_columns, "", in.entity_column, in.feature_date_column});
  if (data.num_rows() == 0)
    throw Error::not_found(
        "features table " + in.features_table + " (version " + std::to_string(snapshot.version()) +
            ") has no rows with " + in.feature_date_column + " = " + format_date(request.as_of) + "; " +
            describe_dates(feature_dates(snapshot, in.feature_date_column, exec)),
        "score one of those dates with --as-of, or compute this one first: bullion run SPEC --as-of " +
            format_date(request.as_of));

  m.model.set_nthread(static_cast<int>(std::max<size_t>(1, exec.num_workers())));
  const std::vector<float> probabilities = m.model.predict(data);

  const auto out_schema = std::make_shared<Schema>(
      std::vector<Field>{Field(in.entity_column, entity_type), Field(in.feature_date_column, DataType::date()),
                         Field(kProbabilityColumn, DataType::float64()), Field(kPredictionColumn, DataType::int32()),
                         Field(kModelNameColumn, DataType::string()), Field(kModelVersionColumn, DataType::int64())});
  const size_t n = data.num_rows();
  ColumnPtr dates = Column::make(DataType::date()), probability = Column::make(DataType::float64()),
            prediction = Column::make(DataType::int32()), model_name = Column::make(DataType::string()),
            model_version = Column::make(DataType::int64());
  for (size_t r = 0; r < n; ++r) {
    const double p = probabilities[r];
    const int32_t label = p > kPredictionThreshold ? 1 : 0;
    result.positives += static_cast<uint64_t>(label);
    dates->append<int32_t>(data.feature_dates[r]);
    probability->append<double>(p);
    prediction->append<int32_t>(label);
    model_name->append_string(m.version.name);
    model_version->append<int64_t>(m.version.version);
  }
  const Batch predictions(
      out_schema,
      {entity_column(data.entities, entity_type), dates, probability, prediction, model_name, model_version}, n);
  result.rows = n;

  table::DataFileWriter writer(output.path, out_schema, {in.feature_date_column});
  constexpr size_t kSliceRows = 64 * 1024;
  for (size_t offset = 0; offset < n; offset += kSliceRows)
    writer.write(predictions.slice(offset, std::min(kSliceRows, n - offset)));
  table::CommitInfo info;
  info.bullion_json = json{{"layer", "score"},
                           {"as_of", format_date(request.as_of)},
                           {"model",
                            {{"name", m.version.name},
                             {"version", m.version.version},
                             {"reference", request.model.to_string()},
                             {"run_id", m.version.run_id},
                             {"model_id", m.version.model_id},
                             {"uri", "models:/" + m.version.name + "/" + std::to_string(m.version.version)}}},
                           {"lineage", {{in.features_table, snapshot.version()}}}}
                          .dump();
  const table::WriteResult written = table::commit_write(
      {output.path, out_schema, {in.feature_date_column}, {}}, writer.finish(),
      table::WriteMode::replace_where({{in.feature_date_column, CompareOp::kEq, {Value::date(request.as_of)}}}), info);
  result.output_version = written.version;
  return result;
}

}  // namespace bullion::server
