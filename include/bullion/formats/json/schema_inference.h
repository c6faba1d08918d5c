// bullion/formats/json/schema_inference.h — schemas inferred from NDJSON data.
//
// Types come from the JSON values, the way Spark's JSON schema inference
// assigns them (with DOUBLE where Spark would pick DECIMAL for huge integers):
//
//   true / false                 BOOLEAN
//   integer within int64         BIGINT
//   integer beyond int64         DOUBLE
//   number with . or exponent    DOUBLE
//   string                       STRING
//   object or array              STRING (holding the value's minified JSON text)
//   null                         decides nothing
//
// When the values of one field disagree, the type widens: BIGINT + DOUBLE →
// DOUBLE; any other disagreement → STRING (numbers and booleans then read as
// their JSON text); a field that was only ever null → STRING. Fields are
// ordered by first appearance (in file order, then line order), all nullable.
// Malformed lines are skipped (and counted); they never affect the schema.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "bullion/columnar/type.h"
#include "bullion/core/error.h"
#include "bullion/core/fs.h"
#include "bullion/core/thread_pool.h"
#include "bullion/formats/json/source.h"

namespace bullion::json {

// The widening of two inference types (NULL is the identity).
DataType widen_type(const DataType& a, const DataType& b);

// Accumulates fields and their widened types in first-appearance order.
// Types stay NULL until a non-null value is seen; finish() turns them into STRING.
class SchemaAccumulator {
 public:
  void observe(std::string_view name, const DataType& type);
  // Adds `other`'s fields after this one's, widening common ones.
  void merge(const SchemaAccumulator& other);
  size_t size() const { return fields_.size(); }
  // The schema so far (NULL types as STRING), every field nullable.
  Schema finish() const;

 private:
  std::vector<Field> fields_;
  std::unordered_map<std::string, size_t> index_;
};

struct InferOptions {
  // Sample per file: the first `sample_lines` lines (0: no limit) and at most
  // `sample_bytes` decompressed bytes (0: no limit), whichever ends first.
  int64_t sample_lines = 10000;
  uint64_t sample_bytes = 0;
  // Fields with these names are not inferred (the provenance columns).
  std::vector<std::string> ignored_fields = {"_rescued_data", "_source_file", "_source_line"};
  size_t max_line_bytes = size_t{16} << 20;
  FileSystem* fs = nullptr;    // default FileSystem::local()
  ThreadPool* pool = nullptr;  // default ThreadPool::global(); one task per file
};

struct InferResult {
  Schema schema;
  int64_t lines = 0;     // lines sampled
  int64_t objects = 0;   // lines that were JSON objects
  int64_t rejected = 0;  // malformed or non-object lines
  int64_t blank = 0;
  // Files that could not be read to the end of their sample (damage, I/O);
  // the lines before the damage still count.
  std::vector<std::pair<std::string, Error>> file_errors;
};

// Infers the schema of a sample of each file. Deterministic: the same for
// any number of threads.
InferResult infer_schema(const std::vector<SourceFile>& files, const InferOptions& options);
// Infers over NDJSON text in memory (all of it).
InferResult infer_schema_from_text(std::string_view ndjson, const InferOptions& options = {});

// Schema evolution on append: the table's fields keep their order and types;
// fields of `incoming` that the table lacks are appended, nullable, in
// `incoming`'s order. A field whose incoming type differs from the table's is
// a conflict: its values will be widened to text when the table column is
// STRING and rescued otherwise (see ndjson_scanner.h); the table type stays.
struct SchemaEvolution {
  Schema schema;
  std::vector<std::string> added;
  struct Conflict {
    std::string name;
    DataType table_type;
    DataType incoming_type;
  };
  std::vector<Conflict> conflicts;
};
SchemaEvolution evolve_schema(const Schema& table, const Schema& incoming);

}  // namespace bullion::json
