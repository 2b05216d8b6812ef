#include "identity/identity.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>

#include "store/sqlite_store.h"
#include "support/test_support.h"

namespace cordon {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

constexpr char kPassword[] = "correct horse battery";

Timestamp StartTime() { return *ParseTimestamp("2026-03-02T09:00:00Z"); }

NewOrganisation OrgInput(std::string name, OrgKind kind, std::string country,
                         std::string jurisdiction = "", std::vector<std::string> offices = {}) {
  NewOrganisation input;
  input.name = std::move(name);
  input.kind = kind;
  input.country = std::move(country);
  input.jurisdiction = std::move(jurisdiction);
  input.offices = std::move(offices);
  return input;
}

NewUser UserInput(std::string org_id, std::string email, std::string name, Role role,
                  std::string password) {
  NewUser input;
  input.org_id = std::move(org_id);
  input.email = std::move(email);
  input.name = std::move(name);
  input.role = role;
  input.password = std::move(password);
  return input;
}

// A real SQLite store in a fresh temporary directory per test.
class IdentityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::unique_ptr<Store>> store = OpenSqliteStore(SqliteOptions{DbPath()});
    ASSERT_TRUE(store.ok()) << store.error().ToString();
    store_ = std::move(store).value();
    identity_ = std::make_unique<IdentityService>(*store_, clock_, rng_);

    Result<Organisation> customs = identity_->CreateOrganisation(
        OrgInput("Customs DE", OrgKind::kCustoms, "DE", "EU", {"DEHAM", "DEFRA"}));
    ASSERT_TRUE(customs.ok()) << customs.error().ToString();
    customs_ = *customs;
    Result<Organisation> holder = identity_->CreateOrganisation(
        OrgInput("Zentra Sportswear GmbH", OrgKind::kRightHolder, "DE"));
    ASSERT_TRUE(holder.ok()) << holder.error().ToString();
    holder_ = *holder;

    admin_ = MakeUser(customs_.id, "admin@customs-de.demo", Role::kAdmin);
    officer_ = MakeUser(customs_.id, "officer@customs-de.demo", Role::kIprOfficer);
    rep_ = MakeUser(holder_.id, "legal@zentra.demo", Role::kRightHolderRep);
  }

  void TearDown() override {
    identity_.reset();
    store_.reset();
  }

  std::string DbPath() const { return dir_.File("cordon.db"); }

  User MakeUser(const std::string& org_id, const std::string& email, Role role) {
    Result<User> user =
        identity_->CreateUser(UserInput(org_id, email, "Test User", role, kPassword));
    EXPECT_TRUE(user.ok()) << user.error().ToString();
    return user.ok() ? *user : User{};
  }

  Caller LoginAs(const std::string& email) {
    Result<IssuedToken> session = identity_->Login(email, kPassword);
    EXPECT_TRUE(session.ok()) << session.error().ToString();
    if (!session.ok()) return Caller{};
    Result<Caller> caller = identity_->Authenticate(session->token);
    EXPECT_TRUE(caller.ok()) << caller.error().ToString();
    return caller.ok() ? *caller : Caller{};
  }

  int FailuresFor(const std::string& email) {
    int count = -1;
    Status status = store_->Read([&](ReadTx& tx) -> Status {
      CORDON_ASSIGN_OR_RETURN(count, tx.CountLoginFailures(email, clock_.Now() - hours(24)));
      return Status::Ok();
    });
    EXPECT_TRUE(status.ok());
    return count;
  }

  test_support::TempDir dir_{"cordon-identity"};
  FakeClock clock_{StartTime()};
  SeededRng rng_{42};
  std::unique_ptr<Store> store_;
  std::unique_ptr<IdentityService> identity_;
  Organisation customs_;
  Organisation holder_;
  User admin_;
  User officer_;
  User rep_;
};

