// Batch scoring (`bullion score`) and the online routes of `bullion serve`
// over a small Gold-like table and models trained on it: predictions equal
// GbmModel::predict exactly, rescoring replaces one date, aliases are
// followed, and bad requests get MLflow-shaped 4xx answers.
#include "bullion/server/scoring.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "bullion/core/time.h"
#include "bullion/delta/log.h"
#include "bullion/delta/scan.h"
#include "bullion/server/online.h"
#include "server/scoring_fixture.h"
#include "support/temp_dir.h"

namespace bullion::server {
namespace {

using bullion::testing::TempDir;
using nlohmann::json;
using namespace bullion::server::testing;

constexpr const char* kModel = "churn-prediction-gbm";
constexpr int kCustomers = 40;
constexpr int kDates = 3;
constexpr int32_t kFirstDate = 20148;  // churn_batch's first feature date, 2025-03-01; then weekly

template <class F>
Error error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "expected a bullion::Error";
  return Error::internal("no error");
}

// The rows of `batch` with feature_date = date.
Batch rows_at(const Batch& batch, int32_t date) {
  std::vector<uint32_t> rows;
  const Column& d = *batch.column("feature_date");
  for (size_t r = 0; r < batch.num_rows(); ++r)
    if (d.data<int32_t>()[r] == date) rows.push_back(static_cast<uint32_t>(r));
  return batch.take(rows.data(), rows.size());
}

// What GbmModel::predict says for the rows of `features`, by entity.
std::map<std::string, float> expected_probabilities(const std::string& model_json, const Batch& features) {
  const ml::GbmModel model = ml::GbmModel::from_json(model_json);
  const ml::Dataset data =
      ml::build_dataset(features, {ml::testing::kChurnFeatures, "", "customer_id", "feature_date"});
  const std::vector<float> p = model.predict(data);
  std::map<std::string, float> out;
  for (size_t r = 0; r < data.num_rows(); ++r) out[data.entities[r]] = p[r];
  return out;
}

class ScoringTest : public ::testing::Test {
 protected:
  void SetUp() override {
    labelled_ = ml::testing::churn_batch(kCustomers, kDates, 7);
    gold_ = features_of(labelled_);
    write_features(dir_.path(), gold_);
    v1_ = train_and_register(store_, scratch_.path(), labelled_, kModel, 8);
    store_.set_registered_model_alias(kModel, "champion", v1_.version);
  }

  ScoreResult score(const std::string& model, int32_t date, const std::string& output = "") {
    exec::ExecContext exec;
    return score_batch(dir_.path(), store_, {parse_model_ref(model), date, output}, exec);
  }

  Batch predictions(const std::string& table = "churn.gold.predictions") {
    const auto path = delta::resolve_table(dir_.path(), table).path;
    return delta::DeltaScan(delta::DeltaTable::open(path).latest(), {}).read_all();
  }

