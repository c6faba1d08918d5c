#include "bullion/core/compression.h"

#include <cstring>

namespace bullion {

namespace {

constexpr unsigned char kGzipMagic[] = {0x1f, 0x8b};
constexpr unsigned char kZstdMagic[] = {0x28, 0xb5, 0x2f, 0xfd};

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

std::string_view compression_name(Compression compression) {
  switch (compression) {
    case Compression::kNone:
      return "none";
    case Compression::kGzip:
      return "gzip";
    case Compression::kZstd:
      return "zstd";
  }
  return "none";
}

std::optional<Compression> parse_compression(std::string_view name) {
  if (name == "none") return Compression::kNone;
  if (name == "gzip" || name == "gz") return Compression::kGzip;
  if (name == "zstd" || name == "zst") return Compression::kZstd;
  return std::nullopt;
}

std::string_view compression_extension(Compression compression) {
  switch (compression) {
    case Compression::kNone:
      return "";
    case Compression::kGzip:
      return ".gz";
    case Compression::kZstd:
      return ".zst";
  }
  return "";
}

int min_compression_level(Compression compression) { return compression == Compression::kNone ? 0 : 1; }

int max_compression_level(Compression compression) {
  switch (compression) {
    case Compression::kNone:
      return 0;
    case Compression::kGzip:
      return 9;
    case Compression::kZstd:
      return 19;
  }
  return 0;
}

Compression compression_from_magic(std::string_view head) {
  if (head.size() >= sizeof(kGzipMagic) && std::memcmp(head.data(), kGzipMagic, sizeof(kGzipMagic)) == 0)
    return Compression::kGzip;
  if (head.size() >= sizeof(kZstdMagic) && std::memcmp(head.data(), kZstdMagic, sizeof(kZstdMagic)) == 0)
    return Compression::kZstd;
  return Compression::kNone;
}

Compression compression_from_extension(std::string_view path) {
  if (ends_with(path, ".gz") || ends_with(path, ".gzip")) return Compression::kGzip;
  if (ends_with(path, ".zst") || ends_with(path, ".zstd")) return Compression::kZstd;
  return Compression::kNone;
}

}  // namespace bullion
