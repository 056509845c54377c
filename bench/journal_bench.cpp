// Journal append throughput on the SQLite store: one event per commit, and batched commits.
//   keel-journal-bench [DIR] [events]
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "bench_clock.h"
#include "keel/store/sqlite_store.h"

using namespace keel;

namespace {

JournalEntry event(long i) {
  JournalEntry e;
  e.source = Source::kStream;
  e.exchange_ms = 1795165200000 + i;
  e.entity = "order";
  e.entity_id = "kbench-" + std::to_string(i);
  e.symbol = "BTCUSDT";
  e.event = "ORDER_TRADE_UPDATE";
  e.payload = R"({"x":"TRADE","X":"PARTIALLY_FILLED","l":"0.001","L":"96250.5"})";
  return e;
}

double run(StateStore& store, long events, long per_batch) {
  const double t0 = bench::now_seconds();
  for (long done = 0; done < events;) {
    WriteBatch b(1795165200000 + done);
    for (long k = 0; k < per_batch && done < events; ++k, ++done) b.AppendJournal(event(done));
    Status s = store.Write(b);
    if (!s.ok()) {
      std::fprintf(stderr, "journal bench: %s\n", s.ToString().c_str());
      std::exit(1);
    }
  }
  return static_cast<double>(events) / (bench::now_seconds() - t0);
}

}  // namespace

int main(int argc, char** argv) {
  const std::string dir = argc > 1 ? argv[1] : "/tmp";
  const long events = argc > 2 ? std::atol(argv[2]) : 200'000;
  const std::string path = dir + "/keel-journal-bench-" + std::to_string(::getpid()) + ".db";
  {
    auto store = SqliteStore::OpenWriter(path);
    if (!store.ok()) {
      std::fprintf(stderr, "journal bench: %s\n", store.status().ToString().c_str());
      return 1;
    }
    const double single = run(**store, std::min(events / 20, 5'000L), 1);
    const double batched_100 = run(**store, events, 100);
    const double batched_1000 = run(**store, events, 1000);
    std::printf("journal append, 1 event/commit:      %9.0f events/s\n", single);
    std::printf("journal append, 100 events/commit:   %9.0f events/s  (target >= 50000)\n", batched_100);
    std::printf("journal append, 1000 events/commit:  %9.0f events/s\n", batched_1000);
  }
  for (const char* suffix : {"", "-wal", "-shm", ".lock"}) ::unlink((path + suffix).c_str());
  return 0;
}
