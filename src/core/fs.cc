#include "bullion/core/fs.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <random>

#include "bullion/core/error.h"

namespace bullion {

namespace {

class LocalRandomAccessFile final : public RandomAccessFile {
 public:
  LocalRandomAccessFile(std::string path, int fd, uint64_t size) : path_(std::move(path)), fd_(fd), size_(size) {}
  ~LocalRandomAccessFile() override { ::close(fd_); }
  const std::string& path() const override { return path_; }
  uint64_t size() const override { return size_; }
  void read_at(uint64_t offset, size_t n, char* out) const override {
    size_t done = 0;
    while (done < n) {
      const ssize_t r = ::pread(fd_, out + done, n - done, static_cast<off_t>(offset + done));
      if (r < 0) {
        if (errno == EINTR) continue;
        throw Error::from_errno("cannot read", path_, errno);
      }
      if (r == 0)
        throw Error::corrupt("unexpected end of file '" + path_ + "' reading " + std::to_string(n) +
                             " bytes at offset " + std::to_string(offset) + " (file size " + std::to_string(size_) +
                             ")");
      done += static_cast<size_t>(r);
    }
  }

 private:
  std::string path_;
  int fd_;
  uint64_t size_;
};

class LocalWritableFile final : public WritableFile {
 public:
  LocalWritableFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~LocalWritableFile() override {
    if (fd_ >= 0) ::close(fd_);
  }
  const std::string& path() const override { return path_; }
  void append(std::string_view data) override {
    while (!data.empty()) {
      const ssize_t w = ::write(fd_, data.data(), data.size());
      if (w < 0) {
        if (errno == EINTR) continue;
        throw Error::from_errno("cannot write", path_, errno);
      }
      data.remove_prefix(static_cast<size_t>(w));
    }
  }
  void sync() override {
    if (::fsync(fd_) != 0) throw Error::from_errno("cannot fsync", path_, errno);
  }
  void close() override {
    if (fd_ < 0) return;
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) throw Error::from_errno("cannot close", path_, errno);
  }

 private:
  std::string path_;
  int fd_;
};

std::string temp_name_for(const std::string& path) {
  static std::atomic<uint64_t> counter{0};
  thread_local std::mt19937_64 rng{std::random_device{}()};
  const std::string dir = parent_path(path);
  const std::string base = path.substr(dir.empty() ? 0 : dir.size() + 1);
  const std::string name = "." + base + "." + std::to_string(::getpid()) + "." + std::to_string(counter.fetch_add(1)) +
                           "." + std::to_string(rng() % 1000000) + ".tmp";
  return dir.empty() ? name : dir + "/" + name;
}

class LocalFileSystem final : public FileSystem {
 public:
  std::unique_ptr<RandomAccessFile> open_read(const std::string& path) override {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw Error::from_errno("cannot open", path, errno);
    struct stat st;
    if (::fstat(fd, &st) != 0) {
      const int err = errno;
      ::close(fd);
      throw Error::from_errno("cannot stat", path, err);
    }
    if (S_ISDIR(st.st_mode)) {
      ::close(fd);
      throw Error::invalid_input("'" + path + "' is a directory, not a file");
    }
    return std::make_unique<LocalRandomAccessFile>(path, fd, static_cast<uint64_t>(st.st_size));
  }

  std::unique_ptr<WritableFile> open_write(const std::string& path) override {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) throw Error::from_errno("cannot create", path, errno);
    return std::make_unique<LocalWritableFile>(path, fd);
  }