  TempDir dir_, scratch_;
  tracking::TrackingStore store_{dir_.path()};
  Batch labelled_, gold_;
  TrainedVersion v1_;
};

TEST(ModelRef, ParsesAliasesVersionsAndModelsUris) {
  ModelRef r = parse_model_ref("churn-prediction-gbm@champion");
  EXPECT_EQ(r.name, "churn-prediction-gbm");
  EXPECT_EQ(r.alias, "champion");
  EXPECT_EQ(r.version, 0);
  EXPECT_EQ(r.to_string(), "churn-prediction-gbm@champion");
  r = parse_model_ref("models:/churn/12");
  EXPECT_EQ(r.name, "churn");
  EXPECT_EQ(r.alias, "");
  EXPECT_EQ(r.version, 12);
  EXPECT_EQ(r.to_string(), "churn/12");
  for (const char* bad : {"churn", "churn/0", "churn/x", "churn/-1", "@champion", "churn@", "/3", "churn@a b"}) {
    const Error e = error_of([&] { parse_model_ref(bad); });
    EXPECT_EQ(e.category(), ErrorCategory::kInvalidInput) << bad;
  }
  EXPECT_NE(error_of([] { parse_model_ref("churn"); }).hint().find("NAME@ALIAS"), std::string::npos);
}

TEST(ModelRef, DefaultPredictionsTable) {
  EXPECT_EQ(default_predictions_table("churn.gold.features"), "churn.gold.predictions");
  EXPECT_EQ(error_of([] { default_predictions_table("/data/gold"); }).category(), ErrorCategory::kInvalidInput);
}

TEST_F(ScoringTest, BatchScoreWritesExactPredictions) {
  const int32_t date = kFirstDate + 7;
  const ScoreResult r = score("churn-prediction-gbm@champion", date);
  EXPECT_EQ(r.model_name, kModel);
  EXPECT_EQ(r.model_version, v1_.version);
  EXPECT_EQ(r.run_id, v1_.run_id);
  EXPECT_EQ(r.model_id, v1_.model_id);
  EXPECT_EQ(r.features_table, "churn.gold.features");
  EXPECT_EQ(r.features_version, 0);
  EXPECT_EQ(r.output_table, "churn.gold.predictions");
  EXPECT_EQ(r.output_version, 0);
  EXPECT_EQ(r.rows, static_cast<uint64_t>(kCustomers));

  const Batch out = predictions();
  EXPECT_EQ(out.schema()->to_string(),
            "customer_id: STRING, feature_date: DATE, probability: DOUBLE, prediction: INT, model_name: STRING, "
            "model_version: BIGINT");
  ASSERT_EQ(out.num_rows(), static_cast<size_t>(kCustomers));
  const auto expected = expected_probabilities(v1_.model_json, rows_at(gold_, date));
  ASSERT_EQ(expected.size(), static_cast<size_t>(kCustomers));
  uint64_t positives = 0;
  std::string previous;
  for (size_t i = 0; i < out.num_rows(); ++i) {
    const std::string entity = out.column(0)->value(i).as_string();
    EXPECT_LT(previous, entity) << "sorted by entity";
    previous = entity;
    EXPECT_EQ(out.column(1)->value(i), Value::date(date));
    const double p = out.column(2)->value(i).as_double();
    EXPECT_EQ(p, static_cast<double>(expected.at(entity))) << entity;
    EXPECT_EQ(out.column(3)->value(i), Value::int32(p > 0.5 ? 1 : 0));
    positives += p > 0.5 ? 1 : 0;
    EXPECT_EQ(out.column(4)->value(i), Value::string(kModel));
    EXPECT_EQ(out.column(5)->value(i), Value::int64(v1_.version));
  }
  EXPECT_EQ(r.positives, positives);
  EXPECT_GT(positives, 0u);
  EXPECT_LT(positives, static_cast<uint64_t>(kCustomers));

  // Lineage: the model and the Gold version read, in the commit's bullion metadata.
  const auto path = delta::resolve_table(dir_.path(), "churn.gold.predictions").path;
  const auto history = delta::DeltaTable::open(path).history(1);
  ASSERT_EQ(history.size(), 1u);
  const json info = json::parse(history[0].commit_info->json);
  EXPECT_EQ(info["bullion"]["layer"], "score");
  EXPECT_EQ(info["bullion"]["as_of"], "2025-03-08");
  EXPECT_EQ(info["bullion"]["model"]["name"], kModel);
  EXPECT_EQ(info["bullion"]["model"]["version"], v1_.version);
  EXPECT_EQ(info["bullion"]["model"]["run_id"], v1_.run_id);
  EXPECT_EQ(info["bullion"]["model"]["reference"], "churn-prediction-gbm@champion");
  EXPECT_EQ(info["bullion"]["lineage"], (json{{"churn.gold.features", 0}}));
  EXPECT_EQ(delta::DeltaTable::open(path).latest().partition_columns(), std::vector<std::string>{"feature_date"});
}

TEST_F(ScoringTest, RescoringADateReplacesOnlyThatDate) {
  score("churn-prediction-gbm@champion", kFirstDate);
  score("churn-prediction-gbm@champion", kFirstDate + 7);
  const TrainedVersion v2 = train_and_register(store_, scratch_.path(), labelled_, kModel, 20);
  store_.set_registered_model_alias(kModel, "champion", v2.version);
  const ScoreResult r = score("churn-prediction-gbm@champion", kFirstDate + 7);
  EXPECT_EQ(r.model_version, 2);
  EXPECT_EQ(r.output_version, 2);

  const Batch out = predictions();
  ASSERT_EQ(out.num_rows(), static_cast<size_t>(2 * kCustomers));
  const auto old_p = expected_probabilities(v1_.model_json, rows_at(gold_, kFirstDate));
  const auto new_p = expected_probabilities(v2.model_json, rows_at(gold_, kFirstDate + 7));
  size_t old_rows = 0, new_rows = 0;
  for (size_t i = 0; i < out.num_rows(); ++i) {
    const std::string entity = out.column(0)->value(i).as_string();
    const int32_t date = static_cast<int32_t>(out.column(1)->value(i).as_int());
    const int64_t version = out.column(5)->value(i).as_int();
    if (date == kFirstDate) {
      ++old_rows;
      EXPECT_EQ(version, 1);
      EXPECT_EQ(out.column(2)->value(i).as_double(), static_cast<double>(old_p.at(entity)));
    } else {
      ++new_rows;
      EXPECT_EQ(date, kFirstDate + 7);
      EXPECT_EQ(version, 2);
      EXPECT_EQ(out.column(2)->value(i).as_double(), static_cast<double>(new_p.at(entity)));
    }
  }
  EXPECT_EQ(old_rows, static_cast<size_t>(kCustomers));
  EXPECT_EQ(new_rows, static_cast<size_t>(kCustomers));
}

TEST_F(ScoringTest, ExplicitVersionAndOutputTable) {
  const ScoreResult r = score("churn-prediction-gbm/1", kFirstDate, "churn.scores.by_v1");
  EXPECT_EQ(r.output_table, "churn.scores.by_v1");
  EXPECT_EQ(predictions("churn.scores.by_v1").num_rows(), static_cast<size_t>(kCustomers));
  EXPECT_EQ(error_of([&] { score("churn-prediction-gbm/1", kFirstDate, "churn.gold.features"); }).category(),
            ErrorCategory::kInvalidInput);
}

TEST_F(ScoringTest, UnknownModelAliasOrVersionListsWhatExists) {
  Error e = error_of([&] { score("churn-prediction-gmb@champion", kFirstDate); });
  EXPECT_EQ(e.category(), ErrorCategory::kNotFound);
  EXPECT_NE(e.message().find("'churn-prediction-gmb' not found"), std::string::npos) << e.message();
  EXPECT_NE(e.message().find("registered models: churn-prediction-gbm"), std::string::npos) << e.message();
  EXPECT_NE(e.hint().find("did you mean 'churn-prediction-gbm'"), std::string::npos) << e.hint();

  e = error_of([&] { score("churn-prediction-gbm@challenger", kFirstDate); });
  EXPECT_EQ(e.category(), ErrorCategory::kNotFound);
  EXPECT_NE(e.message().find("has no alias 'challenger'; its aliases: champion -> v1"), std::string::npos)
      << e.message();

  e = error_of([&] { score("churn-prediction-gbm/7", kFirstDate); });
  EXPECT_EQ(e.category(), ErrorCategory::kNotFound);
  EXPECT_NE(e.message().find("has no version 7; its versions: 1"), std::string::npos) << e.message();
  EXPECT_FALSE(delta::DeltaTable::exists(delta::resolve_table(dir_.path(), "churn.gold.predictions").path));
}

TEST_F(ScoringTest, ADateWithoutRowsNamesTheTableAndItsDates) {
  const Error e = error_of([&] { score("churn-prediction-gbm@champion", kFirstDate + 1); });
  EXPECT_EQ(e.category(), ErrorCategory::kNotFound);
  EXPECT_NE(e.message().find("features table churn.gold.features (version 0) has no rows with feature_date = "
                             "2025-03-02; its dates are 2025-03-01, 2025-03-08, 2025-03-15"),
            std::string::npos)
      << e.message();
  EXPECT_NE(e.hint().find("--as-of"), std::string::npos);
  EXPECT_FALSE(delta::DeltaTable::exists(delta::resolve_table(dir_.path(), "churn.gold.predictions").path));
}

TEST_F(ScoringTest, AModelWhoseFeaturesAreNotInGoldIsRefused) {
  // A features table without the "noise" column the model reads.
  std::vector<size_t> keep;
  for (size_t i = 0; i < gold_.num_columns(); ++i)
    if (gold_.schema()->field(i).name != "noise") keep.push_back(i);
  write_features(dir_.path(), gold_.project(keep), "churn.gold.narrow");
  const TrainedVersion narrow =
      train_and_register(store_, scratch_.path(), labelled_, "narrow-gbm", 5, "churn.gold.narrow");
  const Error e = error_of([&] { score("narrow-gbm/" + std::to_string(narrow.version), kFirstDate); });
  EXPECT_EQ(e.category(), ErrorCategory::kInvalidInput);
  EXPECT_NE(e.message().find("model narrow-gbm v1 needs column 'noise', which features table churn.gold.narrow"),
            std::string::npos)
      << e.message();
}

TEST_F(ScoringTest, AVersionWithoutTrainingParamsIsRefused) {
  const tracking::Experiment exp = store_.get_or_create_experiment(kExperiment);
  const std::string run_id = store_.create_run(exp.experiment_id).info.run_id;
  store_.log_param(run_id, "features_table", "churn.gold.features");
  tracking::CreateModelVersionOptions o;
  o.source = "runs:/" + run_id + "/model";
  o.run_id = run_id;
  const auto v = store_.create_model_version(kModel, o);
  const Error e = error_of([&] { score("churn-prediction-gbm/" + std::to_string(v.version), kFirstDate); });
  EXPECT_EQ(e.category(), ErrorCategory::kInvalidInput);
  EXPECT_NE(e.message().find("has no param entity_column, no param feature_date_column, no param feature_columns"),
            std::string::npos)
      << e.message();
}

// ---- online routes ----

struct Reply {
  int status = 0;
  std::string body;
  json js() const { return json::parse(body, nullptr, false); }
};

class OnlineTest : public ScoringTest {
 protected:
  void start(std::chrono::milliseconds refresh = std::chrono::milliseconds(0), const std::string& token = "",
             const std::string& model = "churn-prediction-gbm@champion") {
    client_.reset();
    server_.reset();
    service_.reset();
    service_ = std::make_unique<OnlineService>(dir_.path(), store_, OnlineOptions{model, refresh});
    ServerOptions o;
    o.port = 0;
    o.threads = 4;
    o.token = token;
    server_ = std::make_unique<HttpServer>(o);
    add_online_routes(*server_, *service_);
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->start());
    client_->set_read_timeout(30, 0);
  }
  static Reply reply(const httplib::Result& r) {
    if (!r) return {-1, "transport error " + httplib::to_string(r.error())};
    return {r->status, r->body};
  }
  Reply get(const std::string& path, const httplib::Headers& headers = {}) {
    return reply(client_->Get(path.c_str(), headers));
  }
  Reply post(const std::string& path, const std::string& body, const httplib::Headers& headers = {}) {
    return reply(client_->Post(path.c_str(), headers, body, "application/json"));
  }

