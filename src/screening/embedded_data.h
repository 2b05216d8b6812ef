// Data files compiled into the binary at build time (src/screening/CMakeLists.txt
// reads them with file(READ) and writes embedded_data.cc from embedded_data.cc.in),
// so the files under data/ stay the one source of truth and the binary works
// without them. Thread safety: immutable.
#pragma once

#include <string_view>
#include <vector>

namespace cordon::embedded {

// data/nice_hs.json as it was at build time.
std::string_view NiceHsJson();
// The words of data/generic_words.txt as it was at build time, in file
// order: lines starting with '#' are comments, words are separated by
// spaces. Views of the compiled-in text.
std::vector<std::string_view> GenericWords();

}  // namespace cordon::embedded
