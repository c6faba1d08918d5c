// The simulated customer base: who is active when, who churns, what a
// session contains. Pure functions of (seed, customer index, day); every
// number is derived with integer or basic IEEE arithmetic (see random.h), so
// the same seed gives the same customers everywhere.
//
// Days are indices into the generated range (0 = the start date).
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "bullion/generate/generator.h"
#include "generate/random.h"

namespace bullion::generate_detail {

inline constexpr int32_t kNever = std::numeric_limits<int32_t>::max();
inline constexpr uint32_t kSecondsPerDay = 86'400;
inline constexpr uint32_t kMillisPerDay = kSecondsPerDay * 1000;

// --- The behaviour model's constants (tuned so that the Gold features of
// DESIGN's churn pipeline predict 30-day churn with a ROC-AUC near 0.85; see
// tests/interop/test_generator_learnable.py). ---
inline constexpr double kPreexistingShare = 0.55;   // customers active from day 0; the rest sign up later
inline constexpr int32_t kMinTenureDays = 14;       // nobody churns in their first two weeks
inline constexpr double kBaseHazard = 0.0005;       // daily churn hazard at propensity 0 ...
inline constexpr double kPropensityHazard = 0.013;  // ... plus this times the propensity
inline constexpr int32_t kMinDeclineDays = 42;      // pre-churn decline lasts 6..12 weeks
inline constexpr int32_t kMaxDeclineDays = 84;
inline constexpr double kMinDeclineStrength = 0.8;  // activity lost by the churn day: 80..98%
inline constexpr double kMaxDeclineStrength = 0.98;
inline constexpr double kAfterChurnActivity = 0.02;  // mostly silent after cancelling
inline constexpr double kQuietShare = 0.10;          // customers with one quiet break (no churn)
inline constexpr double kQuietActivity = 0.4;
inline constexpr int32_t kOnboardingDays = 14;  // new customers are busier at first
inline constexpr double kOnboardingBoost = 1.4;
inline constexpr double kWeekendActivity = 0.8;
inline constexpr uint32_t kFavouriteProducts = 4;

struct CustomerProfile {
  uint64_t key;            // this customer's own random key (favourites, cancel session)
  float rate;              // relative activity: higher means more sessions
  float propensity;        // latent churn propensity in [0, 1)
  float decline_strength;  // fraction of activity lost by the churn day
  int32_t first_day;       // first day of activity
  int32_t churn_day;       // day of CANCEL_SUBSCRIPTION, kNever if not in the range
  int32_t decline_start;   // first day of the pre-churn decline (churn_day if none)
  int32_t quiet_start;     // a quiet break [quiet_start, quiet_end); empty if equal
  int32_t quiet_end;
  uint32_t cancel_second;  // second of the churn day the cancel session starts
  uint16_t country;        // index into countries()
  uint8_t cancel_events;   // events in the cancel session (2..4; the plan may cut it to 1)
  bool onboarding;         // signed up inside the range
};

// The profile of customer `index` (0-based) for a range of `num_days` days.
CustomerProfile make_profile(uint64_t seed, uint64_t index, int32_t num_days);

// Progress of the pre-churn decline on `day`, in (0, 1]; 0 outside it.
inline double decline_progress(const CustomerProfile& c, int32_t day) {
  if (day < c.decline_start || day >= c.churn_day) return 0;
  return static_cast<double>(day - c.decline_start + 1) / static_cast<double>(c.churn_day - c.decline_start + 1);
}

// Relative activity of a customer on a day (0 before the first day): the
// weight with which the day's sessions are given to customers.
inline double activity(const CustomerProfile& c, int32_t day) {
  if (day < c.first_day) return 0;
  double w = c.rate;
  if (day >= c.churn_day) return w * kAfterChurnActivity;
  if (day >= c.decline_start) {
    // Concave: most of the drop comes early in the decline.
    const double t = decline_progress(c, day);
    w *= 1.0 - c.decline_strength * t * (2.0 - t);
  }
  if (day >= c.quiet_start && day < c.quiet_end) w *= kQuietActivity;
  if (c.onboarding && day < c.first_day + kOnboardingDays) w *= kOnboardingBoost;
  return w;
}

// --- Static tables. ---
struct Country {
  std::string_view code;        // ISO 3166-1 alpha-2, upper case
  std::string_view lower_code;  // the same, lower case ("de")
  std::string_view local_name;  // a local spelling, usually non-ASCII
  uint32_t weight;
  bool local_is_non_ascii;
};
const std::vector<Country>& countries();

// The product catalogue: ids "P00000".."P01999"; 2% carry a non-ASCII suffix.
// At least 32 bytes can be read from the start of any id.
class ProductCatalogue {
 public:
  static constexpr uint32_t kNumProducts = 2000;
  ProductCatalogue();
  std::string_view id(uint32_t product) const { return {text_.data() + offsets_[product], lengths_[product]}; }
  // A product by popularity: low indices are picked far more often.
  static uint32_t popular(double u) { return static_cast<uint32_t>(u * u * kNumProducts); }
  // The customer's j-th favourite product.
  static uint32_t favourite(const CustomerProfile& c, uint32_t j) {
    return popular(static_cast<double>(mix64(c.key + j + 1) >> 11) * 0x1.0p-53);
  }

 private:
  std::string text_;
  std::array<uint32_t, kNumProducts> offsets_;
  std::array<uint8_t, kNumProducts> lengths_;
};

// When in the day sessions start: a piecewise-constant density over 24 hours
// (quiet nights, busy evenings), with exact integer cumulative weights.
class DailyRhythm {
 public:
  DailyRhythm();
  // Fraction of the day's sessions starting before second `s` (0..86400).
  double cdf(uint32_t s) const;
  // The second x with cdf(x) = u, for u in [0, 1).
  uint32_t inverse(double u) const;
  // Relative weight of a weekday (days since 1970-01-01; weekends are quieter).
  static double weekday_factor(int32_t epoch_day);

 private:
  std::array<uint32_t, 24> weight_;
  std::array<uint32_t, 25> cumulative_;
};

}  // namespace bullion::generate_detail
