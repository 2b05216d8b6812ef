#include "stats/seizure_cube.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <limits>

namespace cordon::stats_internal {
namespace {

constexpr uint32_t kNoCase = std::numeric_limits<uint32_t>::max();
// Key spaces up to this many groups aggregate into dense arrays (32 bytes a
// group); larger ones into a hash map.
constexpr uint64_t kMaxDenseGroups = uint64_t{1} << 20;

int32_t DayNumber(Date date) {
  return static_cast<int32_t>(std::chrono::sys_days(date).time_since_epoch().count());
}

int32_t MonthNumber(Date date) {
  return static_cast<int32_t>(int(date.year()) * 12 + static_cast<int>(unsigned(date.month())) - 1);
}

std::string PeriodText(Period period, int64_t value) {
  switch (period) {
    case Period::kMonth:
      return fmt::format("{:04}-{:02}", value / 12, value % 12 + 1);
    case Period::kQuarter:
      return fmt::format("{:04}Q{}", value / 4, value % 4 + 1);
    case Period::kYear:
      return fmt::format("{:04}", value);
  }
  return "";
}

int64_t PeriodOfMonth(Period period, int32_t month) {
  switch (period) {
    case Period::kMonth:
      return month;
    case Period::kQuarter:
      return month / 3;
    case Period::kYear:
      return month / 12;
  }
  return month;
}

struct Accumulator {
  int64_t cases = 0;
  int64_t articles = 0;
  int64_t value_cents = 0;
  uint32_t last_case = kNoCase;
};

inline void Accumulate(Accumulator& group, uint32_t case_number, int64_t articles,
                       int64_t value_cents) {
  if (group.last_case != case_number) {
    group.last_case = case_number;
    ++group.cases;
  }
  group.articles += articles;
  group.value_cents += value_cents;
}

}  // namespace

std::string DimValue(const SeizureRecord& record, int dim) {
  switch (dim) {
    case kOffice: return record.office;
    case kReportingCountry: return record.reporting_country;
    case kProcedure: return record.procedure;
    case kTransportMode: return record.transport_mode;
    case kOrigin: return record.origin;
    case kDispatch: return record.dispatch;
    case kDestination: return record.destination;
    case kProductCategory: return record.product_category;
    case kIprType: return record.ipr_type;
    case kSmallConsignment: return record.small_consignment ? "true" : "false";
    case kECommerce: return record.e_commerce ? "true" : "false";
    case kOutcome: return record.outcome;
    default: return "";
  }
}

Status SeizureCube::Builder::Add(const SeizureRecord& record) {
  SeizureCube& cube = *cube_;
  uint32_t case_number = cube.case_.empty() ? 0 : cube.case_.back();
  if (cube.case_.empty() || record.case_id != last_case_) {
    if (!cube.case_.empty()) ++case_number;
    last_case_ = record.case_id;
  }
  for (int dim = 0; dim < kRecordDims; ++dim) {
    std::string value = DimValue(record, dim);
    auto [slot, inserted] =
        codes_[dim].try_emplace(value, static_cast<uint16_t>(cube.dictionary_[dim].size()));
    if (inserted) {
      if (cube.dictionary_[dim].size() >= std::numeric_limits<uint16_t>::max()) {
        return InvalidInput(fmt::format("dimension {} has more than 65535 distinct values",
                                        SeizureDimensions()[dim]));
      }
      cube.dictionary_[dim].push_back(value);
    }
    cube.dim_[dim].push_back(slot->second);
  }
  cube.day_.push_back(DayNumber(record.detained_on));
  cube.month_.push_back(MonthNumber(record.detained_on));
  cube.case_.push_back(case_number);
  cube.articles_.push_back(record.articles);
  cube.value_cents_.push_back(record.value_cents);
  return Status::Ok();
}

std::shared_ptr<const SeizureCube> SeizureCube::Builder::Finish(long long generation) {
  cube_->generation_ = generation;
  std::shared_ptr<const SeizureCube> built(std::move(cube_));
  cube_ = std::make_unique<SeizureCube>();
  codes_ = {};
  last_case_.clear();
  return built;
}

SeizureTable SeizureCube::Aggregate(const SeizureQuery& query) const {
  SeizureTable table;
  table.group_by = query.group_by;
  table.measures = query.measures;
  const size_t count = day_.size();
  if (count == 0) return table;

  // The group key: mixed radix over each group-by part's code.
  struct Part {
    bool is_period = false;
    int dim = 0;
    Period period = Period::kMonth;
    int64_t base = 0;  // smallest period value (periods only)
    uint64_t cardinality = 1;
    uint64_t stride = 1;
  };
  const std::vector<std::string>& dims = SeizureDimensions();
  auto [min_month, max_month] = std::minmax_element(month_.begin(), month_.end());
  std::vector<Part> parts;
  uint64_t groups = 1;
  bool dense = true;
  for (const std::string& name : query.group_by) {
    Part part;
    auto found = std::find(dims.begin(), dims.end(), name);
    int index = static_cast<int>(found - dims.begin());
    if (index < kRecordDims) {
      part.dim = index;
      part.cardinality = std::max<uint64_t>(1, dictionary_[index].size());
    } else {
      part.is_period = true;
      part.period = name == "month" ? Period::kMonth
                    : name == "quarter" ? Period::kQuarter
                                        : Period::kYear;
      part.base = PeriodOfMonth(part.period, *min_month);
      part.cardinality =
          static_cast<uint64_t>(PeriodOfMonth(part.period, *max_month) - part.base + 1);
    }
    part.stride = groups;
    if (groups > kMaxDenseGroups || part.cardinality > kMaxDenseGroups) {
      dense = false;
    } else {
      groups *= part.cardinality;
    }
    parts.push_back(part);
  }
  if (groups > kMaxDenseGroups) dense = false;

  // Filters: a flag per dictionary code.
  std::vector<std::pair<const uint16_t*, std::vector<uint8_t>>> filters;
  for (const auto& [name, values] : query.filters) {
    int index = static_cast<int>(std::find(dims.begin(), dims.end(), name) - dims.begin());
    if (index >= kRecordDims) continue;
    std::vector<uint8_t> accepted(dictionary_[index].size(), 0);
    for (size_t code = 0; code < dictionary_[index].size(); ++code) {
      if (std::find(values.begin(), values.end(), dictionary_[index][code]) != values.end()) {
        accepted[code] = 1;
      }
    }
    filters.emplace_back(dim_[index].data(), std::move(accepted));
  }
  const int32_t from = query.from ? DayNumber(*query.from) : std::numeric_limits<int32_t>::min();
  const int32_t to = query.to ? DayNumber(*query.to) : std::numeric_limits<int32_t>::max();

  // Dense: the mixed-radix key indexes an array. Sparse (a key space too
  // large for an array): the parts' codes, two bytes each, key a hash map.
  std::vector<Accumulator> dense_groups;
  std::unordered_map<std::string, Accumulator> sparse_groups;
  if (dense) dense_groups.resize(groups);
  std::string sparse_key(2 * parts.size(), '\0');
  auto code_at = [&](const Part& part, size_t row) -> uint64_t {
    return part.is_period
               ? static_cast<uint64_t>(PeriodOfMonth(part.period, month_[row]) - part.base)
               : dim_[part.dim][row];
  };
  for (size_t row = 0; row < count; ++row) {
    if (day_[row] < from || day_[row] > to) continue;
    bool accepted = true;
    for (const auto& [column, flags] : filters) {
      if (!flags[column[row]]) {
        accepted = false;
        break;
      }
    }
    if (!accepted) continue;
    if (dense) {
      uint64_t key = 0;
      for (const Part& part : parts) key += code_at(part, row) * part.stride;
      Accumulate(dense_groups[key], case_[row], articles_[row], value_cents_[row]);
    } else {
      for (size_t index = 0; index < parts.size(); ++index) {
        uint64_t code = code_at(parts[index], row);
        sparse_key[2 * index] = static_cast<char>(code & 0xFF);
        sparse_key[2 * index + 1] = static_cast<char>((code >> 8) & 0xFF);
      }
      Accumulate(sparse_groups[sparse_key], case_[row], articles_[row], value_cents_[row]);
    }
  }

  auto emit = [&](const std::vector<uint64_t>& codes, const Accumulator& group) {
    SeizureRow row;
    for (size_t index = 0; index < parts.size(); ++index) {
      const Part& part = parts[index];
      row.keys.push_back(part.is_period
                             ? PeriodText(part.period, part.base + static_cast<int64_t>(codes[index]))
                             : dictionary_[part.dim][codes[index]]);
    }
    row.cases = group.cases;
    row.articles = group.articles;
    row.value_cents = group.value_cents;
    table.rows.push_back(std::move(row));
  };
  std::vector<uint64_t> codes(parts.size());
  if (dense) {
    for (uint64_t key = 0; key < dense_groups.size(); ++key) {
      if (dense_groups[key].last_case == kNoCase) continue;
      for (size_t index = 0; index < parts.size(); ++index) {
        codes[index] = (key / parts[index].stride) % parts[index].cardinality;
      }
      emit(codes, dense_groups[key]);
    }
  } else {
    for (const auto& [key, group] : sparse_groups) {
      for (size_t index = 0; index < parts.size(); ++index) {
        codes[index] = static_cast<uint8_t>(key[2 * index]) |
                       (static_cast<uint64_t>(static_cast<uint8_t>(key[2 * index + 1])) << 8);
      }
      emit(codes, group);
    }
  }
  // Text order is chronological for YYYY-MM, YYYYQn and YYYY.
  std::sort(table.rows.begin(), table.rows.end(),
            [](const SeizureRow& left, const SeizureRow& right) { return left.keys < right.keys; });
  return table;
}

}  // namespace cordon::stats_internal
