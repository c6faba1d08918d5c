#include "bullion/pipeline/run.h"

#include <chrono>

#include "bullion/delta/catalog.h"

namespace bullion::pipeline {

std::string table_path(const RunContext& ctx, const std::string& name) {
  return delta::resolve_table(ctx.lakehouse, name).path;
}

table::WriteResult commit_layer(LayerResult& result, const table::TableSpec& spec, std::vector<delta::AddFile> adds,
                                const table::WriteMode& mode, const table::CommitInfo& info) {
  const auto started = std::chrono::steady_clock::now();
  table::WriteResult w = table::commit_write(spec, std::move(adds), mode, info);
  result.commit_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return w;
}

std::string quarantine_name(const std::string& table) { return table + "_quarantine"; }

}  // namespace bullion::pipeline
