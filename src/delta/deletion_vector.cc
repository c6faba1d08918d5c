#include "bullion/delta/deletion_vector.h"

#include <zlib.h>

#include <array>
#include <cstring>
#include <roaring/roaring64map.hh>
#include <vector>

#include "bullion/core/error.h"
#include "bullion/delta/partition_values.h"

namespace bullion::delta {

namespace {

constexpr uint32_t kBitmapMagic = 1681511377;

constexpr char kZ85Alphabet[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

uint32_t read_be32(const unsigned char* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

std::string uuid_text(const std::string& bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    const auto c = static_cast<unsigned char>(bytes[i]);
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

std::vector<uint64_t> decode_bitmap(std::string_view bytes, const std::string& where, int64_t cardinality) {
  if (bytes.size() < 4)
    throw Error::corrupt("deletion vector in " + where + " is truncated (" + std::to_string(bytes.size()) + " bytes)");
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const uint32_t magic = uint32_t{p[0]} | (uint32_t{p[1]} << 8) | (uint32_t{p[2]} << 16) | (uint32_t{p[3]} << 24);
  if (magic != kBitmapMagic)
    throw Error::corrupt("deletion vector in " + where + " has a bad magic number " + std::to_string(magic));
  Roaring64Map map;
  try {
    // The portable format starts with a 64-bit count that the library loads
    // directly: give it 8-byte-aligned memory (the magic leaves it at offset 4).
    std::vector<uint64_t> aligned((bytes.size() - 4 + 7) / 8);
    std::memcpy(aligned.data(), bytes.data() + 4, bytes.size() - 4);
    map = Roaring64Map::readSafe(reinterpret_cast<const char*>(aligned.data()), bytes.size() - 4);
  } catch (const std::exception& e) {
    throw Error::corrupt("deletion vector in " + where + " is not a valid RoaringBitmap: " + e.what());
  }
  if (static_cast<int64_t>(map.cardinality()) != cardinality)
    throw Error::corrupt("deletion vector in " + where + " holds " + std::to_string(map.cardinality()) +
                         " rows but the log says " + std::to_string(cardinality));
  std::vector<uint64_t> rows(map.cardinality());
  map.toUint64Array(rows.data());
  return rows;
}

}  // namespace

std::string z85_decode(std::string_view text) {
  if (text.size() % 5 != 0)
    throw Error::corrupt("Z85 text of length " + std::to_string(text.size()) + " is not a multiple of 5");
  static const auto table = [] {
    std::array<int, 256> t;
    t.fill(-1);
    for (int i = 0; i < 85; ++i) t[static_cast<unsigned char>(kZ85Alphabet[i])] = i;
    return t;
  }();
  std::string out;
  out.reserve(text.size() / 5 * 4);
  for (size_t i = 0; i < text.size(); i += 5) {
    uint64_t value = 0;
    for (size_t j = 0; j < 5; ++j) {
      const int d = table[static_cast<unsigned char>(text[i + j])];
      if (d < 0) throw Error::corrupt("invalid Z85 character '" + std::string(1, text[i + j]) + "'");
      value = value * 85 + static_cast<uint64_t>(d);
    }
    if (value > 0xFFFFFFFFull) throw Error::corrupt("Z85 group out of range");
    for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<char>((value >> s) & 0xFF));
  }
  return out;
}

std::string deletion_vector_path(const std::string& table_path, const DeletionVectorDescriptor& dv) {
  if (dv.storage_type == 'p') {
    std::string p = percent_decode(dv.path_or_inline_dv);
    if (p.rfind("file:", 0) == 0) {
      p = p.substr(5);
      while (p.size() > 1 && p[0] == '/' && p[1] == '/') p = p.substr(1);
    }
    return p;
  }
  BULLION_ASSERT(dv.storage_type == 'u', "deletion_vector_path of an inline vector");
  const std::string& s = dv.path_or_inline_dv;
  if (s.size() < 20) throw Error::corrupt("deletion vector path '" + s + "' is shorter than a Z85 UUID");
  const std::string prefix = s.substr(0, s.size() - 20);
  const std::string name = "deletion_vector_" + uuid_text(z85_decode(s.substr(s.size() - 20))) + ".bin";
  return prefix.empty() ? table_path + "/" + name : table_path + "/" + prefix + "/" + name;
}

std::vector<uint64_t> load_deletion_vector(FileSystem& fs, const std::string& table_path,
                                           const DeletionVectorDescriptor& dv) {
  if (dv.storage_type == 'i') {
    std::string bytes = z85_decode(dv.path_or_inline_dv);
    if (bytes.size() < static_cast<size_t>(dv.size_in_bytes))
      throw Error::corrupt("inline deletion vector is shorter than its sizeInBytes");
    bytes.resize(static_cast<size_t>(dv.size_in_bytes));
    return decode_bitmap(bytes, "the log (inline)", dv.cardinality);
  }
  const std::string path = deletion_vector_path(table_path, dv);
  auto file = fs.open_read(path);
  const uint64_t offset = static_cast<uint64_t>(dv.offset.value_or(1));
  const uint64_t size = static_cast<uint64_t>(dv.size_in_bytes);
  if (size > (uint64_t{1} << 31) || offset + 8 + size > file->size())
    throw Error::corrupt("deletion vector file '" + path + "' is too short for offset " + std::to_string(offset) +
                         " and size " + std::to_string(size));
  std::string frame(4 + size + 4, '\0');
  file->read_at(offset, frame.size(), frame.data());
  const auto* p = reinterpret_cast<const unsigned char*>(frame.data());
  if (read_be32(p) != size)
    throw Error::corrupt("deletion vector file '" + path + "': stored size " + std::to_string(read_be32(p)) +
                         " differs from the log's sizeInBytes " + std::to_string(size));
  const uint32_t expected_crc = read_be32(p + 4 + size);
  const uint32_t crc = static_cast<uint32_t>(::crc32(0L, p + 4, static_cast<uInt>(size)));
  if (crc != expected_crc) throw Error::corrupt("deletion vector file '" + path + "' fails its CRC-32 check");
  return decode_bitmap(std::string_view(frame).substr(4, size), "'" + path + "'", dv.cardinality);
}

}  // namespace bullion::delta
