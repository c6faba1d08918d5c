// The operator suite, run with 1 and 3 threads, with and without forced
// spilling and under a tiny budget: results must be identical everywhere and
// equal to a straightforward reference computed in the test.
#include "bullion/exec/plan.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <functional>
#include <map>
#include <random>
#include <set>

#include "bullion/core/error.h"
#include "bullion/exec/spill.h"

namespace bullion::exec {

namespace {

struct Mode {
  size_t threads;
  bool force_spill;
  uint64_t budget;
  size_t preaggregation_bytes = ExecContext{}.preaggregation_bytes;
};

std::string mode_name(const ::testing::TestParamInfo<Mode>& info) {
  return "t" + std::to_string(info.param.threads) + (info.param.force_spill ? "_spill" : "") +
         (info.param.budget < (uint64_t{1} << 30) ? "_tiny" : "") +
         (info.param.preaggregation_bytes < (size_t{1} << 20) ? "_partitioned" : "");
}

SchemaPtr events_schema() {
  return std::make_shared<Schema>(std::vector<Field>{Field("k", DataType::string()), Field("g", DataType::int64()),
                                                     Field("v", DataType::float64()), Field("s", DataType::string()),
                                                     Field("ord", DataType::int64())});
}

struct Row {
  std::optional<std::string> k;
  std::optional<int64_t> g;
  std::optional<double> v;
  std::optional<std::string> s;
  int64_t ord;
};

// Skewed keys (a few very frequent), NULLs in every column.
std::vector<Row> make_rows(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<Row> rows;
  for (size_t i = 0; i < n; ++i) {
    Row r;
    const uint64_t x = rng();
    if (x % 17 != 0) r.k = "k" + std::to_string((x >> 8) % 8 == 0 ? (x >> 20) % 3 : (x >> 20) % 700);
    if (x % 13 != 0) r.g = static_cast<int64_t>((x >> 30) % 50);
    if (x % 11 != 0) r.v = static_cast<double>((x >> 40) % 1000) / 10.0;
    if (x % 7 != 0) r.s = "s" + std::to_string((x >> 12) % 40);
    r.ord = static_cast<int64_t>(rng() % 100000);
    rows.push_back(std::move(r));
  }
  return rows;
}

std::vector<Batch> to_batches(const std::vector<Row>& rows, size_t batch_rows) {
  std::vector<Batch> out;
  for (size_t start = 0; start < rows.size(); start += batch_rows) {
    Batch b = Batch::empty(events_schema());
    for (size_t i = start; i < std::min(rows.size(), start + batch_rows); ++i) {
      const Row& r = rows[i];
      r.k ? b.column(0)->append_string(*r.k) : b.column(0)->append_null();
      r.g ? b.column(1)->append<int64_t>(*r.g) : b.column(1)->append_null();
      r.v ? b.column(2)->append<double>(*r.v) : b.column(2)->append_null();
      r.s ? b.column(3)->append_string(*r.s) : b.column(3)->append_null();
      b.column(4)->append<int64_t>(r.ord);
    }
    b.sync_num_rows();
    out.push_back(std::move(b));
  }
  return out;
}

// Result rows rendered as strings, sorted (order-independent comparison).
std::vector<std::string> rendered(const std::vector<Batch>& batches) {
  std::vector<std::string> out;
  for (const Batch& b : batches)
    for (size_t r = 0; r < b.num_rows(); ++r) {
      std::string line;
      for (const Value& v : b.row(r)) line += v.to_string() + "|";
      out.push_back(std::move(line));
    }
  std::sort(out.begin(), out.end());
  return out;
}

std::string key_text(const std::optional<std::string>& k) { return k ? "'" + *k + "'" : "NULL"; }

// The four joins' expected rows: each probe row (rendered) with the
// rendered right rows it matches; check() compares them, sorted, with `run`.
struct ExpectedJoins {
  std::vector<std::string> inner, left, semi, anti;
  void add(const std::string& probe, const std::vector<std::string>& matches) {
    if (matches.empty()) {
      left.push_back(probe + "NULL|NULL|");
      anti.push_back(probe);
      return;
    }
    semi.push_back(probe);
    for (const std::string& m : matches) {
      inner.push_back(probe + m);
      left.push_back(probe + m);
    }
  }
  void check(const std::function<std::vector<std::string>(JoinType)>& run) {
    for (auto* v : {&inner, &left, &semi, &anti}) std::sort(v->begin(), v->end());
    EXPECT_EQ(run(JoinType::kInner), inner);
    EXPECT_EQ(run(JoinType::kLeft), left);
    EXPECT_EQ(run(JoinType::kSemi), semi);
    EXPECT_EQ(run(JoinType::kAnti), anti);
  }
};

}  // namespace

class PlanTest : public ::testing::TestWithParam<Mode> {
 protected:
  void SetUp() override {
    pool_ = std::make_unique<ThreadPool>(GetParam().threads);
    budget_ = std::make_unique<MemoryBudget>(GetParam().budget);
    budget_->set_force_spill(GetParam().force_spill);
    ctx_.pool = pool_.get();
    ctx_.budget = budget_.get();
    ctx_.batch_rows = 1000;
    ctx_.preaggregation_bytes = GetParam().preaggregation_bytes;
    rows_ = make_rows(20000, 1);
    input_ = Plan::values(events_schema(), to_batches(rows_, 777));
  }
  void TearDown() override { EXPECT_EQ(budget_->used(), 0u) << "every reservation is released"; }

