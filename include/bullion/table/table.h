// bullion/table/table.h — table writes: create, append, overwrite, replaceWhere, RESTORE.
//
// Data is written first (DataFileWriter, possibly by many threads), then
// committed here in one Delta transaction:
//
//   TableSpec spec{path, schema, {"feature_date"}};
//   DataFileWriter w(spec.path, spec.schema, spec.partition_columns);
//   w.write(batch); ...
//   WriteResult r = commit_write(spec, w.finish(), WriteMode::replace_where(pred), info);
//
// commit_write creates the table (reader 1 / writer 2) if it does not exist,
// enforces the table's schema (a column of another type, or a missing
// non-nullable column, fails naming it; new columns need merge_schema and
// are added as nullable), and turns the mode into the protocol's actions:
// append = adds only (a blind append); overwrite = remove every live file;
// replaceWhere = remove the files of the partitions the predicate selects,
// after checking that every new file lies inside them. Concurrent writers are
// resolved by Delta's conflict rules (delta/transaction.h).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "bullion/columnar/predicate.h"
#include "bullion/columnar/type.h"
#include "bullion/delta/actions.h"
#include "bullion/delta/transaction.h"

namespace bullion::table {

struct TableSpec {
  std::string path;
  SchemaPtr schema;
  std::vector<std::string> partition_columns;
  std::map<std::string, std::string> properties;  // for a new table
};

struct WriteMode {
  enum class Kind { kAppend, kOverwrite, kReplaceWhere };
  Kind kind = Kind::kAppend;
  Conjunction predicate;  // kReplaceWhere: conjuncts on partition columns
  static WriteMode append() { return {}; }
  static WriteMode overwrite() { return {Kind::kOverwrite, {}}; }
  static WriteMode replace_where(Conjunction predicate) { return {Kind::kReplaceWhere, std::move(predicate)}; }
};

struct CommitInfo {
  std::string operation = "WRITE";
  std::map<std::string, std::string> parameters;
  std::string bullion_json;       // bullion's own metadata (pipeline, layer, lineage, spec hash)
  std::optional<delta::Txn> txn;  // exactly-once marker (app id, version)
  bool merge_schema = false;
  // The write depended on the table's current rows (e.g. an insert-only
  // MERGE's anti-join): any concurrent data change is a conflict.
  bool read_whole_table = false;
};

struct WriteResult {
  int64_t version = -1;
  int64_t read_version = -1;  // -1 when the commit created the table
  size_t files_added = 0;
  size_t files_removed = 0;
  uint64_t rows_added = 0;
  uint64_t rows_removed = 0;
  int attempts = 0;
};

WriteResult commit_write(const TableSpec& spec, std::vector<delta::AddFile> adds, const WriteMode& mode,
                         const CommitInfo& info);

// RESTORE TABLE ... TO VERSION AS OF `version`: one commit that removes the
// files added since and re-adds the files removed since (dataChange = true),
// and restores the schema and properties. Throws kNotFound for an unknown
// version and for data files VACUUM already deleted (nothing is committed).
WriteResult restore(const std::string& table_path, int64_t version);

// The row count an add's stats record (0 if none).
int64_t num_records(const delta::AddFile& add);

}  // namespace bullion::table