  std::unique_ptr<OnlineService> service_;
  std::unique_ptr<HttpServer> server_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(OnlineTest, FeaturesRouteReturnsTheLatestRowOfAnEntity) {
  start();
  const Reply r = get("/features/C0003");
  ASSERT_EQ(r.status, 200) << r.body;
  const int32_t latest = kFirstDate + 7 * (kDates - 1);
  const Batch expected = rows_at(gold_, latest);
  size_t row = 0;
  while (expected.column(0)->value(row).as_string() != "C0003") ++row;
  const json body = r.js();
  EXPECT_EQ(body["customer_id"], "C0003");
  EXPECT_EQ(body["feature_date"], "2025-03-15");
  EXPECT_EQ(body["total_events"], expected.column("total_events")->value(row).as_int());
  EXPECT_EQ(body["days_since_last_event"], expected.column("days_since_last_event")->value(row).as_int());
  EXPECT_EQ(body["noise"].get<double>(), expected.column("noise")->value(row).as_double());
  EXPECT_EQ(body.size(), gold_.num_columns());

  const Reply missing = get("/features/C9999");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.js()["error_code"], "RESOURCE_DOES_NOT_EXIST");
  EXPECT_NE(missing.js()["message"].get<std::string>().find("entity 'C9999' not found in features table "
                                                            "churn.gold.features (version 0)"),
            std::string::npos);
}

