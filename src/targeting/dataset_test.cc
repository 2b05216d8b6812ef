// Mapping files and reading CSV through them: the clear errors the issue asks
// for (bad mapping, missing label column, non-numeric values, empty file).
#include <gtest/gtest.h>

#include <cmath>

#include "targeting/targeting.h"
#include "targeting/test_util.h"

namespace cordon::targeting {
namespace {

using test::FixtureMapping;
using test::FixturePath;
using test::ReadFixture;

std::string ErrorOf(const Result<Mapping>& mapping) {
  return mapping.ok() ? "(no error)" : mapping.error().message();
}

TEST(Mapping, FixtureAndShippedKcsMappingParse) {
  Mapping mapping = FixtureMapping();
  EXPECT_EQ(mapping.label_column, "Inspected Outcome");
  EXPECT_EQ(mapping.keys.size(), 5u);
  EXPECT_EQ(mapping.interactions.size(), 3u);
  EXPECT_EQ(mapping.train.max_depth, 4);
  Result<Mapping> kcs = LoadMapping(std::string(CORDON_TARGETING_MAPPINGS) + "/kcs.json");
  ASSERT_TRUE(kcs.ok()) << kcs.error().ToString();
  EXPECT_EQ(kcs->label_column, "Fraud");
  for (const KeyColumn& key : kcs->keys) EXPECT_NE(key.column, "Critical Fraud");
}

TEST(Mapping, RoundTripsThroughJson) {
  Mapping mapping = FixtureMapping();
  Result<Mapping> again = ParseMapping(MappingToJson(mapping));
  ASSERT_TRUE(again.ok()) << again.error().ToString();
  EXPECT_EQ(*again, mapping);
}

TEST(Mapping, BadMappingsNameTheKey) {
  EXPECT_NE(ErrorOf(ParseMapping("{")).find("not valid JSON"), std::string::npos);
  EXPECT_NE(ErrorOf(ParseMapping("[]")).find("JSON object"), std::string::npos);
  EXPECT_NE(ErrorOf(ParseMapping(R"({"keys": {"importer": "I"}, "lable": "F"})")).find("\"lable\""),
            std::string::npos);
  EXPECT_NE(ErrorOf(ParseMapping(R"({"label": "F"})")).find("\"keys\""), std::string::npos);
  EXPECT_NE(ErrorOf(ParseMapping(R"({"keys": {"importer": 3}})")).find("\"keys.importer\""),
            std::string::npos);
  EXPECT_NE(ErrorOf(ParseMapping(R"({"keys": {"Importer": "I"}})")).find("\"keys.Importer\""),
            std::string::npos);
  EXPECT_NE(ErrorOf(ParseMapping(R"({"keys": {"hs6": "H"}})")).find("\"keys.hs6\""),
            std::string::npos);
  EXPECT_NE(ErrorOf(ParseMapping(R"({"keys": {"a": "A"}, "numeric": {"value": ""}})"))
                .find("\"numeric.value\""),
            std::string::npos);
  EXPECT_NE(ErrorOf(ParseMapping(R"({"keys": {"a": "A"}, "interactions": [["a", "b"]]})"))
                .find("\"interactions[0][1]\""),
            std::string::npos);
  EXPECT_NE(ErrorOf(ParseMapping(R"({"keys": {"a": "A"}, "interactions": [["a", "hs6"]]})"))
                .find("no \"hs\" key"),
            std::string::npos);
  EXPECT_NE(ErrorOf(ParseMapping(R"({"keys": {"a": "A"}, "interactions": [["a"]]})"))
                .find("\"interactions[0]\""),
            std::string::npos);
  EXPECT_NE(ErrorOf(ParseMapping(R"({"keys": {"a": "A"}, "train": {"depth": 3}})"))
                .find("\"train.depth\""),
            std::string::npos);
  EXPECT_NE(ErrorOf(ParseMapping(R"({"keys": {"a": "A"}, "train": {"max_depth": "8"}})"))
                .find("\"train.max_depth\""),
            std::string::npos);
  EXPECT_NE(ErrorOf(ParseMapping(R"({"keys": {"a": "A"}, "train": {"learning_rate": 3}})"))
                .find("learning_rate"),
            std::string::npos);
  EXPECT_NE(ErrorOf(ParseMapping(R"({"keys": {"a": "A"}, "version": 2})")).find("\"version\""),
            std::string::npos);
  // The outcome can never be an input.
  EXPECT_NE(ErrorOf(ParseMapping(R"({"label": "F", "keys": {"flag": "F"}})"))
                .find("\"keys.flag\" reads the outcome column"),
            std::string::npos);
  Result<Mapping> missing = LoadMapping(FixturePath("no-such-mapping.json"));
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message().find("no-such-mapping.json"), std::string::npos);
}

TEST(Dataset, ReadsTheFixture) {
  Mapping mapping = FixtureMapping();
  Result<Dataset> data = LoadDataset(FixturePath("train.csv"), mapping, "");
  ASSERT_TRUE(data.ok()) << data.error().ToString();
  EXPECT_EQ(data->rows, 900u);
  EXPECT_EQ(data->labels.size(), 900u);
  EXPECT_EQ(data->revenue.size(), 900u);
  EXPECT_EQ(data->ids.front(), "100000");
  EXPECT_EQ(data->key_names,
            (std::vector<std::string>{"importer", "declarant", "hs", "origin", "office"}));
  EXPECT_EQ(data->label_column, "Inspected Outcome");
  EXPECT_NE(data->days.front(), Dataset::kNoDay);
}

TEST(Dataset, QuotedFieldsEmptyNumbersAndDates) {
  Mapping mapping = FixtureMapping();
  Result<Dataset> data = ParseDataset(ReadFixture("quoted.csv"), mapping, "", "quoted.csv");
  ASSERT_TRUE(data.ok()) << data.error().ToString();
  ASSERT_EQ(data->rows, 3u);
  EXPECT_EQ(data->keys[0][0], "IMP, \"North\"");
  EXPECT_EQ(data->keys[0][1], "IMP\nMulti");
  EXPECT_TRUE(std::isnan(data->numeric[0][1])) << "an empty value is missing, not zero";
  EXPECT_TRUE(std::isnan(data->numeric[1][2]));
  EXPECT_EQ(data->days[2], Dataset::kNoDay);
  EXPECT_EQ(data->labels, (std::vector<float>{1, 0, 1}));
  EXPECT_EQ(data->revenue[2], 12.5);
}

TEST(Dataset, LabelOverrideAndUnlabelled) {
  Mapping mapping = FixtureMapping();
  Result<Dataset> unlabelled = LoadDataset(FixturePath("no_label.csv"), mapping, "-");
  ASSERT_TRUE(unlabelled.ok()) << unlabelled.error().ToString();
  EXPECT_TRUE(unlabelled->labels.empty());
  mapping.label_column.clear();
  Result<Dataset> no_default = LoadDataset(FixturePath("train.csv"), mapping, "");
  ASSERT_FALSE(no_default.ok());
  EXPECT_NE(no_default.error().message().find("--label"), std::string::npos);
}

TEST(Dataset, MissingLabelColumnIsNamed) {
  Result<Dataset> data = LoadDataset(FixturePath("no_label.csv"), FixtureMapping(), "");
  ASSERT_FALSE(data.ok());
  EXPECT_EQ(data.error().code(), ErrorCode::kInvalidInput);
  EXPECT_NE(data.error().message().find("label column \"Inspected Outcome\" is not in the header"),
            std::string::npos)
      << data.error().message();
  Result<Dataset> other = LoadDataset(FixturePath("train.csv"), FixtureMapping(), "Seized");
  ASSERT_FALSE(other.ok());
  EXPECT_NE(other.error().message().find("\"Seized\""), std::string::npos);
}

TEST(Dataset, MissingMappedColumnIsNamed) {
  Mapping mapping = FixtureMapping();
  mapping.keys.push_back({"seller", "Seller ID"});
  Result<Dataset> data = LoadDataset(FixturePath("train.csv"), mapping, "");
  ASSERT_FALSE(data.ok());
  EXPECT_NE(data.error().message().find("keys.seller column \"Seller ID\""), std::string::npos)
      << data.error().message();
}

TEST(Dataset, NonNumericValueNamesLineAndColumn) {
  Result<Dataset> data = LoadDataset(FixturePath("bad_number.csv"), FixtureMapping(), "");
  ASSERT_FALSE(data.ok());
  EXPECT_EQ(data.error().code(), ErrorCode::kInvalidInput);
  EXPECT_NE(data.error().message().find("line 3, column \"Value EUR\": \"12 kg\" is not a number"),
            std::string::npos)
      << data.error().message();
}

TEST(Dataset, BadLabelAndDateAreNamed) {
  Mapping mapping = FixtureMapping();
  std::string header =
      "Decl No,Filed,Importer,Declarant,HS Code,Origin,Office,Value EUR,Mass kg,Duty Rate,Extra "
      "Duty,Inspected Outcome\n";
  Result<Dataset> label =
      ParseDataset(header + "1,2024-01-02,I,D,640399,CN,DEHAM,1,1,0,0,maybe\n", mapping, "", "x");
  ASSERT_FALSE(label.ok());
  EXPECT_NE(label.error().message().find("line 2, column \"Inspected Outcome\""), std::string::npos)
      << label.error().message();
  Result<Dataset> date =
      ParseDataset(header + "1,2024-02-30,I,D,640399,CN,DEHAM,1,1,0,0,1\n", mapping, "", "x");
  ASSERT_FALSE(date.ok());
  EXPECT_NE(date.error().message().find("column \"Filed\": \"2024-02-30\" is not a date"),
            std::string::npos)
      << date.error().message();
  Result<Dataset> fields = ParseDataset(header + "1,2024-02-01,I\n", mapping, "", "x");
  ASSERT_FALSE(fields.ok());
  EXPECT_NE(fields.error().message().find("line 2: 3 fields, but the header has 12"),
            std::string::npos)
      << fields.error().message();
}

TEST(Dataset, EmptyFileAndHeaderOnlyAreErrors) {
  Result<Dataset> empty = LoadDataset(FixturePath("empty.csv"), FixtureMapping(), "");
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.error().message().find("the file is empty"), std::string::npos)
      << empty.error().message();
  Result<Dataset> header = LoadDataset(FixturePath("header_only.csv"), FixtureMapping(), "");
  ASSERT_FALSE(header.ok());
  EXPECT_NE(header.error().message().find("no data rows"), std::string::npos);
  Result<Dataset> absent = LoadDataset(FixturePath("absent.csv"), FixtureMapping(), "");
  ASSERT_FALSE(absent.ok());
  EXPECT_NE(absent.error().message().find("cannot open"), std::string::npos);
}

TEST(Dataset, LabelColumnCannotBeAFeature) {
  // --label naming a column the mapping uses as an input would train on the answer.
  Result<Dataset> data = LoadDataset(FixturePath("train.csv"), FixtureMapping(), "Origin");
  ASSERT_FALSE(data.ok());
  EXPECT_NE(data.error().message().find("an outcome cannot be a feature"), std::string::npos);
}

TEST(Dataset, AppendChecksColumns) {
  Mapping mapping = FixtureMapping();
  Dataset train = test::FixtureData("train.csv", mapping);
  Dataset more = test::FixtureData("test.csv", mapping);
  ASSERT_TRUE(AppendDataset(train, more).ok());
  EXPECT_EQ(train.rows, 1300u);
  EXPECT_EQ(train.labels.size(), 1300u);
  Result<Dataset> unlabelled = LoadDataset(FixturePath("test.csv"), mapping, "-");
  ASSERT_TRUE(unlabelled.ok());
  EXPECT_FALSE(AppendDataset(train, *unlabelled).ok());
}

}  // namespace
}  // namespace cordon::targeting
