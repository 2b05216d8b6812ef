// The CSV reader of declarations (RFC 4180, one item per row; OpenCsv). The
// format is documented for users in docs/declarations.md; keep it in step
// with declaration_json.cc (field names, aliases, messages, limits: the
// shared checks are in declaration_fields.h).
//
// The reader reuses its buffers and the capacity of the caller's Declaration
// (strings are assigned, not rebuilt), so a steady stream of declarations
// costs no heap allocation beyond strings that grow.
#include <simdjson.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <istream>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "screening/declaration.h"
#include "screening/declaration_fields.h"

namespace cordon {
namespace {

using namespace declaration_fields;  // NOLINT(google-build-using-namespace): the readers' own internals

// ---------------------------------------------------------------------------
// CSV.

// One CSV record; `cells` is reused from record to record and only
// cells[0, count) belong to the current one.
struct CsvRecord {
  std::vector<std::string> cells;
  size_t count = 0;
  long long line = 0;   // physical line where the record starts
  size_t bytes = 0;     // input bytes the record took
  std::string problem;  // what is structurally wrong with it, empty when fine
};

// Splits a stream into RFC 4180 records. Resumable at any byte, so a record
// may span any number of buffer refills and is never copied twice.
class CsvTokenizer {
 public:
  explicit CsvTokenizer(std::istream& input)
      : input_(input), buffer_(std::make_unique<char[]>(kBufferBytes)) {}

  // The next record that is not a blank line; false at the end of the input.
  bool Next(CsvRecord* record) {
    while (true) {
      switch (ReadRecord(record)) {
        case Outcome::kRecord:
          return true;
        case Outcome::kBlank:
          continue;
        case Outcome::kEnd:
          return false;
      }
    }
  }

 private:
  static constexpr size_t kBufferBytes = size_t{64} << 10;

  enum class Outcome { kRecord, kBlank, kEnd };
  enum class State { kFieldStart, kUnquoted, kQuoted, kAfterQuote, kCarriageReturn };

  static bool IsSpecial(char c) { return c == ',' || c == '\n' || c == '\r'; }

  // Line feeds inside a quoted run are rare: memchr skips to them.
  static long long CountLineFeeds(std::string_view run) {
    long long count = 0;
    const char* at = run.data();
    const char* end = at + run.size();
    while (const void* found = std::memchr(at, '\n', static_cast<size_t>(end - at))) {
      ++count;
      at = static_cast<const char*>(found) + 1;
    }
    return count;
  }

  // The first of ',', '\n', '\r' in [at, end), or end. Sixteen bytes at a
  // time with SSE2, then eight at a time (the classic "has a zero byte" test
  // on the word XORed with each character; the lowest flagged byte is always
  // a true match), then one by one.
  static size_t FindSpecial(const char* data, size_t at, size_t end) {
#if defined(__SSE2__)
    // Sixteen bytes at a time where SSE2 is there (every x86-64).
    const __m128i comma = _mm_set1_epi8(',');
    const __m128i line_feed = _mm_set1_epi8('\n');
    const __m128i carriage_return = _mm_set1_epi8('\r');
    for (; at + 16 <= end; at += 16) {
      const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + at));
      const __m128i found =
          _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(bytes, comma), _mm_cmpeq_epi8(bytes, line_feed)),
                       _mm_cmpeq_epi8(bytes, carriage_return));
      if (const int mask = _mm_movemask_epi8(found); mask != 0) {
        return at + static_cast<size_t>(std::countr_zero(static_cast<unsigned>(mask)));
      }
    }
