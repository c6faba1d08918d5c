// The scalar function registry (internal): name → resolver. A resolver
// type-checks a call, inserts the implicit casts its arguments need, and
// picks the kernel and the result type.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "bullion/expr/expr.h"
#include "expr/kernel.h"

namespace bullion::expr {

struct ScalarFunction;

// What a resolver sees and fills in.
class ResolveContext {
 public:
  using CastMaker = std::function<ExprPtr(ExprPtr, const DataType&)>;
  // Builds the error for a message: what + " at <position>" + rest.
  using ErrorMaker = std::function<Error(const std::string& what, const std::string& rest)>;

  ResolveContext(const ScalarFunction& function, std::vector<ExprPtr> args, CastMaker make_cast, ErrorMaker make_error)
      : function_(function),
        args_(std::move(args)),
        make_cast_(std::move(make_cast)),
        make_error_(std::move(make_error)) {}

  const ScalarFunction& function() const { return function_; }
  size_t size() const { return args_.size(); }
  const ExprPtr& arg(size_t i) const { return args_[i]; }
  const DataType& type(size_t i) const { return args_[i]->type; }
  bool is_literal(size_t i) const { return args_[i]->is_literal(); }
  const Value& literal(size_t i) const { return args_[i]->value; }
  std::vector<ExprPtr>& args() { return args_; }

  // Implicitly casts argument i to `to` (Spark's implicitCast); false if not allowed.
  bool try_coerce(size_t i, const DataType& to);
  // The same, or a type error.
  void coerce(size_t i, const DataType& to);
  // An explicit cast (no implicit-cast check).
  void cast(size_t i, const DataType& to);

  // "function f cannot take (INT, BOOLEAN) at 1:1; it takes f(...)"
  [[noreturn]] void type_error() const;
  [[noreturn]] void fail(const std::string& message) const;

  void set_result(DataType type, KernelFn fn, std::shared_ptr<const void> state = nullptr) {
    result_type = std::move(type);
    kernel = fn;
    this->state = std::move(state);
  }

  DataType result_type;
  KernelFn kernel = nullptr;
  std::shared_ptr<const void> state;

 private:
  const ScalarFunction& function_;
  std::vector<ExprPtr> args_;
  CastMaker make_cast_;
  ErrorMaker make_error_;
};

using Resolver = void (*)(ResolveContext& ctx);

struct ScalarFunction {
  std::string name;  // canonical, lower case
  int min_args = 0;
  int max_args = 0;  // -1: any number
  std::string signature;
  std::string description;
  Resolver resolve = nullptr;
};

class FunctionRegistry {
 public:
  static const FunctionRegistry& instance();

  // Case-insensitive; nullptr if unknown.
  const ScalarFunction* find(std::string_view name) const;
  const std::vector<ScalarFunction>& functions() const { return functions_; }
  std::vector<std::string> names() const;

 private:
  FunctionRegistry();
  std::vector<ScalarFunction> functions_;
};

// Registration, one per source file of functions.
void register_string_functions(std::vector<ScalarFunction>& out);
void register_datetime_functions(std::vector<ScalarFunction>& out);
void register_math_functions(std::vector<ScalarFunction>& out);
void register_conditional_functions(std::vector<ScalarFunction>& out);

// Shared resolver pieces.
std::string type_list(const ResolveContext& ctx);  // "(INT, STRING)"

}  // namespace bullion::expr
