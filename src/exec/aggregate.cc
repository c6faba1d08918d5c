// Hash aggregation with per-worker pre-aggregation, partitioned merge and
// spilling. Each worker aggregates its morsels into its own GroupTable and
// aggregate states until its memory reservation is refused, or until its
// state outgrows ExecContext::preaggregation_bytes without reducing its input
// much (adaptive, as DuckDB's radix-partitioned aggregation); from then on it
// writes its input rows (keys and evaluated arguments) to per-partition spill
// files. Finalization handles each hash partition independently (in
// parallel): the workers' in-memory partial states of that partition are
// merged, then the partition's spilled rows are aggregated on top.
#include "bullion/expr/aggregate.h"

#include <algorithm>
#include <mutex>

#include "bullion/core/error.h"
#include "bullion/exec/group_table.h"
#include "bullion/exec/plan.h"
#include "bullion/exec/row_key.h"
#include "bullion/exec/spill.h"
#include "bullion/expr/evaluator.h"
#include "operators.h"

namespace bullion::exec {

namespace {

struct Aggregation {
  std::string name;
  size_t first_call;
  size_t num_calls;
  expr::ExprPtr result;  // over (keys, _agg0.._aggN-1)
  SchemaPtr result_input;
};

class AggregateNode final : public PlanNode {
 public:
  AggregateNode(PlanPtr child, const std::vector<std::string>& keys, const std::vector<NamedExpr>& aggregations,
                const expr::BindOptions& options)
      : child_(std::move(child)) {
    const Schema& input = *child_->schema();
    key_indexes_ = resolve_columns(input, keys, "group-by");
    std::vector<Field> out_fields;
    for (size_t idx : key_indexes_) {
      key_types_.push_back(input.field(idx).type);
      out_fields.push_back(input.field(idx));
    }
    for (const NamedExpr& a : aggregations) {
      expr::AggregateBinding binding;
      try {
        binding = expr::compile_aggregate(a.sql, input, keys, options);
      } catch (const Error& e) {
        throw Error(e.category(), "in aggregation '" + a.name + "': " + e.message(), e.hint());
      }
      Aggregation agg{a.name, calls_.size(), binding.calls.size(), binding.result, binding.result_schema};
      for (auto& call : binding.calls) calls_.push_back(std::move(call));
      out_fields.emplace_back(a.name, agg.result->type);
      aggregations_.push_back(std::move(agg));
    }
    for (size_t i = 0; i < out_fields.size(); ++i)
      for (size_t j = 0; j < i; ++j)
        if (out_fields[i].name == out_fields[j].name)
          throw Error::invalid_input("aggregate output column '" + out_fields[i].name + "' is defined twice");
    schema_ = std::make_shared<Schema>(std::move(out_fields));
    // Spilled rows: the keys, then each call's evaluated argument, once per
    // input column that several calls take as it is (min(v) and max(v)
    // evaluate and spill v once; an implicit cast makes another argument).
    std::vector<Field> spill_fields;
    for (size_t i = 0; i < key_indexes_.size(); ++i) spill_fields.emplace_back("k" + std::to_string(i), key_types_[i]);
    arg_column_.assign(calls_.size(), SIZE_MAX);
    for (size_t c = 0; c < calls_.size(); ++c) {
      arg_source_.push_back(c);
      if (!calls_[c].argument) continue;
      const expr::Expr& arg = *calls_[c].argument;
      for (size_t d = 0; d < c && arg_source_[c] == c && arg.is_column(); ++d)
        if (calls_[d].argument && calls_[d].argument->is_column() &&
            calls_[d].argument->column_index == arg.column_index)
          arg_source_[c] = d;
      if (arg_source_[c] != c) {
        arg_column_[c] = arg_column_[arg_source_[c]];
        continue;
      }
      arg_column_[c] = spill_fields.size();
      spill_fields.emplace_back("a" + std::to_string(c), calls_[c].argument->type);
    }
    spill_schema_ = std::make_shared<Schema>(std::move(spill_fields));
  }

  const SchemaPtr& schema() const override { return schema_; }
  std::string describe() const override {
    std::string s = "Aggregate(keys=[";
    for (size_t i = 0; i < key_indexes_.size(); ++i)
      s += (i ? ", " : "") + child_->schema()->field(key_indexes_[i]).name;
    s += "]";
    for (const auto& c : calls_) s += ", " + c.to_sql();
    return s + ") <- " + child_->describe();
  }

  std::unique_ptr<Stream> open(ExecContext& ctx) const override;

