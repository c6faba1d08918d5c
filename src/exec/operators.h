// Internal helpers shared by the operator implementations (not public API).
#pragma once

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "bullion/exec/plan.h"

namespace bullion::exec {

// Rows of `in` where `mask` (BOOLEAN) is TRUE.
Batch filter_batch(const Batch& in, const Column& mask);

// Indexes of named columns; kInvalidInput with a suggestion for unknown names.
std::vector<size_t> resolve_columns(const Schema& schema, const std::vector<std::string>& names, const char* what);

// A stream over batches it owns, one morsel per batch (re-tagged with `schema`).
class OwnedBatchesStream final : public Stream {
 public:
  OwnedBatchesStream(SchemaPtr schema, std::vector<Batch> batches);
  const SchemaPtr& schema() const override { return schema_; }
  size_t num_morsels() const override { return batches_.size(); }
  void produce(size_t morsel, size_t worker, const Emit& emit) override;

 private:
  SchemaPtr schema_;
  std::vector<Batch> batches_;
};

// Number of hash partitions blocking operators finalize (and spill) by.
inline constexpr size_t kPartitions = 32;
inline size_t partition_of(uint64_t hash) { return static_cast<size_t>(hash >> 59); }  // top 5 bits

// The end of a partitioned blocking operator (aggregate, dedupe): closes every
// worker's spill files (`run.workers[i]->spills`, one per partition or
// empty), then finalizes the partitions in parallel with
// `run.finalize_partition(p, parts)` — by spill partition when any worker
// spilled, else into up to two partitions per worker — and streams the
// batches in partition order.
template <typename Run>
std::unique_ptr<Stream> finish_partitioned(Run& run, ExecContext& ctx, SchemaPtr schema) {
  bool spilled = false;
  for (const auto& w : run.workers) {
    spilled |= !w->spills.empty();
    for (auto& f : w->spills)
      if (f) f->finish_writing();
  }
  const size_t parts =
      spilled ? kPartitions : std::min<size_t>(kPartitions, std::max<size_t>(1, ctx.num_workers() * 2));
  std::vector<std::vector<Batch>> results(parts);
  ctx.pool->parallel_for(parts, [&](size_t p, size_t) { results[p] = run.finalize_partition(p, parts); });
  std::vector<Batch> out;
  for (auto& r : results)
    for (auto& b : r) out.push_back(std::move(b));
  return std::make_unique<OwnedBatchesStream>(std::move(schema), std::move(out));
}

}  // namespace bullion::exec
