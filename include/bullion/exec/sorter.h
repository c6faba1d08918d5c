// bullion/exec/sorter.h — sorting batches of any size under the memory budget.
//
// Rows are added batch by batch (add() is thread-safe; each call sorts and
// stores one run). Runs stay in memory while the budget allows and are
// spilled to disk otherwise (always, with force_spill); finish() merges all
// runs by their normalized keys and emits sorted batches. Ties keep the
// order of addition within a run and the order of runs (run index) across
// runs, so results are deterministic for a deterministic input order.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "bullion/columnar/batch.h"
#include "bullion/core/memory.h"
#include "bullion/exec/sort_key.h"
#include "bullion/exec/spill.h"

namespace bullion::exec {

class Sorter {
 public:
  Sorter(SchemaPtr schema, std::vector<SortKey> keys, MemoryBudget& budget = MemoryBudget::global(),
         size_t output_batch_rows = 64 * 1024);
  ~Sorter();

  // Adds one run; `order` (e.g. the morsel index) decides ties between runs.
  void add(const Batch& batch, uint64_t order);
  void finish(const std::function<void(Batch&&)>& emit);

  size_t num_spilled_runs() const { return spilled_; }

 private:
  struct Run;
  SchemaPtr schema_;
  SchemaPtr run_schema_;  // input columns + the normalized key as BINARY
  std::vector<SortKey> keys_;
  MemoryBudget& budget_;
  size_t output_batch_rows_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<Run>> runs_;
  MemoryReservation reservation_;
  size_t spilled_ = 0;
};

}  // namespace bullion::exec
