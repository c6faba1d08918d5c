// Dataset building: conversions, NULLs, the contract's row order, errors.
#include "bullion/ml/dataset.h"

#include <gtest/gtest.h>

#include <cmath>

#include "bullion/core/error.h"
#include "ml/ml_fixtures.h"

namespace bullion::ml {
namespace {

using testing::BatchBuilder;

DatasetColumns columns(std::vector<std::string> features) {
  DatasetColumns c;
  c.features = std::move(features);
  return c;
}

// Runs `f`, expecting a kInvalidInput error whose message contains `text`
// (and whose hint contains `hint`, when given).
template <class F>
void expect_invalid(F&& f, const std::string& text, const std::string& hint = {}) {
  try {
    f();
    ADD_FAILURE() << "no error; expected one containing: " << text;
  } catch (const Error& e) {
    EXPECT_EQ(e.category(), ErrorCategory::kInvalidInput) << e.what();
    EXPECT_NE(e.message().find(text), std::string::npos) << e.message();
    if (!hint.empty()) {
      EXPECT_NE(e.hint().find(hint), std::string::npos) << e.hint();
    }
  }
}

Batch typed_batch() {
  BatchBuilder b;
  b.column("customer_id", DataType::string())
      .column("feature_date", DataType::date())
      .column("i8", DataType::int8())
      .column("i64", DataType::int64())
      .column("f32", DataType::float32())
      .column("dec", DataType::decimal(10, 2))
      .column("churned", DataType::boolean());
  b.row({Value::string("B"), Value::date(100), Value::int8(-3), Value::int64(16777217), Value::float32(0.25f),
         Value::decimal(1234, 10, 2), Value::boolean(true)});
  b.row({Value::string("A"), Value::date(100), Value::null(DataType::int8()), Value::int64(7),
         Value::float32(std::nanf("")), Value::null(DataType::decimal(10, 2)), Value::boolean(false)});
  return b.build();
}

TEST(Dataset, ConvertsNumbersToFloatAndNullToNaN) {
  const Batch batch = typed_batch();
  const Dataset d = build_dataset(batch, columns({"i8", "i64", "f32", "dec"}));
  ASSERT_EQ(d.num_rows(), 2u);
  ASSERT_EQ(d.num_features(), 4u);
  // Sorted by (date, entity): A first.
  EXPECT_EQ(d.entities, (std::vector<std::string>{"A", "B"}));
  EXPECT_EQ(d.feature_dates, (std::vector<int32_t>{100, 100}));
  EXPECT_EQ(d.labels, (std::vector<uint8_t>{0, 1}));
  EXPECT_TRUE(d.labelled);
  EXPECT_TRUE(std::isnan(d.row(0)[0]));
  EXPECT_EQ(d.row(0)[1], 7.0f);
  EXPECT_TRUE(std::isnan(d.row(0)[2]));
  EXPECT_TRUE(std::isnan(d.row(0)[3]));
  EXPECT_EQ(d.row(1)[0], -3.0f);
  EXPECT_EQ(d.row(1)[1], 16777216.0f);  // 2^24 + 1 rounds to the nearest float
  EXPECT_EQ(d.row(1)[2], 0.25f);
  EXPECT_EQ(d.row(1)[3], 12.34f);
  EXPECT_EQ(d.feature_types[0], DataType::int8());
  EXPECT_EQ(d.feature_types[3], DataType::decimal(10, 2));
  EXPECT_EQ(xgboost_feature_type(d.feature_types[1]), "int");
  EXPECT_EQ(xgboost_feature_type(d.feature_types[2]), "float");
  EXPECT_EQ(xgboost_feature_type(d.feature_types[3]), "float");
  EXPECT_EQ(d.num_positive(), 1u);
}

TEST(Dataset, RowOrderIsTheContractsAndIndependentOfBatchOrder) {
  const Batch all = testing::churn_batch(30, 4);
  // The same rows, cut into three batches given in reverse order.
  const std::vector<Batch> pieces = {all.slice(80, 40), all.slice(35, 45), all.slice(0, 35)};
  const Dataset a = build_dataset(std::span(&all, 1), columns(testing::kChurnFeatures));
  const Dataset b = build_dataset(pieces, columns(testing::kChurnFeatures));
  ASSERT_EQ(a.num_rows(), 120u);
  for (size_t r = 1; r < a.num_rows(); ++r) {
    const bool ordered = a.feature_dates[r - 1] < a.feature_dates[r] ||
                         (a.feature_dates[r - 1] == a.feature_dates[r] && a.entities[r - 1] < a.entities[r]);
    ASSERT_TRUE(ordered) << "row " << r;
  }
  EXPECT_EQ(a.entities, b.entities);
  EXPECT_EQ(a.feature_dates, b.feature_dates);
  EXPECT_EQ(a.labels, b.labels);
  ASSERT_EQ(a.features.size(), b.features.size());
  EXPECT_EQ(0, std::memcmp(a.features.data(), b.features.data(), a.features.size() * sizeof(float)));
}

TEST(Dataset, DuplicateKeysAreOrderedByContent) {
  auto batch = [](int first_label) {
    BatchBuilder b;
    b.column("customer_id", DataType::string()).column("feature_date", DataType::date());
    b.column("x", DataType::float64()).column("churned", DataType::int64());
    b.row({Value::string("A"), Value::date(5), Value::float64(2.0), Value::int64(first_label)});
    b.row({Value::string("A"), Value::date(5), Value::float64(1.0), Value::int64(1 - first_label)});
    return b.build();
  };
  const Batch one = batch(0), two = batch(1);
  const Dataset a = build_dataset(std::span(&one, 1), columns({"x"}));
  const Dataset b = build_dataset(std::span(&two, 1), columns({"x"}));
  EXPECT_EQ(a.labels, (std::vector<uint8_t>{0, 1}));
  EXPECT_EQ(a.features, (std::vector<float>{2.0f, 1.0f}));
  EXPECT_EQ(b.labels, (std::vector<uint8_t>{0, 1}));
  EXPECT_EQ(b.features, (std::vector<float>{1.0f, 2.0f}));
}

TEST(Dataset, IntegerEntityAndUnlabelledScoringRows) {
  BatchBuilder b;
  b.column("customer_id", DataType::int64()).column("feature_date", DataType::date()).column("x", DataType::int32());
  b.row({Value::int64(42), Value::date(3), Value::int32(1)});
  b.row({Value::int64(7), Value::date(3), Value::int32(2)});
  const Batch batch = b.build();
  DatasetColumns c = columns({"x"});
  c.label = "";
  const Dataset d = build_dataset(std::span(&batch, 1), c);
  EXPECT_FALSE(d.labelled);
  EXPECT_TRUE(d.labels.empty());
  EXPECT_EQ(d.entities, (std::vector<std::string>{"42", "7"}));  // byte order of the text
  EXPECT_EQ(d.features, (std::vector<float>{1.0f, 2.0f}));
}

TEST(Dataset, WidensFeatureTypesAcrossBatches) {
  auto batch = [](DataType t, Value v) {
    BatchBuilder b;
    b.column("customer_id", DataType::string()).column("feature_date", DataType::date()).column("x", t);
    b.row({Value::string("A"), Value::date(1), std::move(v)});
    return b.build();
  };
  DatasetColumns c = columns({"x"});
  c.label = "";
  const std::vector<Batch> ints = {batch(DataType::int32(), Value::int32(1)),
                                   batch(DataType::int64(), Value::int64(2))};
  EXPECT_EQ(build_dataset(ints, c).feature_types[0], DataType::int64());
  const std::vector<Batch> mixed = {batch(DataType::int32(), Value::int32(1)),
                                    batch(DataType::float32(), Value::float32(2))};
  EXPECT_EQ(build_dataset(mixed, c).feature_types[0], DataType::float64());
}

TEST(Dataset, SubsetKeepsRowsInTheGivenOrder) {
  const Batch batch = typed_batch();
  const Dataset d = build_dataset(std::span(&batch, 1), columns({"i64"}));
  const uint32_t rows[] = {1, 1, 0};
  const Dataset s = d.subset(rows);
  EXPECT_EQ(s.entities, (std::vector<std::string>{"B", "B", "A"}));
  EXPECT_EQ(s.features, (std::vector<float>{16777216.0f, 16777216.0f, 7.0f}));
  EXPECT_EQ(s.labels, (std::vector<uint8_t>{1, 1, 0}));
  EXPECT_EQ(s.feature_names, d.feature_names);
}

TEST(Dataset, MissingFeatureColumnSuggestsTheClosestName) {
  const Batch batch = testing::churn_batch(2, 1);
  expect_invalid([&] { build_dataset(std::span(&batch, 1), columns({"total_event"})); },
                 "feature column 'total_event' is not in the training data", "did you mean 'total_events'?");
  expect_invalid([&] { build_dataset(std::span(&batch, 1), columns({"Days_Since_Last_Events"})); },
                 "'Days_Since_Last_Events'", "did you mean 'days_since_last_event'?");
  // Nothing close: no suggestion, the columns are listed.
  expect_invalid([&] { build_dataset(std::span(&batch, 1), columns({"zzz"})); }, "'customer_id', 'feature_date'",
                 "check the column names");
  DatasetColumns c = columns({"noise"});
  c.label = "churn";
  expect_invalid([&] { build_dataset(std::span(&batch, 1), c); }, "label column 'churn'", "did you mean 'churned'?");
}

TEST(Dataset, RefusesNonNumericFeatures) {
  BatchBuilder b;
  b.column("customer_id", DataType::string()).column("feature_date", DataType::date());
  b.column("country", DataType::string()).column("active", DataType::boolean()).column("churned", DataType::int32());
  b.row({Value::string("A"), Value::date(1), Value::string("FR"), Value::boolean(true), Value::int32(0)});
  const Batch batch = b.build();
  expect_invalid([&] { build_dataset(std::span(&batch, 1), columns({"country"})); },
                 "feature column 'country' is STRING, not a number");
  expect_invalid([&] { build_dataset(std::span(&batch, 1), columns({"active"})); },
                 "feature column 'active' is BOOLEAN, not a number");
  expect_invalid([&] { build_dataset(std::span(&batch, 1), columns({"feature_date"})); },
                 "the key column 'feature_date' is listed as a feature");
}

TEST(Dataset, RefusesBadLabelsNamingTheRow) {
  auto batch = [](Value label) {
    BatchBuilder b;
    b.column("customer_id", DataType::string()).column("feature_date", DataType::date());
    b.column("x", DataType::float64()).column("churned", label.type());
    b.row({Value::string("C9"), Value::date(20148), Value::float64(1), std::move(label)});
    return b.build();
  };
  const Batch two = batch(Value::int32(2));
  expect_invalid([&] { build_dataset(std::span(&two, 1), columns({"x"})); },
                 "label column 'churned' has the value 2 at row 0 of batch 0, customer_id C9, feature_date 2025-03-01");
  const Batch null = batch(Value::null(DataType::int32()));
  expect_invalid([&] { build_dataset(std::span(&null, 1), columns({"x"})); }, "label column 'churned' is NULL");
  const Batch half = batch(Value::float64(0.5));
  expect_invalid([&] { build_dataset(std::span(&half, 1), columns({"x"})); }, "has the value 0.5");
  const Batch one = batch(Value::float64(1.0));
  EXPECT_EQ(build_dataset(std::span(&one, 1), columns({"x"})).labels, std::vector<uint8_t>{1});
  const Batch text = batch(Value::string("yes"));
  expect_invalid([&] { build_dataset(std::span(&text, 1), columns({"x"})); }, "label column 'churned' is STRING");
}

TEST(Dataset, RefusesInfiniteAndOutOfRangeValues) {
  auto batch = [](double x) {
    BatchBuilder b;
    b.column("customer_id", DataType::string()).column("feature_date", DataType::date());
    b.column("x", DataType::float64()).column("churned", DataType::int32());
    b.row({Value::string("A"), Value::date(1), Value::float64(x), Value::int32(0)});
    return b.build();
  };
  const Batch inf = batch(INFINITY), huge = batch(1e300), nan = batch(NAN);
  expect_invalid([&] { build_dataset(std::span(&inf, 1), columns({"x"})); }, "feature column 'x' has the value inf");
  expect_invalid([&] { build_dataset(std::span(&huge, 1), columns({"x"})); }, "beyond float32's range");
  EXPECT_TRUE(std::isnan(build_dataset(std::span(&nan, 1), columns({"x"})).features[0]));
}

TEST(Dataset, RefusesBadColumnLists) {
  const Batch batch = testing::churn_batch(2, 1);
  expect_invalid([&] { build_dataset(std::span(&batch, 1), columns({})); }, "no feature columns");
  expect_invalid(
      [&] {
        build_dataset(std::span(&batch, 1), columns({"noise", "noise"}));
      },
      "feature column 'noise' is listed twice");
  expect_invalid([&] { build_dataset(std::span(&batch, 1), columns({"churned"})); },
                 "the label column 'churned' is also listed as a feature");
  DatasetColumns c = columns({"noise"});
  c.feature_date = "total_events";
  expect_invalid([&] { build_dataset(std::span(&batch, 1), c); },
                 "feature date column 'total_events' is BIGINT; expected DATE");
  c = columns({"noise"});
  c.entity = "engagement_score";
  expect_invalid([&] { build_dataset(std::span(&batch, 1), c); }, "entity column 'engagement_score' is DOUBLE");
}

TEST(Dataset, NoBatchesGiveAnEmptyDataset) {
  const Dataset d = build_dataset(std::span<const Batch>(), columns({"x", "y"}));
  EXPECT_EQ(d.num_rows(), 0u);
  EXPECT_EQ(d.num_features(), 2u);
  EXPECT_EQ(d.feature_types.size(), 2u);
}

TEST(FeatureTypes, MapToXGBoostAndMLflowNames) {
  EXPECT_EQ(xgboost_feature_type(DataType::int64()), "int");
  EXPECT_EQ(xgboost_feature_type(DataType::float64()), "float");
  EXPECT_EQ(mlflow_column_type(DataType::int32()), "integer");
  EXPECT_EQ(mlflow_column_type(DataType::int64()), "long");
  EXPECT_EQ(mlflow_column_type(DataType::float32()), "float");
  EXPECT_EQ(mlflow_column_type(DataType::float64()), "double");
  EXPECT_EQ(mlflow_column_type(DataType::decimal(10, 2)), "double");
}

}  // namespace
}  // namespace bullion::ml
