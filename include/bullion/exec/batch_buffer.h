// bullion/exec/batch_buffer.h — an intermediate result under the memory budget.
//
// A BatchBuffer collects batches (from many threads) and keeps them in memory
// while its reservation grows, spilling to disk once the budget refuses (or
// always, with force_spill). as_plan() then replays them as a Plan whose
// morsels are the stored batches, in the order they were added per producer.
// Used where one pass over an input feeds several outputs (the Silver layer
// routes rows to its table and its quarantine).
#pragma once

#include <memory>
#include <mutex>
#include <vector>

#include "bullion/columnar/batch.h"
#include "bullion/core/memory.h"
#include "bullion/exec/plan.h"
#include "bullion/exec/spill.h"

namespace bullion::exec {

class BatchBuffer {
 public:
  BatchBuffer(SchemaPtr schema, MemoryBudget& budget);
  ~BatchBuffer();

  const SchemaPtr& schema() const { return schema_; }
  // Thread-safe.
  void add(Batch batch);
  uint64_t num_rows() const { return rows_; }
  bool spilled() const { return spill_ != nullptr; }

  // A plan over everything added (call after the last add). The buffer must
  // outlive the plan's execution.
  Plan as_plan();

 private:
  SchemaPtr schema_;
  MemoryReservation reservation_;
  std::mutex mutex_;
  std::vector<Batch> memory_;
  std::unique_ptr<SpillFile> spill_;
  uint64_t rows_ = 0;
};

}  // namespace bullion::exec
