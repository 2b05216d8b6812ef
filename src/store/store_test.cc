// Tests of the SQLite store against real database files in a fresh temporary
// directory per test (plus one ":memory:" test). Raw sqlite3 connections are
// used only to look underneath the store: pragmas, the schema version table,
// and holding a lock to prove busy handling.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "store/migrations.h"
#include "store/sqlite_store.h"
#include "support/test_support.h"

namespace cordon {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

Timestamp At(int year, int month, int day, int second = 0) {
  return Timestamp(std::chrono::sys_days(
             Date{std::chrono::year(year), std::chrono::month(month), std::chrono::day(day)})) +
         seconds(second);
}

Date Day(int year, int month, int day) {
  return Date{std::chrono::year(year), std::chrono::month(month), std::chrono::day(day)};
}

Organisation MakeOrg(const std::string& id, const std::string& name, OrgKind kind,
                     const std::string& country = "") {
  Organisation org;
  org.id = id;
  org.name = name;
  org.kind = kind;
  org.country = country;
  org.jurisdiction = kind == OrgKind::kCustoms ? "EU" : "";
  org.address = "Somewhere 1";
  org.created_at = At(2026, 1, 1);
  return org;
}

User MakeUser(const std::string& id, const std::string& org_id, const std::string& email) {
  User user;
  user.id = id;
  user.org_id = org_id;
  user.email = email;
  user.name = "User " + id;
  user.role = Role::kIprOfficer;
  user.password_hash = "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA";
  user.created_at = At(2026, 1, 2);
  return user;
}

Credential MakeCredential(const std::string& id, const std::string& hash,
                          const std::string& user_id, const std::string& org_id,
                          const std::string& kind) {
  Credential credential;
  credential.id = id;
  credential.token_hash = hash;
  credential.user_id = user_id;
  credential.org_id = org_id;
  credential.kind = kind;
  credential.name = kind == "api_token" ? "label " + id : "";
  credential.created_at = At(2026, 2, 1);
  if (kind == "session") credential.expires_at = At(2026, 2, 2);
  return credential;
}

ApplicationRecord MakeApp(const std::string& id, const std::string& holder,
                          const std::string& filed_with, Timestamp created_at) {
  ApplicationRecord record;
  record.id = id;
  record.holder_org_id = holder;
  record.filed_with_org_id = filed_with;
  record.kind = "national";
  record.status = "draft";
  record.holder_name = "Zentra Sportswear GmbH";
  record.created_at = created_at;
  record.updated_at = created_at;
  record.version = 1;
  record.body = R"({"kind":"national","holder":{"name":"Zentra Sportswear GmbH"}})";
  return record;
}

// Runs a query on a raw connection and returns the first column of the first row.
std::string RawQuery(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK)
      << sqlite3_errmsg(db);
  std::string value;
  if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0) != nullptr) {
    value = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return value;
}

void RawExec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* message = nullptr;
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message), SQLITE_OK)
      << (message != nullptr ? message : "");
  sqlite3_free(message);
  sqlite3_close(db);
}

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.File("cordon.db");
    Reopen();
  }

  void TearDown() override { store_.reset(); }

  // Closes the store and leaves at path_ a fresh database as migration
  // `version` left it (for testing later migrations on existing data).
  void DatabaseAtVersion(int version) {
    store_.reset();
    std::filesystem::remove(path_);
    RawExec(path_,
            "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT "
            "NOT NULL)");
    for (const Migration& migration : SqliteMigrations()) {
      if (migration.version > version) break;
      RawExec(path_, migration.sql);
      RawExec(path_, "INSERT INTO schema_migrations VALUES (" +
                         std::to_string(migration.version) + ", '2026-01-01T00:00:00.000Z')");
    }
  }

  void Reopen() {
    store_.reset();
    auto opened = OpenSqliteStore({.path = path_});
    ASSERT_TRUE(opened.ok()) << opened.error().ToString();
    store_ = std::move(opened).value();
  }

  Status Write(const std::function<Status(WriteTx&)>& work) { return store_->Write(work); }

  // Runs `query` in a read transaction and returns its result.
  template <typename T>
  Result<T> ReadValue(const std::function<Result<T>(ReadTx&)>& query) {
    std::optional<Result<T>> out;
    Status status = store_->Read([&](ReadTx& tx) -> Status {
      out.emplace(query(tx));
      return Status::Ok();
    });
    if (!status.ok()) return status.error();
    return std::move(*out);
  }

  // Runs `work` in a write transaction (committed when it succeeds) and
  // returns its result.
  template <typename T>
  Result<T> WriteValue(const std::function<Result<T>(WriteTx&)>& work) {
    std::optional<Result<T>> out;
    Status status = store_->Write([&](WriteTx& tx) -> Status {
      out.emplace(work(tx));
      return out->status();
    });
    if (!status.ok()) return status.error();
    return std::move(*out);
  }

  // Three organisations: a right holder, the customs administration it files
  // with, and an unrelated customs administration.
  void SeedOrganisations() {
    ASSERT_TRUE(
        Write([&](WriteTx& tx) -> Status {
          CORDON_RETURN_IF_ERROR(tx.InsertOrganisation(
              MakeOrg("org_holder", "Zentra Sportswear GmbH", OrgKind::kRightHolder)));
          CORDON_RETURN_IF_ERROR(
              tx.InsertOrganisation(MakeOrg("org_de", "Customs DE", OrgKind::kCustoms, "DE")));
          CORDON_RETURN_IF_ERROR(
              tx.InsertOrganisation(MakeOrg("org_cn", "Customs CN", OrgKind::kCustoms, "CN")));
          return tx.InsertOrganisation(MakeOrg("org_nl", "Customs NL", OrgKind::kCustoms, "NL"));
        }).ok());
  }

  Status InsertApp(const ApplicationRecord& record, std::vector<std::string> visible_to = {}) {
    if (visible_to.empty()) visible_to = {record.holder_org_id, record.filed_with_org_id};
    return Write([&](WriteTx& tx) { return tx.InsertApplication(record, visible_to); });
  }

  test_support::TempDir dir_{"cordon-store"};
  std::string path_;
  std::unique_ptr<Store> store_;
};

// --- opening, schema, pragmas

TEST_F(SqliteStoreTest, AppliesSchemaAndReopeningIsIdempotent) {
  EXPECT_GE(SqliteSchemaVersion(), 1);
  EXPECT_EQ(RawQuery(path_, "SELECT MAX(version) FROM schema_migrations"),
            std::to_string(SqliteSchemaVersion()));
  const std::string rows = RawQuery(path_, "SELECT COUNT(*) FROM schema_migrations");
  EXPECT_EQ(rows, std::to_string(SqliteSchemaVersion()));
  SeedOrganisations();
  Reopen();
  Reopen();
  EXPECT_EQ(RawQuery(path_, "SELECT COUNT(*) FROM schema_migrations"), rows);
  EXPECT_EQ(RawQuery(path_, "SELECT COUNT(*) FROM organisations"), "4");
}

TEST_F(SqliteStoreTest, RefusesDatabaseWithNewerSchema) {
  store_.reset();
  RawExec(path_, "INSERT INTO schema_migrations (version, applied_at) VALUES (" +
                     std::to_string(SqliteSchemaVersion() + 1) + ", '2030-01-01T00:00:00.000Z')");
  auto opened = OpenSqliteStore({.path = path_});
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code(), ErrorCode::kConflict);
  EXPECT_NE(opened.error().message().find("newer"), std::string::npos) << opened.error().message();
}

TEST_F(SqliteStoreTest, RefusesFileThatIsNotADatabase) {
  std::string garbage = (dir_.path() / "garbage.db").string();
  std::ofstream(garbage) << std::string(8192, 'x');
  auto opened = OpenSqliteStore({.path = garbage});
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code(), ErrorCode::kCorrupt) << opened.error().ToString();
}

TEST_F(SqliteStoreTest, RefusesSomeoneElsesDatabase) {
  std::string foreign = (dir_.path() / "foreign.db").string();
  RawExec(foreign, "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)");
  auto opened = OpenSqliteStore({.path = foreign});
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code(), ErrorCode::kCorrupt) << opened.error().ToString();
  EXPECT_EQ(RawQuery(foreign,
                     "SELECT COUNT(*) FROM sqlite_master WHERE name = "
                     "'schema_migrations'"),
            "0");
}

TEST_F(SqliteStoreTest, UnopenablePathIsUnavailable) {
  auto opened = OpenSqliteStore({.path = (dir_.path() / "no" / "such" / "dir" / "x.db").string()});
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code(), ErrorCode::kUnavailable) << opened.error().ToString();
}

TEST_F(SqliteStoreTest, UsesWalModeAndEnforcesForeignKeys) {
  EXPECT_EQ(RawQuery(path_, "PRAGMA journal_mode"), "wal");
  SeedOrganisations();
  Status status =
      InsertApp(MakeApp("app_1", "org_holder", "org_unknown", At(2026, 3, 1)), {"org_holder"});
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message().find("FOREIGN KEY"), std::string::npos)
      << status.error().message();
  EXPECT_EQ(RawQuery(path_, "SELECT COUNT(*) FROM applications"), "0");
}

TEST(SqliteStoreMemoryTest, InMemoryDatabaseServesReadsAndWrites) {
  auto opened = OpenSqliteStore({.path = ":memory:"});
  ASSERT_TRUE(opened.ok()) << opened.error().ToString();
  Store& store = **opened;
  ASSERT_TRUE(store
                  .Write([](WriteTx& tx) {
                    return tx.InsertOrganisation(MakeOrg("org_1", "Customs DE", OrgKind::kCustoms));
                  })
                  .ok());
  Status read = store.Read([](ReadTx& tx) -> Status {
    CORDON_ASSIGN_OR_RETURN(Organisation org, tx.GetOrganisation("org_1"));
    EXPECT_EQ(org.name, "Customs DE");
    return Status::Ok();
  });
  EXPECT_TRUE(read.ok()) << read.error().ToString();
}

TEST(SqliteStoreOptionsTest, EmptyPathIsInvalidInput) {
  auto opened = OpenSqliteStore({.path = ""});
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code(), ErrorCode::kInvalidInput);
}

// --- organisations

TEST_F(SqliteStoreTest, StoresAndFindsOrganisations) {
  Organisation de = MakeOrg("org_de", "Customs DE", OrgKind::kCustoms, "DE");
  de.offices = {"DEHAM", "DEFRA", "DEMUC", "DELEJ"};
  Organisation police = MakeOrg("org_police", "Police DE", OrgKind::kAgency, "DE");
  Organisation holder = MakeOrg("org_zentra", "Zentra Sportswear GmbH", OrgKind::kRightHolder);
  ASSERT_TRUE(Write([&](WriteTx& tx) -> Status {
                CORDON_RETURN_IF_ERROR(tx.InsertOrganisation(de));
                CORDON_RETURN_IF_ERROR(tx.InsertOrganisation(police));
                return tx.InsertOrganisation(holder);
              }).ok());

  auto got = ReadValue<Organisation>([](ReadTx& tx) { return tx.GetOrganisation("org_de"); });
  ASSERT_TRUE(got.ok()) << got.error().ToString();
  EXPECT_EQ(got->name, "Customs DE");
  EXPECT_EQ(got->kind, OrgKind::kCustoms);
  EXPECT_EQ(got->country, "DE");
  EXPECT_EQ(got->jurisdiction, "EU");
  EXPECT_EQ(got->address, "Somewhere 1");
  EXPECT_EQ(got->offices, de.offices);
  EXPECT_EQ(got->created_at, de.created_at);

  auto by_name = ReadValue<Organisation>(
      [](ReadTx& tx) { return tx.FindOrganisationByName("Zentra Sportswear GmbH"); });
  ASSERT_TRUE(by_name.ok());
  EXPECT_EQ(by_name->id, "org_zentra");
  EXPECT_TRUE(by_name->offices.empty());

  auto customs = ReadValue<std::vector<Organisation>>(
      [](ReadTx& tx) { return tx.FindCustomsByCountry("DE"); });
  ASSERT_TRUE(customs.ok());
  ASSERT_EQ(customs->size(), 1u);  // the police share the country but are not customs
  EXPECT_EQ((*customs)[0].id, "org_de");
  EXPECT_EQ((*customs)[0].offices, de.offices);

  auto all =
      ReadValue<std::vector<Organisation>>([](ReadTx& tx) { return tx.ListOrganisations(); });
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].name, "Customs DE");  // ordered by name
  EXPECT_EQ((*all)[0].offices, de.offices);
  EXPECT_EQ((*all)[2].name, "Zentra Sportswear GmbH");

  auto missing = ReadValue<Organisation>([](ReadTx& tx) { return tx.GetOrganisation("org_x"); });
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
}

TEST_F(SqliteStoreTest, DuplicateOrganisationIdOrNameIsConflict) {
  SeedOrganisations();
  Status same_name = Write([](WriteTx& tx) {
    return tx.InsertOrganisation(MakeOrg("org_other", "Customs DE", OrgKind::kCustoms, "DE"));
  });
  ASSERT_FALSE(same_name.ok());
  EXPECT_EQ(same_name.error().code(), ErrorCode::kConflict) << same_name.error().ToString();
  Status same_id = Write([](WriteTx& tx) {
    return tx.InsertOrganisation(MakeOrg("org_de", "Another", OrgKind::kCustoms, "DE"));
  });
  ASSERT_FALSE(same_id.ok());
  EXPECT_EQ(same_id.error().code(), ErrorCode::kConflict);
}

