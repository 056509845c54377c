// Figures for keel-traderd's engine, in process on a virtual clock against the in-process
// simulator (Binance dialect), 200 symbols listed:
//   - event -> command latency (a decoded book ticker entering the engine to the amend it leads to,
//     handed to a REST worker), at 1k and 10k events/s over 200 symbols, 20 of them with a resting
//     maker entry that follows the book; reported as the histogram's bucket bounds;
//   - CPU seconds per second of events (engine and simulator together) and peak RSS;
//   - REST calls of one whole market lifecycle (open, stop, take-profit, close) against the minimum.
// Prints; asserts nothing.   keel-engine-bench
#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include <spdlog/spdlog.h>

#include "bench_clock.h"
#include "keel/binance/binance_exchange.h"
#include "keel/engine/engine.h"
#include "keel/sim/sim_config.h"
#include "keel/sim/sim_venue.h"
#include "keel/store/sqlite_store.h"

using namespace keel;

namespace {

constexpr int kSymbols = 200;
constexpr int kMakers = 20;

std::string SymbolName(int i) {
  char name[16];
  std::snprintf(name, sizeof(name), "S%03dUSDT", i);
  return name;
}

struct NullAlerts final : AlertSink {
  void Raise(const Alert&) override {}
};

double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

long PeakRssKb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

// The engine against the simulator, started, with every symbol's book known.
struct Rig {
  ManualClock clock{1'795'165'200'000};
  std::string dir;
  std::unique_ptr<sim::SimVenue> venue;
  std::unique_ptr<net::InMemoryTransport> transport;
  std::unique_ptr<binance::BinanceExchange> exchange;
  std::unique_ptr<SqliteStore> store;
  VirtualLoop loop{clock};
  std::unique_ptr<InlineWorkers> workers;
  NullAlerts alerts;
  std::unique_ptr<Engine> engine;
  std::uint64_t walk = 7;  // the price walk's seed: the same figures run after run

