// Trail signals (issue [4/6], operation 5): the exchange's own trailing stop beside a trade's stop
// (Binance's TRAILING_STOP_MARKET with callbackRate in the algo service; Bybit's trailingStop on the
// position). It follows the price while keel does nothing (or is down) and closes the position when
// the price comes back; the stop stays beside it throughout. Both dialects, one-way and hedge mode.
// Also two defects the soak's trade-without-position invariant found (a stop filled while keel was
// down; a forwarded tool's close while the stream was silent): the trade ends closed.
#include "daemon_harness.h"
#include "keel/safety/safe_close.h"

using namespace keel;
using namespace keel::scenario;

namespace {

bool Contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::vector<sim::SimAlgoOrder> VenueStops(DaemonScenario& s, PositionSide leg = PositionSide::kBoth) {
  std::vector<sim::SimAlgoOrder> out;
  for (const auto& o : s.venue->exchange().OpenAlgoOrders(0, "BTCUSDT"))
    if (o.type == OrderType::kStopMarket && o.position_side == leg && o.position_tpsl.empty()) out.push_back(o);
  return out;
}

// The trailing stop the venue holds on the leg, as keel's own adapter reads it (ground truth for
// either dialect: Binance's order by client id, Bybit's position row).
std::optional<TrailingStopReport> VenueTrailing(DaemonScenario& s, const std::string& cid, PositionSide leg = PositionSide::kBoth) {
  auto shown = s.exchange->TrailingStopOf("BTCUSDT", leg, cid);
  REQUIRE(shown.ok());
  return *shown;
}

// The client id of the newest trailing-stop order keel recorded ("" on Bybit, which has none).
std::string TrailingOrderId(DaemonScenario& s) {
  std::string cid;
  OrderFilter f;
  f.symbol = "BTCUSDT";
  for (const auto& o : s.store->Orders(f).value())
    if (o.purpose == OrderPurpose::kTrailingStop) cid = o.client_order_id;
  return cid;
}

bool TrailingIsOrder(DaemonScenario& s) { return s.exchange->TrailingStopIsAnOrder(); }

// Started, market data flowing, a protected position of 0.010 BTC opened by signal `id` with its
// stop 5 % away and no take-profit.
void ProtectedPosition(DaemonScenario& s, const std::string& id = "s-1", const std::string& side = "LONG", bool start = true) {
  if (start) {
    s.Start();
    s.Run(Engine::kScanAgainAfterStartMs + 1000);
  }
  REQUIRE(s.Signal(R"({"id":")" + id + R"(","symbol":"BTCUSDT","side":")" + side +
                   R"(","qty":"0.010","stop_loss":{"pct":"5"}})")
              .exit_code == 0);
  s.Run(2000);
  auto sig = s.SignalOf(id);
  REQUIRE(sig);
  REQUIRE(sig->state == SignalState::kOpen);
}

EngineReply SendTrail(DaemonScenario& s, const std::string& json, TimeMs ms = 2000) {
  auto reply = std::make_shared<EngineReply>(EngineReply{-1, ""});
  s.engine->SubmitSignal(json, "test", [reply](EngineReply r) { *reply = std::move(r); });
  s.Run(ms);
  return *reply;
}

// The price moved by `percent`, `steps` times a second apart; with keel down (no engine to run),
// only the venue's clock moves.
void MovePrice(DaemonScenario& s, const std::string& percent, int steps, bool keel_down = false) {
  for (int i = 0; i < steps; ++i) {
    REQUIRE(s.Control(R"({"act":"move_price","symbol":"BTCUSDT","percent":")" + percent + "\"}").ok());
    if (keel_down) s.Wait(1000);
    else s.Run(1000);
  }
}

}  // namespace

