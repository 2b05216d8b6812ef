// Benchmarks for applications for action: validating a body, and creating +
// submitting applications through the service on a real SQLite file (each
// create is one durable transaction, synchronous=FULL).
#include <benchmark/benchmark.h>

#include "core/random.h"
#include "core/time.h"
#include "rights/rights.h"
#include "store/sqlite_store.h"
#include "support/test_support.h"

namespace cordon {
namespace {

const nlohmann::json& ExampleBody() {
  static const nlohmann::json body = test_support::IssueExampleApplication();
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
  test_support::TempDir dir("cordon-bench");
  {
    SqliteOptions options;
    options.path = dir.File("bench.db");
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
}
BENCHMARK(BM_CreateAndSubmitApplication)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace cordon

BENCHMARK_MAIN();
