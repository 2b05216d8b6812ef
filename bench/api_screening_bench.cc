// Screening latency through the HTTP API (DESIGN.md, "Performance targets":
// p99 under 1 ms per declaration through the API). Plain driver printing
// figures.
//
//   api_screening_bench [--requests N] [--stored-requests N] [--batches100 N]
//                       [--batches1000 N] [--marks N] [--profiles N] [--watchlist N]
//                       [--cordon PATH]
//       defaults: 5,000 single-declaration requests not stored and 1,000
//       stored (each stored one is a committed transaction), 100 batches of
//       100 and 20 of 1,000 in each mode, 10,000 imported marks, 20 extra
//       profiles, 200 extra watchlist entries (at most 300); the cordon binary
//       of this build unless --cordon names another (to compare two builds
//       with the same client).
//
// What runs is the product, as an operator starts it: in a temporary folder,
// `cordon demo load` (Customs DE, its risk analyst, the demo applications,
// profiles and watchlist), `cordon applications import` of generated granted
// applications filed with Customs DE (4 word marks each), then
// `cordon serve --listen 127.0.0.1:0` on that SQLite file. The benchmark signs
// in as the demo risk analyst, adds profiles and watchlist entries through
// the API, and sends POST /api/v1/screenings from one client thread over
// keep-alive connections (cpp-httplib's client), with and without
// "store": true: one declaration per request, then batches of 100 and of 1,000.
// Declarations are generated from a seed, in the shape: clean goods,
// recorded marks, disguised marks, e-commerce parcels, authorised importers
// and watchlisted consignors. Request bodies are serialised before the clock
// starts; a request's time runs from sending it to having read the whole
// response. Responses are sent uncompressed (Accept-Encoding: identity),
// except in the last run, which accepts Brotli as the dashboard does.
//
// Every response must be 200 with one result per declaration, in order, and
// no error entries; otherwise the benchmark stops with exit status 1 (as when
// the server does not start). Other arguments (e.g. bench/run's
// --benchmark_min_time) are ignored.
#include <fmt/format.h>
#include <httplib.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "core/time.h"
#include "support/test_support.h"

namespace cordon {
namespace {

using json = nlohmann::json;
using SteadyClock = std::chrono::steady_clock;

constexpr char kAnalyst[] = "analyst@customs-de.demo";
constexpr char kDemoPassword[] = "cordon-demo";
constexpr char kScreeningsPath[] = "/api/v1/screenings";

// What stops the benchmark: main prints it and exits 1, after the
// destructors stopped the server and removed the temporary folder.
struct BenchFailure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

[[noreturn]] void Die(const std::string& message) { throw BenchFailure(message); }

// The cordon binary that is run: this build's, or --cordon's.
std::string& CordonBinary() {
  static std::string binary = CORDON_BINARY;
  return binary;
}

double MillisecondsSince(SteadyClock::time_point start) {
  return std::chrono::duration<double, std::milli>(SteadyClock::now() - start).count();
}

double Percentile(std::vector<double> values, double percentile) {
  std::sort(values.begin(), values.end());
  const size_t rank =
      static_cast<size_t>(percentile / 100 * static_cast<double>(values.size() - 1));
  return values[rank];
}

using test_support::ReadFile;

std::string Tail(const std::string& text, size_t bytes = 2000) {
  return text.size() <= bytes ? text : "..." + text.substr(text.size() - bytes);
}

// The cordon binary with stdout and stderr going to files.
pid_t SpawnCordon(const std::vector<std::string>& args, const std::filesystem::path& out,
                  const std::filesystem::path& err) {
  try {
    return test_support::SpawnWithFiles(CordonBinary(), args, "/dev/null", out, err);
  } catch (const std::runtime_error& error) {
    Die(error.what());
  }
}

// Runs one cordon command to its end; dies unless it exits 0.
void RunCordon(const std::vector<std::string>& args, const std::filesystem::path& dir) {
  const std::filesystem::path out = dir / "command.out";
  const std::filesystem::path err = dir / "command.err";
  const pid_t pid = SpawnCordon(args, out, err);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    Die(fmt::format("cordon {} {} failed (wait status {}):\n{}{}", args[0], args[1], status,
                    Tail(ReadFile(out)), Tail(ReadFile(err))));
  }
}

// `cordon serve` on 127.0.0.1, a free port; stopped with SIGTERM on destruction.
class ServerProcess {
 public:
  ServerProcess(const std::filesystem::path& db, const std::filesystem::path& dir)
      : out_(dir / "server.out"), err_(dir / "server.err") {
    pid_ = SpawnCordon({"serve", "--db", db.string(), "--listen", "127.0.0.1:0"}, out_, err_);
    const test_support::Listening listening =
        test_support::WaitUntilListening(pid_, out_, std::chrono::seconds(60));
    if (listening.port > 0) {
      port_ = listening.port;
      return;
    }
    if (listening.exited) {
      pid_ = -1;
      Die("cordon serve exited before listening:\n" + Log());
    }
    const std::string log = Log();
    Stop();  // a constructor that throws runs no destructor
    Die("cordon serve did not report its address within 60 s:\n" + log);
  }
  ~ServerProcess() { Stop(); }
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  std::string Log() const {
    return "--- stdout\n" + Tail(ReadFile(out_)) + "--- stderr\n" + Tail(ReadFile(err_));
  }
  void Stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
  }

