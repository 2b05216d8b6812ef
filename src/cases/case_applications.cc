#include "cases/case_applications.h"

#include "rights/rights.h"

namespace cordon::cases_internal {

Result<CoveringApplication> ReadCoveringApplication(const ApplicationRecord& record, Date today) {
  CORDON_ASSIGN_OR_RETURN(Application app, ApplicationFromRecord(record, today));
  CoveringApplication covering;
  covering.id = app.id;
  covering.status = app.status;
  covering.holder_org_id = app.holder_org_id;
  covering.holder_name = app.holder.name;
  covering.small_consignments = app.small_consignments;
  for (const Goods& goods : app.goods) {
    covering.goods_hs.insert(covering.goods_hs.end(), goods.hs.begin(), goods.hs.end());
  }
  for (const Right& right : app.rights) covering.right_types.push_back(right.type);
  return covering;
}

}  // namespace cordon::cases_internal
