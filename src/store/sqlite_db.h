// A small RAII layer over the sqlite3 C API, internal to the store: a
// connection that owns a cache of prepared statements, a statement with
// bind/step/column helpers, and the one place where SQLite result codes become
// Cordon errors.
//
// Thread safety: a SqliteDb and its Statements belong to one thread at a time;
// the store serialises access (writer mutex, reader pool).
#pragma once

#include <sqlite3.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/result.h"
#include "core/time.h"

namespace cordon {

// Maps a SQLite result code to a Cordon error whose message says what failed:
//   SQLITE_BUSY / SQLITE_LOCKED          -> kUnavailable
//   SQLITE_CORRUPT / SQLITE_NOTADB       -> kCorrupt
//   UNIQUE / PRIMARY KEY constraint      -> kConflict
//   anything else (incl. foreign keys)   -> kInternal
// `what` names the operation ("inserting user usr_x"); `detail` is SQLite's
// own message (sqlite3_errmsg) when there is one.
Error SqliteError(int rc, std::string_view what, std::string_view detail);

class SqliteDb;

// A prepared statement borrowed from a connection's cache (or owned when the
// cached one is already in use). Bind indexes are 1-based, column indexes
// 0-based, as in SQLite. Binding errors are remembered and reported by the next
// Step()/Run(), so call sites can chain binds without checking each one.
class Statement {
 public:
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  Statement& Bind(int index, std::string_view text);
  Statement& Bind(int index, const char* text) { return Bind(index, std::string_view(text)); }
  Statement& Bind(int index, const std::string& text) {
    return Bind(index, std::string_view(text));
  }
  Statement& Bind(int index, long long number);
  Statement& Bind(int index, int number) { return Bind(index, static_cast<long long>(number)); }
  Statement& Bind(int index, Timestamp ts);
  Statement& Bind(int index, Date date);
  Statement& BindNull(int index);
  // Binary data (BLOB; bytea in PostgreSQL).
  Statement& BindBlob(int index, std::string_view bytes);
  template <typename T>
  Statement& Bind(int index, const std::optional<T>& value) {
    return value.has_value() ? Bind(index, *value) : BindNull(index);
  }
  // Binds `values` to parameters 1, 2, ... in order, each as Bind() would:
  // insert.BindAll(record.id, record.name, record.created_at).
  template <typename... Values>
  Statement& BindAll(const Values&... values) {
    int index = 0;
    (Bind(++index, values), ...);
    return *this;
  }

  // Makes the statement ready to be bound and run again, its bindings
  // cleared, with `what` naming the operation in its errors: one prepared
  // statement run once per row of a batch.
  Statement& Reset(std::string_view what);

  // Advances: true when a row is available, false when the statement is done.
  Result<bool> Step();
  // Runs a statement that returns no rows (or ignores them) to completion.
  Status Run();

  bool IsNull(int column) const;
  std::string Text(int column) const;
  std::string Blob(int column) const;
  long long Int(int column) const;
  // Columns holding FormatTimestamp / FormatDate text; kCorrupt when not parseable.
  Result<Timestamp> TimestampAt(int column) const;
  Result<std::optional<Timestamp>> OptionalTimestampAt(int column) const;
  Result<std::optional<Date>> OptionalDateAt(int column) const;

 private:
  friend class SqliteDb;
  // `in_use` is the cache slot's flag, or nullptr when the statement is private.
  Statement(SqliteDb* db, sqlite3_stmt* stmt, bool* in_use, std::string_view what)
      : db_(db), stmt_(stmt), in_use_(in_use), what_(what) {}
  void NoteBindResult(int rc, int index);

  SqliteDb* db_;
  sqlite3_stmt* stmt_;
  bool* in_use_;
  std::string what_;  // for error messages
  std::optional<Error> bind_error_;
};

// Runs a prepared, bound statement and reads every row with `reader`
// (a function from the Statement at a row to Result<T>).
template <typename T, typename Reader>
Result<std::vector<T>> ReadAll(Statement& statement, Reader reader) {
  std::vector<T> items;
  while (true) {
    CORDON_ASSIGN_OR_RETURN(bool has_row, statement.Step());
    if (!has_row) return items;
    CORDON_ASSIGN_OR_RETURN(T item, reader(statement));
    items.push_back(std::move(item));
  }
}

// Runs a statement expected to return at most one row; kNotFound (with
// `not_found`) when it returns none.
template <typename T, typename Reader>
Result<T> ReadOne(Statement& statement, Reader reader, const std::string& not_found) {
  CORDON_ASSIGN_OR_RETURN(bool has_row, statement.Step());
  if (!has_row) return NotFound(not_found);
  return reader(statement);
}

// One SQLite connection, configured for Cordon: extended result codes, the
// busy timeout, foreign keys on, synchronous=FULL.
class SqliteDb {
 public:
  // Opens (creating when absent) `path`; ":memory:" gives a private in-memory
  // database. Errors: kUnavailable when the file cannot be opened, kCorrupt when
  // it is not a database.
  static Result<std::unique_ptr<SqliteDb>> Open(const std::string& path, int busy_timeout_ms);

  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;
  ~SqliteDb();

  // Runs one or more SQL statements that take no parameters.
  Status Exec(std::string_view sql, std::string_view what);
  // Prepares (or reuses from the cache) one statement; `what` names the
  // operation in error messages.
  Result<Statement> Prepare(std::string_view sql, std::string_view what);
  // Rows changed by the last INSERT/UPDATE/DELETE on this connection.
  long long Changes() const;
  // True while a transaction is open.
  bool InTransaction() const;
  // Rolls back the open transaction, if any; errors are ignored because the
  // callers are already reporting the failure that led here.
  void RollbackQuietly();

  // Builds the Cordon error for `rc`, using this connection's last message.
  Error ErrorFor(int rc, std::string_view what) const;
  sqlite3* handle() const { return db_; }

 private:
  explicit SqliteDb(sqlite3* db) : db_(db) {}
  struct CachedStatement {
    sqlite3_stmt* stmt = nullptr;
    bool in_use = false;
  };

  sqlite3* db_;
  // References into an unordered_map stay valid across rehashing, so
  // Statements may point at their slot's `in_use` flag.
  std::unordered_map<std::string, CachedStatement> cache_;
};

}  // namespace cordon