 private:
  std::filesystem::path out_;
  std::filesystem::path err_;
  pid_t pid_ = -1;
  int port_ = 0;
};

// ------------------------------------------------------------ the data set

// Goods a mark may be recorded for: the application's HS headings and Nice
// class, and items a declaration may carry under it.
struct GoodsItem {
  const char* hs;
  const char* noun;
  const char* unit;
  double kg_per_unit;
  double unit_price;
};

struct Category {
  const char* goods;
  std::vector<std::string> hs;
  int nice_class;
  std::vector<GoodsItem> items;
};

const std::vector<Category>& Categories() {
  static const std::vector<Category> categories = {
      {"footwear", {"6403", "6404"}, 25,
       {{"640411", "running shoes", "pairs", 0.8, 14},
        {"640399", "leather boots", "pairs", 1.2, 22},
        {"640419", "canvas sneakers", "pairs", 0.6, 7}}},
      {"apparel", {"6109", "6110"}, 25,
       {{"610910", "cotton t-shirts", "pieces", 0.2, 3},
        {"611020", "knitted hoodies", "pieces", 0.5, 9}}},
      {"audio and chargers", {"8504", "8517", "8518"}, 9,
       {{"851830", "wireless earbuds", "pieces", 0.1, 6},
        {"850440", "usb chargers", "pieces", 0.08, 2},
        {"851762", "bluetooth speakers", "pieces", 0.4, 11}}},
      {"perfumes and cosmetics", {"3303", "3304"}, 3,
       {{"330300", "eau de parfum 100ml", "pieces", 0.3, 5},
        {"330499", "face cream 50ml", "pieces", 0.1, 2}}},
      {"handbags and luggage", {"4202"}, 18,
       {{"420221", "leather handbags", "pieces", 0.9, 18},
        {"420292", "travel backpacks", "pieces", 0.7, 8}}},
      {"watches", {"9102"}, 14, {{"910211", "quartz wrist watches", "pieces", 0.1, 9}}},
      {"toys", {"9503"}, 28,
       {{"950300", "plastic building blocks", "sets", 0.6, 4},
        {"950300", "plush toys", "pieces", 0.2, 2}}},
      {"tools", {"8205", "8467"}, 8,
       {{"820559", "hand tool sets", "sets", 2.0, 10},
        {"846721", "cordless drills", "pieces", 1.5, 19}}},
  };
  return categories;
}

// Goods nobody recorded a mark for (and generic words marks must not match).
const std::vector<GoodsItem>& CleanGoods() {
  static const std::vector<GoodsItem> goods = {
      {"610910", "plain cotton t-shirts", "pieces", 0.2, 2.5},
      {"691200", "ceramic dinner plates", "pieces", 0.5, 1.2},
      {"940540", "LED desk lamps", "pieces", 0.9, 6},
      {"731815", "stainless steel screws M6", "kg", 1, 3},
      {"630391", "polyester curtains", "pieces", 0.8, 4},
      {"392310", "plastic storage boxes", "pieces", 0.6, 1.5},
      {"940171", "folding garden chairs", "pieces", 4.5, 11},
      {"401320", "bicycle inner tubes", "pieces", 0.15, 0.9},
      {"960810", "ballpoint pens blue", "pieces", 0.01, 0.05},
      {"401699", "rubber car floor mats", "sets", 3.2, 7},
      {"030617", "frozen shrimp", "kg", 1, 6.5},
      {"080810", "fresh apples", "kg", 1, 0.7},
      {"848180", "brass ball valves", "pieces", 0.4, 3.8},
      {"870899", "brake pads for cars", "sets", 1.1, 5},
      {"481820", "paper hand towels", "cartons", 6, 9},
      {"847130", "laptop computers 14 inch", "pieces", 1.6, 210},
      {"851713", "smartphones unbranded", "pieces", 0.2, 60},
      {"950691", "dumbbells cast iron", "pairs", 10, 12},
      {"640299", "rubber garden clogs", "pairs", 0.5, 2},
      {"420222", "cotton tote bags", "pieces", 0.15, 0.8},
      {"330499", "aloe vera gel", "pieces", 0.25, 1.1},
      {"950300", "wooden puzzles", "pieces", 0.3, 1.7},
      {"820570", "bench vices", "pieces", 6, 14},
      {"900410", "sunglasses plastic frames", "pieces", 0.05, 1.3},
  };
  return goods;
}

struct Mark {
  std::string text;
  size_t category;
};

// The demo's marks granted for Customs DE (src/demo/demo.cc), by goods.
std::vector<Mark> DemoMarks() {
  return {{"ZENTRA", 0},   {"ZENTRA AIR RUNNER", 0}, {"LUMIO", 2},    {"LUMIO POWERCELL", 2},
          {"AURELLE", 3},  {"AURELLE NUIT", 3},       {"HANFENG", 7},  {"IRONCLAW", 7},
          {"NORDVIK", 1}};
}

