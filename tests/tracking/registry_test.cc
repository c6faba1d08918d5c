// Model registry: versions, stages, aliases, tags, history.
#include <gtest/gtest.h>

#include "bullion/tracking/mlmodel.h"
#include "bullion/tracking/store.h"
#include "support/temp_dir.h"

namespace bullion::tracking {
namespace {

using bullion::testing::TempDir;

class RegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    run_id_ = store_.create_run("0").info.run_id;
    model_id_ = store_.create_logged_model("0", "model", "xgboost", run_id_).model_id;
    store_.create_registered_model("churn", "churn model", {{"owner", "ml"}}, "alice");
  }
  ModelVersion add_version() {
    CreateModelVersionOptions o;
    o.source = "models:/" + model_id_;
    o.user_id = "alice";
    return store_.create_model_version("churn", o);
  }
  TempDir dir_;
  TrackingStore store_{dir_.path()};
  std::string run_id_, model_id_;
};

template <typename F>
ErrorCategory category_of(F&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.category();
  }
  ADD_FAILURE() << "expected an Error";
  return ErrorCategory::kInternal;
}

TEST_F(RegistryTest, RegisteredModelCrud) {
  RegisteredModel m = store_.get_registered_model("churn");
  EXPECT_EQ(m.description, "churn model");
  EXPECT_EQ(m.user_id, "alice");
  EXPECT_EQ(m.tags[0], (Tag{"owner", "ml"}));
  EXPECT_EQ(category_of([&] { store_.create_registered_model("churn"); }), ErrorCategory::kConflict);
  EXPECT_EQ(category_of([&] { store_.get_registered_model("nope"); }), ErrorCategory::kNotFound);
  EXPECT_EQ(category_of([&] { store_.create_registered_model(""); }), ErrorCategory::kInvalidInput);
  store_.update_registered_model("churn", "new description");
  store_.set_registered_model_tag("churn", "k", "v");
  store_.delete_registered_model_tag("churn", "owner");
  m = store_.get_registered_model("churn");
  EXPECT_EQ(m.description, "new description");
  ASSERT_EQ(m.tags.size(), 1u);
  EXPECT_EQ(m.tags[0], (Tag{"k", "v"}));
  add_version();
  store_.set_registered_model_alias("churn", "champion", 1);
  store_.rename_registered_model("churn", "churn2");
  EXPECT_FALSE(store_.registered_model_exists("churn"));
  EXPECT_EQ(store_.get_model_version_by_alias("churn2", "champion").version, 1);
  store_.create_registered_model("other");
  auto page = store_.search_registered_models("name LIKE 'churn%'");
  ASSERT_EQ(page.items.size(), 1u);
  EXPECT_EQ(page.items[0].name, "churn2");
  EXPECT_EQ(store_.search_registered_models("tags.k = 'v'").items.size(), 1u);
  page = store_.search_registered_models("", 1, {"name DESC"});
  EXPECT_EQ(page.items[0].name, "other");
  EXPECT_FALSE(page.next_page_token.empty());
  store_.delete_registered_model("churn2");
  EXPECT_EQ(category_of([&] { store_.get_model_version("churn2", 1); }), ErrorCategory::kNotFound);
}

TEST_F(RegistryTest, VersionsAreAllocatedInOrderAndResolveSources) {
  const ModelVersion v1 = add_version();
  EXPECT_EQ(v1.version, 1);
  EXPECT_EQ(v1.status, ModelVersionStatus::kReady);
  EXPECT_EQ(v1.current_stage, "None");
  EXPECT_EQ(v1.model_id, model_id_);
  EXPECT_EQ(v1.run_id, run_id_);  // from the logged model's source run
  EXPECT_EQ(v1.storage_location, "mlflow-artifacts:/0/models/" + model_id_ + "/artifacts");
  EXPECT_EQ(store_.get_model_version_download_uri("churn", 1), v1.storage_location);
  CreateModelVersionOptions runs_source;
  runs_source.source = "runs:/" + run_id_ + "/model";
  const ModelVersion v2 = store_.create_model_version("churn", runs_source);
  EXPECT_EQ(v2.version, 2);
  EXPECT_EQ(v2.run_id, run_id_);
  EXPECT_EQ(v2.storage_location, "mlflow-artifacts:/0/" + run_id_ + "/artifacts/model");
  store_.delete_model_version("churn", 2);
  EXPECT_EQ(add_version().version, 3);  // numbers are never reused
  CreateModelVersionOptions bad;
  bad.source = "models:/m-00000000000000000000000000000000";
  EXPECT_EQ(category_of([&] { store_.create_model_version("churn", bad); }), ErrorCategory::kNotFound);
  EXPECT_EQ(category_of([&] { store_.create_model_version("missing", runs_source); }), ErrorCategory::kNotFound);
  EXPECT_EQ(store_.search_model_versions("name = 'churn'").items.size(), 2u);
  EXPECT_EQ(store_.search_model_versions("run_id = '" + run_id_ + "' and version_number > 1").items.at(0).version, 3);
  store_.set_model_version_tag("churn", 1, "validated", "yes");
  EXPECT_EQ(store_.search_model_versions("tags.validated = 'yes'").items.size(), 1u);
  store_.delete_model_version_tag("churn", 1, "validated");
  EXPECT_EQ(store_.update_model_version("churn", 1, "first").description, "first");
  EXPECT_EQ(store_.get_logged_model(model_id_).registrations.size(), 2u);
}

