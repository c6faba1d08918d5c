// The CAST kernel and its column-level entry point (internal).
#pragma once

#include "expr/kernel.h"

namespace bullion::expr {

// Casts rows [0, n) of `in` into `out` (cleared, of the target type).
void cast_into(const Datum& in, size_t n, Column& out);
// Kernel of a kCast node.
void cast_kernel(const KernelArgs& in, Column& out);

}  // namespace bullion::expr