// Made-up word marks of 6 to 9 letters, distinct, from a seed: alternating
// consonants and vowels, so that they read like brands and are not all one
// typing variant away from each other.
std::vector<std::string> GeneratedMarks(size_t count, std::mt19937_64& random) {
  static const char kConsonants[] = "BCDFGHJKLMNPRSTVWXZ";
  static const char kVowels[] = "AEIOUY";
  std::set<std::string> seen;
  std::vector<std::string> marks;
  while (marks.size() < count) {
    const size_t length = 6 + random() % 4;
    const bool vowel_first = random() % 3 == 0;
    std::string word;
    for (size_t index = 0; index < length; ++index) {
      const bool vowel = (index % 2 == 0) == vowel_first;
      word += vowel ? kVowels[random() % (sizeof kVowels - 1)]
                    : kConsonants[random() % (sizeof kConsonants - 1)];
    }
    if (seen.insert(word).second) marks.push_back(word);
  }
  return marks;
}

// The import file: granted applications filed with Customs DE, 4 marks each,
// all for one category of goods; a holder files 4 applications.
json ImportFile(const std::vector<Mark>& marks, Date valid_until) {
  json applications = json::array();
  for (size_t first = 0; first < marks.size(); first += 4) {
    const size_t serial = first / 4;
    const Category& category = Categories()[marks[first].category];
    json words = json::array();
    for (size_t index = first; index < std::min(first + 4, marks.size()); ++index) {
      words.push_back(marks[index].text);
    }
    const size_t holder = serial / 4;
    applications.push_back(
        {{"kind", "national"},
         {"holder",
          {{"name", fmt::format("Brand Holder {} GmbH", holder)},
           {"address", fmt::format("Markenweg {}, 10115 Berlin", holder % 200 + 1)},
           {"country", "DE"}}},
         {"contact",
          {{"name", "IPR Desk"},
           {"email", fmt::format("ipr@holder-{}.example", holder)},
           {"phone", "+49 30 5550000"}}},
         {"rights",
          {{{"type", "trademark"},
            {"registration", fmt::format("DE30{:08}", serial)},
            {"office", "DPMA"},
            {"marks", words},
            {"nice_classes", {category.nice_class}},
            {"expires_on", "2034-12-31"}}}},
         {"goods", {{{"description", category.goods}, {"hs", category.hs}}}},
         {"authentic_features", "Hologram label; serial number on the packaging"},
         {"accepts_liability_and_costs", true},
         {"status", "granted"},
         {"valid_until", FormatDate(valid_until)}});
  }
  return applications;
}

json Condition(const char* field, const char* op, json value) {
  return {{"field", field}, {"op", op}, {"value", std::move(value)}};
}

// Risk profiles in the demo's style, over the categories' HS headings.
json GeneratedProfile(size_t index) {
  static const std::vector<std::vector<std::string>> kOrigins = {
      {"CN", "HK"}, {"TR"}, {"VN", "TH"}, {"AE"}, {"IN", "PK"}};
  const Category& category = Categories()[index % Categories().size()];
  json origins = kOrigins[index % kOrigins.size()];
  json rule;
  switch (index % 3) {
    case 0:
      rule = {{"all",
               {Condition("origin", "in", origins), Condition("item.hs", "prefix", category.hs),
                Condition("item.value_per_kg", "lt", 2.0 + static_cast<double>(index % 7))}}};
      break;
    case 1:
      rule = {{"all",
               {Condition("e_commerce", "is", true), Condition("origin", "in", origins),
                Condition("item.hs", "prefix", category.hs)}}};
      break;
    default:
      rule = {{"all",
               {Condition("item.hs", "prefix", category.hs),
                Condition("route", "prefix", {"AE", "SG"}),
                Condition("item.unit_value", "lt", 1.0 + static_cast<double>(index % 5))}}};
  }
  return {{"name", fmt::format("Bench profile {}: {}", index, category.goods)},
          {"weight", 0.2 + 0.05 * static_cast<double>(index % 6)},
          {"rule", rule}};
}

struct Party {
  std::string name;
  std::string address;
  std::string country;
};

const char* const kTradeLines[] = {"Textile",  "Electronics", "Home Goods", "Industrial",
                                   "Commerce", "Supply Chain", "Technology", "Garments",
                                   "Hardware", "Crafts"};
const char* const kTradeKinds[] = {"Trading", "Import Export", "Manufacturing", "Industry"};
const char* const kCities[] = {"Shenzhen", "Ningbo", "Yiwu",   "Guangzhou", "Xiamen",
                               "Dongguan", "Istanbul", "Dubai", "Mumbai",    "Ho Chi Minh"};
const char* const kCityCountries[] = {"CN", "CN", "CN", "CN", "CN", "CN", "TR", "AE", "IN", "VN"};
// Exporter names: distinct, each with a made-up two-syllable trade name
// ("Shenzhen Huaxin Textile Trading Co., Ltd."); ordinary consignors are the
// first 1,200, watchlist entries the last 300.
constexpr size_t kExporterNames = 1500;
constexpr size_t kOrdinaryExporters = 1200;
constexpr size_t kMaxWatchlist = kExporterNames - kOrdinaryExporters;

