// The stream's events applied to a real store: what is understood moves orders and positions, what
// is not is journaled and handed back as a REST read; a liquidation closes a position even when its
// ACCOUNT_UPDATE never arrived. Payloads: tests/fixtures/binance (SOURCES.md).
#include <doctest/doctest.h>

#include "keel/binance/codec.h"
#include "keel/bybit/codec.h"
#include "keel/engine/event_applier.h"
#include "keel/store/sqlite_store.h"
#include "subprocess.h"
#include "temp_dir.h"
#include "venue_fixture.h"

using namespace keel;

namespace {

Decimal D(const char* t) { return Decimal::Parse(t).value(); }
std::string fixture(const std::string& name) {
  return test::read_file(test::source_path("tests/fixtures/binance/" + name));
}

constexpr TimeMs kBefore = 1568879000000;  // before every fixture's exchange time
constexpr TimeMs kNow = 1568879466000;

struct Store {
  test::TempDir dir;
  std::unique_ptr<SqliteStore> store = SqliteStore::OpenWriter(dir.file("a.db")).value();

  void Open(const std::string& symbol, PositionSide side, const char* qty) {
    PositionRecord p;
    p.symbol = symbol;
    p.position_side = side;
    p.qty = D(qty);
    p.entry_price = D("10000");
    p.opened_ms = kBefore;
    p.exchange_updated_ms = kBefore;
    WriteBatch b(kBefore);
    b.PutOpenPosition(p, Provenance{Source::kStream, kBefore, "test"});
    REQUIRE(store->Write(b).ok());
  }
  std::optional<PositionRecord> OpenPosition(const std::string& symbol, PositionSide side) {
    PositionFilter f;
    f.symbol = symbol;
    f.state = PositionState::kOpen;
    for (const auto& p : *store->Positions(f))
      if (p.position_side == side) return p;
    return std::nullopt;
  }
  std::vector<JournalEntry> StreamJournal() {
    std::vector<JournalEntry> out;
    for (auto& e : *store->Journal(RecordFilter{}))
      if (e.entity == "stream") out.push_back(e);
    return out;
  }
};

OrderEvent Order(const std::string& json) {
  auto e = binance::ParseUserDataEvent(json);
  REQUIRE_MESSAGE(e.ok(), e.status().ToString());
  return std::get<OrderEvent>(*e);
}

}  // namespace

TEST_CASE("a liquidation whose ACCOUNT_UPDATE was lost still closes the position, journaled and flagged") {
  Store s;
  s.Open("BTCUSDT", PositionSide::kBoth, "0.010");
  const OrderEvent e = Order(fixture("order_trade_update_liquidation.json"));
  CHECK(e.type == std::optional<OrderType>(OrderType::kLiquidation));
  CHECK(e.exchange_generated);
  CHECK(e.expiry_reason == "0");
  auto r = ApplyOrderEvent(*s.store, e, kNow);
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  CHECK(!s.OpenPosition("BTCUSDT", PositionSide::kBoth));
  PositionFilter closed;
  closed.state = PositionState::kClosed;
  auto positions = s.store->Positions(closed);
  REQUIRE(positions->size() == 1);
  CHECK((*positions)[0].exit_reason == std::optional<std::string>("liquidated"));
  auto incidents = s.store->Incidents(RecordFilter{});
  REQUIRE(incidents->size() == 1);
  CHECK((*incidents)[0].kind == IncidentKind::kLiquidation);
  REQUIRE(s.StreamJournal().size() == 1);
  CHECK(s.StreamJournal()[0].payload.find("\"type\":\"LIQUIDATION\"") != std::string::npos);
  CHECK(r->rest_reads == std::vector<std::string>{"BTCUSDT"});
}

