// bullion/core/error.h — the one exception type of bullion.
//
// Contract: every user-facing failure is a bullion::Error with a category.
// The message says what failed, where (file, row, column, position) and what
// to do about it. Internal invariant violations use BULLION_ASSERT, which
// throws an Error of category kInternal naming the source location.
// Errors are values: copyable, cheap, thread-safe to throw across threads.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace bullion {

enum class ErrorCategory {
  kInvalidInput,  // the user's data, spec, flags or request are wrong
  kNotFound,      // a table, file, version, run or model does not exist
  kConflict,      // a concurrent writer won, or the operation conflicts with the state
  kCorrupt,       // stored data (Parquet, Delta log, tracking store) is damaged
  kIO,            // the operating system refused (permissions, disk full, ...)
  kUnsupported,   // valid but not supported (a Delta feature, a command not built yet)
  kInternal,      // a bug in bullion
};

std::string_view category_name(ErrorCategory category);

// Process exit code for a category; documented in README ("Exit codes").
int exit_code(ErrorCategory category);

class Error : public std::runtime_error {
 public:
  // `message` says what failed and where; `hint` (optional) says what to do.
  Error(ErrorCategory category, std::string message, std::string hint = {});

  ErrorCategory category() const { return category_; }
  const std::string& message() const { return message_; }
  const std::string& hint() const { return hint_; }

  // Convenience constructors, one per category.
  static Error invalid_input(std::string message, std::string hint = {});
  static Error not_found(std::string message, std::string hint = {});
  static Error conflict(std::string message, std::string hint = {});
  static Error corrupt(std::string message, std::string hint = {});
  static Error io(std::string message, std::string hint = {});
  static Error unsupported(std::string message, std::string hint = {});
  static Error internal(std::string message);

  // An I/O error for a failed system call: "<what> '<path>': <strerror(err)>".
  static Error from_errno(std::string_view what, std::string_view path, int err);

 private:
  ErrorCategory category_;
  std::string message_;
  std::string hint_;
};

[[noreturn]] void assert_failed(const char* condition, const char* file, int line, std::string_view detail);

}  // namespace bullion

// Invariant check, active in every build type: a failed check is a bug in
// bullion, reported as Error(kInternal) with the location.
#define BULLION_ASSERT(cond, ...)                                                         \
  do {                                                                                    \
    if (!(cond)) [[unlikely]]                                                             \
      ::bullion::assert_failed(#cond, __FILE__, __LINE__, std::string_view{__VA_ARGS__}); \
  } while (0)
