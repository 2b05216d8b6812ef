#include "demo/demo.h"

#include <nlohmann/json.hpp>

#include <array>
#include <map>
#include <string_view>

#include "cases/case_service.h"
#include "identity/identity.h"
#include "rights/rights.h"
#include "screening/screening_service.h"

namespace cordon {
namespace {

using nlohmann::json;

constexpr const char* kMarkerAction = "demo.loaded";
// The screening part has its own marker, so a demo database loaded before
// screening existed gets it on the next start.
constexpr const char* kScreeningMarkerAction = "demo.screening_loaded";
constexpr const char* kMarkerObject = "demo";
// Detention cases came later still; a demo database without them gets them.
constexpr const char* kCasesMarkerAction = "demo.cases_loaded";

struct DemoOrg {
  const char* name;
  OrgKind kind;
  const char* country;
  const char* jurisdiction;
  std::vector<std::string> offices;
  const char* address;
};

struct DemoUser {
  const char* email;
  const char* name;
  Role role;
  const char* org;
};

// A right holder and what it records: marks, goods, authorised parties.
struct DemoHolder {
  const char* org;
  const char* address;
  const char* country;
  const char* rep_email;
  const char* contact_name;
  const char* phone;
  std::vector<std::string> marks;
  std::vector<int> nice_classes;
  std::vector<std::pair<std::string, std::vector<std::string>>> goods;  // description, HS
  std::string features;
  std::vector<std::string> product_codes;
  std::vector<std::array<std::string, 3>> authorised;  // name, country, role
  std::vector<std::array<std::string, 2>> infringers;  // name, country
};

// What an application ends up as.
enum class Target { kDraft, kSubmitted, kGranted, kRejected, kSuspended, kRevoked, kExpired,
                    kRenewalPending };

struct DemoApplication {
  int holder;                 // index into Holders()
  const char* filed_with;     // country of the customs administration
  const char* kind;           // national | union
  std::vector<std::string> member_states;
  int first_mark;             // slice of the holder's marks
  int mark_count;
  Target target;
};

const std::vector<DemoOrg>& Orgs() {
  static const std::vector<DemoOrg> orgs = {
      {"Customs DE", OrgKind::kCustoms, "DE", "EU", {"DEHAM", "DEFRA", "DEMUC", "DELEJ"},
       "Am Propsthof 78a, 53121 Bonn"},
      {"Customs NL", OrgKind::kCustoms, "NL", "EU", {"NLRTM", "NLAMS"},
       "Kingsfordweg 1, 1043 GN Amsterdam"},
      {"Customs CN", OrgKind::kCustoms, "CN", "CN", {"CNSHA", "CNSZX", "CNNGB"},
       "6 Jianguomennei Avenue, Beijing"},
      {"Zentra Sportswear GmbH", OrgKind::kRightHolder, "DE", "", {}, "Musterstr. 1, 10115 Berlin"},
      {"Lumio Electronics Ltd", OrgKind::kRightHolder, "IE", "", {},
       "4 Harbour Quay, Dublin 2, D02 X285"},
      {"Aurelle Cosmetiques SA", OrgKind::kRightHolder, "FR", "", {},
       "12 rue des Lilas, 75011 Paris"},
      {"Velocita Moto S.p.A.", OrgKind::kRightHolder, "IT", "", {},
       "Via dei Motori 8, 40132 Bologna"},
      {"Hanfeng Tools Co., Ltd.", OrgKind::kRightHolder, "CN", "", {},
       "88 Gongye Road, Ningbo, Zhejiang"},
      {"Nordvik Outdoor AS", OrgKind::kRightHolder, "NO", "", {}, "Fjellveien 3, 0150 Oslo"},
      {"Kestrel Pharma B.V.", OrgKind::kRightHolder, "NL", "", {},
       "Bioscience Park 20, 2333 CH Leiden"},
      {"Police DE", OrgKind::kAgency, "DE", "", {}, "Thaerstr. 11, 65193 Wiesbaden"},
      {"Secretariat", OrgKind::kSecretariat, "", "", {}, "Rue du Marche 30, 1210 Brussels"},
  };
  return orgs;
}

const std::vector<DemoUser>& Users() {
  static const std::vector<DemoUser> users = {
      {"admin@customs-de.demo", "Dana Admin", Role::kAdmin, "Customs DE"},
      {"officer@customs-de.demo", "Jonas Weber", Role::kIprOfficer, "Customs DE"},
      {"analyst@customs-de.demo", "Mira Schulz", Role::kRiskAnalyst, "Customs DE"},
      {"frontline@customs-de.demo", "Tom Becker", Role::kFrontlineOfficer, "Customs DE"},
      {"officer@customs-nl.demo", "Sanne de Vries", Role::kIprOfficer, "Customs NL"},
      {"officer@customs-cn.demo", "Li Wei", Role::kIprOfficer, "Customs CN"},
      {"legal@zentra.demo", "Ana Example", Role::kRightHolderRep, "Zentra Sportswear GmbH"},
      {"legal@lumio.demo", "Ciaran Byrne", Role::kRightHolderRep, "Lumio Electronics Ltd"},
      {"legal@aurelle.demo", "Claire Dubois", Role::kRightHolderRep, "Aurelle Cosmetiques SA"},
      {"legal@velocita.demo", "Marco Rossi", Role::kRightHolderRep, "Velocita Moto S.p.A."},
      {"legal@hanfeng.demo", "Zhang Min", Role::kRightHolderRep, "Hanfeng Tools Co., Ltd."},
      {"legal@nordvik.demo", "Ingrid Haugen", Role::kRightHolderRep, "Nordvik Outdoor AS"},
      {"legal@kestrel.demo", "Pieter Jansen", Role::kRightHolderRep, "Kestrel Pharma B.V."},
      {"reader@police-de.demo", "Kai Vogel", Role::kAgencyReader, "Police DE"},
      {"analyst@secretariat.demo", "Nadia Haddad", Role::kSecretariatAnalyst, "Secretariat"},
  };
  return users;
}

const std::vector<DemoHolder>& Holders() {
  static const std::vector<DemoHolder> holders = {
      {"Zentra Sportswear GmbH", "Musterstr. 1, 10115 Berlin", "DE", "legal@zentra.demo",
       "Ana Example", "+49 30 1234567",
       {"ZENTRA", "ZENTRA AIR RUNNER", "ZX-PRO", "ZENTRA KIDS"},
       {25, 28},
       {{"sports footwear", {"6402", "6403", "6404"}},
        {"sports apparel", {"6109", "6110", "6112"}},
        {"balls and sports equipment", {"9506"}}},
       "Woven label inside the tongue; hologram on the box; laser-etched serial on the insole",
       {"4006381", "4006382"},
       {{"Zentra Logistics B.V.", "NL", "importer"},
        {"Guangzhou Zentra Footwear Manufacturing Co., Ltd.", "CN", "manufacturer"},
        {"Sporthaus Nord GmbH", "DE", "distributor"}},
       {{"Shenzhen Bright Trading Co., Ltd.", "CN"}}},
      {"Lumio Electronics Ltd", "4 Harbour Quay, Dublin 2, D02 X285", "IE", "legal@lumio.demo",
       "Ciaran Byrne", "+353 1 555 0101",
       {"LUMIO", "LUMIO POWERCELL", "LUMIOBEAM", "LUMIO SOUNDPOD"},
       {9},
       {{"chargers and power adapters", {"8504"}},
        {"batteries", {"8507"}},
        {"headphones and loudspeakers", {"8518"}},
        {"mobile phones and accessories", {"8517"}}},
       "Serial number on the inner casing matches the box; UV watermark on the battery label",
       {"5391234", "5391235"},
       {{"Lumio Distribution GmbH", "DE", "distributor"},
        {"Shenzhen Lumio Tech Co., Ltd.", "CN", "manufacturer"}},
       {{"Dongguan Rapid Electronics Co., Ltd.", "CN"}}},
      {"Aurelle Cosmetiques SA", "12 rue des Lilas, 75011 Paris", "FR", "legal@aurelle.demo",
       "Claire Dubois", "+33 1 55 55 01 02",
       {"AURELLE", "AURELLE NUIT", "ECLAT D'AURELLE"},
       {3},
       {{"perfumes and eaux de toilette", {"3303"}}, {"cosmetics and make-up", {"3304"}}},
       "Embossed cap; batch code printed on both the bottle and the carton",
       {"3612345"},
       {{"Aurelle Benelux B.V.", "NL", "distributor"}},
       {}},
      {"Velocita Moto S.p.A.", "Via dei Motori 8, 40132 Bologna", "IT", "legal@velocita.demo",
       "Marco Rossi", "+39 051 555 0199",
       {"VELOCITA", "VLC RACING"},
       {12, 9},
       {{"motorcycle parts and accessories", {"8714"}}, {"protective helmets", {"6506"}}},
       "Helmets carry an ECE 22.06 label with a Velocita hologram",
       {"8012345"},
       {{"Velocita Deutschland GmbH", "DE", "importer"}},
       {}},
      {"Hanfeng Tools Co., Ltd.", "88 Gongye Road, Ningbo, Zhejiang", "CN", "legal@hanfeng.demo",
       "Zhang Min", "+86 574 5550 1234",
       {"HANFENG", "IRONCLAW"},
       {7, 8},
       {{"hand tools", {"8203", "8204", "8205"}}, {"power tools", {"8467"}}},
       "Forged logo on the tool body; QR code on the blister pack",
       {"6901234"},
       {{"Hanfeng Europe B.V.", "NL", "importer"}},
       {}},
      {"Nordvik Outdoor AS", "Fjellveien 3, 0150 Oslo", "NO", "legal@nordvik.demo",
       "Ingrid Haugen", "+47 22 55 01 23",
       {"NORDVIK", "FJELLTOPP"},
       {22, 25},
       {{"outdoor jackets", {"6201", "6202"}}, {"tents", {"6306"}}},
       "Reflective logo on the sleeve; sewn-in RFID tag",
       {"7041234"},
       {{"Nordvik Retail GmbH", "DE", "distributor"}},
       {}},
      {"Kestrel Pharma B.V.", "Bioscience Park 20, 2333 CH Leiden", "NL", "legal@kestrel.demo",
       "Pieter Jansen", "+31 71 555 0147",
       {"KESTRELIN", "ORAVEX"},
       {5},
       {{"medicaments in measured doses", {"3004"}}},
       "Blister foil with colour-shifting ink; serialised 2D code per pack (EU FMD)",
       {"8712345"},
       {{"Kestrel Pharma Manufacturing GmbH", "DE", "manufacturer"}},
       {}},
  };
  return holders;
}

// 34 applications across every state and all three administrations.
const std::vector<DemoApplication>& Applications() {
  using T = Target;
  static const std::vector<DemoApplication> apps = {
      {0, "DE", "union", {"DE", "NL"}, 0, 4, T::kGranted},
      {0, "DE", "national", {}, 0, 2, T::kGranted},
      {0, "NL", "national", {}, 0, 1, T::kGranted},
      {0, "CN", "national", {}, 0, 3, T::kGranted},
      {0, "DE", "national", {}, 2, 1, T::kRenewalPending},
      {0, "DE", "national", {}, 3, 1, T::kDraft},
      {1, "DE", "national", {}, 0, 4, T::kGranted},
      {1, "NL", "national", {}, 0, 2, T::kGranted},
      {1, "CN", "national", {}, 0, 3, T::kGranted},
      {1, "DE", "national", {}, 1, 1, T::kExpired},
      {1, "DE", "national", {}, 3, 1, T::kSubmitted},
      {2, "DE", "union", {"DE", "NL"}, 0, 3, T::kGranted},
      {2, "CN", "national", {}, 0, 1, T::kGranted},
      {2, "NL", "national", {}, 1, 1, T::kSubmitted},
      {2, "DE", "national", {}, 2, 1, T::kRejected},
      {3, "DE", "national", {}, 0, 2, T::kGranted},
      {3, "NL", "national", {}, 0, 1, T::kGranted},
      {3, "CN", "national", {}, 1, 1, T::kSuspended},
      {3, "DE", "national", {}, 1, 1, T::kDraft},
      {4, "CN", "national", {}, 0, 2, T::kGranted},
      {4, "DE", "national", {}, 0, 2, T::kGranted},
      {4, "NL", "national", {}, 1, 1, T::kRevoked},
      {4, "DE", "national", {}, 1, 1, T::kSubmitted},
      {5, "DE", "national", {}, 0, 2, T::kGranted},
      {5, "NL", "national", {}, 0, 2, T::kGranted},
      {5, "CN", "national", {}, 0, 1, T::kExpired},
      {5, "DE", "national", {}, 1, 1, T::kRejected},
      {6, "NL", "union", {"NL", "DE"}, 0, 2, T::kGranted},
      {6, "CN", "national", {}, 0, 2, T::kGranted},
      {6, "DE", "national", {}, 1, 1, T::kSubmitted},
      {6, "DE", "national", {}, 0, 1, T::kDraft},
      {1, "NL", "national", {}, 2, 1, T::kRenewalPending},
      {2, "DE", "national", {}, 0, 1, T::kSuspended},
      {5, "CN", "national", {}, 1, 1, T::kGranted},
  };
  return apps;
}

json ApplicationBody(const DemoApplication& spec, int serial) {
  const DemoHolder& holder = Holders()[spec.holder];
  json marks = json::array();
  for (int index = spec.first_mark; index < spec.first_mark + spec.mark_count; ++index) {
    marks.push_back(holder.marks[index % holder.marks.size()]);
  }
  json goods = json::array();
  for (const auto& [description, hs] : holder.goods) {
    goods.push_back({{"description", description}, {"hs", hs}});
  }
  json authorised = json::array();
  for (const auto& [name, country, role] : holder.authorised) {
    authorised.push_back({{"name", name}, {"country", country}, {"role", role}});
  }
  json infringers = json::array();
  for (const auto& [name, country] : holder.infringers) {
    infringers.push_back({{"name", name}, {"country", country}});
  }
  json body = {
      {"kind", spec.kind},
      {"filed_with", spec.filed_with},
      {"holder", {{"name", holder.org}, {"address", holder.address}, {"country", holder.country}}},
      {"contact",
       {{"name", holder.contact_name}, {"email", holder.rep_email}, {"phone", holder.phone}}},
      {"rights",
       {{{"type", "trademark"},
         {"registration", "EUTM 0" + std::to_string(18000000 + spec.holder * 1000 + serial)},
         {"office", std::string(spec.filed_with) == "CN" ? "CNIPA" : "EUIPO"},
         {"marks", marks},
         {"nice_classes", holder.nice_classes},
         {"expires_on", "2033-06-30"}}}},
      {"goods", goods},
      {"authentic_features", holder.features},
      {"product_codes", holder.product_codes},
      {"authorised_parties", authorised},
      {"known_infringers", infringers},
      {"small_consignments", serial % 3 != 0},
      {"accepts_liability_and_costs", true},
  };
  if (!spec.member_states.empty()) body["member_states"] = spec.member_states;
  return body;
}

Result<Caller> CallerFor(Store& store, const std::string& email) {
  Caller caller;
  Status status = store.Read([&](ReadTx& tx) -> Status {
    CORDON_ASSIGN_OR_RETURN(User user, tx.FindUserByEmail(email));
    CORDON_ASSIGN_OR_RETURN(Organisation org, tx.GetOrganisation(user.org_id));
    caller.user_id = user.id;
    caller.org_id = org.id;
    caller.org_kind = org.kind;
    caller.role = user.role;
    caller.country = org.country;
    caller.jurisdiction = org.jurisdiction;
    return Status::Ok();
  });
  if (!status.ok()) return status.error();
  return caller;
}

std::string OfficerFor(const std::string& country) {
  if (country == "NL") return "officer@customs-nl.demo";
  if (country == "CN") return "officer@customs-cn.demo";
  return "officer@customs-de.demo";
}

// Drives one application through the service to its target state, as the
// people involved would, with `clock` standing at the day the story happens.
Status PlayApplication(Store& store, const Clock& clock, Rng& rng, const DemoApplication& spec,
                       int serial) {
  ApplicationService service(store, clock, rng);
  const DemoHolder& holder = Holders()[spec.holder];
  CORDON_ASSIGN_OR_RETURN(Caller rep, CallerFor(store, holder.rep_email));
  CORDON_ASSIGN_OR_RETURN(Caller officer, CallerFor(store, OfficerFor(spec.filed_with)));
  CORDON_ASSIGN_OR_RETURN(Application app, service.Create(rep, ApplicationBody(spec, serial)));
  if (spec.target == Target::kDraft) return Status::Ok();
  CORDON_RETURN_IF_ERROR(service.Submit(rep, app.id).status());
  if (spec.target == Target::kSubmitted) return Status::Ok();
  if (spec.target == Target::kRejected) {
    return service
        .Decide(officer, app.id,
                {{"decision", "reject"},
                 {"reason", "The evidence does not show that the applicant holds the right."}})
        .status();
  }
  Date today = clock.Today();
  int valid_days = spec.target == Target::kRenewalPending ? 25 : 300 + serial % 60;
  CORDON_RETURN_IF_ERROR(
      service
          .Decide(officer, app.id,
                  {{"decision", "grant"}, {"valid_until", FormatDate(AddDays(today, valid_days))}})
          .status());
  switch (spec.target) {
    case Target::kSuspended:
      return service
          .Suspend(officer, app.id,
                   {{"reason", "Holder did not provide updated authorised-party information "
                               "(Regulation (EU) No 608/2013 Art. 16(1))."}})
          .status();
    case Target::kRevoked:
      return service
          .Revoke(officer, app.id,
                  {{"reason", "The right was declared invalid (Art. 13(1))."}})
          .status();
    case Target::kRenewalPending:
      return service
          .RequestRenewal(rep, app.id, {{"reason", "Rights remain in force; please extend."}})
          .status();
    default:
      return Status::Ok();
  }
}

// --- risk screening: Customs DE's analyst writes profiles and a watchlist
// and screens a small batch, so the selection queue has work in it.

json Condition(const char* field, const char* op, json value) {
  return {{"field", field}, {"op", op}, {"value", std::move(value)}};
}

std::vector<json> DemoProfiles(Date today) {
  return {
      {{"name", "Sports shoes from CN/HK under 5 EUR per kg"},
       {"description", "Counterfeit trainers are declared far below the price of the originals."},
       {"weight", 0.4},
       {"valid_from", FormatDate(AddDays(today, -30))},
       {"rule",
        {{"all",
          {Condition("origin", "in", {"CN", "HK"}),
           Condition("item.hs", "prefix", {"6402", "6404"}),
           Condition("item.currency", "eq", "EUR"), Condition("item.value_per_kg", "lt", 5)}}}}},
      {{"name", "Electronics in e-commerce parcels from CN/HK"},
       {"weight", 0.35},
       {"rule",
        {{"all",
          {Condition("e_commerce", "is", true), Condition("origin", "in", {"CN", "HK"}),
           Condition("item.hs", "prefix", {"8504", "8507", "8517", "8518"})}}}}},
      {{"name", "Perfume routed through UAE hubs"},
       {"weight", 0.3},
       {"rule",
        {{"all",
          {Condition("item.hs", "prefix", {"3303"}), Condition("route", "prefix", {"AE"})}}}}},
      {{"name", "Cheap motorcycle helmets (paused)"},
       {"weight", 0.3},
       {"active", false},
       {"rule",
        {{"all",
          {Condition("item.hs", "prefix", {"6506"}), Condition("item.unit_value", "lt", 8)}}}}},
  };
}

std::vector<json> DemoWatchlist() {
  return {
      {{"name", "Shenzhen Bright Trading Co., Ltd."},
       {"country", "CN"},
       {"reason", "Named as a known infringer in Zentra's application; two detentions last year"},
       {"weight", 0.6}},
      {{"name", "Dongguan Rapid Electronics Co., Ltd."},
       {"country", "CN"},
       {"reason", "Named as a known infringer in Lumio's application"},
       {"weight", 0.6}},
      {{"name", "Golden Fragrance Trading FZE"},
       {"country", "AE"},
       {"reason", "Referral from Customs NL: counterfeit perfume"},
       {"weight", 0.5}},
  };
}

json DemoDeclaration(const std::string& id, const std::string& lodged_at, const char* office,
                     const char* mode, const char* origin, bool e_commerce,
                     std::pair<const char*, const char*> consignor,
                     std::pair<const char*, const char*> consignee, std::vector<std::string> route,
                     const char* hs, const char* description, double quantity, const char* unit,
                     double gross_kg, double value, const char* currency) {
  return {{"id", id},
          {"type", "import"},
          {"lodged_at", lodged_at},
          {"office", office},
          {"transport_mode", mode},
          {"origin", origin},
          {"dispatch", origin},
          {"destination", "DE"},
          {"e_commerce", e_commerce},
          {"consignor", {{"name", consignor.first}, {"country", consignor.second}}},
          {"consignee", {{"name", consignee.first}, {"country", consignee.second}}},
          {"route", route},
          {"items",
           {{{"hs", hs},
             {"description", description},
             {"quantity", quantity},
             {"unit", unit},
             {"gross_kg", gross_kg},
             {"value", value},
             {"currency", currency}}}}};
}

std::vector<json> DemoDeclarations(Timestamp now) {
  const std::string at = FormatTimestamp(now);
  const std::string year = FormatDate(DateOf(now)).substr(0, 4);
  int serial = 0;
  auto id = [&] { return "DEMO-" + year + "-" + std::to_string(100001 + serial++); };
  return {
      DemoDeclaration(id(), at, "DEHAM", "sea", "CN", false,
                      {"Shenzhen Bright Trading Co., Ltd.", "CN"}, {"Nordhandel GmbH", "DE"},
                      {"CNSZX", "SGSIN", "DEHAM"}, "640411", "sport shoes ZENTRA air runner", 1200,
                      "pairs", 900, 4200, "EUR"),
      DemoDeclaration(id(), at, "DEFRA", "express", "CN", true,
                      {"Dongguan Rapid Electronics Co., Ltd.", "CN"}, {"Jonas Meier", "DE"},
                      {"CNSZX", "DEFRA"}, "850760", "LUMI0 power bank 20000mAh", 2, "pieces", 0.8,
                      35, "EUR"),
      DemoDeclaration(id(), at, "DEHAM", "sea", "CN", false, {"Ningbo Cotton Mill Co., Ltd.", "CN"},
                      {"Textil Nord GmbH", "DE"}, {"CNNGB", "DEHAM"}, "610910",
                      "plain cotton t-shirts", 5000, "pieces", 1000, 9000, "USD"),
      DemoDeclaration(id(), at, "DEMUC", "air", "AE", false, {"Golden Fragrance Trading FZE", "AE"},
                      {"Parfum Sud GmbH", "DE"}, {"AEJEA", "DEMUC"}, "330300",
                      "eau de parfum AURELE NUIT 100ml", 600, "pieces", 150, 3000, "EUR"),
      DemoDeclaration(id(), at, "DEHAM", "road", "NL", false, {"Zentra Logistics B.V.", "NL"},
                      {"Sporthaus Nord GmbH", "DE"}, {"NLRTM", "DEHAM"}, "640411",
                      "ZENTRA air runner shoes", 300, "pairs", 240, 18000, "EUR"),
      DemoDeclaration(id(), at, "DEHAM", "sea", "CN", false, {"Xiamen Home Goods Co.", "CN"},
                      {"Wohnen GmbH", "DE"}, {"CNXMN", "DEHAM"}, "340600", "lumio scented candles",
                      2000, "pieces", 400, 1500, "USD"),
      DemoDeclaration(id(), at, "DELEJ", "rail", "CN", false, {"Yiwu Moto Parts Co.", "CN"},
                      {"Motorrad Ost GmbH", "DE"}, {"CNYIW", "DELEJ"}, "650610",
                      "VELOClTA racing helmets", 400, "pieces", 600, 2400, "USD"),
      DemoDeclaration(id(), at, "DEFRA", "air", "IN", false, {"Mumbai Generics Pvt. Ltd.", "IN"},
                      {"Apotheken Service GmbH", "DE"}, {"INBOM", "DEFRA"}, "300490",
                      "KESTRELlN 20 mg tablets", 10000, "packs", 300, 5000, "EUR"),
      DemoDeclaration(id(), at, "DEMUC", "postal", "CN", true, {"Shop 1688", "CN"},
                      {"Lea Schmidt", "DE"}, {"CNPVG", "DEMUC"}, "821191", "kitchen knives", 2,
                      "pieces", 0.6, 12, "EUR"),
      DemoDeclaration(id(), at, "DEHAM", "sea", "VN", false, {"Saigon Footwear JSC", "VN"},
                      {"Nordhandel GmbH", "DE"}, {"VNSGN", "DEHAM"}, "640411", "ZENTRAA sneakers",
                      800, "pairs", 600, 3000, "USD"),
  };
}

Status LoadScreeningDemo(Store& store, const Clock& clock, Rng& rng) {
  ScreeningService screening(store, clock, rng);
  CORDON_ASSIGN_OR_RETURN(Caller analyst, CallerFor(store, "analyst@customs-de.demo"));
  for (const json& body : DemoProfiles(clock.Today())) {
    CORDON_RETURN_IF_ERROR(screening.CreateProfile(analyst, body).status());
  }
  for (const json& body : DemoWatchlist()) {
    CORDON_RETURN_IF_ERROR(screening.CreateWatchlistEntry(analyst, body).status());
  }
  BatchRequest batch;
  batch.store = true;
  for (const json& declaration : DemoDeclarations(clock.Now())) {
    batch.declarations.push_back(declaration.dump());
  }
  CORDON_ASSIGN_OR_RETURN(BatchOutcome outcome, screening.ScreenBatch(analyst, batch));
  if (!outcome.errors.empty()) {
    return Internal("demo declaration " + outcome.errors[0].id +
                    " is invalid: " + outcome.errors[0].error);
  }
  return Status::Ok();
}

// A clock standing at a fixed instant, for stories set in the past.
class PastClock final : public Clock {
 public:
  explicit PastClock(Timestamp at) : at_(at) {}
  Timestamp Now() const override { return at_; }

