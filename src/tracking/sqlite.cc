#include "tracking/sqlite.h"

#include <chrono>
#include <random>
#include <thread>

#include "bullion/core/error.h"
#include "bullion/tracking/store.h"

namespace bullion::tracking::sql {

void raise(sqlite3* db, int code, std::string_view what) {
  const int primary = code & 0xff;
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) throw BusyError{code};
  std::string message = "tracking store: " + std::string(what) + ": " + sqlite3_errstr(code);
  if (db != nullptr) {
    const char* detail = sqlite3_errmsg(db);
    if (detail != nullptr && std::string_view(detail) != sqlite3_errstr(code))
      message += " (" + std::string(detail) + ")";
  }
  switch (primary) {
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      throw Error::corrupt(message, "the tracking database is damaged; restore _tracking/tracking.db from a backup");
    case SQLITE_FULL:
      throw Error::io(message, "free disk space and retry; nothing partial was committed");
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PERM:
      throw Error::io(message, "check that the lakehouse directory is on a local disk and writable");
    case SQLITE_CONSTRAINT:
      throw Error::conflict(message);
    default:
      throw Error::internal(message);
  }
}

Statement::Statement(Statement&& other) noexcept : db_(other.db_), stmt_(other.stmt_), owned_(other.owned_) {
  other.stmt_ = nullptr;
}

Statement::~Statement() {
  if (stmt_ == nullptr) return;
  if (owned_) {
    sqlite3_finalize(stmt_);
  } else {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
}

Statement& Statement::bind(int index, int64_t value) {
  if (int rc = sqlite3_bind_int64(stmt_, index, value); rc != SQLITE_OK) raise(db_, rc, "bind");
  return *this;
}
Statement& Statement::bind(int index, double value) {
  if (int rc = sqlite3_bind_double(stmt_, index, value); rc != SQLITE_OK) raise(db_, rc, "bind");
  return *this;
}
Statement& Statement::bind(int index, std::string_view value) {
  if (int rc = sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
      rc != SQLITE_OK)
    raise(db_, rc, "bind");
  return *this;
}
Statement& Statement::bind_null(int index) {
  if (int rc = sqlite3_bind_null(stmt_, index); rc != SQLITE_OK) raise(db_, rc, "bind");
  return *this;
}
Statement& Statement::bind_optional(int index, const std::optional<std::string>& value) {
  return value ? bind(index, *value) : bind_null(index);
}

bool Statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  raise(db_, rc, std::string("executing '") + sqlite3_sql(stmt_) + "'");
}

bool Statement::is_null(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }
int64_t Statement::int64(int column) const { return sqlite3_column_int64(stmt_, column); }
double Statement::real(int column) const { return sqlite3_column_double(stmt_, column); }
std::string Statement::text(int column) const {
  const auto* data = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  if (data == nullptr) return {};
  return std::string(data, static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
}

Connection::Connection(const std::string& path, int busy_timeout_ms) : path_(path) {
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  if (int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr); rc != SQLITE_OK) {
    std::string message = "cannot open tracking database '" + path + "': " + sqlite3_errstr(rc);
    sqlite3_close(db_);
    db_ = nullptr;
    throw Error::io(message, "check that the lakehouse directory exists, is writable and is on a local disk");
  }
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, busy_timeout_ms);
  // journal_mode=WAL takes a lock; a concurrent opener may see BUSY before the
  // busy handler applies, so retry briefly.
  for (int attempt = 0;; ++attempt) {
    char* err = nullptr;
    const int rc = sqlite3_exec(db_, "PRAGMA journal_mode=WAL", nullptr, nullptr, &err);
    sqlite3_free(err);
    if (rc == SQLITE_OK) break;
    if ((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED) raise(db_, rc, "enabling WAL on '" + path + "'");
    if (attempt > 2000) raise(db_, SQLITE_IOERR, "enabling WAL on '" + path + "' (busy for too long)");
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  // Memory-mapped reads and a 32 MiB page cache per connection: a search over
  // 100k runs touches tens of MiB of index pages, which read() calls would copy.
  exec(
      "PRAGMA synchronous=NORMAL; PRAGMA case_sensitive_like=ON; PRAGMA foreign_keys=OFF; PRAGMA temp_store=MEMORY; "
      "PRAGMA mmap_size=268435456; PRAGMA cache_size=-32768;");
}

Connection::~Connection() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  if (db_ != nullptr) sqlite3_close_v2(db_);
}

Statement Connection::query(const std::string& sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    sqlite3_stmt* stmt = nullptr;
    if (int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt,
                                    nullptr);
        rc != SQLITE_OK)
      raise(db_, rc, "preparing '" + sql + "'");
    it = cache_.emplace(sql, stmt).first;
  }
  return Statement(db_, it->second, false);
}

Statement Connection::prepare(const std::string& sql) {
  sqlite3_stmt* stmt = nullptr;
  if (int rc = sqlite3_prepare_v2(db_, sql.c_str(), static_cast<int>(sql.size()), &stmt, nullptr); rc != SQLITE_OK)
    raise(db_, rc, "preparing '" + sql + "'");
  return Statement(db_, stmt, true);
}

void Connection::exec(const std::string& sql) {
  char* err = nullptr;
  const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
  sqlite3_free(err);
  if (rc != SQLITE_OK) raise(db_, rc, "executing '" + sql + "'");
}

Database::Database(std::string path, int busy_timeout_ms) : path_(std::move(path)), busy_timeout_ms_(busy_timeout_ms) {}
Database::~Database() = default;

std::unique_ptr<Connection> Database::acquire() {
  {
    std::lock_guard<std::mutex> lock(pool_mutex_);
    if (!idle_.empty()) {
      auto conn = std::move(idle_.back());
      idle_.pop_back();
      return conn;
    }
  }
  return std::make_unique<Connection>(path_, busy_timeout_ms_);
}

void Database::release(std::unique_ptr<Connection> conn) {
  if (!conn) return;
  std::lock_guard<std::mutex> lock(pool_mutex_);
  if (idle_.size() < 16) idle_.push_back(std::move(conn));
}

void Database::begin(Connection& conn, bool write, Durability durability) {
  if (write && durability == Durability::kFull) conn.exec("PRAGMA synchronous=FULL");
  conn.exec(write ? "BEGIN IMMEDIATE" : "BEGIN");
}

void Database::finish(Connection& conn, bool write, Durability durability) {
  conn.exec("COMMIT");
  if (write && durability == Durability::kFull) conn.exec("PRAGMA synchronous=NORMAL");
}

void Database::abort(Connection& conn, bool write, Durability durability) noexcept {
  if (!sqlite3_get_autocommit(conn.handle())) sqlite3_exec(conn.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
  if (write && durability == Durability::kFull)
    sqlite3_exec(conn.handle(), "PRAGMA synchronous=NORMAL", nullptr, nullptr, nullptr);
}

void Database::backoff(int attempt) {
  thread_local std::minstd_rand rng(std::random_device{}());
  const int ceiling = std::min(200, 2 << std::min(attempt, 6));
  std::this_thread::sleep_for(std::chrono::milliseconds(1 + static_cast<int>(rng() % ceiling)));
}

void Database::throw_busy(int code) {
  throw StoreBusyError(ErrorCategory::kConflict,
                       "tracking store '" + path_ + "' stayed locked by other writers: " + sqlite3_errstr(code),
                       "retry; if it persists, look for a process holding the database open in a transaction");
}

}  // namespace bullion::tracking::sql
