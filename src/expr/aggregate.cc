// Aggregate states with Spark's (ANSI off) semantics; see aggregate.h.
#include "bullion/expr/aggregate.h"

#define XXH_INLINE_ALL
#include <strings.h>
#include <xxhash.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <limits>

#include "bullion/columnar/buffer.h"
#include "bullion/core/error.h"
#include "bullion/expr/analysis.h"
#include "expr/binder_internal.h"
#include "expr/coercion.h"
#include "expr/exact_sum.h"
#include "expr/kernel.h"
#include "expr/text_conversions.h"

namespace bullion::expr {

namespace {

template <class F>
void for_each_row(size_t n, const uint32_t* groups, F&& f) {
  if (groups) {
    for (size_t i = 0; i < n; ++i) f(i, groups[i]);
  } else {
    for (size_t i = 0; i < n; ++i) f(i, uint32_t{0});
  }
}

uint32_t mapped(const uint32_t* map, size_t g) { return map ? map[g] : static_cast<uint32_t>(g); }

// How many rows ahead updates prefetch their groups' state: with many groups
// the state arrays outgrow the caches, and rows hit them in random order.
constexpr size_t kPrefetchAhead = 16;

// --- counts -----------------------------------------------------------------------

enum class CountKind { kStar, kNonNull, kTrue };

class CountState final : public AggregateState {
 public:
  explicit CountState(CountKind kind) : kind_(kind) {}
  void resize(size_t g) override {
    if (g > counts_.size()) counts_.resize(g, 0);
  }
  size_t num_groups() const override { return counts_.size(); }
  void update(const Column* input, size_t n, const uint32_t* groups) override {
    int64_t* c = counts_.data();
    if (kind_ == CountKind::kStar || (kind_ == CountKind::kNonNull && !input->may_have_nulls())) {
      if (!groups) {
        counts_[0] += static_cast<int64_t>(n);
        return;
      }
      for (size_t i = 0; i < n; ++i) {
        if (i + kPrefetchAhead < n) __builtin_prefetch(c + groups[i + kPrefetchAhead]);
        ++c[groups[i]];
      }
      return;
    }
    if (kind_ == CountKind::kNonNull) {
      for_each_row(n, groups, [&](size_t i, uint32_t g) { c[g] += input->is_valid(i) ? 1 : 0; });
      return;
    }
    const uint8_t* v = input->data<uint8_t>();
    if (input->type().id() == TypeId::kNull) return;
    const uint8_t* valid = input->validity();
    for_each_row(n, groups, [&](size_t i, uint32_t g) { c[g] += (v[i] && (!valid || valid[i])) ? 1 : 0; });
  }
  void merge(const AggregateState& other, const uint32_t* map) override {
    const auto& o = static_cast<const CountState&>(other);
    for (size_t g = 0; g < o.counts_.size(); ++g) {
      const uint32_t t = mapped(map, g);
      if (t != kSkipGroup) counts_[t] += o.counts_[g];
    }
  }
  ColumnPtr finalize() const override {
    auto out = Column::make(DataType::int64());
    out->resize(counts_.size());
    if (!counts_.empty()) std::memcpy(out->mutable_data<int64_t>(), counts_.data(), counts_.size() * sizeof(int64_t));
    return out;
  }
  size_t memory_bytes() const override { return counts_.capacity() * sizeof(int64_t); }

 private:
  CountKind kind_;
  std::vector<int64_t> counts_;
};

// --- sums and averages ----------------------------------------------------------------

// Sum of integers in BIGINT, wrapping on overflow (Spark, ANSI off).
class IntegerSumState final : public AggregateState {
 public:
  void resize(size_t g) override {
    if (g > sums_.size()) {
      sums_.resize(g, 0);
      counts_.resize(g, 0);
    }
  }
  size_t num_groups() const override { return sums_.size(); }
  void update(const Column* input, size_t n, const uint32_t* groups) override {
    visit_physical(input->type().id(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      if constexpr (std::is_integral_v<T> && !std::is_same_v<T, uint8_t>) {
        const T* x = input->data<T>();
        const uint8_t* valid = input->validity();
        for_each_row(n, groups, [&](size_t i, uint32_t g) {
          if (valid && !valid[i]) return;
          add(g, static_cast<int64_t>(x[i]));
        });
      } else {
        throw Error::internal("integer sum over " + input->type().to_string());
      }
    });
  }
  void merge(const AggregateState& other, const uint32_t* map) override {
    const auto& o = static_cast<const IntegerSumState&>(other);
    for (size_t g = 0; g < o.sums_.size(); ++g) {
      const uint32_t t = mapped(map, g);
      if (o.counts_[g] == 0 || t == kSkipGroup) continue;
      sums_[t] = wrap_add(sums_[t], o.sums_[g]);
      counts_[t] += o.counts_[g];
    }
  }
  ColumnPtr finalize() const override {
    ColumnPtr out = Column::make(DataType::int64());
    out->resize(sums_.size());
    for (size_t g = 0; g < sums_.size(); ++g) {
      out->mutable_data<int64_t>()[g] = counts_[g] == 0 ? 0 : sums_[g];
      if (counts_[g] == 0) out->set_null(g);
    }
    return out;
  }
  size_t memory_bytes() const override { return sums_.capacity() * 8 + counts_.capacity() * 8; }

