// Dedupe: for each distinct key, keep the first row by an order. Each worker
// partitions its input rows by key hash, each row with its input position
// (morsel, row), into per-partition spill files that start in memory as LZ4
// blocks of serialized rows and move to disk when the budget refuses.
// Finalization resolves each partition independently: it reads the
// partition's rows from every worker, compares rows by normalized order bytes
// followed by the position (so the winner does not depend on the thread
// count), keeps the best row per key and emits the winners.
//
// Two passes, when the plan gives a way to read the input's keys first (a
// scan of the input's source): pass 1 hashes every key and finds the hashes
// that occur more than once (8 bytes per row, counted per partition in a hash
// set); pass 2
// streams the rows whose key hash occurs once straight through, and only the
// rest (Silver: ~2% of its rows, the duplicates and rare hash collisions)
// go through the partitioning above. A single pass serializes and compresses
// every row to find the ~1% that repeat. When the budget refuses pass 1's
// hashes, the dedupe falls back to a single pass.
//
// Why not keep candidate rows per key in a hash table while consuming (as the
// aggregate does)? A dedupe's input is usually nearly unique (Silver drops ~1%
// duplicates), so that table ends up holding the whole input in its widest,
// columnar form (16-byte string views, per-column growth): 6 GB for Silver's
// 10M events, most of its time spent faulting in fresh pages. Serialized and
// compressed, the same rows take a fraction of that, and a partition at a
// time is decoded.
#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <optional>

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

void encode_keys(KeyEncoder& encoder, const Batch& batch, const std::vector<size_t>& key_indexes) {
  std::vector<const Column*> keys;
  for (size_t idx : key_indexes) keys.push_back(batch.column(idx).get());
  encoder.encode(keys, batch.num_rows());
}

// Rows' positions within their morsel: `first` + `rows[i]` (or + i without `rows`).
ColumnPtr positions_column(uint64_t first, size_t n, const uint32_t* rows = nullptr) {
  auto c = Column::make(DataType::int64());
  c->resize(n);
  int64_t* out = c->mutable_data<int64_t>();
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<int64_t>(first + (rows ? rows[i] : i));
  return c;
}

std::vector<SortKey> resolve_order(const Schema& schema, const std::vector<SortSpec>& order) {
  std::vector<SortKey> keys;
  for (const SortSpec& s : order) {
    const size_t idx = resolve_columns(schema, {s.column}, "order")[0];
    keys.push_back({idx, s.descending, s.nulls_first.value_or(!s.descending)});
  }
  return keys;
}

// Pass 1's answer: the hashes of the keys that occur more than once. An
// open-addressing set of hashes at a load factor of at most 1/2 (0 marks an
// empty slot; the hash 0 is kept aside), reserved from the budget for as
// long as it lives.
class RepeatedKeys {
 public:
  // nullopt when the budget refuses the set.
  static std::optional<RepeatedKeys> make(const std::vector<uint64_t>& hashes, MemoryBudget& budget) {
    size_t size = 64;
    while (size < hashes.size() * 2) size *= 2;
    auto reservation = std::make_unique<MemoryReservation>(budget);
    if (!reservation->try_resize(size * sizeof(uint64_t))) return std::nullopt;
    RepeatedKeys keys(std::move(reservation));
    keys.slots_.assign(size, 0);
    keys.mask_ = size - 1;
    for (uint64_t h : hashes) {
      if (h == 0) {
        keys.zero_ = true;
        continue;
      }
      size_t s = h & keys.mask_;
      while (keys.slots_[s] != 0 && keys.slots_[s] != h) s = (s + 1) & keys.mask_;
      keys.slots_[s] = h;
    }
    return keys;
  }
  bool contains(uint64_t h) const {
    if (h == 0) return zero_;
    for (size_t s = h & mask_;; s = (s + 1) & mask_) {
      if (slots_[s] == h) return true;
      if (slots_[s] == 0) return false;
    }
  }

