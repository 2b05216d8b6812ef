#include "core/codes.h"

#include <gtest/gtest.h>

namespace cordon {
namespace {

TEST(CodesTest, CountryCodes) {
  EXPECT_TRUE(IsCountryCode("DE"));
  EXPECT_TRUE(IsCountryCode("CN"));
  EXPECT_TRUE(IsCountryCode("ZW"));
  EXPECT_TRUE(IsCountryCode("AD"));
  EXPECT_FALSE(IsCountryCode("de"));
  EXPECT_FALSE(IsCountryCode("XX"));
  EXPECT_FALSE(IsCountryCode("DEU"));
  EXPECT_FALSE(IsCountryCode(""));
}

TEST(CodesTest, CurrencyCodes) {
  EXPECT_TRUE(IsCurrencyCode("EUR"));
  EXPECT_TRUE(IsCurrencyCode("USD"));
  EXPECT_TRUE(IsCurrencyCode("CNY"));
  EXPECT_FALSE(IsCurrencyCode("EURO"));
  EXPECT_FALSE(IsCurrencyCode("XYZ"));
}

TEST(CodesTest, UnLocodes) {
  EXPECT_TRUE(IsUnLocode("DEHAM"));
  EXPECT_TRUE(IsUnLocode("CNSZX"));
  EXPECT_TRUE(IsUnLocode("NLRTM"));
  EXPECT_FALSE(IsUnLocode("XXHAM"));  // unknown country
  EXPECT_FALSE(IsUnLocode("DEHA1"));  // 1 is not allowed
  EXPECT_FALSE(IsUnLocode("DEHAMB"));
  EXPECT_FALSE(IsUnLocode("deham"));
}

TEST(CodesTest, HsCodes) {
  EXPECT_TRUE(IsHsCode("64"));
  EXPECT_TRUE(IsHsCode("6402"));
  EXPECT_TRUE(IsHsCode("6404110000"));
  EXPECT_FALSE(IsHsCode("6"));
  EXPECT_FALSE(IsHsCode("64041100001"));
  EXPECT_FALSE(IsHsCode("64.02"));
  EXPECT_FALSE(IsHsCode(""));
}

TEST(CodesTest, NiceClasses) {
  EXPECT_TRUE(IsNiceClass(1));
  EXPECT_TRUE(IsNiceClass(45));
  EXPECT_FALSE(IsNiceClass(0));
  EXPECT_FALSE(IsNiceClass(46));
  EXPECT_FALSE(IsNiceClass(-3));
}

TEST(CodesTest, EmailAddresses) {
  EXPECT_TRUE(IsEmailAddress("legal@zentra.demo"));
  EXPECT_FALSE(IsEmailAddress("legal.zentra.demo"));
  EXPECT_FALSE(IsEmailAddress("@zentra.demo"));
  EXPECT_FALSE(IsEmailAddress("a@b@c.demo"));
  EXPECT_FALSE(IsEmailAddress("a@demo"));
  EXPECT_FALSE(IsEmailAddress("a b@zentra.demo"));
}

}  // namespace
}  // namespace cordon
