// Add signals (issue [4/6], operations 2 and 3): one more entry, market or limit, on the leg of an
// open, protected trade. Its fill grows the position the trade's whole-position stop already
// covers, and exits given in percent follow the new average; several limit adds are a ladder.
// Every add still resting is cancelled the moment its trade starts closing. Both dialects.
#include "daemon_harness.h"

using namespace keel;
using namespace keel::scenario;

namespace {

bool Contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

Decimal Mark(DaemonScenario& s) { return s.venue->exchange().FindMarket("BTCUSDT")->mark(); }

std::vector<sim::SimAlgoOrder> VenueExits(DaemonScenario& s, OrderType type, PositionSide leg = PositionSide::kBoth) {
  std::vector<sim::SimAlgoOrder> out;
  for (const auto& o : s.venue->exchange().OpenAlgoOrders(0, "BTCUSDT"))
    if (o.type == type && o.position_side == leg) out.push_back(o);
  return out;
}
std::vector<sim::SimOrder> VenueEntries(DaemonScenario& s) { return s.venue->exchange().OpenOrders(0, "BTCUSDT"); }

// Started, market data flowing, a LONG of 0.010 BTC protected by a stop and a take-profit 2 % from
// its entry (signal "s-1"); the account in hedge mode when asked.
void ProtectedLong(DaemonScenario& s, bool hedge = false, const std::string& side = "LONG") {
  if (hedge) REQUIRE(s.venue->exchange().SetDualSidePosition(0, true).ok());
  s.Start();
  s.Run(Engine::kScanAgainAfterStartMs + 1000);
  REQUIRE(s.Signal(R"({"id":"s-1","symbol":"BTCUSDT","side":")" + side +
                   R"(","qty":"0.010","stop_loss":{"pct":"2"},"take_profit":{"pct":"2"}})")
              .exit_code == 0);
  s.Run(2000);
  REQUIRE(s.SignalOf("s-1")->state == SignalState::kOpen);
}

Decimal PriceAt(DaemonScenario& s, const char* factor) {
  return s.InstrumentOf("BTCUSDT").RoundPrice(Mark(s).Mul(D(factor), Rounding::kNearest).value(), Rounding::kFloor).value();
}

// Runs `ms` in steps of 10: the steps at which the leg held a position and no stop rested.
int StepsUnprotected(DaemonScenario& s, TimeMs ms, PositionSide leg = PositionSide::kBoth) {
  int bare = 0;
  for (TimeMs t = 0; t < ms; t += 10) {
    s.Run(10);
    bare += !s.ExchangeAmount("BTCUSDT").is_zero() && VenueExits(s, OrderType::kStopMarket, leg).empty();
  }
  return bare;
}

}  // namespace

TEST_CASE("add: a market add grows the position under the trade's stop; exits in percent follow the new average") {
  DaemonScenario s;
  ProtectedLong(s);
  const Decimal first_entry = OpenPositionOf(*s.store, "BTCUSDT", PositionSide::kBoth).value()->entry_price;
  // The market moves up 1 %: the add fills higher, the average moves up.
  REQUIRE(s.Control(R"({"act":"move_price","symbol":"BTCUSDT","percent":"1"})").ok());
  s.Run(1000);
  auto reply = s.Signal(R"({"id":"a-1","symbol":"BTCUSDT","action":"add","trade":"s-1","qty":"0.010"})");
  INFO(reply.json);
  REQUIRE(reply.exit_code == 0);
  CHECK(Contains(reply.json, R"("adds_to":"s-1")"));
  CHECK(StepsUnprotected(s, 3000) == 0);
  INFO(s.EngineLog());
  CHECK(s.ExchangeAmount("BTCUSDT") == D("0.020"));
  auto add = s.SignalOf("a-1");
  REQUIRE(add);
  CHECK(add->action == "add");
  CHECK(add->state == SignalState::kDone);
  CHECK(Contains(add->detail, "added 0.01 to signal s-1"));
  const Decimal average = OpenPositionOf(*s.store, "BTCUSDT", PositionSide::kBoth).value()->entry_price;
  CHECK(average > first_entry);
  // One stop and one take-profit, both re-priced from the new average.
  const Instrument inst = s.InstrumentOf("BTCUSDT");
  auto stops = VenueExits(s, OrderType::kStopMarket);
  auto tps = VenueExits(s, OrderType::kTakeProfitMarket);
  REQUIRE(stops.size() == 1);
  REQUIRE(tps.size() == 1);
  CHECK(stops[0].trigger_price == inst.RoundPrice(average.Mul(D("0.98"), Rounding::kNearest).value(), Rounding::kFloor).value());
  CHECK(tps[0].trigger_price == inst.RoundPrice(average.Mul(D("1.02"), Rounding::kNearest).value(), Rounding::kCeiling).value());
  CHECK(s.SignalOf("s-1")->stop_client_order_id == stops[0].client_algo_id);
  CHECK(s.InvariantFindings() == "");
}

