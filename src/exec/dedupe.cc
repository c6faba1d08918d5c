// Dedupe: for each distinct key, keep the first row by an order. Each worker
// partitions its input rows by key hash, each row with its order key
// (normalized order bytes, then input position, so the winner does not depend
// on the thread count), into per-partition spill files that start in memory as
// LZ4 blocks of serialized rows and move to disk when the budget refuses.
// Finalization resolves each partition independently: it reads the
// partition's rows from every worker, keeps the best row per key and emits the
// winners.
//
// Why not keep candidate rows per key in a hash table while consuming (as the
// aggregate does)? A dedupe's input is usually nearly unique (Silver drops ~1%
// duplicates), so that table ends up holding the whole input in its widest,
// columnar form (16-byte string views, per-column growth): 6 GB for Silver's
// 10M events, most of its time spent faulting in fresh pages. Serialized and
// compressed, the same rows take a fraction of that, and a partition at a
// time is decoded.
#include <algorithm>
#include <cstring>

#include "bullion/core/error.h"
#include "bullion/exec/group_table.h"
#include "bullion/exec/plan.h"
#include "bullion/exec/row_key.h"
#include "bullion/exec/sort_key.h"
#include "bullion/exec/spill.h"
#include "operators.h"

namespace bullion::exec {

namespace {

// The input position (morsel, row within morsel), big-endian, appended to an
// order key so that byte comparison is a total order.
void put_position(char* p, uint64_t morsel, uint64_t row) {
  for (int s = 56; s >= 0; s -= 8) *p++ = static_cast<char>(morsel >> s);
  for (int s = 56; s >= 0; s -= 8) *p++ = static_cast<char>(row >> s);
}

std::vector<SortKey> resolve_order(const Schema& schema, const std::vector<SortSpec>& order) {
  std::vector<SortKey> keys;
  for (const SortSpec& s : order) {
    const size_t idx = resolve_columns(schema, {s.column}, "order")[0];
    keys.push_back({idx, s.descending, s.nulls_first.value_or(!s.descending)});
  }
  return keys;
}

class DedupeNode final : public PlanNode {
 public:
  DedupeNode(PlanPtr child, const std::vector<std::string>& keys, const std::vector<SortSpec>& order)
      : child_(std::move(child)) {
    const Schema& schema = *child_->schema();
    key_indexes_ = resolve_columns(schema, keys, "dedupe key");
    for (size_t idx : key_indexes_) key_types_.push_back(schema.field(idx).type);
    order_ = resolve_order(schema, order);
    std::vector<Field> fields = schema.fields();
    fields.emplace_back("__order", DataType::binary(), false);
    spill_schema_ = std::make_shared<Schema>(std::move(fields));
  }
  const SchemaPtr& schema() const override { return child_->schema(); }
  std::string describe() const override { return "Dedupe <- " + child_->describe(); }
  std::unique_ptr<Stream> open(ExecContext& ctx) const override;

 private:
  friend struct DedupeRun;
  PlanPtr child_;
  std::vector<size_t> key_indexes_;
  std::vector<DataType> key_types_;
  std::vector<SortKey> order_;
  SchemaPtr spill_schema_;  // the input columns, then __order
};

struct DedupeWorker {
  DedupeWorker(const std::vector<DataType>& key_types, const std::vector<SortKey>& order, const Schema& schema,
               MemoryBudget& budget)
      : encoder(key_types), order_encoder(order, schema), reservation(budget), spills(kPartitions) {}
  KeyEncoder encoder;
  SortKeyEncoder order_encoder;
  MemoryReservation reservation;
  std::vector<std::unique_ptr<SpillFile>> spills;  // per partition
  size_t memory_bytes = 0;                         // of the spills still in memory
  bool on_disk = false;
  size_t current_morsel = SIZE_MAX;
  uint64_t row_in_morsel = 0;
  std::vector<std::vector<uint32_t>> partition_rows = std::vector<std::vector<uint32_t>>(kPartitions);
};

struct DedupeRun {
  const DedupeNode& node;
  ExecContext& ctx;
  std::vector<std::unique_ptr<DedupeWorker>> workers;