#endif
    constexpr uint64_t kOnes = 0x0101010101010101ULL;
    constexpr uint64_t kHighs = 0x8080808080808080ULL;
    auto zero_bytes = [](uint64_t word) { return (word - kOnes) & ~word & kHighs; };
    for (; at + 8 <= end; at += 8) {
      uint64_t word = LoadWord<uint64_t>(data + at);
      uint64_t found = zero_bytes(word ^ (kOnes * ',')) | zero_bytes(word ^ (kOnes * '\n')) |
                       zero_bytes(word ^ (kOnes * '\r'));
      if (found != 0) {
        // Bytes are loaded little-endian on the targets Cordon supports.
        static_assert(std::endian::native == std::endian::little);
        return at + static_cast<size_t>(std::countr_zero(found) / 8);
      }
    }
    while (at < end && !IsSpecial(data[at])) ++at;
    return at;
  }

  Outcome ReadRecord(CsvRecord* record) {
    record->count = 0;
    record->bytes = 0;
    record->problem.clear();
    bool started = false;
    cell_quoted_ = false;
    State state = State::kFieldStart;
    while (true) {
      if (pos_ == end_ && !Refill()) {
        if (!started) return Outcome::kEnd;
        if (state == State::kQuoted) SetProblem(record, "unterminated quoted field");
        return Finish(record);
      }
      switch (state) {
        case State::kFieldStart:
          if (!started) {
            started = true;
            record->line = line_;
            StartCell(record);
          }
          cell_quoted_ = false;
          if (buffer_[pos_] == '"') {
            cell_quoted_ = true;
            ++pos_;
            ++record->bytes;
            state = State::kQuoted;
            break;
          }
          state = State::kUnquoted;
          [[fallthrough]];
        case State::kUnquoted: {
          size_t start = pos_;
          pos_ = FindSpecial(buffer_.get(), pos_, end_);
          // A quote inside an unquoted field is taken literally (as most
          // writers and readers do), not as an error.
          Append(record, std::string_view(buffer_.get() + start, pos_ - start));
          if (pos_ == end_) break;
          char c = buffer_[pos_++];
          ++record->bytes;
          if (c == ',') {
            StartCell(record);
            state = State::kFieldStart;
          } else if (c == '\n') {
            ++line_;
            return Finish(record);
          } else {
            state = State::kCarriageReturn;
          }
          break;
        }
        case State::kQuoted: {
          const void* quote = std::memchr(buffer_.get() + pos_, '"', end_ - pos_);
          size_t stop = quote != nullptr
                            ? static_cast<size_t>(static_cast<const char*>(quote) - buffer_.get())
                            : end_;
          std::string_view run(buffer_.get() + pos_, stop - pos_);
          line_ += CountLineFeeds(run);
          Append(record, run);
          pos_ = stop;
          if (quote != nullptr) {
            ++pos_;
            ++record->bytes;
            state = State::kAfterQuote;
          }
          break;
        }
        case State::kAfterQuote: {
          char c = buffer_[pos_++];
          ++record->bytes;
          if (c == '"') {
            Append(record, "\"");
            state = State::kQuoted;
          } else if (c == ',') {
            StartCell(record);
            state = State::kFieldStart;
          } else if (c == '\n') {
            ++line_;
            return Finish(record);
          } else if (c == '\r') {
            state = State::kCarriageReturn;
          } else {
            SetProblem(record, "unexpected character after the closing quote of field " +
                                   std::to_string(record->count));
            // Read on as plain text to find the record's end.
            Append(record, std::string_view(&c, 1));
            state = State::kUnquoted;
          }
          break;
        }
        case State::kCarriageReturn:
          if (buffer_[pos_] == '\n') {
            ++pos_;
            ++record->bytes;
            ++line_;
            return Finish(record);
          }
          // A carriage return not followed by a line feed is data.
          if (cell_quoted_) {
            SetProblem(record, "unexpected character after the closing quote of field " +
                                   std::to_string(record->count));
          }
          Append(record, "\r");
          state = State::kUnquoted;
          break;
      }
    }
  }

  Outcome Finish(CsvRecord* record) {
    bool blank = record->count == 1 && record->cells[0].empty() && !cell_quoted_;
    return blank && record->problem.empty() ? Outcome::kBlank : Outcome::kRecord;
  }

  static void SetProblem(CsvRecord* record, std::string problem) {
    if (record->problem.empty()) record->problem = std::move(problem);
  }

  // Cells and their bytes stop growing once the record passes the limit; the
  // record is then reported, and read to its end so the next one is found.
  void StartCell(CsvRecord* record) {
    if (record->bytes > kMaxDeclarationBytes) return;
    std::string& cell = SlotAt(record->cells, record->count);
    cell.clear();
    ++record->count;
  }

  void Append(CsvRecord* record, std::string_view text) {
    record->bytes += text.size();
    if (record->bytes > kMaxDeclarationBytes) {
      SetProblem(record, std::string(kTooLongMessage));
      return;
    }
    record->cells[record->count - 1].append(text);
  }

  bool Refill() {
    if (eof_) return false;
    input_.read(buffer_.get(), static_cast<std::streamsize>(kBufferBytes));
    end_ = static_cast<size_t>(input_.gcount());
    pos_ = 0;
    if (end_ < kBufferBytes) eof_ = true;
    if (first_read_) {
      first_read_ = false;
      if (std::string_view(buffer_.get(), end_).substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;
    }
    return pos_ < end_;
  }

  std::istream& input_;
  std::unique_ptr<char[]> buffer_;
  size_t pos_ = 0;
  size_t end_ = 0;
  bool eof_ = false;
  bool first_read_ = true;
  bool cell_quoted_ = false;  // the current cell started with a quote
  long long line_ = 1;        // physical line of the byte at pos_
};

