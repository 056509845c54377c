// Seed 003 (a grid bot on Bybit in hedge mode) as scenarios: a LONG and a SHORT leg on one symbol,
// each with its own exits and pending entries. Like every scenario they run on both dialects
// (ctest scenario and scenario-bybit); the incident was Bybit's.
#include <sstream>

#include "daemon_harness.h"
#include "keel/ops/safety_tools.h"

using namespace keel;
using namespace keel::scenario;

namespace {

// The account in hedge mode before the engine starts (as an operator sets it on the exchange),
// the engine started, the book published.
DaemonScenario& Hedged(DaemonScenario& s) {
  REQUIRE(s.venue->exchange().SetDualSidePosition(0, true).ok());
  s.Start();
  REQUIRE(s.Control(R"({"act":"move_price","symbol":"BTCUSDT","percent":"0.01"})").ok());
  s.Run(Engine::kScanAgainAfterStartMs + 1000);  // market data arrives; start-up's second look is over
  return s;
}

int VenueOpenOrders(DaemonScenario& s, const std::string& symbol) {
  return static_cast<int>(s.venue->exchange().OpenOrders(0, symbol).size());
}

std::optional<PositionRecord> OpenLeg(DaemonScenario& s, PositionSide side) {
  for (const auto& p : s.OpenPositions())
    if (p.position_side == side) return p;
  return std::nullopt;
}

// A LONG maker entry of 0.010 BTC, signal `id`, resting on the book: its price.
Decimal RestingMakerBuy(DaemonScenario& s, const std::string& id) {
  REQUIRE(s.Signal(R"({"id":")" + id + R"(","symbol":"BTCUSDT","side":"LONG","qty":"0.010","entry":"maker",
      "stop_loss":{"pct":"1"},"ttl_s":600})").exit_code == 0);
  s.Run(500);
  auto resting = s.venue->exchange().OpenOrders(0, "BTCUSDT");
  REQUIRE(resting.size() == 1);
  return resting[0].price;
}

// The market runs away upwards, 3 % a step, a second each.
void RunAwayUp(DaemonScenario& s, int steps) {
  for (int i = 0; i < steps; ++i) {
    REQUIRE(s.Control(R"({"act":"move_price","symbol":"BTCUSDT","percent":"3"})").ok());
    s.Run(1000);
  }
}

}  // namespace

TEST_CASE("seed 003, hedge mode: a take-profit close during a resync is applied at once, its id cleared, the other leg kept") {
  DaemonScenario s;
  Hedged(s);
  REQUIRE(s.Signal(R"({"id":"long-1","symbol":"BTCUSDT","side":"LONG","qty":"0.010","stop_loss":{"pct":"1"},
      "take_profit":{"pct":"1"}})").exit_code == 0);
  REQUIRE(s.Signal(R"({"id":"short-1","symbol":"BTCUSDT","side":"SHORT","qty":"0.020","stop_loss":{"pct":"5"},
      "take_profit":{"pct":"5"}})").exit_code == 0);
  s.Run(2000);
  INFO(s.EngineLog());
  REQUIRE(s.SignalOf("long-1")->state == SignalState::kOpen);
  REQUIRE(s.SignalOf("short-1")->state == SignalState::kOpen);
  CHECK(s.ExchangeAmount("BTCUSDT", PositionSide::kLong) == D("0.01"));
  CHECK(s.ExchangeAmount("BTCUSDT", PositionSide::kShort) == D("-0.02"));
  CHECK(s.VenueOpenAlgoOrders("BTCUSDT") == 4);  // each leg's stop and take-profit
  // A resync reads the account: both legs open, four exits resting.
  const AccountReport before_fill = s.exchange->Account().value();
  REQUIRE(before_fill.positions.size() == 2);
  // The LONG's take-profit fills; the stream says so while that read is still in flight.
  REQUIRE(s.Control(R"({"act":"move_price","symbol":"BTCUSDT","percent":"2"})").ok());
  s.Run(100);
  auto long_sig = s.SignalOf("long-1");
  CHECK(long_sig->state == SignalState::kClosed);  // applied the moment it arrived, not after the sync
  CHECK(!long_sig->take_profit_client_order_id);   // its id cleared with its order terminal
  // The resync's older read lands: nothing resurrected, no emergency stop, no loop of resyncs.
  const auto intents = s.store->Intents(RecordFilter{})->size();
  const auto calls_before = s.RestCalls();
  s.engine->OnSnapshot(before_fill);
  s.Run(5000);
  CHECK(!OpenLeg(s, PositionSide::kLong));
  auto short_leg = OpenLeg(s, PositionSide::kShort);
  REQUIRE(short_leg);
  CHECK(short_leg->qty == D("-0.02"));
  CHECK(short_leg->stop_client_order_id);
  CHECK(s.store->Intents(RecordFilter{})->size() == intents);
  CHECK(s.ExchangeAmount("BTCUSDT", PositionSide::kLong).is_zero());
  CHECK(s.ExchangeAmount("BTCUSDT", PositionSide::kShort) == D("-0.02"));
  CHECK(s.VenueOpenAlgoOrders("BTCUSDT") == 2);  // the SHORT's exits, untouched
  // The older read disagrees with what the stream said: one read of the account settles it, once
  // (Binance: positions, open orders, open algo orders; Bybit: positions and open orders per settle
  // coin, USDT and USDC); nothing is placed or cancelled.
  const std::string calls = s.RestCallsSince(calls_before);
  CHECK(calls == (OnBybit() ? "GET /v5/order/realtime x2\nGET /v5/position/list x2\n"
                            : "GET /fapi/v1/openAlgoOrders x1\nGET /fapi/v1/openOrders x1\nGET /fapi/v3/positionRisk x1\n"));
  CHECK(s.alerts.raised.empty());
  CHECK(s.InvariantFindings() == "");
}

