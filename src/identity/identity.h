// Identity: organisations, users, passwords, sessions and API tokens.
//
// Passwords are hashed with Argon2id (libsodium crypto_pwhash_str, interactive
// limits). Bearer tokens are 32 random bytes, shown to the client once, stored
// only as their SHA-256. Repeated failed logins for one e-mail are slowed down:
// after kFreeFailures failures within kFailureWindow, further attempts are
// refused with kRateLimited and a Retry-After that doubles with each failure
// (capped), whether or not the password would have been right.
//
// Thread safety: IdentityService is safe to share between threads.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/identity_types.h"
#include "core/random.h"
#include "core/result.h"
#include "core/time.h"
#include "store/store.h"

namespace cordon {

struct IssuedToken {
  std::string id;     // credential id ("ses_..." / "tok_...")
  std::string token;  // the bearer secret; returned once, never stored
  std::optional<Timestamp> expires_at;
};

struct NewOrganisation {
  std::string name;
  OrgKind kind = OrgKind::kRightHolder;
  std::string country;
  std::string jurisdiction;
  std::vector<std::string> offices;
  std::string address;
};

struct NewUser {
  std::string org_id;
  std::string email;
  std::string name;
  Role role = Role::kRightHolderRep;
  std::string password;
};

class IdentityService {
 public:
  static constexpr int kFreeFailures = 5;
  static constexpr std::chrono::minutes kFailureWindow{15};
  static constexpr std::chrono::hours kSessionLifetime{12};

  IdentityService(Store& store, const Clock& clock, Rng& rng);

  // Validates and creates (kInvalidInput naming fields; kConflict on a duplicate
  // name). Customs need a country, a jurisdiction and valid UN/LOCODE offices.
  Result<Organisation> CreateOrganisation(const NewOrganisation& input);
  // kInvalidInput for a bad e-mail or a password shorter than 8 characters;
  // kConflict when the e-mail is taken; kNotFound for an unknown org_id.
  Result<User> CreateUser(const NewUser& input);

  // Checks e-mail and password; on success opens a session. kUnauthenticated
  // for any wrong e-mail/password (without saying which), kRateLimited when
  // slowed down.
  Result<IssuedToken> Login(const std::string& email, const std::string& password);
  // Resolves a bearer token to its caller; kUnauthenticated when unknown,
  // expired, revoked, or its user is inactive.
  Result<Caller> Authenticate(const std::string& bearer_token);
  // Revokes the credential the caller authenticated with.
  Status Logout(const Caller& caller);

  // An admin creates a long-lived API token for a user of the admin's own
  // organisation (default: the admin). kForbidden for non-admins.
  Result<IssuedToken> CreateApiToken(const Caller& caller, const std::string& name,
                                     const std::optional<std::string>& user_id,
                                     const std::optional<Timestamp>& expires_at);
  Result<std::vector<Credential>> ListApiTokens(const Caller& caller);
  Status RevokeApiToken(const Caller& caller, const std::string& token_id);

  // The caller's organisation and user, for GET /me.
  Result<Organisation> GetOrganisation(const std::string& org_id);
  Result<User> GetUser(const Caller& caller, const std::string& user_id);

 private:
  Store& store_;
  const Clock& clock_;
  Rng& rng_;
};

// Hex SHA-256 of a bearer token (what the store keeps).
std::string HashToken(const std::string& token);

}  // namespace cordon
