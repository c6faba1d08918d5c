#include "bullion/delta/log.h"

#include <simdjson.h>

#include <algorithm>
#include <cstdio>
#include <set>
#include <unordered_map>

#include "bullion/core/error.h"
#include "bullion/core/log.h"
#include "bullion/core/time.h"
#include "bullion/delta/partition_values.h"
#include "bullion/delta/schema_json.h"

namespace bullion::delta {

namespace {

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

int64_t to_int(std::string_view s) {
  int64_t v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}

bool is_uuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!std::isxdigit(static_cast<unsigned char>(c))) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string commit_file_name(int64_t version) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%020lld.json", static_cast<long long>(version));
  return buf;
}

std::optional<LogFile> classify_log_file(const std::string& name) {
  if (name.size() < 21 || !all_digits(std::string_view(name).substr(0, 20)) || name[20] != '.') return std::nullopt;
  LogFile f;
  f.name = name;
  f.version = to_int(std::string_view(name).substr(0, 20));
  const std::string_view rest = std::string_view(name).substr(21);
  if (rest == "json") {
    f.kind = LogFile::Kind::kCommit;
    return f;
  }
  if (rest == "crc") {
    f.kind = LogFile::Kind::kChecksum;
    return f;
  }
  if (rest == "checkpoint.parquet") {
    f.kind = LogFile::Kind::kCheckpoint;
    return f;
  }
  if (rest.rfind("checkpoint.", 0) == 0) {
    const std::string_view tail = rest.substr(11);
    // OOOOOOOOOO.PPPPPPPPPP.parquet
    if (tail.size() == 29 && all_digits(tail.substr(0, 10)) && tail[10] == '.' && all_digits(tail.substr(11, 10)) &&
        tail.substr(21) == ".parquet") {
      f.kind = LogFile::Kind::kMultiPartCheckpoint;
      f.part = static_cast<int>(to_int(tail.substr(0, 10)));
      f.parts = static_cast<int>(to_int(tail.substr(11, 10)));
      return f;
    }
    // <uuid>.json | <uuid>.parquet
    const size_t dot = tail.rfind('.');
    if (dot != std::string_view::npos && is_uuid(tail.substr(0, dot)) &&
        (tail.substr(dot) == ".json" || tail.substr(dot) == ".parquet")) {
      f.kind = LogFile::Kind::kV2Checkpoint;
      return f;
    }
    return std::nullopt;
  }
  // Y.compacted.json (20 digits)
  if (rest.size() == 35 && all_digits(rest.substr(0, 20)) && rest.substr(20) == ".compacted.json") {
    f.kind = LogFile::Kind::kCompaction;
    f.end_version = to_int(rest.substr(0, 20));
    return f;
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------
// Protocol support
// ---------------------------------------------------------------------------

void check_readable(const Protocol& protocol, const std::string& table_path) {
  static const std::set<std::string, std::less<>> kSupported = {
      "deletionVectors", "columnMapping",        "timestampNtz",       "v2Checkpoint",
      "typeWidening",    "typeWidening-preview", "vacuumProtocolCheck"};
  std::string missing;
  if (protocol.min_reader_version >= 3)
    for (const std::string& f : protocol.reader_features.value_or(std::vector<std::string>{}))
      if (!kSupported.contains(f)) missing += (missing.empty() ? "" : ", ") + f;
  if (protocol.min_reader_version > 3)
    throw Error::unsupported("Delta table '" + table_path + "' requires reader version " +
                                 std::to_string(protocol.min_reader_version) + "; bullion reads up to version 3" +
                                 (missing.empty() ? "" : " (unsupported reader features: " + missing + ")"),
                             "read the table with an engine that supports it");
  if (!missing.empty())
    throw Error::unsupported(
        "Delta table '" + table_path + "' uses reader feature(s) bullion does not support: " + missing,
        "read the table with an engine that supports them");
}

// ---------------------------------------------------------------------------
// Snapshot
// ---------------------------------------------------------------------------

std::optional<int64_t> Snapshot::txn_version(const std::string& app_id) const {
  const auto it = txns_.find(app_id);
  if (it == txns_.end()) return std::nullopt;
  return it->second.version;
}

namespace {}  // namespace

std::string canonical_file_path(const std::string& log_path, const std::string& table_path) {
  std::string p = percent_decode(log_path);
  if (p.rfind("file:", 0) == 0) {
    p = p.substr(5);
    while (p.size() > 1 && p[0] == '/' && p[1] == '/') p = p.substr(1);
  }
  if (!p.empty() && p[0] == '/') {
    const std::string root = table_path + "/";
    if (p.rfind(root, 0) == 0) return p.substr(root.size());
  }
  return p;
}

namespace {

std::string canonical_path(const std::string& log_path, const std::string& table_path) {
  return canonical_file_path(log_path, table_path);
}

std::string file_key(const std::string& canonical, const std::optional<DeletionVectorDescriptor>& dv) {
  std::string key = canonical;
  if (dv) {
    key.push_back('\x01');
    key += dv->unique_id();
  }
  return key;
}

struct ReplayState {
  std::optional<Protocol> protocol;
  std::optional<Metadata> metadata;
  std::unordered_map<std::string, AddFile> files;
  std::unordered_map<std::string, RemoveFile> tombstones;
  std::map<std::string, Txn> txns;
  std::map<std::string, DomainMetadata> domains;

  void apply(CommitActions& actions, const std::string& table_path) {
    if (actions.protocol) protocol = std::move(actions.protocol);
    if (actions.metadata) metadata = std::move(actions.metadata);
    for (Txn& t : actions.txns) txns[t.app_id] = std::move(t);
    for (DomainMetadata& d : actions.domains) {
      if (d.removed)
        domains.erase(d.domain);
      else
        domains[d.domain] = std::move(d);
    }
    for (const FileAction& a : actions.order) {
      if (a.is_add) {
        AddFile& add = actions.adds[a.index];
        std::string key = file_key(canonical_path(add.path, table_path), add.deletion_vector);
        tombstones.erase(key);
        files.insert_or_assign(std::move(key), std::move(add));
      } else {
        RemoveFile& rm = actions.removes[a.index];
        std::string key = file_key(canonical_path(rm.path, table_path), rm.deletion_vector);
        files.erase(key);
        tombstones.insert_or_assign(std::move(key), std::move(rm));
      }
    }
  }
};

std::string strip_trailing_slashes(std::string p) {
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  return p;
}

}  // namespace

std::string Snapshot::data_file_path(const std::string& log_path) const {
  const std::string p = canonical_path(log_path, table_path_);
  if (!p.empty() && p[0] == '/') return p;
  if (p.find("://") != std::string::npos)
    throw Error::unsupported("data file '" + log_path + "' is on remote storage; bullion reads local tables only");
  return table_path_ + "/" + p;
}

std::vector<Value> Snapshot::partition_values(const AddFile& file) const {
  std::vector<Value> out;
  out.reserve(metadata_.partition_columns.size());
  for (const std::string& col : metadata_.partition_columns) {
    const auto idx = schema_->index_of(col);
    BULLION_ASSERT(idx.has_value(), "partition column missing from schema");
    const std::string& physical = physical_names_[*idx];
    const auto it = file.partition_values.find(physical);
    if (it == file.partition_values.end())
      throw Error::corrupt("Delta table '" + table_path_ + "': file '" + file.path + "' lacks partition column '" +
                           col + "'");
    out.push_back(parse_partition_value(it->second, schema_->field(*idx).type, col));
  }
  return out;
}

namespace {

// Counts UTF-8 code points.
size_t utf8_length(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

std::optional<Value> stat_value(simdjson::dom::element e, const DataType& type) {
  if (e.is_null()) return std::nullopt;
  switch (type.id()) {
    case TypeId::kInt8:
    case TypeId::kInt16:
    case TypeId::kInt32:
    case TypeId::kInt64: {
      int64_t v;
      if (e.get(v) != simdjson::SUCCESS) return std::nullopt;
      switch (type.id()) {
        case TypeId::kInt8:
          return Value::int8(static_cast<int8_t>(v));
        case TypeId::kInt16:
          return Value::int16(static_cast<int16_t>(v));
        case TypeId::kInt32:
          return Value::int32(static_cast<int32_t>(v));
        default:
          return Value::int64(v);
      }
    }
    case TypeId::kFloat:
    case TypeId::kDouble: {
      double d;
      if (e.get(d) != simdjson::SUCCESS) return std::nullopt;
      return type.id() == TypeId::kFloat ? Value::float32(static_cast<float>(d)) : Value::float64(d);
    }
    case TypeId::kString: {
      std::string_view s;
      if (e.get(s) != simdjson::SUCCESS) return std::nullopt;
      return Value::string(s);
    }
    case TypeId::kDate: {
      std::string_view s;
      if (e.get(s) != simdjson::SUCCESS) return std::nullopt;
      const auto d = parse_date(s);
      if (!d) return std::nullopt;
      return Value::date(*d);
    }
    case TypeId::kTimestamp:
    case TypeId::kTimestampNtz: {
      std::string_view s;
      if (e.get(s) != simdjson::SUCCESS) return std::nullopt;
      const auto ts = parse_timestamp(s);
      if (!ts) return std::nullopt;
      return type.id() == TypeId::kTimestamp ? Value::timestamp(*ts) : Value::timestamp_ntz(*ts);
    }
    case TypeId::kDecimal: {
      // Decimal stats are JSON numbers; parse their text exactly.
      const std::string text = simdjson::minify(e);
      try {
        return parse_partition_value(text, type, "stats");
      } catch (const Error&) {
        return std::nullopt;
      }
    }
    default:
      return std::nullopt;
  }
}

}  // namespace

ColumnStats Snapshot::column_stats(const AddFile& file, size_t column) const {
  ColumnStats out;
  if (!file.stats || file.stats->empty()) return out;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(*file.stats).get(doc) != simdjson::SUCCESS) return out;  // unreadable stats: no pruning
  simdjson::dom::element e;
  int64_t n;
  if (doc["numRecords"].get(e) == simdjson::SUCCESS && e.get(n) == simdjson::SUCCESS) out.num_values = n;
  const std::string& physical = physical_names_[column];
  const DataType& type = schema_->field(column).type;
  bool tight = true;
  bool b;
  if (doc["tightBounds"].get(e) == simdjson::SUCCESS && e.get(b) == simdjson::SUCCESS) tight = b;
  if (doc["nullCount"][physical].get(e) == simdjson::SUCCESS && e.get(n) == simdjson::SUCCESS) {
    // Wide bounds (deletion vectors): null counts inform only at 0 or all.
    if (tight || n == 0 || (out.num_values && n == *out.num_values)) out.null_count = n;
  }
  if (doc["minValues"][physical].get(e) == simdjson::SUCCESS) out.min = stat_value(e, type);
  if (doc["maxValues"][physical].get(e) == simdjson::SUCCESS) out.max = stat_value(e, type);
  if (out.max) {
    // Writers truncate: timestamps to milliseconds, strings to a prefix.
    if (type.id() == TypeId::kTimestamp || type.id() == TypeId::kTimestampNtz) {
      const int64_t widened = out.max->as_int() + 999;
      out.max = type.id() == TypeId::kTimestamp ? Value::timestamp(widened) : Value::timestamp_ntz(widened);
    } else if (type.id() == TypeId::kString && utf8_length(out.max->as_string()) >= 32) {
      out.max.reset();
    }
  }
  if (!tight) out.null_count = out.null_count && *out.null_count == 0 ? out.null_count : std::nullopt;
  return out;
}

std::optional<int64_t> Snapshot::num_records(const AddFile& file) const {
  if (!file.stats || file.stats->empty()) return std::nullopt;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  int64_t n;
  if (parser.parse(*file.stats).get(doc) != simdjson::SUCCESS) return std::nullopt;
  if (doc["numRecords"].get(n) != simdjson::SUCCESS) return std::nullopt;
  return n;
}

uint64_t Snapshot::num_records() const {
  uint64_t total = 0;
  for (const AddFile& f : *files_) {
    const int64_t n = num_records(f).value_or(0);
    total += static_cast<uint64_t>(n) - (f.deletion_vector ? static_cast<uint64_t>(f.deletion_vector->cardinality) : 0);
  }
  return total;
}

bool Snapshot::file_may_match(const AddFile& file, const Conjunction& filter) const {
  std::vector<Value> parts;
  for (const ColumnPredicate& p : filter) {
    const auto column = schema_->index_of(p.column);
    if (!column) continue;  // not a table column: cannot prune on it
    ColumnStats stats;
    const auto& pcols = metadata_.partition_columns;
    const auto part = std::find(pcols.begin(), pcols.end(), p.column);
    if (part != pcols.end()) {
      if (parts.empty()) parts = partition_values(file);
      const Value& v = parts[static_cast<size_t>(part - pcols.begin())];
      stats.num_values = 1;
      stats.null_count = v.is_null() ? 1 : 0;
      if (!v.is_null()) stats.min = stats.max = v;
    } else {
      stats = column_stats(file, *column);
    }
    if (!may_match(p, stats)) return false;
  }
  return true;
}

std::vector<const AddFile*> Snapshot::files_matching(const Conjunction& filter) const {
  std::vector<const AddFile*> out;
  for (const AddFile& f : *files_)
    if (file_may_match(f, filter)) out.push_back(&f);
  return out;
}

// ---------------------------------------------------------------------------
// DeltaTable
// ---------------------------------------------------------------------------

bool DeltaTable::exists(const std::string& path, FileSystem& fs) {
  const std::string log = strip_trailing_slashes(path) + "/_delta_log";
  if (!fs.exists(log)) return false;
  for (const FileInfo& f : fs.list_names(log)) {
    const auto lf = classify_log_file(f.name);
    if (lf && lf->kind != LogFile::Kind::kChecksum && lf->kind != LogFile::Kind::kCompaction) return true;
  }
  return false;
}

DeltaTable DeltaTable::open(const std::string& path, FileSystem& fs) {
  std::string root = strip_trailing_slashes(path);
  if (!exists(root, fs))
    throw Error::not_found("no Delta table at '" + path + "' (no commits in _delta_log/)",
                           "check the path, or create the table by writing to it");
  return DeltaTable(std::move(root), fs);
}

std::vector<LogFile> DeltaTable::list_log(bool with_stats) const {
  std::vector<LogFile> out;
  for (const FileInfo& info : with_stats ? fs_->list(log_path()) : fs_->list_names(log_path())) {
    if (info.is_dir) continue;
    auto f = classify_log_file(info.name);
    if (!f) continue;  // stray files (._*, .DS_Store, temp files) are not part of the log
    f->size = info.size;
    f->mtime_micros = info.mtime_micros;
    out.push_back(std::move(*f));
  }
  std::sort(out.begin(), out.end(), [](const LogFile& a, const LogFile& b) {
    return a.version != b.version ? a.version < b.version : a.name < b.name;
  });
  return out;
}

namespace {

struct Checkpoint {
  int64_t version;
  std::vector<const LogFile*> files;  // one, or all parts of a multi-part checkpoint
};

// Complete checkpoints, newest first (several at one version: v2 first, then classic, then multi-part).
std::vector<Checkpoint> complete_checkpoints(const std::vector<LogFile>& listing) {
  std::vector<Checkpoint> out;
  std::map<std::pair<int64_t, int>, std::vector<const LogFile*>> multi;
  for (const LogFile& f : listing) {
    if (f.kind == LogFile::Kind::kCheckpoint || f.kind == LogFile::Kind::kV2Checkpoint)
      out.push_back({f.version, {&f}});
    if (f.kind == LogFile::Kind::kMultiPartCheckpoint) multi[{f.version, f.parts}].push_back(&f);
  }
  for (auto& [key, files] : multi) {
    std::set<int> parts;
    for (const LogFile* f : files) parts.insert(f->part);
    if (static_cast<int>(parts.size()) == key.second && *parts.begin() == 1 && *parts.rbegin() == key.second) {
      std::sort(files.begin(), files.end(), [](const LogFile* a, const LogFile* b) { return a->part < b->part; });
      out.push_back({key.first, files});
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const Checkpoint& a, const Checkpoint& b) {
    if (a.version != b.version) return a.version > b.version;
    const auto rank = [](const Checkpoint& c) {
      switch (c.files.front()->kind) {
        case LogFile::Kind::kV2Checkpoint:
          return 0;
        case LogFile::Kind::kCheckpoint:
          return 1;
        default:
          return 2;
      }
    };
    return rank(a) < rank(b);
  });
  return out;
}

}  // namespace

int64_t DeltaTable::latest_version() const {
  int64_t latest = -1;
  for (const LogFile& f : list_log())
    if (f.kind == LogFile::Kind::kCommit || f.kind == LogFile::Kind::kCheckpoint ||
        f.kind == LogFile::Kind::kMultiPartCheckpoint || f.kind == LogFile::Kind::kV2Checkpoint)
      latest = std::max(latest, f.version);
  if (latest < 0) throw Error::not_found("no Delta table at '" + path_ + "' (no commits in _delta_log/)");
  return latest;
}

CommitActions DeltaTable::read_commit(int64_t version) const {
  const std::string file = log_path() + "/" + commit_file_name(version);
  if (!fs_->exists(file))
    throw Error::not_found("version " + std::to_string(version) + " of Delta table '" + path_ + "' does not exist",
                           "run 'bullion table history' to see the available versions");
  return parse_actions(fs_->read_all(file), file);
}

Snapshot DeltaTable::latest() const {
  const auto listing = list_log();
  int64_t latest = -1;
  for (const LogFile& f : listing)
    if (f.kind != LogFile::Kind::kChecksum && f.kind != LogFile::Kind::kCompaction)
      latest = std::max(latest, f.version);
  if (latest < 0) throw Error::not_found("no Delta table at '" + path_ + "' (no commits in _delta_log/)");
  return build(listing, latest);
}

Snapshot DeltaTable::at_version(int64_t version) const {
  const auto listing = list_log();
  int64_t latest = -1;
  for (const LogFile& f : listing)
    if (f.kind != LogFile::Kind::kChecksum && f.kind != LogFile::Kind::kCompaction)
      latest = std::max(latest, f.version);
  if (version < 0 || version > latest)
    throw Error::not_found("version " + std::to_string(version) + " of Delta table '" + path_ +
                               "' does not exist (latest is " + std::to_string(latest) + ")",
                           "run 'bullion table history' to see the available versions");
  return build(listing, version);
}

namespace {

// Loads a checkpoint's actions (classic, multi-part, v2 with sidecars).
CommitActions load_checkpoint(FileSystem& fs, const std::string& log_dir, const Checkpoint& cp) {
  CommitActions all;
  auto merge = [&all](CommitActions&& part) {
    if (part.protocol) all.protocol = std::move(part.protocol);
    if (part.metadata) all.metadata = std::move(part.metadata);
    const size_t add_base = all.adds.size(), rm_base = all.removes.size();
    for (auto& a : part.adds) all.adds.push_back(std::move(a));
    for (auto& r : part.removes) all.removes.push_back(std::move(r));
    for (const FileAction& o : part.order) all.order.push_back({o.is_add, o.index + (o.is_add ? add_base : rm_base)});
    for (auto& t : part.txns) all.txns.push_back(std::move(t));
    for (auto& d : part.domains) all.domains.push_back(std::move(d));
    for (auto& s : part.sidecars) all.sidecars.push_back(std::move(s));
    all.has_checkpoint_metadata |= part.has_checkpoint_metadata;
  };
  for (const LogFile* f : cp.files) {
    const std::string path = log_dir + "/" + f->name;
    if (f->name.size() > 5 && f->name.compare(f->name.size() - 5, 5, ".json") == 0)
      merge(parse_actions(fs.read_all(path), path));
    else
      merge(read_parquet_actions(fs, path));
  }
  std::vector<Sidecar> sidecars = std::move(all.sidecars);
  all.sidecars.clear();
  for (const Sidecar& s : sidecars) {
    const std::string decoded = percent_decode(s.path);
    const std::string path =
        decoded.find('/') == std::string::npos || decoded[0] != '/' ? log_dir + "/_sidecars/" + decoded : decoded;
    merge(read_parquet_actions(fs, path));
  }
  return all;
}

}  // namespace

namespace {
std::optional<CommitInfo> first_commit_info(FileSystem& fs, const std::string& path);
}  // namespace

Snapshot DeltaTable::build(const std::vector<LogFile>& listing, int64_t version) const {
  std::map<int64_t, const LogFile*> commits;
  for (const LogFile& f : listing)
    if (f.kind == LogFile::Kind::kCommit && f.version <= version) commits[f.version] = &f;

  ReplayState state;
  int64_t start = 0;  // first commit to replay
  bool from_checkpoint = false;
  for (const Checkpoint& cp : complete_checkpoints(listing)) {
    if (cp.version > version) continue;
    // Every commit after the checkpoint must be present.
    bool contiguous = true;
    for (int64_t v = cp.version + 1; v <= version; ++v)
      if (!commits.contains(v)) contiguous = false;
    if (!contiguous) continue;
    try {
      CommitActions actions = load_checkpoint(*fs_, log_path(), cp);
      state.apply(actions, path_);
      start = cp.version + 1;
      from_checkpoint = true;
      break;
    } catch (const Error& e) {
      if (e.category() != ErrorCategory::kCorrupt && e.category() != ErrorCategory::kNotFound) throw;
      // A damaged or half-written checkpoint: fall back to an older one or to the commits.
      log_warn("ignoring unreadable checkpoint at version " + std::to_string(cp.version) + " of '" + path_ +
               "': " + e.message());
      state = ReplayState{};
    }
  }
  if (!from_checkpoint) {
    // Replay from version 0; every commit must be present.
    for (int64_t v = 0; v <= version; ++v) {
      if (!commits.contains(v)) {
        const bool any_later = commits.upper_bound(v) != commits.end();
        if (v == 0 && any_later)
          throw Error::not_found("version " + std::to_string(version) + " of Delta table '" + path_ +
                                     "' cannot be reconstructed: its early commits were cleaned up and no checkpoint "
                                     "at or before it remains",
                                 "time travel only to versions the log still covers ('bullion table history')");
        throw Error::corrupt(
            "Delta log of '" + path_ + "' is missing commit " + commit_file_name(v) + " (versions are not contiguous)",
            "the log was damaged; restore the missing commit file");
      }
    }
  }
  for (int64_t v = start; v <= version; ++v) {
    const std::string file = log_path() + "/" + commits.at(v)->name;
    CommitActions actions = parse_actions(fs_->read_all(file), file);
    state.apply(actions, path_);
  }
  if (!state.protocol)
    throw Error::corrupt("Delta table '" + path_ + "' has no protocol action at version " + std::to_string(version),
                         "the log is incomplete or damaged");
  if (!state.metadata)
    throw Error::corrupt("Delta table '" + path_ + "' has no metaData action at version " + std::to_string(version),
                         "the log is incomplete or damaged");
  check_readable(*state.protocol, path_);

  Snapshot s;
  s.table_path_ = path_;
  s.version_ = version;
  s.protocol_ = std::move(*state.protocol);
  s.metadata_ = std::move(*state.metadata);
  s.schema_ = std::make_shared<Schema>(
      s.metadata_.schema_string.empty() ? Schema() : parse_schema_json(s.metadata_.schema_string));
  if (const std::string* mode = s.metadata_.config("delta.columnMapping.mode")) {
    if (*mode == "name")
      s.mapping_mode_ = ColumnMappingMode::kName;
    else if (*mode == "id")
      s.mapping_mode_ = ColumnMappingMode::kId;
    else if (*mode != "none")
      throw Error::unsupported("Delta table '" + path_ + "' uses column mapping mode '" + *mode + "'");
  }
  for (const Field& f : s.schema_->fields()) {
    const std::string* physical =
        s.mapping_mode_ != ColumnMappingMode::kNone ? f.metadata_value("delta.columnMapping.physicalName") : nullptr;
    s.physical_names_.push_back(physical ? *physical : f.name);
  }
  for (const std::string& col : s.metadata_.partition_columns)
    if (!s.schema_->index_of(col))
      throw Error::corrupt("Delta table '" + path_ + "': partition column '" + col + "' is not in the schema");
  std::vector<AddFile> files;
  files.reserve(state.files.size());
  for (auto& [key, add] : state.files) files.push_back(std::move(add));
  std::sort(files.begin(), files.end(), [](const AddFile& a, const AddFile& b) { return a.path < b.path; });
  std::vector<RemoveFile> tombstones;
  for (auto& [key, rm] : state.tombstones) tombstones.push_back(std::move(rm));
  std::sort(tombstones.begin(), tombstones.end(),
            [](const RemoveFile& a, const RemoveFile& b) { return a.path < b.path; });
  s.files_ = std::make_shared<const std::vector<AddFile>>(std::move(files));
  s.tombstones_ = std::make_shared<const std::vector<RemoveFile>>(std::move(tombstones));
  s.txns_ = std::move(state.txns);
  s.domains_ = std::move(state.domains);
  // Commit timestamp of this version: its in-commit timestamp, else its file's
  // modification time (as Spark reports a snapshot's timestamp).
  if (const auto it = commits.find(version); it != commits.end()) {
    const std::string file = log_path() + "/" + it->second->name;
    const auto info = first_commit_info(*fs_, file);
    s.timestamp_ms_ =
        info && info->in_commit_timestamp ? *info->in_commit_timestamp : fs_->stat(file).mtime_micros / 1000;
  } else {
    for (const LogFile& f : listing)
      if (f.version == version) s.timestamp_ms_ = fs_->stat(log_path() + "/" + f.name).mtime_micros / 1000;
  }
  return s;
}

namespace {

// The commitInfo of a commit if it is the file's first action (where
// in-commit timestamps require it to be).
std::optional<CommitInfo> first_commit_info(FileSystem& fs, const std::string& path) {
  const std::string text = fs.read_all(path);
  const size_t end = text.find('\n');
  const std::string_view first = std::string_view(text).substr(0, end == std::string::npos ? text.size() : end);
  if (first.find("\"commitInfo\"") == std::string_view::npos) return std::nullopt;
  return parse_actions(first, path).commit_info;
}

}  // namespace

std::vector<HistoryEntry> DeltaTable::commit_times(const std::vector<LogFile>& listing) const {
  std::vector<HistoryEntry> out;
  for (const LogFile& f : listing)
    if (f.kind == LogFile::Kind::kCommit) {
      const int64_t mtime = f.mtime_micros != 0 ? f.mtime_micros : fs_->stat(log_path() + "/" + f.name).mtime_micros;
      out.push_back({f.version, mtime / 1000, std::nullopt});
    }
  // In-commit timestamps (PROTOCOL.md "In-Commit Timestamps"): once enabled,
  // every later commit starts with a commitInfo carrying one. Walk back from
  // the newest commit while they do; older commits use file times.
  size_t ict_from = out.size();
  for (size_t i = out.size(); i-- > 0;) {
    auto info = first_commit_info(*fs_, log_path() + "/" + commit_file_name(out[i].version));
    if (!info || !info->in_commit_timestamp) break;
    out[i].timestamp_ms = *info->in_commit_timestamp;
    out[i].commit_info = std::move(info);
    ict_from = i;
  }
  // File modification times made monotonic (Delta's DeltaHistoryManager): a
  // commit never appears older than the one before it.
  int64_t previous = INT64_MIN;
  for (size_t i = 0; i < ict_from; ++i) {
    if (out[i].timestamp_ms <= previous) out[i].timestamp_ms = previous + 1;
    previous = out[i].timestamp_ms;
  }
  return out;
}

std::vector<HistoryEntry> DeltaTable::history(size_t limit) const {
  std::vector<HistoryEntry> times = commit_times(list_log());
  std::reverse(times.begin(), times.end());
  if (limit != 0 && times.size() > limit) times.resize(limit);
  for (HistoryEntry& h : times) {
    if (h.commit_info) continue;
    const std::string file = log_path() + "/" + commit_file_name(h.version);
    h.commit_info = parse_actions(fs_->read_all(file), file).commit_info;
  }
  return times;
}

Snapshot DeltaTable::at_timestamp(int64_t timestamp_ms) const {
  const auto listing = list_log();
  const auto times = commit_times(listing);
  if (times.empty()) throw Error::not_found("Delta table '" + path_ + "' has no commit files to time-travel over");
  if (timestamp_ms < times.front().timestamp_ms)
    throw Error::not_found("timestamp " + format_timestamp(timestamp_ms * 1000) +
                               " is before the earliest available version " + std::to_string(times.front().version) +
                               " of '" + path_ + "' (committed " + format_timestamp(times.front().timestamp_ms * 1000) +
                               ")",
                           "use a later timestamp, or --version");
  if (timestamp_ms > times.back().timestamp_ms)
    throw Error::not_found("timestamp " + format_timestamp(timestamp_ms * 1000) + " is after the latest version " +
                               std::to_string(times.back().version) + " of '" + path_ + "' (committed " +
                               format_timestamp(times.back().timestamp_ms * 1000) + ")",
                           "use an earlier timestamp, or read the latest version");
  int64_t chosen = times.front().version;
  for (const HistoryEntry& h : times)
    if (h.timestamp_ms <= timestamp_ms) chosen = h.version;
  return build(listing, chosen);
}

}  // namespace bullion::delta
