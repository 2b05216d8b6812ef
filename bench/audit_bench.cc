// The audit log's cost on a real SQLite file (WAL, synchronous=FULL): plain
// driver printing figures (issue 5, "Audit log").
//
//   audit_bench [--leaves N] [--batch B]      (defaults: 1,000,000 and 1,000)
//
// 1. Appends: N audit events through WriteTx::AppendAuditEvent, B per unit of
//    work (each event also becomes a leaf with the tree nodes it completes);
//    then 1,000 events one unit of work each (one fsync'd commit each, as
//    commands do), beside 1,000 units of work that write one plain row
//    (InsertWatchlistEntry), to show what the log adds to a command. (A store
//    without the log does not exist to compare with: that is the point.)
// 2. At N leaves: the signed head (CurrentHead: a write unit of work, root
//    from popcount(N) stored nodes, Ed25519 signature), inclusion and
//    consistency proofs through AuditService at random positions, p50/p99.
// 3. cordon audit verify's work (VerifyStoredAuditLog) over all N entries.
// Other arguments (e.g. bench/run's --benchmark_min_time) are ignored.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "audit/audit_service.h"
#include "store/sqlite_store.h"
#include "support/test_support.h"

namespace cordon {
namespace {

using SteadyClock = std::chrono::steady_clock;

double SecondsSince(SteadyClock::time_point start) {
  return std::chrono::duration<double>(SteadyClock::now() - start).count();
}

double Percentile(std::vector<double> values, double percentile) {
  std::sort(values.begin(), values.end());
  const size_t rank =
      static_cast<size_t>(percentile / 100 * static_cast<double>(values.size() - 1));
  return values[rank];
}

AuditEvent Event(long long n, Timestamp at) {
  AuditEvent event;
  event.at = at;
  event.org_id = n % 3 == 0 ? "org_customs_de" : "org_customs_nl";
  event.user_id = "usr_" + std::to_string(n % 17);
  event.action = n % 2 == 0 ? "case.notice_sent" : "application.granted";
  event.object_type = n % 2 == 0 ? "case" : "application";
  event.object_id = "obj_" + std::to_string(n);
  event.detail = nlohmann::json{{"recipient", "declarant"},
                                {"office", "DEHAM"},
                                {"reference", "REF-" + std::to_string(n)},
                                {"quantity", n % 1000}}
                     .dump();
  return event;
}

int Run(uint64_t leaves, uint64_t batch) {
  test_support::TempDir dir("cordon-audit-bench");
  const std::string path = dir.File("audit.db");
  auto opened = OpenSqliteStore({.path = path});
  if (!opened.ok()) {
    fmt::print(stderr, "cannot open the store: {}\n", opened.error().ToString());
    return 1;
  }
  Store& store = **opened;
  SystemClock clock;
  const Timestamp now = clock.Now();

  // 1. Batched appends.
  const auto append_start = SteadyClock::now();
  for (uint64_t done = 0; done < leaves; done += batch) {
    const uint64_t count = std::min(batch, leaves - done);
    Status status = store.Write([&](WriteTx& tx) -> Status {
      for (uint64_t i = 0; i < count; ++i) {
        CORDON_RETURN_IF_ERROR(
            tx.AppendAuditEvent(Event(static_cast<long long>(done + i), now)).status());
      }
      return Status::Ok();
    });
    if (!status.ok()) {
      fmt::print(stderr, "append failed: {}\n", status.error().ToString());
      return 1;
    }
  }
  const double append_seconds = SecondsSince(append_start);
  fmt::print("appends, {} per unit of work:   {:>9.0f} events/s ({:.1f} us each; {} leaves in "
             "{:.1f} s)\n",
             batch, static_cast<double>(leaves) / append_seconds,
             append_seconds * 1e6 / static_cast<double>(leaves), leaves, append_seconds);

  // One event per unit of work, against one plain row per unit of work.
  constexpr int kSingles = 1000;
  std::vector<double> single_us;
  for (int i = 0; i < kSingles; ++i) {
    const auto start = SteadyClock::now();
    Status status = store.Write([&](WriteTx& tx) {
      return tx.AppendAuditEvent(Event(static_cast<long long>(leaves) + i, now)).status();
    });
    single_us.push_back(SecondsSince(start) * 1e6);
    if (!status.ok()) return 1;
  }
  Status org = store.Write([&](WriteTx& tx) {
    Organisation customs;
    customs.id = "org_customs_de";
    customs.name = "Customs DE";
    customs.kind = OrgKind::kCustoms;
    customs.country = "DE";
    customs.jurisdiction = "EU";
    customs.created_at = now;
    return tx.InsertOrganisation(customs);
  });
  if (!org.ok()) return 1;
  std::vector<double> plain_us;
  for (int i = 0; i < kSingles; ++i) {
    WatchlistEntryRecord record;
    record.id = "wle_" + std::to_string(i);
    record.owner_org_id = "org_customs_de";
    record.name = "Trader " + std::to_string(i);
    record.created_at = now;
    record.updated_at = now;
    record.body = "{}";
    const auto start = SteadyClock::now();
    Status status = store.Write([&](WriteTx& tx) { return tx.InsertWatchlistEntry(record); });
    plain_us.push_back(SecondsSince(start) * 1e6);
    if (!status.ok()) return 1;
  }
  fmt::print("one event per unit of work:       p50 {:.0f} us, p99 {:.0f} us "
             "(a plain one-row unit of work: p50 {:.0f} us, p99 {:.0f} us)\n",
             Percentile(single_us, 50), Percentile(single_us, 99), Percentile(plain_us, 50),
             Percentile(plain_us, 99));

  // 2. Heads and proofs at the full size.
  SeededRng key_rng(1);
  auto signer = CheckpointSigner::Generate("bench.example/cordon", key_rng);
  AuditService audit(store, clock, std::move(*signer));
  Caller caller;
  caller.org_id = "org_customs_de";
  caller.org_kind = OrgKind::kCustoms;
  caller.role = Role::kIprOfficer;
  const uint64_t size = leaves + kSingles;
  std::vector<double> head_us;
  for (int i = 0; i < 200; ++i) {
    const auto start = SteadyClock::now();
    auto head = audit.CurrentHead(caller);
    head_us.push_back(SecondsSince(start) * 1e6);
    if (!head.ok() || head->checkpoint.tree_size != size) return 1;
  }
  std::mt19937_64 random(42);
  std::vector<double> inclusion_us;
  std::vector<double> consistency_us;
  size_t path_length = 0;
  for (int i = 0; i < 2000; ++i) {
    const uint64_t tree_size = size - random() % 1000;
    const uint64_t index = random() % tree_size;
    auto start = SteadyClock::now();
    auto inclusion = audit.InclusionProof(caller, index, tree_size);
    inclusion_us.push_back(SecondsSince(start) * 1e6);
    if (!inclusion.ok()) return 1;
    path_length = std::max(path_length, inclusion->audit_path.size());
    const uint64_t first = 1 + random() % (tree_size - 1);
    start = SteadyClock::now();
    auto consistency = audit.ConsistencyProof(caller, first, tree_size);
    consistency_us.push_back(SecondsSince(start) * 1e6);
    if (!consistency.ok()) return 1;
  }
  fmt::print("signed head at {} leaves:     p50 {:.0f} us, p99 {:.0f} us\n", size,
             Percentile(head_us, 50), Percentile(head_us, 99));
  fmt::print("inclusion proof:                  p50 {:.0f} us, p99 {:.0f} us (paths up to {} "
             "hashes)\n",
             Percentile(inclusion_us, 50), Percentile(inclusion_us, 99), path_length);
  fmt::print("consistency proof:                p50 {:.0f} us, p99 {:.0f} us\n",
             Percentile(consistency_us, 50), Percentile(consistency_us, 99));

  // 3. The whole re-check.
  const auto verify_start = SteadyClock::now();
  auto verifier = audit.verifier();
  auto report = VerifyStoredAuditLog(store, &verifier);
  const double verify_seconds = SecondsSince(verify_start);
  if (!report.ok() || !report->ok()) {
    fmt::print(stderr, "verify failed\n");
    return 1;
  }
  fmt::print("cordon audit verify:              {:.1f} s for {} entries ({:.0f} entries/s)\n",
             verify_seconds, report->entries,
             static_cast<double>(report->entries) / verify_seconds);
  opened->reset();
  std::error_code error;
  const auto bytes = std::filesystem::file_size(path, error);
  if (!error) {
    fmt::print("database file:                    {:.1f} MiB ({:.0f} bytes per event, events "
               "and log together)\n",
               static_cast<double>(bytes) / (1 << 20),
               static_cast<double>(bytes) / static_cast<double>(size));
  }
  return 0;
}

}  // namespace
}  // namespace cordon

int main(int argc, char** argv) {
  uint64_t leaves = 1000000;
  uint64_t batch = 1000;
  for (int i = 1; i + 1 < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--leaves") leaves = std::strtoull(argv[++i], nullptr, 10);
    if (arg == "--batch") batch = std::strtoull(argv[++i], nullptr, 10);
  }
  if (leaves < 2 || batch < 1) {
    fmt::print(stderr, "usage: audit_bench [--leaves N >= 2] [--batch B >= 1]\n");
    return 2;
  }
  return cordon::Run(leaves, batch);
}