TEST_CASE("seed 003, hedge mode: pending entries on both legs; closing the symbol leaves none to fill later") {
  DaemonScenario s;
  Hedged(s);
  REQUIRE(s.Signal(R"({"id":"long-m","symbol":"BTCUSDT","side":"LONG","qty":"0.010","entry":"maker",
      "stop_loss":{"pct":"1"},"ttl_s":600})").exit_code == 0);
  REQUIRE(s.Signal(R"({"id":"short-m","symbol":"BTCUSDT","side":"SHORT","qty":"0.010","entry":"maker",
      "stop_loss":{"pct":"1"},"ttl_s":600})").exit_code == 0);
  s.Run(500);
  INFO(s.EngineLog());
  CHECK(VenueOpenOrders(s, "BTCUSDT") == 2);  // a post-only buy at the bid, a post-only sell at the ask
  // The operator closes the symbol: both legs' pending entries go, not only one side's (seed 003's
  // orphaned pending order later filled into an unwanted position).
  auto flattened = s.Command([&](ReplyFn r) { s.engine->Flatten(std::string("BTCUSDT"), std::move(r)); }, 3000);
  INFO(flattened.json);
  CHECK(VenueOpenOrders(s, "BTCUSDT") == 0);
  // The price then sweeps through both old entry prices: nothing fills, no position appears.
  REQUIRE(s.Control(R"({"act":"move_price","symbol":"BTCUSDT","percent":"-1"})").ok());
  s.Run(1000);
  REQUIRE(s.Control(R"({"act":"move_price","symbol":"BTCUSDT","percent":"2"})").ok());
  s.Run(1000);
  CHECK(s.ExchangeAmount("BTCUSDT", PositionSide::kLong).is_zero());
  CHECK(s.ExchangeAmount("BTCUSDT", PositionSide::kShort).is_zero());
  CHECK(s.OpenPositions().empty());
  CHECK(s.InvariantFindings() == "");
}

TEST_CASE("seed 003, hedge mode: a restart with both legs open restores once, without a loop of resyncs") {
  DaemonScenario s;
  Hedged(s);
  REQUIRE(s.Signal(R"({"id":"long-r","symbol":"BTCUSDT","side":"LONG","qty":"0.010","stop_loss":{"pct":"2"}})").exit_code == 0);
  REQUIRE(s.Signal(R"({"id":"short-r","symbol":"BTCUSDT","side":"SHORT","qty":"0.010","stop_loss":{"pct":"2"}})").exit_code == 0);
  s.Run(2000);
  REQUIRE(s.OpenPositions().size() == 2);
  // SIGKILL and a new process on the same store; the stream is busy the whole time.
  s.Restart();
  s.Run(1000);
  const auto calls_before = s.RestCalls();
  for (int i = 0; i < 20; ++i) {
    REQUIRE(s.Control(R"({"act":"move_price","symbol":"BTCUSDT","percent":"0.05"})").ok());
    s.Run(500);
  }
  INFO(s.EngineLog());
  // Quiet and protected: no read of the account repeated in a loop, no repair, no alert. One
  // account read: the orphan scan a restart brings forward (what the stream pushed while keel was
  // down is lost, and start-up's own read may lag).
  // (On Bybit the read is one or two position pages: which, depends on tests run before this one
  // in the same process, a shared state not yet found.)
  const std::string calls = s.RestCallsSince(calls_before);
  if (OnBybit()) {
    CHECK((calls == "GET /v5/order/realtime x2\nGET /v5/position/list x1\n" ||
           calls == "GET /v5/order/realtime x2\nGET /v5/position/list x2\n"));
  } else {
    CHECK(calls == "GET /fapi/v1/openAlgoOrders x1\nGET /fapi/v1/openOrders x1\nGET /fapi/v3/positionRisk x1\n");
  }
  CHECK(s.OpenPositions().size() == 2);
  CHECK(s.VenueOpenAlgoOrders("BTCUSDT") == 2);
  CHECK(s.alerts.raised.empty());
  CHECK(s.InvariantFindings() == "");
}

