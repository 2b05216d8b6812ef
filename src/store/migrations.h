// Versioned schema migrations for the SQLite store, internal to the store.
//
// Each migration has a version (1, 2, ...) and SQL; ApplyMigrations brings a
// database up to the latest version, one migration per transaction, recording
// each in `schema_migrations(version, applied_at)`. Migrations are append-only:
// once released, a migration's SQL never changes; fix forward with a new one.
#pragma once

#include <span>

#include "core/result.h"
#include "core/time.h"
#include "store/sqlite_db.h"

namespace cordon {

struct Migration {
  int version;
  const char* description;
  const char* sql;  // portable SQL (runs on SQLite and PostgreSQL)
  // Optional: runs after `sql` in the same transaction, for data that SQL
  // alone cannot compute (migration 3 hashes the existing audit events).
  Status (*after_sql)(SqliteDb& db) = nullptr;
};

// All migrations, in ascending version order.
std::span<const Migration> SqliteMigrations();

// Brings `db` up to the latest version. `db` must not be inside a transaction.
// kConflict when the database's version is newer than this binary knows;
// kCorrupt when the file is a database but not a Cordon one; the mapped
// SQLite error when a migration fails (that migration is rolled back, earlier
// ones stay applied).
Status ApplyMigrations(SqliteDb& db, Timestamp now);

}  // namespace cordon
