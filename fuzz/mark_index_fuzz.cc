// Fuzz target (differential): the mark index's default engine
// (FuzzyEngine::kDeletionIndex) against the brute-force reading of its rules
// (src/screening/mark_index_reference.h) on a small register and a few
// descriptions. Any difference in hits (application, mark, found offsets,
// distance) aborts; so does a Build that refuses a valid register.
//
// Input format (text, so seeds are readable):
//   byte 0        options: bit 0 set = keep generic typing variants
//                 (drop_generic_variants off); bits 1-2 span cache and bits
//                 3-4 description cache: 0 or 3 = 4,096 entries, 1 = 16
//                 (constant eviction), 2 = off
//   then lines    one application per line, its marks separated by '|'
//                 (at most 8 applications, 3 marks each, 20 bytes a mark);
//                 a mark keeps only ASCII letters, digits and spaces, and one
//                 without a letter or digit is skipped
//   "--" line     ends the register; every following line is a description
//                 (at most 8, 80 bytes each, any bytes), each matched three
//                 times (a span is cached the second time it is missed)
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "screening/mark_index.h"
#include "screening/mark_index_reference.h"

namespace {

using cordon::mark_index_reference::HitTuple;

size_t CacheEntries(unsigned bits) { return bits == 1 ? 16 : bits == 2 ? 0 : 4096; }

bool Matchable(std::string_view mark) {
  for (char c : mark) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) return true;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const unsigned flags = data[0];
  cordon::MarkIndexOptions options;
  options.drop_generic_variants = (flags & 1) == 0;
  options.span_cache_entries = CacheEntries((flags >> 1) & 3);
  options.description_cache_entries = CacheEntries((flags >> 3) & 3);

  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::vector<std::string_view> lines;
  for (size_t begin = 0; begin <= text.size();) {
    size_t end = text.find('\n', begin);
    if (end == std::string_view::npos) end = text.size();
    lines.push_back(text.substr(begin, end - begin));
    begin = end + 1;
  }

  std::vector<cordon::IndexedApplication> applications;
  size_t line = 0;
  for (; line < lines.size() && lines[line] != "--"; ++line) {
    if (applications.size() == 8) continue;
    cordon::IndexedApplication application;
    application.id = "app-" + std::to_string(applications.size());
    std::string_view rest = lines[line];
    while (application.marks.size() < 3) {
      const size_t bar = rest.find('|');
      std::string mark;
      for (char c : rest.substr(0, bar)) {
        if (mark.size() == 20) break;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == ' ') {
          mark.push_back(c);
        }
      }
      if (Matchable(mark)) {
        application.marks.push_back(
            cordon::RecordedMark{mark, static_cast<int>(application.marks.size()), {25}});
      }
      if (bar == std::string_view::npos) break;
      rest.remove_prefix(bar + 1);
    }
    if (!application.marks.empty()) applications.push_back(std::move(application));
  }
  if (applications.empty()) return 0;

  auto built = cordon::MarkIndex::Build(applications, options);
  if (!built.ok()) __builtin_trap();
  auto scratch = (*built)->NewScratch();
  if (!scratch.ok()) __builtin_trap();
  const cordon::mark_index_reference::BruteForceMatcher reference(applications, options);

  size_t descriptions = 0;
  for (++line; line < lines.size() && descriptions < 8; ++line, ++descriptions) {
    const std::string_view description = lines[line].substr(0, 80);
    const std::vector<HitTuple> expected = reference.Match(description);
    for (int pass = 0; pass < 3; ++pass) {
      const std::vector<cordon::MarkHit> hits = (*built)->Match(description, "", {}, {}, *scratch);
      for (const cordon::MarkHit& hit : hits) {
        if (hit.found_begin > hit.found_end || hit.found_end > description.size() ||
            hit.found != description.substr(hit.found_begin, hit.found_end - hit.found_begin)) {
          __builtin_trap();
        }
      }
      const std::vector<HitTuple> actual = cordon::mark_index_reference::Tuples(hits);
      if (actual != expected) {
        std::fprintf(stderr,
                     "mark_index_fuzz: pass %d, description \"%.*s\"\n  engine:    %s\n"
                     "  reference: %s\n",
                     pass, static_cast<int>(description.size()), description.data(),
                     cordon::mark_index_reference::Show(actual).c_str(),
                     cordon::mark_index_reference::Show(expected).c_str());
        __builtin_trap();
      }
    }
  }
  return 0;
}
