// XGBoost through the C API: params, training, reproducibility, the model
// file, loading, importance, errors.
#include "bullion/ml/gbm.h"

#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "bullion/core/error.h"
#include "bullion/core/fs.h"
#include "bullion/ml/metrics.h"
#include "ml/ml_fixtures.h"
#include "ml/xgboost_api.h"
#include "support/temp_dir.h"

namespace bullion::ml {
namespace {

using bullion::testing::TempDir;

template <class F>
Error expect_error(F&& f, ErrorCategory category, const std::string& text) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(e.category(), category) << e.what();
    EXPECT_NE(e.message().find(text), std::string::npos) << e.message();
    return e;
  }
  ADD_FAILURE() << "no error; expected one containing: " << text;
  return Error::internal("none");
}

std::string value_of(const ParamList& params, const std::string& name) {
  for (const auto& [k, v] : params)
    if (k == name) return v;
  return "<absent>";
}

const Dataset& churn_data() {
  static const Dataset d = [] {
    const Batch b = testing::churn_batch(400, 5);
    DatasetColumns c;
    c.features = testing::kChurnFeatures;
    return build_dataset(std::span(&b, 1), c);
  }();
  return d;
}

GbmParams seed_params(int nthread = 2) {
  const ParamList spec = {{"n_estimators", "40"}, {"max_depth", "4"}, {"learning_rate", "0.1"}};
  return resolve_gbm_params(spec, nthread, 42);
}

TEST(GbmParams, MapsTheSeedsParamsAndSetsTheExplicitOnes) {
  const ParamList spec = {{"n_estimators", "200"}, {"max_depth", "5"}, {"learning_rate", "0.05"}};
  const GbmParams p = resolve_gbm_params(spec, 4, 42);
  EXPECT_EQ(p.num_rounds, 200);
  EXPECT_EQ(p.nthread, 4);
  EXPECT_EQ(p.seed, 42);
  EXPECT_EQ(p.base_score, 0.5);
  EXPECT_EQ(p.xgboost, (ParamList{{"booster", "gbtree"},
                                  {"objective", "binary:logistic"},
                                  {"tree_method", "hist"},
                                  {"eta", "0.05"},
                                  {"max_depth", "5"},
                                  {"base_score", "0.5"},
                                  {"nthread", "4"},
                                  {"seed", "42"}}));
  EXPECT_EQ(p.logged, (ParamList{{"n_estimators", "200"},
                                 {"learning_rate", "0.05"},
                                 {"max_depth", "5"},
                                 {"objective", "binary:logistic"},
                                 {"tree_method", "hist"},
                                 {"base_score", "0.5"},
                                 {"nthread", "4"},
                                 {"seed", "42"}}));
}

TEST(GbmParams, DefaultsAreScikitLearns) {
  const GbmParams p = resolve_gbm_params({}, 1, 7);
  EXPECT_EQ(p.num_rounds, 100);
  EXPECT_EQ(value_of(p.xgboost, "eta"), "0.1");
  EXPECT_EQ(value_of(p.xgboost, "max_depth"), "3");
  EXPECT_EQ(value_of(p.logged, "n_estimators"), "100");
  EXPECT_EQ(value_of(p.logged, "seed"), "7");
}

TEST(GbmParams, PassesThroughKnownParamsAndPinsThreadsAndSeed) {
  const ParamList spec = {{"eta", "0.3"},
                          {"subsample", "0.8"},
                          {"reg_lambda", "2"},
                          {"min_child_weight", "1e-1"},
                          {"grow_policy", "lossguide"},
                          {"max_leaves", "16"},
                          {"n_jobs", "3"},
                          {"random_state", "9"},
                          {"base_score", "0.25"},
                          {"monotone_constraints", "(1,0,0,-1)"}};
  const GbmParams p = resolve_gbm_params(spec, 8, 42);
  EXPECT_EQ(p.nthread, 3);
  EXPECT_EQ(p.seed, 9);
  EXPECT_EQ(p.base_score, 0.25);
  EXPECT_EQ(value_of(p.xgboost, "eta"), "0.3");
  EXPECT_EQ(value_of(p.xgboost, "lambda"), "2");
  EXPECT_EQ(value_of(p.xgboost, "min_child_weight"), "0.1");
  EXPECT_EQ(value_of(p.xgboost, "subsample"), "0.8");
  EXPECT_EQ(value_of(p.xgboost, "nthread"), "3");
  EXPECT_EQ(value_of(p.xgboost, "monotone_constraints"), "(1,0,0,-1)");
  EXPECT_EQ(value_of(p.logged, "eta"), "0.3");  // logged as the spec spelled it
  EXPECT_EQ(value_of(p.logged, "reg_lambda"), "2");
  EXPECT_EQ(value_of(p.logged, "learning_rate"), "<absent>");
  EXPECT_EQ(value_of(p.logged, "nthread"), "3");
  EXPECT_EQ(value_of(p.logged, "seed"), "9");
}

