// Tests of the SQLite store against real databases in a temporary directory.
#include <gtest/gtest.h>

#include <filesystem>

#include "store/sqlite_store.h"

namespace cordon {
namespace {

TEST(SqliteStoreSmoke, OpensAndStoresAnOrganisation) {
  auto dir = std::filesystem::temp_directory_path() / "cordon_store_smoke";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  {
    auto store = OpenSqliteStore({.path = (dir / "db.sqlite").string()});
    ASSERT_TRUE(store.ok()) << store.error().ToString();
    Organisation org;
    org.id = "org_1";
    org.name = "Customs DE";
    org.kind = OrgKind::kCustoms;
    org.offices = {"DEHAM", "DEFRA"};
    ASSERT_TRUE((*store)->Write([&](WriteTx& tx) { return tx.InsertOrganisation(org); }).ok());
    Status read = (*store)->Read([&](ReadTx& tx) -> Status {
      auto got = tx.GetOrganisation("org_1");
      if (!got.ok()) return got.error();
      EXPECT_EQ(got->offices, org.offices);
      return Status::Ok();
    });
    ASSERT_TRUE(read.ok()) << read.error().ToString();
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace cordon