// What a CSV column holds. Declaration-level columns come first; every
// column from kFirstItemColumn on is an item column.
enum class CsvColumn : uint8_t {
  kId,
  kType,
  kLodgedAt,
  kOffice,
  kTransportMode,
  kOrigin,
  kDispatch,
  kDestination,
  kECommerce,
  kConsignorName,
  kConsignorAddress,
  kConsignorCountry,
  kConsigneeName,
  kConsigneeAddress,
  kConsigneeCountry,
  kDeclarantName,
  kDeclarantAddress,
  kDeclarantCountry,
  kRoute,
  kContainers,
  kItemHs,
  kItemDescription,
  kItemBrand,
  kItemQuantity,
  kItemUnit,
  kItemGrossKg,
  kItemValue,
  kItemCurrency,
  kIgnored,
};
constexpr uint8_t kFirstItemColumn = static_cast<uint8_t>(CsvColumn::kItemHs);
constexpr size_t kCsvColumnCount = static_cast<size_t>(CsvColumn::kIgnored);

KeySpec Column(std::string_view name, CsvColumn column) {
  return KeySpec{name, static_cast<uint8_t>(column)};
}

const KeyTable& CsvColumns() {
  static const KeyTable table(std::array<KeySpec, 40>{{
      Column("id", CsvColumn::kId),
      Column("declaration_id", CsvColumn::kId),
      Column("type", CsvColumn::kType),
      Column("declaration_type", CsvColumn::kType),
      Column("lodged_at", CsvColumn::kLodgedAt),
      Column("office", CsvColumn::kOffice),
      Column("customs_office", CsvColumn::kOffice),
      Column("transport_mode", CsvColumn::kTransportMode),
      Column("mode_of_transport", CsvColumn::kTransportMode),
      Column("origin", CsvColumn::kOrigin),
      Column("country_of_origin", CsvColumn::kOrigin),
      Column("dispatch", CsvColumn::kDispatch),
      Column("country_of_dispatch", CsvColumn::kDispatch),
      Column("destination", CsvColumn::kDestination),
      Column("country_of_destination", CsvColumn::kDestination),
      Column("e_commerce", CsvColumn::kECommerce),
      Column("consignor_name", CsvColumn::kConsignorName),
      Column("consignor_address", CsvColumn::kConsignorAddress),
      Column("consignor_country", CsvColumn::kConsignorCountry),
      Column("consignee_name", CsvColumn::kConsigneeName),
      Column("consignee_address", CsvColumn::kConsigneeAddress),
      Column("consignee_country", CsvColumn::kConsigneeCountry),
      Column("declarant_name", CsvColumn::kDeclarantName),
      Column("declarant_address", CsvColumn::kDeclarantAddress),
      Column("declarant_country", CsvColumn::kDeclarantCountry),
      Column("route", CsvColumn::kRoute),
      Column("containers", CsvColumn::kContainers),
      Column("item_hs", CsvColumn::kItemHs),
      Column("item_commodity_code", CsvColumn::kItemHs),
      Column("item_description", CsvColumn::kItemDescription),
      Column("item_goods_description", CsvColumn::kItemDescription),
      Column("item_brand", CsvColumn::kItemBrand),
      Column("item_quantity", CsvColumn::kItemQuantity),
      Column("item_unit", CsvColumn::kItemUnit),
      Column("item_gross_kg", CsvColumn::kItemGrossKg),
      Column("item_gross_mass", CsvColumn::kItemGrossKg),
      Column("item_value", CsvColumn::kItemValue),
      Column("item_invoice_amount", CsvColumn::kItemValue),
      Column("item_currency", CsvColumn::kItemCurrency),
      Column("item_invoice_currency", CsvColumn::kItemCurrency),
  }});
  return table;
}

constexpr std::array<std::pair<CsvColumn, std::string_view>, 5> kRequiredCsvColumns = {{
    {CsvColumn::kId, "id"},
    {CsvColumn::kType, "type"},
    {CsvColumn::kOffice, "office"},
    {CsvColumn::kItemHs, "item_hs"},
    {CsvColumn::kItemDescription, "item_description"},
}};