const std::vector<Party>& Exporters() {
  static const std::vector<Party> exporters = [] {
    static const char* const kSyllables[] = {
        "hua",  "xin",  "jia",  "le",  "tai", "feng", "long", "sheng", "da",   "hong",
        "yuan", "kang", "rui",  "bao", "fu",  "mei",  "tian", "hai",   "cheng", "xing",
        "an",   "bo",   "chuang", "de", "guo", "heng", "jin",  "ming",  "qiang", "wei"};
    std::mt19937_64 random(7);
    std::set<std::string> seen;
    std::vector<Party> parties;
    while (parties.size() < kExporterNames) {
      std::string trade_name = std::string(kSyllables[random() % std::size(kSyllables)]) +
                               kSyllables[random() % std::size(kSyllables)];
      trade_name[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(trade_name[0])));
      const size_t city = random() % std::size(kCities);
      const std::string country = kCityCountries[city];
      const std::string suffix = country == "CN"   ? "Co., Ltd."
                                 : country == "TR" ? "Ltd. Sti."
                                 : country == "AE" ? "FZE"
                                 : country == "IN" ? "Pvt. Ltd."
                                                   : "JSC";
      std::string name = fmt::format("{} {} {} {} {}", kCities[city], trade_name,
                                     kTradeLines[random() % std::size(kTradeLines)],
                                     kTradeKinds[random() % std::size(kTradeKinds)], suffix);
      if (!seen.insert(name).second) continue;
      parties.push_back({std::move(name),
                         fmt::format("{} Industrial Park, Building {}, {}", trade_name,
                                     random() % 40 + 1, kCities[city]),
                         country});
    }
    return parties;
  }();
  return exporters;
}

const Party& Exporter(size_t index) { return Exporters()[index]; }

const Party& Watchlisted(size_t index) { return Exporter(kOrdinaryExporters + index); }

struct Office {
  const char* code;
  const char* port;
};
const Office kOffices[] = {{"DEHAM", "DEHAM"}, {"DEBRV", "DEBRV"}, {"DEFRA", "DEFRA"},
                           {"DEMUC", "DEMUC"}, {"DELEJ", "DELEJ"}, {"DEDUS", "DEDUS"}};
const char* const kConsignees[] = {"Nordhandel GmbH",        "Textil Nord GmbH",
                                   "Wohnen & Leben GmbH",     "Elektro Sued GmbH",
                                   "Sportwelt Handels GmbH",  "Parfum Sud GmbH",
                                   "Werkzeug Kontor KG",      "Spielwaren Rhein GmbH",
                                   "Mode Import Berlin GmbH", "Technik Direkt GmbH"};
const char* const kShoppers[] = {"Lea Schmidt", "Jonas Meier", "Mia Fischer", "Paul Wagner",
                                 "Emma Becker", "Leon Hoffmann"};

// Disguises as docs/screening.md lists them: digits for letters, separators
// inside the word, a typing variant, a look-alike letter.
std::string Disguise(const std::string& mark, std::mt19937_64& random) {
  std::string text = mark;
  switch (random() % 4) {
    case 0:
      for (char& c : text) {
        if (c == 'O') c = '0';
        if (c == 'E') c = '3';
        if (c == 'I') c = '1';
      }
      return text;
    case 1: {
      std::string dotted;
      for (char c : text) {
        if (!dotted.empty() && c != ' ' && dotted.back() != ' ') dotted += '.';
        dotted += c;
      }
      return dotted;
    }
    case 2:
      if (text.size() >= 5) text.insert(text.size() / 2, 1, text[text.size() / 2]);
      return text;
    default: {
      const size_t at = text.find('O');
      if (at != std::string::npos) return text.substr(0, at) + "\xD0\x9E" + text.substr(at + 1);
      return text + "X";
    }
  }
}

// Declarations in the shape, from one seed.
class DeclarationGenerator {
 public:
  DeclarationGenerator(std::vector<Mark> marks, size_t watchlisted, std::string lodged_at)
      : marks_(std::move(marks)), watchlisted_(watchlisted), lodged_at_(std::move(lodged_at)) {}

  json Next() {
    const int kind = static_cast<int>(random_() % 100);
    ++serial_;
    if (kind < 60) return Build(Clean(), ExporterParty(), false);
    if (kind < 74) return Build(Marked(false), ExporterParty(), false);
    if (kind < 80) return Build(Marked(true), ExporterParty(), false);
    if (kind < 89) return Parcel();
    if (kind < 94) return Authorised();
    Party listed = Watchlisted(random_() % std::max<size_t>(watchlisted_, 1));
    return Build(random_() % 2 == 0 ? Clean() : Marked(false), listed, false);
  }

 private:
  struct Line {
    GoodsItem goods;
    std::string description;
  };

  Party ExporterParty() { return Exporter(random_() % kOrdinaryExporters); }

  Line Clean() {
    const GoodsItem& goods = CleanGoods()[random_() % CleanGoods().size()];
    return {goods, goods.noun};
  }

  Line Marked(bool disguised) {
    const Mark& mark = marks_[random_() % marks_.size()];
    const Category& category = Categories()[mark.category];
    const GoodsItem& goods = category.items[random_() % category.items.size()];
    const std::string text = disguised ? Disguise(mark.text, random_) : mark.text;
    switch (random_() % 3) {
      case 0: return {goods, fmt::format("{} {}", text, goods.noun)};
      case 1: return {goods, fmt::format("{} {} model {}", goods.noun, text, random_() % 900 + 100)};
      default: return {goods, fmt::format("{} with {} logo", goods.noun, text)};
    }
  }

