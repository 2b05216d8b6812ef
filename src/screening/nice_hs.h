// Which HS chapters the goods of a Nice class plausibly fall under (issue 3,
// "Relevance"): a mark found in an item counts as `class_related` when the
// item's HS chapter is covered by one of the right's Nice classes. The table
// is data (data/nice_hs.json, documented in docs/nice_hs.md); a copy is
// compiled in so the binary works without the file.
//
// Thread safety: immutable after construction; safe to share between threads.
#pragma once

#include <array>
#include <bitset>
#include <string>
#include <string_view>

#include "core/result.h"

namespace cordon {

class NiceHsTable {
 public:
  // Parses the JSON form of data/nice_hs.json: {"classes": [{"class": 25,
  // "hs_chapters": ["61", "62", ...]}, ...]} (other keys are documentation).
  // kInvalidInput naming the field (e.g. "classes[3].hs_chapters[1]") when a
  // class is not 1..45, a chapter is not two digits 01..99, or a class appears
  // twice.
  static Result<NiceHsTable> FromJson(std::string_view json_text);
  // Reads and parses a file: kNotFound when it cannot be read, else as FromJson.
  static Result<NiceHsTable> Load(const std::string& path);
  // The copy of data/nice_hs.json compiled into the binary.
  static const NiceHsTable& Embedded();

  // True when the goods of `nice_class` plausibly fall under HS chapter
  // `chapter` (1..99). False for services classes 35-45 and out-of-range input.
  bool Covers(int nice_class, int chapter) const;
  // The chapters of one class as a bit set (bit c = chapter c).
  const std::bitset<100>& Chapters(int nice_class) const;

 private:
  std::array<std::bitset<100>, 46> chapters_{};  // index 0 unused
};

}  // namespace cordon