TEST_CASE("add: a ladder of two limit adds rests unamended; each fill adds; the trade closes by its take-profit and nothing is left") {
  DaemonScenario s;
  ProtectedLong(s);
  const Decimal upper = PriceAt(s, "0.995"), lower = PriceAt(s, "0.99");
  REQUIRE(s.Signal(R"({"id":"a-1","symbol":"BTCUSDT","action":"add","qty":"0.010","entry":"limit","price":")" +
                   upper.ToString() + R"("})").exit_code == 0);
  REQUIRE(s.Signal(R"({"id":"a-2","symbol":"BTCUSDT","action":"add","qty":"0.020","entry":"limit","price":")" +
                   lower.ToString() + R"(","post_only":true})").exit_code == 0);
  s.Run(1000);
  REQUIRE(VenueEntries(s).size() == 2);
  CHECK(s.SignalOf("a-1")->state == SignalState::kEntering);
  // Down through the first rung: 0.020, the exits re-priced from the new average.
  REQUIRE(s.Control(R"({"act":"move_price","symbol":"BTCUSDT","percent":"-0.6"})").ok());
  CHECK(StepsUnprotected(s, 3000) == 0);
  INFO(s.EngineLog());
  CHECK(s.ExchangeAmount("BTCUSDT") == D("0.020"));
  CHECK(s.SignalOf("a-1")->state == SignalState::kDone);
  CHECK(s.SignalOf("a-2")->state == SignalState::kEntering);
  // Through the second: 0.040.
  REQUIRE(s.Control(R"({"act":"move_price","symbol":"BTCUSDT","percent":"-0.6"})").ok());
  CHECK(StepsUnprotected(s, 3000) == 0);
  CHECK(s.ExchangeAmount("BTCUSDT") == D("0.040"));
  CHECK(s.SignalOf("a-2")->state == SignalState::kDone);
  const Decimal average = OpenPositionOf(*s.store, "BTCUSDT", PositionSide::kBoth).value()->entry_price;
  auto tps = VenueExits(s, OrderType::kTakeProfitMarket);
  REQUIRE(tps.size() == 1);
  const Instrument inst = s.InstrumentOf("BTCUSDT");
  CHECK(tps[0].trigger_price == inst.RoundPrice(average.Mul(D("1.02"), Rounding::kNearest).value(), Rounding::kCeiling).value());
  // A third rung, then the take-profit closes the whole position: the rung is cancelled with it.
  REQUIRE(s.Signal(R"({"id":"a-3","symbol":"BTCUSDT","action":"add","qty":"0.010","entry":"limit","price":")" +
                   PriceAt(s, "0.995").ToString() + R"("})").exit_code == 0);
  s.Run(1000);
  REQUIRE(VenueEntries(s).size() == 1);
  REQUIRE(s.Control(R"({"act":"move_price","symbol":"BTCUSDT","percent":"3.5"})").ok());
  s.Run(4000);
  CHECK(s.ExchangeAmount("BTCUSDT").is_zero());
  CHECK(VenueEntries(s).empty());
  CHECK(s.VenueOpenAlgoOrders("BTCUSDT") == 0);
  CHECK(s.SignalOf("s-1")->state == SignalState::kClosed);
  auto rung = s.SignalOf("a-3");
  CHECK(rung->state == SignalState::kFailed);
  CHECK(Contains(rung->detail, "its trade is closing"));
  // The price comes back down through where the rung was: nothing opens.
  REQUIRE(s.Control(R"({"act":"move_price","symbol":"BTCUSDT","percent":"-3"})").ok());
  s.Run(3000);
  CHECK(s.ExchangeAmount("BTCUSDT").is_zero());
  CHECK(s.InvariantFindings() == "");
}

