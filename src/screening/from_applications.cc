// FromApplications: the one place screening reads rights' types. It uses only
// the public struct fields of rights/rights.h (no cordon_rights symbols), so
// the screening library does not link the rights service or the store.
#include "rights/rights.h"
#include "screening/mark_index.h"

namespace cordon {

std::vector<IndexedApplication> FromApplications(const std::vector<Application>& applications,
                                                 Date today) {
  std::vector<IndexedApplication> indexed;
  indexed.reserve(applications.size());
  for (const Application& application : applications) {
    IndexedApplication entry;
    entry.id = application.id;
    for (size_t right_index = 0; right_index < application.rights.size(); ++right_index) {
      const Right& right = application.rights[right_index];
      // In force through its expiry date.
      if (right.expires_on && *right.expires_on < today) continue;
      for (const std::string& mark : right.marks) {
        entry.marks.push_back(
            RecordedMark{mark, static_cast<int>(right_index), right.nice_classes});
      }
    }
    for (const Goods& goods : application.goods) {
      entry.goods_hs.insert(entry.goods_hs.end(), goods.hs.begin(), goods.hs.end());
    }
    for (const Party& party : application.authorised_parties) {
      entry.authorised_parties.push_back(AuthorisedParty{party.name, party.country});
    }
    indexed.push_back(std::move(entry));
  }
  return indexed;
}

}  // namespace cordon
