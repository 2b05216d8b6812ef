// What the targeting model reads from a screened declaration (issue 4): the
// fixed map from Declaration fields to the model's roles (docs/targeting.md,
// "In screening"), the stored form of those values, and the mapping of models
// trained on stored screenings (`cordon train --db`).
//
// One row per item: the declaration's fields plus the item's. Roles:
//   keys     importer ← consignee name, seller ← consignor name, declarant ←
//            declarant name (trimmed, inner spaces collapsed, ASCII upper
//            case), seller_country ← consignor country, hs ← item HS code,
//            origin, departure ← dispatch, destination, office,
//            transport_mode, declaration_type ← type, e_commerce ("yes"/"no"),
//            brand ← item brand (as names), currency ← item currency
//   numbers  value ← item value, mass ← item gross kg, quantity ← item
//            quantity (0, "not declared", is missing), items ← item count
//   date     the lodging date
// A model trained on other data (the KCS mapping, say) reads the roles it
// shares with this list (importer, seller, declarant, hs, origin, departure,
// office, transport_mode, value, mass); its other roles read as empty or
// missing, which the model treats as unseen values.
//
// Thread safety: pure functions.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "screening/declaration.h"
#include "targeting/targeting.h"

namespace cordon {

// The declaration's items as the model's rows, in item order.
std::vector<targeting::RoleValues> ModelInputs(const Declaration& declaration);

// The items of several declarations as one Dataset for `mapping`: equal to
// DatasetFromRoles(mapping, the ModelInputs of each in turn), without a map
// per row. group_ends[i] is the end of declaration i's rows (Model::ExplainRiskiest).
targeting::Dataset ModelDataset(const targeting::Mapping& mapping,
                                std::span<const Declaration* const> declarations,
                                std::vector<size_t>& group_ends);

// Stored form (JSON) of the declaration's ModelInputs, written straight from
// the declaration: [{"day":N|null,"keys":{role:text},"numbers":{role:number|null}},
// ...], one object per item, roles in byte order of their names, numbers in
// nlohmann::json's format (missing ones null).
std::string ModelInputsJson(const Declaration& declaration);
// kInvalidInput (naming the place) when `json_text` is not that shape.
Result<std::vector<targeting::RoleValues>> ModelInputsFromJson(std::string_view json_text);

// The mapping of models trained on stored screenings: every role above, the
// usual interactions, the label column "outcome". Its column names are the
// role names.
targeting::Mapping StoredScreeningsMapping();

}  // namespace cordon
