// `bullion validate` and `bullion run`.
#include <cstdio>
#include <iostream>

#include "bullion/core/error.h"
#include "bullion/core/log.h"
#include "bullion/core/memory.h"
#include "bullion/core/thread_pool.h"
#include "bullion/exec/plan.h"
#include "bullion/pipeline/runner.h"
#include "bullion/pipeline/validate.h"
#include "cli/cli.h"

namespace bullion::cli {

namespace {

struct PipelineFlags {
  std::string spec;
  std::string only;
  std::string as_of;
  std::string every;
  bool dry_run = false;
  bool full_refresh = false;
  bool json = false;
};

void print_layer(const pipeline::LayerResult& r) {
  std::printf("%-7s %-30s %-8s in %-10lld out %-10lld", r.layer.c_str(), r.table.c_str(), r.status.c_str(),
              static_cast<long long>(r.rows_in), static_cast<long long>(r.rows_out));
  if (r.quarantined) std::printf(" quarantined %lld", static_cast<long long>(r.quarantined));
  if (r.deduplicated) std::printf(" deduplicated %lld", static_cast<long long>(r.deduplicated));
  if (r.already_present) std::printf(" already present %lld", static_cast<long long>(r.already_present));
  if (r.dropped) std::printf(" dropped %lld", static_cast<long long>(r.dropped));
  if (r.rescued) std::printf(" rescued %lld", static_cast<long long>(r.rescued));
  if (r.version_written) std::printf("  → v%lld", static_cast<long long>(*r.version_written));
  std::printf("  (%.2fs)\n", r.seconds);
  if (!r.message.empty()) std::printf("        %s\n", r.message.c_str());
  for (const auto& w : r.warnings) log_warn(r.table + ": " + w);
}

}  // namespace

void add_pipeline_commands(CLI::App& app, const GlobalOptions& global) {
  auto flags = std::make_shared<PipelineFlags>();
  CLI::App* validate = app.add_subcommand("validate", "Check a pipeline spec without touching data");
  validate->add_option("spec", flags->spec, "The pipeline spec (YAML)")->required();
  validate->callback([flags, &global] {
    const pipeline::PipelineSpec spec = pipeline::load_spec(flags->spec);
    const pipeline::ValidationReport report = pipeline::validate_spec(spec, global.lakehouse);
    for (const auto& w : report.warnings) log_warn(w.to_string());
    if (!report.ok()) {
      std::string all;
      for (const auto& e : report.errors) all += (all.empty() ? "" : "\n") + e.to_string();
      throw Error::invalid_input(std::to_string(report.errors.size()) + " problem(s) in " + flags->spec + ":\n" + all);
    }
    if (!global.quiet)
      std::printf("%s: ok — pipeline %s, %zu tables, %zu expressions checked\n", flags->spec.c_str(), spec.name.c_str(),
                  report.tables, report.expressions);
  });

  auto run_flags = std::make_shared<PipelineFlags>();
  CLI::App* run = app.add_subcommand("run", "Run a pipeline's layers (bronze → silver → gold → labels)");
  run->add_option("spec", run_flags->spec, "The pipeline spec (YAML)")->required();
  run->add_option("--only", run_flags->only, "Run one layer")
      ->check(CLI::IsMember({"bronze", "silver", "gold", "labels"}));
  run->add_option("--as-of", run_flags->as_of, "Feature date, or a range A..B (default: today, UTC)");
  run->add_option("--every", run_flags->every, "Step of an --as-of range, e.g. 7d (default 1d)");
  run->add_flag("--dry-run", run_flags->dry_run, "Compute and report, commit nothing");
  run->add_flag("--full-refresh", run_flags->full_refresh, "Rebuild Silver (and its quarantine) from all of Bronze");
  run->add_flag("--json", run_flags->json, "Print the run record as JSON");
  run->callback([run_flags, &global] {
    const pipeline::PipelineSpec spec = pipeline::load_spec(run_flags->spec);
    const pipeline::ValidationReport report = pipeline::validate_spec(spec, global.lakehouse);
    if (!report.ok()) {
      std::string all;
      for (const auto& e : report.errors) all += (all.empty() ? "" : "\n") + e.to_string();
      throw Error::invalid_input(
          std::to_string(report.errors.size()) + " problem(s) in " + run_flags->spec + ":\n" + all,
          "nothing was run; 'bullion validate' shows the same checks");
    }
    pipeline::RunOptions options;
    if (!run_flags->only.empty()) options.only = run_flags->only;
    if (!run_flags->as_of.empty()) options.as_of_dates = pipeline::parse_as_of(run_flags->as_of, run_flags->every);
    options.dry_run = run_flags->dry_run;
    options.full_refresh = run_flags->full_refresh;
    exec::ExecContext exec;
    const pipeline::RunRecord record = pipeline::run_pipeline(spec, global.lakehouse, options, exec);
    if (run_flags->json) {
      std::cout << record.to_json() << "\n";
      return;
    }
    if (global.quiet) return;
    for (const auto& l : record.layers) print_layer(l);
    std::printf("run %s %s in %.2fs%s\n", record.run_id.c_str(), record.status.c_str(), record.seconds,
                record.record_path.empty() ? "" : ("; record " + record.record_path).c_str());
  });
}

}  // namespace bullion::cli
