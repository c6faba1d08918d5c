// XGBoost's C API, loaded on first use, and RAII owners of its handles.
//
// Why loaded at run time (dlopen) instead of linked: libxgboost pulls in
// libgomp, and libgomp reads OMP_WAIT_POLICY exactly once, in its ELF
// constructor. Linked, that constructor runs before any bullion code, so
// idle OpenMP threads would spin (libgomp's default) whatever bullion does.
// Loaded here, after this file's static initializer has set
// OMP_WAIT_POLICY=passive (unless the user set it), XGBoost's threads sleep
// when idle. It also keeps libgomp — which is not fork-safe — out of every
// process that never trains (serve, run, table ...), and a machine without
// libxgboost gets a clear error when it trains instead of a binary that
// does not start. Packaging must therefore declare the libxgboost0
// dependency itself (dpkg-shlibdeps cannot see it).
#pragma once

#include <xgboost/c_api.h>

#include <string>
#include <string_view>
#include <utility>

#include "bullion/core/error.h"

namespace bullion::ml::xgb {

#define BULLION_XGBOOST_FUNCTIONS(X) \
  X(XGBGetLastError)                 \
  X(XGBRegisterLogCallback)          \
  X(XGBoostVersion)                  \
  X(XGDMatrixCreateFromMat_omp)      \
  X(XGDMatrixFree)                   \
  X(XGDMatrixSetFloatInfo)           \
  X(XGDMatrixSetStrFeatureInfo)      \
  X(XGBoosterCreate)                 \
  X(XGBoosterFree)                   \
  X(XGBoosterSetParam)               \
  X(XGBoosterUpdateOneIter)          \
  X(XGBoosterSetStrFeatureInfo)      \
  X(XGBoosterGetStrFeatureInfo)      \
  X(XGBoosterLoadModelFromBuffer)    \
  X(XGBoosterSaveJsonConfig)         \
  X(XGBoosterGetNumFeature)          \
  X(XGBoosterBoostedRounds)          \
  X(XGBoosterPredictFromDMatrix)     \
  X(XGBoosterSaveModelToBuffer)      \
  X(XGBoosterSaveModel) /* tests */  \
  X(XGBoosterFeatureScore)

// One pointer per C API function bullion calls, typed from c_api.h.
struct Api {
#define BULLION_XGBOOST_MEMBER(name) decltype(&::name) name = nullptr;
  BULLION_XGBOOST_FUNCTIONS(BULLION_XGBOOST_MEMBER)
#undef BULLION_XGBOOST_MEMBER
};

// Loads libxgboost (once, thread-safe) and installs bullion's log callback
// for the calling thread. Throws kUnsupported naming the library and the
// Debian package when it cannot be loaded.
const Api& api();

// The OpenMP wait policy XGBoost's threads run with: OMP_WAIT_POLICY as
// libgomp reads it when loaded ("" = libgomp's default, spinning).
std::string effective_wait_policy();

// XGBGetLastError() without its timestamp prefix and stack trace.
std::string last_error();

// Throws Error(category) "xgboost: <what> failed: <last error>" unless rc == 0.
inline void check(int rc, std::string_view what, ErrorCategory category = ErrorCategory::kInternal) {
  if (rc != 0) [[unlikely]]
    throw Error(category, "xgboost: " + std::string(what) + " failed: " + last_error());
}

class Matrix {
 public:
  Matrix() = default;
  // A dense row-major matrix; NaN marks missing values. XGBoost copies the data.
  Matrix(const float* values, size_t num_rows, size_t num_columns, int nthread);
  Matrix(Matrix&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}
  Matrix& operator=(Matrix&& other) noexcept {
    std::swap(handle_, other.handle_);
    return *this;
  }
  Matrix(const Matrix&) = delete;
  Matrix& operator=(const Matrix&) = delete;
  ~Matrix() {
    if (handle_ != nullptr) api().XGDMatrixFree(handle_);
  }
  DMatrixHandle get() const { return handle_; }

 private:
  DMatrixHandle handle_ = nullptr;
};

class Booster {
 public:
  Booster() = default;
  // A booster caching the given matrices (none for a model to be loaded).
  Booster(const DMatrixHandle* cache, size_t n);
  Booster(Booster&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}
  Booster& operator=(Booster&& other) noexcept {
    std::swap(handle_, other.handle_);
    return *this;
  }
  Booster(const Booster&) = delete;
  Booster& operator=(const Booster&) = delete;
  ~Booster() {
    if (handle_ != nullptr) api().XGBoosterFree(handle_);
  }
  BoosterHandle get() const { return handle_; }

 private:
  BoosterHandle handle_ = nullptr;
};

}  // namespace bullion::ml::xgb
