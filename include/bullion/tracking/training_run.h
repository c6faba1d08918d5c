// bullion/tracking/training_run.h — the params and tags a `bullion train` run
// logs, by name: what `bullion reproduce`, `bullion score` and the server's
// online scoring read back to find a model's inputs.
//
// Params (immutable, visible in MLflow as run params):
//   the model params            n_estimators, learning_rate, max_depth, ...,
//                               objective, tree_method, base_score, nthread, seed
//   delta_feature_version       the features table's version read (contract name)
//   feature_columns             JSON array of the model's features, in order
//   training_rows / test_rows   row counts of the split
//   features_table, labels_table      table names as the spec gives them
//   delta_labels_version
//   delta_version.<table>       every upstream table in the lineage (Silver, Bronze)
//   entity_column, feature_date_column, label_column
//   split_by, test_size, split_seed, test_dates
//   spec_hash
// Tags: bullion.spec_file, bullion.xgboost_version, mlflow.runName, mlflow.source.name.
// Artifacts: pipeline.yaml (the spec text), the MLflow model (logged model
// "model"), plots/*.svg, test_predictions.csv.
#pragma once

namespace bullion::tracking::training_run {

inline constexpr const char* kFeatureVersion = "delta_feature_version";
inline constexpr const char* kLabelsVersion = "delta_labels_version";
inline constexpr const char* kUpstreamVersionPrefix = "delta_version.";
inline constexpr const char* kFeatureColumns = "feature_columns";
inline constexpr const char* kTrainingRows = "training_rows";
inline constexpr const char* kTestRows = "test_rows";
inline constexpr const char* kFeaturesTable = "features_table";
inline constexpr const char* kLabelsTable = "labels_table";
inline constexpr const char* kEntityColumn = "entity_column";
inline constexpr const char* kFeatureDateColumn = "feature_date_column";
inline constexpr const char* kLabelColumn = "label_column";
inline constexpr const char* kSplitBy = "split_by";
inline constexpr const char* kTestSize = "test_size";
inline constexpr const char* kSplitSeed = "split_seed";
inline constexpr const char* kTestDates = "test_dates";
inline constexpr const char* kSpecHash = "spec_hash";

inline constexpr const char* kSpecFileTag = "bullion.spec_file";
inline constexpr const char* kXgboostVersionTag = "bullion.xgboost_version";

// Artifact and logged-model names.
inline constexpr const char* kSpecArtifact = "pipeline.yaml";
inline constexpr const char* kModelName = "model";
inline constexpr const char* kPlotsDir = "plots";
inline constexpr const char* kTestPredictionsArtifact = "test_predictions.csv";

}  // namespace bullion::tracking::training_run
