// The JSON representation of an application for action, and its validation.
// The rules are documented for users in docs/applications.md; keep both in step.
#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "core/codes.h"
#include "rights/application_internal.h"
#include "rights/rights.h"

namespace cordon {

namespace rights_internal {

using nlohmann::json;

namespace {

constexpr std::string_view kCountryMessage = "must be an ISO 3166-1 alpha-2 country code";

// Characters (Unicode code points) of a UTF-8 string: nlohmann::json only
// holds valid UTF-8, so counting non-continuation bytes is exact.
size_t CharCount(std::string_view text) {
  return static_cast<size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

bool IsBlank(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
  });
}

// object[key] when present and not null.
const json* Member(const json& object, std::string_view key) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return nullptr;
  return &*it;
}

std::string TooLong(size_t max_chars) {
  return "must be at most " + std::to_string(max_chars) + " characters";
}

std::string AllowedRightTypes() {
  std::string text;
  for (std::string_view type : kRightTypes) {
    if (!text.empty()) text += ", ";
    text += type;
  }
  return text;
}

bool IsRightType(std::string_view type) {
  return std::find(std::begin(kRightTypes), std::end(kRightTypes), type) != std::end(kRightTypes);
}

// An array member; nullptr when absent, null, not an array (reported) or
// longer than kMaxListEntries (reported; its entries are then not examined).
const json* ReadArray(const json& object, std::string_view key, const std::string& path,
                      FieldErrors& errors) {
  const json* value = Member(object, key);
  if (value == nullptr) return nullptr;
  if (!value->is_array()) {
    errors.Add(path, "must be an array");
    return nullptr;
  }
  if (value->size() > kMaxListEntries) {
    errors.Add(path, "must have at most " + std::to_string(kMaxListEntries) + " entries");
    return nullptr;
  }
  return value;
}

std::optional<bool> ReadBool(const json& object, std::string_view key, const std::string& path,
                             FieldErrors& errors) {
  const json* value = Member(object, key);
  if (value == nullptr) return std::nullopt;
  if (!value->is_boolean()) {
    errors.Add(path, "must be true or false");
    return std::nullopt;
  }
  return value->get<bool>();
}

// One string entry of a list: reported unless a non-blank string within the cap.
std::optional<std::string> ReadStringEntry(const json& entry, const std::string& path,
                                           FieldErrors& errors) {
  if (!entry.is_string()) {
    errors.Add(path, "must be a string");
    return std::nullopt;
  }
  std::string text = entry.get<std::string>();
  if (IsBlank(text)) {
    errors.Add(path, "must not be empty");
  } else if (CharCount(text) > kMaxStringChars) {
    errors.Add(path, TooLong(kMaxStringChars));
  }
  return text;
}

// A list of free-text strings (marks, product codes, routes).
std::vector<std::string> ReadStringList(const json& object, std::string_view key,
                                        const std::string& path, FieldErrors& errors) {
  std::vector<std::string> out;
  const json* list = ReadArray(object, key, path, errors);
  if (list == nullptr) return out;
  for (size_t i = 0; i < list->size(); ++i) {
    if (auto text = ReadStringEntry((*list)[i], IndexPath(path, i), errors)) {
      out.push_back(std::move(*text));
    }
  }
  return out;
}

// A list of ISO 3166-1 alpha-2 codes; duplicates are dropped.
std::vector<std::string> ReadCountryList(const json& object, std::string_view key,
                                         const std::string& path, FieldErrors& errors) {
  std::vector<std::string> out;
  const json* list = ReadArray(object, key, path, errors);
  if (list == nullptr) return out;
  for (size_t i = 0; i < list->size(); ++i) {
    const json& entry = (*list)[i];
    if (!entry.is_string() || !IsCountryCode(entry.get<std::string>())) {
      errors.Add(IndexPath(path, i), std::string(kCountryMessage));
      continue;
    }
    std::string code = entry.get<std::string>();
    if (std::find(out.begin(), out.end(), code) == out.end()) out.push_back(std::move(code));
  }
  return out;
}

void ReadCountryInto(const json& object, const std::string& path, bool required,
                     std::string& country, FieldErrors& errors) {
  std::string field = FieldPath(path, "country");
  const json* value = Member(object, "country");
  if (value == nullptr) {
    if (required) errors.Add(field, "is required");
    return;
  }
  if (!value->is_string()) {
    errors.Add(field, std::string(kCountryMessage));
    return;
  }
  country = value->get<std::string>();
  if (country.empty() && !required) return;
  if (!IsCountryCode(country)) errors.Add(field, std::string(kCountryMessage));
}

// A party (holder, representative, authorised party, known infringer). Its
// name identifies it and is required wherever a party is given.
Party ReadParty(const json& value, const std::string& path, bool country_required, bool with_role,
                FieldErrors& errors) {
  Party party;
  if (!value.is_object()) {
    errors.Add(path, "must be an object");
    return party;
  }
  if (auto name =
          ReadString(value, "name", FieldPath(path, "name"), true, kMaxStringChars, errors)) {
    party.name = std::move(*name);
  }
  if (auto address = ReadString(value, "address", FieldPath(path, "address"), false,
                                kMaxStringChars, errors)) {
    party.address = std::move(*address);
  }
  ReadCountryInto(value, path, country_required, party.country, errors);
  if (with_role) {
    if (auto role =
            ReadString(value, "role", FieldPath(path, "role"), false, kMaxStringChars, errors)) {
      party.role = std::move(*role);
    }
  }
  return party;
}

std::vector<Party> ReadPartyList(const json& object, std::string_view key, const std::string& path,
                                 FieldErrors& errors) {
  std::vector<Party> out;
  const json* list = ReadArray(object, key, path, errors);
  if (list == nullptr) return out;
  for (size_t i = 0; i < list->size(); ++i) {
    out.push_back(ReadParty((*list)[i], IndexPath(path, i), false, true, errors));
  }
  return out;
}

Contact ReadContact(const json& value, const std::string& path, FieldErrors& errors) {
  Contact contact;
  if (!value.is_object()) {
    errors.Add(path, "must be an object");
    return contact;
  }
  if (auto name =
          ReadString(value, "name", FieldPath(path, "name"), true, kMaxStringChars, errors)) {
    contact.name = std::move(*name);
  }
  std::string email_path = FieldPath(path, "email");
  if (auto email = ReadString(value, "email", email_path, false, kMaxStringChars, errors)) {
    contact.email = std::move(*email);
    if (!contact.email.empty() && !IsEmailAddress(contact.email)) {
      errors.Add(email_path, "must be an e-mail address");
    }
  }
  if (auto phone =
          ReadString(value, "phone", FieldPath(path, "phone"), false, kMaxStringChars, errors)) {
    contact.phone = std::move(*phone);
  }
  return contact;
}

void ReadNiceClasses(const json& object, const std::string& path, std::vector<int>& out,
                     FieldErrors& errors) {
  const json* list = ReadArray(object, "nice_classes", path, errors);
  if (list == nullptr) return;
  for (size_t i = 0; i < list->size(); ++i) {
    const json& entry = (*list)[i];
    bool valid = false;
    long long nice_class = 0;
    if (entry.is_number_unsigned()) {
      uint64_t value = entry.get<uint64_t>();
      valid = value <= 45;
      nice_class = valid ? static_cast<long long>(value) : 0;
    } else if (entry.is_number_integer()) {
      nice_class = entry.get<int64_t>();
      valid = true;
    }
    if (!valid || !IsNiceClass(nice_class)) {
      errors.Add(IndexPath(path, i), "must be a Nice class between 1 and 45");
      continue;
    }
    out.push_back(static_cast<int>(nice_class));
  }
}

Right ReadRight(const json& value, const std::string& path, FieldErrors& errors) {
  Right right;
  if (!value.is_object()) {
    errors.Add(path, "must be an object");
    return right;
  }
  std::string type_path = FieldPath(path, "type");
  if (auto type = ReadString(value, "type", type_path, true, kMaxStringChars, errors)) {
    right.type = std::move(*type);
    if (!IsBlank(right.type) && !IsRightType(right.type)) {
      errors.Add(type_path, "must be one of: " + AllowedRightTypes());
    }
  }
  if (auto registration = ReadString(value, "registration", FieldPath(path, "registration"), false,
                                     kMaxStringChars, errors)) {
    right.registration = std::move(*registration);
  }
  if (auto office =
          ReadString(value, "office", FieldPath(path, "office"), false, kMaxStringChars, errors)) {
    right.office = std::move(*office);
  }
  right.marks = ReadStringList(value, "marks", FieldPath(path, "marks"), errors);
  ReadNiceClasses(value, FieldPath(path, "nice_classes"), right.nice_classes, errors);
  right.expires_on = ReadDate(value, "expires_on", FieldPath(path, "expires_on"), false, errors);
  return right;
}

Goods ReadGoods(const json& value, const std::string& path, FieldErrors& errors) {
  Goods goods;
  if (!value.is_object()) {
    errors.Add(path, "must be an object");
    return goods;
  }
  if (auto description = ReadString(value, "description", FieldPath(path, "description"), true,
                                    kMaxStringChars, errors)) {
    goods.description = std::move(*description);
  }
  std::string hs_path = FieldPath(path, "hs");
  if (const json* list = ReadArray(value, "hs", hs_path, errors)) {
    for (size_t i = 0; i < list->size(); ++i) {
      const json& entry = (*list)[i];
      std::string entry_path = IndexPath(hs_path, i);
      if (!entry.is_string()) {
        errors.Add(entry_path, "must be a string of 2 to 10 digits");
        continue;
      }
      std::string code = entry.get<std::string>();
      if (!IsHsCode(code)) {
        errors.Add(entry_path, "must be 2 to 10 digits");
        continue;
      }
      goods.hs.push_back(std::move(code));
    }
  }
  return goods;
}

// filed_with: an organisation id ("org_..."), an ISO 3166-1 alpha-2 code, or
// the exact name of a customs administration (what exports write, since ids
// differ between databases). Resolution happens in the service.
void ReadFiledWith(const json& body, const std::string& path, Application& app,
                   FieldErrors& errors) {
  std::string field = FieldPath(path, "filed_with");
  auto raw = ReadString(body, "filed_with", field, false, kMaxStringChars, errors);
  if (!raw || raw->empty()) return;
  app.filed_with_org_id = std::move(*raw);
}

json DateOrNull(const std::optional<Date>& date) {
  return date ? json(FormatDate(*date)) : json(nullptr);
}

json TimestampOrNull(const std::optional<Timestamp>& ts) {
  return ts ? json(FormatTimestamp(*ts)) : json(nullptr);
}

json PartyJson(const Party& party, bool with_role) {
  json out = {{"name", party.name}, {"address", party.address}, {"country", party.country}};
  if (with_role) out["role"] = party.role;
  return out;
}

json PartyListJson(const std::vector<Party>& parties) {
  json out = json::array();
  for (const Party& party : parties) out.push_back(PartyJson(party, true));
  return out;
}

}  // namespace

