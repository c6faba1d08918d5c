// `bullion score`: batch predictions of a registered model on one feature
// date of its Gold table, written to a predictions Delta table
// (server/scoring.h has the table's contract).
#include <cstdio>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "bullion/core/error.h"
#include "bullion/core/time.h"
#include "bullion/exec/plan.h"
#include "bullion/server/scoring.h"
#include "cli/cli.h"
#include "cli/tracking_commands.h"

namespace bullion::cli {

namespace {

struct ScoreFlags {
  std::string model;
  std::string as_of;
  std::string output;
  bool json = false;
};

void score(const GlobalOptions& global, const ScoreFlags& flags) {
  server::ScoreRequest request;
  request.model = server::parse_model_ref(flags.model);
  const auto as_of = parse_date(flags.as_of);
  if (!as_of) throw Error::invalid_input("--as-of '" + flags.as_of + "' is not a date", "give a date as YYYY-MM-DD");
  request.as_of = *as_of;
  request.output_table = flags.output;
  auto store = open_tracking_store(global, false);
  exec::ExecContext exec;
  const server::ScoreResult r = server::score_batch(global.lakehouse, *store, request, exec);
  if (flags.json) {
    const nlohmann::ordered_json out = {{"model", r.model_name},
                                        {"model_version", r.model_version},
                                        {"run_id", r.run_id},
                                        {"model_id", r.model_id},
                                        {"as_of", format_date(r.as_of)},
                                        {"features_table", r.features_table},
                                        {"features_version", r.features_version},
                                        {"rows", r.rows},
                                        {"positives", r.positives},
                                        {"positive_rate", r.positive_rate()},
                                        {"output_table", r.output_table},
                                        {"output_version", r.output_version}};
    std::cout << out.dump() << "\n";
    return;
  }
  if (!global.quiet) print_score_summary(r);
}

}  // namespace

void print_score_summary(const server::ScoreResult& r) {
  std::printf("scored %llu rows of %s v%lld (%s) with %s v%lld: %.1f%% positive (p > %.1f) -> %s v%lld\n",
              static_cast<unsigned long long>(r.rows), r.features_table.c_str(),
              static_cast<long long>(r.features_version), format_date(r.as_of).c_str(), r.model_name.c_str(),
              static_cast<long long>(r.model_version), 100.0 * r.positive_rate(), server::kPredictionThreshold,
              r.output_table.c_str(), static_cast<long long>(r.output_version));
}

void add_score_command(CLI::App& app, const GlobalOptions& global) {
  auto flags = std::make_shared<ScoreFlags>();
  CLI::App* cmd = app.add_subcommand("score", "Batch-score Gold features into a predictions table");
  cmd->add_option("--model", flags->model, "Registered model version: NAME@ALIAS or NAME/VERSION")->required();
  cmd->add_option("--as-of", flags->as_of, "Feature date to score (YYYY-MM-DD)")->required();
  cmd->add_option("--output", flags->output,
                  "Predictions table (default: <catalog>.<schema>.predictions of the model's features table)");
  cmd->add_flag("--json", flags->json, "Print the result as JSON");
  cmd->callback([&global, flags] { score(global, *flags); });
}

}  // namespace bullion::cli