TEST(HashTokenTest, IsHexSha256) {
  EXPECT_EQ(HashToken("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_F(IdentityTest, LoginWithRightPasswordOpensTwelveHourSession) {
  Result<IssuedToken> session = identity_->Login("legal@zentra.demo", kPassword);
  ASSERT_TRUE(session.ok()) << session.error().ToString();
  EXPECT_EQ(session->token.rfind("cdn_s_", 0), 0u);
  EXPECT_GT(session->token.size(), 6u + 40u);
  EXPECT_EQ(session->id.rfind("ses_", 0), 0u);
  ASSERT_TRUE(session->expires_at.has_value());
  EXPECT_EQ(*session->expires_at, StartTime() + hours(12));

  Result<Caller> caller = identity_->Authenticate(session->token);
  ASSERT_TRUE(caller.ok()) << caller.error().ToString();
  EXPECT_EQ(caller->user_id, rep_.id);
  EXPECT_EQ(caller->org_id, holder_.id);
  EXPECT_EQ(caller->org_kind, OrgKind::kRightHolder);
  EXPECT_EQ(caller->role, Role::kRightHolderRep);
  EXPECT_EQ(caller->country, "DE");
  EXPECT_EQ(caller->credential_id, session->id);
}

TEST_F(IdentityTest, LoginMatchesEmailCaseInsensitively) {
  EXPECT_TRUE(identity_->Login("  Legal@Zentra.DEMO ", kPassword).ok());
}

TEST_F(IdentityTest, WrongPasswordAndUnknownEmailGetTheSameAnswer) {
  Result<IssuedToken> wrong_password = identity_->Login("legal@zentra.demo", "not the password");
  ASSERT_FALSE(wrong_password.ok());
  EXPECT_EQ(wrong_password.error().code(), ErrorCode::kUnauthenticated);

  Result<IssuedToken> unknown = identity_->Login("nobody@zentra.demo", kPassword);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(unknown.error().message(), wrong_password.error().message());

  // Both count towards throttling, so throttling does not reveal accounts.
  EXPECT_EQ(FailuresFor("legal@zentra.demo"), 1);
  EXPECT_EQ(FailuresFor("nobody@zentra.demo"), 1);
}

TEST_F(IdentityTest, SixthAttemptIsRateLimitedEvenWithTheRightPassword) {
  for (int attempt = 0; attempt < IdentityService::kFreeFailures; ++attempt) {
    Result<IssuedToken> result =
        identity_->Login("legal@zentra.demo", "guess " + std::to_string(attempt));
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().code(), ErrorCode::kUnauthenticated) << attempt;
    clock_.Advance(milliseconds(100));
  }
  Result<IssuedToken> sixth = identity_->Login("legal@zentra.demo", kPassword);
  ASSERT_FALSE(sixth.ok());
  EXPECT_EQ(sixth.error().code(), ErrorCode::kRateLimited);
  EXPECT_EQ(sixth.error().retry_after_seconds(), 1);
  // A refused attempt is not a checked failure and does not lengthen the wait.
  EXPECT_EQ(FailuresFor("legal@zentra.demo"), 5);

  clock_.Advance(IdentityService::kFailureWindow + seconds(1));
  Result<IssuedToken> later = identity_->Login("legal@zentra.demo", kPassword);
  ASSERT_TRUE(later.ok()) << later.error().ToString();
  EXPECT_EQ(FailuresFor("legal@zentra.demo"), 0);  // a success clears the failures
}

TEST_F(IdentityTest, ThrottleDelayDoublesWithEachCheckedFailure) {
  for (int attempt = 0; attempt < IdentityService::kFreeFailures; ++attempt) {
    ASSERT_FALSE(identity_->Login("legal@zentra.demo", "guess").ok());
  }
  Result<IssuedToken> throttled = identity_->Login("legal@zentra.demo", "guess");
  ASSERT_FALSE(throttled.ok());
  EXPECT_EQ(throttled.error().retry_after_seconds(), 1);

  clock_.Advance(seconds(1));  // waited as told: the attempt is checked again
  Result<IssuedToken> sixth_failure = identity_->Login("legal@zentra.demo", "guess");
  ASSERT_FALSE(sixth_failure.ok());
  EXPECT_EQ(sixth_failure.error().code(), ErrorCode::kUnauthenticated);

  Result<IssuedToken> doubled = identity_->Login("legal@zentra.demo", kPassword);
  ASSERT_FALSE(doubled.ok());
  EXPECT_EQ(doubled.error().code(), ErrorCode::kRateLimited);
  EXPECT_EQ(doubled.error().retry_after_seconds(), 2);

  clock_.Advance(seconds(2));
  EXPECT_TRUE(identity_->Login("legal@zentra.demo", kPassword).ok());
}

TEST_F(IdentityTest, ThrottlingIsPerEmail) {
  for (int attempt = 0; attempt < IdentityService::kFreeFailures; ++attempt) {
    ASSERT_FALSE(identity_->Login("legal@zentra.demo", "guess").ok());
  }
  EXPECT_TRUE(identity_->Login("officer@customs-de.demo", kPassword).ok());
}

TEST_F(IdentityTest, SuccessfulLoginClearsFailures) {
  for (int attempt = 0; attempt < IdentityService::kFreeFailures - 1; ++attempt) {
    ASSERT_FALSE(identity_->Login("legal@zentra.demo", "guess").ok());
  }
  ASSERT_TRUE(identity_->Login("legal@zentra.demo", kPassword).ok());
  EXPECT_EQ(FailuresFor("legal@zentra.demo"), 0);
  for (int attempt = 0; attempt < IdentityService::kFreeFailures - 1; ++attempt) {
    ASSERT_FALSE(identity_->Login("legal@zentra.demo", "guess").ok());
  }
  EXPECT_TRUE(identity_->Login("legal@zentra.demo", kPassword).ok());
}

TEST_F(IdentityTest, SessionExpiresAfterTwelveHours) {
  Result<IssuedToken> session = identity_->Login("legal@zentra.demo", kPassword);
  ASSERT_TRUE(session.ok());
  clock_.Advance(hours(12) - milliseconds(1));
  EXPECT_TRUE(identity_->Authenticate(session->token).ok());
  clock_.Advance(milliseconds(1));
  Result<Caller> expired = identity_->Authenticate(session->token);
  ASSERT_FALSE(expired.ok());
  EXPECT_EQ(expired.error().code(), ErrorCode::kUnauthenticated);
}

TEST_F(IdentityTest, LogoutRevokesTheSession) {
  Result<IssuedToken> session = identity_->Login("legal@zentra.demo", kPassword);
  ASSERT_TRUE(session.ok());
  Result<IssuedToken> other_session = identity_->Login("legal@zentra.demo", kPassword);
  ASSERT_TRUE(other_session.ok());
  Result<Caller> caller = identity_->Authenticate(session->token);
  ASSERT_TRUE(caller.ok());

  ASSERT_TRUE(identity_->Logout(*caller).ok());
  Result<Caller> after = identity_->Authenticate(session->token);
  ASSERT_FALSE(after.ok());
  EXPECT_EQ(after.error().code(), ErrorCode::kUnauthenticated);
  // Only the credential used is revoked.
  EXPECT_TRUE(identity_->Authenticate(other_session->token).ok());
}

TEST_F(IdentityTest, UnknownAndEmptyTokensAreUnauthenticated) {
  for (const std::string& token : {std::string(), std::string("cdn_s_nope")}) {
    Result<Caller> caller = identity_->Authenticate(token);
    ASSERT_FALSE(caller.ok());
    EXPECT_EQ(caller.error().code(), ErrorCode::kUnauthenticated);
  }
}

TEST_F(IdentityTest, ApiTokensAreAdminOnly) {
  Caller officer = LoginAs("officer@customs-de.demo");
  Result<IssuedToken> created = identity_->CreateApiToken(officer, "robot", {}, {});
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.error().code(), ErrorCode::kForbidden);
  Result<std::vector<Credential>> listed = identity_->ListApiTokens(officer);
  ASSERT_FALSE(listed.ok());
  EXPECT_EQ(listed.error().code(), ErrorCode::kForbidden);
  Status revoked = identity_->RevokeApiToken(officer, "tok_whatever");
  ASSERT_FALSE(revoked.ok());
  EXPECT_EQ(revoked.error().code(), ErrorCode::kForbidden);
}

