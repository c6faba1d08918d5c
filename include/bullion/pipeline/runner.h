// bullion/pipeline/runner.h — `bullion run`: the layers in dependency order, with a run record.
//
// run_pipeline() runs bronze → silver → gold → labels (or one layer with
// `only`), stops at the first failing layer, and keeps a run record — per
// layer: rows in/out/quarantined/deduplicated/already present, the Delta
// versions read and written, status and time — in
// `<lakehouse>/_runs/<started>-<run_id>.json` (not for dry runs). Every
// commit a layer makes carries the same run id and its lineage (input table
// versions) under commitInfo's `bullion` key.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "bullion/exec/plan.h"
#include "bullion/pipeline/run.h"

namespace bullion::pipeline {

struct RunOptions {
  std::optional<std::string> only;   // bronze, silver, gold or labels
  std::vector<int32_t> as_of_dates;  // gold; empty: today (UTC)
  bool dry_run = false;
  bool full_refresh = false;
};

struct RunRecord {
  std::string run_id;
  std::string pipeline;
  std::string spec_file;
  std::string spec_hash;
  int64_t started_at_micros = 0;
  double seconds = 0;
  std::string status = "SUCCESS";  // SUCCESS or FAILED
  std::string error;
  std::vector<std::string> as_of;
  std::vector<LayerResult> layers;
  std::string record_path;  // where it was written ("" for dry runs)

  std::string to_json() const;
};

// Runs the layers; on failure the record (status FAILED, the error) is still
// written, then the error is rethrown.
RunRecord run_pipeline(const PipelineSpec& spec, const std::string& lakehouse, const RunOptions& options,
                       exec::ExecContext& exec);

// Parses --as-of ("2026-01-01" or "2026-01-01..2026-03-31") with --every
// ("7d", "1w"; default 1 day for ranges). Throws kInvalidInput naming the flag.
std::vector<int32_t> parse_as_of(const std::string& as_of, const std::string& every);

}  // namespace bullion::pipeline