TEST_CASE("trail: the exchange's trailing stop rests beside the stop, follows the price up and closes the position when it comes back") {
  DaemonScenario s;
  ProtectedPosition(s);
  const std::string stop = *s.SignalOf("s-1")->stop_client_order_id;
  const auto reply = SendTrail(s, R"({"id":"t-1","symbol":"BTCUSDT","action":"trail","callback_pct":"1"})");
  INFO(s.EngineLog());
  INFO(reply.json);
  CHECK(reply.exit_code == 0);
  CHECK(Contains(reply.json, R"("result":"trailing")"));
  CHECK(Contains(reply.json, "the stop stays beside it"));
  const std::string cid = TrailingOrderId(s);
  CHECK(cid.empty() == !TrailingIsOrder(s));
  auto working = VenueTrailing(s, cid);
  REQUIRE(working);
  if (TrailingIsOrder(s)) {
    CHECK(working->callback_pct == D("1"));
    CHECK(working->qty == D("0.010"));
    CHECK(s.store->Order(cid).value()->state == OrderState::kNew);
  } else {
    // 1 % of the mark, rounded to the tick: a distance, the whole position.
    CHECK(working->distance.is_positive());
    CHECK(working->qty == D("0.010"));
  }
  // The stop stays, the trail's record is done.
  REQUIRE(VenueStops(s).size() == 1);
  CHECK(VenueStops(s)[0].client_algo_id == stop);
  CHECK(s.SignalOf("t-1")->state == SignalState::kDone);
  CHECK(s.SignalOf("t-1")->action == "trail");

  // Up 3 % three times: it follows (nothing fires); down 3 %: more than 1 % back from the top.
  MovePrice(s, "3", 3);
  CHECK(s.ExchangeAmount("BTCUSDT", PositionSide::kBoth) == D("0.010"));
  MovePrice(s, "-3", 1);
  s.Run(3000);
  CHECK(s.ExchangeAmount("BTCUSDT", PositionSide::kBoth).is_zero());
  auto sig = s.SignalOf("s-1");
  CHECK(sig->state == SignalState::kClosed);
  // What was left of its exits is cancelled: no stop rests for a position that is gone.
  CHECK(VenueStops(s).empty());
  CHECK(!VenueTrailing(s, cid));
  CHECK(s.InvariantFindings() == "");
}

TEST_CASE("trail: a new trail replaces the one before (new before old); off removes it and the stop stays") {
  DaemonScenario s;
  ProtectedPosition(s);
  REQUIRE(SendTrail(s, R"({"id":"t-1","symbol":"BTCUSDT","action":"trail","callback_pct":"2"})").exit_code == 0);
  const std::string first = TrailingOrderId(s);
  auto second = SendTrail(s, R"({"id":"t-2","symbol":"BTCUSDT","action":"trail","callback_pct":"0.5"})");
  INFO(s.EngineLog());
  CHECK(second.exit_code == 0);
  const std::string now = TrailingOrderId(s);
  auto working = VenueTrailing(s, now);
  REQUIRE(working);
  if (TrailingIsOrder(s)) {
    CHECK(now != first);
    CHECK(working->callback_pct == D("0.5"));
    CHECK(Contains(second.json, "the cancel of the old one " + first + " sent"));
    CHECK(s.store->Order(first).value()->state == OrderState::kCanceled);
    CHECK(!VenueTrailing(s, first));
  }
  // The same trail again: Bybit answers "not modified" (34040) and a read proves it is there.
  auto same = SendTrail(s, R"({"id":"t-2b","symbol":"BTCUSDT","action":"trail","callback_pct":"0.5"})");
  CHECK(same.exit_code == 0);
  CHECK(Contains(same.json, R"("result":"trailing")"));
  auto off = SendTrail(s, R"({"id":"t-3","symbol":"BTCUSDT","action":"trail","off":true})");
  CHECK(off.exit_code == 0);
  CHECK(Contains(off.json, R"("result":"removed")"));
  CHECK(!VenueTrailing(s, TrailingOrderId(s)));
  if (TrailingIsOrder(s)) CHECK(s.store->Order(TrailingOrderId(s)).value()->state == OrderState::kCanceled);
  CHECK(VenueStops(s).size() == 1);
  CHECK(s.ExchangeAmount("BTCUSDT", PositionSide::kBoth) == D("0.010"));
  // Off again: none is working, nothing to do.
  auto again = SendTrail(s, R"({"id":"t-4","symbol":"BTCUSDT","action":"trail","off":true})");
  CHECK(again.exit_code == 1);
  CHECK(Contains(again.json, R"("result":"unchanged")"));
  CHECK(s.InvariantFindings() == "");
}

