// The grid strategy of seed 003 (issue [4/6], 9-10) run by the engine itself, in hedge mode on
// both dialects: a cycle (open at the market, one pending level, a fill averaging in, the
// take-profit re-priced, the take-profit closing the leg, both legs' pending levels cancelled
// before the reopen), a pending level re-placed after the market moved past the threshold, an
// operator's flatten leaving the grid paused with nothing resting, and SIGKILL at every step.
#include "grid_harness.h"

using namespace keel;
using namespace keel::scenario;
using namespace keel::scenario::grid;

TEST_CASE("grid: both legs open protected with one pending level each; a fill averages in, the take-profit follows; its fill cancels both legs' levels, then the leg reopens afresh (seed 003 #1, #6)") {
  DaemonScenario s({}, WithGrid(Grid()));
  Started(s);
  INFO(s.EngineLog());
  CHECK(s.ExchangeAmount("BTCUSDT", PositionSide::kLong) == D("0.010"));
  CHECK(s.ExchangeAmount("BTCUSDT", PositionSide::kShort) == D("-0.010"));
  CHECK(Stops(s, PositionSide::kLong) == 1);
  CHECK(Stops(s, PositionSide::kShort) == 1);
  REQUIRE(Pending(s, Side::kBuy).size() == 1);   // the LONG's next level
  REQUIRE(Pending(s, Side::kSell).size() == 1);  // the SHORT's
  const Decimal long_level = Pending(s, Side::kBuy)[0].price;
  CHECK(long_level < Mark(s));
  // Down through the LONG's level: it averages in; the take-profit moves to the new average.
  REQUIRE(s.Control(R"({"act":"move_price","symbol":"BTCUSDT","percent":"-0.6"})").ok());
  s.Run(4000);
  CHECK(s.ExchangeAmount("BTCUSDT", PositionSide::kLong) == D("0.020"));
  const Decimal average = OpenPositionOf(*s.store, "BTCUSDT", PositionSide::kLong).value()->entry_price;
  Decimal tp;
  for (const auto& o : s.venue->exchange().OpenAlgoOrders(0, "BTCUSDT"))
    if (o.type == OrderType::kTakeProfitMarket && o.position_side == PositionSide::kLong) tp = o.trigger_price;
  CHECK(tp == s.InstrumentOf("BTCUSDT").RoundPrice(average.Mul(D("1.008"), Rounding::kNearest).value(), Rounding::kCeiling).value());
  REQUIRE(Pending(s, Side::kBuy).size() == 1);  // the next level, from the market now
  CHECK(Pending(s, Side::kBuy)[0].price < long_level);
  CHECK(Contains(StatusJson(s), R"("filled_levels":2)"));
  // Up through the LONG's take-profit: the leg closes; both legs' pending levels are cancelled
  // before anything else, then the LONG reopens at the market and each leg gets its level again.
  REQUIRE(s.Control(R"({"act":"move_price","symbol":"BTCUSDT","percent":"1.6"})").ok());
  s.Run(8000);
  const std::string status = StatusJson(s);
  INFO(status);
  CHECK(Contains(status, R"("cycles":1)"));
  CHECK(s.ExchangeAmount("BTCUSDT", PositionSide::kLong) == D("0.010"));
  CHECK(Stops(s, PositionSide::kLong) == 1);
  CHECK(Pending(s, Side::kBuy).size() == 1);
  CHECK(Pending(s, Side::kSell).size() == 1);  // the SHORT's level, cancelled with the LONG's and placed again
  // The cancel for both legs came before the LONG's new open (seed 003 #1).
  const auto log = s.EngineLog();
  const auto cancel_at = log.find("cancelling the pending entries of both legs");
  const auto reopen_at = log.find("opening cycle 2");
  CHECK(cancel_at != std::string::npos);
  CHECK(reopen_at != std::string::npos);
  CHECK(cancel_at < reopen_at);
  // Seed 003 #6: nothing of the last cycle's size carries over: the new cycle opens one level's
  // qty, counts one level filled, and its next level is one level's qty from the market now.
  CHECK(Opens(s, "L").size() == 2);
  CHECK(Contains(status, R"("leg":"LONG","trade":")" + Opens(s, "L").back().id + R"(","phase":"protected","filled_levels":1)"));
  REQUIRE(Pending(s, Side::kBuy).size() == 1);
  CHECK(Pending(s, Side::kBuy)[0].orig_qty == D("0.010"));
  CHECK(Pending(s, Side::kBuy)[0].price > long_level);
  CHECK(s.InvariantFindings() == "");
}