TEST(GbmParams, LoggedParamsResolveToTheSameParams) {
  const ParamList spec = {{"n_estimators", "50"}, {"learning_rate", "0.05"}, {"colsample_bytree", "0.5"}};
  const GbmParams first = resolve_gbm_params(spec, 2, 11);
  for (const auto& [name, value] : first.logged) EXPECT_TRUE(is_gbm_param(name)) << name;
  const GbmParams again = resolve_gbm_params(first.logged, 16, 99);  // the logged values win
  EXPECT_EQ(again.xgboost, first.xgboost);
  EXPECT_EQ(again.logged, first.logged);
  EXPECT_EQ(again.num_rounds, first.num_rounds);
  EXPECT_FALSE(is_gbm_param("delta_feature_version"));
}

TEST(GbmParams, RefusesUnknownAndMalformedParams) {
  auto resolve = [](ParamList spec) { return [spec] { resolve_gbm_params(spec, 1, 0); }; };
  const Error e =
      expect_error(resolve({{"n_estimator", "10"}}), ErrorCategory::kInvalidInput, "unknown model param 'n_estimator'");
  EXPECT_EQ(e.hint(), "did you mean 'n_estimators'?");
  expect_error(resolve({{"min_samples_leaf", "3"}}), ErrorCategory::kInvalidInput, "unknown model param");
  expect_error(resolve({{"max_depth", "abc"}}), ErrorCategory::kInvalidInput,
               "model param max_depth: 'abc' is not an integer in [0, 1000]");
  expect_error(resolve({{"max_depth", "2.5"}}), ErrorCategory::kInvalidInput, "is not an integer");
  expect_error(resolve({{"n_estimators", "0"}}), ErrorCategory::kInvalidInput, "n_estimators: '0'");
  expect_error(resolve({{"learning_rate", "0"}}), ErrorCategory::kInvalidInput,
               "learning_rate: '0' is not a number in (0, 1]");
  expect_error(resolve({{"subsample", "1.5"}}), ErrorCategory::kInvalidInput, "subsample: '1.5'");
  expect_error(resolve({{"gamma", "nan"}}), ErrorCategory::kInvalidInput, "gamma: 'nan'");
  expect_error(resolve({{"objective", "reg:squarederror"}}), ErrorCategory::kInvalidInput,
               "objective: 'reg:squarederror' is not supported; bullion trains with binary:logistic");
  expect_error(resolve({{"tree_method", "exact"}}), ErrorCategory::kInvalidInput, "bullion trains with hist");
  expect_error(resolve({{"grow_policy", "best"}}), ErrorCategory::kInvalidInput, "one of depthwise,lossguide");
  expect_error(resolve({{"learning_rate", "0.1"}, {"eta", "0.2"}}), ErrorCategory::kInvalidInput,
               "model params 'learning_rate' and 'eta' set the same parameter");
  expect_error([] { resolve_gbm_params({}, 0, 0); }, ErrorCategory::kInvalidInput, "nthread must be at least 1");
}

TEST(GbmModel, TrainsAUsefulModel) {
  const Dataset& d = churn_data();
  const GbmModel m = GbmModel::train(d, seed_params());
  EXPECT_EQ(m.num_rounds(), 40);
  EXPECT_EQ(m.feature_names(), testing::kChurnFeatures);
  EXPECT_EQ(m.feature_types(), (std::vector<std::string>{"int", "int", "float", "float"}));
  const std::vector<float> p = m.predict(d);
  ASSERT_EQ(p.size(), d.num_rows());
  for (float v : p) ASSERT_TRUE(v > 0 && v < 1) << v;
  const std::vector<double> scores(p.begin(), p.end());
  EXPECT_GT(roc_auc(d.labels, scores), 0.9);
}

TEST(GbmModel, TrainingIsReproducibleForTheSameThreads) {
  const Dataset& d = churn_data();
  for (int nthread : {1, 2}) {
    const GbmModel a = GbmModel::train(d, seed_params(nthread));
    const GbmModel b = GbmModel::train(d, seed_params(nthread));
    EXPECT_EQ(a.to_json(), b.to_json()) << "nthread " << nthread;
    EXPECT_EQ(a.predict(d), b.predict(d)) << "nthread " << nthread;
  }
}

