#include "bullion/expr/evaluator.h"

#include <unordered_map>

#include "bullion/core/error.h"
#include "expr/kernel.h"

namespace bullion::expr {

// The expression flattened into steps in evaluation order (children first),
// one slot per distinct subtree: structurally equal subtrees (the two
// datediff(as_of, last_event_ts) of a CASE) are evaluated once.
struct Evaluator::Program {
  enum class SlotKind { kColumn, kLiteral, kComputed };
  struct Slot {
    SlotKind kind = SlotKind::kComputed;
    const Expr* node = nullptr;
    ColumnPtr column;  // kLiteral: the one-row value; kComputed: the reused output
  };
  struct Step {
    const Expr* node;
    std::vector<size_t> args;
    size_t out;
  };
  std::vector<Slot> slots;
  std::vector<Step> steps;
  std::vector<Datum> datums;  // per slot, for the current batch
  std::vector<Datum> args;    // one step's arguments (kept to reuse its memory)
  size_t root = 0;

  // A key that equal subtrees share: the node's own fields and its
  // children's slots.
  static std::string node_key(const Expr& e, const std::vector<size_t>& args) {
    std::string key = std::to_string(static_cast<int>(e.kind)) + "|" + e.type.to_string() + "|" + e.name + "|" +
                      std::to_string(e.column_index) + "|" + std::to_string(static_cast<int>(e.arithmetic_op)) + "|" +
                      std::to_string(static_cast<int>(e.compare_op)) + "|" + (e.has_else ? "e" : "") + e.escape + "|" +
                      std::to_string(reinterpret_cast<uintptr_t>(e.kernel ? e.kernel->state.get() : nullptr)) + "|" +
                      std::to_string(reinterpret_cast<uintptr_t>(e.kernel ? e.kernel->fn : nullptr)) + "|";
    if (e.kind == ExprKind::kLiteral) key += e.value.to_string() + "|";
    for (size_t a : args) key += std::to_string(a) + ",";
    return key;
  }

  size_t add(const Expr& e, std::unordered_map<const Expr*, size_t>& seen,
             std::unordered_map<std::string, size_t>& by_key) {
    if (auto it = seen.find(&e); it != seen.end()) return it->second;
    std::vector<size_t> args;
    for (const ExprPtr& c : e.children) args.push_back(add(*c, seen, by_key));
    const std::string key = node_key(e, args);
    if (auto it = by_key.find(key); it != by_key.end()) {
      seen.emplace(&e, it->second);
      return it->second;
    }
    const size_t slot = slots.size();
    Slot s;
    s.node = &e;
    if (e.kind == ExprKind::kColumn) {
      s.kind = SlotKind::kColumn;
    } else if (e.kind == ExprKind::kLiteral) {
      s.kind = SlotKind::kLiteral;
      s.column = Column::make(e.type);
      s.column->append_value(e.value);
    } else {
      BULLION_ASSERT(e.kernel && e.kernel->fn, "expression node without a kernel");
      steps.push_back({&e, std::move(args), slot});
    }
    slots.push_back(std::move(s));
    seen.emplace(&e, slot);
    by_key.emplace(key, slot);
    return slot;
  }
};

Evaluator::Evaluator(ExprPtr expr) : expr_(std::move(expr)), program_(std::make_unique<Program>()) {
  std::unordered_map<const Expr*, size_t> seen;
  std::unordered_map<std::string, size_t> by_key;
  program_->root = program_->add(*expr_, seen, by_key);
  program_->datums.resize(program_->slots.size());
}

Evaluator::~Evaluator() = default;
Evaluator::Evaluator(Evaluator&&) noexcept = default;
Evaluator& Evaluator::operator=(Evaluator&&) noexcept = default;

ColumnPtr Evaluator::evaluate(const Batch& batch) {
  Program& p = *program_;
  const size_t n = batch.num_rows();
  for (size_t i = 0; i < p.slots.size(); ++i) {
    Program::Slot& s = p.slots[i];
    if (s.kind == Program::SlotKind::kColumn) {
      const Expr& e = *s.node;
      if (e.column_index >= batch.num_columns() || !(batch.column(e.column_index)->type() == e.type))
        throw Error::invalid_input(
            "the expression reads column '" + e.name + "' (" + e.type.to_string() + ") at index " +
                std::to_string(e.column_index) + ", which this batch does not have",
            "evaluate it on batches of the schema it was bound against: " + batch.schema()->to_string());
      p.datums[i] = Datum{batch.column(e.column_index).get(), false};
    } else if (s.kind == Program::SlotKind::kLiteral) {
      p.datums[i] = Datum{s.column.get(), true};
    }
  }
  std::vector<Datum>& args = p.args;
  for (const Program::Step& step : p.steps) {
    Program::Slot& s = p.slots[step.out];
    // Reuse the previous batch's output column when nobody else holds it.
    if (s.column && s.column.use_count() == 1)
      s.column->clear();
    else
      s.column = Column::make(step.node->type);
    args.clear();
    for (size_t a : step.args) args.push_back(p.datums[a]);
    const KernelArgs in{*step.node, args.data(), args.size(), n};
    step.node->kernel->fn(in, *s.column);
    BULLION_ASSERT(s.column->size() == n, "kernel produced a wrong number of rows");
    p.datums[step.out] = Datum{s.column.get(), false};
  }
  const Program::Slot& root = p.slots[p.root];
  switch (root.kind) {
    case Program::SlotKind::kColumn:
      return batch.column(root.node->column_index);
    case Program::SlotKind::kLiteral: {
      auto out = Column::make(root.node->type);
      materialize(Datum{root.column.get(), true}, n, *out);
      return out;
    }
    case Program::SlotKind::kComputed:
      return root.column;
  }
  return nullptr;
}

ColumnPtr evaluate(const ExprPtr& expr, const Batch& batch) { return Evaluator(expr).evaluate(batch); }

Value evaluate_constant(const ExprPtr& expr) {
  if (expr->is_literal()) return expr->value;
  Batch one(std::make_shared<Schema>(), {}, 1);
  ColumnPtr c = Evaluator(expr).evaluate(one);
  return c->value(0);
}

}  // namespace bullion::expr
