// bullion/ml/gbm.h — gradient-boosted trees through XGBoost's C API.
//
// The model of DESIGN's "Model training and tracking": a binary classifier
// (objective binary:logistic, tree_method hist, booster gbtree) trained with
// Debian's libxgboost (1.7.x). Every C API call's return code is checked; a
// failure throws bullion::Error with XGBGetLastError()'s message (timestamp
// and stack trace removed). XGBoost handles are owned by RAII wrappers and
// freed on every path, including exceptions.
//
// Parameters. The spec's params are scikit-learn's names (the seed trained
// GradientBoostingClassifier) and map as DESIGN says:
//   n_estimators  → boosting rounds          (default 100, sklearn's)
//   learning_rate → eta                      (default 0.1, sklearn's)
//   max_depth     → max_depth                (default 3, sklearn's)
// Other XGBoost tree parameters pass through under their XGBoost name or
// their XGBClassifier alias (see resolve_gbm_params); each value is checked
// here, because XGBoost 1.7 accepts unknown names silently and leaves the
// booster unusable after rejecting a malformed value. An unknown name is an
// error suggesting the closest known one. bullion sets and reports
//   objective=binary:logistic, tree_method=hist,
//   nthread    the thread count (bullion's --threads unless the spec pins
//              nthread/n_jobs),
//   base_score 0.5 (XGBoost 1.7's value; 2.x estimates it from the labels,
//              so it is written explicitly for any reader),
//   seed       the split's seed unless the spec gives seed/random_state
//              (it matters only with subsampling),
// so that the logged params alone reproduce the model.
//
// Reproducibility: training twice on the same dataset with the same params
// gives byte-identical model JSON and identical predictions — for the same
// nthread and the same XGBoost library. Histogram sums are accumulated per
// thread, so another nthread (or another XGBoost release) may give a
// slightly different, equally valid model (on the churn features nthread 1
// and 2 happened to give the same bytes; XGBoost does not promise it): log
// and reuse nthread to reproduce a run exactly.
//
// OpenMP. libxgboost runs on libgomp, whose idle threads spin by default
// (up to 300,000 iterations after every parallel region) before sleeping; on
// a shared machine that burns cores other work needs (README "Training and
// metrics" has the measurements). libgomp reads OMP_WAIT_POLICY once, when it
// is loaded, so bullion loads libxgboost itself on first use (dlopen) and,
// during static initialization, sets OMP_WAIT_POLICY=passive unless the
// environment already chose a policy: XGBoost's threads then sleep as soon
// as they are idle (up to ~1.7x slower training on an otherwise idle
// machine, 6-22x faster when other work shares the cores; set
// OMP_WAIT_POLICY=active on a dedicated machine). openmp_wait_policy()
// reports the policy in effect (for
// the run's tags); it is libgomp's default ("") only when libgomp was
// already loaded by something else. Processes that never train do not load
// libgomp at all (it is not fork-safe). Without libxgboost installed,
// training throws kUnsupported naming the package.
//
// Threading: a GbmModel may be used from several threads at once (calls on
// one model are serialized by an internal mutex); a moved-from model may only
// be assigned to or destroyed. Different models train in parallel only if
// their nthread values fit the machine.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bullion/ml/dataset.h"