  json Item(const Line& line, double quantity) {
    const double kg = std::max(0.1, std::round(quantity * line.goods.kg_per_unit * 10) / 10);
    const double value = std::round(quantity * line.goods.unit_price *
                                    (0.5 + static_cast<double>(random_() % 100) / 100));
    return {{"hs", line.goods.hs},
            {"description", line.description},
            {"quantity", quantity},
            {"unit", line.goods.unit},
            {"gross_kg", kg},
            {"value", std::max(1.0, value)},
            {"currency", random_() % 3 == 0 ? "EUR" : "USD"}};
  }

  json Build(const Line& first, const Party& consignor, bool e_commerce) {
    static const char* const kModes[] = {"sea", "sea", "sea", "air", "road", "rail"};
    const Office& office = kOffices[random_() % std::size(kOffices)];
    const std::string mode = kModes[random_() % std::size(kModes)];
    json items = json::array({Item(first, static_cast<double>(50 + random_() % 5000))});
    const int extra = random_() % 4 == 0 ? 1 + static_cast<int>(random_() % 2) : 0;
    for (int index = 0; index < extra; ++index) {
      items.push_back(Item(Clean(), static_cast<double>(50 + random_() % 5000)));
    }
    json route = json::array();
    const std::string origin_port = consignor.country == "CN"   ? "CNSZX"
                                    : consignor.country == "TR" ? "TRIST"
                                    : consignor.country == "AE" ? "AEJEA"
                                    : consignor.country == "IN" ? "INNSA"
                                                                : "VNSGN";
    route.push_back(origin_port);
    if (mode == "sea" && random_() % 2 == 0) route.push_back("SGSIN");
    route.push_back(office.port);
    json declaration = {
        {"id", Id()},
        {"type", "import"},
        {"lodged_at", lodged_at_},
        {"office", office.code},
        {"transport_mode", mode},
        {"origin", consignor.country},
        {"dispatch", consignor.country},
        {"destination", "DE"},
        {"e_commerce", e_commerce},
        {"consignor",
         {{"name", consignor.name}, {"address", consignor.address}, {"country", consignor.country}}},
        {"consignee",
         {{"name", kConsignees[random_() % std::size(kConsignees)]},
          {"address", fmt::format("Industriestr. {}, 20457 Hamburg", random_() % 90 + 1)},
          {"country", "DE"}}},
        {"declarant", {{"name", "Hafen Zoll Service GmbH"}}},
        {"route", route},
        {"items", items}};
    if (mode == "sea") {
      declaration["containers"] = {fmt::format("MSCU{:07}", random_() % 10000000)};
    }
    return declaration;
  }

  // An e-commerce parcel: one or two units, by post or express, half of them
  // with a (often disguised) mark.
  json Parcel() {
    Line line = random_() % 2 == 0 ? Marked(random_() % 2 == 0) : Clean();
    json item = Item(line, static_cast<double>(1 + random_() % 2));
    const bool postal = random_() % 2 == 0;
    const Party consignor = Exporter(random_() % 600);
    return {{"id", Id()},
            {"type", "import"},
            {"lodged_at", lodged_at_},
            {"office", postal ? "DEFRA" : "DELEJ"},
            {"transport_mode", postal ? "postal" : "express"},
            {"origin", consignor.country},
            {"dispatch", consignor.country},
            {"destination", "DE"},
            {"e_commerce", true},
            {"consignor", {{"name", consignor.name}, {"country", consignor.country}}},
            {"consignee",
             {{"name", kShoppers[random_() % std::size(kShoppers)]},
              {"address", fmt::format("Lindenweg {}, 80331 Muenchen", random_() % 90 + 1)},
              {"country", "DE"}}},
            {"declarant", {{"name", postal ? "Deutsche Post AG" : "Express Kurier GmbH"}}},
            {"route", {consignor.country == "CN" ? "CNSZX" : "HKHKG", postal ? "DEFRA" : "DELEJ"}},
            {"items", {item}}};
  }

  // The holder's own importers (authorised parties in the demo applications).
  json Authorised() {
    if (random_() % 2 == 0) {
      Line line{Categories()[0].items[0], "ZENTRA air runner shoes"};
      return Build(line, {"Zentra Logistics B.V.", "Havenweg 1, Rotterdam", "NL"}, false);
    }
    Line line{Categories()[2].items[1], "LUMIO POWERCELL usb chargers"};
    json declaration = Build(line, ExporterParty(), false);
    declaration["consignee"] = {
        {"name", "Lumio Distribution GmbH"}, {"address", "Elbchaussee 9, Hamburg"}, {"country", "DE"}};
    return declaration;
  }

  std::string Id() { return fmt::format("DE-BENCH-{:07}", serial_); }

  std::vector<Mark> marks_;
  size_t watchlisted_;
  std::string lodged_at_;
  std::mt19937_64 random_{20261122};
  long long serial_ = 0;
};

// ------------------------------------------------------------ the client

struct Tally {
  std::map<std::string, long long> hits;      // by kind
  std::map<std::string, long long> channels;  // green / yellow / red
  long long declarations = 0;
  long long connection_closes = 0;
};

class ApiClient {
 public:
  explicit ApiClient(int port) : http_("127.0.0.1", port) {
    http_.set_keep_alive(true);
    http_.set_tcp_nodelay(true);
    http_.set_connection_timeout(10);
    http_.set_read_timeout(120);
  }

