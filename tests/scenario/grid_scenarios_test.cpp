// The grid strategy of seed 003 (issue [4/6], 9-10) run by the engine itself, in hedge mode on
// both dialects: a cycle (open at the market, one pending level, a fill averaging in, the
// take-profit re-priced, the take-profit closing the leg, both legs' pending levels cancelled
// before the reopen), a pending level re-placed after the market moved past the threshold, an
// operator's flatten leaving the grid paused with nothing resting, and SIGKILL at every step.
#include "daemon_harness.h"

using namespace keel;
using namespace keel::scenario;

namespace {

bool Contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

GridConfig Grid(const std::string& legs = "both") {
  GridConfig g;
  g.label = "strategy[0]";
  g.symbol = "BTCUSDT";
  g.long_leg = legs != "short";
  g.short_leg = legs != "long";
  g.levels = 3;
  g.spacing_pct = D("0.5");
  g.qty = D("0.010");
  g.take_profit_pct = D("0.8");
  g.stop_loss_pct = D("1");
  return g;
}

std::function<void(EngineSettings&)> WithGrid(GridConfig g) {
  return [g](EngineSettings& s) { s.daemon.grids.push_back(g); };
}

// Hedge mode, started, the grid's first tick run.
void Started(DaemonScenario& s) {
  REQUIRE(s.venue->exchange().SetDualSidePosition(0, true).ok());
  s.Start();
  s.Run(Engine::kScanAgainAfterStartMs + 3000);
}

std::vector<sim::SimOrder> Pending(DaemonScenario& s, Side side) {
  std::vector<sim::SimOrder> out;
  for (const auto& o : s.venue->exchange().OpenOrders(0, "BTCUSDT"))
    if (o.side == side) out.push_back(o);
  return out;
}

int Stops(DaemonScenario& s, PositionSide leg) {
  int n = 0;
  for (const auto& o : s.venue->exchange().OpenAlgoOrders(0, "BTCUSDT")) n += o.type == OrderType::kStopMarket && o.position_side == leg;
  return n;
}

std::string StatusJson(DaemonScenario& s) {
  return s.Command([&](ReplyFn r) { s.engine->StatusReport(std::move(r)); }).json;
}

Decimal Mark(DaemonScenario& s) { return s.venue->exchange().FindMarket("BTCUSDT")->mark(); }

}  // namespace

TEST_CASE("grid: both legs open protected with one pending level each; a fill averages in, the take-profit follows; its fill cancels both legs' levels, then the leg reopens") {
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
  CHECK(Pending(s, Side::kSell).size() <= 1);
  // The cancel for both legs came before the LONG's new open (seed 003 #1).
  const auto log = s.EngineLog();
  const auto cancel_at = log.find("cancelling the pending entries of both legs");
  const auto reopen_at = log.find("opening cycle 2");
  CHECK(cancel_at != std::string::npos);
  CHECK(reopen_at != std::string::npos);
  CHECK(cancel_at < reopen_at);
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
