// Randomness, injected. Identifiers and secrets come from an Rng so tests can
// make them deterministic.
//
// Thread safety: SystemRng is thread-safe; SeededRng is not (one per thread).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace cordon {

class Rng {
 public:
  virtual ~Rng() = default;
  virtual void Fill(std::span<uint8_t> out) = 0;
};

// Cryptographically secure (libsodium randombytes).
class SystemRng final : public Rng {
 public:
  SystemRng();
  void Fill(std::span<uint8_t> out) override;
};

// Deterministic, for tests and seeded data generators. Not for secrets.
class SeededRng final : public Rng {
 public:
  explicit SeededRng(uint64_t seed) : state_(seed) {}
  void Fill(std::span<uint8_t> out) override;

 private:
  uint64_t state_;
};

// A new identifier: prefix + "_" + 20 characters of Crockford base32 from 100
// random bits, e.g. "app_3x9k...". Unguessable when rng is a SystemRng.
std::string NewId(Rng& rng, std::string_view prefix);

// `byte_count` random bytes as unpadded base64url text (for secrets and tokens).
std::string RandomToken(Rng& rng, size_t byte_count);

}  // namespace cordon
