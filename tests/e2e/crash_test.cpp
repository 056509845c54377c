// The crash test: a child writes to the store as the daemon does while the parent SIGKILLs it at
// random moments, 200 times. After every kill the store must open (as an operator's reader and as a
// restarting writer), pass SQLite's integrity check and keel's invariants, and still hold every
// intent whose commit had returned before the kill.
#include <doctest/doctest.h>

#include <random>
#include <set>
#include <sstream>

#include "keel/store/invariants.h"
#include "keel/store/sqlite_store.h"
#include "subprocess.h"
#include "temp_dir.h"

using namespace keel;
using namespace keel::test;

namespace {

std::set<std::string> reported_intents(const std::string& output) {
  std::set<std::string> ids;
  std::istringstream in(output);
  std::string line;
  while (std::getline(in, line)) {
    if (in.eof()) break;  // a last line without its newline was cut by the kill
    if (line.rfind("I ", 0) == 0) ids.insert(line.substr(2));
  }
  return ids;
}

// Atomicity across tables, which the writer's batches guarantee: a filled entry always has its
// position, and a position's stop is exactly the stop the same batch wrote.
void check_batches_atomic(StateStore& store) {
  auto orders = store.Orders(OrderFilter{});
  REQUIRE(orders.ok());
  auto positions = store.Positions(PositionFilter{});
  REQUIRE(positions.ok());
  std::multiset<std::string> position_opens;
  for (const auto& p : *positions) position_opens.insert(p.symbol);
  std::multiset<std::string> filled_entries;
  for (const auto& o : *orders)
    if (o.purpose == OrderPurpose::kEntry && o.state == OrderState::kFilled) filled_entries.insert(o.symbol);
  CHECK(filled_entries == position_opens);
  for (const auto& p : *positions) {
    if (p.state != PositionState::kOpen || !p.stop_client_order_id) continue;
    auto stop = store.Order(*p.stop_client_order_id);
    REQUIRE(stop.ok());
    REQUIRE(stop->has_value());
    CHECK((*stop)->state == OrderState::kNew);
  }
}

}  // namespace

TEST_SUITE("crash") {
  TEST_CASE("state survives SIGKILL at any instant: 200 kills") {
    TempDir dir;
    const std::string path = dir.file("crash.db");
    { REQUIRE(SqliteStore::OpenWriter(path).ok()); }
    std::mt19937 rng(20261121);
    std::set<std::string> committed;
    std::size_t total_reported = 0;
    std::size_t awaited = 0;
    for (int kill = 0; kill < 200; ++kill) {
      Child child({test_bin("keel-crash-writer"), "--store", path, "--seed", std::to_string(kill)});
      REQUIRE_MESSAGE(child.WaitForLine("READY", 10'000), "writer did not start; output: ", child.output());
      // Every other kill first waits for 1-20 reported commits, so that the kills land in the middle
      // of real work however slow this machine is (a clock alone under a loaded sanitizer build let
      // every kill land before the first commit); the others come anywhere from immediately on.
      if (kill % 2 == 1) {
        const std::size_t commits = 1 + rng() % 20;
        for (int polls = 0; reported_intents(child.output()).size() < commits; ++polls)
          REQUIRE_MESSAGE((polls < 6'000 && child.ReadSome(10)), "writer gave no ", commits, " commits in a minute: ",
                          child.output());
        awaited += commits;
      }
      const int delay_ms = static_cast<int>(rng() % 41);
      for (int waited = 0; waited < delay_ms; waited += 1) child.ReadSome(1);
      child.Kill();
      const auto ids = reported_intents(child.output());
      committed.insert(ids.begin(), ids.end());
      total_reported += ids.size();

      // An operator's read-only view right after the crash.
      {
        auto reader = SqliteStore::OpenReader(path);
        REQUIRE_MESSAGE(reader.ok(), "kill ", kill, ": ", reader.status().ToString());
        auto problems = (*reader)->IntegrityProblems();
        REQUIRE(problems.ok());
        REQUIRE_MESSAGE(problems->empty(), "kill ", kill, ": ", problems->front());
        InvariantOptions opt;
        opt.now_ms = SystemClock().NowMs();
        // A crash may legitimately leave a young position waiting for its stop, or an intent whose
        // order was never recorded: settling those is the restarted daemon's job. Everything else
        // must hold at every instant.
        opt.protect_grace_ms = 24LL * 3600 * 1000;
        opt.crash_window_ms = 24LL * 3600 * 1000;
        auto findings = CheckStoreInvariants(**reader, opt);
        REQUIRE(findings.ok());
        for (const auto& f : *findings) FAIL_CHECK("kill ", kill, ": ", f.kind, " ", f.subject, ": ", f.message);
        auto intents = (*reader)->Intents(RecordFilter{});
        REQUIRE(intents.ok());
        std::set<std::string> present;
        for (const auto& i : *intents) present.insert(i.client_order_id);
        for (const auto& id : committed) REQUIRE_MESSAGE(present.count(id), "kill ", kill, ": lost intent ", id);
        check_batches_atomic(**reader);
      }
      // The daemon restarting as the writer.
      auto writer = SqliteStore::OpenWriter(path);
      REQUIRE_MESSAGE(writer.ok(), "kill ", kill, ": ", writer.status().ToString());
    }
    MESSAGE("200 kills, ", total_reported, " intents reported committed, all present");
    CHECK(total_reported >= awaited);  // the kills landed in the middle of real work, not before it
    CHECK(awaited >= 100);
  }
}
