#include "bullion/columnar/column.h"

#include <gtest/gtest.h>

#include "bullion/columnar/batch.h"
#include "bullion/columnar/value.h"
#include "bullion/core/error.h"

namespace bullion {

TEST(Type, SqlSpellingAndEquality) {
  EXPECT_EQ(DataType::int32().to_string(), "INT");
  EXPECT_EQ(DataType::decimal(10, 2).to_string(), "DECIMAL(10,2)");
  const DataType s = DataType::struct_({Field("a", DataType::int64()), Field("b", DataType::string())});
  EXPECT_EQ(s.to_string(), "STRUCT<a: BIGINT, b: STRING>");
  EXPECT_EQ(DataType::map(DataType::string(), DataType::list(DataType::int32())).to_string(),
            "MAP<STRING, ARRAY<INT>>");
  EXPECT_EQ(s, DataType::struct_({Field("a", DataType::int64()), Field("b", DataType::string())}));
  EXPECT_FALSE(s == DataType::struct_({Field("a", DataType::int64())}));
  EXPECT_FALSE(DataType::decimal(10, 2) == DataType::decimal(10, 3));
  EXPECT_THROW(DataType::decimal(39, 0), Error);
}

TEST(Schema, LooksUpNames) {
  Schema schema({Field("customer_id", DataType::string()), Field("n", DataType::int64(), false)});
  EXPECT_EQ(schema.index_of("n"), 1u);
  EXPECT_EQ(schema.index_of("N"), std::nullopt);
  EXPECT_EQ(schema.find_case_insensitive("Customer_ID"), 0u);
  EXPECT_EQ(schema.to_string(), "customer_id: STRING, n: BIGINT NOT NULL");
}

TEST(Column, AppendsValuesAndNulls) {
  Column c(DataType::int64());
  c.append<int64_t>(7);
  EXPECT_FALSE(c.may_have_nulls());
  c.append_null();
  c.append<int64_t>(-3);
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(c.null_count(), 1u);
  EXPECT_EQ(c.data<int64_t>()[0], 7);
  EXPECT_TRUE(c.is_null(1));
  EXPECT_EQ(c.value(2), Value::int64(-3));
  EXPECT_EQ(c.value(1), Value::null(DataType::int64()));
}

TEST(Column, StringsLiveInArenasSharedByTake) {
  ColumnPtr c = Column::make(DataType::string());
  std::string temp = "straße";
  c->append_string(temp);
  temp = "overwritten";  // the column copied the bytes
  c->append_null();
  c->append_string("");
  c->append_string("x");
  const uint32_t rows[] = {3, 0, 1};
  ColumnPtr t = c->take(rows, 3);
  c.reset();  // the taken column keeps the arena alive
  EXPECT_EQ(t->strings()[0], "x");
  EXPECT_EQ(t->strings()[1], "straße");
  EXPECT_TRUE(t->is_null(2));
  EXPECT_EQ(t->null_count(), 1u);
}

TEST(Column, AppendFromMergesValidity) {
  Column a(DataType::int32());
  a.append<int32_t>(1);
  Column b(DataType::int32());
  b.append_null();
  b.append<int32_t>(5);
  a.append_from(b, 0, 2);
  ASSERT_EQ(a.size(), 3u);
  EXPECT_TRUE(a.is_valid(0));
  EXPECT_TRUE(a.is_null(1));
  EXPECT_EQ(a.data<int32_t>()[2], 5);
}

TEST(Column, ListsAndMapsByOffsets) {
  Column list(DataType::list(DataType::int32()));
  list.child(0).append<int32_t>(1);
  list.child(0).append<int32_t>(2);
  list.end_entry();
  list.end_entry();  // empty list
  list.append_null();
  list.child(0).append<int32_t>(3);
  list.end_entry();
  ASSERT_EQ(list.size(), 4u);
  EXPECT_EQ(list.value(0).to_string(), "[1, 2]");
  EXPECT_EQ(list.value(1).to_string(), "[]");
  EXPECT_TRUE(list.is_null(2));
  EXPECT_EQ(list.value(3).to_string(), "[3]");
  const uint32_t rows[] = {3, 0};
  EXPECT_EQ(list.take(rows, 2)->value(1).to_string(), "[1, 2]");

  Column map(DataType::map(DataType::string(), DataType::string()));
  map.append_value(Value::nested(map.type(), {Value::string("date"), Value::string("2026-01-01"), Value::string("x"),
                                              Value::null(DataType::string())}));
  EXPECT_EQ(map.value(0).to_string(), "{'date' -> '2026-01-01', 'x' -> NULL}");
  EXPECT_EQ(map.slice(0, 1)->value(0), map.value(0));
}

TEST(Column, StructsHoldChildrenAndTheirOwnValidity) {
  const DataType t = DataType::struct_({Field("path", DataType::string()), Field("size", DataType::int64())});
  Column s(t);
  s.append_value(Value::nested(t, {Value::string("a.parquet"), Value::int64(10)}));
  s.append_null();
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s.child(0).size(), 2u);
  EXPECT_TRUE(s.is_null(1));
  EXPECT_EQ(s.value(0).to_string(), "{path: 'a.parquet', size: 10}");
}

