#include "bullion/exec/scan.h"

#include <memory>

#include "bullion/expr/analysis.h"

namespace bullion::exec {

Plan scan_delta(delta::Snapshot snapshot, delta::DeltaScanOptions scan_options, const std::string& filter_sql,
                const expr::BindOptions& options) {
  expr::ExprPtr predicate;
  if (!filter_sql.empty()) {
    predicate = expr::compile_predicate(filter_sql, snapshot.schema(), options);
    const expr::PruningPredicate pruning = expr::extract_pruning(*predicate);
    for (auto& c : pruning.conjunction) scan_options.filter.push_back(c);
  }
  auto scan = std::make_shared<const delta::DeltaScan>(std::move(snapshot), std::move(scan_options));
  const std::string description =
      "DeltaScan(" + scan->snapshot().table_path() + " v" + std::to_string(scan->snapshot().version()) + ", " +
      std::to_string(scan->num_files()) + " files)";
  Plan plan = Plan::source(
      scan->schema(), scan->num_files(), [scan](size_t morsel, const Emit& emit) {
        scan->read_file(morsel, [&](Batch&& b) { emit(std::move(b)); });
      },
      description);
  if (predicate) {
    // The predicate was bound against the full table schema; rebind it against the scan's columns.
    plan = plan.filter(filter_sql, options);
  }
  return plan;
}

}  // namespace bullion::exec
