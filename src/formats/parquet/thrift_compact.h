// Thrift compact protocol: a bounded decoder and an encoder for Parquet metadata.
//
// Why our own codec instead of Apache Thrift's generated C++: Parquet uses a
// small, stable subset of Thrift (structs, lists, i8..i64, binary, bool,
// double) in the compact protocol only. Generated code pulls in Boost and the
// Thrift runtime, allocates whatever sizes a corrupt footer claims, and
// recurses without limit. This decoder is ~300 lines, never reads outside its
// buffer, caps nesting depth, and never allocates more than the bytes it has
// actually consumed justify (every element of a container takes at least one
// byte, and containers grow as elements are decoded, not by the claimed size),
// so a fuzzer can exercise it exhaustively.
//
// Errors: every malformed input throws bullion::Error (kCorrupt) whose message
// names `context` (e.g. "'f.parquet' footer") and the byte position.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace bullion::parquet {

// Compact protocol wire types (the low nibble of a field header).
enum class WireType : uint8_t {
  kStop = 0,
  kTrue = 1,
  kFalse = 2,
  kByte = 3,
  kI16 = 4,
  kI32 = 5,
  kI64 = 6,
  kDouble = 7,
  kBinary = 8,
  kList = 9,
  kSet = 10,
  kMap = 11,
  kStruct = 12,
};

class CompactReader {
 public:
  static constexpr int kMaxDepth = 32;

  CompactReader(const uint8_t* data, size_t size, std::string_view context)
      : data_(data), pos_(data), end_(data + size), context_(context) {}

  size_t position() const { return static_cast<size_t>(pos_ - data_); }
  size_t remaining() const { return static_cast<size_t>(end_ - pos_); }

  struct FieldHeader {
    WireType type = WireType::kStop;
    int16_t id = 0;
    bool bool_value = false;  // for kTrue/kFalse fields
  };

  // Struct framing: begin_struct() pushes a field-id context (and checks the
  // depth bound); read_field() returns kStop at the end; end_struct() pops.
  void begin_struct();
  FieldHeader read_field();
  void end_struct();

  struct ListHeader {
    WireType element_type;
    uint32_t size;
  };
  // The size is checked against the remaining bytes (each element takes >= 1).
  ListHeader read_list_header();

  bool read_bool_element();  // a bool inside a list
  int8_t read_i8();
  int16_t read_i16();
  int32_t read_i32();
  int64_t read_i64();
  double read_double();
  std::string_view read_binary();  // a view into the input buffer
  std::string read_string() { return std::string(read_binary()); }

  // Skips a value of the given type (bounded by kMaxDepth).
  void skip(WireType type);
  // Throws kCorrupt naming the context, `what` and the position.
  [[noreturn]] void fail(std::string_view what) const;

 private:
  uint64_t read_varint();
  uint8_t read_byte();
  void skip_depth(WireType type, int depth);

  const uint8_t* data_;
  const uint8_t* pos_;
  const uint8_t* end_;
  std::string_view context_;
  int16_t last_field_id_ = 0;
  std::vector<int16_t> field_id_stack_;
};

class CompactWriter {
 public:
  explicit CompactWriter(std::string* out) : out_(out) {}

  void begin_struct();
  void end_struct();  // writes the STOP byte

  void field_bool(int16_t id, bool v);
  void field_i8(int16_t id, int8_t v);
  void field_i16(int16_t id, int16_t v);
  void field_i32(int16_t id, int32_t v);
  void field_i64(int16_t id, int64_t v);
  void field_double(int16_t id, double v);
  void field_binary(int16_t id, std::string_view v);
  // Begins a struct-valued field; close with end_struct().
  void field_struct_begin(int16_t id);
  // Begins a list-valued field; then write `size` elements with the element writers.
  void field_list_begin(int16_t id, WireType element_type, size_t size);

  // List element writers.
  void element_i32(int32_t v) { write_varint(zigzag32(v)); }
  void element_i64(int64_t v) { write_varint(zigzag64(v)); }
  void element_binary(std::string_view v);
  void element_struct_begin() { begin_struct(); }

 private:
  static uint64_t zigzag32(int32_t v) {
    return static_cast<uint32_t>((static_cast<uint32_t>(v) << 1) ^ static_cast<uint32_t>(v >> 31));
  }
  static uint64_t zigzag64(int64_t v) { return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63); }
  void write_field_header(int16_t id, WireType type);
  void write_varint(uint64_t v);

  std::string* out_;
  int16_t last_field_id_ = 0;
  std::vector<int16_t> field_id_stack_;
};

}  // namespace bullion::parquet