TEST_F(IdentityTest, AdminCreatesApiTokenForAUserOfItsOrganisation) {
  Caller admin = LoginAs("admin@customs-de.demo");
  Result<IssuedToken> token =
      identity_->CreateApiToken(admin, "screening robot", officer_.id, std::nullopt);
  ASSERT_TRUE(token.ok()) << token.error().ToString();
  EXPECT_EQ(token->token.rfind("cdn_t_", 0), 0u);
  EXPECT_EQ(token->id.rfind("tok_", 0), 0u);
  EXPECT_FALSE(token->expires_at.has_value());

  // Long-lived: still valid long after a session would have expired.
  clock_.Advance(hours(24 * 400));
  Result<Caller> robot = identity_->Authenticate(token->token);
  ASSERT_TRUE(robot.ok()) << robot.error().ToString();
  EXPECT_EQ(robot->user_id, officer_.id);
  EXPECT_EQ(robot->role, Role::kIprOfficer);
  EXPECT_EQ(robot->credential_id, token->id);

  Result<std::vector<Credential>> listed = identity_->ListApiTokens(admin);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].id, token->id);
  EXPECT_EQ((*listed)[0].name, "screening robot");
  EXPECT_EQ((*listed)[0].kind, "api_token");
  EXPECT_TRUE((*listed)[0].token_hash.empty());
}

