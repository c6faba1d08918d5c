// Dedupe: for each distinct key, keep the first row by an order. Each worker
// keeps, per key, the best row seen so far (compared by normalized order key
// bytes, then by input position, so the winner does not depend on thread
// count) in its own row store; when its memory reservation is refused it
// writes further rows to per-partition spill files. Finalization resolves
// each hash partition independently across workers and spilled rows.
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

// Order key plus input position (morsel, row within morsel), big-endian, so
// byte comparison is a total order. Written into `out` at `p`.
char* put_position(char* p, uint64_t morsel, uint64_t row) {
  for (int s = 56; s >= 0; s -= 8) *p++ = static_cast<char>(morsel >> s);
  for (int s = 56; s >= 0; s -= 8) *p++ = static_cast<char>(row >> s);
  return p;
}

std::vector<SortKey> resolve_order(const Schema& schema, const std::vector<SortSpec>& order) {
  std::vector<SortKey> keys;
  for (const SortSpec& s : order) {
    const size_t idx = resolve_columns(schema, {s.column}, "order")[0];
    keys.push_back({idx, s.descending, s.nulls_first.value_or(!s.descending)});
  }
  return keys;
}

// Rows kept by one worker (or one partition), appended batch by batch.
struct RowStore {
  explicit RowStore(const SchemaPtr& schema) : batch(Batch::empty(schema)) {}
  Batch batch;
  size_t size() const { return batch.num_columns() == 0 ? 0 : batch.column(0)->size(); }
  void append(const Batch& rows) {
    for (size_t c = 0; c < batch.num_columns(); ++c) batch.column(c)->append_from(*rows.column(c), 0, rows.num_rows());
  }
};

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
  SchemaPtr spill_schema_;
};

struct Candidates {
  GroupTable table;
  std::vector<std::string_view> best;  // per group: order key + position, in `arena`
  std::vector<uint32_t> row;           // per group: row in `store`
  StringArena arena;
  std::unique_ptr<RowStore> store;
  size_t memory_bytes() const {
    return table.memory_bytes() + best.capacity() * sizeof(std::string_view) + row.capacity() * 4 +
           arena.bytes_reserved() + store->batch.memory_bytes();
  }
  // Offers rows of `batch` (with their order keys); keeps the better ones.
  void offer(const Batch& batch, const KeyEncoder& keys, const std::vector<std::string_view>& order) {
    std::vector<uint32_t> winners;
    const size_t base = store->size();
    for (size_t r = 0; r < batch.num_rows(); ++r) {
      const uint32_t g = table.find_or_insert(keys.key(r), keys.hash(r));
      if (g == best.size()) {
        best.push_back(arena.add(order[r]));
        row.push_back(static_cast<uint32_t>(base + winners.size()));
        winners.push_back(static_cast<uint32_t>(r));
      } else if (order[r] < best[g]) {
        best[g] = arena.add(order[r]);
        row[g] = static_cast<uint32_t>(base + winners.size());
        winners.push_back(static_cast<uint32_t>(r));
      }
    }
    if (winners.empty()) return;
    store->append(winners.size() == batch.num_rows() ? batch : batch.take(winners.data(), winners.size()));
  }
};

