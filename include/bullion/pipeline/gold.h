// bullion/pipeline/gold.h — Gold features and labels.
//
// run_gold() computes, for each as_of date, one row per entity from the
// entity's events with date(event_time) <= as_of (DESIGN's contract: later
// events are invisible), the spec's aggregations, then its derived columns in
// order, and writes them into the partition feature_date = as_of with
// replaceWhere, so a rerun for a date replaces that date only. Rows are
// written sorted by the spec's Z-order column (one column: a plain sort,
// which is what OPTIMIZE ZORDER BY one column does) — the written partitions
// come out optimized and no further OPTIMIZE commit is needed. A backfill
// over several dates reads Silver once (kept in a spilling buffer) and
// commits one partition per date.
//
// run_labels() writes one label row per labelled Gold row: label = 1 when a
// positive event falls in (feature_date, feature_date + horizon], else 0;
// rows whose horizon ends after the last complete event date of the source
// (the day before its latest event date) are censored, and entities with a
// positive event on or before feature_date are excluded (already churned).
#pragma once

#include <vector>

#include "bullion/exec/plan.h"
#include "bullion/pipeline/run.h"

namespace bullion::pipeline {

LayerResult run_gold(const RunContext& ctx, const GoldSpec& spec, const std::vector<int32_t>& as_of_dates,
                     exec::ExecContext& exec);

LayerResult run_labels(const RunContext& ctx, const LabelsSpec& spec, exec::ExecContext& exec);

}  // namespace bullion::pipeline