TEST(GbmModel, ModelJsonCarriesNamesTypesAndBaseScore) {
  const GbmModel m = GbmModel::train(churn_data(), seed_params());
  const nlohmann::json j = nlohmann::json::parse(m.to_json());
  EXPECT_EQ(j["learner"]["feature_names"], nlohmann::json(testing::kChurnFeatures));
  EXPECT_EQ(j["learner"]["feature_types"], nlohmann::json({"int", "int", "float", "float"}));
  EXPECT_EQ(std::stod(j["learner"]["learner_model_param"]["base_score"].get<std::string>()), 0.5);
  EXPECT_EQ(j["learner"]["objective"]["name"], "binary:logistic");
  EXPECT_EQ(j["learner"]["gradient_booster"]["model"]["trees"].size(), 40u);
  EXPECT_EQ(j["version"], nlohmann::json({1, 7, 4}));
}

TEST(GbmModel, SavesLoadsAndRoundTripsExactly) {
  TempDir dir;
  const Dataset& d = churn_data();
  const GbmModel m = GbmModel::train(d, seed_params());
  const std::string path = dir.file("model.json");
  m.save(path);
  const std::string bytes = FileSystem::local().read_all(path);
  EXPECT_EQ(bytes, m.to_json());
  // The bytes XGBoost itself writes to a .json file are the same.
  {
    const std::string native = dir.file("native.json");
    const xgb::Api& api = xgb::api();
    BoosterHandle h = nullptr;
    ASSERT_EQ(api.XGBoosterCreate(nullptr, 0, &h), 0);
    ASSERT_EQ(api.XGBoosterLoadModelFromBuffer(h, bytes.data(), bytes.size()), 0);
    ASSERT_EQ(api.XGBoosterSaveModel(h, native.c_str()), 0);
    api.XGBoosterFree(h);
    EXPECT_EQ(FileSystem::local().read_all(native), bytes);
  }
  const GbmModel loaded = GbmModel::load(path);
  EXPECT_EQ(loaded.to_json(), bytes);
  EXPECT_EQ(loaded.num_rounds(), 40);
  EXPECT_EQ(loaded.feature_names(), m.feature_names());
  EXPECT_EQ(loaded.feature_types(), m.feature_types());
  EXPECT_EQ(loaded.predict(d), m.predict(d));
  GbmModel threaded = GbmModel::from_json(bytes);
  threaded.set_nthread(2);
  EXPECT_EQ(threaded.predict(d), m.predict(d));
}

TEST(GbmModel, SaveRefusesANonJsonName) {
  TempDir dir;
  const GbmModel m = GbmModel::train(churn_data(), seed_params());
  const Error e =
      expect_error([&] { m.save(dir.file("model.bin")); }, ErrorCategory::kInvalidInput, "does not end in .json");
  EXPECT_NE(e.hint().find("extension"), std::string::npos);
  EXPECT_FALSE(FileSystem::local().exists(dir.file("model.bin")));
}

TEST(GbmModel, LoadErrors) {
  TempDir dir;
  expect_error([&] { GbmModel::load(dir.file("missing.json")); }, ErrorCategory::kNotFound, "missing.json");
  FileSystem::local().write_atomic(dir.file("bad.json"), "{\"learner\": 1}");
  expect_error([&] { GbmModel::load(dir.file("bad.json")); }, ErrorCategory::kCorrupt, "bad.json");
  expect_error([] { GbmModel::from_json("binf\x01\x02"); }, ErrorCategory::kCorrupt, "not an XGBoost JSON model");
  expect_error([] { GbmModel::from_json(""); }, ErrorCategory::kCorrupt, "not an XGBoost JSON model");
  // A regression model is refused for scoring.
  const xgb::Api& api = xgb::api();
  const float x[] = {1, 2, 3, 4}, y[] = {0.5f, 1.5f};
  xgb::Matrix dm(x, 2, 2, 1);
  ASSERT_EQ(api.XGDMatrixSetFloatInfo(dm.get(), "label", y, 2), 0);
  const DMatrixHandle cache[] = {dm.get()};
  xgb::Booster h(cache, 1);
  ASSERT_EQ(api.XGBoosterSetParam(h.get(), "objective", "reg:squarederror"), 0);
  ASSERT_EQ(api.XGBoosterUpdateOneIter(h.get(), 0, dm.get()), 0);
  bst_ulong len = 0;
  const char* buf = nullptr;
  ASSERT_EQ(api.XGBoosterSaveModelToBuffer(h.get(), "{\"format\": \"json\"}", &len, &buf), 0);
  const std::string regression(buf, len);
  expect_error([&] { GbmModel::from_json(regression); }, ErrorCategory::kInvalidInput,
               "the model's objective is reg:squarederror");
}