// --- users

TEST_F(SqliteStoreTest, StoresUsersWithCaseInsensitiveUniqueEmail) {
  SeedOrganisations();
  User officer = MakeUser("usr_1", "org_de", "Officer@Customs-DE.demo");
  officer.active = false;
  ASSERT_TRUE(Write([&](WriteTx& tx) { return tx.InsertUser(officer); }).ok());

  Status duplicate = Write([](WriteTx& tx) {
    return tx.InsertUser(MakeUser("usr_2", "org_de", "officer@customs-de.DEMO"));
  });
  ASSERT_FALSE(duplicate.ok());
  EXPECT_EQ(duplicate.error().code(), ErrorCode::kConflict) << duplicate.error().ToString();

  auto found =
      ReadValue<User>([](ReadTx& tx) { return tx.FindUserByEmail("OFFICER@customs-de.demo"); });
  ASSERT_TRUE(found.ok()) << found.error().ToString();
  EXPECT_EQ(found->id, "usr_1");
  EXPECT_EQ(found->email, "officer@customs-de.demo");  // stored lower-cased
  EXPECT_EQ(found->role, Role::kIprOfficer);
  EXPECT_EQ(found->password_hash, officer.password_hash);
  EXPECT_FALSE(found->active);
  EXPECT_EQ(found->created_at, officer.created_at);

  auto absent = ReadValue<User>([](ReadTx& tx) { return tx.FindUserByEmail("nobody@x.demo"); });
  ASSERT_FALSE(absent.ok());
  EXPECT_EQ(absent.error().code(), ErrorCode::kNotFound);
}

TEST_F(SqliteStoreTest, UsersAreScopedToTheirOrganisation) {
  SeedOrganisations();
  ASSERT_TRUE(Write([](WriteTx& tx) -> Status {
                CORDON_RETURN_IF_ERROR(tx.InsertUser(MakeUser("usr_de1", "org_de", "a@de.demo")));
                CORDON_RETURN_IF_ERROR(tx.InsertUser(MakeUser("usr_de2", "org_de", "b@de.demo")));
                return tx.InsertUser(MakeUser("usr_cn", "org_cn", "a@cn.demo"));
              }).ok());
  auto own = ReadValue<User>([](ReadTx& tx) { return tx.GetUser({"org_de"}, "usr_de1"); });
  EXPECT_TRUE(own.ok());
  auto other = ReadValue<User>([](ReadTx& tx) { return tx.GetUser({"org_cn"}, "usr_de1"); });
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().code(), ErrorCode::kNotFound);

  auto list = ReadValue<std::vector<User>>([](ReadTx& tx) { return tx.ListUsers({"org_de"}); });
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].id, "usr_de1");
  EXPECT_EQ((*list)[1].id, "usr_de2");
}

// --- credentials

TEST_F(SqliteStoreTest, StoresFindsAndRevokesCredentialsWithinScope) {
  SeedOrganisations();
  Credential session = MakeCredential("ses_1", "hash-session", "usr_de", "org_de", "session");
  Credential token = MakeCredential("tok_1", "hash-token", "usr_de", "org_de", "api_token");
  ASSERT_TRUE(Write([&](WriteTx& tx) -> Status {
                CORDON_RETURN_IF_ERROR(tx.InsertUser(MakeUser("usr_de", "org_de", "a@de.demo")));
                CORDON_RETURN_IF_ERROR(tx.InsertUser(MakeUser("usr_cn", "org_cn", "a@cn.demo")));
                CORDON_RETURN_IF_ERROR(tx.InsertCredential(session));
                CORDON_RETURN_IF_ERROR(tx.InsertCredential(token));
                return tx.InsertCredential(
                    MakeCredential("tok_cn", "hash-cn", "usr_cn", "org_cn", "api_token"));
              }).ok());

  auto found =
      ReadValue<Credential>([](ReadTx& tx) { return tx.FindCredentialByHash("hash-session"); });
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->id, "ses_1");
  EXPECT_EQ(found->user_id, "usr_de");
  EXPECT_EQ(found->org_id, "org_de");
  EXPECT_EQ(found->kind, "session");
  EXPECT_EQ(found->expires_at, session.expires_at);
  EXPECT_FALSE(found->revoked_at.has_value());

  auto absent =
      ReadValue<Credential>([](ReadTx& tx) { return tx.FindCredentialByHash("hash-none"); });
  ASSERT_FALSE(absent.ok());
  EXPECT_EQ(absent.error().code(), ErrorCode::kNotFound);

  Status duplicate_hash = Write([](WriteTx& tx) {
    return tx.InsertCredential(
        MakeCredential("ses_2", "hash-session", "usr_de", "org_de", "session"));
  });
  ASSERT_FALSE(duplicate_hash.ok());
  EXPECT_EQ(duplicate_hash.error().code(), ErrorCode::kConflict);

  // Another organisation cannot revoke it, and learns nothing (kNotFound).
  Status foreign_revoke = Write(
      [](WriteTx& tx) { return tx.RevokeCredential({"org_cn"}, "ses_1", At(2026, 2, 1, 5)); });
  ASSERT_FALSE(foreign_revoke.ok());
  EXPECT_EQ(foreign_revoke.error().code(), ErrorCode::kNotFound);
  auto still =
      ReadValue<Credential>([](ReadTx& tx) { return tx.FindCredentialByHash("hash-session"); });
  ASSERT_TRUE(still.ok());
  EXPECT_FALSE(still->revoked_at.has_value());

  ASSERT_TRUE(Write([](WriteTx& tx) {
                return tx.RevokeCredential({"org_de"}, "ses_1", At(2026, 2, 1, 9));
              }).ok());
  // A second revocation keeps the first time.
  ASSERT_TRUE(Write([](WriteTx& tx) {
                return tx.RevokeCredential({"org_de"}, "ses_1", At(2026, 2, 1, 30));
              }).ok());
  auto revoked =
      ReadValue<Credential>([](ReadTx& tx) { return tx.FindCredentialByHash("hash-session"); });
  ASSERT_TRUE(revoked.ok());  // revoked credentials are still returned; the caller decides
  EXPECT_EQ(revoked->revoked_at, std::optional<Timestamp>(At(2026, 2, 1, 9)));

  Status missing =
      Write([](WriteTx& tx) { return tx.RevokeCredential({"org_de"}, "ses_x", At(2026, 2, 2)); });
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);

  auto tokens =
      ReadValue<std::vector<Credential>>([](ReadTx& tx) { return tx.ListApiTokens({"org_de"}); });
  ASSERT_TRUE(tokens.ok());
  ASSERT_EQ(tokens->size(), 1u);  // not the session, not the other organisation's token
  EXPECT_EQ((*tokens)[0].id, "tok_1");
  EXPECT_EQ((*tokens)[0].name, "label tok_1");
  EXPECT_FALSE((*tokens)[0].expires_at.has_value());
}

// --- login throttling

TEST_F(SqliteStoreTest, CountsLoginFailuresInWindowAndClearsThem) {
  ASSERT_TRUE(Write([](WriteTx& tx) -> Status {
                CORDON_RETURN_IF_ERROR(tx.RecordLoginFailure("A@x.demo", At(2026, 4, 1, 0)));
                CORDON_RETURN_IF_ERROR(tx.RecordLoginFailure("a@x.demo", At(2026, 4, 1, 10)));
                CORDON_RETURN_IF_ERROR(tx.RecordLoginFailure("a@X.demo", At(2026, 4, 1, 20)));
                return tx.RecordLoginFailure("b@x.demo", At(2026, 4, 1, 20));
              }).ok());
  auto count = [&](const std::string& email, Timestamp since) {
    auto counted = ReadValue<int>([&](ReadTx& tx) { return tx.CountLoginFailures(email, since); });
    EXPECT_TRUE(counted.ok());
    return counted.ok() ? *counted : -1;
  };
  EXPECT_EQ(count("a@x.demo", At(2026, 4, 1, 0)), 3);
  EXPECT_EQ(count("A@X.DEMO", At(2026, 4, 1, 5)), 2);
  EXPECT_EQ(count("a@x.demo", At(2026, 4, 1, 10)), 2);  // at or after `since`
  EXPECT_EQ(count("a@x.demo", At(2026, 4, 1, 21)), 0);
  EXPECT_EQ(count("b@x.demo", At(2026, 4, 1, 0)), 1);

  ASSERT_TRUE(Write([](WriteTx& tx) { return tx.ClearLoginFailures("A@x.demo"); }).ok());
  EXPECT_EQ(count("a@x.demo", At(2026, 1, 1)), 0);
  EXPECT_EQ(count("b@x.demo", At(2026, 1, 1)), 1);
}

// --- applications: tenant isolation

TEST_F(SqliteStoreTest, ApplicationVisibleToHolderAndAdministrationOnly) {
  SeedOrganisations();
  ApplicationRecord record = MakeApp("app_1", "org_holder", "org_de", At(2026, 3, 1));
  record.valid_until = Day(2027, 3, 1);
  ASSERT_TRUE(InsertApp(record).ok());

  for (const char* org : {"org_holder", "org_de"}) {
    auto got =
        ReadValue<ApplicationRecord>([&](ReadTx& tx) { return tx.GetApplication({org}, "app_1"); });
    ASSERT_TRUE(got.ok()) << org << ": " << got.error().ToString();
    EXPECT_EQ(got->holder_org_id, "org_holder");
    EXPECT_EQ(got->filed_with_org_id, "org_de");
    EXPECT_EQ(got->kind, "national");
    EXPECT_EQ(got->status, "draft");
    EXPECT_EQ(got->valid_until, record.valid_until);
    EXPECT_EQ(got->holder_name, record.holder_name);
    EXPECT_EQ(got->created_at, record.created_at);
    EXPECT_EQ(got->updated_at, record.updated_at);
    EXPECT_EQ(got->version, 1);
    EXPECT_EQ(got->body, record.body);
  }

  // A third organisation: by id, by list, by update — all as if it did not exist.
  auto by_id = ReadValue<ApplicationRecord>(
      [](ReadTx& tx) { return tx.GetApplication({"org_cn"}, "app_1"); });
  ASSERT_FALSE(by_id.ok());
  EXPECT_EQ(by_id.error().code(), ErrorCode::kNotFound);
  auto missing = ReadValue<ApplicationRecord>(
      [](ReadTx& tx) { return tx.GetApplication({"org_cn"}, "app_nope"); });
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message(),
            std::string(by_id.error().message())
                .replace(by_id.error().message().find("app_1"), 5, "app_nope"));

  auto list = ReadValue<Page<ApplicationRecord>>(
      [](ReadTx& tx) { return tx.ListApplications({"org_cn"}, {}); });
  ASSERT_TRUE(list.ok());
  EXPECT_TRUE(list->items.empty());
  EXPECT_TRUE(list->next_cursor.empty());

  ApplicationRecord hijack = record;
  hijack.status = "revoked";
  Status update = Write([&](WriteTx& tx) { return tx.UpdateApplication({"org_cn"}, hijack); });
  ASSERT_FALSE(update.ok());
  EXPECT_EQ(update.error().code(), ErrorCode::kNotFound);
  auto unchanged = ReadValue<ApplicationRecord>(
      [](ReadTx& tx) { return tx.GetApplication({"org_de"}, "app_1"); });
  ASSERT_TRUE(unchanged.ok());
  EXPECT_EQ(unchanged->status, "draft");
  EXPECT_EQ(unchanged->version, 1);
}

TEST_F(SqliteStoreTest, UnionApplicationVisibleToCoveredMembers) {
  SeedOrganisations();
  ApplicationRecord record = MakeApp("app_u", "org_holder", "org_de", At(2026, 3, 1));
  record.kind = "union";
  ASSERT_TRUE(InsertApp(record, {"org_holder", "org_de", "org_nl"}).ok());
  for (const char* org : {"org_holder", "org_de", "org_nl"}) {
    auto got =
        ReadValue<ApplicationRecord>([&](ReadTx& tx) { return tx.GetApplication({org}, "app_u"); });
    EXPECT_TRUE(got.ok()) << org;
  }
  auto cn = ReadValue<ApplicationRecord>(
      [](ReadTx& tx) { return tx.GetApplication({"org_cn"}, "app_u"); });
  EXPECT_FALSE(cn.ok());
}

TEST_F(SqliteStoreTest, HolderAndAdministrationAlwaysSeeTheirApplication) {
  SeedOrganisations();
  // Even when the caller forgets to list them.
  ASSERT_TRUE(Write([](WriteTx& tx) {
                return tx.InsertApplication(
                    MakeApp("app_1", "org_holder", "org_de", At(2026, 3, 1)), {});
              }).ok());
  for (const char* org : {"org_holder", "org_de"}) {
    auto got =
        ReadValue<ApplicationRecord>([&](ReadTx& tx) { return tx.GetApplication({org}, "app_1"); });
    EXPECT_TRUE(got.ok()) << org;
  }
}

TEST_F(SqliteStoreTest, DuplicateApplicationIdIsConflict) {
  SeedOrganisations();
  ASSERT_TRUE(InsertApp(MakeApp("app_1", "org_holder", "org_de", At(2026, 3, 1))).ok());
  Status again = InsertApp(MakeApp("app_1", "org_holder", "org_de", At(2026, 3, 2)));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code(), ErrorCode::kConflict);
}

// --- applications: listing

