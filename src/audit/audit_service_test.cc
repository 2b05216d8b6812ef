// The audit log as the store keeps it (migration 3, AppendAuditEvent) and as
// AuditService and VerifyStoredAuditLog read it, on real SQLite files.
// Tampering is done the way an intruder with database access would: plain SQL
// on a raw sqlite3 connection.
#include "audit/audit_service.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "store/migrations.h"
#include "store/sqlite_store.h"
#include "support/rfc9162_verifier.h"
#include "support/test_support.h"

namespace cordon {
namespace {

namespace rfc9162 = test_support::rfc9162;
using nlohmann::json;

const Timestamp kStart =
    Timestamp(std::chrono::sys_days(std::chrono::year(2026) / std::chrono::March / 2)) +
    std::chrono::hours(9);

std::string Bytes(const MerkleHash& hash) {
  return std::string(reinterpret_cast<const char*>(hash.data()), hash.size());
}

// Raw SQL underneath the store: what an intruder with the file can do.
class RawDb {
 public:
  explicit RawDb(const std::string& path) {
    if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) throw std::runtime_error("open");
  }
  ~RawDb() { sqlite3_close(db_); }
  void Exec(const std::string& sql) {
    char* message = nullptr;
    const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message);
    const std::string text = message != nullptr ? message : "";
    sqlite3_free(message);
    ASSERT_EQ(rc, SQLITE_OK) << sql << ": " << text;
  }
  // Runs `sql` with text ?1 and blob ?2 bound.
  void ExecWith(const std::string& sql, const std::string& text, const std::string& blob) {
    sqlite3_stmt* stmt = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK)
        << sqlite3_errmsg(db_);
    sqlite3_bind_text(stmt, 1, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
    sqlite3_bind_blob(stmt, 2, blob.data(), static_cast<int>(blob.size()), SQLITE_TRANSIENT);
    EXPECT_EQ(sqlite3_step(stmt), SQLITE_DONE) << sqlite3_errmsg(db_);
    sqlite3_finalize(stmt);
  }
  std::string Text(const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK)
        << sqlite3_errmsg(db_);
    std::string value;
    if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_type(stmt, 0) != SQLITE_NULL) {
      value = std::string(static_cast<const char*>(sqlite3_column_blob(stmt, 0)),
                          static_cast<size_t>(sqlite3_column_bytes(stmt, 0)));
    }
    sqlite3_finalize(stmt);
    return value;
  }

 private:
  sqlite3* db_ = nullptr;
};

AuditEvent Event(int n, const std::string& org_id) {
  AuditEvent event;
  event.at = kStart + std::chrono::minutes(n);
  event.org_id = org_id;
  event.user_id = "usr_" + std::to_string(n % 3);
  event.action = n % 2 == 0 ? "application.granted" : "case.suspended";
  event.object_type = n % 2 == 0 ? "application" : "case";
  event.object_id = "obj_" + std::to_string(n);
  event.detail = json{{"n", n}, {"note", "event " + std::to_string(n)}}.dump();
  return event;
}

Caller CustomsCaller(const std::string& org_id, Role role = Role::kIprOfficer) {
  Caller caller;
  caller.user_id = "usr_1";
  caller.org_id = org_id;
  caller.org_kind = OrgKind::kCustoms;
  caller.role = role;
  return caller;
}

class AuditStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.File("cordon.db");
    Reopen();
  }

  void Reopen() {
    service_.reset();
    store_.reset();
    auto opened = OpenSqliteStore({.path = path_});
    ASSERT_TRUE(opened.ok()) << opened.error().ToString();
    store_ = std::move(opened).value();
    SeededRng rng(7);
    auto signer = CheckpointSigner::Generate("customs.example/cordon", rng);
    ASSERT_TRUE(signer.ok());
    verifier_key_ = signer->verifier().VerifierKey();
    service_ = std::make_unique<AuditService>(*store_, clock_, std::move(*signer));
  }

  // Appends events 0..count-1 (orgs alternate), each in its own unit of work.
  void AppendEvents(int count, int first = 0) {
    for (int n = first; n < first + count; ++n) {
      AuditEvent event = Event(n, n % 2 == 0 ? "org_de" : "org_nl");
      ASSERT_TRUE(
          store_->Write([&](WriteTx& tx) { return tx.AppendAuditEvent(event).status(); }).ok());
    }
  }

  uint64_t TreeSize() {
    uint64_t size = 0;
    EXPECT_TRUE(store_
                    ->Read([&](ReadTx& tx) -> Status {
                      CORDON_ASSIGN_OR_RETURN(const AuditStorage* tree, tx.AuditTree());
                      size = tree->LeafCount();
                      return Status::Ok();
                    })
                    .ok());
    return size;
  }

  std::vector<std::string> Entries() {
    std::vector<std::string> entries;
    EXPECT_TRUE(store_
                    ->Read([&](ReadTx& tx) -> Status {
                      CORDON_ASSIGN_OR_RETURN(auto leaves, tx.ListAuditLeaves(0, UINT64_MAX));
                      for (auto& leaf : leaves) entries.push_back(leaf.entry);
                      return Status::Ok();
                    })
                    .ok());
    return entries;
  }

  StoredAuditLogReport Verify(bool with_key = true) {
    auto verifier = CheckpointVerifier::FromVerifierKey(verifier_key_);
    EXPECT_TRUE(verifier.ok());
    auto report = VerifyStoredAuditLog(*store_, with_key ? &*verifier : nullptr);
    EXPECT_TRUE(report.ok()) << report.error().ToString();
    return report.ok() ? *report : StoredAuditLogReport{};
  }

  test_support::TempDir dir_{"cordon-audit-store"};
  std::string path_;
  FakeClock clock_{kStart};
  std::unique_ptr<Store> store_;
  std::unique_ptr<AuditService> service_;
  std::string verifier_key_;
};

TEST_F(AuditStoreTest, EveryAuditEventBecomesTheNextLeafWithItsCanonicalEntry) {
  AppendEvents(13);
  ASSERT_EQ(TreeSize(), 13u);
  const std::vector<std::string> entries = Entries();
  ASSERT_EQ(entries.size(), 13u);
  std::vector<std::string> raw;
  for (int n = 0; n < 13; ++n) {
    AuditEvent expected = Event(n, n % 2 == 0 ? "org_de" : "org_nl");
    expected.seq = n + 1;
    auto bytes = AuditEntryBytes(expected);
    ASSERT_TRUE(bytes.ok());
    EXPECT_EQ(entries[n], *bytes);
    EXPECT_TRUE(CheckCanonicalJson(entries[n]).ok());
    const json parsed = json::parse(entries[n]);
    EXPECT_EQ(parsed.at("seq"), n + 1);
    EXPECT_EQ(parsed.at("detail").at("n"), n);  // structured detail
    raw.push_back(entries[n]);
  }
  // The head the service signs is the RFC 9162 root of exactly these bytes.
  auto head = service_->CurrentHead(CustomsCaller("org_de"));
  ASSERT_TRUE(head.ok()) << head.error().ToString();
  EXPECT_EQ(head->checkpoint.tree_size, 13u);
  EXPECT_EQ(Bytes(head->checkpoint.root_hash), rfc9162::Mth(raw, 0, raw.size()));
  auto verifier = CheckpointVerifier::FromVerifierKey(verifier_key_);
  auto opened = OpenCheckpoint(head->signed_note, *verifier);
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(*opened, head->checkpoint);
}

TEST_F(AuditStoreTest, FloatingPointOrNonJsonDetailIsKeptVerbatimAsText) {
  AuditEvent event = Event(1, "org_de");
  event.detail = R"({"estimated_value_eur": 1234.5})";
  AuditEvent not_json = Event(2, "org_de");
  not_json.detail = "free text";
  ASSERT_TRUE(store_
                  ->Write([&](WriteTx& tx) -> Status {
                    CORDON_RETURN_IF_ERROR(tx.AppendAuditEvent(event).status());
                    return tx.AppendAuditEvent(not_json).status();
                  })
                  .ok());
  const std::vector<std::string> entries = Entries();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(json::parse(entries[0]).at("detail_text"), event.detail);
  EXPECT_FALSE(json::parse(entries[0]).contains("detail"));
  EXPECT_EQ(json::parse(entries[1]).at("detail_text"), "free text");
  EXPECT_TRUE(Verify().ok());
}