  Rig() {
    char tmpl[] = "/tmp/keel-engine-bench.XXXXXX";
    dir = mkdtemp(tmpl);
    sim::SimConfig config = sim::DefaultSimConfig();
    const sim::SimInstrument base = *config.Find("ETHUSDT");
    config.instruments.clear();
    for (int i = 0; i < kSymbols; ++i) {
      sim::SimInstrument s = base;
      s.filters.symbol = SymbolName(i);
      s.base_asset = s.filters.symbol.substr(0, 4);
      s.max_step_ticks = 0;
      config.instruments.push_back(s);
    }
    venue = sim::SimVenue::Create(config, clock).value();
    venue->exchange().set_market_events(true);
    transport = std::make_unique<net::InMemoryTransport>([this](const net::HttpRequest& r) { return venue->HandleHttp(r); });
    exchange = std::make_unique<binance::BinanceExchange>(std::make_unique<binance::RestClient>(
        *transport, "keel-demo-key", Secret("keel-demo-secret"), clock, [this](TimeMs ms) { clock.Advance(ms); }));
    store = SqliteStore::OpenWriter(dir + "/bench.db").value();
    workers = std::make_unique<InlineWorkers>(*exchange);
    EngineSettings s;
    s.account = "demo";
    s.daemon.metrics_listen.reset();
    s.sleep = [this](TimeMs ms) { clock.Advance(ms); };
    engine = std::make_unique<Engine>(s, *store, clock, loop, *workers, alerts);
    bool started = false;
    engine->Start([&](Status st) {
      started = st.ok();
      if (!st.ok()) std::fprintf(stderr, "engine start failed: %s\n", st.message().c_str());
    });
    loop.RunReady();
    if (!started) std::exit(1);
    engine->OnStreamState(true, "live");
    for (int i = 0; i < kSymbols; ++i) Move(SymbolName(i), "0");
  }
  ~Rig() {
    engine.reset();
    store.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    if (ec) std::fprintf(stderr, "engine bench: cannot remove %s: %s\n", dir.c_str(), ec.message().c_str());
  }
  // Moves the simulator's price and hands the engine the book tickers that follows, as the
  // market stream would (decoding is measured apart, in keel-safety-bench).
  void Move(const std::string& symbol, const char* percent) {
    (void)venue->exchange().MovePrice(symbol, Decimal::Parse(percent).value(), 0);
    for (auto& e : venue->TakeMarketEvents()) {
      const auto* b = std::get_if<sim::BookTickerUpdate>(&e.body);
      if (!b) continue;
      const std::int64_t jobs = engine->counters().rest_jobs;
      const double t0 = bench::now_seconds();
      engine->OnBookTicker(b->symbol, b->quote.bid, b->quote.ask);
      const double t = bench::now_seconds() - t0;
      // An event that led to a command ran that REST call inline here (the simulator's work):
      // only the others time the engine alone.
      if (engine->counters().rest_jobs == jobs) {
        engine_seconds += t;
        ++engine_events;
      }
    }
  }
  double engine_seconds = 0;
  std::int64_t engine_events = 0;
  void Settle() {
    loop.RunReady();
    loop.FireDue();
  }
};

void Load(int events_per_second) {
  Rig rig;
  for (int i = 0; i < kMakers; ++i) {
    const std::string symbol = SymbolName(i);
    rig.engine->SubmitSignal(R"({"id":"m-)" + std::to_string(i) + R"(","symbol":")" + symbol +
                                 R"(","side":"SHORT","qty":"0.100","entry":"maker","stop_loss":{"pct":"2"},"ttl_s":3600})",
                             "bench", [](EngineReply) {});
    rig.Settle();
  }
  const std::int64_t jobs_before = rig.engine->counters().rest_jobs;
  const std::int64_t amends_before = rig.engine->counters().amends;
  const int seconds = 10;
  const int events = events_per_second * seconds;
  const int per_ms = events_per_second / 1000;
  const double cpu0 = CpuSeconds();
  int sent = 0;
  for (int ms = 0; ms < seconds * 1000; ++ms) {
    for (int k = 0; k < per_ms; ++k, ++sent) {
      // A seeded random walk drifting down, a few ticks per update: away from the resting sells,
      // which follow it (an amend at most every 250 ms each).
      rig.walk = rig.walk * 6364136223846793005ULL + 1442695040888963407ULL;
      rig.Move(SymbolName(sent % kSymbols), (rig.walk >> 33) % 4 == 0 ? "0.001" : "-0.001");
    }
    rig.clock.Advance(1);
    rig.Settle();
  }
  const double cpu = CpuSeconds() - cpu0;
  const LatencyHistogram& h = rig.engine->latency();
  auto us = [](std::int64_t ns) { return static_cast<double>(ns) / 1000.0; };
  std::printf("load %5d events/s x %ds over %d symbols (%d maker entries following the book):\n", events_per_second,
              seconds, kSymbols, kMakers);
  std::printf("  commands handed to workers %lld (amends %lld), latency samples %lld\n",
              static_cast<long long>(rig.engine->counters().rest_jobs - jobs_before),
              static_cast<long long>(rig.engine->counters().amends - amends_before), static_cast<long long>(h.count()));
  std::printf("  event->command latency p50 <= %.0f us, p99 <= %.0f us, p99.9 <= %.0f us (bucket bounds; target p99 <= 10 us)\n",
              us(h.QuantileBoundNs(0.5)), us(h.QuantileBoundNs(0.99)), us(h.QuantileBoundNs(0.999)));
  const double engine_ns = rig.engine_events ? rig.engine_seconds * 1e9 / static_cast<double>(rig.engine_events) : 0;
  std::printf("  engine alone %.0f ns per event without a command = %.2f%% of a core at this rate\n", engine_ns,
              engine_ns * events_per_second / 1e7);
  std::printf("  CPU %.3f s for %d s of events = %.1f%% of a core (engine and simulator in one process)\n", cpu, seconds,
              100.0 * cpu / seconds);
  std::printf("  peak RSS %ld MB (target < 50 MB with 200 symbols)\n", PeakRssKb() / 1024);
  (void)events;
}

void Lifecycle() {
  Rig rig;
  auto calls = [&] {
    std::int64_t n = 0;
    for (const auto& [endpoint, results] : rig.venue->request_counts())
      for (const auto& [result, c] : results) n += c;
    return n;
  };
  const std::int64_t before = calls();
  rig.engine->SubmitSignal(R"({"id":"l-1","symbol":"S199USDT","side":"LONG","qty":"0.100","stop_loss":{"pct":"1"},
      "take_profit":{"pct":"1"}})", "bench", [](EngineReply) {});
  for (int i = 0; i < 200; ++i) {
    rig.clock.Advance(10);
    rig.Settle();
    for (auto& e : rig.venue->TakeDueUserEvents()) (void)e;  // the stream is not wired here: REST only
  }
  std::printf("REST calls for open + stop + take-profit (no stream: verification by REST): %lld (minimum 4: entry, "
              "position read, stop, take-profit)\n",
              static_cast<long long>(calls() - before));
}

}  // namespace

int main() {
  spdlog::set_level(spdlog::level::err);
  Load(1000);
  Load(10'000);
  Lifecycle();
  return 0;
}