 private:
  friend struct AggregateRun;
  friend struct WorkerState;
  PlanPtr child_;
  std::vector<size_t> key_indexes_;
  std::vector<DataType> key_types_;
  std::vector<expr::AggregateCall> calls_;
  std::vector<Aggregation> aggregations_;
  std::vector<size_t> arg_source_;  // per call: the first call with the same argument (itself if none)
  std::vector<size_t> arg_column_;  // per call: its argument's column in spill_schema_, SIZE_MAX for count(*)
  SchemaPtr schema_;
  SchemaPtr spill_schema_;
};

struct AggregateRun;

struct WorkerState {
  WorkerState(const AggregateNode& node, MemoryBudget& budget)
      : encoder(node_key_types(node), true), table(encoder.word_form()), reservation(budget) {}
  static std::vector<DataType> node_key_types(const AggregateNode& node);

  KeyEncoder encoder;
  GroupTable table;
  std::vector<std::unique_ptr<expr::AggregateState>> states;
  std::vector<std::unique_ptr<expr::Evaluator>> args;  // null for count(*)
  std::vector<uint32_t> group_ids;
  MemoryReservation reservation;
  size_t rows_read = 0;  // rows pre-aggregated
  bool spilling = false;
  std::vector<std::unique_ptr<SpillFile>> spills;  // per partition
  std::once_flag partitioned;                      // states grouped by output partition
};

struct AggregateRun {
  const AggregateNode& node;
  ExecContext& ctx;
  std::vector<std::unique_ptr<WorkerState>> workers;

  void consume(WorkerState& w, const Batch& batch) {
    const size_t n = batch.num_rows();
    std::vector<const Column*> keys;
    for (size_t idx : node.key_indexes_) keys.push_back(batch.column(idx).get());
    std::vector<ColumnPtr> args(node.calls_.size());
    for (size_t c = 0; c < node.calls_.size(); ++c)
      if (w.args[c]) args[c] = node.arg_source_[c] == c ? w.args[c]->evaluate(batch) : args[node.arg_source_[c]];
    w.encoder.encode(keys, n);
    if (w.spilling) {
      spill(w, batch, args);
      return;
    }
    w.group_ids.resize(n);
    w.table.find_or_insert(w.encoder, w.group_ids.data());
    for (size_t c = 0; c < node.calls_.size(); ++c) {
      w.states[c]->resize(w.table.num_groups());
      w.states[c]->update(args[c].get(), n, w.group_ids.data());
    }
    w.rows_read += n;
    size_t bytes = w.table.memory_bytes();
    for (const auto& s : w.states) bytes += s->memory_bytes();
    if (!w.reservation.try_resize(bytes)) w.spilling = true;
    // Pre-aggregation that barely reduces its input costs a cache miss per
    // row in a table that outgrew the caches, twice (here and in the merge):
    // partitioning the rest costs a sequential write and read.
    constexpr size_t kStateBytesPerRow = 8;
    if (bytes > ctx.preaggregation_bytes && bytes > w.rows_read * kStateBytesPerRow) w.spilling = true;
  }

  void spill(WorkerState& w, const Batch& batch, const std::vector<ColumnPtr>& args) {
    const size_t n = batch.num_rows();
    std::vector<ColumnPtr> columns;
    for (size_t idx : node.key_indexes_) columns.push_back(batch.column(idx));
    for (size_t c = 0; c < node.calls_.size(); ++c)
      if (args[c] && node.arg_source_[c] == c) columns.push_back(args[c]);
    Batch rows(node.spill_schema_, std::move(columns), n);
    std::vector<std::vector<uint32_t>> parts(kPartitions);
    for (size_t r = 0; r < n; ++r) parts[partition_of(w.encoder.hash(r))].push_back(static_cast<uint32_t>(r));
    if (w.spills.empty()) w.spills.resize(kPartitions);
    for (size_t p = 0; p < kPartitions; ++p) {
      if (parts[p].empty()) continue;
      if (!w.spills[p]) w.spills[p] = std::make_unique<SpillFile>(node.spill_schema_);
      w.spills[p]->append(rows.take(parts[p].data(), parts[p].size()));
    }
  }

