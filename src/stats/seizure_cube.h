// Internal to the stats module: an organisation's seizure records held in
// memory as dictionary-encoded columns, aggregated by a single scan.
//
// Why: the target (one million records grouped by two dimensions in
// at most 100 ms and at least 5x faster than SQLite's own GROUP BY) is out of
// reach for a row store that compares text keys and B-tree-walks every row.
// Here each dimension is a column of 16-bit codes into a per-column
// dictionary, the period is a 32-bit day number and a month number, and the
// measures are 64-bit integers, so the scan reads ~40 bytes per record
// sequentially and builds the group key by arithmetic (mixed radix over the
// codes) into a dense array, or a hash map when the key space is large.
// Distinct cases are counted exactly without a set per group: records are
// loaded ordered by (case_id, line), so a case's lines are adjacent and a
// group counts a case when its last-seen case differs.
//
// A cube is immutable once built; StatsService swaps in a new one when the
// store's seizure generation moves. Thread safety: const methods are safe to
// call concurrently; the Builder belongs to one thread.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/result.h"
#include "stats/stats.h"
#include "store/store.h"

namespace cordon::stats_internal {

// Record dimensions, in SeizureDimensions() order.
enum Dim : int {
  kOffice,
  kReportingCountry,
  kProcedure,
  kTransportMode,
  kOrigin,
  kDispatch,
  kDestination,
  kProductCategory,
  kIprType,
  kSmallConsignment,
  kECommerce,
  kOutcome,
  kRecordDims,
};
// Periods follow the record dimensions in SeizureDimensions().
enum class Period { kMonth, kQuarter, kYear };

// The value of a record dimension as text ("true"/"false" for the flags).
std::string DimValue(const SeizureRecord& record, int dim);

class SeizureCube {
 public:
  class Builder {
   public:
    // Records must arrive ordered by (case_id, line) (ScanSeizureRecords).
    // kInvalidInput when a dimension has more than 65535 distinct values.
    Status Add(const SeizureRecord& record);
    std::shared_ptr<const SeizureCube> Finish(long long generation);

   private:
    std::unique_ptr<SeizureCube> cube_ = std::make_unique<SeizureCube>();
    std::array<std::unordered_map<std::string, uint16_t>, kRecordDims> codes_;
    std::string last_case_;
  };

  // Aggregates the records matching the query (already validated by
  // ParseSeizureQuery: known dimensions and measures).
  SeizureTable Aggregate(const SeizureQuery& query) const;

  long long generation() const { return generation_; }
  size_t size() const { return day_.size(); }

 private:
  long long generation_ = 0;
  std::vector<int32_t> day_;    // days since 1970-01-01
  std::vector<int32_t> month_;  // year * 12 + (month - 1)
  std::vector<uint32_t> case_;  // dense case number, ascending with case_id
  std::array<std::vector<uint16_t>, kRecordDims> dim_;
  std::vector<int64_t> articles_;
  std::vector<int64_t> value_cents_;
  std::array<std::vector<std::string>, kRecordDims> dictionary_;
};

}  // namespace cordon::stats_internal