TEST_F(IdentityTest, ApiTokenForAnotherOrganisationsUserIsNotFound) {
  Caller admin = LoginAs("admin@customs-de.demo");
  Result<IssuedToken> token = identity_->CreateApiToken(admin, "robot", rep_.id, std::nullopt);
  ASSERT_FALSE(token.ok());
  EXPECT_EQ(token.error().code(), ErrorCode::kNotFound);
}

TEST_F(IdentityTest, ApiTokenRequestIsValidated) {
  Caller admin = LoginAs("admin@customs-de.demo");
  Result<IssuedToken> token =
      identity_->CreateApiToken(admin, "  ", std::nullopt, clock_.Now() - seconds(1));
  ASSERT_FALSE(token.ok());
  EXPECT_EQ(token.error().code(), ErrorCode::kInvalidInput);
  EXPECT_EQ(token.error().fields(),
            (std::vector<FieldError>{{"name", "must not be empty"},
                                     {"expires_at", "must be in the future"}}));
}

TEST_F(IdentityTest, RevokedApiTokenIsRejected) {
  Caller admin = LoginAs("admin@customs-de.demo");
  Result<IssuedToken> token = identity_->CreateApiToken(admin, "robot", std::nullopt, std::nullopt);
  ASSERT_TRUE(token.ok());
  ASSERT_TRUE(identity_->Authenticate(token->token).ok());
  ASSERT_TRUE(identity_->RevokeApiToken(admin, token->id).ok());
  Result<Caller> after = identity_->Authenticate(token->token);
  ASSERT_FALSE(after.ok());
  EXPECT_EQ(after.error().code(), ErrorCode::kUnauthenticated);
  EXPECT_TRUE(identity_->RevokeApiToken(admin, token->id).ok());  // idempotent
  Status unknown = identity_->RevokeApiToken(admin, "tok_doesnotexist");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code(), ErrorCode::kNotFound);
}

TEST_F(IdentityTest, SessionsCannotBeRevokedAsApiTokens) {
  Caller admin = LoginAs("admin@customs-de.demo");
  Status status = identity_->RevokeApiToken(admin, admin.credential_id);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), ErrorCode::kNotFound);
}