TEST_CASE("NEW_INSURANCE and NEW_ADL fills are applied, not dropped") {
  Store s;
  s.Open("BTCUSDT", PositionSide::kBoth, "0.010");
  auto insurance = ApplyOrderEvent(*s.store, Order(fixture("order_trade_update_insurance.json")), kNow);
  REQUIRE(insurance.ok());
  CHECK(s.OpenPosition("BTCUSDT", PositionSide::kBoth)->qty == D("0.006"));

  s.Open("BTCUSDT", PositionSide::kShort, "-0.010");
  const OrderEvent adl = Order(fixture("order_trade_update_adl.json"));
  CHECK(adl.status == std::optional<OrderStatus>(OrderStatus::kNewAdl));
  auto applied = ApplyOrderEvent(*s.store, adl, kNow);
  REQUIRE(applied.ok());
  CHECK(!s.OpenPosition("BTCUSDT", PositionSide::kShort));
  PositionFilter closed;
  closed.state = PositionState::kClosed;
  CHECK((*s.store->Positions(closed))[0].exit_reason == std::optional<std::string>("auto-deleveraged"));
}

TEST_CASE("a value keel does not know: the event is kept, journaled, its fill applied, the symbol read by REST") {
  Store s;
  s.Open("BTCUSDT", PositionSide::kBoth, "0.010");
  std::string json = fixture("order_trade_update_liquidation.json");
  json.replace(json.find("\"X\":\"FILLED\""), 12, "\"X\":\"NEW_SOMETHING\"");
  json.replace(json.find("\"x\":\"CALCULATED\""), 16, "\"x\":\"RESTATED\"");
  const OrderEvent e = Order(json);
  CHECK(!e.recognized());
  CHECK(e.unrecognized == std::vector<std::string>{"X=NEW_SOMETHING", "x=RESTATED"});
  auto r = ApplyOrderEvent(*s.store, e, kNow);
  REQUIRE(r.ok());
  CHECK(!s.OpenPosition("BTCUSDT", PositionSide::kBoth));  // the fill's side and quantity are known
  CHECK(r->rest_reads == std::vector<std::string>{"BTCUSDT"});
  REQUIRE(s.StreamJournal().size() == 1);
  CHECK(s.StreamJournal()[0].payload.find("NEW_SOMETHING") != std::string::npos);
}

TEST_CASE("keel's own order moves through its lifecycle; an older or illegal observation does not") {
  Store s;
  OrderRecord mine;
  mine.client_order_id = "TEST";
  mine.symbol = "BTCUSDT";
  mine.side = Side::kSell;
  mine.position_side = PositionSide::kLong;
  mine.type = OrderType::kTrailingStopMarket;
  mine.purpose = OrderPurpose::kStop;
  mine.state = OrderState::kPendingNew;
  mine.qty = D("0.001");
  mine.reduce_only = true;
  WriteBatch b(kBefore);
  b.PutOrder(mine, Provenance{Source::kEngine, std::nullopt, "sending"});
  REQUIRE(s.store->Write(b).ok());
  const OrderEvent docs = Order(fixture("order_trade_update_docs.json"));  // NEW for client id "TEST"
  REQUIRE(ApplyOrderEvent(*s.store, docs, kNow).ok());
  CHECK((*s.store->Order("TEST"))->state == OrderState::kNew);
  CHECK((*s.store->Order("TEST"))->exchange_order_id == std::optional<std::string>("8886774"));

  // Cancelled, then an older NEW arrives late: ignored.
  OrderEvent cancelled = docs;
  cancelled.venue_status = "CANCELED";
  cancelled.status = OrderStatus::kCanceled;
  cancelled.transaction_time += 10;
  REQUIRE(ApplyOrderEvent(*s.store, cancelled, kNow).ok());
  auto late = ApplyOrderEvent(*s.store, docs, kNow);
  REQUIRE(late.ok());
  CHECK((*s.store->Order("TEST"))->state == OrderState::kCanceled);

  // A newer event that would break the lifecycle is recorded as an incident, never forced.
  OrderEvent resurrected = docs;
  resurrected.transaction_time += 20;
  auto illegal = ApplyOrderEvent(*s.store, resurrected, kNow);
  REQUIRE(illegal.ok());
  CHECK((*s.store->Order("TEST"))->state == OrderState::kCanceled);
  CHECK((*s.store->Incidents(RecordFilter{}))[0].kind == IncidentKind::kIllegalTransition);
  CHECK(illegal->rest_reads == std::vector<std::string>{"BTCUSDT"});
}

