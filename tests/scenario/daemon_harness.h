#pragma once
// keel-traderd's engine in a scenario: the engine on a VirtualLoop, its REST work run inline
// against the in-process simulator, and the venue's private stream delivered through keel's own
// Binance codec, as the daemon receives it. Run(ms) moves the clock, the venue and the engine
// together, so a whole trade or incident takes milliseconds and runs the same way every time.
#include <string>
#include <vector>

#include "harness.h"
#include "keel/binance/codec.h"
#include "keel/engine/engine.h"
#include "keel/sim/binance_json.h"

namespace keel::scenario {

struct RecordingAlerts final : AlertSink {
  std::vector<Alert> raised;
  void Raise(const Alert& a) override { raised.push_back(a); }
  int Count(AlertKind kind) const {
    int n = 0;
    for (const auto& a : raised) n += a.kind == kind;
    return n;
  }
};

struct DaemonScenario : Scenario {
  std::unique_ptr<VirtualLoop> loop_ptr = std::make_unique<VirtualLoop>(clock);
  VirtualLoop& loop() { return *loop_ptr; }
  EngineSettings settings;
  // The venue's market data does not reach keel while set: its book and mark stay where they were.
  bool market_data_lost = false;
  std::unique_ptr<InlineWorkers> workers;
  RecordingAlerts alerts;
  std::unique_ptr<Engine> engine;
  std::unique_ptr<sim::DialectFeed> feed;  // the venue's streams as keel's adapter reads them

  explicit DaemonScenario(const std::function<void(sim::SimConfig&)>& tweak = {},
                          const std::function<void(EngineSettings&)>& settings_tweak = {})
      : Scenario(tweak) {
    venue->exchange().set_market_events(true);
    workers = std::make_unique<InlineWorkers>(*exchange);
    feed = sim::DialectFeed::Create(dialect, venue->exchange(), "keel-demo-key").value();
    user_event_sink = [this](std::vector<sim::UserEvent> events) {
      for (auto& e : events) {
        auto items = feed->Decode(e);
        if (!items.ok()) {
          FAIL_CHECK("the venue sent an event keel's codec cannot read: " << items.status().ToString());
          continue;
        }
        for (auto& item : *items) loop().Post([this, item] { Deliver(item); });
      }
      for (auto& item : feed->Due()) loop().Post([this, item] { Deliver(item); });
    };
    market_event_sink = [this](std::vector<sim::MarketEvent> events) {
      if (market_data_lost) return;
      for (auto& e : events) {
        for (const auto& t : feed->Decode(e)) {
          loop().Post([this, t] {
            if (t.mark) engine->OnMarkPrice(t.symbol, *t.mark);
            if (t.bid && t.ask) engine->OnBookTicker(t.symbol, *t.bid, *t.ask);
          });
        }
      }
    };
    settings.account = account;
    settings.daemon.metrics_listen.reset();
    settings.sleep = [this](TimeMs ms) { Wait(ms); };
    settings.verify_interval_ms = 200;
    settings.settle_interval_ms = 200;
    if (settings_tweak) settings_tweak(settings);
    engine = std::make_unique<Engine>(settings, *store, clock, loop(), *workers, alerts);
  }

  // SIGKILL and a new process: the engine and its loop vanish with whatever was queued (nothing
  // of it runs), and a new engine starts on the same store and exchange.
  void Restart() { RestartAfter({}); }
  // SIGKILL, then while_down runs (the venue goes on; what its stream pushes is lost), then a new
  // engine starts on the same store.
  void RestartAfter(const std::function<void()>& while_down) {
    illegal_trade_transitions += engine->counters().illegal_trade_transitions;
    engine.reset();
    if (while_down) {
      while_down();
      Wait(10);
    }
    loop_ptr = std::make_unique<VirtualLoop>(clock);
    workers = std::make_unique<InlineWorkers>(*exchange);
    engine = std::make_unique<Engine>(settings, *store, clock, loop(), *workers, alerts);
    Start();
  }

  // Every scenario holds the engine to its own trade lifecycle: a refused move is a bug whatever
  // the scenario asserts (the engine's log names it).
  std::int64_t illegal_trade_transitions = 0;  // of the engines already restarted
  ~DaemonScenario() {
    const std::int64_t illegal = illegal_trade_transitions + (engine ? engine->counters().illegal_trade_transitions : 0);
    CHECK_MESSAGE(illegal == 0, "the engine refused " << illegal << " trade transition(s)");
  }

  void Deliver(const sim::StreamItem& item) {
    if (auto* o = std::get_if<OrderEvent>(&item)) engine->OnOrderEvent(*o);
    else if (auto* p = std::get_if<PositionEvent>(&item)) engine->OnPositionEvent(*p);
  }

  // Starts the engine and runs until it is ready.
  void Start() {
    bool done = false;
    Status result;
    engine->Start([&](Status st) {
      done = true;
      result = st;
    });
    Run(0);
    REQUIRE_MESSAGE(done, "the engine did not finish starting");
    REQUIRE_MESSAGE(result.ok(), result.ToString());
    engine->OnStreamState(true, "live");  // events reach it from here on, as from a connected stream
  }

  // Moves the clock by ms in steps of 10, the venue and the engine with it.
  void Run(TimeMs ms) {
    loop().RunReady();
    loop().FireDue();
    for (TimeMs left = ms; left > 0; left -= 10) {
      Wait(left < 10 ? left : 10);
      loop().RunReady();
      loop().FireDue();
    }
  }

  EngineReply Signal(const std::string& json) {
    EngineReply reply{-1, ""};
    engine->SubmitSignal(json, "test", [&](EngineReply r) { reply = std::move(r); });
    loop().RunReady();
    return reply;
  }

  EngineReply Command(const std::function<void(ReplyFn)>& call, TimeMs run_ms = 0) {
    EngineReply reply{-1, ""};
    call([&](EngineReply r) { reply = std::move(r); });
    Run(run_ms);
    return reply;
  }

  std::optional<SignalRecord> SignalOf(const std::string& id) { return store->Signal(id).value(); }
  std::vector<PositionRecord> OpenPositions() {
    PositionFilter f;
    f.state = PositionState::kOpen;
    return store->Positions(f).value();
  }
  // The venue's own orders resting in its conditional book for a symbol (ground truth, read from
  // the simulator itself: no REST call that would count against the engine's).
  int VenueOpenAlgoOrders(const std::string& symbol) {
    return static_cast<int>(venue->exchange().OpenAlgoOrders(0, symbol).size());
  }
  // Every request the exchange API answered so far, as "METHOD /path" -> count (ground truth).
  std::map<std::string, std::int64_t> RestCalls() const {
    std::map<std::string, std::int64_t> out;
    for (const auto& [endpoint, results] : venue->request_counts())
      for (const auto& [result, n] : results) out[endpoint] += n;
    return out;
  }
  // The calls made since `before`, one "METHOD /path xN" per line (for messages and checks).
  std::string RestCallsSince(const std::map<std::string, std::int64_t>& before) const {
    std::string text;
    for (const auto& [endpoint, n] : RestCalls()) {
      auto it = before.find(endpoint);
      const std::int64_t d = n - (it == before.end() ? 0 : it->second);
      if (d > 0) text += endpoint + " x" + std::to_string(d) + "\n";
    }
    return text;
  }
  std::string EngineLog() const {
    std::string text;
    for (const auto& l : engine->log()) text += l + "\n";
    return text;
  }
};

}  // namespace keel::scenario
