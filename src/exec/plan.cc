#include "bullion/exec/plan.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>

#include "bullion/core/error.h"
#include "bullion/expr/analysis.h"
#include "bullion/expr/evaluator.h"
#include "operators.h"

namespace bullion::exec {

void for_each_batch(Stream& stream, ExecContext& ctx,
                    const std::function<void(size_t morsel, size_t worker, Batch&& batch)>& fn) {
  ctx.pool->parallel_for(stream.num_morsels(), [&](size_t morsel, size_t worker) {
    stream.produce(morsel, worker, [&](Batch&& b) {
      if (b.num_rows() > 0) fn(morsel, worker, std::move(b));
    });
  });
}

namespace {

// --- values -----------------------------------------------------------------

class ValuesStream final : public Stream {
 public:
  ValuesStream(SchemaPtr schema, const std::vector<Batch>& batches) : schema_(std::move(schema)), batches_(batches) {}
  const SchemaPtr& schema() const override { return schema_; }
  size_t num_morsels() const override { return batches_.size(); }
  void produce(size_t morsel, size_t, const Emit& emit) override {
    Batch b = batches_[morsel];
    emit(std::move(b));
  }

 private:
  SchemaPtr schema_;
  const std::vector<Batch>& batches_;
};

class ValuesNode final : public PlanNode {
 public:
  ValuesNode(SchemaPtr schema, std::vector<Batch> batches) : schema_(std::move(schema)), batches_(std::move(batches)) {
    for (const Batch& b : batches_)
      BULLION_ASSERT(b.num_columns() == schema_->size(), "values: batch does not match the schema");
  }
  const SchemaPtr& schema() const override { return schema_; }
  std::unique_ptr<Stream> open(ExecContext&) const override {
    return std::make_unique<ValuesStream>(schema_, batches_);
  }
  std::string describe() const override { return "Values(" + std::to_string(batches_.size()) + " batches)"; }

 private:
  SchemaPtr schema_;
  std::vector<Batch> batches_;
};

// --- custom source ----------------------------------------------------------

class SourceStream final : public Stream {
 public:
  SourceStream(SchemaPtr schema, size_t morsels, const std::function<void(size_t, const Emit&)>& produce)
      : schema_(std::move(schema)), morsels_(morsels), produce_(produce) {}
  const SchemaPtr& schema() const override { return schema_; }
  size_t num_morsels() const override { return morsels_; }
  void produce(size_t morsel, size_t, const Emit& emit) override { produce_(morsel, emit); }

 private:
  SchemaPtr schema_;
  size_t morsels_;
  const std::function<void(size_t, const Emit&)>& produce_;
};

class SourceNode final : public PlanNode {
 public:
  SourceNode(SchemaPtr schema, size_t morsels, std::function<void(size_t, const Emit&)> produce,
             std::string description)
      : schema_(std::move(schema)),
        morsels_(morsels),
        produce_(std::move(produce)),
        description_(std::move(description)) {}
  const SchemaPtr& schema() const override { return schema_; }
  std::unique_ptr<Stream> open(ExecContext&) const override {
    return std::make_unique<SourceStream>(schema_, morsels_, produce_);
  }
  std::string describe() const override { return description_; }