TEST_F(SqliteStoreTest, PaginatesWithoutDuplicatesOrGaps) {
  SeedOrganisations();
  std::set<std::string> inserted;
  ASSERT_TRUE(Write([&](WriteTx& tx) -> Status {
                for (int index = 0; index < 25; ++index) {
                  // Groups of three share a creation time, so the id breaks ties.
                  std::string id = "app_" + std::to_string(100 + (index * 7) % 25);
                  inserted.insert(id);
                  CORDON_RETURN_IF_ERROR(tx.InsertApplication(
                      MakeApp(id, "org_holder", "org_de", At(2026, 3, 1, index / 3)), {}));
                }
                // Invisible to org_de: must not show up or shift pages.
                return tx.InsertApplication(
                    MakeApp("app_cn", "org_holder", "org_cn", At(2026, 3, 1, 4)), {});
              }).ok());

  std::vector<std::string> seen;
  std::vector<size_t> page_sizes;
  ApplicationFilter filter;
  filter.limit = 10;
  for (int guard = 0; guard < 10; ++guard) {
    auto page = ReadValue<Page<ApplicationRecord>>(
        [&](ReadTx& tx) { return tx.ListApplications({"org_de"}, filter); });
    ASSERT_TRUE(page.ok()) << page.error().ToString();
    page_sizes.push_back(page->items.size());
    for (const ApplicationRecord& record : page->items) seen.push_back(record.id);
    if (page->next_cursor.empty()) break;
    filter.after = page->next_cursor;
  }
  EXPECT_EQ(page_sizes, (std::vector<size_t>{10, 10, 5}));
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()), inserted);
  EXPECT_EQ(seen.size(), inserted.size());

  // Ordered by (created_at, id).
  auto all = ReadValue<Page<ApplicationRecord>>([](ReadTx& tx) {
    ApplicationFilter everything;
    everything.limit = 1000;
    return tx.ListApplications({"org_de"}, everything);
  });
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->items.size(), 25u);
  EXPECT_TRUE(all->next_cursor.empty());
  for (size_t index = 1; index < all->items.size(); ++index) {
    const ApplicationRecord& before = all->items[index - 1];
    const ApplicationRecord& after = all->items[index];
    EXPECT_TRUE(before.created_at < after.created_at ||
                (before.created_at == after.created_at && before.id < after.id));
  }

  // Newest first: the same records in exactly the reverse order, page by page.
  std::vector<std::string> newest;
  ApplicationFilter backwards;
  backwards.newest_first = true;
  backwards.limit = 10;
  for (int guard = 0; guard < 10; ++guard) {
    auto page = ReadValue<Page<ApplicationRecord>>(
        [&](ReadTx& tx) { return tx.ListApplications({"org_de"}, backwards); });
    ASSERT_TRUE(page.ok()) << page.error().ToString();
    for (const ApplicationRecord& record : page->items) newest.push_back(record.id);
    if (page->next_cursor.empty()) break;
    backwards.after = page->next_cursor;
  }
  std::vector<std::string> oldest;
  for (const ApplicationRecord& record : all->items) oldest.push_back(record.id);
  EXPECT_EQ(newest, std::vector<std::string>(oldest.rbegin(), oldest.rend()));
  std::vector<std::string> ordered;
  for (const ApplicationRecord& record : all->items) ordered.push_back(record.id);
  EXPECT_EQ(seen, ordered);
}

TEST_F(SqliteStoreTest, ExactlyFullLastPageHasNoNextCursor) {
  SeedOrganisations();
  for (int index = 0; index < 10; ++index) {
    ASSERT_TRUE(InsertApp(MakeApp("app_" + std::to_string(index), "org_holder", "org_de",
                                  At(2026, 3, 1, index)))
                    .ok());
  }
  ApplicationFilter filter;
  filter.limit = 10;
  auto page = ReadValue<Page<ApplicationRecord>>(
      [&](ReadTx& tx) { return tx.ListApplications({"org_de"}, filter); });
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->items.size(), 10u);
  EXPECT_TRUE(page->next_cursor.empty());
}

TEST_F(SqliteStoreTest, RejectsBadLimitAndMalformedCursor) {
  SeedOrganisations();
  for (int limit : {0, -1, 1001}) {
    ApplicationFilter filter;
    filter.limit = limit;
    auto page = ReadValue<Page<ApplicationRecord>>(
        [&](ReadTx& tx) { return tx.ListApplications({"org_de"}, filter); });
    ASSERT_FALSE(page.ok()) << limit;
    EXPECT_EQ(page.error().code(), ErrorCode::kInvalidInput);
    ASSERT_EQ(page.error().fields().size(), 1u);
    EXPECT_EQ(page.error().fields()[0].field, "limit");
  }
  for (const char* cursor : {"zz", "abc", "7c", "6e6f2d626172", "6e6f747c6170705f31",
                             "323032362d30332d30315430303a30303a30302e3030305a7c"}) {
    ApplicationFilter filter;
    filter.after = cursor;
    auto page = ReadValue<Page<ApplicationRecord>>(
        [&](ReadTx& tx) { return tx.ListApplications({"org_de"}, filter); });
    ASSERT_FALSE(page.ok()) << cursor;
    EXPECT_EQ(page.error().code(), ErrorCode::kInvalidInput) << cursor;
    ASSERT_EQ(page.error().fields().size(), 1u);
    EXPECT_EQ(page.error().fields()[0].field, "cursor");
  }
  for (int limit : {1, 1000}) {
    ApplicationFilter filter;
    filter.limit = limit;
    auto page = ReadValue<Page<ApplicationRecord>>(
        [&](ReadTx& tx) { return tx.ListApplications({"org_de"}, filter); });
    EXPECT_TRUE(page.ok()) << limit;
  }
}

TEST_F(SqliteStoreTest, FiltersByStatusValidityAndParties) {
  SeedOrganisations();
  struct Row {
    const char* id;
    const char* status;
    std::optional<Date> valid_until;
    const char* filed_with;
  };
  const std::vector<Row> rows = {
      {"app_a", "draft", std::nullopt, "org_de"},
      {"app_b", "granted", Day(2026, 6, 30), "org_de"},
      {"app_c", "granted", Day(2026, 7, 1), "org_de"},
      {"app_d", "granted", Day(2027, 1, 15), "org_nl"},
      {"app_e", "rejected", std::nullopt, "org_nl"},
  };
  for (size_t index = 0; index < rows.size(); ++index) {
    ApplicationRecord record = MakeApp(rows[index].id, "org_holder", rows[index].filed_with,
                                       At(2026, 3, 1, static_cast<int>(index)));
    record.status = rows[index].status;
    record.valid_until = rows[index].valid_until;
    ASSERT_TRUE(InsertApp(record).ok());
  }
  auto ids = [&](const std::string& org, ApplicationFilter filter) {
    std::vector<std::string> out;
    auto page = ReadValue<Page<ApplicationRecord>>(
        [&](ReadTx& tx) { return tx.ListApplications({org}, filter); });
    EXPECT_TRUE(page.ok());
    if (page.ok()) {
      for (const ApplicationRecord& record : page->items) out.push_back(record.id);
    }
    return out;
  };
  using Ids = std::vector<std::string>;
  ApplicationFilter granted;
  granted.status = "granted";
  EXPECT_EQ(ids("org_holder", granted), (Ids{"app_b", "app_c", "app_d"}));
  EXPECT_EQ(ids("org_de", granted), (Ids{"app_b", "app_c"}));

  ApplicationFilter before;
  before.valid_until_before = Day(2026, 7, 1);
  EXPECT_EQ(ids("org_holder", before), (Ids{"app_b"}));  // NULL validity never matches

  ApplicationFilter on_or_after;
  on_or_after.valid_until_on_or_after = Day(2026, 7, 1);
  EXPECT_EQ(ids("org_holder", on_or_after), (Ids{"app_c", "app_d"}));

  ApplicationFilter window;
  window.valid_until_on_or_after = Day(2026, 7, 1);
  window.valid_until_before = Day(2027, 1, 1);
  EXPECT_EQ(ids("org_holder", window), (Ids{"app_c"}));

  ApplicationFilter filed_with_nl;
  filed_with_nl.filed_with_org_id = "org_nl";
  EXPECT_EQ(ids("org_holder", filed_with_nl), (Ids{"app_d", "app_e"}));
  EXPECT_EQ(ids("org_de", filed_with_nl), Ids{});  // filters never widen visibility

  ApplicationFilter holder;
  holder.holder_org_id = "org_holder";
  holder.status = "rejected";
  EXPECT_EQ(ids("org_nl", holder), (Ids{"app_e"}));
}

// --- applications: updates

TEST_F(SqliteStoreTest, UpdateUsesOptimisticConcurrency) {
  SeedOrganisations();
  ASSERT_TRUE(InsertApp(MakeApp("app_1", "org_holder", "org_de", At(2026, 3, 1))).ok());

  ApplicationRecord granted = MakeApp("app_1", "org_holder", "org_de", At(2026, 3, 1));
  granted.status = "granted";
  granted.valid_until = Day(2027, 3, 2);
  granted.holder_name = "Zentra Sportswear AG";
  granted.updated_at = At(2026, 3, 2);
  granted.body = R"({"changed":true})";
  ASSERT_TRUE(Write([&](WriteTx& tx) { return tx.UpdateApplication({"org_de"}, granted); }).ok());

  auto got = ReadValue<ApplicationRecord>(
      [](ReadTx& tx) { return tx.GetApplication({"org_holder"}, "app_1"); });
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->version, 2);
  EXPECT_EQ(got->status, "granted");
  EXPECT_EQ(got->valid_until, granted.valid_until);
  EXPECT_EQ(got->holder_name, "Zentra Sportswear AG");
  EXPECT_EQ(got->updated_at, At(2026, 3, 2));
  EXPECT_EQ(got->created_at, At(2026, 3, 1));
  EXPECT_EQ(got->body, granted.body);

  // A second writer that read version 1 loses.
  ApplicationRecord stale = granted;
  stale.status = "rejected";
  Status conflict = Write([&](WriteTx& tx) { return tx.UpdateApplication({"org_de"}, stale); });
  ASSERT_FALSE(conflict.ok());
  EXPECT_EQ(conflict.error().code(), ErrorCode::kConflict);

  // With the current version it wins.
  ApplicationRecord fresh = *got;
  fresh.status = "suspended";
  ASSERT_TRUE(Write([&](WriteTx& tx) { return tx.UpdateApplication({"org_de"}, fresh); }).ok());
  auto after = ReadValue<ApplicationRecord>(
      [](ReadTx& tx) { return tx.GetApplication({"org_de"}, "app_1"); });
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->status, "suspended");
  EXPECT_EQ(after->version, 3);
  EXPECT_EQ(after->valid_until, granted.valid_until);
}

TEST_F(SqliteStoreTest, ReaddressingADraftMovesAccessToTheNewAdministration) {
  SeedOrganisations();
  ASSERT_TRUE(InsertApp(MakeApp("app_1", "org_holder", "org_de", At(2026, 3, 1))).ok());
  ApplicationRecord moved = MakeApp("app_1", "org_holder", "org_nl", At(2026, 3, 1));
  ASSERT_TRUE(Write([&](WriteTx& tx) { return tx.UpdateApplication({"org_holder"}, moved); }).ok());
  auto de = ReadValue<ApplicationRecord>(
      [](ReadTx& tx) { return tx.GetApplication({"org_de"}, "app_1"); });
  EXPECT_FALSE(de.ok());
  auto nl = ReadValue<ApplicationRecord>(
      [](ReadTx& tx) { return tx.GetApplication({"org_nl"}, "app_1"); });
  EXPECT_TRUE(nl.ok());
  auto holder = ReadValue<ApplicationRecord>(
      [](ReadTx& tx) { return tx.GetApplication({"org_holder"}, "app_1"); });
  EXPECT_TRUE(holder.ok());
}

// --- units of work

TEST_F(SqliteStoreTest, FailedWorkRollsBackEverything) {
  SeedOrganisations();
  Status status = Write([](WriteTx& tx) -> Status {
    CORDON_RETURN_IF_ERROR(
        tx.InsertOrganisation(MakeOrg("org_new", "New Holder", OrgKind::kRightHolder)));
    CORDON_RETURN_IF_ERROR(tx.InsertUser(MakeUser("usr_new", "org_new", "new@x.demo")));
    CORDON_RETURN_IF_ERROR(
        tx.InsertApplication(MakeApp("app_new", "org_new", "org_de", At(2026, 3, 1)), {}));
    CORDON_RETURN_IF_ERROR(tx.RecordLoginFailure("new@x.demo", At(2026, 3, 1)));
    CORDON_ASSIGN_OR_RETURN(long long seq, tx.AppendAuditEvent(AuditEvent{
                                               .seq = 0,
                                               .at = At(2026, 3, 1),
                                               .org_id = "org_new",
                                               .user_id = "usr_new",
                                               .action = "application.created",
                                               .object_type = "application",
                                               .object_id = "app_new",
                                               .detail = "{}",
                                           }));
    EXPECT_EQ(seq, 1);
    return InvalidInput("validation failed late", {{"rights[0].nice_classes[1]", "out of range"}});
  });
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), ErrorCode::kInvalidInput);  // work's own error comes back
  EXPECT_EQ(status.error().fields().size(), 1u);
  for (const char* table : {"users", "applications", "application_access", "login_failures",
                            "audit_events", "credentials"}) {
    EXPECT_EQ(RawQuery(path_, std::string("SELECT COUNT(*) FROM ") + table), "0") << table;
  }
  EXPECT_EQ(RawQuery(path_, "SELECT COUNT(*) FROM organisations"), "4");
  // A store error inside the work (a duplicate) also rolls back what came before.
  Status duplicate = Write([](WriteTx& tx) -> Status {
    CORDON_RETURN_IF_ERROR(tx.InsertUser(MakeUser("usr_1", "org_de", "one@de.demo")));
    return tx.InsertOrganisation(MakeOrg("org_x", "Customs DE", OrgKind::kCustoms));
  });
  ASSERT_FALSE(duplicate.ok());
  EXPECT_EQ(duplicate.error().code(), ErrorCode::kConflict);
  EXPECT_EQ(RawQuery(path_, "SELECT COUNT(*) FROM users"), "0");
}

