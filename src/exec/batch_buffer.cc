#include "bullion/exec/batch_buffer.h"

namespace bullion::exec {

BatchBuffer::BatchBuffer(SchemaPtr schema, MemoryBudget& budget) : schema_(std::move(schema)), reservation_(budget) {}

BatchBuffer::~BatchBuffer() = default;

void BatchBuffer::add(Batch batch) {
  if (batch.num_rows() == 0) return;
  std::lock_guard lock(mutex_);
  rows_ += batch.num_rows();
  if (!spill_ && reservation_.try_resize(reservation_.bytes() + batch.memory_bytes())) {
    memory_.push_back(Batch(schema_, batch.columns(), batch.num_rows()));
    return;
  }
  if (!spill_) spill_ = std::make_unique<SpillFile>(schema_);
  spill_->append(batch);
}

Plan BatchBuffer::as_plan() {
  if (!spill_) return Plan::values(schema_, memory_);
  spill_->finish_writing();
  // Spilled batches are read back by their morsel; the in-memory ones come first.
  const size_t in_memory = memory_.size();
  const size_t spilled = spill_->num_batches();
  SpillFile* file = spill_.get();
  std::vector<Batch>* memory = &memory_;
  // The spill file is read sequentially, as one morsel after the in-memory batches.
  return Plan::source(
      schema_, in_memory + (spilled == 0 ? 0 : 1),
      [file, memory, in_memory](size_t morsel, const Emit& emit) {
        if (morsel < in_memory) {
          Batch b = (*memory)[morsel];
          emit(std::move(b));
          return;
        }
        auto reader = file->reader();
        Batch b;
        while (reader.next(b)) emit(std::move(b));
      },
      "BatchBuffer(" + std::to_string(rows_) + " rows, " + std::to_string(spilled) + " spilled batches)");
}

}  // namespace bullion::exec