TEST_F(AuditStoreTest, AFailedUnitOfWorkLeavesNeitherEventNorLeaf) {
  AppendEvents(3);
  Status failed = store_->Write([&](WriteTx& tx) -> Status {
    CORDON_RETURN_IF_ERROR(tx.AppendAuditEvent(Event(10, "org_de")).status());
    CORDON_RETURN_IF_ERROR(tx.AppendAuditEvent(Event(11, "org_de")).status());
    return Conflict("the state change this event records failed");
  });
  EXPECT_EQ(failed.error().code(), ErrorCode::kConflict);
  EXPECT_THROW((void)store_->Write([&](WriteTx& tx) -> Status {
    CORDON_RETURN_IF_ERROR(tx.AppendAuditEvent(Event(12, "org_de")).status());
    throw std::runtime_error("crash in the middle of a command");
  }),
               std::runtime_error);
  EXPECT_EQ(TreeSize(), 3u);
  {
    RawDb raw(path_);
    EXPECT_EQ(raw.Text("SELECT COUNT(*) FROM audit_leaves"), "3");
    EXPECT_EQ(raw.Text("SELECT COUNT(*) FROM audit_events"), "3");
    // Leaves 0..2 complete one node: (1, 0).
    EXPECT_EQ(raw.Text("SELECT COUNT(*) FROM audit_nodes"), "1");
  }
  // The next append takes index 3, and the log still verifies.
  AppendEvents(1, 3);
  EXPECT_EQ(TreeSize(), 4u);
  StoredAuditLogReport report = Verify();
  EXPECT_TRUE(report.ok()) << *report.problem;
  EXPECT_EQ(report.entries, 4u);
}

TEST_F(AuditStoreTest, MigrationBuildsTheLogFromEventsRecordedBeforeIt) {
  // A database as a Cordon with migrations 1 and 2 left it, with events.
  service_.reset();
  store_.reset();
  std::filesystem::remove(path_);
  {
    RawDb raw(path_);
    raw.Exec("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT)");
    for (const Migration& migration : SqliteMigrations()) {
      if (migration.version > 2) break;
      raw.Exec(migration.sql);
      raw.Exec("INSERT INTO schema_migrations VALUES (" + std::to_string(migration.version) +
               ", '2026-01-01T00:00:00.000Z')");
    }
    for (int n = 0; n < 21; ++n) {
      AuditEvent event = Event(n, "org_de");
      raw.Exec("INSERT INTO audit_events VALUES (" + std::to_string(n + 1) + ", '" +
               FormatTimestamp(event.at) + "', 'org_de', '" + event.user_id + "', '" +
               event.action + "', '" + event.object_type + "', '" + event.object_id + "', '" +
               event.detail + "')");
    }
  }
  Reopen();
  ASSERT_EQ(TreeSize(), 21u);
  std::vector<std::string> entries = Entries();
  for (int n = 0; n < 21; ++n) {
    AuditEvent expected = Event(n, "org_de");
    expected.seq = n + 1;
    EXPECT_EQ(entries[n], *AuditEntryBytes(expected)) << n;
  }
  // New events continue the same tree.
  AppendEvents(2, 21);
  StoredAuditLogReport report = Verify();
  EXPECT_TRUE(report.ok()) << *report.problem;
  EXPECT_EQ(report.entries, 23u);
  EXPECT_EQ(report.events, 23);
  entries = Entries();
  EXPECT_EQ(Bytes(report.root_hash), rfc9162::Mth(entries, 0, entries.size()));
}

TEST_F(AuditStoreTest, VerifyCatchesAnEntryEditedInTheDatabase) {
  AppendEvents(10);
  ASSERT_TRUE(Verify().ok());
  {
    RawDb raw(path_);
    raw.Exec("UPDATE audit_leaves SET entry = replace(entry, 'event 6', 'event 7') WHERE idx = 6");
  }
  StoredAuditLogReport report = Verify();
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.problem->find("entry 6 does not hash to its stored leaf hash"),
            std::string::npos)
      << *report.problem;
}

TEST_F(AuditStoreTest, VerifyCatchesAnEntryEditedWithItsLeafHash) {
  AppendEvents(10);
  {
    RawDb raw(path_);
    const std::string entry = raw.Text("SELECT entry FROM audit_leaves WHERE idx = 5");
    std::string edited = entry;
    edited.replace(edited.find("event 5"), 7, "event 9");
    raw.ExecWith("UPDATE audit_leaves SET entry = ?1, leaf_hash = ?2 WHERE idx = 5", edited,
                 Bytes(HashLeaf(edited)));
  }
  StoredAuditLogReport report = Verify();
  ASSERT_FALSE(report.ok());
  // Leaf 5 closes no subtree; its parent (1, 2) over [4, 6) was completed by
  // leaf 5's append and now disagrees.
  EXPECT_NE(report.problem->find("(level 1, index 2) over entries [4, 6)"), std::string::npos)
      << *report.problem;
}