TEST_F(SqliteStoreTest, ThrowingWorkRollsBackAndRethrows) {
  SeedOrganisations();
  EXPECT_THROW((void)Write([](WriteTx& tx) -> Status {
                 Status inserted = tx.InsertUser(MakeUser("usr_1", "org_de", "one@de.demo"));
                 if (inserted.ok()) throw std::runtime_error("boom");
                 return inserted;
               }),
               std::runtime_error);
  EXPECT_EQ(RawQuery(path_, "SELECT COUNT(*) FROM users"), "0");
  // The writer is usable afterwards.
  ASSERT_TRUE(Write([](WriteTx& tx) {
                return tx.InsertUser(MakeUser("usr_1", "org_de", "one@de.demo"));
              }).ok());
  EXPECT_EQ(RawQuery(path_, "SELECT COUNT(*) FROM users"), "1");
}

TEST_F(SqliteStoreTest, ReadsCannotWrite) {
  SeedOrganisations();
  Status status = store_->Read([](ReadTx& tx) -> Status {
    auto* writable = dynamic_cast<WriteTx*>(&tx);
    if (writable == nullptr) return Status::Ok();
    return writable->InsertUser(MakeUser("usr_1", "org_de", "one@de.demo"));
  });
  EXPECT_FALSE(status.ok());
  EXPECT_EQ(RawQuery(path_, "SELECT COUNT(*) FROM users"), "0");
}

TEST_F(SqliteStoreTest, WriteIsUnavailableWhileAnotherProcessHoldsTheLock) {
  store_.reset();
  auto opened = OpenSqliteStore({.path = path_, .busy_timeout_ms = 100});
  ASSERT_TRUE(opened.ok());
  store_ = std::move(opened).value();
  SeedOrganisations();

  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  Status blocked =
      Write([](WriteTx& tx) { return tx.InsertUser(MakeUser("usr_1", "org_de", "one@de.demo")); });
  // Readers are not blocked by a writer in WAL mode.
  auto read =
      ReadValue<std::vector<Organisation>>([](ReadTx& tx) { return tx.ListOrganisations(); });
  sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(other);

  ASSERT_FALSE(blocked.ok());
  EXPECT_EQ(blocked.error().code(), ErrorCode::kUnavailable) << blocked.error().ToString();
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->size(), 4u);
  EXPECT_TRUE(Write([](WriteTx& tx) {
                return tx.InsertUser(MakeUser("usr_1", "org_de", "one@de.demo"));
              }).ok());
}

TEST_F(SqliteStoreTest, ReadSeesAConsistentSnapshot) {
  SeedOrganisations();
  std::atomic<bool> first_read_done{false};
  std::atomic<bool> write_done{false};
  std::thread reader([&] {
    Status status = store_->Read([&](ReadTx& tx) -> Status {
      CORDON_ASSIGN_OR_RETURN(auto before, tx.ListOrganisations());
      first_read_done = true;
      while (!write_done) std::this_thread::sleep_for(milliseconds(1));
      CORDON_ASSIGN_OR_RETURN(auto after, tx.ListOrganisations());
      EXPECT_EQ(before.size(), after.size());
      return Status::Ok();
    });
    EXPECT_TRUE(status.ok());
  });
  while (!first_read_done) std::this_thread::sleep_for(milliseconds(1));
  EXPECT_TRUE(Write([](WriteTx& tx) {
                return tx.InsertOrganisation(MakeOrg("org_5", "Fifth", OrgKind::kAgency));
              }).ok());
  write_done = true;
  reader.join();
  auto now =
      ReadValue<std::vector<Organisation>>([](ReadTx& tx) { return tx.ListOrganisations(); });
  ASSERT_TRUE(now.ok());
  EXPECT_EQ(now->size(), 5u);
}

// --- audit

TEST_F(SqliteStoreTest, AuditAppendAssignsIncreasingSeqAndListsPerOrganisation) {
  SeedOrganisations();
  auto event = [](const std::string& org, const std::string& object, const std::string& action) {
    AuditEvent out;
    out.at = At(2026, 5, 1);
    out.org_id = org;
    out.user_id = "usr_1";
    out.action = action;
    out.object_type = "application";
    out.object_id = object;
    out.detail = R"({"note":"x"})";
    return out;
  };
  std::vector<long long> seqs;
  for (const auto& row : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"org_de", "app_1", "application.granted"},
           {"org_cn", "app_2", "application.granted"},
           {"org_de", "app_2", "application.viewed"},
           {"org_de", "app_1", "application.suspended"}}) {
    ASSERT_TRUE(Write([&](WriteTx& tx) -> Status {
                  const auto& [org, object, action] = row;
                  CORDON_ASSIGN_OR_RETURN(long long seq,
                                          tx.AppendAuditEvent(event(org, object, action)));
                  seqs.push_back(seq);
                  return Status::Ok();
                }).ok());
  }
  EXPECT_EQ(seqs, (std::vector<long long>{1, 2, 3, 4}));

  auto app1 = ReadValue<std::vector<AuditEvent>>(
      [](ReadTx& tx) { return tx.ListAuditEvents({"org_de"}, "app_1"); });
  ASSERT_TRUE(app1.ok());
  ASSERT_EQ(app1->size(), 2u);
  EXPECT_EQ((*app1)[0].seq, 1);
  EXPECT_EQ((*app1)[0].action, "application.granted");
  EXPECT_EQ((*app1)[0].detail, R"({"note":"x"})");
  EXPECT_EQ((*app1)[0].at, At(2026, 5, 1));
  EXPECT_EQ((*app1)[1].seq, 4);

  auto all_de = ReadValue<std::vector<AuditEvent>>(
      [](ReadTx& tx) { return tx.ListAuditEvents({"org_de"}, ""); });
  ASSERT_TRUE(all_de.ok());
  ASSERT_EQ(all_de->size(), 3u);
  EXPECT_EQ((*all_de)[1].seq, 3);

  auto cn_on_app1 = ReadValue<std::vector<AuditEvent>>(
      [](ReadTx& tx) { return tx.ListAuditEvents({"org_cn"}, "app_1"); });
  ASSERT_TRUE(cn_on_app1.ok());
  EXPECT_TRUE(cn_on_app1->empty());
}

// --- concurrency and durability

TEST_F(SqliteStoreTest, ConcurrentWritersAllLand) {
  SeedOrganisations();
  constexpr int kThreads = 4;
  constexpr int kPerThread = 50;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int thread_index = 0; thread_index < kThreads; ++thread_index) {
    threads.emplace_back([&, thread_index] {
      for (int item = 0; item < kPerThread; ++item) {
        std::string id = "app_t" + std::to_string(thread_index) + "_" + std::to_string(item);
        Status status = store_->Write([&](WriteTx& tx) -> Status {
          CORDON_RETURN_IF_ERROR(
              tx.InsertApplication(MakeApp(id, "org_holder", "org_de", At(2026, 3, 1, item)), {}));
          AuditEvent event;
          event.at = At(2026, 3, 1, item);
          event.org_id = "org_holder";
          event.action = "application.created";
          event.object_type = "application";
          event.object_id = id;
          event.detail = "{}";
          return tx.AppendAuditEvent(event).status();
        });
        if (!status.ok()) ++failures;
        // Readers run alongside the writers.
        auto read =
            store_->Read([&](ReadTx& tx) { return tx.GetApplication({"org_de"}, id).status(); });
        if (!read.ok()) ++failures;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(RawQuery(path_, "SELECT COUNT(*) FROM applications"),
            std::to_string(kThreads * kPerThread));
  // Audit seq stays dense under concurrency.
  EXPECT_EQ(RawQuery(path_, "SELECT MAX(seq) FROM audit_events"),
            std::to_string(kThreads * kPerThread));
  EXPECT_EQ(RawQuery(path_, "SELECT COUNT(DISTINCT seq) FROM audit_events"),
            std::to_string(kThreads * kPerThread));
}

TEST_F(SqliteStoreTest, DataPersistsAcrossReopen) {
  SeedOrganisations();
  ASSERT_TRUE(Write([](WriteTx& tx) -> Status {
                CORDON_RETURN_IF_ERROR(tx.InsertUser(MakeUser("usr_1", "org_de", "one@de.demo")));
                return tx.InsertApplication(
                    MakeApp("app_1", "org_holder", "org_de", At(2026, 3, 1)), {});
              }).ok());
  Reopen();
  auto user = ReadValue<User>([](ReadTx& tx) { return tx.FindUserByEmail("one@de.demo"); });
  EXPECT_TRUE(user.ok());
  auto app = ReadValue<ApplicationRecord>(
      [](ReadTx& tx) { return tx.GetApplication({"org_holder"}, "app_1"); });
  EXPECT_TRUE(app.ok());
  auto orgs =
      ReadValue<std::vector<Organisation>>([](ReadTx& tx) { return tx.ListOrganisations(); });
  ASSERT_TRUE(orgs.ok());
  EXPECT_EQ(orgs->size(), 4u);
}

// --- risk screening (issue 3): profiles, watchlists, runs, results, findings

RiskProfileRecord MakeProfile(const std::string& id, const std::string& org_id,
                              Timestamp created_at) {
  RiskProfileRecord record;
  record.id = id;
  record.owner_org_id = org_id;
  record.owner_user_id = "usr_analyst";
  record.name = "Profile " + id;
  record.created_at = created_at;
  record.updated_at = created_at;
  record.body = R"({"name":"x","rule":{"field":"origin","op":"eq","value":"CN"}})";
  return record;
}

WatchlistEntryRecord MakeEntry(const std::string& id, const std::string& org_id) {
  WatchlistEntryRecord record;
  record.id = id;
  record.owner_org_id = org_id;
  record.name = "Shenzhen Bright Trading Co., Ltd.";
  record.country = "CN";
  record.created_at = At(2026, 4, 1);
  record.updated_at = record.created_at;
  record.body = R"({"name":"Shenzhen Bright Trading Co., Ltd.","country":"CN"})";
  return record;
}

ScreeningRunRecord MakeRun(const std::string& id, const std::string& org_id) {
  ScreeningRunRecord run;
  run.id = id;
  run.org_id = org_id;
  run.user_id = "usr_analyst";
  run.source = "api";
  run.started_at = At(2026, 5, 1);
  return run;
}

ScreeningResultRecord MakeResult(const std::string& id, const std::string& run_id,
                                 long long ordinal, const std::string& declaration_id, double score,
                                 bool selected, const std::string& office = "DEHAM") {
  ScreeningResultRecord record;
  record.id = id;
  record.run_id = run_id;
  record.ordinal = ordinal;
  record.declaration_id = declaration_id;
  record.office = office;
  record.score = score;
  record.channel = score >= 0.7 ? "red" : score >= 0.3 ? "yellow" : "green";
  record.selected = selected;
  record.hits = "[]";
  record.created_at = At(2026, 5, 1, 1);
  return record;
}

TEST_F(SqliteStoreTest, MigratesAVersionOneDatabaseToTheScreeningSchema) {
  // A database as a Cordon with only migration 1 left it, with data in it.
  store_.reset();
  std::filesystem::remove(path_);
  RawExec(path_,
          "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT "
          "NOT NULL)");
  RawExec(path_, SqliteMigrations()[0].sql);
  RawExec(path_, "INSERT INTO schema_migrations VALUES (1, '2026-01-01T00:00:00.000Z')");
  RawExec(path_,
          "INSERT INTO organisations VALUES ('org_de', 'Customs DE', 'customs', 'DE', "
          "'EU', '', '2026-01-01T00:00:00.000Z')");
  Reopen();
  // Every later migration applies on top of it.
  EXPECT_EQ(RawQuery(path_, "SELECT MAX(version) FROM schema_migrations"),
            std::to_string(SqliteMigrations().back().version));
  EXPECT_EQ(SqliteSchemaVersion(), SqliteMigrations().back().version);
  ASSERT_TRUE(Write([](WriteTx& tx) {
                return tx.InsertRiskProfile(MakeProfile("prf_1", "org_de", At(2026, 4, 1)));
              }).ok());
  auto profiles = ReadValue<std::vector<RiskProfileRecord>>(
      [](ReadTx& tx) { return tx.ListRiskProfiles({"org_de"}); });
  ASSERT_TRUE(profiles.ok());
  EXPECT_EQ(profiles->size(), 1u);
}

TEST_F(SqliteStoreTest, RiskProfilesAreScopedVersionedAndDeletable) {
  SeedOrganisations();
  ASSERT_TRUE(Write([](WriteTx& tx) -> Status {
                CORDON_RETURN_IF_ERROR(
                    tx.InsertRiskProfile(MakeProfile("prf_b", "org_de", At(2026, 4, 2))));
                CORDON_RETURN_IF_ERROR(
                    tx.InsertRiskProfile(MakeProfile("prf_a", "org_de", At(2026, 4, 1))));
                return tx.InsertRiskProfile(MakeProfile("prf_cn", "org_cn", At(2026, 4, 1)));
              }).ok());
  EXPECT_EQ(Write([](WriteTx& tx) {
              return tx.InsertRiskProfile(MakeProfile("prf_a", "org_de", At(2026, 4, 1)));
            })
                .error()
                .code(),
            ErrorCode::kConflict);

  auto listed = ReadValue<std::vector<RiskProfileRecord>>(
      [](ReadTx& tx) { return tx.ListRiskProfiles({"org_de"}); });
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].id, "prf_a");  // oldest first
  EXPECT_EQ((*listed)[1].id, "prf_b");
  EXPECT_EQ((*listed)[0].owner_user_id, "usr_analyst");

  // Another administration sees nothing of DE's, exactly as if absent.
  auto foreign = ReadValue<RiskProfileRecord>(
      [](ReadTx& tx) { return tx.GetRiskProfile({"org_cn"}, "prf_a"); });
  EXPECT_EQ(foreign.error().code(), ErrorCode::kNotFound);
  RiskProfileRecord changed = MakeProfile("prf_a", "org_de", At(2026, 4, 1));
  changed.name = "Renamed";
  changed.active = false;
  changed.updated_at = At(2026, 4, 3);
  EXPECT_EQ(
      Write([&](WriteTx& tx) { return tx.UpdateRiskProfile({"org_cn"}, changed); }).error().code(),
      ErrorCode::kNotFound);
  EXPECT_EQ(
      Write([](WriteTx& tx) { return tx.DeleteRiskProfile({"org_cn"}, "prf_a"); }).error().code(),
      ErrorCode::kNotFound);

  // Optimistic concurrency: version 1 wins once, then loses.
  ASSERT_TRUE(Write([&](WriteTx& tx) { return tx.UpdateRiskProfile({"org_de"}, changed); }).ok());
  EXPECT_EQ(
      Write([&](WriteTx& tx) { return tx.UpdateRiskProfile({"org_de"}, changed); }).error().code(),
      ErrorCode::kConflict);
  auto got = ReadValue<RiskProfileRecord>(
      [](ReadTx& tx) { return tx.GetRiskProfile({"org_de"}, "prf_a"); });
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->version, 2);
  EXPECT_EQ(got->name, "Renamed");
  EXPECT_FALSE(got->active);
  EXPECT_EQ(got->created_at, At(2026, 4, 1));
  EXPECT_EQ(got->updated_at, At(2026, 4, 3));

  ASSERT_TRUE(Write([](WriteTx& tx) { return tx.DeleteRiskProfile({"org_de"}, "prf_a"); }).ok());
  EXPECT_EQ(ReadValue<RiskProfileRecord>(
                [](ReadTx& tx) { return tx.GetRiskProfile({"org_de"}, "prf_a"); })
                .error()
                .code(),
            ErrorCode::kNotFound);
  EXPECT_EQ(
      Write([](WriteTx& tx) { return tx.DeleteRiskProfile({"org_de"}, "prf_a"); }).error().code(),
      ErrorCode::kNotFound);
  auto cn = ReadValue<std::vector<RiskProfileRecord>>(
      [](ReadTx& tx) { return tx.ListRiskProfiles({"org_cn"}); });
  ASSERT_TRUE(cn.ok());
  EXPECT_EQ(cn->size(), 1u);
}

