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

// The output of a partitioned blocking operator (aggregate, dedupe): one
// morsel per hash partition, finalized when a worker produces it with
// `run->finalize_partition(p, parts)`, so only the partitions in flight are
// materialized, never the whole result. Owns the run (its workers' state and
// spill files) until the stream is destroyed.
template <typename Run>
class PartitionedStream final : public Stream {
 public:
  PartitionedStream(std::unique_ptr<Run> run, SchemaPtr schema, size_t parts)
      : run_(std::move(run)), schema_(std::move(schema)), parts_(parts) {}
  const SchemaPtr& schema() const override { return schema_; }
  size_t num_morsels() const override { return parts_; }
  void produce(size_t morsel, size_t, const Emit& emit) override {
    for (Batch& b : run_->finalize_partition(morsel, parts_)) emit(Batch(schema_, b.columns(), b.num_rows()));
  }

 private:
  std::unique_ptr<Run> run_;
  SchemaPtr schema_;
  size_t parts_;
};

// The end of a partitioned blocking operator's input phase: closes every
// worker's spill files (`run->workers[i]->spills`, one per partition or
// empty) and streams the partitions — by spill partition when any worker
// spilled, else up to two partitions per worker.
template <typename Run>
std::unique_ptr<Stream> finish_partitioned(std::unique_ptr<Run> run, ExecContext& ctx, SchemaPtr schema) {
  bool spilled = false;
  for (const auto& w : run->workers) {
    spilled |= !w->spills.empty();
    for (auto& f : w->spills)
      if (f) f->finish_writing();
  }
  const size_t parts =
      spilled ? kPartitions : std::min<size_t>(kPartitions, std::max<size_t>(1, ctx.num_workers() * 2));
  return std::make_unique<PartitionedStream<Run>>(std::move(run), std::move(schema), parts);
}

}  // namespace bullion::exec
