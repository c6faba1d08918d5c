#include "bullion/exec/scan.h"

#include <memory>

#include "bullion/core/error.h"
#include "bullion/expr/analysis.h"
#include "bullion/formats/parquet/reader.h"

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
  const std::string description = "DeltaScan(" + scan->snapshot().table_path() + " v" +
                                  std::to_string(scan->snapshot().version()) + ", " +
                                  std::to_string(scan->num_files()) + " files)";
  Plan plan = Plan::source(
      scan->schema(), scan->num_files(),
      [scan](size_t morsel, const Emit& emit) { scan->read_file(morsel, [&](Batch&& b) { emit(std::move(b)); }); },
      description);
  if (predicate) {
    // The predicate was bound against the full table schema; rebind it against the scan's columns.
    plan = plan.filter(filter_sql, options);
  }
  return plan;
}

Plan scan_parquet(const std::vector<std::string>& paths, const std::vector<std::string>& columns) {
  if (paths.empty()) throw Error::invalid_input("scan_parquet needs at least one file");
  struct Morsel {
    std::shared_ptr<const parquet::ParquetFile> file;
    size_t row_group;
  };
  auto morsels = std::make_shared<std::vector<Morsel>>();
  SchemaPtr schema;
  for (const std::string& p : paths) {
    auto file = parquet::ParquetFile::open(FileSystem::local(), p);
    if (!schema) {
      parquet::ScanOptions o;
      o.columns = columns;
      o.row_groups = std::vector<size_t>{};
      schema = file->scan(o)->schema();
    }
    for (size_t g = 0; g < file->num_row_groups(); ++g) morsels->push_back({file, g});
  }
  return Plan::source(
      schema, morsels->size(),
      [morsels, columns, schema](size_t m, const Emit& emit) {
        parquet::ScanOptions o;
        o.columns = columns;
        o.row_groups = std::vector<size_t>{(*morsels)[m].row_group};
        auto scanner = (*morsels)[m].file->scan(o);
        Batch b;
        while (scanner->next(&b)) emit(Batch(schema, b.columns(), b.num_rows()));
      },
      "ParquetScan(" + std::to_string(paths.size()) + " files, " + std::to_string(morsels->size()) + " row groups)");
}

}  // namespace bullion::exec
