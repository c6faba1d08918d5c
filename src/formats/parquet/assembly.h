// Record assembly: rebuilding a (possibly nested) column from the
// definition/repetition levels and dense values of its leaf columns
// (Dremel). Level sequences were validated by LeafReader (levels within
// bounds; a repetition level only continues a non-empty list), so every
// node's values line up; any remaining disagreement between leaves of one
// field is reported as kCorrupt rather than trusted.
#pragma once

#include <string_view>
#include <vector>

#include "formats/parquet/column_reader.h"
#include "formats/parquet/schema.h"

namespace bullion::parquet {

// Builds the column of one top-level field for `num_rows` rows. `leaves`
// holds the data of the field's leaves, leaves[i] for leaf ordinal
// leaf_base + i; their value columns are moved into the result.
ColumnPtr assemble_field(const AssemblyNode& field, const std::vector<LeafInfo>& leaf_infos,
                         std::vector<LeafData>& leaves, size_t leaf_base, size_t num_rows, std::string_view context);

}  // namespace bullion::parquet
