// Reading a CSV of past declarations through a mapping.
#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>
#include <unordered_map>

#include "core/csv.h"
#include "targeting/targeting.h"

namespace cordon::targeting {
namespace {

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// A finite number, or nullopt. Accepts a leading '+', as spreadsheets write it.
std::optional<double> ParseNumber(std::string_view text) {
  text = Trim(text);
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  if (text.empty()) return std::nullopt;
  double value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

std::string Quote(std::string_view text) {
  constexpr size_t kShown = 40;
  std::string shown(text.substr(0, kShown));
  if (text.size() > kShown) shown += "...";
  return "\"" + shown + "\"";
}

}  // namespace

Result<Dataset> ParseDataset(std::string_view csv_text, const Mapping& mapping,
                             const std::string& label_column, const std::string& source) {
  const std::string label = label_column.empty()  ? mapping.label_column
                            : label_column == "-" ? std::string()
                                                  : label_column;
  if (label_column.empty() && label.empty()) {
    return InvalidInput("no label column: give --label or set \"label\" in the mapping",
                        {{"label", "is required"}});
  }
  CsvReader reader(csv_text);
  std::vector<std::string> header;
  Result<bool> has_header = reader.Next(header);
  if (!has_header.ok()) {
    Error error = has_header.error();
    return error.Prefix(source + ": ");
  }
  if (!*has_header || (header.size() == 1 && Trim(header[0]).empty())) {
    return InvalidInput(source + ": the file is empty (expected a header row and data rows)",
                        {{"data", "is empty"}});
  }
  std::unordered_map<std::string, size_t> column_index;
  for (size_t index = 0; index < header.size(); ++index) {
    column_index.emplace(std::string(Trim(header[index])), index);
  }
  auto find_column = [&](const std::string& column, const std::string& role) -> Result<size_t> {
    auto found = column_index.find(column);
    if (found == column_index.end()) {
      return InvalidInput(
          source + ": the " + role + " column \"" + column + "\" is not in the header",
          {{role, "column \"" + column + "\" is missing"}});
    }
    return found->second;
  };

  Dataset data;
  std::vector<size_t> key_columns;
  for (const KeyColumn& key : mapping.keys) {
    CORDON_ASSIGN_OR_RETURN(size_t index, find_column(key.column, "keys." + key.name));
    key_columns.push_back(index);
    data.key_names.push_back(key.name);
  }
  std::vector<size_t> numeric_columns;
  for (const NumericColumn& number : mapping.numeric) {
    CORDON_ASSIGN_OR_RETURN(size_t index, find_column(number.column, "numeric." + number.name));
    numeric_columns.push_back(index);
    data.numeric_names.push_back(number.name);
  }
  std::optional<size_t> id_column, date_column, label_index, revenue_column;
  if (!mapping.id_column.empty()) {
    CORDON_ASSIGN_OR_RETURN(id_column, find_column(mapping.id_column, "id"));
  }
  if (!mapping.date_column.empty()) {
    CORDON_ASSIGN_OR_RETURN(date_column, find_column(mapping.date_column, "date"));
  }
  if (!label.empty()) {
    CORDON_ASSIGN_OR_RETURN(label_index, find_column(label, "label"));
    for (size_t index = 0; index < mapping.keys.size(); ++index) {
      if (key_columns[index] == *label_index) {
        return InvalidInput("the label column \"" + label + "\" is also the input keys." +
                                mapping.keys[index].name + "; an outcome cannot be a feature",
                            {{"label", "is a feature column"}});
      }
    }
    for (size_t index = 0; index < mapping.numeric.size(); ++index) {
      if (numeric_columns[index] == *label_index) {
        return InvalidInput("the label column \"" + label + "\" is also the input numeric." +
                                mapping.numeric[index].name + "; an outcome cannot be a feature",
                            {{"label", "is a feature column"}});
      }
    }
  }
  // Revenue is an outcome too: an unlabelled (scoring) read does not need it.
  if (!mapping.revenue_column.empty() && !label.empty()) {
    CORDON_ASSIGN_OR_RETURN(revenue_column, find_column(mapping.revenue_column, "revenue"));
  }
  data.label_column = label;
  data.keys.resize(key_columns.size());
  data.numeric.resize(numeric_columns.size());

  auto field_error = [&](size_t line, const std::string& column, const std::string& message) {
    return InvalidInput(
        source + " line " + std::to_string(line) + ", column \"" + column + "\": " + message,
        {{"line " + std::to_string(line) + " column " + column, message}});
  };

  std::vector<std::string> fields;
  while (true) {
    Result<bool> more = reader.Next(fields);
    if (!more.ok()) {
      Error error = more.error();
      return error.Prefix(source + ": ");
    }
    if (!*more) break;
    size_t line = reader.record_line();
    if (fields.size() == 1 && Trim(fields[0]).empty()) continue;  // blank line
    if (fields.size() != header.size()) {
      return InvalidInput(source + " line " + std::to_string(line) + ": " +
                              std::to_string(fields.size()) + " fields, but the header has " +
                              std::to_string(header.size()),
                          {{"line " + std::to_string(line), "wrong number of fields"}});
    }
    for (size_t index = 0; index < key_columns.size(); ++index) {
      data.keys[index].emplace_back(Trim(fields[key_columns[index]]));
    }
    for (size_t index = 0; index < numeric_columns.size(); ++index) {
      const std::string& text = fields[numeric_columns[index]];
      double value = std::numeric_limits<double>::quiet_NaN();
      if (!Trim(text).empty()) {
        std::optional<double> parsed = ParseNumber(text);
        if (!parsed) {
          return field_error(line, mapping.numeric[index].column, Quote(text) + " is not a number");
        }
        value = *parsed;
      }
      data.numeric[index].push_back(value);
    }
    if (id_column) data.ids.push_back(fields[*id_column]);
    if (date_column) {
      std::string_view text = Trim(fields[*date_column]);
      if (text.empty()) {
        data.days.push_back(Dataset::kNoDay);
      } else {
        // A timestamp's date part is the date ("2020-01-01T10:00:00Z").
        if (text.size() > 10 && (text[10] == 'T' || text[10] == ' ')) text = text.substr(0, 10);
        std::optional<Date> date = ParseDate(text);
        if (!date) {
          return field_error(line, mapping.date_column,
                             Quote(fields[*date_column]) + " is not a date (YYYY-MM-DD)");
        }
        data.days.push_back(
            static_cast<int32_t>(std::chrono::sys_days(*date).time_since_epoch().count()));
      }
    }
    if (label_index) {
      std::string_view text = Trim(fields[*label_index]);
      std::optional<double> value = ParseNumber(text);
      if (text == "true" || text == "TRUE") value = 1;
      if (text == "false" || text == "FALSE") value = 0;
      if (!value || *value < 0) {
        return field_error(line, label,
                           Quote(fields[*label_index]) +
                               " is not an outcome (0 for negative, a positive number or true "
                               "for positive)");
      }
      data.labels.push_back(*value > 0 ? 1.0f : 0.0f);
    }
    if (revenue_column) {
      const std::string& text = fields[*revenue_column];
      double value = 0;
      if (!Trim(text).empty()) {
        std::optional<double> parsed = ParseNumber(text);
        if (!parsed)
          return field_error(line, mapping.revenue_column, Quote(text) + " is not a number");
        value = *parsed;
      }
      data.revenue.push_back(value);
    }
    ++data.rows;
  }
  if (data.rows == 0) {
    return InvalidInput(source + ": the file has a header but no data rows",
                        {{"data", "is empty"}});
  }
  return data;
}

Result<Dataset> LoadDataset(const std::string& path, const Mapping& mapping,
                            const std::string& label_column) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return InvalidInput("cannot open " + path, {{"data", "cannot be opened"}});
  std::stringstream content;
  content << file.rdbuf();
  if (!file.good() && !file.eof()) return Unavailable("cannot read " + path);
  return ParseDataset(content.str(), mapping, label_column, path);
}

Status AppendDataset(Dataset& into, const Dataset& more) {
  if (into.key_names != more.key_names || into.numeric_names != more.numeric_names ||
      into.ids.empty() != more.ids.empty() || into.days.empty() != more.days.empty() ||
      into.labels.empty() != more.labels.empty() || into.revenue.empty() != more.revenue.empty()) {
    return InvalidInput("the data files were read through different mappings or labels",
                        {{"data", "columns differ"}});
  }
  for (size_t index = 0; index < into.keys.size(); ++index) {
    into.keys[index].insert(into.keys[index].end(), more.keys[index].begin(),
                            more.keys[index].end());
  }
  for (size_t index = 0; index < into.numeric.size(); ++index) {
    into.numeric[index].insert(into.numeric[index].end(), more.numeric[index].begin(),
                               more.numeric[index].end());
  }
  into.ids.insert(into.ids.end(), more.ids.begin(), more.ids.end());
  into.days.insert(into.days.end(), more.days.begin(), more.days.end());
  into.labels.insert(into.labels.end(), more.labels.begin(), more.labels.end());
  into.revenue.insert(into.revenue.end(), more.revenue.begin(), more.revenue.end());
  into.rows += more.rows;
  return Status::Ok();
}

}  // namespace cordon::targeting

