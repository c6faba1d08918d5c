// bullion/ml/dataset.h — model rows as a dense float matrix.
//
// A Dataset is what training, evaluation and scoring read: one row per
// (entity, feature_date) of Gold joined with its label, the feature columns as
// a row-major float32 matrix (XGBoost's input), the label as 0/1, and the
// entity key and feature date of every row (the split and the predictions
// file need them).
//
// build_dataset() converts columnar batches:
//   feature columns   TINYINT..BIGINT, FLOAT, DOUBLE, DECIMAL → float32
//                     (rounded to the nearest float: integers beyond 2^24 and
//                     doubles lose precision, as in any float32 model input);
//                     NULL and NaN → NaN, which XGBoost treats as missing.
//                     ±infinity, or a value beyond float32's range, is an
//                     error (XGBoost's histograms cannot bin it).
//                     BOOLEAN, strings, dates, timestamps and nested types
//                     are refused: cast them in the spec.
//   label column      BOOLEAN, an integer type, FLOAT or DOUBLE holding 0 or 1;
//                     NULL or any other value is an error naming the row.
//   entity column     STRING, or an integer type (kept as its decimal text);
//                     NULL is an error.
//   feature_date      DATE; NULL is an error.
// The rows are then sorted by (feature_date, entity) — the semantics
// contract's order before a split — so a dataset does not depend on the order
// of its batches (Delta scans, thread counts). Rows with equal
// (feature_date, entity), which a correct Gold ⋈ labels join never produces,
// are ordered by label and then by the bits of their feature values, so the
// order is total and the dataset still canonical.
//
// Errors (bullion::Error, kInvalidInput unless said otherwise): a feature
// column that is missing (the message names it and suggests the closest
// column name), non-numeric, listed twice, or equal to the label, entity or
// date column; a label, entity or date column that is missing or of the
// wrong type; a bad value (the message names the column, entity and date).
// A dataset with no rows is valid here (scoring an empty partition);
// split_dataset() and training refuse it.
//
// Memory: num_rows × num_features floats plus the entity strings; the
// batches are not referenced after the call. Thread-safety: a Dataset is a
// value; concurrent reads are safe.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "bullion/columnar/batch.h"
#include "bullion/columnar/type.h"

namespace bullion::ml {

// The columns of Gold ⋈ labels a dataset is built from.
struct DatasetColumns {
  std::vector<std::string> features;  // in the model's feature order
  std::string label = "churned";      // "" builds an unlabelled dataset (scoring)
  std::string entity = "customer_id";
  std::string feature_date = "feature_date";
};

struct Dataset {
  std::vector<std::string> feature_names;
  // The source column type of each feature (after widening across batches:
  // two integer types → the wider one, anything else mixed → DOUBLE). Tells
  // XGBoost "int" or "float" (xgboost_feature_type) and a model signature
  // which type to expect.
  std::vector<DataType> feature_types;
  // Row-major: feature f of row r is features[r * num_features() + f]; NaN = missing.
  std::vector<float> features;
  bool labelled = false;
  std::vector<uint8_t> labels;  // 0 or 1 per row when labelled, else empty
  std::vector<std::string> entities;
  std::vector<int32_t> feature_dates;  // days since 1970-01-01

  size_t num_rows() const { return entities.size(); }
  size_t num_features() const { return feature_names.size(); }
  const float* row(size_t r) const { return features.data() + r * num_features(); }
  size_t num_positive() const;
  // The rows at `rows` (indices into this dataset), in that order.
  Dataset subset(std::span<const uint32_t> rows) const;
};

// Reads `columns` from every batch (the batches may differ in column order,
// not in names) and returns the rows sorted as described above.
Dataset build_dataset(std::span<const Batch> batches, const DatasetColumns& columns);
inline Dataset build_dataset(const Batch& batch, const DatasetColumns& columns) {
  return build_dataset(std::span<const Batch>(&batch, 1), columns);
}

// XGBoost's feature_type for a column type: "int" for integer types, "float"
// otherwise. Metadata only: every feature is a float32 in the matrix.
std::string_view xgboost_feature_type(const DataType& type);
// MLflow's signature column type for a feature's source type: "integer"
// (up to INT), "long" (BIGINT), "float", "double" (anything else: the matrix
// converts it).
std::string_view mlflow_column_type(const DataType& type);

}  // namespace bullion::ml