TEST_F(AuditStoreTest, VerifyCatchesAnEditedOrDeletedAuditEventRow) {
  AppendEvents(8);
  {
    RawDb raw(path_);
    raw.Exec("UPDATE audit_events SET detail = '{\"n\":3,\"note\":\"changed\"}' WHERE seq = 4");
  }
  StoredAuditLogReport report = Verify();
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.problem->find("audit entry 3 does not match its audit_events row (seq 4)"),
            std::string::npos)
      << *report.problem;
  EXPECT_NE(report.problem->find("\"detail\""), std::string::npos) << *report.problem;
  {
    RawDb raw(path_);
    raw.Exec("UPDATE audit_events SET detail = '{\"n\":3,\"note\":\"event 3\"}' WHERE seq = 4");
    raw.Exec("DELETE FROM audit_events WHERE seq = 8");
  }
  report = Verify();
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.problem->find("audit entry 7 has no audit_events row"), std::string::npos)
      << *report.problem;
}

TEST_F(AuditStoreTest, SignedCheckpointsCatchAFullRewriteOfEntriesAndHashes) {
  AppendEvents(12);
  ASSERT_TRUE(service_->CurrentHead(CustomsCaller("org_de")).ok());  // kept at size 12
  AppendEvents(4, 12);
  ASSERT_TRUE(service_->CurrentHead(CustomsCaller("org_de")).ok());  // kept at size 16
  ASSERT_TRUE(Verify().ok());

  // The intruder changes event 9, its entry, and recomputes every stored hash.
  std::vector<std::string> entries = Entries();
  AuditEvent changed = Event(9, "org_nl");
  changed.seq = 10;
  changed.detail = R"({"n":9,"note":"never happened"})";
  entries[9] = *AuditEntryBytes(changed);
  MemoryMerkleTree rebuilt;
  for (const std::string& entry : entries) rebuilt.AppendEntry(entry);
  {
    RawDb raw(path_);
    raw.Exec("UPDATE audit_events SET detail = '" + changed.detail + "' WHERE seq = 10");
    raw.ExecWith("UPDATE audit_leaves SET entry = ?1, leaf_hash = ?2 WHERE idx = 9", entries[9],
                 Bytes(HashLeaf(entries[9])));
    for (unsigned level = 1; (1u << level) <= entries.size(); ++level) {
      for (uint64_t index = 0; ((index + 1) << level) <= entries.size(); ++index) {
        raw.ExecWith("UPDATE audit_nodes SET hash = ?2 WHERE level = " + std::to_string(level) +
                         " AND idx = " + std::to_string(index) + " AND ?1 = ?1",
                     "", Bytes(*rebuilt.PerfectSubtreeHash(level, index)));
      }
    }
  }
  StoredAuditLogReport report = Verify();
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.problem->find("at tree size 12"), std::string::npos) << *report.problem;
  EXPECT_NE(report.problem->find("an entry in [0, 12) was altered"), std::string::npos)
      << *report.problem;
  // Without the key, the rewrite is consistent and goes unnoticed: the
  // report says the checkpoints were not checked.
  StoredAuditLogReport unchecked = Verify(/*with_key=*/false);
  EXPECT_TRUE(unchecked.ok());
  EXPECT_TRUE(unchecked.checkpoints_unchecked);
}

TEST_F(AuditStoreTest, VerifyCatchesAForgedCheckpoint) {
  AppendEvents(5);
  ASSERT_TRUE(service_->CurrentHead(CustomsCaller("org_de")).ok());
  {
    RawDb raw(path_);
    raw.Exec("UPDATE audit_checkpoints SET signed_note = replace(signed_note, '\n5\n', '\n4\n')");
  }
  StoredAuditLogReport report = Verify();
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.problem->find("the stored checkpoint at tree size 5 does not verify"),
            std::string::npos)
      << *report.problem;
}

