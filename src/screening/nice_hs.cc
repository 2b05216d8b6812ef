#include "screening/nice_hs.h"

#include <cctype>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "screening/embedded_data.h"

namespace cordon {

Result<NiceHsTable> NiceHsTable::FromJson(std::string_view json_text) {
  const nlohmann::json document = nlohmann::json::parse(json_text, nullptr, false);
  if (document.is_discarded()) return InvalidInput("Nice-HS table: not valid JSON");
  if (!document.is_object() || !document.contains("classes") || !document["classes"].is_array()) {
    return InvalidInput("Nice-HS table: expected an object with a \"classes\" array",
                        {{"classes", "must be an array"}});
  }
  NiceHsTable table;
  std::vector<FieldError> errors;
  std::bitset<46> seen;
  const nlohmann::json& classes = document["classes"];
  for (size_t entry_index = 0; entry_index < classes.size(); ++entry_index) {
    const nlohmann::json& entry = classes[entry_index];
    const std::string field = "classes[" + std::to_string(entry_index) + "]";
    if (!entry.is_object() || !entry.contains("class") || !entry["class"].is_number_integer()) {
      errors.push_back({field + ".class", "must be a Nice class between 1 and 45"});
      continue;
    }
    const auto nice_class = entry["class"].get<long long>();
    if (nice_class < 1 || nice_class > 45) {
      errors.push_back({field + ".class", "must be a Nice class between 1 and 45"});
      continue;
    }
    if (seen.test(static_cast<size_t>(nice_class))) {
      errors.push_back(
          {field + ".class", "class " + std::to_string(nice_class) + " appears twice"});
      continue;
    }
    seen.set(static_cast<size_t>(nice_class));
    if (!entry.contains("hs_chapters") || !entry["hs_chapters"].is_array()) {
      errors.push_back({field + ".hs_chapters", "must be an array of two-digit HS chapters"});
      continue;
    }
    const nlohmann::json& chapters = entry["hs_chapters"];
    for (size_t chapter_index = 0; chapter_index < chapters.size(); ++chapter_index) {
      const nlohmann::json& chapter = chapters[chapter_index];
      const bool valid = chapter.is_string() && chapter.get<std::string>().size() == 2 &&
                         std::isdigit(static_cast<unsigned char>(chapter.get<std::string>()[0])) &&
                         std::isdigit(static_cast<unsigned char>(chapter.get<std::string>()[1])) &&
                         chapter.get<std::string>() != "00";
      if (!valid) {
        errors.push_back({field + ".hs_chapters[" + std::to_string(chapter_index) + "]",
                          "must be a two-digit HS chapter \"01\" to \"99\""});
        continue;
      }
      table.chapters_[static_cast<size_t>(nice_class)].set(
          static_cast<size_t>(std::stoi(chapter.get<std::string>())));
    }
  }
  if (!errors.empty()) return InvalidInput("Nice-HS table: invalid entries", std::move(errors));
  return table;
}

Result<NiceHsTable> NiceHsTable::Load(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return NotFound("Nice-HS table: cannot read " + path);
  std::ostringstream contents;
  contents << file.rdbuf();
  Result<NiceHsTable> table = FromJson(contents.str());
  if (!table.ok()) {
    Error error = table.error();
    error.Prefix(path + ": ");
    return error;
  }
  return table;
}

const NiceHsTable& NiceHsTable::Embedded() {
  // The embedded copy is checked by the build's own test (nice_hs_test); a
  // failure here is a broken build, not user input.
  static const NiceHsTable table = [] {
    Result<NiceHsTable> parsed = FromJson(embedded::NiceHsJson());
    if (!parsed.ok()) return NiceHsTable();
    return std::move(parsed).value();
  }();
  return table;
}

bool NiceHsTable::Covers(int nice_class, int chapter) const {
  if (nice_class < 1 || nice_class > 45 || chapter < 1 || chapter > 99) return false;
  return chapters_[static_cast<size_t>(nice_class)].test(static_cast<size_t>(chapter));
}

const std::bitset<100>& NiceHsTable::Chapters(int nice_class) const {
  static const std::bitset<100> kNone;
  if (nice_class < 1 || nice_class > 45) return kNone;
  return chapters_[static_cast<size_t>(nice_class)];
}

}  // namespace cordon
