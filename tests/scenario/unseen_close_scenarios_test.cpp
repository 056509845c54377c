// A trade's position that ended where keel could not see it (issue [4/6], chaos seeds 1105962,
// 1105053, 1105596 and CI seed 116): a stop that fired while keel was down, a leg that closed and
// opened again by a resting add, a leg the exchange flattened while an add of the trade rested.
// In each the store, under lagging reads, still names a stop that is gone; keel must neither call
// the trade "protected" by it nor "closed" while what it owns can still open the leg. Both dialects.
#include "daemon_harness.h"

using namespace keel;
using namespace keel::scenario;

namespace {

bool Contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

Decimal Mark(DaemonScenario& s) { return s.venue->exchange().FindMarket("BTCUSDT")->mark(); }

Decimal PriceAt(DaemonScenario& s, const char* factor) {
  return s.InstrumentOf("BTCUSDT").RoundPrice(Mark(s).Mul(D(factor), Rounding::kNearest).value(), Rounding::kFloor).value();
}

std::vector<sim::SimAlgoOrder> VenueStops(DaemonScenario& s) {
  std::vector<sim::SimAlgoOrder> out;
  for (const auto& o : s.venue->exchange().OpenAlgoOrders(0, "BTCUSDT"))
    if (o.type == OrderType::kStopMarket) out.push_back(o);
  return out;
}

// A LONG of 0.010 BTC protected by a stop 2 % and a take-profit 1 % from its entry (signal "s-1").
void ProtectedLong(DaemonScenario& s) {
  s.Start();
  s.Run(Engine::kScanAgainAfterStartMs + 1000);
  REQUIRE(s.Signal(R"({"id":"s-1","symbol":"BTCUSDT","side":"LONG","qty":"0.010","stop_loss":{"pct":"2"},
      "take_profit":{"pct":"1"}})").exit_code == 0);
  s.Run(2000);
  REQUIRE(s.SignalOf("s-1")->state == SignalState::kOpen);
}

// Runs `ms` in steps of 10: the steps at which the position was open, no stop rested on the
// exchange, and the trade's record said it was protected by one.
int StepsFalselyProtected(DaemonScenario& s, TimeMs ms) {
  int steps = 0;
  for (TimeMs t = 0; t < ms; t += 10) {
    s.Run(10);
    auto sig = s.SignalOf("s-1");
    steps += !s.ExchangeAmount("BTCUSDT").is_zero() && VenueStops(s).empty() && sig &&
             sig->state == SignalState::kOpen && sig->stop_client_order_id.has_value();
  }
  return steps;
}

}  // namespace

