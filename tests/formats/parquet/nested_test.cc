// Nested columns: struct/list/map round trips, and reading the shapes and
// types other writers produce (LogicalTypes.md backward-compatibility rules,
// legacy converted types, INT96, records split across pages).
#include <gtest/gtest.h>

#include "bullion/core/error.h"
#include "bullion/formats/parquet/reader.h"
#include "bullion/formats/parquet/writer.h"
#include "formats/parquet/physical.h"
#include "raw_file.h"
#include "support/temp_dir.h"
#include "test_data.h"

namespace bullion::parquet {
namespace {

using namespace testing;

Batch read_all(const std::string& path, ScanOptions opts = {}) { return read_parquet(FileSystem::local(), path, opts); }

Value list_of(const DataType& t, std::vector<Value> items) { return Value::nested(t, std::move(items)); }

TEST(Nested, ShapesRoundTripThroughPagesAndBatches) {
  bullion::testing::TempDir dir;
  const DataType li = DataType::list(DataType::int64());
  const DataType ls = DataType::list(DataType::string(), false);
  const DataType st =
      DataType::struct_({Field("a", DataType::int32()), Field("b", DataType::list(DataType::string()))});
  const DataType mp = DataType::map(DataType::string(), DataType::float64());
  const DataType ll = DataType::list(DataType::list(DataType::int32()));
  const DataType inner = DataType::struct_({Field("x", DataType::decimal(20, 2)), Field("m", mp)});
  const DataType lst = DataType::list(inner);
  const std::vector<Field> fields = {Field("li", li),
                                     Field("ls", ls),
                                     Field("st", st),
                                     Field("mp", mp),
                                     Field("ll", ll),
                                     Field("lst", lst),
                                     Field("req", DataType::list(DataType::int32()), false)};
  std::vector<std::vector<Value>> rows;
  std::mt19937_64 rng(1);
  for (int i = 0; i < 3000; ++i) {
    auto maybe_null = [&](const DataType& t, Value v) { return rng() % 6 == 0 ? Value::null(t) : v; };
    std::vector<Value> li_items;
    for (uint64_t k = 0; k < rng() % 4; ++k) {
      li_items.push_back(rng() % 5 == 0 ? Value::null(DataType::int64())
                                        : Value::int64(static_cast<int64_t>(rng() % 100)));
    }
    std::vector<Value> ls_items;
    for (uint64_t k = 0; k < rng() % 3; ++k) ls_items.push_back(Value::string("w" + std::to_string(rng() % 50)));
    std::vector<Value> b_items;
    for (uint64_t k = 0; k < rng() % 3; ++k) b_items.push_back(maybe_null(DataType::string(), Value::string("b")));
    const Value st_v = Value::nested(st, {maybe_null(DataType::int32(), Value::int32(i)),
                                          maybe_null(st.child(1).type, list_of(st.child(1).type, b_items))});
    std::vector<Value> mp_items;
    for (uint64_t k = 0; k < rng() % 3; ++k) {
      mp_items.push_back(Value::string("k" + std::to_string(k)));
      mp_items.push_back(maybe_null(DataType::float64(), Value::float64(static_cast<double>(rng() % 1000) / 4)));
    }
    std::vector<Value> ll_items;
    for (uint64_t k = 0; k < rng() % 3; ++k) {
      std::vector<Value> in;
      for (uint64_t j = 0; j < rng() % 3; ++j)
        in.push_back(maybe_null(DataType::int32(), Value::int32(static_cast<int32_t>(j))));
      ll_items.push_back(maybe_null(ll.child(0).type, list_of(ll.child(0).type, in)));
    }
    std::vector<Value> lst_items;
    for (uint64_t k = 0; k < rng() % 3; ++k) {
      std::vector<Value> m;
      if (rng() % 2) {
        m.push_back(Value::string("z"));
        m.push_back(Value::float64(1.5));
      }
      lst_items.push_back(
          maybe_null(inner, Value::nested(inner, {Value::decimal(static_cast<int128>(rng() % 100000) - 50000, 20, 2),
                                                  maybe_null(mp, list_of(mp, m))})));
    }
    std::vector<Value> req_items = {Value::int32(i)};
    rows.push_back({maybe_null(li, list_of(li, li_items)), maybe_null(ls, list_of(ls, ls_items)), maybe_null(st, st_v),
                    maybe_null(mp, list_of(mp, mp_items)), maybe_null(ll, list_of(ll, ll_items)),
                    maybe_null(lst, list_of(lst, lst_items)), list_of(fields[6].type, req_items)});
  }
  const Batch data = make_batch(fields, rows);
  for (int version : {1, 2}) {
    for (bool dictionary : {true, false}) {
      WriteOptions opts;
      opts.data_page_version = version;
      opts.dictionary = dictionary;
      opts.page_rows = 333;
      opts.row_group_rows = 1200;
      const std::string path = dir.file("nested" + std::to_string(version) + (dictionary ? "d" : "p") + ".parquet");
      write_parquet(FileSystem::local(), path, data, opts);
      ScanOptions so;
      so.batch_rows = 77;
      const Batch got = read_all(path, so);
      EXPECT_EQ(*got.schema(), *data.schema());
      expect_same_rows(data, got);
      so.columns = {"lst", "li"};
      expect_same_rows(data.project({5, 0}), read_all(path, so));
    }
  }
}

TEST(Nested, WriterRejectsNullMapKeysAndNullRequiredElements) {
  bullion::testing::TempDir dir;
  const DataType mp = DataType::map(DataType::string(), DataType::int32());
  const Batch bad_key =
      make_batch({Field("m", mp)}, {{list_of(mp, {Value::null(DataType::string()), Value::int32(1)})}});
  EXPECT_THROW(write_parquet(FileSystem::local(), dir.file("k.parquet"), bad_key), Error);
  const DataType l = DataType::list(DataType::int32(), false);
  const Batch bad_el = make_batch({Field("l", l)}, {{list_of(l, {Value::null(DataType::int32())})}});
  EXPECT_THROW(write_parquet(FileSystem::local(), dir.file("e.parquet"), bad_el), Error);
}

// --- legacy shapes, written byte by byte -----------------------------------

struct Legacy : ::testing::Test {
  bullion::testing::TempDir dir;
  std::string write(const std::vector<SchemaElement>& schema, const std::vector<RawLeaf>& leaves, int64_t rows) {
    const std::string path = dir.file("legacy" + std::to_string(counter++) + ".parquet");
    write_file(path, build_raw_file(schema, leaves, rows));
    return path;
  }
  int counter = 0;
};

TEST_F(Legacy, TwoLevelListOfRepeatedPrimitive) {
  // optional group my_list (LIST) { repeated int32 element; } -> ARRAY<INT NOT NULL>
  RawLeaf leaf;
  leaf.path = {"my_list", "element"};
  leaf.type = PhysicalType::kInt32;
  leaf.max_def = 2;
  leaf.max_rep = 1;
  leaf.pages.push_back({{2, 2, 1, 0, 2}, {0, 1, 0, 0, 0}, 5, Encoding::kPlain, plain<int32_t>({1, 2, 3})});
  const std::string path =
      write({group("schema", 1, std::nullopt), group("my_list", 1, Repetition::kOptional, ConvertedType::kList),
             primitive("element", PhysicalType::kInt32, Repetition::kRepeated)},
            {leaf}, 4);
  const Batch got = read_all(path);
  const DataType t = DataType::list(DataType::int32(), false);
  EXPECT_EQ(got.schema()->field(0).type, t);
  expect_same_rows(make_batch({Field("my_list", t)}, {{list_of(t, {Value::int32(1), Value::int32(2)})},
                                                      {list_of(t, {})},
                                                      {Value::null(t)},
                                                      {list_of(t, {Value::int32(3)})}}),
                   got);
}

TEST_F(Legacy, ArrayAndTupleGroupsAreTheElement) {
  // optional group a (LIST) { repeated group array { required binary str (UTF8); } }
  // optional group t (LIST) { repeated group t_tuple { required int64 x; } }
  RawLeaf a;
  a.path = {"a", "array", "str"};
  a.type = PhysicalType::kByteArray;
  a.max_def = 2;
  a.max_rep = 1;
  a.pages.push_back({{2, 2, 0}, {0, 1, 0}, 3, Encoding::kPlain, plain_strings({"x", "y"})});
  RawLeaf t;
  t.path = {"t", "t_tuple", "x"};
  t.type = PhysicalType::kInt64;
  t.max_def = 2;
  t.max_rep = 1;
  t.pages.push_back({{1, 2, 2}, {0, 0, 1}, 3, Encoding::kPlain, plain<int64_t>({7, 8})});
  const std::string path =
      write({group("schema", 2, std::nullopt), group("a", 1, Repetition::kOptional, ConvertedType::kList),
             group("array", 1, Repetition::kRepeated),
             primitive("str", PhysicalType::kByteArray, Repetition::kRequired, ConvertedType::kUtf8),
             group("t", 1, Repetition::kOptional, ConvertedType::kList), group("t_tuple", 1, Repetition::kRepeated),
             primitive("x", PhysicalType::kInt64, Repetition::kRequired)},
            {a, t}, 2);
  const Batch got = read_all(path);
  const DataType as = DataType::struct_({Field("str", DataType::string(), false)});
  const DataType ts = DataType::struct_({Field("x", DataType::int64(), false)});
  const DataType at = DataType::list(as, false), tt = DataType::list(ts, false);
  EXPECT_EQ(got.schema()->field(0).type, at);
  EXPECT_EQ(got.schema()->field(1).type, tt);
  expect_same_rows(
      make_batch({Field("a", at), Field("t", tt)},
                 {{list_of(at, {Value::nested(as, {Value::string("x")}), Value::nested(as, {Value::string("y")})}),
                   list_of(tt, {})},
                  {Value::null(at),
                   list_of(tt, {Value::nested(ts, {Value::int64(7)}), Value::nested(ts, {Value::int64(8)})})}}),
      got);
}

TEST_F(Legacy, RepeatedFieldsOutsideAListAreRequiredLists) {
  // repeated int32 nums;  repeated group pts { required int32 x; optional int32 y; }
  RawLeaf nums;
  nums.path = {"nums"};
  nums.type = PhysicalType::kInt32;
  nums.max_def = 1;
  nums.max_rep = 1;
  nums.pages.push_back({{1, 1, 0, 1}, {0, 1, 0, 0}, 4, Encoding::kPlain, plain<int32_t>({1, 2, 3})});
  RawLeaf x, y;
  x.path = {"pts", "x"};
  x.max_def = 1;
  x.max_rep = 1;
  x.pages.push_back({{1, 0, 1}, {0, 0, 0}, 3, Encoding::kPlain, plain<int32_t>({10, 20})});
  y.path = {"pts", "y"};
  y.max_def = 2;
  y.max_rep = 1;
  y.pages.push_back({{2, 0, 1}, {0, 0, 0}, 3, Encoding::kPlain, plain<int32_t>({11})});
  const std::string path =
      write({group("schema", 2, std::nullopt), primitive("nums", PhysicalType::kInt32, Repetition::kRepeated),
             group("pts", 2, Repetition::kRepeated), primitive("x", PhysicalType::kInt32, Repetition::kRequired),
             primitive("y", PhysicalType::kInt32, Repetition::kOptional)},
            {nums, x, y}, 3);
  const Batch got = read_all(path);
  const DataType nt = DataType::list(DataType::int32(), false);
  const DataType pt = DataType::struct_({Field("x", DataType::int32(), false), Field("y", DataType::int32())});
  const DataType plt = DataType::list(pt, false);
  EXPECT_FALSE(got.schema()->field(0).nullable);
  expect_same_rows(
      make_batch({Field("nums", nt, false), Field("pts", plt, false)},
                 {{list_of(nt, {Value::int32(1), Value::int32(2)}),
                   list_of(plt, {Value::nested(pt, {Value::int32(10), Value::int32(11)})})},
                  {list_of(nt, {}), list_of(plt, {})},
                  {list_of(nt, {Value::int32(3)}),
                   list_of(plt, {Value::nested(pt, {Value::int32(20), Value::null(DataType::int32())})})}}),
      got);
}

TEST_F(Legacy, MapKeyValueAnnotationOnTheOuterGroup) {
  RawLeaf k, v;
  k.path = {"m", "map", "key"};
  k.type = PhysicalType::kByteArray;
  k.max_def = 2;
  k.max_rep = 1;
  k.pages.push_back({{2, 2, 0, 1}, {0, 1, 0, 0}, 4, Encoding::kPlain, plain_strings({"a", "b"})});
  v.path = {"m", "map", "value"};
  v.max_def = 3;
  v.max_rep = 1;
  v.pages.push_back({{3, 2, 0, 1}, {0, 1, 0, 0}, 4, Encoding::kPlain, plain<int32_t>({5})});
  const std::string path =
      write({group("schema", 1, std::nullopt), group("m", 1, Repetition::kOptional, ConvertedType::kMapKeyValue),
             group("map", 2, Repetition::kRepeated),
             primitive("key", PhysicalType::kByteArray, Repetition::kRequired, ConvertedType::kUtf8),
             primitive("value", PhysicalType::kInt32, Repetition::kOptional)},
            {k, v}, 3);
  const Batch got = read_all(path);
  const DataType mt = DataType::map(DataType::string(), DataType::int32());
  expect_same_rows(make_batch({Field("m", mt)}, {{list_of(mt, {Value::string("a"), Value::int32(5), Value::string("b"),
                                                               Value::null(DataType::int32())})},
                                                 {Value::null(mt)},
                                                 {list_of(mt, {})}}),
                   got);
}

TEST_F(Legacy, RecordsSplitAcrossV1PagesAndDictionaryFoundByHeader) {
  // A list column whose second page continues the first page's last record,
  // dictionary-encoded, with no dictionary_page_offset in the metadata.
  RawLeaf leaf;
  leaf.path = {"l", "list", "element"};
  leaf.type = PhysicalType::kInt64;
  leaf.max_def = 3;
  leaf.max_rep = 1;
  leaf.has_dictionary = true;
  leaf.omit_dictionary_offset = true;
  leaf.dictionary = plain<int64_t>({100, 200, 300});
  leaf.dictionary_count = 3;
  auto dict_indices = [](std::vector<uint32_t> idx) {
    std::string s(1, '\x02');
    rle_encode(idx.data(), idx.size(), 2, &s);
    return s;
  };
  // Rows: [100, 200, 300], [200], [] ; page 1 holds 100, 200; page 2 continues with 300.
  leaf.pages.push_back({{3, 3}, {0, 1}, 2, Encoding::kRleDictionary, dict_indices({0, 1})});
  leaf.pages.push_back({{3, 3, 1}, {1, 0, 0}, 3, Encoding::kPlainDictionary, dict_indices({2, 1})});
  const std::string path = write(
      {group("schema", 1, std::nullopt), group("l", 1, Repetition::kOptional, ConvertedType::kList),
       group("list", 1, Repetition::kRepeated), primitive("element", PhysicalType::kInt64, Repetition::kOptional)},
      {leaf}, 3);
  const DataType t = DataType::list(DataType::int64());
  const Batch expected =
      make_batch({Field("l", t)}, {{list_of(t, {Value::int64(100), Value::int64(200), Value::int64(300)})},
                                   {list_of(t, {Value::int64(200)})},
                                   {list_of(t, {})}});
  for (size_t batch_rows : {1, 2, 10}) {
    ScanOptions so;
    so.batch_rows = batch_rows;
    expect_same_rows(expected, read_all(path, so));
  }
}

TEST_F(Legacy, V2PagesWithUncompressedValues) {
  RawLeaf leaf;
  leaf.path = {"x"};
  leaf.max_def = 1;
  leaf.codec = Codec::kZstd;
  leaf.pages.push_back({{1, 0, 1}, {}, 3, Encoding::kPlain, plain<int32_t>({4, 5}), true, false});
  leaf.pages.push_back({{1, 1}, {}, 2, Encoding::kPlain, plain<int32_t>({6, 7}), true, true});
  const std::string path =
      write({group("schema", 1, std::nullopt), primitive("x", PhysicalType::kInt32, Repetition::kOptional)}, {leaf}, 5);
  expect_same_rows(make_batch({Field("x", DataType::int32())}, {{Value::int32(4)},
                                                                {Value::null(DataType::int32())},
                                                                {Value::int32(5)},
                                                                {Value::int32(6)},
                                                                {Value::int32(7)}}),
                   read_all(path));
}

SchemaElement annotated(const std::string& name, PhysicalType t, std::optional<ConvertedType> ct,
                        std::optional<LogicalType> lt = std::nullopt, int32_t type_length = 0) {
  SchemaElement e = primitive(name, t, Repetition::kOptional, ct);
  e.logical_type = lt;
  if (type_length) e.type_length = type_length;
  return e;
}

LogicalType logical(LogicalType::Kind k) {
  LogicalType lt;
  lt.kind = k;
  return lt;
}

TEST_F(Legacy, ConvertedAndLogicalTypes) {
  std::vector<SchemaElement> schema = {group("schema", 0, std::nullopt)};
  std::vector<RawLeaf> leaves;
  std::vector<Field> fields;
  std::vector<Value> expected;
  auto add = [&](SchemaElement e, std::string values, Value v, int32_t precision = 0, int32_t scale = 0) {
    if (precision) {
      e.precision = precision;
      e.scale = scale;
    }
    RawLeaf leaf;
    leaf.path = {e.name};
    leaf.type = *e.type;
    leaf.max_def = 1;
    leaf.pages.push_back({{1}, {}, 1, Encoding::kPlain, std::move(values)});
    fields.emplace_back(e.name, v.type());
    expected.push_back(std::move(v));
    schema.push_back(std::move(e));
    leaves.push_back(std::move(leaf));
  };
  // 2021-01-02T03:04:05.678901234Z as INT96: nanos of day, Julian day.
  const int64_t day = 18629;  // 2021-01-02
  const int64_t nanos = ((3 * 3600 + 4 * 60 + 5) * 1000000000LL) + 678901234;
  std::string int96(12, '\0');
  std::memcpy(int96.data(), &nanos, 8);
  const int32_t julian = static_cast<int32_t>(day + kJulianEpochDay);
  std::memcpy(int96.data() + 8, &julian, 4);
  const int64_t micros = day * kMicrosPerDay + nanos / 1000;
  add(annotated("int96", PhysicalType::kInt96, std::nullopt), int96, Value::timestamp(micros));
  add(annotated("utf8", PhysicalType::kByteArray, ConvertedType::kUtf8), plain_strings({"héllo"}),
      Value::string("héllo"));
  add(annotated("enum", PhysicalType::kByteArray, ConvertedType::kEnum), plain_strings({"SPADES"}),
      Value::string("SPADES"));
  add(annotated("json", PhysicalType::kByteArray, std::nullopt, logical(LogicalType::Kind::kJson)),
      plain_strings({"{}"}), Value::string("{}"));
  add(annotated("bytes", PhysicalType::kByteArray, std::nullopt), plain_strings({"\x01\x02"}),
      Value::binary("\x01\x02"));
  add(annotated("ms", PhysicalType::kInt64, ConvertedType::kTimestampMillis), plain<int64_t>({-1500}),
      Value::timestamp(-1500000));
  add(annotated("us", PhysicalType::kInt64, ConvertedType::kTimestampMicros), plain<int64_t>({123}),
      Value::timestamp(123));
  LogicalType ns = logical(LogicalType::Kind::kTimestamp);
  ns.unit = TimeUnit::kNanos;
  ns.adjusted_to_utc = false;
  add(annotated("ns_local", PhysicalType::kInt64, std::nullopt, ns), plain<int64_t>({-1001}), Value::timestamp_ntz(-2));
  LogicalType ms_utc = logical(LogicalType::Kind::kTimestamp);
  ms_utc.unit = TimeUnit::kMillis;
  ms_utc.adjusted_to_utc = true;
  add(annotated("ms_utc", PhysicalType::kInt64, std::nullopt, ms_utc), plain<int64_t>({7}), Value::timestamp(7000));
  add(annotated("date", PhysicalType::kInt32, ConvertedType::kDate), plain<int32_t>({-3}), Value::date(-3));
  add(annotated("i8", PhysicalType::kInt32, ConvertedType::kInt8), plain<int32_t>({-100}), Value::int8(-100));
  add(annotated("i16", PhysicalType::kInt32, ConvertedType::kInt16), plain<int32_t>({-30000}), Value::int16(-30000));
  add(annotated("u8", PhysicalType::kInt32, ConvertedType::kUint8), plain<int32_t>({250}), Value::int16(250));
  add(annotated("u16", PhysicalType::kInt32, ConvertedType::kUint16), plain<int32_t>({65535}), Value::int32(65535));
  add(annotated("u32", PhysicalType::kInt32, ConvertedType::kUint32), plain<int32_t>({-1}), Value::int64(4294967295LL));
  add(annotated("u64", PhysicalType::kInt64, ConvertedType::kUint64), plain<int64_t>({-1}),
      Value::decimal(static_cast<int128>(UINT64_MAX), 20, 0));
  LogicalType u8l = logical(LogicalType::Kind::kInteger);
  u8l.bit_width = 8;
  u8l.is_signed = false;
  add(annotated("u8_logical", PhysicalType::kInt32, std::nullopt, u8l), plain<int32_t>({200}), Value::int16(200));
  add(annotated("dec32", PhysicalType::kInt32, ConvertedType::kDecimal), plain<int32_t>({-12345}),
      Value::decimal(-12345, 7, 2), 7, 2);
  add(annotated("dec64", PhysicalType::kInt64, ConvertedType::kDecimal), plain<int64_t>({987654321012LL}),
      Value::decimal(987654321012LL, 15, 3), 15, 3);
  add(annotated("dec_flba", PhysicalType::kFixedLenByteArray, ConvertedType::kDecimal, std::nullopt, 5),
      std::string("\xff\xff\xff\xfe\x0c", 5), Value::decimal(-500, 10, 1), 10, 1);
  add(annotated("dec_bytes", PhysicalType::kByteArray, ConvertedType::kDecimal),
      plain_strings({std::string("\x01\x00", 2)}), Value::decimal(256, 5, 0), 5, 0);
  add(annotated("half", PhysicalType::kFixedLenByteArray, std::nullopt, logical(LogicalType::Kind::kFloat16), 2),
      std::string("\x00\x3e", 2), Value::float32(1.5f));
  add(annotated("uuid", PhysicalType::kFixedLenByteArray, std::nullopt, logical(LogicalType::Kind::kUuid), 4),
      std::string("\xde\xad\xbe\xef", 4), Value::binary("\xde\xad\xbe\xef"));
  SchemaElement unknown =
      annotated("nothing", PhysicalType::kInt32, std::nullopt, logical(LogicalType::Kind::kUnknown));
  RawLeaf nl;
  nl.path = {"nothing"};
  nl.max_def = 1;
  nl.pages.push_back({{0}, {}, 1, Encoding::kPlain, ""});
  schema.push_back(unknown);
  leaves.push_back(nl);
  fields.emplace_back("nothing", DataType::null());
  expected.push_back(Value::null(DataType::null()));

  schema[0].num_children = static_cast<int32_t>(schema.size() - 1);
  const std::string path = write(schema, leaves, 1);
  const Batch got = read_all(path);
  for (size_t i = 0; i < fields.size(); ++i) EXPECT_EQ(got.schema()->field(i).type, fields[i].type) << fields[i].name;
  expect_same_rows(make_batch(fields, {expected}), got);
}

TEST_F(Legacy, TimeColumnsAreUnsupportedByName) {
  RawLeaf leaf;
  leaf.path = {"t"};
  leaf.max_def = 1;
  leaf.pages.push_back({{1}, {}, 1, Encoding::kPlain, plain<int32_t>({5})});
  const std::string path = write(
      {group("schema", 1, std::nullopt), annotated("t", PhysicalType::kInt32, ConvertedType::kTimeMillis)}, {leaf}, 1);
  try {
    ParquetFile::open(FileSystem::local(), path);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.category(), ErrorCategory::kUnsupported);
    EXPECT_NE(e.message().find("'t'"), std::string::npos) << e.message();
    EXPECT_NE(e.message().find("TIME_MILLIS"), std::string::npos) << e.message();
  }
}

}  // namespace
}  // namespace bullion::parquet
