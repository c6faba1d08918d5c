// bullion/formats/json/source.h — the NDJSON files of a source directory.
#pragma once

#include <string>
#include <vector>

#include "bullion/core/fs.h"

namespace bullion::json {

struct SourceFile {
  std::string path;           // as opened through the FileSystem
  std::string relative_path;  // relative to the source root; what `_source_file` holds
  uint64_t size = 0;
  int64_t mtime_micros = 0;
};

// Every file under `root` (recursively) whose name ends in .json, .jsonl or
// .ndjson, optionally followed by .gz, .gzip, .zst or .zstd; sorted by
// relative path. Names starting with '.' or '_' (hidden files, `_SUCCESS`,
// `_delta_log`) are skipped, as Spark does. `root` may also name one file
// (then its relative path is its file name). Throws kNotFound if `root`
// does not exist.
std::vector<SourceFile> find_ndjson_files(FileSystem& fs, const std::string& root);

}  // namespace bullion::json