TEST_CASE("trail: an activation price is where it starts trailing; one on the wrong side is refused before anything is sent") {
  DaemonScenario s;
  ProtectedPosition(s);
  const Decimal mark = s.venue->exchange().FindMarket("BTCUSDT")->mark();
  const Instrument inst = s.InstrumentOf("BTCUSDT");
  const std::string below = inst.RoundPrice(mark.Mul(D("0.99"), Rounding::kNearest).value(), Rounding::kFloor).value().ToString();
  const auto calls = s.RestCalls();
  auto refused = SendTrail(s, R"({"id":"t-1","symbol":"BTCUSDT","action":"trail","callback_pct":"1","activation_price":")" + below + "\"}");
  CHECK(refused.exit_code == 2);
  CHECK(Contains(refused.json, "activation_price: " + below + " is at or below the mark price"));
  CHECK(s.RestCalls() == calls);  // nothing was sent
  CHECK(s.SignalOf("t-1")->state == SignalState::kRejected);

  const Decimal above = inst.RoundPrice(mark.Mul(D("1.05"), Rounding::kNearest).value(), Rounding::kCeiling).value();
  auto set = SendTrail(s, R"({"id":"t-2","symbol":"BTCUSDT","action":"trail","callback_pct":"1","activation_price":")" +
                              above.ToString() + "\"}");
  INFO(s.EngineLog());
  CHECK(set.exit_code == 0);
  // Below the activation price it does not trail: up 3 % and back down 3 % closes nothing.
  MovePrice(s, "3", 1);
  MovePrice(s, "-3", 1);
  CHECK(s.ExchangeAmount("BTCUSDT", PositionSide::kBoth) == D("0.010"));
  CHECK(VenueTrailing(s, TrailingOrderId(s)));
  // Past it, then back more than 1 %: it fires.
  MovePrice(s, "3", 3);
  MovePrice(s, "-3", 1);
  s.Run(3000);
  CHECK(s.ExchangeAmount("BTCUSDT", PositionSide::kBoth).is_zero());
  CHECK(s.SignalOf("s-1")->state == SignalState::kClosed);
  CHECK(s.InvariantFindings() == "");
}

TEST_CASE("trail: refused before anything is sent: no trade, a callback out of range, a trade not yet protected") {
  DaemonScenario s;
  s.Start();
  s.Run(Engine::kScanAgainAfterStartMs + 1000);
  auto none = SendTrail(s, R"({"id":"t-1","symbol":"BTCUSDT","action":"trail","callback_pct":"1"})");
  CHECK(none.exit_code == 2);
  CHECK(Contains(none.json, "keel has no open trade on BTCUSDT: nothing to trail"));
  auto range = SendTrail(s, R"({"id":"t-2","symbol":"BTCUSDT","action":"trail","callback_pct":"12"})");
  CHECK(range.exit_code == 2);
  CHECK(Contains(range.json, "callback_pct: expected 0.1 to 10 (percent), found 12"));
  ProtectedPosition(s, "s-1", "LONG", false);
  auto leg = SendTrail(s, R"({"id":"t-3","symbol":"BTCUSDT","action":"trail","side":"LONG","callback_pct":"1"})");
  CHECK(leg.exit_code == 2);
  CHECK(Contains(leg.json, "the account is in one-way mode"));
  CHECK(TrailingOrderId(s).empty());
}