 private:
  Timestamp at_;
};

// Detention cases of Customs DE in several states: one just notified, one the
// holder confirmed, one opposed and before a court, one destroyed, one ex
// officio awaiting an application. Stories set in the past run on PastClocks.
Result<std::string> GrantedApplicationOf(Store& store, const Clock& clock, Rng& rng,
                                         const Caller& rep, const std::string& customs_de) {
  ApplicationService applications(store, clock, rng);
  ApplicationQuery query;
  query.status = "granted";
  query.limit = 100;
  CORDON_ASSIGN_OR_RETURN(Page<Application> page, applications.List(rep, query));
  for (const Application& app : page.items) {
    if (app.filed_with_org_id == customs_de) return app.id;
  }
  return NotFound("no granted application filed with Customs DE");
}

// Where a demo consignment came from and went (the statistics' map and
// origin -> destination flows read these).
struct Shipment {
  const char* transport_mode;
  const char* origin;
  const char* dispatch;
  const char* destination;
  bool e_commerce = false;
};

json DemoCaseBody(const std::string& application_id, const std::string& office,
                  const json& goods, Date suspended_on, const Shipment& shipment) {
  json body = {{"office", office},
               {"transport_mode", shipment.transport_mode},
               {"origin", shipment.origin},
               {"dispatch", shipment.dispatch},
               {"destination", shipment.destination},
               {"e_commerce", shipment.e_commerce},
               {"procedure", application_id.empty() ? "ex_officio" : "application"},
               {"suspended_on", FormatDate(suspended_on)},
               {"notified_on", FormatDate(suspended_on)},
               {"declarant",
                {{"name", "Hafen Zoll Service GmbH"},
                 {"address", "Am Sandtorkai 5, 20457 Hamburg"},
                 {"country", "DE"}}},
               {"holder_of_goods",
                {{"name", "Nordhandel Import GmbH"},
                 {"address", "Industriestr. 12, 28199 Bremen"},
                 {"country", "DE"}}},
               {"goods", goods}};
  if (!application_id.empty()) body["application_id"] = application_id;
  return body;
}

Status LoadCasesDemo(Store& store, const Clock& clock, Rng& rng, const std::string& customs_de) {
  CORDON_ASSIGN_OR_RETURN(Caller officer, CallerFor(store, "officer@customs-de.demo"));
  CORDON_ASSIGN_OR_RETURN(Caller zentra, CallerFor(store, "legal@zentra.demo"));
  CORDON_ASSIGN_OR_RETURN(Caller lumio, CallerFor(store, "legal@lumio.demo"));
  CORDON_ASSIGN_OR_RETURN(std::string zentra_app,
                          GrantedApplicationOf(store, clock, rng, zentra, customs_de));
  CORDON_ASSIGN_OR_RETURN(std::string lumio_app,
                          GrantedApplicationOf(store, clock, rng, lumio, customs_de));
  const json shoes = json::array({{{"description", "running shoes bearing the ZENTRA mark"},
                                   {"hs", "640411"}, {"quantity", 1200}, {"unit", "pairs"},
                                   {"product_category", "shoes"}, {"ipr_type", "trademark"},
                                   {"mark", "ZENTRA"}, {"estimated_value_eur", 54000}}});
  const json chargers = json::array({{{"description", "USB chargers marked LUMIO POWERCELL"},
                                      {"hs", "850440"}, {"quantity", 5000}, {"unit", "pieces"},
                                      {"product_category", "mobile_phones_and_accessories"},
                                      {"ipr_type", "trademark"}, {"mark", "LUMIO POWERCELL"},
                                      {"estimated_value_eur", 42500}}});
  const Timestamp now = clock.Now();
  const Date today = clock.Today();
  auto check = [](const Result<json>& result) -> Result<std::string> {
    if (!result.ok()) return result.error();
    return result->value("id", "");
  };

  // Notified today: the response period runs.
  CaseService cases(store, clock, rng);
  CORDON_RETURN_IF_ERROR(check(cases.Open(officer, DemoCaseBody(zentra_app, "DEHAM", shoes, today, {"sea", "CN", "CN", "DE"}))).status());
  // Ex officio this morning: waiting for an application (Art. 18).
  CORDON_RETURN_IF_ERROR(check(cases.Open(officer, DemoCaseBody("", "DEFRA", chargers, today, {"air", "HK", "HK", "PL", true}))).status());

  // Two days ago; the holder confirmed yesterday.
  PastClock two_days_ago(now - std::chrono::days(2));
  PastClock yesterday(now - std::chrono::days(1));
  CaseService opened_earlier(store, two_days_ago, rng);
  CORDON_ASSIGN_OR_RETURN(std::string confirmed,
                          check(opened_earlier.Open(officer, DemoCaseBody(zentra_app, "DEHAM", shoes,
                                                                         two_days_ago.Today(), {"sea", "ID", "AE", "DE"}))));
  CaseService acting_yesterday(store, yesterday, rng);
  CORDON_RETURN_IF_ERROR(check(acting_yesterday.Act(zentra, confirmed, {{"action", "confirm_infringement"}})).status());

  // Opposed, then the holder went to court.
  CORDON_ASSIGN_OR_RETURN(std::string opposed,
                          check(opened_earlier.Open(officer, DemoCaseBody(lumio_app, "DEMUC", chargers,
                                                                         two_days_ago.Today(), {"road", "CN", "TR", "DE"}))));
  CORDON_RETURN_IF_ERROR(check(acting_yesterday.Act(officer, opposed, {{"action", "oppose"}, {"party", "declarant"}})).status());
  CORDON_RETURN_IF_ERROR(check(cases.Act(lumio, opposed, {{"action", "start_proceedings"},
                                                         {"reference", "LG Muenchen I 7 O 1234/26"},
                                                         {"court", "Landgericht Muenchen I"}})).status());

  // Agreed by both sides and destroyed today, with its costs.
  CORDON_ASSIGN_OR_RETURN(std::string destroyed,
                          check(opened_earlier.Open(officer, DemoCaseBody(zentra_app, "DEHAM", shoes,
                                                                         two_days_ago.Today(), {"sea", "TR", "TR", "CZ"}))));
  CORDON_RETURN_IF_ERROR(check(acting_yesterday.Act(zentra, destroyed, {{"action", "confirm_infringement"}})).status());
  CORDON_RETURN_IF_ERROR(check(acting_yesterday.Act(officer, destroyed, {{"action", "agree"}, {"party", "declarant"}})).status());
  CORDON_RETURN_IF_ERROR(check(cases.Act(officer, destroyed,
                                         {{"action", "destroy"}, {"date", FormatDate(today)},
                                          {"place", "MVR Hamburg waste incineration plant"},
                                          {"method", "incineration"},
                                          {"environmental_handling", "energy recovery; slag to licensed landfill"},
                                          {"witness", "Jonas Weber (customs)"}, {"quantity", 1200},
                                          {"unit", "pairs"}, {"cost_eur", 640}})).status());
  return check(cases.Act(officer, destroyed, {{"action", "record_cost"}, {"kind", "storage"},
                                              {"amount_eur", 180}, {"description", "2 days of warehouse storage"}}))
      .status();
}

}  // namespace

std::vector<DemoLogin> DemoLogins() {
  std::vector<DemoLogin> logins;
  for (const DemoUser& user : Users()) {
    logins.push_back({user.email, RoleName(user.role), user.org});
  }
  return logins;
}

namespace {

// Appends a demo completion marker to Customs DE's audit log.
Status AppendMarker(Store& store, const Clock& clock, const std::string& customs_de,
                    const char* action, const json& detail) {
  return store.Write([&](WriteTx& tx) -> Status {
    AuditEvent marker;
    marker.at = clock.Now();
    marker.org_id = customs_de;
    marker.action = action;
    marker.object_type = "demo";
    marker.object_id = kMarkerObject;
    marker.detail = detail.dump();
    return tx.AppendAuditEvent(marker).status();
  });
}

}  // namespace

Result<bool> LoadDemoData(Store& store, const Clock& clock, Rng& rng) {
  bool has_orgs = false;
  bool has_marker = false;
  bool has_screening_marker = false;
  bool has_cases_marker = false;
  std::string customs_de;
  CORDON_RETURN_IF_ERROR(store.Read([&](ReadTx& tx) -> Status {
    Result<Organisation> customs = tx.FindOrganisationByName(Orgs()[0].name);
    if (!customs.ok()) {
      return customs.error().code() == ErrorCode::kNotFound ? Status::Ok() : customs.status();
    }
    has_orgs = true;
    customs_de = customs->id;
    CORDON_ASSIGN_OR_RETURN(auto events, tx.ListAuditEvents(Scope{customs->id}, kMarkerObject));
    for (const AuditEvent& event : events) {
      if (event.action == kMarkerAction) has_marker = true;
      if (event.action == kScreeningMarkerAction) has_screening_marker = true;
      if (event.action == kCasesMarkerAction) has_cases_marker = true;
    }
    return Status::Ok();
  }));
  if (has_marker) {
    if (has_screening_marker && has_cases_marker) return false;
    if (!has_screening_marker) {
      CORDON_RETURN_IF_ERROR(LoadScreeningDemo(store, clock, rng));
      CORDON_RETURN_IF_ERROR(
          AppendMarker(store, clock, customs_de, kScreeningMarkerAction,
                       json{{"declarations", DemoDeclarations(clock.Now()).size()}}));
    }
    if (!has_cases_marker) {
      Status cases = LoadCasesDemo(store, clock, rng, customs_de);
      if (!cases.ok()) {
        Error error = cases.error();
        return error.Prefix("demo cases: ");
      }
      CORDON_RETURN_IF_ERROR(AppendMarker(store, clock, customs_de, kCasesMarkerAction, json{{"cases", 5}}));
    }
    return true;
  }
  if (has_orgs) {
    return Conflict(
        "the database holds demo organisations but no record of a completed demo load (an "
        "earlier load was interrupted); start the demo with an empty database");
  }

  IdentityService identity(store, clock, rng);
  std::map<std::string, std::string> org_ids;
  for (const DemoOrg& org : Orgs()) {
    CORDON_ASSIGN_OR_RETURN(Organisation created,
                            identity.CreateOrganisation({org.name, org.kind, org.country,
                                                         org.jurisdiction, org.offices,
                                                         org.address}));
    org_ids[org.name] = created.id;
  }
  for (const DemoUser& user : Users()) {
    CORDON_RETURN_IF_ERROR(
        identity.CreateUser({org_ids[user.org], user.email, user.name, user.role, kDemoPassword})
            .status());
  }

  // Expired grants happened about fourteen months ago; everything else today.
  PastClock past(clock.Now() - std::chrono::days(420));
  int serial = 0;
  for (const DemoApplication& spec : Applications()) {
    ++serial;
    const Clock& story_clock = spec.target == Target::kExpired ? static_cast<const Clock&>(past)
                                                               : clock;
    Status played = PlayApplication(store, story_clock, rng, spec, serial);
    if (!played.ok()) {
      Error error = played.error();
      return error.Prefix("demo application " + std::to_string(serial) + ": ");
    }
  }

  customs_de = org_ids[Orgs()[0].name];
  CORDON_RETURN_IF_ERROR(AppendMarker(store, clock, customs_de, kMarkerAction,
                                      json{{"applications", Applications().size()}}));
  Status screening = LoadScreeningDemo(store, clock, rng);
  if (!screening.ok()) {
    Error error = screening.error();
    return error.Prefix("demo screening data: ");
  }
  CORDON_RETURN_IF_ERROR(
      AppendMarker(store, clock, customs_de, kScreeningMarkerAction,
                   json{{"declarations", DemoDeclarations(clock.Now()).size()}}));
  Status cases = LoadCasesDemo(store, clock, rng, customs_de);
  if (!cases.ok()) {
    Error error = cases.error();
    return error.Prefix("demo cases: ");
  }
  CORDON_RETURN_IF_ERROR(AppendMarker(store, clock, customs_de, kCasesMarkerAction, json{{"cases", 5}}));
  return true;
}

}  // namespace cordon
