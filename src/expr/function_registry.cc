#include "expr/function_registry.h"

#include <strings.h>

#include <algorithm>

#include "bullion/core/error.h"
#include "bullion/expr/aggregate.h"
#include "bullion/expr/functions.h"
#include "expr/coercion.h"

namespace bullion::expr {

bool ResolveContext::try_coerce(size_t i, const DataType& to) {
  if (type(i) == to) return true;
  auto target = implicit_cast_target(type(i), to);
  if (!target) return false;
  args_[i] = make_cast_(args_[i], *target);
  return true;
}

void ResolveContext::coerce(size_t i, const DataType& to) {
  if (!try_coerce(i, to)) type_error();
}

void ResolveContext::cast(size_t i, const DataType& to) {
  if (type(i) == to) return;
  args_[i] = make_cast_(args_[i], to);
}

std::string type_list(const ResolveContext& ctx) {
  std::string s = "(";
  for (size_t i = 0; i < ctx.size(); ++i) s += (i ? ", " : "") + ctx.type(i).to_string();
  return s + ")";
}

void ResolveContext::type_error() const {
  throw make_error_("function " + function_.name + " cannot take " + type_list(*this),
                    "; it takes " + function_.signature);
}

void ResolveContext::fail(const std::string& message) const { throw make_error_(message, ""); }

const FunctionRegistry& FunctionRegistry::instance() {
  static const FunctionRegistry registry;
  return registry;
}

FunctionRegistry::FunctionRegistry() {
  register_string_functions(functions_);
  register_datetime_functions(functions_);
  register_math_functions(functions_);
  register_conditional_functions(functions_);
  std::sort(functions_.begin(), functions_.end(),
            [](const ScalarFunction& a, const ScalarFunction& b) { return a.name < b.name; });
}

const ScalarFunction* FunctionRegistry::find(std::string_view name) const {
  for (const ScalarFunction& f : functions_)
    if (f.name.size() == name.size() && ::strncasecmp(f.name.data(), name.data(), name.size()) == 0) return &f;
  return nullptr;
}

std::vector<std::string> FunctionRegistry::names() const {
  std::vector<std::string> out;
  out.reserve(functions_.size());
  for (const ScalarFunction& f : functions_) out.push_back(f.name);
  return out;
}

std::vector<FunctionInfo> list_functions() {
  std::vector<FunctionInfo> out;
  for (const ScalarFunction& f : FunctionRegistry::instance().functions())
    out.push_back({f.name, f.signature, f.description, false});
  for (const std::string& name : aggregate_function_names()) {
    const AggregateFunction* a = find_aggregate_function(name);
    out.push_back({name, a->signature, "aggregate", true});
  }
  std::sort(out.begin(), out.end(), [](const FunctionInfo& a, const FunctionInfo& b) { return a.name < b.name; });
  return out;
}

bool is_function(std::string_view name) {
  return FunctionRegistry::instance().find(name) != nullptr || find_aggregate_function(name) != nullptr;
}

}  // namespace bullion::expr
