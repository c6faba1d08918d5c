// bullion/exec/scan.h — plan leaves over Delta tables.
//
// scan_delta() makes a Plan whose morsels are the data files a DeltaScan
// selects (partition values and stats prune them; Parquet row groups are
// pruned by the same predicate inside each file). When a filter is given as
// SQL, it is also applied to the rows, so the plan's output is exactly the
// matching rows.
#pragma once

#include <string>
#include <vector>

#include "bullion/delta/scan.h"
#include "bullion/exec/plan.h"

namespace bullion::exec {

// `filter_sql` (may be empty) is bound against the table's schema with `options`.
Plan scan_delta(delta::Snapshot snapshot, delta::DeltaScanOptions scan_options, const std::string& filter_sql = {},
                const expr::BindOptions& options = {});

// A plan over Parquet files (same schema); morsels are (file, row group)
// pairs, so one big file still scans on every core. `columns` projects
// (empty: all).
Plan scan_parquet(const std::vector<std::string>& paths, const std::vector<std::string>& columns = {});

}  // namespace bullion::exec
