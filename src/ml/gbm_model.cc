#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <mutex>
#include <nlohmann/json.hpp>

#include "bullion/core/fs.h"
#include "bullion/ml/gbm.h"
#include "xgboost_api.h"

namespace bullion::ml {

namespace {

constexpr const char* kPredictConfig =
    R"({"type": 0, "training": false, "iteration_begin": 0, "iteration_end": 0, "strict_shape": false})";

std::vector<const char*> c_strings(const std::vector<std::string>& v) {
  std::vector<const char*> out;
  out.reserve(v.size());
  for (const std::string& s : v) out.push_back(s.c_str());
  return out;
}

std::vector<std::string> booster_strings(BoosterHandle b, const char* field) {
  bst_ulong n = 0;
  const char** values = nullptr;
  xgb::check(xgb::api().XGBoosterGetStrFeatureInfo(b, field, &n, &values), "XGBoosterGetStrFeatureInfo");
  return std::vector<std::string>(values, values + n);
}

// XGBoost reads models written by older releases, not newer ones, and a
// newer model can load without an error and predict wrongly: XGBoost 3.x
// writes base_score as a list ("[9.43E-2]"), which 1.7 misreads. So a model
// whose "version" is newer than the library is refused.
void check_model_version(std::string_view model_json) {
  int model[3] = {0, 0, 0};
  try {
    const nlohmann::json j = nlohmann::json::parse(model_json);
    const nlohmann::json& v = j.at("version");
    for (size_t i = 0; i < 3 && i < v.size(); ++i) model[i] = v.at(i).get<int>();
  } catch (const nlohmann::json::exception& e) {
    throw Error::corrupt(std::string("not an XGBoost JSON model: ") + e.what());
  }
  int library[3] = {0, 0, 0};
  xgb::api().XGBoostVersion(&library[0], &library[1], &library[2]);
  auto text = [](const int* v) {
    return std::to_string(v[0]) + "." + std::to_string(v[1]) + "." + std::to_string(v[2]);
  };
  if (std::lexicographical_compare(library, library + 2, model, model + 2))
    throw Error::unsupported("the model was written by XGBoost " + text(model) + ", newer than bullion's XGBoost " +
                                 text(library) + ", which cannot read it reliably",
                             "train the model with bullion, or save it with XGBoost " + std::to_string(library[0]) +
                                 "." + std::to_string(library[1]) + " or older");
}

}  // namespace

struct GbmModel::State {
  mutable std::mutex mutex;
  xgb::Booster booster;
  std::vector<std::string> feature_names;
  std::vector<std::string> feature_types;
  int num_rounds = 0;
  int nthread = 1;
};

GbmModel::GbmModel(std::unique_ptr<State> state) : state_(std::move(state)) {}
GbmModel::GbmModel(GbmModel&&) noexcept = default;
GbmModel& GbmModel::operator=(GbmModel&&) noexcept = default;
GbmModel::~GbmModel() = default;

GbmModel GbmModel::train(const Dataset& train, const GbmParams& params) {
  if (!train.labelled) throw Error::invalid_input("cannot train on a dataset without labels");
  if (train.num_rows() == 0) throw Error::invalid_input("the training set is empty: no rows to train on");
  if (train.num_features() == 0) throw Error::invalid_input("no feature columns to train on");
  auto state = std::make_unique<State>();
  state->feature_names = train.feature_names;
  for (const DataType& t : train.feature_types) state->feature_types.emplace_back(xgboost_feature_type(t));
  state->nthread = params.nthread;

  xgb::Matrix dtrain(train.features.data(), train.num_rows(), train.num_features(), params.nthread);
  const std::vector<float> labels(train.labels.begin(), train.labels.end());
  xgb::check(xgb::api().XGDMatrixSetFloatInfo(dtrain.get(), "label", labels.data(), labels.size()),
             "XGDMatrixSetFloatInfo");
  std::vector<const char*> names = c_strings(state->feature_names);
  std::vector<const char*> types = c_strings(state->feature_types);
  xgb::check(xgb::api().XGDMatrixSetStrFeatureInfo(dtrain.get(), "feature_name", names.data(), names.size()),
             "XGDMatrixSetStrFeatureInfo(feature_name)");
  xgb::check(xgb::api().XGDMatrixSetStrFeatureInfo(dtrain.get(), "feature_type", types.data(), types.size()),
             "XGDMatrixSetStrFeatureInfo(feature_type)");

  const DMatrixHandle cache[] = {dtrain.get()};
  state->booster = xgb::Booster(cache, 1);
  for (const auto& [name, value] : params.xgboost)
    xgb::check(xgb::api().XGBoosterSetParam(state->booster.get(), name.c_str(), value.c_str()),
               "setting parameter " + name + "=" + value, ErrorCategory::kInvalidInput);
  // A failed round leaves XGBoost's learner half-configured: the booster is
  // dropped (the exception unwinds it) and never called again.
  for (int i = 0; i < params.num_rounds; ++i)
    xgb::check(xgb::api().XGBoosterUpdateOneIter(state->booster.get(), i, dtrain.get()),
               "boosting round " + std::to_string(i), i == 0 ? ErrorCategory::kInvalidInput : ErrorCategory::kInternal);
  xgb::check(xgb::api().XGBoosterSetStrFeatureInfo(state->booster.get(), "feature_name", names.data(), names.size()),
             "XGBoosterSetStrFeatureInfo(feature_name)");
  xgb::check(xgb::api().XGBoosterSetStrFeatureInfo(state->booster.get(), "feature_type", types.data(), types.size()),
             "XGBoosterSetStrFeatureInfo(feature_type)");
  state->num_rounds = params.num_rounds;
  return GbmModel(std::move(state));
}

GbmModel GbmModel::from_json(std::string_view model_json) {
  size_t first = 0;
  while (first < model_json.size() && std::isspace(static_cast<unsigned char>(model_json[first]))) ++first;
  if (first == model_json.size() || model_json[first] != '{')
    throw Error::corrupt("not an XGBoost JSON model (it does not start with '{')",
                         "bullion reads models saved in XGBoost's JSON format (model.json)");
  check_model_version(model_json);
  auto state = std::make_unique<State>();
  state->booster = xgb::Booster(nullptr, 0);
  BoosterHandle b = state->booster.get();
  xgb::check(xgb::api().XGBoosterLoadModelFromBuffer(b, model_json.data(), model_json.size()), "loading the model",
             ErrorCategory::kCorrupt);
  bst_ulong config_len = 0;
  const char* config = nullptr;
  xgb::check(xgb::api().XGBoosterSaveJsonConfig(b, &config_len, &config), "XGBoosterSaveJsonConfig");
  std::string objective;
  try {
    const nlohmann::json c = nlohmann::json::parse(std::string_view(config, config_len));
    objective = c.at("learner").at("objective").at("name").get<std::string>();
  } catch (const nlohmann::json::exception& e) {
    throw Error::internal(std::string("xgboost: unreadable booster configuration: ") + e.what());
  }
  if (objective != "binary:logistic")
    throw Error::invalid_input("the model's objective is " + objective,
                               "bullion trains and scores binary:logistic classifiers only");
  state->feature_names = booster_strings(b, "feature_name");
  state->feature_types = booster_strings(b, "feature_type");
  bst_ulong num_features = 0;
  xgb::check(xgb::api().XGBoosterGetNumFeature(b, &num_features), "XGBoosterGetNumFeature");
  if (state->feature_names.empty())
    for (bst_ulong i = 0; i < num_features; ++i) state->feature_names.push_back("f" + std::to_string(i));
  if (state->feature_types.size() != state->feature_names.size())
    state->feature_types.assign(state->feature_names.size(), "float");
  xgb::check(xgb::api().XGBoosterBoostedRounds(b, &state->num_rounds), "XGBoosterBoostedRounds");
  xgb::check(xgb::api().XGBoosterSetParam(b, "nthread", "1"), "setting nthread");
  return GbmModel(std::move(state));
}

GbmModel GbmModel::load(const std::string& path) {
  const std::string bytes = FileSystem::local().read_all(path);
  try {
    return from_json(bytes);
  } catch (const Error& e) {
    throw Error(e.category(), "model '" + path + "': " + e.message(), e.hint());
  }
}

const std::vector<std::string>& GbmModel::feature_names() const { return state_->feature_names; }
const std::vector<std::string>& GbmModel::feature_types() const { return state_->feature_types; }
int GbmModel::num_rounds() const { return state_->num_rounds; }

void GbmModel::set_nthread(int nthread) {
  if (nthread < 1) throw Error::invalid_input("nthread must be at least 1, got " + std::to_string(nthread));
  std::lock_guard lock(state_->mutex);
  xgb::check(xgb::api().XGBoosterSetParam(state_->booster.get(), "nthread", std::to_string(nthread).c_str()),
             "setting nthread");
  state_->nthread = nthread;
}

std::vector<float> GbmModel::predict(std::span<const float> rows) const {
  const size_t nf = num_features();
  if (nf == 0 || rows.size() % nf != 0)
    throw Error::invalid_input("predict: " + std::to_string(rows.size()) + " values are not rows of " +
                               std::to_string(nf) + " features");
  const size_t num_rows = rows.size() / nf;
  if (num_rows == 0) return {};
  std::lock_guard lock(state_->mutex);
  xgb::Matrix m(rows.data(), num_rows, nf, state_->nthread);
  const bst_ulong* shape = nullptr;
  bst_ulong dim = 0;
  const float* result = nullptr;
  xgb::check(
      xgb::api().XGBoosterPredictFromDMatrix(state_->booster.get(), m.get(), kPredictConfig, &shape, &dim, &result),
      "XGBoosterPredictFromDMatrix");
  BULLION_ASSERT(dim == 1 && shape[0] == num_rows, "one probability per row");
  return std::vector<float>(result, result + num_rows);
}

std::vector<float> GbmModel::predict(const Dataset& data) const {
  const std::vector<std::string>& names = feature_names();
  for (size_t i = 0; i < std::max(names.size(), data.num_features()); ++i) {
    if (i >= names.size() || i >= data.num_features() || names[i] != data.feature_names[i])
      throw Error::invalid_input("the data's features do not match the model's at position " + std::to_string(i + 1) +
                                     ": the model has " + (i < names.size() ? "'" + names[i] + "'" : "nothing") +
                                     ", the data " +
                                     (i < data.num_features() ? "'" + data.feature_names[i] + "'" : "nothing"),
                                 "build the dataset with the model's feature_names(), in that order");
  }
  return predict(std::span<const float>(data.features));
}

std::string GbmModel::to_json() const {
  std::lock_guard lock(state_->mutex);
  bst_ulong len = 0;
  const char* bytes = nullptr;
  xgb::check(xgb::api().XGBoosterSaveModelToBuffer(state_->booster.get(), R"({"format": "json"})", &len, &bytes),
             "XGBoosterSaveModelToBuffer");
  return std::string(bytes, len);
}

void GbmModel::save(const std::string& path) const {
  if (!path.ends_with(".json"))
    throw Error::invalid_input("model file '" + path + "' does not end in .json",
                               "XGBoost reads a model file's format from its extension; name it model.json");
  FileSystem::local().write_atomic(path, to_json());
}

std::vector<FeatureImportance> GbmModel::feature_importance() const {
  std::vector<FeatureImportance> out;
  for (const std::string& name : feature_names()) out.push_back({name, 0, 0, 0});
  std::lock_guard lock(state_->mutex);
  for (const char* type : {"gain", "total_gain", "weight"}) {
    const std::string config = std::string(R"({"importance_type": ")") + type + "\"}";
    bst_ulong n = 0, dim = 0;
    const char** names = nullptr;
    const bst_ulong* shape = nullptr;
    const float* scores = nullptr;
    xgb::check(
        xgb::api().XGBoosterFeatureScore(state_->booster.get(), config.c_str(), &n, &names, &dim, &shape, &scores),
        std::string("XGBoosterFeatureScore(") + type + ")");
    for (bst_ulong i = 0; i < n; ++i) {
      for (FeatureImportance& fi : out) {
        if (fi.feature != names[i]) continue;
        double& slot = type[0] == 'w' ? fi.weight : (type[0] == 't' ? fi.total_gain : fi.gain);
        slot = scores[i];
      }
    }
  }
  return out;
}

std::string xgboost_version() {
  int major = 0, minor = 0, patch = 0;
  xgb::api().XGBoostVersion(&major, &minor, &patch);
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
}

std::string openmp_wait_policy() { return xgb::effective_wait_policy(); }

}  // namespace bullion::ml
