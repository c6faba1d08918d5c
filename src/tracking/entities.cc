#include "bullion/tracking/entities.h"

#include <pwd.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdlib>
#include <random>
#include <string>

#include "bullion/tracking/store.h"
#include "tracking/store_internal.h"

namespace bullion::tracking {

namespace {
bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::toupper(static_cast<unsigned char>(a[i])) != std::toupper(static_cast<unsigned char>(b[i]))) return false;
  return true;
}
}  // namespace

const char* to_string(LifecycleStage stage) { return stage == LifecycleStage::kActive ? "active" : "deleted"; }

const char* to_string(RunStatus status) {
  switch (status) {
    case RunStatus::kRunning:
      return "RUNNING";
    case RunStatus::kScheduled:
      return "SCHEDULED";
    case RunStatus::kFinished:
      return "FINISHED";
    case RunStatus::kFailed:
      return "FAILED";
    case RunStatus::kKilled:
      return "KILLED";
  }
  return "RUNNING";
}

const char* to_string(ViewType view) {
  switch (view) {
    case ViewType::kActiveOnly:
      return "ACTIVE_ONLY";
    case ViewType::kDeletedOnly:
      return "DELETED_ONLY";
    case ViewType::kAll:
      return "ALL";
  }
  return "ACTIVE_ONLY";
}

const char* to_string(LoggedModelStatus status) {
  switch (status) {
    case LoggedModelStatus::kPending:
      return "LOGGED_MODEL_PENDING";
    case LoggedModelStatus::kReady:
      return "LOGGED_MODEL_READY";
    case LoggedModelStatus::kUploadFailed:
      return "LOGGED_MODEL_UPLOAD_FAILED";
  }
  return "LOGGED_MODEL_PENDING";
}

const char* to_string(ModelVersionStatus status) {
  switch (status) {
    case ModelVersionStatus::kPendingRegistration:
      return "PENDING_REGISTRATION";
    case ModelVersionStatus::kFailedRegistration:
      return "FAILED_REGISTRATION";
    case ModelVersionStatus::kReady:
      return "READY";
  }
  return "READY";
}

std::optional<RunStatus> parse_run_status(std::string_view text) {
  for (RunStatus s :
       {RunStatus::kRunning, RunStatus::kScheduled, RunStatus::kFinished, RunStatus::kFailed, RunStatus::kKilled})
    if (iequals(text, to_string(s))) return s;
  return std::nullopt;
}

std::optional<ViewType> parse_view_type(std::string_view text) {
  for (ViewType v : {ViewType::kActiveOnly, ViewType::kDeletedOnly, ViewType::kAll})
    if (iequals(text, to_string(v))) return v;
  return std::nullopt;
}

std::optional<LoggedModelStatus> parse_logged_model_status(std::string_view text) {
  for (LoggedModelStatus s :
       {LoggedModelStatus::kPending, LoggedModelStatus::kReady, LoggedModelStatus::kUploadFailed}) {
    if (iequals(text, to_string(s))) return s;
    if (iequals(text, std::string_view(to_string(s)).substr(13))) return s;  // without "LOGGED_MODEL_"
  }
  if (iequals(text, "FAILED")) return LoggedModelStatus::kUploadFailed;
  return std::nullopt;
}

std::string new_run_id() { return detail::random_hex(16); }
std::string new_model_id() { return "m-" + detail::random_hex(16); }

int64_t now_millis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string current_user() {
  if (const char* user = std::getenv("USER"); user != nullptr && *user != '\0') return user;
  if (const passwd* pw = ::getpwuid(::geteuid()); pw != nullptr && pw->pw_name != nullptr) return pw->pw_name;
  return "unknown";
}

namespace detail {

std::string random_hex(size_t bytes) {
  thread_local std::mt19937_64 rng = [] {
    std::random_device device;
    std::seed_seq seq{device(), device(), device(), device(), device(), device(), device(), device()};
    return std::mt19937_64(seq);
  }();
  // After fork() a child must not repeat its parent's ids: mix in the pid.
  thread_local pid_t seeded_pid = ::getpid();
  if (seeded_pid != ::getpid()) {
    std::random_device device;
    rng.seed((static_cast<uint64_t>(device()) << 32) ^ device() ^ static_cast<uint64_t>(::getpid()));
    seeded_pid = ::getpid();
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes * 2);
  uint64_t word = 0;
  for (size_t i = 0; i < bytes; ++i) {
    if (i % 8 == 0) word = rng();
    uint8_t byte = static_cast<uint8_t>(word >> ((i % 8) * 8));
    if (bytes == 16 && i == 6) byte = (byte & 0x0f) | 0x40;  // uuid version 4
    if (bytes == 16 && i == 8) byte = (byte & 0x3f) | 0x80;  // RFC 4122 variant
    out += kHex[byte >> 4];
    out += kHex[byte & 15];
  }
  return out;
}

std::string generate_run_name() {
  static constexpr const char* kAdjectives[] = {"amber",  "bold",  "brave", "bright", "calm",   "clever", "crisp",
                                                "deft",   "eager", "fleet", "gentle", "golden", "keen",   "lucid",
                                                "nimble", "quiet", "rapid", "silver", "steady", "sunny",  "vivid"};
  static constexpr const char* kNouns[] = {"badger", "crane", "falcon", "fox",   "heron", "ibis",  "lynx",
                                           "marten", "otter", "owl",    "panda", "raven", "robin", "seal",
                                           "stoat",  "swift", "tern",   "trout", "wolf",  "wren",  "yak"};
  const std::string hex = random_hex(4);
  const uint32_t r = static_cast<uint32_t>(std::stoul(hex, nullptr, 16));
  return std::string(kAdjectives[r % std::size(kAdjectives)]) + "-" +
         kNouns[(r / std::size(kAdjectives)) % std::size(kNouns)] + "-" + std::to_string(r % 1000);
}

}  // namespace detail
}  // namespace bullion::tracking
