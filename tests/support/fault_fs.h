// A FileSystem that forwards to the local one and fails on command, as
// LevelDB's fault-injecting Env does: a failed fsync, a full disk, an
// unwritable file. Used to prove that every commit path either completes
// or leaves no visible trace.
#pragma once

#include <cerrno>
#include <string>

#include "bullion/core/error.h"
#include "bullion/core/fs.h"

namespace bullion::testing {

class FaultInjectingFileSystem : public FileSystem {
 public:
  enum class Fault { kNone, kSyncFails, kNoSpace, kUnwritable };

  void inject(Fault fault, int after_ops = 0) {
    fault_ = fault;
    countdown_ = after_ops;
  }
  int faults_triggered() const { return triggered_; }

  std::unique_ptr<RandomAccessFile> open_read(const std::string& path) override { return base().open_read(path); }
  std::unique_ptr<WritableFile> open_write(const std::string& path) override {
    maybe_fail(Fault::kUnwritable, "cannot create", path, EACCES);
    return std::make_unique<File>(*this, base().open_write(path));
  }
  bool put_if_absent(const std::string& path, std::string_view data) override {
    // Route through this filesystem's writes so faults hit the temp file.
    const std::string tmp = path + ".fault-tmp";
    write_file(tmp, data);
    const bool ok = base().put_if_absent(path, base().read_all(tmp));
    base().remove(tmp);
    return ok;
  }
  void write_atomic(const std::string& path, std::string_view data) override {
    const std::string tmp = path + ".fault-tmp";
    write_file(tmp, data);
    base().rename(tmp, path);
  }
  std::vector<FileInfo> list(const std::string& dir) override { return base().list(dir); }
  bool exists(const std::string& path) override { return base().exists(path); }
  FileInfo stat(const std::string& path) override { return base().stat(path); }
  void remove(const std::string& path) override { base().remove(path); }
  void rename(const std::string& from, const std::string& to) override { base().rename(from, to); }
  void create_dirs(const std::string& path) override { base().create_dirs(path); }
  void sync_dir(const std::string& dir) override {
    maybe_fail(Fault::kSyncFails, "cannot fsync directory", dir, EIO);
    base().sync_dir(dir);
  }

 private:
  class File : public WritableFile {
   public:
    File(FaultInjectingFileSystem& fs, std::unique_ptr<WritableFile> inner) : fs_(fs), inner_(std::move(inner)) {}
    const std::string& path() const override { return inner_->path(); }
    void append(std::string_view data) override {
      fs_.maybe_fail(Fault::kNoSpace, "cannot write", path(), ENOSPC);
      inner_->append(data);
    }
    void sync() override {
      fs_.maybe_fail(Fault::kSyncFails, "cannot fsync", path(), EIO);
      inner_->sync();
    }
    void close() override { inner_->close(); }

   private:
    FaultInjectingFileSystem& fs_;
    std::unique_ptr<WritableFile> inner_;
  };

  static FileSystem& base() { return FileSystem::local(); }

  void write_file(const std::string& path, std::string_view data) {
    try {
      auto f = open_write(path);
      f->append(data);
      f->sync();
      f->close();
    } catch (...) {
      base().remove(path);
      throw;
    }
  }

  void maybe_fail(Fault kind, std::string_view what, const std::string& path, int err) {
    if (fault_ != kind) return;
    if (countdown_-- > 0) return;
    ++triggered_;
    throw Error::from_errno(what, path, err);
  }

  Fault fault_ = Fault::kNone;
  int countdown_ = 0;
  int triggered_ = 0;
};

}  // namespace bullion::testing
