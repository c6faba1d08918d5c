#include "bullion/exec/sorter.h"

#include <algorithm>
#include <numeric>
#include <queue>

#include "bullion/core/error.h"

namespace bullion::exec {

// A sorted run: in memory (batch with the key column last) or spilled.
struct Sorter::Run {
  uint64_t order = 0;
  std::optional<Batch> batch;
  std::unique_ptr<SpillFile> spill;
};

Sorter::Sorter(SchemaPtr schema, std::vector<SortKey> keys, MemoryBudget& budget, size_t output_batch_rows)
    : schema_(std::move(schema)),
      keys_(std::move(keys)),
      budget_(budget),
      output_batch_rows_(output_batch_rows),
      reservation_(budget) {
  std::vector<Field> fields = schema_->fields();
  fields.emplace_back("__sort_key", DataType::binary(), false);
  run_schema_ = std::make_shared<Schema>(std::move(fields));
}

Sorter::~Sorter() = default;

void Sorter::add(const Batch& batch, uint64_t order) {
  if (batch.num_rows() == 0) return;
  SortKeyEncoder encoder(keys_, *schema_);
  encoder.encode(batch);
  const size_t n = batch.num_rows();
  std::vector<uint32_t> perm(n);
  std::iota(perm.begin(), perm.end(), 0);
  std::stable_sort(perm.begin(), perm.end(), [&](uint32_t a, uint32_t b) { return encoder.key(a) < encoder.key(b); });
  Batch sorted = batch.take(perm.data(), n);
  auto key_column = Column::make(DataType::binary());
  key_column->reserve(n);
  for (uint32_t row : perm) key_column->append_string(encoder.key(row));
  std::vector<ColumnPtr> columns = sorted.columns();
  columns.push_back(std::move(key_column));
  Batch run_batch(run_schema_, std::move(columns), n);

  auto run = std::make_unique<Run>();
  run->order = order;
  std::lock_guard lock(mutex_);
  const uint64_t bytes = run_batch.memory_bytes();
  if (reservation_.try_resize(reservation_.bytes() + bytes)) {
    run->batch = std::move(run_batch);
  } else {
    run->spill = std::make_unique<SpillFile>(run_schema_);
    for (size_t offset = 0; offset < n; offset += output_batch_rows_)
      run->spill->append(run_batch.slice(offset, std::min(output_batch_rows_, n - offset)));
    run->spill->finish_writing();
    ++spilled_;
  }
  runs_.push_back(std::move(run));
}

void Sorter::finish(const std::function<void(Batch&&)>& emit) {
  std::sort(runs_.begin(), runs_.end(), [](const auto& a, const auto& b) { return a->order < b->order; });
  // One cursor per run over its current batch.
  struct Cursor {
    Batch batch;
    size_t row = 0;
    std::optional<SpillFile::Reader> reader;
    size_t run;
    std::string_view key() const { return batch.column(batch.num_columns() - 1)->strings()[row]; }
    bool advance() {
      if (++row < batch.num_rows()) return true;
      row = 0;
      return reader && reader->next(batch) && batch.num_rows() > 0;
    }
  };
  std::vector<Cursor> cursors;
  for (size_t i = 0; i < runs_.size(); ++i) {
    Cursor c;
    c.run = i;
    if (runs_[i]->batch) {
      c.batch = std::move(*runs_[i]->batch);
    } else {
      c.reader.emplace(runs_[i]->spill->reader());
      if (!c.reader->next(c.batch)) continue;
    }
    if (c.batch.num_rows() > 0) cursors.push_back(std::move(c));
  }
  auto greater = [&](size_t a, size_t b) {
    const auto ka = cursors[a].key(), kb = cursors[b].key();
    if (ka != kb) return ka > kb;
    return cursors[a].run > cursors[b].run;
  };
  std::priority_queue<size_t, std::vector<size_t>, decltype(greater)> heap(greater);
  for (size_t i = 0; i < cursors.size(); ++i) heap.push(i);
  Batch out = Batch::empty(schema_);
  const size_t num_columns = schema_->size();
  auto flush = [&] {
    out.sync_num_rows();
    if (out.num_rows() > 0) emit(std::move(out));
    out = Batch::empty(schema_);
  };
  while (!heap.empty()) {
    const size_t i = heap.top();
    heap.pop();
    Cursor& c = cursors[i];
    for (size_t col = 0; col < num_columns; ++col) out.column(col)->append_from(*c.batch.column(col), c.row, 1);
    if (out.column(0)->size() >= output_batch_rows_) flush();
    if (c.advance()) heap.push(i);
  }
  if (num_columns > 0) flush();
  runs_.clear();
  reservation_.release_all();
}

}  // namespace bullion::exec
