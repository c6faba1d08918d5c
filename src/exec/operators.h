// Internal helpers shared by the operator implementations (not public API).
#pragma once

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

}  // namespace bullion::exec