  bool put_if_absent(const std::string& path, std::string_view data) override {
    const std::string tmp = write_temp(path, data);
    // renameat2(RENAME_NOREPLACE) is atomic and leaves nothing behind; fall
    // back to link()+unlink() on filesystems that do not support it.
    if (::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, path.c_str(), RENAME_NOREPLACE) != 0) {
      int err = errno;
      if (err == EINVAL || err == ENOSYS || err == ENOTSUP) {
        err = ::link(tmp.c_str(), path.c_str()) == 0 ? 0 : errno;
        ::unlink(tmp.c_str());
      } else {
        ::unlink(tmp.c_str());
      }
      if (err == EEXIST) return false;
      if (err != 0) throw Error::from_errno("cannot publish", path, err);
    }
    sync_dir(parent_path(path));
    return true;
  }

  void write_atomic(const std::string& path, std::string_view data) override {
    const std::string tmp = write_temp(path, data);
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
      const int err = errno;
      ::unlink(tmp.c_str());
      throw Error::from_errno("cannot replace", path, err);
    }
    sync_dir(parent_path(path));
  }

  std::vector<FileInfo> list(const std::string& dir) override {
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) throw Error::from_errno("cannot list directory", dir, errno);
    std::vector<FileInfo> out;
    while (const dirent* e = ::readdir(d)) {
      const std::string_view name = e->d_name;
      if (name == "." || name == "..") continue;
      struct stat st;
      if (::fstatat(::dirfd(d), e->d_name, &st, 0) != 0) continue;  // raced with a delete
      out.push_back(info_from(std::string(name), st));
    }
    ::closedir(d);
    std::sort(out.begin(), out.end(), [](const FileInfo& a, const FileInfo& b) { return a.name < b.name; });
    return out;
  }

  std::vector<FileInfo> list_names(const std::string& dir) override {
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) throw Error::from_errno("cannot list directory", dir, errno);
    std::vector<FileInfo> out;
    while (const dirent* e = ::readdir(d)) {
      const std::string_view name = e->d_name;
      if (name == "." || name == "..") continue;
      FileInfo info;
      info.name = std::string(name);
      if (e->d_type == DT_UNKNOWN) {
        struct stat st;
        if (::fstatat(::dirfd(d), e->d_name, &st, 0) != 0) continue;
        info.is_dir = S_ISDIR(st.st_mode);
      } else {
        info.is_dir = e->d_type == DT_DIR;
      }
      out.push_back(std::move(info));
    }
    ::closedir(d);
    std::sort(out.begin(), out.end(), [](const FileInfo& a, const FileInfo& b) { return a.name < b.name; });
    return out;
  }

  bool exists(const std::string& path) override {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0;
  }

  FileInfo stat(const std::string& path) override {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) throw Error::from_errno("cannot stat", path, errno);
    return info_from(path, st);
  }

  void remove(const std::string& path) override {
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
      if (errno == EISDIR && ::rmdir(path.c_str()) == 0) return;
      throw Error::from_errno("cannot remove", path, errno);
    }
  }

  void rename(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) throw Error::from_errno("cannot rename to '" + to + "'", from, errno);
  }

  void create_dirs(const std::string& path) override {
    if (path.empty()) return;
    size_t pos = 0;
    while (pos != std::string::npos) {
      pos = path.find('/', pos + 1);
      const std::string prefix = path.substr(0, pos);
      if (prefix.empty()) continue;
      if (::mkdir(prefix.c_str(), 0755) != 0 && errno != EEXIST)
        throw Error::from_errno("cannot create directory", prefix, errno);
    }
  }

  void sync_dir(const std::string& dir) override {
    const std::string d = dir.empty() ? "." : dir;
    const int fd = ::open(d.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) throw Error::from_errno("cannot open directory", d, errno);
    const int rc = ::fsync(fd);
    const int err = errno;
    ::close(fd);
    if (rc != 0) throw Error::from_errno("cannot fsync directory", d, err);
  }

 private:
  static FileInfo info_from(std::string name, const struct stat& st) {
    FileInfo info;
    info.name = std::move(name);
    info.is_dir = S_ISDIR(st.st_mode);
    info.size = static_cast<uint64_t>(st.st_size);
    info.mtime_micros = static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000 + st.st_mtim.tv_nsec / 1000;
    return info;
  }

  std::string write_temp(const std::string& path, std::string_view data) {
    const std::string tmp = temp_name_for(path);
    try {
      auto file = open_write(tmp);
      file->append(data);
      file->sync();
      file->close();
    } catch (...) {
      ::unlink(tmp.c_str());
      throw;
    }
    return tmp;
  }
};

}  // namespace

FileSystem& FileSystem::local() {
  static LocalFileSystem fs;
  return fs;
}

std::string FileSystem::read_all(const std::string& path) {
  auto file = open_read(path);
  std::string out(file->size(), '\0');
  if (!out.empty()) file->read_at(0, out.size(), out.data());
  return out;
}

std::string join_path(std::string_view a, std::string_view b) {
  if (a.empty()) return std::string(b);
  if (b.empty()) return std::string(a);
  std::string out(a);
  while (!out.empty() && out.back() == '/') out.pop_back();
  while (!b.empty() && b.front() == '/') b.remove_prefix(1);
  out += '/';
  out += b;
  return out;
}

std::string parent_path(std::string_view path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) return {};
  if (slash == 0) return "/";
  return std::string(path.substr(0, slash));
}

}  // namespace bullion