TEST_CASE("seed 003: a maker entry follows the book at most max_reprice_pct (5 %) from its first price, then waits") {
  DaemonScenario s;
  const Decimal first = RestingMakerBuy(Hedged(s), "long-c");
  // The market runs away upwards, 3 % a step: the buy follows while within 5 % of where it began.
  RunAwayUp(s, 3);
  INFO(s.EngineLog());
  auto resting = s.venue->exchange().OpenOrders(0, "BTCUSDT");
  REQUIRE(resting.size() == 1);
  const Decimal limit = first.Mul(D("1.05"), Rounding::kDown).value();
  CHECK(resting[0].price > first);   // it did follow
  CHECK(resting[0].price <= limit);  // never past the limit
  CHECK(s.EngineLog().find("refused: more than max_reprice_pct 5% from the first entry price " + first.ToString()) !=
        std::string::npos);
  CHECK(s.ExchangeAmount("BTCUSDT", PositionSide::kLong).is_zero());
  CHECK(s.SignalOf("long-c")->state == SignalState::kEntering);
  CHECK(s.InvariantFindings() == "");
}

TEST_CASE("seed 003: the re-price limit survives a restart: it counts from the signal's first entry price") {
  DaemonScenario s;
  const Decimal first = RestingMakerBuy(Hedged(s), "long-r");
  REQUIRE(s.Control(R"({"act":"move_price","symbol":"BTCUSDT","percent":"3"})").ok());
  s.Run(1000);
  s.Restart();  // the entry rests; the new process finds it there, 3 % above where it began
  REQUIRE(s.Control(R"({"act":"move_price","symbol":"BTCUSDT","percent":"0.01"})").ok());
  s.Run(Engine::kScanAgainAfterStartMs + 1000);
  RunAwayUp(s, 3);
  INFO(s.EngineLog());
  auto resting = s.venue->exchange().OpenOrders(0, "BTCUSDT");
  REQUIRE(resting.size() == 1);
  CHECK(resting[0].price <= first.Mul(D("1.05"), Rounding::kDown).value());  // not 5 % from where the restart found it
  CHECK(s.EngineLog().find("more than max_reprice_pct 5% from the first entry price " + first.ToString()) !=
        std::string::npos);
  CHECK(s.ExchangeAmount("BTCUSDT", PositionSide::kLong).is_zero());
  CHECK(s.InvariantFindings() == "");
}

TEST_CASE("seed 003, hedge mode: the account's notional counts each leg once, so the limit neither doubles nor misses") {
  DaemonScenario s({}, [](EngineSettings& settings) {
    // About 2.5 legs of 0.010 BTC (≈ 960 USDT each).
    settings.daemon.risk.account.max_position_notional = D("2500");
  });
  Hedged(s);
  REQUIRE(s.Signal(R"({"id":"n-1","symbol":"BTCUSDT","side":"LONG","qty":"0.010","stop_loss":{"pct":"2"}})").exit_code == 0);
  s.Run(2000);
  // The LONG filled: it is counted as a position, not also as its entry order.
  auto second = s.Signal(R"({"id":"n-2","symbol":"BTCUSDT","side":"SHORT","qty":"0.010","stop_loss":{"pct":"2"}})");
  INFO(second.json);
  CHECK(second.exit_code == 0);
  s.Run(2000);
  // A third (another symbol, 0.2 ETH ≈ 620 USDT) would take the account past 2500: refused, naming the limit.
  auto third = s.Signal(R"({"id":"n-3","symbol":"ETHUSDT","side":"LONG","qty":"0.200","stop_loss":{"pct":"2"}})");
  INFO(third.json);
  CHECK(third.exit_code != 0);
  CHECK(third.json.find("max_position_notional") != std::string::npos);
  CHECK(s.OpenPositions().size() == 2);
  CHECK(s.InvariantFindings() == "");
}

