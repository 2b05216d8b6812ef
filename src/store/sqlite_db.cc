// RAII wrapper over the sqlite3 C API; see sqlite_db.h.
#include "store/sqlite_db.h"

#include <fmt/format.h>

#include <utility>

namespace cordon {

Error SqliteError(int rc, std::string_view what, std::string_view detail) {
  std::string message = detail.empty() ? fmt::format("{}: {}", what, sqlite3_errstr(rc))
                                       : fmt::format("{}: {}", what, detail);
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Unavailable(message + " (database busy; retry later)").WithRetryAfter(1);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return Corrupt(message);
    case SQLITE_CONSTRAINT:
      if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
        return Conflict(message);
      }
      return Internal(message);
    default:
      return Internal(message);
  }
}

// --- Statement

Statement::Statement(Statement&& other) noexcept
    : db_(other.db_),
      stmt_(std::exchange(other.stmt_, nullptr)),
      in_use_(other.in_use_),
      what_(std::move(other.what_)),
      bind_error_(std::move(other.bind_error_)) {}

Statement::~Statement() {
  if (stmt_ == nullptr) return;
  if (in_use_ == nullptr) {
    sqlite3_finalize(stmt_);
    return;
  }
  // Resetting ends the statement's read of the database, which a transaction
  // needs before it can commit cleanly.
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  *in_use_ = false;
}

void Statement::NoteBindResult(int rc, int index) {
  if (rc != SQLITE_OK && !bind_error_.has_value()) {
    bind_error_ = SqliteError(rc, fmt::format("{} (binding parameter {})", what_, index),
                              sqlite3_errmsg(db_->handle()));
  }
}

Statement& Statement::Bind(int index, std::string_view text) {
  NoteBindResult(
      sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8),
      index);
  return *this;
}

Statement& Statement::BindBlob(int index, std::string_view bytes) {
  NoteBindResult(sqlite3_bind_blob64(stmt_, index, bytes.data(), bytes.size(), SQLITE_TRANSIENT),
                 index);
  return *this;
}

Statement& Statement::Bind(int index, long long number) {
  NoteBindResult(sqlite3_bind_int64(stmt_, index, number), index);
  return *this;
}

Statement& Statement::Bind(int index, Timestamp ts) { return Bind(index, FormatTimestamp(ts)); }

Statement& Statement::Bind(int index, Date date) { return Bind(index, FormatDate(date)); }

Statement& Statement::BindNull(int index) {
  NoteBindResult(sqlite3_bind_null(stmt_, index), index);
  return *this;
}

Statement& Statement::Reset(std::string_view what) {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  bind_error_.reset();
  what_.assign(what);
  return *this;
}

Result<bool> Statement::Step() {
  if (bind_error_.has_value()) return *bind_error_;
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return db_->ErrorFor(rc, what_);
}

Status Statement::Run() {
  while (true) {
    CORDON_ASSIGN_OR_RETURN(bool has_row, Step());
    if (!has_row) return Status::Ok();
  }
}