  void Login() {
    httplib::Result result = http_.Post(
        "/api/v1/sessions", json{{"email", kAnalyst}, {"password", kDemoPassword}}.dump(),
        "application/json");
    if (!result) Die("signing in: no response (httplib: " + httplib::to_string(result.error()) + ")");
    json body = json::parse(result->body, nullptr, false);
    if (result->status != 201 || !body.is_object() || !body.contains("token")) {
      Die(fmt::format("signing in as {}: HTTP {} {}", kAnalyst, result->status,
                      Tail(result->body, 500)));
    }
    token_ = body["token"].get<std::string>();
  }

  // A POST whose answer must be `expected`; returns the body.
  std::string PostExpecting(const std::string& path, const std::string& body, int expected) {
    httplib::Headers headers = {{"Authorization", "Bearer " + token_},
                                {"Accept-Encoding", "identity"}};
    httplib::Result result = http_.Post(path, headers, body, "application/json");
    if (!result) {
      Die(fmt::format("POST {}: no response (httplib: {})", path, httplib::to_string(result.error())));
    }
    if (result->status != expected) {
      Die(fmt::format("POST {}: HTTP {} (expected {}): {}", path, result->status, expected,
                      Tail(result->body, 800)));
    }
    return result->body;
  }

  // One timed POST /api/v1/screenings; dies unless it is 200. Returns the
  // body, and the milliseconds from sending to having read it all.
  std::pair<std::string, double> Screen(const std::string& body, const std::string& encoding,
                                        Tally& tally) {
    httplib::Headers headers = {{"Authorization", "Bearer " + token_},
                                {"Accept-Encoding", encoding}};
    const auto started = SteadyClock::now();
    httplib::Result result = http_.Post(kScreeningsPath, headers, body, "application/json");
    const double elapsed = MillisecondsSince(started);
    if (!result) {
      Die(fmt::format("POST {}: no response (httplib: {}); did the server stop?", kScreeningsPath,
                      httplib::to_string(result.error())));
    }
    if (result->status != 200) {
      Die(fmt::format("POST {}: HTTP {} (expected 200): {}", kScreeningsPath, result->status,
                      Tail(result->body, 800)));
    }
    if (result->get_header_value("Connection") == "close") ++tally.connection_closes;
    return {result->body, elapsed};
  }

 private:
  httplib::Client http_;
  std::string token_;
};

// Checks a screening response against the declarations sent: one result per
// declaration, in order, no errors, a run id exactly when stored.
void CheckResponse(const std::string& text, const std::vector<std::string>& ids, bool store,
                   Tally& tally) {
  const json body = json::parse(text, nullptr, false);
  if (!body.is_object() || !body.contains("results") || !body["results"].is_array()) {
    Die("a screening response is not {\"results\": [...]}: " + Tail(text, 500));
  }
  const json& results = body["results"];
  if (results.size() != ids.size()) {
    Die(fmt::format("{} results for {} declarations: {}", results.size(), ids.size(),
                    Tail(text, 500)));
  }
  if (!body["errors"].empty()) Die("the response lists errors: " + body["errors"].dump());
  if (body["summary"]["screened"] != ids.size()) Die("summary: " + body["summary"].dump());
  if (store == body["run_id"].is_null()) {
    Die(fmt::format("run_id is {} for \"store\": {}", body["run_id"].dump(), store));
  }
  for (size_t index = 0; index < ids.size(); ++index) {
    const json& result = results[index];
    if (result.value("id", "") != ids[index]) {
      Die(fmt::format("result {} is for {}, not {}", index, result.value("id", ""), ids[index]));
    }
    ++tally.channels[result.value("channel", "?")];
    for (const json& hit : result["hits"]) ++tally.hits[hit.value("kind", "?")];
  }
  tally.declarations += static_cast<long long>(ids.size());
}

struct Run {
  std::string name;
  size_t batch = 1;
  size_t requests = 0;
  bool store = false;
  std::string encoding = "identity";
};

struct Figures {
  std::vector<double> request_ms;
  double wall_seconds = 0;
  double response_mb = 0;
  double server_cpu_seconds = 0;  // of all the server's threads
};

// CPU time of every thread of process `pid` so far (the first field of
// /proc/PID/task/TID/schedstat, in ns): less disturbed by other load on
// the machine than the wall-clock figures.
double ProcessCpuSeconds(pid_t pid) {
  double seconds = 0;
  std::error_code error;
  const std::filesystem::path tasks = fmt::format("/proc/{}/task", pid);
  for (const auto& task : std::filesystem::directory_iterator(tasks, error)) {
    std::ifstream schedstat(task.path() / "schedstat");
    unsigned long long running_ns = 0;
    if (schedstat >> running_ns) seconds += static_cast<double>(running_ns) / 1e9;
  }
  return seconds;
}