// Separator of the entries of the route and containers columns.
constexpr char kCsvListSeparator = '|';

// A decimal number filling the whole cell; empty means 0 (not declared).
std::string_view ParseCsvAmount(std::string_view text, double& out) {
  out = 0;
  if (text.empty()) return {};
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (error != std::errc() || end != text.data() + text.size()) {
    out = 0;
    return "must be a number such as 1200 or 900.5";
  }
  return CheckAmount(out);
}

class CsvSource final : public DeclarationSource {
 public:
  explicit CsvSource(std::istream& input) : tokenizer_(input) {}

  ReadOutcome Next(Declaration* declaration, ReadError* error) override {
    if (!header_read_) {
      header_read_ = true;
      if (!ReadHeader(error)) {
        done_ = true;
        return error->reason.empty() ? ReadOutcome::kEnd : ReadOutcome::kError;
      }
    }
    if (done_) return ReadOutcome::kEnd;

    if (has_pending_) {
      std::swap(row_, pending_);
      has_pending_ = false;
    } else if (!tokenizer_.Next(&row_)) {
      done_ = true;
      return ReadOutcome::kEnd;
    }

    problems_.Clear();
    ResetDeclaration(*declaration);
    declaration->route.clear();
    declaration->containers.clear();
    group_line_ = row_.line;
    group_has_id_ = RowId(row_, &group_id_);
    size_t item_count = 0;
    bool first_well_formed = RowIsWellFormed(row_);
    if (first_well_formed) {
      for (size_t column = 0; column < columns_.size(); ++column) {
        if (columns_[column] < kFirstItemColumn) ReadDeclarationCell(column, *declaration);
      }
      ReadItemCells(row_, SlotAt(declaration->items, item_count++));
    }
    std::swap(first_, row_);
    size_t group_bytes = first_.bytes;
    bool too_long = false;

    // Rows with the same id that follow belong to the same declaration.
    while (group_has_id_) {
      if (!tokenizer_.Next(&row_)) break;
      std::string_view row_id;
      if (!RowId(row_, &row_id) || row_id != group_id_) {
        std::swap(row_, pending_);
        has_pending_ = true;
        break;
      }
      group_bytes += row_.bytes;
      if (group_bytes > kMaxDeclarationBytes) {
        if (!too_long) problems_.Add("declaration", kRowsTooLongMessage);
        too_long = true;
        continue;  // read on to the declaration's end, keeping nothing
      }
      if (!RowIsWellFormed(row_)) continue;
      for (size_t column = 0; first_well_formed && column < columns_.size(); ++column) {
        if (columns_[column] >= kFirstItemColumn) continue;
        if (row_.cells[column] != first_.cells[column]) {
          problems_.Add(CellName(column, row_.line),
                        "differs from the declaration's first row (line " +
                            std::to_string(first_.line) + ")");
        }
      }
      ReadItemCells(row_, SlotAt(declaration->items, item_count++));
    }
    declaration->items.resize(item_count);

    if (problems_.empty()) return ReadOutcome::kDeclaration;
    error->line = group_line_;
    // Only a readable id: error records end up in JSON output.
    bool readable_id = group_has_id_ && simdjson::validate_utf8(group_id_.data(), group_id_.size());
    error->id = readable_id ? group_id_ : std::string();
    error->reason = problems_.Joined();
    return ReadOutcome::kError;
  }

