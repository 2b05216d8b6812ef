// A small RFC 4180 CSV reader, shared by the modules that read outside CSV
// files (targeting training data, seizure statistics imports).
//
// Fields are separated by commas and records by LF or CRLF. A field may be
// quoted; inside quotes, "" is one quote and commas and newlines are data. A
// quote inside an unquoted field is kept as data (common in exported files,
// harmless here). A closing quote followed by anything but a separator, or a
// quoted field left open at the end of the input, is an error. A UTF-8 byte
// order mark at the very start is skipped.
//
// Thread safety: one reader per thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace cordon {

class CsvReader {
 public:
  explicit CsvReader(std::string_view text);

  // Reads the next record into `fields` (cleared first). Returns false at the
  // end of the input; an error for malformed quoting (names the line).
  Result<bool> Next(std::vector<std::string>& fields);

  // The 1-based line on which the record last returned by Next starts.
  size_t record_line() const { return record_line_; }

 private:
  std::string_view text_;
  size_t position_ = 0;
  size_t line_ = 1;
  size_t record_line_ = 0;
};

}  // namespace cordon