namespace bullion::ml {

using ParamList = std::vector<std::pair<std::string, std::string>>;

struct GbmParams {
  int num_rounds = 100;
  int nthread = 1;
  int64_t seed = 0;
  double base_score = 0.5;
  // Handed to XGBoosterSetParam, in this order (XGBoost's names).
  ParamList xgboost;
  // For the run's params: the spec's names with canonical values
  // (n_estimators, learning_rate and max_depth always, defaults included,
  // then every passed-through param), then objective, tree_method,
  // base_score, nthread and seed. resolve_gbm_params(logged, …) gives back
  // the same GbmParams, which is how `reproduce` retrains.
  ParamList logged;
};

// Validates and maps the spec's model params (name → YAML scalar text).
// `nthread` (>= 1) and `seed` are used unless the params pin them.
// Accepted names: n_estimators (num_boost_round), learning_rate (eta),
// max_depth, gamma (min_split_loss), min_child_weight, max_delta_step,
// subsample, sampling_method, colsample_bytree, colsample_bylevel,
// colsample_bynode, lambda (reg_lambda), alpha (reg_alpha), scale_pos_weight,
// grow_policy, max_leaves, max_bin, num_parallel_tree, monotone_constraints,
// interaction_constraints, base_score, seed (random_state), nthread (n_jobs),
// objective (binary:logistic only), tree_method (hist only), booster (gbtree
// only). Throws kInvalidInput naming the param, its value and the valid
// range; giving a name and its alias both is an error.
GbmParams resolve_gbm_params(std::span<const std::pair<std::string, std::string>> spec_params, int nthread,
                             int64_t seed);
// Whether `name` is one of the names above (to pick model params out of a
// run's logged params).
bool is_gbm_param(std::string_view name);

struct FeatureImportance {
  std::string feature;
  double gain = 0;        // average gain of the splits on the feature (XGBoost "gain")
  double total_gain = 0;  // summed gain ("total_gain")
  double weight = 0;      // number of splits on the feature ("weight")
};

class GbmModel {
 public:
  // Trains on every row of `train` (labelled, at least one row).
  static GbmModel train(const Dataset& train, const GbmParams& params);
  // A model from XGBoost's JSON model format (what to_json()/save() write,
  // and Python's Booster.save_model("x.json") of the same or an older
  // XGBoost). kCorrupt if it cannot be read; kInvalidInput if its objective
  // is not binary:logistic; kUnsupported if a newer XGBoost wrote it (its
  // "version" is above the library's major.minor): XGBoost does not read
  // newer models reliably — 3.x's list-valued base_score loads into 1.7
  // without an error and predicts wrong probabilities.
  static GbmModel from_json(std::string_view model_json);
  // from_json() of a file (kNotFound if it does not exist).
  static GbmModel load(const std::string& path);

  GbmModel(GbmModel&&) noexcept;
  GbmModel& operator=(GbmModel&&) noexcept;
  ~GbmModel();

  // From the model: the names and XGBoost feature types ("int", "float",
  // "q", ...) it was trained with (f0, f1, ... if it has none).
  const std::vector<std::string>& feature_names() const;
  const std::vector<std::string>& feature_types() const;
  size_t num_features() const { return feature_names().size(); }
  int num_rounds() const;

  // Threads used by predict() (a loaded model starts with 1).
  void set_nthread(int nthread);

  // Probabilities of the positive class, one per row. `rows` is row-major
  // with num_features() floats per row (NaN = missing).
  std::vector<float> predict(std::span<const float> rows) const;
  // As above; the dataset's features must be the model's, in its order
  // (kInvalidInput naming the first difference otherwise).
  std::vector<float> predict(const Dataset& data) const;

  // The model in XGBoost's JSON format: exact bytes, for saving and for
  // comparing two models.
  std::string to_json() const;
  // Writes to_json() to `path` atomically. The path must end in ".json":
  // XGBoost chooses a model file's format from its extension when it loads
  // one by name (anything else means the deprecated binary format).
  void save(const std::string& path) const;

  // One entry per feature, in feature order; features the trees never split
  // on have zeros.
  std::vector<FeatureImportance> feature_importance() const;

 private:
  struct State;
  explicit GbmModel(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

// "1.7.4": the XGBoost library bullion runs with (for the MLmodel's
// xgb_version and the run's tags).
std::string xgboost_version();
// The OpenMP wait policy XGBoost runs with: "passive" (bullion's default),
// the user's OMP_WAIT_POLICY, or "" (libgomp's default: spinning) when
// libgomp was loaded before bullion could choose.
std::string openmp_wait_policy();

}  // namespace bullion::ml
