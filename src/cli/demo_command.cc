// `bullion demo`: generate the raw event feed into the lakehouse, then run the
// churn pipeline of examples/churn/pipeline.yaml over it end to end (Bronze,
// Silver, a weekly Gold backfill, labels), train and register a model on it
// (alias "champion"), score the latest feature date with it, and report on
// every step.
#include <cstdio>

#include "bullion/core/error.h"
#include "bullion/core/fs.h"
#include "bullion/core/time.h"
#include "bullion/exec/plan.h"
#include "bullion/generate/generator.h"
#include "bullion/ml/train_run.h"
#include "bullion/pipeline/runner.h"
#include "bullion/pipeline/validate.h"
#include "bullion/server/scoring.h"
#include "bullion/tracking/store.h"
#include "cli/cli.h"
#include "cli/example_spec.h"

namespace bullion::cli {

namespace {

struct DemoFlags {
  std::string events = "1M";
  std::string customers;  // empty: events / 50 (20,000 for the default 1M)
  uint64_t seed = 42;
};

// Raw files live under `_raw/` of the lakehouse root: tables live at
// <root>/<catalog>/<schema>/<table>/ and bullion's own directories start with
// '_' (like _tracking), so no catalog name can collide with the feed.
constexpr const char* kRawEventsDir = "_raw/events";
constexpr uint32_t kDemoFiles = 6;
constexpr const char* kChampionAlias = "champion";

}  // namespace

CLI::App* add_demo_command(CLI::App& app, const GlobalOptions& global) {
  auto flags = std::make_shared<DemoFlags>();
  CLI::App* cmd = app.add_subcommand(
      "demo", "Generate data, run every layer (bronze, silver, gold backfill, labels), train, register and score");
  cmd->add_option("--events", flags->events, "Events to generate")->check(count_validator(1))->capture_default_str();
  cmd->add_option("--customers", flags->customers, "Customer base (default: events / 50)")->check(count_validator(1));
  cmd->add_option("--seed", flags->seed, "Random seed")->capture_default_str();
  cmd->callback([flags, &global] {
    GenerateOptions options;
    options.out_dir = join_path(global.lakehouse, kRawEventsDir);
    options.num_events = *parse_count(flags->events);
    options.num_customers = flags->customers.empty() ? 0 : *parse_count(flags->customers);
    options.seed = flags->seed;
    options.num_files = kDemoFiles;
    options.overwrite = true;  // the demo's own directory: a rerun replaces its feed
    const bool talk = !global.quiet;
    if (talk) {
      std::printf("bullion demo — lakehouse %s\n\n", global.lakehouse.c_str());
      std::printf("step 1: raw events (bullion generate, %u delivery batches, default dirt)\n", kDemoFiles);
      std::fflush(stdout);
    }
    const GenerateSummary summary = run_generator(options, global);
    if (talk) print_generate_summary(options, summary, false);

    // The churn spec of examples/churn/pipeline.yaml, reading the feed just generated.
    std::string text = kExampleSpec;
    const std::string from = "path: data/raw/events/";
    const size_t at = text.find(from);
    BULLION_ASSERT(at != std::string::npos, "the example spec names its source path");
    text.replace(at, from.size(), std::string("path: ") + kRawEventsDir + "/");
    const std::string spec_path = join_path(global.lakehouse, "pipeline.yaml");
    FileSystem::local().write_atomic(spec_path, text);
    const pipeline::PipelineSpec spec = pipeline::load_spec(spec_path);
    const pipeline::ValidationReport report = pipeline::validate_spec(spec, global.lakehouse);
    if (!report.ok()) throw Error::internal("the demo spec does not validate: " + report.errors.front().to_string());

    // Weekly feature dates inside the generated range whose 30-day label horizon still ends in it.
    const int32_t first = options.start_date + 31;
    const int32_t last = options.end_date - 1 - 30;
    pipeline::RunOptions run;
    for (int32_t d = first; d <= last; d += 7) run.as_of_dates.push_back(d);
    if (talk) {
      std::printf("\nstep 2: the pipeline (%s): bronze → silver → gold (%zu weekly feature dates, %s..%s) → labels\n",
                  spec_path.c_str(), run.as_of_dates.size(), format_date(run.as_of_dates.front()).c_str(),
                  format_date(run.as_of_dates.back()).c_str());
      std::fflush(stdout);
    }
    exec::ExecContext exec;
    const pipeline::RunRecord record = pipeline::run_pipeline(spec, global.lakehouse, run, exec);
    if (talk) {
      for (const auto& l : record.layers)
        std::printf("  %-7s %-26s in %9lld  out %9lld  quarantined %6lld  deduplicated %6lld  v%lld  %.2fs\n",
                    l.layer.c_str(), l.table.c_str(), static_cast<long long>(l.rows_in),
                    static_cast<long long>(l.rows_out), static_cast<long long>(l.quarantined),
                    static_cast<long long>(l.deduplicated), static_cast<long long>(l.version_written.value_or(-1)),
                    l.seconds);
      const auto& labels = record.layers.back();
      const auto positive = labels.files.count("positive") ? labels.files.at("positive") : 0;
      std::printf("\nlabels: %lld labelled customer-weeks, %lld churned (%.1f%%)\n",
                  static_cast<long long>(labels.rows_out), static_cast<long long>(positive),
                  labels.rows_out ? 100.0 * positive / labels.rows_out : 0.0);
      std::printf("run record: %s\n", record.record_path.c_str());
      std::printf("\nstep 3: train (XGBoost, the spec's train section), track and register\n");
      std::fflush(stdout);
    }

    tracking::TrackingStore store(global.lakehouse);
    ml::TrainRunOptions train;
    train.nthread = static_cast<int>(global.threads);
    train.source_name = "bullion demo";
    const ml::TrainRun trained = ml::train_run(spec, global.lakehouse, store, train, exec);
    BULLION_ASSERT(trained.registered.has_value(), "the demo spec registers its model");
    const tracking::ModelVersion& version = *trained.registered;
    // The demo's model serves at once: `bullion score --model <name>@champion` and `bullion serve --model` use the
    // alias.
    store.set_registered_model_alias(version.name, kChampionAlias, version.version);
    if (talk) {
      print_train_summary(trained);
      std::printf("\nstep 4: batch scoring (bullion score) of the latest feature date with %s@%s\n",
                  version.name.c_str(), kChampionAlias);
      std::fflush(stdout);
    }
    server::ScoreRequest score;
    score.model = {version.name, kChampionAlias, 0};
    score.as_of = run.as_of_dates.back();
    const server::ScoreResult scored = server::score_batch(global.lakehouse, store, score, exec);
    if (!talk) return;
    print_score_summary(scored);
    const char* lake = global.lakehouse.c_str();
    const std::string champion = version.name + "@" + kChampionAlias;
    std::printf(
        "\nexplore: bullion --lakehouse %s table show churn.gold.features --limit 5\n"
        "         bullion --lakehouse %s runs show %s\n"
        "         bullion --lakehouse %s reproduce %s\n"
        "         bullion --lakehouse %s models show %s\n"
        "         bullion --lakehouse %s table show %s --limit 5\n"
        "         bullion --lakehouse %s serve --model %s   (MLflow clients: "
        "MLFLOW_TRACKING_URI=http://127.0.0.1:5000;\n"
        "                                                      curl http://127.0.0.1:5000/features/<customer_id>)\n",
        lake, lake, trained.run_id.c_str(), lake, trained.run_id.c_str(), lake, version.name.c_str(), lake,
        scored.output_table.c_str(), lake, champion.c_str());
  });
  return cmd;
}

}  // namespace bullion::cli