Figures Measure(const Run& run, DeclarationGenerator& generator, ApiClient& client, Tally& tally,
                pid_t server_pid) {
  // Bodies are built before the clock starts.
  std::vector<std::string> bodies;
  std::vector<std::vector<std::string>> ids(run.requests);
  for (size_t request = 0; request < run.requests; ++request) {
    json declarations = json::array();
    for (size_t index = 0; index < run.batch; ++index) {
      json declaration = generator.Next();
      ids[request].push_back(declaration["id"].get<std::string>());
      declarations.push_back(std::move(declaration));
    }
    bodies.push_back(json{{"declarations", declarations}, {"store", run.store}}.dump());
  }
  Figures figures;
  std::vector<std::string> responses(run.requests);
  const double cpu_before = ProcessCpuSeconds(server_pid);
  const auto started = SteadyClock::now();
  for (size_t request = 0; request < run.requests; ++request) {
    auto [text, elapsed] = client.Screen(bodies[request], run.encoding, tally);
    figures.request_ms.push_back(elapsed);
    responses[request] = std::move(text);
  }
  figures.wall_seconds = MillisecondsSince(started) / 1000;
  figures.server_cpu_seconds = ProcessCpuSeconds(server_pid) - cpu_before;
  // (httplib's client decompresses a Brotli body before it is checked.)
  for (size_t request = 0; request < run.requests; ++request) {
    figures.response_mb += static_cast<double>(responses[request].size()) / 1e6;
    CheckResponse(responses[request], ids[request], run.store, tally);
  }
  return figures;
}

void Print(const Run& run, const Figures& figures) {
  const double requests = static_cast<double>(run.requests);
  const double declarations = requests * static_cast<double>(run.batch);
  fmt::print("{}: {} requests, {} declarations in {:.2f} s: {:.0f} requests/s, {:.0f} "
             "declarations/s\n",
             run.name, run.requests, run.requests * run.batch, figures.wall_seconds,
             requests / figures.wall_seconds, declarations / figures.wall_seconds);
  const std::vector<double>& ms = figures.request_ms;
  fmt::print("  per request      p50 {:8.3f} ms  p90 {:8.3f} ms  p99 {:8.3f} ms  max {:8.3f} ms\n",
             Percentile(ms, 50), Percentile(ms, 90), Percentile(ms, 99),
             *std::max_element(ms.begin(), ms.end()));
  std::vector<double> per_declaration;
  for (double value : ms) per_declaration.push_back(value / static_cast<double>(run.batch));
  fmt::print("  per declaration  p50 {:8.3f} ms  p90 {:8.3f} ms  p99 {:8.3f} ms  max {:8.3f} ms{}\n",
             Percentile(per_declaration, 50), Percentile(per_declaration, 90),
             Percentile(per_declaration, 99),
             *std::max_element(per_declaration.begin(), per_declaration.end()),
             run.batch > 1 ? "  (request time / batch size)" : "");
  fmt::print("  server CPU time  {:.1f} us per declaration (all its threads)\n",
             figures.server_cpu_seconds * 1e6 / declarations);
}

std::string MachineLine() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  std::string model = "unknown CPU";
  while (std::getline(cpuinfo, line)) {
    if (line.rfind("model name", 0) == 0) {
      model = line.substr(line.find(':') + 1);
      model.erase(0, model.find_first_not_of(' '));
      break;
    }
  }
  cpu_set_t cpus;
  CPU_ZERO(&cpus);
  const int cores = sched_getaffinity(0, sizeof cpus, &cpus) == 0
                        ? CPU_COUNT(&cpus)
                        : static_cast<int>(std::thread::hardware_concurrency());
  return fmt::format("machine: {} cores, {}", cores, model);  // as bench/run says it
}

struct Options {
  size_t requests = 5000;
  size_t stored_requests = 1000;
  size_t batches100 = 100;
  size_t batches1000 = 20;
  size_t marks = 10000;
  size_t profiles = 20;
  size_t watchlist = 200;
};