TEST(Value, RendersAsSqlAndDisplay) {
  EXPECT_EQ(Value::float64(1).to_string(), "1.0");
  EXPECT_EQ(Value::float64(0.1).to_string(), "0.1");
  EXPECT_EQ(Value::string("it's").to_string(), "'it''s'");
  EXPECT_EQ(Value::string("it's").to_display(), "it's");
  EXPECT_EQ(Value::date(0).to_string(), "DATE '1970-01-01'");
  EXPECT_EQ(Value::decimal(-12345, 10, 2).to_display(), "-123.45");
  EXPECT_EQ(Value::decimal(5, 3, 3).to_display(), "0.005");
  EXPECT_EQ(format_decimal(-(static_cast<int128>(1) << 126), 0), "-85070591730234615865843651857942052864");
}

TEST(Batch, ProjectTakeConcat) {
  auto schema =
      std::make_shared<Schema>(std::vector<Field>{Field("id", DataType::int64()), Field("name", DataType::string())});
  Batch b = Batch::empty(schema);
  for (int i = 0; i < 5; ++i) {
    b.column(0)->append<int64_t>(i);
    b.column(1)->append_string("n" + std::to_string(i));
  }
  b.sync_num_rows();
  EXPECT_EQ(b.num_rows(), 5u);
  EXPECT_EQ(b.project({1}).schema()->to_string(), "name: STRING");
  const uint32_t rows[] = {4, 2};
  Batch t = b.take(rows, 2);
  EXPECT_EQ(t.row(0), (std::vector<Value>{Value::int64(4), Value::string("n4")}));
  Batch all = Batch::concat({b, t});
  EXPECT_EQ(all.num_rows(), 7u);
  EXPECT_EQ(all.column("name")->value(6), Value::string("n2"));
  EXPECT_THROW(all.column("nmae"), Error);
}

TEST(Buffer, ReusesCapacity) {
  Buffer buf;
  buf.resize(1000);
  const size_t cap = buf.capacity();
  buf.clear();
  buf.resize(900);
  EXPECT_EQ(buf.capacity(), cap);
  buf.append("abc", 3);
  EXPECT_EQ(buf.size(), 903u);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(buf.data()) % 64, 0u);
}

}  // namespace bullion

namespace bullion {

TEST(Column, ConstantRepeatsOneValue) {
  ColumnPtr s = Column::constant(Value::string("events_api"), 3);
  ASSERT_EQ(s->size(), 3u);
  EXPECT_EQ(s->value(2), Value::string("events_api"));
  EXPECT_FALSE(s->may_have_nulls());
  ColumnPtr n = Column::constant(Value::null(DataType::date()), 4);
  EXPECT_EQ(n->null_count(), 4u);
  ColumnPtr d = Column::constant(Value::decimal(12345, 12, 2), 2);
  EXPECT_EQ(d->value(1), Value::decimal(12345, 12, 2));
  EXPECT_EQ(Column::constant(Value::int64(1), 0)->size(), 0u);
}

}  // namespace bullion