TEST_F(AuditStoreTest, EntriesAreForCustomsAdminsAndOfficersAndWithholdOtherOrganisations) {
  AppendEvents(6);
  auto entries = service_->Entries(CustomsCaller("org_de"), 0, 100);
  ASSERT_TRUE(entries.ok()) << entries.error().ToString();
  EXPECT_EQ(entries->tree_size, 6u);
  ASSERT_EQ(entries->entries.size(), 6u);
  const std::vector<std::string> stored = Entries();
  for (const AuditEntryView& view : entries->entries) {
    EXPECT_EQ(Bytes(view.leaf_hash), rfc9162::LeafHash(stored[view.index]));
    if (view.index % 2 == 0) {
      ASSERT_TRUE(view.entry.has_value());  // org_de's own
      EXPECT_EQ(*view.entry, stored[view.index]);
    } else {
      EXPECT_FALSE(view.entry.has_value()) << view.index;  // org_nl's: hash only
    }
  }
  Caller holder;
  holder.org_id = "org_holder";
  holder.org_kind = OrgKind::kRightHolder;
  holder.role = Role::kRightHolderRep;
  EXPECT_EQ(service_->Entries(holder, 0, 5).error().code(), ErrorCode::kForbidden);
  EXPECT_EQ(
      service_->Entries(CustomsCaller("org_de", Role::kFrontlineOfficer), 0, 5).error().code(),
      ErrorCode::kForbidden);
  EXPECT_TRUE(service_->Entries(CustomsCaller("org_de", Role::kAdmin), 2, 3).ok());

  auto beyond = service_->Entries(CustomsCaller("org_de"), 6, 9);
  ASSERT_FALSE(beyond.ok());
  ASSERT_EQ(beyond.error().fields().size(), 1u);
  EXPECT_EQ(beyond.error().fields()[0].field, "start");
  auto reversed = service_->Entries(CustomsCaller("org_de"), 3, 2);
  ASSERT_FALSE(reversed.ok());
  EXPECT_EQ(reversed.error().fields()[0].field, "end");
}

TEST_F(AuditStoreTest, EntryPagesAreBounded) {
  ASSERT_TRUE(store_
                  ->Write([&](WriteTx& tx) -> Status {
                    for (int n = 0; n < 1005; ++n) {
                      CORDON_RETURN_IF_ERROR(tx.AppendAuditEvent(Event(n, "org_de")).status());
                    }
                    return Status::Ok();
                  })
                  .ok());
  auto page = service_->Entries(CustomsCaller("org_de"), 3, 2000);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->tree_size, 1005u);
  ASSERT_EQ(page->entries.size(), AuditService::kMaxEntriesPerPage);
  EXPECT_EQ(page->entries.front().index, 3u);
  EXPECT_EQ(page->entries.back().index, 1002u);
  EXPECT_TRUE(Verify().ok());
}

TEST_F(AuditStoreTest, ProofsFromTheStoreVerifyIndependently) {
  AppendEvents(37);
  const std::vector<std::string> entries = Entries();
  const Caller caller = CustomsCaller("org_de");
  for (uint64_t size = 1; size <= entries.size(); size += 3) {
    const std::string root = rfc9162::Mth(entries, 0, size);
    for (uint64_t index = 0; index < size; index += 2) {
      auto proof = service_->InclusionProof(caller, index, size);
      ASSERT_TRUE(proof.ok()) << proof.error().ToString();
      rfc9162::Path path;
      for (const MerkleHash& hash : proof->audit_path) path.push_back(Bytes(hash));
      EXPECT_EQ(Bytes(proof->leaf_hash), rfc9162::LeafHash(entries[index]));
      EXPECT_TRUE(rfc9162::VerifyInclusionAlgorithm(rfc9162::LeafHash(entries[index]), index, size,
                                                    path, root))
          << index << " in " << size;
    }
    for (uint64_t first = 1; first <= size; first += 2) {
      auto proof = service_->ConsistencyProof(caller, first, size);
      ASSERT_TRUE(proof.ok());
      rfc9162::Path path;
      for (const MerkleHash& hash : *proof) path.push_back(Bytes(hash));
      EXPECT_TRUE(rfc9162::VerifyConsistencyAlgorithm(first, size, rfc9162::Mth(entries, 0, first),
                                                      root, path))
          << first << " -> " << size;
    }
  }
  auto too_big = service_->InclusionProof(caller, 0, 38);
  ASSERT_FALSE(too_big.ok());
  EXPECT_EQ(too_big.error().fields()[0].field, "tree_size");
  auto outside = service_->InclusionProof(caller, 5, 5);
  EXPECT_EQ(outside.error().fields()[0].field, "index");
  EXPECT_EQ(service_->ConsistencyProof(caller, 5, 38).error().fields()[0].field, "second");
  EXPECT_EQ(service_->ConsistencyProof(caller, 6, 5).error().fields()[0].field, "first");
}

}  // namespace
}  // namespace cordon
