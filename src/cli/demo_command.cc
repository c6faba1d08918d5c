// `bullion demo`: in this version, the first step of the end-to-end demo only —
// generate the raw event feed into the lakehouse and report on it. The
// pipeline layers, training and the registry are not built yet, and the
// command says so instead of pretending.
#include <cstdio>

#include "bullion/core/fs.h"
#include "bullion/generate/generator.h"
#include "cli/cli.h"

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

}  // namespace

CLI::App* add_demo_command(CLI::App& app, const GlobalOptions& global) {
  auto flags = std::make_shared<DemoFlags>();
  CLI::App* cmd = app.add_subcommand(
      "demo", "Generate data, run every layer, train, register, print a summary (today: the data step only)");
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
    if (!global.quiet) {
      std::printf("bullion demo — lakehouse %s\n\n", global.lakehouse.c_str());
      std::printf("step 1: raw events (bullion generate, %u delivery batches, default dirt)\n", kDemoFiles);
      std::fflush(stdout);
    }
    const GenerateSummary summary = run_generator(options, global);
    if (global.quiet) return;
    print_generate_summary(options, summary, false);
    std::printf(
        "\nnext steps: Bronze ingest, Silver cleaning, Gold features, labels, training and the model registry\n"
        "are not built yet in this version of bullion, so the demo stops here. The raw feed above is ready for\n"
        "them (and for any NDJSON reader) in %s.\n",
        options.out_dir.c_str());
  });
  return cmd;
}

}  // namespace bullion::cli