TEST_F(RegistryTest, StageTransitionsWithArchiveExisting) {
  add_version();
  add_version();
  add_version();
  store_.transition_model_version_stage("churn", 1, "production", false, "alice");
  store_.transition_model_version_stage("churn", 2, "PRODUCTION", false, "bob");
  EXPECT_EQ(store_.get_model_version("churn", 1).current_stage, "Production");
  const ModelVersion v3 = store_.transition_model_version_stage("churn", 3, "Production", true, "carol");
  EXPECT_EQ(v3.current_stage, "Production");
  EXPECT_EQ(store_.get_model_version("churn", 1).current_stage, "Archived");
  EXPECT_EQ(store_.get_model_version("churn", 2).current_stage, "Archived");
  const auto latest = store_.get_latest_versions("churn", {"production"});
  ASSERT_EQ(latest.size(), 1u);
  EXPECT_EQ(latest[0].version, 3);
  EXPECT_EQ(store_.get_latest_versions("churn").size(), 2u);  // Archived: 2, Production: 3
  EXPECT_EQ(store_.get_registered_model("churn").latest_versions.size(), 2u);
  EXPECT_EQ(category_of([&] { store_.transition_model_version_stage("churn", 1, "Shipping", false); }),
            ErrorCategory::kInvalidInput);
  EXPECT_EQ(category_of([&] { store_.transition_model_version_stage("churn", 1, "Archived", true); }),
            ErrorCategory::kInvalidInput);
  EXPECT_EQ(category_of([&] { store_.transition_model_version_stage("churn", 9, "Staging", false); }),
            ErrorCategory::kNotFound);
  EXPECT_EQ(TrackingStore::canonical_stage("nOnE"), "None");
  EXPECT_EQ(TrackingStore::canonical_stage("staging"), "Staging");

  const auto history = store_.registry_history("churn");
  std::vector<std::string> stages;
  for (const auto& e : history)
    if (e.kind == "stage") stages.push_back(std::to_string(e.version) + ":" + e.from + "->" + e.to + "@" + e.user_id);
  EXPECT_EQ(stages, (std::vector<std::string>{"1:None->Production@alice", "2:None->Production@bob",
                                              "1:Production->Archived@carol", "2:Production->Archived@carol",
                                              "3:None->Production@carol"}));
}

TEST_F(RegistryTest, AliasesValidatedMovedAndRecorded) {
  add_version();
  add_version();
  store_.set_registered_model_alias("churn", "champion", 1, "alice");
  EXPECT_EQ(store_.get_model_version_by_alias("churn", "champion").version, 1);
  store_.set_registered_model_alias("churn", "champion", 2, "bob");  // moves
  store_.set_registered_model_alias("churn", "challenger-1", 1, "bob");
  const ModelVersion v2 = store_.get_model_version("churn", 2);
  EXPECT_EQ(v2.aliases, (std::vector<std::string>{"champion"}));
  const RegisteredModel m = store_.get_registered_model("churn");
  ASSERT_EQ(m.aliases.size(), 2u);
  EXPECT_EQ(m.aliases[0].alias, "challenger-1");
  EXPECT_EQ(m.aliases[1].alias, "champion");
  EXPECT_EQ(m.aliases[1].version, 2);
  store_.delete_registered_model_alias("churn", "champion", "carol");
  store_.delete_registered_model_alias("churn", "champion", "carol");  // no-op
  EXPECT_EQ(category_of([&] { store_.get_model_version_by_alias("churn", "champion"); }), ErrorCategory::kNotFound);
  for (const char* bad : {"", "v1", "V23", "latest", "LATEST", "has space", "a/b", "a.b"})
    EXPECT_EQ(category_of([&] { store_.set_registered_model_alias("churn", bad, 1); }), ErrorCategory::kInvalidInput)
        << bad;
  EXPECT_EQ(category_of([&] { store_.set_registered_model_alias("churn", "ok", 7); }), ErrorCategory::kNotFound);
  TrackingStore::validate_alias("v1a");
  TrackingStore::validate_alias("prod_2-b");
  TrackingStore::validate_alias("v");

  std::vector<std::string> events;
  for (const auto& e : store_.registry_history("churn"))
    if (e.kind.rfind("alias", 0) == 0)
      events.push_back(e.kind + ":" + e.alias + ":" + e.from + "->" + e.to + "@" + e.user_id);
  EXPECT_EQ(events, (std::vector<std::string>{"alias_set:champion:->1@alice", "alias_set:champion:1->2@bob",
                                              "alias_set:challenger-1:->1@bob", "alias_deleted:champion:2->@carol"}));
  // Deleting a version removes its aliases.
  store_.delete_model_version("churn", 1);
  EXPECT_TRUE(store_.get_registered_model("churn").aliases.empty());
}

TEST_F(RegistryTest, RegisterLoggedModelCreatesTheModelOnce) {
  const ModelVersion v = register_logged_model(store_, "fresh-model", model_id_, "alice");
  EXPECT_EQ(v.name, "fresh-model");
  EXPECT_EQ(v.version, 1);
  EXPECT_EQ(register_logged_model(store_, "fresh-model", model_id_).version, 2);
}

}  // namespace
}  // namespace bullion::tracking