 private:
  SchemaPtr schema_;
  size_t morsels_;
  std::function<void(size_t, const Emit&)> produce_;
  std::string description_;
};

// --- streaming operators: filter, project -----------------------------------

// A sequential projection's scope: a computed column replaces an input
// column of the same name, or is appended. `cols` may be empty (binding only).
void shadow_or_append(std::vector<Field>& fields, std::vector<ColumnPtr>& cols, const Field& field, ColumnPtr column) {
  for (size_t i = 0; i < fields.size(); ++i)
    if (fields[i].name == field.name) {
      fields[i] = field;
      if (!cols.empty()) cols[i] = std::move(column);
      return;
    }
  fields.push_back(field);
  if (column) cols.push_back(std::move(column));
}

// Applies a per-worker transformation to every batch of the child's morsels.
template <class WorkerState>
class FusedStream final : public Stream {
 public:
  using Transform = std::function<void(WorkerState&, Batch&&, const Emit&)>;
  FusedStream(std::unique_ptr<Stream> child, SchemaPtr schema, size_t workers,
              const std::function<WorkerState()>& make_state, Transform transform)
      : child_(std::move(child)), schema_(std::move(schema)), transform_(std::move(transform)) {
    for (size_t w = 0; w < workers; ++w) states_.push_back(std::make_unique<WorkerState>(make_state()));
  }
  const SchemaPtr& schema() const override { return schema_; }
  size_t num_morsels() const override { return child_->num_morsels(); }
  void produce(size_t morsel, size_t worker, const Emit& emit) override {
    WorkerState& state = *states_[worker];
    child_->produce(morsel, worker, [&](Batch&& b) { transform_(state, std::move(b), emit); });
  }

 private:
  std::unique_ptr<Stream> child_;
  SchemaPtr schema_;
  Transform transform_;
  std::vector<std::unique_ptr<WorkerState>> states_;
};

class FilterNode final : public PlanNode {
 public:
  FilterNode(PlanPtr child, expr::ExprPtr predicate) : child_(std::move(child)), predicate_(std::move(predicate)) {
    if (predicate_->type.id() != TypeId::kBoolean && predicate_->type.id() != TypeId::kNull)
      throw Error::invalid_input("a filter must be a boolean expression, not " + predicate_->type.to_string());
  }
  const SchemaPtr& schema() const override { return child_->schema(); }
  std::unique_ptr<Stream> open(ExecContext& ctx) const override {
    auto predicate = predicate_;
    return std::make_unique<FusedStream<expr::Evaluator>>(
        child_->open(ctx), schema(), ctx.num_workers(), [predicate] { return expr::Evaluator(predicate); },
        [](expr::Evaluator& eval, Batch&& in, const Emit& emit) {
          Batch out = filter_batch(in, *eval.evaluate(in));
          if (out.num_rows() > 0) emit(std::move(out));
        });
  }
  std::string describe() const override { return "Filter(" + expr::to_sql(*predicate_) + ") <- " + child_->describe(); }

 private:
  PlanPtr child_;
  expr::ExprPtr predicate_;
};

// A per-batch function with side effects, as a streaming operator.
class MapNode final : public PlanNode {
 public:
  MapNode(PlanPtr child, SchemaPtr schema, std::function<Batch(Batch&&)> fn, std::string description)
      : child_(std::move(child)),
        schema_(std::move(schema)),
        fn_(std::move(fn)),
        description_(std::move(description)) {}
  const SchemaPtr& schema() const override { return schema_; }
  std::unique_ptr<Stream> open(ExecContext& ctx) const override {
    auto fn = fn_;
    const SchemaPtr schema = schema_;
    return std::make_unique<FusedStream<bool>>(
        child_->open(ctx), schema_, ctx.num_workers(), [] { return true; },
        [fn, schema](bool&, Batch&& in, const Emit& emit) {
          Batch out = fn(std::move(in));
          if (out.num_rows() > 0) emit(Batch(schema, out.columns(), out.num_rows()));
        });
  }
  std::string describe() const override { return "Map(" + description_ + ") <- " + child_->describe(); }

