// Kernels: the column-at-a-time implementations behind Expr nodes.
//
// A kernel is a plain function called once per node per batch with the
// node's evaluated arguments; it fills `out` (a cleared column of the node's
// type) with num_rows rows. Arguments are Datums: a column, or a constant
// (a one-row column standing for every row). Kernels take the no-NULL fast
// path when no argument has a validity buffer.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>

#include "bullion/columnar/column.h"
#include "bullion/core/error.h"
#include "bullion/expr/expr.h"

namespace bullion::expr {

struct Datum {
  const Column* column = nullptr;
  bool constant = false;  // every row has the value of row 0

  size_t index(size_t i) const { return constant ? 0 : i; }
  bool is_null(size_t i) const { return column->is_null(index(i)); }
  bool has_nulls() const { return column->may_have_nulls(); }
  const DataType& type() const { return column->type(); }
  template <class T>
  const T* data() const {
    return column->data<T>();
  }
  std::string_view string(size_t i) const { return column->strings()[index(i)]; }
};

struct KernelArgs {
  const Expr& node;
  const Datum* args;
  size_t num_args;
  size_t num_rows;

  const Datum& operator[](size_t i) const { return args[i]; }
};

using KernelFn = void (*)(const KernelArgs& in, Column& out);

struct BoundKernel {
  KernelFn fn = nullptr;
  // Node-specific data prepared once by the binder (a compiled LIKE pattern,
  // an IN set, a datetime format); immutable, shared by every evaluation.
  std::shared_ptr<const void> state;

  template <class T>
  const T& state_as() const {
    return *static_cast<const T*>(state.get());
  }
};

inline std::shared_ptr<const BoundKernel> make_kernel(KernelFn fn, std::shared_ptr<const void> state = nullptr) {
  auto k = std::make_shared<BoundKernel>();
  k->fn = fn;
  k->state = std::move(state);
  return k;
}

// --- NULL handling ------------------------------------------------------------

// For a function that is NULL when any argument is NULL: makes out's validity
// (out already has num_rows rows) the AND of the arguments' validity.
// Nothing is materialized when no argument can be NULL.
inline void propagate_nulls(const Datum* args, size_t num_args, size_t n, Column& out) {
  bool any = false;
  for (size_t a = 0; a < num_args; ++a) any |= args[a].has_nulls();
  if (!any) return;
  uint8_t* v = out.mutable_validity();
  for (size_t a = 0; a < num_args; ++a) {
    const Datum& d = args[a];
    if (!d.has_nulls()) continue;
    if (d.constant) {
      if (d.column->is_null(0)) std::memset(v, 0, n);
      continue;
    }
    const uint8_t* av = d.column->validity();
    if (av == nullptr) {  // a NULL-typed column
      std::memset(v, 0, n);
      continue;
    }
    for (size_t i = 0; i < n; ++i) v[i] &= av[i];
  }
}

inline void propagate_nulls(const KernelArgs& in, Column& out) {
  propagate_nulls(in.args, in.num_args, in.num_rows, out);
}

inline void set_all_null(Column& out, size_t n) {
  out.resize(n);
  if (out.type().id() != TypeId::kNull && n > 0) std::memset(out.mutable_validity(), 0, n);
}

// Fills `out` (cleared, same type as d) with rows [0, n) of `d`; a constant
// is repeated. Strings are shared, not copied.
void materialize(const Datum& d, size_t n, Column& out);

// --- physical types -----------------------------------------------------------

template <class T>
struct Tag {
  using type = T;
};

// Calls f(Tag<C++ type>) for the physical representation of `id` (type.h).
template <class F>
decltype(auto) visit_physical(TypeId id, F&& f) {
  switch (id) {
    case TypeId::kBoolean:
      return f(Tag<uint8_t>{});
    case TypeId::kInt8:
      return f(Tag<int8_t>{});
    case TypeId::kInt16:
      return f(Tag<int16_t>{});
    case TypeId::kInt32:
    case TypeId::kDate:
      return f(Tag<int32_t>{});
    case TypeId::kInt64:
    case TypeId::kTimestamp:
    case TypeId::kTimestampNtz:
      return f(Tag<int64_t>{});
    case TypeId::kFloat:
      return f(Tag<float>{});
    case TypeId::kDouble:
      return f(Tag<double>{});
    case TypeId::kDecimal:
      return f(Tag<int128>{});
    case TypeId::kString:
    case TypeId::kBinary:
      return f(Tag<std::string_view>{});
    default:
      break;
  }
  throw Error::internal("no physical dispatch for type id " + std::to_string(static_cast<int>(id)));
}

// Calls f(Tag<C++ type>) for BOOLEAN and the integral and floating types.
template <class F>
decltype(auto) visit_arithmetic(TypeId id, F&& f) {
  switch (id) {
    case TypeId::kBoolean:
      return f(Tag<uint8_t>{});
    case TypeId::kInt8:
      return f(Tag<int8_t>{});
    case TypeId::kInt16:
      return f(Tag<int16_t>{});
    case TypeId::kInt32:
      return f(Tag<int32_t>{});
    case TypeId::kInt64:
      return f(Tag<int64_t>{});
    case TypeId::kFloat:
      return f(Tag<float>{});
    case TypeId::kDouble:
      return f(Tag<double>{});
    default:
      break;
  }
  throw Error::internal("no arithmetic dispatch for type id " + std::to_string(static_cast<int>(id)));
}

// Copies the value (not validity) of row `from` of `src` to row `to` of
// `dst`, same physical type; strings are shared by view (the caller makes
// dst keep src's strings alive).
template <class T>
inline void copy_value(const Column& src, size_t from, Column& dst, size_t to) {
  dst.mutable_data<T>()[to] = src.data<T>()[from];
}

// Spark's ordering of doubles: NaN equals NaN and is above everything,
// -0.0 equals 0.0.
template <class F>
inline int compare_floating(F a, F b) {
  if (a < b) return -1;
  if (a > b) return 1;
  if (a == b) return 0;
  const bool an = a != a, bn = b != b;
  return an == bn ? 0 : (an ? 1 : -1);
}

template <class T>
inline int compare_physical(const T& a, const T& b) {
  if constexpr (std::is_floating_point_v<T>) {
    return compare_floating(a, b);
  } else if constexpr (std::is_same_v<T, std::string_view>) {
    const int c = a.compare(b);
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  } else {
    return a < b ? -1 : (a > b ? 1 : 0);
  }
}

}  // namespace bullion::expr
