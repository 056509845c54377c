// Limit entries (issue [4/6], operation 1): an entry at the signal's price, GTC or post-only,
// resting without following the book, across a restart, until it fills (then protected at the
// stop reckoned from its price), its time limit, a cancel, or the venue ending it (the signal
// fails, with an alert; never replaced at another price). Both dialects.
#include "daemon_harness.h"

using namespace keel;
using namespace keel::scenario;

namespace {

bool Contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::vector<sim::SimOrder> VenueEntries(DaemonScenario& s) { return s.venue->exchange().OpenOrders(0, "BTCUSDT"); }

Decimal Mark(DaemonScenario& s) { return s.venue->exchange().FindMarket("BTCUSDT")->mark(); }

// The amends keel sent so far (ground truth: the venue's request counts).
std::int64_t Amends(DaemonScenario& s) {
  auto calls = s.RestCalls();
  return calls["PUT /fapi/v1/order"] + calls["POST /v5/order/amend"];
}

}  // namespace

TEST_CASE("limit: a LONG limit 1 % under the market rests unamended, across a restart, fills when the price comes, protected") {
  DaemonScenario s;
  s.Start();
  s.Run(Engine::kScanAgainAfterStartMs + 1000);
  const Instrument inst = s.InstrumentOf("BTCUSDT");
  const Decimal price = inst.RoundPrice(Mark(s).Mul(D("0.99"), Rounding::kNearest).value(), Rounding::kFloor).value();
  auto reply = s.Signal(R"({"id":"l-1","symbol":"BTCUSDT","side":"LONG","qty":"0.010","entry":"limit","price":")" +
                        price.ToString() + R"(","stop_loss":{"pct":"1"},"take_profit":{"pct":"2"}})");
  INFO(reply.json);
  REQUIRE(reply.exit_code == 0);
  s.Run(1000);
  auto resting = VenueEntries(s);
  REQUIRE(resting.size() == 1);
  CHECK(resting[0].price == price);
  CHECK(resting[0].time_in_force == TimeInForce::kGtc);
  // The book moves up and down: a limit entry stays where the bot put it.
  const auto amends = Amends(s);
  REQUIRE(s.Control(R"({"act":"move_price","symbol":"BTCUSDT","percent":"0.5"})").ok());
  s.Run(2000);
  REQUIRE(s.Control(R"({"act":"move_price","symbol":"BTCUSDT","percent":"-0.3"})").ok());
  s.Run(2000);
  CHECK(Amends(s) == amends);
  REQUIRE(VenueEntries(s).size() == 1);
  CHECK(VenueEntries(s)[0].price == price);
  // keel restarts while it rests: restored, still not amended, and with no time limit of its own
  // (past the daemon's signal_ttl_s, which bounds maker entries).
  s.Restart();
  s.Run(1000 * static_cast<TimeMs>(s.settings.daemon.signal_ttl_s) + 5000);
  INFO(s.EngineLog());
  CHECK(Amends(s) == amends);
  REQUIRE(VenueEntries(s).size() == 1);
  CHECK(s.SignalOf("l-1")->state == SignalState::kEntering);
  // The price comes down through it: filled at its price, protected by a stop 1 % under it.
  REQUIRE(s.Control(R"({"act":"move_price","symbol":"BTCUSDT","percent":"-1.2"})").ok());
  s.Run(3000);
  CHECK(s.ExchangeAmount("BTCUSDT") == D("0.010"));
  auto sig = s.SignalOf("l-1");
  CHECK(sig->state == SignalState::kOpen);
  REQUIRE(sig->stop_client_order_id);
  auto positions = s.OpenPositions();
  REQUIRE(positions.size() == 1);
  CHECK(positions[0].entry_price == price);
  CHECK(positions[0].stop_client_order_id == sig->stop_client_order_id);
  int stops = 0;
  for (const auto& o : s.venue->exchange().OpenAlgoOrders(0, "BTCUSDT")) {
    if (o.type != OrderType::kStopMarket) continue;
    ++stops;
    CHECK(o.trigger_price == inst.RoundPrice(price.Mul(D("0.99"), Rounding::kNearest).value(), Rounding::kFloor).value());
  }
  CHECK(stops == 1);
  CHECK(s.InvariantFindings() == "");
}

TEST_CASE("limit: a post-only LONG above the ask would take: the venue refuses it, the signal fails, nothing replaces it") {
  DaemonScenario s;
  s.Start();
  s.Run(Engine::kScanAgainAfterStartMs + 1000);
  const Decimal price =
      s.InstrumentOf("BTCUSDT").RoundPrice(Mark(s).Mul(D("1.01"), Rounding::kNearest).value(), Rounding::kFloor).value();
  auto reply = s.Signal(R"({"id":"l-1","symbol":"BTCUSDT","side":"LONG","qty":"0.010","entry":"limit","price":")" +
                        price.ToString() + R"(","post_only":true,"stop_loss":{"pct":"2"}})");
  INFO(reply.json);
  REQUIRE(reply.exit_code == 0);
  s.Run(3000);
  INFO(s.EngineLog());
  CHECK(VenueEntries(s).empty());
  CHECK(s.ExchangeAmount("BTCUSDT").is_zero());
  auto sig = s.SignalOf("l-1");
  CHECK(sig->state == SignalState::kFailed);
  CHECK(Contains(sig->detail, "not replaced"));
  CHECK(sig->entry_attempts == 1);
  CHECK(s.alerts.Count(AlertKind::kEntryFailed) == 1);
  CHECK(s.InvariantFindings() == "");
}

