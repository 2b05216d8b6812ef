// Fuzz target: a risk profile body from an analyst (API, `--profiles` file)
// or a partner (joint_profile). ProfileFromJson must never crash; a profile
// it accepts must compile (ProfileSet::Compile) and evaluate on a fixed
// declaration without crashing, and its JSON must read back to the same
// profile.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/time.h"
#include "screening/declaration.h"
#include "screening/profiles.h"

namespace {

const cordon::Declaration& FixedDeclaration() {
  static const cordon::Declaration declaration = [] {
    cordon::Result<cordon::Declaration> parsed = cordon::ParseDeclarationJson(
        R"({"id":"DE-2025-000123","type":"import","lodged_at":"2025-03-04T09:12:00Z",)"
        R"("office":"DEHAM","transport_mode":"sea","origin":"CN","dispatch":"CN",)"
        R"("destination":"DE","e_commerce":true,)"
        R"("consignor":{"name":"Shenzhen Bright Trading Co., Ltd.","address":"1 Road","country":"CN"},)"
        R"("consignee":{"name":"Nordhandel GmbH","address":"2 Weg","country":"DE"},)"
        R"("declarant":{"name":"Zoll Agent KG"},"route":["CNSZX","AEJEA","DEHAM"],)"
        R"("containers":["MSCU1234567"],"items":[)"
        R"({"hs":"640411","description":"sport shoes ZENTRA air runner","brand":"ZENTRA",)"
        R"("quantity":1200,"unit":"pairs","gross_kg":900.0,"value":4800.0,"currency":"USD"},)"
        R"({"hs":"420221","description":"handbags","quantity":10,"unit":"pcs","gross_kg":0,)"
        R"("value":0,"currency":"EUR"}]})");
    if (!parsed.ok()) __builtin_trap();
    return *parsed;
  }();
  return declaration;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  nlohmann::json body = nlohmann::json::parse(text, nullptr, false);
  if (body.is_discarded()) return 0;
  cordon::Result<cordon::RiskProfile> profile = cordon::ProfileFromJson(body);
  if (!profile.ok()) return 0;
  profile->id = "prf_fuzz";
  const nlohmann::json written = cordon::ToJson(*profile);
  cordon::Result<cordon::RiskProfile> again =
      cordon::ProfileFromJson(nlohmann::json::parse(written.dump()));
  if (!again.ok()) __builtin_trap();
  again->id = profile->id;
  if (cordon::ToJson(*again) != written) __builtin_trap();
  profile->active = true;
  cordon::Result<std::shared_ptr<const cordon::ProfileSet>> set = cordon::ProfileSet::Compile(
      {*profile}, {{"4202", 45.0, "handbags"}, {"64", 8.0, ""}, {"640411", 0.5, "per pair"}});
  if (!set.ok()) __builtin_trap();
  for (const char* day : {"2025-03-04", "1970-01-01", "2099-12-31"}) {
    std::vector<cordon::ProfileHit> hits =
        (*set)->Evaluate(FixedDeclaration(), *cordon::ParseDate(day));
    if (hits.size() > 1) __builtin_trap();
  }
  return 0;
}