 private:
  static int64_t wrap_add(int64_t a, int64_t b) {
    return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
  }
  void add(uint32_t g, int64_t v) {
    sums_[g] = wrap_add(sums_[g], v);
    ++counts_[g];
  }
  std::vector<int64_t> sums_;
  std::vector<int64_t> counts_;
};

// Sum (DOUBLE) of doubles, or average (DOUBLE) of doubles and integers: the
// exact sum rounded once (exact_sum.h), so the result does not depend on the
// order in which rows and partial states are added. Spark adds in row order,
// so its sum can differ in the last bits (as it does between its own
// partitionings).
class DoubleSumState final : public AggregateState {
 public:
  explicit DoubleSumState(bool average) : average_(average) {}
  void resize(size_t g) override {
    if (g > groups_.size()) groups_.resize(g);
  }
  size_t num_groups() const override { return groups_.size(); }
  void update(const Column* input, size_t n, const uint32_t* groups) override {
    visit_physical(input->type().id(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      if constexpr (std::is_arithmetic_v<T> && !std::is_same_v<T, uint8_t>) {
        const T* x = input->data<T>();
        const uint8_t* valid = input->validity();
        Group* state = groups_.data();
        for_each_row(n, groups, [&](size_t i, uint32_t g) {
          if (groups && i + kPrefetchAhead < n) __builtin_prefetch(state + groups[i + kPrefetchAhead]);
          if (valid && !valid[i]) return;
          if (state[g].sum.add(static_cast<double>(x[i]))) heap_bytes_ += ExactSum::kWideBytes;
          ++state[g].count;
        });
      } else {
        throw Error::internal("sum over " + input->type().to_string());
      }
    });
  }
  void merge(const AggregateState& other, const uint32_t* map) override {
    const auto& o = static_cast<const DoubleSumState&>(other);
    for (size_t g = 0; g < o.groups_.size(); ++g) {
      const uint32_t t = mapped(map, g);
      if (o.groups_[g].count == 0 || t == kSkipGroup) continue;
      if (groups_[t].sum.add(o.groups_[g].sum)) heap_bytes_ += ExactSum::kWideBytes;
      groups_[t].count += o.groups_[g].count;
    }
  }
  ColumnPtr finalize() const override {
    ColumnPtr out = Column::make(DataType::float64());
    out->resize(groups_.size());
    double* o = out->mutable_data<double>();
    for (size_t g = 0; g < groups_.size(); ++g) {
      const Group& s = groups_[g];
      if (s.count == 0) {
        o[g] = 0;
        out->set_null(g);
        continue;
      }
      o[g] = average_ ? s.sum.rounded() / static_cast<double>(s.count) : s.sum.rounded();
    }
    return out;
  }
  size_t memory_bytes() const override { return groups_.capacity() * sizeof(Group) + heap_bytes_; }

 private:
  struct Group {  // one cache line's share per group: the sum and its count together
    ExactSum sum;
    int64_t count = 0;
  };
  bool average_;
  std::vector<Group> groups_;
  size_t heap_bytes_ = 0;  // of the sums that outgrew 128 bits
};

// Decimal sum (DECIMAL(p+10, s), NULL once it overflows) or average
// (DECIMAL(p+4, s+4), HALF_UP).
class DecimalSumState final : public AggregateState {
 public:
  DecimalSumState(DataType input, DataType result, bool average)
      : input_(std::move(input)), result_(std::move(result)), average_(average) {
    sum_precision_ = std::min(38, input_.precision() + 10);
  }
  void resize(size_t g) override {
    if (g > sums_.size()) {
      sums_.resize(g, 0);
      counts_.resize(g, 0);
      overflow_.resize(g, 0);
    }
  }
  size_t num_groups() const override { return sums_.size(); }
  void update(const Column* input, size_t n, const uint32_t* groups) override {
    const int128* x = input->data<int128>();
    const uint8_t* valid = input->validity();
    for_each_row(n, groups, [&](size_t i, uint32_t g) {
      if (valid && !valid[i]) return;
      add(g, x[i], 1);
    });
  }
  void merge(const AggregateState& other, const uint32_t* map) override {
    const auto& o = static_cast<const DecimalSumState&>(other);
    for (size_t g = 0; g < o.sums_.size(); ++g) {
      if (o.counts_[g] == 0) continue;
      const uint32_t t = mapped(map, g);
      if (t == kSkipGroup) continue;
      if (o.overflow_[g]) overflow_[t] = 1;
      add(t, o.sums_[g], o.counts_[g]);
    }
  }
  ColumnPtr finalize() const override {
    const size_t n = sums_.size();
    auto out = Column::make(result_);
    out->resize(n);
    int128* o = out->mutable_data<int128>();
    const int scale = input_.scale();
    for (size_t g = 0; g < n; ++g) {
      o[g] = 0;
      if (counts_[g] == 0 || overflow_[g]) {
        out->set_null(g);
        continue;
      }
      if (!average_) {
        o[g] = sums_[g];
        continue;
      }
      // sum / count at the result scale, HALF_UP.
      int128 scaled;
      if (!rescale_decimal(sums_[g], scale, result_.scale(), scaled)) {
        out->set_null(g);
        continue;
      }
      const int128 c = counts_[g];
      int128 q = scaled / c;
      const int128 r = scaled % c;
      if ((r < 0 ? -r : r) * 2 >= c) q += scaled < 0 ? -1 : 1;
      if (!fits_precision(q, result_.precision())) {
        out->set_null(g);
        continue;
      }
      o[g] = q;
    }
    return out;
  }
  size_t memory_bytes() const override { return sums_.capacity() * 16 + counts_.capacity() * 8 + overflow_.capacity(); }

 private:
  void add(uint32_t g, int128 v, int64_t count) {
    counts_[g] += count;
    if (overflow_[g]) return;
    int128 s;
    if (__builtin_add_overflow(sums_[g], v, &s) || !fits_precision(s, sum_precision_)) {
      overflow_[g] = 1;
      return;
    }
    sums_[g] = s;
  }
  DataType input_, result_;
  bool average_;
  int sum_precision_;
  std::vector<int128> sums_;
  std::vector<int64_t> counts_;
  std::vector<uint8_t> overflow_;
};

// Sample standard deviation from exact sums, so that, like sum and avg, it
// does not depend on the order of rows and merges: Σx, and Σx² kept as two
// exact sums of its parts (x² = p + e exactly, p = x·x rounded and e from an
// fma: each part spans the values' range once, where x² in one sum would
// span it twice and outgrow the 128-bit window). The final n·Σx² − (Σx)² is
// computed from 106-bit roundings in double-double arithmetic: no
// cancellation of the kind the textbook formula suffers in plain doubles
// (timestamps: Σx² ≈ 10^37, the variance 10^-19 of it). Spark's Welford
// updates agree to ~1e-15 relative.
class StddevState final : public AggregateState {
 public:
  void resize(size_t g) override {
    if (g > groups_.size()) groups_.resize(g);
  }
  size_t num_groups() const override { return groups_.size(); }
  void update(const Column* input, size_t n, const uint32_t* groups) override {
    const double* x = input->data<double>();
    const uint8_t* valid = input->validity();
    Group* state = groups_.data();
    for_each_row(n, groups, [&](size_t i, uint32_t g) {
      if (groups && i + kPrefetchAhead < n) __builtin_prefetch(state + groups[i + kPrefetchAhead]);
      if (valid && !valid[i]) return;
      Group& s = state[g];
      const double square = x[i] * x[i];
      const int widened = s.sum.add(x[i]) + s.squares.add(square) + s.square_errors.add(std::fma(x[i], x[i], -square));
      heap_bytes_ += static_cast<size_t>(widened) * ExactSum::kWideBytes;
      ++s.n;
    });
  }
  void merge(const AggregateState& other, const uint32_t* map) override {
    const auto& o = static_cast<const StddevState&>(other);
    for (size_t g = 0; g < o.groups_.size(); ++g) {
      const uint32_t t = mapped(map, g);
      if (o.groups_[g].n == 0 || t == kSkipGroup) continue;
      Group& s = groups_[t];
      const Group& from = o.groups_[g];
      const int widened = s.sum.add(from.sum) + s.squares.add(from.squares) + s.square_errors.add(from.square_errors);
      heap_bytes_ += static_cast<size_t>(widened) * ExactSum::kWideBytes;
      s.n += from.n;
    }
  }
  ColumnPtr finalize() const override {
    auto out = Column::make(DataType::float64());
    out->resize(groups_.size());
    double* o = out->mutable_data<double>();
    for (size_t g = 0; g < groups_.size(); ++g) {
      if (groups_[g].n < 2) {
        o[g] = 0;
        out->set_null(g);
      } else {
        o[g] = stddev(groups_[g]);
      }
    }
    return out;
  }
  size_t memory_bytes() const override { return groups_.capacity() * sizeof(Group) + heap_bytes_; }