TEST_F(IdentityTest, ExpiredApiTokenIsRejected) {
  Caller admin = LoginAs("admin@customs-de.demo");
  Result<IssuedToken> token =
      identity_->CreateApiToken(admin, "robot", std::nullopt, clock_.Now() + hours(1));
  ASSERT_TRUE(token.ok());
  ASSERT_TRUE(identity_->Authenticate(token->token).ok());
  clock_.Advance(hours(1));
  Result<Caller> after = identity_->Authenticate(token->token);
  ASSERT_FALSE(after.ok());
  EXPECT_EQ(after.error().code(), ErrorCode::kUnauthenticated);
}

TEST_F(IdentityTest, InactiveUserIsRejected) {
  // There is no deactivation command yet; write the row the way one would.
  User inactive;
  Status status = store_->Write([&](WriteTx& tx) -> Status {
    CORDON_ASSIGN_OR_RETURN(User active, tx.FindUserByEmail("officer@customs-de.demo"));
    inactive = active;
    inactive.id = "usr_inactive0000000000000";
    inactive.email = "gone@customs-de.demo";
    inactive.active = false;
    CORDON_RETURN_IF_ERROR(tx.InsertUser(inactive));
    Credential credential;
    credential.id = "ses_inactive0000000000000";
    credential.token_hash = HashToken("cdn_s_inactive");
    credential.user_id = inactive.id;
    credential.org_id = inactive.org_id;
    credential.kind = "session";
    credential.created_at = clock_.Now();
    credential.expires_at = clock_.Now() + hours(1);
    return tx.InsertCredential(credential);
  });
  ASSERT_TRUE(status.ok()) << status.error().ToString();

  Result<IssuedToken> login = identity_->Login("gone@customs-de.demo", kPassword);
  ASSERT_FALSE(login.ok());
  EXPECT_EQ(login.error().code(), ErrorCode::kUnauthenticated);
  Result<Caller> caller = identity_->Authenticate("cdn_s_inactive");
  ASSERT_FALSE(caller.ok());
  EXPECT_EQ(caller.error().code(), ErrorCode::kUnauthenticated);
}

TEST_F(IdentityTest, TokenIsStoredOnlyAsItsHash) {
  Result<IssuedToken> session = identity_->Login("legal@zentra.demo", kPassword);
  ASSERT_TRUE(session.ok());
  Credential row;
  Status status = store_->Read([&](ReadTx& tx) -> Status {
    CORDON_ASSIGN_OR_RETURN(row, tx.FindCredentialByHash(HashToken(session->token)));
    return Status::Ok();
  });
  ASSERT_TRUE(status.ok()) << status.error().ToString();
  EXPECT_EQ(row.id, session->id);
  EXPECT_EQ(row.token_hash, HashToken(session->token));
  for (const std::string& field :
       {row.id, row.token_hash, row.user_id, row.org_id, row.kind, row.name}) {
    EXPECT_EQ(field.find(session->token), std::string::npos);
  }

  // Nor anywhere in the database files (main file and write-ahead log).
  const std::string secret = session->token.substr(6);  // without the readable prefix
  for (const auto& entry : std::filesystem::directory_iterator(dir_.path())) {
    std::ifstream file(entry.path(), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    EXPECT_EQ(bytes.find(secret), std::string::npos) << entry.path();
  }
}

TEST_F(IdentityTest, PasswordIsStoredAsArgon2idHash) {
  Result<User> stored = [&]() -> Result<User> {
    User user;
    CORDON_RETURN_IF_ERROR(store_->Read([&](ReadTx& tx) -> Status {
      CORDON_ASSIGN_OR_RETURN(user, tx.FindUserByEmail("legal@zentra.demo"));
      return Status::Ok();
    }));
    return user;
  }();
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->password_hash.rfind("$argon2id$", 0), 0u);
  EXPECT_EQ(stored->password_hash.find(kPassword), std::string::npos);
}