TEST_CASE("unseen close: the stop fired while keel was down, reads lag: the mark past it ends the trade, proven flat") {
  DaemonScenario s;
  ProtectedLong(s);
  // Every read lags 30 s: start-up finds the position and its stop as they were.
  REQUIRE(s.Control(R"({"fault":"stale_reads","ms":30000,"what":"all"})").ok());
  s.RestartAfter([&] {
    REQUIRE(s.Control(R"({"act":"move_price","symbol":"BTCUSDT","percent":"-3"})").ok());
    s.Wait(100);
  });
  REQUIRE(s.ExchangeAmount("BTCUSDT").is_zero());  // the stop closed it
  s.Run(6000);
  INFO(s.EngineLog());
  auto sig = s.SignalOf("s-1");
  REQUIRE(sig);
  // Before the fix it stayed "open, protected by" the stop that had filled until the reads caught
  // up. Now it closes as the stop would have; flat is claimed only once a read newer than the last
  // fill shows it: "not verified" while every read lags.
  CHECK(sig->state == SignalState::kUnresolved);
  CHECK(Contains(sig->detail, "is passed by the mark"));
  CHECK(Contains(sig->detail, "not verified"));
  s.Run(30'000);
  CHECK(s.SignalOf("s-1")->state == SignalState::kClosed);
  CHECK(s.OpenPositions().empty());
  CHECK(s.ExchangeAmount("BTCUSDT").is_zero());
  CHECK(s.InvariantFindings() == "");
}

TEST_CASE("unseen close: the take-profit filled while keel was down, then a resting add opened the leg again: a new stop") {
  DaemonScenario s;
  ProtectedLong(s);
  const Decimal first_entry = OpenPositionOf(*s.store, "BTCUSDT", PositionSide::kBoth).value()->entry_price;
  // A rung 1.5 % under the entry, as a grid's level.
  const Decimal rung = PriceAt(s, "0.985");
  REQUIRE(s.Signal(R"({"id":"a-1","symbol":"BTCUSDT","action":"add","qty":"0.010","entry":"limit","price":")" +
                   rung.ToString() + R"("})").exit_code == 0);
  s.Run(1000);
  REQUIRE(s.venue->exchange().OpenOrders(0, "BTCUSDT").size() == 1);
  // Reads lag 8 s while keel starts: start-up finds the stop as it was. Nothing reads the orders
  // again before the periodic reconcile.
  REQUIRE(s.Control(R"({"fault":"stale_reads","ms":8000,"what":"all"})").ok());
  s.RestartAfter([&] {
    // Up through the take-profit: the leg closes, its stop expires with it.
    REQUIRE(s.Control(R"({"act":"move_price","symbol":"BTCUSDT","percent":"1.5"})").ok());
    s.Wait(100);
  });
  REQUIRE(s.ExchangeAmount("BTCUSDT").is_zero());
  REQUIRE(VenueStops(s).empty());
  REQUIRE(s.Control(R"({"clear":"faults"})").ok());
  s.Run(10'000);
  REQUIRE(s.SignalOf("s-1")->state == SignalState::kOpen);  // as far as keel can tell
  // Down through the rung: 0.010 again, at a new entry, with no stop of its own on the exchange.
  REQUIRE(s.Control(R"({"act":"move_price","symbol":"BTCUSDT","percent":"-3.5"})").ok());
  const int falsely = StepsFalselyProtected(s, 5000);
  INFO(s.EngineLog());
  REQUIRE(s.ExchangeAmount("BTCUSDT") == D("0.010"));
  // Before the fix: "protected by" the expired stop until the periodic reconcile.
  CHECK(falsely * 10 <= s.settings.daemon.protect_grace_ms);
  CHECK(s.alerts.Count(AlertKind::kReconcileMismatch) >= 1);
  auto stops = VenueStops(s);
  REQUIRE(stops.size() == 1);
  auto sig = s.SignalOf("s-1");
  CHECK(sig->state == SignalState::kOpen);
  CHECK(sig->stop_client_order_id == stops[0].client_algo_id);
  const Decimal entry = OpenPositionOf(*s.store, "BTCUSDT", PositionSide::kBoth).value()->entry_price;
  CHECK(entry != first_entry);
  // Its stop is reckoned from the position open now.
  CHECK(stops[0].trigger_price ==
        s.InstrumentOf("BTCUSDT").RoundPrice(entry.Mul(D("0.98"), Rounding::kNearest).value(), Rounding::kFloor).value());
  CHECK(s.InvariantFindings() == "");
}

TEST_CASE("unseen close: the exchange deleverages the leg while an add rests, the add fills at once: closed only once flat") {
  DaemonScenario s;
  ProtectedLong(s);
  const Decimal rung = PriceAt(s, "0.995");
  REQUIRE(s.Signal(R"({"id":"a-1","symbol":"BTCUSDT","action":"add","qty":"0.010","entry":"limit","price":")" +
                   rung.ToString() + R"("})").exit_code == 0);
  s.Run(1000);
  // The exchange flattens the leg, and before keel hears of it the price reaches the rung.
  REQUIRE(s.Control(R"({"act":"adl","account":"demo","symbol":"BTCUSDT"})").ok());
  REQUIRE(s.Control(R"({"act":"move_price","symbol":"BTCUSDT","percent":"-0.8"})").ok());
  s.Run(6000);
  INFO(s.EngineLog());
  auto sig = s.SignalOf("s-1");
  REQUIRE(sig);
  if (OnBybit()) {
    // Bybit's position topic carries the leg as it is after both: one push, 0.010 at the rung,
    // never flat. The leg closed and opened again unseen: the trade holds it, protected anew.
    CHECK(s.ExchangeAmount("BTCUSDT") == D("0.010"));
    CHECK(sig->state == SignalState::kOpen);
    CHECK(s.alerts.Count(AlertKind::kReconcileMismatch) == 1);
    auto stops = VenueStops(s);
    REQUIRE(stops.size() == 1);
    CHECK(sig->stop_client_order_id == stops[0].client_algo_id);
    CHECK(s.InvariantFindings() == "");
    return;
  }
  // Before the fix: "closed" on the flat push, then the add's 0.010 left open as a position keel
  // did not open (CI seed 116: a false "flat").
  CHECK(sig->state == SignalState::kClosed);
  CHECK(Contains(sig->detail, "add(s) rested"));
  CHECK(s.ExchangeAmount("BTCUSDT").is_zero());
  CHECK(s.OpenPositions().empty());
  CHECK(s.venue->exchange().OpenOrders(0, "BTCUSDT").empty());
  CHECK(s.VenueOpenAlgoOrders("BTCUSDT") == 0);
  CHECK(s.InvariantFindings() == "");
}