int RunBenchmark(const Options& options) {
  if (options.watchlist > kMaxWatchlist) {
    Die(fmt::format("--watchlist must be at most {}", kMaxWatchlist));
  }
  fmt::print("{}\n", MachineLine());
  std::fflush(stdout);
  test_support::TempDir dir("cordon-api-bench");  // outlives the server
  const std::filesystem::path db = dir.path() / "cordon.db";
  SystemClock clock;
  std::mt19937_64 random(20261122);

  // --- seeding, through the product's own commands
  const auto seeding = SteadyClock::now();
  RunCordon({"demo", "load", "--db", db.string()}, dir.path());
  std::vector<Mark> marks;
  const std::vector<std::string> words = GeneratedMarks(options.marks, random);
  for (size_t index = 0; index < words.size(); ++index) {
    marks.push_back({words[index], (index / 4) % Categories().size()});
  }
  const std::filesystem::path import_path = dir.path() / "applications.json";
  std::ofstream(import_path) << ImportFile(marks, AddDays(clock.Today(), 365)).dump();
  if (!marks.empty()) {
    RunCordon({"applications", "import", import_path.string(), "--db", db.string(),
               "--filed-with", "Customs DE"},
              dir.path());
  }
  ServerProcess server(db, dir.path());
  ApiClient client(server.port());
  client.Login();
  for (size_t index = 0; index < options.profiles; ++index) {
    client.PostExpecting("/api/v1/profiles", GeneratedProfile(index).dump(), 201);
  }
  for (size_t index = 0; index < options.watchlist; ++index) {
    const Party party = Watchlisted(index);
    client.PostExpecting("/api/v1/watchlist",
                         json{{"name", party.name},
                              {"address", party.address},
                              {"country", party.country},
                              {"reason", "benchmark entry"},
                              {"weight", 0.5}}
                             .dump(),
                         201);
  }
  const double seeding_seconds = MillisecondsSince(seeding) / 1000;
  std::vector<Mark> screened_marks = DemoMarks();
  screened_marks.insert(screened_marks.end(), marks.begin(), marks.end());
  fmt::print(
      "server: {} serve on 127.0.0.1:{} (pid {}), SQLite in {}; Customs DE with the demo data "
      "+ {} imported marks ({} granted applications), {} + 4 profiles, {} + 3 watchlist entries; "
      "seeded in {:.1f} s\n",
      CordonBinary(), server.port(), server.pid(), dir.path().string(), marks.size(),
      (marks.size() + 3) / 4, options.profiles, options.watchlist, seeding_seconds);
  std::fflush(stdout);

  DeclarationGenerator generator(std::move(screened_marks), options.watchlist,
                                 FormatTimestamp(clock.Now()));
  Tally tally;
  // The first request builds the administration's Screener (the mark index).
  {
    Run cold{"first request", 1, 1, false, "identity"};
    Figures figures = Measure(cold, generator, client, tally, server.pid());
    fmt::print("first request (builds the screener): {:.1f} ms\n", figures.request_ms[0]);
    Run warm{"warm-up", 1, std::min<size_t>(200, options.requests), false, "identity"};
    Measure(warm, generator, client, tally, server.pid());
  }
  fmt::print("one client thread, keep-alive (cpp-httplib client), responses uncompressed unless "
             "said\n");
  std::fflush(stdout);

  const std::vector<Run> runs = {
      {"one declaration per request, not stored", 1, options.requests, false, "identity"},
      {"one declaration per request, stored", 1, options.stored_requests, true, "identity"},
      {"batches of 100, not stored", 100, options.batches100, false, "identity"},
      {"batches of 100, stored", 100, options.batches100, true, "identity"},
      {"batches of 1,000, not stored", 1000, options.batches1000, false, "identity"},
      {"batches of 1,000, stored", 1000, options.batches1000, true, "identity"},
      {"batches of 1,000, not stored, Accept-Encoding: br", 1000, options.batches1000, false,
       "br, gzip"},
  };
  std::optional<double> single_p99;
  for (const Run& run : runs) {
    if (run.requests == 0) continue;
    const long long closes_before = tally.connection_closes;
    Figures figures = Measure(run, generator, client, tally, server.pid());
    Print(run, figures);
    if (run.batch > 1) {
      fmt::print("  responses: {:.1f} MB{}\n", figures.response_mb,
                 run.encoding == "identity" ? "" : " decompressed");
    }
    if (tally.connection_closes > closes_before) {
      fmt::print("  the server closed the keep-alive connection {} times in this run\n",
                 tally.connection_closes - closes_before);
    }
    if (run.batch == 1 && !run.store) single_p99 = Percentile(figures.request_ms, 99);
    std::fflush(stdout);
  }
  server.Stop();

  fmt::print("screened {} declarations; hits: mark {}, profile {}, watchlist {}, "
             "small_consignment {}; channels: red {}, yellow {}, green {}\n",
             tally.declarations, tally.hits["mark"], tally.hits["profile"],
             tally.hits["watchlist"], tally.hits["small_consignment"], tally.channels["red"],
             tally.channels["yellow"], tally.channels["green"]);
  // A server screening against an empty index would be fast and worthless.
  for (const char* kind : {"mark", "profile", "watchlist"}) {
    if (tally.hits[kind] == 0) Die(fmt::format("no {} hit in any result: the seeding failed", kind));
  }
  if (single_p99) {
    fmt::print("target (DESIGN.md): p99 under 1 ms per declaration through the API; one "
               "declaration per request, not stored: p99 {:.3f} ms: {}\n",
               *single_p99, *single_p99 < 1.0 ? "met" : "NOT met");
  }
  return 0;
}

// --name N or --name=N; other arguments are ignored.
void ParseOption(int argc, char** argv, const std::string& name, size_t* value) {
  for (int index = 1; index < argc; ++index) {
    const std::string arg = argv[index];
    std::string text;
    if (arg == name && index + 1 < argc) {
      text = argv[index + 1];
    } else if (arg.rfind(name + "=", 0) == 0) {
      text = arg.substr(name.size() + 1);
    } else {
      continue;
    }
    char* end = nullptr;
    const unsigned long long parsed = std::strtoull(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0') Die(name + " must be a non-negative integer");
    *value = static_cast<size_t>(parsed);
  }
}

}  // namespace
}  // namespace cordon

int main(int argc, char** argv) {
  cordon::Options options;
  try {
    for (int index = 1; index + 1 < argc; ++index) {
      if (std::string(argv[index]) == "--cordon") cordon::CordonBinary() = argv[index + 1];
    }
    cordon::ParseOption(argc, argv, "--requests", &options.requests);
    cordon::ParseOption(argc, argv, "--stored-requests", &options.stored_requests);
    cordon::ParseOption(argc, argv, "--batches100", &options.batches100);
    cordon::ParseOption(argc, argv, "--batches1000", &options.batches1000);
    cordon::ParseOption(argc, argv, "--marks", &options.marks);
    cordon::ParseOption(argc, argv, "--profiles", &options.profiles);
    cordon::ParseOption(argc, argv, "--watchlist", &options.watchlist);
    return cordon::RunBenchmark(options);
  } catch (const cordon::BenchFailure& failure) {
    std::fflush(stdout);
    fmt::print(stderr, "api_screening_bench: FAILED: {}\n", failure.what());
    return 1;
  }
}
