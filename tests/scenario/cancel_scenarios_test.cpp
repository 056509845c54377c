// Cancel signals (issue [4/6], operation 8): the pending entries of a symbol, or of one leg in hedge
// mode, cancelled; what filled of them stays, protected; "cancelled" only once each has ended on
// the exchange. Both dialects.
#include "daemon_harness.h"

using namespace keel;
using namespace keel::scenario;

namespace {

bool Contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::vector<sim::SimOrder> VenueEntries(DaemonScenario& s, std::optional<PositionSide> leg = std::nullopt) {
  std::vector<sim::SimOrder> out;
  for (const auto& o : s.venue->exchange().OpenOrders(0, "BTCUSDT"))
    if (!leg || o.position_side == *leg) out.push_back(o);
  return out;
}

void Ready(DaemonScenario& s, bool hedge) {
  if (hedge) REQUIRE(s.venue->exchange().SetDualSidePosition(0, true).ok());
  s.Start();
  REQUIRE(s.Control(R"({"act":"move_price","symbol":"BTCUSDT","percent":"0.01"})").ok());
  s.Run(Engine::kScanAgainAfterStartMs + 1000);
}

void Maker(DaemonScenario& s, const std::string& id, const char* side, const char* qty = "0.010") {
  REQUIRE(s.Signal(R"({"id":")" + id + R"(","symbol":"BTCUSDT","side":")" + side + R"(","qty":")" + qty +
                   R"(","entry":"maker","stop_loss":{"pct":"1"},"ttl_s":600})")
              .exit_code == 0);
}

// A cancel signal sent and run for ms: its answer.
EngineReply SendCancel(DaemonScenario& s, const std::string& json, TimeMs ms) {
  auto reply = std::make_shared<EngineReply>(EngineReply{-1, ""});
  s.engine->SubmitSignal(json, "test", [reply](EngineReply r) { *reply = std::move(r); });
  s.Run(ms);
  return *reply;
}

}  // namespace

TEST_CASE("cancel: one leg's pending entry cancelled in hedge mode; the other leg's stays; then nothing fills") {
  DaemonScenario s;
  Ready(s, true);
  Maker(s, "long-m", "LONG");
  Maker(s, "short-m", "SHORT");
  s.Run(500);
  REQUIRE(VenueEntries(s).size() == 2);
  auto reply = SendCancel(s, R"({"id":"c-1","symbol":"BTCUSDT","action":"cancel","side":"LONG"})", 2000);
  INFO(s.EngineLog());
  INFO(reply.json);
  CHECK(reply.exit_code == 0);
  CHECK(Contains(reply.json, R"("result":"cancelled")"));
  CHECK(Contains(reply.json, "cancelled by signal c-1 without a fill"));
  CHECK(VenueEntries(s, PositionSide::kLong).empty());
  CHECK(VenueEntries(s, PositionSide::kShort).size() == 1);
  CHECK(s.SignalOf("long-m")->state == SignalState::kFailed);
  CHECK(s.SignalOf("short-m")->state == SignalState::kEntering);
  CHECK(s.SignalOf("c-1")->state == SignalState::kDone);
  // No replacement follows the cancel (the guard is asked nothing), and the price sweeping through
  // the old entry's price opens nothing on the LONG leg.
  REQUIRE(s.Control(R"({"act":"move_price","symbol":"BTCUSDT","percent":"-1"})").ok());
  s.Run(3000);
  CHECK(s.ExchangeAmount("BTCUSDT", PositionSide::kLong).is_zero());
  CHECK(s.alerts.Count(AlertKind::kRollback) == 0);
  CHECK(s.InvariantFindings() == "");
  // Nothing left on the leg: by rule, exit 1, nothing sent.
  const auto calls = s.RestCalls();
  auto again = SendCancel(s, R"({"id":"c-2","symbol":"BTCUSDT","action":"cancel","side":"LONG"})", 100);
  CHECK(again.exit_code == 1);
  CHECK(s.RestCallsSince(calls) == "");
}