TEST_F(IdentityTest, CreateOrganisationNamesEveryBadField) {
  Result<Organisation> org = identity_->CreateOrganisation(
      OrgInput(" ", OrgKind::kCustoms, "XX", "", {"DEHAM", "NLRTM", "hamburg"}));
  ASSERT_FALSE(org.ok());
  EXPECT_EQ(org.error().code(), ErrorCode::kInvalidInput);
  std::vector<std::string> fields;
  for (const FieldError& error : org.error().fields()) fields.push_back(error.field);
  EXPECT_EQ(fields, (std::vector<std::string>{"name", "country", "jurisdiction", "offices[2]"}));
}

TEST_F(IdentityTest, CustomsOfficesMustLieInTheCountry) {
  Result<Organisation> org = identity_->CreateOrganisation(
      OrgInput("Customs NL", OrgKind::kCustoms, "NL", "EU", {"NLRTM", "DEHAM"}));
  ASSERT_FALSE(org.ok());
  ASSERT_EQ(org.error().fields().size(), 1u);
  EXPECT_EQ(org.error().fields()[0].field, "offices[1]");
}

TEST_F(IdentityTest, OnlyCustomsHaveJurisdictionAndOffices) {
  Result<Organisation> org =
      identity_->CreateOrganisation(OrgInput("Police DE", OrgKind::kAgency, "DE", "EU", {"DEHAM"}));
  ASSERT_FALSE(org.ok());
  std::vector<std::string> fields;
  for (const FieldError& error : org.error().fields()) fields.push_back(error.field);
  EXPECT_EQ(fields, (std::vector<std::string>{"jurisdiction", "offices"}));
}

TEST_F(IdentityTest, DuplicateOrganisationNameIsAConflict) {
  Result<Organisation> org =
      identity_->CreateOrganisation(OrgInput("Customs DE", OrgKind::kCustoms, "DE", "EU"));
  ASSERT_FALSE(org.ok());
  EXPECT_EQ(org.error().code(), ErrorCode::kConflict);
}

TEST_F(IdentityTest, CreateUserNamesEveryBadField) {
  Result<User> user = identity_->CreateUser(
      UserInput(holder_.id, "not-an-email", "", Role::kRightHolderRep, "short"));
  ASSERT_FALSE(user.ok());
  EXPECT_EQ(user.error().code(), ErrorCode::kInvalidInput);
  std::vector<std::string> fields;
  for (const FieldError& error : user.error().fields()) fields.push_back(error.field);
  EXPECT_EQ(fields, (std::vector<std::string>{"email", "name", "password"}));
}

TEST_F(IdentityTest, CreateUserRejectsTakenEmailAndUnknownOrganisation) {
  Result<User> taken = identity_->CreateUser(
      UserInput(holder_.id, "LEGAL@zentra.demo", "Again", Role::kRightHolderRep, kPassword));
  ASSERT_FALSE(taken.ok());
  EXPECT_EQ(taken.error().code(), ErrorCode::kConflict);

  Result<User> orphan = identity_->CreateUser(UserInput(
      "org_nonexistent00000000", "new@zentra.demo", "New", Role::kRightHolderRep, kPassword));
  ASSERT_FALSE(orphan.ok());
  EXPECT_EQ(orphan.error().code(), ErrorCode::kNotFound);
}

TEST_F(IdentityTest, GetUserAndOrganisationForMe) {
  Caller caller = LoginAs("legal@zentra.demo");
  Result<User> user = identity_->GetUser(caller, caller.user_id);
  ASSERT_TRUE(user.ok());
  EXPECT_EQ(user->email, "legal@zentra.demo");
  EXPECT_TRUE(user->password_hash.empty());
  Result<Organisation> org = identity_->GetOrganisation(caller.org_id);
  ASSERT_TRUE(org.ok());
  EXPECT_EQ(org->name, "Zentra Sportswear GmbH");
  // Users of other organisations are invisible.
  Result<User> other = identity_->GetUser(caller, officer_.id);
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().code(), ErrorCode::kNotFound);
}

}  // namespace
}  // namespace cordon
