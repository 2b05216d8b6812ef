#include "store/sqlite_audit.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

namespace cordon {
namespace {

long long AsSqlInteger(uint64_t value) { return static_cast<long long>(value); }

}  // namespace

std::string_view HashBytes(const MerkleHash& hash) {
  return {reinterpret_cast<const char*>(hash.data()), hash.size()};
}

Result<MerkleHash> HashFromBlob(const std::string& bytes, std::string_view what) {
  if (bytes.size() != kMerkleHashSize) {
    return Corrupt(fmt::format("{} is {} bytes, not a 32-byte hash", what, bytes.size()));
  }
  MerkleHash hash;
  std::memcpy(hash.data(), bytes.data(), kMerkleHashSize);
  return hash;
}

Result<AuditEvent> ReadAuditEventRow(const Statement& row) {
  AuditEvent event;
  event.seq = row.Int(0);
  CORDON_ASSIGN_OR_RETURN(event.at, row.TimestampAt(1));
  event.org_id = row.Text(2);
  event.user_id = row.Text(3);
  event.action = row.Text(4);
  event.object_type = row.Text(5);
  event.object_id = row.Text(6);
  event.detail = row.Text(7);
  return event;
}

Result<std::vector<AuditEvent>> ReadAuditEventsAfter(SqliteDb& db, long long after_seq, int limit) {
  CORDON_ASSIGN_OR_RETURN(
      Statement query,
      db.Prepare(fmt::format("SELECT {} FROM audit_events WHERE seq > ? ORDER BY seq LIMIT ?",
                             kAuditEventColumns),
                 "reading audit events"));
  query.Bind(1, after_seq).Bind(2, limit);
  std::vector<AuditEvent> events;
  while (true) {
    CORDON_ASSIGN_OR_RETURN(bool has_row, query.Step());
    if (!has_row) return events;
    CORDON_ASSIGN_OR_RETURN(AuditEvent event, ReadAuditEventRow(query));
    events.push_back(std::move(event));
  }
}

Result<std::unique_ptr<SqliteAuditTree>> SqliteAuditTree::Open(SqliteDb& db) {
  // MAX over the primary key is one index probe; COUNT(*) would scan.
  CORDON_ASSIGN_OR_RETURN(
      Statement query,
      db.Prepare("SELECT COALESCE(MAX(idx) + 1, 0) FROM audit_leaves", "reading audit log size"));
  CORDON_ASSIGN_OR_RETURN(bool has_row, query.Step());
  const long long size = has_row ? query.Int(0) : 0;
  if (size < 0) return Corrupt("audit log has a negative leaf index");
  return std::unique_ptr<SqliteAuditTree>(new SqliteAuditTree(db, static_cast<uint64_t>(size)));
}

Result<MerkleHash> SqliteAuditTree::LeafHash(uint64_t index) const {
  if (index >= size_) {
    return NotFound(
        fmt::format("audit entry {} does not exist; the log has {} entries", index, size_));
  }
  CORDON_ASSIGN_OR_RETURN(
      Statement query,
      db_->Prepare("SELECT leaf_hash FROM audit_leaves WHERE idx = ?", "reading audit leaf hash"));
  query.Bind(1, AsSqlInteger(index));
  CORDON_ASSIGN_OR_RETURN(bool has_row, query.Step());
  if (!has_row) return Corrupt(fmt::format("audit entry {} is missing from the log", index));
  return HashFromBlob(query.Blob(0), fmt::format("the stored leaf hash of audit entry {}", index));
}

Result<MerkleHash> SqliteAuditTree::PerfectSubtreeHash(unsigned level, uint64_t index) const {
  if (level == 0) return LeafHash(index);
  if (level >= 64 || ((index + 1) << level) > size_) {
    return NotFound(fmt::format("no audit tree node at level {}, index {} in a log of {} entries",
                                level, index, size_));
  }
  CORDON_ASSIGN_OR_RETURN(Statement query,
                          db_->Prepare("SELECT hash FROM audit_nodes WHERE level = ? AND idx = ?",
                                       "reading audit tree node"));
  query.Bind(1, static_cast<long long>(level)).Bind(2, AsSqlInteger(index));
  CORDON_ASSIGN_OR_RETURN(bool has_row, query.Step());
  if (!has_row) {
    return Corrupt(fmt::format("audit tree node (level {}, index {}) is missing", level, index));
  }
  return HashFromBlob(query.Blob(0),
                      fmt::format("audit tree node (level {}, index {})", level, index));
}

Status SqliteAuditTree::Append(uint64_t index, std::string_view entry,
                               std::span<const MerkleNode> nodes) {
  if (index != size_) {
    return Conflict(
        fmt::format("audit entry {} cannot be appended to a log of {} entries", index, size_));
  }
  if (nodes.empty() || nodes[0].level != 0 || nodes[0].index != index) {
    return Internal("audit append must start with the entry's leaf node");
  }
  const std::string what = fmt::format("appending audit entry {}", index);
  CORDON_ASSIGN_OR_RETURN(
      Statement leaf,
      db_->Prepare("INSERT INTO audit_leaves (idx, entry, leaf_hash) VALUES (?, ?, ?)", what));
  leaf.Bind(1, AsSqlInteger(index)).Bind(2, entry).BindBlob(3, HashBytes(nodes[0].hash));
  CORDON_RETURN_IF_ERROR(leaf.Run());
  for (const MerkleNode& node : nodes.subspan(1)) {
    CORDON_ASSIGN_OR_RETURN(
        Statement insert,
        db_->Prepare("INSERT INTO audit_nodes (level, idx, hash) VALUES (?, ?, ?)", what));
    insert.Bind(1, static_cast<long long>(node.level))
        .Bind(2, AsSqlInteger(node.index))
        .BindBlob(3, HashBytes(node.hash));
    CORDON_RETURN_IF_ERROR(insert.Run());
  }
  ++size_;
  return Status::Ok();
}

Result<std::string> SqliteAuditTree::Entry(uint64_t index) const {
  if (index >= size_) {
    return NotFound(
        fmt::format("audit entry {} does not exist; the log has {} entries", index, size_));
  }
  CORDON_ASSIGN_OR_RETURN(
      Statement query,
      db_->Prepare("SELECT entry FROM audit_leaves WHERE idx = ?", "reading audit entry"));
  query.Bind(1, AsSqlInteger(index));
  CORDON_ASSIGN_OR_RETURN(bool has_row, query.Step());
  if (!has_row) return Corrupt(fmt::format("audit entry {} is missing from the log", index));
  return query.Text(0);
}

Status SqliteAuditTree::AppendEvent(const AuditEvent& event) {
  CORDON_ASSIGN_OR_RETURN(std::string entry, AuditEntryBytes(event));
  CORDON_ASSIGN_OR_RETURN(std::vector<MerkleNode> nodes,
                          NodesCompletedByAppend(*this, HashLeaf(entry)));
  return Append(size_, entry, nodes);
}

Status BackfillAuditLog(SqliteDb& db) {
  CORDON_ASSIGN_OR_RETURN(std::unique_ptr<SqliteAuditTree> tree, SqliteAuditTree::Open(db));
  if (tree->LeafCount() != 0) return Internal("the audit log to backfill is not empty");
  constexpr int kBatch = 1000;
  long long after_seq = 0;
  while (true) {
    CORDON_ASSIGN_OR_RETURN(std::vector<AuditEvent> events,
                            ReadAuditEventsAfter(db, after_seq, kBatch));
    for (const AuditEvent& event : events) {
      Status appended = tree->AppendEvent(event);
      if (!appended.ok()) {
        Error error = appended.error();
        return error.Prefix(
            fmt::format("logging audit event {} recorded before the log existed: ", event.seq));
      }
    }
    if (events.size() < static_cast<size_t>(kBatch)) return Status::Ok();
    after_seq = events.back().seq;
  }
}

}  // namespace cordon
