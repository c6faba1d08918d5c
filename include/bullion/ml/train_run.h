// bullion/ml/train_run.h — a pipeline spec's `train:` section run against the
// lakehouse, tracked in MLflow's model, and its reproduction by time travel.
// What `bullion train`, `bullion reproduce` and the demo call.
//
//   tracking::TrackingStore store(lakehouse);
//   TrainRun run = train_run(spec, lakehouse, store, {}, exec);
//   // run.run_id, run.training.metrics, run.registered->version ...
//   Reproduction again = reproduce_run(lakehouse, store, run.run_id, exec);
//   again.comparison.identical()
//
// train_run():
//  1. resolves the features and labels tables (latest, or the versions
//     asked for) and their upstream lineage: the `bullion.lineage` of the
//     newest bullion commit at or before each version read, followed
//     transitively (Gold → Silver → Bronze);
//  2. opens an MLflow run in the spec's experiment and logs, before reading
//     any data, every input version and the split (training_run.h names them);
//  3. reads Gold ⋈ labels on (entity, feature_date) with the exec engine and
//     trains (ml/training.h): sorted rows, seeded split, XGBoost hist;
//  4. logs the model params, row counts, the contract's metrics, the plots,
//     the test predictions and the spec, then the model as an MLflow model
//     (signature from the Gold column types) and, last, registers it under
//     `register_as`. The run ends FINISHED.
// On any error after the run opened, the run is tagged `bullion.failure` with
// the message and ends FAILED; registration is the last step, so a failed run
// never leaves a registered version behind. Errors (bullion::Error): a spec
// without `train:` or naming a missing table/column, an empty join, a single
// class, a vacuumed version (kNotFound, naming the table, version and the
// first missing file) — each with the fix in the hint.
//
// reproduce_run() reads the run's logged params back (never the spec, which
// may have changed), time-travels the features and labels to the logged
// versions, rebuilds the dataset, retrains with the logged params, seed and
// thread count, and compares model bytes and every test prediction with the
// logged model. A version whose log was cleaned up or whose data files were
// vacuumed (by bullion or another engine) is kNotFound naming what is gone.
//
// Thread-safety: each call is independent; the store is thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bullion/exec/plan.h"
#include "bullion/ml/training.h"
#include "bullion/pipeline/spec.h"
#include "bullion/tracking/entities.h"
#include "bullion/tracking/store.h"

namespace bullion::ml {

// One Delta table version a run read.
struct TableVersion {
  std::string name;  // as the spec or the lineage names it
  std::string path;  // the table directory
  int64_t version = -1;
};

struct TrainRunOptions {
  std::optional<int64_t> features_version;    // default: the latest
  std::optional<int64_t> labels_version;      // default: the latest
  int nthread = 0;                            // XGBoost threads; 0 = the machine's hardware threads
  std::string run_name;                       // "" = a generated MLflow-style name
  bool register_model = true;                 // register under the spec's register_as (when set)
  std::string source_name = "bullion train";  // mlflow.source.name
};

struct TrainRun {
  std::string experiment_id;
  std::string run_id;
  std::string run_name;
  TableVersion features;
  TableVersion labels;
  std::vector<TableVersion> upstream;  // lineage, nearest first
  tracking::LoggedModel model;
  std::string model_dir;  // local path of the logged MLflow model directory
  std::optional<tracking::ModelVersion> registered;
  TrainingResult training;
};

TrainRun train_run(const pipeline::PipelineSpec& spec, const std::string& lakehouse, tracking::TrackingStore& store,
                   const TrainRunOptions& options, exec::ExecContext& ctx);

struct Reproduction {
  std::string run_id;
  TableVersion features;
  TableVersion labels;
  std::vector<std::string> upstream_notes;  // lineage versions no longer readable (informational)
  ModelComparison comparison;               // logged model vs. retrained, on the test rows
  TrainingResult training;                  // the retrained model and its evaluation
};

Reproduction reproduce_run(const std::string& lakehouse, tracking::TrackingStore& store, const std::string& run_id,
                           exec::ExecContext& ctx);

}  // namespace bullion::ml
