// ORDER BY: every input batch becomes a sorted run (kept or spilled by the
// Sorter under the budget); the runs are merged into output batches, which
// are the output morsels in order. Ties keep the input order.
#include "bullion/exec/plan.h"
#include "bullion/exec/sorter.h"
#include "operators.h"

namespace bullion::exec {

namespace {

class SortNode final : public PlanNode {
 public:
  SortNode(PlanPtr child, const std::vector<SortSpec>& keys) : child_(std::move(child)) {
    for (const SortSpec& s : keys) {
      const size_t idx = resolve_columns(*child_->schema(), {s.column}, "sort")[0];
      keys_.push_back({idx, s.descending, s.nulls_first.value_or(!s.descending)});
    }
  }
  const SchemaPtr& schema() const override { return child_->schema(); }
  std::string describe() const override { return "Sort <- " + child_->describe(); }
  std::unique_ptr<Stream> open(ExecContext& ctx) const override {
    Sorter sorter(schema(), keys_, *ctx.budget, ctx.batch_rows);
    struct Position {
      size_t morsel = SIZE_MAX;
      uint64_t seq = 0;
    };
    std::vector<Position> positions(ctx.num_workers());
    auto input = child_->open(ctx);
    for_each_batch(*input, ctx, [&](size_t morsel, size_t worker, Batch&& b) {
      Position& p = positions[worker];
      if (p.morsel != morsel) p = {morsel, 0};
      sorter.add(b, (static_cast<uint64_t>(morsel) << 24) | p.seq++);
    });
    std::vector<Batch> out;
    sorter.finish([&](Batch&& b) { out.push_back(std::move(b)); });
    return std::make_unique<OwnedBatchesStream>(schema(), std::move(out));
  }

 private:
  PlanPtr child_;
  std::vector<SortKey> keys_;
};

}  // namespace

Plan Plan::sort(const std::vector<SortSpec>& keys) const { return Plan(std::make_shared<SortNode>(node_, keys)); }

}  // namespace bullion::exec
