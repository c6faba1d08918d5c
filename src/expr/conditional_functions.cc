// coalesce, least, greatest, and the cast functions (int(x), date(x), ...).
// nullif, if, ifnull and nvl are rewritten by the binder (as Spark does) into
// CASE and coalesce; they are listed here for the catalogue.
#include <cstring>

#include "bullion/expr/cast.h"
#include "expr/coercion.h"
#include "expr/function_registry.h"
#include "expr/operators.h"

namespace bullion::expr {

namespace {

void coalesce_kernel(const KernelArgs& in, Column& out) {
  const size_t n = in.num_rows;
  if (out.type().id() == TypeId::kNull) {
    out.resize(n);
    return;
  }
  if (!in[0].has_nulls()) {
    materialize(in[0], n, out);
    return;
  }
  out.resize(n);
  uint8_t* valid = out.mutable_validity();
  std::memset(valid, 0, n);
  const bool strings = out.type().is_string_like();
  visit_physical(out.type().id(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* o = out.mutable_data<T>();
    for (size_t i = 0; i < n; ++i) o[i] = T{};
    size_t remaining = n;
    for (size_t a = 0; a < in.num_args && remaining > 0; ++a) {
      const Datum& d = in[a];
      if (d.type().id() == TypeId::kNull) continue;
      const T* x = d.data<T>();
      bool used = false;
      for (size_t i = 0; i < n; ++i) {
        if (valid[i]) continue;
        const size_t r = d.index(i);
        if (d.column->is_null(r)) continue;
        o[i] = x[r];
        valid[i] = 1;
        --remaining;
        used = true;
      }
      if (used && strings) out.share_owners_of(*d.column);
    }
  });
  out.compact_validity();
}

template <bool kGreatest>
void extreme_kernel(const KernelArgs& in, Column& out) {
  const size_t n = in.num_rows;
  out.resize(n);
  if (out.type().id() == TypeId::kNull) return;
  uint8_t* valid = out.mutable_validity();
  std::memset(valid, 0, n);
  const bool strings = out.type().is_string_like();
  visit_physical(out.type().id(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* o = out.mutable_data<T>();
    for (size_t i = 0; i < n; ++i) o[i] = T{};
    for (size_t a = 0; a < in.num_args; ++a) {
      const Datum& d = in[a];
      if (d.type().id() == TypeId::kNull) continue;
      const T* x = d.data<T>();
      for (size_t i = 0; i < n; ++i) {
        const size_t r = d.index(i);
        if (d.column->is_null(r)) continue;
        const T v = x[r];
        if (!valid[i] || (kGreatest ? compare_physical(v, o[i]) > 0 : compare_physical(v, o[i]) < 0)) {
          o[i] = v;
          valid[i] = 1;
        }
      }
      if (strings) out.share_owners_of(*d.column);
    }
  });
  out.compact_validity();
}

void passthrough_kernel(const KernelArgs& in, Column& out) { materialize(in[0], in.num_rows, out); }

void resolve_coalesce(ResolveContext& ctx) {
  std::vector<DataType> types;
  for (size_t i = 0; i < ctx.size(); ++i) types.push_back(ctx.type(i));
  auto common = wider_common_type_of(types, true);
  if (!common) ctx.fail("coalesce needs arguments of compatible types, got " + type_list(ctx));
  for (size_t i = 0; i < ctx.size(); ++i) ctx.cast(i, *common);
  ctx.set_result(*common, coalesce_kernel);
}

template <bool kGreatest>
void resolve_extreme(ResolveContext& ctx) {
  std::vector<DataType> types;
  for (size_t i = 0; i < ctx.size(); ++i) types.push_back(ctx.type(i));
  auto common = wider_common_type_of(types, false);
  if (!common || !is_orderable(*common))
    ctx.fail(ctx.function().name + " needs arguments of one comparable type, got " + type_list(ctx));
  for (size_t i = 0; i < ctx.size(); ++i) ctx.cast(i, *common);
  ctx.set_result(*common, extreme_kernel<kGreatest>);
}

template <TypeId kTarget>
void resolve_cast_function(ResolveContext& ctx) {
  const DataType target(kTarget);
  if (!can_cast(ctx.type(0), target)) ctx.type_error();
  ctx.cast(0, target);
  ctx.set_result(target, passthrough_kernel);
}

}  // namespace

void register_conditional_functions(std::vector<ScalarFunction>& out) {
  out.push_back({"coalesce", 1, -1, "coalesce(x, ...) → the common type", "the first argument that is not NULL",
                 resolve_coalesce});
  out.push_back(
      {"least", 2, -1, "least(x, y, ...) → the common type", "the smallest non-NULL argument", resolve_extreme<false>});
  out.push_back({"greatest", 2, -1, "greatest(x, y, ...) → the common type", "the largest non-NULL argument",
                 resolve_extreme<true>});
  // Rewritten by the binder.
  out.push_back({"nullif", 2, 2, "nullif(x, y) → x's type", "NULL if x = y, else x", nullptr});
  out.push_back({"if", 3, 3, "if(condition BOOLEAN, then, else) → the common type",
                 "then if the condition is TRUE, else `else`", nullptr});
  out.push_back({"ifnull", 2, 2, "ifnull(x, y) → the common type", "coalesce(x, y)", nullptr});
  out.push_back({"nvl", 2, 2, "nvl(x, y) → the common type", "coalesce(x, y)", nullptr});
  // CAST as a function, as Spark allows: int(x) = CAST(x AS INT).
  out.push_back(
      {"boolean", 1, 1, "boolean(x) → BOOLEAN", "CAST(x AS BOOLEAN)", resolve_cast_function<TypeId::kBoolean>});
  out.push_back({"tinyint", 1, 1, "tinyint(x) → TINYINT", "CAST(x AS TINYINT)", resolve_cast_function<TypeId::kInt8>});
  out.push_back(
      {"smallint", 1, 1, "smallint(x) → SMALLINT", "CAST(x AS SMALLINT)", resolve_cast_function<TypeId::kInt16>});
  out.push_back({"int", 1, 1, "int(x) → INT", "CAST(x AS INT)", resolve_cast_function<TypeId::kInt32>});
  out.push_back({"bigint", 1, 1, "bigint(x) → BIGINT", "CAST(x AS BIGINT)", resolve_cast_function<TypeId::kInt64>});
  out.push_back({"float", 1, 1, "float(x) → FLOAT", "CAST(x AS FLOAT)", resolve_cast_function<TypeId::kFloat>});
  out.push_back({"double", 1, 1, "double(x) → DOUBLE", "CAST(x AS DOUBLE)", resolve_cast_function<TypeId::kDouble>});
  out.push_back({"string", 1, 1, "string(x) → STRING", "CAST(x AS STRING)", resolve_cast_function<TypeId::kString>});
  out.push_back({"binary", 1, 1, "binary(x) → BINARY", "CAST(x AS BINARY)", resolve_cast_function<TypeId::kBinary>});
  out.push_back({"date", 1, 1, "date(x) → DATE", "CAST(x AS DATE)", resolve_cast_function<TypeId::kDate>});
  out.push_back({"timestamp", 1, 1, "timestamp(x) → TIMESTAMP", "CAST(x AS TIMESTAMP)",
                 resolve_cast_function<TypeId::kTimestamp>});
}

}  // namespace bullion::expr
