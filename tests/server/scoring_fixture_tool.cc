// Test-only: prepares a lakehouse for the scoring interop tests — a Gold-like
// features table (churn.gold.features, ml::testing::churn_batch's rows
// without the label) and two versions of a registered model trained on it
// the way bullion's training logs them (v1: 8 trees, v2: 20 trees), with
// alias "champion" on v1.
//
//   scoring_fixture_tool LAKEHOUSE CUSTOMERS DATES [MODEL_NAME]
// prints one JSON object: model, versions, run_ids, features_table,
// features_version, dates (YYYY-MM-DD).
#include <cstdio>
#include <filesystem>
#include <string>

#include "bullion/core/time.h"
#include "server/scoring_fixture.h"

int main(int argc, char** argv) {
  using namespace bullion;
  if (argc < 4) {
    std::fprintf(stderr, "usage: scoring_fixture_tool LAKEHOUSE CUSTOMERS DATES [MODEL_NAME]\n");
    return 2;
  }
  try {
    const std::string lakehouse = argv[1];
    const int customers = std::stoi(argv[2]);
    const int dates = std::stoi(argv[3]);
    const std::string name = argc > 4 ? argv[4] : "churn-prediction-gbm";
    const Batch labelled = ml::testing::churn_batch(customers, dates, 7);
    const int64_t features_version = server::testing::write_features(lakehouse, server::testing::features_of(labelled));
    const std::string scratch = join_path(lakehouse, "_scoring_fixture");
    std::filesystem::create_directories(scratch);
    tracking::TrackingStore store(lakehouse);
    const auto v1 = server::testing::train_and_register(store, scratch, labelled, name, 8);
    const auto v2 = server::testing::train_and_register(store, scratch, labelled, name, 20);
    store.set_registered_model_alias(name, "champion", v1.version);
    std::filesystem::remove_all(scratch);
    nlohmann::json date_list = nlohmann::json::array();
    for (int d = 0; d < dates; ++d) date_list.push_back(format_date(20148 + 7 * d));
    const nlohmann::json out = {{"model", name},
                                {"versions", {v1.version, v2.version}},
                                {"run_ids", {v1.run_id, v2.run_id}},
                                {"features_table", server::testing::kFeaturesTable},
                                {"features_version", features_version},
                                {"dates", date_list}};
    std::printf("%s\n", out.dump().c_str());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "scoring_fixture_tool: %s\n", e.what());
    return 1;
  }
}
