// Parquet schema <-> bullion Schema.
//
// Reading: the flat, depth-first SchemaElement list becomes a bullion Schema,
// one assembly tree per top-level field (how definition/repetition levels of
// its leaf columns rebuild nested values), and one LeafInfo per leaf column
// (physical type, levels, and the conversion from the physical values to the
// bullion type). Logical types win over converted types; legacy converted
// types and the LIST/MAP backward-compatibility rules of LogicalTypes.md are
// applied (2-level lists, `array` and `<name>_tuple` groups, repeated fields
// outside a LIST).
//
// Writing: a bullion Schema becomes SchemaElements (3-level LIST and MAP,
// logical plus matching converted types) and write-side leaf descriptors.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "bullion/columnar/type.h"
#include "formats/parquet/metadata.h"

namespace bullion::parquet {

// How the physical values of a leaf become the bullion type's values.
enum class Conversion : uint8_t {
  kNone,             // same representation (bool as uint8, int32, int64, float, double, byte arrays)
  kInt32ToInt8,      // INT(8, signed)
  kInt32ToInt16,     // INT(16, signed), UINT_8 (to SMALLINT)
  kUInt32ToInt64,    // UINT_32 (to BIGINT)
  kInt32ToDecimal,   // DECIMAL on INT32
  kInt64ToDecimal,   // DECIMAL on INT64
  kUInt64ToDecimal,  // UINT_64 (to DECIMAL(20,0))
  kMillisToMicros,   // TIMESTAMP(MILLIS)
  kNanosToMicros,    // TIMESTAMP(NANOS), floor division
  kInt96ToMicros,    // legacy INT96 timestamps
  kBytesToDecimal,   // DECIMAL on BYTE_ARRAY / FIXED_LEN_BYTE_ARRAY (big-endian two's complement)
  kFloat16ToFloat,   // FLOAT16 on FIXED_LEN_BYTE_ARRAY(2)
  kNull,             // UNKNOWN logical type: every value is NULL
};

struct LeafInfo {
  size_t index = 0;  // leaf (column chunk) ordinal
  std::vector<std::string> path;
  std::string dotted_path;  // "a.list.element", for messages
  PhysicalType physical = PhysicalType::kInt32;
  int32_t type_length = 0;  // FIXED_LEN_BYTE_ARRAY
  int16_t max_def = 0;
  int16_t max_rep = 0;
  // repeated_def[r] (1 <= r <= max_rep): the definition level at which the
  // repeated ancestor at depth r holds an element; [0] is 0.
  std::vector<int16_t> repeated_def;
  DataType type;  // the bullion type of the values
  Conversion conversion = Conversion::kNone;
  // Statistics: deprecated min/max may be used (signed order is the type's order).
  bool legacy_stats_usable = false;
  // min_value/max_value compare unsigned (UINT_*), so they are converted as unsigned.
  bool unsigned_stats = false;
};

struct AssemblyNode {
  enum class Kind : uint8_t { kLeaf, kStruct, kList, kMap };
  Kind kind = Kind::kLeaf;
  DataType type;
  int16_t def_level = 0;               // entries with def >= this have a non-NULL value here
  int16_t slot_rep = 0;                // a new value of this node starts at entries with rep <= slot_rep ...
  int16_t slot_def = 0;                // ... and def >= slot_def
  int16_t repeated_def = 0;            // LIST/MAP: entries with def >= this hold an element
  int16_t repeated_rep = 0;            // LIST/MAP: rep level of the repeated group
  size_t leaf = 0;                     // kLeaf: the leaf ordinal
  size_t first_leaf = 0;               // the leaf whose levels define this node's slots
  std::vector<AssemblyNode> children;  // struct fields; list [element]; map [key, value]
};

struct FileSchema {
  SchemaPtr schema;
  std::vector<AssemblyNode> fields;  // one per top-level field
  std::vector<LeafInfo> leaves;      // in column chunk order
  // Leaves of top-level field i: [leaf_begin[i], leaf_begin[i + 1]).
  std::vector<size_t> leaf_begin;
};

// Throws kCorrupt (malformed schema) or kUnsupported (a valid type bullion
// cannot represent, naming the column and the type); `context` names the file.
FileSchema build_file_schema(const std::vector<SchemaElement>& elements, std::string_view context);

// --- writing --------------------------------------------------------------

struct WriteLeaf {
  std::vector<std::string> path;
  PhysicalType physical = PhysicalType::kInt32;
  int32_t type_length = 0;
  int16_t max_def = 0;
  int16_t max_rep = 0;
  DataType type;  // the bullion type of the values written
};

struct WriteNode {
  AssemblyNode::Kind kind = AssemblyNode::Kind::kLeaf;
  bool nullable = true;
  int16_t repeated_rep = 0;  // LIST/MAP
  size_t leaf = 0;           // kLeaf
  std::vector<WriteNode> children;
};

struct WriteSchema {
  std::vector<SchemaElement> elements;
  std::vector<WriteLeaf> leaves;
  std::vector<WriteNode> fields;
  std::vector<size_t> leaf_begin;  // as FileSchema::leaf_begin
};

// Throws kInvalidInput for types Parquet cannot store (e.g. a NULL-typed
// NOT NULL column).
WriteSchema build_write_schema(const Schema& schema);

// Bytes of the FIXED_LEN_BYTE_ARRAY holding a decimal of this precision.
int decimal_byte_width(int precision);

}  // namespace bullion::parquet