TEST_F(OnlineTest, ScoreRouteEqualsPredictOnTheLatestRows) {
  start();
  const int32_t latest = kFirstDate + 7 * (kDates - 1);
  const auto expected = expected_probabilities(v1_.model_json, rows_at(gold_, latest));
  const Reply r = post("/score", R"({"entities": ["C0005", "C0001", "C0039"]})");
  ASSERT_EQ(r.status, 200) << r.body;
  const json body = r.js();
  EXPECT_EQ(body["model"], kModel);
  EXPECT_EQ(body["version"], 1);
  ASSERT_EQ(body["predictions"].size(), 3u);
  const std::vector<std::string> order = {"C0005", "C0001", "C0039"};
  for (size_t i = 0; i < order.size(); ++i) {
    const json& p = body["predictions"][i];
    EXPECT_EQ(p["entity"], order[i]);
    EXPECT_EQ(p["feature_date"], "2025-03-15");
    EXPECT_EQ(p["probability"].get<double>(), static_cast<double>(expected.at(order[i]))) << order[i];
  }
  // The batch scorer writes the same probabilities for that date.
  score("churn-prediction-gbm@champion", latest);
  const Batch out = predictions();
  size_t found = 0;
  for (size_t i = 0; i < out.num_rows(); ++i) {
    if (out.column(0)->value(i).as_string() != "C0005") continue;
    ++found;
    EXPECT_EQ(out.column(2)->value(i).as_double(), body["predictions"][0]["probability"].get<double>());
  }
  EXPECT_EQ(found, 1u);

  // A model named in the request, by version.
  const Reply by_version = post("/score", R"({"entities": ["C0001"], "model": "churn-prediction-gbm/1"})");
  ASSERT_EQ(by_version.status, 200) << by_version.body;
  EXPECT_EQ(by_version.js()["predictions"][0]["probability"].get<double>(), static_cast<double>(expected.at("C0001")));
}