void FieldErrors::Add(std::string field, std::string message) {
  if (errors_.size() >= kMaxFieldErrors) return;
  errors_.push_back(FieldError{std::move(field), std::move(message)});
}

void FieldErrors::Append(const std::vector<FieldError>& fields) {
  for (const FieldError& field : fields) Add(field.field, field.message);
}

Error FieldErrors::ToError(std::string_view what) const {
  std::string message = "invalid " + std::string(what) + ": " + std::to_string(errors_.size()) +
                        (errors_.size() == 1 ? " field is" : " fields are") + " invalid";
  if (errors_.size() >= kMaxFieldErrors) message += " (only the first ones are listed)";
  if (!errors_.empty()) {
    message += " (" + errors_.front().field + ": " + errors_.front().message;
    message += errors_.size() > 1 ? ", ...)" : ")";
  }
  return InvalidInput(std::move(message), errors_);
}

std::string FieldPath(const std::string& parent, std::string_view key) {
  if (parent.empty()) return std::string(key);
  return parent + "." + std::string(key);
}

std::string IndexPath(const std::string& parent, size_t index) {
  return parent + "[" + std::to_string(index) + "]";
}

std::string PrefixPath(const std::string& prefix, const std::string& field) {
  if (field.empty()) return prefix;
  if (prefix.empty()) return field;
  if (field.front() == '[') return prefix + field;
  return prefix + "." + field;
}

