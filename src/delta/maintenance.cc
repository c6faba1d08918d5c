#include "bullion/delta/maintenance.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <sstream>

#include "bullion/core/error.h"
#include "bullion/core/time.h"
#include "bullion/delta/deletion_vector.h"
#include "bullion/delta/transaction.h"

namespace bullion::delta {

int64_t parse_interval_ms(const std::string& text) {
  std::istringstream in(text);
  std::string word;
  std::vector<std::string> words;
  while (in >> word) {
    std::transform(word.begin(), word.end(), word.begin(), [](unsigned char c) { return std::tolower(c); });
    words.push_back(word);
  }
  if (!words.empty() && words[0] == "interval") words.erase(words.begin());
  auto bad = [&] {
    return Error::invalid_input("'" + text + "' is not an interval such as 'interval 7 days'",
                                "use a number followed by a unit: weeks, days, hours, minutes, seconds");
  };
  if (words.empty() || words.size() % 2 != 0) throw bad();
  int64_t total = 0;
  for (size_t i = 0; i < words.size(); i += 2) {
    int64_t n;
    try {
      size_t used = 0;
      n = std::stoll(words[i], &used);
      if (used != words[i].size() || n < 0) throw bad();
    } catch (const Error&) {
      throw;
    } catch (...) {
      throw bad();
    }
    std::string unit = words[i + 1];
    if (unit.size() > 1 && unit.back() == 's') unit.pop_back();
    int64_t ms;
    if (unit == "week")
      ms = 7LL * 24 * 3600 * 1000;
    else if (unit == "day")
      ms = 24LL * 3600 * 1000;
    else if (unit == "hour")
      ms = 3600LL * 1000;
    else if (unit == "minute")
      ms = 60LL * 1000;
    else if (unit == "second")
      ms = 1000;
    else if (unit == "millisecond")
      ms = 1;
    else
      throw bad();
    total += n * ms;
  }
  return total;
}

namespace {

bool hidden(const std::string& name) { return !name.empty() && (name[0] == '_' || name[0] == '.'); }

// Every file under `dir` (relative paths), skipping hidden entries, with sizes and mtimes.
void walk(FileSystem& fs, const std::string& root, const std::string& rel, std::vector<FileInfo>& out,
          std::vector<std::string>& dirs) {
  const std::string dir = rel.empty() ? root : root + "/" + rel;
  for (FileInfo& f : fs.list(dir)) {
    if (hidden(f.name)) continue;
    const std::string path = rel.empty() ? f.name : rel + "/" + f.name;
    if (f.is_dir) {
      dirs.push_back(path);
      walk(fs, root, path, out, dirs);
    } else {
      f.name = path;
      out.push_back(std::move(f));
    }
  }
}

}  // namespace

VacuumResult vacuum(const DeltaTable& table, const VacuumOptions& options) {
  FileSystem& fs = table.fs();
  const Snapshot latest = table.latest();
  int64_t retention = kDefaultDeletedFileRetentionMs;
  if (const std::string* prop = latest.metadata().config("delta.deletedFileRetentionDuration"))
    retention = parse_interval_ms(*prop);
  if (options.retention_ms) retention = *options.retention_ms;
  if (retention < kDefaultDeletedFileRetentionMs && !options.force)
    throw Error::invalid_input("refusing to VACUUM '" + table.path() + "' with a retention of " +
                                   std::to_string(retention / 3600000) + " hours, under the safe minimum of 168 hours",
                               "concurrent readers and writers may still need those files; pass --force if you are "
                               "sure no one is using the table");
  const int64_t now = options.now_ms.value_or(now_micros() / 1000);
  const int64_t delete_before = now - retention;

  // Files referenced by any version the log can still reconstruct: the live
  // files of the earliest such version, plus every file added after it.
  const auto listing = table.list_log();
  int64_t earliest = latest.version();
  for (int64_t v = 0; v <= latest.version(); ++v) {
    try {
      (void)table.at_version(v);
      earliest = v;
      break;
    } catch (const Error& e) {
      if (e.category() != ErrorCategory::kNotFound) throw;
    }
  }
  std::set<std::string> protect;
  auto protect_file = [&](const std::string& log_path, const std::optional<DeletionVectorDescriptor>& dv) {
    protect.insert(canonical_file_path(log_path, table.path()));
    if (dv && dv->storage_type != 'i') {
      const std::string p = deletion_vector_path(table.path(), *dv);
      protect.insert(canonical_file_path(p, table.path()));
    }
  };
  const Snapshot first = table.at_version(earliest);
  for (const AddFile& f : first.files()) protect_file(f.path, f.deletion_vector);
  for (int64_t v = earliest + 1; v <= latest.version(); ++v) {
    const CommitActions c = table.read_commit(v);
    for (const AddFile& f : c.adds) protect_file(f.path, f.deletion_vector);
  }
  // Tombstones still inside the retention window (Spark's rule) are kept too.
  for (const RemoveFile& r : latest.tombstones())
    if (r.deletion_timestamp.value_or(0) >= delete_before) protect_file(r.path, r.deletion_vector);

  std::vector<FileInfo> files;
  std::vector<std::string> dirs;
  walk(fs, table.path(), "", files, dirs);
  VacuumResult result;
  result.earliest_protected_version = earliest;
  for (const FileInfo& f : files) {
    if (protect.contains(f.name) || f.mtime_micros / 1000 >= delete_before) {
      ++result.kept_files;
      continue;
    }
    result.deleted.push_back(f.name);
    result.deleted_bytes += f.size;
  }
  std::sort(result.deleted.begin(), result.deleted.end());
  if (options.dry_run) return result;

  auto log_vacuum = [&](const std::string& operation, std::map<std::string, std::string> metrics) {
    Transaction t(table, table.latest());
    t.set_operation(operation, {{"retentionCheckEnabled", options.force ? "false" : "true"},
                                {"specifiedRetentionMillis", std::to_string(retention)},
                                {"defaultRetentionMillis", std::to_string(kDefaultDeletedFileRetentionMs)}});
    t.set_metrics(std::move(metrics));
    return t.commit().version;
  };
  log_vacuum("VACUUM START", {{"numFilesToDelete", std::to_string(result.deleted.size())},
                              {"sizeOfDataToDelete", std::to_string(result.deleted_bytes)}});
  for (const std::string& rel : result.deleted) fs.remove(table.path() + "/" + rel);
  // Remove directories left empty, deepest first.
  std::sort(dirs.begin(), dirs.end(), [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  for (const std::string& d : dirs)
    if (fs.list(table.path() + "/" + d).empty()) fs.remove(table.path() + "/" + d);
  result.commit_version = log_vacuum("VACUUM END", {{"numDeletedFiles", std::to_string(result.deleted.size())},
                                                    {"numVacuumedDirectories", std::to_string(dirs.size())}});
  return result;
}

LogCleanupResult cleanup_log(const DeltaTable& table, std::optional<int64_t> retention_ms,
                             std::optional<int64_t> now_ms) {
  const Snapshot latest = table.latest();
  int64_t retention = kDefaultLogRetentionMs;
  if (const std::string* prop = latest.metadata().config("delta.logRetentionDuration"))
    retention = parse_interval_ms(*prop);
  if (retention_ms) retention = *retention_ms;
  const int64_t cutoff = now_ms.value_or(now_micros() / 1000) - retention;
  const auto listing = table.list_log(/*with_stats=*/true);
  // The newest checkpoint whose commit is older than the cutoff.
  std::optional<int64_t> keep_from;
  for (const LogFile& f : listing) {
    const bool checkpoint = f.kind == LogFile::Kind::kCheckpoint || f.kind == LogFile::Kind::kV2Checkpoint ||
                            f.kind == LogFile::Kind::kMultiPartCheckpoint;
    if (checkpoint && f.mtime_micros / 1000 <= cutoff && f.version <= latest.version()) keep_from = f.version;
  }
  LogCleanupResult result;
  if (!keep_from) return result;
  for (const LogFile& f : listing) {
    if (f.version >= *keep_from) continue;
    if (f.kind == LogFile::Kind::kCompaction && f.end_version >= *keep_from) continue;
    if (f.mtime_micros / 1000 > cutoff) continue;
    table.fs().remove(table.log_path() + "/" + f.name);
    result.deleted.push_back(f.name);
  }
  return result;
}

}  // namespace bullion::delta
