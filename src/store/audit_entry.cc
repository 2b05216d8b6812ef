// AuditEntryBytes (store.h): how an audit event becomes a leaf of the log.
#include <nlohmann/json.hpp>

#include "audit/audit_log.h"
#include "store/store.h"

namespace cordon {

Result<std::string> AuditEntryBytes(const AuditEvent& event) {
  nlohmann::json entry = {
      {"v", 1},
      {"seq", event.seq},
      {"at", FormatTimestamp(event.at)},
      {"org_id", event.org_id},
      {"user_id", event.user_id},
      {"action", event.action},
      {"object_type", event.object_type},
      {"object_id", event.object_id},
  };
  // The detail document itself when it has one canonical form (the common
  // case), so readers of the log see structure; floating-point numbers or
  // text that is not JSON go in verbatim as a string under another key, so
  // the two cases can never be confused.
  nlohmann::json detail = nlohmann::json::parse(event.detail, nullptr, /*allow_exceptions=*/false);
  bool structured = false;
  if (!detail.is_discarded()) {
    entry["detail"] = std::move(detail);
    structured = CanonicalJson(entry).ok();
    if (!structured) entry.erase("detail");
  }
  if (!structured) entry["detail_text"] = event.detail;
  Result<std::string> bytes = CanonicalJson(entry);
  if (!bytes.ok()) {
    return InvalidInput("audit event " + event.action +
                        " cannot be logged: " + bytes.error().message());
  }
  return bytes;
}

}  // namespace cordon
