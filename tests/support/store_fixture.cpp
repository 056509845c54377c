// keel-store-fixture: writes a deterministic state store through the public StateStore API, for the
// e2e tests and the README demo. Every time in it is fixed, so its views are byte-for-byte stable.
//
//   keel-store-fixture --out FILE [--kind demo|faulty]
//
// demo:   a healthy account: a protected LONG, a protected SHORT, a closed position, working and
//         finished orders, an incident. `keel-state-inspect --check` passes.
// faulty: demo plus every invariant violation --check looks for.
#include <sqlite3.h>

#include <cstring>
#include <iostream>
#include <string>

#include "keel/store/sqlite_store.h"
#include "order_from_intent.h"

using namespace keel;

namespace {

constexpr TimeMs kT0 = 1795165200000;  // 2026-11-20T09:00:00Z

Decimal D(const char* text) { return Decimal::Parse(text).value(); }

Instrument instrument(const char* symbol, const char* tick, const char* step, const char* min_qty, const char* notional) {
  return Instrument{symbol, D(tick), D(step), D(min_qty), D(notional)};
}

IntentRecord intent(const std::string& id, OrderPurpose purpose, const char* symbol, Side side, PositionSide ps,
                    const char* qty, TimeMs t, const char* reason) {
  IntentRecord i;
  i.client_order_id = id;
  i.purpose = purpose;
  i.symbol = symbol;
  i.side = side;
  i.position_side = ps;
  i.qty = D(qty);
  i.reason = reason;
  i.created_ms = t;
  return i;
}

Provenance decided(const IntentRecord& i) { return Provenance{Source::kEngine, std::nullopt, i.reason}; }

Status write(SqliteStore& store, WriteBatch& b) {
  Status s = store.Write(b);
  if (!s.ok()) std::cerr << "keel-store-fixture: " << s.ToString() << '\n';
  return s;
}

// Opens a position the way the daemon does: intent, entry order through its lifecycle, the
// position, its stop.
Status open_protected(SqliteStore& store, const char* symbol, PositionSide ps, Side side, const char* qty,
                      const char* entry, const char* stop, TimeMs t, const std::string& tag) {
  const Provenance rest{Source::kRest, t + 40, "placement acknowledged"};
  const Provenance stream{Source::kStream, t + 90, "ORDER_TRADE_UPDATE"};
  IntentRecord ei = intent("kdemo-" + tag + "-e", OrderPurpose::kEntry, symbol, side, ps, qty, t, "signal");
  OrderRecord eo = test::order_from_intent(ei, OrderType::kMarket, t + 5);
  WriteBatch b1(t);
  b1.PutIntent(ei, decided(ei)).PutOrder(eo, Provenance{Source::kEngine, std::nullopt, "sent"});
  KEEL_RETURN_IF_ERROR(write(store, b1));

  eo.state = OrderState::kNew;
  eo.exchange_order_id = "8" + tag;
  eo.exchange_created_ms = t + 40;
  eo.exchange_updated_ms = t + 40;
  eo.updated_ms = t + 45;
  WriteBatch b2(t + 45);
  b2.PutOrder(eo, rest);
  KEEL_RETURN_IF_ERROR(write(store, b2));

  eo.state = OrderState::kFilled;
  eo.filled_qty = eo.qty;
  eo.avg_price = D(entry);
  eo.exchange_updated_ms = t + 90;
  eo.updated_ms = t + 95;
  PositionRecord p;
  p.symbol = symbol;
  p.position_side = ps;
  p.qty = side == Side::kBuy ? D(qty) : D(qty).negated();
  p.entry_price = D(entry);
  p.opened_ms = t + 95;
  p.exchange_updated_ms = t + 90;
  IntentRecord si = intent("kdemo-" + tag + "-s", OrderPurpose::kStop, symbol, opposite(side), ps, qty, t + 96,
                           "protect new position");
  WriteBatch b3(t + 95);
  b3.PutOrder(eo, stream).PutOpenPosition(p, stream).PutIntent(si, decided(si));
  KEEL_RETURN_IF_ERROR(write(store, b3));

  OrderRecord so = test::order_from_intent(si, OrderType::kStopMarket, t + 97);
  so.exchange_order_id = "9" + tag;
  so.stop_price = D(stop);
  so.state = OrderState::kNew;
  so.exchange_created_ms = t + 130;
  so.exchange_updated_ms = t + 130;
  so.updated_ms = t + 135;
  p.stop_client_order_id = so.client_order_id;
  WriteBatch b4(t + 135);
  b4.PutOrder(so, Provenance{Source::kRest, t + 130, "algo order acknowledged"})
      .PutOpenPosition(p, Provenance{Source::kEngine, std::nullopt, "stop attached"});
  return write(store, b4);
}

Status demo(SqliteStore& store) {
  WriteBatch instruments(kT0);
  const Provenance info{Source::kRest, std::nullopt, "exchangeInfo"};
  instruments.PutInstrument(instrument("BTCUSDT", "0.1", "0.001", "0.001", "100"), info)
      .PutInstrument(instrument("ETHUSDT", "0.01", "0.001", "0.001", "20"), info)
      .PutInstrument(instrument("AVLUSDT", "0.0001", "1", "1", "5"), info);
  KEEL_RETURN_IF_ERROR(write(store, instruments));

  KEEL_RETURN_IF_ERROR(
      open_protected(store, "BTCUSDT", PositionSide::kLong, Side::kBuy, "0.010", "96250.5", "94300", kT0 + 60'000, "1"));
  KEEL_RETURN_IF_ERROR(open_protected(store, "ETHUSDT", PositionSide::kShort, Side::kSell, "0.5", "3120.25", "3200",
                                      kT0 + 120'000, "2"));
  // AVLUSDT: opened, then stopped out; the stop filled and the position closed.
  KEEL_RETURN_IF_ERROR(
      open_protected(store, "AVLUSDT", PositionSide::kBoth, Side::kBuy, "86", "0.5121", "0.4990", kT0 + 180'000, "3"));
  auto stop = store.Order("kdemo-3-s");
  if (!stop.ok()) return stop.status();
  OrderRecord so = **stop;
  const TimeMs tc = kT0 + 1'800'000;
  so.state = OrderState::kFilled;
  so.filled_qty = so.qty;
  so.avg_price = D("0.4989");
  so.exchange_updated_ms = tc;
  so.updated_ms = tc + 4;
  WriteBatch close(tc + 4);
  close.PutOrder(so, Provenance{Source::kStream, tc, "stop triggered"})
      .ClosePosition("AVLUSDT", PositionSide::kBoth, tc + 4, "stop-loss", Provenance{Source::kStream, tc, "ACCOUNT_UPDATE"});
  KEEL_RETURN_IF_ERROR(write(store, close));

  // A grid order resting on BTCUSDT, amended once (PendingAmend -> New).
  IntentRecord gi = intent("kdemo-4-g", OrderPurpose::kGrid, "BTCUSDT", Side::kBuy, PositionSide::kLong, "0.005",
                           kT0 + 2'000'000, "grid level 1");
  gi.price = D("95000");
  OrderRecord go = test::order_from_intent(gi, OrderType::kLimit, kT0 + 2'000'005);
  go.time_in_force = TimeInForce::kGtx;
  WriteBatch g1(kT0 + 2'000'005);
  g1.PutIntent(gi, decided(gi)).PutOrder(go, Provenance{Source::kEngine, std::nullopt, "sent"});
  KEEL_RETURN_IF_ERROR(write(store, g1));
  auto grid_step = [&](OrderState state, const Provenance& provenance) {
    go.state = state;
    go.updated_ms += 1000;
    WriteBatch gb(go.updated_ms);
    gb.PutOrder(go, provenance);
    return write(store, gb);
  };
  go.exchange_order_id = "84";
  go.exchange_updated_ms = kT0 + 2'000'900;
  KEEL_RETURN_IF_ERROR(grid_step(OrderState::kNew, Provenance{Source::kStream, go.exchange_updated_ms, "NEW"}));
  KEEL_RETURN_IF_ERROR(grid_step(OrderState::kPendingAmend, Provenance{Source::kEngine, std::nullopt, "re-price"}));
  go.price = D("94800");
  go.exchange_updated_ms = kT0 + 2'002'950;
  KEEL_RETURN_IF_ERROR(grid_step(OrderState::kNew, Provenance{Source::kStream, go.exchange_updated_ms, "AMENDMENT"}));

  IncidentRecord inc;
  inc.local_ms = kT0 + 2'500'000;
  inc.kind = IncidentKind::kForeignOrder;
  inc.symbol = "ETHUSDT";
  inc.client_order_id = "web_8Hs2kd91";
  inc.detail = "open LIMIT SELL 0.2 @ 3400 not placed by keel";
  inc.action = "reported";
  WriteBatch ib(inc.local_ms);
  ib.RecordIncident(inc);
  return write(store, ib);
}

Status raw_sql(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) return Status::Storage("cannot open " + path);
  char* err = nullptr;
  const int rc = sqlite3_exec(db, sql, nullptr, nullptr, &err);
  Status s = rc == SQLITE_OK ? Status::Ok() : Status::Storage(err ? err : "sql failed");
  sqlite3_free(err);
  sqlite3_close(db);
  return s;
}

// Breaks every invariant --check knows, the ways a crash, a bug or a hand edit would.
Status faulty(SqliteStore& store, const std::string& path) {
  KEEL_RETURN_IF_ERROR(demo(store));
  const TimeMs t = kT0 + 3'000'000;
  // The exchange cancelled ETHUSDT's stop; the position still names it.
  auto stop = store.Order("kdemo-2-s");
  if (!stop.ok()) return stop.status();
  OrderRecord so = **stop;
  so.state = OrderState::kCanceled;
  so.exchange_updated_ms = t;
  so.updated_ms = t + 2;
  WriteBatch b1(t + 2);
  b1.PutOrder(so, Provenance{Source::kStream, t, "exchange-side cancel"});
  KEEL_RETURN_IF_ERROR(write(store, b1));
  // A position opened outside the normal flow, never protected.
  PositionRecord p;
  p.symbol = "AVLUSDT";
  p.position_side = PositionSide::kBoth;
  p.qty = D("-86");
  p.entry_price = D("0.5030");
  p.opened_ms = t + 10;
  WriteBatch b2(t + 10);
  b2.PutOpenPosition(p, Provenance{Source::kStream, t + 8, "ACCOUNT_UPDATE"});
  // An intent committed just before a crash: the order was never recorded.
  const IntentRecord lost =
      intent("kdemo-5-e", OrderPurpose::kEntry, "ETHUSDT", Side::kBuy, PositionSide::kLong, "0.3", t + 20, "signal");
  b2.PutIntent(lost, decided(lost));
  KEEL_RETURN_IF_ERROR(write(store, b2));
  // Hand edits behind keel's back: a journal row removed, a second open BTCUSDT LONG.
  return raw_sql(path,
                 "DROP TRIGGER journal_no_delete; DELETE FROM journal WHERE seq IN (5, 6);"
                 "DROP INDEX positions_one_open;"
                 "INSERT INTO positions (symbol, position_side, qty, entry_price, state, opened_ms) "
                 "VALUES ('BTCUSDT', 'LONG', '0.004', '96300', 'open', 1795168300000);");
}

}  // namespace

int main(int argc, char** argv) {
  std::string out, kind = "demo";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--out")) out = argv[i + 1];
    else if (!std::strcmp(argv[i], "--kind")) kind = argv[i + 1];
  }
  if (out.empty() || (kind != "demo" && kind != "faulty")) {
    std::cerr << "usage: keel-store-fixture --out FILE [--kind demo|faulty]\n";
    return 2;
  }
  std::remove(out.c_str());
  std::remove((out + "-wal").c_str());
  std::remove((out + "-shm").c_str());
  Status s;
  {
    auto store = SqliteStore::OpenWriter(out);
    if (!store.ok()) {
      std::cerr << "keel-store-fixture: " << store.status().ToString() << '\n';
      return 2;
    }
    s = kind == "demo" ? demo(**store) : faulty(**store, out);
  }
  if (!s.ok()) return 1;
  std::cout << "wrote " << kind << " store " << out << '\n';
  return 0;
}