 private:
  PlanPtr child_;
  SchemaPtr schema_;
  std::function<Batch(Batch&&)> fn_;
  std::string description_;
};

struct ProjectState {
  std::vector<expr::Evaluator> evaluators;
};

class ProjectNode final : public PlanNode {
 public:
  // Each expression is bound against the child's schema, or (sequential) the
  // child's schema extended with the columns computed before it.
  ProjectNode(PlanPtr child, std::vector<std::pair<std::string, expr::ExprPtr>> columns, bool sequential)
      : child_(std::move(child)), columns_(std::move(columns)), sequential_(sequential) {
    std::vector<Field> fields;
    for (const auto& [name, e] : columns_) {
      for (const Field& f : fields)
        if (f.name == name) throw Error::invalid_input("column '" + name + "' is defined twice");
      fields.emplace_back(name, e->type);
    }
    schema_ = std::make_shared<Schema>(std::move(fields));
  }
  const SchemaPtr& schema() const override { return schema_; }
  std::unique_ptr<Stream> open(ExecContext& ctx) const override {
    const auto& columns = columns_;
    const SchemaPtr schema = schema_;
    const bool sequential = sequential_;
    const SchemaPtr input = child_->schema();
    return std::make_unique<FusedStream<ProjectState>>(
        child_->open(ctx), schema_, ctx.num_workers(),
        [&columns] {
          ProjectState s;
          for (const auto& c : columns) s.evaluators.emplace_back(c.second);
          return s;
        },
        [schema, sequential, input](ProjectState& s, Batch&& in, const Emit& emit) {
          std::vector<ColumnPtr> out;
          out.reserve(s.evaluators.size());
          if (!sequential) {
            for (auto& e : s.evaluators) out.push_back(e.evaluate(in));
          } else {
            // Each expression sees the input plus the columns computed so far
            // (a computed column shadows an input column of the same name).
            std::vector<Field> fields = input->fields();
            std::vector<ColumnPtr> cols = in.columns();
            for (size_t i = 0; i < s.evaluators.size(); ++i) {
              Batch view(std::make_shared<Schema>(fields), cols, in.num_rows());
              ColumnPtr c = s.evaluators[i].evaluate(view);
              shadow_or_append(fields, cols, schema->field(i), c);
              out.push_back(std::move(c));
            }
          }
          emit(Batch(schema, std::move(out), in.num_rows()));
        });
  }
  std::string describe() const override {
    std::string s = "Project(";
    for (size_t i = 0; i < columns_.size(); ++i)
      s += (i ? ", " : "") + expr::to_sql(*columns_[i].second) + " AS " + columns_[i].first;
    return s + ") <- " + child_->describe();
  }

 private:
  PlanPtr child_;
  std::vector<std::pair<std::string, expr::ExprPtr>> columns_;
  bool sequential_;
  SchemaPtr schema_;
};

// --- limit, union -------------------------------------------------------------

class LimitNode final : public PlanNode {
 public:
  LimitNode(PlanPtr child, size_t n) : child_(std::move(child)), n_(n) {}
  const SchemaPtr& schema() const override { return child_->schema(); }
  std::unique_ptr<Stream> open(ExecContext& ctx) const override {
    // Reads morsels in order and stops early: LIMIT keeps the input order.
    auto child = child_->open(ctx);
    std::vector<Batch> out;
    size_t remaining = n_;
    for (size_t m = 0; m < child->num_morsels() && remaining > 0; ++m) {
      child->produce(m, 0, [&](Batch&& b) {
        if (remaining == 0 || b.num_rows() == 0) return;
        const size_t take = std::min(remaining, b.num_rows());
        out.push_back(take == b.num_rows() ? std::move(b) : b.slice(0, take));
        remaining -= take;
      });
    }
    return std::make_unique<OwnedBatchesStream>(schema(), std::move(out));
  }
  std::string describe() const override { return "Limit(" + std::to_string(n_) + ") <- " + child_->describe(); }

