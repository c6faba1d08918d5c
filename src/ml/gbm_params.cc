// Spec params → XGBoost params, validated before XGBoost sees them: XGBoost
// 1.7 ignores unknown names and, after rejecting a malformed value at the
// first boosting round, leaves the booster in a state that crashes on the
// next call.
#include <array>
#include <charconv>
#include <cmath>
#include <limits>
#include <optional>

#include "bullion/core/error.h"
#include "bullion/expr/binder.h"
#include "bullion/ml/gbm.h"

namespace bullion::ml {
namespace {

enum class Kind : uint8_t { kInt, kReal, kChoice, kText };

struct Rule {
  const char* name;       // as the spec may spell it
  const char* xgboost;    // XGBoost's name ("" = not passed as such)
  const char* canonical;  // the name both spellings share, to detect alias pairs
  Kind kind;
  double min, max;          // kInt, kReal: allowed range
  bool min_open, max_open;  // exclusive bounds
  const char* choices;      // kChoice: '|'-separated
};

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kMaxSeed = 9223372036854775807.0;

// clang-format off
constexpr std::array kRules = {
  Rule{"n_estimators",            "",                        "n_estimators",    Kind::kInt,  1, 1e6, false, false, nullptr},
  Rule{"num_boost_round",         "",                        "n_estimators",    Kind::kInt,  1, 1e6, false, false, nullptr},
  Rule{"learning_rate",           "eta",                     "eta",             Kind::kReal, 0, 1, true, false, nullptr},
  Rule{"eta",                     "eta",                     "eta",             Kind::kReal, 0, 1, true, false, nullptr},
  Rule{"max_depth",               "max_depth",               "max_depth",       Kind::kInt,  0, 1000, false, false, nullptr},
  Rule{"gamma",                   "gamma",                   "gamma",           Kind::kReal, 0, kInf, false, true, nullptr},
  Rule{"min_split_loss",          "gamma",                   "gamma",           Kind::kReal, 0, kInf, false, true, nullptr},
  Rule{"min_child_weight",        "min_child_weight",        "min_child_weight", Kind::kReal, 0, kInf, false, true, nullptr},
  Rule{"max_delta_step",          "max_delta_step",          "max_delta_step",  Kind::kReal, 0, kInf, false, true, nullptr},
  Rule{"subsample",               "subsample",               "subsample",       Kind::kReal, 0, 1, true, false, nullptr},
  Rule{"sampling_method",         "sampling_method",         "sampling_method", Kind::kChoice, 0, 0, false, false, "uniform"},
  Rule{"colsample_bytree",        "colsample_bytree",        "colsample_bytree", Kind::kReal, 0, 1, true, false, nullptr},
  Rule{"colsample_bylevel",       "colsample_bylevel",       "colsample_bylevel", Kind::kReal, 0, 1, true, false, nullptr},
  Rule{"colsample_bynode",        "colsample_bynode",        "colsample_bynode", Kind::kReal, 0, 1, true, false, nullptr},
  Rule{"lambda",                  "lambda",                  "lambda",          Kind::kReal, 0, kInf, false, true, nullptr},
  Rule{"reg_lambda",              "lambda",                  "lambda",          Kind::kReal, 0, kInf, false, true, nullptr},
  Rule{"alpha",                   "alpha",                   "alpha",           Kind::kReal, 0, kInf, false, true, nullptr},
  Rule{"reg_alpha",               "alpha",                   "alpha",           Kind::kReal, 0, kInf, false, true, nullptr},
  Rule{"scale_pos_weight",        "scale_pos_weight",        "scale_pos_weight", Kind::kReal, 0, kInf, true, true, nullptr},
  Rule{"grow_policy",             "grow_policy",             "grow_policy",     Kind::kChoice, 0, 0, false, false, "depthwise|lossguide"},
  Rule{"max_leaves",              "max_leaves",              "max_leaves",      Kind::kInt,  0, 1e9, false, false, nullptr},
  Rule{"max_bin",                 "max_bin",                 "max_bin",         Kind::kInt,  2, 1e6, false, false, nullptr},
  Rule{"num_parallel_tree",       "num_parallel_tree",       "num_parallel_tree", Kind::kInt, 1, 1e4, false, false, nullptr},
  Rule{"monotone_constraints",    "monotone_constraints",    "monotone_constraints", Kind::kText, 0, 0, false, false, nullptr},
  Rule{"interaction_constraints", "interaction_constraints", "interaction_constraints", Kind::kText, 0, 0, false, false, nullptr},
  Rule{"base_score",              "base_score",              "base_score",      Kind::kReal, 0, 1, true, true, nullptr},
  Rule{"seed",                    "seed",                    "seed",            Kind::kInt,  0, kMaxSeed, false, false, nullptr},
  Rule{"random_state",            "seed",                    "seed",            Kind::kInt,  0, kMaxSeed, false, false, nullptr},
  Rule{"nthread",                 "nthread",                 "nthread",         Kind::kInt,  1, 4096, false, false, nullptr},
  Rule{"n_jobs",                  "nthread",                 "nthread",         Kind::kInt,  1, 4096, false, false, nullptr},
  Rule{"objective",               "objective",               "objective",       Kind::kChoice, 0, 0, false, false, "binary:logistic"},
  Rule{"tree_method",             "tree_method",             "tree_method",     Kind::kChoice, 0, 0, false, false, "hist"},
  Rule{"booster",                 "booster",                 "booster",         Kind::kChoice, 0, 0, false, false, "gbtree"},
};
// clang-format on

const Rule* find_rule(std::string_view name) {
  for (const Rule& r : kRules)
    if (name == r.name) return &r;
  return nullptr;
}

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

// The shortest text that reads back as `v` (locale-independent).
std::string format_real(double v) {
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  BULLION_ASSERT(ec == std::errc{}, "to_chars(double)");
  return std::string(buf, end);
}

std::string range_text(const Rule& r) {
  auto bound = [](double v) { return v == kInf ? std::string("inf") : format_real(v); };
  return std::string(r.min_open ? "(" : "[") + bound(r.min) + ", " + bound(r.max) + (r.max_open ? ")" : "]");
}

[[noreturn]] void bad_value(const std::string& name, const std::string& value, const std::string& expected) {
  throw Error::invalid_input("model param " + name + ": '" + value + "' is not " + expected);
}

// The canonical text of a validated value.
std::string validate(const Rule& r, const std::string& name, const std::string& value) {
  switch (r.kind) {
    case Kind::kInt: {
      int64_t v = 0;
      const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
      const std::string expected = "an integer in " + range_text(r);
      if (ec != std::errc{} || end != value.data() + value.size()) bad_value(name, value, expected);
      const double d = static_cast<double>(v);
      if (d < r.min || d > r.max) bad_value(name, value, expected);
      return std::to_string(v);
    }
    case Kind::kReal: {
      double v = 0;
      const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
      const std::string expected = "a number in " + range_text(r);
      if (ec != std::errc{} || end != value.data() + value.size() || !std::isfinite(v))
        bad_value(name, value, expected);
      if (v < r.min || (r.min_open && v == r.min) || v > r.max || (r.max_open && v == r.max))
        bad_value(name, value, expected);
      return format_real(v);
    }
    case Kind::kChoice: {
      const std::string_view choices = r.choices;
      size_t start = 0;
      while (start <= choices.size()) {
        const size_t bar = choices.find('|', start);
        const std::string_view choice = choices.substr(start, bar == std::string_view::npos ? bar : bar - start);
        if (value == choice) return value;
        if (bar == std::string_view::npos) break;
        start = bar + 1;
      }
      std::string listed(choices);
      for (char& c : listed)
        if (c == '|') c = ',';
      bad_value(
          name, value,
          std::string(choices.find('|') == std::string_view::npos ? "supported; bullion trains with " : "one of ") +
              listed);
    }
    case Kind::kText:
      if (value.empty()) bad_value(name, value, "a constraint such as (1,0,-1)");
      return value;
  }
  BULLION_ASSERT(false, "unknown param kind");
}

}  // namespace

bool is_gbm_param(std::string_view name) { return find_rule(name) != nullptr; }

GbmParams resolve_gbm_params(std::span<const std::pair<std::string, std::string>> spec_params, int nthread,
                             int64_t seed) {
  if (nthread < 1) throw Error::invalid_input("nthread must be at least 1, got " + std::to_string(nthread));
  if (seed < 0) throw Error::invalid_input("the model seed must not be negative, got " + std::to_string(seed));

  struct Given {
    const Rule* rule;
    std::string name;
    std::string value;  // canonical
  };
  std::vector<Given> given;
  for (const auto& [raw_name, raw_value] : spec_params) {
    const std::string name = trim(raw_name);
    const Rule* rule = find_rule(name);
    if (rule == nullptr) {
      std::vector<std::string> names;
      for (const Rule& r : kRules) names.emplace_back(r.name);
      const std::string suggestion = expr::closest_name(name, names);
      throw Error::invalid_input("unknown model param '" + name + "' for gbm_classifier",
                                 suggestion.empty() ? "see README \"Training and metrics\" for the accepted params"
                                                    : "did you mean '" + suggestion + "'?");
    }
    for (const Given& g : given)
      if (std::string_view(g.rule->canonical) == rule->canonical)
        throw Error::invalid_input("model params '" + g.name + "' and '" + name + "' set the same parameter",
                                   "give only one of them");
    given.push_back({rule, name, validate(*rule, name, trim(raw_value))});
  }
  auto find_given = [&](std::string_view canonical) -> const Given* {
    for (const Given& g : given)
      if (canonical == g.rule->canonical) return &g;
    return nullptr;
  };

  GbmParams out;
  const Given* rounds = find_given("n_estimators");
  const Given* eta = find_given("eta");
  const Given* depth = find_given("max_depth");
  out.num_rounds = rounds ? std::stoi(rounds->value) : 100;
  const std::string eta_value = eta ? eta->value : "0.1";
  const std::string depth_value = depth ? depth->value : "3";
  out.nthread = nthread;
  out.seed = seed;
  out.base_score = 0.5;
  if (const Given* g = find_given("nthread")) out.nthread = std::stoi(g->value);
  if (const Given* g = find_given("seed")) out.seed = std::stoll(g->value);
  if (const Given* g = find_given("base_score")) out.base_score = std::stod(g->value);

  out.xgboost = {{"booster", "gbtree"},
                 {"objective", "binary:logistic"},
                 {"tree_method", "hist"},
                 {"eta", eta_value},
                 {"max_depth", depth_value}};
  out.logged = {{rounds ? rounds->name : "n_estimators", std::to_string(out.num_rounds)},
                {eta ? eta->name : "learning_rate", eta_value},
                {depth ? depth->name : "max_depth", depth_value}};
  static constexpr std::string_view kExplicit[] = {"n_estimators", "eta",       "max_depth",   "nthread", "seed",
                                                   "base_score",   "objective", "tree_method", "booster"};
  for (const Given& g : given) {
    bool is_explicit = false;
    for (std::string_view e : kExplicit) is_explicit = is_explicit || e == g.rule->canonical;
    if (is_explicit) continue;
    out.xgboost.emplace_back(g.rule->xgboost, g.value);
    out.logged.emplace_back(g.name, g.value);
  }
  const std::string base_score = format_real(out.base_score);
  out.xgboost.emplace_back("base_score", base_score);
  out.xgboost.emplace_back("nthread", std::to_string(out.nthread));
  out.xgboost.emplace_back("seed", std::to_string(out.seed));
  out.logged.emplace_back("objective", "binary:logistic");
  out.logged.emplace_back("tree_method", "hist");
  out.logged.emplace_back("base_score", base_score);
  out.logged.emplace_back("nthread", std::to_string(out.nthread));
  out.logged.emplace_back("seed", std::to_string(out.seed));
  return out;
}

}  // namespace bullion::ml
