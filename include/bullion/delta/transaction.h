// bullion/delta/transaction.h — committing to a Delta table with optimistic concurrency.
//
// A Transaction collects the actions of one commit against the snapshot it
// read, then commit() writes `_delta_log/<version>.json` put-if-absent
// (temp file, fsync, rename-no-replace, directory fsync: never a partially
// visible or overwritten commit). If another writer took that version, the
// winners' commits are checked against what this transaction read and wrote
// (PROTOCOL.md and Delta's ConflictChecker): non-conflicting commits (e.g.
// two blind appends) are retried at the next version; conflicting ones fail
// with kConflict naming the winner's version and the reason.
//
// Data files must be written (and fsynced) before commit(). A Transaction is
// used by one thread and committed at most once.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "bullion/columnar/predicate.h"
#include "bullion/delta/actions.h"
#include "bullion/delta/log.h"

namespace bullion::delta {

// Writer features bullion implements; a table listing any other writer
// feature is refused for writing.
bool is_supported_writer_feature(std::string_view feature);
// Throws kUnsupported naming the first writer feature (or writer version) bullion cannot honour.
void check_writable(const Protocol& protocol, const std::string& table_path);

struct CommitResult {
  int64_t version = -1;
  int attempts = 0;  // 1 when no other writer interfered
};

class Transaction {
 public:
  // A transaction creating a new table at version 0 (protocol 1/2 unless set).
  static Transaction create(const std::string& table_path, Metadata metadata, FileSystem& fs = FileSystem::local());
  // A transaction on an existing table, reading `snapshot`.
  Transaction(const DeltaTable& table, Snapshot snapshot);

  const std::optional<Snapshot>& read_snapshot() const { return snapshot_; }

  void set_metadata(Metadata metadata) { metadata_ = std::move(metadata); }
  void set_protocol(Protocol protocol) { protocol_ = std::move(protocol); }
  void add_file(AddFile add) { adds_.push_back(std::move(add)); }
  void remove_file(RemoveFile remove) { removes_.push_back(std::move(remove)); }
  void set_txn(const std::string& app_id, int64_t version);
  void set_domain(DomainMetadata domain) { domains_.push_back(std::move(domain)); }

  // commitInfo: operation name, parameters and metrics (string maps, as
  // Spark writes them), and bullion's own metadata (a JSON object written
  // under the top-level "bullion" key).
  void set_operation(std::string operation, std::map<std::string, std::string> parameters = {});
  void set_metrics(std::map<std::string, std::string> metrics) { metrics_ = std::move(metrics); }
  void set_bullion_metadata(std::string json_object) { bullion_json_ = std::move(json_object); }

  // What this transaction read, for conflict detection. A transaction that
  // reads nothing and only adds files is a blind append.
  void read_predicate(Conjunction predicate) { read_predicates_.push_back(std::move(predicate)); }
  void read_whole_table() { read_whole_table_ = true; }

  // Attempts put-if-absent at read version + 1, then later versions while
  // the winners do not conflict (bounded retries with backoff). Throws
  // kConflict on a conflict, kUnsupported for unwritable protocols,
  // kInvalidInput for violated table properties (appendOnly).
  CommitResult commit();

  // The JSON lines this transaction would commit (for tests and dry runs).
  std::string serialize() const;

 private:
  Transaction(std::string table_path, FileSystem& fs) : table_path_(std::move(table_path)), fs_(&fs) {}
  void validate() const;
  // Throws kConflict if `winner` (committed at `version`) conflicts with this transaction.
  void check_conflicts(const CommitActions& winner, int64_t version) const;
  bool is_blind_append() const;
  // Writes a checkpoint after committing `version` when the table's interval says so.
  void checkpoint_if_due(int64_t version) const;
  bool changes_data() const;

  std::string table_path_;
  FileSystem* fs_;
  std::optional<Snapshot> snapshot_;
  std::optional<Metadata> metadata_;
  std::optional<Protocol> protocol_;
  std::vector<AddFile> adds_;
  std::vector<RemoveFile> removes_;
  std::vector<Txn> txns_;
  std::vector<DomainMetadata> domains_;
  std::string operation_ = "WRITE";
  std::map<std::string, std::string> parameters_;
  std::map<std::string, std::string> metrics_;
  std::string bullion_json_;
  std::vector<Conjunction> read_predicates_;
  bool read_whole_table_ = false;
  bool committed_ = false;
};

// Serialization of single actions as the protocol's JSON (one line, no newline).
std::string add_to_json(const AddFile& add);
std::string remove_to_json(const RemoveFile& remove);
std::string metadata_to_json(const Metadata& metadata);
std::string protocol_to_json(const Protocol& protocol);

}  // namespace bullion::delta