 private:
  PlanPtr child_;
  size_t n_;
};

class UnionStream final : public Stream {
 public:
  UnionStream(SchemaPtr schema, std::unique_ptr<Stream> a, std::unique_ptr<Stream> b)
      : schema_(std::move(schema)), a_(std::move(a)), b_(std::move(b)) {}
  const SchemaPtr& schema() const override { return schema_; }
  size_t num_morsels() const override { return a_->num_morsels() + b_->num_morsels(); }
  void produce(size_t morsel, size_t worker, const Emit& emit) override {
    if (morsel < a_->num_morsels()) {
      a_->produce(morsel, worker, emit);
    } else {
      // The second input's batches carry its own schema object: rebind to ours.
      b_->produce(morsel - a_->num_morsels(), worker,
                  [&](Batch&& batch) { emit(Batch(schema_, batch.columns(), batch.num_rows())); });
    }
  }

 private:
  SchemaPtr schema_;
  std::unique_ptr<Stream> a_, b_;
};

class UnionNode final : public PlanNode {
 public:
  UnionNode(PlanPtr a, PlanPtr b) : a_(std::move(a)), b_(std::move(b)) {
    const Schema& sa = *a_->schema();
    const Schema& sb = *b_->schema();
    if (sa.size() != sb.size()) throw Error::invalid_input("UNION ALL of inputs with different column counts");
    for (size_t i = 0; i < sa.size(); ++i)
      if (!(sa.field(i).type == sb.field(i).type))
        throw Error::invalid_input("UNION ALL: column " + std::to_string(i + 1) + " is " +
                                   sa.field(i).type.to_string() + " on one side and " + sb.field(i).type.to_string() +
                                   " on the other");
  }
  const SchemaPtr& schema() const override { return a_->schema(); }
  std::unique_ptr<Stream> open(ExecContext& ctx) const override {
    return std::make_unique<UnionStream>(schema(), a_->open(ctx), b_->open(ctx));
  }
  std::string describe() const override { return "Union(" + a_->describe() + ", " + b_->describe() + ")"; }

