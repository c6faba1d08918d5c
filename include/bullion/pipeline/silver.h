// bullion/pipeline/silver.h — Silver: validate, clean, deduplicate, MERGE.
//
// run_silver() reads only what the `from` table gained since the version
// recorded in the Silver table's `txn` (everything with full_refresh), and
// applies, in the contract's order: input expectations → dedupe (the earliest
// row per dedupe_on key by _ingested_at, _source_file, _source_line) →
// columns → output expectations → MERGE insert-only on merge_on (rows with a
// NULL merge key are quarantined as `merge_key_not_null`). Violations are
// quarantined (default), dropped, warned about or fail the layer, per rule.
// Quarantined rows keep every input column plus `_rule` in
// `<table>_quarantine`.
//
// Every input row is accounted for: rows_in = rows_out + quarantined +
// dropped + deduplicated + already_present (checked before committing).
// Memory stays bounded: intermediate results live in BatchBuffers that
// spill, and the anti-join against existing Silver keys spills too.
// Exactly-once: the Silver commit carries txn(bullion/silver/<table>, from
// version); a rerun with nothing new changes nothing.
#pragma once

#include "bullion/exec/plan.h"
#include "bullion/pipeline/run.h"

namespace bullion::pipeline {

LayerResult run_silver(const RunContext& ctx, const SilverSpec& spec, exec::ExecContext& exec);

}  // namespace bullion::pipeline
