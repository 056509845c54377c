#pragma once
// A scenario: the in-process simulator (SimVenue) on a virtual clock, keel's real adapter talking
// to it over the in-memory transport, and a real SQLite store. Waiting advances the clock and lets
// the venue move, so a whole incident runs in milliseconds, the same way every time.
//
// Every scenario runs on both dialects of the one venue: Binance USD-M (ctest "scenario") and
// Bybit v5 (ctest "scenario-bybit", KEEL_SCENARIO_DIALECT=bybit-v5), with keel's adapter for each.
#include <doctest/doctest.h>

#include <functional>
#include <memory>
#include <string>

#include <cstdlib>

#include "keel/binance/binance_exchange.h"
#include "keel/sim/dialect_feed.h"
#include "keel/ops/tool_context.h"
#include "keel/safety/protect.h"
#include "keel/sim/sim_venue.h"
#include "keel/store/invariants.h"
#include "keel/store/sqlite_store.h"
#include "signed_request.h"
#include "temp_dir.h"

namespace keel::scenario {

inline Decimal D(const char* t) { return Decimal::Parse(t).value(); }

// The dialect this run of the scenarios speaks (KEEL_SCENARIO_DIALECT; Binance USD-M by default).
inline sim::Dialect ScenarioDialect() {
  const char* text = std::getenv("KEEL_SCENARIO_DIALECT");
  if (!text || !*text) return sim::Dialect::kBinanceUsdm;
  auto d = sim::ParseDialect(text);
  REQUIRE_MESSAGE(d.ok(), d.status().ToString());
  return *d;
}
inline bool OnBybit() { return ScenarioDialect() == sim::Dialect::kBybitV5; }

struct Scenario {
  ManualClock clock{1'795'165'200'000};
  std::unique_ptr<sim::SimVenue> venue;
  std::unique_ptr<net::InMemoryTransport> transport;
  const sim::Dialect dialect = ScenarioDialect();
  std::unique_ptr<Exchange> exchange;
  test::TempDir dir;
  std::unique_ptr<SqliteStore> store;
  const std::string account = "demo";
  std::unique_ptr<ops::ToolSpec> tool_spec;  // outlives the contexts ToolContextFor makes
  // Where the venue's stream events go while the clock moves; unset, they are dropped (the tools
  // have no stream).
  std::function<void(std::vector<sim::UserEvent>)> user_event_sink;
  std::function<void(std::vector<sim::MarketEvent>)> market_event_sink;

  // tweak changes the simulator's default venue (an instrument's filters, the balance) first.
  explicit Scenario(const std::function<void(sim::SimConfig&)>& tweak = {}) {
    sim::SimConfig config = sim::DefaultSimConfig();
    for (auto& i : config.instruments) i.max_step_ticks = 0;  // prices move only when a scenario moves them
    if (tweak) tweak(config);
    venue = sim::SimVenue::Create(config, clock).value();
    venue->exchange().set_market_events(false);
    transport = std::make_unique<net::InMemoryTransport>([this](const net::HttpRequest& r) { return venue->HandleHttp(r); });
    exchange = sim::MakeExchange(dialect, *transport, "keel-demo-key", Secret("keel-demo-secret"), clock,
                                 [this](TimeMs ms) { Wait(ms); });
    store = SqliteStore::OpenWriter(dir.file("demo.db")).value();
  }

  // The scenario's store and exchange handed to a tool's body, as the runner would hand them (a
  // read-only store; the body reopens it as writer when it acts). The scenario no longer holds them.
  ops::ToolContext ToolContextFor(const std::string& tool, std::ostream& out) {
    tool_spec = std::make_unique<ops::ToolSpec>(ops::ToolSpec{tool, "", ops::StoreAccess::kReadOnly, false, true});
    AccountConfig config;
    config.account_name = account;
    ops::ToolContext ctx{*tool_spec, {}, config, std::move(store), dir.file("demo.db"), out, clock, {}};
    ctx.exchange = std::move(exchange);
    return ctx;
  }

  // The store's invariant findings at the scenario's time, one line each: empty when all hold.
  std::string InvariantFindings() {
    InvariantOptions options;
    options.now_ms = clock.NowMs();
    auto findings = CheckStoreInvariants(*store, options);
    if (!findings.ok()) return findings.status().ToString();
    std::string text;
    for (const auto& f : *findings) text += f.kind + " " + f.subject + ": " + f.message + "\n";
    return text;
  }

  void Wait(TimeMs ms) {
    for (TimeMs left = ms; left > 0; left -= 50) {
      clock.Advance(left < 50 ? left : 50);
      venue->Tick();
      auto events = venue->TakeDueUserEvents();
      if (user_event_sink) user_event_sink(std::move(events));
      if (market_event_sink) market_event_sink(venue->TakeMarketEvents());
    }
  }
  std::function<void(TimeMs)> Sleeper() {
    return [this](TimeMs ms) { Wait(ms); };
  }
  std::function<TimeMs()> Now() {
    return [this] { return clock.NowMs(); };
  }

  Instrument InstrumentOf(const std::string& symbol) {
    auto all = exchange->Instruments();
    REQUIRE(all.ok());
    auto found = all->Find(symbol);
    REQUIRE_MESSAGE(found.ok(), found.status().ToString());
    return *found;
  }

  ProtectOptions Protect(Decimal stop_pct) {
    ProtectOptions o;
    o.account = account;
    o.stop_pct = stop_pct;
    o.now = clock.NowMs();
    o.settle.sleep = Sleeper();
    return o;
  }

  // An order placed by someone else (the website, another bot): not keel's client id prefix.
  net::HttpResponse OutsideOrder(const std::string& params) {
    return venue->HandleHttp(
        test::SignedRequest("POST", "/fapi/v1/order", params, clock.NowMs(), "keel-demo-key", "keel-demo-secret"));
  }
  Status Control(const std::string& json) {
    auto c = sim::ParseSimCommandJson(json);
    if (!c.ok()) return c.status();
    return venue->Apply(*c);
  }
  Decimal ExchangeAmount(const std::string& symbol, PositionSide side = PositionSide::kBoth) {
    return venue->exchange().Position(0, symbol, side).amount;
  }
  std::int64_t OrdersPlaced() { return venue->exchange().counters().orders_placed; }
};

}  // namespace keel::scenario
