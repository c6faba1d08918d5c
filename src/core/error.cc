#include "bullion/core/error.h"

#include <cstring>

namespace bullion {

std::string_view category_name(ErrorCategory category) {
  switch (category) {
    case ErrorCategory::kInvalidInput:
      return "invalid input";
    case ErrorCategory::kNotFound:
      return "not found";
    case ErrorCategory::kConflict:
      return "conflict";
    case ErrorCategory::kCorrupt:
      return "corrupt data";
    case ErrorCategory::kIO:
      return "I/O error";
    case ErrorCategory::kUnsupported:
      return "unsupported";
    case ErrorCategory::kInternal:
      return "internal error";
  }
  return "error";
}

int exit_code(ErrorCategory category) {
  switch (category) {
    case ErrorCategory::kInvalidInput:
      return 3;
    case ErrorCategory::kNotFound:
      return 4;
    case ErrorCategory::kConflict:
      return 5;
    case ErrorCategory::kCorrupt:
      return 6;
    case ErrorCategory::kIO:
      return 7;
    case ErrorCategory::kUnsupported:
      return 8;
    case ErrorCategory::kInternal:
      return 70;
  }
  return 1;
}

static std::string compose(const std::string& message, const std::string& hint) {
  if (hint.empty()) return message;
  return message + "\n  hint: " + hint;
}

Error::Error(ErrorCategory category, std::string message, std::string hint)
    : std::runtime_error(compose(message, hint)),
      category_(category),
      message_(std::move(message)),
      hint_(std::move(hint)) {}

Error Error::invalid_input(std::string m, std::string h) {
  return {ErrorCategory::kInvalidInput, std::move(m), std::move(h)};
}
Error Error::not_found(std::string m, std::string h) { return {ErrorCategory::kNotFound, std::move(m), std::move(h)}; }
Error Error::conflict(std::string m, std::string h) { return {ErrorCategory::kConflict, std::move(m), std::move(h)}; }
Error Error::corrupt(std::string m, std::string h) { return {ErrorCategory::kCorrupt, std::move(m), std::move(h)}; }
Error Error::io(std::string m, std::string h) { return {ErrorCategory::kIO, std::move(m), std::move(h)}; }
Error Error::unsupported(std::string m, std::string h) {
  return {ErrorCategory::kUnsupported, std::move(m), std::move(h)};
}
Error Error::internal(std::string m) {
  return {ErrorCategory::kInternal, std::move(m),
          "this is a bug in bullion; please report it with the command that triggered it"};
}

Error Error::from_errno(std::string_view what, std::string_view path, int err) {
  std::string message = std::string(what) + " '" + std::string(path) + "': " + std::strerror(err);
  std::string hint;
  if (err == ENOSPC || err == EDQUOT)
    hint = "free disk space and retry; nothing partial was committed";
  else if (err == EACCES || err == EPERM || err == EROFS)
    hint = "check the permissions of the path";
  else if (err == ENOENT)
    return {ErrorCategory::kNotFound, std::move(message), "check that the path exists"};
  return {ErrorCategory::kIO, std::move(message), std::move(hint)};
}

void assert_failed(const char* condition, const char* file, int line, std::string_view detail) {
  std::string message = std::string("assertion failed: ") + condition + " at " + file + ":" + std::to_string(line);
  if (!detail.empty()) message += " (" + std::string(detail) + ")";
  throw Error::internal(std::move(message));
}

}  // namespace bullion
