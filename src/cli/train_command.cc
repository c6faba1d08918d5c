// `bullion train` and `bullion reproduce` (ml/train_run.h does the work).
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "bullion/core/error.h"
#include "bullion/ml/train_run.h"
#include "bullion/pipeline/validate.h"
#include "cli/cli.h"
#include "cli/tracking_commands.h"

namespace bullion::cli {

namespace {

using Json = nlohmann::json;

struct TrainFlags {
  std::string spec;
  std::optional<int64_t> features_version;
  std::optional<int64_t> labels_version;
  std::string run_name;
  bool no_register = false;
  bool json = false;
};

struct ReproduceFlags {
  std::string run_id;
  bool json = false;
};

Json table_json(const ml::TableVersion& t) { return {{"table", t.name}, {"version", t.version}}; }

Json metrics_json(const ml::TrainingResult& r) {
  Json m = Json::object();
  for (const auto& [k, v] : r.metrics.named()) m[k] = v;
  return m;
}

int xgboost_threads(const GlobalOptions& global) { return static_cast<int>(global.threads); }

}  // namespace

void print_train_summary(const ml::TrainRun& run) {
  const ml::TrainingResult& r = run.training;
  std::printf("run %s (%s) FINISHED — experiment %s\n", run.run_id.c_str(), run.run_name.c_str(),
              run.experiment_id.c_str());
  std::printf("  inputs    %s v%lld, %s v%lld", run.features.name.c_str(), static_cast<long long>(run.features.version),
              run.labels.name.c_str(), static_cast<long long>(run.labels.version));
  for (const ml::TableVersion& u : run.upstream)
    std::printf(", %s v%lld", u.name.c_str(), static_cast<long long>(u.version));
  std::printf("\n  rows      %zu training, %zu test (%zu positive in test), %zu features; trained in %.2fs\n",
              r.training_rows(), r.test_rows(), static_cast<size_t>(r.metrics.num_positive), r.data.num_features(),
              r.train_seconds);
  std::printf("  metrics  ");
  for (const auto& [k, v] : r.metrics.named()) std::printf(" %s=%.4f", k.c_str(), v);
  std::printf("\n  model     %s (%s)\n", run.model.model_id.c_str(), run.model_dir.c_str());
  if (run.registered)
    std::printf("  registered %s version %lld\n", run.registered->name.c_str(),
                static_cast<long long>(run.registered->version));
}

void add_train_commands(CLI::App& app, const GlobalOptions& global) {
  auto flags = std::make_shared<TrainFlags>();
  CLI::App* train = app.add_subcommand(
      "train", "Train a model on Gold features and labels (the spec's train section), track and register it");
  train->add_option("spec", flags->spec, "The pipeline spec (YAML)")->required();
  train->add_option("--features-version", flags->features_version, "Features table version (default: latest)")
      ->check(CLI::NonNegativeNumber);
  train->add_option("--labels-version", flags->labels_version, "Labels table version (default: latest)")
      ->check(CLI::NonNegativeNumber);
  train->add_option("--run-name", flags->run_name, "MLflow run name (default: generated)");
  train->add_flag("--no-register", flags->no_register, "Log the model without registering it");
  train->add_flag("--json", flags->json, "Print the result as JSON");
  train->callback([flags, &global] {
    const pipeline::PipelineSpec spec = pipeline::load_spec(flags->spec);
    const pipeline::ValidationReport report = pipeline::validate_spec(spec, global.lakehouse);
    if (!report.ok())
      throw Error::invalid_input(
          report.errors.front().to_string() +
              (report.errors.size() > 1 ? " (and " + std::to_string(report.errors.size() - 1) + " more problems)" : ""),
          "'bullion validate " + flags->spec + "' lists every problem");
    auto store = open_tracking_store(global, true);
    ml::TrainRunOptions options;
    options.features_version = flags->features_version;
    options.labels_version = flags->labels_version;
    options.run_name = flags->run_name;
    options.register_model = !flags->no_register;
    options.nthread = xgboost_threads(global);
    exec::ExecContext exec;
    const ml::TrainRun run = ml::train_run(spec, global.lakehouse, *store, options, exec);
    if (flags->json) {
      Json upstream = Json::array();
      for (const auto& u : run.upstream) upstream.push_back(table_json(u));
      Json out = {{"run_id", run.run_id},
                  {"run_name", run.run_name},
                  {"experiment_id", run.experiment_id},
                  {"features", table_json(run.features)},
                  {"labels", table_json(run.labels)},
                  {"upstream", upstream},
                  {"training_rows", run.training.training_rows()},
                  {"test_rows", run.training.test_rows()},
                  {"metrics", metrics_json(run.training)},
                  {"model_id", run.model.model_id},
                  {"model_dir", run.model_dir}};
      if (run.registered) out["registered"] = {{"name", run.registered->name}, {"version", run.registered->version}};
      std::cout << out.dump(2) << "\n";
      return;
    }
    if (!global.quiet) print_train_summary(run);
  });

  auto rflags = std::make_shared<ReproduceFlags>();
  CLI::App* reproduce = app.add_subcommand(
      "reproduce",
      "Time-travel a training run's inputs to the logged versions, retrain and compare (exit 1 when different)");
  reproduce->add_option("run_id", rflags->run_id, "The run to reproduce")->required();
  reproduce->add_flag("--json", rflags->json, "Print the result as JSON");
  reproduce->callback([rflags, &global] {
    auto store = open_tracking_store(global, false);
    exec::ExecContext exec;
    const ml::Reproduction r = ml::reproduce_run(global.lakehouse, *store, rflags->run_id, exec);
    const ml::ModelComparison& c = r.comparison;
    if (rflags->json) {
      std::cout << Json{{"run_id", r.run_id},
                        {"features", table_json(r.features)},
                        {"labels", table_json(r.labels)},
                        {"identical", c.identical()},
                        {"same_model_bytes", c.same_bytes},
                        {"test_predictions", c.num_predictions},
                        {"different_predictions", c.num_different_predictions},
                        {"max_abs_difference", c.max_abs_difference},
                        {"metrics", metrics_json(r.training)},
                        {"upstream_notes", r.upstream_notes},
                        {"summary", c.describe()}}
                       .dump(2)
                << "\n";
    } else if (!global.quiet) {
      std::printf("run %s: retrained on %s v%lld and %s v%lld (%zu training rows, %zu test rows)\n", r.run_id.c_str(),
                  r.features.name.c_str(), static_cast<long long>(r.features.version), r.labels.name.c_str(),
                  static_cast<long long>(r.labels.version), r.training.training_rows(), r.training.test_rows());
      for (const std::string& note : r.upstream_notes) std::printf("  note: %s\n", note.c_str());
      std::printf("%s: %s\n", c.identical() ? "REPRODUCED" : "DIFFERENT", c.describe().c_str());
    }
    if (!c.identical()) throw CLI::RuntimeError(1);  // ran, and the result differs: like diff(1)
  });
}

}  // namespace bullion::cli
