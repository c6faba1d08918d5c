// bullion/delta/actions.h — the actions of a Delta Lake log (PROTOCOL.md, "Actions").
//
// Plain value types mirroring the protocol's JSON. Optional fields the
// protocol marks optional are std::optional; unknown fields are ignored on
// read (as the protocol requires) and never invented on write.
// Partition values and tags keep the protocol's string encoding; typed
// conversion is in partition_values.h.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace bullion::delta {

struct Protocol {
  int min_reader_version = 1;
  int min_writer_version = 2;
  // Present exactly when min_reader_version >= 3 / min_writer_version >= 7.
  std::optional<std::vector<std::string>> reader_features;
  std::optional<std::vector<std::string>> writer_features;

  bool has_reader_feature(std::string_view name) const;
  bool has_writer_feature(std::string_view name) const;
  bool operator==(const Protocol&) const = default;
};

struct Metadata {
  std::string id;
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::string format_provider = "parquet";
  std::map<std::string, std::string> format_options;
  std::string schema_string;  // Spark's JSON schema
  std::vector<std::string> partition_columns;
  std::map<std::string, std::string> configuration;
  std::optional<int64_t> created_time;

  const std::string* config(std::string_view key) const;
};

struct DeletionVectorDescriptor {
  char storage_type = 'u';  // 'u' relative (uuid), 'i' inline, 'p' absolute path
  std::string path_or_inline_dv;
  std::optional<int32_t> offset;
  int32_t size_in_bytes = 0;
  int64_t cardinality = 0;

  // storageType + pathOrInlineDv [+ "@" + offset]: part of a file's identity in replay.
  std::string unique_id() const;
  bool operator==(const DeletionVectorDescriptor&) const = default;
};

using PartitionValues = std::map<std::string, std::optional<std::string>>;

struct AddFile {
  std::string path;  // as in the log: a percent-encoded URI, relative to the table root or absolute
  PartitionValues partition_values;
  int64_t size = 0;
  int64_t modification_time = 0;
  bool data_change = true;
  std::optional<std::string> stats;  // JSON text
  std::map<std::string, std::string> tags;
  std::optional<DeletionVectorDescriptor> deletion_vector;
  std::optional<int64_t> base_row_id;
  std::optional<int64_t> default_row_commit_version;
  std::optional<std::string> clustering_provider;
};

struct RemoveFile {
  std::string path;
  std::optional<int64_t> deletion_timestamp;
  bool data_change = true;
  std::optional<bool> extended_file_metadata;
  std::optional<PartitionValues> partition_values;
  std::optional<int64_t> size;
  std::optional<std::string> stats;
  std::map<std::string, std::string> tags;
  std::optional<DeletionVectorDescriptor> deletion_vector;
  std::optional<int64_t> base_row_id;
  std::optional<int64_t> default_row_commit_version;
};

struct Txn {
  std::string app_id;
  int64_t version = 0;
  std::optional<int64_t> last_updated;
};

struct DomainMetadata {
  std::string domain;
  std::string configuration;
  bool removed = false;
};

// commitInfo is free-form; `json` keeps the whole object so nothing a peer
// wrote is lost; the fields bullion reads are parsed out.
struct CommitInfo {
  std::string json;
  std::optional<int64_t> timestamp;
  std::optional<int64_t> in_commit_timestamp;
  std::optional<std::string> operation;
  std::optional<int64_t> read_version;
  std::optional<bool> is_blind_append;
};

// A v2 checkpoint's sidecar reference.
struct Sidecar {
  std::string path;  // relative to _delta_log/_sidecars/ (or absolute)
  int64_t size_in_bytes = 0;
  int64_t modification_time = 0;
};

// Everything one commit file (or checkpoint) holds, in file order for the
// file actions (order matters when one file is removed and re-added).
struct FileAction {
  bool is_add;
  size_t index;  // into adds or removes
};

struct CommitActions {
  std::optional<Protocol> protocol;
  std::optional<Metadata> metadata;
  std::optional<CommitInfo> commit_info;
  std::vector<AddFile> adds;
  std::vector<RemoveFile> removes;
  std::vector<FileAction> order;
  std::vector<Txn> txns;
  std::vector<DomainMetadata> domains;
  std::vector<Sidecar> sidecars;
  bool has_checkpoint_metadata = false;
  bool has_cdc = false;
};

// Parses newline-delimited JSON actions (a commit file, a compacted log file
// or a JSON v2 checkpoint). `file` names the source in errors ("corrupt
// Delta log: <file> line 3: ..."). Unknown actions and fields are ignored.
CommitActions parse_actions(std::string_view text, const std::string& file);

}  // namespace bullion::delta