std::optional<std::string> ReadString(const json& object, std::string_view key,
                                      const std::string& path, bool required, size_t max_chars,
                                      FieldErrors& errors) {
  const json* value = Member(object, key);
  if (value == nullptr) {
    if (required) errors.Add(path, "is required");
    return std::nullopt;
  }
  if (!value->is_string()) {
    errors.Add(path, "must be a string");
    return std::nullopt;
  }
  std::string text = value->get<std::string>();
  if (required && IsBlank(text)) {
    errors.Add(path, "is required");
  } else if (CharCount(text) > max_chars) {
    errors.Add(path, TooLong(max_chars));
  }
  return text;
}

std::optional<Date> ReadDate(const json& object, std::string_view key, const std::string& path,
                             bool required, FieldErrors& errors) {
  const json* value = Member(object, key);
  if (value == nullptr) {
    if (required) errors.Add(path, "is required");
    return std::nullopt;
  }
  std::optional<Date> date;
  if (value->is_string()) date = ParseDate(value->get<std::string>());
  if (!date) errors.Add(path, "must be a date in the form YYYY-MM-DD");
  return date;
}

std::optional<Timestamp> ReadTimestamp(const json& object, std::string_view key,
                                       const std::string& path, FieldErrors& errors) {
  const json* value = Member(object, key);
  if (value == nullptr) return std::nullopt;
  std::optional<Timestamp> ts;
  if (value->is_string()) ts = ParseTimestamp(value->get<std::string>());
  if (!ts) errors.Add(path, "must be an RFC 3339 timestamp, e.g. 2026-11-21T23:01:17Z");
  return ts;
}

