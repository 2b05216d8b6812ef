// Fixtures for the targeting tests (tests/data/targeting/, written by
// make_fixtures.py there). Test-only.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "targeting/targeting.h"

namespace cordon::targeting::test {

inline std::string FixturePath(const std::string& name) {
  return std::string(CORDON_TARGETING_TEST_DATA) + "/" + name;
}

inline std::string ReadFixture(const std::string& name) {
  std::ifstream file(FixturePath(name), std::ios::binary);
  if (!file) {
    ADD_FAILURE() << "missing fixture " << FixturePath(name);
    return "";
  }
  std::stringstream content;
  content << file.rdbuf();
  return content.str();
}

inline Mapping FixtureMapping() {
  Result<Mapping> mapping = LoadMapping(FixturePath("mapping.json"));
  if (!mapping.ok()) ADD_FAILURE() << mapping.error().ToString();
  return mapping.ok() ? *mapping : Mapping{};
}

inline Dataset FixtureData(const std::string& name, const Mapping& mapping) {
  Result<Dataset> data = LoadDataset(FixturePath(name), mapping, "");
  if (!data.ok()) ADD_FAILURE() << data.error().ToString();
  return data.ok() ? *data : Dataset{};
}

// The first `rows` rows of a data set.
inline Dataset Head(const Dataset& data, size_t rows) {
  Dataset head = data;
  auto cut = [rows](auto& column) {
    if (column.size() > rows) column.resize(rows);
  };
  for (auto& column : head.keys) cut(column);
  for (auto& column : head.numeric) cut(column);
  cut(head.ids);
  cut(head.days);
  cut(head.labels);
  cut(head.revenue);
  head.rows = std::min(head.rows, rows);
  return head;
}

}  // namespace cordon::targeting::test