TEST_CASE("limit: refused before anything is sent: a price off the tick, a stop above a LONG's limit price") {
  DaemonScenario s;
  s.Start();
  s.Run(Engine::kScanAgainAfterStartMs + 1000);
  const auto calls = s.RestCalls();
  auto off_tick = s.Signal(R"({"id":"l-1","symbol":"BTCUSDT","side":"LONG","qty":"0.010","entry":"limit","price":"90000.05",
      "stop_loss":{"pct":"1"}})");
  CHECK(off_tick.exit_code == 2);
  CHECK(Contains(off_tick.json, "is not a multiple of BTCUSDT's tick"));
  auto stop_above = s.Signal(R"({"id":"l-2","symbol":"BTCUSDT","side":"LONG","qty":"0.010","entry":"limit","price":"90000",
      "stop_loss":{"price":"91000"}})");
  CHECK(stop_above.exit_code == 2);
  CHECK(Contains(stop_above.json, "the limit price 90000"));
  CHECK(s.RestCallsSince(calls).find("order") == std::string::npos);
}

TEST_CASE("limit: ttl_s ends a resting limit entry at its time limit, not before") {
  DaemonScenario s;
  s.Start();
  s.Run(Engine::kScanAgainAfterStartMs + 1000);
  const Decimal price =
      s.InstrumentOf("BTCUSDT").RoundPrice(Mark(s).Mul(D("0.98"), Rounding::kNearest).value(), Rounding::kFloor).value();
  REQUIRE(s.Signal(R"({"id":"l-1","symbol":"BTCUSDT","side":"LONG","qty":"0.010","entry":"limit","price":")" +
                   price.ToString() + R"(","stop_loss":{"pct":"1"},"ttl_s":30})")
              .exit_code == 0);
  s.Run(25'000);
  CHECK(VenueEntries(s).size() == 1);
  s.Run(10'000);
  INFO(s.EngineLog());
  CHECK(VenueEntries(s).empty());
  auto sig = s.SignalOf("l-1");
  CHECK(sig->state == SignalState::kFailed);
  CHECK(Contains(sig->detail, "at its time limit without a fill"));
  CHECK(s.InvariantFindings() == "");
}

TEST_CASE("limit: a time limit past 10 minutes goes to the exchange (Binance's GTD) and holds while keel is down; Bybit's is keel's own") {
  DaemonScenario s;
  s.Start();
  s.Run(Engine::kScanAgainAfterStartMs + 1000);
  const Decimal price =
      s.InstrumentOf("BTCUSDT").RoundPrice(Mark(s).Mul(D("0.98"), Rounding::kNearest).value(), Rounding::kFloor).value();
  const TimeMs taken = s.clock.NowMs();
  REQUIRE(s.Signal(R"({"id":"l-1","symbol":"BTCUSDT","side":"LONG","qty":"0.010","entry":"limit","price":")" +
                   price.ToString() + R"(","stop_loss":{"pct":"1"},"ttl_s":900})")
              .exit_code == 0);
  s.Run(1000);
  auto resting = VenueEntries(s);
  REQUIRE(resting.size() == 1);
  const bool gtd = s.exchange->SupportsGoodTillDate();
  if (gtd) {
    CHECK(resting[0].time_in_force == TimeInForce::kGtd);
    CHECK(resting[0].good_till_date == (taken + 900'000) / 1000 * 1000);
  } else {
    CHECK(resting[0].time_in_force == TimeInForce::kGtc);
  }
  const auto cancels = s.RestCalls();
  // keel is killed and stays down past the time limit: on Binance the exchange ends the entry.
  s.RestartAfter([&] { s.Wait(901'000); });
  s.Run(5000);
  INFO(s.EngineLog());
  CHECK(VenueEntries(s).empty());
  auto sig = s.SignalOf("l-1");
  CHECK(sig->state == SignalState::kFailed);
  if (gtd) {
    CHECK(Contains(sig->detail, "at its time limit (GTD on the exchange)"));
    // keel sent no cancel: the exchange's own expiry did it.
    auto calls = s.RestCalls();
    const std::int64_t before = cancels.count("DELETE /fapi/v1/order") ? cancels.at("DELETE /fapi/v1/order") : 0;
    CHECK(calls["DELETE /fapi/v1/order"] == before);
    CHECK(s.alerts.raised.empty());
  } else {
    CHECK(Contains(sig->detail, "at its time limit"));
  }
  CHECK(s.InvariantFindings() == "");
}

TEST_CASE("limit: a GTD entry the exchange expires while keel runs ends at its time limit, no cancel sent, no alert") {
  DaemonScenario s;
  s.Start();
  s.Run(Engine::kScanAgainAfterStartMs + 1000);
  if (!s.exchange->SupportsGoodTillDate()) return;  // Bybit: keel's own time limit (the test above)
  const Decimal price =
      s.InstrumentOf("BTCUSDT").RoundPrice(Mark(s).Mul(D("0.98"), Rounding::kNearest).value(), Rounding::kFloor).value();
  REQUIRE(s.Signal(R"({"id":"l-1","symbol":"BTCUSDT","side":"LONG","qty":"0.010","entry":"limit","price":")" +
                   price.ToString() + R"(","stop_loss":{"pct":"1"},"ttl_s":700})")
              .exit_code == 0);
  s.Run(699'000);
  CHECK(VenueEntries(s).size() == 1);
  s.Run(5'000);
  INFO(s.EngineLog());
  CHECK(VenueEntries(s).empty());
  auto sig = s.SignalOf("l-1");
  CHECK(sig->state == SignalState::kFailed);
  CHECK(Contains(sig->detail, "Expired at its time limit (GTD on the exchange) without a fill"));
  CHECK(s.RestCalls()["DELETE /fapi/v1/order"] == 0);
  CHECK(s.alerts.raised.empty());
  CHECK(s.InvariantFindings() == "");
}