namespace cordon::targeting {

RowsByRole::RowsByRole(const Mapping& mapping) : mapping_(mapping) {
  data_.keys.resize(mapping.keys.size());
  data_.numeric.resize(mapping.numeric.size());
  for (const KeyColumn& key : mapping.keys) data_.key_names.push_back(key.name);
  for (const NumericColumn& number : mapping.numeric) data_.numeric_names.push_back(number.name);
}

void RowsByRole::Reserve(size_t rows) {
  for (std::vector<std::string>& column : data_.keys) column.reserve(rows);
  for (std::vector<double>& column : data_.numeric) column.reserve(rows);
  if (!mapping_.date_column.empty()) data_.days.reserve(rows);
}

void RowsByRole::StartRow() {
  key_call_ = number_call_ = 0;
  for (std::vector<std::string>& column : data_.keys) column.emplace_back();
  for (std::vector<double>& column : data_.numeric) {
    column.push_back(std::numeric_limits<double>::quiet_NaN());
  }
  if (!mapping_.date_column.empty()) data_.days.push_back(Dataset::kNoDay);
  ++data_.rows;
}

const std::vector<size_t>& RowsByRole::ColumnsOf(std::vector<Remembered>& remembered, size_t call,
                                                 std::string_view role, bool numeric) {
  if (call < remembered.size() && remembered[call].role == role) return remembered[call].columns;
  if (call >= remembered.size()) remembered.resize(call + 1);
  Remembered& entry = remembered[call];
  entry.role.assign(role);
  entry.columns.clear();
  const size_t count = numeric ? mapping_.numeric.size() : mapping_.keys.size();
  for (size_t index = 0; index < count; ++index) {
    if ((numeric ? mapping_.numeric[index].name : mapping_.keys[index].name) == role) {
      entry.columns.push_back(index);
    }
  }
  return entry.columns;
}

void RowsByRole::Key(std::string_view role, std::string_view text) {
  for (size_t index : ColumnsOf(keys_seen_, key_call_++, role, false)) {
    data_.keys[index].back().assign(Trim(text));
  }
}

void RowsByRole::Number(std::string_view role, double value) {
  for (size_t index : ColumnsOf(numbers_seen_, number_call_++, role, true)) {
    data_.numeric[index].back() =
        std::isfinite(value) ? value : std::numeric_limits<double>::quiet_NaN();
  }
}

void RowsByRole::Day(int32_t day) {
  if (!mapping_.date_column.empty()) data_.days.back() = day;
}

Dataset DatasetFromRoles(const Mapping& mapping, std::span<const RoleValues> rows) {
  RowsByRole builder(mapping);
  for (const RoleValues& row : rows) {
    builder.StartRow();
    for (const auto& [role, text] : row.keys) builder.Key(role, text);
    for (const auto& [role, value] : row.numbers) builder.Number(role, value);
    builder.Day(row.day);
  }
  return std::move(builder).Take();
}

}  // namespace cordon::targeting