TEST_CASE("trail, hedge mode: each leg's trailing stop is its own; the short's fires on the way up, the long stays") {
  DaemonScenario s;
  REQUIRE(s.venue->exchange().SetDualSidePosition(0, true).ok());
  s.Start();
  s.Run(Engine::kScanAgainAfterStartMs + 1000);
  ProtectedPosition(s, "long-1", "LONG", false);
  ProtectedPosition(s, "short-1", "SHORT", false);
  auto both = SendTrail(s, R"({"id":"t-0","symbol":"BTCUSDT","action":"trail","callback_pct":"1"})");
  CHECK(both.exit_code == 2);
  CHECK(Contains(both.json, "has a trade on both legs: name the leg to trail"));
  auto reply = SendTrail(s, R"({"id":"t-1","symbol":"BTCUSDT","action":"trail","side":"SHORT","callback_pct":"1"})");
  INFO(s.EngineLog());
  CHECK(reply.exit_code == 0);
  CHECK(VenueTrailing(s, TrailingOrderId(s), PositionSide::kShort));
  CHECK(!VenueTrailing(s, TrailingIsOrder(s) ? "none" : "", PositionSide::kLong));
  // Down 2 % twice (the short's best; the long's stop is 5 % down), then up 2 %: the short's
  // trailing stop closes the short only.
  MovePrice(s, "-2", 2);
  MovePrice(s, "2", 1);
  s.Run(3000);
  CHECK(s.ExchangeAmount("BTCUSDT", PositionSide::kShort).is_zero());
  CHECK(s.ExchangeAmount("BTCUSDT", PositionSide::kLong) == D("0.010"));
  CHECK(s.SignalOf("short-1")->state == SignalState::kClosed);
  CHECK(s.SignalOf("long-1")->state == SignalState::kOpen);
  CHECK(VenueStops(s, PositionSide::kLong).size() == 1);
  CHECK(VenueStops(s, PositionSide::kShort).empty());
  CHECK(s.InvariantFindings() == "");
}

TEST_CASE("trail: keel killed after the request; the trailing stop keeps working while it is down; the restart ends the trail by what it can prove") {
  DaemonScenario s;
  ProtectedPosition(s);
  s.loop().KillAfter(2);
  s.engine->SubmitSignal(R"({"id":"t-1","symbol":"BTCUSDT","action":"trail","callback_pct":"1"})", "test", [](EngineReply) {});
  s.Run(2000);
  INFO(s.EngineLog());
  // While keel is down the price runs up and comes back: the exchange's own trailing stop closes it.
  s.RestartAfter([&] {
    if (!VenueTrailing(s, TrailingOrderId(s))) return;  // the kill came before the request went out
    MovePrice(s, "3", 3, true);
    MovePrice(s, "-3", 1, true);
  });
  s.Run(5000);
  auto trail = s.SignalOf("t-1");
  REQUIRE(trail);
  CHECK(trail->state != SignalState::kOpen);  // never left open after the restart
  if (s.ExchangeAmount("BTCUSDT", PositionSide::kBoth).is_zero()) {
    CHECK(s.SignalOf("s-1")->state == SignalState::kClosed);
    CHECK(VenueStops(s).empty());
  } else {
    CHECK(VenueStops(s).size() == 1);
  }
  CHECK(s.InvariantFindings() == "");
}

TEST_CASE("restart: a trade whose stop closed its position while keel was down ends closed, not protecting a flat leg") {
  DaemonScenario s;
  ProtectedPosition(s);
  s.RestartAfter([&] { MovePrice(s, "-3", 2, true); });
  s.Run(5000);
  INFO(s.EngineLog());
  CHECK(s.ExchangeAmount("BTCUSDT", PositionSide::kBoth).is_zero());
  CHECK(s.SignalOf("s-1")->state == SignalState::kClosed);
  CHECK(s.InvariantFindings() == "");
}