TEST_CASE("grid: a pending level the market ran away from is cancelled and placed again from the market (seed 003 #7)") {
  GridConfig g = Grid("long");
  g.take_profit_pct = D("10");
  DaemonScenario s({}, WithGrid(g));
  Started(s);
  INFO(s.EngineLog());
  REQUIRE(Pending(s, Side::kBuy).size() == 1);
  const Decimal first = Pending(s, Side::kBuy)[0].price;
  REQUIRE(s.Control(R"({"act":"move_price","symbol":"BTCUSDT","percent":"6"})").ok());
  s.Run(5000);
  REQUIRE(Pending(s, Side::kBuy).size() == 1);
  const Decimal again = Pending(s, Side::kBuy)[0].price;
  CHECK(again > first);
  // Within the spacing of the market, not 6 % away.
  CHECK(again > Mark(s).Mul(D("0.99"), Rounding::kNearest).value());
  CHECK(s.ExchangeAmount("BTCUSDT", PositionSide::kLong) == D("0.010"));
  CHECK(s.InvariantFindings() == "");
}

TEST_CASE("grid: an operator's flatten leaves the grid paused with nothing resting until resume, a restart too; resume starts it again") {
  DaemonScenario s({}, WithGrid(Grid()));
  Started(s);
  auto flattened = s.Command([&](ReplyFn r) { s.engine->OperatorFlatten(std::string("BTCUSDT"), std::move(r)); }, 4000);
  INFO(flattened.json);
  INFO(s.EngineLog());
  CHECK(flattened.exit_code == 0);
  s.Run(20'000);
  CHECK(s.ExchangeAmount("BTCUSDT", PositionSide::kLong).is_zero());
  CHECK(s.ExchangeAmount("BTCUSDT", PositionSide::kShort).is_zero());
  CHECK(s.venue->exchange().OpenOrders(0, "BTCUSDT").empty());
  CHECK(s.VenueOpenAlgoOrders("BTCUSDT") == 0);
  CHECK(Contains(StatusJson(s), R"("paused":true,"pause_reason":"flattened by the operator)"));
  CHECK(Contains(StatusJson(s), "ended closed while the grid was paused"));  // no stale "level pending"
  CHECK(!Contains(StatusJson(s), "pending at"));
  // A restart does not undo the flatten: the legs' last trades ended not by their take-profit,
  // as the store shows, so the grid opens nothing.
  s.Restart();
  s.Run(Engine::kScanAgainAfterStartMs + 10'000);
  CHECK(s.ExchangeAmount("BTCUSDT", PositionSide::kLong).is_zero());
  CHECK(s.ExchangeAmount("BTCUSDT", PositionSide::kShort).is_zero());
  CHECK(Contains(StatusJson(s), "after a restart: its last trade grid-BTCUSDT-L-"));
  REQUIRE(s.Command([&](ReplyFn r) { s.engine->Resume(std::move(r)); }).exit_code == 0);
  s.Run(5000);
  CHECK(s.ExchangeAmount("BTCUSDT", PositionSide::kLong) == D("0.010"));
  CHECK(s.ExchangeAmount("BTCUSDT", PositionSide::kShort) == D("-0.010"));
  CHECK(s.InvariantFindings() == "");
}

TEST_CASE("grid: SIGKILL at every step of a grid cycle: the store stays consistent, every leg protected, no leg past its levels (seed 003 #5)") {
  for (int kill = 1; kill < 400; kill += 7) {
    CAPTURE(kill);
    DaemonScenario s({}, WithGrid(Grid()));
    REQUIRE(s.venue->exchange().SetDualSidePosition(0, true).ok());
    s.Start();
    s.Run(Engine::kScanAgainAfterStartMs + 2000);
    s.loop().KillAfter(kill);
    REQUIRE(s.Control(R"({"act":"move_price","symbol":"BTCUSDT","percent":"-0.6"})").ok());
    s.Run(3000);
    REQUIRE(s.Control(R"({"act":"move_price","symbol":"BTCUSDT","percent":"1.0"})").ok());
    s.Run(3000);
    s.Restart();
    s.Run(s.settings.daemon.protect_grace_ms + 15'000);
    INFO(s.EngineLog());
    for (PositionSide leg : {PositionSide::kLong, PositionSide::kShort}) {
      const Decimal amount = s.ExchangeAmount("BTCUSDT", leg).abs();
      CHECK(amount <= D("0.030"));
      if (!amount.is_zero()) CHECK(Stops(s, leg) >= 1);
    }
    CHECK(s.InvariantFindings() == "");
  }
}