 private:
  PlanPtr a_, b_;
};

std::vector<size_t> column_indexes(const Schema& schema, const std::vector<std::string>& names, const char* what) {
  std::vector<size_t> out;
  for (const std::string& n : names) {
    const auto idx = schema.index_of(n);
    if (!idx) {
      std::string hint = expr::closest_name(n, schema.names());
      throw Error::invalid_input(
          std::string("unknown ") + what + " column '" + n + "'" + (hint.empty() ? "" : "; did you mean " + hint + "?"),
          "columns are: " + schema.to_string());
    }
    out.push_back(*idx);
  }
  return out;
}

}  // namespace

// --- shared helpers (operators.h) -----------------------------------------------

Batch filter_batch(const Batch& in, const Column& mask) {
  const size_t n = in.num_rows();
  const uint8_t* v = mask.data<uint8_t>();
  const uint8_t* valid = mask.validity();
  if (mask.type().id() == TypeId::kNull) return in.slice(0, 0);
  std::vector<uint32_t> rows;
  rows.reserve(n);
  for (size_t r = 0; r < n; ++r)
    if (v[r] && (!valid || valid[r])) rows.push_back(static_cast<uint32_t>(r));
  if (rows.size() == n) return in;
  return in.take(rows.data(), rows.size());
}

std::vector<size_t> resolve_columns(const Schema& schema, const std::vector<std::string>& names, const char* what) {
  return column_indexes(schema, names, what);
}

OwnedBatchesStream::OwnedBatchesStream(SchemaPtr schema, std::vector<Batch> batches)
    : schema_(std::move(schema)), batches_(std::move(batches)) {}

void OwnedBatchesStream::produce(size_t morsel, size_t, const Emit& emit) {
  Batch b = std::move(batches_[morsel]);
  emit(Batch(schema_, b.columns(), b.num_rows()));
}

// --- Plan ---------------------------------------------------------------------

Plan Plan::values(SchemaPtr schema, std::vector<Batch> batches) {
  return Plan(std::make_shared<ValuesNode>(std::move(schema), std::move(batches)));
}

Plan Plan::source(SchemaPtr schema, size_t morsels, std::function<void(size_t, const Emit&)> produce,
                  std::string description) {
  return Plan(std::make_shared<SourceNode>(std::move(schema), morsels, std::move(produce), std::move(description)));
}

Plan Plan::filter(std::string_view predicate, const expr::BindOptions& options) const {
  return filter(expr::compile_predicate(predicate, *schema(), options));
}

Plan Plan::filter(expr::ExprPtr predicate) const {
  return Plan(std::make_shared<FilterNode>(node_, std::move(predicate)));
}

Plan Plan::project(const std::vector<NamedExpr>& columns, const expr::BindOptions& options, bool sequential) const {
  std::vector<std::pair<std::string, expr::ExprPtr>> bound;
  std::vector<Field> fields = schema()->fields();
  for (const NamedExpr& c : columns) {
    expr::ExprPtr e;
    try {
      e = expr::compile(c.sql, Schema(fields), options);
    } catch (const Error& err) {
      throw Error(err.category(), "in column '" + c.name + "': " + err.message(), err.hint());
    }
    if (sequential) {
      std::vector<ColumnPtr> unused;
      shadow_or_append(fields, unused, Field(c.name, e->type), nullptr);
    }
    bound.emplace_back(c.name, std::move(e));
  }
  return Plan(std::make_shared<ProjectNode>(node_, std::move(bound), sequential));
}

Plan Plan::project(std::vector<std::pair<std::string, expr::ExprPtr>> columns) const {
  return Plan(std::make_shared<ProjectNode>(node_, std::move(columns), false));
}

Plan Plan::select(const std::vector<std::string>& columns) const {
  std::vector<std::pair<std::string, expr::ExprPtr>> bound;
  for (size_t idx : column_indexes(*schema(), columns, "selected")) {
    auto e = std::make_shared<expr::Expr>();
    e->kind = expr::ExprKind::kColumn;
    e->type = schema()->field(idx).type;
    e->column_index = idx;
    e->name = schema()->field(idx).name;
    bound.emplace_back(e->name, std::move(e));
  }
  return Plan(std::make_shared<ProjectNode>(node_, std::move(bound), false));
}

Plan Plan::map(SchemaPtr schema, std::function<Batch(Batch&&)> fn, std::string description) const {
  return Plan(std::make_shared<MapNode>(node_, std::move(schema), std::move(fn), std::move(description)));
}

Plan Plan::limit(size_t n) const { return Plan(std::make_shared<LimitNode>(node_, n)); }

Plan Plan::union_all(const Plan& other) const { return Plan(std::make_shared<UnionNode>(node_, other.node_)); }

void Plan::execute(ExecContext& ctx, const Emit& emit) const {
  auto stream = node_->open(ctx);
  std::mutex mutex;
  for_each_batch(*stream, ctx, [&](size_t, size_t, Batch&& b) {
    std::lock_guard lock(mutex);
    emit(std::move(b));
  });
}

void Plan::execute_per_worker(ExecContext& ctx, const std::function<void(size_t, Batch&&)>& emit) const {
  auto stream = node_->open(ctx);
  for_each_batch(*stream, ctx, [&](size_t, size_t worker, Batch&& b) { emit(worker, std::move(b)); });
}

std::vector<Batch> Plan::collect(ExecContext& ctx) const {
  auto stream = node_->open(ctx);
  std::vector<std::vector<Batch>> per_morsel(stream->num_morsels());
  for_each_batch(*stream, ctx, [&](size_t morsel, size_t, Batch&& b) { per_morsel[morsel].push_back(std::move(b)); });
  std::vector<Batch> out;
  for (auto& m : per_morsel)
    for (auto& b : m) out.push_back(std::move(b));
  return out;
}

Batch Plan::collect_batch(ExecContext& ctx) const {
  std::vector<Batch> batches = collect(ctx);
  if (batches.empty()) return Batch::empty(schema());
  Batch all = Batch::concat(batches);
  return Batch(schema(), all.columns(), all.num_rows());
}

}  // namespace bullion::exec
