// The incidents of the seeds, made to happen in the simulator, and keel's safety core against them.
#include <algorithm>
#include <map>
#include <sstream>

#include "harness.h"
#include "keel/bybit/bybit_exchange.h"
#include "keel/binance/codec.h"
#include "keel/engine/event_applier.h"
#include "keel/ops/exit_code.h"
#include "keel/sim/binance_json.h"
#include "keel/ops/safety_tools.h"
#include "keel/safety/client_ids.h"
#include "keel/safety/ghost_sweep.h"
#include "keel/safety/orphan_scanner.h"
#include "keel/safety/protect.h"
#include "keel/safety/reconciler.h"
#include "keel/safety/safe_close.h"
#include "keel/safety/sent_order.h"

using namespace keel;
using namespace keel::scenario;

namespace {

bool Contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// Records what keel's daemon would have recorded for a position it opened.
void RecordOpen(Scenario& s, const std::string& symbol, Decimal amount, Decimal entry, TimeMs exchange_time) {
  PositionRecord p;
  p.symbol = symbol;
  p.qty = amount;
  p.entry_price = entry;
  p.opened_ms = s.clock.NowMs();
  p.exchange_updated_ms = exchange_time;
  WriteBatch b(s.clock.NowMs());
  b.PutOpenPosition(p, Provenance{Source::kStream, exchange_time, "ACCOUNT_UPDATE"});
  REQUIRE(s.store->Write(b).ok());
}

// The daemon's resync as the tools run it: the account read against the store, and each
// store-open-exchange-flat mismatch with its own symbol's rows as evidence.
Reconciliation ReconcileWithEvidence(Scenario& s) {
  auto view = LoadStoreView(*s.store);
  REQUIRE(view.ok());
  ReconcileOptions o;
  o.account = s.account;
  o.now = s.clock.NowMs();
  Reconciliation r = Reconcile(*s.exchange->Account(), *view, o);
  REQUIRE(AttachFlatEvidence(*s.exchange, *view, r.mismatches).ok());
  return r;
}

// keel's reduce-only stop for the whole of an open one-way position, placed and recorded as the
// daemon would (a GTC order: it does not expire with its position, unlike a closePosition one).
// A keel STOP_MARKET in the conditional book, with a client id of the scenario's account.
PlaceOrder StopMarket(Scenario& s, OrderPurpose purpose, const std::string& symbol, Side side, Decimal qty,
                      Decimal trigger, bool reduce_only) {
  PlaceOrder stop;
  stop.book = OrderBook::kConditional;
  stop.client_order_id = MakeClientOrderId(s.account, purpose, symbol, s.clock.NowMs());
  stop.symbol = symbol;
  stop.side = side;
  stop.type = OrderType::kStopMarket;
  stop.qty = qty;
  stop.reduce_only = reduce_only;
  stop.trigger_price = trigger;
  return stop;
}

OrderReport ReduceOnlyStop(Scenario& s, const std::string& symbol, Side side, Decimal qty, Decimal trigger) {
  const PlaceOrder stop = StopMarket(s, OrderPurpose::kStop, symbol, side, qty, trigger, true);
  auto placed = s.exchange->Place(stop);
  REQUIRE_MESSAGE(placed.ok(), placed.status().ToString());
  OrderRecord record = PendingRecordOf(stop, OrderPurpose::kStop, qty, s.clock.NowMs());
  record.state = OrderState::kNew;
  WriteBatch b(s.clock.NowMs());
  b.PutOrder(record, Provenance{Source::kRest, placed->update_time, "stop acknowledged"});
  PositionFilter open;
  open.symbol = symbol;
  open.state = PositionState::kOpen;
  for (auto p : *s.store->Positions(open)) {
    p.stop_client_order_id = stop.client_order_id;
    b.PutOpenPosition(p, Provenance{Source::kEngine, std::nullopt, "stop attached"});
  }
  REQUIRE(s.store->Write(b).ok());
  return *placed;
}

SafeCloseOptions CloseOptions(Scenario& s, const std::string& symbol) {
  SafeCloseOptions o;
  o.account = s.account;
  o.symbol = symbol;
  o.now = s.Now();
  o.sleep = s.Sleeper();
  return o;
}

OrphanScan Scan(Scenario& s) {
  auto account = s.exchange->Account();
  REQUIRE(account.ok());
  auto view = LoadStoreView(*s.store);
  REQUIRE(view.ok());
  OrphanOptions o;
  o.account = s.account;
  o.now = s.clock.NowMs();
  return ScanForOrphans(*account, *view, o);
}

// One ghost sweep that acts, over the store and the exchange as they are now.
std::vector<GhostOutcome> Sweep(Scenario& s) {
  auto account = s.exchange->Account();
  REQUIRE(account.ok());
  auto view = LoadStoreView(*s.store);
  REQUIRE(view.ok());
  GhostSweepOptions o;
  o.account = s.account;
  o.act = true;
  o.now = s.clock.NowMs();
  return SweepGhosts(*s.exchange, s.store.get(), *view, *account, o);
}

}  // namespace

TEST_CASE("scenario 1 (seed 001): an ack without side and a REST position 4 s behind: one close, right side, flat") {
  Scenario s;
  // keel's entry: the placement answer is minimal (no side, no quantity, no status)...
  REQUIRE(s.Control(R"({"fault":"minimal_ack","count":1})").ok());
  REQUIRE(s.Control(R"({"fault":"stale_reads","ms":4000,"what":"positions"})").ok());
  PlaceOrder entry;
  entry.client_order_id = MakeClientOrderId(s.account, OrderPurpose::kEntry, "AVLUSDT", s.clock.NowMs());
  entry.symbol = "AVLUSDT";
  entry.side = Side::kBuy;
  entry.type = OrderType::kMarket;
  entry.qty = D("86");
  auto placed = s.exchange->Place(entry);
  REQUIRE_MESSAGE(placed.ok(), placed.status().ToString());
  CHECK(placed->side == Side::kBuy);  // ...so the adapter asked, instead of assuming
  CHECK(placed->filled_qty == D("86"));
  RecordOpen(s, "AVLUSDT", D("86"), placed->avg_price, placed->update_time);

  // A second later the REST position read still shows nothing (it lags 4 s); the close must not
  // conclude "flat", and must not guess a side.
  s.Wait(1000);
  CHECK(s.exchange->Positions()->empty());
  auto closed = SafeClose(*s.exchange, s.store.get(), CloseOptions(s, "AVLUSDT"));
  REQUIRE_MESSAGE(closed.ok(), closed.status().ToString());
  CHECK(!closed->was_flat);
  CHECK(closed->close_side == Side::kSell);
  CHECK(closed->closed_amount == D("86"));
  CHECK(closed->verified_flat);
  CHECK(s.ExchangeAmount("AVLUSDT") == D("0"));  // closed, never doubled
  CHECK(s.OrdersPlaced() == 2);                   // the entry and one close
  CHECK(s.InvariantFindings() == "");
}

