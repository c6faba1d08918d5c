// bullion/expr/functions.h — the catalogue of scalar functions.
//
// For documentation, `bullion` help output and name suggestions; the
// binder resolves calls through the same registry. Thread-safe (the
// registry is built once, then read-only).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace bullion::expr {

struct FunctionInfo {
  std::string name;         // canonical lower-case name
  std::string signature;    // "datediff(end DATE, start DATE) → INT"
  std::string description;  // one line
  bool aggregate = false;
};

// Every scalar and aggregate function, sorted by name (aliases listed under
// their own names).
std::vector<FunctionInfo> list_functions();

// True if `name` (case-insensitive) is a scalar or aggregate function.
bool is_function(std::string_view name);

}  // namespace bullion::expr