TEST_F(SqliteStoreTest, WatchlistEntriesAreScopedAndVersioned) {
  SeedOrganisations();
  ASSERT_TRUE(Write([](WriteTx& tx) -> Status {
                CORDON_RETURN_IF_ERROR(tx.InsertWatchlistEntry(MakeEntry("wle_1", "org_de")));
                return tx.InsertWatchlistEntry(MakeEntry("wle_2", "org_nl"));
              }).ok());
  auto de = ReadValue<std::vector<WatchlistEntryRecord>>(
      [](ReadTx& tx) { return tx.ListWatchlistEntries({"org_de"}); });
  ASSERT_TRUE(de.ok());
  ASSERT_EQ(de->size(), 1u);
  EXPECT_EQ((*de)[0].country, "CN");
  EXPECT_EQ(ReadValue<WatchlistEntryRecord>(
                [](ReadTx& tx) { return tx.GetWatchlistEntry({"org_nl"}, "wle_1"); })
                .error()
                .code(),
            ErrorCode::kNotFound);

  WatchlistEntryRecord changed = MakeEntry("wle_1", "org_de");
  changed.name = "Bright Trading Ltd";
  changed.country = "";
  EXPECT_EQ(Write([&](WriteTx& tx) { return tx.UpdateWatchlistEntry({"org_nl"}, changed); })
                .error()
                .code(),
            ErrorCode::kNotFound);
  ASSERT_TRUE(
      Write([&](WriteTx& tx) { return tx.UpdateWatchlistEntry({"org_de"}, changed); }).ok());
  EXPECT_EQ(Write([&](WriteTx& tx) { return tx.UpdateWatchlistEntry({"org_de"}, changed); })
                .error()
                .code(),
            ErrorCode::kConflict);
  auto got = ReadValue<WatchlistEntryRecord>(
      [](ReadTx& tx) { return tx.GetWatchlistEntry({"org_de"}, "wle_1"); });
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->name, "Bright Trading Ltd");
  EXPECT_EQ(got->country, "");
  EXPECT_EQ(got->version, 2);

  EXPECT_EQ(Write([](WriteTx& tx) { return tx.DeleteWatchlistEntry({"org_nl"}, "wle_1"); })
                .error()
                .code(),
            ErrorCode::kNotFound);
  ASSERT_TRUE(Write([](WriteTx& tx) { return tx.DeleteWatchlistEntry({"org_de"}, "wle_1"); }).ok());
  auto after = ReadValue<std::vector<WatchlistEntryRecord>>(
      [](ReadTx& tx) { return tx.ListWatchlistEntries({"org_de"}); });
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(after->empty());
}

TEST_F(SqliteStoreTest, ScreeningInputsVersionChangesWithEveryInputChange) {
  SeedOrganisations();
  auto version = [&](const std::string& org_id) {
    auto read = ReadValue<ScreeningInputsVersion>(
        [&](ReadTx& tx) { return tx.GetScreeningInputsVersion({org_id}); });
    EXPECT_TRUE(read.ok());
    return read.ok() ? *read : ScreeningInputsVersion{};
  };
  const ScreeningInputsVersion empty = version("org_de");
  EXPECT_EQ(empty, ScreeningInputsVersion{});

  // An application visible to DE.
  ASSERT_TRUE(InsertApp(MakeApp("app_1", "org_holder", "org_de", At(2026, 3, 1))).ok());
  const ScreeningInputsVersion with_app = version("org_de");
  EXPECT_NE(with_app, empty);
  EXPECT_EQ(version("org_cn"), empty) << "CN does not see DE's application";

  // An update bumps the version sum.
  auto stored = ReadValue<ApplicationRecord>(
      [](ReadTx& tx) { return tx.GetApplication({"org_de"}, "app_1"); });
  ASSERT_TRUE(stored.ok());
  ApplicationRecord granted = *stored;
  granted.status = "granted";
  ASSERT_TRUE(Write([&](WriteTx& tx) { return tx.UpdateApplication({"org_de"}, granted); }).ok());
  const ScreeningInputsVersion after_grant = version("org_de");
  EXPECT_NE(after_grant, with_app);

  // The kept count and version sum (migration 14) are always those of the
  // applications the organisation sees, through grants, updates,
  // re-addressing and failed writes.
  auto counted_as_scanned = [&](const std::string& org_id) {
    const ScreeningInputsVersion kept = version(org_id);
    EXPECT_EQ(std::to_string(kept.application_count) + "," +
                  std::to_string(kept.application_version_sum),
              RawQuery(path_, "SELECT COUNT(*) || ',' || COALESCE(SUM(a.version), 0) FROM "
                              "applications a JOIN application_access x ON x.application_id = "
                              "a.id AND x.org_id = '" + org_id + "'"))
        << org_id;
  };
  auto all_counted = [&] {
    for (const char* org_id : {"org_holder", "org_de", "org_cn"}) counted_as_scanned(org_id);
  };
  all_counted();
  ASSERT_TRUE(InsertApp(MakeApp("app_2", "org_holder", "org_de", At(2026, 3, 2)),
                        {"org_holder", "org_de", "org_cn"})
                  .ok());
  all_counted();
  for (int round = 0; round < 3; ++round) {
    auto app = ReadValue<ApplicationRecord>(
        [](ReadTx& tx) { return tx.GetApplication({"org_holder"}, "app_2"); });
    ASSERT_TRUE(app.ok());
    ApplicationRecord changed = *app;
    // Re-addressed to CN and back: DE loses and regains it, and CN, which
    // saw it from the start, loses it as the old addressee.
    changed.filed_with_org_id = round == 1 ? "org_cn" : "org_de";
    ASSERT_TRUE(
        Write([&](WriteTx& tx) { return tx.UpdateApplication({"org_holder"}, changed); }).ok());
    all_counted();
    // A stale version is refused and counts nothing.
    EXPECT_FALSE(
        Write([&](WriteTx& tx) { return tx.UpdateApplication({"org_holder"}, changed); }).ok());
    all_counted();
  }
  EXPECT_EQ(version("org_cn").application_count, 0);
  EXPECT_EQ(version("org_de").application_count, 2);
  EXPECT_EQ(version("org_holder").application_count, 2);
  const ScreeningInputsVersion two_apps = version("org_de");

  // Deleting one profile and creating another at the same instant still
  // changes the version: the generation counts changes, not rows.
  ASSERT_TRUE(Write([](WriteTx& tx) {
                return tx.InsertRiskProfile(MakeProfile("prf_1", "org_de", At(2026, 4, 1)));
              }).ok());
  const ScreeningInputsVersion one_profile = version("org_de");
  EXPECT_NE(one_profile, two_apps);
  ASSERT_TRUE(Write([](WriteTx& tx) -> Status {
                CORDON_RETURN_IF_ERROR(tx.DeleteRiskProfile({"org_de"}, "prf_1"));
                return tx.InsertRiskProfile(MakeProfile("prf_2", "org_de", At(2026, 4, 1)));
              }).ok());
  const ScreeningInputsVersion swapped = version("org_de");
  EXPECT_NE(swapped, one_profile);
  ASSERT_TRUE(Write([](WriteTx& tx) {
                return tx.InsertWatchlistEntry(MakeEntry("wle_1", "org_de"));
              }).ok());
  EXPECT_NE(version("org_de"), swapped);
  EXPECT_EQ(version("org_cn").rules_generation, 0) << "DE's rules do not touch CN's version";
  // A failed change (not visible) leaves the version alone.
  const ScreeningInputsVersion before_failure = version("org_de");
  EXPECT_FALSE(Write([](WriteTx& tx) { return tx.DeleteRiskProfile({"org_de"}, "prf_x"); }).ok());
  EXPECT_EQ(version("org_de"), before_failure);
}

// A run with results at DEHAM and DEFRA; r2 and r4 tie on score.
class ScreeningStoreTest : public SqliteStoreTest {
 protected:
  void SetUp() override {
    SqliteStoreTest::SetUp();
    SeedOrganisations();
    ASSERT_TRUE(Write([](WriteTx& tx) -> Status {
                  CORDON_RETURN_IF_ERROR(tx.InsertScreeningRun(MakeRun("run_1", "org_de")));
                  CORDON_RETURN_IF_ERROR(tx.InsertScreeningRun(MakeRun("run_cn", "org_cn")));
                  ScreeningResultRecord first = MakeResult("res_1", "run_1", 0, "D1", 0.95, true);
                  first.profile_ids = {"prf_a", "prf_b", "prf_a"};
                  first.hits = R"([{"kind":"profile","profile":"prf_a"}])";
                  CORDON_RETURN_IF_ERROR(tx.InsertScreeningResult({"org_de"}, first));
                  CORDON_RETURN_IF_ERROR(tx.InsertScreeningResult(
                      {"org_de"}, MakeResult("res_2", "run_1", 1, "D2", 0.8, true, "DEFRA")));
                  CORDON_RETURN_IF_ERROR(tx.InsertScreeningResult(
                      {"org_de"}, MakeResult("res_3", "run_1", 2, "D3", 0.1, false)));
                  ScreeningResultRecord fourth = MakeResult("res_4", "run_1", 3, "D4", 0.8, true);
                  fourth.profile_ids = {"prf_a"};
                  CORDON_RETURN_IF_ERROR(tx.InsertScreeningResult({"org_de"}, fourth));
                  return tx.InsertScreeningResult(
                      {"org_cn"}, MakeResult("res_cn", "run_cn", 0, "C1", 0.99, true, "CNSHA"));
                }).ok());
  }

  std::vector<std::string> SelectionIds(const std::string& org_id, SelectionFilter filter) {
    std::vector<std::string> ids;
    while (true) {
      auto page = ReadValue<Page<ScreeningResultRecord>>(
          [&](ReadTx& tx) { return tx.ListSelections({org_id}, filter); });
      EXPECT_TRUE(page.ok()) << page.error().ToString();
      if (!page.ok()) return ids;
      for (const ScreeningResultRecord& record : page->items) ids.push_back(record.id);
      if (page->next_cursor.empty()) return ids;
      filter.after = page->next_cursor;
    }
  }

