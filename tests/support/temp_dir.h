// A scratch directory for one test, removed with everything in it when the
// object goes out of scope.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <set>
#include <string>

namespace bullion::testing {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "bullion-test-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  // Every regular file under `name` (none if it does not exist).
  std::set<std::string> files_under(const std::string& name) const {
    std::set<std::string> files;
    if (!std::filesystem::exists(file(name))) return files;
    for (const auto& e : std::filesystem::recursive_directory_iterator(file(name)))
      if (e.is_regular_file()) files.insert(e.path().string());
    return files;
  }

 private:
  std::string path_;
};

}  // namespace bullion::testing
