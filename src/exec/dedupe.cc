// Dedupe: for each distinct key, keep the first row by an order. Each worker
// partitions its input rows by key hash, each row with its input position
// (morsel, row), into per-partition spill files that start in memory as LZ4
// blocks of serialized rows and move to disk when the budget refuses.
// Finalization resolves each partition independently: it reads the
// partition's rows from every worker, compares rows by normalized order bytes
// followed by the position (so the winner does not depend on the thread
// count), keeps the best row per key and emits the winners.
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

// A row's order bytes: its normalized order key, then its input position
// (morsel, row within morsel) big-endian, so that byte comparison is a total
// order and ties go to the earlier row.
void order_bytes(std::string_view key, uint64_t morsel, uint64_t row, std::string& out) {
  out.assign(key);
  for (int s = 56; s >= 0; s -= 8) out.push_back(static_cast<char>(morsel >> s));
  for (int s = 56; s >= 0; s -= 8) out.push_back(static_cast<char>(row >> s));
}

// The first 8 bytes of `bytes` (zero-padded) as a big-endian number: comparing
// prefixes orders like comparing the bytes, except that equal prefixes need
// the full comparison.
uint64_t prefix_of(std::string_view bytes) {
  uint64_t p = 0;
  std::memcpy(&p, bytes.data(), std::min<size_t>(8, bytes.size()));
  return __builtin_bswap64(p);
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
    fields.emplace_back("__morsel", DataType::int64(), false);
    fields.emplace_back("__row", DataType::int64(), false);
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
  SchemaPtr spill_schema_;  // the input columns, then the position: __morsel, __row
};

// Drops rows that cannot win before they are partitioned: a worker
// remembers, for the keys it saw recently, the best order key it sent so far
// (at most kKeys keys, then it starts over). A row whose key already has a
// better row is dominated by a row this worker sent, which finalization would
// prefer anyway. When a fill drops less than half of the rows offered, the
// input is mostly distinct at this scale (Silver's events) and the filter
// switches itself off; with many duplicates per key it keeps most of them
// from ever being serialized.
struct DominanceFilter {
  static constexpr size_t kKeys = size_t{1} << 17;
  bool on = true;
  GroupTable seen;
  std::vector<std::string_view> best;  // per key: order bytes + position, in `arena`
  std::vector<uint64_t> best_prefix;   // per key: best's first 8 bytes, big-endian (most compares end here)
  std::unique_ptr<StringArena> arena = std::make_unique<StringArena>();
  size_t offered = 0, sent = 0;  // rows since the last start
  size_t memory_bytes() const {
    return seen.memory_bytes() + best.capacity() * (sizeof(std::string_view) + sizeof(uint64_t)) +
           arena->bytes_reserved();
  }
  void start_over(bool keep_on) {
    on = keep_on;
    seen.clear();
    best = {};
    best_prefix = {};
    arena = std::make_unique<StringArena>();
    offered = sent = 0;
  }
};

struct DedupeWorker {
  DedupeWorker(const std::vector<DataType>& key_types, const std::vector<SortKey>& order, const Schema& schema,
               MemoryBudget& budget)
      : encoder(key_types), order_encoder(order, schema), reservation(budget), spills(kPartitions) {}
  KeyEncoder encoder;
  SortKeyEncoder order_encoder;
  DominanceFilter filter;
  MemoryReservation reservation;
  std::vector<std::unique_ptr<SpillFile>> spills;  // per partition
  bool on_disk = false;
  size_t current_morsel = SIZE_MAX;
  uint64_t row_in_morsel = 0;
  std::vector<uint32_t> kept;  // rows of the batch the filter passes
  std::string order;           // scratch: one row's order bytes
  std::vector<std::vector<uint32_t>> partition_rows = std::vector<std::vector<uint32_t>>(kPartitions);
};

struct DedupeRun {
  const DedupeNode& node;
  std::vector<std::unique_ptr<DedupeWorker>> workers;

