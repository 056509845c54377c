// keel-traderd's engine against the simulator on a virtual clock: whole trades and the incidents
// of the seeds, each asserting the invariants afterwards.
#include "daemon_harness.h"

using namespace keel;
using namespace keel::scenario;

namespace {

bool Contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("daemon: a market signal opens a position, verified, protected by its stop, then its take-profit") {
  DaemonScenario s;
  s.Start();
  s.Run(1000);  // market data arrives
  auto reply = s.Signal(R"({"id":"s-1","symbol":"BTCUSDT","side":"LONG","qty":"0.010",
      "stop_loss":{"pct":"1"},"take_profit":{"pct":"2"}})");
  INFO(reply.json);
  CHECK(reply.exit_code == 0);
  CHECK(Contains(reply.json, R"("result":"accepted")"));
  s.Run(2000);
  INFO(s.EngineLog());
  auto sig = s.SignalOf("s-1");
  REQUIRE(sig);
  CHECK(sig->state == SignalState::kOpen);
  CHECK(sig->stop_client_order_id.has_value());
  CHECK(sig->take_profit_client_order_id.has_value());
  CHECK(Contains(sig->detail, "take-profit"));
  CHECK(s.ExchangeAmount("BTCUSDT") == D("0.010"));
  auto positions = s.OpenPositions();
  REQUIRE(positions.size() == 1);
  CHECK(positions[0].qty == D("0.010"));
  CHECK(positions[0].stop_client_order_id == sig->stop_client_order_id);
  CHECK(s.VenueOpenAlgoOrders("BTCUSDT") == 2);
  CHECK(s.InvariantFindings() == "");
  CHECK(s.alerts.raised.empty());

  // The price reaches the take-profit: it fills, the stop is cancelled, the trade is closed.
  REQUIRE(s.Control(R"({"act":"move_price","symbol":"BTCUSDT","percent":"3"})").ok());
  s.Run(3000);
  sig = s.SignalOf("s-1");
  CHECK(sig->state == SignalState::kClosed);
  CHECK(!sig->take_profit_client_order_id);  // cleared the moment its order ended (seed 003)
  CHECK(!sig->stop_client_order_id);
  CHECK(s.ExchangeAmount("BTCUSDT") == D("0"));
  CHECK(s.OpenPositions().empty());
  CHECK(s.VenueOpenAlgoOrders("BTCUSDT") == 0);
  CHECK(s.InvariantFindings() == "");
}

TEST_CASE("daemon: a signal seen before is ignored; bad ones are refused naming the field, and recorded") {
  DaemonScenario s;
  s.Start();
  s.Run(1000);
  const std::string sig = R"({"id":"s-2","symbol":"BTCUSDT","side":"SHORT","qty":"0.010","stop_loss":{"pct":"1"}})";
  CHECK(s.Signal(sig).exit_code == 0);
  s.Run(2000);
  auto again = s.Signal(sig);
  CHECK(again.exit_code == 1);
  CHECK(Contains(again.json, "was seen before (open): ignored"));
  CHECK(s.ExchangeAmount("BTCUSDT") == D("-0.010"));  // not doubled

  auto bad = s.Signal(R"({"id":"s-3","symbol":"BTCUSDT","side":"LONG","qty":"0.010"})");
  CHECK(bad.exit_code == 2);
  CHECK(Contains(bad.json, "stop_loss: required"));
  CHECK(s.SignalOf("s-3")->state == SignalState::kRejected);
  auto unknown = s.Signal(R"({"id":"s-4","symbol":"BTCUSDX","side":"LONG","qty":"1","stop_loss":{"pct":"1"}})");
  CHECK(Contains(unknown.json, "symbol: BTCUSDX is not a perpetual the exchange lists for trading"));
  auto busy = s.Signal(R"({"id":"s-5","symbol":"BTCUSDT","side":"LONG","qty":"0.010","stop_loss":{"pct":"1"}})");
  CHECK(busy.exit_code == 2);
  CHECK(Contains(busy.json, "already has an active trade (signal s-2"));
  auto tiny = s.Signal(R"({"id":"s-6","symbol":"ETHUSDT","side":"LONG","notional":"5","stop_loss":{"pct":"1"}})");
  CHECK(Contains(tiny.json, "below the exchange's minimum notional"));
  CHECK(s.InvariantFindings() == "");
}
