// Test data for the ml module: small batches built row by row, and a
// deterministic churn-like data set whose label depends on its features.
#pragma once

#include <cmath>
#include <initializer_list>
#include <string>
#include <vector>

#include "bullion/columnar/batch.h"
#include "bullion/columnar/value.h"
#include "bullion/ml/split.h"

namespace bullion::ml::testing {

class BatchBuilder {
 public:
  BatchBuilder& column(std::string name, DataType type) {
    fields_.emplace_back(std::move(name), type);
    columns_.push_back(Column::make(type));
    return *this;
  }
  BatchBuilder& row(std::initializer_list<Value> values) {
    size_t i = 0;
    for (const Value& v : values) columns_.at(i++)->append_value(v);
    ++rows_;
    return *this;
  }
  Batch build() const { return Batch(std::make_shared<Schema>(fields_), columns_, rows_); }

 private:
  std::vector<Field> fields_;
  std::vector<ColumnPtr> columns_;
  size_t rows_ = 0;
};

// MLflow's column type for a feature's source type (a model signature's
// inputs), so that mlflow.pyfunc accepts the same columns read back with
// pandas (it refuses int64 → double).
inline std::string mlflow_column_type(const DataType& t) {
  switch (t.id()) {
    case TypeId::kInt8:
    case TypeId::kInt16:
    case TypeId::kInt32:
      return "integer";
    case TypeId::kInt64:
      return "long";
    case TypeId::kFloat:
      return "float";
    default:
      return "double";
  }
}

inline const std::vector<std::string> kChurnFeatures = {"total_events", "days_since_last_event", "engagement_score",
                                                        "noise"};

// `customers` entities C0000.. over `dates` feature dates a week apart, from
// 2025-03-01 (day 20148). churned depends on recency and engagement with
// some noise; engagement_score is NULL for every 13th row. Rows come out
// grouped by customer (not in the contract's order).
inline Batch churn_batch(int customers, int dates, uint64_t seed = 1) {
  SplitMix64 rng(seed);
  auto uniform = [&] { return static_cast<double>(rng.next() >> 11) * 0x1.0p-53; };
  BatchBuilder b;
  b.column("customer_id", DataType::string())
      .column("feature_date", DataType::date())
      .column("total_events", DataType::int64())
      .column("days_since_last_event", DataType::int32())
      .column("engagement_score", DataType::float64())
      .column("noise", DataType::float64())
      .column("churned", DataType::int32());
  int row = 0;
  for (int c = 0; c < customers; ++c) {
    char id[16];
    std::snprintf(id, sizeof id, "C%04d", c);
    const double propensity = uniform();
    for (int d = 0; d < dates; ++d, ++row) {
      const int64_t events = static_cast<int64_t>(5 + 200 * (1 - propensity) * uniform());
      const int32_t recency = static_cast<int32_t>(60 * propensity * uniform() + 3 * propensity * d);
      const double engagement = events / (30.0 + 10 * d);
      const double risk = 0.8 * propensity + 0.01 * recency - 0.3 * engagement + 0.35 * uniform();
      b.row({Value::string(id), Value::date(20148 + 7 * d), Value::int64(events), Value::int32(recency),
             row % 13 == 0 ? Value::null(DataType::float64()) : Value::float64(engagement), Value::float64(uniform()),
             Value::int32(risk > 0.75 ? 1 : 0)});
    }
  }
  return b.build();
}

}  // namespace bullion::ml::testing
