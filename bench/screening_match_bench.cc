// Benchmark of the recorded-mark matcher (issue 3, "Speed"): a seeded
// generator of 50,000 fictional recorded marks and a realistic mix of item
// descriptions (clean goods, exact marks, disguised marks, authorised
// imports, unrelated goods, e-commerce parcels). Prints index build time and
// memory, descriptions per second on one core (best and median of several
// runs, wall clock and thread CPU time, since the machine may be shared) and
// on all cores, p50/p99 per description, peak memory before the baselines,
// the same engine without its span cache, and the same descriptions through
// straightforward baselines (one
// std::regex per mark and one substring search per mark, on a sample) and
// through the previous engine (FuzzyEngine::kPigeonhole), so the ratios are
// visible in one run.
//
// A plain driver (it prints figures, no Google Benchmark loop): arguments
// --marks N, --descriptions N, --repeat N, --span-cache ENTRIES,
// --uncached-runs N, --baseline-sample N, --pigeonhole-sample N (0 skips
// that part); anything else (such as bench/run's --benchmark_min_time) is
// ignored.
#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <regex>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "screening/mark_index.h"

namespace cordon {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::duration duration) { return std::chrono::duration<double>(duration).count(); }

// CPU time of the calling thread: less disturbed than wall time when other
// processes share the cores.
double ThreadCpuSeconds() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
}

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

long PeakRssKb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

std::string LoadAverage() {
  std::ifstream file("/proc/loadavg");
  std::string first, second, third;
  file >> first >> second >> third;
  return first + " " + second + " " + third + "\n";
}

long CurrentRssKb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  }
  return 0;
}

struct Category {
  std::vector<int> nice_classes;
  std::vector<std::string> goods_hs;
  std::string item_hs;
  std::vector<std::string> words;
};

const std::vector<Category>& Categories() {
  static const std::vector<Category> categories = {
      {{25},
       {"6402", "6403", "6404"},
       "640411",
       {"sport shoes", "running shoes", "sneakers", "boots"}},
      {{25}, {"6109", "6110"}, "610910", {"t-shirts", "hoodies", "sweatshirts", "polo shirts"}},
      {{9}, {"8504", "8507", "8517", "8518"}, "851830", {"headphones", "chargers", "power banks"}},
      {{3}, {"3303", "3304"}, "330499", {"perfume", "face cream", "lipstick", "eau de toilette"}},
      {{28}, {"9503", "9506"}, "950300", {"toy cars", "dolls", "footballs", "puzzles"}},
      {{18}, {"4202"}, "420221", {"handbags", "backpacks", "wallets", "suitcases"}},
      {{14}, {"9102", "7117"}, "910211", {"wrist watches", "bracelets", "necklaces"}},
      {{8, 7}, {"8203", "8205", "8467"}, "820320", {"pliers", "spanners", "drills"}},
      {{5}, {"3004"}, "300490", {"tablets", "capsules", "syrup", "ointment"}},
      {{12}, {"8708", "8714"}, "870830", {"brake pads", "wheel rims", "spark plugs"}},
  };
  return categories;
}

const std::vector<std::string>& Filler() {
  static const std::vector<std::string> filler = {"assorted",
                                                  "new",
                                                  "mixed sizes",
                                                  "black",
                                                  "white",
                                                  "for men",
                                                  "for women",
                                                  "kids",
                                                  "cotton",
                                                  "plastic",
                                                  "packed in cartons",
                                                  "sample",
                                                  "model 2024",
                                                  "size 42",
                                                  "1200 pcs",
                                                  "blue",
                                                  "leather",
                                                  "rubber sole",
                                                  "premium quality",
                                                  "set of 3",
                                                  "100% polyester",
                                                  "stainless steel",
                                                  "with usb cable",
                                                  "gift box",
                                                  "spare parts",
                                                  "500 ml"};
  return filler;
}

