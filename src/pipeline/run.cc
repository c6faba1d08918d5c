#include "bullion/pipeline/run.h"

#include "bullion/delta/catalog.h"

namespace bullion::pipeline {

std::string table_path(const RunContext& ctx, const std::string& name) {
  return delta::resolve_table(ctx.lakehouse, name).path;
}

std::string quarantine_name(const std::string& table) { return table + "_quarantine"; }

}  // namespace bullion::pipeline
