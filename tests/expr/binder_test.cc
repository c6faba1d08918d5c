#include "bullion/expr/binder.h"

#include <gtest/gtest.h>

#include "bullion/core/error.h"
#include "bullion/expr/analysis.h"
#include "bullion/expr/functions.h"

namespace bullion::expr {
namespace {

Schema events() {
  return Schema({Field("customer_id", DataType::string()), Field("event_type", DataType::string()),
                 Field("event_ts", DataType::timestamp()), Field("n", DataType::int32()),
                 Field("total", DataType::int64()), Field("amount", DataType::float64())});
}

BindOptions as_of() { return BindOptions{{{"as_of", Value::date(20782)}}, true}; }

TEST(Binder, ResolvesNamesCaseInsensitivelyToTheSchemaName) {
  ExprPtr e = compile("CUSTOMER_ID", events());
  ASSERT_TRUE(e->is_column());
  EXPECT_EQ(e->name, "customer_id");
  EXPECT_EQ(e->column_index, 0u);
  EXPECT_EQ(e->type, DataType::string());
}

TEST(Binder, ParametersBecomeLiteralsAndFold) {
  ExprPtr e = compile("date_add(as_of, 1)", events(), as_of());
  ASSERT_TRUE(e->is_literal());
  EXPECT_EQ(e->value, Value::date(20783));
  BindOptions raw = as_of();
  raw.fold_constants = false;
  ExprPtr f = compile("date_add(as_of, 1)", events(), raw);
  EXPECT_EQ(f->kind, ExprKind::kFunction);
  EXPECT_EQ(fold_constants(f)->value, Value::date(20783));
}

TEST(Binder, InsertsSparksImplicitCasts) {
  // datediff(DATE, TIMESTAMP): the timestamp becomes a DATE.
  ExprPtr d = compile("datediff(as_of, event_ts)", events(), as_of());
  ASSERT_EQ(d->kind, ExprKind::kFunction);
  EXPECT_EQ(d->type, DataType::int32());
  const Expr& start = *d->children[1];
  EXPECT_EQ(start.kind, ExprKind::kCast);
  EXPECT_TRUE(start.implicit);
  EXPECT_EQ(start.type, DataType::date());
  // INT vs BIGINT widens the INT.
  ExprPtr c = compile("n < total", events());
  EXPECT_EQ(c->children[0]->kind, ExprKind::kCast);
  EXPECT_EQ(c->children[0]->type, DataType::int64());
  // A string compared with a number takes the number's type.
  ExprPtr s = compile("event_type = n", events());
  EXPECT_EQ(s->children[0]->type, DataType::int32());
  // `/` is DOUBLE.
  EXPECT_EQ(compile("total / n", events())->type, DataType::float64());
  // Counts are BIGINT; the Gold expressions have DESIGN's types.
  EXPECT_EQ(compile("total / (n + 1)", events())->type, DataType::float64());
  EXPECT_EQ(compile("CASE WHEN n <= 7 THEN 3 WHEN n <= 30 THEN 2 ELSE 1 END", events())->type, DataType::int32());
  EXPECT_EQ(compile("(total * 0.6 + total * 0.4) / (n + 1)", events())->type, DataType::float64());
}

TEST(Binder, PredicatesMustBeBoolean) {
  EXPECT_EQ(compile_predicate("customer_id IS NOT NULL", events())->type, DataType::boolean());
  EXPECT_EQ(compile_predicate("NULL", events())->type, DataType::boolean());
  try {
    compile_predicate("n + 1", events());
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.message(), "expected a boolean expression (a condition), got INT: n + 1");
  }
}

TEST(Binder, SuggestsTheClosestName) {
  EXPECT_EQ(closest_name("custmer_id", {"customer_id", "event_type"}), "customer_id");
  EXPECT_EQ(closest_name("EVENT_TS", {"customer_id", "event_ts"}), "event_ts");
  EXPECT_EQ(closest_name("zzz", {"customer_id", "event_ts"}), "");
  try {
    compile("upper(custmer_id)", events());
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.message(), "unknown column 'custmer_id' at 1:7; did you mean customer_id?");
  }
}

TEST(Binder, AggregationsBindCallsAndACombiningExpression) {
  const Schema input = events();
  AggregateBinding b = compile_aggregate("count_if(datediff(as_of, event_ts) <= 30)", input, {"customer_id"}, as_of());
  ASSERT_EQ(b.calls.size(), 1u);
  EXPECT_EQ(b.calls[0].function->name, "count_if");
  EXPECT_EQ(b.calls[0].result_type, DataType::int64());
  EXPECT_EQ(b.calls[0].argument->type, DataType::boolean());
  EXPECT_EQ(b.result_schema->to_string(), "customer_id: STRING, _agg0: BIGINT");
  EXPECT_TRUE(b.result->is_column());
  EXPECT_EQ(b.calls[0].to_sql(), "count_if((datediff(DATE '2026-11-25', `event_ts`) <= 30))");

  AggregateBinding avg = compile_aggregate("sum(total) / count(total)", input);
  EXPECT_EQ(avg.calls.size(), 2u);
  EXPECT_EQ(avg.result->type, DataType::float64());
  EXPECT_EQ(to_sql(*avg.result), "(`_agg0` / `_agg1`)");

  AggregateBinding distinct = compile_aggregate("count(DISTINCT event_type)", input);
  EXPECT_TRUE(distinct.calls[0].distinct);
  EXPECT_EQ(distinct.calls[0].to_sql(), "count(DISTINCT `event_type`)");
  EXPECT_THROW(compile_aggregate("n", input), Error);
  EXPECT_THROW(compile_aggregate("max(n)", input, {"nope"}), Error);
}

TEST(Binder, TheFunctionCatalogue) {
  EXPECT_TRUE(is_function("UPPER"));
  EXPECT_TRUE(is_function("count_if"));
  EXPECT_FALSE(is_function("frobnicate"));
  const auto all = list_functions();
  EXPECT_GT(all.size(), 50u);
  bool found = false;
  for (const FunctionInfo& f : all)
    if (f.name == "datediff") {
      found = true;
      EXPECT_EQ(f.signature, "datediff(end DATE, start DATE) → INT");
      EXPECT_FALSE(f.aggregate);
    }
  EXPECT_TRUE(found);
}

TEST(Binder, BindsTheSameTextToTheSameTree) {
  const char* text = "coalesce(upper(event_type), 'UNKNOWN') || '-' || CAST(n AS STRING)";
  EXPECT_EQ(to_sql(*compile(text, events())), to_sql(*compile(text, events())));
}

}  // namespace
}  // namespace bullion::expr
