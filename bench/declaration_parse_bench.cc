// Parse rate of the declaration readers (issue 3, "Declarations in"): JSON
// Lines and CSV, on one core, in declarations per second and MB/s. Parsing
// is the first stage of screening, whose end-to-end target is 500,000
// declarations per second per core, so parsing should stay a small part of
// that budget (aim: 2,000,000 JSON Lines declarations per second).
//
// The input comes from a seeded, deterministic generator of realistic
// declarations: 1 to 5 items, party names and addresses, goods descriptions
// and routes of realistic length, a mix of sea, air, road, rail, postal and
// express consignments. Rates use CPU time, so a busy machine slows them less
// than wall time would.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <istream>
#include <streambuf>
#include <string>
#include <vector>

#include "core/time.h"
#include "screening/declaration.h"
#include "screening/declaration_test_util.h"

namespace cordon {
namespace {

// A small deterministic generator (SplitMix64), so the data set is the same
// on every machine and standard library.
class Generator {
 public:
  explicit Generator(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  size_t Below(size_t bound) { return static_cast<size_t>(Next() % bound); }
  int Between(int low, int high) { return low + static_cast<int>(Below(high - low + 1)); }
  bool Chance(int percent) { return Below(100) < static_cast<size_t>(percent); }
  template <typename T>
  const T& Pick(const std::vector<T>& values) {
    return values[Below(values.size())];
  }

 private:
  uint64_t state_;
};

struct Goods {
  std::string hs;
  std::vector<std::string> nouns;
  std::string unit;
  double kg_per_unit;
  double usd_per_unit;
};

const std::vector<Goods>& GoodsKinds() {
  static const std::vector<Goods> goods = {
      {"640411", {"sport shoes", "running shoes", "trainers", "sneakers"}, "pairs", 0.8, 4.0},
      {"640399", {"leather boots", "ankle boots", "leather shoes"}, "pairs", 1.1, 9.0},
      {"420222", {"handbags", "shoulder bags", "tote bags"}, "pcs", 0.6, 8.5},
      {"420212", {"suitcases", "trolley cases", "travel bags"}, "pcs", 3.5, 21.0},
      {"610910", {"t-shirts", "cotton t-shirts", "printed tees"}, "pcs", 0.2, 1.8},
      {"611020", {"sweatshirts", "hoodies", "pullovers"}, "pcs", 0.5, 4.2},
      {"620342", {"jeans", "denim trousers", "cargo pants"}, "pcs", 0.7, 5.5},
      {"910211", {"wrist watches", "quartz watches", "smart watch straps"}, "pcs", 0.1, 6.0},
      {"851712", {"mobile phones", "smartphones", "phone housings"}, "pcs", 0.3, 45.0},
      {"851830", {"headphones", "wireless earbuds", "headsets"}, "pcs", 0.15, 3.2},
      {"950300", {"toy figures", "plastic toys", "building blocks"}, "sets", 0.4, 2.1},
      {"330499", {"face cream", "cosmetic sets", "lip balm"}, "pcs", 0.12, 1.4},
      {"300490", {"tablets", "vitamin supplements", "capsules"}, "kg", 1.0, 12.0},
      {"871200", {"bicycles", "mountain bikes", "e-bike frames"}, "pcs", 14.0, 85.0},
      {"940540", {"led lamps", "desk lamps", "light strips"}, "pcs", 0.5, 2.9},
  };
  return goods;
}

const std::vector<std::string> kAdjectives = {
    "men's",       "women's",    "children's",      "assorted",   "black",
    "white",       "premium",    "cotton",          "leather",    "synthetic",
    "outdoor",     "waterproof", "classic",         "new model",  "printed",
    "rubber sole", "size 38-46", "for retail sale", "in cartons", "packed in polybags"};
const std::vector<std::string> kBrands = {"ZENTRA",  "LUMIO",   "NORDWAVE", "KAIRO",   "VELANO",
                                          "ORBITEX", "SUNPEAK", "MARLOW",   "TESSARO", "QUINTEL"};
const std::vector<std::string> kCities = {
    "Shenzhen", "Guangzhou", "Ningbo", "Yiwu",    "Xiamen",    "Ho Chi Minh City",
    "Istanbul", "Dhaka",     "Mumbai", "Bangkok", "Hong Kong", "Los Angeles"};
const std::vector<std::string> kCompanyWords = {
    "Bright",        "Golden",  "Star",     "Ocean",      "Dragon",  "Sunrise",
    "United",        "Global",  "Harvest",  "Prime",      "Trading", "Industrial",
    "Import Export", "Textile", "Footwear", "Electronics"};
const std::vector<std::string> kLegalForms = {"Co., Ltd.", "Limited",   "Ltd.", "Sdn. Bhd.",
                                              "A.S.",      "Pvt. Ltd.", "Inc.", "Company Limited"};
const std::vector<std::string> kStreets = {
    "Industrial Road", "Futian District", "Nanshan Avenue", "Export Processing Zone",
    "Free Trade Zone", "Harbour Street",  "Science Park",   "Logistics Park"};
const std::vector<std::string> kConsignees = {"Nordhandel GmbH",
                                              "Hanse Sport Vertrieb GmbH & Co. KG",
                                              "Lagerhaus Mitte AG",
                                              "Rotterdam Retail Supplies B.V.",
                                              "Brabant Distributie B.V.",
                                              "Atelier du Nord SARL",
                                              "Mercato Italia S.r.l.",
                                              "Iberia Moda S.L.",
                                              "Polska Dystrybucja Sp. z o.o.",
                                              "Fulfilment Centre Leipzig GmbH",
                                              "Private person"};
const std::vector<std::string> kConsigneeAddresses = {"Am Sandtorkai 41, 20457 Hamburg",
                                                      "Industriestrasse 12, 28197 Bremen",
                                                      "Waalhaven Zuidzijde 19, 3089 JH Rotterdam",
                                                      "Rue de Paris 148, 76600 Le Havre",
                                                      "Via del Lavoro 5, 16149 Genova",
                                                      "Calle del Puerto 22, 46024 Valencia",
                                                      "ul. Portowa 7, 80-601 Gdansk",
                                                      "Am Alten Flughafen 3, 04435 Schkeuditz"};
const std::vector<std::string> kDeclarants = {
    "Hanse Zollagentur KG",   "Kuehne Customs Services",      "Port Brokerage B.V.",
    "Express Clearance GmbH", "Postal Operator Customs Desk", ""};
const std::vector<std::string> kOffices = {"DEHAM", "DEBRV", "NLRTM", "BEANR", "FRLEH",
                                           "ITGOA", "ESVLC", "PLGDN", "DEFRA", "DELEJ"};
const std::vector<std::string> kOrigins = {"CN", "CN", "CN", "CN", "VN", "TR", "IN",
                                           "BD", "US", "HK", "TH", "MY", "ID"};
const std::vector<std::string> kOriginPorts = {"CNSZX", "CNNGB", "CNSHA", "CNXMN", "VNSGN",
                                               "TRIST", "INNSA", "BDCGP", "HKHKG", "USLAX"};
const std::vector<std::string> kHubs = {"SGSIN", "MYPKG", "AEJEA", "LKCMB", "EGPSD"};
const std::vector<std::string> kCurrencies = {"USD", "USD", "USD", "EUR", "CNY"};

std::string CompanyName(Generator& gen) {
  std::string name = gen.Pick(kCities);
  for (int word = gen.Between(1, 3); word > 0; --word) name += " " + gen.Pick(kCompanyWords);
  return name + " " + gen.Pick(kLegalForms);
}

std::string OriginAddress(Generator& gen, const std::string& city) {
  return "Room " + std::to_string(gen.Between(101, 2899)) + ", Block " +
         static_cast<char>('A' + gen.Below(6)) + ", No. " + std::to_string(gen.Between(1, 399)) +
         " " + gen.Pick(kStreets) + ", " + city;
}

double Round(double value, double step) {
  return static_cast<double>(static_cast<long long>(value / step)) * step;
}

Declaration MakeDeclaration(Generator& gen, int serial) {
  Declaration d;
  d.office = gen.Pick(kOffices);
  d.id = d.office.substr(0, 2) + "-2025-" + std::to_string(100000 + serial);
  size_t mode = gen.Below(100);
  d.transport_mode = mode < 55   ? "sea"
                     : mode < 75 ? "air"
                     : mode < 85 ? "road"
                     : mode < 90 ? "rail"
                     : mode < 95 ? "postal"
                                 : "express";
  d.type = gen.Chance(90) ? "import" : (gen.Chance(50) ? "export" : "transit");
  d.e_commerce = d.transport_mode == "postal" || d.transport_mode == "express" || gen.Chance(5);
  d.lodged_at =
      Timestamp(std::chrono::milliseconds(1735689600000LL + gen.Below(31536000) * 1000LL));
  d.origin = gen.Pick(kOrigins);
  d.dispatch = gen.Chance(80) ? d.origin : "HK";
  d.destination = d.office.substr(0, 2);
  std::string city = gen.Pick(kCities);
  d.consignor = {CompanyName(gen), OriginAddress(gen, city), d.origin};
  d.consignee = {gen.Pick(kConsignees), gen.Pick(kConsigneeAddresses), d.destination};
  d.declarant = {gen.Pick(kDeclarants), "", ""};
  if (d.transport_mode == "sea") {
    d.route.push_back(gen.Pick(kOriginPorts));
    if (gen.Chance(60)) d.route.push_back(gen.Pick(kHubs));
    d.route.push_back(d.office);
    for (int box = gen.Between(1, 2); box > 0; --box) {
      d.containers.push_back("MSCU" + std::to_string(1000000 + gen.Below(9000000)));
    }
  }
  size_t roll = gen.Below(100);
  int items = roll < 40 ? 1 : roll < 65 ? 2 : roll < 80 ? 3 : roll < 90 ? 4 : 5;
  for (int index = 0; index < items; ++index) {
    const Goods& goods = gen.Pick(GoodsKinds());
    DeclarationItem item;
    item.hs = goods.hs;
    std::string description;
    for (int word = gen.Between(1, 3); word > 0; --word) description += gen.Pick(kAdjectives) + " ";
    description += gen.Pick(goods.nouns);
    if (gen.Chance(40)) description += " " + gen.Pick(kBrands);
    if (gen.Chance(30)) description += ", " + gen.Pick(kAdjectives);
    item.description = description;
    if (gen.Chance(25)) item.brand = gen.Pick(kBrands);
    item.quantity = d.e_commerce ? gen.Between(1, 5) : gen.Between(10, 5000);
    item.unit = goods.unit;
    item.gross_kg = Round(item.quantity * goods.kg_per_unit * (0.8 + gen.Below(40) / 100.0), 0.1);
    item.value = Round(item.quantity * goods.usd_per_unit * (0.5 + gen.Below(100) / 100.0), 0.01);
    item.currency = gen.Pick(kCurrencies);
    d.items.push_back(std::move(item));
  }
  return d;
}

constexpr int kDeclarations = 20000;

struct DataSet {
  std::string jsonl;
  std::string csv;
};

const DataSet& Data() {
  static const DataSet data = [] {
    DataSet set;
    Generator gen(20250304);
    set.csv = declaration_test::CsvHeader();
    for (int serial = 0; serial < kDeclarations; ++serial) {
      Declaration d = MakeDeclaration(gen, serial);
      declaration_test::AppendJsonLine(set.jsonl, d);
      declaration_test::AppendCsvRows(set.csv, d);
    }
    return set;
  }();
  return data;
}

// An istream over bytes already in memory, without copying them up front
// (std::istringstream would copy the whole input on construction).
class MemoryBuffer : public std::streambuf {
 public:
  explicit MemoryBuffer(const std::string& text) {
    char* begin = const_cast<char*>(text.data());
    setg(begin, begin, begin + text.size());
  }
};

void ReadAllOf(benchmark::State& state, const std::string& text,
               std::unique_ptr<DeclarationSource> (*open)(std::istream&)) {
  Declaration declaration;
  ReadError error;
  int64_t items = 0;
  for (auto _ : state) {
    MemoryBuffer buffer(text);
    std::istream input(&buffer);
    std::unique_ptr<DeclarationSource> source = open(input);
    int read = 0;
    while (true) {
      ReadOutcome outcome = source->Next(&declaration, &error);
      if (outcome == ReadOutcome::kEnd) break;
      if (outcome == ReadOutcome::kError) {
        state.SkipWithError(("line " + std::to_string(error.line) + ": " + error.reason).c_str());
        return;
      }
      ++read;
      items += static_cast<int64_t>(declaration.items.size());
    }
    if (read != kDeclarations) {
      state.SkipWithError("wrong number of declarations");
      return;
    }
    benchmark::DoNotOptimize(declaration);
  }
  state.SetItemsProcessed(state.iterations() * kDeclarations);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(text.size()));
  state.counters["bytes_per_declaration"] = static_cast<double>(text.size()) / kDeclarations;
  state.counters["items_per_declaration"] =
      static_cast<double>(items) / static_cast<double>(state.iterations() * kDeclarations);
}

void BM_ReadJsonLines(benchmark::State& state) { ReadAllOf(state, Data().jsonl, OpenJsonLines); }
BENCHMARK(BM_ReadJsonLines)->Unit(benchmark::kMillisecond);

// The issue's example (one item, short party fields, about 620 bytes) on
// every line: the rate for small declarations.
void BM_ReadJsonLinesIssueExample(benchmark::State& state) {
  static const std::string text = [] {
    const std::string line =
        R"({"id":"DE-2025-000123","type":"import","lodged_at":"2025-03-04T09:12:00Z",)"
        R"("office":"DEHAM","transport_mode":"sea","origin":"CN","dispatch":"CN",)"
        R"("destination":"DE","e_commerce":false,"consignor":{"name":"Shenzhen Bright )"
        R"(Trading Co., Ltd.","address":"...","country":"CN"},"consignee":{"name":)"
        R"("Nordhandel GmbH","address":"...","country":"DE"},"declarant":{"name":"..."},)"
        R"("route":["CNSZX","SGSIN","DEHAM"],"containers":["MSCU1234567"],"items":[{"hs":)"
        R"("640411","description":"sport shoes ZENTRA air runner","quantity":1200,"unit":)"
        R"("pairs","gross_kg":900.0,"value":4800.0,"currency":"USD"}]})"
        "\n";
    std::string all;
    for (int copy = 0; copy < kDeclarations; ++copy) all += line;
    return all;
  }();
  ReadAllOf(state, text, OpenJsonLines);
}
BENCHMARK(BM_ReadJsonLinesIssueExample)->Unit(benchmark::kMillisecond);

void BM_ReadCsv(benchmark::State& state) { ReadAllOf(state, Data().csv, OpenCsv); }
BENCHMARK(BM_ReadCsv)->Unit(benchmark::kMillisecond);

// The API path: one JSON text at a time into a fresh Declaration.
void BM_ParseDeclarationJson(benchmark::State& state) {
  std::vector<std::string_view> lines;
  std::string_view text = Data().jsonl;
  for (size_t start = 0; start < text.size();) {
    size_t end = text.find('\n', start);
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  size_t index = 0;
  int64_t bytes = 0;
  for (auto _ : state) {
    Result<Declaration> parsed = ParseDeclarationJson(lines[index]);
    if (!parsed.ok()) {
      state.SkipWithError(parsed.error().message().c_str());
      return;
    }
    bytes += static_cast<int64_t>(lines[index].size());
    benchmark::DoNotOptimize(parsed);
    if (++index == lines.size()) index = 0;
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(bytes);
}
BENCHMARK(BM_ParseDeclarationJson);

}  // namespace
}  // namespace cordon

BENCHMARK_MAIN();
