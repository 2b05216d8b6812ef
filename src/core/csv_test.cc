// The RFC 4180 reader: quoting, line endings, and malformed input.
#include "core/csv.h"

#include <gtest/gtest.h>

namespace cordon {
namespace {

using Records = std::vector<std::vector<std::string>>;

Records ReadAll(std::string_view text) {
  CsvReader reader(text);
  Records records;
  std::vector<std::string> fields;
  while (true) {
    Result<bool> more = reader.Next(fields);
    EXPECT_TRUE(more.ok()) << more.error().ToString();
    if (!more.ok() || !*more) break;
    records.push_back(fields);
  }
  return records;
}

TEST(CsvReader, PlainFieldsAndLineEndings) {
  EXPECT_EQ(ReadAll("a,b\n1,2\n"), (Records{{"a", "b"}, {"1", "2"}}));
  EXPECT_EQ(ReadAll("a,b\r\n1,2\r\n"), (Records{{"a", "b"}, {"1", "2"}}));
  EXPECT_EQ(ReadAll("a,b\n1,2"), (Records{{"a", "b"}, {"1", "2"}})) << "no final newline";
  EXPECT_EQ(ReadAll("a,,\n"), (Records{{"a", "", ""}})) << "empty fields, trailing comma";
  EXPECT_EQ(ReadAll("a,b,"), (Records{{"a", "b", ""}})) << "trailing comma at end of input";
  EXPECT_EQ(ReadAll(""), Records{});
}

TEST(CsvReader, QuotedFields) {
  EXPECT_EQ(ReadAll("\"a,b\",c\n"), (Records{{"a,b", "c"}}));
  EXPECT_EQ(ReadAll("\"say \"\"hi\"\"\",x\n"), (Records{{"say \"hi\"", "x"}}));
  EXPECT_EQ(ReadAll("\"\",x\r\n"), (Records{{"", "x"}}));
  EXPECT_EQ(ReadAll("\"end\""), (Records{{"end"}}));
  // A quote inside an unquoted field is data.
  EXPECT_EQ(ReadAll("5\" screen,x\n"), (Records{{"5\" screen", "x"}}));
}

TEST(CsvReader, QuotedNewlinesKeepLineNumbers) {
  CsvReader reader("h1,h2\n\"two\nlines\",x\r\nlast,y\n");
  std::vector<std::string> fields;
  ASSERT_TRUE(*reader.Next(fields));
  EXPECT_EQ(reader.record_line(), 1u);
  ASSERT_TRUE(*reader.Next(fields));
  EXPECT_EQ(fields, (std::vector<std::string>{"two\nlines", "x"}));
  EXPECT_EQ(reader.record_line(), 2u);
  ASSERT_TRUE(*reader.Next(fields));
  EXPECT_EQ(fields, (std::vector<std::string>{"last", "y"}));
  EXPECT_EQ(reader.record_line(), 4u) << "the record after a two-line field starts on line 4";
  EXPECT_FALSE(*reader.Next(fields));
}

TEST(CsvReader, SkipsByteOrderMark) {
  EXPECT_EQ(ReadAll("\xEF\xBB\xBFid,x\n"), (Records{{"id", "x"}}));
}

TEST(CsvReader, UnclosedQuoteIsAnErrorNamingTheLine) {
  CsvReader reader("a,b\n1,\"open\n2,3\n");
  std::vector<std::string> fields;
  ASSERT_TRUE(*reader.Next(fields));
  Result<bool> bad = reader.Next(fields);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("line 2"), std::string::npos) << bad.error().message();
  EXPECT_NE(bad.error().message().find("not closed"), std::string::npos);
}

TEST(CsvReader, TextAfterClosingQuoteIsAnError) {
  CsvReader reader("\"a\"b,c\n");
  std::vector<std::string> fields;
  Result<bool> bad = reader.Next(fields);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), ErrorCode::kInvalidInput);
  EXPECT_NE(bad.error().message().find("closing quote"), std::string::npos);
}

}  // namespace
}  // namespace cordon