TEST_CASE("a fill reported by ACCOUNT_UPDATE first is not counted twice") {
  Store s;
  s.Open("BTCUSDT", PositionSide::kBoth, "0.010");
  auto account = binance::ParseUserDataEvent(fixture("account_update.json"));
  REQUIRE(account.ok());
  PositionEvent pe = std::get<PositionEvent>(*account);
  pe.positions.resize(1);  // the page's one-way row (BTCUSDT BOTH); its hedge pair is another account's shape
  pe.transaction_time = pe.positions[0].update_time = kBefore + 1000;  // the fixture predates the store
  pe.positions[0].amount = D("0.025");
  REQUIRE(ApplyPositionEvent(*s.store, pe, kNow).ok());
  CHECK(s.OpenPosition("BTCUSDT", PositionSide::kBoth)->qty == D("0.025"));
  // The same trade's ORDER_TRADE_UPDATE, same T: not applied again; read by REST to be sure.
  OrderEvent fill = Order(fixture("order_trade_update_liquidation.json"));
  fill.exchange_generated = false;
  fill.side = Side::kBuy;
  fill.last_qty = D("0.015");
  fill.transaction_time = pe.transaction_time;
  auto r = ApplyOrderEvent(*s.store, fill, kNow);
  REQUIRE(r.ok());
  CHECK(s.OpenPosition("BTCUSDT", PositionSide::kBoth)->qty == D("0.025"));
  CHECK(r->rest_reads == std::vector<std::string>{"BTCUSDT"});
  // ACCOUNT_UPDATE flat closes it; an untracked position is reported, not adopted here.
  pe.positions[0].amount = D("0");
  pe.transaction_time += 1;
  pe.positions[0].update_time += 1;
  PositionReport other = pe.positions[0];
  other.symbol = "ETHUSDT";
  other.amount = D("1");
  pe.positions.push_back(other);
  auto flat = ApplyPositionEvent(*s.store, pe, kNow);
  REQUIRE(flat.ok());
  CHECK(!s.OpenPosition("BTCUSDT", PositionSide::kBoth));
  CHECK(flat->untracked == std::vector<std::string>{"ETHUSDT/BOTH"});
  CHECK(!s.OpenPosition("ETHUSDT", PositionSide::kBoth));
}

