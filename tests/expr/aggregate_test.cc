#include "bullion/expr/aggregate.h"

#include <gtest/gtest.h>

#include <set>

#include "bullion/core/error.h"
#include "bullion/expr/binder.h"

namespace bullion::expr {
namespace {

Schema input() { return Schema({Field("x", DataType::int32()), Field("s", DataType::string())}); }

AggregateCall call(const std::string& text) {
  AggregateBinding b = compile_aggregate(text, input());
  EXPECT_EQ(b.calls.size(), 1u);
  return b.calls[0];
}

ColumnPtr ints(std::vector<std::optional<int32_t>> values) {
  auto c = Column::make(DataType::int32());
  for (auto v : values) v ? c->append<int32_t>(*v) : c->append_null();
  return c;
}

ColumnPtr strings(std::vector<std::optional<std::string>> values) {
  auto c = Column::make(DataType::string());
  for (auto& v : values) v ? c->append_string(*v) : c->append_null();
  return c;
}

TEST(Aggregate, GroupedUpdatesAndFinalize) {
  auto state = call("sum(x)").make_state();
  state->resize(3);
  auto x = ints({1, 2, std::nullopt, 4, 5});
  const uint32_t groups[] = {0, 1, 0, 0, 1};
  state->update(x.get(), 5, groups);
  ColumnPtr out = state->finalize();
  ASSERT_EQ(out->size(), 3u);
  EXPECT_EQ(out->value(0), Value::int64(5));
  EXPECT_EQ(out->value(1), Value::int64(7));
  EXPECT_TRUE(out->is_null(2));  // no values: NULL
  EXPECT_GT(state->memory_bytes(), 0u);
}

TEST(Aggregate, CountStarTakesNoInputAndIsNeverNull) {
  auto state = call("count(*)").make_state();
  state->resize(2);
  const uint32_t groups[] = {1, 1, 1};
  state->update(nullptr, 3, groups);
  ColumnPtr out = state->finalize();
  EXPECT_EQ(out->value(0), Value::int64(0));
  EXPECT_EQ(out->value(1), Value::int64(3));
}

TEST(Aggregate, UngroupedUpdatesGoToGroupZero) {
  auto state = call("max(s)").make_state();
  state->resize(1);
  auto s = strings({"b", std::nullopt, "z", "a"});
  state->update(s.get(), 4, nullptr);
  s.reset();  // the state keeps its own copy of the strings
  EXPECT_EQ(state->finalize()->value(0), Value::string("z"));
}

TEST(Aggregate, MergeMapsGroups) {
  AggregateCall c = call("count(DISTINCT s)");
  auto left = c.make_state();
  auto right = c.make_state();
  left->resize(2);
  right->resize(2);
  auto a = strings({"p", "q", "p"});
  const uint32_t ga[] = {0, 0, 1};
  left->update(a.get(), 3, ga);
  auto b = strings({"q", "r", std::nullopt});
  const uint32_t gb[] = {0, 1, 1};
  right->update(b.get(), 3, gb);
  // right's group 0 is left's group 1 and vice versa.
  const uint32_t map[] = {1, 0};
  left->merge(*right, map);
  ColumnPtr out = left->finalize();
  EXPECT_EQ(out->value(0), Value::int64(3));  // p, q, r
  EXPECT_EQ(out->value(1), Value::int64(2));  // p, q
}

// DISTINCT over BIGINT: many pairs (table growth, batched replay), NULLs
// ignored, a merge that skips groups, and values past 32 bits arriving after
// small ones (the pair table widens).
TEST(Aggregate, DistinctOverBigintMergesSkipsAndWidens) {
  const Schema schema({Field("y", DataType::int64())});
  for (const char* text : {"count(DISTINCT y)", "sum(DISTINCT y)"}) {
    SCOPED_TRACE(text);
    const AggregateCall c = compile_aggregate(text, schema).calls[0];
    auto left = c.make_state();
    auto right = c.make_state();
    constexpr uint32_t kGroups = 50;
    left->resize(kGroups);
    right->resize(kGroups);
    std::vector<std::set<int64_t>> expected(kGroups);
    auto feed = [&](AggregateState& state, size_t rows, int64_t base, const uint32_t* map) {
      auto y = Column::make(DataType::int64());
      std::vector<uint32_t> groups;
      for (size_t r = 0; r < rows; ++r) {
        const auto g = static_cast<uint32_t>(r * 7 % kGroups);
        groups.push_back(g);
        if (r % 11 == 0) {
          y->append_null();
          continue;
        }
        const int64_t v = base + static_cast<int64_t>(r % 4000);
        y->append<int64_t>(v);
        if (map[g] != kSkipGroup) expected[map[g]].insert(v);
      }
      state.update(y.get(), rows, groups.data());
    };
    std::vector<uint32_t> identity(kGroups), skip_odd(kGroups);
    for (uint32_t g = 0; g < kGroups; ++g) {
      identity[g] = g;
      skip_odd[g] = g % 2 ? kSkipGroup : kGroups - 1 - g;
    }
    feed(*left, 200000, 0, identity.data());
    feed(*left, 3000, int64_t{1} << 40, identity.data());  // widens
    feed(*right, 150000, 2000, skip_odd.data());
    left->merge(*right, skip_odd.data());
    ColumnPtr out = left->finalize();
    ASSERT_EQ(out->size(), kGroups);
    for (uint32_t g = 0; g < kGroups; ++g) {
      int64_t sum = 0;
      for (int64_t v : expected[g]) sum += v;
      const int64_t want = std::string(text).starts_with("count") ? static_cast<int64_t>(expected[g].size()) : sum;
      ASSERT_EQ(out->value(g), Value::int64(want)) << g;
    }
  }
}

// partition_groups(): a state regrouped by partition merges one partition
// per map, exactly as it would unregrouped (narrow and widened pairs).
TEST(Aggregate, DistinctRegroupedByPartitionMergesThePartitionOfTheMap) {
  const Schema schema({Field("y", DataType::int64())});
  const AggregateCall c = compile_aggregate("count(DISTINCT y)", schema).calls[0];
  for (const int64_t base : {int64_t{0}, int64_t{1} << 40}) {
    SCOPED_TRACE(base);
    constexpr uint32_t kGroups = 30;
    constexpr size_t kParts = 4;
    std::vector<std::unique_ptr<AggregateState>> workers;
    for (int w = 0; w < 2; ++w) {
      workers.push_back(c.make_state());
      workers.back()->resize(kGroups);
      auto y = Column::make(DataType::int64());
      std::vector<uint32_t> groups;
      for (size_t r = 0; r < 40000; ++r) {
        groups.push_back(static_cast<uint32_t>((r + w) % kGroups));
        y->append<int64_t>(base + static_cast<int64_t>((r * 13 + w * 500) % 3000));
      }
      workers.back()->update(y.get(), groups.size(), groups.data());
    }
    // The reference: both workers merged into one state, all groups kept.
    auto all = c.make_state();
    all->resize(kGroups);
    for (const auto& w : workers) all->merge(*w, nullptr);
    const ColumnPtr want = all->finalize();
    std::vector<uint8_t> part_of(kGroups);
    for (uint32_t g = 0; g < kGroups; ++g) part_of[g] = static_cast<uint8_t>(g * 7 % kParts);
    for (const auto& w : workers) w->partition_groups(part_of.data(), kParts);
    for (size_t p = 0; p < kParts; ++p) {
      std::vector<uint32_t> map(kGroups, kSkipGroup), groups_of_p;
      for (uint32_t g = 0; g < kGroups; ++g)
        if (part_of[g] == p) {
          map[g] = static_cast<uint32_t>(groups_of_p.size());
          groups_of_p.push_back(g);
        }
      auto state = c.make_state();
      state->resize(groups_of_p.size());
      for (const auto& w : workers) state->merge(*w, map.data());
      const ColumnPtr got = state->finalize();
      for (size_t i = 0; i < groups_of_p.size(); ++i)
        EXPECT_EQ(got->value(i), want->value(groups_of_p[i])) << "group " << groups_of_p[i];
    }
  }
}

TEST(Aggregate, FirstAndLastFollowRowOrderAcrossMerges) {
  for (const char* text : {"first(x)", "last(x)", "first(x, TRUE)", "last(x, TRUE)"}) {
    AggregateCall c = call(text);
    auto early = c.make_state();
    auto late = c.make_state();
    early->resize(1);
    late->resize(1);
    auto a = ints({std::nullopt, 1, 2});
    auto b = ints({3, std::nullopt});
    early->update(a.get(), 3, nullptr);
    late->update(b.get(), 2, nullptr);
    early->merge(*late, nullptr);
    const Value v = early->finalize()->value(0);
    const std::string t = text;
    if (t == "first(x)" || t == "last(x)") {
      EXPECT_TRUE(v.is_null()) << t;
    } else if (t == "first(x, TRUE)") {
      EXPECT_EQ(v, Value::int32(1));
    } else {
      EXPECT_EQ(v, Value::int32(3));
    }
  }
}

TEST(Aggregate, StatesGrowWithNewGroups) {
  auto state = call("count(x)").make_state();
  state->resize(1);
  auto x = ints({1, 2});
  state->update(x.get(), 2, nullptr);
  state->resize(4);
  const uint32_t groups[] = {3, 3};
  state->update(x.get(), 2, groups);
  EXPECT_EQ(state->num_groups(), 4u);
  ColumnPtr out = state->finalize();
  EXPECT_EQ(out->value(0), Value::int64(2));
  EXPECT_EQ(out->value(2), Value::int64(0));
  EXPECT_EQ(out->value(3), Value::int64(2));
}

TEST(Aggregate, StringStatesDoNotGrowWithUpdates) {
  auto state = call("max(s)").make_state();
  state->resize(1);
  for (int round = 0; round < 200; ++round) {
    auto s = Column::make(DataType::string());
    for (int i = 0; i < 1000; ++i) s->append_string("value number " + std::to_string(round * 1000 + i + 100000));
    state->update(s.get(), 1000, nullptr);
  }
  EXPECT_EQ(state->finalize()->value(0), Value::string("value number 299999"));
  EXPECT_LT(state->memory_bytes(), 1024u);
}

TEST(Aggregate, ResultTypes) {
  EXPECT_EQ(call("count(x)").result_type, DataType::int64());
  EXPECT_EQ(call("sum(x)").result_type, DataType::int64());
  EXPECT_EQ(call("avg(x)").result_type, DataType::float64());
  EXPECT_EQ(call("stddev(x)").result_type, DataType::float64());
  EXPECT_EQ(call("min(s)").result_type, DataType::string());
  EXPECT_EQ(call("sum(s)").result_type, DataType::float64());
  ExprPtr dec = compile("CAST(x AS DECIMAL(12,3))", input());
  EXPECT_EQ(make_aggregate_call("sum", dec).result_type, DataType::decimal(22, 3));
  EXPECT_EQ(make_aggregate_call("avg", dec).result_type, DataType::decimal(16, 7));
  EXPECT_EQ(make_aggregate_call("SUM", dec).function->name, "sum");
  EXPECT_EQ(find_aggregate_function("stddev_samp")->name, "stddev_samp");
  EXPECT_EQ(find_aggregate_function("median"), nullptr);
}

TEST(Aggregate, TypeErrorsNameTheFunction) {
  ExprPtr flag = compile("x > 1", input());
  try {
    make_aggregate_call("sum", flag);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.message(),
              "aggregate sum cannot take BOOLEAN: it needs a number; it takes sum(NUMERIC) → BIGINT | DOUBLE | "
              "DECIMAL(p+10, s)");
  }
  EXPECT_THROW(make_aggregate_call("count_if", compile("x", input())), Error);
  EXPECT_THROW(make_aggregate_call("sum", nullptr), Error);
  EXPECT_THROW(make_aggregate_call("nope", nullptr), Error);
}

}  // namespace
}  // namespace bullion::expr