TEST_CASE("trail: an add that fills grows the trailing stop with the position, new before old") {
  DaemonScenario s;
  ProtectedPosition(s);
  REQUIRE(SendTrail(s, R"({"id":"t-1","symbol":"BTCUSDT","action":"trail","callback_pct":"2"})").exit_code == 0);
  const std::string first = TrailingOrderId(s);
  REQUIRE(s.Signal(R"({"id":"a-1","symbol":"BTCUSDT","action":"add","trade":"s-1","qty":"0.010"})").exit_code == 0);
  s.Run(3000);
  INFO(s.EngineLog());
  CHECK(s.ExchangeAmount("BTCUSDT", PositionSide::kBoth) == D("0.020"));
  const std::string now = TrailingOrderId(s);
  auto working = VenueTrailing(s, now);
  REQUIRE(working);
  CHECK(working->qty == D("0.020"));  // all of the position
  if (TrailingIsOrder(s)) {
    CHECK(now != first);
    CHECK(working->callback_pct == D("2"));
    CHECK(s.store->Order(first).value()->state == OrderState::kCanceled);
  }
  CHECK(VenueStops(s).size() == 1);
  CHECK(s.InvariantFindings() == "");
}

TEST_CASE("a forwarded keel-close-position closes the trade's position with the stream down: the trade ends closed, not open") {
  DaemonScenario s;
  ProtectedPosition(s);
  REQUIRE(s.Control(R"({"fault":"stream_drop","per_mille":1000})").ok());  // no push will tell the engine
  SafeCloseOptions o;
  o.account = s.account;
  o.symbol = "BTCUSDT";
  o.now = [&] { return s.clock.NowMs(); };
  o.sleep = [&](TimeMs ms) { s.Wait(ms); };
  o.verify_interval_ms = 200;
  o.settle_interval_ms = 200;
  auto reply = s.Command([&](ReplyFn r) {
    s.engine->RunToolAction("keel-close-position",
                            [o](Exchange& ex, StateStore& store, std::ostream&) -> Result<int> {
                              auto closed = SafeClose(ex, &store, o);
                              if (!closed.ok()) return closed.status();
                              return 0;
                            },
                            r);
  }, 3000);
  INFO(s.EngineLog());
  CHECK(reply.exit_code == 0);
  CHECK(s.ExchangeAmount("BTCUSDT", PositionSide::kBoth).is_zero());
  CHECK(s.SignalOf("s-1")->state == SignalState::kClosed);
  REQUIRE(s.Control(R"({"fault":"stream_drop","per_mille":0})").ok());
  s.Run(3000);
  CHECK(VenueStops(s).empty());  // its stop went with it
  CHECK(s.InvariantFindings() == "");
}

TEST_CASE("trail: a trailing order whose answer was lost is kept in sight; off cancels it and claims nothing") {
  DaemonScenario s;
  ProtectedPosition(s);
  if (!TrailingIsOrder(s)) return;  // Bybit's is the position's: a lost answer is read there
  REQUIRE(s.Control(R"({"fault":"placement","when":"before","how":"5xx","count":1})").ok());
  auto lost = SendTrail(s, R"({"id":"t-1","symbol":"BTCUSDT","action":"trail","callback_pct":"1"})", 8000);
  INFO(s.EngineLog());
  CHECK(lost.exit_code == 4);
  CHECK(Contains(lost.json, R"("result":"not-verified")"));
  const std::string cid = TrailingOrderId(s);
  REQUIRE(!cid.empty());
  auto off = SendTrail(s, R"({"id":"t-2","symbol":"BTCUSDT","action":"trail","off":true})", 3000);
  CHECK(off.exit_code == 4);
  CHECK(Contains(off.json, "the cancel of " + cid));
  CHECK(!VenueTrailing(s, cid));
  CHECK(VenueStops(s).size() == 1);
  CHECK(s.InvariantFindings() == "");
}
