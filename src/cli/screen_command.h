// `cordon screen`: risk screening of a file of declarations (issue 3).
//
//   cordon screen --in FILE --out FILE [--format jsonl|csv]
//                 (--db DB [--org NAME] | --rights FILE.json)
//                 [--budget 5% | --capacity DEHAM=20,DEFRA=5] [--threads N]
//                 [--profiles FILE.json] [--watchlist FILE.json]
//                 [--model MODEL] [--model-weight W]
//
// The targeting model: --model MODEL, else with --db the administration's
// active model (none: no model hit).
//
// The output has one JSON line per input record, in input order: the result,
// or for a record that could not be read {"line":N,"id":..,"error":..}. A
// summary goes to standard error. docs/screening.md describes the streaming
// and the two-pass selection under a budget or capacities.
#pragma once

#include <cstddef>
#include <string>

#include "core/result.h"
#include "store/store.h"

namespace cordon {

struct ScreenCommandOptions {
  std::string in;
  std::string out;
  std::string format;     // jsonl | csv | "" (from the extension of `in`)
  std::string db;         // screen against this database's administration ...
  std::string org;        //   ... named here (default: its only customs organisation)
  std::string rights;     // ... or against a JSON array of application bodies
  std::string profiles;   // JSON array of risk profile bodies (with --rights)
  std::string watchlist;  // JSON array of watchlist entry bodies (with --rights)
  std::string reference_prices;  // {"reference_prices":[...]} (with --rights)
  std::string budget;     // "5%"
  std::string capacity;   // "DEHAM=20,DEFRA=5"
  std::string model;      // a targeting model file (overrides the active one of --db)
  double model_weight = 1.0;  // ScoringOptions::model_weight
  int threads = 1;
  size_t chunk = 4096;  // declarations per chunk
};

// Runs the command; returns the exit code: 0 done (bad records are reported
// in the output, not failures), 1 an input, output or database failure or a
// bad option value, 2 a usage error.
int RunScreenCommand(const ScreenCommandOptions& options);

// The administration a database command works for: `name_or_id` (--org), or
// by default the database's only customs organisation. kNotFound /
// kInvalidInput (several customs organisations: choose with --org).
Result<std::string> ScreeningAdministration(Store& store, const std::string& name_or_id);

}  // namespace cordon