const std::vector<std::string>& CleanDescriptions() {
  static const std::vector<std::string> clean = {"plain cotton t-shirts assorted colours",
                                                 "rubber sole sport shoes for men",
                                                 "stainless steel kitchen knives",
                                                 "plastic toy cars assorted",
                                                 "leather wallets brown",
                                                 "usb chargers 20W white",
                                                 "face cream 50 ml",
                                                 "garden hose 20 m",
                                                 "ceramic coffee cups",
                                                 "wooden chairs unassembled",
                                                 "polyester jackets waterproof",
                                                 "copper wire 2.5 mm",
                                                 "bicycle helmets adult size",
                                                 "printer paper A4 80 g",
                                                 "led lamps 9W",
                                                 "screwdriver set 12 pcs",
                                                 "vitamin tablets 100 pcs",
                                                 "brake pads for cars",
                                                 "scented candles vanilla",
                                                 "sunglasses with case",
                                                 "central heating pump",
                                                 "mobile phone cases silicone",
                                                 "wireless earbuds black",
                                                 "handbags synthetic leather",
                                                 "frozen shrimps 10 kg cartons",
                                                 "cotton bed linen sets",
                                                 "aluminium profiles for windows",
                                                 "electric kettles 1.7 l",
                                                 "ball bearings 6204",
                                                 "lithium ion batteries 18650"};
  return clean;
}

class Generator {
 public:
  explicit Generator(uint64_t seed) : rng_(seed) {}

  size_t Uniform(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }
  double Unit() { return std::uniform_real_distribution<double>(0.0, 1.0)(rng_); }
  template <typename T>
  const T& Pick(const std::vector<T>& items) {
    return items[Uniform(items.size())];
  }

  // A pronounceable fictional name: syllables of onset (consonant or
  // cluster), nucleus (vowel or diphthong) and optional coda. The inventory is
  // large enough that 50,000 names are not crowded into each other's
  // one-edit neighbourhoods, as real registers are not.
  std::string Name(size_t min_size, size_t max_size) {
    static const std::vector<std::string> kOnsets = {
        "b",  "c",  "d",  "f",  "g",  "h",  "j",  "k",  "l",  "m",  "n",  "p",  "r",  "s",
        "t",  "v",  "w",  "z",  "br", "tr", "kr", "st", "pl", "gr", "fr", "dr", "sk", "vr",
        "ch", "sh", "th", "bl", "cl", "fl", "gl", "sl", "sn", "sp", "qu", "ph", "wr", "y"};
    static const std::vector<std::string> kNuclei = {"a",  "e",  "i",  "o",  "u",  "y",
                                                     "ai", "ei", "ou", "ea", "io", "ia"};
    static const std::vector<std::string> kCodas = {"n", "r",  "s",  "l",  "x",  "m",  "k",
                                                    "t", "nd", "rk", "st", "ng", "lt", "rn"};
    const size_t target = min_size + Uniform(max_size - min_size + 1);
    while (true) {
      std::string name;
      while (name.size() < target) {
        if (Unit() < 0.9 || name.empty()) name += Pick(kOnsets);
        name += Pick(kNuclei);
        if (Unit() < 0.35) name += Pick(kCodas);
      }
      if (name.size() > max_size) name.resize(max_size);
      if (name.size() >= min_size) {
        for (char& c : name) c = static_cast<char>(c - 'a' + 'A');
        return name;
      }
    }
  }

  std::string Mark() {
    const double kind = Unit();
    if (kind < 0.15) return Name(3, 4);
    if (kind < 0.50) return Name(5, 8);
    if (kind < 0.85) return Name(9, 14);
    return Name(4, 7) + " " + Name(4, 7);
  }