  FindingRecord MakeFinding(const std::string& id, const std::string& result_id) {
    FindingRecord finding;
    finding.id = id;
    finding.org_id = "org_de";
    finding.result_id = result_id;
    finding.outcome = "suspected_ipr_infringement";
    finding.notes = "ZENTRA shoes without hologram";
    finding.user_id = "usr_frontline";
    finding.at = At(2026, 5, 2);
    return finding;
  }
};

TEST_F(ScreeningStoreTest, StoresRunsAndResultsWithProfileHits) {
  auto run = ReadValue<ScreeningRunRecord>(
      [](ReadTx& tx) { return tx.GetScreeningRun({"org_de"}, "run_1"); });
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(run->source, "api");
  EXPECT_FALSE(run->finished_at.has_value());
  ScreeningRunRecord finished = *run;
  finished.finished_at = At(2026, 5, 1, 9);
  finished.declarations = 5;
  finished.screened = 4;
  finished.errors = 1;
  finished.selected = 3;
  ASSERT_TRUE(Write([&](WriteTx& tx) { return tx.UpdateScreeningRun({"org_de"}, finished); }).ok());
  EXPECT_EQ(Write([&](WriteTx& tx) { return tx.UpdateScreeningRun({"org_cn"}, finished); })
                .error()
                .code(),
            ErrorCode::kNotFound);
  run = ReadValue<ScreeningRunRecord>(
      [](ReadTx& tx) { return tx.GetScreeningRun({"org_de"}, "run_1"); });
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(run->finished_at, At(2026, 5, 1, 9));
  EXPECT_EQ(run->declarations, 5);
  EXPECT_EQ(run->errors, 1);
  EXPECT_EQ(run->selected, 3);

  auto result = ReadValue<ScreeningResultRecord>(
      [](ReadTx& tx) { return tx.GetScreeningResult({"org_de"}, "res_1"); });
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->declaration_id, "D1");
  EXPECT_DOUBLE_EQ(result->score, 0.95);
  EXPECT_EQ(result->channel, "red");
  EXPECT_EQ(result->status, "open");
  EXPECT_EQ(result->hits, R"([{"kind":"profile","profile":"prf_a"}])");
  EXPECT_EQ(result->profile_ids, (std::vector<std::string>{"prf_a", "prf_b"}));

  auto counted = ReadValue<ProfileHitCount>(
      [](ReadTx& tx) { return tx.CountProfileHits({"org_de"}, "prf_a"); });
  ASSERT_TRUE(counted.ok());
  EXPECT_EQ(counted->hits, 2);
  EXPECT_EQ(counted->selected, 2);
  counted = ReadValue<ProfileHitCount>(
      [](ReadTx& tx) { return tx.CountProfileHits({"org_cn"}, "prf_a"); });
  ASSERT_TRUE(counted.ok());
  EXPECT_EQ(counted->hits, 0);
}

TEST_F(ScreeningStoreTest, OneResultPerDeclarationAndRunAndOnlyIntoOwnRuns) {
  Status duplicate = Write([](WriteTx& tx) {
    return tx.InsertScreeningResult({"org_de"}, MakeResult("res_9", "run_1", 9, "D1", 0.5, false));
  });
  ASSERT_FALSE(duplicate.ok());
  EXPECT_EQ(duplicate.error().code(), ErrorCode::kConflict);
  EXPECT_NE(duplicate.error().message().find("D1"), std::string::npos);
  // The same declaration in another run is fine.
  ASSERT_TRUE(Write([](WriteTx& tx) -> Status {
                CORDON_RETURN_IF_ERROR(tx.InsertScreeningRun(MakeRun("run_2", "org_de")));
                return tx.InsertScreeningResult({"org_de"},
                                                MakeResult("res_9", "run_2", 0, "D1", 0.5, false));
              }).ok());
  // Nobody writes into another organisation's run.
  EXPECT_EQ(Write([](WriteTx& tx) {
              return tx.InsertScreeningResult({"org_de"},
                                              MakeResult("res_x", "run_cn", 5, "D5", 0.5, false));
            })
                .error()
                .code(),
            ErrorCode::kNotFound);
  EXPECT_EQ(ReadValue<ScreeningResultRecord>(
                [](ReadTx& tx) { return tx.GetScreeningResult({"org_cn"}, "res_1"); })
                .error()
                .code(),
            ErrorCode::kNotFound);
  EXPECT_EQ(ReadValue<ScreeningRunRecord>(
                [](ReadTx& tx) { return tx.GetScreeningRun({"org_cn"}, "run_1"); })
                .error()
                .code(),
            ErrorCode::kNotFound);
}

TEST_F(ScreeningStoreTest, SelectionQueueIsOrderedFilteredPaginatedAndScoped) {
  // Score descending, ties by id.
  EXPECT_EQ(SelectionIds("org_de", {}), (std::vector<std::string>{"res_1", "res_2", "res_4"}));
  SelectionFilter one_per_page;
  one_per_page.limit = 1;
  EXPECT_EQ(SelectionIds("org_de", one_per_page),
            (std::vector<std::string>{"res_1", "res_2", "res_4"}));
  SelectionFilter hamburg;
  hamburg.office = "DEHAM";
  hamburg.limit = 1;
  EXPECT_EQ(SelectionIds("org_de", hamburg), (std::vector<std::string>{"res_1", "res_4"}));
  SelectionFilter done;
  done.status = "done";
  EXPECT_TRUE(SelectionIds("org_de", done).empty());
  EXPECT_EQ(SelectionIds("org_cn", {}), (std::vector<std::string>{"res_cn"}));
  EXPECT_TRUE(SelectionIds("org_nl", {}).empty());

  SelectionFilter bad;
  bad.after = "zz";
  EXPECT_EQ(ReadValue<Page<ScreeningResultRecord>>(
                [&](ReadTx& tx) { return tx.ListSelections({"org_de"}, bad); })
                .error()
                .code(),
            ErrorCode::kInvalidInput);
  bad.after = "";
  bad.limit = 0;
  EXPECT_EQ(ReadValue<Page<ScreeningResultRecord>>(
                [&](ReadTx& tx) { return tx.ListSelections({"org_de"}, bad); })
                .error()
                .code(),
            ErrorCode::kInvalidInput);
}

TEST_F(ScreeningStoreTest, RunSelectionReplacesTheSelectedSet) {
  ASSERT_TRUE(Write([](WriteTx& tx) {
                return tx.SetRunSelection({"org_de"}, "run_1", {2, 3});
              }).ok());
  EXPECT_EQ(SelectionIds("org_de", {}), (std::vector<std::string>{"res_4", "res_3"}));
  EXPECT_EQ(Write([](WriteTx& tx) { return tx.SetRunSelection({"org_cn"}, "run_1", {0}); })
                .error()
                .code(),
            ErrorCode::kNotFound);
  EXPECT_EQ(SelectionIds("org_cn", {}), (std::vector<std::string>{"res_cn"}));
}

TEST_F(ScreeningStoreTest, OneFindingPerSelectionMarksItDone) {
  ASSERT_TRUE(Write([&](WriteTx& tx) {
                return tx.InsertFinding({"org_de"}, MakeFinding("fnd_1", "res_1"));
              }).ok());
  Status second = Write(
      [&](WriteTx& tx) { return tx.InsertFinding({"org_de"}, MakeFinding("fnd_2", "res_1")); });
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code(), ErrorCode::kConflict);
  // Not selected, or not visible: as if absent.
  EXPECT_EQ(Write([&](WriteTx& tx) {
              return tx.InsertFinding({"org_de"}, MakeFinding("fnd_3", "res_3"));
            })
                .error()
                .code(),
            ErrorCode::kNotFound);
  EXPECT_EQ(Write([&](WriteTx& tx) {
              return tx.InsertFinding({"org_cn"}, MakeFinding("fnd_4", "res_2"));
            })
                .error()
                .code(),
            ErrorCode::kNotFound);

  auto finding =
      ReadValue<FindingRecord>([](ReadTx& tx) { return tx.GetFinding({"org_de"}, "res_1"); });
  ASSERT_TRUE(finding.ok());
  EXPECT_EQ(finding->id, "fnd_1");
  EXPECT_EQ(finding->outcome, "suspected_ipr_infringement");
  EXPECT_EQ(finding->notes, "ZENTRA shoes without hologram");
  EXPECT_EQ(finding->user_id, "usr_frontline");
  EXPECT_EQ(finding->at, At(2026, 5, 2));
  EXPECT_EQ(ReadValue<FindingRecord>([](ReadTx& tx) { return tx.GetFinding({"org_cn"}, "res_1"); })
                .error()
                .code(),
            ErrorCode::kNotFound);
  EXPECT_EQ(ReadValue<FindingRecord>([](ReadTx& tx) { return tx.GetFinding({"org_de"}, "res_2"); })
                .error()
                .code(),
            ErrorCode::kNotFound);

  SelectionFilter done;
  done.status = "done";
  EXPECT_EQ(SelectionIds("org_de", done), (std::vector<std::string>{"res_1"}));
  SelectionFilter open;
  open.status = "open";
  EXPECT_EQ(SelectionIds("org_de", open), (std::vector<std::string>{"res_2", "res_4"}));
}

// --- targeting models (issue 4)

TargetingModelRecord MakeModel(const std::string& id, const std::string& org_id,
                               std::string bytes) {
  TargetingModelRecord model;
  model.id = id;
  model.owner_org_id = org_id;
  model.sha256 = "00ff";
  model.size = static_cast<long long>(bytes.size());
  model.bytes = std::move(bytes);
  model.metrics = R"({"train_rows":10})";
  model.description = "test model " + id;
  model.created_by = "usr_analyst";
  model.created_at = At(2026, 6, 1);
  return model;
}

ModelActivationRecord MakeActivation(const std::string& model_id, const std::string& previous,
                                     const std::string& action) {
  ModelActivationRecord activation;
  activation.org_id = "org_de";
  activation.model_id = model_id;
  activation.previous_model_id = previous;
  activation.action = action;
  activation.user_id = "usr_analyst";
  activation.at = At(2026, 6, 2);
  return activation;
}

TEST_F(ScreeningStoreTest, ModelsKeepTheirBytesVersionsAndOneActivePerAdministration) {
  // Binary bytes with NULs and every byte value survive unchanged.
  std::string bytes;
  for (int round = 0; round < 3; ++round) {
    for (int value = 0; value < 256; ++value) bytes.push_back(static_cast<char>(value));
  }
  ASSERT_TRUE(Write([&](WriteTx& tx) -> Status {
                CORDON_ASSIGN_OR_RETURN(long long first,
                                        tx.InsertTargetingModel(MakeModel("mdl_1", "org_de", bytes)));
                CORDON_ASSIGN_OR_RETURN(long long second,
                                        tx.InsertTargetingModel(MakeModel("mdl_2", "org_de", "b")));
                CORDON_ASSIGN_OR_RETURN(long long other,
                                        tx.InsertTargetingModel(MakeModel("mdl_cn", "org_cn", "c")));
                EXPECT_EQ(first, 1);
                EXPECT_EQ(second, 2);
                EXPECT_EQ(other, 1);  // versions count per administration
                return Status::Ok();
              }).ok());
  EXPECT_EQ(Write([](WriteTx& tx) {
              return tx.InsertTargetingModel(MakeModel("mdl_1", "org_de", "x")).status();
            })
                .error()
                .code(),
            ErrorCode::kConflict);

  auto stored = ReadValue<TargetingModelRecord>(
      [](ReadTx& tx) { return tx.GetTargetingModel({"org_de"}, "mdl_1", true); });
  ASSERT_TRUE(stored.ok()) << stored.error().ToString();
  EXPECT_EQ(stored->bytes, bytes);
  EXPECT_EQ(stored->size, 768);
  EXPECT_EQ(stored->version, 1);
  EXPECT_EQ(stored->metrics, R"({"train_rows":10})");
  EXPECT_EQ(stored->created_at, At(2026, 6, 1));
  EXPECT_FALSE(stored->active);
  auto metadata = ReadValue<TargetingModelRecord>(
      [](ReadTx& tx) { return tx.GetTargetingModel({"org_de"}, "mdl_1", false); });
  ASSERT_TRUE(metadata.ok());
  EXPECT_TRUE(metadata->bytes.empty());
  // Another administration's model is as absent as a missing one.
  EXPECT_EQ(ReadValue<TargetingModelRecord>([](ReadTx& tx) {
              return tx.GetTargetingModel({"org_de"}, "mdl_cn", false);
            })
                .error()
                .code(),
            ErrorCode::kNotFound);
  auto listed = ReadValue<std::vector<TargetingModelRecord>>(
      [](ReadTx& tx) { return tx.ListTargetingModels({"org_de"}); });
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].id, "mdl_2");  // newest first
  EXPECT_EQ(ReadValue<TargetingModelRecord>(
                [](ReadTx& tx) { return tx.GetActiveTargetingModel({"org_de"}); })
                .error()
                .code(),
            ErrorCode::kNotFound);

  // Activations: one active model, the history in order, the inputs version moves.
  auto before = ReadValue<ScreeningInputsVersion>(
      [](ReadTx& tx) { return tx.GetScreeningInputsVersion({"org_de"}); });
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(before->active_model_id, "");
  ASSERT_TRUE(Write([](WriteTx& tx) -> Status {
                CORDON_RETURN_IF_ERROR(
                    tx.InsertModelActivation({"org_de"}, MakeActivation("mdl_1", "", "activate"))
                        .status());
                return tx.InsertModelActivation({"org_de"},
                                                MakeActivation("mdl_2", "mdl_1", "activate"))
                    .status();
              }).ok());
  EXPECT_EQ(Write([](WriteTx& tx) {
              return tx.InsertModelActivation({"org_de"}, MakeActivation("mdl_cn", "", "activate"))
                  .status();
            })
                .error()
                .code(),
            ErrorCode::kNotFound);
  auto active = ReadValue<TargetingModelRecord>(
      [](ReadTx& tx) { return tx.GetActiveTargetingModel({"org_de"}); });
  ASSERT_TRUE(active.ok());
  EXPECT_EQ(active->id, "mdl_2");
  EXPECT_EQ(active->bytes, "b");
  auto after = ReadValue<ScreeningInputsVersion>(
      [](ReadTx& tx) { return tx.GetScreeningInputsVersion({"org_de"}); });
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->active_model_id, "mdl_2");
  EXPECT_FALSE(*before == *after);
  auto models = ReadValue<std::vector<TargetingModelRecord>>(
      [](ReadTx& tx) { return tx.ListTargetingModels({"org_de"}); });
  ASSERT_TRUE(models.ok());
  EXPECT_TRUE((*models)[0].active);
  EXPECT_FALSE((*models)[1].active);
  auto history = ReadValue<std::vector<ModelActivationRecord>>(
      [](ReadTx& tx) { return tx.ListModelActivations({"org_de"}); });
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 2u);
  EXPECT_EQ((*history)[0].seq, 1);
  EXPECT_EQ((*history)[0].previous_model_id, "");
  EXPECT_EQ((*history)[1].seq, 2);
  EXPECT_EQ((*history)[1].model_id, "mdl_2");
  EXPECT_EQ((*history)[1].previous_model_id, "mdl_1");
  auto other = ReadValue<std::vector<ModelActivationRecord>>(
      [](ReadTx& tx) { return tx.ListModelActivations({"org_cn"}); });
  ASSERT_TRUE(other.ok());
  EXPECT_TRUE(other->empty());
}