  // The rows of the batch that may still win (all when the filter is off), into w.kept.
  void filter_rows(DedupeWorker& w, size_t morsel, const Batch& batch) {
    const size_t n = batch.num_rows();
    w.kept.clear();
    if (!w.filter.on) {
      for (size_t r = 0; r < n; ++r) w.kept.push_back(static_cast<uint32_t>(r));
      return;
    }
    DominanceFilter& f = w.filter;
    w.order_encoder.encode(batch);
    for (size_t r = 0; r < n; ++r) {
      order_bytes(w.order_encoder.key(r), morsel, w.row_in_morsel + r, w.order);
      const uint64_t prefix = prefix_of(w.order);
      const uint32_t g = f.seen.find_or_insert(w.encoder.key(r), w.encoder.hash(r));
      if (g == f.best.size()) {
        f.best.push_back(f.arena->add(w.order));
        f.best_prefix.push_back(prefix);
      } else if (prefix < f.best_prefix[g] || (prefix == f.best_prefix[g] && w.order < f.best[g])) {
        f.best[g] = f.arena->add(w.order);
        f.best_prefix[g] = prefix;
      } else {
        continue;
      }
      w.kept.push_back(static_cast<uint32_t>(r));
    }
    f.offered += n;
    f.sent += w.kept.size();
    if (f.seen.num_groups() >= DominanceFilter::kKeys) f.start_over(/*keep_on=*/f.sent * 2 <= f.offered);
  }

  void consume(DedupeWorker& w, size_t morsel, const Batch& batch) {
    if (morsel != w.current_morsel) {
      w.current_morsel = morsel;
      w.row_in_morsel = 0;
    }
    const size_t n = batch.num_rows();
    std::vector<const Column*> keys;
    for (size_t idx : node.key_indexes_) keys.push_back(batch.column(idx).get());
    w.encoder.encode(keys, n);
    filter_rows(w, morsel, batch);
    auto morsels = Column::make(DataType::int64());
    auto positions = Column::make(DataType::int64());
    morsels->resize(n);
    positions->resize(n);
    for (size_t r = 0; r < n; ++r) {
      morsels->mutable_data<int64_t>()[r] = static_cast<int64_t>(morsel);
      positions->mutable_data<int64_t>()[r] = static_cast<int64_t>(w.row_in_morsel + r);
    }
    w.row_in_morsel += n;
    std::vector<ColumnPtr> columns = batch.columns();
    columns.push_back(std::move(morsels));
    columns.push_back(std::move(positions));
    const Batch rows(node.spill_schema_, std::move(columns), n);
    for (auto& part : w.partition_rows) part.clear();
    for (uint32_t r : w.kept) w.partition_rows[partition_of(w.encoder.hash(r))].push_back(r);
    for (size_t p = 0; p < kPartitions; ++p) {
      const std::vector<uint32_t>& part = w.partition_rows[p];
      if (part.empty()) continue;
      auto& file = w.spills[p];
      if (!file)
        file = std::make_unique<SpillFile>(node.spill_schema_,
                                           w.on_disk ? SpillFile::Start::kOnDisk : SpillFile::Start::kInMemory);
      file->append(rows, part.data(), part.size());
    }
    size_t spill_bytes = 0;  // of the spills still in memory
    for (const auto& file : w.spills)
      if (file) spill_bytes += file->memory_bytes();
    const size_t filter_bytes = w.filter.on ? w.filter.memory_bytes() : 0;
    if (!w.on_disk && !w.reservation.try_resize(spill_bytes + filter_bytes)) {
      for (auto& file : w.spills)
        if (file) file->move_to_disk();
      w.on_disk = true;
    }
    if (w.on_disk && !w.reservation.try_resize(filter_bytes)) {
      w.filter.start_over(/*keep_on=*/false);
      w.reservation.release_all();
    }
  }