 private:
  explicit RepeatedKeys(std::unique_ptr<MemoryReservation> reservation) : reservation_(std::move(reservation)) {}
  std::unique_ptr<MemoryReservation> reservation_;
  std::vector<uint64_t> slots_;
  size_t mask_ = 0;
  bool zero_ = false;
};

class DedupeNode final : public PlanNode {
 public:
  DedupeNode(PlanPtr child, const std::vector<std::string>& keys, const std::vector<SortSpec>& order,
             PlanPtr keys_of_input)
      : child_(std::move(child)), keys_of_input_(std::move(keys_of_input)) {
    const Schema& schema = *child_->schema();
    key_indexes_ = resolve_columns(schema, keys, "dedupe key");
    for (size_t idx : key_indexes_) key_types_.push_back(schema.field(idx).type);
    if (keys_of_input_) {
      const Schema& source = *keys_of_input_->schema();
      source_key_indexes_ = resolve_columns(source, keys, "dedupe key (of the input's keys)");
      for (size_t i = 0; i < keys.size(); ++i)
        if (source.field(source_key_indexes_[i]).type != key_types_[i])
          throw Error::invalid_input("dedupe key '" + keys[i] + "' is " + key_types_[i].to_string() +
                                     " in the input but " + source.field(source_key_indexes_[i]).type.to_string() +
                                     " where its keys are read first");
    }
    order_ = resolve_order(schema, order);
    std::vector<Field> fields = schema.fields();
    fields.emplace_back("__morsel", DataType::int64(), false);
    fields.emplace_back("__row", DataType::int64(), false);
    spill_schema_ = std::make_shared<Schema>(std::move(fields));
  }
  const SchemaPtr& schema() const override { return child_->schema(); }
  std::string describe() const override {
    return std::string(keys_of_input_ ? "Dedupe (two passes) <- " : "Dedupe <- ") + child_->describe();
  }
  std::unique_ptr<Stream> open(ExecContext& ctx) const override;

 private:
  friend struct DedupeRun;
  friend class TwoPassDedupeStream;
  std::optional<RepeatedKeys> repeated_keys(ExecContext& ctx) const;
  PlanPtr child_;
  PlanPtr keys_of_input_;                   // or null: a single pass
  std::vector<size_t> source_key_indexes_;  // the keys in keys_of_input_
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
  size_t current_morsel = SIZE_MAX;  // single pass: the morsel of the last batch, and the rows seen of it
  uint64_t row_in_morsel = 0;
  std::vector<uint32_t> kept;                // rows of the batch the filter passes
  std::vector<uint32_t> unique, candidates;  // two passes: rows whose key occurs once, and the others
  std::string order;                         // scratch: one row's order bytes
  std::vector<std::vector<uint32_t>> partition_rows = std::vector<std::vector<uint32_t>>(kPartitions);
};

struct DedupeRun {
  const DedupeNode& node;
  std::vector<std::unique_ptr<DedupeWorker>> workers;