TEST_CASE("add: refused before anything is sent: no trade, a price past the stop, its own stop, paused, a trade still entering") {
  DaemonScenario s;
  s.Start();
  s.Run(Engine::kScanAgainAfterStartMs + 1000);
  auto calls = s.RestCalls();
  auto none = s.Signal(R"({"id":"a-0","symbol":"BTCUSDT","action":"add","qty":"0.010"})");
  CHECK(none.exit_code == 2);
  CHECK(Contains(none.json, "no open trade on BTCUSDT"));
  // A limit entry resting: the trade is entering, an add waits for its stop.
  REQUIRE(s.Signal(R"({"id":"s-0","symbol":"BTCUSDT","side":"LONG","qty":"0.010","entry":"limit","price":")" +
                   PriceAt(s, "0.98").ToString() + R"(","stop_loss":{"pct":"2"}})").exit_code == 0);
  s.Run(500);
  auto entering = s.Signal(R"({"id":"a-1","symbol":"BTCUSDT","action":"add","qty":"0.010"})");
  CHECK(entering.exit_code == 2);
  CHECK(Contains(entering.json, "an add is taken once its stop works"));
  REQUIRE(s.Command([&](ReplyFn r) { s.engine->Flatten(std::string("BTCUSDT"), std::move(r)); }, 3000).exit_code == 0);

  DaemonScenario p;
  ProtectedLong(p);
  calls = p.RestCalls();
  auto past_stop = p.Signal(R"({"id":"a-2","symbol":"BTCUSDT","action":"add","qty":"0.010","entry":"limit","price":")" +
                            PriceAt(p, "0.97").ToString() + R"("})");
  CHECK(past_stop.exit_code == 2);
  CHECK(Contains(past_stop.json, "at or below the trade's stop"));
  auto own_stop = p.Signal(R"({"id":"a-3","symbol":"BTCUSDT","action":"add","qty":"0.010","stop_loss":{"pct":"1"}})");
  CHECK(own_stop.exit_code == 2);
  CHECK(Contains(own_stop.json, "stop_loss: an add has none of its own"));
  auto other_trade = p.Signal(R"({"id":"a-6","symbol":"BTCUSDT","action":"add","trade":"s-0","qty":"0.010"})");
  CHECK(other_trade.exit_code == 2);
  CHECK(Contains(other_trade.json, "the open trade on BTCUSDT/BOTH is signal s-1, not s-0"));
  auto maker = p.Signal(R"({"id":"a-4","symbol":"BTCUSDT","action":"add","qty":"0.010","entry":"maker"})");
  CHECK(maker.exit_code == 2);
  REQUIRE(p.Command([&](ReplyFn r) { p.engine->Pause(std::move(r)); }).exit_code == 0);
  auto paused = p.Signal(R"({"id":"a-5","symbol":"BTCUSDT","action":"add","qty":"0.010"})");
  CHECK(paused.exit_code == 2);
  CHECK(Contains(paused.json, "paused"));
  CHECK(p.RestCallsSince(calls).find("order") == std::string::npos);
  CHECK(p.ExchangeAmount("BTCUSDT") == D("0.010"));
  CHECK(p.SignalOf("a-2")->state == SignalState::kRejected);
}