TEST_CASE("a fill inside the change its own ACCOUNT_UPDATE reported is counted already; one beyond it is read by REST") {
  Store s;
  s.Open("BTCUSDT", PositionSide::kBoth, "0.010");
  ReportedChanges reported;
  constexpr TimeMs kT = kNow - 100;
  // Binance sends the position change first, with the fill's own time...
  PositionEvent au;
  au.venue_event = "ACCOUNT_UPDATE";
  au.transaction_time = au.event_time = kT;
  au.reason = "ORDER";
  au.positions.push_back(PositionReport{"BTCUSDT", PositionSide::kBoth, D("0.015"), D("10000"), kT});
  REQUIRE(ApplyPositionEvent(*s.store, au, kNow, &reported).ok());
  // ...then the fill.
  OrderEvent fill;
  fill.venue_event = "ORDER_TRADE_UPDATE";
  fill.transaction_time = fill.event_time = kT;
  fill.client_order_id = "someone-else";
  fill.symbol = "BTCUSDT";
  fill.side = Side::kBuy;
  fill.position_side = PositionSide::kBoth;
  fill.venue_status = "FILLED";
  fill.status = OrderStatus::kFilled;
  fill.venue_execution = "TRADE";
  fill.qty = fill.filled_qty = fill.last_qty = D("0.005");
  fill.last_price = D("10000");
  auto first = ApplyOrderEvent(*s.store, fill, kNow, &reported);
  REQUIRE(first.ok());
  CHECK(first->rest_reads.empty());
  CHECK(s.OpenPosition("BTCUSDT", PositionSide::kBoth)->qty == D("0.015"));  // not counted twice
  // A second trade in the same millisecond whose report never came: nobody can tell, so ask.
  fill.last_qty = D("0.002");
  auto second = ApplyOrderEvent(*s.store, fill, kNow, &reported);
  REQUIRE(second.ok());
  CHECK(second->rest_reads == std::vector<std::string>{"BTCUSDT"});
  CHECK(s.OpenPosition("BTCUSDT", PositionSide::kBoth)->qty == D("0.015"));
  // Without the memory (a tool applying one event) the same fill is read by REST, as before.
  auto alone = ApplyOrderEvent(*s.store, fill, kNow);
  CHECK(alone->rest_reads == std::vector<std::string>{"BTCUSDT"});
  // The opposite direction is never inside a change.
  ReportedChanges r2;
  r2.Record("X/BOTH", kT, D("0.005"));
  CHECK(!r2.Take("X/BOTH", kT, D("-0.005")));
  CHECK(!r2.Take("X/BOTH", kT + 1, D("0.005")));
  CHECK(r2.Take("X/BOTH", kT, D("0.002")));
  CHECK(r2.Take("X/BOTH", kT, D("0.003")));
  CHECK(!r2.Take("X/BOTH", kT, D("0.001")));
}

// Issue [1/6] case 9: the position push before the order push of the fill behind it (Bybit's
// topics, Binance's ACCOUNT_UPDATE before ORDER_TRADE_UPDATE), the order stamped a millisecond
// after: a reduce-only fill on a leg the store has just closed is journaled, with no REST read.
// A fill that could open something is still read.
TEST_CASE("a reduce-only fill after the position push that closed its leg is journaled, not read by REST") {
  Store s;
  s.Open("ETHUSDT", PositionSide::kBoth, "0.100");
  constexpr TimeMs kT = kNow - 100;
  PositionEvent flat;
  flat.venue_event = "position";
  flat.transaction_time = flat.event_time = kT;
  flat.positions.push_back(PositionReport{"ETHUSDT", PositionSide::kBoth, D("0"), D("0"), kT});
  REQUIRE(ApplyPositionEvent(*s.store, flat, kNow).ok());
  REQUIRE(!s.OpenPosition("ETHUSDT", PositionSide::kBoth));
  OrderEvent fill;
  fill.venue_event = "order";
  fill.transaction_time = fill.event_time = kT + 1;
  fill.client_order_id = "someone-elses-take-profit";
  fill.symbol = "ETHUSDT";
  fill.side = Side::kSell;
  fill.position_side = PositionSide::kBoth;
  fill.venue_status = "Filled";
  fill.status = OrderStatus::kFilled;
  fill.venue_execution = "TRADE";
  fill.reduce_only = true;
  fill.qty = fill.filled_qty = fill.last_qty = D("0.100");
  fill.last_price = D("3000");
  auto r = ApplyOrderEvent(*s.store, fill, kNow);
  REQUIRE(r.ok());
  CHECK(r->rest_reads.empty());
  CHECK(!s.OpenPosition("ETHUSDT", PositionSide::kBoth));
  // The same fill without reduce-only could have opened a position: read by REST.
  fill.reduce_only = false;
  fill.transaction_time += 1;
  auto opening = ApplyOrderEvent(*s.store, fill, kNow);
  REQUIRE(opening.ok());
  CHECK(opening->rest_reads == std::vector<std::string>{"ETHUSDT"});
}