 private:
  struct Group {
    ExactSum sum, squares, square_errors;
    int64_t n = 0;
  };
  // a·b as an unevaluated sum hi + lo (exact).
  static std::pair<double, double> two_product(double a, double b) {
    const double p = a * b;
    return {p, std::fma(a, b, -p)};
  }
  // a + b as hi + lo (exact).
  static std::pair<double, double> two_sum(double a, double b) {
    const double s = a + b;
    const double v = s - a;
    return {s, (a - (s - v)) + (b - v)};
  }
  static double stddev(const Group& s) {
    ExactSum squares = s.squares;
    squares.add(s.square_errors);
    const double sum = s.sum.rounded(), square_sum = squares.rounded();
    if (!std::isfinite(sum) || !std::isfinite(square_sum)) return std::numeric_limits<double>::quiet_NaN();
    const double n = static_cast<double>(s.n);
    const auto [s_hi, s_lo] = s.sum.rounded2();
    const auto [q_hi, q_lo] = squares.rounded2();
    // n·Σx² and (Σx)² in double-double, then their difference.
    const auto [nq_hi, nq_err] = two_product(n, q_hi);
    const double nq_lo = nq_err + n * q_lo;
    const auto [ss_hi, ss_err] = two_product(s_hi, s_hi);
    const double ss_lo = ss_err + 2 * s_hi * s_lo;
    const auto [d_hi, d_err] = two_sum(nq_hi, -ss_hi);
    const double d = d_hi + (d_err + (nq_lo - ss_lo));
    if (!std::isfinite(d)) return std::numeric_limits<double>::quiet_NaN();  // squares beyond the double range
    return d <= 0 ? 0.0 : std::sqrt(d / (n * (n - 1)));                      // d <= 0: a constant group
  }
  std::vector<Group> groups_;
  size_t heap_bytes_ = 0;  // of the sums that outgrew 128 bits
};

// --- min / max / first / last ------------------------------------------------------------

// One value per group of any atomic type. Strings are owned per group
// (std::string, whose capacity is reused when a group's value changes), so
// memory stays proportional to the groups, not to the updates.
class ValuePerGroup {
 public:
  explicit ValuePerGroup(DataType type)
      : type_(std::move(type)), width_(type_.value_width()), strings_(type_.is_string_like()) {}
  void resize(size_t g) {
    if (g > set_.size()) {
      set_.resize(g, 0);
      null_.resize(g, 0);
      if (strings_)
        text_.resize(g);
      else
        values_.resize(g * width_, 0);
    }
  }
  size_t size() const { return set_.size(); }
  bool is_set(size_t g) const { return set_[g] != 0; }
  // Fixed-width values in place (T of the value's width) and the set flags,
  // for loops that test and set them directly.
  template <class T>
  T* values_of() {
    return reinterpret_cast<T*>(values_.data());
  }
  uint8_t* set_flags() { return set_.data(); }
  // For strings the view is valid until the group's value changes.
  template <class T>
  T get(size_t g) const {
    if constexpr (std::is_same_v<T, std::string_view>) {
      return text_[g];
    } else {
      T v;
      std::memcpy(&v, values_.data() + g * width_, sizeof(T));
      return v;
    }
  }
  template <class T>
  void put(size_t g, T v) {
    if constexpr (std::is_same_v<T, std::string_view>)
      text_[g].assign(v);
    else
      std::memcpy(values_.data() + g * width_, &v, sizeof(T));
    set_[g] = 1;
    null_[g] = 0;
  }
  void put_null(size_t g) {
    set_[g] = 1;
    null_[g] = 1;
  }
  bool is_null(size_t g) const { return null_[g] != 0; }
  ColumnPtr to_column() const {
    auto out = Column::make(type_);
    const size_t n = set_.size();
    if (type_.id() == TypeId::kNull) {
      out->resize(n);
      return out;
    }
    if (strings_) {
      for (size_t g = 0; g < n; ++g) {
        if (!set_[g] || null_[g])
          out->append_null();
        else
          out->append_string(text_[g]);
      }
      return out;
    }
    out->resize(n);
    if (n > 0) std::memcpy(out->mutable_data<uint8_t>(), values_.data(), n * width_);
    for (size_t g = 0; g < n; ++g) {
      if (!set_[g] || null_[g]) {
        out->set_null(g);
        std::memset(out->mutable_data<uint8_t>() + g * width_, 0, width_);
      }
    }
    return out;
  }
  size_t memory_bytes() const {
    size_t bytes = values_.capacity() + set_.capacity() * 2 + text_.capacity() * sizeof(std::string);
    for (const std::string& t : text_) bytes += t.capacity() > 15 ? t.capacity() : 0;
    return bytes;
  }
  const DataType& type() const { return type_; }