  // Aggregates one output partition (of `num_parts`) and returns its batches.
  std::vector<Batch> finalize_partition(size_t part, size_t num_parts) {
    KeyEncoder encoder(node.key_types_, true);
    GroupTable table(encoder.word_form());
    if (node.key_indexes_.empty() && part == partition_of(hash_bytes("")) % num_parts)
      table.find_or_insert("", hash_bytes(""));  // a global aggregate has one row, even over no input
    std::vector<std::unique_ptr<expr::AggregateState>> states;
    for (const auto& call : node.calls_) states.push_back(call.make_state());
    std::vector<uint32_t> map;
    for (const auto& w : workers) {
      const size_t groups = w->table.num_groups();
      if (groups == 0) continue;
      std::call_once(w->partitioned, [&] {
        // The first partition to finalize lets the states group their data
        // by partition, so each partition's merge reads only its share.
        std::vector<uint8_t> part_of(groups);
        for (uint32_t g = 0; g < groups; ++g)
          part_of[g] = static_cast<uint8_t>(partition_of(w->table.key_hash(g)) % num_parts);
        for (auto& state : w->states) state->partition_groups(part_of.data(), num_parts);
      });
      map.resize(groups);
      for (uint32_t g = 0; g < groups; ++g) {
        const uint64_t h = w->table.key_hash(g);
        map[g] = partition_of(h) % num_parts == part ? table.find_or_insert_group_of(w->table, g) : expr::kSkipGroup;
      }
      for (size_t c = 0; c < states.size(); ++c) {
        states[c]->resize(table.num_groups());
        states[c]->merge(*w->states[c], map.data());
      }
    }
    // Spilled rows (only when partitions are the spill partitions).
    std::vector<uint32_t> ids;
    for (const auto& w : workers) {
      if (w->spills.empty()) continue;
      BULLION_ASSERT(num_parts == kPartitions, "spilled aggregation finalizes by spill partitions");
      if (!w->spills[part]) continue;
      auto reader = w->spills[part]->reader();
      Batch rows;
      while (reader.next(rows)) {
        const size_t n = rows.num_rows();
        std::vector<const Column*> keys;
        for (size_t k = 0; k < node.key_indexes_.size(); ++k) keys.push_back(rows.column(k).get());
        encoder.encode(keys, n);
        ids.resize(n);
        table.find_or_insert(encoder, ids.data());
        for (size_t c = 0; c < states.size(); ++c) {
          states[c]->resize(table.num_groups());
          const Column* arg = node.arg_column_[c] == SIZE_MAX ? nullptr : rows.column(node.arg_column_[c]).get();
          states[c]->update(arg, n, ids.data());
        }
      }
    }
    for (auto& state : states) state->resize(table.num_groups());  // groups without input rows
    return output(table, states);
  }

  std::vector<Batch> output(const GroupTable& table, const std::vector<std::unique_ptr<expr::AggregateState>>& states) {
    const size_t groups = table.num_groups();
    std::vector<Batch> out;
    if (groups == 0) return out;
    std::vector<ColumnPtr> key_columns;
    std::vector<Column*> raw;
    for (const DataType& t : node.key_types_) {
      key_columns.push_back(Column::make(t));
      raw.push_back(key_columns.back().get());
    }
    table.append_keys(node.key_types_, raw);
    std::vector<ColumnPtr> finals;
    for (const auto& s : states) finals.push_back(s->finalize());
    std::vector<ColumnPtr> columns = key_columns;
    for (const Aggregation& a : node.aggregations_) {
      std::vector<ColumnPtr> input = key_columns;
      for (size_t c = 0; c < a.num_calls; ++c) input.push_back(finals[a.first_call + c]);
      columns.push_back(expr::evaluate(a.result, Batch(a.result_input, std::move(input), groups)));
    }
    Batch all(node.schema_, std::move(columns), groups);
    for (size_t offset = 0; offset < groups; offset += ctx.batch_rows)
      out.push_back(
          offset == 0 && groups <= ctx.batch_rows ? all : all.slice(offset, std::min(ctx.batch_rows, groups - offset)));
    return out;
  }
};

std::vector<DataType> WorkerState::node_key_types(const AggregateNode& node) { return node.key_types_; }

std::unique_ptr<Stream> AggregateNode::open(ExecContext& ctx) const {
  auto run = std::make_unique<AggregateRun>(AggregateRun{*this, ctx, {}});
  for (size_t w = 0; w < ctx.num_workers(); ++w) {
    auto state = std::make_unique<WorkerState>(*this, *ctx.budget);
    for (const auto& call : calls_) {
      state->states.push_back(call.make_state());
      state->args.push_back(call.argument ? std::make_unique<expr::Evaluator>(call.argument) : nullptr);
    }
    run->workers.push_back(std::move(state));
  }
  auto input = child_->open(ctx);
  for_each_batch(*input, ctx, [&](size_t, size_t worker, Batch&& b) { run->consume(*run->workers[worker], b); });
  return finish_partitioned(std::move(run), ctx, schema_);
}

}  // namespace

Plan Plan::aggregate(const std::vector<std::string>& keys, const std::vector<NamedExpr>& aggregations,
                     const expr::BindOptions& options) const {
  return Plan(std::make_shared<AggregateNode>(node_, keys, aggregations, options));
}

}  // namespace bullion::exec
