// bullion/core/compression.h — the stream codecs of raw input and output files.
//
// One enum shared by CompressedWriter (generate) and CompressedReader (NDJSON
// input): plain, gzip (zlib) and zstd. Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string_view>

namespace bullion {

enum class Compression { kNone, kGzip, kZstd };

// "none", "gzip", "zstd".
std::string_view compression_name(Compression compression);
// Accepts "none", "gzip" (or "gz"), "zstd" (or "zst"); nullopt otherwise.
std::optional<Compression> parse_compression(std::string_view name);
// The conventional file-name suffix: "", ".gz", ".zst".
std::string_view compression_extension(Compression compression);
// The inclusive range of levels a codec accepts (none: 0..0; gzip: 1..9; zstd: 1..19).
int min_compression_level(Compression compression);
int max_compression_level(Compression compression);
// The compression whose magic bytes start `head` (kNone if none does; `head`
// may be shorter than a magic number, then kNone).
Compression compression_from_magic(std::string_view head);
// The compression a file name's extension promises: .gz/.gzip → kGzip,
// .zst/.zstd → kZstd, anything else kNone.
Compression compression_from_extension(std::string_view path);

}  // namespace bullion