TEST_F(OnlineTest, BadRequestsGetMlflowShapedErrors) {
  start();
  Reply r = post("/score", "{not json");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.js()["error_code"], "BAD_REQUEST");
  r = post("/score", R"({"customers": ["C0001"]})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.js()["error_code"], "INVALID_PARAMETER_VALUE");
  EXPECT_NE(r.body.find("entities"), std::string::npos) << r.body;
  r = post("/score", R"({"entities": 5})");
  EXPECT_EQ(r.status, 400);
  r = post("/score", R"({"entities": [{"id": 1}]})");
  EXPECT_EQ(r.status, 400);
  r = post("/score", R"({"entities": ["C0001", "nobody", "C0002"]})");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.js()["error_code"], "RESOURCE_DOES_NOT_EXIST");
  EXPECT_NE(r.body.find("1 unknown entity in features table churn.gold.features (version 0): 'nobody'"),
            std::string::npos)
      << r.body;
  r = post("/score", R"({"entities": ["C0001"], "model": "churn-prediction-gbm@challenger"})");
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(r.body.find("has no alias 'challenger'"), std::string::npos) << r.body;
  r = post("/score", R"({"entities": ["C0001"], "model": "churn-prediction-gbm"})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(service_->versions("churn-prediction-gbm@challenger"), (std::pair<int64_t, int64_t>{-1, -1}));
}

TEST_F(OnlineTest, WithoutADefaultModelFeaturesAreOffAndScoreNeedsAModel) {
  start(std::chrono::milliseconds(0), "", "");
  Reply r = get("/features/C0001");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("--model"), std::string::npos) << r.body;
  r = post("/score", R"({"entities": ["C0001"]})");
  EXPECT_EQ(r.status, 400);
  r = post("/score", R"({"entities": ["C0001"], "model": "churn-prediction-gbm@champion"})");
  EXPECT_EQ(r.status, 200) << r.body;
}

TEST_F(OnlineTest, TokenIsRequired) {
  start(std::chrono::milliseconds(0), "s3cret");
  EXPECT_EQ(get("/features/C0001").status, 401);
  EXPECT_EQ(post("/score", R"({"entities": ["C0001"]})").status, 401);
  const httplib::Headers auth = {{"Authorization", "Bearer s3cret"}};
  EXPECT_EQ(get("/features/C0001", auth).status, 200);
  EXPECT_EQ(post("/score", R"({"entities": ["C0001"]})", auth).status, 200);
  EXPECT_EQ(get("/features/C0001", {{"Authorization", "Bearer wrong"}}).status, 401);
}

