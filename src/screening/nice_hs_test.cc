#include "screening/nice_hs.h"

#include <gtest/gtest.h>

namespace cordon {
namespace {

TEST(NiceHsTable, EmbeddedCopyMatchesTheDataFile) {
  // The compiled-in copy and data/nice_hs.json are the same table.
  Result<NiceHsTable> from_file = NiceHsTable::Load(CORDON_NICE_HS_JSON);
  ASSERT_TRUE(from_file.ok()) << from_file.error().ToString();
  const NiceHsTable& embedded = NiceHsTable::Embedded();
  for (int nice_class = 1; nice_class <= 45; ++nice_class) {
    EXPECT_EQ(embedded.Chapters(nice_class), from_file->Chapters(nice_class)) << nice_class;
  }
}

TEST(NiceHsTable, CoversTheExpectedChapters) {
  const NiceHsTable& table = NiceHsTable::Embedded();
  for (int chapter : {61, 62, 64, 65}) EXPECT_TRUE(table.Covers(25, chapter)) << chapter;
  EXPECT_FALSE(table.Covers(25, 85));
  for (int chapter : {84, 85, 90}) EXPECT_TRUE(table.Covers(9, chapter)) << chapter;
  EXPECT_FALSE(table.Covers(9, 34));  // candles are class 4, not electronics
  EXPECT_TRUE(table.Covers(4, 34));
  EXPECT_TRUE(table.Covers(3, 33));
  EXPECT_TRUE(table.Covers(28, 95));
  EXPECT_TRUE(table.Covers(14, 71));
  EXPECT_TRUE(table.Covers(14, 91));
  EXPECT_TRUE(table.Covers(18, 42));
  EXPECT_TRUE(table.Covers(5, 30));
  // Every goods class covers something; services classes cover nothing.
  for (int nice_class = 1; nice_class <= 34; ++nice_class) {
    EXPECT_TRUE(table.Chapters(nice_class).any()) << nice_class;
  }
  for (int nice_class = 35; nice_class <= 45; ++nice_class) {
    EXPECT_TRUE(table.Chapters(nice_class).none()) << nice_class;
  }
  EXPECT_FALSE(table.Covers(0, 61));
  EXPECT_FALSE(table.Covers(46, 61));
  EXPECT_FALSE(table.Covers(25, 100));
}

TEST(NiceHsTable, RejectsBadEntriesNamingTheField) {
  Result<NiceHsTable> bad = NiceHsTable::FromJson(
      R"({"classes": [{"class": 25, "hs_chapters": ["61", "6"]}, {"class": 46, "hs_chapters": []},
                      {"class": 25, "hs_chapters": []}]})");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), ErrorCode::kInvalidInput);
  ASSERT_EQ(bad.error().fields().size(), 3u);
  EXPECT_EQ(bad.error().fields()[0].field, "classes[0].hs_chapters[1]");
  EXPECT_EQ(bad.error().fields()[1].field, "classes[1].class");
  EXPECT_EQ(bad.error().fields()[2].field, "classes[2].class");
  EXPECT_EQ(NiceHsTable::FromJson("not json").error().code(), ErrorCode::kInvalidInput);
  EXPECT_EQ(NiceHsTable::FromJson("[]").error().code(), ErrorCode::kInvalidInput);
  EXPECT_EQ(NiceHsTable::Load("/nonexistent/nice_hs.json").error().code(), ErrorCode::kNotFound);
}

}  // namespace
}  // namespace cordon
