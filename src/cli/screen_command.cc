// `cordon screen`; see screen_command.h for the interface.
//
// Streaming. The input is read, screened and written in chunks of
// options.chunk declarations, so memory follows the index and the chunk size,
// not the input: with --threads N, N chunks are read, screened in parallel
// (one ScreeningScratch per thread; the Screener is shared) and written in
// input order before the next N are read.
//
// Selection. Without --budget or --capacity a result is selected when red and
// is final as soon as it is screened. A budget or capacities need every score
// first, so then the run makes two passes:
//   1. screen and write every line to OUT.pass1 with "selected":false, and
//      keep (score, office, ordinal) of the results that could be selected
//      (DeferredSelection: score above 0, and for capacities an office that
//      has one) - memory in proportion to the hits, not the input;
//   2. decide the selection and copy OUT.pass1 to OUT, turning
//      "selected":false into true on the selected lines.
// Output goes to OUT.partial and is renamed to OUT at the end, so a failed
// run never leaves a truncated file where a good one was.
//
// With --db, each chunk's results are stored in one transaction as they are
// written (a run of the administration, source "cli"); the selected ones form
// the selection queue, and with a budget or capacities the run's selection is
// set at the end of pass 1. Results are keyed by declaration id within a run:
// a declaration id seen earlier in the same run is screened and written, but
// neither stored nor selected, and counted as a duplicate.
#include "cli/screen_command.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/random.h"
#include "core/time.h"
#include "rights/rights.h"
#include "screening/declaration.h"
#include "screening/mark_index.h"
#include "screening/profiles.h"
#include "screening/screening.h"
#include "screening/screening_service.h"
#include "screening/watchlist.h"
#include "store/sqlite_store.h"
#include "targeting/targeting.h"