bool Statement::IsNull(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

std::string Statement::Text(int column) const {
  const unsigned char* text = sqlite3_column_text(stmt_, column);
  if (text == nullptr) return std::string();
  return std::string(reinterpret_cast<const char*>(text),
                     static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
}

std::string Statement::Blob(int column) const {
  const void* bytes = sqlite3_column_blob(stmt_, column);
  if (bytes == nullptr) return std::string();
  return std::string(static_cast<const char*>(bytes),
                     static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
}

long long Statement::Int(int column) const { return sqlite3_column_int64(stmt_, column); }

Result<Timestamp> Statement::TimestampAt(int column) const {
  std::string text = Text(column);
  std::optional<Timestamp> ts = ParseTimestamp(text);
  if (!ts.has_value()) {
    return Corrupt(fmt::format("{}: column {} holds \"{}\", not a timestamp", what_,
                               sqlite3_column_name(stmt_, column), text));
  }
  return *ts;
}

Result<std::optional<Timestamp>> Statement::OptionalTimestampAt(int column) const {
  if (IsNull(column)) return std::optional<Timestamp>();
  CORDON_ASSIGN_OR_RETURN(Timestamp ts, TimestampAt(column));
  return std::optional<Timestamp>(ts);
}

Result<std::optional<Date>> Statement::OptionalDateAt(int column) const {
  if (IsNull(column)) return std::optional<Date>();
  std::string text = Text(column);
  std::optional<Date> date = ParseDate(text);
  if (!date.has_value()) {
    return Corrupt(fmt::format("{}: column {} holds \"{}\", not a date", what_,
                               sqlite3_column_name(stmt_, column), text));
  }
  return date;
}

// --- SqliteDb

Result<std::unique_ptr<SqliteDb>> SqliteDb::Open(const std::string& path, int busy_timeout_ms) {
  sqlite3* handle = nullptr;
  // NOMUTEX: each connection is used by one thread at a time (the store
  // guarantees it), so SQLite's per-connection mutex would only cost time.
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &handle, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string detail = handle != nullptr ? sqlite3_errmsg(handle) : sqlite3_errstr(rc);
    sqlite3_close(handle);
    Error error = SqliteError(rc, fmt::format("opening database {}", path), detail);
    // Failing to open a file is an environment problem (missing directory,
    // permissions), which a retry after fixing it may cure.
    if (error.code() == ErrorCode::kInternal) return Unavailable(error.message());
    return error;
  }
  std::unique_ptr<SqliteDb> db(new SqliteDb(handle));
  sqlite3_extended_result_codes(handle, 1);
  sqlite3_busy_timeout(handle, busy_timeout_ms);
  // The first statement reads the file header, so a file that is not a
  // database is reported here (SQLITE_NOTADB -> kCorrupt).
  CORDON_RETURN_IF_ERROR(db->Exec("PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL;",
                                  fmt::format("configuring database {}", path)));
  return db;
}

SqliteDb::~SqliteDb() {
  for (auto& [sql, cached] : cache_) sqlite3_finalize(cached.stmt);
  sqlite3_close_v2(db_);
}

Status SqliteDb::Exec(std::string_view sql, std::string_view what) {
  std::string owned(sql);
  char* message = nullptr;
  int rc = sqlite3_exec(db_, owned.c_str(), nullptr, nullptr, &message);
  if (rc == SQLITE_OK) return Status::Ok();
  std::string detail = message != nullptr ? message : sqlite3_errmsg(db_);
  sqlite3_free(message);
  return SqliteError(sqlite3_extended_errcode(db_), what, detail);
}

Result<Statement> SqliteDb::Prepare(std::string_view sql, std::string_view what) {
  std::string key(sql);
  auto found = cache_.find(key);
  if (found != cache_.end() && !found->second.in_use) {
    found->second.in_use = true;
    return Statement(this, found->second.stmt, &found->second.in_use, what);
  }
  sqlite3_stmt* stmt = nullptr;
  // PERSISTENT: cached statements live as long as the connection.
  int rc = sqlite3_prepare_v3(db_, key.data(), static_cast<int>(key.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) return ErrorFor(rc, fmt::format("{} (preparing SQL)", what));
  if (found == cache_.end()) {
    auto slot = cache_.emplace(std::move(key), CachedStatement{stmt, true}).first;
    return Statement(this, stmt, &slot->second.in_use, what);
  }
  // The cached copy is busy (a nested use of the same SQL): use a private one.
  return Statement(this, stmt, nullptr, what);
}

long long SqliteDb::Changes() const { return sqlite3_changes64(db_); }

bool SqliteDb::InTransaction() const { return sqlite3_get_autocommit(db_) == 0; }

void SqliteDb::RollbackQuietly() {
  if (InTransaction()) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

Error SqliteDb::ErrorFor(int rc, std::string_view what) const {
  // With extended result codes on, `rc` already distinguishes UNIQUE from
  // FOREIGN KEY constraint failures.
  return SqliteError(rc, what, sqlite3_errmsg(db_));
}

}  // namespace cordon