TEST(GbmModel, RefusesModelsOfANewerXGBoost) {
  const GbmModel m = GbmModel::train(churn_data(), seed_params());
  nlohmann::json j = nlohmann::json::parse(m.to_json());
  j["version"] = {1, 7, 9};  // a newer patch release is fine
  EXPECT_EQ(GbmModel::from_json(j.dump()).num_rounds(), 40);
  j["version"] = {3, 2, 0};
  j["learner"]["learner_model_param"]["base_score"] = "[9.433419E-2]";  // as 3.x writes it
  const Error e = expect_error([&] { GbmModel::from_json(j.dump()); }, ErrorCategory::kUnsupported,
                               "the model was written by XGBoost 3.2.0, newer than bullion's XGBoost 1.7.4");
  EXPECT_EQ(e.hint(), "train the model with bullion, or save it with XGBoost 1.7 or older");
  j.erase("version");
  expect_error([&] { GbmModel::from_json(j.dump()); }, ErrorCategory::kCorrupt, "not an XGBoost JSON model");
}

TEST(GbmModel, ImportanceFromTheBooster) {
  const GbmModel m = GbmModel::train(churn_data(), seed_params());
  const std::vector<FeatureImportance> imp = m.feature_importance();
  ASSERT_EQ(imp.size(), 4u);
  double splits = 0;
  for (size_t i = 0; i < imp.size(); ++i) {
    EXPECT_EQ(imp[i].feature, testing::kChurnFeatures[i]);
    EXPECT_GE(imp[i].gain, 0);
    if (imp[i].weight > 0) {
      EXPECT_NEAR(imp[i].total_gain / imp[i].weight, imp[i].gain, 1e-3 * imp[i].gain);
    }
    splits += imp[i].weight;
  }
  // Every split node of every tree counts once in "weight".
  const nlohmann::json j = nlohmann::json::parse(m.to_json());
  double split_nodes = 0;
  for (const auto& tree : j["learner"]["gradient_booster"]["model"]["trees"])
    for (const auto& left : tree["left_children"]) split_nodes += left.get<int>() != -1 ? 1 : 0;
  EXPECT_EQ(splits, split_nodes);
  // The label is driven by recency and engagement; pure noise gains least.
  EXPECT_GT(imp[1].gain, imp[3].gain);
}

TEST(GbmModel, UnusedFeaturesHaveZeroImportance) {
  Dataset d = churn_data();
  std::vector<float> widened;
  for (size_t r = 0; r < d.num_rows(); ++r) {
    widened.insert(widened.end(), d.row(r), d.row(r) + 4);
    widened.push_back(1.0f);
  }
  d.feature_names.push_back("constant");
  d.feature_types.push_back(DataType::int32());
  d.features = widened;
  const GbmModel m = GbmModel::train(d, seed_params());
  const std::vector<FeatureImportance> imp = m.feature_importance();
  ASSERT_EQ(imp.size(), 5u);
  EXPECT_EQ(imp[4].feature, "constant");
  EXPECT_EQ(imp[4].gain, 0);
  EXPECT_EQ(imp[4].weight, 0);
}

TEST(GbmModel, PredictChecksTheFeatures) {
  const GbmModel m = GbmModel::train(churn_data(), seed_params());
  Dataset other = churn_data();
  std::swap(other.feature_names[1], other.feature_names[2]);
  const Error e = expect_error([&] { m.predict(other); }, ErrorCategory::kInvalidInput,
                               "do not match the model's at position 2: the model has 'days_since_last_event', "
                               "the data 'engagement_score'");
  other.feature_names.pop_back();
  expect_error([&] { m.predict(other); }, ErrorCategory::kInvalidInput, "position 2");
  const std::vector<float> three = {1, 2, 3};
  expect_error([&] { m.predict(three); }, ErrorCategory::kInvalidInput, "3 values are not rows of 4 features");
  EXPECT_TRUE(m.predict(std::span<const float>()).empty());
}

TEST(GbmModel, TrainingErrorsAreReportedNotCrashes) {
  Dataset d = churn_data();
  // XGBoost rejects this constraint string at the first round; the booster is dropped.
  const ParamList spec = {{"monotone_constraints", "(1,0"}};
  expect_error([&] { GbmModel::train(d, resolve_gbm_params(spec, 1, 0)); }, ErrorCategory::kInvalidInput,
               "xgboost: boosting round 0 failed");
  Dataset empty = d.subset({});
  expect_error([&] { GbmModel::train(empty, seed_params()); }, ErrorCategory::kInvalidInput,
               "the training set is empty");
  d.labelled = false;
  expect_error([&] { GbmModel::train(d, seed_params()); }, ErrorCategory::kInvalidInput, "without labels");
}

TEST(GbmModel, ReportsLibraryAndWaitPolicy) {
  EXPECT_EQ(xgboost_version(), "1.7.4");
  // This test binary does not link libgomp: the ml module asked for passive
  // waiting before XGBoost was loaded, unless the environment chose a policy.
  const char* env = std::getenv("OMP_WAIT_POLICY");
  EXPECT_EQ(openmp_wait_policy(), env != nullptr ? std::string(env) : std::string("passive"));
  EXPECT_EQ(xgb::effective_wait_policy(), openmp_wait_policy());
}

}  // namespace
}  // namespace bullion::ml
