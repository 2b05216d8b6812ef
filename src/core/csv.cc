#include "core/csv.h"

namespace cordon {

CsvReader::CsvReader(std::string_view text) : text_(text) {
  if (text_.substr(0, 3) == "\xEF\xBB\xBF") position_ = 3;
}

Result<bool> CsvReader::Next(std::vector<std::string>& fields) {
  fields.clear();
  if (position_ >= text_.size()) return false;
  record_line_ = line_;
  std::string field;
  while (true) {
    if (position_ < text_.size() && text_[position_] == '"') {
      // Quoted field: runs to the next quote not doubled.
      size_t open_line = line_;
      ++position_;
      while (true) {
        if (position_ >= text_.size()) {
          return InvalidInput("line " + std::to_string(open_line) +
                              ": a quoted field is not closed before the end of the file");
        }
        char c = text_[position_++];
        if (c == '"') {
          if (position_ < text_.size() && text_[position_] == '"') {
            field.push_back('"');
            ++position_;
            continue;
          }
          break;
        }
        if (c == '\n') ++line_;
        field.push_back(c);
      }
      if (position_ < text_.size()) {
        char next = text_[position_];
        bool crlf = next == '\r' && position_ + 1 < text_.size() && text_[position_ + 1] == '\n';
        if (next != ',' && next != '\n' && !crlf &&
            !(next == '\r' && position_ + 1 == text_.size())) {
          return InvalidInput(
              "line " + std::to_string(line_) +
              ": a closing quote must be followed by a comma or the end of the line");
        }
      }
    } else {
      size_t end = position_;
      while (end < text_.size() && text_[end] != ',' && text_[end] != '\n') ++end;
      size_t stop = end;
      // A CR before LF (or before the end) belongs to the line ending.
      if (stop > position_ && text_[stop - 1] == '\r' &&
          (stop == text_.size() || text_[stop] == '\n')) {
        --stop;
      }
      field.append(text_.substr(position_, stop - position_));
      position_ = stop;
    }
    fields.push_back(std::move(field));
    field.clear();
    if (position_ >= text_.size()) return true;
    char c = text_[position_];
    if (c == ',') {
      ++position_;
      if (position_ >= text_.size()) {
        fields.emplace_back();  // "a,b," ends with an empty field
        return true;
      }
      continue;
    }
    if (c == '\r') ++position_;
    if (position_ < text_.size() && text_[position_] == '\n') {
      ++position_;
      ++line_;
    }
    return true;
  }
}

}  // namespace cordon
