#include "screening/text_normalise.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace cordon {
namespace {

std::string Key(std::string_view input) { return NormaliseForMatching(input).text; }

// The text of the input that produced the whole key.
std::string Quoted(std::string_view input) {
  const NormalisedText normalised = NormaliseForMatching(input);
  if (normalised.text.empty()) return "";
  const auto [begin, end] = normalised.SourceRange(0, normalised.text.size());
  return std::string(input.substr(begin, end - begin));
}

TEST(NormaliseForMatching, LowerCasesAndCollapsesSeparators) {
  EXPECT_EQ(Key("Sport  Shoes, ZENTRA!"), "sport shoes zentra");
  EXPECT_EQ(Key("  --ZENTRA--  "), "zentra");
  EXPECT_EQ(Key(""), "");
  EXPECT_EQ(Key("!!! ... ???"), "");
}

TEST(NormaliseForMatching, CaseDisguise) {
  EXPECT_EQ(Key("zEnTrA"), "zentra");
  EXPECT_EQ(Key("ZeNTRa"), "zentra");
  EXPECT_EQ(Key("zenTRA"), "zentra");
}

TEST(NormaliseForMatching, AccentsAreStripped) {
  EXPECT_EQ(Key("ZÉNTRÀ"), "zentra");
  EXPECT_EQ(Key("Zëntrå"), "zentra");
  // Decomposed input: E + COMBINING ACUTE ACCENT.
  EXPECT_EQ(Key("ZE\xCC\x81NTRA"), "zentra");
  EXPECT_EQ(Quoted("ZENTRA\xCC\x81"), "ZENTRA\xCC\x81");
  EXPECT_EQ(Key("Fjelltöpp"), "fjeiitopp");  // i/l share a symbol (rule 9)
}

TEST(NormaliseForMatching, CyrillicAndGreekLookAlikes) {
  EXPECT_EQ(Key("ZЕNТRА"), "zentra");  // Cyrillic Е Т А
  EXPECT_EQ(Key("zеntrа"), "zentra");  // Cyrillic е а
  EXPECT_EQ(Key("ΖΕΝΤRΑ"), "zentra");  // Greek Ζ Ε Ν Τ Α
  EXPECT_EQ(Key("ΚΕSΤRΕLΙΝ"), "kestreiin");
  EXPECT_EQ(Key("НАNFЕNG"), "hanfeng");  // Cyrillic Н А Е
  EXPECT_EQ(Key("АURЕLLЕ"), "aureiie");
  EXPECT_EQ(Key("Ёлка"),
            "e\xD0\xBB"
            "ka");  // л has no look-alike and stays Cyrillic
}

TEST(NormaliseForMatching, CompatibilityForms) {
  EXPECT_EQ(Key("ＺＥＮＴＲＡ"), "zentra");  // full width
  EXPECT_EQ(Key("ﬁne"), "fine");             // ligature
  EXPECT_EQ(Key("Straße"), "strasse");
}

TEST(NormaliseForMatching, SymbolsSeparate) {
  EXPECT_EQ(Key("ZENTRA®"), "zentra");
  EXPECT_EQ(Key("ZENTRA™ shoes"), "zentra shoes");
  EXPECT_EQ(Key("©LUMIO"), "iumio");
}

TEST(NormaliseForMatching, InvisibleCharactersJoin) {
  EXPECT_EQ(Key("ZEN\xE2\x80\x8BTRA"), "zentra");  // zero-width space
  EXPECT_EQ(Key("ZEN\xC2\xADTRA"), "zentra");      // soft hyphen
}

TEST(NormaliseForMatching, DigitsAsLettersInsideWords) {
  EXPECT_EQ(Key("Z3NTRA"), "zentra");
  EXPECT_EQ(Key("LUM10"), "iumio");
  EXPECT_EQ(Key("V3L0C1TA"), "veiocita");
  EXPECT_EQ(Key("FJE11TOPP"), "fjeiitopp");
  EXPECT_EQ(Key("H4NF3NG"), "hanfeng");
  EXPECT_EQ(Key("5P0RT"), "sport");
  EXPECT_EQ(Key("8EAM"), "beam");
  // Numbers stay numbers.
  EXPECT_EQ(Key("1200 pairs size 42"), "1200 pairs size 42");
  // 2, 6 and 9 are kept.
  EXPECT_EQ(Key("X2"), "x2");
}

TEST(NormaliseForMatching, SingleCharactersSeparatedOnceCollapse) {
  EXPECT_EQ(Key("Z.E.N.T.R.A"), "zentra");
  EXPECT_EQ(Key("Z E N T R A shoes"), "zentra shoes");
  EXPECT_EQ(Key("Z-E-N-T-R-A"), "zentra");
  EXPECT_EQ(Key("Z_3_N_T_R_A"), "zentra");
  EXPECT_EQ(Key("L.U.M.I.O. charger"), "iumio charger");
  // Two single letters are not enough; double separators do not collapse.
  EXPECT_EQ(Key("size S M"), "size s m");
  EXPECT_EQ(Key("B.V."), "b v");
  EXPECT_EQ(Key("Z  E  N"), "z e n");
}

TEST(NormaliseForMatching, CamelCaseSplitsOnlyBetweenRealWords) {
  EXPECT_EQ(Key("ZentraAir"), "zentra air");
  EXPECT_EQ(Key("LumioBeam"), "iumio beam");
  EXPECT_EQ(Key("iPhone"), "iphone");
  EXPECT_EQ(Key("McDonald"), "mcdonaid");
  EXPECT_EQ(Key("zEnTrA"), "zentra");
}

TEST(NormaliseForMatching, InvalidUtf8IsASeparator) {
  EXPECT_EQ(Key("ZEN\xFFTRA"), "zen tra");
  EXPECT_EQ(Key("\xC3"), "");
  EXPECT_EQ(Key("ZENTRA\xE2\x82"), "zentra");
}

TEST(NormaliseForMatching, OffsetsPointBackIntoTheInput) {
  const std::string input = "sport shoes Z.Е.N.T.R.A size 42";  // Cyrillic Е
  const NormalisedText normalised = NormaliseForMatching(input);
  ASSERT_EQ(normalised.text, "sport shoes zentra size 42");
  ASSERT_EQ(normalised.source_begin.size(), normalised.text.size());
  ASSERT_EQ(normalised.source_end.size(), normalised.text.size());
  const size_t from = normalised.text.find("zentra");
  const auto [begin, end] = normalised.SourceRange(from, from + 6);
  EXPECT_EQ(input.substr(begin, end - begin), "Z.Е.N.T.R.A");
  for (size_t i = 0; i < normalised.text.size(); ++i) {
    EXPECT_LE(normalised.source_begin[i], normalised.source_end[i]);
    EXPECT_LE(normalised.source_end[i], input.size());
  }
}

TEST(NormaliseForMatching, ReusesTheOutputBuffers) {
  NormalisedText out;
  NormaliseForMatching("a long description with many words", &out);
  NormaliseForMatching("ZX", &out);
  EXPECT_EQ(out.text, "zx");
  EXPECT_EQ(out.source_begin.size(), 2u);
}

TEST(NormalisePartyName, RemovesLegalFormsAndPunctuation) {
  EXPECT_EQ(NormalisePartyName("Zentra Logistics B.V."), "zentra logistics");
  EXPECT_EQ(NormalisePartyName("ZENTRA LOGISTICS BV"), "zentra logistics");
  EXPECT_EQ(NormalisePartyName("Guangzhou Zentra Footwear Manufacturing Co., Ltd."),
            "guangzhou zentra footwear manufacturing");
  EXPECT_EQ(NormalisePartyName("Velocita Moto S.p.A."), "velocita moto");
  EXPECT_EQ(NormalisePartyName("Nordvik Outdoor AS"), "nordvik outdoor");
  EXPECT_EQ(NormalisePartyName("Aurelle Cosmétiques SA"), "aurelle cosmetiques");
  EXPECT_EQ(NormalisePartyName("Sporthaus Nord GmbH & Co. KG"), "sporthaus nord");
  EXPECT_EQ(NormalisePartyName("OOO Romashka"), "romashka");
  EXPECT_EQ(NormalisePartyName("Acme, Inc."), "acme");
  EXPECT_EQ(NormalisePartyName("Acme LLC"), "acme");
  // A name that is only a legal form is kept rather than emptied.
  EXPECT_EQ(NormalisePartyName("AS"), "as");
  EXPECT_EQ(NormalisePartyName(""), "");
  // Different companies stay different.
  EXPECT_NE(NormalisePartyName("Zentra Logistics B.V."), NormalisePartyName("Zentra Logistic BV"));
}

TEST(NormalisePartyName, OutputBufferOverloadGivesTheSameKey) {
  std::string key = "left over";
  NormalisePartyName("Zentra Logistics B.V.", &key);
  EXPECT_EQ(key, "zentra logistics");
  NormalisePartyName("", &key);
  EXPECT_EQ(key, "");
}

// Pure-ASCII input takes a fast path (no utf8proc, no per-character units).
// A trailing no-break space (U+00A0, a separator) sends the same text down
// the general path without changing its key or offsets, so the two paths can
// be compared on random ASCII.
TEST(NormaliseForMatching, AsciiFastPathEqualsTheGeneralPath) {
  std::mt19937_64 rng(7);
  const std::string alphabet = "aAbBzZeEoOiIlL0134578269 .-_/,'&()xXyY";
  for (int round = 0; round < 20000; ++round) {
    std::string input;
    const size_t size = rng() % 24;
    for (size_t i = 0; i < size; ++i) input.push_back(alphabet[rng() % alphabet.size()]);
    if (round % 7 == 0) input += "\t\n";
    const NormalisedText fast = NormaliseForMatching(input);
    const NormalisedText general = NormaliseForMatching(input + "\xC2\xA0");
    ASSERT_EQ(fast.text, general.text) << "\"" << input << "\"";
    ASSERT_EQ(fast.source_begin, general.source_begin) << "\"" << input << "\"";
    ASSERT_EQ(fast.source_end, general.source_end) << "\"" << input << "\"";
  }
}

TEST(NormalisePartyName, AsciiFastPathEqualsTheGeneralPath) {
  std::mt19937_64 rng(11);
  const std::vector<std::string> parts = {"Zentra", "LOGISTICS", "b.v.",  "GmbH", "&", "Co.,",
                                          "Ltd",    "o'brien",   "S.p.A", "AS",   "-", "Inc."};
  for (int round = 0; round < 5000; ++round) {
    std::string name;
    const size_t count = rng() % 6;
    for (size_t i = 0; i < count; ++i) {
      if (!name.empty()) name += rng() % 4 == 0 ? "  " : " ";
      name += parts[rng() % parts.size()];
    }
    ASSERT_EQ(NormalisePartyName(name), NormalisePartyName(name + "\xC2\xA0")) << name;
  }
}

}  // namespace
}  // namespace cordon