// Issue [1/6] case 11: two legs of one symbol protected in the same millisecond (hedge mode,
// keel-scan-orphans --protect) once got one emergency-stop client id: the second intent could not
// be recorded, and that leg stayed bare.
TEST_CASE("hedge mode: both legs protected in one millisecond each get a stop of their own") {
  Scenario s;
  REQUIRE(s.venue->exchange().SetDualSidePosition(0, true).ok());
  REQUIRE(s.OutsideOrder("symbol=BTCUSDT&side=BUY&positionSide=LONG&type=MARKET&quantity=0.010").status == 200);
  REQUIRE(s.OutsideOrder("symbol=BTCUSDT&side=SELL&positionSide=SHORT&type=MARKET&quantity=0.010").status == 200);
  s.Wait(11'000);
  std::ostringstream out;
  ops::ToolContext ctx = s.ToolContextFor("keel-scan-orphans", out);
  ops::ScanOrphansOptions o;
  o.protect = true;
  o.stop_pct = D("2");
  o.yes = true;
  auto result = ops::RunScanOrphans(ctx, o);
  INFO(out.str());
  REQUIRE_MESSAGE(result.ok(), result.status().ToString());
  CHECK(s.venue->exchange().OpenAlgoOrders(0, "BTCUSDT").size() == 2);
}

// Issue [4/6] item 6: a close names one leg; the other leg, its exits and its pending entry stay.
TEST_CASE("hedge mode: a close of one leg closes it alone, verified; the other leg keeps its stop") {
  DaemonScenario s;
  Hedged(s);
  REQUIRE(s.Signal(R"({"id":"long-1","symbol":"BTCUSDT","side":"LONG","qty":"0.010","stop_loss":{"pct":"1"}})").exit_code == 0);
  REQUIRE(s.Signal(R"({"id":"short-1","symbol":"BTCUSDT","side":"SHORT","qty":"0.020","stop_loss":{"pct":"5"}})").exit_code == 0);
  s.Run(2000);
  INFO(s.EngineLog());
  REQUIRE(s.SignalOf("long-1")->state == SignalState::kOpen);
  REQUIRE(s.SignalOf("short-1")->state == SignalState::kOpen);
  const std::int64_t placed = s.OrdersPlaced();
  auto closed = s.Command([&](ReplyFn r) {
    s.engine->SubmitSignal(R"({"id":"close-long","symbol":"BTCUSDT","action":"close","side":"LONG"})", "test", std::move(r));
  }, 3000);
  INFO(closed.json);
  CHECK(closed.exit_code == 0);
  s.Run(2000);
  CHECK(s.SignalOf("close-long")->state == SignalState::kClosed);
  CHECK(s.SignalOf("long-1")->state == SignalState::kClosed);
  CHECK(s.SignalOf("short-1")->state == SignalState::kOpen);
  CHECK(s.ExchangeAmount("BTCUSDT", PositionSide::kLong).is_zero());
  CHECK(s.ExchangeAmount("BTCUSDT", PositionSide::kShort) == D("-0.02"));
  auto short_leg = OpenLeg(s, PositionSide::kShort);
  REQUIRE(short_leg);
  CHECK(short_leg->stop_client_order_id);
  CHECK(s.VenueOpenAlgoOrders("BTCUSDT") == 1);  // the SHORT's stop; the LONG's ended with its leg
  CHECK(s.OrdersPlaced() == placed + 1);         // one reduce-only close, nothing else
  CHECK(s.InvariantFindings() == "");
}

TEST_CASE("a close naming a leg on a one-way account is refused before anything is sent") {
  DaemonScenario s;
  s.Start();
  auto refused = s.Signal(R"({"id":"close-long","symbol":"BTCUSDT","action":"close","side":"LONG"})");
  CHECK(refused.exit_code == 2);
  CHECK(refused.json.find("one-way mode") != std::string::npos);
  CHECK(s.SignalOf("close-long")->state == SignalState::kRejected);
  CHECK(s.OrdersPlaced() == 0);
}
