// The artifact proxy (`mlflow server --serve-artifacts`): artifact paths are
// relative to <lakehouse>/_tracking/artifacts/, i.e. "mlflow-artifacts:/P".
#include <filesystem>

#include "bullion/core/fs.h"
#include "server/mlflow_routes.h"

namespace bullion::server::mlflow {

using namespace bullion::tracking;
namespace fs = std::filesystem;

namespace {

constexpr const char* kArtifacts = "/api/2.0/mlflow-artifacts/artifacts";

// The local path of an artifact path, after MLflow's validate_path_is_safe
// checks and a check that no symlink leads outside the artifact root.
std::string resolve(TrackingStore& store, const std::string& relative) {
  TrackingStore::validate_artifact_path(relative);
  const std::string& root = store.artifact_root();
  const std::string path = relative.empty() ? root : join_path(root, relative);
  std::error_code ec;
  const std::string canonical_root = fs::weakly_canonical(root, ec).string();
  const std::string canonical = fs::weakly_canonical(path, ec).string();
  if (ec || canonical.compare(0, canonical_root.size(), canonical_root) != 0 ||
      (canonical.size() > canonical_root.size() && canonical[canonical_root.size()] != '/'))
    throw Error::invalid_input("invalid artifact path '" + relative + "': it leads outside the artifact root");
  return path;
}

std::string content_type_for(const std::string& path) {
  const std::string ext = fs::path(path).extension().string();
  if (ext == ".json") return "application/json";
  if (ext == ".txt" || ext == ".yaml" || ext == ".yml" || path.ends_with("MLmodel")) return "text/plain";
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".png") return "image/png";
  if (ext == ".html") return "text/html";
  return "application/octet-stream";
}

[[noreturn]] void multipart_unsupported() {
  throw HttpError(501, "NOT_IMPLEMENTED",
                  "Multipart upload is not supported for the current artifact repository; use single PUT uploads");
}

}  // namespace

void add_artifact_routes(HttpServer& s, TrackingStore& store) {
  const std::string base = kArtifacts;
  rpc(s, "GET", base, [&store](const Fields& f, RouteContext&) {
    const std::string relative = f.str("path");
    const std::string dir = resolve(store, relative);
    json files = json::array();
    std::error_code ec;
    if (fs::is_directory(dir, ec)) {
      std::vector<fs::directory_entry> entries(fs::directory_iterator(dir, ec), {});
      std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.path() < b.path(); });
      for (const auto& e : entries) {
        const std::string name = e.path().filename().string();
        if (name.find(".tmp-") != std::string::npos) continue;  // an upload in flight
        json item = {{"path", name}, {"is_dir", e.is_directory()}};
        if (!e.is_directory()) item["file_size"] = static_cast<int64_t>(e.file_size());
        files.push_back(std::move(item));
      }
    }
    json out = json::object();
    if (!files.empty()) out["files"] = std::move(files);
    return out;
  });

  s.add_route("GET", base + "/{path...}", [&store](RouteContext& ctx, httplib::Response& res) {
    const std::string relative = ctx.param("path");
    const std::string path = resolve(store, relative);
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) throw Error::not_found("artifact '" + relative + "' not found");
    std::shared_ptr<RandomAccessFile> file = FileSystem::local().open_read(path);
    const uint64_t size = file->size();
    res.set_header("Content-Disposition", "attachment; filename=\"" + fs::path(path).filename().string() + "\"");
    res.set_content_provider(static_cast<size_t>(size), content_type_for(path),
                             [file, size](size_t offset, size_t length, httplib::DataSink& sink) {
                               std::string buffer(std::min<size_t>(length, 1 << 20), '\0');
                               const size_t n = static_cast<size_t>(std::min<uint64_t>(buffer.size(), size - offset));
                               file->read_at(offset, n, buffer.data());
                               return sink.write(buffer.data(), n);
                             });
  });

  s.add_route(
      "PUT", base + "/{path...}",
      [&store](RouteContext& ctx, httplib::Response& res) {
        const std::string relative = ctx.param("path");
        const std::string path = resolve(store, relative);
        std::error_code ec;
        if (relative.empty() || relative.back() == '/' || fs::is_directory(path, ec))
          throw Error::invalid_input("artifact path '" + relative + "' does not name a file");
        FileSystem& local = FileSystem::local();
        local.create_dirs(parent_path(path));
        const std::string tmp = path + ".tmp-" +
                                std::to_string(std::hash<std::thread::id>{}(std::this_thread::get_id())) + "-" +
                                std::to_string(now_millis());
        try {
          auto out = local.open_write(tmp);
          ctx.read_body([&](const char* data, size_t n) { out->append(std::string_view(data, n)); });
          out->sync();
          out->close();
          local.rename(tmp, path);
        } catch (...) {
          local.remove(tmp);
          throw;
        }
        HttpServer::send_json(res, "{}");
      },
      BodyMode::kStreamed);

  rpc(s, "DELETE", base + "/{path...}", [&store](const Fields&, RouteContext& ctx) {
    const std::string relative = ctx.param("path");
    const std::string path = resolve(store, relative);
    if (relative.empty()) throw Error::invalid_input("refusing to delete the artifact root");
    std::error_code ec;
    if (!fs::exists(path, ec)) throw Error::not_found("artifact '" + relative + "' not found");
    fs::remove_all(path, ec);
    if (ec) throw Error::io("deleting artifact '" + relative + "': " + ec.message());
    return json::object();
  });

  for (const char* op : {"create", "complete", "abort"})
    rpc(s, "POST", std::string("/api/2.0/mlflow-artifacts/mpu/") + op + "/{path...}",
        [](const Fields&, RouteContext&) -> json { multipart_unsupported(); });
  rpc(s, "GET", "/api/2.0/mlflow-artifacts/presigned/{path...}",
      [](const Fields&, RouteContext&) -> json { multipart_unsupported(); });
}

}  // namespace bullion::server::mlflow
