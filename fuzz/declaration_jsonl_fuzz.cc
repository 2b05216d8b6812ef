// Fuzz target: JSON Lines declarations from outside (files, the NATS stream,
// API bodies) must never crash the reader, whatever the bytes; every record
// is either a declaration or an error with a line and a reason; what is
// accepted survives the round trip through both formats unchanged; and the
// direct reader changes nothing (the same result as simdjson's DOM alone).
#include <bit>
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "screening/declaration.h"
#include "screening/declaration_internal.h"
#include "screening/declaration_test_util.h"

namespace {

// What a reader accepted must read back equal from its JSON and CSV forms.
void CheckRoundTrip(const cordon::Declaration& declaration) {
  std::string line;
  cordon::declaration_test::AppendJsonLine(line, declaration);
  line.pop_back();  // the '\n'
  cordon::Result<cordon::Declaration> again = cordon::ParseDeclarationJson(line);
  if (!again.ok() || !cordon::declaration_test::SameDeclaration(*again, declaration)) {
    __builtin_trap();
  }
  std::string csv = cordon::declaration_test::CsvHeader();
  cordon::declaration_test::AppendCsvRows(csv, declaration);
  std::istringstream input(csv);
  auto source = cordon::OpenCsv(input);
  cordon::Declaration from_csv;
  cordon::ReadError error;
  if (source->Next(&from_csv, &error) != cordon::ReadOutcome::kDeclaration ||
      !cordon::declaration_test::SameDeclaration(from_csv, declaration) ||
      source->Next(&from_csv, &error) != cordon::ReadOutcome::kEnd) {
    __builtin_trap();
  }
}

// Equal, with amounts compared bit for bit.
bool SameBits(const cordon::Declaration& a, const cordon::Declaration& b) {
  if (!cordon::declaration_test::SameDeclaration(a, b)) return false;
  for (size_t index = 0; index < a.items.size(); ++index) {
    const cordon::DeclarationItem& x = a.items[index];
    const cordon::DeclarationItem& y = b.items[index];
    if (std::bit_cast<uint64_t>(x.quantity) != std::bit_cast<uint64_t>(y.quantity) ||
        std::bit_cast<uint64_t>(x.gross_kg) != std::bit_cast<uint64_t>(y.gross_kg) ||
        std::bit_cast<uint64_t>(x.value) != std::bit_cast<uint64_t>(y.value)) {
      return false;
    }
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  std::istringstream input(text);
  auto source = cordon::OpenJsonLines(input);
  cordon::Declaration declaration;
  cordon::ReadError error;
  long long last_line = 0;
  while (true) {
    cordon::ReadOutcome outcome = source->Next(&declaration, &error);
    if (outcome == cordon::ReadOutcome::kEnd) break;
    if (outcome == cordon::ReadOutcome::kDeclaration) {
      CheckRoundTrip(declaration);
    } else {
      // Errors carry a line after the previous record's, and a reason.
      if (error.line <= last_line || error.reason.empty()) __builtin_trap();
      last_line = error.line;
    }
  }
  // The same bytes as one API body.
  cordon::Result<cordon::Declaration> body = cordon::ParseDeclarationJson(text);
  if (body.ok()) CheckRoundTrip(*body);
  // ...read the same as through simdjson's DOM alone, whether the direct
  // reader took them or not: the same declaration, or the same message.
  cordon::Result<cordon::Declaration> dom =
      cordon::declaration_internal::ParseDeclarationJsonThroughDom(text);
  if (body.ok() != dom.ok()) __builtin_trap();
  if (body.ok() && !SameBits(*body, *dom)) __builtin_trap();
  if (!body.ok() && body.error().message() != dom.error().message()) __builtin_trap();
  // The direct reader after a line before (the text up to the first '\n'),
  // whose keys it then expects: what it takes of the rest, the DOM reads
  // the same.
  if (const size_t newline = text.find('\n'); newline != std::string::npos) {
    const std::string rest = text.substr(newline + 1);
    cordon::Declaration direct;
    if (cordon::declaration_internal::ReadDirectly(rest, &direct, text.substr(0, newline))) {
      cordon::Result<cordon::Declaration> rest_dom =
          cordon::declaration_internal::ParseDeclarationJsonThroughDom(rest);
      if (!rest_dom.ok() || !SameBits(direct, *rest_dom)) __builtin_trap();
    }
  }
  return 0;
}
