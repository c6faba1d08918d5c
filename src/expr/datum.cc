#include "expr/kernel.h"

namespace bullion::expr {

void materialize(const Datum& d, size_t n, Column& out) {
  const Column& src = *d.column;
  if (!d.constant) {
    out.append_from(src, 0, n);
    return;
  }
  if (src.type().id() == TypeId::kNull || src.is_null(0)) {
    set_all_null(out, n);
    return;
  }
  if (src.type().is_nested()) {
    for (size_t i = 0; i < n; ++i) out.append_from(src, 0, 1);
    return;
  }
  out.resize(n);
  visit_physical(src.type().id(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T v = src.data<T>()[0];
    T* o = out.mutable_data<T>();
    for (size_t i = 0; i < n; ++i) o[i] = v;
  });
  if (src.type().is_string_like()) out.share_owners_of(src);
}

}  // namespace bullion::expr
