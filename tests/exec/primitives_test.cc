// Unit tests of the engine's building blocks: key encoding, the group table,
// spill files, normalized sort keys and the external sorter.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "bullion/core/memory.h"
#include "bullion/exec/group_table.h"
#include "bullion/exec/row_key.h"
#include "bullion/exec/sort_key.h"
#include "bullion/exec/sorter.h"
#include "bullion/exec/spill.h"

namespace bullion::exec {

namespace {

SchemaPtr schema_of(std::vector<Field> fields) { return std::make_shared<Schema>(std::move(fields)); }

Batch make_batch(const SchemaPtr& schema, const std::vector<std::vector<Value>>& rows) {
  Batch b = Batch::empty(schema);
  for (const auto& row : rows)
    for (size_t c = 0; c < row.size(); ++c) b.column(c)->append_value(row[c]);
  b.sync_num_rows();
  return b;
}

Value s(const char* v) { return Value::string(v); }
Value i(int64_t v) { return Value::int64(v); }
Value d(double v) { return Value::float64(v); }
Value null_str() { return Value::null(DataType::string()); }

}  // namespace

TEST(KeyEncoder, EqualKeysEncodeEquallyUnderGroupBySemantics) {
  auto schema = schema_of({Field("s", DataType::string()), Field("x", DataType::float64())});
  Batch b = make_batch(schema, {{s("a"), d(0.0)},
                                {s("a"), d(-0.0)},
                                {null_str(), d(1)},
                                {null_str(), d(1)},
                                {s(""), d(1)},
                                {s("a"), d(std::nan(""))},
                                {s("a"), d(-std::nan(""))}});
  KeyEncoder enc({DataType::string(), DataType::float64()});
  enc.encode({b.column(0).get(), b.column(1).get()}, b.num_rows());
  EXPECT_EQ(enc.key(0), enc.key(1));  // -0.0 == 0.0
  EXPECT_EQ(enc.key(2), enc.key(3));  // NULL == NULL for grouping
  EXPECT_NE(enc.key(2), enc.key(4));  // NULL != ''
  EXPECT_EQ(enc.key(5), enc.key(6));  // NaNs group together
  EXPECT_EQ(enc.hash(0), enc.hash(1));
  EXPECT_TRUE(enc.has_null(2));
  EXPECT_FALSE(enc.has_null(0));
  // Keys decode back to the original values.
  auto out_s = Column::make(DataType::string());
  auto out_x = Column::make(DataType::float64());
  enc.decode({enc.key(4), enc.key(2)}, {out_s.get(), out_x.get()});
  EXPECT_EQ(out_s->value(0), s(""));
  EXPECT_TRUE(out_s->is_null(1));
  EXPECT_EQ(out_x->value(1), d(1));
}

TEST(GroupTable, AssignsDenseIdsInFirstSeenOrderAcrossGrowth) {
  GroupTable table;
  auto schema = schema_of({Field("k", DataType::int64())});
  Batch b = Batch::empty(schema);
  for (int r = 0; r < 100000; ++r) b.column(0)->append<int64_t>(r % 5000 * 7919);
  b.sync_num_rows();
  KeyEncoder enc({DataType::int64()});
  enc.encode({b.column(0).get()}, b.num_rows());
  std::vector<uint32_t> ids(b.num_rows());
  table.find_or_insert(enc, ids.data());
  EXPECT_EQ(table.num_groups(), 5000u);
  for (int r = 0; r < 100000; ++r) ASSERT_EQ(ids[r], static_cast<uint32_t>(r % 5000));
  EXPECT_EQ(table.find(enc.key(3), enc.hash(3)), 3u);
  EXPECT_EQ(table.find("nope", hash_bytes("nope")), GroupTable::kNotFound);
}

TEST(GroupTable, WordKeysGroupLikeByteKeysWithNullsNegativeZeroAndNaN) {
  // The same doubles grouped through the byte form and the word form: the
  // same dense ids, NULL one group (not the group of 0.0), -0.0 = 0.0, NaNs one group.
  auto schema = schema_of({Field("x", DataType::float64())});
  std::vector<std::vector<Value>> rows;
  for (int r = 0; r < 30000; ++r) {
    const int k = r % 4000;
    if (k == 7)
      rows.push_back({Value::null(DataType::float64())});
    else if (k == 8)
      rows.push_back({d(-0.0)});
    else if (k == 9)
      rows.push_back({d(r % 2 ? std::nan("") : -std::nan(""))});
    else
      rows.push_back({d(k * 0.5)});
  }
  Batch b = make_batch(schema, rows);
  EXPECT_FALSE(KeyEncoder::word_form_possible({DataType::string()}));
  EXPECT_FALSE(KeyEncoder::word_form_possible({DataType::int64(), DataType::int64()}));
  EXPECT_FALSE(KeyEncoder({DataType::int64()}).word_form());  // only when asked for
  KeyEncoder bytes({DataType::float64()});
  KeyEncoder words({DataType::float64()}, true);
  ASSERT_TRUE(words.word_form());
  bytes.encode({b.column(0).get()}, b.num_rows());
  words.encode({b.column(0).get()}, b.num_rows());
  GroupTable byte_table;
  GroupTable word_table(true);
  std::vector<uint32_t> byte_ids(b.num_rows()), word_ids(b.num_rows());
  byte_table.find_or_insert(bytes, byte_ids.data());
  word_table.find_or_insert(words, word_ids.data());
  EXPECT_EQ(word_ids, byte_ids);
  EXPECT_EQ(word_table.num_groups(), 3999u);  // 0.0 and -0.0 are one group
  EXPECT_EQ(word_ids[8], word_ids[0]);
  EXPECT_NE(word_ids[7], word_ids[0]);
  EXPECT_EQ(word_ids[4009], word_ids[9]);
  // Batch find: every key is found, in both forms.
  std::vector<uint32_t> found(b.num_rows());
  word_table.find(words, found.data());
  EXPECT_EQ(found, word_ids);
  // Merging groups from another table, then decoding the keys back.
  GroupTable merged(true);
  EXPECT_EQ(merged.find_or_insert_group_of(word_table, word_ids[7]), 0u);
  EXPECT_EQ(merged.find_or_insert_group_of(word_table, word_ids[3]), 1u);
  EXPECT_EQ(merged.find_or_insert_group_of(word_table, word_ids[7]), 0u);
  EXPECT_EQ(merged.key_hash(0), kNullWordHash);
  auto out = Column::make(DataType::float64());
  merged.append_keys({DataType::float64()}, {out.get()});
  ASSERT_EQ(out->size(), 2u);
  EXPECT_TRUE(out->is_null(0));
  EXPECT_EQ(out->value(1), d(1.5));
  // A key that was never inserted, and a NULL in a table without a NULL group.
  Batch probe = make_batch(schema, {{d(12345.25)}, {Value::null(DataType::float64())}, {d(2.0)}});
  words.encode({probe.column(0).get()}, probe.num_rows());
  found.resize(3);
  merged.find(words, found.data());
  EXPECT_EQ(found, (std::vector<uint32_t>{GroupTable::kNotFound, 0u, GroupTable::kNotFound}));
  word_table.find(words, found.data());
  EXPECT_EQ(found, (std::vector<uint32_t>{GroupTable::kNotFound, word_ids[7], word_ids[4]}));
}

TEST(GroupTable, DenseRangeLookupsEqualHashedLookups) {
  // Build keys: dense (every third number from 30), sparse, or spanning zero
  // (INT words are the value's bytes, so -30 is far from 0: hashed);
  // probes: hits, misses inside and outside the range, NULLs.
  auto schema = schema_of({Field("k", DataType::int32())});
  for (const auto& [first, step] : {std::pair{30, 3}, std::pair{30, 1000}, std::pair{-30, 3}}) {
    SCOPED_TRACE(std::to_string(first) + " " + std::to_string(step));
    std::vector<std::vector<Value>> build_rows, probe_rows;
    for (int32_t i = 0; i < 500; ++i) build_rows.push_back({Value::int32(first + i * step)});
    for (int32_t v = -100; v < 2000; ++v) probe_rows.push_back({Value::int32(v)});
    probe_rows.push_back({Value::null(DataType::int32())});
    Batch build = make_batch(schema, build_rows), probe = make_batch(schema, probe_rows);
    KeyEncoder enc({DataType::int32()}, true);
    enc.encode({build.column(0).get()}, build.num_rows());
    GroupTable table(true);
    for (size_t r = 0; r < build.num_rows(); ++r) table.find_or_insert(enc, r);
    enc.encode({probe.column(0).get()}, probe.num_rows());
    std::vector<uint32_t> hashed(probe.num_rows()), dense(probe.num_rows());
    std::vector<uint8_t> hashed_found(probe.num_rows()), dense_found(probe.num_rows());
    table.find(enc, hashed.data());
    table.contains(enc, hashed_found.data());
    const size_t hashed_bytes = table.memory_bytes();
    table.index_dense_range();
    EXPECT_EQ(table.memory_bytes() > hashed_bytes, first == 30 && step == 3) << "only the dense keys get an index";
    table.find(enc, dense.data());
    table.contains(enc, dense_found.data());
    EXPECT_EQ(dense, hashed);
    EXPECT_EQ(dense_found, hashed_found);
    size_t hits = 0;
    for (size_t r = 0; r < probe.num_rows(); ++r) {
      hits += dense_found[r];
      EXPECT_EQ(dense_found[r] != 0, dense[r] != GroupTable::kNotFound) << r;
    }
    EXPECT_EQ(hits, step == 3 ? 500u : 2u);  // step 1000: 30 and 1030 are in [-100, 2000)
    EXPECT_EQ(dense_found.back(), 0);        // no NULL key was inserted
  }
}

TEST(Spill, RoundTripsEveryTypeIncludingNested) {
  const DataType st = DataType::struct_({Field("a", DataType::int32()), Field("b", DataType::string())});
  const DataType lt = DataType::list(DataType::string());
  const DataType mt = DataType::map(DataType::string(), DataType::int64());
  auto schema =
      schema_of({Field("i", DataType::int64()), Field("s", DataType::string()), Field("d", DataType::decimal(20, 2)),
                 Field("st", st), Field("l", lt), Field("m", mt), Field("b", DataType::boolean())});
  Batch b = make_batch(
      schema, {{i(1), s("x"), Value::decimal(12345, 20, 2), Value::nested(st, {Value::int32(1), s("p")}),
                Value::nested(lt, {s("a"), null_str()}), Value::nested(mt, {s("k"), i(9)}), Value::boolean(true)},
               {Value::null(DataType::int64()), null_str(), Value::null(DataType::decimal(20, 2)), Value::null(st),
                Value::null(lt), Value::nested(mt, {}), Value::null(DataType::boolean())}});
  const uint64_t spilled_before = total_spilled_bytes();
  SpillFile file(schema);
  file.append(b);
  file.append(b.slice(1, 1));
  file.finish_writing();
  EXPECT_EQ(file.num_rows(), 3u);
  // Tests run one at a time in this process: the process-wide count grew by exactly this file.
  EXPECT_EQ(total_spilled_bytes() - spilled_before, file.bytes_on_disk());
  auto reader = file.reader();
  Batch got;
  ASSERT_TRUE(reader.next(got));
  ASSERT_EQ(got.num_rows(), 2u);
  for (size_t r = 0; r < 2; ++r) EXPECT_EQ(got.row(r), b.row(r)) << r;
  ASSERT_TRUE(reader.next(got));
  EXPECT_EQ(got.row(0), b.row(1));
  EXPECT_FALSE(reader.next(got));
}

TEST(Spill, SelectedRowsStartInMemoryAndMoveToDisk) {
  const DataType lt = DataType::list(DataType::string());
  auto schema = schema_of(
      {Field("i", DataType::int64()), Field("s", DataType::string()), Field("f", DataType::int32()), Field("l", lt)});
  Batch b = make_batch(schema, {{i(1), s("one"), Value::int32(10), Value::nested(lt, {s("a")})},
                                {Value::null(DataType::int64()), s(""), Value::int32(20), Value::null(lt)},
                                {i(3), null_str(), Value::null(DataType::int32()), Value::nested(lt, {s("b"), s("c")})},
                                {i(4), s("four"), Value::int32(40), Value::nested(lt, {})}});
  const uint32_t picked[] = {3, 0, 2};
  const uint64_t spilled_before = total_spilled_bytes();
  SpillFile file(schema, SpillFile::Start::kInMemory);
  file.append(b, picked, 3);
  EXPECT_GT(file.memory_bytes(), 0u);
  EXPECT_EQ(file.bytes_on_disk(), 0u);
  EXPECT_EQ(total_spilled_bytes(), spilled_before);
  auto expect_rows = [&](const SpillFile& f, const std::vector<uint32_t>& rows) {
    auto reader = f.reader();
    Batch got;
    size_t at = 0;
    while (reader.next(got))
      for (size_t r = 0; r < got.num_rows(); ++r, ++at) {
        ASSERT_LT(at, rows.size());
        EXPECT_EQ(got.row(r), b.row(rows[at])) << at;
      }
    EXPECT_EQ(at, rows.size());
  };
  file.finish_writing();
  expect_rows(file, {3, 0, 2});
  // Moving to disk keeps the blocks already written, frees the memory, and the file reads the same.
  file.move_to_disk();
  EXPECT_EQ(file.memory_bytes(), 0u);
  EXPECT_GT(file.bytes_on_disk(), 0u);
  EXPECT_EQ(total_spilled_bytes() - spilled_before, file.bytes_on_disk());
  expect_rows(file, {3, 0, 2});

  // Appends after the move go to the file, after the moved blocks.
  SpillFile growing(schema, SpillFile::Start::kInMemory);
  growing.append(b, picked + 1, 1);
  growing.move_to_disk();
  growing.append(b);
  growing.finish_writing();
  EXPECT_EQ(growing.num_rows(), 5u);
  expect_rows(growing, {0, 0, 1, 2, 3});
}

TEST(Spill, ColumnsWithOneValueAreWrittenOnceAndReadBackPerRow) {
  auto schema = schema_of({Field("file", DataType::string()), Field("at", DataType::int64()),
                           Field("d", DataType::decimal(20, 2)), Field("v", DataType::string())});
  Batch b = Batch::empty(schema);
  for (int r = 0; r < 1000; ++r) {
    b.column(0)->append_string("events-00007.json");
    b.column(1)->append<int64_t>(1764096725880471);
    b.column(2)->append_value(Value::decimal(12345, 20, 2));
    r == 500 ? b.column(3)->append_null() : b.column(3)->append_string("v" + std::to_string(r % 7));
  }
  b.sync_num_rows();
  SpillFile constant(schema, SpillFile::Start::kInMemory), varied(schema, SpillFile::Start::kInMemory);
  constant.append(b.project({0, 1, 2, 0}).slice(0, 1000));  // the same value everywhere, 4 columns
  std::vector<uint32_t> rows;
  for (uint32_t r = 0; r < 1000; r += 3) rows.push_back(r);
  varied.append(b, rows.data(), rows.size());
  constant.finish_writing();
  varied.finish_writing();
  EXPECT_LT(constant.memory_bytes(), 200u) << "one value per column, not 1000";
  Batch got;
  auto reader = constant.reader();
  ASSERT_TRUE(reader.next(got));
  ASSERT_EQ(got.num_rows(), 1000u);
  for (size_t r = 0; r < 1000; r += 111) {
    EXPECT_EQ(got.column(0)->value(r), s("events-00007.json"));
    EXPECT_EQ(got.column(1)->value(r), i(1764096725880471));
    EXPECT_EQ(got.column(2)->value(r), Value::decimal(12345, 20, 2));
  }
  auto varied_reader = varied.reader();
  ASSERT_TRUE(varied_reader.next(got));
  ASSERT_EQ(got.num_rows(), rows.size());
  for (size_t r = 0; r < rows.size(); ++r) EXPECT_EQ(got.row(r), b.row(rows[r])) << r;
}

TEST(SortKey, OrdersLikeSparkForEveryDirectionAndNullPlacement) {
  auto schema = schema_of({Field("s", DataType::string()), Field("x", DataType::float64())});
  Batch b = make_batch(schema, {{s("b"), d(1)},
                                {s("ab"), d(-1)},
                                {null_str(), d(0)},
                                {s("a"), d(std::nan(""))},
                                {s(""), d(-0.0)},
                                {Value::string(std::string_view("a\0b", 3)), Value::null(DataType::float64())},
                                {s("\xc3\xa9"), d(-INFINITY)}});
  auto order = [&](std::vector<SortKey> keys) {
    SortKeyEncoder enc(keys, *schema);
    enc.encode(b);
    std::vector<size_t> rows(b.num_rows());
    for (size_t r = 0; r < rows.size(); ++r) rows[r] = r;
    std::stable_sort(rows.begin(), rows.end(), [&](size_t x, size_t y) { return enc.key(x) < enc.key(y); });
    return rows;
  };
  // Strings: NULLS FIRST, byte order ("" < "a" < "ab" < "b" < "é").
  EXPECT_EQ(order({ascending(0)}), (std::vector<size_t>{2, 4, 3, 5, 1, 0, 6}));
  EXPECT_EQ(order({descending(0)}), (std::vector<size_t>{6, 0, 1, 5, 3, 4, 2}));
  // Doubles: -Inf < -1 < -0.0 == 0 < 1 < NaN; NULLS LAST when descending.
  EXPECT_EQ(order({ascending(1)}), (std::vector<size_t>{5, 6, 1, 2, 4, 0, 3}));
  EXPECT_EQ(order({descending(1)}), (std::vector<size_t>{3, 0, 2, 4, 1, 6, 5}));
}

TEST(Sorter, ExternalSortMatchesInMemorySort) {
  auto schema = schema_of({Field("k", DataType::int64()), Field("v", DataType::string())});
  std::mt19937_64 rng(7);
  std::vector<Batch> batches;
  std::vector<std::pair<int64_t, std::string>> expected;
  for (int bi = 0; bi < 20; ++bi) {
    Batch b = Batch::empty(schema);
    for (int r = 0; r < 1000; ++r) {
      const int64_t k = static_cast<int64_t>(rng() % 500) - 250;
      const std::string v = "v" + std::to_string(bi * 1000 + r);
      b.column(0)->append<int64_t>(k);
      b.column(1)->append_string(v);
      expected.emplace_back(k, v);
    }
    b.sync_num_rows();
    batches.push_back(std::move(b));
  }
  std::stable_sort(expected.begin(), expected.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (bool force : {false, true}) {
    MemoryBudget budget(uint64_t{1} << 30);
    budget.set_force_spill(force);
    Sorter sorter(schema, {ascending(0)}, budget, 777);
    for (size_t bi = 0; bi < batches.size(); ++bi) sorter.add(batches[bi], bi);
    std::vector<std::pair<int64_t, std::string>> got;
    sorter.finish([&](Batch&& out) {
      EXPECT_LE(out.num_rows(), 777u);
      for (size_t r = 0; r < out.num_rows(); ++r)
        got.emplace_back(out.column(0)->data<int64_t>()[r], std::string(out.column(1)->strings()[r]));
    });
    EXPECT_EQ(got, expected) << "force_spill=" << force;
    if (force) {
      EXPECT_GT(sorter.num_spilled_runs(), 0u);
    }
    EXPECT_EQ(budget.used(), 0u);
  }
}

}  // namespace bullion::exec