TEST_CASE("add: a cancel signal cancels the leg's resting adds; what filled stays, protected") {
  DaemonScenario s;
  ProtectedLong(s);
  REQUIRE(s.Signal(R"({"id":"a-1","symbol":"BTCUSDT","action":"add","qty":"0.010","entry":"limit","price":")" +
                   PriceAt(s, "0.99").ToString() + R"("})").exit_code == 0);
  s.Run(1000);
  REQUIRE(VenueEntries(s).size() == 1);
  EngineReply answer{-1, ""};
  s.engine->SubmitSignal(R"({"id":"c-1","symbol":"BTCUSDT","action":"cancel"})", "test", [&](EngineReply r) { answer = r; });
  s.Run(2000);
  INFO(answer.json);
  INFO(s.EngineLog());
  CHECK(answer.exit_code == 0);
  CHECK(Contains(answer.json, R"("result":"cancelled")"));
  CHECK(VenueEntries(s).empty());
  CHECK(s.SignalOf("a-1")->state == SignalState::kFailed);
  CHECK(Contains(s.SignalOf("a-1")->detail, "cancelled by signal c-1"));
  CHECK(s.SignalOf("s-1")->state == SignalState::kOpen);
  CHECK(s.ExchangeAmount("BTCUSDT") == D("0.010"));
  CHECK(VenueExits(s, OrderType::kStopMarket).size() == 1);
  CHECK(s.InvariantFindings() == "");
}

TEST_CASE("add: a flatten cancels the resting adds before it closes; flat, nothing left resting") {
  DaemonScenario s;
  ProtectedLong(s);
  REQUIRE(s.Signal(R"({"id":"a-1","symbol":"BTCUSDT","action":"add","qty":"0.010","entry":"limit","price":")" +
                   PriceAt(s, "0.99").ToString() + R"("})").exit_code == 0);
  s.Run(1000);
  auto flattened = s.Command([&](ReplyFn r) { s.engine->Flatten(std::string("BTCUSDT"), std::move(r)); }, 4000);
  INFO(flattened.json);
  INFO(s.EngineLog());
  CHECK(flattened.exit_code == 0);
  CHECK(s.ExchangeAmount("BTCUSDT").is_zero());
  CHECK(VenueEntries(s).empty());
  CHECK(s.VenueOpenAlgoOrders("BTCUSDT") == 0);
  CHECK(s.SignalOf("a-1")->state == SignalState::kFailed);
  REQUIRE(s.Control(R"({"act":"move_price","symbol":"BTCUSDT","percent":"-1.5"})").ok());
  s.Run(2000);
  CHECK(s.ExchangeAmount("BTCUSDT").is_zero());
  CHECK(s.InvariantFindings() == "");
}

TEST_CASE("add: a resting add survives a restart and fills after it; its time limit counts from when it was taken") {
  DaemonScenario s;
  ProtectedLong(s);
  REQUIRE(s.Signal(R"({"id":"a-1","symbol":"BTCUSDT","action":"add","qty":"0.010","entry":"limit","price":")" +
                   PriceAt(s, "0.995").ToString() + R"("})").exit_code == 0);
  REQUIRE(s.Signal(R"({"id":"a-2","symbol":"BTCUSDT","action":"add","qty":"0.010","entry":"limit","price":")" +
                   PriceAt(s, "0.99").ToString() + R"(","ttl_s":20})").exit_code == 0);
  s.Run(1000);
  s.Restart();
  s.Run(3000);
  INFO(s.EngineLog());
  REQUIRE(VenueEntries(s).size() == 2);
  REQUIRE(s.Control(R"({"act":"move_price","symbol":"BTCUSDT","percent":"-0.6"})").ok());
  CHECK(StepsUnprotected(s, 3000) == 0);
  CHECK(s.ExchangeAmount("BTCUSDT") == D("0.020"));
  CHECK(s.SignalOf("a-1")->state == SignalState::kDone);
  // a-2's 20 s run out: cancelled, recorded so.
  s.Run(20'000);
  CHECK(VenueEntries(s).empty());
  CHECK(s.SignalOf("a-2")->state == SignalState::kFailed);
  CHECK(Contains(s.SignalOf("a-2")->detail, "at its time limit"));
  CHECK(s.ExchangeAmount("BTCUSDT") == D("0.020"));
  CHECK(s.InvariantFindings() == "");
}

