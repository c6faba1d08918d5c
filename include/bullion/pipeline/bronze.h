// bullion/pipeline/bronze.h — Bronze: exactly-once, append-only ingest of NDJSON files.
//
// run_bronze() reads every new source file under the spec's path (plain,
// .gz, .zst) in parallel, streaming, and appends its rows to the Bronze Delta
// table with `_ingested_at` (one value per run), `_source_file` (relative to
// the source root), `_source_line`, the spec's metadata columns and
// `_rescued_data`. Malformed lines go to `<table>_quarantine` with the raw
// text, file, line number and parse error.
//
// Exactly-once: each table keeps a ledger of the source files it ingested
// (relative path, size, modification time, content hash) in the `add.tags`
// of the very commit that adds their rows, so ledger and data can never
// disagree. A file already in the ledger is skipped; a file whose path is
// in the ledger with a different size or hash is reported as changed and not
// re-ingested. A crash between the quarantine and the Bronze commit is safe:
// each table skips what its own ledger holds.
//
// Schema: the spec's explicit schema, else the table's (evolved with new
// fields as nullable columns), else inferred from the new files.
#pragma once

#include "bullion/pipeline/run.h"

namespace bullion::pipeline {

LayerResult run_bronze(const RunContext& ctx, const BronzeSpec& spec);

// The tag key of the ingest ledger on `add` actions.
inline constexpr const char* kLedgerTag = "bullion.sources";

}  // namespace bullion::pipeline
