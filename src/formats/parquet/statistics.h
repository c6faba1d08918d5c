// Column chunk statistics: footer Statistics <-> ColumnStats, following the
// traps of Parquet statistics (PARQUET-251/686: deprecated byte-array min/max
// are never trusted; no stats for INT96; NaN and signed zeros; truncation).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "bullion/columnar/predicate.h"
#include "formats/parquet/metadata.h"
#include "formats/parquet/schema.h"

namespace bullion::parquet {

// A statistics value in its PLAIN form (byte arrays without length prefix)
// as a Value of the leaf's bullion type; nullopt if the bytes do not fit.
std::optional<Value> decode_stat_value(const LeafInfo& leaf, std::string_view bytes);

// The trustworthy part of a column chunk's statistics.
ColumnStats read_chunk_stats(const LeafInfo& leaf, const std::optional<Statistics>& stats, ColumnOrder order,
                             int64_t num_values);

// Truncation of byte-array statistics to at most `max_bytes` bytes. For UTF-8
// text (`utf8`), cuts at a character boundary and increments a code point;
// otherwise cuts and increments bytes (carrying over 0xFF).
std::string truncate_min_stat(std::string_view value, size_t max_bytes, bool utf8);
// nullopt when no upper bound of at most max_bytes exists (e.g. all 0xFF).
std::optional<std::string> truncate_max_stat(std::string_view value, size_t max_bytes, bool utf8);

}  // namespace bullion::parquet