TEST_F(ScreeningStoreTest, LabelledScreeningsAreResultsWithFindingsAndInputs) {
  ASSERT_TRUE(Write([&](WriteTx& tx) -> Status {
                CORDON_RETURN_IF_ERROR(tx.InsertModelInputs({"org_de"}, "res_1", R"([{"a":1}])"));
                CORDON_RETURN_IF_ERROR(tx.InsertModelInputs({"org_de"}, "res_2", R"([{"b":2}])"));
                CORDON_RETURN_IF_ERROR(tx.InsertFinding({"org_de"}, MakeFinding("fnd_1", "res_1")));
                return Status::Ok();
              }).ok());
  EXPECT_EQ(
      Write([](WriteTx& tx) { return tx.InsertModelInputs({"org_de"}, "res_1", "[]"); })
          .error()
          .code(),
      ErrorCode::kConflict);
  EXPECT_EQ(
      Write([](WriteTx& tx) { return tx.InsertModelInputs({"org_cn"}, "res_3", "[]"); })
          .error()
          .code(),
      ErrorCode::kNotFound);
  auto labelled = ReadValue<std::vector<LabelledScreening>>(
      [](ReadTx& tx) { return tx.ListLabelledScreenings({"org_de"}); });
  ASSERT_TRUE(labelled.ok());
  ASSERT_EQ(labelled->size(), 1u);  // res_2 has inputs but no finding yet
  EXPECT_EQ((*labelled)[0].result_id, "res_1");
  EXPECT_EQ((*labelled)[0].declaration_id, "D1");
  EXPECT_EQ((*labelled)[0].inputs, R"([{"a":1}])");
  EXPECT_EQ((*labelled)[0].outcome, "suspected_ipr_infringement");
  auto other = ReadValue<std::vector<LabelledScreening>>(
      [](ReadTx& tx) { return tx.ListLabelledScreenings({"org_cn"}); });
  ASSERT_TRUE(other.ok());
  EXPECT_TRUE(other->empty());
}

TEST_F(ScreeningStoreTest, ResultsStoredByTheBatchWithInputsAndDeclarationsSkipDuplicates) {
  auto with = [](ScreeningResultRecord record, std::string inputs, std::string body) {
    return ResultToStore{std::move(record), std::move(inputs), std::move(body)};
  };
  std::vector<ResultToStore> batch;
  batch.push_back(
      with(MakeResult("res_5", "run_1", 4, "D5", 0.7, true), R"([{"e":5}])", R"({"id":"D5"})"));
  batch.back().record.profile_ids = {"prf_b", "prf_a", "prf_b"};
  // D1 is already in run_1; D5 is earlier in this batch.
  batch.push_back(with(MakeResult("res_6", "run_1", 5, "D1", 0.2, false), "[]", "{}"));
  batch.push_back(with(MakeResult("res_7", "run_1", 6, "D5", 0.2, false), "[]", "{}"));
  batch.push_back(ResultToStore{MakeResult("res_8", "run_1", 7, "D8", 0.3, false), std::nullopt,
                                R"({"id":"D8"})"});
  auto skipped = WriteValue<std::vector<size_t>>(
      [&](WriteTx& tx) { return tx.InsertScreeningResults({"org_de"}, "run_1", batch); });
  ASSERT_TRUE(skipped.ok()) << skipped.error().ToString();
  EXPECT_EQ(*skipped, (std::vector<size_t>{1, 2}));

  auto stored = ReadValue<ScreeningResultRecord>(
      [](ReadTx& tx) { return tx.GetScreeningResult({"org_de"}, "res_5"); });
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->declaration_id, "D5");
  EXPECT_EQ(stored->ordinal, 4);
  EXPECT_EQ(stored->profile_ids, (std::vector<std::string>{"prf_a", "prf_b"}));
  for (const char* id : {"res_6", "res_7"}) {
    EXPECT_EQ(ReadValue<ScreeningResultRecord>(
                  [&](ReadTx& tx) { return tx.GetScreeningResult({"org_de"}, id); })
                  .error()
                  .code(),
              ErrorCode::kNotFound)
        << id << " was skipped";
  }
  auto declarations = ReadValue<std::vector<ScreenedDeclaration>>(
      [](ReadTx& tx) { return tx.ListRecentScreenedDeclarations({"org_de"}, 10); });
  ASSERT_TRUE(declarations.ok());
  ASSERT_EQ(declarations->size(), 2u) << "none for the skipped results";
  EXPECT_EQ((*declarations)[0].result.id, "res_8");
  EXPECT_EQ((*declarations)[0].body, R"({"id":"D8"})");
  EXPECT_EQ((*declarations)[1].result.id, "res_5");
  EXPECT_EQ((*declarations)[1].body, R"({"id":"D5"})");
  // res_5's inputs are stored (a second copy conflicts); res_8 has none.
  EXPECT_EQ(Write([](WriteTx& tx) { return tx.InsertModelInputs({"org_de"}, "res_5", "[]"); })
                .error()
                .message(),
            "result res_5 already has model inputs");
  EXPECT_TRUE(
      Write([](WriteTx& tx) { return tx.InsertModelInputs({"org_de"}, "res_8", "[]"); }).ok());
  ASSERT_TRUE(Write([&](WriteTx& tx) {
                return tx.InsertFinding({"org_de"}, MakeFinding("fnd_5", "res_5"));
              }).ok());
  auto labelled = ReadValue<std::vector<LabelledScreening>>(
      [](ReadTx& tx) { return tx.ListLabelledScreenings({"org_de"}); });
  ASSERT_TRUE(labelled.ok());
  ASSERT_EQ(labelled->size(), 1u);
  EXPECT_EQ((*labelled)[0].inputs, R"([{"e":5}])");
}

TEST_F(ScreeningStoreTest, ResultsStoredByTheBatchOnlyIntoOwnRunsAndAllOrNothing) {
  std::vector<ResultToStore> batch;
  batch.push_back({MakeResult("res_5", "run_cn", 4, "D5", 0.7, true), "[]", "{}"});
  // Another organisation's run and a missing run: refused as one result
  // would be, before anything is written.
  Status foreign = Write(
      [&](WriteTx& tx) { return tx.InsertScreeningResults({"org_de"}, "run_cn", batch).status(); });
  ASSERT_FALSE(foreign.ok());
  EXPECT_EQ(foreign.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(foreign.error().message(), "screening run run_cn not found");
  batch[0].record.run_id = "run_x";
  Status missing = Write(
      [&](WriteTx& tx) { return tx.InsertScreeningResults({"org_de"}, "run_x", batch).status(); });
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message(), "screening run run_x not found");
  // Every record must be of the run named.
  Status mixed = Write(
      [&](WriteTx& tx) { return tx.InsertScreeningResults({"org_de"}, "run_1", batch).status(); });
  ASSERT_FALSE(mixed.ok());
  EXPECT_EQ(mixed.error().code(), ErrorCode::kInvalidInput);

  // A result id that exists fails the batch, and the unit of work writes
  // none of it.
  batch.clear();
  batch.push_back({MakeResult("res_5", "run_1", 4, "D5", 0.7, true), "[]", "{}"});
  batch.push_back({MakeResult("res_1", "run_1", 5, "D6", 0.7, true), "[]", "{}"});
  Status taken = Write(
      [&](WriteTx& tx) { return tx.InsertScreeningResults({"org_de"}, "run_1", batch).status(); });
  ASSERT_FALSE(taken.ok());
  EXPECT_EQ(taken.error().code(), ErrorCode::kConflict);
  EXPECT_NE(taken.error().message().find("res_1"), std::string::npos) << taken.error().message();
  EXPECT_EQ(ReadValue<ScreeningResultRecord>(
                [](ReadTx& tx) { return tx.GetScreeningResult({"org_de"}, "res_5"); })
                .error()
                .code(),
            ErrorCode::kNotFound);
  auto declarations = ReadValue<std::vector<ScreenedDeclaration>>(
      [](ReadTx& tx) { return tx.ListRecentScreenedDeclarations({"org_de"}, 10); });
  ASSERT_TRUE(declarations.ok());
  EXPECT_TRUE(declarations->empty());
}

// --- detention cases

CaseRecord MakeCase(const std::string& id, const std::string& org, const std::string& holder,
                    std::optional<Date> next_due, bool disclosed) {
  CaseRecord record;
  record.id = id;
  record.org_id = org;
  record.holder_org_id = holder;
  record.application_id = holder.empty() ? "" : "app_1";
  record.office = "DEHAM";
  record.procedure = holder.empty() ? "ex_officio" : "application";
  record.state = "notified";
  record.next_due = next_due;
  record.next_deadline = next_due ? "response_due" : "";
  record.parties_disclosed = disclosed;
  record.created_at = *ParseTimestamp("2026-03-02T09:00:00Z");
  record.updated_at = record.created_at;
  record.body = R"({"jurisdiction":"EU"})";
  record.parties = R"({"declarant":{"name":"Hafen Zoll Service GmbH"}})";
  return record;
}