// Bybit's fills, joined to position reports by seq (keel/bybit/sequence_join.h): the join says how
// each fill relates to the reports, and the applier follows it. The documentation's execution row
// (tests/fixtures/bybit/ws_execution.json): BTCUSDT Sell 0.5 @ 95900.1, one-way.
TEST_CASE("joined fills: counted by a report moves nothing; not reported moves and reads; unknown reads only") {
  auto message = bybit::ParsePrivateMessage(
      test::bybit_fixture("ws_execution.json"));
  REQUIRE(message.ok());
  OrderEvent fill = bybit::FillEventOf(std::get<bybit::ExecutionEvent>(*message).executions[0], 1746270400355);
  fill.position_side = PositionSide::kBoth;
  const TimeMs now = 1746270401000;

  Store s;
  s.Open("BTCUSDT", PositionSide::kBoth, "-1");
  fill.fill_count = FillCount::kInPositionReport;
  auto counted = ApplyOrderEvent(*s.store, fill, now);
  REQUIRE(counted.ok());
  CHECK(s.OpenPosition("BTCUSDT", PositionSide::kBoth)->qty == D("-1"));
  CHECK(counted->rest_reads.empty());
  // Journaled with the venue's own id and seq.
  CHECK(s.StreamJournal().back().payload.find(R"("exec_id":"0ab1bdf7-4219-438b-b30a-32ec863018f7","seq":140612148849382)") !=
        std::string::npos);

  // The same execution once more (the adapter's memory died with its process): journaled only.
  const std::size_t journaled = s.StreamJournal().size();
  fill.fill_count = FillCount::kNotReported;
  auto repeated = ApplyOrderEvent(*s.store, fill, now);
  REQUIRE(repeated.ok());
  CHECK(s.OpenPosition("BTCUSDT", PositionSide::kBoth)->qty == D("-1"));
  CHECK(repeated->rest_reads.empty());
  CHECK(s.StreamJournal().size() == journaled + 1);

  fill.exec_id = "exec-2";
  auto alone = ApplyOrderEvent(*s.store, fill, now);
  REQUIRE(alone.ok());
  CHECK(s.OpenPosition("BTCUSDT", PositionSide::kBoth)->qty == D("-1.5"));
  CHECK(alone->rest_reads == std::vector<std::string>{"BTCUSDT"});
  // Not newer than what the store now holds (its own time): REST decides, nothing moves twice.
  fill.exec_id = "exec-3";
  auto again = ApplyOrderEvent(*s.store, fill, now);
  REQUIRE(again.ok());
  CHECK(s.OpenPosition("BTCUSDT", PositionSide::kBoth)->qty == D("-1.5"));
  CHECK(again->rest_reads == std::vector<std::string>{"BTCUSDT"});

  fill.fill_count = FillCount::kUnknown;
  fill.exec_id = "exec-4";
  fill.transaction_time += 10;
  auto unknown = ApplyOrderEvent(*s.store, fill, now);
  REQUIRE(unknown.ok());
  CHECK(s.OpenPosition("BTCUSDT", PositionSide::kBoth)->qty == D("-1.5"));
  CHECK(unknown->rest_reads == std::vector<std::string>{"BTCUSDT"});
}

TEST_CASE("joined fills: a liquidation counted by its report is still an incident; the order's status is its own topic's") {
  auto message = bybit::ParsePrivateMessage(
      test::bybit_fixture("ws_execution.json"));
  REQUIRE(message.ok());
  bybit::Execution x = std::get<bybit::ExecutionEvent>(*message).executions[0];
  x.exec_type = "BustTrade";
  OrderEvent fill = bybit::FillEventOf(x, 1746270400355);
  fill.fill_count = FillCount::kInPositionReport;
  Store s;
  s.Open("BTCUSDT", PositionSide::kBoth, "0.5");
  auto r = ApplyOrderEvent(*s.store, fill, 1746270401000);
  REQUIRE(r.ok());
  bool incident = false;
  for (const auto& i : *s.store->Incidents(RecordFilter{})) incident |= i.kind == IncidentKind::kLiquidation;
  CHECK(incident);
  CHECK(r->rest_reads == std::vector<std::string>{"BTCUSDT"});
}