void ParseApplicationContent(const json& body, const std::string& path, Application& app,
                             FieldErrors& errors) {
  if (!body.is_object()) {
    errors.Add(path, "must be a JSON object");
    return;
  }

  std::string kind_path = FieldPath(path, "kind");
  bool kind_valid = true;
  if (auto kind = ReadString(body, "kind", kind_path, false, kMaxStringChars, errors)) {
    if (*kind == "national" || *kind == "union") {
      app.kind = std::move(*kind);
    } else {
      kind_valid = false;
      errors.Add(kind_path, "must be one of: national, union");
    }
  }

  // Union applications (Regulation (EU) No 608/2013 Art. 2(11)) name the
  // member states in which action is requested; national ones name none.
  std::string member_states_path = FieldPath(path, "member_states");
  app.member_states = ReadCountryList(body, "member_states", member_states_path, errors);
  const json* member_states = Member(body, "member_states");
  bool member_states_absent =
      member_states == nullptr || (member_states->is_array() && member_states->empty());
  if (kind_valid && app.kind == "union" && member_states_absent) {
    errors.Add(member_states_path, "is required for a union application");
  } else if (kind_valid && app.kind != "union" && !member_states_absent) {
    errors.Add(member_states_path, "is only allowed for a union application (kind \"union\")");
  }

  ReadFiledWith(body, path, app, errors);

  std::string holder_path = FieldPath(path, "holder");
  if (const json* holder = Member(body, "holder")) {
    app.holder = ReadParty(*holder, holder_path, true, false, errors);
  } else {
    errors.Add(holder_path, "is required");
  }

  // One contact person ("contact") or several ("contacts"), Art. 6(3)(a).
  const json* contact = Member(body, "contact");
  const json* contacts = Member(body, "contacts");
  if (contact != nullptr && contacts != nullptr) {
    errors.Add(FieldPath(path, "contact"), "give either contact or contacts, not both");
  } else if (contact != nullptr) {
    app.contacts.push_back(ReadContact(*contact, FieldPath(path, "contact"), errors));
  } else {
    std::string contacts_path = FieldPath(path, "contacts");
    if (const json* list = ReadArray(body, "contacts", contacts_path, errors)) {
      for (size_t i = 0; i < list->size(); ++i) {
        app.contacts.push_back(ReadContact((*list)[i], IndexPath(contacts_path, i), errors));
      }
    }
  }

  if (const json* representative = Member(body, "representative")) {
    app.representative =
        ReadParty(*representative, FieldPath(path, "representative"), false, false, errors);
  }

  std::string rights_path = FieldPath(path, "rights");
  if (const json* rights = ReadArray(body, "rights", rights_path, errors)) {
    for (size_t i = 0; i < rights->size(); ++i) {
      app.rights.push_back(ReadRight((*rights)[i], IndexPath(rights_path, i), errors));
    }
  }

  std::string goods_path = FieldPath(path, "goods");
  if (const json* goods = ReadArray(body, "goods", goods_path, errors)) {
    for (size_t i = 0; i < goods->size(); ++i) {
      app.goods.push_back(ReadGoods((*goods)[i], IndexPath(goods_path, i), errors));
    }
  }

  if (auto features = ReadString(body, "authentic_features", FieldPath(path, "authentic_features"),
                                 false, kMaxTextChars, errors)) {
    app.authentic_features = std::move(*features);
  }
  app.product_codes =
      ReadStringList(body, "product_codes", FieldPath(path, "product_codes"), errors);
  app.authorised_parties =
      ReadPartyList(body, "authorised_parties", FieldPath(path, "authorised_parties"), errors);
  app.known_routes = ReadStringList(body, "known_routes", FieldPath(path, "known_routes"), errors);
  app.known_infringers =
      ReadPartyList(body, "known_infringers", FieldPath(path, "known_infringers"), errors);

  if (auto small =
          ReadBool(body, "small_consignments", FieldPath(path, "small_consignments"), errors)) {
    app.small_consignments = *small;
  }
  if (auto accepts = ReadBool(body, "accepts_liability_and_costs",
                              FieldPath(path, "accepts_liability_and_costs"), errors)) {
    app.accepts_liability_and_costs = *accepts;
  }
}