namespace cordon {
namespace {

using json = nlohmann::json;

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

int Fail(const Error& error) {
  std::cerr << "cordon: " << error.ToString() << "\n";
  return kExitFailure;
}

int Usage(const std::string& message) {
  std::cerr << "cordon screen: " << message << "\nRun with --help for more information.\n";
  return kExitUsage;
}

std::string Lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// One input record and, once screened, its result.
struct Record {
  bool readable = false;
  Declaration declaration;
  ReadError error;
  ScreeningResult result;
  bool duplicate = false;  // --db: the run already holds this declaration id
};

Result<json> ReadJsonFile(const std::string& path, const std::string& option) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return Unavailable(fmt::format("cannot open {} ({})", path, option));
  std::stringstream content;
  content << file.rdbuf();
  json document = json::parse(content.str(), nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded()) {
    return InvalidInput(fmt::format("{} ({}) is not valid JSON", path, option),
                        {{option, "is not valid JSON"}});
  }
  return document;
}

Result<json> ReadJsonArrayFile(const std::string& path, const std::string& option) {
  CORDON_ASSIGN_OR_RETURN(json document, ReadJsonFile(path, option));
  if (!document.is_array()) {
    return InvalidInput(fmt::format("{} ({}) must hold a JSON array", path, option),
                        {{option, "must be a JSON array"}});
  }
  return document;
}

// Re-roots a validation error of entry `index` of a file: "[3].holder.name".
void AddEntryErrors(const Error& error, size_t index, std::vector<FieldError>& errors) {
  const std::string prefix = fmt::format("[{}]", index);
  if (error.fields().empty()) {
    errors.push_back({prefix, error.message()});
    return;
  }
  for (const FieldError& field : error.fields()) {
    errors.push_back({field.field.empty() ? prefix : prefix + "." + field.field, field.message});
  }
}

// The error of a file of entries with bad fields. (The count is taken
// before the list is moved into the error: in one call, the order in which
// the arguments are evaluated is unspecified, and GCC moved first.)
Error FileErrors(const std::string& path, std::string_view option, std::vector<FieldError> errors) {
  std::string message = fmt::format("{} ({}) has {} invalid field{}", path, option, errors.size(),
                                    errors.size() == 1 ? "" : "s");
  return InvalidInput(std::move(message), std::move(errors));
}

std::string EntryId(const json& entry, const std::string& fallback) {
  auto id = entry.find("id");
  if (id != entry.end() && id->is_string() && !id->get<std::string>().empty()) {
    return id->get<std::string>();
  }
  return fallback;
}

// --rights [--profiles] [--watchlist]: a Screener from files. Every
// application in the file counts as granted and in force (its rights until
// their expires_on).
Result<std::shared_ptr<const Screener>> ScreenerFromFiles(const ScreenCommandOptions& options,
                                                          Date today) {
  CORDON_ASSIGN_OR_RETURN(json bodies, ReadJsonArrayFile(options.rights, "rights"));
  std::vector<Application> applications;
  std::vector<FieldError> errors;
  for (size_t index = 0; index < bodies.size(); ++index) {
    Result<Application> app = ApplicationFromJson(bodies[index]);
    if (!app.ok()) {
      AddEntryErrors(app.error(), index, errors);
      continue;
    }
    // Treated as granted, so held to what a grant needs for screening: a
    // trademark without marks would screen nothing (a misspelt "marks" is
    // ignored as an unknown field, as in the API).
    for (size_t right = 0; right < app->rights.size(); ++right) {
      if (app->rights[right].type == "trademark" && app->rights[right].marks.empty()) {
        errors.push_back({fmt::format("[{}].rights[{}].marks", index, right),
                          "a trademark needs at least one mark to be screened"});
      }
    }
    app->id = EntryId(bodies[index], fmt::format("app_file_{}", index + 1));
    app->status = "granted";
    applications.push_back(std::move(app).value());
  }
  if (!errors.empty()) {
    return FileErrors(options.rights, "--rights", std::move(errors));
  }
  CORDON_ASSIGN_OR_RETURN(std::shared_ptr<const MarkIndex> marks,
                          MarkIndex::Build(FromApplications(applications, today)));

  ScreenerParts parts;
  parts.scoring.model_weight = options.model_weight;
  parts.marks = marks;
  std::vector<ReferencePrice> reference_prices;
  if (!options.reference_prices.empty()) {
    CORDON_ASSIGN_OR_RETURN(json body,
                            ReadJsonFile(options.reference_prices, "reference-prices"));
    Result<std::vector<ReferencePrice>> prices = ReferencePricesFromJson(body);
    if (!prices.ok()) {
      return InvalidInput(fmt::format("{} (--reference-prices): {}", options.reference_prices,
                                      prices.error().message()),
                          prices.error().fields());
    }
    reference_prices = std::move(prices).value();
  }
  if (!options.profiles.empty()) {
    CORDON_ASSIGN_OR_RETURN(json profile_bodies, ReadJsonArrayFile(options.profiles, "profiles"));
    std::vector<RiskProfile> profiles;
    for (size_t index = 0; index < profile_bodies.size(); ++index) {
      Result<RiskProfile> profile = ProfileFromJson(profile_bodies[index]);
      if (!profile.ok()) {
        AddEntryErrors(profile.error(), index, errors);
        continue;
      }
      profile->id = EntryId(profile_bodies[index], fmt::format("prf_file_{}", index + 1));
      profiles.push_back(std::move(profile).value());
    }
    if (!errors.empty()) {
      return FileErrors(options.profiles, "--profiles", std::move(errors));
    }
    CORDON_ASSIGN_OR_RETURN(parts.profiles,
                            ProfileSet::Compile(profiles, std::move(reference_prices)));
  }
  if (!options.watchlist.empty()) {
    CORDON_ASSIGN_OR_RETURN(json entry_bodies, ReadJsonArrayFile(options.watchlist, "watchlist"));
    std::vector<WatchlistEntry> entries;
    for (size_t index = 0; index < entry_bodies.size(); ++index) {
      Result<WatchlistEntry> entry = WatchlistEntryFromJson(entry_bodies[index]);
      if (!entry.ok()) {
        AddEntryErrors(entry.error(), index, errors);
        continue;
      }
      entry->id = EntryId(entry_bodies[index], fmt::format("wle_file_{}", index + 1));
      entries.push_back(std::move(entry).value());
    }
    if (!errors.empty()) {
      return FileErrors(options.watchlist, "--watchlist", std::move(errors));
    }
    CORDON_ASSIGN_OR_RETURN(parts.watchlist, WatchlistIndex::Build(std::move(entries)));
  }
  spdlog::info("screening against {}: {} applications, {} marks", options.rights,
               marks->application_count(), marks->mark_count());
  return Screener::Make(std::move(parts));
}

}  // namespace