 private:
  // Reads the header row. False with error->reason empty on empty input,
  // false with an error filled in when the header is unusable.
  bool ReadHeader(ReadError* error) {
    error->id.clear();
    error->reason.clear();
    CsvRecord header;
    if (!tokenizer_.Next(&header)) return false;
    error->line = header.line;
    if (!header.problem.empty()) {
      error->reason = "header: " + header.problem;
      return false;
    }
    std::array<size_t, kCsvColumnCount> index_of;
    index_of.fill(SIZE_MAX);
    std::vector<std::string> problems;
    columns_.assign(header.count, static_cast<uint8_t>(CsvColumn::kIgnored));
    names_.resize(header.count);
    for (size_t column = 0; column < header.count; ++column) {
      std::string_view name = header.cells[column];
      while (!name.empty() && (name.front() == ' ' || name.front() == '\t')) name.remove_prefix(1);
      while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.remove_suffix(1);
      std::string& lower = names_[column];
      lower.assign(name);
      std::transform(lower.begin(), lower.end(), lower.begin(), [](char c) {
        return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
      });
      uint8_t key = CsvColumns().Find(lower);
      if (key == KeyTable::kUnknown) continue;  // unknown columns are ignored
      if (index_of[key] != SIZE_MAX) {
        problems.push_back("column " + lower + " repeats column " + names_[index_of[key]]);
        continue;
      }
      index_of[key] = column;
      columns_[column] = key;
    }
    std::string missing;
    for (const auto& [column, name] : kRequiredCsvColumns) {
      if (index_of[static_cast<size_t>(column)] != SIZE_MAX) continue;
      if (!missing.empty()) missing += ", ";
      missing += name;
    }
    if (!missing.empty())
      problems.insert(problems.begin(), "missing required column(s) " + missing);
    if (!problems.empty()) {
      for (const std::string& problem : problems) {
        error->reason += error->reason.empty() ? "header: " : "; header: ";
        error->reason += problem;
      }
      return false;
    }
    id_column_ = index_of[static_cast<size_t>(CsvColumn::kId)];
    return true;
  }

  // The row's id cell, when the row has one.
  template <typename Out>
  bool RowId(const CsvRecord& row, Out* id) const {
    if (row.count <= id_column_) return false;
    *id = row.cells[id_column_];
    return true;
  }

  // Reports (and returns false for) a row whose cells cannot be trusted.
  bool RowIsWellFormed(const CsvRecord& row) {
    std::string name =
        row.line == group_line_ ? "row" : "row (line " + std::to_string(row.line) + ")";
    if (!row.problem.empty()) {
      problems_.Add(std::move(name), row.problem);
      return false;
    }
    if (row.count != columns_.size()) {
      problems_.Add(std::move(name), "has " + std::to_string(row.count) +
                                         " fields where the header has " +
                                         std::to_string(columns_.size()));
      return false;
    }
    return true;
  }

  // "item_hs", or "item_hs (line 7)" for a row after the declaration's first.
  std::string CellName(size_t column, long long line) const {
    if (line == group_line_) return names_[column];
    return names_[column] + " (line " + std::to_string(line) + ")";
  }

  // Checks a cell's UTF-8 and hands it out; false (reported) when invalid.
  bool Cell(const CsvRecord& row, size_t column, std::string_view* text) {
    const std::string& cell = row.cells[column];
    if (!IsAscii(cell) && !simdjson::validate_utf8(cell.data(), cell.size())) {
      problems_.Add(CellName(column, row.line), "must be valid UTF-8");
      return false;
    }
    *text = cell;
    return true;
  }

  void Report(size_t column, const CsvRecord& row, std::string_view message) {
    if (!message.empty()) problems_.Add(CellName(column, row.line), message);
  }

  // Entries separated by '|'; an empty cell is an empty list, and every entry
  // (including empty ones from doubled or trailing separators) is checked.
  void ReadList(size_t column, std::string_view text, std::vector<std::string>& list,
                std::string_view (*check)(std::string_view)) {
    list.clear();
    if (text.empty()) return;
    size_t start = 0;
    while (true) {
      size_t separator = text.find(kCsvListSeparator, start);
      std::string_view entry = text.substr(start, separator - start);
      std::string_view message = check(entry);
      if (!message.empty()) {
        problems_.Add(names_[column] + "[" + std::to_string(list.size()) + "]", message);
      }
      list.emplace_back(entry);
      if (separator == std::string_view::npos) break;
      start = separator + 1;
    }
  }

