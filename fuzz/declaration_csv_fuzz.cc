// Fuzz target: CSV declarations from outside must never crash the reader,
// whatever the bytes; every record is either a declaration or an error with a
// line and a reason; and what is accepted survives the round trip through
// both formats unchanged.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "screening/declaration.h"
#include "screening/declaration_test_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  std::istringstream input(text);
  auto source = cordon::OpenCsv(input);
  cordon::Declaration declaration;
  cordon::ReadError error;
  while (true) {
    cordon::ReadOutcome outcome = source->Next(&declaration, &error);
    if (outcome == cordon::ReadOutcome::kEnd) break;
    if (outcome == cordon::ReadOutcome::kError) {
      if (error.line <= 0 || error.reason.empty()) __builtin_trap();
      continue;
    }
    std::string line;
    cordon::declaration_test::AppendJsonLine(line, declaration);
    line.pop_back();  // the '\n'
    cordon::Result<cordon::Declaration> from_json = cordon::ParseDeclarationJson(line);
    if (!from_json.ok() || !cordon::declaration_test::SameDeclaration(*from_json, declaration)) {
      __builtin_trap();
    }
    std::string csv = cordon::declaration_test::CsvHeader();
    cordon::declaration_test::AppendCsvRows(csv, declaration);
    std::istringstream csv_input(csv);
    auto again = cordon::OpenCsv(csv_input);
    cordon::Declaration from_csv;
    if (again->Next(&from_csv, &error) != cordon::ReadOutcome::kDeclaration ||
        !cordon::declaration_test::SameDeclaration(from_csv, declaration)) {
      __builtin_trap();
    }
  }
  return 0;
}
