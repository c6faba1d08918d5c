// Internal: a thin RAII layer over libsqlite3 for the tracking store.
//
// Connection: one sqlite3 handle configured as every tracking connection must
// be (WAL, busy_timeout, foreign keys off, case-sensitive LIKE) with a cache of
// prepared statements. Not thread-safe: one thread uses a connection at a time.
//
// Database: a pool of connections to one file. read() runs a function in a
// short deferred transaction; write() runs it in BEGIN IMMEDIATE (so a
// writer never gets SQLITE_BUSY_SNAPSHOT halfway) after taking an in-process
// write lock (threads of one process queue on a mutex instead of spinning in
// SQLite's busy handler; other processes are arbitrated by busy_timeout).
// Both retry the whole function when SQLite still reports BUSY, so callers'
// functions must only touch the database. Thread-safe.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace bullion::tracking::sql {

// Thrown inside a transaction when SQLite reports SQLITE_BUSY/LOCKED; the
// Database catches it, rolls back and retries.
struct BusyError {
  int code;
};

class Statement {
 public:
  Statement(sqlite3* db, sqlite3_stmt* stmt, bool owned) : db_(db), stmt_(stmt), owned_(owned) {}
  Statement(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  // Binding is 1-based, as in SQLite. Strings are copied.
  Statement& bind(int index, int64_t value);
  Statement& bind(int index, int value) { return bind(index, static_cast<int64_t>(value)); }
  Statement& bind(int index, double value);
  Statement& bind(int index, std::string_view value);
  Statement& bind(int index, const char* value) { return bind(index, std::string_view(value)); }
  Statement& bind(int index, const std::string& value) { return bind(index, std::string_view(value)); }
  Statement& bind_null(int index);
  Statement& bind_optional(int index, const std::optional<std::string>& value);

  // Advances to the next row; false when done. Throws BusyError or Error.
  bool step();
  // Runs a statement that returns no rows.
  void run() {
    while (step()) {
    }
  }

  bool is_null(int column) const;
  int64_t int64(int column) const;
  double real(int column) const;
  std::string text(int column) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
  bool owned_;
};

class Connection {
 public:
  // Opens (creating if needed) the database file. Throws Error(kIO/kCorrupt).
  explicit Connection(const std::string& path, int busy_timeout_ms);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // A prepared statement from the cache (reset, bindings cleared).
  Statement query(const std::string& sql);
  // A one-off statement (for SQL built at run time, e.g. searches).
  Statement prepare(const std::string& sql);
  // Runs one or more statements without results.
  void exec(const std::string& sql);
  int64_t last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
  int changes() const { return sqlite3_changes(db_); }
  sqlite3* handle() { return db_; }

 private:
  sqlite3* db_ = nullptr;
  std::string path_;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

// Raises the bullion::Error matching an SQLite result code; BusyError for
// BUSY/LOCKED.
[[noreturn]] void raise(sqlite3* db, int code, std::string_view what);

enum class Durability {
  kNormal,  // WAL + synchronous=NORMAL: atomic and consistent; the last commits may be lost on power failure
  kFull,    // synchronous=FULL: durable when the call returns (registry writes)
};

class Database {
 public:
  Database(std::string path, int busy_timeout_ms);
  ~Database();

  const std::string& path() const { return path_; }

  template <typename F>
  auto read(F&& fn) -> decltype(fn(std::declval<Connection&>())) {
    return run(false, Durability::kNormal, std::forward<F>(fn));
  }
  template <typename F>
  auto write(F&& fn, Durability durability = Durability::kNormal) -> decltype(fn(std::declval<Connection&>())) {
    return run(true, durability, std::forward<F>(fn));
  }

 private:
  std::unique_ptr<Connection> acquire();
  void release(std::unique_ptr<Connection> conn);
  void begin(Connection& conn, bool write, Durability durability);
  void finish(Connection& conn, bool write, Durability durability);
  void abort(Connection& conn, bool write, Durability durability) noexcept;
  void backoff(int attempt);

  template <typename F>
  auto run(bool write, Durability durability, F&& fn) -> decltype(fn(std::declval<Connection&>())) {
    std::unique_lock<std::mutex> write_lock(write_mutex_, std::defer_lock);
    if (write) write_lock.lock();
    std::unique_ptr<Connection> conn = acquire();
    struct Releaser {
      Database* db;
      std::unique_ptr<Connection>& c;
      ~Releaser() { db->release(std::move(c)); }
    } releaser{this, conn};
    for (int attempt = 0;; ++attempt) {
      try {
        begin(*conn, write, durability);
        if constexpr (std::is_void_v<decltype(fn(*conn))>) {
          fn(*conn);
          finish(*conn, write, durability);
          return;
        } else {
          auto result = fn(*conn);
          finish(*conn, write, durability);
          return result;
        }
      } catch (const BusyError& busy) {
        abort(*conn, write, durability);
        if (attempt >= kMaxAttempts) throw_busy(busy.code);
        backoff(attempt);
      } catch (...) {
        abort(*conn, write, durability);
        throw;
      }
    }
  }
  [[noreturn]] void throw_busy(int code);

  static constexpr int kMaxAttempts = 50;
  std::string path_;
  int busy_timeout_ms_;
  std::mutex pool_mutex_;
  std::vector<std::unique_ptr<Connection>> idle_;
  std::mutex write_mutex_;
};

}  // namespace bullion::tracking::sql