struct DedupeWorker {
  DedupeWorker(const DedupeNode& node, const SchemaPtr& schema, MemoryBudget& budget,
               const std::vector<DataType>& key_types, const std::vector<SortKey>& order)
      : encoder(key_types), order_encoder(order, *schema), reservation(budget) {
    (void)node;
    candidates.store = std::make_unique<RowStore>(schema);
  }
  KeyEncoder encoder;
  SortKeyEncoder order_encoder;
  Candidates candidates;
  MemoryReservation reservation;
  bool spilling = false;
  std::vector<std::unique_ptr<SpillFile>> spills;
  size_t current_morsel = SIZE_MAX;
  uint64_t row_in_morsel = 0;
  Buffer order_bytes;  // order keys with positions, for one batch
  std::vector<std::string_view> order_keys;
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
    size_t total = 0;
    for (size_t r = 0; r < n; ++r) total += w.order_encoder.key(r).size() + 16;
    w.order_bytes.resize(total);
    w.order_keys.resize(n);
    char* p = reinterpret_cast<char*>(w.order_bytes.data());
    for (size_t r = 0; r < n; ++r) {
      const std::string_view k = w.order_encoder.key(r);
      char* start = p;
      std::memcpy(p, k.data(), k.size());
      p = put_position(p + k.size(), morsel, w.row_in_morsel + r);
      w.order_keys[r] = std::string_view(start, static_cast<size_t>(p - start));
    }
    w.row_in_morsel += n;
    if (w.spilling) {
      auto order_column = Column::make(DataType::binary());
      for (std::string_view k : w.order_keys) order_column->append_string(k);
      std::vector<ColumnPtr> columns = batch.columns();
      columns.push_back(std::move(order_column));
      Batch rows(node.spill_schema_, std::move(columns), n);
      std::vector<std::vector<uint32_t>> parts(kPartitions);
      for (size_t r = 0; r < n; ++r) parts[partition_of(w.encoder.hash(r))].push_back(static_cast<uint32_t>(r));
      if (w.spills.empty()) w.spills.resize(kPartitions);
      for (size_t p = 0; p < kPartitions; ++p) {
        if (parts[p].empty()) continue;
        if (!w.spills[p]) w.spills[p] = std::make_unique<SpillFile>(node.spill_schema_);
        w.spills[p]->append(rows.take(parts[p].data(), parts[p].size()));
      }
      return;
    }
    w.candidates.offer(batch, w.encoder, w.order_keys);
    if (!w.reservation.try_resize(w.candidates.memory_bytes())) w.spilling = true;
  }

  std::vector<Batch> finalize_partition(size_t part, size_t num_parts) {
    // Winner per key across workers: (worker or spill store, row).
    GroupTable table;
    std::vector<std::string_view> best;              // views into worker arenas or spilled batches kept below
    std::vector<std::pair<size_t, uint32_t>> where;  // (source, row); source == workers.size() is the spill store
    std::vector<Batch> spilled_batches;              // keep spilled order keys alive
    auto offer = [&](std::string_view key, uint64_t hash, std::string_view order, size_t source, uint32_t row) {
      const uint32_t g = table.find_or_insert(key, hash);
      if (g == best.size()) {
        best.push_back(order);
        where.emplace_back(source, row);
      } else if (order < best[g]) {
        best[g] = order;
        where[g] = {source, row};
      }
    };
    for (size_t wi = 0; wi < workers.size(); ++wi) {
      const Candidates& c = workers[wi]->candidates;
      for (uint32_t g = 0; g < c.table.num_groups(); ++g)
        if (partition_of(c.table.key_hash(g)) % num_parts == part)
          offer(c.table.key(g), c.table.key_hash(g), c.best[g], wi, c.row[g]);
    }
    RowStore spilled_rows(node.child_->schema());
    KeyEncoder encoder(node.key_types_);
    for (const auto& w : workers) {
      if (w->spills.empty() || !w->spills[part]) continue;
      auto reader = w->spills[part]->reader();
      Batch rows;
      while (reader.next(rows)) {
        std::vector<const Column*> keys;
        for (size_t idx : node.key_indexes_) keys.push_back(rows.column(idx).get());
        encoder.encode(keys, rows.num_rows());
        const Column& order = *rows.column(rows.num_columns() - 1);
        const size_t base = spilled_rows.size();
        spilled_rows.append(rows.project([&] {
          std::vector<size_t> cols(rows.num_columns() - 1);
          for (size_t i = 0; i < cols.size(); ++i) cols[i] = i;
          return cols;
        }()));
        for (size_t r = 0; r < rows.num_rows(); ++r)
          offer(encoder.key(r), encoder.hash(r), order.strings()[r], workers.size(), static_cast<uint32_t>(base + r));
        spilled_batches.push_back(rows);
      }
    }
    // Gather winners per source.
    std::vector<std::vector<uint32_t>> rows(workers.size() + 1);
    for (const auto& [source, row] : where) rows[source].push_back(row);
    std::vector<Batch> out;
    for (size_t s = 0; s < rows.size(); ++s) {
      if (rows[s].empty()) continue;
      std::sort(rows[s].begin(), rows[s].end());
      const Batch& from = s < workers.size() ? workers[s]->candidates.store->batch : spilled_rows.batch;
      Batch from_synced(node.child_->schema(), from.columns(), from.num_columns() ? from.column(0)->size() : 0);
      for (size_t offset = 0; offset < rows[s].size(); offset += ctx.batch_rows)
        out.push_back(from_synced.take(rows[s].data() + offset, std::min(ctx.batch_rows, rows[s].size() - offset)));
    }
    return out;
  }
};

std::unique_ptr<Stream> DedupeNode::open(ExecContext& ctx) const {
  auto run = std::make_unique<DedupeRun>(DedupeRun{*this, ctx, {}});
  for (size_t w = 0; w < ctx.num_workers(); ++w)
    run->workers.push_back(std::make_unique<DedupeWorker>(*this, child_->schema(), *ctx.budget, key_types_, order_));
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