  std::unique_ptr<ThreadPool> pool_;
  std::unique_ptr<MemoryBudget> budget_;
  ExecContext ctx_;
  std::vector<Row> rows_;
  Plan input_ = Plan::values(events_schema(), {});
};

TEST_P(PlanTest, FilterAndProjectWithThreeValuedLogic) {
  const auto out = input_.filter("g > 10 AND s IS NOT NULL").project({{"k", "k"}, {"twice", "v * 2"}}).collect(ctx_);
  std::vector<std::string> expected;
  for (const Row& r : rows_)
    if (r.g && *r.g > 10 && r.s)
      expected.push_back(key_text(r.k) + "|" + (r.v ? Value::float64(*r.v * 2).to_string() : "NULL") + "|");
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(rendered(out), expected);
}

TEST_P(PlanTest, HashAggregateWithManyAggregatesAndDistinct) {
  const auto out = input_
                       .aggregate({"k"}, {{"n", "count(*)"},
                                          {"nv", "count(v)"},
                                          {"ds", "count(DISTINCT s)"},
                                          {"mn", "min(v)"},
                                          {"mx", "max(s)"},
                                          {"big", "count_if(v > 50)"},
                                          {"sm", "sum(g)"}})
                       .collect(ctx_);
  struct Acc {
    int64_t n = 0, nv = 0, big = 0;
    std::set<std::string> ds;
    std::optional<double> mn;
    std::optional<std::string> mx;
    std::optional<int64_t> sm;
  };
  std::map<std::optional<std::string>, Acc> ref;
  for (const Row& r : rows_) {
    Acc& a = ref[r.k];
    ++a.n;
    if (r.v) {
      ++a.nv;
      a.mn = a.mn ? std::min(*a.mn, *r.v) : *r.v;
      if (*r.v > 50) ++a.big;
    }
    if (r.s) {
      a.ds.insert(*r.s);
      a.mx = a.mx ? std::max(*a.mx, *r.s) : *r.s;
    }
    if (r.g) a.sm = a.sm.value_or(0) + *r.g;
  }
  std::vector<std::string> expected;
  for (const auto& [k, a] : ref)
    expected.push_back(key_text(k) + "|" + std::to_string(a.n) + "|" + std::to_string(a.nv) + "|" +
                       std::to_string(a.ds.size()) + "|" + (a.mn ? Value::float64(*a.mn).to_string() : "NULL") + "|" +
                       (a.mx ? "'" + *a.mx + "'" : "NULL") + "|" + std::to_string(a.big) + "|" +
                       (a.sm ? std::to_string(*a.sm) : "NULL") + "|");
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(rendered(out), expected);
}

// One BIGINT key (the word form of keys, with a NULL group) and DISTINCT over
// fixed-width values (the word form of distinct pairs) next to a string DISTINCT.
TEST_P(PlanTest, HashAggregateOnAnIntegerKeyWithDistinctValues) {
  const uint64_t spilled_before = total_spilled_bytes();
  const auto out =
      input_
          .aggregate({"g"}, {{"n", "count(*)"},
                             {"dv", "count(DISTINCT v)"},
                             {"mn", "min(v)"},
                             {"mx", "max(v)"},
                             {"so", "sum(DISTINCT ord % 100)"},
                             {"sw", "sum(DISTINCT CASE WHEN ord < 97000 THEN ord % 50 ELSE ord * 100000 END)"},
                             {"ds", "count(DISTINCT s)"}})
          .collect(ctx_);
  struct Acc {
    int64_t n = 0;
    std::set<double> dv;
    std::set<int64_t> so, sw;  // sw: mostly small values, a few wider than 32 bits
    std::set<std::string> ds;
  };
  std::map<std::optional<int64_t>, Acc> ref;
  for (const Row& r : rows_) {
    Acc& a = ref[r.g];
    ++a.n;
    if (r.v) a.dv.insert(*r.v);
    a.so.insert(r.ord % 100);
    a.sw.insert(r.ord < 97000 ? r.ord % 50 : r.ord * 100000);
    if (r.s) a.ds.insert(*r.s);
  }
  std::vector<std::string> expected;
  for (const auto& [g, a] : ref) {
    int64_t so = 0, sw = 0;
    for (int64_t x : a.so) so += x;
    for (int64_t x : a.sw) sw += x;
    expected.push_back((g ? std::to_string(*g) : "NULL") + "|" + std::to_string(a.n) + "|" +
                       std::to_string(a.dv.size()) + "|" +
                       (a.dv.empty() ? "NULL" : Value::float64(*a.dv.begin()).to_string()) + "|" +
                       (a.dv.empty() ? "NULL" : Value::float64(*a.dv.rbegin()).to_string()) + "|" + std::to_string(so) +
                       "|" + std::to_string(sw) + "|" + std::to_string(a.ds.size()) + "|");
  }
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(rendered(out), expected);
  if (GetParam().preaggregation_bytes < (size_t{1} << 20)) {
    EXPECT_GT(total_spilled_bytes(), spilled_before) << "the workers partitioned their rows";
  }
}

// max(ord) takes the BIGINT column, stddev(ord) its implicit cast to DOUBLE:
// two arguments, even where spilled rows share columns between calls.
TEST_P(PlanTest, CallsOnOneColumnWithAndWithoutAnImplicitCast) {
  const Batch out =
      input_.aggregate({"g"}, {{"mx", "max(ord)"}, {"sd", "stddev(ord)"}, {"mn", "min(ord)"}}).collect_batch(ctx_);
  std::map<std::optional<int64_t>, std::vector<double>> ords;
  for (const Row& r : rows_) ords[r.g].push_back(static_cast<double>(r.ord));
  ASSERT_EQ(out.num_rows(), ords.size());
  for (size_t i = 0; i < out.num_rows(); ++i) {
    const std::optional<int64_t> g =
        out.column(0)->is_null(i) ? std::nullopt : std::optional<int64_t>(out.column(0)->data<int64_t>()[i]);
    const std::vector<double>& x = ords.at(g);
    double mean = 0, m2 = 0;
    for (double v : x) mean += v / static_cast<double>(x.size());
    for (double v : x) m2 += (v - mean) * (v - mean);
    EXPECT_EQ(out.column(1)->data<int64_t>()[i], static_cast<int64_t>(*std::max_element(x.begin(), x.end())));
    EXPECT_NEAR(out.column(2)->data<double>()[i], std::sqrt(m2 / static_cast<double>(x.size() - 1)), 1e-6);
    EXPECT_EQ(out.column(3)->data<int64_t>()[i], static_cast<int64_t>(*std::min_element(x.begin(), x.end())));
  }
}

TEST_P(PlanTest, SumsOfDoublesAreTheSameBitsInEveryMode) {
  // Values whose floating-point sums depend on the order of additions: the
  // results must equal a single-threaded, in-memory run bit for bit.
  auto schema =
      std::make_shared<Schema>(std::vector<Field>{Field("k", DataType::int64()), Field("x", DataType::float64())});
  std::mt19937_64 rng(5);
  std::vector<Batch> batches;
  for (int b = 0; b < 40; ++b) {
    Batch batch = Batch::empty(schema);
    for (int r = 0; r < 1000; ++r) {
      batch.column(0)->append<int64_t>(static_cast<int64_t>(rng() % 50));
      batch.column(1)->append<double>(1e6 + static_cast<double>(rng() % 100000) * 0.001 - (r % 7 == 0 ? 3e6 : 0));
    }
    batch.sync_num_rows();
    batches.push_back(std::move(batch));
  }
  const Plan plan = Plan::values(schema, batches)
                        .aggregate({"k"}, {{"s", "sum(x)"}, {"a", "avg(x)"}, {"sd", "stddev(x)"}, {"ai", "avg(k)"}});
  ThreadPool one(1);
  MemoryBudget unbounded(uint64_t{1} << 32);
  ExecContext reference_ctx;
  reference_ctx.pool = &one;
  reference_ctx.budget = &unbounded;
  EXPECT_EQ(rendered(plan.collect(ctx_)), rendered(plan.collect(reference_ctx)));
}

TEST_P(PlanTest, GlobalAggregateOverNoRowsGivesOneRow) {
  const auto out = input_.filter("g > 1000").aggregate({}, {{"n", "count(*)"}, {"s", "sum(v)"}}).collect(ctx_);
  EXPECT_EQ(rendered(out), std::vector<std::string>{"0|NULL|"});
}

TEST_P(PlanTest, DedupeKeepsTheFirstRowByOrderWithInputOrderTies) {
  // Few distinct orders, so many keys tie on `ord` and the input position decides; whole rows are compared.
  for (Row& r : rows_) r.ord %= 3;
  const Plan input = Plan::values(events_schema(), to_batches(rows_, 777));
  const auto out = input.dedupe({"k", "g"}, {{"ord", false}}).collect(ctx_);
  std::map<std::pair<std::optional<std::string>, std::optional<int64_t>>, const Row*> best;
  for (const Row& r : rows_) {
    const Row*& b = best[std::make_pair(r.k, r.g)];
    if (b == nullptr || r.ord < b->ord) b = &r;
  }
  std::vector<std::string> expected;
  for (const auto& [key, r] : best)
    expected.push_back(key_text(r->k) + "|" + (r->g ? std::to_string(*r->g) : "NULL") + "|" +
                       (r->v ? Value::float64(*r->v).to_string() : "NULL") + "|" + key_text(r->s) + "|" +
                       std::to_string(r->ord) + "|");
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(rendered(out), expected);
  EXPECT_EQ(rendered(input.dedupe({"k", "g"}, {{"ord", false}}, input.select({"g", "k"})).collect(ctx_)), expected)
      << "in two passes";
}

TEST_P(PlanTest, DedupeInTwoPassesStreamsTheRowsOfKeysThatOccurOnce) {
  // The keys are read first from a superset of the input's rows (the unfiltered input).
  const Plan input = input_.filter("ord % 5 <> 0");
  std::map<std::pair<std::optional<std::string>, std::optional<int64_t>>, int> occurrences;
  for (const Row& r : rows_) ++occurrences[std::make_pair(r.k, r.g)];
  const auto out = input.dedupe({"k", "g"}, {{"ord", false}}, input_).collect(ctx_);
  EXPECT_EQ(rendered(out), rendered(input.dedupe({"k", "g"}, {{"ord", false}}).collect(ctx_)));
  const bool hashes_fit = !GetParam().force_spill && GetParam().budget >= (uint64_t{1} << 30);
  if (!hashes_fit) return;  // the budget refused the first pass's hashes: one pass, nothing streamed
  // Output comes in morsel order, and the first input morsel's output is its
  // rows whose key occurs once, in input order, before any partition's.
  std::vector<std::string> first_morsel;
  for (size_t i = 0; i < 777; ++i) {
    const Row& r = rows_[i];
    if (r.ord % 5 == 0 || occurrences[std::make_pair(r.k, r.g)] != 1) continue;
    first_morsel.push_back(key_text(r.k) + "|" + (r.g ? std::to_string(*r.g) : "NULL") + "|" +
                           (r.v ? Value::float64(*r.v).to_string() : "NULL") + "|" + key_text(r.s) + "|" +
                           std::to_string(r.ord) + "|");
  }
  ASSERT_FALSE(first_morsel.empty());
  std::vector<std::string> head;
  for (const Batch& b : out)
    for (size_t r = 0; r < b.num_rows() && head.size() < first_morsel.size(); ++r) {
      std::string line;
      for (const Value& v : b.row(r)) line += v.to_string() + "|";
      head.push_back(std::move(line));
    }
  EXPECT_EQ(head, first_morsel);
}

TEST_P(PlanTest, DedupeInTwoPassesReportsAFailingInputMorsel) {
  // Partition morsels wait for the input morsels: a failing one must end the run with its error, not hang it.
  const Plan failing = input_.map(
      events_schema(),
      [](Batch&& b) {
        if (b.column(4)->data<int64_t>()[0] % 3 == 0) throw Error::invalid_input("bad batch");
        return std::move(b);
      },
      "fails on some batches");
  EXPECT_THROW(failing.dedupe({"k"}, {{"ord", false}}, input_).collect(ctx_), Error);
}

TEST_P(PlanTest, JoinsInnerLeftSemiAntiNeverMatchNullKeys) {
  // Right side: one row per key k0..k99 (plus a NULL key that must never match), some keys twice.
  auto right_schema =
      std::make_shared<Schema>(std::vector<Field>{Field("rk", DataType::string()), Field("w", DataType::int64())});
  Batch rb = Batch::empty(right_schema);
  std::multimap<std::string, int64_t> right;
  for (int i = 0; i < 100; ++i)
    for (int dup = 0; dup < (i % 10 == 0 ? 2 : 1); ++dup) {
      rb.column(0)->append_string("k" + std::to_string(i));
      rb.column(1)->append<int64_t>(i * 10 + dup);
      right.emplace("k" + std::to_string(i), i * 10 + dup);
    }
  rb.column(0)->append_null();
  rb.column(1)->append<int64_t>(-1);
  rb.sync_num_rows();
  const Plan r = Plan::values(right_schema, {rb});
  auto run = [&](JoinType type) {
    return rendered(input_.select({"k", "ord"}).join(r, {"k"}, {"rk"}, type).collect(ctx_));
  };
  ExpectedJoins expected;
  for (const Row& row : rows_) {
    const auto [lo, hi] = row.k ? right.equal_range(*row.k) : std::make_pair(right.end(), right.end());
    std::vector<std::string> matches;
    for (auto it = lo; it != hi; ++it) matches.push_back("'" + it->first + "'|" + std::to_string(it->second) + "|");
    expected.add(key_text(row.k) + "|" + std::to_string(row.ord) + "|", matches);
  }
  expected.check(run);
}

// One BIGINT key: the word form of build and probe keys, looked up through a
// dense range (keys 0..58) or hashed (the keys spread out); NULL keys never match.
TEST_P(PlanTest, JoinsOnAnIntegerKeyNeverMatchNullKeys) {
  for (const int64_t scale : {int64_t{1}, int64_t{1000003}}) {
    SCOPED_TRACE(scale);
    auto right_schema =
        std::make_shared<Schema>(std::vector<Field>{Field("rg", DataType::int64()), Field("w", DataType::int64())});
    Batch rb = Batch::empty(right_schema);
    std::multimap<int64_t, int64_t> right;
    for (int64_t i = 0; i < 60; i += 2)
      for (int64_t dup = 0; dup < (i % 10 == 0 ? 2 : 1); ++dup) {
        rb.column(0)->append<int64_t>(i * scale);
        rb.column(1)->append<int64_t>(i * 10 + dup);
        right.emplace(i * scale, i * 10 + dup);
      }
    rb.column(0)->append_null();
    rb.column(1)->append<int64_t>(-1);
    rb.sync_num_rows();
    const Plan r = Plan::values(right_schema, {rb});
    const Plan l = input_.project({{"gs", "g * " + std::to_string(scale)}, {"ord", "ord"}});
    auto run = [&](JoinType type) { return rendered(l.join(r, {"gs"}, {"rg"}, type).collect(ctx_)); };
    ExpectedJoins expected;
    for (const Row& row : rows_) {
      const std::optional<int64_t> gs = row.g ? std::optional<int64_t>(*row.g * scale) : std::nullopt;
      const auto [lo, hi] = gs ? right.equal_range(*gs) : std::make_pair(right.end(), right.end());
      std::vector<std::string> matches;
      for (auto it = lo; it != hi; ++it)
        matches.push_back(std::to_string(it->first) + "|" + std::to_string(it->second) + "|");
      expected.add((gs ? std::to_string(*gs) : "NULL") + "|" + std::to_string(row.ord) + "|", matches);
    }
    expected.check(run);
  }
}

TEST_P(PlanTest, SortIsTotalAndStable) {
  const auto out = input_.sort({{"g", true}, {"ord", false}}).select({"g", "ord"}).collect(ctx_);
  std::vector<std::pair<std::optional<int64_t>, int64_t>> expected;
  for (const Row& r : rows_) expected.emplace_back(r.g, r.ord);
  // g DESC NULLS LAST, then ord ASC.
  std::stable_sort(expected.begin(), expected.end(), [](const auto& a, const auto& b) {
    if (a.first.has_value() != b.first.has_value()) return a.first.has_value();
    if (a.first && *a.first != *b.first) return *a.first > *b.first;
    return a.second < b.second;
  });
  std::vector<std::pair<std::optional<int64_t>, int64_t>> got;
  for (const Batch& b : out)
    for (size_t r = 0; r < b.num_rows(); ++r)
      got.emplace_back(b.column(0)->is_null(r) ? std::nullopt : std::optional<int64_t>(b.column(0)->data<int64_t>()[r]),
                       b.column(1)->data<int64_t>()[r]);
  EXPECT_EQ(got, expected);
}

TEST_P(PlanTest, DedupeOfManyRowsPerKeyAndOfManyKeysKeepsTheFirstByOrder) {
  // 600k rows: keys drawn from 150k (a worker's filter of recent keys fills, drops most rows and starts over)
  // and then 400k rows of distinct keys (the filter stops dropping and switches itself off).
  auto schema = std::make_shared<Schema>(std::vector<Field>{
      Field("k", DataType::int64()), Field("ord", DataType::int64()), Field("p", DataType::string())});
  std::mt19937_64 rng(7);
  std::map<int64_t, std::pair<int64_t, std::string>> best;
  std::vector<Batch> batches;
  for (int b = 0; b < 100; ++b) {
    Batch batch = Batch::empty(schema);
    for (int r = 0; r < 10000; ++r) {
      const int64_t k = b < 60 ? static_cast<int64_t>(rng() % 150000) : 1000000 + b * 10000 + r;
      const auto ord = static_cast<int64_t>(rng() % 1000);
      const std::string p = "p" + std::to_string(b) + "/" + std::to_string(r);
      batch.column(0)->append<int64_t>(k);
      batch.column(1)->append<int64_t>(ord);
      batch.column(2)->append_string(p);
      auto it = best.find(k);
      if (it == best.end() || ord < it->second.first) best[k] = {ord, p};  // ties: the earlier row
    }
    batch.sync_num_rows();
    batches.push_back(std::move(batch));
  }
  const Plan input = Plan::values(schema, batches);
  const auto out = input.dedupe({"k"}, {{"ord", false}}).collect(ctx_);
  std::vector<std::string> expected;
  for (const auto& [k, v] : best)
    expected.push_back(std::to_string(k) + "|" + std::to_string(v.first) + "|'" + v.second + "'|");
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(rendered(out), expected);
  EXPECT_EQ(rendered(input.dedupe({"k"}, {{"ord", false}}, input.select({"k"})).collect(ctx_)), expected)
      << "in two passes";
}

TEST_P(PlanTest, ExecutePerWorkerGivesEachWorkerItsOwnSequentialSink) {
  // Per-worker sinks without locks: a worker's calls never overlap, and every row arrives once.
  std::vector<std::vector<std::string>> sinks(ctx_.num_workers());
  std::vector<std::atomic<int>> busy(ctx_.num_workers());
  input_.dedupe({"k", "g"}, {{"ord", false}}).execute_per_worker(ctx_, [&](size_t worker, Batch&& b) {
    ASSERT_LT(worker, sinks.size());
    ASSERT_EQ(busy[worker]++, 0) << "two calls for worker " << worker << " at once";
    for (const std::string& row : rendered({b})) sinks[worker].push_back(row);
    --busy[worker];
  });
  std::vector<std::string> all;
  for (const auto& sink : sinks) all.insert(all.end(), sink.begin(), sink.end());
  std::sort(all.begin(), all.end());
  EXPECT_EQ(all, rendered(input_.dedupe({"k", "g"}, {{"ord", false}}).collect(ctx_)));
}

TEST_P(PlanTest, UnionAndLimit) {
  const auto out = input_.union_all(input_).limit(25000).collect(ctx_);
  size_t n = 0;
  for (const Batch& b : out) n += b.num_rows();
  EXPECT_EQ(n, 25000u);
}

INSTANTIATE_TEST_SUITE_P(Modes, PlanTest,
                         ::testing::Values(Mode{1, false, uint64_t{1} << 32}, Mode{3, false, uint64_t{1} << 32},
                                           Mode{1, true, uint64_t{1} << 32}, Mode{3, true, uint64_t{1} << 32},
                                           Mode{2, false, uint64_t{64} << 10},
                                           // Aggregates stop pre-aggregating (little reduction) and partition.
                                           Mode{2, false, uint64_t{1} << 32, size_t{16} << 10}),
                         mode_name);

TEST(Plan, TwoPassDedupeKeysMustHaveTheInputsTypes) {
  const Plan p = Plan::values(events_schema(), {});
  const Plan keys = p.project({{"k", "g"}});  // k as BIGINT
  try {
    p.dedupe({"k"}, {{"ord", false}}, keys);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.category(), ErrorCategory::kInvalidInput);
    EXPECT_NE(std::string(e.what()).find("'k' is STRING in the input but BIGINT"), std::string::npos) << e.what();
  }
}

TEST(Plan, UnknownColumnsAreNamedWithASuggestion) {
  const Plan p = Plan::values(events_schema(), {});
  try {
    p.aggregate({"kk"}, {{"n", "count(*)"}});
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(e.message().find("did you mean k?"), std::string::npos) << e.message();
  }
  EXPECT_THROW(p.filter("nope = 1"), Error);
  EXPECT_THROW(p.join(p, {"k"}, {"g"}, JoinType::kInner), Error);  // STRING vs BIGINT keys
}

}  // namespace bullion::exec
