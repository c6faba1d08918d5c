// Statistics: what the writer puts in the footer (exact extremes, byte-wise
// string order, NaN and signed zeros, truncation, column orders) and what the
// reader trusts (never deprecated byte-array min/max, nothing for INT96,
// nothing under an unknown column order, NaN-aware maxima).
#include "formats/parquet/statistics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "bullion/formats/parquet/reader.h"
#include "bullion/formats/parquet/writer.h"
#include "formats/parquet/metadata.h"
#include "raw_file.h"
#include "support/temp_dir.h"
#include "test_data.h"

namespace bullion::parquet {
namespace {

using namespace testing;

FileMetaData footer_of(const std::string& path) {
  const std::string bytes = FileSystem::local().read_all(path);
  uint32_t len;
  std::memcpy(&len, bytes.data() + bytes.size() - 8, 4);
  return decode_file_metadata(reinterpret_cast<const uint8_t*>(bytes.data()) + bytes.size() - 8 - len, len, "footer");
}

template <class T>
T decode_le(const std::string& s) {
  T v;
  EXPECT_EQ(s.size(), sizeof(T));
  std::memcpy(&v, s.data(), sizeof(T));
  return v;
}

struct Stats : ::testing::Test {
  bullion::testing::TempDir dir;
  std::string write(const Batch& b, WriteOptions opts = {}) {
    const std::string path = dir.file("s" + std::to_string(counter++) + ".parquet");
    write_parquet(FileSystem::local(), path, b, opts);
    return path;
  }
  int counter = 0;
};

TEST_F(Stats, StringsCompareAsUnsignedBytes) {
  std::vector<std::vector<Value>> rows;
  for (const char* s : {"zz", "a", "\xff",
                        "\x80"
                        "abc",
                        "\xc3\xa9", "A"})
    rows.push_back({Value::string(s)});
  rows.push_back({Value::null(DataType::string())});
  const std::string path = write(make_batch({Field("s", DataType::string())}, rows));
  const FileMetaData m = footer_of(path);
  const Statistics& st = *m.row_groups[0].columns[0].meta_data->statistics;
  EXPECT_EQ(st.min_value, "A");
  EXPECT_EQ(st.max_value, "\xff");
  EXPECT_FALSE(st.min.has_value());  // never the deprecated fields
  EXPECT_FALSE(st.max.has_value());
  EXPECT_EQ(st.null_count, 1);
  EXPECT_EQ(st.is_max_value_exact, true);
  EXPECT_EQ(m.column_orders, std::vector<ColumnOrder>{ColumnOrder::kTypeDefined});
  auto file = ParquetFile::open(FileSystem::local(), path);
  const ColumnStats cs = file->row_group_stats(0, 0);
  EXPECT_EQ(*cs.min, Value::string("A"));
  EXPECT_EQ(*cs.max, Value::string("\xff"));
  EXPECT_EQ(cs.null_count, 1);
  EXPECT_EQ(cs.num_values, 7);
}

TEST_F(Stats, EveryTypeHasExactExtremesPerRowGroupAndFile) {
  const Batch data = random_batch(all_flat_fields(), 5000, 77, 1000);
  WriteOptions opts;
  opts.row_group_rows = 1700;
  const std::string path = dir.file("all.parquet");
  const WrittenFile info = write_parquet(FileSystem::local(), path, data, opts);
  auto file = ParquetFile::open(FileSystem::local(), path);
  const FileMetaData m = footer_of(path);
  EXPECT_EQ(m.column_orders.size(), data.num_columns());
  size_t row0 = 0;
  for (size_t g = 0; g < file->num_row_groups(); ++g) {
    const size_t n = static_cast<size_t>(file->row_group(g).num_rows);
    for (size_t c = 0; c < data.num_columns(); ++c) {
      std::optional<Value> lo, hi;
      int64_t nulls = 0;
      for (size_t r = row0; r < row0 + n; ++r) {
        const Value v = data.column(c)->value(r);
        if (v.is_null()) {
          ++nulls;
          continue;
        }
        if (!lo || compare_values(v, *lo) < 0) lo = v;
        if (!hi || compare_values(v, *hi) > 0) hi = v;
      }
      const ColumnStats s = file->row_group_stats(g, c);
      const std::string& name = data.schema()->field(c).name;
      ASSERT_TRUE(s.min && s.max) << name;
      EXPECT_EQ(compare_values(*s.min, *lo), 0) << name << " row group " << g;
      EXPECT_EQ(compare_values(*s.max, *hi), 0) << name << " row group " << g;
      EXPECT_EQ(s.null_count, nulls) << name;
      const Statistics& st = *m.row_groups[g].columns[c].meta_data->statistics;
      EXPECT_FALSE(st.min || st.max) << name;
    }
    row0 += n;
  }
  for (size_t c = 0; c < data.num_columns(); ++c) {
    std::optional<Value> lo, hi;
    for (size_t r = 0; r < data.num_rows(); ++r) {
      const Value v = data.column(c)->value(r);
      if (v.is_null()) continue;
      if (!lo || compare_values(v, *lo) < 0) lo = v;
      if (!hi || compare_values(v, *hi) > 0) hi = v;
    }
    const ColumnStats& fs = info.columns[c].stats;
    EXPECT_EQ(*fs.min, *lo) << data.schema()->field(c).name;
    EXPECT_EQ(*fs.max, *hi) << data.schema()->field(c).name;
    EXPECT_EQ(fs.num_values, 5000);
  }
}

TEST_F(Stats, FloatingPointNaNAndSignedZeros) {
  const double nan = std::nan("");
  const Batch data =
      make_batch({Field("d", DataType::float64()), Field("zeros", DataType::float64()),
                  Field("all_nan", DataType::float32()), Field("neg", DataType::float32())},
                 {{Value::float64(nan), Value::float64(0.0), Value::float32(std::nanf("")), Value::float32(-0.0f)},
                  {Value::float64(1.0), Value::float64(-0.0), Value::float32(std::nanf("")), Value::float32(-2.5f)},
                  {Value::float64(-3.0), Value::float64(0.0), Value::null(DataType::float32()), Value::float32(-1.0f)},
                  {Value::float64(nan), Value::float64(-0.0), Value::float32(std::nanf("")), Value::float32(-0.0f)}});
  const std::string path = write(data);
  const FileMetaData m = footer_of(path);
  const Statistics& d = *m.row_groups[0].columns[0].meta_data->statistics;
  EXPECT_EQ(decode_le<double>(*d.min_value), -3.0);
  EXPECT_EQ(decode_le<double>(*d.max_value), 1.0);
  EXPECT_EQ(d.nan_count, 2);
  const Statistics& z = *m.row_groups[0].columns[1].meta_data->statistics;
  EXPECT_TRUE(std::signbit(decode_le<double>(*z.min_value)));   // -0.0
  EXPECT_FALSE(std::signbit(decode_le<double>(*z.max_value)));  // +0.0
  const Statistics& a = *m.row_groups[0].columns[2].meta_data->statistics;
  EXPECT_FALSE(a.min_value || a.max_value);
  EXPECT_EQ(a.nan_count, 3);
  EXPECT_EQ(a.null_count, 1);
  const Statistics& neg = *m.row_groups[0].columns[3].meta_data->statistics;
  EXPECT_EQ(decode_le<float>(*neg.min_value), -2.5f);
  EXPECT_FALSE(std::signbit(decode_le<float>(*neg.max_value)));  // max -0.0 is written +0.0

  // Reading: NaNs may be present, so the usable maximum is NaN (sorts last).
  auto file = ParquetFile::open(FileSystem::local(), path);
  const ColumnStats ds = file->row_group_stats(0, 0);
  EXPECT_EQ(*ds.min, Value::float64(-3.0));
  EXPECT_TRUE(std::isnan(ds.max->as_double()));
  EXPECT_EQ(file->prune({{"d", CompareOp::kGt, {Value::float64(100.0)}}}).size(), 1u);
  const ColumnStats ns = file->row_group_stats(0, 3);
  EXPECT_EQ(*ns.max, Value::float32(0.0f));  // nan_count == 0: the real maximum
  EXPECT_TRUE(file->prune({{"neg", CompareOp::kGt, {Value::float32(1.0f)}}}).empty());
  // The file summary: NaN is the maximum where present.
  const WrittenFile info = write_parquet(FileSystem::local(), dir.file("again.parquet"), data);
  EXPECT_TRUE(std::isnan(info.columns[0].stats.max->as_double()));
  EXPECT_EQ(*info.columns[0].stats.min, Value::float64(-3.0));
  EXPECT_TRUE(std::isnan(info.columns[2].stats.min->as_double()));
}

TEST_F(Stats, LongValuesAreTruncatedSafely) {
  const std::string long_a(100, 'a');
  std::string e_acute;
  for (int i = 0; i < 50; ++i) e_acute += "\xc3\xa9";
  const std::string ff(100, '\xff');
  const std::string ab_ff = "ab" + std::string(70, '\xff');
  const Batch data =
      make_batch({Field("s", DataType::string()), Field("u", DataType::string()), Field("ff", DataType::binary()),
                  Field("abff", DataType::binary())},
                 {{Value::string(long_a), Value::string(e_acute), Value::binary(ff), Value::binary(ab_ff)}});
  const std::string path = write(data);
  const FileMetaData m = footer_of(path);
  const Statistics& s = *m.row_groups[0].columns[0].meta_data->statistics;
  EXPECT_EQ(*s.min_value, std::string(64, 'a'));
  EXPECT_EQ(*s.max_value, std::string(63, 'a') + "b");
  EXPECT_EQ(s.is_min_value_exact, false);
  EXPECT_EQ(s.is_max_value_exact, false);
  const Statistics& u = *m.row_groups[0].columns[1].meta_data->statistics;
  EXPECT_EQ(u.min_value->size(), 64u);  // 32 whole characters
  std::string expect_max;
  for (int i = 0; i < 31; ++i) expect_max += "\xc3\xa9";
  expect_max += "\xc3\xaa";  // é + 1 = ê
  EXPECT_EQ(*u.max_value, expect_max);
  const Statistics& f = *m.row_groups[0].columns[2].meta_data->statistics;
  EXPECT_EQ(*f.min_value, std::string(64, '\xff'));
  EXPECT_FALSE(f.max_value.has_value());  // no 64-byte upper bound exists
  const Statistics& abff = *m.row_groups[0].columns[3].meta_data->statistics;
  EXPECT_EQ(*abff.max_value, "ac");
  // Bounds stay bounds.
  EXPECT_LE(*s.min_value, long_a);
  EXPECT_GT(*s.max_value, long_a);
  EXPECT_GT(*u.max_value, e_acute);
  EXPECT_GT(*abff.max_value, ab_ff);
  // Truncation disabled.
  WriteOptions opts;
  opts.statistics_truncate_bytes = 0;
  const FileMetaData m2 = footer_of(write(data, opts));
  EXPECT_EQ(*m2.row_groups[0].columns[0].meta_data->statistics->max_value, long_a);
}

TEST(Truncation, CodePointAndByteIncrements) {
  EXPECT_EQ(truncate_min_stat("abcdef", 3, true), "abc");
  EXPECT_EQ(truncate_max_stat("abcdef", 3, true), "abd");
  EXPECT_EQ(truncate_max_stat("ab", 3, true), "ab");
  // U+10FFFF cannot be incremented: the previous character is.
  EXPECT_EQ(truncate_max_stat("a\xf4\x8f\xbf\xbfzz", 5, true), "b");
  // U+D7FF + 1 skips the surrogates to U+E000.
  EXPECT_EQ(truncate_max_stat("\xed\x9f\xbfxyz", 3, true), "\xee\x80\x80");
  // U+007F -> U+0080 needs two bytes; with a one-byte budget the bound is dropped.
  EXPECT_EQ(truncate_max_stat("\x7f\x7f", 1, true), std::nullopt);
  // A cut in the middle of a character moves back to its start.
  EXPECT_EQ(truncate_min_stat("a\xc3\xa9", 2, true), "a");
  // Invalid UTF-8 falls back to bytes.
  EXPECT_EQ(truncate_max_stat("\xc3\xc3\xc3", 2, true), "\xc3\xc4");
  EXPECT_EQ(truncate_max_stat("a\xff\xff\xff", 3, false), "b");
  EXPECT_EQ(truncate_max_stat("\xff\xff\xff", 2, false), std::nullopt);
}

// Reader trust rules, on files written byte by byte.
struct StatsTrust : Stats {
  std::string one_column(SchemaElement e, const std::string& values, Statistics st,
                         std::vector<ColumnOrder> orders = {ColumnOrder::kTypeDefined}) {
    RawLeaf leaf;
    leaf.path = {e.name};
    leaf.type = *e.type;
    leaf.max_def = 1;
    leaf.pages.push_back({{1}, {}, 1, Encoding::kPlain, values});
    leaf.statistics = st;
    const std::string path = dir.file("t" + std::to_string(counter++) + ".parquet");
    write_file(path, build_raw_file({group("schema", 1, std::nullopt), e}, {leaf}, 1, orders));
    return path;
  }
  ColumnStats stats(const std::string& path) {
    return ParquetFile::open(FileSystem::local(), path)->row_group_stats(0, 0);
  }
};

TEST_F(StatsTrust, DeprecatedByteArrayMinMaxAreIgnored) {
  Statistics st;
  st.min = "a";
  st.max = "z";
  st.null_count = 0;
  const ColumnStats s =
      stats(one_column(primitive("s", PhysicalType::kByteArray, Repetition::kOptional, ConvertedType::kUtf8),
                       plain_strings({"q"}), st, {}));
  EXPECT_FALSE(s.min.has_value());
  EXPECT_FALSE(s.max.has_value());
  EXPECT_EQ(s.null_count, 0);
}

TEST_F(StatsTrust, DeprecatedIntegerMinMaxAreUsed) {
  Statistics st;
  st.min = plain<int32_t>({-4});
  st.max = plain<int32_t>({9});
  const ColumnStats s =
      stats(one_column(primitive("i", PhysicalType::kInt32, Repetition::kOptional), plain<int32_t>({1}), st, {}));
  EXPECT_EQ(*s.min, Value::int32(-4));
  EXPECT_EQ(*s.max, Value::int32(9));
  // ... but not for unsigned types, whose order is not the signed one.
  const ColumnStats u =
      stats(one_column(primitive("u", PhysicalType::kInt32, Repetition::kOptional, ConvertedType::kUint32),
                       plain<int32_t>({1}), st, {}));
  EXPECT_FALSE(u.min.has_value());
  // min_value/max_value of an unsigned column are read as unsigned.
  Statistics sv;
  sv.min_value = plain<int32_t>({1});
  sv.max_value = plain<int32_t>({-1});
  const ColumnStats uv = stats(one_column(
      primitive("u", PhysicalType::kInt32, Repetition::kOptional, ConvertedType::kUint32), plain<int32_t>({1}), sv));
  EXPECT_EQ(*uv.max, Value::int64(4294967295LL));
}

TEST_F(StatsTrust, NoStatisticsForInt96OrUnknownOrders) {
  Statistics st;
  st.min_value = std::string(12, '\0');
  st.max_value = std::string(12, '\x01');
  st.null_count = 0;
  const ColumnStats s =
      stats(one_column(primitive("t", PhysicalType::kInt96, Repetition::kOptional), std::string(12, '\0'), st));
  EXPECT_FALSE(s.min || s.max);
  EXPECT_EQ(s.null_count, 0);
  Statistics iv;
  iv.min_value = plain<int64_t>({1});
  iv.max_value = plain<int64_t>({2});
  const ColumnStats o = stats(one_column(primitive("i", PhysicalType::kInt64, Repetition::kOptional),
                                         plain<int64_t>({1}), iv, {ColumnOrder::kUnknown}));
  EXPECT_FALSE(o.min || o.max);
  // Legacy files without column_orders: min_value/max_value follow the type's order.
  const ColumnStats legacy =
      stats(one_column(primitive("i", PhysicalType::kInt64, Repetition::kOptional), plain<int64_t>({1}), iv, {}));
  EXPECT_EQ(*legacy.max, Value::int64(2));
}

TEST_F(StatsTrust, TimestampStatisticsConvertUnits) {
  SchemaElement e = primitive("t", PhysicalType::kInt64, Repetition::kOptional, ConvertedType::kTimestampMillis);
  Statistics st;
  st.min_value = plain<int64_t>({-5});
  st.max_value = plain<int64_t>({10});
  const ColumnStats s = stats(one_column(e, plain<int64_t>({1}), st));
  EXPECT_EQ(*s.min, Value::timestamp(-5000));
  EXPECT_EQ(*s.max, Value::timestamp(10000));
}

}  // namespace
}  // namespace bullion::parquet