  void ReadDeclarationCell(size_t column, Declaration& declaration) {
    std::string_view text;
    if (!Cell(row_, column, &text)) return;
    auto code = [&](std::string& out, std::string_view (*check)(std::string_view)) {
      SetText(out, text);
      if (!text.empty()) Report(column, row_, check(text));
    };
    auto required_code = [&](std::string& out, std::string_view (*check)(std::string_view)) {
      SetText(out, text);
      Report(column, row_, text.empty() ? kRequired : check(text));
    };
    switch (static_cast<CsvColumn>(columns_[column])) {
      case CsvColumn::kId:
        SetText(declaration.id, text);
        if (IsBlank(text)) Report(column, row_, kRequired);
        break;
      case CsvColumn::kType:
        required_code(declaration.type, CheckType);
        break;
      case CsvColumn::kLodgedAt:
        if (!text.empty()) {
          declaration.lodged_at = ParseTimestamp(text);
          if (!declaration.lodged_at) Report(column, row_, kTimestampMessage);
        }
        break;
      case CsvColumn::kOffice:
        required_code(declaration.office, CheckLocode);
        break;
      case CsvColumn::kTransportMode:
        code(declaration.transport_mode, CheckTransportMode);
        break;
      case CsvColumn::kOrigin:
        code(declaration.origin, CheckCountry);
        break;
      case CsvColumn::kDispatch:
        code(declaration.dispatch, CheckCountry);
        break;
      case CsvColumn::kDestination:
        code(declaration.destination, CheckCountry);
        break;
      case CsvColumn::kECommerce:
        if (text == "true") {
          declaration.e_commerce = true;
        } else if (!text.empty() && text != "false") {
          Report(column, row_, "must be true, false or empty");
        }
        break;
      case CsvColumn::kConsignorName:
        SetText(declaration.consignor.name, text);
        break;
      case CsvColumn::kConsignorAddress:
        SetText(declaration.consignor.address, text);
        break;
      case CsvColumn::kConsignorCountry:
        code(declaration.consignor.country, CheckCountry);
        break;
      case CsvColumn::kConsigneeName:
        SetText(declaration.consignee.name, text);
        break;
      case CsvColumn::kConsigneeAddress:
        SetText(declaration.consignee.address, text);
        break;
      case CsvColumn::kConsigneeCountry:
        code(declaration.consignee.country, CheckCountry);
        break;
      case CsvColumn::kDeclarantName:
        SetText(declaration.declarant.name, text);
        break;
      case CsvColumn::kDeclarantAddress:
        SetText(declaration.declarant.address, text);
        break;
      case CsvColumn::kDeclarantCountry:
        code(declaration.declarant.country, CheckCountry);
        break;
      case CsvColumn::kRoute:
        ReadList(column, text, declaration.route, CheckLocode);
        break;
      case CsvColumn::kContainers:
        ReadList(column, text, declaration.containers, CheckContainer);
        break;
      default:
        break;
    }
  }

  void ReadItemCells(const CsvRecord& row, DeclarationItem& item) {
    ClearItem(item);
    for (size_t column = 0; column < columns_.size(); ++column) {
      if (columns_[column] < kFirstItemColumn || columns_[column] == kIgnoredColumn) continue;
      std::string_view text;
      if (!Cell(row, column, &text)) continue;
      switch (static_cast<CsvColumn>(columns_[column])) {
        case CsvColumn::kItemHs:
          SetText(item.hs, text);
          Report(column, row, text.empty() ? kRequired : CheckHs(text));
          break;
        case CsvColumn::kItemDescription:
          SetText(item.description, text);
          if (IsBlank(text)) Report(column, row, kRequired);
          break;
        case CsvColumn::kItemBrand:
          SetText(item.brand, text);
          break;
        case CsvColumn::kItemQuantity:
          Report(column, row, ParseCsvAmount(text, item.quantity));
          break;
        case CsvColumn::kItemUnit:
          SetText(item.unit, text);
          break;
        case CsvColumn::kItemGrossKg:
          Report(column, row, ParseCsvAmount(text, item.gross_kg));
          break;
        case CsvColumn::kItemValue:
          Report(column, row, ParseCsvAmount(text, item.value));
          break;
        case CsvColumn::kItemCurrency:
          SetText(item.currency, text);
          Report(column, row, CheckCurrency(text));
          break;
        default:
          break;
      }
    }
  }

  static constexpr uint8_t kIgnoredColumn = static_cast<uint8_t>(CsvColumn::kIgnored);

  CsvTokenizer tokenizer_;
  bool header_read_ = false;
  bool done_ = false;
  std::vector<uint8_t> columns_;    // CsvColumn of each header position
  std::vector<std::string> names_;  // column names as in the header (lower case)
  size_t id_column_ = 0;

  // The declaration's first row (for comparing the declaration-level cells
  // of the rows after it), the row being read, and a row read ahead that
  // starts the next declaration.
  CsvRecord first_;
  CsvRecord row_;
  CsvRecord pending_;
  bool has_pending_ = false;

  long long group_line_ = 0;
  bool group_has_id_ = false;
  std::string group_id_;
  Problems problems_;
};

}  // namespace

std::unique_ptr<DeclarationSource> OpenCsv(std::istream& input) {
  return std::make_unique<CsvSource>(input);
}

}  // namespace cordon
