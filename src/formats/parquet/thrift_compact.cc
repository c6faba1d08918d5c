#include "formats/parquet/thrift_compact.h"

#include <cstring>

#include "bullion/core/error.h"

namespace bullion::parquet {

void CompactReader::fail(std::string_view what) const {
  throw Error::corrupt(std::string(context_) + ": " + std::string(what) + " at byte " + std::to_string(position()),
                       "the file is damaged or not a Parquet file; rewrite it from its source");
}

uint8_t CompactReader::read_byte() {
  if (pos_ >= end_) fail("unexpected end of Thrift data");
  return *pos_++;
}

uint64_t CompactReader::read_varint() {
  uint64_t v = 0;
  for (int shift = 0; shift < 70; shift += 7) {
    const uint8_t b = read_byte();
    if (shift == 63 && (b & 0x7e) != 0) fail("varint overflows 64 bits");
    v |= static_cast<uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) return v;
  }
  fail("varint longer than 10 bytes");
}

void CompactReader::begin_struct() {
  if (field_id_stack_.size() >= kMaxDepth) fail("Thrift structs nested too deeply");
  field_id_stack_.push_back(last_field_id_);
  last_field_id_ = 0;
}

void CompactReader::end_struct() {
  last_field_id_ = field_id_stack_.back();
  field_id_stack_.pop_back();
}

CompactReader::FieldHeader CompactReader::read_field() {
  FieldHeader h;
  const uint8_t b = read_byte();
  const uint8_t type = b & 0x0f;
  if (type == 0) return h;  // STOP
  if (type > static_cast<uint8_t>(WireType::kStruct)) fail("invalid Thrift field type " + std::to_string(type));
  h.type = static_cast<WireType>(type);
  const uint8_t delta = b >> 4;
  if (delta != 0) {
    h.id = static_cast<int16_t>(last_field_id_ + delta);
  } else {
    h.id = read_i16();
  }
  last_field_id_ = h.id;
  if (h.type == WireType::kTrue || h.type == WireType::kFalse) h.bool_value = h.type == WireType::kTrue;
  return h;
}

CompactReader::ListHeader CompactReader::read_list_header() {
  const uint8_t b = read_byte();
  ListHeader h;
  const uint8_t type = b & 0x0f;
  if (type == 0 || type > static_cast<uint8_t>(WireType::kStruct)) fail("invalid Thrift list element type");
  h.element_type = static_cast<WireType>(type);
  uint64_t size = b >> 4;
  if (size == 15) size = read_varint();
  // Every element occupies at least one byte (doubles eight): a claimed size
  // beyond the remaining bytes is corrupt, and nothing is allocated for it.
  const uint64_t min_bytes = h.element_type == WireType::kDouble ? 8 : 1;
  if (size > remaining() / min_bytes) fail("Thrift list of " + std::to_string(size) + " elements exceeds the data");
  h.size = static_cast<uint32_t>(size);
  return h;
}

bool CompactReader::read_bool_element() { return read_byte() == 1; }

int8_t CompactReader::read_i8() { return static_cast<int8_t>(read_byte()); }

int16_t CompactReader::read_i16() {
  const uint64_t z = read_varint();
  const int64_t v = static_cast<int64_t>(z >> 1) ^ -static_cast<int64_t>(z & 1);
  if (v < INT16_MIN || v > INT16_MAX) fail("i16 out of range");
  return static_cast<int16_t>(v);
}

int32_t CompactReader::read_i32() {
  const uint64_t z = read_varint();
  const int64_t v = static_cast<int64_t>(z >> 1) ^ -static_cast<int64_t>(z & 1);
  if (v < INT32_MIN || v > INT32_MAX) fail("i32 out of range");
  return static_cast<int32_t>(v);
}

int64_t CompactReader::read_i64() {
  const uint64_t z = read_varint();
  return static_cast<int64_t>(z >> 1) ^ -static_cast<int64_t>(z & 1);
}

double CompactReader::read_double() {
  if (remaining() < 8) fail("unexpected end of Thrift data");
  double d;
  std::memcpy(&d, pos_, 8);
  pos_ += 8;
  return d;
}

std::string_view CompactReader::read_binary() {
  const uint64_t n = read_varint();
  if (n > remaining()) fail("Thrift string of " + std::to_string(n) + " bytes exceeds the data");
  std::string_view s(reinterpret_cast<const char*>(pos_), n);
  pos_ += n;
  return s;
}

void CompactReader::skip(WireType type) { skip_depth(type, static_cast<int>(field_id_stack_.size())); }