void CheckComplete(const Application& app, const std::string& path, FieldErrors& errors) {
  // Art. 6(3)(q) and Art. 29: the applicant undertakes to bear the costs and
  // the liability; an application without that undertaking cannot be filed.
  if (!app.accepts_liability_and_costs) {
    errors.Add(FieldPath(path, "accepts_liability_and_costs"),
               "must be true to submit: the holder must accept liability and costs "
               "(Regulation (EU) No 608/2013 Art. 6(3)(q), Art. 29)");
  }
  if (IsBlank(app.holder.address)) {
    errors.Add(FieldPath(path, "holder.address"), "is required to submit");
  }
  if (app.contacts.empty()) {
    errors.Add(FieldPath(path, "contact"), "is required to submit (give contact or contacts)");
  }
  for (size_t i = 0; i < app.contacts.size(); ++i) {
    const Contact& contact = app.contacts[i];
    if (IsBlank(contact.email) && IsBlank(contact.phone)) {
      errors.Add(FieldPath(IndexPath(FieldPath(path, "contacts"), i), "email"),
                 "an e-mail address or a phone number is required to submit");
    }
  }
  std::string rights_path = FieldPath(path, "rights");
  if (app.rights.empty()) errors.Add(rights_path, "at least one right is required to submit");
  for (size_t i = 0; i < app.rights.size(); ++i) {
    const Right& right = app.rights[i];
    std::string right_path = IndexPath(rights_path, i);
    if (IsBlank(right.registration)) {
      errors.Add(FieldPath(right_path, "registration"), "is required to submit");
    }
    if (right.type == "trademark" && right.marks.empty()) {
      errors.Add(FieldPath(right_path, "marks"), "a trademark needs at least one mark to submit");
    }
  }
  if (app.goods.empty()) {
    errors.Add(FieldPath(path, "goods"), "at least one goods entry is required to submit");
  }
}