  std::vector<Batch> finalize_partition(size_t part, size_t num_parts) {
    BULLION_ASSERT(num_parts == kPartitions, "dedupe finalizes by spill partition");
    // Pass 1: the group of every row (rows are numbered flat: batch b's
    // start at first_row[b]) and, per group, its first row and whether the
    // key repeats. Most keys of a dedupe occur once, and their row wins
    // without a comparison.
    GroupTable table;
    std::vector<uint32_t> group_of;  // per row
    std::vector<uint64_t> where;     // per group: the winning row so far
    std::vector<uint8_t> repeated;   // per group
    std::vector<Batch> batches;
    std::vector<uint64_t> first_row{0};
    KeyEncoder encoder(node.key_types_);
    uint64_t rows_in_partition = 0;
    for (const auto& w : workers)
      if (w->spills[part]) rows_in_partition += w->spills[part]->num_rows();
    table.reserve(rows_in_partition);  // a dedupe's input is mostly distinct keys
    group_of.reserve(rows_in_partition);
    std::vector<uint32_t> ids;
    for (const auto& w : workers) {
      if (!w->spills[part]) continue;
      {
        auto reader = w->spills[part]->reader();
        Batch rows;
        while (reader.next(rows)) {
          const size_t n = rows.num_rows();
          std::vector<const Column*> keys;
          for (size_t idx : node.key_indexes_) keys.push_back(rows.column(idx).get());
          encoder.encode(keys, n);
          ids.resize(n);
          table.find_or_insert(encoder, ids.data());
          const uint64_t base = first_row.back();
          for (size_t r = 0; r < n; ++r) {
            if (ids[r] == where.size()) {
              where.push_back(base + r);
              repeated.push_back(0);
            } else {
              repeated[ids[r]] = 1;
            }
            group_of.push_back(ids[r]);
          }
          first_row.push_back(base + n);
          batches.push_back(std::move(rows));
        }
      }
      w->spills[part].reset();  // each partition is finalized once
    }
    // Pass 2: the rows of repeated keys compare order bytes, then input position.
    std::vector<std::string_view> best(where.size());  // repeated groups: the winner's order bytes, in `orders`
    StringArena orders;
    SortKeyEncoder order_encoder(node.order_, *node.spill_schema_);
    std::string order;
    std::vector<uint32_t> contenders;
    for (size_t b = 0; b < batches.size(); ++b) {
      contenders.clear();
      for (uint64_t r = first_row[b]; r < first_row[b + 1]; ++r)
        if (repeated[group_of[r]]) contenders.push_back(static_cast<uint32_t>(r - first_row[b]));
      if (contenders.empty()) continue;
      const Batch rows = batches[b].take(contenders.data(), contenders.size());
      order_encoder.encode(rows);
      const int64_t* morsel = rows.column(rows.num_columns() - 2)->data<int64_t>();
      const int64_t* position = rows.column(rows.num_columns() - 1)->data<int64_t>();
      for (size_t i = 0; i < contenders.size(); ++i) {
        order_bytes(order_encoder.key(i), static_cast<uint64_t>(morsel[i]), static_cast<uint64_t>(position[i]), order);
        const uint64_t row = first_row[b] + contenders[i];
        const uint32_t g = group_of[row];
        if (best[g].empty() || order < best[g]) {
          best[g] = orders.add(order);
          where[g] = row;
        }
      }
    }
    // Winners in the order of the partition's rows, one output batch per
    // spilled block: gathering them into larger batches would copy every row
    // once more (measured: Silver 4% slower, and a higher peak).
    std::vector<bool> winner(first_row.back());
    for (uint64_t row : where) winner[row] = true;
    std::vector<size_t> data_columns(node.spill_schema_->size() - 2);
    for (size_t i = 0; i < data_columns.size(); ++i) data_columns[i] = i;
    std::vector<Batch> out;
    std::vector<uint32_t> rows;
    for (size_t b = 0; b < batches.size(); ++b) {
      rows.clear();
      for (uint64_t r = first_row[b]; r < first_row[b + 1]; ++r)
        if (winner[r]) rows.push_back(static_cast<uint32_t>(r - first_row[b]));
      if (!rows.empty()) out.push_back(batches[b].project(data_columns).take(rows.data(), rows.size()));
      batches[b] = Batch();
    }
    return out;
  }
};

std::unique_ptr<Stream> DedupeNode::open(ExecContext& ctx) const {
  auto run = std::make_unique<DedupeRun>(DedupeRun{*this, {}});
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
