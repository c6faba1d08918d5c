// bullion/exec/plan.h — query plans over batches, executed in parallel under a memory budget.
//
// A Plan is an immutable tree of operators built with a fluent API:
//
//   Plan p = Plan::values(schema, batches)
//                .filter("event_type IS NOT NULL")
//                .aggregate({"customer_id"}, {{"total_events", "count(event_id)"}})
//                .sort({{"customer_id"}});
//   std::vector<Batch> out = p.collect(ctx);
//
// Execution model (DuckDB's, simplified): every operator's output is a Stream
// of independent morsels. Streaming operators (filter, project) are fused into
// their input's morsels; blocking operators (aggregate, dedupe, join build,
// sort) consume their input's morsels in parallel on ctx.pool into
// per-worker state, then finalize into a new Stream. Operator nodes hold only
// immutable plan data; mutable state lives in per-execution state objects,
// so one Plan may be executed many times and concurrently.
//
// Memory: blocking operators account their memory against ctx.budget and
// spill to disk (partitioning by key hash) when refused; results are identical
// with or without spilling and with any number of threads, except the order of
// rows from aggregate/dedupe/join (sort when order matters).
//
// Errors: building a plan binds expressions and throws bullion::Error
// (kInvalidInput) naming the column or position; execution errors propagate
// from the first failing worker.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "bullion/columnar/batch.h"
#include "bullion/core/memory.h"
#include "bullion/core/thread_pool.h"
#include "bullion/exec/sort_key.h"
#include "bullion/expr/binder.h"
#include "bullion/expr/expr.h"

namespace bullion::exec {

struct ExecContext {
  ThreadPool* pool = &ThreadPool::global();
  MemoryBudget* budget = &MemoryBudget::global();
  size_t batch_rows = 64 * 1024;  // target rows per output batch
  // A worker's hash aggregate pre-aggregates its rows until its state
  // outgrows this many bytes while holding more than 8 bytes of state per row
  // it has read (many groups or distinct values, little reduction); from then
  // on it partitions its rows to spill files instead, and each partition is
  // aggregated on its own (a table that fits the caches, not one per worker
  // that does not).
  size_t preaggregation_bytes = size_t{256} << 20;
  size_t num_workers() const { return pool->num_threads(); }
};

using Emit = std::function<void(Batch&&)>;

// An operator's output: independent morsels, each produced by one worker.
// produce() may run concurrently for different morsels; `worker` is unique
// among concurrent calls and < ExecContext::num_workers().
class Stream {
 public:
  virtual ~Stream() = default;
  virtual const SchemaPtr& schema() const = 0;
  virtual size_t num_morsels() const = 0;
  virtual void produce(size_t morsel, size_t worker, const Emit& emit) = 0;
};

class PlanNode {
 public:
  virtual ~PlanNode() = default;
  virtual const SchemaPtr& schema() const = 0;
  // Prepares the output stream, running the inputs of blocking operators.
  virtual std::unique_ptr<Stream> open(ExecContext& ctx) const = 0;
  virtual std::string describe() const = 0;
};
using PlanPtr = std::shared_ptr<const PlanNode>;

// Runs fn(morsel, worker, batch) for every batch of every morsel, in parallel.
void for_each_batch(Stream& stream, ExecContext& ctx,
                    const std::function<void(size_t morsel, size_t worker, Batch&& batch)>& fn);

struct SortSpec {
  std::string column;
  bool descending = false;
  std::optional<bool> nulls_first;  // default: NULLS FIRST ascending, NULLS LAST descending (Spark)
};

enum class JoinType { kInner, kLeft, kSemi, kAnti };

struct NamedExpr {
  std::string name;
  std::string sql;
};

class Plan {
 public:
  explicit Plan(PlanPtr node) : node_(std::move(node)) {}

  // Leaves.
  static Plan values(SchemaPtr schema, std::vector<Batch> batches);
  // A custom source: `morsels` independent producers (e.g. files to read).
  static Plan source(SchemaPtr schema, size_t morsels, std::function<void(size_t morsel, const Emit& emit)> produce,
                     std::string description);

  // Streaming operators. SQL text is bound against this plan's schema with
  // `options` (parameters such as as_of).
  Plan filter(std::string_view predicate, const expr::BindOptions& options = {}) const;
  Plan filter(expr::ExprPtr predicate) const;
  // Computes each named expression, in order; later expressions may use earlier names when `sequential`.
  Plan project(const std::vector<NamedExpr>& columns, const expr::BindOptions& options = {},
               bool sequential = false) const;
  Plan project(std::vector<std::pair<std::string, expr::ExprPtr>> columns) const;
  Plan select(const std::vector<std::string>& columns) const;
  // A per-batch function as a streaming operator: `fn` turns each batch into
  // the batch passed on (with `schema`'s columns; 0 rows passes nothing). It
  // runs concurrently on the workers and must be thread-safe. For what SQL
  // cannot say, such as routing rejected rows to a side output.
  Plan map(SchemaPtr schema, std::function<Batch(Batch&&)> fn, std::string description) const;
  Plan limit(size_t n) const;
  Plan union_all(const Plan& other) const;

  // Blocking operators.
  // Groups by `keys` (input column names) and computes each aggregation
  // (SQL such as "count(DISTINCT session_id)" or "sum(x) / count(x)").
  // Output: the keys, then one column per aggregation.
  Plan aggregate(const std::vector<std::string>& keys, const std::vector<NamedExpr>& aggregations,
                 const expr::BindOptions& options = {}) const;
  // Keeps, for each distinct `keys`, the first row by `order` (ties: input order).
  // `keys_of_input`, when given, yields the `keys` columns of every input row
  // (or of a superset of the rows) and can run before the input starts, such
  // as a scan of the input's source: the dedupe reads it first to find the
  // keys that occur more than once, then streams the rows of the other keys
  // straight through and holds only the rest.
  Plan dedupe(const std::vector<std::string>& keys, const std::vector<SortSpec>& order,
              const std::optional<Plan>& keys_of_input = std::nullopt) const;
  // Equi-join on key columns (NULL keys never match). `right` is the build
  // side. Inner/left output: left columns then right columns (right key
  // columns included; names must not clash). Semi/anti output: left columns.
  Plan join(const Plan& right, const std::vector<std::string>& left_keys, const std::vector<std::string>& right_keys,
            JoinType type) const;
  Plan sort(const std::vector<SortSpec>& keys) const;

  const PlanPtr& node() const { return node_; }
  const SchemaPtr& schema() const { return node_->schema(); }
  std::string describe() const { return node_->describe(); }

  // Runs the plan; `emit` gets every output batch (called from worker
  // threads, serialized by a mutex), in no particular order.
  void execute(ExecContext& ctx, const Emit& emit) const;
  // Runs the plan; `emit(worker, batch)` is called concurrently from the
  // workers (calls with the same worker index never overlap), so per-worker
  // sinks such as one file writer per worker need no lock.
  void execute_per_worker(ExecContext& ctx, const std::function<void(size_t worker, Batch&&)>& emit) const;
  // All output batches in morsel order (deterministic for deterministic plans).
  std::vector<Batch> collect(ExecContext& ctx) const;
  // All output as one batch.
  Batch collect_batch(ExecContext& ctx) const;

 private:
  PlanPtr node_;
};

}  // namespace bullion::exec
