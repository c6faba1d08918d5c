// Shared by the runs / models commands: opening the lakehouse's tracking
// store for reading (without creating one where there is none).
#pragma once

#include <memory>
#include <string>

#include "bullion/tracking/store.h"
#include "cli/cli.h"

namespace bullion::cli {

// Opens <lakehouse>/_tracking; kNotFound naming the path if it does not exist
// and `create` is false.
std::unique_ptr<tracking::TrackingStore> open_tracking_store(const GlobalOptions& global, bool create);

}  // namespace bullion::cli