TEST_F(OnlineTest, AMovedAliasServesTheNewModel) {
  start();
  const TrainedVersion v2 = train_and_register(store_, scratch_.path(), labelled_, kModel, 20);
  // Not moved yet: a refresh changes nothing.
  EXPECT_EQ(service_->refresh(), 0u);
  store_.set_registered_model_alias(kModel, "champion", v2.version);
  EXPECT_EQ(service_->refresh(), 1u);
  EXPECT_EQ(service_->versions(), (std::pair<int64_t, int64_t>{2, 0}));
  const auto expected = expected_probabilities(v2.model_json, rows_at(gold_, kFirstDate + 7 * (kDates - 1)));
  const Reply r = post("/score", R"({"entities": ["C0007"]})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.js()["version"], 2);
  EXPECT_EQ(r.js()["predictions"][0]["probability"].get<double>(), static_cast<double>(expected.at("C0007")));
  EXPECT_NE(static_cast<double>(expected.at("C0007")),
            static_cast<double>(expected_probabilities(v1_.model_json, rows_at(gold_, kFirstDate + 14)).at("C0007")));
}

TEST_F(OnlineTest, TheBackgroundRefreshFollowsAliasesAndNewGoldVersions) {
  start(std::chrono::milliseconds(20));
  // A new Gold date: the latest row of every entity moves to it.
  Batch next = rows_at(gold_, kFirstDate);
  {
    ColumnPtr dates = Column::make(DataType::date());
    for (size_t r = 0; r < next.num_rows(); ++r) dates->append<int32_t>(kFirstDate + 28);
    std::vector<ColumnPtr> columns = next.columns();
    columns[static_cast<size_t>(*next.schema()->index_of("feature_date"))] = dates;
    next = Batch(next.schema(), columns, next.num_rows());
  }
  write_features(dir_.path(), next);
  const TrainedVersion v2 = train_and_register(store_, scratch_.path(), labelled_, kModel, 20);
  store_.set_registered_model_alias(kModel, "champion", v2.version);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (service_->versions() != std::pair<int64_t, int64_t>{2, 1} && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_EQ(service_->versions(), (std::pair<int64_t, int64_t>{2, 1}));
  const Reply f = get("/features/C0002");
  ASSERT_EQ(f.status, 200) << f.body;
  EXPECT_EQ(f.js()["feature_date"], "2025-03-29");
  const auto expected = expected_probabilities(v2.model_json, next);
  const Reply r = post("/score", R"({"entities": ["C0002"]})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.js()["predictions"][0]["feature_date"], "2025-03-29");
  EXPECT_EQ(r.js()["predictions"][0]["probability"].get<double>(), static_cast<double>(expected.at("C0002")));
}

TEST_F(OnlineTest, ConcurrentRequestsDuringReloadsSeeAConsistentModel) {
  start();
  const TrainedVersion v2 = train_and_register(store_, scratch_.path(), labelled_, kModel, 20);
  const auto latest = rows_at(gold_, kFirstDate + 7 * (kDates - 1));
  const std::map<int64_t, std::map<std::string, float>> by_version = {
      {1, expected_probabilities(v1_.model_json, latest)}, {2, expected_probabilities(v2.model_json, latest)}};
  std::atomic<bool> done{false};
  std::atomic<int> mismatches{0}, answered{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 3; ++t)
    clients.emplace_back([&] {
      httplib::Client c("127.0.0.1", server_->port());
      while (!done) {
        auto r = c.Post("/score", R"({"entities": ["C0011"]})", "application/json");
        if (!r || r->status != 200) {
          ++mismatches;
          continue;
        }
        const json j = json::parse(r->body);
        const float expected = by_version.at(j["version"].get<int64_t>()).at("C0011");
        if (j["predictions"][0]["probability"].get<double>() != static_cast<double>(expected)) ++mismatches;
        ++answered;
      }
    });
  for (int i = 0; i < 6; ++i) {
    store_.set_registered_model_alias(kModel, "champion", i % 2 == 0 ? v2.version : v1_.version);
    service_->refresh();
  }
  done = true;
  for (auto& t : clients) t.join();
  EXPECT_EQ(mismatches, 0);
  EXPECT_GT(answered, 0);
}

}  // namespace
}  // namespace bullion::server
