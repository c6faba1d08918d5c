#include "xgboost_api.h"

#include <dlfcn.h>

#include <cstdlib>
#include <limits>
#include <mutex>

#include "bullion/core/log.h"

namespace bullion::ml::xgb {
namespace {

// Runs during static initialization, while the process is single-threaded
// (setenv is not safe once other threads may call getenv). When libgomp is
// not loaded yet and the user did not choose a policy, ask for passive
// waiting; libgomp reads it when api() loads libxgboost.
const std::string g_wait_policy = [] {
  const char* env = std::getenv("OMP_WAIT_POLICY");
  if (void* gomp = dlopen("libgomp.so.1", RTLD_NOW | RTLD_NOLOAD)) {
    dlclose(gomp);  // already loaded: it has read the environment as it was
    return std::string(env != nullptr ? env : "");
  }
  if (env != nullptr) return std::string(env);
  setenv("OMP_WAIT_POLICY", "passive", 0);
  return std::string("passive");
}();

void forward_log_line(const char* message) {
  std::string_view m(message);
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.remove_suffix(1);
  // "[14:34:38] WARNING: ..." → "xgboost: WARNING: ..."
  if (!m.empty() && m.front() == '[') {
    const size_t close = m.find("] ");
    if (close != std::string_view::npos) m.remove_prefix(close + 2);
  }
  log_warn("xgboost: " + std::string(m));
}

Api load() {
  void* lib = nullptr;
  std::string errors;
  for (const char* name : {"libxgboost.so.0", BULLION_XGBOOST_LIBRARY}) {
    lib = dlopen(name, RTLD_NOW | RTLD_LOCAL);
    if (lib != nullptr) break;
    errors += std::string(errors.empty() ? "" : "; ") + dlerror();
  }
  if (lib == nullptr)
    throw Error::unsupported("cannot load the XGBoost library: " + errors,
                             "install Debian's libxgboost0 package (apt-get install libxgboost0)");
  // The library stays loaded for the life of the process (models and their
  // handles may be destroyed during exit).
  Api api;
#define BULLION_XGBOOST_RESOLVE(name)                                \
  api.name = reinterpret_cast<decltype(&::name)>(dlsym(lib, #name)); \
  if (api.name == nullptr)                                           \
    throw Error::unsupported("the XGBoost library lacks " #name, "bullion needs XGBoost 1.7 or newer");
  BULLION_XGBOOST_FUNCTIONS(BULLION_XGBOOST_RESOLVE)
#undef BULLION_XGBOOST_RESOLVE
  return api;
}

}  // namespace

const Api& api() {
  static const Api loaded = load();  // a failed load throws and is retried by the next call
  thread_local bool log_callback = false;
  if (!log_callback) {
    // XGBoost keeps one log callback per thread.
    check(loaded.XGBRegisterLogCallback(&forward_log_line), "XGBRegisterLogCallback");
    log_callback = true;
  }
  return loaded;
}

std::string effective_wait_policy() { return g_wait_policy; }

std::string last_error() {
  std::string_view m(api().XGBGetLastError());
  if (const size_t trace = m.find("\nStack trace:"); trace != std::string_view::npos) m = m.substr(0, trace);
  if (!m.empty() && m.front() == '[') {
    const size_t close = m.find("] ");
    if (close != std::string_view::npos) m.remove_prefix(close + 2);
  }
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.remove_suffix(1);
  return std::string(m);
}

Matrix::Matrix(const float* values, size_t num_rows, size_t num_columns, int nthread) {
  check(api().XGDMatrixCreateFromMat_omp(values, num_rows, num_columns, std::numeric_limits<float>::quiet_NaN(),
                                         &handle_, nthread),
        "XGDMatrixCreateFromMat");
}

Booster::Booster(const DMatrixHandle* cache, size_t n) {
  check(api().XGBoosterCreate(cache, n, &handle_), "XGBoosterCreate");
}

}  // namespace bullion::ml::xgb