bool IsStoredStatus(std::string_view status) {
  return status == "draft" || status == "submitted" || status == "granted" ||
         status == "rejected" || status == "suspended" || status == "revoked";
}

}  // namespace rights_internal

nlohmann::json ToJson(const Application& app) {
  using nlohmann::json;
  using rights_internal::DateOrNull;
  using rights_internal::PartyJson;
  using rights_internal::PartyListJson;
  using rights_internal::TimestampOrNull;

  json contacts = json::array();
  for (const Contact& contact : app.contacts) {
    contacts.push_back(
        {{"name", contact.name}, {"email", contact.email}, {"phone", contact.phone}});
  }
  json rights = json::array();
  for (const Right& right : app.rights) {
    rights.push_back({{"type", right.type},
                      {"registration", right.registration},
                      {"office", right.office},
                      {"marks", right.marks},
                      {"nice_classes", right.nice_classes},
                      {"expires_on", DateOrNull(right.expires_on)}});
  }
  json goods = json::array();
  for (const Goods& entry : app.goods) {
    goods.push_back({{"description", entry.description}, {"hs", entry.hs}});
  }
  json renewal = nullptr;
  if (app.renewal) {
    renewal = {{"requested_at", FormatTimestamp(app.renewal->requested_at)},
               {"status", app.renewal->status},
               {"previous_valid_until", DateOrNull(app.renewal->previous_valid_until)},
               {"reason", app.renewal->reason}};
  }

  json out = json::object();
  out["id"] = app.id;
  out["kind"] = app.kind;
  out["status"] = app.status;
  out["holder_org_id"] = app.holder_org_id;
  // Both names carry the resolved organisation id: `filed_with` so that the
  // output can be sent back as a body (PUT, import), `filed_with_org_id` to
  // say plainly what it is.
  out["filed_with"] = app.filed_with_org_id;
  out["filed_with_org_id"] = app.filed_with_org_id;
  out["member_states"] = app.member_states;
  out["holder"] = PartyJson(app.holder, false);
  out["contacts"] = std::move(contacts);
  out["representative"] =
      app.representative ? PartyJson(*app.representative, false) : json(nullptr);
  out["rights"] = std::move(rights);
  out["goods"] = std::move(goods);
  out["authentic_features"] = app.authentic_features;
  out["product_codes"] = app.product_codes;
  out["authorised_parties"] = PartyListJson(app.authorised_parties);
  out["known_routes"] = app.known_routes;
  out["known_infringers"] = PartyListJson(app.known_infringers);
  out["small_consignments"] = app.small_consignments;
  out["accepts_liability_and_costs"] = app.accepts_liability_and_costs;
  out["submitted_at"] = TimestampOrNull(app.submitted_at);
  out["decided_at"] = TimestampOrNull(app.decided_at);
  out["valid_until"] = DateOrNull(app.valid_until);
  out["decision_reason"] = app.decision_reason;
  out["renewal"] = std::move(renewal);
  out["created_at"] = FormatTimestamp(app.created_at);
  out["updated_at"] = FormatTimestamp(app.updated_at);
  out["version"] = app.version;
  return out;
}

Result<Application> ApplicationFromJson(const nlohmann::json& body) {
  rights_internal::FieldErrors errors;
  Application app;
  rights_internal::ParseApplicationContent(body, "", app, errors);
  if (!errors.empty()) return errors.ToError("application");
  return app;
}

}  // namespace cordon