  // A disguise or typing variant of `mark`.
  std::string Disguise(const std::string& mark) {
    std::string text = mark;
    switch (Uniform(6)) {
      case 0:  // case
        for (char& c : text) {
          if (Unit() < 0.5 && c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        }
        return text;
      case 1: {  // Cyrillic look-alikes
        std::string out;
        for (char c : text) {
          if (c == 'A') {
            out += "\xD0\x90";
          } else if (c == 'E') {
            out += "\xD0\x95";
          } else if (c == 'O') {
            out += "\xD0\x9E";
          } else {
            out.push_back(c);
          }
        }
        return out;
      }
      case 2:  // digits
        for (char& c : text) {
          if (c == 'O') c = '0';
          if (c == 'E') c = '3';
          if (c == 'A') c = '4';
        }
        return text;
      case 3: {  // separators
        std::string out;
        for (char c : text) {
          if (!out.empty()) out.push_back('.');
          out.push_back(c);
        }
        return out;
      }
      case 4:  // one typing error
        if (text.size() >= 5) text[text.size() / 2] = 'Q';
        return text;
      default:  // accents
        for (size_t i = 0; i < text.size(); ++i) {
          if (text[i] == 'E') {
            text.replace(i, 1, "\xC3\x89");
            break;
          }
        }
        return text;
    }
  }

 private:
  std::mt19937_64 rng_;
};

struct Description {
  std::string text;
  std::string hs;
  std::string consignor_name, consignor_country, consignee_name, consignee_country;
};

struct Options {
  size_t marks = 50000;
  size_t descriptions = 200000;
  size_t repeat = 5;
  size_t baseline_sample = 20;
  size_t pigeonhole_sample = 20000;
  size_t uncached_runs = 3;
  size_t span_cache = MarkIndexOptions{}.span_cache_entries;
};

Options ParseOptions(int argc, char** argv) {
  Options options;
  for (int i = 1; i + 1 < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--marks") options.marks = std::strtoul(argv[++i], nullptr, 10);
    if (flag == "--descriptions") options.descriptions = std::strtoul(argv[++i], nullptr, 10);
    if (flag == "--repeat") options.repeat = std::max(1ul, std::strtoul(argv[++i], nullptr, 10));
    if (flag == "--baseline-sample") options.baseline_sample = std::strtoul(argv[++i], nullptr, 10);
    if (flag == "--uncached-runs") options.uncached_runs = std::strtoul(argv[++i], nullptr, 10);
    if (flag == "--span-cache") options.span_cache = std::strtoul(argv[++i], nullptr, 10);
    if (flag == "--pigeonhole-sample") {
      options.pigeonhole_sample = std::strtoul(argv[++i], nullptr, 10);
    }
  }
  return options;
}

int Run(int argc, char** argv) {
  const Options options = ParseOptions(argc, argv);
  Generator generator(20250304);

  // Recorded marks: 4 per application, distinct.
  std::vector<IndexedApplication> applications;
  std::vector<std::string> all_marks;
  std::vector<size_t> category_of;
  std::unordered_set<std::string> seen;
  while (all_marks.size() < options.marks) {
    const size_t category = generator.Uniform(Categories().size());
    IndexedApplication application;
    application.id = "app-" + std::to_string(applications.size());
    for (int r = 0; r < 4 && all_marks.size() < options.marks; ++r) {
      std::string mark = generator.Mark();
      if (!seen.insert(mark).second) continue;
      all_marks.push_back(mark);
      application.marks.push_back(RecordedMark{mark, r, Categories()[category].nice_classes});
    }
    application.goods_hs = Categories()[category].goods_hs;
    application.authorised_parties.push_back(AuthorisedParty{
        application.marks.empty() ? "Acme" : application.marks[0].text + " Trading GmbH", "DE"});
    applications.push_back(std::move(application));
    category_of.push_back(category);
  }
  const std::vector<IndexedApplication> applications_copy = applications;

  // Parties: pools of trading companies, from their own generator so the
  // descriptions stay the same sequence; a declaration's parties are rarely
  // the previous one's.
  Generator party_generator(20250305);
  static const std::vector<std::string> kLegalForms = {
      "Co., Ltd.", "GmbH", "B.V.", "S.p.A.", "Ltd", "LLC", "S.A.", "Sp. z o.o.", "Inc."};
  std::vector<std::string> consignors;
  std::vector<std::string> consignees;
  for (int i = 0; i < 2000; ++i) {
    consignors.push_back(party_generator.Name(4, 9) + " Trading " +
                         party_generator.Pick(kLegalForms));
    consignees.push_back(party_generator.Name(5, 10) + " " + party_generator.Pick(kLegalForms));
  }

  // Description mix.
  std::vector<Description> descriptions;
  descriptions.reserve(options.descriptions);
  size_t with_mark = 0;
  for (size_t i = 0; i < options.descriptions; ++i) {
    Description description;
    const double kind = generator.Unit();
    const size_t app_index = generator.Uniform(applications_copy.size());
    const IndexedApplication& application = applications_copy[app_index];
    const Category& category = Categories()[category_of[app_index]];
    const std::string& mark = generator.Pick(application.marks).text;
    description.consignor_name = party_generator.Pick(consignors);
    description.consignor_country = "CN";
    description.consignee_name = party_generator.Pick(consignees);
    description.consignee_country = "DE";
    description.hs = category.item_hs;
    if (kind < 0.70) {  // clean goods
      description.text = generator.Pick(CleanDescriptions()) + " " + generator.Pick(Filler());
    } else if (kind < 0.80) {  // exact mark
      description.text =
          generator.Pick(category.words) + " " + mark + " " + generator.Pick(Filler());
      ++with_mark;
    } else if (kind < 0.88) {  // disguised mark
      description.text = generator.Pick(category.words) + " " + generator.Disguise(mark);
      ++with_mark;
    } else if (kind < 0.93) {  // authorised import
      description.text = mark + " " + generator.Pick(category.words);
      description.consignee_name = application.authorised_parties[0].name;
      ++with_mark;
    } else if (kind < 0.97) {  // unrelated goods
      description.text = mark + " scented candles";
      description.hs = "340600";
      ++with_mark;
    } else {  // e-commerce parcel, short and vague
      description.text = generator.Pick(
          std::vector<std::string>{"gift", "clothes", "sample", "documents", "phone case"});
      description.hs = "";
    }
    descriptions.push_back(std::move(description));
  }

  std::printf("machine: %u hardware threads; load average %s", std::thread::hardware_concurrency(),
              LoadAverage().c_str());
  std::printf("recorded marks: %zu in %zu applications; descriptions: %zu (%.1f%% carry a mark)\n",
              all_marks.size(), applications.size(), descriptions.size(),
              100.0 * static_cast<double>(with_mark) / static_cast<double>(descriptions.size()));

  const long rss_before_build = CurrentRssKb();
  const auto build_start = Clock::now();
  MarkIndexOptions index_options;
  index_options.span_cache_entries = options.span_cache;
  auto built = MarkIndex::Build(std::move(applications), index_options);
  const double build_seconds = Seconds(Clock::now() - build_start);
  if (!built.ok()) {
    std::fprintf(stderr, "build failed: %s\n", built.error().ToString().c_str());
    return 1;
  }
  std::shared_ptr<const MarkIndex> index = std::move(built).value();
  std::printf(
      "index build: %.2f s; %zu distinct marks, %zu table entries, tables %.1f MiB, "
      "RSS +%.1f MiB\n",
      build_seconds, index->key_count(), index->pattern_count(),
      static_cast<double>(index->database_bytes()) / (1 << 20),
      static_cast<double>(CurrentRssKb() - rss_before_build) / 1024.0);

  auto scratch = index->NewScratch();
  if (!scratch.ok()) return 1;
  auto match = [](const MarkIndex& matcher, const Description& d, MarkIndex::Scratch& s) {
    return matcher.Match(d.text, d.hs, PartyRef{d.consignor_name, d.consignor_country},
                         PartyRef{d.consignee_name, d.consignee_country}, s);
  };

  // Warm-up, then throughput on one core, several times.
  for (size_t i = 0; i < std::min<size_t>(descriptions.size(), 20000); ++i) {
    match(*index, descriptions[i], *scratch);
  }
  size_t hits = 0;
  size_t authorised = 0;
  size_t unrelated = 0;
  size_t typing_variants = 0;
  std::vector<double> wall_rates;
  std::vector<double> cpu_rates;
  for (size_t run = 0; run < options.repeat; ++run) {
    hits = authorised = unrelated = typing_variants = 0;
    const double cpu_start = ThreadCpuSeconds();
    const auto wall_start = Clock::now();
    for (const Description& description : descriptions) {
      const auto result = match(*index, description, *scratch);
      hits += result.size();
      for (const MarkHit& hit : result) {
        authorised += hit.authorised ? 1 : 0;
        unrelated += hit.relevance == Relevance::kUnrelated ? 1 : 0;
        typing_variants += hit.distance > 0 ? 1 : 0;
      }
    }
    const double count = static_cast<double>(descriptions.size());
    wall_rates.push_back(count / Seconds(Clock::now() - wall_start));
    cpu_rates.push_back(count / (ThreadCpuSeconds() - cpu_start));
  }
  const double best_rate = *std::max_element(wall_rates.begin(), wall_rates.end());
  std::printf(
      "one core, %zu runs: best %.0f, median %.0f descriptions/s (%.3f us each); by thread CPU "
      "time best %.0f, median %.0f/s\n",
      options.repeat, best_rate, Median(wall_rates), 1e6 / best_rate,
      *std::max_element(cpu_rates.begin(), cpu_rates.end()), Median(cpu_rates));
  std::printf("hits: %zu (%zu typing variants), %zu authorised, %zu unrelated\n", hits,
              typing_variants, authorised, unrelated);

  // Latency per description.
  std::vector<double> latencies;
  latencies.reserve(descriptions.size());
  for (const Description& description : descriptions) {
    const auto start = Clock::now();
    const auto result = match(*index, description, *scratch);
    latencies.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
    if (result.size() > 1000) std::printf("?");
  }
  std::sort(latencies.begin(), latencies.end());
  auto percentile = [&](double p) {
    return latencies[std::min(latencies.size() - 1,
                              static_cast<size_t>(p * static_cast<double>(latencies.size())))];
  };
  std::printf("latency per description: p50 %.2f us, p99 %.2f us, p99.9 %.2f us, max %.1f us\n",
              percentile(0.50), percentile(0.99), percentile(0.999), latencies.back());

  // All cores: one Scratch per thread over the same shared index.
  const unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  std::vector<double> multi_rates;
  for (size_t run = 0; run < std::min<size_t>(options.repeat, 3); ++run) {
    std::atomic<size_t> next{0};
    std::vector<std::thread> workers;
    const auto multi_start = Clock::now();
    for (unsigned t = 0; t < threads; ++t) {
      workers.emplace_back([&] {
        auto thread_scratch = index->NewScratch();
        if (!thread_scratch.ok()) return;
        size_t local_hits = 0;
        while (true) {
          const size_t begin = next.fetch_add(1024);
          if (begin >= descriptions.size()) break;
          const size_t end = std::min(descriptions.size(), begin + 1024);
          for (size_t i = begin; i < end; ++i) {
            local_hits += match(*index, descriptions[i], *thread_scratch).size();
          }
        }
        if (local_hits == static_cast<size_t>(-1)) std::printf("?");
      });
    }
    for (auto& worker : workers) worker.join();
    multi_rates.push_back(static_cast<double>(descriptions.size()) /
                          Seconds(Clock::now() - multi_start));
  }
  std::printf("all %u cores: best %.0f, median %.0f descriptions/s\n", threads,
              *std::max_element(multi_rates.begin(), multi_rates.end()), Median(multi_rates));
  std::printf("peak RSS (index, descriptions, buffers; before the baselines): %.1f MiB\n",
              static_cast<double>(PeakRssKb()) / 1024.0);

  // The same engine without its span cache: what a stream of descriptions
  // that never repeat a word would cost.
  if (options.uncached_runs > 0) {
    MarkIndexOptions uncached_options;
    uncached_options.span_cache_entries = 0;
    auto uncached = MarkIndex::Build(applications_copy, uncached_options);
    if (uncached.ok()) {
      auto uncached_scratch = (*uncached)->NewScratch();
      std::vector<double> uncached_rates;
      for (size_t run = 0; run < options.uncached_runs; ++run) {
        const auto start = Clock::now();
        size_t uncached_hits = 0;
        for (const Description& description : descriptions) {
          uncached_hits += match(**uncached, description, *uncached_scratch).size();
        }
        uncached_rates.push_back(static_cast<double>(descriptions.size()) /
                                 Seconds(Clock::now() - start));
        if (uncached_hits != hits) std::printf("? uncached hits %zu\n", uncached_hits);
      }
      std::printf("one core without the span cache: best %.0f, median %.0f descriptions/s\n",
                  *std::max_element(uncached_rates.begin(), uncached_rates.end()),
                  Median(uncached_rates));
    }
  }

  // The previous engine (Hyperscan literal pieces), on a sample.
  const size_t pigeonhole_sample = std::min(options.pigeonhole_sample, descriptions.size());
  if (pigeonhole_sample > 0) {
    MarkIndexOptions pigeonhole_options;
    pigeonhole_options.fuzzy_engine = FuzzyEngine::kPigeonhole;
    const auto pigeonhole_build_start = Clock::now();
    auto pigeonhole = MarkIndex::Build(applications_copy, pigeonhole_options);
    const double pigeonhole_build = Seconds(Clock::now() - pigeonhole_build_start);
    if (pigeonhole.ok()) {
      auto pigeonhole_scratch = (*pigeonhole)->NewScratch();
      size_t pigeonhole_hits = 0;
      size_t same_hits = 0;
      const auto pigeonhole_start = Clock::now();
      for (size_t i = 0; i < pigeonhole_sample; ++i) {
        pigeonhole_hits += match(**pigeonhole, descriptions[i], *pigeonhole_scratch).size();
      }
      const double pigeonhole_rate =
          static_cast<double>(pigeonhole_sample) / Seconds(Clock::now() - pigeonhole_start);
      for (size_t i = 0; i < pigeonhole_sample; ++i) {
        same_hits += match(*index, descriptions[i], *scratch).size();
      }
      std::printf(
          "previous engine (kPigeonhole, Hyperscan literal pieces): build %.2f s, %.0f "
          "descriptions/s on %zu descriptions (%zu hits; this engine %zu) -> %.0fx faster\n",
          pigeonhole_build, pigeonhole_rate, pigeonhole_sample, pigeonhole_hits, same_hits,
          best_rate / pigeonhole_rate);
    }
  }

  // Baselines on a sample: one std::regex per mark (word-bounded, case
  // insensitive), and one substring search per mark on the lower-cased text.
  const size_t sample = std::min(options.baseline_sample, descriptions.size());
  if (sample > 0) {
    const auto regex_build_start = Clock::now();
    std::vector<std::regex> regexes;
    regexes.reserve(all_marks.size());
    for (const std::string& mark : all_marks) {
      regexes.emplace_back("\\b" + mark + "\\b", std::regex::icase | std::regex::optimize);
    }
    const double regex_build = Seconds(Clock::now() - regex_build_start);
    size_t regex_hits = 0;
    const auto regex_start = Clock::now();
    for (size_t i = 0; i < sample; ++i) {
      for (const std::regex& regex : regexes) {
        regex_hits += std::regex_search(descriptions[i].text, regex) ? 1 : 0;
      }
    }
    const double regex_rate = static_cast<double>(sample) / Seconds(Clock::now() - regex_start);

    std::vector<std::string> lower_marks;
    for (const std::string& mark : all_marks) {
      std::string lower = mark;
      for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      lower_marks.push_back(lower);
    }
    const size_t substring_sample = std::min(descriptions.size(), sample * 50);
    size_t substring_hits = 0;
    const auto substring_start = Clock::now();
    for (size_t i = 0; i < substring_sample; ++i) {
      std::string lower = descriptions[i].text;
      for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      for (const std::string& mark : lower_marks) {
        substring_hits += lower.find(mark) != std::string::npos ? 1 : 0;
      }
    }
    const double substring_rate =
        static_cast<double>(substring_sample) / Seconds(Clock::now() - substring_start);
    std::printf(
        "baseline std::regex per mark (exact only, no disguises): %.1f descriptions/s on %zu "
        "descriptions (regex build %.1f s) -> Cordon is %.0fx faster\n",
        regex_rate, sample, regex_build, best_rate / regex_rate);
    std::printf(
        "baseline substring search per mark (exact only): %.0f descriptions/s on %zu "
        "descriptions -> Cordon is %.0fx faster\n",
        substring_rate, substring_sample, best_rate / substring_rate);
    if (regex_hits + substring_hits == static_cast<size_t>(-1)) std::printf("?");
  }
  return 0;
}

}  // namespace
}  // namespace cordon

int main(int argc, char** argv) { return cordon::Run(argc, argv); }