 private:
  DataType type_;
  size_t width_;
  bool strings_;
  std::vector<uint8_t> set_, null_;
  std::vector<unsigned char> values_;
  std::vector<std::string> text_;
};

template <bool kMax>
class MinMaxState final : public AggregateState {
 public:
  explicit MinMaxState(DataType type) : values_(std::move(type)) {}
  void resize(size_t g) override { values_.resize(g); }
  size_t num_groups() const override { return values_.size(); }
  void update(const Column* input, size_t n, const uint32_t* groups) override {
    if (input->type().id() == TypeId::kNull) return;
    visit_physical(input->type().id(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      const T* x = input->data<T>();
      const uint8_t* valid = input->validity();
      if constexpr (std::is_integral_v<T>) {
        // Integers compare as themselves: test and set in place, with the
        // groups' entries prefetched a few rows ahead.
        T* best = values_.template values_of<T>();
        uint8_t* set = values_.set_flags();
        for (size_t i = 0; i < n; ++i) {
          if (groups && i + kPrefetchAhead < n) {
            __builtin_prefetch(best + groups[i + kPrefetchAhead]);
            __builtin_prefetch(set + groups[i + kPrefetchAhead]);
          }
          if (valid && !valid[i]) continue;
          const uint32_t g = groups ? groups[i] : 0;
          if (!set[g] || (kMax ? x[i] > best[g] : x[i] < best[g])) {
            best[g] = x[i];
            set[g] = 1;
          }
        }
      } else {
        for_each_row(n, groups, [&](size_t i, uint32_t g) {
          if (valid && !valid[i]) return;
          offer<T>(g, x[i]);
        });
      }
    });
  }
  void merge(const AggregateState& other, const uint32_t* map) override {
    const auto& o = static_cast<const MinMaxState&>(other);
    if (values_.type().id() == TypeId::kNull) return;
    visit_physical(values_.type().id(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      for (size_t g = 0; g < o.values_.size(); ++g)
        if (o.values_.is_set(g) && mapped(map, g) != kSkipGroup) offer<T>(mapped(map, g), o.values_.template get<T>(g));
    });
  }
  ColumnPtr finalize() const override { return values_.to_column(); }
  size_t memory_bytes() const override { return values_.memory_bytes(); }

 private:
  template <class T>
  void offer(uint32_t g, const T& v) {
    if (!values_.is_set(g)) {
      values_.put<T>(g, v);
      return;
    }
    const int c = compare_physical(v, values_.get<T>(g));
    if (kMax ? c > 0 : c < 0) values_.put<T>(g, v);
  }
  ValuePerGroup values_;
};

template <bool kLast>
class FirstLastState final : public AggregateState {
 public:
  FirstLastState(DataType type, bool ignore_nulls) : values_(std::move(type)), ignore_nulls_(ignore_nulls) {}
  void resize(size_t g) override { values_.resize(g); }
  size_t num_groups() const override { return values_.size(); }
  void update(const Column* input, size_t n, const uint32_t* groups) override {
    const bool null_type = input->type().id() == TypeId::kNull;
    auto run = [&](auto tag) {
      using T = typename decltype(tag)::type;
      for_each_row(n, groups, [&](size_t i, uint32_t g) {
        if (!kLast && values_.is_set(g)) return;
        if (input->is_null(i)) {
          if (!ignore_nulls_) values_.put_null(g);
          return;
        }
        if constexpr (!std::is_void_v<T>) values_.put<T>(g, input->data<T>()[i]);
      });
    };
    if (null_type)
      run(Tag<void>{});
    else
      visit_physical(input->type().id(), run);
  }
  void merge(const AggregateState& other, const uint32_t* map) override {
    const auto& o = static_cast<const FirstLastState&>(other);
    auto run = [&](auto tag) {
      using T = typename decltype(tag)::type;
      for (size_t g = 0; g < o.values_.size(); ++g) {
        if (!o.values_.is_set(g)) continue;
        const uint32_t t = mapped(map, g);
        if (t == kSkipGroup || (!kLast && values_.is_set(t))) continue;
        if (o.values_.is_null(g))
          values_.put_null(t);
        else if constexpr (!std::is_void_v<T>)
          values_.put<T>(t, o.values_.template get<T>(g));
      }
    };
    if (values_.type().id() == TypeId::kNull)
      run(Tag<void>{});
    else
      visit_physical(values_.type().id(), run);
  }
  ColumnPtr finalize() const override { return values_.to_column(); }
  size_t memory_bytes() const override { return values_.memory_bytes(); }

 private:
  ValuePerGroup values_;
  bool ignore_nulls_;
};

// --- DISTINCT -------------------------------------------------------------------------

// Collects distinct (group, value) pairs of non-NULL values; finalize feeds
// them to the wrapped aggregate. -0.0 and 0.0 are one value, as are all NaNs
// (Spark normalizes floating keys).
//
// The pairs are encoded as bytes (the group id, then the value) into one
// arena, each behind its 4-byte length, and found through an open-addressing
// table: no allocation per key, and memory_bytes() is O(1) — the operators
// ask for it after every batch. A slot holds the key's arena offset and the
// top bits of its hash, so a probe touches the key bytes only when the hashes
// agree. The table is far larger than the caches (millions of pairs), so a
// batch is encoded and hashed first, and each probe is prefetched in two
// steps: the slot some rows ahead, then the key bytes it points to.
class DistinctState final : public AggregateState {
 public:
  using Factory = std::function<std::unique_ptr<AggregateState>()>;
  DistinctState(DataType type, Factory make_inner) : type_(std::move(type)), make_inner_(std::move(make_inner)) {}
  void resize(size_t g) override { num_groups_ = std::max(num_groups_, g); }
  size_t num_groups() const override { return num_groups_; }
  void update(const Column* input, size_t n, const uint32_t* groups) override {
    if (input->type().id() == TypeId::kNull) return;
    start_batch();
    for_each_row(n, groups, [&](size_t i, uint32_t g) {
      if (input->is_null(i)) return;
      encode(*input, i, g, batch_bytes_);
      batch_starts_.push_back(batch_bytes_.size());
    });
    insert_batch();
  }
  void merge(const AggregateState& other, const uint32_t* map) override {
    const auto& o = static_cast<const DistinctState&>(other);
    start_batch();
    o.for_each_key([&](std::string_view kv) {
      uint32_t g;
      std::memcpy(&g, kv.data(), 4);
      g = mapped(map, g);
      if (g == kSkipGroup) return;
      batch_bytes_.append(reinterpret_cast<const char*>(&g), 4);
      batch_bytes_.append(kv.substr(4));
      batch_starts_.push_back(batch_bytes_.size());
      if (batch_starts_.size() > kMergeBatch) {
        insert_batch();
        start_batch();
      }
    });
    insert_batch();
  }
  ColumnPtr finalize() const override {
    // A fresh inner state (finalize is const): replay the distinct values.
    auto values = Column::make(type_);
    std::vector<uint32_t> groups;
    groups.reserve(num_keys());
    for_each_key([&](std::string_view kv) {
      uint32_t g;
      std::memcpy(&g, kv.data(), 4);
      groups.push_back(g);
      decode(kv, *values);
    });
    std::unique_ptr<AggregateState> fresh = make_inner_();
    fresh->resize(num_groups_);
    if (!groups.empty()) fresh->update(values.get(), groups.size(), groups.data());
    return fresh->finalize();
  }
  size_t memory_bytes() const override {
    return bytes_.capacity() + hashes_.capacity() * sizeof(uint64_t) + slots_.capacity() * sizeof(uint64_t);
  }

