#include "identity/identity.h"

#include <sodium.h>

#include <algorithm>
#include <cctype>
#include <mutex>
#include <stdexcept>
#include <string_view>
#include <utility>

#include "core/codes.h"

namespace cordon {
namespace {

constexpr std::string_view kSessionTokenPrefix = "cdn_s_";
constexpr std::string_view kApiTokenPrefix = "cdn_t_";
constexpr size_t kTokenBytes = 32;
constexpr size_t kMinPasswordChars = 8;
// Argon2 pre-hashes its input, so long passwords are cheap; the cap only keeps
// absurd inputs (a megabyte "password") out of the hasher and the logs.
constexpr size_t kMaxPasswordBytes = 1024;
constexpr size_t kMaxNameChars = 200;
constexpr size_t kMaxTokenNameChars = 100;
// The longest Retry-After a throttled login is told to wait (seconds).
constexpr int kMaxRetryAfterSeconds = 900;
// Login failures never say which of e-mail or password was wrong.
constexpr char kBadCredentials[] = "wrong e-mail or password";
constexpr char kBadToken[] = "the bearer token is unknown, expired or revoked";

// An Rng need not be thread-safe (SeededRng is not), but IdentityService is
// shared between request threads: every draw goes through this lock.
std::mutex& RngMutex() {
  static std::mutex mutex;
  return mutex;
}

struct NewSecret {
  std::string id;
  std::string token;
};

NewSecret DrawSecret(Rng& rng, std::string_view id_prefix, std::string_view token_prefix) {
  std::lock_guard<std::mutex> lock(RngMutex());
  NewSecret secret;
  secret.id = NewId(rng, id_prefix);
  secret.token = std::string(token_prefix) + RandomToken(rng, kTokenBytes);
  return secret;
}

std::string DrawId(Rng& rng, std::string_view prefix) {
  std::lock_guard<std::mutex> lock(RngMutex());
  return NewId(rng, prefix);
}

std::string Trim(std::string_view text) {
  size_t begin = 0;
  size_t end = text.size();
  while (begin < end && std::isspace(static_cast<unsigned char>(text[begin]))) ++begin;
  while (end > begin && std::isspace(static_cast<unsigned char>(text[end - 1]))) --end;
  return std::string(text.substr(begin, end - begin));
}

// E-mail addresses are compared case-insensitively (ASCII), so they are kept
// lower-cased everywhere: in the users table and in the login-failure rows.
std::string NormaliseEmail(std::string_view email) {
  std::string normalised = Trim(email);
  std::transform(normalised.begin(), normalised.end(), normalised.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return normalised;
}

// Number of UTF-8 code points (continuation bytes are not counted).
size_t Utf8Length(std::string_view text) {
  return static_cast<size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

bool IsJurisdictionName(std::string_view name) {
  if (name.empty() || name.size() > 16) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

Result<std::string> HashPassword(const std::string& password) {
  char hash[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(hash, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
    return Internal("password hashing failed (out of memory?)");
  }
  return std::string(hash);
}

bool VerifyPassword(const std::string& hash, const std::string& password) {
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

// A hash of a password nobody knows, verified against when the e-mail is
// unknown, so that an unknown e-mail costs the same time as a wrong password
// and response times do not reveal which addresses have accounts.
const std::string& DummyPasswordHash() {
  static const std::string hash = [] {
    Result<std::string> result = HashPassword("cordon: no such user; this is not a password");
    return result.ok() ? result.value() : std::string();
  }();
  return hash;
}

// The seconds a throttled e-mail must wait after its latest failure:
// 1, 2, 4, ... doubling with each failure beyond the free ones, capped.
int ThrottleDelaySeconds(int failures) {
  int excess = failures - IdentityService::kFreeFailures;
  if (excess >= 10) return kMaxRetryAfterSeconds;  // 2^10 > 900 already
  return std::min(1 << excess, kMaxRetryAfterSeconds);
}

bool IsAdmin(const Caller& caller) { return caller.role == Role::kAdmin; }

}  // namespace

std::string HashToken(const std::string& token) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(token.data()), token.size());
  char hex[crypto_hash_sha256_BYTES * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return std::string(hex);
}

IdentityService::IdentityService(Store& store, const Clock& clock, Rng& rng)
    : store_(store), clock_(clock), rng_(rng) {
  // sodium_init is idempotent and thread-safe; failing here means the
  // process cannot hash passwords at all.
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
}

Result<Organisation> IdentityService::CreateOrganisation(const NewOrganisation& input) {
  Organisation org;
  org.name = Trim(input.name);
  org.kind = input.kind;
  org.country = Trim(input.country);
  org.jurisdiction = Trim(input.jurisdiction);
  org.address = Trim(input.address);
  org.offices = input.offices;

  std::vector<FieldError> errors;
  if (org.name.empty()) {
    errors.push_back({"name", "must not be empty"});
  } else if (Utf8Length(org.name) > kMaxNameChars) {
    errors.push_back({"name", "must be at most 200 characters"});
  }
  const bool customs = org.kind == OrgKind::kCustoms;
  if (!org.country.empty() && !IsCountryCode(org.country)) {
    errors.push_back({"country", "must be an ISO 3166-1 alpha-2 country code"});
  } else if (customs && org.country.empty()) {
    errors.push_back({"country", "is required for a customs administration"});
  }
  if (customs) {
    if (org.jurisdiction.empty()) {
      errors.push_back({"jurisdiction", "is required for a customs administration"});
    } else if (!IsJurisdictionName(org.jurisdiction)) {
      errors.push_back(
          {"jurisdiction", "must be a rule set name of capital letters and digits, e.g. EU"});
    }
    for (size_t index = 0; index < org.offices.size(); ++index) {
      const std::string field = "offices[" + std::to_string(index) + "]";
      const std::string& office = org.offices[index];
      if (!IsUnLocode(office)) {
        errors.push_back({field, "must be a UN/LOCODE such as DEHAM"});
      } else if (IsCountryCode(org.country) && office.compare(0, 2, org.country) != 0) {
        errors.push_back({field, "must be a location in " + org.country});
      }
    }
  } else {
    if (!org.jurisdiction.empty()) {
      errors.push_back({"jurisdiction", "only customs administrations have a jurisdiction"});
    }
    if (!org.offices.empty()) {
      errors.push_back({"offices", "only customs administrations have offices"});
    }
  }
  if (!errors.empty()) return InvalidInput("invalid organisation", std::move(errors));

  org.id = DrawId(rng_, "org");
  org.created_at = clock_.Now();
  Status status = store_.Write([&](WriteTx& tx) -> Status {
    Result<Organisation> existing = tx.FindOrganisationByName(org.name);
    if (existing.ok()) return Conflict("an organisation named '" + org.name + "' exists");
    if (existing.error().code() != ErrorCode::kNotFound) return existing.error();
    return tx.InsertOrganisation(org);
  });
  if (!status.ok()) return status.error();
  return org;
}

Result<User> IdentityService::CreateUser(const NewUser& input) {
  User user;
  user.org_id = input.org_id;
  user.email = NormaliseEmail(input.email);
  user.name = Trim(input.name);
  user.role = input.role;

  std::vector<FieldError> errors;
  if (!IsEmailAddress(user.email)) errors.push_back({"email", "must be an e-mail address"});
  if (user.name.empty()) {
    errors.push_back({"name", "must not be empty"});
  } else if (Utf8Length(user.name) > kMaxNameChars) {
    errors.push_back({"name", "must be at most 200 characters"});
  }
  if (Utf8Length(input.password) < kMinPasswordChars) {
    errors.push_back({"password", "must be at least 8 characters"});
  } else if (input.password.size() > kMaxPasswordBytes) {
    errors.push_back({"password", "must be at most 1024 bytes"});
  }
  if (!errors.empty()) return InvalidInput("invalid user", std::move(errors));

  // Hash outside the transaction: Argon2 takes tens of milliseconds and the
  // store serialises writers.
  CORDON_ASSIGN_OR_RETURN(user.password_hash, HashPassword(input.password));
  user.id = DrawId(rng_, "usr");
  user.active = true;
  user.created_at = clock_.Now();

  Status status = store_.Write([&](WriteTx& tx) -> Status {
    Result<Organisation> org = tx.GetOrganisation(user.org_id);
    if (!org.ok()) {
      if (org.error().code() == ErrorCode::kNotFound) {
        return NotFound("organisation '" + user.org_id + "' not found");
      }
      return org.error();
    }
    Result<User> existing = tx.FindUserByEmail(user.email);
    if (existing.ok()) return Conflict("the e-mail address '" + user.email + "' is taken");
    if (existing.error().code() != ErrorCode::kNotFound) return existing.error();
    return tx.InsertUser(user);
  });
  if (!status.ok()) return status.error();
  user.password_hash.clear();
  return user;
}

Result<IssuedToken> IdentityService::Login(const std::string& email, const std::string& password) {
  const std::string normalised = NormaliseEmail(email);
  const Timestamp now = clock_.Now();

  // Throttling. Once kFreeFailures failures for this e-mail lie within the
  // window, every attempt within ThrottleDelaySeconds(failures) of the latest
  // failure is refused unchecked. A refused attempt records nothing, so
  // hammering does not lengthen the wait; each attempt that is checked and
  // fails doubles it.
  int failures = 0;
  bool throttled = false;
  int delay_seconds = 0;
  std::optional<User> user;
  Status read = store_.Read([&](ReadTx& tx) -> Status {
    CORDON_ASSIGN_OR_RETURN(failures, tx.CountLoginFailures(normalised, now - kFailureWindow));
    if (failures >= kFreeFailures) {
      delay_seconds = ThrottleDelaySeconds(failures);
      CORDON_ASSIGN_OR_RETURN(
          int recent, tx.CountLoginFailures(normalised, now - std::chrono::seconds(delay_seconds) +
                                                            std::chrono::milliseconds(1)));
      // A failure exactly delay_seconds ago has been waited out (">= since").
      if (recent > 0) {
        throttled = true;
        return Status::Ok();
      }
    }
    Result<User> found = tx.FindUserByEmail(normalised);
    if (found.ok()) {
      user = std::move(found).value();
    } else if (found.error().code() != ErrorCode::kNotFound) {
      return found.error();
    }
    return Status::Ok();
  });
  if (!read.ok()) return read.error();
  if (throttled) {
    return Error(ErrorCode::kRateLimited, "too many failed logins; try again later")
        .WithRetryAfter(delay_seconds);
  }

  bool password_ok = false;
  if (password.size() <= kMaxPasswordBytes) {
    if (user) {
      password_ok = VerifyPassword(user->password_hash, password);
    } else {
      VerifyPassword(DummyPasswordHash(), password);  // same cost as a real check
    }
  }
  if (!password_ok) {
    CORDON_RETURN_IF_ERROR(
        store_.Write([&](WriteTx& tx) { return tx.RecordLoginFailure(normalised, now); }));
    return Unauthenticated(kBadCredentials);
  }
  // An inactive user who knows the password is not guessing: no failure row,
  // but the same answer as a wrong password.
  if (!user->active) return Unauthenticated(kBadCredentials);

  NewSecret secret = DrawSecret(rng_, "ses", kSessionTokenPrefix);
  Credential credential;
  credential.id = secret.id;
  credential.token_hash = HashToken(secret.token);
  credential.user_id = user->id;
  credential.org_id = user->org_id;
  credential.kind = "session";
  credential.created_at = now;
  credential.expires_at = now + kSessionLifetime;
  CORDON_RETURN_IF_ERROR(store_.Write([&](WriteTx& tx) -> Status {
    CORDON_RETURN_IF_ERROR(tx.ClearLoginFailures(normalised));
    return tx.InsertCredential(credential);
  }));
  return IssuedToken{credential.id, std::move(secret.token), credential.expires_at};
}

Result<Caller> IdentityService::Authenticate(const std::string& bearer_token) {
  if (bearer_token.empty()) return Unauthenticated("a bearer token is required");
  const std::string token_hash = HashToken(bearer_token);
  const Timestamp now = clock_.Now();
  Caller caller;
  Status status = store_.Read([&](ReadTx& tx) -> Status {
    Result<Credential> credential = tx.FindCredentialByHash(token_hash);
    if (!credential.ok()) {
      if (credential.error().code() == ErrorCode::kNotFound) return Unauthenticated(kBadToken);
      return credential.error();
    }
    if (credential->revoked_at || (credential->expires_at && *credential->expires_at <= now)) {
      return Unauthenticated(kBadToken);
    }
    Result<User> user = tx.GetUser(Scope{credential->org_id}, credential->user_id);
    if (!user.ok()) {
      if (user.error().code() == ErrorCode::kNotFound) return Unauthenticated(kBadToken);
      return user.error();
    }
    if (!user->active) return Unauthenticated(kBadToken);
    CORDON_ASSIGN_OR_RETURN(Organisation org, tx.GetOrganisation(credential->org_id));
    caller.user_id = user->id;
    caller.org_id = org.id;
    caller.org_kind = org.kind;
    caller.role = user->role;
    caller.country = org.country;
    caller.jurisdiction = org.jurisdiction;
    caller.credential_id = credential->id;
    return Status::Ok();
  });
  if (!status.ok()) return status.error();
  return caller;
}

Status IdentityService::Logout(const Caller& caller) {
  if (caller.credential_id.empty()) {
    return InvalidInput("the caller did not authenticate with a credential");
  }
  const Timestamp now = clock_.Now();
  return store_.Write([&](WriteTx& tx) {
    return tx.RevokeCredential(Scope{caller.org_id}, caller.credential_id, now);
  });
}

Result<IssuedToken> IdentityService::CreateApiToken(const Caller& caller, const std::string& name,
                                                    const std::optional<std::string>& user_id,
                                                    const std::optional<Timestamp>& expires_at) {
  if (!IsAdmin(caller)) return Forbidden("only an admin may create API tokens");
  const Timestamp now = clock_.Now();
  const std::string label = Trim(name);
  std::vector<FieldError> errors;
  if (label.empty()) {
    errors.push_back({"name", "must not be empty"});
  } else if (Utf8Length(label) > kMaxTokenNameChars) {
    errors.push_back({"name", "must be at most 100 characters"});
  }
  if (expires_at && *expires_at <= now) {
    errors.push_back({"expires_at", "must be in the future"});
  }
  if (user_id && user_id->empty()) errors.push_back({"user_id", "must not be empty"});
  if (!errors.empty()) return InvalidInput("invalid API token request", std::move(errors));

  const std::string owner_id = user_id.value_or(caller.user_id);
  NewSecret secret = DrawSecret(rng_, "tok", kApiTokenPrefix);
  Credential credential;
  credential.id = secret.id;
  credential.token_hash = HashToken(secret.token);
  credential.user_id = owner_id;
  credential.org_id = caller.org_id;
  credential.kind = "api_token";
  credential.name = label;
  credential.created_at = now;
  credential.expires_at = expires_at;
  CORDON_RETURN_IF_ERROR(store_.Write([&](WriteTx& tx) -> Status {
    // Scoped lookup: a user of another organisation is "not found".
    Result<User> owner = tx.GetUser(Scope{caller.org_id}, owner_id);
    if (!owner.ok()) {
      if (owner.error().code() == ErrorCode::kNotFound) {
        return NotFound("user '" + owner_id + "' not found");
      }
      return owner.error();
    }
    if (!owner->active) {
      return InvalidInput("invalid API token request", {{"user_id", "the user is not active"}});
    }
    return tx.InsertCredential(credential);
  }));
  return IssuedToken{credential.id, std::move(secret.token), credential.expires_at};
}

Result<std::vector<Credential>> IdentityService::ListApiTokens(const Caller& caller) {
  if (!IsAdmin(caller)) return Forbidden("only an admin may list API tokens");
  std::vector<Credential> tokens;
  CORDON_RETURN_IF_ERROR(store_.Read([&](ReadTx& tx) -> Status {
    CORDON_ASSIGN_OR_RETURN(tokens, tx.ListApiTokens(Scope{caller.org_id}));
    return Status::Ok();
  }));
  // The hash is not the secret, but nobody outside needs it either.
  for (Credential& token : tokens) token.token_hash.clear();
  return tokens;
}

Status IdentityService::RevokeApiToken(const Caller& caller, const std::string& token_id) {
  if (!IsAdmin(caller)) return Forbidden("only an admin may revoke API tokens");
  const Timestamp now = clock_.Now();
  return store_.Write([&](WriteTx& tx) -> Status {
    // Only API tokens of the admin's organisation; sessions are not revocable
    // through this call (their owners log out).
    CORDON_ASSIGN_OR_RETURN(std::vector<Credential> tokens, tx.ListApiTokens(Scope{caller.org_id}));
    auto found = std::find_if(tokens.begin(), tokens.end(),
                              [&](const Credential& token) { return token.id == token_id; });
    if (found == tokens.end()) return NotFound("API token '" + token_id + "' not found");
    if (found->revoked_at) return Status::Ok();  // idempotent: keep the first revocation time
    return tx.RevokeCredential(Scope{caller.org_id}, token_id, now);
  });
}

Result<Organisation> IdentityService::GetOrganisation(const std::string& org_id) {
  Organisation org;
  CORDON_RETURN_IF_ERROR(store_.Read([&](ReadTx& tx) -> Status {
    CORDON_ASSIGN_OR_RETURN(org, tx.GetOrganisation(org_id));
    return Status::Ok();
  }));
  return org;
}

Result<User> IdentityService::GetUser(const Caller& caller, const std::string& user_id) {
  User user;
  CORDON_RETURN_IF_ERROR(store_.Read([&](ReadTx& tx) -> Status {
    CORDON_ASSIGN_OR_RETURN(user, tx.GetUser(Scope{caller.org_id}, user_id));
    return Status::Ok();
  }));
  user.password_hash.clear();
  return user;
}

}  // namespace cordon
