// The message types' payload schemas, version 1 (docs/exchange.md).
#include <regex>
#include <set>

#include "exchange/exchange.h"
#include "exchange/exchange_internal.h"
#include "screening/profiles.h"
#include "screening/watchlist.h"
#include "stats/stats.h"

namespace cordon::exchange {

using nlohmann::json;

namespace exchange_internal {

json WatchlistBodyOfParty(const json& party) {
  json body = json::object();
  for (const char* key : {"name", "address", "country"}) {
    if (party.contains(key)) body[key] = party[key];
  }
  return body;
}

Result<RiskProfile> ReceivedProfile(const json& body, const std::string& partner) {
  CORDON_ASSIGN_OR_RETURN(RiskProfile profile, ProfileFromJson(body));
  constexpr size_t kMaxNameChars = 200;  // as ProfileFromJson allows
  std::string name = "[" + partner + "] " + profile.name;
  size_t chars = 0;
  for (size_t at = 0; at < name.size(); ++at) {
    // Count UTF-8 lead bytes; cut before the 201st character.
    if ((static_cast<unsigned char>(name[at]) & 0xC0) != 0x80 && ++chars > kMaxNameChars) {
      name.resize(at);
      break;
    }
  }
  profile.name = std::move(name);
  profile.active = true;
  return profile;
}

}  // namespace exchange_internal

namespace {

// Collects field errors under a path prefix ("payload").
class Checker {
 public:
  // Unknown members of `object` at `path` are errors.
  void OnlyKeys(const json& object, const std::string& path, const std::set<std::string>& allowed) {
    for (auto it = object.begin(); it != object.end(); ++it) {
      if (!allowed.count(it.key())) Add(Join(path, it.key()), "is not a member of this type");
    }
  }

  // A string member; returns nullptr when absent (and records an error when
  // required) or when not a string.
  const json* String(const json& object, const std::string& path, const std::string& key,
                     bool required, size_t max_length = 4000) {
    auto it = object.find(key);
    if (it == object.end() || it->is_null()) {
      if (required) Add(Join(path, key), "is required");
      return nullptr;
    }
    if (!it->is_string()) {
      Add(Join(path, key), "must be a string");
      return nullptr;
    }
    const std::string& text = it->get_ref<const std::string&>();
    if (required && text.find_first_not_of(" \t\r\n") == std::string::npos) {
      Add(Join(path, key), "must not be blank");
      return nullptr;
    }
    if (text.size() > max_length) {
      Add(Join(path, key), "is longer than " + std::to_string(max_length) + " characters");
      return nullptr;
    }
    return &*it;
  }

  void Pattern(const json& object, const std::string& path, const std::string& key, bool required,
               const std::regex& pattern, const std::string& what) {
    const json* value = String(object, path, key, required, 200);
    if (value != nullptr && !std::regex_match(value->get<std::string>(), pattern)) {
      Add(Join(path, key), "must be " + what);
    }
  }

  void Date(const json& object, const std::string& path, const std::string& key, bool required) {
    const json* value = String(object, path, key, required, 10);
    if (value != nullptr && !ParseDate(value->get<std::string>())) {
      Add(Join(path, key), "must be a date YYYY-MM-DD");
    }
  }

  // An array member of strings each matching `pattern`.
  void PatternList(const json& object, const std::string& path, const std::string& key,
                   const std::regex& pattern, const std::string& what, size_t max_items = 200) {
    auto it = object.find(key);
    if (it == object.end() || it->is_null()) return;
    if (!it->is_array()) {
      Add(Join(path, key), "must be an array");
      return;
    }
    if (it->size() > max_items) Add(Join(path, key), "has more than " + std::to_string(max_items) + " items");
    for (size_t i = 0; i < it->size(); ++i) {
      const json& item = (*it)[i];
      const std::string item_path = Join(path, key) + "[" + std::to_string(i) + "]";
      if (!item.is_string() || !std::regex_match(item.get<std::string>(), pattern)) {
        Add(item_path, "must be " + what);
      }
    }
  }

  // An array of objects, each checked by `each`; `required` means non-empty.
  template <typename Each>
  void Objects(const json& object, const std::string& path, const std::string& key, bool required,
               Each each, size_t max_items = 1000) {
    auto it = object.find(key);
    if (it == object.end() || it->is_null()) {
      if (required) Add(Join(path, key), "is required");
      return;
    }
    if (!it->is_array()) {
      Add(Join(path, key), "must be an array");
      return;
    }
    if (required && it->empty()) Add(Join(path, key), "must not be empty");
    if (it->size() > max_items) Add(Join(path, key), "has too many items");
    for (size_t i = 0; i < it->size(); ++i) {
      const std::string item_path = Join(path, key) + "[" + std::to_string(i) + "]";
      if (!(*it)[i].is_object()) {
        Add(item_path, "must be an object");
        continue;
      }
      each((*it)[i], item_path);
    }
  }

  void Add(const std::string& field, const std::string& message) {
    errors_.push_back({field, message});
  }
  std::vector<FieldError>& errors() { return errors_; }

