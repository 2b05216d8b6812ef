#include "core/file_types.h"

#include <gtest/gtest.h>

namespace cordon {
namespace {

TEST(FileTypesTest, FirstBytesOfEachType) {
  EXPECT_TRUE(StartsAsMediaType("image/jpeg", "\xFF\xD8\xFF\xE0rest"));
  EXPECT_TRUE(StartsAsMediaType("image/png", "\x89PNG\r\n\x1A\nrest"));
  EXPECT_TRUE(StartsAsMediaType("image/webp", std::string_view("RIFF\x10\0\0\0WEBPVP8 ", 16)));
  EXPECT_TRUE(StartsAsMediaType("image/tiff", std::string_view("II*\0rest", 8)));
  EXPECT_TRUE(StartsAsMediaType("image/tiff", std::string_view("MM\0*rest", 8)));
  EXPECT_TRUE(StartsAsMediaType("application/pdf", "%PDF-1.7"));
  // Another type's bytes, a text file, a truncated header, an unknown type.
  EXPECT_FALSE(StartsAsMediaType("image/png", "\xFF\xD8\xFF\xE0"));
  EXPECT_FALSE(StartsAsMediaType("image/jpeg", "not an image"));
  EXPECT_FALSE(StartsAsMediaType("image/webp", "RIFF"));
  EXPECT_FALSE(StartsAsMediaType("image/webp", std::string_view("RIFF\x10\0\0\0WAVE", 12)));
  EXPECT_FALSE(StartsAsMediaType("application/pdf", ""));
  EXPECT_FALSE(StartsAsMediaType("text/plain", "%PDF-1.7"));
}

}  // namespace
}  // namespace cordon
