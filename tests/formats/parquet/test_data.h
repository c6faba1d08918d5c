// Shared helpers for the Parquet tests: batches from values, random data of
// every type, exact batch comparison.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "bullion/columnar/batch.h"
#include "bullion/columnar/value.h"

namespace bullion::parquet::testing {

inline Batch make_batch(const std::vector<Field>& fields, const std::vector<std::vector<Value>>& rows) {
  auto schema = std::make_shared<Schema>(fields);
  Batch b = Batch::empty(schema);
  for (const auto& row : rows) {
    for (size_t c = 0; c < fields.size(); ++c) b.column(c)->append_value(row[c]);
  }
  b.sync_num_rows();
  return b;
}

// Every row of `actual` equals `expected` (values compared exactly; NaN == NaN).
inline void expect_same_rows(const Batch& expected, const Batch& actual) {
  ASSERT_EQ(actual.num_rows(), expected.num_rows());
  ASSERT_EQ(actual.num_columns(), expected.num_columns());
  for (size_t c = 0; c < expected.num_columns(); ++c) {
    ASSERT_EQ(actual.schema()->field(c).type, expected.schema()->field(c).type) << "column " << c;
    for (size_t r = 0; r < expected.num_rows(); ++r) {
      const Value e = expected.column(c)->value(r);
      const Value a = actual.column(c)->value(r);
      if (!(e == a)) {
        ADD_FAILURE() << "column " << expected.schema()->field(c).name << " row " << r << ": expected " << e.to_string()
                      << ", got " << a.to_string();
        return;
      }
    }
  }
}

inline std::vector<Field> all_flat_fields() {
  return {Field("b", DataType::boolean()),           Field("i8", DataType::int8()),
          Field("i16", DataType::int16()),           Field("i32", DataType::int32()),
          Field("i64", DataType::int64()),           Field("f32", DataType::float32()),
          Field("f64", DataType::float64()),         Field("s", DataType::string()),
          Field("bin", DataType::binary()),          Field("date", DataType::date()),
          Field("ts", DataType::timestamp()),        Field("ntz", DataType::timestamp_ntz()),
          Field("dec9", DataType::decimal(9, 2)),    Field("dec18", DataType::decimal(18, 4)),
          Field("dec38", DataType::decimal(38, 10)), Field("req", DataType::int64(), false),
          Field("req_s", DataType::string(), false)};
}

// A random value of type t; `card` bounds the number of distinct values so
// dictionary encoding is exercised.
inline Value random_value(const DataType& t, std::mt19937_64& rng, uint64_t card, bool nullable) {
  if (nullable && rng() % 7 == 0) return Value::null(t);
  const uint64_t k = card ? rng() % card : rng();
  const int64_t sk = static_cast<int64_t>(k - card / 2);
  // Wrapping multiplication (full-range values when card == 0).
  auto mul = [sk](uint64_t m) { return static_cast<int64_t>(static_cast<uint64_t>(sk) * m); };
  switch (t.id()) {
    case TypeId::kBoolean:
      return Value::boolean(k & 1);
    case TypeId::kInt8:
      return Value::int8(static_cast<int8_t>(sk));
    case TypeId::kInt16:
      return Value::int16(static_cast<int16_t>(mul(37)));
    case TypeId::kInt32:
      return Value::int32(static_cast<int32_t>(mul(100003)));
    case TypeId::kInt64:
      return Value::int64(mul(1000000007ULL));
    case TypeId::kFloat:
      return Value::float32(static_cast<float>(sk) / 8.0f);
    case TypeId::kDouble:
      return Value::float64(static_cast<double>(sk) / 3.0);
    case TypeId::kString:
      return Value::string("s" + std::to_string(k) + (k % 3 ? "\xc3\xa9" : ""));
    case TypeId::kBinary:
      return Value::binary(std::string(1 + k % 5, static_cast<char>(0x80 + k % 100)));
    case TypeId::kDate:
      return Value::date(static_cast<int32_t>(sk));
    case TypeId::kTimestamp:
      return Value::timestamp(mul(1000003));
    case TypeId::kTimestampNtz:
      return Value::timestamp_ntz(mul(999983));
    case TypeId::kDecimal: {
      // Within the precision: |v| < 10^p.
      int128 limit = 1;
      for (int i = 0; i < std::min(t.precision(), 18); ++i) limit *= 10;
      int128 v = static_cast<int128>(sk) % limit;
      if (t.precision() > 18) {
        int128 rest = 1;
        for (int i = 18; i < t.precision(); ++i) rest *= 10;
        v = v * rest + static_cast<int128>(k % 1000);
      }
      return Value::decimal(v, t.precision(), t.scale());
    }
    default:
      return Value::null(t);
  }
}

inline Batch random_batch(const std::vector<Field>& fields, size_t n, uint64_t seed, uint64_t card) {
  std::mt19937_64 rng(seed);
  std::vector<std::vector<Value>> rows(n);
  for (auto& row : rows) {
    for (const Field& f : fields) row.push_back(random_value(f.type, rng, card, f.nullable));
  }
  return make_batch(fields, rows);
}

}  // namespace bullion::parquet::testing
