#include "core/random.h"

#include <gtest/gtest.h>

#include <set>

namespace cordon {
namespace {

TEST(RandomTest, IdsHavePrefixAndAreUnique) {
  SystemRng rng;
  std::set<std::string> ids;
  for (int index = 0; index < 1000; ++index) {
    std::string id = NewId(rng, "app");
    ASSERT_EQ(id.rfind("app_", 0), 0u);
    ASSERT_EQ(id.size(), 24u);
    ids.insert(id);
  }
  EXPECT_EQ(ids.size(), 1000u);
}

TEST(RandomTest, SeededRngIsDeterministic) {
  SeededRng first(42);
  SeededRng second(42);
  EXPECT_EQ(NewId(first, "x"), NewId(second, "x"));
  SeededRng other(43);
  EXPECT_NE(NewId(first, "x"), NewId(other, "x"));
}

TEST(RandomTest, TokensAreUrlSafe) {
  SystemRng rng;
  std::string token = RandomToken(rng, 32);
  EXPECT_EQ(token.size(), 43u);
  EXPECT_EQ(token.find_first_not_of(
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
            std::string::npos);
}

}  // namespace
}  // namespace cordon