 private:
  static constexpr size_t kSlotDistance = 16;  // rows ahead: prefetch the slot
  static constexpr size_t kKeyDistance = 8;    // rows ahead: prefetch the key the slot points to
  static constexpr size_t kMergeBatch = 4096;
  static constexpr int kOffsetBits = 40;  // arena offsets up to 1 TiB; the other 24 bits hold a hash tag
  static constexpr uint64_t kOffsetMask = (uint64_t{1} << kOffsetBits) - 1;

  size_t num_keys() const { return hashes_.size(); }
  static uint64_t tag_of(uint64_t hash) { return hash & ~kOffsetMask; }
  // The key whose length prefix starts at `offset`.
  std::string_view key_at(uint64_t offset) const {
    uint32_t len;
    std::memcpy(&len, bytes_.data() + offset, 4);
    return std::string_view(bytes_.data() + offset + 4, len);
  }
  template <class F>
  void for_each_key(F&& f) const {
    for (size_t offset = 0; offset < bytes_.size();) {
      const std::string_view k = key_at(offset);
      f(k);
      offset += 4 + k.size();
    }
  }
  void start_batch() {
    batch_bytes_.clear();
    batch_starts_.clear();
    batch_starts_.push_back(0);
  }
  std::string_view batch_key(size_t i) const {
    return std::string_view(batch_bytes_.data() + batch_starts_[i], batch_starts_[i + 1] - batch_starts_[i]);
  }
  // Inserts the keys encoded in batch_bytes_ / batch_starts_.
  void insert_batch() {
    const size_t n = batch_starts_.size() - 1;
    if (n == 0) return;
    if ((num_keys() + n) * 2 > slots_.size()) grow(num_keys() + n);
    batch_hashes_.resize(n);
    for (size_t i = 0; i < n; ++i) {
      const std::string_view k = batch_key(i);
      batch_hashes_[i] = XXH3_64bits(k.data(), k.size());
    }
    const size_t mask = slots_.size() - 1;
    for (size_t i = 0; i < n; ++i) {
      if (i + kSlotDistance < n) __builtin_prefetch(&slots_[batch_hashes_[i + kSlotDistance] & mask]);
      if (i + kKeyDistance < n) {
        const uint64_t slot = slots_[batch_hashes_[i + kKeyDistance] & mask];
        if (slot != 0) __builtin_prefetch(bytes_.data() + ((slot & kOffsetMask) - 1));
      }
      insert(batch_key(i), batch_hashes_[i], mask);
    }
  }
  void insert(std::string_view k, uint64_t h, size_t mask) {
    const uint64_t tag = tag_of(h);
    for (size_t s = h & mask;; s = (s + 1) & mask) {
      const uint64_t slot = slots_[s];
      if (slot == 0) {
        const uint64_t offset = bytes_.size();
        if (offset + 4 + k.size() > kOffsetMask)
          throw Error::unsupported("count(DISTINCT) state exceeds 1 TiB of keys in one worker");
        slots_[s] = tag | (offset + 1);
        hashes_.push_back(h);
        const auto len = static_cast<uint32_t>(k.size());
        bytes_.insert(bytes_.end(), reinterpret_cast<const char*>(&len), reinterpret_cast<const char*>(&len) + 4);
        bytes_.insert(bytes_.end(), k.begin(), k.end());
        return;
      }
      if (tag_of(slot) == tag && key_at((slot & kOffsetMask) - 1) == k) return;
    }
  }
  // Room for `keys` keys at a load factor of at most 1/2.
  void grow(size_t keys) {
    size_t size = std::max<size_t>(64, slots_.size());
    while (keys * 2 > size) size *= 2;
    slots_.assign(size, 0);
    const size_t mask = size - 1;
    size_t k = 0;
    for (size_t offset = 0; offset < bytes_.size(); ++k) {
      size_t s = hashes_[k] & mask;
      while (slots_[s] != 0) s = (s + 1) & mask;
      slots_[s] = tag_of(hashes_[k]) | (offset + 1);
      offset += 4 + key_at(offset).size();
    }
  }
  void encode(const Column& c, size_t i, uint32_t g, std::string& key) const {
    key.append(reinterpret_cast<const char*>(&g), 4);
    if (c.type().is_string_like()) {
      key.append(c.strings()[i]);
      return;
    }
    visit_physical(c.type().id(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      if constexpr (!std::is_same_v<T, std::string_view>) {
        T v = c.data<T>()[i];
        if constexpr (std::is_floating_point_v<T>) {
          if (v == 0) v = 0;  // -0.0 → 0.0
          if (v != v) v = std::numeric_limits<T>::quiet_NaN();
        }
        key.append(reinterpret_cast<const char*>(&v), sizeof(T));
      }
    });
  }
  void decode(std::string_view key, Column& out) const {
    if (type_.is_string_like()) {
      out.append_string(key.substr(4));
      return;
    }
    visit_physical(type_.id(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      if constexpr (!std::is_same_v<T, std::string_view>) {
        T v;
        std::memcpy(&v, key.data() + 4, sizeof(T));
        out.append<T>(v);
      }
    });
  }