  void consume(DedupeWorker& w, size_t morsel, const Batch& batch) {
    if (morsel != w.current_morsel) {
      w.current_morsel = morsel;
      w.row_in_morsel = 0;
    }
    const size_t n = batch.num_rows();
    std::vector<const Column*> keys;
    for (size_t idx : node.key_indexes_) keys.push_back(batch.column(idx).get());
    w.encoder.encode(keys, n);
    w.order_encoder.encode(batch);
    auto order = Column::make(DataType::binary());
    char position[16];
    std::string key;
    for (size_t r = 0; r < n; ++r) {
      key.assign(w.order_encoder.key(r));
      put_position(position, morsel, w.row_in_morsel + r);
      key.append(position, sizeof position);
      order->append_string(key);
    }
    w.row_in_morsel += n;
    std::vector<ColumnPtr> columns = batch.columns();
    columns.push_back(std::move(order));
    const Batch rows(node.spill_schema_, std::move(columns), n);
    for (auto& part : w.partition_rows) part.clear();
    for (size_t r = 0; r < n; ++r)
      w.partition_rows[partition_of(w.encoder.hash(r))].push_back(static_cast<uint32_t>(r));
    for (size_t p = 0; p < kPartitions; ++p) {
      const std::vector<uint32_t>& part = w.partition_rows[p];
      if (part.empty()) continue;
      auto& file = w.spills[p];
      if (!file)
        file = std::make_unique<SpillFile>(node.spill_schema_,
                                           w.on_disk ? SpillFile::Start::kOnDisk : SpillFile::Start::kInMemory);
      const size_t before = file->memory_bytes();
      file->append(rows, part.data(), part.size());
      w.memory_bytes += file->memory_bytes() - before;
    }
    if (!w.on_disk && !w.reservation.try_resize(w.memory_bytes)) {
      for (auto& file : w.spills)
        if (file) file->move_to_disk();
      w.on_disk = true;
      w.memory_bytes = 0;
      w.reservation.release_all();
    }
  }

  std::vector<Batch> finalize_partition(size_t part, size_t num_parts) {
    BULLION_ASSERT(num_parts == kPartitions, "dedupe finalizes by spill partition");
    // The winner per key: its order key and (batch << 32 | row) in `batches`.
    GroupTable table;
    std::vector<std::string_view> best;  // views into `batches`' order columns
    std::vector<uint64_t> where;
    std::vector<Batch> batches;
    KeyEncoder encoder(node.key_types_);
    for (const auto& w : workers) {
      if (!w->spills[part]) continue;
      {
        auto reader = w->spills[part]->reader();
        Batch rows;
        while (reader.next(rows)) {
          std::vector<const Column*> keys;
          for (size_t idx : node.key_indexes_) keys.push_back(rows.column(idx).get());
          encoder.encode(keys, rows.num_rows());
          const std::string_view* order = rows.column(rows.num_columns() - 1)->strings();
          const uint64_t b = batches.size() << 32;
          for (size_t r = 0; r < rows.num_rows(); ++r) {
            const uint32_t g = table.find_or_insert(encoder.key(r), encoder.hash(r));
            if (g == best.size()) {
              best.push_back(order[r]);
              where.push_back(b | r);
            } else if (order[r] < best[g]) {
              best[g] = order[r];
              where[g] = b | r;
            }
          }
          batches.push_back(std::move(rows));
        }
      }
      w->spills[part].reset();  // each partition is finalized once
    }
    // Winners in input order of the partition's batches, in output batches of about ctx.batch_rows.
    std::sort(where.begin(), where.end());
    std::vector<size_t> data_columns(node.spill_schema_->size() - 1);
    for (size_t i = 0; i < data_columns.size(); ++i) data_columns[i] = i;
    std::vector<Batch> out, pieces;
    size_t piece_rows = 0;
    std::vector<uint32_t> rows;
    for (size_t i = 0; i < where.size();) {
      const uint64_t b = where[i] >> 32;
      rows.clear();
      for (; i < where.size() && where[i] >> 32 == b; ++i) rows.push_back(static_cast<uint32_t>(where[i]));
      pieces.push_back(batches[b].project(data_columns).take(rows.data(), rows.size()));
      batches[b] = Batch();
      piece_rows += rows.size();
      if (piece_rows >= ctx.batch_rows || i == where.size()) {
        out.push_back(pieces.size() == 1 ? std::move(pieces[0]) : Batch::concat(pieces));
        pieces.clear();
        piece_rows = 0;
      }
    }
    return out;
  }
};

std::unique_ptr<Stream> DedupeNode::open(ExecContext& ctx) const {
  auto run = std::make_unique<DedupeRun>(DedupeRun{*this, ctx, {}});
  for (size_t w = 0; w < ctx.num_workers(); ++w)
    run->workers.push_back(std::make_unique<DedupeWorker>(key_types_, order_, *child_->schema(), *ctx.budget));
  auto input = child_->open(ctx);
  for_each_batch(*input, ctx,
                 [&](size_t morsel, size_t worker, Batch&& b) { run->consume(*run->workers[worker], morsel, b); });
  return finish_partitioned(std::move(run), ctx, schema());
}

}  // namespace

Plan Plan::dedupe(const std::vector<std::string>& keys, const std::vector<SortSpec>& order) const {
  return Plan(std::make_shared<DedupeNode>(node_, keys, order));
}

}  // namespace bullion::exec
