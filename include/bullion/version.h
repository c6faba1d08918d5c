// bullion/version.h — the release version, one place.
#pragma once

namespace bullion {
inline constexpr const char* kVersion = "0.1.0";
}