Result<std::string> ScreeningAdministration(Store& store, const std::string& name_or_id) {
  std::string org_id;
  CORDON_RETURN_IF_ERROR(store.Read([&](ReadTx& tx) -> Status {
    if (!name_or_id.empty()) {
      Result<Organisation> org = tx.FindOrganisationByName(name_or_id);
      if (!org.ok()) org = tx.GetOrganisation(name_or_id);
      if (!org.ok()) return NotFound("no organisation named or with id \"" + name_or_id + "\"");
      org_id = org->id;
      return Status::Ok();
    }
    CORDON_ASSIGN_OR_RETURN(std::vector<Organisation> orgs, tx.ListOrganisations());
    std::vector<std::string> customs;
    for (const Organisation& org : orgs) {
      if (org.kind == OrgKind::kCustoms) {
        customs.push_back(org.name);
        org_id = org.id;
      }
    }
    if (customs.empty()) {
      return NotFound("the database has no customs organisation to screen for");
    }
    if (customs.size() > 1) {
      std::string names;
      for (const std::string& name : customs) names += (names.empty() ? "" : ", ") + name;
      return InvalidInput(
          fmt::format("the database has {} customs organisations ({}); choose one with --org",
                      customs.size(), names),
          {{"org", "required when the database has several customs organisations"}});
    }
    return Status::Ok();
  }));
  return org_id;
}

namespace {

// Screens the readable records of records[begin, end) with one scratch, in
// batches (Screener::ScreenBatch: a model scores a batch's items together).
void ScreenRange(const Screener& screener, ScreeningScratch& scratch, Date today,
                 std::vector<Record>& records, size_t begin, size_t end) {
  constexpr size_t kBatch = 1024;
  std::vector<Record*> batch;
  std::vector<const Declaration*> declarations;
  std::vector<ScreeningResult> results;
  auto screen = [&] {
    screener.ScreenBatch(declarations, today, scratch, results);
    // Swapped, not moved: the record's previous result goes back to
    // `results`, whose hits' capacity the next batch reuses.
    for (size_t index = 0; index < batch.size(); ++index) {
      std::swap(batch[index]->result, results[index]);
    }
    batch.clear();
    declarations.clear();
  };
  for (size_t index = begin; index < end; ++index) {
    Record& record = records[index];
    if (!record.readable) continue;
    batch.push_back(&record);
    declarations.push_back(&record.declaration);
    if (batch.size() == kBatch) screen();
  }
  screen();
}

// Turns the first "selected":false of a result line into true. The key comes
// before "hits" and after the escaped strings "id" and "channel", where an
// unescaped quote cannot occur, so the first match is the key.
bool MarkSelected(std::string& line) {
  constexpr std::string_view kFalse = "\"selected\":false";
  size_t at = line.find(kFalse);
  if (at == std::string::npos) return false;
  line.replace(at, kFalse.size(), "\"selected\":true");
  return true;
}

class TempFile {
 public:
  explicit TempFile(std::string path) : path_(std::move(path)) {}
  ~TempFile() {
    if (!kept_) {
      std::error_code ignored;
      std::filesystem::remove(path_, ignored);
    }
  }
  const std::string& path() const { return path_; }
  void Keep() { kept_ = true; }

