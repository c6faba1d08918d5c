// bullion/delta/log.h — reading a Delta table: log listing, snapshots, time travel.
//
// DeltaTable::open(path) finds `<path>/_delta_log/`. A Snapshot is the table's
// state at one version, reconstructed from the newest usable checkpoint at or
// below that version plus the JSON commits after it (PROTOCOL.md "Action
// Reconciliation"). Snapshots are immutable values, safe to share between
// threads. All failures are bullion::Error: kNotFound (no table, no such
// version), kCorrupt (gap in the log, unreadable commit), kUnsupported (a
// reader feature bullion lacks, named in the message).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bullion/columnar/predicate.h"
#include "bullion/columnar/type.h"
#include "bullion/core/fs.h"
#include "bullion/delta/actions.h"

namespace bullion::delta {

// One file in _delta_log/ that the protocol names; anything else is ignored.
struct LogFile {
  enum class Kind { kCommit, kCheckpoint, kMultiPartCheckpoint, kV2Checkpoint, kCompaction, kChecksum };
  Kind kind;
  std::string name;
  int64_t version = 0;
  int64_t end_version = 0;  // compactions: last version covered
  int part = 0, parts = 0;  // multi-part checkpoints
  uint64_t size = 0;
  int64_t mtime_micros = 0;
};

// Parses a _delta_log/ file name; nullopt for names the protocol does not define.
std::optional<LogFile> classify_log_file(const std::string& name);

enum class ColumnMappingMode { kNone, kName, kId };

// One entry of a table's history (DESCRIBE HISTORY).
struct HistoryEntry {
  int64_t version;
  int64_t timestamp_ms;  // in-commit timestamp or file modification time, made monotonic
  std::optional<CommitInfo> commit_info;
};

class Snapshot {
 public:
  const std::string& table_path() const { return table_path_; }
  int64_t version() const { return version_; }
  // Commit time of this version in milliseconds (in-commit timestamp or file mtime).
  int64_t timestamp_ms() const { return timestamp_ms_; }
  const Protocol& protocol() const { return protocol_; }
  const Metadata& metadata() const { return metadata_; }
  // The logical schema, partition columns included, in the table's column order.
  const Schema& schema() const { return *schema_; }
  const SchemaPtr& schema_ptr() const { return schema_; }
  const std::vector<std::string>& partition_columns() const { return metadata_.partition_columns; }
  ColumnMappingMode column_mapping_mode() const { return mapping_mode_; }
  // The name a logical top-level column has in data files, stats and partition values.
  const std::string& physical_name(size_t column) const { return physical_names_[column]; }

  // Live files (surviving adds), ordered by path.
  const std::vector<AddFile>& files() const { return *files_; }
  // Unexpired and expired remove tombstones known to this snapshot.
  const std::vector<RemoveFile>& tombstones() const { return *tombstones_; }
  std::optional<int64_t> txn_version(const std::string& app_id) const;
  const std::map<std::string, Txn>& txns() const { return txns_; }
  const std::map<std::string, DomainMetadata>& domains() const { return domains_; }
  uint64_t num_records() const;  // from stats; files without stats are counted via their Parquet footer elsewhere

  // The local path of a data file named by an add/remove path.
  std::string data_file_path(const std::string& log_path) const;

  // Files that may hold rows matching `filter` (partition values decide
  // exactly; stats prune conservatively).
  std::vector<const AddFile*> files_matching(const Conjunction& filter) const;
  // Whether one file (of this table, e.g. from a concurrent commit) may hold matching rows.
  bool file_may_match(const AddFile& file, const Conjunction& filter) const;

  // Typed partition values of a file, in partition_columns() order.
  std::vector<Value> partition_values(const AddFile& file) const;

  // Statistics of one logical column in a file's `stats`, adjusted for
  // known writer truncation (timestamp max + 999 µs, truncated strings).
  ColumnStats column_stats(const AddFile& file, size_t column) const;
  std::optional<int64_t> num_records(const AddFile& file) const;

 private:
  friend class DeltaTable;
  std::string table_path_;
  int64_t version_ = -1;
  int64_t timestamp_ms_ = 0;
  Protocol protocol_;
  Metadata metadata_;
  SchemaPtr schema_;
  ColumnMappingMode mapping_mode_ = ColumnMappingMode::kNone;
  std::vector<std::string> physical_names_;
  std::shared_ptr<const std::vector<AddFile>> files_;
  std::shared_ptr<const std::vector<RemoveFile>> tombstones_;
  std::map<std::string, Txn> txns_;
  std::map<std::string, DomainMetadata> domains_;
};

// Reads actions from a Parquet checkpoint or sidecar file. Provided by the
// Parquet-backed implementation in checkpoint.cc.
CommitActions read_parquet_actions(FileSystem& fs, const std::string& path);

class DeltaTable {
 public:
  // Throws kNotFound if `path` has no _delta_log/ with at least one commit or checkpoint.
  static DeltaTable open(const std::string& path, FileSystem& fs = FileSystem::local());
  static bool exists(const std::string& path, FileSystem& fs = FileSystem::local());

  const std::string& path() const { return path_; }
  std::string log_path() const { return path_ + "/_delta_log"; }
  FileSystem& fs() const { return *fs_; }

  // Lists _delta_log/ now (a table is live: each call sees new commits).
  // Sizes and modification times are filled only `with_stats`.
  std::vector<LogFile> list_log(bool with_stats = false) const;
  int64_t latest_version() const;

  Snapshot latest() const;
  Snapshot at_version(int64_t version) const;
  // The latest version committed at or before `timestamp_ms` (milliseconds since the epoch).
  Snapshot at_timestamp(int64_t timestamp_ms) const;

  // Newest first; `limit` 0 means all reconstructable versions.
  std::vector<HistoryEntry> history(size_t limit = 0) const;

  // Raw actions of one commit version.
  CommitActions read_commit(int64_t version) const;

 private:
  DeltaTable(std::string path, FileSystem& fs) : path_(std::move(path)), fs_(&fs) {}
  Snapshot build(const std::vector<LogFile>& listing, int64_t version) const;
  std::vector<HistoryEntry> commit_times(const std::vector<LogFile>& listing) const;

  std::string path_;
  FileSystem* fs_;
};

// Reader support: throws kUnsupported naming every reader feature (or a
// reader version) bullion cannot read.
void check_readable(const Protocol& protocol, const std::string& table_path);

// The identity of a file path in the log: percent-decoded, without a file:
// scheme, relative to the table root when inside it.
std::string canonical_file_path(const std::string& log_path, const std::string& table_path);

// "00000000000000000042.json"
std::string commit_file_name(int64_t version);

}  // namespace bullion::delta
