// Text normalisation for finding recorded marks in goods descriptions
// (issue 3, "Recorded marks"), and for comparing company names of authorised
// parties (issue 3, "Authorised parties").
//
// Infringers disguise marks so that a plain search misses them while a buyer
// still reads the brand: other cases ("zEnTrA"), accents ("ZÉNTRA"), letters
// from other scripts that look Latin (Cyrillic "ZЕNТRА"), digits used as
// letters ("Z3NTRA"), separators inside the word ("Z.E.N.T.R.A"), invisible
// characters ("ZEN<U+200B>TRA") and full-width forms ("ＺＥＮＴＲＡ").
// NormaliseForMatching maps all of these to one matching key, and keeps for
// every byte of the key the byte range of the input it came from, so a hit
// can quote the text exactly as it stood in the declaration.
//
// The key is NOT display text. Its alphabet and rules, in order:
//   1. UTF-8 is decoded; an invalid byte counts as a separator.
//   2. Look-alike letters of other scripts map to Latin first (table
//      kConfusables in text_normalise.cc: Cyrillic, Greek, Armenian and a few
//      Latin letters without a Unicode decomposition, e.g. "ł", "ø", "ı").
//   3. Every other letter or digit goes through Unicode NFKC compatibility
//      decomposition, loses its combining marks (accents) and is case-folded
//      (utf8proc: COMPAT | DECOMPOSE | STRIPMARK | CASEFOLD). Letters of other
//      scripts without a Latin look-alike stay as their case-folded UTF-8.
//   4. Default-ignorable characters (zero-width space and joiners, soft
//      hyphen, variation selectors) are dropped, so they join what they split.
//   5. Everything else (punctuation, symbols such as ® ™ ©, spaces,
//      control characters) is a separator; a run of separators becomes one
//      space in the key; the key has no leading or trailing space.
//   6. Words are split at a camel-case boundary only when two lower-case
//      letters precede an upper-case letter that two lower-case letters
//      follow ("ZentraAir" -> "zentra air"), so random mixed case used as a
//      disguise ("zEnTrA", "ZeNTRa") is not split.
//   7. Three or more single letters or digits, each separated from the next by
//      exactly one separator character, collapse into one word
//      ("Z.E.N.T.R.A", "Z E N T R A", "Z-3-N-T-R-A" -> "zentra"). Two are
//      not collapsed, so "size S M" or "B.V." stay apart.
//   8. In a word that contains at least one letter, digits used as letters
//      become those letters: 0->o 1->i 3->e 4->a 5->s 7->t 8->b. Words of
//      digits only ("1200", "42") stay digits, so quantities and sizes never
//      turn into letters. 2, 6 and 9 are kept: their look-alikes (z, b/g, g)
//      are weak and they are common in model numbers.
//   9. The letters "i" and "l" share one symbol, "i": the digit 1 stands for
//      either, and the key must not have to guess which ("LUM1O" is LUMIO,
//      "FJE11TOPP" is FJELLTOPP). The cost is that "lumio" and "iumio" are
//      the same to the matcher, which for real descriptions is negligible.
// Marks as filed go through the same function, so both sides meet in the key.
//
// Thread safety: pure functions; safe to call from any number of threads.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cordon {

// A matching key plus its map back to the input. For every byte i of `text`,
// the input bytes [source_begin[i], source_end[i]) produced it (several key
// bytes may share one input character, e.g. "ß" -> "ss"; a space inserted at
// a camel-case boundary maps to an empty range).
struct NormalisedText {
  std::string text;
  std::vector<uint32_t> source_begin;
  std::vector<uint32_t> source_end;

  // The input byte range that produced key bytes [from, to); requires
  // from < to <= text.size(). Combining marks that follow the last character
  // are included, so "ZENTRÁ" (decomposed) is quoted whole.
  std::pair<size_t, size_t> SourceRange(size_t from, size_t to) const {
    return {source_begin[from], source_end[to - 1]};
  }
};

// Writes the matching key of `input` into `*out`, reusing its buffers (the
// hot path normalises millions of descriptions). Never fails: invalid UTF-8
// bytes are separators. Inputs longer than 4 GiB are not supported (offsets
// are 32-bit); descriptions are far shorter.
void NormaliseForMatching(std::string_view input, NormalisedText* out);
NormalisedText NormaliseForMatching(std::string_view input);

// The comparison key of a company name for authorised-party checks: NFKC,
// case-folded, accents removed; "." and "'" deleted ("S.p.A." -> "spa",
// "B.V." -> "bv"); other punctuation a space; legal-form words removed from
// the end and the start ("GmbH", "Co., Ltd.", "B.V.", "S.A.", "S.p.A.", "AS",
// "Inc.", "LLC", "OOO", ...; list kLegalForms in text_normalise.cc); words
// joined by single spaces. "Zentra Logistics B.V." and "ZENTRA LOGISTICS BV"
// give the same key. A name that is only a legal form keeps it, so it is not
// compared as empty.
std::string NormalisePartyName(std::string_view name);
// The same into `*key`, reusing its buffer (the matcher's hot path).
void NormalisePartyName(std::string_view name, std::string* key);

}  // namespace cordon
