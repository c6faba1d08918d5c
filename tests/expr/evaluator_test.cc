#include "bullion/expr/evaluator.h"

#include <gtest/gtest.h>

#include <thread>

#include "bullion/core/error.h"
#include "bullion/expr/binder.h"

namespace bullion::expr {
namespace {

SchemaPtr schema() {
  return std::make_shared<Schema>(std::vector<Field>{Field("x", DataType::int32()), Field("s", DataType::string())});
}

Batch make_batch(int first, size_t n, bool with_nulls) {
  auto x = Column::make(DataType::int32());
  auto s = Column::make(DataType::string());
  for (size_t i = 0; i < n; ++i) {
    const int v = first + static_cast<int>(i);
    if (with_nulls && v % 3 == 0) {
      x->append_null();
      s->append_null();
    } else {
      x->append<int32_t>(v);
      s->append_string("  item " + std::to_string(v) + "  ");
    }
  }
  return Batch(schema(), {x, s}, n);
}

TEST(Evaluator, ColumnReferencesAreNotCopied) {
  Batch b = make_batch(0, 10, false);
  ColumnPtr out = evaluate(compile("X", *schema()), b);
  EXPECT_EQ(out.get(), b.column(0).get());
}

TEST(Evaluator, LiteralsAreBroadcast) {
  Batch b = make_batch(0, 4, false);
  ColumnPtr out = evaluate(compile("'k'", *schema()), b);
  ASSERT_EQ(out->size(), 4u);
  for (size_t i = 0; i < 4; ++i) EXPECT_EQ(out->value(i), Value::string("k"));
}

TEST(Evaluator, NoValidityBufferWithoutNulls) {
  Batch b = make_batch(1, 100, false);
  ColumnPtr out = evaluate(compile("x * 2 + 1", *schema()), b);
  EXPECT_EQ(out->validity(), nullptr);
  EXPECT_EQ(out->value(10), Value::int32(23));
  Batch n = make_batch(1, 100, true);
  ColumnPtr with = evaluate(compile("x * 2 + 1", *schema()), n);
  EXPECT_NE(with->validity(), nullptr);
  EXPECT_TRUE(with->is_null(2));
}

TEST(Evaluator, ReusesOutputBuffersAcrossBatches) {
  Evaluator ev(compile("upper(trim(s)) || CAST(x + 1 AS STRING)", *schema()));
  const Column* first = nullptr;
  for (int round = 0; round < 5; ++round) {
    Batch b = make_batch(round * 100, 100, round % 2 == 1);
    ColumnPtr out = ev.evaluate(b);
    EXPECT_EQ(out->size(), 100u);
    const Column* now = out.get();
    if (first) {
      EXPECT_EQ(now, first) << "the result column is recycled once the caller drops it";
    }
    first = now;
  }
  // While the caller holds a result, the next batch gets a fresh column.
  ColumnPtr held = ev.evaluate(make_batch(0, 10, false));
  ColumnPtr next = ev.evaluate(make_batch(10, 10, false));
  EXPECT_NE(held.get(), next.get());
  EXPECT_EQ(held->value(1), Value::string("ITEM 12"));
  EXPECT_EQ(next->value(1), Value::string("ITEM 1112"));
}

TEST(Evaluator, TrimSharesTheInputBytes) {
  Batch b = make_batch(0, 3, false);
  ColumnPtr out = evaluate(compile("trim(s)", *schema()), b);
  const std::string_view in = b.column(1)->strings()[1];
  const std::string_view got = out->strings()[1];
  EXPECT_EQ(got, "item 1");
  EXPECT_EQ(got.data(), in.data() + 2);
  // The bytes outlive the input batch.
  b = Batch();
  EXPECT_EQ(out->value(2), Value::string("item 2"));
}

TEST(Evaluator, ResultsDoNotDependOnBatchBoundaries) {
  ExprPtr e = compile("CASE WHEN x % 2 = 0 THEN upper(s) ELSE coalesce(s, 'none') END", *schema());
  Batch all = make_batch(0, 30, true);
  ColumnPtr whole = evaluate(e, all);
  Evaluator ev(e);
  for (size_t start = 0; start < 30; start += 7) {
    const size_t n = std::min<size_t>(7, 30 - start);
    ColumnPtr part = ev.evaluate(all.slice(start, n));
    for (size_t i = 0; i < n; ++i) EXPECT_EQ(part->value(i), whole->value(start + i)) << start + i;
  }
}

TEST(Evaluator, EmptyBatches) {
  ColumnPtr out = evaluate(compile("upper(s) || x", *schema()), make_batch(0, 0, false));
  EXPECT_EQ(out->size(), 0u);
}

TEST(Evaluator, ManyThreadsOneExpression) {
  ExprPtr e = compile("length(upper(s)) + x", *schema());
  ColumnPtr want = evaluate(e, make_batch(0, 1000, true));
  std::vector<std::thread> threads;
  std::vector<int> ok(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      Evaluator ev(e);
      bool same = true;
      for (int round = 0; round < 20; ++round) {
        ColumnPtr got = ev.evaluate(make_batch(0, 1000, true));
        for (size_t i = 0; i < 1000; i += 37) same &= got->value(i) == want->value(i);
      }
      ok[t] = same;
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < 4; ++t) EXPECT_TRUE(ok[t]);
}

TEST(Evaluator, RejectsABatchOfAnotherSchema) {
  ExprPtr e = compile("upper(s)", *schema());
  auto other = std::make_shared<Schema>(std::vector<Field>{Field("s", DataType::int32())});
  auto c = Column::make(DataType::int32());
  c->append<int32_t>(1);
  try {
    evaluate(e, Batch(other, {c}, 1));
    FAIL();
  } catch (const Error& err) {
    EXPECT_NE(err.message().find("reads column 's' (STRING) at index 1"), std::string::npos) << err.message();
  }
}

TEST(Evaluator, InvalidLikePatternFromData) {
  auto sch = std::make_shared<Schema>(std::vector<Field>{Field("p", DataType::string())});
  auto p = Column::make(DataType::string());
  p->append_string("a\\x");
  EXPECT_THROW(evaluate(compile("'a' LIKE p", *sch), Batch(sch, {p}, 1)), Error);
}

TEST(Evaluator, Constants) {
  EXPECT_EQ(evaluate_constant(compile("1 + 2", Schema())), Value::int32(3));
  EXPECT_THROW(evaluate_constant(compile("x", *schema())), Error);
}

}  // namespace
}  // namespace bullion::expr