 private:
  std::string path_;
  bool kept_ = false;
};

}  // namespace

int RunScreenCommand(const ScreenCommandOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  // --- options
  if (options.db.empty() == options.rights.empty()) {
    return Usage(
        "give either --db (screen for an administration in a database) or --rights "
        "(screen against a file of applications)");
  }
  if (!options.org.empty() && options.db.empty()) return Usage("--org needs --db");
  if (!options.db.empty() && (!options.profiles.empty() || !options.watchlist.empty() ||
                              !options.reference_prices.empty())) {
    return Usage(
        "with --db the administration's own profiles, reference prices and watchlist are used "
        "(hits are recorded against them); --profiles, --reference-prices and --watchlist go "
        "with --rights");
  }
  if (!options.reference_prices.empty() && options.profiles.empty()) {
    return Usage("--reference-prices is read by risk profiles: give --profiles too");
  }
  if (options.threads < 1) return Usage("--threads must be at least 1");
  if (!(options.model_weight >= 0 && options.model_weight <= 1)) {
    return Fail(InvalidInput("--model-weight must be between 0 and 1",
                             {{"model-weight", "must be between 0 and 1"}}));
  }
  if (options.chunk < 1) return Usage("--chunk must be at least 1");
  std::string format = options.format;
  if (format.empty()) {
    const std::string extension = Lower(std::filesystem::path(options.in).extension().string());
    if (extension == ".jsonl" || extension == ".json" || extension == ".ndjson") {
      format = "jsonl";
    } else if (extension == ".csv") {
      format = "csv";
    } else {
      return Usage("cannot tell the input format from \"" + options.in +
                   "\"; name it .jsonl or .csv, or give --format jsonl|csv");
    }
  }
  std::optional<DeferredSelection> deferred;
  if (!options.budget.empty() && !options.capacity.empty()) {
    return Usage("--budget and --capacity exclude each other");
  }
  if (!options.budget.empty()) {
    Result<double> percent = ParseBudget(options.budget);
    if (!percent.ok()) return Fail(percent.error());
    Result<DeferredSelection> selection = DeferredSelection::Budget(*percent);
    if (!selection.ok()) return Fail(selection.error());
    deferred = std::move(selection).value();
  } else if (!options.capacity.empty()) {
    Result<std::map<std::string, int>> capacity = ParseCapacity(options.capacity);
    if (!capacity.ok()) return Fail(capacity.error());
    Result<DeferredSelection> selection = DeferredSelection::Capacity(*capacity);
    if (!selection.ok()) return Fail(selection.error());
    deferred = std::move(selection).value();
  }

  std::ifstream input(options.in, std::ios::binary);
  if (!input) return Fail(Unavailable("cannot open the input file " + options.in));

  // --- the Screener: from the database's administration, or from files
  SystemClock clock;
  SystemRng rng;
  const Date today = clock.Today();
  std::unique_ptr<Store> store;
  std::unique_ptr<ScreeningService> service;
  std::optional<ScreeningRunRecord> run;
  std::shared_ptr<const Screener> screener;
  if (!options.db.empty()) {
    if (!std::filesystem::exists(options.db)) {
      return Fail(NotFound("no database at " + options.db));
    }
    Result<std::unique_ptr<Store>> opened = OpenSqliteStore(SqliteOptions{options.db});
    if (!opened.ok()) return Fail(opened.error());
    store = std::move(opened).value();
    Result<std::string> org_id = ScreeningAdministration(*store, options.org);
    if (!org_id.ok()) return Fail(org_id.error());
    ScreeningServiceOptions service_options;
    service_options.scoring.model_weight = options.model_weight;
    service = std::make_unique<ScreeningService>(*store, clock, rng, service_options);
    Result<std::shared_ptr<const Screener>> built = service->ScreenerFor(*org_id);
    if (!built.ok()) return Fail(built.error());
    screener = *built;
    Result<ScreeningRunRecord> started_run = service->StartRun(*org_id, "", "cli");
    if (!started_run.ok()) return Fail(started_run.error());
    run = std::move(started_run).value();
  } else {
    Result<std::shared_ptr<const Screener>> built = ScreenerFromFiles(options, today);
    if (!built.ok()) return Fail(built.error());
    screener = *built;
  }
  // --model: this model file instead of the administration's active model
  // (--db), or a model with --rights.
  if (!options.model.empty()) {
    Result<targeting::Model> model = targeting::Model::Load(options.model);
    if (!model.ok()) return Fail(model.error());
    screener = screener->WithModel(std::make_shared<const targeting::Model>(std::move(model).value()),
                                   std::filesystem::path(options.model).filename().string());
  }
  if (screener->model()) {
    spdlog::info("screening with the targeting model ({} trees, {} features)",
                 screener->model()->info().rounds, screener->model()->feature_names().size());
  }

  std::vector<std::unique_ptr<ScreeningScratch>> scratches;
  for (int thread = 0; thread < options.threads; ++thread) {
    Result<std::unique_ptr<ScreeningScratch>> scratch = screener->NewScratch();
    if (!scratch.ok()) return Fail(scratch.error());
    scratches.push_back(std::move(scratch).value());
  }

  // --- pass 1: read, screen, store, write in chunks
  TempFile partial(options.out + ".partial");
  std::optional<TempFile> pass1;
  if (deferred) pass1.emplace(options.out + ".pass1");
  std::ofstream output(deferred ? pass1->path() : partial.path(),
                       std::ios::binary | std::ios::trunc);
  if (!output)
    return Fail(Unavailable("cannot write " + (deferred ? pass1->path() : partial.path())));

  std::unique_ptr<DeclarationSource> source =
      format == "csv" ? OpenCsv(input) : OpenJsonLines(input);
  ScreeningSummary summary;
  long long duplicates = 0;
  long long ordinal = 0;  // of the next record = its output line, 0-based
  const size_t group_size = options.chunk * static_cast<size_t>(options.threads);
  std::vector<Record> records(group_size);
  std::string lines;
  bool at_end = false;
  while (!at_end) {
    // Read up to `threads` chunks.
    size_t count = 0;
    while (count < group_size) {
      Record& record = records[count];
      ReadOutcome outcome = source->Next(&record.declaration, &record.error);
      if (outcome == ReadOutcome::kEnd) {
        at_end = true;
        break;
      }
      record.readable = outcome == ReadOutcome::kDeclaration;
      record.duplicate = false;
      ++count;
    }
    if (input.bad()) return Fail(Unavailable("reading " + options.in + " failed"));
    if (count == 0) break;

    // Screen them, one chunk per thread.
    std::vector<std::thread> workers;
    for (int thread = 1; thread < options.threads; ++thread) {
      const size_t begin = std::min(count, options.chunk * static_cast<size_t>(thread));
      const size_t end = std::min(count, begin + options.chunk);
      if (begin >= end) break;
      workers.emplace_back(ScreenRange, std::cref(*screener),
                           std::ref(*scratches[static_cast<size_t>(thread)]), today,
                           std::ref(records), begin, end);
    }
    ScreenRange(*screener, *scratches[0], today, records, 0, std::min(count, options.chunk));
    for (std::thread& worker : workers) worker.join();
    // Under a budget or capacities nothing is selected before the end, in
    // the store either.
    if (deferred) {
      for (size_t index = 0; index < count; ++index) records[index].result.selected = false;
    }

    // Store them, one transaction per chunk.
    if (service) {
      for (size_t begin = 0; begin < count; begin += options.chunk) {
        const size_t end = std::min(count, begin + options.chunk);
        std::vector<RunResult> results;
        std::vector<size_t> positions;
        for (size_t index = begin; index < end; ++index) {
          if (!records[index].readable) continue;
          results.push_back({ordinal + static_cast<long long>(index), &records[index].result,
                             &records[index].declaration});
          positions.push_back(index);
        }
        if (results.empty()) continue;
        Result<std::vector<std::string>> stored = service->StoreResults(*run, results);
        if (!stored.ok()) return Fail(stored.error());
        for (size_t index = 0; index < positions.size(); ++index) {
          if ((*stored)[index].empty()) records[positions[index]].duplicate = true;
        }
      }
    }

    // Write them in input order.
    lines.clear();
    for (size_t index = 0; index < count; ++index) {
      Record& record = records[index];
      if (!record.readable) {
        ++summary.errors;
        AppendReadErrorJson(record.error, &lines);
      } else {
        ScreeningResult& result = record.result;
        if (record.duplicate) {
          ++duplicates;
          result.selected = false;
          spdlog::warn(
              "declaration {} appears again in the input (record {}); its result is "
              "written but neither stored nor selected",
              result.id, ordinal + static_cast<long long>(index) + 1);
        } else if (deferred) {
          deferred->Add(ordinal + static_cast<long long>(index), result);
        }
        summary.Count(result);
        AppendResultJson(result, &lines);
      }
      lines += '\n';
    }
    output.write(lines.data(), static_cast<std::streamsize>(lines.size()));
    if (!output) return Fail(Unavailable("writing the output failed"));
    ordinal += static_cast<long long>(count);
  }
  output.close();
  if (!output) return Fail(Unavailable("writing the output failed"));
  summary.declarations = ordinal;

  // --- pass 2: the selection under a budget or capacities
  if (deferred) {
    const std::vector<long long> chosen = deferred->Decide();
    summary.selected = static_cast<long long>(chosen.size());
    if (service) {
      Status set = service->SetRunSelection(*run, chosen);
      if (!set.ok()) return Fail(set.error());
    }
    std::ifstream first(pass1->path(), std::ios::binary);
    std::ofstream final_output(partial.path(), std::ios::binary | std::ios::trunc);
    if (!first || !final_output) return Fail(Unavailable("cannot write " + partial.path()));
    std::string line;
    long long line_index = 0;
    size_t next = 0;
    while (std::getline(first, line)) {
      if (next < chosen.size() && chosen[next] == line_index) {
        if (!MarkSelected(line)) {
          return Fail(Internal(
              fmt::format("line {} of {} has no selected flag", line_index + 1, pass1->path())));
        }
        ++next;
      }
      line += '\n';
      final_output.write(line.data(), static_cast<std::streamsize>(line.size()));
      ++line_index;
    }
    if (first.bad()) return Fail(Unavailable("reading " + pass1->path() + " failed"));
    final_output.close();
    if (!final_output) return Fail(Unavailable("writing " + partial.path() + " failed"));
  }
  std::error_code renamed;
  std::filesystem::rename(partial.path(), options.out, renamed);
  if (renamed) {
    return Fail(Unavailable(
        fmt::format("cannot rename {} to {}: {}", partial.path(), options.out, renamed.message())));
  }
  partial.Keep();
  if (service) {
    Status finished = service->FinishRun(*run, summary);
    if (!finished.ok()) return Fail(finished.error());
  }

  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  json report = {{"declarations", summary.declarations},
                 {"screened", summary.screened},
                 {"errors", summary.errors},
                 {"selected", summary.selected},
                 {"by_channel", summary.by_channel},
                 {"seconds", std::round(seconds * 1000) / 1000},
                 {"per_second", seconds > 0 ? std::round(summary.declarations / seconds) : 0}};
  if (run) {
    report["run_id"] = run->id;
    report["duplicates"] = duplicates;
  }
  std::cerr << "summary " << report.dump() << "\n";
  return kExitOk;
}

}  // namespace cordon