  DataType type_;
  Factory make_inner_;
  std::vector<char> bytes_;       // every key behind its uint32 length, back to back
  std::vector<uint64_t> hashes_;  // per key, in arena order (for growing)
  std::vector<uint64_t> slots_;   // open addressing: hash tag | (arena offset + 1); 0 = empty; a power of two
  size_t num_groups_ = 0;
  // The batch being inserted (reused): encoded keys and their hashes.
  std::string batch_bytes_;
  std::vector<uint64_t> batch_starts_;
  std::vector<uint64_t> batch_hashes_;
};

// The DISTINCT state of values of at most 8 bytes (everything but strings and
// decimals): the same semantics as DistinctState, but each (group, value)
// pair sits in its own slot of one open-addressing table, so an insert
// touches one slot, not slot, hash, offset and bytes. Rows are hashed a chunk
// at a time and slots prefetched a few rows ahead, so the cache misses of a
// table far larger than the caches overlap.
//
// Memory is the cost that remains (fresh pages fault at ~1 GB/s on the VMs
// we measure), so slots are 8 bytes (32-bit group, 32-bit value) while every
// value's word fits in 32 bits (small integers, INT, DATE), and the table
// widens once to 16-byte slots when one does not. A merge sizes the table for
// the pairs it will add before inserting them. The slots are a Buffer (huge
// pages once large). Iteration (merge, finalize) is in slot order.
class DistinctWordState final : public AggregateState {
 public:
  using Factory = std::function<std::unique_ptr<AggregateState>()>;
  DistinctWordState(DataType type, Factory make_inner) : type_(std::move(type)), make_inner_(std::move(make_inner)) {}
  static bool handles(const DataType& type) {
    return !type.is_string_like() && type.value_width() > 0 && type.value_width() <= 8;
  }
  void resize(size_t g) override { num_groups_ = std::max(num_groups_, g); }
  size_t num_groups() const override { return num_groups_; }
  void update(const Column* input, size_t n, const uint32_t* groups) override {
    const uint8_t* valid = input->validity();
    visit_physical(type_.id(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      if constexpr (sizeof(T) <= 8) {
        const T* x = input->data<T>();
        for (size_t start = 0; start < n; start += kChunk) {
          const size_t end = std::min(n, start + kChunk);
          size_t m = 0;
          for (size_t i = start; i < end; ++i) {
            if (valid && !valid[i]) continue;
            chunk_[m++] = Pair{to_word(x[i]), groups ? groups[i] : 0u};
          }
          insert_chunk(m);
        }
      }
    });
  }
  void merge(const AggregateState& other, const uint32_t* map) override {
    const auto& o = static_cast<const DistinctWordState&>(other);
    if (o.count_ == 0) return;
    if (!o.part_begin_.empty() && map) {
      // o is grouped by partition: merge the one partition this map keeps.
      for (size_t p = 0; p + 1 < o.part_begin_.size(); ++p) {
        const size_t begin = o.part_begin_[p], end = o.part_begin_[p + 1];
        if (begin < end && map[o.group_at(begin)] != kSkipGroup) merge_range(o, begin, end, map);
      }
      return;
    }
    // Expect o's pairs in proportion to its groups that are mapped here.
    size_t mapped_groups = o.num_groups_;
    if (map) {
      mapped_groups = 0;
      for (size_t g = 0; g < o.num_groups_; ++g) mapped_groups += map[g] != kSkipGroup;
    }
    if (mapped_groups == 0) return;
    reserve(count_ + o.count_ / std::max<size_t>(1, o.num_groups_) * mapped_groups);
    merge_range(o, 0, o.num_slots(), map);
  }
  void partition_groups(const uint8_t* part_of_group, size_t num_parts) override {
    // In place: pack the pairs to the front, then an American flag sort by partition.
    auto run = [&](auto* slots) {
      size_t n = 0;
      for (size_t s = 0; s < num_slots(); ++s)
        if (slots[s].group != kEmpty) slots[n++] = slots[s];
      for (size_t s = n; s < num_slots(); ++s) slots[s].group = kEmpty;
      part_begin_.assign(num_parts + 1, 0);
      for (size_t i = 0; i < n; ++i) ++part_begin_[part_of_group[slots[i].group] + 1];
      for (size_t p = 0; p < num_parts; ++p) part_begin_[p + 1] += part_begin_[p];
      std::vector<size_t> next(part_begin_.begin(), part_begin_.end() - 1);
      for (size_t p = 0; p < num_parts; ++p)
        while (next[p] < part_begin_[p + 1]) {
          const size_t q = part_of_group[slots[next[p]].group];
          if (q == p)
            ++next[p];
          else
            std::swap(slots[next[p]], slots[next[q]++]);
        }
    };
    if (wide_)
      run(slots_.as<WideSlot>());
    else
      run(slots_.as<NarrowSlot>());
  }
  ColumnPtr finalize() const override {
    // A fresh inner state (finalize is const): replay the distinct values, a
    // batch at a time (no copy of every pair).
    constexpr size_t kReplayRows = 64 * 1024;
    std::unique_ptr<AggregateState> fresh = make_inner_();
    fresh->resize(num_groups_);
    auto values = Column::make(type_);
    values->resize(kReplayRows);
    std::vector<uint32_t> groups;
    groups.reserve(kReplayRows);
    const size_t width = type_.value_width();
    uint8_t* out = values->mutable_data<uint8_t>();
    auto replay = [&] {
      if (groups.empty()) return;
      fresh->update(values.get(), groups.size(), groups.data());  // reads rows [0, groups.size())
      groups.clear();
    };
    for_each_pair([&](uint32_t group, uint64_t value) {
      std::memcpy(out + groups.size() * width, &value, width);
      groups.push_back(group);
      if (groups.size() == kReplayRows) replay();
    });
    replay();
    return fresh->finalize();
  }
  size_t memory_bytes() const override { return slots_.capacity(); }

 private:
  static constexpr uint32_t kEmpty = UINT32_MAX;  // kSkipGroup is never a real group
  static constexpr size_t kChunk = 256;
  struct Pair {
    uint64_t value;  // the value's bytes, zero-extended (floats canonical)
    uint32_t group;
  };
  struct NarrowSlot {  // while every value fits in 32 bits
    uint32_t group;    // kEmpty when the slot is free
    uint32_t value;
    static NarrowSlot of(const Pair& p) { return {p.group, static_cast<uint32_t>(p.value)}; }
    uint64_t word() const { return value; }
  };
  struct WideSlot {
    uint64_t value;
    uint32_t group;  // kEmpty when the slot is free
    uint32_t zero;   // hashed with the pair: always 0
    static WideSlot of(const Pair& p) { return {p.value, p.group, 0}; }
    uint64_t word() const { return value; }
  };
  template <class T>
  static uint64_t to_word(T v) {
    if constexpr (std::is_floating_point_v<T>) {
      if (v == 0) v = 0;  // -0.0 → 0.0
      if (v != v) v = std::numeric_limits<T>::quiet_NaN();
    }
    uint64_t w = 0;
    std::memcpy(&w, &v, sizeof(T));
    return w;
  }
  template <class S>
  static uint64_t hash(const S& slot) {
    return XXH3_64bits(&slot, sizeof(S));
  }
  size_t slot_bytes() const { return wide_ ? sizeof(WideSlot) : sizeof(NarrowSlot); }
  size_t num_slots() const { return slots_.size() / slot_bytes(); }