  static std::string Join(const std::string& path, const std::string& key) {
    return path.empty() ? key : path + "." + key;
  }

 private:
  std::vector<FieldError> errors_;
};

const std::regex kLocode("[A-Z]{2}[A-Z2-9]{3}");
const std::regex kHs("[0-9]{6,10}");
const std::regex kContainer("[A-Z]{4}[0-9]{7}");  // ISO 6346
const std::regex kSha256("[0-9a-f]{64}");
const std::regex kMessageId("[A-Za-z0-9._:-]{1,128}");
// The statistics period: the quarter as the statistics file writes it
// ("2026Q3"); "2026-Q3", the form of the first drafts of version 1, is read
// as the same quarter.
const std::regex kQuarter("([0-9]{4})-?(Q[1-4])");

// Adds `error`'s fields under `prefix` ("payload.file"), or its message as
// the prefix's own error when it names no field.
void AddUnder(Checker& check, const std::string& prefix, const Error& error) {
  if (error.fields().empty()) check.Add(prefix, error.message());
  for (const FieldError& field : error.fields()) {
    check.Add(field.field.empty() ? prefix : prefix + "." + field.field, field.message);
  }
}

void CheckReferral(Checker& check, const json& payload) {
  const std::string root = "payload";
  check.OnlyKeys(payload, root,
                 {"case_reference", "summary", "detained_on", "office", "goods", "route",
                  "containers", "parties", "photo_hashes", "legal_basis"});
  check.String(payload, root, "case_reference", true, 128);
  check.String(payload, root, "summary", false);
  check.Date(payload, root, "detained_on", false);
  check.Pattern(payload, root, "office", false, kLocode, "a UN/LOCODE (5 characters)");
  check.String(payload, root, "legal_basis", false, 500);
  check.Objects(payload, root, "goods", true, [&](const json& item, const std::string& path) {
    check.OnlyKeys(item, path, {"description", "hs", "quantity", "unit", "mark", "ipr_type"});
    check.String(item, path, "description", true, 1000);
    check.Pattern(item, path, "hs", false, kHs, "an HS code of 6 to 10 digits");
    if (item.contains("quantity") &&
        (!item["quantity"].is_number() || item["quantity"].get<double>() <= 0)) {
      check.Add(Checker::Join(path, "quantity"), "must be a positive number");
    }
    check.String(item, path, "unit", false, 50);
    check.String(item, path, "mark", false, 200);
    check.String(item, path, "ipr_type", false, 50);
  });
  check.PatternList(payload, root, "route", kLocode, "a UN/LOCODE (5 characters)");
  check.PatternList(payload, root, "containers", kContainer, "an ISO 6346 container number");
  check.PatternList(payload, root, "photo_hashes", kSha256, "a lower-case hex SHA-256");
  check.Objects(payload, root, "parties", false, [&](const json& party, const std::string& path) {
    check.OnlyKeys(party, path, {"role", "name", "address", "country"});
    static const std::set<std::string> kRoles = {"consignor", "consignee", "declarant",
                                                 "manufacturer", "carrier", "other"};
    const json* role = check.String(party, path, "role", true, 50);
    if (role != nullptr && !kRoles.count(role->get<std::string>())) {
      check.Add(Checker::Join(path, "role"),
                "must be consignor, consignee, declarant, manufacturer, carrier or other");
    }
    // Name, address and country are what accepting the referral puts on the
    // watchlist: screening's own validator checks them, here and there.
    Result<WatchlistEntry> entry =
        WatchlistEntryFromJson(exchange_internal::WatchlistBodyOfParty(party));
    if (!entry.ok()) AddUnder(check, path, entry.error());
  });
}

void CheckFeedback(Checker& check, const json& payload) {
  const std::string root = "payload";
  check.OnlyKeys(payload, root, {"referral", "summary", "actions"});
  check.Pattern(payload, root, "referral", true, kMessageId, "the message id of the referral");
  check.String(payload, root, "summary", false);
  check.Objects(payload, root, "actions", true, [&](const json& action, const std::string& path) {
    check.OnlyKeys(action, path, {"kind", "date", "description", "quantity"});
    static const std::set<std::string> kKinds = {"control", "seizure", "investigation",
                                                 "prosecution", "no_action"};
    const json* kind = check.String(action, path, "kind", true, 50);
    if (kind != nullptr && !kKinds.count(kind->get<std::string>())) {
      check.Add(Checker::Join(path, "kind"),
                "must be control, seizure, investigation, prosecution or no_action");
    }
    check.Date(action, path, "date", false);
    check.String(action, path, "description", false);
    if (action.contains("quantity") &&
        (!action["quantity"].is_number() || action["quantity"].get<double>() < 0)) {
      check.Add(Checker::Join(path, "quantity"), "must be a number >= 0");
    }
  });
}

void CheckAlert(Checker& check, const json& payload) {
  const std::string root = "payload";
  // No member for names or addresses: an alert carries no personal data.
  check.OnlyKeys(payload, root,
                 {"title", "summary", "modus_operandi", "routes", "indicators", "hs",
                  "valid_until"});
  check.String(payload, root, "title", true, 300);
  check.String(payload, root, "summary", true);
  check.String(payload, root, "modus_operandi", false);
  check.PatternList(payload, root, "routes", kLocode, "a UN/LOCODE (5 characters)");
  check.PatternList(payload, root, "hs", std::regex("[0-9]{2,10}"), "an HS code prefix (2-10 digits)");
  check.Date(payload, root, "valid_until", false);
  auto indicators = payload.find("indicators");
  if (indicators != payload.end() && !indicators->is_null()) {
    if (!indicators->is_array()) {
      check.Add("payload.indicators", "must be an array of strings");
    } else {
      for (size_t i = 0; i < indicators->size(); ++i) {
        if (!(*indicators)[i].is_string()) {
          check.Add("payload.indicators[" + std::to_string(i) + "]", "must be a string");
        }
      }
    }
  }
}

void CheckJointProfile(Checker& check, const json& payload) {
  const std::string root = "payload";
  check.OnlyKeys(payload, root, {"profile", "rationale"});
  check.String(payload, root, "rationale", false);
  auto profile = payload.find("profile");
  if (profile == payload.end() || !profile->is_object()) {
    check.Add("payload.profile", "is required and must be a risk profile object");
    return;
  }
  // Screening's validator, the one accepting the message uses
  // (ReceivedProfile): the rule language among the rest.
  Result<RiskProfile> parsed = ProfileFromJson(*profile);
  if (!parsed.ok()) AddUnder(check, "payload.profile", parsed.error());
}

void CheckStatistics(Checker& check, const json& payload) {
  const std::string root = "payload";
  check.OnlyKeys(payload, root, {"period", "file"});
  const json* period = check.String(payload, root, "period", true, 20);
  std::smatch parts;
  std::string quarter;
  if (period != nullptr) {
    const std::string& text = period->get_ref<const std::string&>();
    if (std::regex_match(text, parts, kQuarter)) {
      quarter = parts[1].str() + parts[2].str();
    } else {
      check.Add("payload.period", "must be a quarter YYYYQn (e.g. 2026Q3)");
    }
  }
  auto file = payload.find("file");
  if (file == payload.end() || !file->is_object()) {
    check.Add("payload.file",
              "is required and must be the quarterly statistics exchange document (a JSON object)");
    return;
  }
  // The file is the statistics exchange document of docs/stats.md, read by
  // the statistics module's own reader (which refuses unsuppressed cells).
  Result<StatisticsExchange> parsed = ParseStatisticsExchange(*file);
  if (!parsed.ok()) {
    AddUnder(check, "payload.file", parsed.error());
  } else if (!quarter.empty() && parsed->quarter != quarter) {
    check.Add("payload.period", "must be the file's quarter, " + parsed->quarter);
  }
}

void CheckReceipt(Checker& check, const json& payload) {
  const std::string root = "payload";
  check.OnlyKeys(payload, root, {"message_id", "status", "received_at"});
  check.Pattern(payload, root, "message_id", true, kMessageId, "a message id");
  const json* status = check.String(payload, root, "status", true, 20);
  if (status != nullptr && *status != "received") check.Add("payload.status", "must be received");
  const json* at = check.String(payload, root, "received_at", true, 40);
  if (at != nullptr && !ParseTimestamp(at->get<std::string>())) {
    check.Add("payload.received_at", "must be an RFC 3339 timestamp");
  }
}

}  // namespace

const std::vector<std::string>& MessageTypes() {
  static const std::vector<std::string> kTypes = {"referral", "feedback", "alert",
                                                  "joint_profile", "statistics"};
  return kTypes;
}

Status ValidatePayload(const std::string& type, int version, const json& payload) {
  if (version != kPayloadVersion) {
    return InvalidInput("version " + std::to_string(version) + " of " + type +
                            " is not supported; this node reads version 1",
                        {{"version", "must be 1"}});
  }
  if (!payload.is_object()) {
    return InvalidInput("the payload must be a JSON object", {{"payload", "must be an object"}});
  }
  Checker check;
  if (type == "referral") {
    CheckReferral(check, payload);
  } else if (type == "feedback") {
    CheckFeedback(check, payload);
  } else if (type == "alert") {
    CheckAlert(check, payload);
  } else if (type == "joint_profile") {
    CheckJointProfile(check, payload);
  } else if (type == "statistics") {
    CheckStatistics(check, payload);
  } else if (type == "receipt") {
    CheckReceipt(check, payload);
  } else {
    return InvalidInput("unknown message type \"" + type + "\"",
                        {{"type", "must be referral, feedback, alert, joint_profile or statistics"}});
  }
  if (!check.errors().empty()) {
    return InvalidInput("invalid " + type + " payload", std::move(check.errors()));
  }
  return Status::Ok();
}

}  // namespace cordon::exchange
