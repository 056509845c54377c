// keel-traderd's engine against the simulator on a virtual clock: whole trades and the incidents
// of the seeds, each asserting the invariants afterwards.
#include "daemon_harness.h"
#include "keel/ops/status_text.h"

using namespace keel;
using namespace keel::scenario;

namespace {

bool Contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// A market entry's whole lifecycle at its minimum: the entry, one position read to verify it (the
// placement answered FILLED), the stop and the take-profit. Fills reach keel by the stream and cost
// no read; the stop of a closed position ends by itself (the exchange expires a closePosition
// order when its position closes), so no cancel either.
// On Bybit every placement is acknowledged with ids only and read back once (create, then
// realtime): two calls where Binance's RESULT answer needs one.
// The first signal on a symbol also reads the account's cap on its notional (the leverage
// bracket's, issue [1/6] case 8): one read per symbol, kept ten minutes.
const char* LifecycleCalls() {
  if (OnBybit()) {
    return "GET /v5/order/realtime x3\n"
           "GET /v5/position/list x2\n"
           "POST /v5/order/create x3\n";
  }
  return "GET /fapi/v2/positionRisk x2\n"
         "POST /fapi/v1/algoOrder x2\n"
         "POST /fapi/v1/order x1\n";
}

}  // namespace

TEST_CASE("daemon: a market signal opens a position, verified, protected by its stop, then its take-profit") {
  DaemonScenario s;
  s.Start();
  s.Run(Engine::kScanAgainAfterStartMs + 1000);  // market data arrives; start-up's second look is over
  const auto calls_before = s.RestCalls();
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
  // keel-ctl status, as a person reads it: the position names the stop that protects it.
  auto status = s.Command([&](ReplyFn r) { s.engine->StatusReport(std::move(r)); });
  auto text = ops::StatusText(status.json);
  REQUIRE_MESSAGE(text.ok(), text.status().ToString());
  INFO(*text);
  CHECK(text->rfind("account demo: ready, stream live, one-way mode\n", 0) == 0);
  CHECK(Contains(*text, "s-1     BTCUSDT  protected"));
  CHECK(Contains(*text, "BTCUSDT  BOTH  0.01  96250.1  " + *sig->stop_client_order_id));
  CHECK(Contains(*text, "counters: signals_taken=1 orders_placed=3"));

  // The price reaches the take-profit: it fills, the stop ends, the trade is closed.
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
  CHECK(s.RestCallsSince(calls_before) == LifecycleCalls());
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

TEST_CASE("daemon seed 001: minimal ack, lagging REST, a refused stop -> rolled back on the right side, never doubled") {
  DaemonScenario s;
  s.Start();
  REQUIRE(s.Control(R"({"fault":"minimal_ack","count":-1})").ok());
  REQUIRE(s.Control(R"({"fault":"stale_reads","ms":1000,"what":"positions"})").ok());
  // The price runs through the stop before it is placed: the exchange refuses it (-2021, would
  // trigger at once).
  REQUIRE(s.Control(R"({"fault":"refuse_stops","count":1})").ok());
  auto reply = s.Signal(R"({"id":"avl-1","symbol":"BTCUSDT","side":"LONG","qty":"0.010",
      "stop_loss":{"pct":"1"}})");
  CHECK(reply.exit_code == 0);
  s.Run(10'000);
  INFO(s.EngineLog());
  CHECK(s.ExchangeAmount("BTCUSDT") == D("0"));
  // Never doubled: the venue filled one entry and one close of the same size, nothing else.
  CHECK(s.venue->exchange().counters().orders_placed == 2);
  auto sig = s.SignalOf("avl-1");
  CHECK(sig->state == SignalState::kRolledBack);
  CHECK(Contains(sig->detail, "verified flat"));
  CHECK(s.alerts.Count(AlertKind::kRollback) == 1);
  CHECK(s.OpenPositions().empty());
  // The close was a reduce-only SELL: the side came from the exchange's position.
  bool sold = false;
  for (const auto& o : s.store->Orders(OrderFilter{}).value())
    if (o.purpose == OrderPurpose::kClose) sold = o.side == Side::kSell && o.reduce_only;
  CHECK(sold);
  CHECK(s.InvariantFindings() == "");
}

TEST_CASE("daemon: a position opened by hand is seen from the stream at once and protected, never closed") {
  DaemonScenario s;
  s.Start();
  s.Run(500);
  REQUIRE(s.OutsideOrder("symbol=ETHUSDT&side=BUY&type=MARKET&quantity=0.500").status == 200);
  s.Run(200);
  INFO(s.EngineLog());
  CHECK(s.alerts.Count(AlertKind::kOrphan) == 1);
  auto positions = s.OpenPositions();
  REQUIRE(positions.size() == 1);
  CHECK(positions[0].symbol == "ETHUSDT");
  CHECK(positions[0].stop_client_order_id.has_value());
  CHECK(s.VenueOpenAlgoOrders("ETHUSDT") == 1);
  CHECK(s.ExchangeAmount("ETHUSDT") == D("0.5"));  // protected, not closed
  // The journal says who placed the stop: the engine, not an operator.
  RecordFilter journal;
  journal.symbol = "ETHUSDT";
  int by_engine = 0, by_operator = 0;
  for (const auto& e : *s.store->Journal(journal)) {
    if (e.entity != "intent") continue;
    by_engine += e.source == Source::kEngine;
    by_operator += e.source == Source::kOperator;
  }
  CHECK(by_engine == 1);
  CHECK(by_operator == 0);
  s.Run(5000);
  CHECK(s.alerts.Count(AlertKind::kUnprotectedPosition) == 0);
  CHECK(s.InvariantFindings() == "");
}

TEST_CASE("daemon: a liquidation closes the store's position, cancels its exits and alerts") {
  DaemonScenario s;
  s.Start();
  s.Run(1000);
  REQUIRE(s.Signal(R"({"id":"liq-1","symbol":"ETHUSDT","side":"LONG","qty":"0.500","stop_loss":{"pct":"5"},
      "take_profit":{"pct":"5"}})").exit_code == 0);
  s.Run(2000);
  REQUIRE(s.VenueOpenAlgoOrders("ETHUSDT") == 2);
  REQUIRE(s.Control(R"({"act":"liquidate","account":"demo","symbol":"ETHUSDT"})").ok());
  s.Run(3000);
  INFO(s.EngineLog());
  CHECK(s.ExchangeAmount("ETHUSDT") == D("0"));
  CHECK(s.OpenPositions().empty());
  CHECK(s.VenueOpenAlgoOrders("ETHUSDT") == 0);
  CHECK(s.alerts.Count(AlertKind::kLiquidation) == 1);
  auto sig = s.SignalOf("liq-1");
  CHECK(sig->state == SignalState::kClosed);
  CHECK(!sig->stop_client_order_id);
  CHECK(!sig->take_profit_client_order_id);
  CHECK(s.InvariantFindings() == "");
}

TEST_CASE("daemon seed 004: a stale REST read after a close resurrects nothing and places no emergency stop") {
  DaemonScenario s;
  s.Start();
  s.Run(Engine::kScanAgainAfterStartMs + 1000);  // start-up's second look is over: the calls are the trade's
  const auto calls_before = s.RestCalls();
  REQUIRE(s.Signal(R"({"id":"g-1","symbol":"BTCUSDT","side":"LONG","qty":"0.010","stop_loss":{"pct":"1"},
      "take_profit":{"pct":"1"}})").exit_code == 0);
  s.Run(2000);
  REQUIRE(s.SignalOf("g-1")->state == SignalState::kOpen);
  // From here REST position reads lag 20 s: they still show the position after it closes.
  REQUIRE(s.Control(R"({"fault":"stale_reads","ms":20000,"what":"positions"})").ok());
  const auto intents_before = s.store->Intents(RecordFilter{})->size();
  REQUIRE(s.Control(R"({"act":"move_price","symbol":"BTCUSDT","percent":"2"})").ok());
  s.Run(10'000);
  INFO(s.EngineLog());
  CHECK(s.ExchangeAmount("BTCUSDT") == D("0"));
  CHECK(s.OpenPositions().empty());  // no ghost position
  CHECK(s.store->Intents(RecordFilter{})->size() == intents_before);  // no emergency stop, no close order
  CHECK(s.alerts.raised.empty());
  CHECK(s.SignalOf("g-1")->state == SignalState::kClosed);
  CHECK(s.InvariantFindings() == "");
  // The stale read was never asked for: the close cost no REST call beyond the lifecycle's own.
  CHECK(s.RestCallsSince(calls_before) == LifecycleCalls());
}

TEST_CASE("daemon: a reload takes new risk limits at once and names what needs a restart") {
  DaemonScenario s;
  s.Start();
  s.Run(1000);
  DaemonConfig next;
  next.control_socket = "/elsewhere.sock";
  next.metrics_listen.reset();
  next.risk.account.max_position_notional = D("100");
  GridConfig grid;
  grid.symbol = "SOLUSDT";
  next.grids.push_back(grid);  // a grid is never started or rebuilt by a reload
  auto restart = s.engine->Reconfigure(next);
  CHECK(restart == std::vector<std::string>{"daemon.control_socket: changed, takes effect after a restart",
                                            "strategy: changed, takes effect after a restart"});
  auto refused = s.Signal(R"({"id":"r-1","symbol":"BTCUSDT","side":"LONG","qty":"0.010","stop_loss":{"pct":"1"}})");
  CHECK(refused.exit_code == 2);
  CHECK(Contains(refused.json, "risk limit daemon.risk.max_position_notional = 100: the trade would bring the notional to"));
  CHECK(s.SignalOf("r-1")->state == SignalState::kRejected);
  CHECK(s.ExchangeAmount("BTCUSDT") == D("0"));
}

TEST_CASE("daemon: a notional signal before any market data is sized at the mark read by REST") {
  DaemonScenario s;
  s.Start();  // no market data has arrived: prices move only when the scenario moves them
  auto reply = s.Signal(R"({"id":"n-1","symbol":"ETHUSDT","side":"LONG","notional":"200","stop_loss":{"pct":"1"}})");
  s.Run(0);
  INFO(reply.json);
  INFO(s.EngineLog());
  CHECK(reply.exit_code == 0);
  CHECK(Contains(reply.json, R"("qty":"0.064")"));  // 200 / 3120.25, down to the 0.001 step
  CHECK(Contains(s.EngineLog(), "no market data for ETHUSDT yet: reading its mark price"));
  s.Run(2000);
  CHECK(s.SignalOf("n-1")->state == SignalState::kOpen);
  CHECK(s.ExchangeAmount("ETHUSDT") == D("0.064"));
}

TEST_CASE("daemon seed 003: a resync's read taken before a take-profit filled lands after the fill -> the fill stands") {
  DaemonScenario s;
  s.Start();
  s.Run(1000);
  REQUIRE(s.Signal(R"({"id":"t-1","symbol":"BTCUSDT","side":"LONG","qty":"0.010","stop_loss":{"pct":"1"},
      "take_profit":{"pct":"1"}})").exit_code == 0);
  s.Run(2000);
  REQUIRE(s.SignalOf("t-1")->state == SignalState::kOpen);
  // A resync reads the account (a reconnect's snapshot): the position is open, both exits rest.
  const AccountReport before_fill = s.exchange->Account().value();
  REQUIRE(before_fill.positions.size() == 1);
  // The take-profit fills and the stream says so at once.
  REQUIRE(s.Control(R"({"act":"move_price","symbol":"BTCUSDT","percent":"2"})").ok());
  s.Run(100);
  auto sig = s.SignalOf("t-1");
  CHECK(sig->state == SignalState::kClosed);       // applied the moment it arrived
  CHECK(!sig->take_profit_client_order_id);        // its id cleared at once (seed 003)
  const auto intents = s.store->Intents(RecordFilter{})->size();
  // Then the resync's older read lands.
  s.engine->OnSnapshot(before_fill);
  s.Run(5000);
  INFO(s.EngineLog());
  CHECK(s.OpenPositions().empty());                              // nothing resurrected
  CHECK(s.store->Intents(RecordFilter{})->size() == intents);    // no emergency stop, no close
  CHECK(s.SignalOf("t-1")->state == SignalState::kClosed);
  CHECK(s.VenueOpenAlgoOrders("BTCUSDT") == 0);
  CHECK(s.alerts.raised.empty());
  CHECK(s.InvariantFindings() == "");
}

TEST_CASE("chaos seed 31: an entry lost before the exchange accepted it ends Rejected once it can no longer appear") {
  // Found by keel-chaos: the placement's answer was -1007 (execution status unknown) and the order
  // never existed. The engine asked for it every 5 s for ever and the store kept it PendingNew.
  // Binance settles a request within 10 s and refuses one older than recvWindow: an order still
  // absent absent_after_ms after it was sent was never accepted.
  DaemonScenario s;
  s.Start();
  s.Run(1000);
  REQUIRE(s.Control(R"({"fault":"placement","when":"before","how":"-1007","count":1})").ok());
  s.Signal(R"({"id":"lost-1","symbol":"ETHUSDT","side":"SHORT","qty":"0.01","stop_loss":{"pct":"2"}})");
  s.Run(s.settings.absent_after_ms + 10'000);
  INFO(s.EngineLog());
  CHECK(s.venue->exchange().AllOrders(0, "ETHUSDT").empty());
  auto orders = s.store->Orders(OrderFilter{}).value();
  REQUIRE(orders.size() == 2);
  CHECK(orders[0].purpose == OrderPurpose::kEntry);
  CHECK(orders[0].state == OrderState::kRejected);
  // The entry might have filled: a guard stop went out at once, and was cancelled when the entry
  // proved never accepted.
  CHECK(orders[1].purpose == OrderPurpose::kStop);
  CHECK(orders[1].state == OrderState::kCanceled);
  CHECK(s.VenueOpenAlgoOrders("ETHUSDT") == 0);
  CHECK(s.SignalOf("lost-1")->state == SignalState::kFailed);
  // Once concluded, it is not asked about again.
  const auto calls = s.RestCalls();
  s.Run(20'000);
  CHECK(s.RestCallsSince(calls).find("/fapi/v1/order") == std::string::npos);
  CHECK(s.InvariantFindings() == "");
}

// Issue [1/6] case 1: "the read said flat" is not evidence while reads lag. The rollback stays
// unresolved (alerted, retried with back-off) until a read newer than the last fill proves it,
// and a flatten answers "not verified" (exit 4) while the position is open.
TEST_CASE("daemon: with position reads 20 s behind, a rollback is not done until flat is proven") {
  DaemonScenario s;
  s.Start();
  s.Run(1000);
  REQUIRE(s.Control(R"({"fault":"stale_reads","ms":20000,"what":"positions"})").ok());
  // The exchange refuses every stop (the price ran through it): the entry is rolled back.
  REQUIRE(s.Control(R"({"fault":"refuse_stops","count":-1})").ok());
  REQUIRE(s.Signal(R"({"id":"lag-1","symbol":"BTCUSDT","side":"LONG","qty":"0.010",
      "stop_loss":{"pct":"1"}})").exit_code == 0);
  s.Run(5000);
  INFO(s.EngineLog());
  // The read says flat, but it is older than the stream's record of the fill: the close goes out
  // by keel's record at once (reduce-only)...
  CHECK(s.ExchangeAmount("BTCUSDT") == D("0"));
  // ...and nothing newer than that close's fill proves it yet: not "rolled back".
  auto sig = s.SignalOf("lag-1");
  CHECK(sig->state == SignalState::kUnresolved);
  CHECK(!Contains(sig->detail, "rolled back"));
  CHECK(s.alerts.Count(AlertKind::kRollbackFailed) == 1);
  CHECK(s.alerts.Count(AlertKind::kRollback) == 0);
  // The symbol stays held by the unfinished rollback; a flatten says what it knows: not verified.
  auto flattened = s.Command([&](ReplyFn r) { s.engine->Flatten(std::string("BTCUSDT"), std::move(r)); }, 3000);
  INFO(flattened.json);
  CHECK(flattened.exit_code == 4);
  CHECK(Contains(flattened.json, "not verified"));
  CHECK(Contains(flattened.json, "reads lag"));
  // Once reads catch up, the retries close it and prove it: rolled back, once, never doubled.
  s.Run(180'000);
  CHECK(s.ExchangeAmount("BTCUSDT") == D("0"));
  sig = s.SignalOf("lag-1");
  CHECK(sig->state == SignalState::kRolledBack);
  CHECK(Contains(sig->detail, "verified"));
  CHECK(s.alerts.Count(AlertKind::kRollback) == 1);
  CHECK(s.alerts.Count(AlertKind::kRollbackFailed) == 1);
  CHECK(s.OpenPositions().empty());
  CHECK(s.VenueOpenAlgoOrders("BTCUSDT") == 0);
  CHECK(s.InvariantFindings() == "");
  // Nothing holds the symbol any more.
  REQUIRE(s.Control(R"({"clear":"faults"})").ok());
  CHECK(s.Signal(R"({"id":"lag-2","symbol":"BTCUSDT","side":"LONG","qty":"0.010","stop_loss":{"pct":"1"}})").exit_code == 0);
}

// Started, then the stream down: a fill is pushed to no one.
static void StartWithStreamDown(DaemonScenario& s) {
  s.Start();
  s.Run(1000);
  s.user_event_sink = [](std::vector<sim::UserEvent>) {};
  s.engine->OnStreamState(false, "disconnected");
}

// Chaos seeds 503803, 504191, 505217: an accepted market entry whose fill keel cannot see (the
// stream down, its answer bare, every read 20 s behind). Waiting for proof left the position bare
// past the grace period; a closePosition stop at the signal's stop level, reckoned from the mark,
// protects whatever the entry opened and cannot open anything itself.
// On Bybit every placement is acknowledged with ids only and read back: with every read 20 s
// behind, the stops' outcomes are unknown too, which is another case (a stop never confirmed;
// chaos seeds 503803, 504191 replay it on Bybit). Here the entry alone is unseen.
TEST_CASE("guard stop: an accepted market entry whose fill keel cannot see is protected within the grace period") {
  if (OnBybit()) return;
  DaemonScenario s;
  StartWithStreamDown(s);
  REQUIRE(s.Control(R"({"fault":"minimal_ack","count":1})").ok());
  REQUIRE(s.Control(R"({"fault":"stale_reads","ms":20000,"what":"all"})").ok());
  REQUIRE(s.Signal(R"({"id":"g-1","symbol":"ETHUSDT","side":"SHORT","qty":"0.10","stop_loss":{"pct":"2"}})").exit_code == 0);
  s.Run(s.settings.daemon.protect_grace_ms);
  INFO(s.EngineLog());
  CHECK(s.ExchangeAmount("ETHUSDT") == D("-0.1"));
  CHECK(s.SignalOf("g-1")->state == SignalState::kEntering);  // not verified: not called open
  CHECK(s.VenueOpenAlgoOrders("ETHUSDT") == 1);
  std::vector<OrderRecord> stops;
  for (const auto& o : s.store->Orders(OrderFilter{}).value())
    if (o.purpose == OrderPurpose::kStop) stops.push_back(o);
  REQUIRE(stops.size() == 1);
  CHECK(stops[0].close_position);
  CHECK(stops[0].side == Side::kBuy);
  const std::string guard = stops[0].client_order_id;
  // The reads catch up: the entry is verified. The guard is at the stop level reckoned from the
  // fill (the price has not moved): it is adopted as the trade's stop, and no second one is sent.
  s.Run(40'000);
  auto sig = s.SignalOf("g-1");
  CHECK(sig->state == SignalState::kOpen);
  CHECK(sig->stop_client_order_id == std::optional<std::string>(guard));
  CHECK(s.VenueOpenAlgoOrders("ETHUSDT") == 1);
  CHECK(s.RestCalls()["POST /fapi/v1/algoOrder"] == 1);
  CHECK(s.ExchangeAmount("ETHUSDT") == D("-0.1"));
  CHECK(s.InvariantFindings() == "");
}

// Issue [1/6] case 3: a position opened by hand while REST position reads lag 30 s. The stream
// pushes it; the REST row is older than that push and flat. The push is the evidence: the
// position is protected within the grace period, not given up as "flat on the exchange".
TEST_CASE("daemon: an orphan pushed by the stream while REST reads lag is protected within the grace period") {
  DaemonScenario s;
  s.Start();
  s.Run(500);
  REQUIRE(s.Control(R"({"fault":"stale_reads","ms":30000,"what":"positions"})").ok());
  REQUIRE(s.OutsideOrder("symbol=ETHUSDT&side=SELL&type=MARKET&quantity=0.100").status == 200);
  s.Run(s.settings.daemon.protect_grace_ms + 2000);
  INFO(s.EngineLog());
  CHECK(s.ExchangeAmount("ETHUSDT") == D("-0.1"));  // protected, never closed
  CHECK(s.VenueOpenAlgoOrders("ETHUSDT") == 1);
  auto positions = s.OpenPositions();
  REQUIRE(positions.size() == 1);
  CHECK(positions[0].stop_client_order_id.has_value());
  CHECK(s.InvariantFindings() == "");
}

// Chaos seed 892937: the emergency stop of a position opened by hand lost on its way again and
// again (answers garbled, none reaching the exchange). Each was asked after for a second before
// the next went out: bare past the grace period. A repair's stop is asked after briefly; the next
// watch sends another.
TEST_CASE("daemon: an emergency stop lost on its way again and again is sent again within the grace period") {
  DaemonScenario s({}, [](EngineSettings& e) { e.settle_interval_ms = EngineSettings{}.settle_interval_ms; });
  s.Start();
  s.Run(500);
  const TimeMs opened = s.clock.NowMs();
  REQUIRE(s.OutsideOrder("symbol=SOLUSDT&side=SELL&type=MARKET&quantity=2").status == 200);
  REQUIRE(s.Control(R"({"fault":"placement","when":"before","how":"garbled","count":6})").ok());
  s.Run(s.settings.daemon.protect_grace_ms);
  INFO(s.EngineLog());
  const auto stops = s.venue->exchange().OpenAlgoOrders(0, "SOLUSDT");
  REQUIRE(stops.size() == 1);
  // The jobs' waits move the clock too: when the stop went on is the venue's own time of it.
  CHECK(stops[0].create_time - opened <= s.settings.daemon.protect_grace_ms);
  CHECK(s.ExchangeAmount("SOLUSDT") == D("-2"));
  CHECK(s.InvariantFindings() == "");
}

// Issue [1/6] case 4: "close every position" reads the exchange, not only the store. A position
// keel does not track (orphans reported, not protected) is closed and proven flat; before, the
// answer was "no open position in the store", exit 0, with it open.
TEST_CASE("daemon: a flatten of everything closes a position only the exchange knows") {
  DaemonScenario s({}, [](EngineSettings& e) {
    e.daemon.orphan_policy = OrphanPolicy::kReport;
    e.daemon.reconcile_policy = ReconcilePolicy::kReport;
  });
  s.Start();
  s.Run(500);
  REQUIRE(s.OutsideOrder("symbol=ETHUSDT&side=BUY&type=MARKET&quantity=0.200").status == 200);
  s.Run(500);
  REQUIRE(s.OpenPositions().empty());
  auto flattened = s.Command([&](ReplyFn r) { s.engine->Flatten(std::nullopt, std::move(r)); }, 5000);
  INFO(flattened.json << "\n" << s.EngineLog());
  CHECK(flattened.exit_code == 0);
  CHECK(Contains(flattened.json, "verified flat"));
  CHECK(s.ExchangeAmount("ETHUSDT") == D("0"));
}

// Issue [1/6] case 7: blind without a word. The exchange stops answering (the network to it
// down) while a position is open: keel finds out by asking, alerts once the silence passes the
// alert time, says so in `status`, and says when it clears.
TEST_CASE("daemon: an exchange that stops answering is an alert and a line in status, and its end another") {
  DaemonScenario s;
  s.Start();
  s.Run(1000);
  REQUIRE(s.Signal(R"({"id":"b-1","symbol":"BTCUSDT","side":"LONG","qty":"0.010","stop_loss":{"pct":"1"}})").exit_code == 0);
  s.Run(2000);
  REQUIRE(s.SignalOf("b-1")->state == SignalState::kOpen);
  const long requests_before = s.transport->requests();
  s.transport->FailNext(1'000'000);
  s.Run(s.settings.daemon.stream_down_alert_ms * 2);
  INFO(s.EngineLog());
  CHECK(s.alerts.Count(AlertKind::kExchangeNotAnswering) == 1);
  auto status = s.Command([&](ReplyFn r) { s.engine->StatusReport(std::move(r)); });
  auto text = ops::StatusText(status.json);
  REQUIRE_MESSAGE(text.ok(), text.status().ToString());
  CHECK(Contains(*text, "WARNING: exchange not answering since"));
  // Asking is bounded: a probe per half alert time, not one per watch (250 ms).
  CHECK(s.transport->requests() - requests_before <= 8);  // 4 probes, one orphan scan (3 reads)
  s.transport->FailNext(0);
  s.Run(s.settings.daemon.stream_down_alert_ms);
  CHECK(s.alerts.Count(AlertKind::kExchangeNotAnswering) == 2);  // the all-clear
  status = s.Command([&](ReplyFn r) { s.engine->StatusReport(std::move(r)); });
  text = ops::StatusText(status.json);
  REQUIRE(text.ok());
  CHECK(!Contains(*text, "WARNING"));
}

// Issue [1/6] case 6 (chaos seed 70665): a stop refused for the rate is "wait", never "rejected".
// Rolling back would meet the same refusal with the close; the stop goes again after the wait the
// exchange asked for, and the operator is told the position is bare meanwhile.
TEST_CASE("daemon: a stop refused for the rate is sent again after the wait, not rolled back") {
  DaemonScenario s;
  s.Start();
  s.Run(1000);
  // The stop's placement is the request after the symbol's cap read, the entry and its
  // verification (on Bybit also the entry's read-back).
  REQUIRE(s.Control(OnBybit() ? R"({"fault":"rate_limit","count":1,"after":4})"
                              : R"({"fault":"rate_limit","count":1,"after":3})").ok());
  REQUIRE(s.Signal(R"({"id":"r-1","symbol":"BTCUSDT","side":"LONG","qty":"0.010","stop_loss":{"pct":"1"}})").exit_code == 0);
  s.Run(500);
  INFO(s.EngineLog());
  CHECK(s.ExchangeAmount("BTCUSDT") == D("0.010"));
  CHECK(Contains(s.SignalOf("r-1")->detail, "rate-limited"));
  CHECK(s.alerts.Count(AlertKind::kUnprotectedPosition) == 1);
  CHECK(s.alerts.Count(AlertKind::kRollback) == 0);
  s.Run(70'000);
  CHECK(s.SignalOf("r-1")->state == SignalState::kOpen);
  CHECK(Contains(s.SignalOf("r-1")->detail, "protected by stop"));
  CHECK(s.ExchangeAmount("BTCUSDT") == D("0.010"));  // never closed
  CHECK(s.VenueOpenAlgoOrders("BTCUSDT") == 1);
  CHECK(s.alerts.Count(AlertKind::kRollback) == 0);
  CHECK(s.venue->exchange().counters().orders_placed == 1);  // the entry only: no close
  CHECK(s.InvariantFindings() == "");
}

// Issue [1/6] case 8: an entry over what the account's leverage allows (Binance's leverage
// bracket, -2027; Bybit's risk limit, 110090) is refused before anything is sent, in the signal's
// units, instead of the exchange refusing it after keel wrote its intent.
TEST_CASE("daemon: a signal over the leverage bracket's cap is refused before anything is sent") {
  // At 75x a SOLUSDT position may be worth 5,000 USDT (the bracket's notionalCap).
  DaemonScenario s([](sim::SimConfig& c) { c.default_leverage = 75; });
  s.Start();
  s.Run(1000);
  const auto orders_before = s.OrdersPlaced();
  auto over = s.Signal(R"({"id":"b-1","symbol":"SOLUSDT","side":"LONG","notional":"6000","stop_loss":{"pct":"2"}})");
  s.Run(0);
  INFO(over.json);
  CHECK(over.exit_code == 2);
  CHECK(Contains(over.json, "the account's leverage allows on SOLUSDT"));
  CHECK(Contains(over.json, "5000 USDT"));
  CHECK(s.OrdersPlaced() == orders_before);  // nothing sent
  CHECK(s.SignalOf("b-1")->state == SignalState::kRejected);
  // Under the cap the same symbol trades, without reading the cap again.
  const auto calls = s.RestCalls();
  auto under = s.Signal(R"({"id":"b-2","symbol":"SOLUSDT","side":"LONG","notional":"3000","stop_loss":{"pct":"2"}})");
  CHECK_MESSAGE(under.exit_code == 0, under.json);
  s.Run(2000);
  CHECK(s.SignalOf("b-2")->state == SignalState::kOpen);
  CHECK(!Contains(s.RestCallsSince(calls), OnBybit() ? "GET /v5/position/list x2" : "GET /fapi/v2/positionRisk x2"));
}

// [3/6] item 4: Bybit's whole-position stop (qty "0") closes at most maxMktOrderQty, so keel refuses
// an entry it could not protect whole with one stop; Binance's closePosition closes all of it.
TEST_CASE("daemon: on Bybit a maker entry above maxMktOrderQty is refused: one stop could not close all of it") {
  if (!OnBybit()) return;  // Binance's closePosition has no such cap: the exchange's LOT_SIZE is the limit there
  DaemonScenario s;
  s.Start();
  REQUIRE(s.Control(R"({"act":"move_price","symbol":"BTCUSDT","percent":"0.01"})").ok());
  s.Run(1000);
  const auto orders_before = s.OrdersPlaced();
  auto big = s.Signal(R"({"id":"c-1","symbol":"BTCUSDT","side":"LONG","qty":"500","entry":"maker","stop_loss":{"pct":"2"}})");
  INFO(big.json);
  CHECK(big.exit_code == 2);
  CHECK(Contains(big.json, "qty: 500 is more than the 120 BTCUSDT one whole-position stop closes on this exchange "
                           "(maxMktOrderQty): keel could not protect all of it: send a smaller signal"));
  s.Run(1000);
  CHECK(s.OrdersPlaced() == orders_before);
  CHECK(s.SignalOf("c-1")->state == SignalState::kRejected);
}

// Security review [2/6] item 11: a signal for 100000 BTC was accepted and sent. The exchange's own
// largest order (MARKET_LOT_SIZE maxQty for a market entry, LOT_SIZE maxQty for a limit one) is
// checked before keel writes an intent, with no risk limit configured at all.
TEST_CASE("daemon: a signal for 100000 BTC is refused by the exchange's largest order before anything is sent") {
  DaemonScenario s;
  s.Start();
  REQUIRE(s.Control(R"({"act":"move_price","symbol":"BTCUSDT","percent":"0.01"})").ok());  // a book to rest at
  s.Run(1000);
  const auto orders_before = s.OrdersPlaced();
  auto market = s.Signal(R"({"id":"q-1","symbol":"BTCUSDT","side":"LONG","qty":"100000","stop_loss":{"pct":"2"}})");
  INFO(market.json);
  CHECK(market.exit_code == 2);
  CHECK(Contains(market.json, "qty: 100000 is more than the 120 BTCUSDT the exchange takes in one market order"));
  auto limit = s.Signal(
      R"({"id":"q-2","symbol":"BTCUSDT","side":"LONG","qty":"100000","entry":"maker","stop_loss":{"pct":"2"}})");
  INFO(limit.json);
  CHECK(limit.exit_code == 2);
  CHECK(Contains(limit.json, "qty: 100000 is more than the 1000 BTCUSDT the exchange takes in one limit order"));
  s.Run(1000);
  CHECK(s.OrdersPlaced() == orders_before);  // nothing sent
  CHECK(s.SignalOf("q-1")->state == SignalState::kRejected);
  CHECK(s.SignalOf("q-2")->state == SignalState::kRejected);
}

// Chaos seed 954403: a guard stop whose answer was lost (a 5xx before it reached the exchange)
// was left to the periodic reconcile, on the assumption that the trade's own stop would follow;
// with the entry unseen there was none, and the position stood bare. Another guard goes out at
// once; the lost one, if it rests after all, is a spare.
TEST_CASE("guard stop: a guard stop whose answer is lost is followed by another at once") {
  if (OnBybit()) return;
  DaemonScenario s;
  StartWithStreamDown(s);
  // The entry's answer is lost after the exchange took it; the guard's is lost before.
  REQUIRE(s.Control(R"({"fault":"placement","when":"after","how":"timeout","count":1})").ok());
  REQUIRE(s.Control(R"({"fault":"placement","when":"before","how":"5xx","count":1})").ok());
  REQUIRE(s.Control(R"({"fault":"stale_reads","ms":20000,"what":"all"})").ok());
  REQUIRE(s.Signal(R"({"id":"g-2","symbol":"ETHUSDT","side":"SHORT","qty":"0.10","stop_loss":{"pct":"2"}})").exit_code == 0);
  s.Run(s.settings.daemon.protect_grace_ms);
  INFO(s.EngineLog());
  CHECK(s.ExchangeAmount("ETHUSDT") == D("-0.1"));
  CHECK(Contains(s.EngineLog(), "the guard stop"));
  CHECK(Contains(s.EngineLog(), "again after a lost answer"));
  CHECK(s.VenueOpenAlgoOrders("ETHUSDT") == 1);
  CHECK(s.InvariantFindings() == "");
}

// Pushes of different topics come in any order: every fill of this lifecycle is told before the
// position change it made (Binance's ORDER_TRADE_UPDATE before ACCOUNT_UPDATE; Bybit's execution
// and order rows before the position row, joined by seq). Nothing counts twice, nothing is lost, and
// the join costs no REST call.
TEST_CASE("daemon: fills told before their position changes: the same lifecycle, the same calls") {
  DaemonScenario s;
  s.Start();
  s.Run(Engine::kScanAgainAfterStartMs + 1000);
  REQUIRE(s.Control(R"({"fault":"fill_before_position","count":10})").ok());
  const auto calls_before = s.RestCalls();
  auto reply = s.Signal(R"({"id":"s-1","symbol":"BTCUSDT","side":"LONG","qty":"0.010",
      "stop_loss":{"pct":"1"},"take_profit":{"pct":"2"}})");
  REQUIRE(reply.exit_code == 0);
  s.Run(2000);
  INFO(s.EngineLog());
  auto sig = s.SignalOf("s-1");
  REQUIRE(sig);
  CHECK(sig->state == SignalState::kOpen);
  auto positions = s.OpenPositions();
  REQUIRE(positions.size() == 1);
  CHECK(positions[0].qty == D("0.010"));
  CHECK(s.VenueOpenAlgoOrders("BTCUSDT") == 2);
  REQUIRE(s.Control(R"({"act":"move_price","symbol":"BTCUSDT","percent":"3"})").ok());
  s.Run(3000);
  CHECK(s.SignalOf("s-1")->state == SignalState::kClosed);
  CHECK(s.ExchangeAmount("BTCUSDT") == D("0"));
  CHECK(s.OpenPositions().empty());
  CHECK(s.VenueOpenAlgoOrders("BTCUSDT") == 0);
  CHECK(s.InvariantFindings() == "");
  CHECK(s.alerts.raised.empty());
  CHECK(s.RestCallsSince(calls_before) == LifecycleCalls());
  if (s.dialect == sim::Dialect::kBybitV5) CHECK(Contains(s.EngineLog(), "counted by the position report of seq"));
}

TEST_CASE("daemon: order reads 20 s behind: the stream's word that the stop rests settles its placement; protected, not rolled back") {
  DaemonScenario s;
  s.Start();
  s.Run(Engine::kScanAgainAfterStartMs + 1000);
  // From here a new order is not visible to a query for 20 s: Bybit's read-back after an
  // acknowledgement (and Binance's after a minimal answer) gives up, and so does a settle.
  REQUIRE(s.Control(R"({"fault":"stale_reads","ms":20000,"what":"orders"})").ok());
  REQUIRE(s.Control(R"({"fault":"minimal_ack","count":-1})").ok());
  REQUIRE(s.Signal(R"({"id":"q-1","symbol":"BTCUSDT","side":"LONG","qty":"0.010","stop_loss":{"pct":"1"},
      "take_profit":{"pct":"2"}})").exit_code == 0);
  s.Run(30'000);
  INFO(s.EngineLog());
  CHECK(s.SignalOf("q-1")->state == SignalState::kOpen);
  CHECK(s.ExchangeAmount("BTCUSDT") == D("0.010"));
  CHECK(s.VenueOpenAlgoOrders("BTCUSDT") == 2);  // one stop, one take-profit: none sent twice
  CHECK(s.alerts.raised.empty());
  CHECK(s.InvariantFindings() == "");
}
