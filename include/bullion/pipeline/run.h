// bullion/pipeline/run.h — what a pipeline run shares across layers and what
// each layer reports.
//
// Every layer returns a LayerResult: rows in and out, what was quarantined,
// deduplicated or already present, the Delta versions read and written, the
// status and the time taken. The accounting identity of the contract holds
// for Silver (rows in = inserted + quarantined + deduplicated + already
// present + dropped) and is asserted by the layers themselves.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "bullion/pipeline/spec.h"
#include "bullion/table/table.h"

namespace bullion::pipeline {

struct RunContext {
  std::string lakehouse;  // root directory
  const PipelineSpec* spec = nullptr;
  std::string run_id;             // one id for all layers of a run
  int64_t started_at_micros = 0;  // also Bronze's _ingested_at
  bool dry_run = false;
  bool full_refresh = false;
};

struct LayerResult {
  std::string layer;  // bronze, silver, gold, labels
  std::string table;
  std::string status = "SUCCESS";  // SUCCESS, SKIPPED (nothing to do), FAILED
  std::string message;
  int64_t rows_in = 0;
  int64_t rows_out = 0;     // rows written to the table
  int64_t quarantined = 0;  // rows written to the quarantine table
  int64_t deduplicated = 0;
  int64_t already_present = 0;
  int64_t dropped = 0;                           // by expectations with on_violation: drop
  int64_t rescued = 0;                           // rows with _rescued_data
  int64_t warned = 0;                            // expectation violations kept (on_violation: warn)
  std::map<std::string, int64_t> files;          // bronze: new, skipped, changed, ...
  std::map<std::string, int64_t> versions_read;  // table → version
  std::optional<int64_t> version_written;
  std::optional<int64_t> quarantine_version_written;
  std::vector<std::string> warnings;
  double seconds = 0;
  double commit_seconds = 0;  // of `seconds`: writing the Delta log (the commits, quarantine's included)
};

// table::commit_write, its time added to result.commit_seconds.
table::WriteResult commit_layer(LayerResult& result, const table::TableSpec& spec, std::vector<delta::AddFile> adds,
                                const table::WriteMode& mode, const table::CommitInfo& info);

// The lakehouse path of a spec table name.
std::string table_path(const RunContext& ctx, const std::string& name);
// The quarantine table of a layer's table: <name>_quarantine.
std::string quarantine_name(const std::string& table);

}  // namespace bullion::pipeline