TEST_CASE("scenario 2 (seed 004): a stale positionRisk right after a close is not a ghost orphan") {
  Scenario s;
  PlaceOrder entry;
  entry.client_order_id = MakeClientOrderId(s.account, OrderPurpose::kEntry, "BTCUSDT", s.clock.NowMs());
  entry.symbol = "BTCUSDT";
  entry.side = Side::kBuy;
  entry.type = OrderType::kMarket;
  entry.qty = D("0.010");
  auto placed = s.exchange->Place(entry);
  REQUIRE(placed.ok());
  RecordOpen(s, "BTCUSDT", D("0.010"), placed->avg_price, placed->update_time);
  s.Wait(30'000);
  auto closed = SafeClose(*s.exchange, s.store.get(), CloseOptions(s, "BTCUSDT"));
  REQUIRE(closed.ok());
  REQUIRE(closed->verified_flat);
  // 100 ms later, a REST read that lags 2 s shows the position again.
  REQUIRE(s.Control(R"({"fault":"stale_reads","ms":2000})").ok());
  s.Wait(100);
  auto ghost = s.exchange->Positions();
  REQUIRE(ghost->size() == 1);
  const OrphanScan scan = Scan(s);
  CHECK(scan.findings.empty());
  REQUIRE(scan.ignored.size() == 1);
  CHECK(scan.ignored[0].find("stale") != std::string::npos);
  CHECK(s.OrdersPlaced() == 2);  // no emergency stop for a ghost, no wasted call
}

TEST_CASE("scenario 3: a position opened outside keel is reported, protected, and then clean") {
  Scenario s;
  REQUIRE(s.OutsideOrder("symbol=ETHUSDT&side=SELL&type=MARKET&quantity=0.500&newClientOrderId=web_8Hs2kd91").status == 200);
  s.Wait(11'000);  // past the grace period
  OrphanScan first = Scan(s);
  REQUIRE(first.findings.size() == 2);
  CHECK(first.findings[0].kind == OrphanKind::kUntrackedPosition);
  CHECK(first.findings[1].kind == OrphanKind::kUnprotectedPosition);
  auto position = (*s.exchange->Positions())[0];
  const Instrument eth = s.InstrumentOf("ETHUSDT");
  auto protected_ = ProtectPosition(*s.exchange, *s.store, position, eth, s.Protect(D("2")));
  REQUIRE_MESSAGE(protected_.ok(), protected_.status().ToString());
  CHECK(protected_->adopted);
  CHECK(protected_->stop.side == Side::kBuy);  // a short is protected by a buy stop above
  CHECK(protected_->trigger_price > position.entry_price);
  CHECK(Scan(s).findings.empty());
  // The stop is real: a move through it closes the position.
  REQUIRE(s.Control(R"({"act":"move_price","symbol":"ETHUSDT","percent":"3"})").ok());
  s.Wait(2000);
  CHECK(s.ExchangeAmount("ETHUSDT") == D("0"));
}

TEST_CASE("scenario 4: open in the store, flat on the exchange: reconcile --fix closes it with its own evidence") {
  Scenario s;
  // SOLUSDT was opened and closed on the exchange while keel did not look; the store still holds it.
  REQUIRE(s.OutsideOrder("symbol=SOLUSDT&side=BUY&type=MARKET&quantity=12").status == 200);
  RecordOpen(s, "SOLUSDT", D("12"), D("150"), s.venue->exchange().Position(0, "SOLUSDT", PositionSide::kBoth).update_time);
  s.Wait(5'000);
  REQUIRE(s.OutsideOrder("symbol=SOLUSDT&side=SELL&type=MARKET&quantity=12&reduceOnly=true").status == 200);
  const TimeMs sol_flat_at = s.venue->exchange().Position(0, "SOLUSDT", PositionSide::kBoth).update_time;
  // Another symbol moves later: its time must not become SOLUSDT's evidence.
  s.Wait(20'000);
  REQUIRE(s.OutsideOrder("symbol=XRPUSDT&side=BUY&type=MARKET&quantity=100").status == 200);
  s.Wait(11'000);
  auto account = s.exchange->Account();
  auto view = LoadStoreView(*s.store);
  ReconcileOptions o;
  o.account = s.account;
  o.now = s.clock.NowMs();
  Reconciliation r = Reconcile(*account, *view, o);
  std::vector<Mismatch> sol;
  for (const auto& m : r.mismatches)
    if (m.symbol == "SOLUSDT") sol.push_back(m);
  REQUIRE(sol.size() == 1);
  CHECK(sol[0].kind == MismatchKind::kStoreOpenExchangeFlat);
  CHECK(sol[0].exchange_time == 0);  // no evidence in the account-wide read
  CHECK(ApplyReconcileFixes(*s.store, sol, {MismatchKind::kStoreOpenExchangeFlat}, s.clock.NowMs())->empty());
  REQUIRE(AttachFlatEvidence(*s.exchange, *view, sol).ok());
  CHECK(sol[0].exchange_time == sol_flat_at);  // its own flat row, not XRPUSDT's newer time
  auto applied = ApplyReconcileFixes(*s.store, sol, {MismatchKind::kStoreOpenExchangeFlat}, s.clock.NowMs());
  REQUIRE(applied.ok());
  CHECK(applied->size() == 1);
  PositionFilter closed;
  closed.state = PositionState::kClosed;
  auto positions = s.store->Positions(closed);
  REQUIRE(positions->size() == 1);
  CHECK((*positions)[0].exit_reason == std::optional<std::string>("reconciled: flat on the exchange"));
  CHECK((*positions)[0].exchange_updated_ms == std::optional<TimeMs>(sol_flat_at));
  RecordFilter journal;
  journal.symbol = "SOLUSDT";
  auto entries = s.store->Journal(journal);
  bool evidence = false;
  for (const auto& e : *entries)
    evidence |= e.entity == "reconcile" && e.payload.find("\"before\":{") != std::string::npos &&
                e.payload.find("\"after\":null") != std::string::npos;
  CHECK(evidence);
  // SOLUSDT reopens after its close but before XRPUSDT's time: a real row the guard must not hide.
  REQUIRE(s.OutsideOrder("symbol=SOLUSDT&side=BUY&type=MARKET&quantity=3").status == 200);
  auto again = LoadStoreView(*s.store);
  CHECK(!IsStaleObservation(s.venue->exchange().Position(0, "SOLUSDT", PositionSide::kBoth).update_time,
                            again->NewestPositionTime("SOLUSDT", PositionSide::kBoth)));
}

TEST_CASE("scenario: a flat read no newer than keel's record proves nothing; --fix leaves the position") {
  Scenario s;
  // The store holds a position the exchange has never had (a lagging replica would read like this).
  RecordOpen(s, "LINKUSDT", D("40"), D("18.52"), s.clock.NowMs() - 60'000);
  s.Wait(11'000);
  Reconciliation r = ReconcileWithEvidence(s);
  REQUIRE(r.mismatches.size() == 1);
  CHECK(r.mismatches[0].exchange_time == 0);
  CHECK(r.mismatches[0].detail.find("not proven") != std::string::npos);
  CHECK(ApplyReconcileFixes(*s.store, r.mismatches, {MismatchKind::kStoreOpenExchangeFlat}, s.clock.NowMs())->empty());
  PositionFilter open;
  open.state = PositionState::kOpen;
  CHECK(s.store->Positions(open)->size() == 1);
}

// Chaos seed 955899: a position closed in the millisecond keel recorded it open (a liquidation in
// the entry's own millisecond, the stream down). Its flat row carries that very time and no later
// read is ever newer: a flat row as new as keel's record, with no fill newer than it, is proof
// (as SafeClose's already-flat, 602484); before, the record stayed open to the end.
TEST_CASE("scenario: a flat row as new as keel's record, and no newer fill, proves it flat") {
  Scenario s;
  REQUIRE(s.OutsideOrder("symbol=SOLUSDT&side=BUY&type=MARKET&quantity=12").status == 200);
  const TimeMs opened = s.venue->exchange().Position(0, "SOLUSDT", PositionSide::kBoth).update_time;
  RecordOpen(s, "SOLUSDT", D("12"), D("150"), opened);
  REQUIRE(s.OutsideOrder("symbol=SOLUSDT&side=SELL&type=MARKET&quantity=12&reduceOnly=true").status == 200);
  REQUIRE(s.venue->exchange().Position(0, "SOLUSDT", PositionSide::kBoth).update_time == opened);  // the same ms
  s.Wait(11'000);
  Reconciliation r = ReconcileWithEvidence(s);
  REQUIRE(r.mismatches.size() == 1);
  INFO(r.mismatches[0].detail);
  CHECK(r.mismatches[0].exchange_time == opened);
  auto applied = ApplyReconcileFixes(*s.store, r.mismatches, {MismatchKind::kStoreOpenExchangeFlat}, s.clock.NowMs());
  REQUIRE(applied.ok());
  CHECK(applied->size() == 1);
  PositionFilter open;
  open.state = PositionState::kOpen;
  CHECK(s.store->Positions(open)->empty());
}

TEST_CASE("scenario 5: the exchange cancelled keel's order unseen; a foreign order in the same symbol is left alone") {
  Scenario s;
  PlaceOrder limit;
  limit.client_order_id = MakeClientOrderId(s.account, OrderPurpose::kEntry, "BTCUSDT", s.clock.NowMs());
  limit.symbol = "BTCUSDT";
  limit.side = Side::kBuy;
  limit.type = OrderType::kLimit;
  limit.time_in_force = TimeInForce::kGtx;
  limit.qty = D("0.010");
  limit.price = D("93000.00");
  auto placed = s.exchange->Place(limit);
  REQUIRE(placed.ok());
  OrderRecord mine;
  mine.client_order_id = limit.client_order_id;
  mine.exchange_order_id = placed->exchange_order_id;
  mine.symbol = "BTCUSDT";
  mine.side = Side::kBuy;
  mine.type = OrderType::kLimit;
  mine.purpose = OrderPurpose::kEntry;
  mine.state = OrderState::kNew;
  mine.qty = D("0.010");
  mine.price = D("93000.00");
  WriteBatch b(s.clock.NowMs());
  b.PutOrder(mine, Provenance{Source::kRest, placed->update_time, "ack"});
  REQUIRE(s.store->Write(b).ok());
  REQUIRE(s.OutsideOrder("symbol=BTCUSDT&side=BUY&type=LIMIT&quantity=0.010&price=92000.00&timeInForce=GTC&"
                         "newClientOrderId=web_foreign1").status == 200);
  // Seed 000: the exchange cancels the entry and the stream loses the event.
  REQUIRE(s.Control(R"({"fault":"stream_drop_next","event":"ORDER_TRADE_UPDATE","detail":"CANCELED"})").ok());
  REQUIRE(s.Control(R"({"act":"cancel","symbol":"BTCUSDT","clientOrderId":")" + limit.client_order_id + "\"}").ok());

  auto open = s.exchange->OpenOrders();
  REQUIRE(open->size() == 1);  // only the foreign one
  const auto outcomes = Sweep(s);
  REQUIRE(outcomes.size() == 1);
  CHECK(outcomes[0].client_order_id == limit.client_order_id);
  CHECK(outcomes[0].action.rfind("settled Canceled", 0) == 0);
  CHECK((*s.store->Order(limit.client_order_id))->state == OrderState::kCanceled);
  // The slot is free by construction: an amend of that order would now be refused by the store.
  mine.state = OrderState::kPendingAmend;
  WriteBatch amend(s.clock.NowMs());
  amend.PutOrder(mine, Provenance{Source::kEngine, std::nullopt, "amend"});
  CHECK(s.store->Write(amend).IsConflict());
  auto still = s.exchange->OpenOrders();
  REQUIRE(still->size() == 1);
  CHECK((*still)[0].client_order_id == "web_foreign1");
}

TEST_CASE("an acknowledged order that order reads do not show yet is an unknown outcome, never a guess") {
  Scenario s;
  REQUIRE(s.Control(R"({"fault":"minimal_ack","count":1})").ok());
  REQUIRE(s.Control(R"({"fault":"stale_reads","ms":60000,"what":"orders"})").ok());
  PlaceOrder entry;
  entry.client_order_id = MakeClientOrderId(s.account, OrderPurpose::kEntry, "XRPUSDT", s.clock.NowMs());
  entry.symbol = "XRPUSDT";
  entry.side = Side::kSell;
  entry.type = OrderType::kMarket;
  entry.qty = D("100");
  const TimeMs start = s.clock.NowMs();
  auto placed = s.exchange->Place(entry);
  REQUIRE(!placed.ok());
  CHECK(placed.status().IsUnknownOutcome());
  CHECK(s.clock.NowMs() - start == (OnBybit() ? (bybit::BybitExchange::kAckQueryAttempts - 1) *
                                                     bybit::BybitExchange::kAckQueryIntervalMs
                                               : (binance::BinanceExchange::kAckQueryAttempts - 1) *
                                                     binance::BinanceExchange::kAckQueryIntervalMs));
  CHECK(s.OrdersPlaced() == 1);  // asked again and again, placed once
}

// Chaos seed 931645: a close verified flat by a read older than a fill the stream had told since.
// Reads lag 1.5 s; while the close is being verified, a new entry on the symbol fills and the
// stream tells keel (the store's record of the leg is newer than the close's fill). A row showing
// the leg flat as of the close's fill is then out of date: it is not proof, and keel reads on
// until a row is as new as what it was told, which shows the new position, closed like the rest.
TEST_CASE("scenario: a flat row older than a fill the stream told since proves nothing") {
  Scenario s;
  REQUIRE(s.OutsideOrder("symbol=BNBUSDT&side=BUY&type=MARKET&quantity=2.00").status == 200);
  RecordOpen(s, "BNBUSDT", D("2"), D("652.46"), s.clock.NowMs());
  s.Wait(2000);
  REQUIRE(s.Control(R"({"fault":"stale_reads","ms":1500,"what":"positions"})").ok());
  SafeCloseOptions o = CloseOptions(s, "BNBUSDT");
  bool entered = false;
  o.sleep = [&](TimeMs ms) {
    s.Wait(ms);
    if (entered) return;
    entered = true;
    // A new entry fills; its push reaches keel's store at once.
    REQUIRE(s.OutsideOrder("symbol=BNBUSDT&side=BUY&type=MARKET&quantity=1.00").status == 200);
    RecordOpen(s, "BNBUSDT", D("1"), D("652.46"), s.clock.NowMs());
  };
  auto closed = SafeClose(*s.exchange, s.store.get(), o);
  REQUIRE_MESSAGE(closed.ok(), closed.status().ToString());
  std::ostringstream steps;
  for (const auto& step : closed->steps) steps << step << "\n";
  INFO(steps.str());
  // Never "flat" with the new position open: the close went on to it.
  CHECK(s.ExchangeAmount("BNBUSDT") == D("0"));
  CHECK(closed->verified_flat);
  CHECK(closed->close_orders.size() == 2);
  CHECK(!OpenPositionOf(*s.store, "BNBUSDT", PositionSide::kBoth).value().has_value());
  CHECK(s.InvariantFindings() == "");
}

TEST_CASE("scenario 6: the close is accepted but its answer is lost: no second close, settled by client id") {
  Scenario s;
  REQUIRE(s.OutsideOrder("symbol=BNBUSDT&side=BUY&type=MARKET&quantity=2.00").status == 200);
  RecordOpen(s, "BNBUSDT", D("2"), D("652.46"), s.clock.NowMs());
  REQUIRE(s.Control(R"({"fault":"placement","when":"after","how":"timeout"})").ok());
  const std::int64_t before = s.OrdersPlaced();
  auto closed = SafeClose(*s.exchange, s.store.get(), CloseOptions(s, "BNBUSDT"));
  REQUIRE_MESSAGE(closed.ok(), closed.status().ToString());
  CHECK(closed->verified_flat);
  REQUIRE(closed->close_orders.size() == 1);
  CHECK(closed->close_orders[0].status == OrderStatus::kFilled);
  CHECK(s.OrdersPlaced() == before + 1);
  CHECK(s.ExchangeAmount("BNBUSDT") == D("0"));
  bool settled = false;
  for (const auto& step : closed->steps) settled |= step.find("settling by client order id") != std::string::npos;
  CHECK(settled);
}

TEST_CASE("scenario 7: the network fails in the middle of a scan: exit 3, nothing changed in the store") {
  Scenario s;
  REQUIRE(s.OutsideOrder("symbol=DOGEUSDT&side=BUY&type=MARKET&quantity=1000").status == 200);
  s.Wait(11'000);
  const auto journal_before = s.store->Journal(RecordFilter{})->size();
  s.transport->FailNext(1, 1);  // positions read fine, then the open-order read fails
  std::ostringstream out;
  ops::ToolContext ctx = s.ToolContextFor("keel-scan-orphans", out);
  ops::ScanOrphansOptions o;
  o.protect = true;
  o.stop_pct = D("2");
  o.yes = true;
  auto result = ops::RunScanOrphans(ctx, o);
  REQUIRE(!result.ok());
  CHECK(result.status().IsTransport());
  CHECK(ops::exit_code_for(result.status()) == ops::kExitExchange);
  CHECK(out.str().empty());
  CHECK(ctx.store->Journal(RecordFilter{})->size() == journal_before);
  CHECK(s.venue->exchange().OpenAlgoOrders(0, "").empty());  // no stop was placed
}

TEST_CASE("scenario: a stop accepted but answered 408 is settled, not refused; no scan or sweep cancels it") {
  for (const char* how : {"408", "-1007", "-1006", "garbled", "5xx", "timeout"}) {
    CAPTURE(how);
    Scenario s;
    REQUIRE(s.OutsideOrder("symbol=ETHUSDT&side=SELL&type=MARKET&quantity=0.500&newClientOrderId=web_1").status == 200);
    s.Wait(11'000);
    REQUIRE(s.Control(std::string(R"({"fault":"placement","when":"after","how":")") + how + "\"}").ok());
    auto position = (*s.exchange->Positions())[0];
    const Instrument eth = s.InstrumentOf("ETHUSDT");
    auto protected_ = ProtectPosition(*s.exchange, *s.store, position, eth, s.Protect(D("2")));
    REQUIRE_MESSAGE(protected_.ok(), protected_.status().ToString());  // found by client order id
    CHECK(protected_->stop.status == OrderStatus::kNew);
    const std::string stop_id = protected_->stop.client_order_id;
    CHECK((*s.store->Order(stop_id))->state == OrderState::kNew);
    CHECK(Scan(s).findings.empty());
    CHECK(Sweep(s).empty());
    CHECK(s.venue->exchange().OpenAlgoOrders(0, "ETHUSDT").size() == 1);  // the stop still protects
  }
}

TEST_CASE("scenario: a stop whose outcome stays unknown is left PendingNew, then settled by the ghost sweep") {
  Scenario s;
  REQUIRE(s.OutsideOrder("symbol=ETHUSDT&side=SELL&type=MARKET&quantity=0.500&newClientOrderId=web_1").status == 200);
  s.Wait(11'000);
  REQUIRE(s.Control(R"({"fault":"placement","when":"after","how":"408"})").ok());
  auto position = (*s.exchange->Positions())[0];
  const Instrument eth = s.InstrumentOf("ETHUSDT");
  s.transport->FailNext(5, 2);  // the mark price and the placement go through; every settling query fails
  auto protected_ = ProtectPosition(*s.exchange, *s.store, position, eth, s.Protect(D("2")));
  REQUIRE(!protected_.ok());
  CHECK(protected_.status().IsUnknownOutcome());
  auto orders = s.store->Orders(OrderFilter{});
  REQUIRE(orders->size() == 1);
  CHECK((*orders)[0].state == OrderState::kPendingNew);  // never "Rejected": it may rest on the exchange
  // The next scan does not call it unknown; the sweep settles it from the exchange's list.
  CHECK(Scan(s).findings.size() == 1);  // the store does not track the position yet; its stop is known
  const auto outcomes = Sweep(s);
  REQUIRE(outcomes.size() == 1);
  CHECK(outcomes[0].action.rfind("settled New", 0) == 0);
  CHECK((*s.store->Order((*orders)[0].client_order_id))->state == OrderState::kNew);
  CHECK(s.venue->exchange().OpenAlgoOrders(0, "ETHUSDT").size() == 1);
}

TEST_CASE("scenario: an algo cancel answered with the REST acknowledgement is a success") {
  Scenario s;
  REQUIRE(s.OutsideOrder("symbol=ETHUSDT&side=BUY&type=MARKET&quantity=0.500&newClientOrderId=web_1").status == 200);
  RecordOpen(s, "ETHUSDT", D("0.5"), D("3120.25"), s.clock.NowMs());
  const OrderReport stop = ReduceOnlyStop(s, "ETHUSDT", Side::kSell, D("0.500"), D("3000.00"));
  auto closed = SafeClose(*s.exchange, s.store.get(), CloseOptions(s, "ETHUSDT"));
  REQUIRE_MESSAGE(closed.ok(), closed.status().ToString());
  CHECK(closed->verified_flat);
  REQUIRE(closed->cancelled.size() == 1);
  CHECK(closed->cancelled[0] == stop.client_order_id);
  for (const auto& step : closed->steps) CHECK(step.find("could not cancel") == std::string::npos);
  CHECK((*s.store->Order(stop.client_order_id))->state == OrderState::kCanceled);
  CHECK(s.venue->exchange().OpenAlgoOrders(0, "").empty());

  // keel-cancel-ghosts --cancel on a keel stop the store does not know: "cancelled", not an error.
  REQUIRE(s.exchange->Place(StopMarket(s, OrderPurpose::kStop, "BTCUSDT", Side::kSell, D("0.010"), D("1000.00"), false))
              .ok());
  const auto outcomes = Sweep(s);
  REQUIRE(outcomes.size() == 1);
  CHECK(outcomes[0].ok);
  CHECK(outcomes[0].action == "cancelled");
}

TEST_CASE("scenario: a triggered stop refused by the matching engine (algo REJECTED after NEW) is recorded") {
  Scenario s;
  // An entry stop far too large for the account's margin: accepted by the algo service, refused
  // when it triggers.
  const Decimal mark = *s.exchange->MarkPrice("BTCUSDT");
  const PlaceOrder stop =
      StopMarket(s, OrderPurpose::kEntry, "BTCUSDT", Side::kBuy, D("50.000"),
                 mark.Mul(D("1.01"), Rounding::kNearest)->RoundTo(D("0.10"), Rounding::kCeiling).value(), false);
  auto placed = s.exchange->Place(stop);
  REQUIRE_MESSAGE(placed.ok(), placed.status().ToString());
  OrderRecord mine = PendingRecordOf(stop, OrderPurpose::kEntry, D("50.000"), s.clock.NowMs());
  mine.state = OrderState::kNew;
  WriteBatch b(s.clock.NowMs());
  b.PutOrder(mine, Provenance{Source::kRest, placed->update_time, "ack"});
  REQUIRE(s.store->Write(b).ok());
  REQUIRE(s.Control(R"({"act":"move_price","symbol":"BTCUSDT","percent":"2"})").ok());
  s.Wait(1000);
  REQUIRE(s.venue->exchange().QueryAlgoOrder(0, sim::OrderRef{std::nullopt, stop.client_order_id})->status ==
          sim::AlgoStatus::kRejected);

  std::ostringstream out;
  ops::ToolContext ctx = s.ToolContextFor("keel-cancel-ghosts", out);
  ops::CancelGhostsOptions o;
  o.cancel = true;
  o.yes = true;
  auto first = ops::RunCancelGhosts(ctx, o);
  REQUIRE_MESSAGE(first.ok(), first.status().ToString());
  CHECK(*first == ops::kExitFindings);  // settled: a finding, not a store conflict
  CHECK((*ctx.store->Order(stop.client_order_id))->state == OrderState::kRejected);
  out.str("");
  auto second = ops::RunCancelGhosts(ctx, o);
  REQUIRE(second.ok());
  CHECK(*second == ops::kExitAllClear);
}

TEST_CASE("scenario: an entry whose placement was never settled, read after the exchange forgot it, is too old to read, never rejected") {
  Scenario s;
  // A resting entry whose answer was lost: the store holds it PendingNew.
  const Decimal mark = *s.exchange->MarkPrice("BTCUSDT");
  PlaceOrder entry;
  entry.client_order_id = MakeClientOrderId(s.account, OrderPurpose::kEntry, "BTCUSDT", s.clock.NowMs());
  entry.symbol = "BTCUSDT";
  entry.side = Side::kBuy;
  entry.type = OrderType::kLimit;
  entry.time_in_force = TimeInForce::kGtc;
  entry.qty = D("0.010");
  entry.price = mark.Mul(D("0.97"), Rounding::kNearest)->RoundTo(D("0.10"), Rounding::kFloor).value();
  auto placed = s.exchange->Place(entry);
  REQUIRE_MESSAGE(placed.ok(), placed.status().ToString());
  WriteBatch b(s.clock.NowMs());
  b.PutOrder(PendingRecordOf(entry, OrderPurpose::kEntry, D("0.010"), s.clock.NowMs()),
             Provenance{Source::kEngine, std::nullopt, "sent, answer lost"});
  REQUIRE(s.store->Write(b).ok());
  // Cancelled by someone else, unfilled, and then more time passes than the exchange keeps such an
  // order (Bybit: a service restart also empties the realtime list of closed orders).
  REQUIRE(s.exchange->Cancel(OrderBook::kRegular, "BTCUSDT", entry.client_order_id).ok());
  REQUIRE(s.Control(R"({"fault":"bybit_service_restart"})").ok());
  s.clock.Advance(s.exchange->UnfilledOrderRetentionMs() + 3'600'000);
  s.venue->Tick();
  REQUIRE(s.exchange->Query(OrderBook::kRegular, "BTCUSDT", entry.client_order_id).status().IsNotFound());

  const auto outcomes = Sweep(s);
  REQUIRE(outcomes.size() == 1);
  CHECK(outcomes[0].ok);
  const std::string retention = OnBybit() ? "24 h" : "72 h";
  CHECK(outcomes[0].action == "settled Expired (too old to read: the exchange keeps an order that ended without a fill " +
                                  retention + ", and this one is older; it is not open, whether it was ever placed is unknown)");
  CHECK((*s.store->Order(entry.client_order_id))->state == OrderState::kExpired);  // never kRejected
  CHECK(s.OrdersPlaced() == 1);  // nothing placed again
}

TEST_CASE("scenario: a close larger than MARKET_LOT_SIZE goes out in reduce-only chunks, each its own intent") {
  Scenario s([](sim::SimConfig& c) {
    for (auto& i : c.instruments)
      if (i.filters.symbol == "BTCUSDT") i.market_max_qty = D("0.050");
  });
  REQUIRE(s.OutsideOrder("symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=IOC&price=97000.00&quantity=0.120").status == 200);
  REQUIRE(s.ExchangeAmount("BTCUSDT") == D("0.120"));
  RecordOpen(s, "BTCUSDT", D("0.120"), D("96250"), s.clock.NowMs());
  const std::int64_t before = s.OrdersPlaced();
  auto closed = SafeClose(*s.exchange, s.store.get(), CloseOptions(s, "BTCUSDT"));
  REQUIRE_MESSAGE(closed.ok(), closed.status().ToString());
  CHECK(closed->verified_flat);
  REQUIRE(closed->close_orders.size() == 3);  // 0.05 + 0.05 + 0.02
  CHECK(closed->close_orders[0].qty == D("0.05"));
  CHECK(closed->close_orders[2].qty == D("0.02"));
  CHECK(s.OrdersPlaced() == before + 3);
  CHECK(s.ExchangeAmount("BTCUSDT") == D("0"));
  CHECK(s.store->Intents(RecordFilter{})->size() == 3);
  CHECK(s.InvariantFindings() == "");
}

TEST_CASE("scenario: a leg that does not exist, or a symbol the exchange does not list, is refused before any order") {
  Scenario s;
  REQUIRE(s.OutsideOrder("symbol=ETHUSDT&side=BUY&type=MARKET&quantity=0.500").status == 200);
  SafeCloseOptions o = CloseOptions(s, "ETHUSDT");
  o.position_side = PositionSide::kLong;  // the account is in one-way mode
  auto wrong_leg = SafeClose(*s.exchange, s.store.get(), o);
  REQUIRE(!wrong_leg.ok());
  CHECK(wrong_leg.status().IsInvalidInput());
  CHECK(wrong_leg.status().message().find("one-way mode") != std::string::npos);
  CHECK(ops::exit_code_for(wrong_leg.status()) == ops::kExitUsage);
  auto typo = SafeClose(*s.exchange, s.store.get(), CloseOptions(s, "NOSUCHUSDT"));
  REQUIRE(!typo.ok());
  CHECK(typo.status().message().find("does not list NOSUCHUSDT") != std::string::npos);
  CHECK(ops::exit_code_for(typo.status()) == ops::kExitUsage);
  CHECK(!SafeClose(*s.exchange, s.store.get(), CloseOptions(s, "ethusdt")).ok());
  CHECK(s.OrdersPlaced() == 1);  // only the outside entry
  CHECK(s.ExchangeAmount("ETHUSDT") == D("0.5"));
}

TEST_CASE("scenario: flat is proven by a read newer than the fill; a read that stays behind proves nothing") {
  Scenario s;
  REQUIRE(s.OutsideOrder("symbol=SOLUSDT&side=SELL&type=MARKET&quantity=12").status == 200);
  RecordOpen(s, "SOLUSDT", D("-12"), D("150"), s.venue->exchange().Position(0, "SOLUSDT", PositionSide::kBoth).update_time);
  const OrderReport stop = ReduceOnlyStop(s, "SOLUSDT", Side::kBuy, D("12"), D("160.0000"));
  // Position reads lag 20 s: they show the position (it is older than that), and after the close
  // they keep showing it for 20 s more.
  s.Wait(30'000);
  REQUIRE(s.Control(R"({"fault":"stale_reads","ms":20000,"what":"positions"})").ok());
  SafeCloseOptions o = CloseOptions(s, "SOLUSDT");
  o.verify_attempts = 3;
  auto closed = SafeClose(*s.exchange, s.store.get(), o);
  REQUIRE_MESSAGE(closed.ok(), closed.status().ToString());
  CHECK(s.ExchangeAmount("SOLUSDT") == D("0"));  // the close did fill...
  CHECK(!closed->verified_flat);                  // ...but no read proves it: not claimed
  CHECK(closed->cancelled.empty());               // and the stop stays until it is proven
  CHECK(s.venue->exchange().OpenAlgoOrders(0, "SOLUSDT").size() == 1);
  // Once reads catch up, a run proves it and cleans up.
  REQUIRE(s.Control(R"({"fault":"stale_reads","ms":0})").ok());
  auto again = SafeClose(*s.exchange, s.store.get(), CloseOptions(s, "SOLUSDT"));
  REQUIRE_MESSAGE(again.ok(), again.status().ToString());
  CHECK(again->was_flat);
  CHECK(again->verified_flat);
  CHECK(again->cancelled == std::vector<std::string>{stop.client_order_id});
  CHECK(s.InvariantFindings() == "");
}

TEST_CASE("scenario: the last stop of an open position is adopted by the ghost sweep, never cancelled") {
  Scenario s;
  REQUIRE(s.OutsideOrder("symbol=ETHUSDT&side=BUY&type=MARKET&quantity=0.500").status == 200);
  RecordOpen(s, "ETHUSDT", D("0.5"), D("3120.25"), s.clock.NowMs());
  // keel's stop is on the exchange but its record is not in this store (restored from an old copy).
  const PlaceOrder stop = StopMarket(s, OrderPurpose::kStop, "ETHUSDT", Side::kSell, D("0.500"), D("3000.00"), true);
  REQUIRE(s.exchange->Place(stop).ok());
  // And a keel entry order nobody needs.
  PlaceOrder bid;
  bid.client_order_id = MakeClientOrderId(s.account, OrderPurpose::kEntry, "ETHUSDT", s.clock.NowMs() + 1);
  bid.symbol = "ETHUSDT";
  bid.side = Side::kBuy;
  bid.type = OrderType::kLimit;
  bid.time_in_force = TimeInForce::kGtc;
  bid.qty = D("0.010");
  bid.price = D("3000.00");
  REQUIRE(s.exchange->Place(bid).ok());
  s.Wait(11'000);
  CHECK(Scan(s).findings.size() == 2);  // both keel orders are unknown to the store

  const auto outcomes = Sweep(s);
  REQUIRE(outcomes.size() == 2);
  std::map<std::string, std::string> action;
  for (const auto& g : outcomes) action[g.client_order_id] = g.action;
  CHECK(action[stop.client_order_id] == "adopted: it protects open position ETHUSDT/BOTH");
  CHECK(action[bid.client_order_id] == "cancelled");
  CHECK(s.venue->exchange().OpenAlgoOrders(0, "ETHUSDT").size() == 1);  // the stop still protects
  CHECK(s.venue->exchange().OpenOrders(0, "ETHUSDT").empty());
  PositionFilter open;
  open.state = PositionState::kOpen;
  CHECK((*s.store->Positions(open))[0].stop_client_order_id == std::optional<std::string>(stop.client_order_id));
  CHECK(Scan(s).findings.empty());
  CHECK(s.InvariantFindings() == "");
}

TEST_CASE("scenario: a closePosition stop the exchange expires with its position is recorded, not left open") {
  Scenario s;
  REQUIRE(s.OutsideOrder("symbol=ETHUSDT&side=BUY&type=MARKET&quantity=0.500&newClientOrderId=web_1").status == 200);
  s.Wait(11'000);
  auto position = (*s.exchange->Positions())[0];
  auto protected_ = ProtectPosition(*s.exchange, *s.store, position, s.InstrumentOf("ETHUSDT"), s.Protect(D("2")));
  REQUIRE(protected_.ok());
  auto closed = SafeClose(*s.exchange, s.store.get(), CloseOptions(s, "ETHUSDT"));
  REQUIRE_MESSAGE(closed.ok(), closed.status().ToString());
  CHECK(closed->verified_flat);
  CHECK(closed->cancelled.empty());  // nothing left to cancel: the exchange expired it (GTE_GTC)
  CHECK((*s.store->Order(protected_->stop.client_order_id))->state == OrderState::kExpired);
  auto view = LoadStoreView(*s.store);
  CHECK(view->open_orders.empty());
}

TEST_CASE("scenario: a liquidation whose ACCOUNT_UPDATE is lost still closes keel's record of the position") {
  Scenario s;
  REQUIRE(s.OutsideOrder("symbol=ETHUSDT&side=BUY&type=MARKET&quantity=0.500").status == 200);
  RecordOpen(s, "ETHUSDT", D("0.5"), D("3120.25"), s.venue->exchange().Position(0, "ETHUSDT", PositionSide::kBoth).update_time);
  s.Wait(1000);
  REQUIRE(s.Control(R"({"fault":"stream_drop_next","event":"ACCOUNT_UPDATE","count":5})").ok());
  REQUIRE(s.Control(R"({"act":"liquidate","account":"demo","symbol":"ETHUSDT"})").ok());
  s.clock.Advance(10);
  s.venue->Tick();
  // What the stream delivers, in the dialect's wire format, through keel's own codec and applier.
  std::vector<std::string> symbols_to_read;
  int applied = 0;
  auto feed = sim::DialectFeed::Create(s.dialect, s.venue->exchange(), "keel-demo-key");
  REQUIRE(feed.ok());
  for (const auto& e : s.venue->TakeDueUserEvents()) {
    auto items = (*feed)->Decode(e);
    REQUIRE_MESSAGE(items.ok(), items.status().ToString());
    for (const auto& item : *items) {
      const auto* o = std::get_if<OrderEvent>(&item);
      if (!o) {
        // Bybit pushes the position on the liquidation order's create too (position.mdx: on
        // every create, amend and cancel), as it is then: the report is not lost with the fill's.
        REQUIRE_MESSAGE(s.dialect == sim::Dialect::kBybitV5, "every ACCOUNT_UPDATE was dropped: no position event");
        auto r = ApplyPositionEvent(*s.store, std::get<PositionEvent>(item), s.clock.NowMs());
        REQUIRE_MESSAGE(r.ok(), r.status().ToString());
        continue;
      }
      auto r = ApplyOrderEvent(*s.store, *o, s.clock.NowMs());
      REQUIRE_MESSAGE(r.ok(), r.status().ToString());
      symbols_to_read.insert(symbols_to_read.end(), r->rest_reads.begin(), r->rest_reads.end());
      ++applied;
    }
  }
  CHECK(applied >= 2);  // the autoclose order's NEW and its CALCULATED fill
  PositionFilter open;
  open.state = PositionState::kOpen;
  CHECK(s.store->Positions(open)->empty());
  PositionFilter closed;
  closed.state = PositionState::kClosed;
  CHECK((*s.store->Positions(closed))[0].exit_reason ==
        std::optional<std::string>(s.dialect == sim::Dialect::kBybitV5 ? "flat on the exchange" : "liquidated"));
  CHECK(std::find(symbols_to_read.begin(), symbols_to_read.end(), "ETHUSDT") != symbols_to_read.end());
  bool incident = false;
  for (const auto& i : *s.store->Incidents(RecordFilter{})) incident |= i.kind == IncidentKind::kLiquidation;
  CHECK(incident);
}

// Issue [1/6] case 5: a flat read is proof only when it is current. A short opened outside keel
// while position reads lag 30 s reads flat, but the trade history has a fill newer than the row:
// "cannot prove flat" (exit 4), never "already flat".
TEST_CASE("scenario: a position closed in the millisecond it opened is proven flat by a read of that time") {
  // Chaos seed 602484: a rollback's close filled in the entry's millisecond. The flat row carries
  // that time forever; asking for a newer one left the rollback "not verified" and the store open.
  Scenario s;
  s.Wait(1000);
  REQUIRE(s.OutsideOrder("symbol=ETHUSDT&side=SELL&type=MARKET&quantity=0.100").status == 200);
  const TimeMs filled = s.clock.NowMs();
  RecordOpen(s, "ETHUSDT", D("-0.100"), D("3120"), filled);
  REQUIRE(s.OutsideOrder("symbol=ETHUSDT&side=BUY&type=MARKET&quantity=0.100&reduceOnly=true").status == 200);
  REQUIRE(s.clock.NowMs() == filled);
  REQUIRE(s.ExchangeAmount("ETHUSDT") == D("0"));
  SafeCloseOptions o = CloseOptions(s, "ETHUSDT");
  o.verify_attempts = 2;
  auto closed = SafeClose(*s.exchange, s.store.get(), o);
  REQUIRE_MESSAGE(closed.ok(), closed.status().ToString());
  INFO(closed->not_verified_reason);
  CHECK(closed->was_flat);
  CHECK(closed->verified_flat);
  CHECK(closed->flat_as_of == filled);
  CHECK(!closed->sent);
  PositionFilter open;
  open.state = PositionState::kOpen;
  CHECK(s.store->Positions(open)->empty());
}

TEST_CASE("scenario: a stale flat read with a newer fill in the trade history is not 'already flat'") {
  Scenario s;
  s.Wait(1000);
  REQUIRE(s.Control(R"({"fault":"stale_reads","ms":30000,"what":"positions"})").ok());
  REQUIRE(s.OutsideOrder("symbol=ETHUSDT&side=SELL&type=MARKET&quantity=0.100").status == 200);
  s.Wait(1000);
  REQUIRE(s.ExchangeAmount("ETHUSDT") == D("-0.100"));
  SafeCloseOptions o = CloseOptions(s, "ETHUSDT");
  o.verify_attempts = 3;
  auto closed = SafeClose(*s.exchange, s.store.get(), o);
  REQUIRE_MESSAGE(closed.ok(), closed.status().ToString());
  CHECK(closed->was_flat);        // what the read said...
  CHECK(!closed->verified_flat);  // ...proves nothing
  CHECK(Contains(closed->not_verified_reason, "reads lag"));
  CHECK(!closed->sent);
  // A symbol never traded reads flat with nothing newer in its history: proven.
  auto never = SafeClose(*s.exchange, s.store.get(), CloseOptions(s, "SOLUSDT"));
  REQUIRE_MESSAGE(never.ok(), never.status().ToString());
  CHECK(never->verified_flat);
  // The tool says so: exit 4, "verified_flat": false.
  {
    std::ostringstream out;
    ops::ToolContext ctx = s.ToolContextFor("keel-close-position", out);
    ctx.common.json = true;
    ops::ClosePositionOptions co;
    co.symbol = "ETHUSDT";
    co.yes = true;
    co.verify_attempts = 3;
    co.verify_interval_ms = 1000;  // on the scenario's clock: the tool's waits are the clock's
    auto code = ops::RunClosePosition(ctx, co);
    REQUIRE_MESSAGE(code.ok(), code.status().ToString());
    INFO(out.str());
    CHECK(*code == ops::kExitNotVerified);
    CHECK(Contains(out.str(), R"("verified_flat": false)"));
    CHECK(Contains(out.str(), "cannot prove ETHUSDT flat"));
  }
  CHECK(s.ExchangeAmount("ETHUSDT") == D("-0.100"));
  // Once the reads catch up the same close sees the short, closes it and proves it.
  REQUIRE(s.Control(R"({"fault":"stale_reads","ms":0})").ok());
  auto exchange = sim::MakeExchange(s.dialect, *s.transport, "keel-demo-key", Secret("keel-demo-secret"), s.clock,
                                    s.Sleeper());
  auto again = SafeClose(*exchange, nullptr, CloseOptions(s, "ETHUSDT"));
  REQUIRE_MESSAGE(again.ok(), again.status().ToString());
  CHECK(!again->was_flat);
  CHECK(again->verified_flat);
  CHECK(s.ExchangeAmount("ETHUSDT") == D("0"));
}

// Issue [1/6] case 5, the scan's half: the same short behind position reads 30 s late is not in
// the account read, and keel-scan-orphans said "no orphans", exit 0. Its fill is newer than every
// position read: "cannot prove" (exit 4), and once the reads catch up, the orphan (exit 1).
TEST_CASE("scenario: keel-scan-orphans does not say 'no orphans' on reads older than the last fill") {
  Scenario s;
  s.Wait(1000);
  const ops::ToolSpec spec{"keel-scan-orphans", "", ops::StoreAccess::kReadOnly, false, true};
  AccountConfig config;
  config.account_name = s.account;
  auto scan = [&]() {
    std::ostringstream out;
    ops::ToolContext ctx{spec, {}, config, ops::OwnedOrBorrowed<StateStore>::Borrow(*s.store), "", out, s.clock,
                         ops::OwnedOrBorrowed<Exchange>::Borrow(*s.exchange)};
    auto code = ops::RunScanOrphans(ctx, ops::ScanOrphansOptions{});
    REQUIRE_MESSAGE(code.ok(), code.status().ToString());
    return std::make_pair(*code, out.str());
  };
  // A quiet account is all clear.
  auto quiet = scan();
  CHECK(quiet.first == ops::kExitAllClear);
  REQUIRE(s.Control(R"({"fault":"stale_reads","ms":30000,"what":"positions"})").ok());
  REQUIRE(s.OutsideOrder("symbol=ETHUSDT&side=SELL&type=MARKET&quantity=0.100").status == 200);
  s.Wait(11'000);  // past the scan's grace period
  auto lagging = scan();
  INFO(lagging.second);
  CHECK(lagging.first == ops::kExitNotVerified);
  CHECK(!Contains(lagging.second, "no orphans: every position"));
  CHECK(Contains(lagging.second, "ETHUSDT: a fill at"));
  CHECK(Contains(lagging.second, "reads lag"));
  REQUIRE(s.Control(R"({"fault":"stale_reads","ms":0})").ok());
  auto caught_up = scan();
  INFO(caught_up.second);
  CHECK(caught_up.first == ops::kExitFindings);
  CHECK(Contains(caught_up.second, "ETHUSDT"));
}

// Issue [4/6] item 6: a partial close is a close of part of the position, with every guarantee of
// a close: the side from the exchange, reduce-only, intent first, a lost answer settled by client
// id and never sent twice, and "done" only when a read newer than the fill shows what is left.
TEST_CASE("scenario: a partial close closes the part asked, proven by a read newer than its fill; the stop stays") {
  Scenario s;
  REQUIRE(s.OutsideOrder("symbol=BNBUSDT&side=BUY&type=MARKET&quantity=2.00").status == 200);
  RecordOpen(s, "BNBUSDT", D("2"), D("652.46"), s.clock.NowMs());
  const OrderReport stop = ReduceOnlyStop(s, "BNBUSDT", Side::kSell, D("2"), D("600"));
  s.Wait(2000);
  // Reads lag, and the close's answer is lost after the exchange took it.
  REQUIRE(s.Control(R"({"fault":"stale_reads","ms":1500,"what":"positions"})").ok());
  REQUIRE(s.Control(R"({"fault":"placement","when":"after","how":"timeout"})").ok());
  const std::int64_t before = s.OrdersPlaced();
  SafeCloseOptions o = CloseOptions(s, "BNBUSDT");
  o.reduce_by = D("0.5");
  auto reduced = SafeClose(*s.exchange, s.store.get(), o);
  REQUIRE_MESSAGE(reduced.ok(), reduced.status().ToString());
  INFO(reduced->not_verified_reason);
  CHECK(reduced->verified_reduced);
  CHECK(!reduced->verified_flat);
  CHECK(reduced->reduced_by == D("0.5"));
  CHECK(reduced->remaining_amount == D("1.5"));
  REQUIRE(reduced->close_orders.size() == 1);
  CHECK(s.OrdersPlaced() == before + 1);  // settled by client id, never sent twice
  bool settled = false;
  for (const auto& step : reduced->steps) settled |= Contains(step, "settling by client order id");
  CHECK(settled);
  CHECK(s.ExchangeAmount("BNBUSDT") == D("1.5"));
  auto held = OpenPositionOf(*s.store, "BNBUSDT", PositionSide::kBoth);
  REQUIRE(held.ok());
  REQUIRE(*held);
  CHECK((*held)->qty == D("1.5"));
  // The stop is untouched: it still rests and protects what is left.
  auto still = s.exchange->Query(OrderBook::kConditional, "BNBUSDT", stop.client_order_id);
  REQUIRE(still.ok());
  CHECK(still->status == OrderStatus::kNew);
  CHECK(s.InvariantFindings() == "");
}

TEST_CASE("scenario: a partial close by percent rounds down to the lot step; all of it, or nothing, is refused unsent") {
  Scenario s;
  REQUIRE(s.OutsideOrder("symbol=BNBUSDT&side=BUY&type=MARKET&quantity=2.00").status == 200);
  RecordOpen(s, "BNBUSDT", D("2"), D("652.46"), s.clock.NowMs());
  s.Wait(2000);
  const std::int64_t before = s.OrdersPlaced();
  auto refused = [&](std::optional<Decimal> qty, std::optional<Decimal> pct) {
    SafeCloseOptions o = CloseOptions(s, "BNBUSDT");
    o.reduce_by = qty;
    o.reduce_pct = pct;
    auto r = SafeClose(*s.exchange, s.store.get(), o);
    REQUIRE(!r.ok());
    return r.status();
  };
  CHECK(refused(D("2"), std::nullopt).message() ==
        "a partial close of 2 is the whole BNBUSDT position (2): close it instead; nothing was sent");
  CHECK(refused(D("0.001"), std::nullopt).message() ==
        "a partial close of BNBUSDT rounds to nothing at its lot step: nothing was sent");
  CHECK(refused(D("1"), D("50")).IsInvalidInput());
  CHECK(refused(std::nullopt, D("100")).IsInvalidInput());
  CHECK(s.OrdersPlaced() == before);

  SafeCloseOptions o = CloseOptions(s, "BNBUSDT");
  o.reduce_pct = D("33");
  auto third = SafeClose(*s.exchange, s.store.get(), o);
  REQUIRE_MESSAGE(third.ok(), third.status().ToString());
  CHECK(third->verified_reduced);
  CHECK(third->reduced_by == D("0.66"));
  CHECK(s.ExchangeAmount("BNBUSDT") == D("1.34"));

  SafeCloseOptions none = CloseOptions(s, "ETHUSDT");
  none.reduce_by = D("0.1");
  auto flat = SafeClose(*s.exchange, s.store.get(), none);
  REQUIRE(!flat.ok());
  CHECK(flat.status().IsNotFound());
  CHECK(s.OrdersPlaced() == before + 1);
}

TEST_CASE("scenario: a position that grows while a partial close is verified is not closed further: not verified") {
  Scenario s;
  REQUIRE(s.OutsideOrder("symbol=BNBUSDT&side=BUY&type=MARKET&quantity=2.00").status == 200);
  RecordOpen(s, "BNBUSDT", D("2"), D("652.46"), s.clock.NowMs());
  s.Wait(2000);
  SafeCloseOptions o = CloseOptions(s, "BNBUSDT");
  o.reduce_by = D("1");
  bool grew = false;
  const std::int64_t before = s.OrdersPlaced();
  // Between the close's fill and keel's read of the position, another fill adds 0.5 (an entry
  // filling on the same leg): the read shows 1.5, not the 1 to be left.
  o.now = [&, clock = s.Now()]() {
    if (!grew && s.OrdersPlaced() > before) {
      grew = true;
      REQUIRE(s.OutsideOrder("symbol=BNBUSDT&side=BUY&type=MARKET&quantity=0.50").status == 200);
    }
    return clock();
  };
  auto r = SafeClose(*s.exchange, s.store.get(), o);
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  INFO(r->not_verified_reason);
  CHECK(grew);
  CHECK(!r->verified_reduced);
  CHECK(Contains(r->not_verified_reason, "something else changed the position"));
  CHECK(r->reduced_by == D("1"));
  CHECK(s.OrdersPlaced() == before + 2);  // the close and the outside order: nothing closed beyond the part
  CHECK(s.ExchangeAmount("BNBUSDT") == D("1.5"));
}
