// The audit log's tables (audit_leaves, audit_nodes, audit_checkpoints) as an
// AuditStorage over one SQLite connection, internal to the store. Used by the
// store's units of work (the tree of a transaction) and by schema migration 3,
// which builds the log from the audit events recorded before it existed.
//
// Thread safety: like the connection it uses, one thread at a time, inside a
// transaction the caller opened.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "audit/audit_log.h"
#include "core/result.h"
#include "store/sqlite_db.h"
#include "store/store.h"

namespace cordon {

class SqliteAuditTree final : public AuditStorage {
 public:
  // The tree as the open transaction on `db` sees it (its size is read once,
  // here, and then follows Append). kInternal/kCorrupt on read failures.
  static Result<std::unique_ptr<SqliteAuditTree>> Open(SqliteDb& db);

  uint64_t LeafCount() const override { return size_; }
  // kNotFound beyond the tree; kCorrupt when a stored hash is not 32 bytes.
  Result<MerkleHash> LeafHash(uint64_t index) const override;
  Result<MerkleHash> PerfectSubtreeHash(unsigned level, uint64_t index) const override;
  // Inserts the leaf row and the node rows (level >= 1) of `nodes`;
  // kConflict when `index` is not the tree's size.
  Status Append(uint64_t index, std::string_view entry, std::span<const MerkleNode> nodes) override;
  Result<std::string> Entry(uint64_t index) const override;

  // Appends `event` (whose seq is assigned) as the next leaf.
  Status AppendEvent(const AuditEvent& event);

 private:
  SqliteAuditTree(SqliteDb& db, uint64_t size) : db_(&db), size_(size) {}

  SqliteDb* db_;
  uint64_t size_;
};

// A hash as the BLOB it is stored as, and back (kCorrupt naming `what` when
// the stored value is not 32 bytes).
std::string_view HashBytes(const MerkleHash& hash);
Result<MerkleHash> HashFromBlob(const std::string& bytes, std::string_view what);

// The audit_events columns and their reader, shared with sqlite_store.cc.
inline constexpr const char* kAuditEventColumns =
    "seq, at, org_id, user_id, action, object_type, object_id, detail";
Result<AuditEvent> ReadAuditEventRow(const Statement& row);

// Audit events with seq > after_seq, in seq order, at most `limit`.
Result<std::vector<AuditEvent>> ReadAuditEventsAfter(SqliteDb& db, long long after_seq, int limit);

// Migration 3's second half: appends every audit_events row, in seq order,
// to the (empty) log. Runs inside the migration's transaction.
Status BackfillAuditLog(SqliteDb& db);

}  // namespace cordon
