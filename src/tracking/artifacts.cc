// Artifact files: URI mapping, path validation and atomic writes.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "bullion/core/fs.h"
#include "bullion/tracking/store.h"
#include "tracking/store_internal.h"

namespace bullion::tracking {

namespace fs = std::filesystem;

namespace detail {

void write_file_atomic(const std::string& path, std::string_view data) {
  FileSystem& local = FileSystem::local();
  local.create_dirs(parent_path(path));
  local.write_atomic(path, data);
}

void copy_file_atomic(const std::string& from, const std::string& to) {
  FileSystem& local = FileSystem::local();
  local.create_dirs(parent_path(to));
  const std::string tmp = to + ".tmp-" + random_hex(8);
  try {
    auto in = local.open_read(from);
    auto out = local.open_write(tmp);
    std::string buffer(1 << 20, '\0');
    for (uint64_t offset = 0; offset < in->size();) {
      const size_t n = static_cast<size_t>(std::min<uint64_t>(buffer.size(), in->size() - offset));
      in->read_at(offset, n, buffer.data());
      out->append(std::string_view(buffer.data(), n));
      offset += n;
    }
    out->sync();
    out->close();
    local.rename(tmp, to);
  } catch (...) {
    local.remove(tmp);
    throw;
  }
}

void copy_tree(const std::string& from, const std::string& to) {
  std::error_code ec;
  const auto status = fs::status(from, ec);
  if (ec || !fs::exists(status)) throw Error::not_found("artifact source '" + from + "' does not exist");
  if (!fs::is_directory(status)) {
    copy_file_atomic(from, to);
    return;
  }
  FileSystem::local().create_dirs(to);
  std::vector<fs::directory_entry> entries;
  for (const auto& entry : fs::directory_iterator(from)) entries.push_back(entry);
  std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.path() < b.path(); });
  for (const auto& entry : entries) copy_tree(entry.path().string(), join_path(to, entry.path().filename().string()));
}

}  // namespace detail

void TrackingStore::validate_artifact_path(std::string_view path) {
  auto bad = [&](const std::string& why) {
    throw Error::invalid_input("invalid artifact path '" + std::string(path) + "': " + why,
                               "artifact paths are relative, '/'-separated and stay inside the artifact root");
  };
  if (path.find('\0') != std::string_view::npos) bad("contains a NUL character");
  if (path.find('\\') != std::string_view::npos) bad("contains a backslash");
  if (!path.empty() && path.front() == '/') bad("is absolute");
  if (path.size() >= 2 && path[1] == ':' && std::isalpha(static_cast<unsigned char>(path[0]))) bad("is absolute");
  if (path.find("://") != std::string_view::npos) bad("is a URI");
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    if (path.substr(start, end - start) == "..") bad("contains '..'");
    start = end + 1;
  }
}

std::string TrackingStore::local_path_for_uri(const std::string& uri) const {
  static constexpr std::string_view kProxy = "mlflow-artifacts:";
  static constexpr std::string_view kFile = "file://";
  if (uri.rfind(kProxy, 0) == 0) {
    std::string_view rest = std::string_view(uri).substr(kProxy.size());
    if (rest.rfind("//", 0) == 0) {  // mlflow-artifacts://host:port/path: the path part
      const size_t slash = rest.find('/', 2);
      rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
    }
    while (!rest.empty() && rest.front() == '/') rest.remove_prefix(1);
    validate_artifact_path(rest);
    return rest.empty() ? artifact_root_ : join_path(artifact_root_, rest);
  }
  if (uri.rfind(kFile, 0) == 0) return uri.substr(kFile.size());
  if (!uri.empty() && uri.front() == '/') return uri;
  throw Error::unsupported("artifact location '" + uri + "' is not local to this lakehouse",
                           "bullion stores artifacts under mlflow-artifacts:/ or file:// locations");
}

static std::string run_artifact_dir(TrackingStore& store, const std::string& run_id) {
  return store.local_path_for_uri(store.get_run(run_id).info.artifact_uri);
}

void TrackingStore::log_artifact(const std::string& run_id, const std::string& local_path,
                                 const std::string& artifact_path) {
  validate_artifact_path(artifact_path);
  const Run run = get_run(run_id);
  if (run.info.lifecycle_stage != LifecycleStage::kActive)
    throw Error::invalid_input("run '" + run_id + "' is deleted; restore it before logging artifacts");
  std::string dest = local_path_for_uri(run.info.artifact_uri);
  if (!artifact_path.empty()) dest = join_path(dest, artifact_path);
  const std::string name = fs::path(local_path).filename().string();
  if (name.empty() || name == "." || name == "..")
    throw Error::invalid_input("cannot log '" + local_path + "' as an artifact: it has no file name");
  detail::copy_tree(local_path, join_path(dest, name));
}

void TrackingStore::log_artifact_bytes(const std::string& run_id, const std::string& relative_path,
                                       std::string_view data) {
  validate_artifact_path(relative_path);
  if (relative_path.empty() || relative_path.back() == '/')
    throw Error::invalid_input("artifact path '" + relative_path + "' does not name a file");
  const Run run = get_run(run_id);
  if (run.info.lifecycle_stage != LifecycleStage::kActive)
    throw Error::invalid_input("run '" + run_id + "' is deleted; restore it before logging artifacts");
  detail::write_file_atomic(join_path(local_path_for_uri(run.info.artifact_uri), relative_path), data);
}

std::vector<ArtifactEntry> TrackingStore::list_artifacts(const std::string& run_id, const std::string& path) {
  validate_artifact_path(path);
  const std::string root = run_artifact_dir(*this, run_id);
  const std::string dir = path.empty() ? root : join_path(root, path);
  std::vector<ArtifactEntry> out;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return out;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.find(".tmp-") != std::string::npos) continue;  // an upload in flight
    ArtifactEntry e;
    e.path = path.empty() ? name : join_path(path, name);
    e.is_dir = entry.is_directory();
    if (!e.is_dir) e.file_size = static_cast<int64_t>(entry.file_size());
    out.push_back(std::move(e));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
  return out;
}

std::string TrackingStore::read_artifact(const std::string& run_id, const std::string& relative_path) {
  validate_artifact_path(relative_path);
  const std::string path = join_path(run_artifact_dir(*this, run_id), relative_path);
  std::error_code ec;
  if (!fs::is_regular_file(path, ec))
    throw Error::not_found("artifact '" + relative_path + "' of run '" + run_id + "' not found");
  return FileSystem::local().read_all(path);
}

}  // namespace bullion::tracking