TEST_CASE("cancel: a maker entry partly filled, then cancelled: the part stays, protected; the rest never fills") {
  DaemonScenario s;
  Ready(s, false);
  Maker(s, "m-1", "LONG", "0.020");
  s.Run(500);
  auto entries = VenueEntries(s);
  REQUIRE(entries.size() == 1);
  REQUIRE(s.Control(R"({"act":"fill","account":"demo","symbol":"BTCUSDT","clientOrderId":")" + entries[0].client_order_id +
                    R"(","qty":"0.005"})")
              .ok());
  s.Run(1000);
  auto reply = SendCancel(s, R"({"id":"c-1","symbol":"BTCUSDT","action":"cancel"})", 3000);
  INFO(s.EngineLog());
  INFO(reply.json);
  CHECK(reply.exit_code == 0);
  CHECK(VenueEntries(s).empty());
  CHECK(s.ExchangeAmount("BTCUSDT") == D("0.005"));
  auto positions = s.OpenPositions();
  REQUIRE(positions.size() == 1);
  CHECK(positions[0].qty == D("0.005"));
  CHECK(positions[0].stop_client_order_id);
  CHECK(s.SignalOf("m-1")->state == SignalState::kOpen);
  CHECK(s.InvariantFindings() == "");
}

TEST_CASE("cancel: SIGKILL right after the cancel signal: the restart cancels the entry and ends the signal") {
  for (int kill = 0; kill <= 40; ++kill) {
    CAPTURE(kill);
    DaemonScenario s;
    Ready(s, false);
    Maker(s, "m-1", "LONG");
    s.Run(500);
    REQUIRE(VenueEntries(s).size() == 1);
    s.loop().KillAfter(kill);
    s.engine->SubmitSignal(R"({"id":"c-1","symbol":"BTCUSDT","action":"cancel"})", "test", [](EngineReply) {});
    s.Run(2000);
    const bool killed = s.loop().killed();
    s.Restart();
    s.Run(5000);
    INFO(s.EngineLog());
    auto cancel = s.SignalOf("c-1");
    if (cancel) {
      // Taken before the kill: the entry is gone and the signal says so.
      CHECK(VenueEntries(s).empty());
      CHECK(cancel->state == SignalState::kDone);
      CHECK(s.SignalOf("m-1")->state == SignalState::kFailed);
    } else {
      CHECK(VenueEntries(s).size() == 1);  // never taken: nothing cancelled
    }
    CHECK(s.ExchangeAmount("BTCUSDT").is_zero());
    CHECK(s.InvariantFindings() == "");
    if (!killed) break;
  }
}

TEST_CASE("cancel: sent while the limit entry's placement is still on its way: cancelled once it rests") {
  DaemonScenario s;
  Ready(s, false);
  const Decimal mark = s.venue->exchange().FindMarket("BTCUSDT")->mark();
  const Decimal price = s.InstrumentOf("BTCUSDT").RoundPrice(mark.Mul(D("0.99"), Rounding::kNearest).value(), Rounding::kFloor).value();
  // A first limit entry, cancelled: the symbol's notional cap is read and kept (a first signal on
  // a symbol waits for that read; a cancel meanwhile finds no trade yet, rightly nothing-pending).
  REQUIRE(s.Signal(R"({"id":"l-0","symbol":"BTCUSDT","side":"LONG","qty":"0.010","entry":"limit","price":")" +
                   price.ToString() + R"(","stop_loss":{"pct":"1"}})").exit_code != -1);
  s.Run(500);
  REQUIRE(SendCancel(s, R"({"id":"c-0","symbol":"BTCUSDT","action":"cancel"})", 2000).exit_code == 0);
  // Both before the engine runs a task: the entry's answer has not been taken in when the cancel comes.
  EngineReply opened{-1, ""};
  s.engine->SubmitSignal(R"({"id":"l-1","symbol":"BTCUSDT","side":"LONG","qty":"0.010","entry":"limit","price":")" +
                             price.ToString() + R"(","stop_loss":{"pct":"1"}})",
                         "test", [&](EngineReply r) { opened = std::move(r); });
  auto reply = SendCancel(s, R"({"id":"c-1","symbol":"BTCUSDT","action":"cancel"})", 3000);
  INFO(s.EngineLog());
  INFO(reply.json);
  CHECK(opened.exit_code == 0);
  CHECK(reply.exit_code == 0);
  CHECK(Contains(reply.json, R"("result":"cancelled")"));
  CHECK(VenueEntries(s).empty());
  CHECK(s.SignalOf("l-1")->state == SignalState::kFailed);
  // The price then comes through the old price: nothing fills.
  REQUIRE(s.Control(R"({"act":"move_price","symbol":"BTCUSDT","percent":"-1.5"})").ok());
  s.Run(3000);
  CHECK(s.ExchangeAmount("BTCUSDT").is_zero());
  CHECK(s.InvariantFindings() == "");
}
