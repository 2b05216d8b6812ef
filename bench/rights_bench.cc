// Benchmarks for applications for action: validating a body, and creating +
// submitting applications through the service on a real SQLite file (each
// create is one durable transaction, synchronous=FULL).
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>

#include "core/random.h"
#include "core/time.h"
#include "rights/rights.h"
#include "store/sqlite_store.h"

namespace cordon {
namespace {

const nlohmann::json& ExampleBody() {
  static const nlohmann::json body = nlohmann::json::parse(R"({
  "kind": "national",
  "holder": {"name": "Zentra Sportswear GmbH", "address": "Musterstr. 1, 10115 Berlin", "country": "DE"},
  "contact": {"name": "Ana Example", "email": "legal@zentra.demo", "phone": "+49 30 1234567"},
  "rights": [{"type": "trademark", "registration": "EUTM 018000001", "office": "EUIPO",
              "marks": ["ZENTRA"], "nice_classes": [25, 28], "expires_on": "2031-05-01"}],
  "goods": [{"description": "sports footwear and apparel", "hs": ["6402", "6403", "6404", "6109", "6110"]}],
  "authentic_features": "Woven label inside the tongue; hologram on the box",
  "product_codes": ["4006381"],
  "authorised_parties": [{"name": "Zentra Logistics B.V.", "country": "NL", "role": "importer"}],
  "small_consignments": true,
  "accepts_liability_and_costs": true
})");
  return body;
}

void BM_ValidateApplication(benchmark::State& state) {
  for (auto _ : state) {
    Result<Application> app = ApplicationFromJson(ExampleBody());
    benchmark::DoNotOptimize(app);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ValidateApplication);

void BM_CreateAndSubmitApplication(benchmark::State& state) {
  std::filesystem::path dir = std::filesystem::temp_directory_path() /
                              ("cordon-bench-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  {
    SqliteOptions options;
    options.path = (dir / "bench.db").string();
    auto store = OpenSqliteStore(options);
    if (!store.ok()) {
      state.SkipWithError(store.error().ToString().c_str());
      return;
    }
    SystemClock clock;
    SystemRng rng;
    Organisation customs{"org_customs", "Customs DE", OrgKind::kCustoms, "DE", "EU", {"DEHAM"}, "",
                         clock.Now()};
    Organisation holder{"org_holder", "Zentra Sportswear GmbH", OrgKind::kRightHolder, "DE", "", {},
                        "", clock.Now()};
    Status seeded = (*store)->Write([&](WriteTx& tx) -> Status {
      CORDON_RETURN_IF_ERROR(tx.InsertOrganisation(customs));
      return tx.InsertOrganisation(holder);
    });
    if (!seeded.ok()) {
      state.SkipWithError(seeded.error().ToString().c_str());
      return;
    }
    Caller rep;
    rep.user_id = "usr_bench";
    rep.org_id = holder.id;
    rep.org_kind = OrgKind::kRightHolder;
    rep.role = Role::kRightHolderRep;
    rep.country = "DE";
    ApplicationService service(**store, clock, rng);
    for (auto _ : state) {
      Result<Application> app = service.Create(rep, ExampleBody());
      if (!app.ok() || !service.Submit(rep, app->id).ok()) {
        state.SkipWithError("create/submit failed");
        break;
      }
    }
    state.SetItemsProcessed(state.iterations());
  }
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_CreateAndSubmitApplication)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace cordon

BENCHMARK_MAIN();
