// The daemon's timers besides protection: the periodic orphan scan and reconcile find what the
// stream missed; a stream down too long is alerted once per outage.
#include "daemon_harness.h"

using namespace keel;
using namespace keel::scenario;

TEST_CASE("daemon: the periodic scan finds a stop cancelled by hand whose event was lost, and a foreign order; "
          "protects the one, reports the other, closes nothing") {
  DaemonScenario s;
  s.Start();
  s.Run(1000);
  REQUIRE(s.Signal(R"({"id":"p-1","symbol":"BTCUSDT","side":"LONG","qty":"0.010","stop_loss":{"pct":"1"}})").exit_code == 0);
  s.Run(2000);
  auto sig = s.SignalOf("p-1");
  REQUIRE(sig->state == SignalState::kOpen);
  REQUIRE(s.VenueOpenAlgoOrders("BTCUSDT") == 1);
  // Someone cancels the stop on the exchange's site, and the stream loses that event; someone
  // also rests an order of their own.
  REQUIRE(s.Control(R"({"fault":"stream_drop_next","event":"ALGO_UPDATE","count":1})").ok());
  auto cancelled = s.venue->HandleHttp(test::SignedRequest("DELETE", "/fapi/v1/algoOrder",
                                                           "clientAlgoId=" + *sig->stop_client_order_id, s.clock.NowMs(),
                                                           "keel-demo-key", "keel-demo-secret"));
  REQUIRE(cancelled.status == 200);
  REQUIRE(s.OutsideOrder("symbol=ETHUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.010&price=3000&"
                         "newClientOrderId=web_8Hs2kd91").status == 200);
  REQUIRE(s.VenueOpenAlgoOrders("BTCUSDT") == 0);
  s.Run(Engine::kScanAgainAfterStartMs - 3500);  // the first scan after start-up, less a moment
  INFO(s.EngineLog());
  CHECK(s.engine->counters().orphan_scans == 0);
  CHECK(s.alerts.raised.empty());
  s.Run(1000);
  CHECK(s.engine->counters().orphan_scans == 1);
  CHECK(s.alerts.Count(AlertKind::kUnprotectedPosition) == 1);
  CHECK(s.alerts.Count(AlertKind::kOrphan) == 1);
  CHECK(s.VenueOpenAlgoOrders("BTCUSDT") == 1);       // protected again
  CHECK(s.ExchangeAmount("BTCUSDT") == D("0.010"));   // never closed
  CHECK(s.venue->exchange().OpenOrders(0, "ETHUSDT").size() == 1);  // never touched
  CHECK(s.InvariantFindings() == "");
  // The next scan finds the same foreign order and reports it again (deduplication is the alert
  // sinks' business), and nothing else.
  s.Run(60'000);
  CHECK(s.engine->counters().orphan_scans == 2);
  CHECK(s.alerts.Count(AlertKind::kUnprotectedPosition) == 1);
  CHECK(s.alerts.Count(AlertKind::kOrphan) == 2);
}

TEST_CASE("daemon: the periodic reconcile corrects what the store got wrong while the stream was silent") {
  DaemonScenario s;
  s.Start();
  s.Run(1000);
  REQUIRE(s.Signal(R"({"id":"r-1","symbol":"ETHUSDT","side":"SHORT","qty":"0.100","stop_loss":{"pct":"2"}})").exit_code == 0);
  s.Run(2000);
  REQUIRE(s.SignalOf("r-1")->state == SignalState::kOpen);
  // Half the position is bought back by hand and the stream loses every event of that order (on
  // Bybit its create pushes the position too, position.mdx).
  REQUIRE(s.Control(R"({"fault":"stream_drop_next","event":"ORDER_TRADE_UPDATE","detail":"NEW","count":1})").ok());
  REQUIRE(s.Control(R"({"fault":"stream_drop_next","event":"ORDER_TRADE_UPDATE","detail":"TRADE","count":1})").ok());
  REQUIRE(s.Control(R"({"fault":"stream_drop_next","event":"ACCOUNT_UPDATE","count":1})").ok());
  REQUIRE(s.OutsideOrder("symbol=ETHUSDT&side=BUY&type=MARKET&quantity=0.050&reduceOnly=true").status == 200);
  s.Run(1000);
  REQUIRE(s.OpenPositions()[0].qty == D("-0.100"));  // the store does not know yet
  s.Run(300'000);
  INFO(s.EngineLog());
  CHECK(s.engine->counters().reconciles == 1);
  auto positions = s.OpenPositions();
  REQUIRE(positions.size() == 1);
  CHECK(positions[0].qty == D("-0.050"));
  CHECK(s.alerts.Count(AlertKind::kReconcileMismatch) == 1);
  CHECK(s.ExchangeAmount("ETHUSDT") == D("-0.050"));
  CHECK(s.InvariantFindings() == "");
}

TEST_CASE("daemon: a stream down longer than stream_down_alert_s is alerted once per outage") {
  DaemonScenario s({}, [](EngineSettings& e) { e.daemon.stream_down_alert_ms = 30'000; });
  s.Start();
  s.engine->OnStreamState(false, "reconnecting in 1000 ms: closed");
  s.Run(30'000);
  CHECK(s.alerts.Count(AlertKind::kStreamDown) == 0);
  s.Run(1000);
  CHECK(s.alerts.Count(AlertKind::kStreamDown) == 1);
  s.Run(60'000);
  CHECK(s.alerts.Count(AlertKind::kStreamDown) == 1);
  s.engine->OnStreamState(true, "live");
  s.engine->OnStreamState(false, "reconnecting in 1000 ms: closed");
  s.Run(31'000);
  CHECK(s.alerts.Count(AlertKind::kStreamDown) == 2);
}

TEST_CASE("daemon scenario 6: the stream down 30 s while a take-profit, a stop and a hand-opened position happen "
          "-> after the reconnect's snapshot the store is right, orphans protected, nothing left resting") {
  DaemonScenario s;
  s.Start();
  s.Run(1000);
  REQUIRE(s.Signal(R"({"id":"d-btc","symbol":"BTCUSDT","side":"LONG","qty":"0.010","stop_loss":{"pct":"1"},
      "take_profit":{"pct":"2"}})").exit_code == 0);
  REQUIRE(s.Signal(R"({"id":"d-eth","symbol":"ETHUSDT","side":"SHORT","qty":"0.100","stop_loss":{"pct":"1"}})").exit_code == 0);
  s.Run(2000);
  REQUIRE(s.SignalOf("d-btc")->state == SignalState::kOpen);
  REQUIRE(s.SignalOf("d-eth")->state == SignalState::kOpen);

  // The connection drops: nothing of the account reaches keel for 30 s.
  REQUIRE(s.Control(R"({"fault":"stream_drop","per_mille":1000})").ok());
  s.engine->OnStreamState(false, "reconnecting in 1000 ms: closed");
  REQUIRE(s.Control(R"({"act":"move_price","symbol":"BTCUSDT","percent":"3"})").ok());   // take-profit fills
  REQUIRE(s.Control(R"({"act":"move_price","symbol":"ETHUSDT","percent":"2"})").ok());   // the short's stop fills
  REQUIRE(s.OutsideOrder("symbol=SOLUSDT&side=BUY&type=MARKET&quantity=12").status == 200);  // by hand
  // (The close below sleeps between its reads on the same virtual clock: a second of the 30.)
  s.Run(28'000);
  CHECK(s.alerts.Count(AlertKind::kStreamDown) == 0);  // not past 30 s yet
  s.Run(3000);
  CHECK(s.alerts.Count(AlertKind::kStreamDown) == 1);
  // The take-profit's fill the store cannot know yet; the position opened by hand, the first scan
  // after start-up found and protected (it is a read of the exchange, not of the stream). The
  // short's stop is behind the mark, which still reaches keel: its trade is closed as the stop
  // would have, proven flat by a read, without waiting for the stream.
  CHECK(s.OpenPositions().size() == 2);
  CHECK(s.SignalOf("d-eth")->state == SignalState::kClosed);
  CHECK(s.SignalOf("d-eth")->detail.find("is passed by the mark") != std::string::npos);

  // Back: live again, and the reconnect's REST snapshot covers the gap.
  REQUIRE(s.Control(R"({"clear":"faults"})").ok());
  s.engine->OnStreamState(true, "live");
  s.engine->OnSnapshot(s.exchange->Account().value());
  s.Run(5000);
  INFO(s.EngineLog());
  CHECK(s.ExchangeAmount("BTCUSDT") == D("0"));
  CHECK(s.ExchangeAmount("ETHUSDT") == D("0"));
  CHECK(s.ExchangeAmount("SOLUSDT") == D("12"));  // protected, never closed
  auto open = s.OpenPositions();
  REQUIRE(open.size() == 1);
  CHECK(open[0].symbol == "SOLUSDT");
  CHECK(s.SignalOf("d-btc")->state == SignalState::kClosed);
  CHECK(s.SignalOf("d-eth")->state == SignalState::kClosed);
  CHECK(s.VenueOpenAlgoOrders("BTCUSDT") == 0);
  CHECK(s.VenueOpenAlgoOrders("ETHUSDT") == 0);
  CHECK(s.VenueOpenAlgoOrders("SOLUSDT") == 1);
  CHECK(s.InvariantFindings() == "");
}