  uint32_t group_at(size_t s) const {
    return wide_ ? slots_.as<WideSlot>()[s].group : slots_.as<NarrowSlot>()[s].group;
  }
  // Inserts o's pairs in slots [begin, end), mapped.
  void merge_range(const DistinctWordState& o, size_t begin, size_t end, const uint32_t* map) {
    if (!o.part_begin_.empty()) reserve(count_ + (end - begin));
    size_t m = 0;
    o.for_each_pair(begin, end, [&](uint32_t group, uint64_t value) {
      const uint32_t g = mapped(map, group);
      if (g == kSkipGroup) return;
      chunk_[m++] = Pair{value, g};
      if (m == kChunk) {
        insert_chunk(m);
        m = 0;
      }
    });
    insert_chunk(m);
  }

  template <class F>
  void for_each_pair(F&& f) const {
    for_each_pair(0, num_slots(), f);
  }
  template <class F>
  void for_each_pair(size_t begin, size_t end, F&& f) const {
    auto run = [&](auto* slots) {
      for (size_t s = begin; s < end; ++s)
        if (slots[s].group != kEmpty) f(slots[s].group, slots[s].word());
    };
    if (wide_)
      run(slots_.as<WideSlot>());
    else
      run(slots_.as<NarrowSlot>());
  }

  // Rebuilds the table with `num` slots of the current width.
  void rehash(size_t num) {
    Buffer old = std::move(slots_);
    const size_t old_slots = old.size() / slot_bytes();
    auto run = [&](auto* old_slots_ptr) {
      using S = std::remove_const_t<std::remove_pointer_t<decltype(old_slots_ptr)>>;
      slots_.resize(num * sizeof(S));
      S* table = slots_.as<S>();
      for (size_t s = 0; s < num; ++s) table[s].group = kEmpty;
      mask_ = num - 1;
      for (size_t j = 0; j < old_slots; ++j) {
        if (old_slots_ptr[j].group == kEmpty) continue;
        size_t s = hash(old_slots_ptr[j]) & mask_;
        while (table[s].group != kEmpty) s = (s + 1) & mask_;
        table[s] = old_slots_ptr[j];
      }
    };
    if (wide_)
      run(old.as<WideSlot>());
    else
      run(old.as<NarrowSlot>());
  }
  // Room for `pairs` pairs under a 3/4 load.
  void reserve(size_t pairs) {
    size_t num = std::max<size_t>(1024, num_slots());
    while (pairs * 4 > num * 3) num *= 2;
    if (num != num_slots()) rehash(num);
  }
  // From 8- to 16-byte slots, once a value needs more than 32 bits.
  void widen() {
    std::vector<Pair> pairs;
    pairs.reserve(count_);
    for_each_pair([&](uint32_t group, uint64_t value) { pairs.push_back(Pair{value, group}); });
    const size_t num = num_slots();
    slots_.reset();
    wide_ = true;
    count_ = 0;
    reserve(pairs.size());
    if (num_slots() < num) rehash(num);
    for (const Pair& p : pairs) insert_one(slots_.as<WideSlot>(), WideSlot::of(p), hash(WideSlot::of(p)));
  }
  template <class S>
  void insert_one(S* table, const S& pair, uint64_t h) {
    for (size_t s = h & mask_;; s = (s + 1) & mask_) {
      S& slot = table[s];
      if (slot.group == kEmpty) {
        slot = pair;
        ++count_;
        return;
      }
      if (slot.group == pair.group && slot.value == pair.value) return;
    }
  }
  template <class S>
  void insert_chunk_as(size_t m) {
    uint64_t hashes[kChunk];
    S pairs[kChunk];
    for (size_t i = 0; i < m; ++i) {
      pairs[i] = S::of(chunk_[i]);
      hashes[i] = hash(pairs[i]);
    }
    S* table = slots_.as<S>();
    for (size_t i = 0; i < m; ++i) {
      if (i + kPrefetchAhead < m) __builtin_prefetch(table + (hashes[i + kPrefetchAhead] & mask_));
      insert_one(table, pairs[i], hashes[i]);
    }
  }
  // Inserts the pairs chunk_[0, m).
  void insert_chunk(size_t m) {
    if (m == 0) return;
    if (!wide_) {
      uint64_t high = 0;
      for (size_t i = 0; i < m; ++i) high |= chunk_[i].value >> 32;
      if (high != 0) widen();
    }
    // Grow first, so the prefetched slots are the ones probed.
    reserve(count_ + m);
    if (wide_)
      insert_chunk_as<WideSlot>(m);
    else
      insert_chunk_as<NarrowSlot>(m);
  }

