// For tests of the declaration readers only.
#pragma once

#include <string_view>

#include "core/result.h"
#include "screening/declaration.h"

namespace cordon::declaration_internal {

// ParseDeclarationJson without its direct reader: every text goes through
// simdjson's DOM and the walk over it. The direct reader must give the same
// result (declaration, or message and fields) for every text.
Result<Declaration> ParseDeclarationJsonThroughDom(std::string_view json_text);

// The direct reader alone: true when it read the text by itself (it gives up
// on anything unusual, and ParseDeclarationJson then uses the DOM). With
// `line_before`, the same reader first reads that text into *declaration, as
// the line before in a file (the reader learns the order of keys from it).
bool ReadDirectly(std::string_view json_text, Declaration* declaration,
                  std::string_view line_before = {});

}  // namespace cordon::declaration_internal
