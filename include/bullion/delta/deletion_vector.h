// bullion/delta/deletion_vector.h — reading Delta deletion vectors.
//
// A deletion vector marks rows of one data file (by 0-based row index) as
// deleted (PROTOCOL.md "Deletion Vector Format"): stored inline (Z85 text in
// the log), relative to the table (`u`: prefix + Z85-encoded UUID naming
// `deletion_vector_<uuid>.bin`), or at an absolute path (`p`). The bitmap is
// a 64-bit portable RoaringBitmap behind a little-endian magic number; on-disk
// vectors are framed by a big-endian size and CRC-32, which are checked.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bullion/core/fs.h"
#include "bullion/delta/actions.h"

namespace bullion::delta {

// Deleted row indexes, sorted ascending. Throws kCorrupt (bad magic, CRC,
// size or cardinality mismatch) or kNotFound (missing .bin file), naming the file.
std::vector<uint64_t> load_deletion_vector(FileSystem& fs, const std::string& table_path,
                                           const DeletionVectorDescriptor& dv);

// The file an on-disk descriptor points to ('u' and 'p' kinds).
std::string deletion_vector_path(const std::string& table_path, const DeletionVectorDescriptor& dv);

// Z85 (ZeroMQ RFC 32) decoding; input length must be a multiple of 5.
std::string z85_decode(std::string_view text);

}  // namespace bullion::delta
