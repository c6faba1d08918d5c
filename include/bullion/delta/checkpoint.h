// bullion/delta/checkpoint.h — writing Delta checkpoints.
//
// write_checkpoint() writes `<version>.checkpoint.parquet` (a classic,
// single-file checkpoint: protocol, metaData, txn, domainMetadata, live adds
// with their JSON stats, unexpired tombstones) under a hidden temp name, then
// renames it into place and replaces `_last_checkpoint` atomically, so a
// reader never sees a partial checkpoint and a crash leaves only a hidden
// temp file. Throws bullion::Error; callers treat failure as non-fatal (a
// checkpoint is an optimization: the commits remain the source of truth).
#pragma once

#include <cstdint>

#include "bullion/delta/log.h"

namespace bullion::delta {

// delta.checkpointInterval, default 10.
int64_t checkpoint_interval(const Metadata& metadata);

void write_checkpoint(const DeltaTable& table, const Snapshot& snapshot);

}  // namespace bullion::delta
