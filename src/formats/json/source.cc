#include "bullion/formats/json/source.h"

#include <algorithm>

#include "bullion/core/error.h"

namespace bullion::json {

namespace {

bool is_ndjson_name(std::string_view name) {
  for (std::string_view codec : {".gz", ".gzip", ".zst", ".zstd"}) {
    if (name.size() > codec.size() && name.substr(name.size() - codec.size()) == codec) {
      name.remove_suffix(codec.size());
      break;
    }
  }
  for (std::string_view ext : {".json", ".jsonl", ".ndjson"})
    if (name.size() > ext.size() && name.substr(name.size() - ext.size()) == ext) return true;
  return false;
}

bool is_hidden(std::string_view name) { return !name.empty() && (name.front() == '.' || name.front() == '_'); }

void walk(FileSystem& fs, const std::string& dir, const std::string& relative, std::vector<SourceFile>& out) {
  for (const FileInfo& entry : fs.list(dir)) {
    if (is_hidden(entry.name)) continue;
    const std::string path = join_path(dir, entry.name);
    const std::string rel = relative.empty() ? entry.name : relative + "/" + entry.name;
    if (entry.is_dir) {
      walk(fs, path, rel, out);
    } else if (is_ndjson_name(entry.name)) {
      out.push_back(SourceFile{path, rel, entry.size, entry.mtime_micros});
    }
  }
}

}  // namespace

std::vector<SourceFile> find_ndjson_files(FileSystem& fs, const std::string& root) {
  const FileInfo info = fs.stat(root);
  std::vector<SourceFile> out;
  if (!info.is_dir) {
    std::string name = root;
    const size_t slash = name.find_last_of('/');
    if (slash != std::string::npos) name = name.substr(slash + 1);
    out.push_back(SourceFile{root, name, info.size, info.mtime_micros});
    return out;
  }
  walk(fs, root, "", out);
  std::sort(out.begin(), out.end(),
            [](const SourceFile& a, const SourceFile& b) { return a.relative_path < b.relative_path; });
  return out;
}

}  // namespace bullion::json