void CompactReader::skip_depth(WireType type, int depth) {
  if (depth >= kMaxDepth) fail("Thrift values nested too deeply");
  switch (type) {
    case WireType::kStop:
      fail("unexpected STOP");
    case WireType::kTrue:
    case WireType::kFalse:
      return;  // the value is in the field header
    case WireType::kByte:
      read_byte();
      return;
    case WireType::kI16:
    case WireType::kI32:
    case WireType::kI64:
      read_varint();
      return;
    case WireType::kDouble:
      read_double();
      return;
    case WireType::kBinary:
      read_binary();
      return;
    case WireType::kList:
    case WireType::kSet: {
      const ListHeader h = read_list_header();
      for (uint32_t i = 0; i < h.size; ++i) {
        if (h.element_type == WireType::kTrue || h.element_type == WireType::kFalse) {
          read_byte();
        } else {
          skip_depth(h.element_type, depth + 1);
        }
      }
      return;
    }
    case WireType::kMap: {
      const uint64_t size = read_varint();
      if (size == 0) return;
      if (size > remaining()) fail("Thrift map size exceeds the data");
      const uint8_t kv = read_byte();
      const uint8_t kt = kv >> 4, vt = kv & 0x0f;
      if (kt == 0 || kt > 12 || vt == 0 || vt > 12) fail("invalid Thrift map types");
      for (uint64_t i = 0; i < size; ++i) {
        for (uint8_t t : {kt, vt}) {
          if (t == 1 || t == 2) {
            read_byte();
          } else {
            skip_depth(static_cast<WireType>(t), depth + 1);
          }
        }
      }
      return;
    }
    case WireType::kStruct: {
      begin_struct();
      if (static_cast<int>(field_id_stack_.size()) > kMaxDepth || depth + 1 >= kMaxDepth) {
        fail("Thrift structs nested too deeply");
      }
      while (true) {
        const FieldHeader h = read_field();
        if (h.type == WireType::kStop) break;
        skip_depth(h.type, depth + 1);
      }
      end_struct();
      return;
    }
  }
  fail("invalid Thrift type");
}

// ---------------------------------------------------------------------------

void CompactWriter::write_varint(uint64_t v) {
  while (v >= 0x80) {
    out_->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out_->push_back(static_cast<char>(v));
}

void CompactWriter::write_field_header(int16_t id, WireType type) {
  const int delta = id - last_field_id_;
  if (delta > 0 && delta <= 15) {
    out_->push_back(static_cast<char>((delta << 4) | static_cast<uint8_t>(type)));
  } else {
    out_->push_back(static_cast<char>(type));
    write_varint(zigzag32(id));
  }
  last_field_id_ = id;
}

void CompactWriter::begin_struct() {
  field_id_stack_.push_back(last_field_id_);
  last_field_id_ = 0;
}

void CompactWriter::end_struct() {
  out_->push_back(0);
  last_field_id_ = field_id_stack_.back();
  field_id_stack_.pop_back();
}

void CompactWriter::field_bool(int16_t id, bool v) { write_field_header(id, v ? WireType::kTrue : WireType::kFalse); }

void CompactWriter::field_i8(int16_t id, int8_t v) {
  write_field_header(id, WireType::kByte);
  out_->push_back(static_cast<char>(v));
}

void CompactWriter::field_i16(int16_t id, int16_t v) {
  write_field_header(id, WireType::kI16);
  write_varint(zigzag32(v));
}

void CompactWriter::field_i32(int16_t id, int32_t v) {
  write_field_header(id, WireType::kI32);
  write_varint(zigzag32(v));
}

void CompactWriter::field_i64(int16_t id, int64_t v) {
  write_field_header(id, WireType::kI64);
  write_varint(zigzag64(v));
}

void CompactWriter::field_double(int16_t id, double v) {
  write_field_header(id, WireType::kDouble);
  char b[8];
  std::memcpy(b, &v, 8);
  out_->append(b, 8);
}

void CompactWriter::field_binary(int16_t id, std::string_view v) {
  write_field_header(id, WireType::kBinary);
  element_binary(v);
}

void CompactWriter::element_binary(std::string_view v) {
  write_varint(v.size());
  out_->append(v);
}

void CompactWriter::field_struct_begin(int16_t id) {
  write_field_header(id, WireType::kStruct);
  begin_struct();
}

void CompactWriter::field_list_begin(int16_t id, WireType element_type, size_t size) {
  write_field_header(id, WireType::kList);
  if (size < 15) {
    out_->push_back(static_cast<char>((size << 4) | static_cast<uint8_t>(element_type)));
  } else {
    out_->push_back(static_cast<char>(0xf0 | static_cast<uint8_t>(element_type)));
    write_varint(size);
  }
}

}  // namespace bullion::parquet