TEST_F(SqliteStoreTest, CaseVisibleToAdministrationAndHolderWithPartiesOnlyOnceDisclosed) {
  SeedOrganisations();
  CaseGoodsRecord goods{0, "shoes", "640411", "1200", "pairs", "shoes", "trademark", "ZENTRA", 5400000};
  ASSERT_TRUE(Write([&](WriteTx& tx) -> Status {
                CORDON_RETURN_IF_ERROR(tx.InsertCase(
                    MakeCase("cas_1", "org_de", "org_holder", ParseDate("2026-03-16"), false), {goods}));
                return tx.InsertCase(MakeCase("cas_2", "org_de", "", ParseDate("2026-03-06"), false), {});
              }).ok());
  auto get = [&](const std::string& org, const std::string& id) {
    return ReadValue<CaseRecord>([&](ReadTx& tx) { return tx.GetCase(Scope{org}, id); });
  };
  ASSERT_TRUE(get("org_de", "cas_1").ok());
  EXPECT_FALSE(get("org_de", "cas_1")->parties.empty());
  ASSERT_TRUE(get("org_holder", "cas_1").ok());
  EXPECT_TRUE(get("org_holder", "cas_1")->parties.empty());  // not yet disclosed
  EXPECT_EQ(get("org_nl", "cas_1").error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(get("org_holder", "cas_2").error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(get("", "cas_2").error().code(), ErrorCode::kNotFound);
  auto goods_read = ReadValue<std::vector<CaseGoodsRecord>>(
      [&](ReadTx& tx) { return tx.ListCaseGoods(Scope{"org_holder"}, "cas_1"); });
  ASSERT_TRUE(goods_read.ok());
  ASSERT_EQ(goods_read->size(), 1u);
  EXPECT_EQ((*goods_read)[0].estimated_value_cents, 5400000);
  EXPECT_EQ(ReadValue<std::vector<CaseGoodsRecord>>(
                [&](ReadTx& tx) { return tx.ListCaseGoods(Scope{"org_nl"}, "cas_1"); })
                .error()
                .code(),
            ErrorCode::kNotFound);

  // Disclosure, with an update that leaves the parties as stored.
  CaseRecord changed = *get("org_de", "cas_1");
  changed.parties_disclosed = true;
  changed.parties.clear();
  changed.state = "declarant_opposed";
  ASSERT_TRUE(Write([&](WriteTx& tx) { return tx.UpdateCase(Scope{"org_de"}, changed); }).ok());
  EXPECT_EQ(get("org_holder", "cas_1")->parties, R"({"declarant":{"name":"Hafen Zoll Service GmbH"}})");
  EXPECT_EQ(get("org_holder", "cas_1")->version, 2);
  // A stale version, and the holder trying to write, are refused.
  EXPECT_EQ(Write([&](WriteTx& tx) { return tx.UpdateCase(Scope{"org_de"}, changed); }).error().code(),
            ErrorCode::kConflict);
  changed.version = 2;
  EXPECT_EQ(Write([&](WriteTx& tx) { return tx.UpdateCase(Scope{"org_holder"}, changed); })
                .error()
                .code(),
            ErrorCode::kNotFound);
}

TEST_F(SqliteStoreTest, DueCasesAndQueueFollowNextDueDate) {
  SeedOrganisations();
  ASSERT_TRUE(Write([&](WriteTx& tx) -> Status {
                CORDON_RETURN_IF_ERROR(
                    tx.InsertCase(MakeCase("cas_a", "org_de", "", ParseDate("2026-03-16"), false), {}));
                CORDON_RETURN_IF_ERROR(
                    tx.InsertCase(MakeCase("cas_b", "org_de", "", ParseDate("2026-03-05"), false), {}));
                CORDON_RETURN_IF_ERROR(
                    tx.InsertCase(MakeCase("cas_c", "org_de", "", std::nullopt, false), {}));
                return tx.InsertCase(MakeCase("cas_d", "org_nl", "", ParseDate("2026-03-01"), false), {});
              }).ok());
  auto due = ReadValue<std::vector<CaseRecord>>(
      [&](ReadTx& tx) { return tx.ListCasesDueBefore(*ParseDate("2026-03-16"), 100); });
  ASSERT_TRUE(due.ok());
  std::vector<std::string> ids;
  for (const CaseRecord& record : *due) ids.push_back(record.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"cas_d", "cas_b"}));  // all administrations, due day excluded

  CaseFilter filter;
  filter.order = CaseFilter::Order::kNextDue;
  filter.limit = 1;
  ids.clear();
  do {
    auto page = ReadValue<Page<CaseRecord>>([&](ReadTx& tx) { return tx.ListCases(Scope{"org_de"}, filter); });
    ASSERT_TRUE(page.ok()) << page.error().ToString();
    for (const CaseRecord& record : page->items) ids.push_back(record.id);
    filter.after = page->next_cursor;
  } while (!filter.after.empty());
  EXPECT_EQ(ids, (std::vector<std::string>{"cas_b", "cas_a", "cas_c"}));
  filter.after = "zz";
  EXPECT_EQ(ReadValue<Page<CaseRecord>>([&](ReadTx& tx) { return tx.ListCases(Scope{"org_de"}, filter); })
                .error()
                .code(),
            ErrorCode::kInvalidInput);
}

TEST_F(SqliteStoreTest, EvidenceBytesAreStoredOncePerHashAndEventsNumberedPerCase) {
  SeedOrganisations();
  ASSERT_TRUE(Write([&](WriteTx& tx) {
                return tx.InsertCase(MakeCase("cas_1", "org_de", "org_holder", std::nullopt, true), {});
              }).ok());
  std::string bytes("\x89PNG\0binary\0", 12);
  EvidenceRecord first{"evd_1", "cas_1", "abc123", "image/png", 12, "a.png", "", "org_de", "usr_1",
                       *ParseTimestamp("2026-03-02T10:00:00Z")};
  EvidenceRecord second = first;
  second.id = "evd_2";
  second.filename = "b.png";
  ASSERT_TRUE(Write([&](WriteTx& tx) -> Status {
                CORDON_RETURN_IF_ERROR(tx.InsertEvidence(first, bytes));
                return tx.InsertEvidence(second, bytes);
              }).ok());
  EXPECT_EQ(RawQuery(path_, "SELECT COUNT(*) FROM evidence_blobs"), "1");
  auto content = ReadValue<std::string>(
      [&](ReadTx& tx) { return tx.GetEvidenceContent(Scope{"org_holder"}, "cas_1", "evd_2"); });
  ASSERT_TRUE(content.ok());
  EXPECT_EQ(*content, bytes);
  EXPECT_EQ(ReadValue<std::string>([&](ReadTx& tx) {
              return tx.GetEvidenceContent(Scope{"org_nl"}, "cas_1", "evd_2");
            }).error().code(),
            ErrorCode::kNotFound);

  CaseEventRecord event{"cas_1", 0, *ParseTimestamp("2026-03-02T10:00:00Z"), "org_de", "usr_1",
                        "customs", "notify", "suspended", "notified", "{}"};
  long long first_seq = 0, second_seq = 0;
  ASSERT_TRUE(Write([&](WriteTx& tx) -> Status {
                CORDON_ASSIGN_OR_RETURN(first_seq, tx.AppendCaseEvent(event));
                CORDON_ASSIGN_OR_RETURN(second_seq, tx.AppendCaseEvent(event));
                return Status::Ok();
              }).ok());
  EXPECT_EQ(first_seq, 1);
  EXPECT_EQ(second_seq, 2);
  event.case_id = "cas_missing";
  EXPECT_EQ(Write([&](WriteTx& tx) { return tx.AppendCaseEvent(event).status(); }).error().code(),
            ErrorCode::kNotFound);

}

NoticeRecord MakeCaseNotice(const std::string& id, const std::string& case_id,
                            const std::string& recipient_org_id, Timestamp at) {
  NoticeRecord notice;
  notice.id = id;
  notice.sender_org_id = "org_de";
  notice.recipient_org_id = recipient_org_id;
  notice.recipient_role = recipient_org_id.empty() ? "declarant" : "right_holder";
  notice.recipient_party = recipient_org_id.empty() ? R"({"name":"Hafen Zoll Service GmbH"})" : "{}";
  notice.kind = "case.suspension_notice";
  notice.subject = "Notice of suspension";
  notice.body = "text";
  notice.data = "{}";
  notice.object_type = "case";
  notice.object_id = case_id;
  notice.created_at = at;
  return notice;
}

TEST_F(SqliteStoreTest, NoticesOfAnObjectAreThoseTheScopeGaveOrReceived) {
  SeedOrganisations();
  ASSERT_TRUE(Write([&](WriteTx& tx) -> Status {
                CORDON_RETURN_IF_ERROR(tx.InsertNotice(
                    MakeCaseNotice("ntc_2", "cas_1", "", *ParseTimestamp("2026-03-02T10:00:01Z"))));
                CORDON_RETURN_IF_ERROR(tx.InsertNotice(MakeCaseNotice(
                    "ntc_1", "cas_1", "org_holder", *ParseTimestamp("2026-03-02T10:00:00Z"))));
                return tx.InsertNotice(MakeCaseNotice("ntc_3", "cas_2", "org_holder",
                                                      *ParseTimestamp("2026-03-02T10:00:00Z")));
              }).ok());
  auto ids = [&](const std::string& org, const std::string& case_id) {
    std::vector<std::string> found;
    auto notices = ReadValue<std::vector<NoticeRecord>>(
        [&](ReadTx& tx) { return tx.ListObjectNotices(Scope{org}, "case", case_id); });
    EXPECT_TRUE(notices.ok());
    if (notices.ok()) {
      for (const NoticeRecord& notice : *notices) found.push_back(notice.id);
    }
    return found;
  };
  EXPECT_EQ(ids("org_de", "cas_1"), (std::vector<std::string>{"ntc_1", "ntc_2"}));  // oldest first
  EXPECT_EQ(ids("org_holder", "cas_1"), std::vector<std::string>{"ntc_1"});  // addressed to it
  EXPECT_TRUE(ids("org_nl", "cas_1").empty());
  EXPECT_TRUE(ids("org_de", "cas_9").empty());
}

TEST_F(SqliteStoreTest, MigrationFourteenCountsTheApplicationsEachOrganisationSees) {
  // A database as migration 13 left it: DE sees two applications, CN one.
  DatabaseAtVersion(13);
  RawExec(path_,
          "INSERT INTO organisations VALUES ('org_de', 'Customs DE', 'customs', 'DE', 'EU', '', "
          "'2026-01-01T00:00:00.000Z'), ('org_cn', 'Customs CN', 'customs', 'CN', '', '', "
          "'2026-01-01T00:00:00.000Z'), ('org_holder', 'Zentra', 'right_holder', 'DE', 'EU', "
          "'', '2026-01-01T00:00:00.000Z')");
  for (const char* app : {"('app_1', 3)", "('app_2', 5)"}) {
    RawExec(path_, std::string("INSERT INTO applications SELECT column1, 'org_holder', 'org_de', "
                               "'national', 'granted', '2027-01-01', 'Zentra', "
                               "'2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', "
                               "column2, '{}' FROM (VALUES ") +
                       app + ")");
  }
  RawExec(path_,
          "INSERT INTO application_access VALUES ('app_1', 'org_holder'), ('app_1', 'org_de'), "
          "('app_2', 'org_holder'), ('app_2', 'org_de'), ('app_2', 'org_cn')");
  Reopen();
  auto version = [&](const char* org_id) {
    auto read = ReadValue<ScreeningInputsVersion>(
        [&](ReadTx& tx) { return tx.GetScreeningInputsVersion({org_id}); });
    EXPECT_TRUE(read.ok());
    return read.ok() ? *read : ScreeningInputsVersion{};
  };
  EXPECT_EQ(version("org_de").application_count, 2);
  EXPECT_EQ(version("org_de").application_version_sum, 8);
  EXPECT_EQ(version("org_cn").application_count, 1);
  EXPECT_EQ(version("org_cn").application_version_sum, 5);
  EXPECT_EQ(version("org_holder").application_version_sum, 8);
}

TEST_F(SqliteStoreTest, MigrationEightMovesCaseNoticesIntoNoticesForDelivery) {
  // A database as migration 7 left it, with a case and its two notices.
  DatabaseAtVersion(7);
  RawExec(path_,
          "INSERT INTO organisations VALUES ('org_de', 'Customs DE', 'customs', 'DE', 'EU', '', "
          "'2026-01-01T00:00:00.000Z'), ('org_holder', 'Zentra', 'right_holder', 'DE', 'EU', '', "
          "'2026-01-01T00:00:00.000Z')");
  RawExec(path_,
          "INSERT INTO cases VALUES ('cas_1', 'org_de', 'org_holder', 'app_1', 'DEHAM', "
          "'application', 'notified', 1, '2026-03-16', 'response_due', 'k', 0, "
          "'2026-03-02T10:00:00.000Z', '2026-03-02T10:00:00.000Z', 1, '{}', '{}')");
  RawExec(path_,
          "INSERT INTO case_notices VALUES "
          "('ntc_h', 'cas_1', 'org_de', 'right_holder', 'org_holder', 'suspension', "
          "'2026-03-02T10:00:00.000Z', '2026-03-03', "
          "'{\"subject\":\"Goods suspected of infringing your right were suspended\","
          "\"reference\":\"Regulation (EU) No 608/2013 Art. 17(3)-(4)\",\"office\":\"DEHAM\"}', "
          "NULL), "
          "('ntc_d', 'cas_1', 'org_de', 'declarant', '', 'suspension', "
          "'2026-03-02T10:00:00.000Z', '2026-03-03', "
          "'{\"subject\":\"Release suspended\",\"reference\":\"Art. 17(3)\","
          "\"parties\":{\"declarant\":{\"name\":\"Hafen Zoll\",\"country\":\"DE\"}}}', NULL)");
  Reopen();

  EXPECT_EQ(RawQuery(path_, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'case_notices'"),
            "0");
  auto holder = ReadValue<NoticeRecord>(
      [](ReadTx& tx) { return tx.GetNotice(Scope{"org_holder"}, "ntc_h"); });
  ASSERT_TRUE(holder.ok()) << holder.error().ToString();
  EXPECT_EQ(holder->kind, "case.suspension_notice");
  EXPECT_EQ(holder->recipient_role, "right_holder");
  EXPECT_EQ(holder->object_type, "case");
  EXPECT_EQ(holder->object_id, "cas_1");
  EXPECT_EQ(holder->subject, "Goods suspected of infringing your right were suspended (case cas_1)");
  EXPECT_NE(holder->body.find("Legal basis: Regulation (EU) No 608/2013 Art. 17(3)-(4)."),
            std::string::npos) << holder->body;
  EXPECT_EQ(FormatDate(*holder->due_by), "2026-03-03");
  auto declarant = ReadValue<NoticeRecord>(
      [](ReadTx& tx) { return tx.GetNotice(Scope{"org_de"}, "ntc_d"); });
  ASSERT_TRUE(declarant.ok());
  EXPECT_TRUE(declarant->recipient_org_id.empty());
  EXPECT_EQ(declarant->recipient_party, R"({"name":"Hafen Zoll","country":"DE"})");
  // Never delivered before: the delivery worker plans them now.
  auto unplanned = ReadValue<std::vector<NoticeRecord>>(
      [](ReadTx& tx) { return tx.ListUnplannedNotices(10); });
  ASSERT_TRUE(unplanned.ok());
  EXPECT_EQ(unplanned->size(), 2u);
}

}  // namespace
}  // namespace cordon
