// Key files: one line of text holding a private key, kept beside the
// database (the audit node's signing key, the secrets key of webhook
// secrets). Both kinds are created and read the same way:
//  - created with mode 0600, never over an existing file (kConflict), the
//    file and then its directory fsynced, so a key that data was already
//    protected with is not lost in a crash;
//  - read only when it is a regular file that neither group nor others can
//    access (kForbidden, with the chmod to run), at most 4 KiB (kCorrupt);
//  - the key's text is wiped from memory after use.
// `what` names the kind of key in messages ("signing key", "secrets key"):
// "cannot open signing key file PATH: ...".
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace cordon {

// Reads the key file at `path` and hands its text, without the line end, to
// `parse`, whose error is returned as it is. Errors: kNotFound (no file),
// kForbidden (readable by group or others, or not readable), kCorrupt (not a
// regular file, or too large), kUnavailable (other I/O errors).
Status ReadKeyFile(const std::string& path, std::string_view what,
                   const std::function<Status(std::string_view text)>& parse);

// The key held in the key file at `path`: ReadKeyFile, with `parse` (text ->
// Result<Key>) reading the text; a text it refuses is kCorrupt, "<what> file
// PATH does not hold a <what>: <why>".
template <typename Key, typename Parse>
Result<Key> LoadKeyFile(const std::string& path, std::string_view what, Parse&& parse) {
  std::optional<Key> key;
  CORDON_RETURN_IF_ERROR(ReadKeyFile(path, what, [&](std::string_view text) -> Status {
    Result<Key> parsed = parse(text);
    if (!parsed.ok()) {
      return Corrupt(std::string(what) + " file " + path + " does not hold a " + std::string(what) +
                     ": " + parsed.error().message());
    }
    key.emplace(std::move(parsed).value());
    return Status::Ok();
  }));
  return std::move(*key);
}

// Creates the key file at `path` holding `text` and a line end; `text` is
// wiped. On any failure nothing is left at `path`. Errors: kConflict (the
// file exists), kForbidden, kNotFound (no such directory), kUnavailable.
Status WriteNewKeyFile(const std::string& path, std::string_view what, std::string text);

}  // namespace cordon
