// bullion/core/fs.h — the filesystem interface every module writes through.
//
// As LevelDB's Env: all file I/O goes through a FileSystem so that tests can
// inject faults (failed fsync, no space, unwritable files) into every commit
// path. FileSystem::local() is the real, thread-safe implementation.
//
// Errors: every method throws bullion::Error (kNotFound for a missing path,
// kIO otherwise) naming the path; nothing returns error codes.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace bullion {

struct FileInfo {
  std::string name;  // entry name (no directory) for list(); full path for stat()
  bool is_dir = false;
  uint64_t size = 0;
  int64_t mtime_micros = 0;  // modification time, microseconds since the epoch
};

// A file opened for positional reads. Thread-safe: read_at may be called
// concurrently.
class RandomAccessFile {
 public:
  virtual ~RandomAccessFile() = default;
  virtual const std::string& path() const = 0;
  virtual uint64_t size() const = 0;
  // Reads exactly n bytes at offset into out; a short file is kCorrupt
  // ("unexpected end of file").
  virtual void read_at(uint64_t offset, size_t n, char* out) const = 0;
};

// A file opened for sequential writes. Not thread-safe. close() must be called
// to see errors; the destructor closes silently.
class WritableFile {
 public:
  virtual ~WritableFile() = default;
  virtual const std::string& path() const = 0;
  virtual void append(std::string_view data) = 0;
  virtual void sync() = 0;  // fsync: data durable on return
  virtual void close() = 0;
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;

  // The process-wide local filesystem.
  static FileSystem& local();

  virtual std::unique_ptr<RandomAccessFile> open_read(const std::string& path) = 0;
  // Creates or truncates.
  virtual std::unique_ptr<WritableFile> open_write(const std::string& path) = 0;

  // Atomically creates `path` with `data` if no file of that name exists,
  // durably (temp file, fsync, rename-no-replace or link, fsync of the
  // directory). Returns false, writing nothing, if `path` already exists.
  // Readers never see a partial file.
  virtual bool put_if_absent(const std::string& path, std::string_view data) = 0;
  // Atomically replaces (or creates) `path` with `data`, durably.
  virtual void write_atomic(const std::string& path, std::string_view data) = 0;

  virtual std::vector<FileInfo> list(const std::string& dir) = 0;  // sorted by name
  // Like list(), but only names and is_dir are filled (no per-entry stat):
  // much cheaper for directories of thousands of files.
  virtual std::vector<FileInfo> list_names(const std::string& dir) { return list(dir); }
  virtual bool exists(const std::string& path) = 0;
  virtual FileInfo stat(const std::string& path) = 0;
  virtual void remove(const std::string& path) = 0;  // missing path: no error
  virtual void rename(const std::string& from, const std::string& to) = 0;
  virtual void create_dirs(const std::string& path) = 0;
  virtual void sync_dir(const std::string& dir) = 0;

  // Whole-file read; for small files (logs, specs, footers).
  std::string read_all(const std::string& path);
};

// Joins path components with a single '/'.
std::string join_path(std::string_view a, std::string_view b);
// The directory part of a path ("" for a bare name).
std::string parent_path(std::string_view path);

}  // namespace bullion
