#include "bullion/delta/transaction.h"

#include <chrono>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <thread>

#include "bullion/core/error.h"
#include "bullion/core/log.h"
#include "bullion/core/time.h"
#include "bullion/core/uuid.h"
#include "bullion/delta/checkpoint.h"
#include "bullion/version.h"

namespace bullion::delta {

using ordered_json = nlohmann::ordered_json;

namespace {

constexpr int kMaxAttempts = 200;

ordered_json string_map_json(const std::map<std::string, std::string>& m) {
  ordered_json o = ordered_json::object();
  for (const auto& [k, v] : m) o[k] = v;
  return o;
}

ordered_json partition_values_json(const PartitionValues& pv) {
  ordered_json o = ordered_json::object();
  for (const auto& [k, v] : pv) o[k] = v ? ordered_json(*v) : ordered_json(nullptr);
  return o;
}

ordered_json dv_json(const DeletionVectorDescriptor& dv) {
  ordered_json o{{"storageType", std::string(1, dv.storage_type)}, {"pathOrInlineDv", dv.path_or_inline_dv}};
  if (dv.offset) o["offset"] = *dv.offset;
  o["sizeInBytes"] = dv.size_in_bytes;
  o["cardinality"] = dv.cardinality;
  return o;
}

ordered_json add_object(const AddFile& a) {
  ordered_json o{{"path", a.path},
                 {"partitionValues", partition_values_json(a.partition_values)},
                 {"size", a.size},
                 {"modificationTime", a.modification_time},
                 {"dataChange", a.data_change}};
  if (a.stats) o["stats"] = *a.stats;
  if (!a.tags.empty()) o["tags"] = string_map_json(a.tags);
  if (a.deletion_vector) o["deletionVector"] = dv_json(*a.deletion_vector);
  if (a.base_row_id) o["baseRowId"] = *a.base_row_id;
  if (a.default_row_commit_version) o["defaultRowCommitVersion"] = *a.default_row_commit_version;
  if (a.clustering_provider) o["clusteringProvider"] = *a.clustering_provider;
  return o;
}

ordered_json remove_object(const RemoveFile& r) {
  ordered_json o{{"path", r.path}};
  if (r.deletion_timestamp) o["deletionTimestamp"] = *r.deletion_timestamp;
  o["dataChange"] = r.data_change;
  if (r.extended_file_metadata) o["extendedFileMetadata"] = *r.extended_file_metadata;
  if (r.partition_values) o["partitionValues"] = partition_values_json(*r.partition_values);
  if (r.size) o["size"] = *r.size;
  if (r.stats) o["stats"] = *r.stats;
  if (!r.tags.empty()) o["tags"] = string_map_json(r.tags);
  if (r.deletion_vector) o["deletionVector"] = dv_json(*r.deletion_vector);
  if (r.base_row_id) o["baseRowId"] = *r.base_row_id;
  if (r.default_row_commit_version) o["defaultRowCommitVersion"] = *r.default_row_commit_version;
  return o;
}

ordered_json metadata_object(const Metadata& m) {
  ordered_json o{{"id", m.id}};
  if (m.name) o["name"] = *m.name;
  if (m.description) o["description"] = *m.description;
  o["format"] = {{"provider", m.format_provider}, {"options", string_map_json(m.format_options)}};
  o["schemaString"] = m.schema_string;
  o["partitionColumns"] = m.partition_columns;
  o["configuration"] = string_map_json(m.configuration);
  if (m.created_time) o["createdTime"] = *m.created_time;
  return o;
}

ordered_json protocol_object(const Protocol& p) {
  ordered_json o{{"minReaderVersion", p.min_reader_version}, {"minWriterVersion", p.min_writer_version}};
  if (p.reader_features) o["readerFeatures"] = *p.reader_features;
  if (p.writer_features) o["writerFeatures"] = *p.writer_features;
  return o;
}

std::string version_name(int64_t v) { return "version " + std::to_string(v); }

}  // namespace

std::string add_to_json(const AddFile& add) { return ordered_json{{"add", add_object(add)}}.dump(); }
std::string remove_to_json(const RemoveFile& remove) { return ordered_json{{"remove", remove_object(remove)}}.dump(); }
std::string metadata_to_json(const Metadata& metadata) {
  return ordered_json{{"metaData", metadata_object(metadata)}}.dump();
}
std::string protocol_to_json(const Protocol& protocol) {
  return ordered_json{{"protocol", protocol_object(protocol)}}.dump();
}

bool is_supported_writer_feature(std::string_view feature) {
  // appendOnly and invariants are enforced here and in the table layer;
  // checkConstraints are evaluated by the table layer before files are written.
  return feature == "appendOnly" || feature == "invariants" || feature == "checkConstraints";
}

void check_writable(const Protocol& protocol, const std::string& table_path) {
  check_readable(protocol, table_path);
  if (protocol.min_writer_version > 7)
    throw Error::unsupported("Delta table '" + table_path + "' requires writer version " +
                             std::to_string(protocol.min_writer_version) + "; bullion writes up to version 7");
  if (protocol.min_writer_version == 7) {
    for (const std::string& f : protocol.writer_features.value_or(std::vector<std::string>{}))
      if (!is_supported_writer_feature(f))
        throw Error::unsupported(
            "bullion cannot write Delta table '" + table_path + "': it uses writer feature '" + f +
                "', which bullion does not implement",
            "write to this table with an engine that supports the feature; bullion can still read it");
  } else if (protocol.min_writer_version >= 3) {
    // Legacy writer versions imply features: 3 CHECK constraints, 4 change data
    // feed + generated columns, 5 column mapping, 6 identity columns.
    if (protocol.min_writer_version >= 4)
      throw Error::unsupported("bullion cannot write Delta table '" + table_path + "' at writer version " +
                                   std::to_string(protocol.min_writer_version) +
                                   " (change data feed, generated columns, column mapping or identity columns)",
                               "write to this table with an engine that supports those features");
  }
}

Transaction Transaction::create(const std::string& table_path, Metadata metadata, FileSystem& fs) {
  Transaction t(table_path, fs);
  if (metadata.id.empty()) metadata.id = make_uuid();
  if (!metadata.created_time) metadata.created_time = now_micros() / 1000;
  t.metadata_ = std::move(metadata);
  t.protocol_ = Protocol{};
  t.operation_ = "CREATE TABLE";
  return t;
}

Transaction::Transaction(const DeltaTable& table, Snapshot snapshot)
    : table_path_(table.path()), fs_(&table.fs()), snapshot_(std::move(snapshot)) {}

void Transaction::set_txn(const std::string& app_id, int64_t version) {
  txns_.push_back({app_id, version, now_micros() / 1000});
}

void Transaction::set_operation(std::string operation, std::map<std::string, std::string> parameters) {
  operation_ = std::move(operation);
  parameters_ = std::move(parameters);
}

bool Transaction::is_blind_append() const {
  return removes_.empty() && read_predicates_.empty() && !read_whole_table_ && !metadata_;
}

bool Transaction::changes_data() const {
  for (const AddFile& a : adds_)
    if (a.data_change) return true;
  for (const RemoveFile& r : removes_)
    if (r.data_change) return true;
  return false;
}

void Transaction::validate() const {
  const Protocol& protocol = protocol_ ? *protocol_ : snapshot_->protocol();
  const Metadata& metadata = metadata_ ? *metadata_ : snapshot_->metadata();
  check_writable(protocol, table_path_);
  if (snapshot_ && protocol_) check_writable(snapshot_->protocol(), table_path_);
  const std::string* append_only = metadata.config("delta.appendOnly");
  if (append_only && *append_only == "true")
    for (const RemoveFile& r : removes_)
      if (r.data_change)
        throw Error::invalid_input(
            "Delta table '" + table_path_ + "' is append-only (delta.appendOnly=true): cannot remove '" + r.path + "'",
            "only appends are allowed; unset delta.appendOnly to allow updates and deletes");
  std::set<std::string> added, removed;
  for (const AddFile& a : adds_) {
    if (!added.insert(a.path).second) throw Error::internal("a commit adds '" + a.path + "' twice");
    for (const std::string& col : metadata.partition_columns)
      if (!a.partition_values.contains(col))
        throw Error::internal("add '" + a.path + "' lacks partition column '" + col + "'");
  }
  for (const RemoveFile& r : removes_)
    if (!removed.insert(r.path).second) throw Error::internal("a commit removes '" + r.path + "' twice");
  std::set<std::string> apps;
  for (const Txn& t : txns_)
    if (!apps.insert(t.app_id).second) throw Error::internal("a commit sets txn '" + t.app_id + "' twice");
}

std::string Transaction::serialize() const {
  ordered_json info{{"timestamp", now_micros() / 1000},
                    {"operation", operation_},
                    {"operationParameters", string_map_json(parameters_)}};
  if (snapshot_) info["readVersion"] = snapshot_->version();
  info["isolationLevel"] = "Serializable";
  info["isBlindAppend"] = is_blind_append();
  info["operationMetrics"] = string_map_json(metrics_);
  info["engineInfo"] = std::string("bullion/") + kVersion;
  info["txnId"] = make_uuid();
  if (!bullion_json_.empty()) info["bullion"] = ordered_json::parse(bullion_json_);
  std::string out = ordered_json{{"commitInfo", info}}.dump() + "\n";
  if (protocol_) out += protocol_to_json(*protocol_) + "\n";
  if (metadata_) out += metadata_to_json(*metadata_) + "\n";
  for (const Txn& t : txns_) {
    ordered_json o{{"appId", t.app_id}, {"version", t.version}};
    if (t.last_updated) o["lastUpdated"] = *t.last_updated;
    out += ordered_json{{"txn", o}}.dump() + "\n";
  }
  for (const DomainMetadata& d : domains_)
    out += ordered_json{{"domainMetadata",
                         {{"domain", d.domain}, {"configuration", d.configuration}, {"removed", d.removed}}}}
               .dump() +
           "\n";
  for (const RemoveFile& r : removes_) out += remove_to_json(r) + "\n";
  for (const AddFile& a : adds_) out += add_to_json(a) + "\n";
  return out;
}

void Transaction::check_conflicts(const CommitActions& winner, int64_t version) const {
  const std::string who = "a concurrent commit (" + version_name(version) + ") ";
  const std::string retry = "re-run the operation; it will read the new state of the table";
  if (winner.protocol) throw Error::conflict(who + "changed the protocol of Delta table '" + table_path_ + "'", retry);
  if (winner.metadata)
    throw Error::conflict(
        who + "changed the metadata (schema, partitioning or properties) of Delta table '" + table_path_ + "'", retry);
  for (const Txn& w : winner.txns)
    for (const Txn& mine : txns_)
      if (w.app_id == mine.app_id)
        throw Error::conflict(
            who + "also committed for application '" + w.app_id + "' (its version " + std::to_string(w.version) + ")",
            "another run of the same job won; re-run to pick up where it left off");
  for (const DomainMetadata& w : winner.domains)
    for (const DomainMetadata& mine : domains_)
      if (w.domain == mine.domain) throw Error::conflict(who + "changed domain metadata '" + w.domain + "'", retry);
  // Files the winner removed that we removed too, or that we read.
  std::set<std::string> ours;
  for (const RemoveFile& r : removes_) ours.insert(canonical_file_path(r.path, table_path_));
  for (const RemoveFile& w : winner.removes) {
    const std::string path = canonical_file_path(w.path, table_path_);
    if (ours.contains(path))
      throw Error::conflict(who + "also removed file '" + path + "' (concurrent delete of the same data)", retry);
  }
  if (!snapshot_) return;
  const bool reads = read_whole_table_ || !read_predicates_.empty();
  if (!reads) return;  // a blind append conflicts only through the checks above
  auto read_matches = [&](const AddFile& f) {
    if (read_whole_table_) return true;
    for (const Conjunction& c : read_predicates_)
      if (snapshot_->file_may_match(f, c)) return true;
    return false;
  };
  if (changes_data()) {
    for (const AddFile& w : winner.adds)
      if (w.data_change && read_matches(w))
        throw Error::conflict(who + "added data (file '" + w.path + "') that this operation's read would have seen",
                              retry);
  }
  std::set<std::string> read_files;
  for (const AddFile& f : snapshot_->files())
    if (read_matches(f)) read_files.insert(canonical_file_path(f.path, table_path_));
  for (const RemoveFile& w : winner.removes) {
    const std::string path = canonical_file_path(w.path, table_path_);
    if (read_files.contains(path))
      throw Error::conflict(who + "removed file '" + path + "', which this operation read", retry);
  }
}

void Transaction::checkpoint_if_due(int64_t version) const {
  const Metadata& metadata = metadata_ ? *metadata_ : snapshot_->metadata();
  if (version == 0 || version % checkpoint_interval(metadata) != 0) return;
  try {
    const DeltaTable table = DeltaTable::open(table_path_, *fs_);
    write_checkpoint(table, table.at_version(version));
  } catch (const Error& e) {
    // The commit stands; a missing checkpoint only makes later reads replay more JSON.
    log_warn("could not write the checkpoint of version " + std::to_string(version) + " of '" + table_path_ +
             "': " + e.message());
  }
}

CommitResult Transaction::commit() {
  BULLION_ASSERT(!committed_, "a transaction commits once");
  committed_ = true;
  validate();
  const std::string log_dir = table_path_ + "/_delta_log";
  fs_->create_dirs(log_dir);
  int64_t version = snapshot_ ? snapshot_->version() + 1 : 0;
  std::mt19937 rng{std::random_device{}()};
  for (int attempt = 1; attempt <= kMaxAttempts; ++attempt) {
    if (fs_->put_if_absent(log_dir + "/" + commit_file_name(version), serialize())) {
      checkpoint_if_due(version);
      return {version, attempt};
    }
    if (!snapshot_)
      throw Error::conflict("Delta table '" + table_path_ + "' already exists (created concurrently or earlier)",
                            "write to the existing table instead of creating it");
    // Lost the race: every commit that won since must be compatible.
    while (true) {
      const std::string file = log_dir + "/" + commit_file_name(version);
      if (!fs_->exists(file)) break;
      check_conflicts(parse_actions(fs_->read_all(file), file), version);
      ++version;
    }
    const int max_sleep_us = std::min(100'000, 500 << std::min(attempt, 8));
    std::this_thread::sleep_for(std::chrono::microseconds(std::uniform_int_distribution<int>(0, max_sleep_us)(rng)));
  }
  throw Error::conflict("gave up committing to Delta table '" + table_path_ + "' after " +
                            std::to_string(kMaxAttempts) + " attempts: too many concurrent writers",
                        "retry later, or reduce the number of concurrent writers");
}

}  // namespace bullion::delta
