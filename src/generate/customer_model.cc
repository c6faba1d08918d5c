#include "generate/customer_model.h"

#include <algorithm>

namespace bullion::generate_detail {

namespace {

constexpr uint64_t kCustomerStream = 1;

uint16_t pick_country(double u) {
  const auto& table = countries();
  uint32_t total = 0;
  for (const Country& c : table) total += c.weight;
  double target = u * total;
  for (size_t i = 0; i < table.size(); ++i) {
    if (target < table[i].weight) return static_cast<uint16_t>(i);
    target -= table[i].weight;
  }
  return static_cast<uint16_t>(table.size() - 1);
}

}  // namespace

CustomerProfile make_profile(uint64_t seed, uint64_t index, int32_t num_days) {
  Rng rng(stream_key(seed, kCustomerStream, index));
  CustomerProfile c{};
  c.key = rng.next();
  // Propensity is skewed low: most customers are loyal, a minority at risk.
  const double p = rng.uniform();
  c.propensity = static_cast<float>(p * p);
  // Activity: a product of uniforms (mean 1, long right tail), lower for
  // customers at risk — the part of the propensity visible before any decline.
  const double base = 0.3 + 0.7 * (rng.uniform() + rng.uniform());
  c.rate = static_cast<float>(base * (1.6 - 1.4 * c.propensity));

  c.onboarding = !rng.chance(kPreexistingShare);
  c.first_day =
      c.onboarding && num_days > 1 ? static_cast<int32_t>(1 + rng.below(static_cast<uint64_t>(num_days - 1))) : 0;

  // Churn day: the first day on which the survival of a daily hazard falls
  // below a uniform draw (inverse-CDF sampling without logarithms).
  const double hazard = kBaseHazard + kPropensityHazard * c.propensity;
  const double threshold = rng.uniform();
  c.churn_day = kNever;
  double survival = 1.0;
  for (int32_t day = c.first_day + kMinTenureDays; day < num_days; ++day) {
    survival *= 1.0 - hazard;
    if (survival < threshold) {
      c.churn_day = day;
      break;
    }
  }
  const int32_t decline_days =
      kMinDeclineDays + static_cast<int32_t>(rng.below(static_cast<uint64_t>(kMaxDeclineDays - kMinDeclineDays + 1)));
  c.decline_strength =
      static_cast<float>(kMinDeclineStrength + (kMaxDeclineStrength - kMinDeclineStrength) * rng.uniform());
  c.decline_start = c.churn_day == kNever ? kNever : std::max(c.first_day, c.churn_day - decline_days);

  // A quiet break of 1–4 weeks, anywhere in the customer's life: the
  // look-alike of a decline that does not end in churn.
  c.quiet_start = c.quiet_end = 0;
  if (rng.chance(kQuietShare)) {
    const int32_t span = num_days - c.first_day;
    c.quiet_start = c.first_day + static_cast<int32_t>(rng.below(static_cast<uint64_t>(span)));
    c.quiet_end = c.quiet_start + 7 + static_cast<int32_t>(rng.below(22));
  }

  c.country = pick_country(rng.uniform());
  static const DailyRhythm rhythm;
  c.cancel_second = rhythm.inverse(rng.uniform());
  // LOGIN, then optionally PAGE_VIEW and SUPPORT_TICKET, then the cancel.
  c.cancel_events = static_cast<uint8_t>(2 + (c.key & 1) + ((c.key >> 1) & 1));
  return c;
}

const std::vector<Country>& countries() {
  static const std::vector<Country> table = {
      {"US", "us", "États-Unis", 28, true},   {"GB", "gb", "Großbritannien", 10, true},
      {"DE", "de", "Deutschland", 11, false}, {"FR", "fr", "République française", 8, true},
      {"IN", "in", "भारत", 7, true},          {"BR", "br", "Brasil", 6, false},
      {"JP", "jp", "日本", 5, true},          {"ES", "es", "España", 5, true},
      {"NL", "nl", "Nederland", 4, false},    {"CA", "ca", "Canadá", 5, true},
      {"SE", "se", "Sverige", 3, false},      {"AT", "at", "Österreich", 3, true},
      {"MX", "mx", "México", 3, true},        {"TR", "tr", "Türkiye", 2, true},
      {"DK", "dk", "Dänemark", 1, true},      {"PL", "pl", "Polska", 1, false},
  };
  return table;
}

ProductCatalogue::ProductCatalogue() {
  static constexpr std::string_view kSuffixes[] = {"-Größe", "-crème", "-café",     "-naïve",
                                                   "-São",   "-Ærø",   "-Ölfilter", "-piñata"};
  for (uint32_t i = 0; i < kNumProducts; ++i) {
    offsets_[i] = static_cast<uint32_t>(text_.size());
    char digits[6];
    uint32_t v = i;
    for (int d = 4; d >= 0; --d, v /= 10) digits[d] = static_cast<char>('0' + v % 10);
    digits[5] = '\0';
    text_ += 'P';
    text_ += digits;
    if (i % 50 == 7) text_ += kSuffixes[(i / 50) % std::size(kSuffixes)];
    lengths_[i] = static_cast<uint8_t>(text_.size() - offsets_[i]);
  }
  // Readable slack after the last id, so ids can be copied in fixed-size blocks.
  text_.append(32, '\0');
}

DailyRhythm::DailyRhythm()
    // Sessions per hour of the day (UTC), relative: night, morning, day, evening peak.
    : weight_{2, 1, 1, 1, 1, 2, 3, 5, 7, 8, 8, 8, 8, 8, 8, 8, 8, 8, 9, 10, 10, 8, 6, 4} {
  cumulative_[0] = 0;
  for (size_t h = 0; h < 24; ++h) cumulative_[h + 1] = cumulative_[h] + weight_[h];
}

double DailyRhythm::cdf(uint32_t s) const {
  if (s >= kSecondsPerDay) return 1.0;
  const uint32_t h = s / 3600;
  const double within = static_cast<double>(weight_[h]) * static_cast<double>(s - h * 3600) / 3600.0;
  return (static_cast<double>(cumulative_[h]) + within) / static_cast<double>(cumulative_[24]);
}

uint32_t DailyRhythm::inverse(double u) const {
  const double target = u * static_cast<double>(cumulative_[24]);
  uint32_t h = 0;
  while (h < 23 && static_cast<double>(cumulative_[h + 1]) <= target) ++h;
  const double within = (target - static_cast<double>(cumulative_[h])) / static_cast<double>(weight_[h]);
  const uint32_t s = h * 3600 + static_cast<uint32_t>(within * 3600.0);
  return std::min(s, kSecondsPerDay - 1);
}

double DailyRhythm::weekday_factor(int32_t epoch_day) {
  // 1970-01-01 was a Thursday: (day + 3) mod 7 numbers Monday as 0.
  const int32_t weekday = ((epoch_day % 7) + 7 + 3) % 7;
  return weekday >= 5 ? kWeekendActivity : 1.0;
}

}  // namespace bullion::generate_detail
