// The embedded SQLite implementation of Store.
//
// Opens (creating when absent) one database file in WAL mode with foreign keys
// on and synchronous=FULL, so a write acknowledged to a client survives a
// killed process or a power cut. Versioned migrations (migrations.cc) are
// applied in order at open, each in its own transaction; a database from a
// newer Cordon is refused rather than touched.
//
// Thread safety: safe to share. Writers are serialised (BEGIN IMMEDIATE on a
// dedicated connection); readers use a pool of connections and run
// concurrently with the writer thanks to WAL.
#pragma once

#include <memory>
#include <string>

#include "core/result.h"
#include "store/store.h"

namespace cordon {

struct SqliteOptions {
  std::string path;            // file path, or ":memory:" for a private in-memory database
  int busy_timeout_ms = 5000;  // how long a unit of work waits for a lock
  int read_connections = 4;
};

// Opens the database and brings its schema up to date.
// kUnavailable when the file cannot be opened or locked, kCorrupt when it is not
// a Cordon database or fails its integrity check, kConflict when its schema is
// newer than this binary knows.
Result<std::unique_ptr<Store>> OpenSqliteStore(const SqliteOptions& options);

// The schema version this binary brings databases to.
int SqliteSchemaVersion();

}  // namespace cordon