TEST_CASE("add: a market add whose answer is lost is settled by its client id: added once, never twice") {
  DaemonScenario s;
  ProtectedLong(s);
  REQUIRE(s.Control(R"({"fault":"placement","when":"after","how":"timeout","count":1})").ok());
  auto reply = s.Signal(R"({"id":"a-1","symbol":"BTCUSDT","action":"add","qty":"0.010"})");
  REQUIRE(reply.exit_code == 0);
  CHECK(StepsUnprotected(s, 8000) == 0);
  INFO(s.EngineLog());
  CHECK(s.ExchangeAmount("BTCUSDT") == D("0.020"));
  CHECK(s.SignalOf("a-1")->state == SignalState::kDone);
  CHECK(s.InvariantFindings() == "");
}

TEST_CASE("add: SIGKILL at every point of a market add: the position is 0.010 or 0.020, protected, and the add ends saying which") {
  for (int kill = 1;; ++kill) {
    CAPTURE(kill);
    DaemonScenario s;
    ProtectedLong(s);
    s.loop().KillAfter(kill);
    s.engine->SubmitSignal(R"({"id":"a-1","symbol":"BTCUSDT","action":"add","qty":"0.010"})", "test", [](EngineReply) {});
    s.Run(3000);
    const bool killed = s.loop().killed();
    s.Restart();
    CHECK(StepsUnprotected(s, s.settings.daemon.protect_grace_ms + 25'000) == 0);
    INFO(s.EngineLog());
    const Decimal amount = s.ExchangeAmount("BTCUSDT");
    CHECK((amount == D("0.010") || amount == D("0.020")));
    auto add = s.SignalOf("a-1");
    if (add) {
      CHECK((add->state == SignalState::kDone || add->state == SignalState::kFailed));
      CHECK((add->state == SignalState::kDone) == (amount == D("0.020")));
    } else {
      CHECK(amount == D("0.010"));
    }
    CHECK(VenueEntries(s).empty());
    CHECK(VenueExits(s, OrderType::kStopMarket).size() == 1);
    CHECK(s.InvariantFindings() == "");
    if (!killed) break;
    REQUIRE(kill < 60);
  }
}

TEST_CASE("add: hedge mode: an add names its leg when both legs trade; the other leg is untouched") {
  DaemonScenario s;
  ProtectedLong(s, true);
  REQUIRE(s.Signal(R"({"id":"s-2","symbol":"BTCUSDT","side":"SHORT","qty":"0.010","stop_loss":{"pct":"2"}})").exit_code == 0);
  s.Run(2000);
  auto unnamed = s.Signal(R"({"id":"a-0","symbol":"BTCUSDT","action":"add","qty":"0.010"})");
  CHECK(unnamed.exit_code == 2);
  CHECK(Contains(unnamed.json, "name the leg to add to"));
  auto reply = s.Signal(R"({"id":"a-1","symbol":"BTCUSDT","action":"add","side":"SHORT","qty":"0.005"})");
  INFO(reply.json);
  REQUIRE(reply.exit_code == 0);
  CHECK(StepsUnprotected(s, 3000, PositionSide::kShort) == 0);
  INFO(s.EngineLog());
  CHECK(s.ExchangeAmount("BTCUSDT", PositionSide::kShort) == D("-0.015"));
  CHECK(s.ExchangeAmount("BTCUSDT", PositionSide::kLong) == D("0.010"));
  CHECK(s.SignalOf("a-1")->state == SignalState::kDone);
  CHECK(s.SignalOf("a-1")->position_side == PositionSide::kShort);
  CHECK(s.InvariantFindings() == "");
}

TEST_CASE("add: a flatten whose cancel of a resting add is refused for the rate: the add is cancelled after the wait, never fills") {
  DaemonScenario s;
  ProtectedLong(s);
  REQUIRE(s.Signal(R"({"id":"a-1","symbol":"BTCUSDT","action":"add","qty":"0.010","entry":"limit","price":")" +
                   PriceAt(s, "0.99").ToString() + R"("})").exit_code == 0);
  s.Run(1000);
  REQUIRE(VenueEntries(s).size() == 1);
  REQUIRE(s.Control(R"({"fault":"rate_limit","count":1})").ok());
  auto flattened = s.Command([&](ReplyFn r) { s.engine->Flatten(std::string("BTCUSDT"), std::move(r)); }, 4000);
  INFO(flattened.json);
  s.Run(180'000);
  INFO(s.EngineLog());
  CHECK(s.ExchangeAmount("BTCUSDT").is_zero());
  CHECK(VenueEntries(s).empty());
  CHECK(s.SignalOf("a-1")->state == SignalState::kFailed);
  REQUIRE(s.Control(R"({"act":"move_price","symbol":"BTCUSDT","percent":"-1.5"})").ok());
  s.Run(2000);
  CHECK(s.ExchangeAmount("BTCUSDT").is_zero());
  CHECK(s.InvariantFindings() == "");
}

TEST_CASE("add: a stop moved past a resting add's price cancels the add; the stop closes the trade and nothing fills after") {
  DaemonScenario s;
  ProtectedLong(s);
  REQUIRE(s.Signal(R"({"id":"a-1","symbol":"BTCUSDT","action":"add","qty":"0.010","entry":"limit","price":")" +
                   PriceAt(s, "0.99").ToString() + R"("})").exit_code == 0);
  s.Run(1000);
  auto moved = s.Signal(R"({"id":"m-1","symbol":"BTCUSDT","action":"move","stop_loss":{"pct":"0.5"}})");
  INFO(moved.json);
  s.Run(3000);
  INFO(s.EngineLog());
  CHECK(VenueEntries(s).empty());
  CHECK(Contains(s.SignalOf("a-1")->detail, "at or past the trade's moved stop"));
  REQUIRE(s.Control(R"({"act":"move_price","symbol":"BTCUSDT","percent":"-1.5"})").ok());
  s.Run(3000);
  CHECK(s.ExchangeAmount("BTCUSDT").is_zero());
  CHECK(s.SignalOf("a-1")->state == SignalState::kFailed);
  CHECK(s.SignalOf("s-1")->state == SignalState::kClosed);
  CHECK(s.InvariantFindings() == "");
}

TEST_CASE("add: SIGKILL at every point of a close signal with a resting add: nothing reopens afterwards") {
  for (int kill = 1;; ++kill) {
    CAPTURE(kill);
    DaemonScenario k;
    ProtectedLong(k);
    REQUIRE(k.Signal(R"({"id":"a-1","symbol":"BTCUSDT","action":"add","qty":"0.010","entry":"limit","price":")" +
                     PriceAt(k, "0.99").ToString() + R"("})").exit_code == 0);
    k.Run(1000);
    k.loop().KillAfter(kill);
    k.engine->SubmitSignal(R"({"id":"c-1","symbol":"BTCUSDT","action":"close"})", "test", [](EngineReply) {});
    k.Run(3000);
    const bool killed = k.loop().killed();
    k.Restart();
    k.Run(20'000);
    INFO(k.EngineLog());
    // Wherever the kill came, the add either still rests on a protected trade (the close never
    // began) or it has ended and nothing reopens when the price comes.
    if (k.ExchangeAmount("BTCUSDT").is_zero()) {
      CHECK(VenueEntries(k).empty());
      REQUIRE(k.Control(R"({"act":"move_price","symbol":"BTCUSDT","percent":"-1.5"})").ok());
      k.Run(3000);
      CHECK(k.ExchangeAmount("BTCUSDT").is_zero());
    }
    CHECK(k.SignalOf("a-1")->state != SignalState::kDone);
    CHECK(k.InvariantFindings() == "");
    if (!killed) break;
    REQUIRE(kill < 80);
  }
}