  DataType type_;
  Factory make_inner_;
  bool wide_ = false;
  Buffer slots_;  // num_slots() slots, a power of two (empty until the first insert)
  size_t mask_ = 0;
  size_t count_ = 0;  // occupied slots
  size_t num_groups_ = 0;
  // After partition_groups(): the slots are no longer a hash table but the
  // pairs of partition p in slots [part_begin_[p], part_begin_[p + 1]).
  std::vector<size_t> part_begin_;
  Pair chunk_[kChunk];
};

// --- the catalogue ---------------------------------------------------------------------

const std::vector<AggregateFunction>& catalogue() {
  static const std::vector<AggregateFunction> functions = {
      {"avg", "avg(NUMERIC) → DOUBLE (DECIMAL(p+4, s+4) for DECIMAL(p, s))", false},
      {"count", "count(*) | count([DISTINCT] x) → BIGINT", true},
      {"count_if", "count_if(BOOLEAN) → BIGINT", false},
      {"first", "first(x[, ignore_nulls BOOLEAN]) → x's type", false},
      {"first_value", "first_value(x[, ignore_nulls BOOLEAN]) → x's type", false},
      {"last", "last(x[, ignore_nulls BOOLEAN]) → x's type", false},
      {"last_value", "last_value(x[, ignore_nulls BOOLEAN]) → x's type", false},
      {"max", "max(x) → x's type", false},
      {"mean", "mean(NUMERIC) → DOUBLE", false},
      {"min", "min(x) → x's type", false},
      {"std", "std(NUMERIC) → DOUBLE", false},
      {"stddev", "stddev(NUMERIC) → DOUBLE (sample standard deviation)", false},
      {"stddev_samp", "stddev_samp(NUMERIC) → DOUBLE", false},
      {"sum", "sum(NUMERIC) → BIGINT | DOUBLE | DECIMAL(p+10, s)", false},
  };
  return functions;
}

std::string canonical(std::string_view name) {
  if (name == "mean") return "avg";
  if (name == "std" || name == "stddev_samp") return "stddev";
  if (name == "first_value") return "first";
  if (name == "last_value") return "last";
  return std::string(name);
}

std::unique_ptr<AggregateState> make_plain_state(const AggregateCall& call) {
  const std::string name = canonical(call.function->name);
  const DataType in = call.argument ? call.argument->type : DataType::null();
  if (name == "count") return std::make_unique<CountState>(call.argument ? CountKind::kNonNull : CountKind::kStar);
  if (name == "count_if") return std::make_unique<CountState>(CountKind::kTrue);
  if (name == "sum" || name == "avg") {
    const bool average = name == "avg";
    if (in.id() == TypeId::kDecimal) return std::make_unique<DecimalSumState>(in, call.result_type, average);
    if (in.is_integer() && !average) return std::make_unique<IntegerSumState>();
    return std::make_unique<DoubleSumState>(average);
  }
  if (name == "min") return std::make_unique<MinMaxState<false>>(in);
  if (name == "max") return std::make_unique<MinMaxState<true>>(in);
  if (name == "stddev") return std::make_unique<StddevState>();
  if (name == "first") return std::make_unique<FirstLastState<false>>(in, call.ignore_nulls);
  if (name == "last") return std::make_unique<FirstLastState<true>>(in, call.ignore_nulls);
  throw Error::internal("no state for aggregate " + name);
}

}  // namespace

std::unique_ptr<AggregateState> AggregateCall::make_state() const {
  if (!distinct) return make_plain_state(*this);
  AggregateCall plain = *this;
  plain.distinct = false;
  auto make_inner = [plain] { return make_plain_state(plain); };
  if (DistinctWordState::handles(argument->type))
    return std::make_unique<DistinctWordState>(argument->type, std::move(make_inner));
  return std::make_unique<DistinctState>(argument->type, std::move(make_inner));
}

std::string AggregateCall::to_sql() const {
  std::string s = function->name + "(";
  if (!argument) return s + "*)";
  if (distinct) s += "DISTINCT ";
  s += expr::to_sql(*argument);
  const std::string name = canonical(function->name);
  if ((name == "first" || name == "last") && ignore_nulls) s += ", true";
  return s + ")";
}

const AggregateFunction* find_aggregate_function(std::string_view name) {
  for (const AggregateFunction& f : catalogue())
    if (f.name.size() == name.size() && ::strncasecmp(f.name.data(), name.data(), name.size()) == 0) return &f;
  return nullptr;
}

std::vector<std::string> aggregate_function_names() {
  std::vector<std::string> out;
  for (const AggregateFunction& f : catalogue()) out.push_back(f.name);
  return out;
}

AggregateCall make_aggregate_call(std::string_view name_in, ExprPtr argument, bool distinct, const Value* second) {
  const AggregateFunction* f = find_aggregate_function(name_in);
  if (!f) throw Error::invalid_input("unknown aggregate function '" + std::string(name_in) + "'");
  AggregateCall call;
  call.function = f;
  call.distinct = distinct;
  const std::string name = canonical(f->name);
  auto type_error = [&](const std::string& why) -> void {
    throw Error::invalid_input("aggregate " + f->name + " cannot take " +
                               (argument ? argument->type.to_string() : std::string("*")) + ": " + why + "; it takes " +
                               f->signature);
  };
  if (!argument) {
    if (name != "count") type_error("only count takes *");
    if (distinct) throw Error::invalid_input("count(DISTINCT *) is not valid; name a column");
    call.result_type = DataType::int64();
    return call;
  }
  if (second && name != "first" && name != "last")
    throw Error::invalid_input("aggregate " + f->name + " takes one argument");
  const DataType& t = argument->type;
  if (name == "count") {
    call.result_type = DataType::int64();
  } else if (name == "count_if") {
    if (t.id() == TypeId::kNull)
      argument = make_implicit_cast(argument, DataType::boolean());
    else if (t.id() != TypeId::kBoolean)
      type_error("it counts rows where a condition is TRUE");
    call.result_type = DataType::int64();
  } else if (name == "sum" || name == "avg" || name == "stddev") {
    if (t.id() == TypeId::kString || t.id() == TypeId::kNull) {
      argument = make_implicit_cast(argument, DataType::float64());
    } else if (!t.is_numeric()) {
      type_error("it needs a number");
    }
    const DataType& a = argument->type;
    if (name == "stddev") {
      if (a.id() != TypeId::kDouble) argument = make_implicit_cast(argument, DataType::float64());
      call.result_type = DataType::float64();
    } else if (a.id() == TypeId::kDecimal) {
      call.result_type = name == "sum" ? bounded_decimal(a.precision() + 10, a.scale())
                                       : bounded_decimal(a.precision() + 4, a.scale() + 4);
    } else if (name == "sum" && a.is_integer()) {
      call.result_type = DataType::int64();
    } else {
      call.result_type = DataType::float64();
    }
  } else if (name == "min" || name == "max") {
    if (!is_orderable(t)) type_error("its values cannot be ordered");
    call.result_type = t;
  } else if (name == "first" || name == "last") {
    if (distinct) throw Error::invalid_input("aggregate " + f->name + " does not take DISTINCT");
    if (t.is_nested()) type_error("nested types are not supported");
    call.result_type = t;
    if (second) {
      if (second->type().id() != TypeId::kBoolean || second->is_null())
        throw Error::invalid_input("the second argument of " + f->name + " must be TRUE or FALSE (ignore NULLs)");
      call.ignore_nulls = second->as_bool();
    }
  }
  if (distinct && t.is_nested()) type_error("DISTINCT needs an atomic type");
  call.argument = std::move(argument);
  return call;
}

}  // namespace bullion::expr