  // The rows of the batch that may still win (all when the filter is off), into w.kept.
  void filter_rows(DedupeWorker& w, size_t morsel, const Batch& batch, const int64_t* positions) {
    const size_t n = batch.num_rows();
    w.kept.clear();
    if (!w.filter.on) {
      for (size_t r = 0; r < n; ++r) w.kept.push_back(static_cast<uint32_t>(r));
      return;
    }
    DominanceFilter& f = w.filter;
    w.order_encoder.encode(batch);
    for (size_t r = 0; r < n; ++r) {
      order_bytes(w.order_encoder.key(r), morsel, static_cast<uint64_t>(positions[r]), w.order);
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

  // Partitions the rows of `batch` that may still win; `positions` (INT64)
  // holds each row's position within morsel `morsel`.
  void consume(DedupeWorker& w, size_t morsel, const Batch& batch, ColumnPtr positions) {
    const size_t n = batch.num_rows();
    encode_keys(w.encoder, batch, node.key_indexes_);
    filter_rows(w, morsel, batch, positions->data<int64_t>());
    auto morsels = Column::make(DataType::int64());
    morsels->resize(n);
    std::fill_n(morsels->mutable_data<int64_t>(), n, static_cast<int64_t>(morsel));
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
          encode_keys(encoder, rows, node.key_indexes_);
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

// Pass 2 of a two-pass dedupe: one morsel per input morsel, whose rows of
// keys that occur once pass straight through and whose other rows are
// partitioned, then one morsel per partition, which waits until every input
// morsel is done and emits the partition's winners.
class TwoPassDedupeStream final : public Stream {
 public:
  TwoPassDedupeStream(std::unique_ptr<DedupeRun> run, std::unique_ptr<Stream> input, RepeatedKeys repeated)
      : run_(std::move(run)),
        input_(std::move(input)),
        repeated_(std::move(repeated)),
        inputs_(input_->num_morsels()) {}
  const SchemaPtr& schema() const override { return run_->node.schema(); }
  size_t num_morsels() const override { return inputs_ + kPartitions; }
  void produce(size_t morsel, size_t worker, const Emit& emit) override {
    if (morsel < inputs_) {
      InputDone done(*this);
      produce_input(morsel, worker, emit);
      done.ok = true;
      return;
    }
    {
      // Morsels are handed out in order: the input morsels are all running or done.
      std::unique_lock lock(mutex_);
      inputs_done_cv_.wait(lock, [&] { return inputs_done_ == inputs_ || failed_; });
      if (failed_) return;  // the failing morsel's error is what the run reports
    }
    for (Batch& b : run_->finalize_partition(morsel - inputs_, kPartitions))
      emit(Batch(schema(), b.columns(), b.num_rows()));
  }

 private:
  // Counts an input morsel as done (or failed) however it ends; the last
  // one closes the spill files for reading.
  struct InputDone {
    TwoPassDedupeStream& s;
    bool ok = false;
    ~InputDone() {
      std::lock_guard lock(s.mutex_);
      s.failed_ |= !ok;
      if (++s.inputs_done_ == s.inputs_ && !s.failed_)
        for (const auto& w : s.run_->workers)
          for (auto& f : w->spills)
            if (f) f->finish_writing();
      s.inputs_done_cv_.notify_all();
    }
  };

  void produce_input(size_t morsel, size_t worker, const Emit& emit) {
    DedupeWorker& w = *run_->workers[worker];
    uint64_t first = 0;  // the batch's position within the morsel
    input_->produce(morsel, worker, [&](Batch&& b) {
      const size_t n = b.num_rows();
      encode_keys(w.encoder, b, run_->node.key_indexes_);
      w.unique.clear();
      w.candidates.clear();
      for (size_t r = 0; r < n; ++r)
        (repeated_.contains(w.encoder.hash(r)) ? w.candidates : w.unique).push_back(static_cast<uint32_t>(r));
      if (w.candidates.size() == n) {
        run_->consume(w, morsel, b, positions_column(first, n));
      } else if (!w.candidates.empty()) {
        run_->consume(w, morsel, b.take(w.candidates.data(), w.candidates.size()),
                      positions_column(first, w.candidates.size(), w.candidates.data()));
      }
      first += n;
      if (w.unique.size() == n)
        emit(std::move(b));
      else if (!w.unique.empty())
        emit(b.take(w.unique.data(), w.unique.size()));
    });
  }

  std::unique_ptr<DedupeRun> run_;
  std::unique_ptr<Stream> input_;
  const RepeatedKeys repeated_;
  const size_t inputs_;
  std::mutex mutex_;
  std::condition_variable inputs_done_cv_;
  size_t inputs_done_ = 0;
  bool failed_ = false;
};

// Thrown to stop pass 1 when the budget refuses its hashes.
struct HashesRefused {};

// Pass 1: the keys that occur more than once in keys_of_input_, or nullopt
// when the budget refuses the hashes (8 bytes per row) or the set of repeats.

std::optional<RepeatedKeys> DedupeNode::repeated_keys(ExecContext& ctx) const {
  struct Worker {
    explicit Worker(const std::vector<DataType>& types, MemoryBudget& budget) : encoder(types), reservation(budget) {}
    KeyEncoder encoder;
    std::vector<std::vector<uint64_t>> hashes = std::vector<std::vector<uint64_t>>(kPartitions);  // per partition
    MemoryReservation reservation;
  };
  std::vector<std::unique_ptr<Worker>> workers;
  for (size_t w = 0; w < ctx.num_workers(); ++w) workers.push_back(std::make_unique<Worker>(key_types_, *ctx.budget));
  auto keys = keys_of_input_->open(ctx);
  try {
    for_each_batch(*keys, ctx, [&](size_t, size_t worker, Batch&& b) {
      Worker& w = *workers[worker];
      encode_keys(w.encoder, b, source_key_indexes_);
      size_t bytes = 0;
      for (size_t r = 0; r < b.num_rows(); ++r) w.hashes[partition_of(w.encoder.hash(r))].push_back(w.encoder.hash(r));
      for (const auto& h : w.hashes) bytes += h.capacity() * sizeof(uint64_t);
      if (!w.reservation.try_resize(bytes)) throw HashesRefused{};
    });
  } catch (const HashesRefused&) {
    return std::nullopt;
  }
  // Per partition: the hashes from every worker into an open-addressing set
  // (0 marks an empty slot; the hash 0 is counted aside); a hash found
  // already there is a repeated key (listed once per repeat).
  std::vector<std::vector<uint64_t>> repeated(kPartitions);
  ctx.pool->parallel_for(kPartitions, [&](size_t p, size_t) {
    size_t n = 0, zeros = 0;
    for (const auto& w : workers) n += w->hashes[p].size();
    size_t size = 64;
    while (size < n * 2) size *= 2;
    std::vector<uint64_t> seen(size, 0);
    const size_t mask = size - 1;
    for (auto& w : workers) {
      for (uint64_t h : w->hashes[p]) {
        if (h == 0) {
          if (zeros++ == 1) repeated[p].push_back(0);
          continue;
        }
        size_t s = h & mask;
        while (seen[s] != 0 && seen[s] != h) s = (s + 1) & mask;
        if (seen[s] == h)
          repeated[p].push_back(h);
        else
          seen[s] = h;
      }
      w->hashes[p] = {};
    }
  });
  std::vector<uint64_t> hashes;
  for (const auto& r : repeated) hashes.insert(hashes.end(), r.begin(), r.end());
  for (auto& w : workers) w->reservation.release_all();
  return RepeatedKeys::make(hashes, *ctx.budget);
}

std::unique_ptr<Stream> DedupeNode::open(ExecContext& ctx) const {
  std::optional<RepeatedKeys> repeated;
  if (keys_of_input_) repeated = repeated_keys(ctx);
  auto run = std::make_unique<DedupeRun>(DedupeRun{*this, {}});
  for (size_t w = 0; w < ctx.num_workers(); ++w)
    run->workers.push_back(std::make_unique<DedupeWorker>(key_types_, order_, *child_->schema(), *ctx.budget));
  auto input = child_->open(ctx);
  if (repeated) return std::make_unique<TwoPassDedupeStream>(std::move(run), std::move(input), std::move(*repeated));
  for_each_batch(*input, ctx, [&](size_t morsel, size_t worker, Batch&& b) {
    DedupeWorker& w = *run->workers[worker];
    if (morsel != w.current_morsel) {
      w.current_morsel = morsel;
      w.row_in_morsel = 0;
    }
    run->consume(w, morsel, b, positions_column(w.row_in_morsel, b.num_rows()));
    w.row_in_morsel += b.num_rows();
  });
  return finish_partitioned(std::move(run), ctx, schema());
}

}  // namespace

Plan Plan::dedupe(const std::vector<std::string>& keys, const std::vector<SortSpec>& order,
                  const std::optional<Plan>& keys_of_input) const {
  return Plan(std::make_shared<DedupeNode>(node_, keys, order, keys_of_input ? keys_of_input->node() : nullptr));
}

}  // namespace bullion::exec
