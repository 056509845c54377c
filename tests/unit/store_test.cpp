#include <doctest/doctest.h>
#include <sqlite3.h>
#include <unistd.h>

#include "keel/store/invariants.h"
#include "keel/store/record_json.h"
#include "keel/store/sqlite_store.h"
#include "temp_dir.h"

using namespace keel;

namespace {

Decimal D(const char* t) { return Decimal::Parse(t).value(); }

OrderRecord order(const char* id, OrderPurpose purpose, OrderState state, TimeMs t) {
  OrderRecord o;
  o.client_order_id = id;
  o.symbol = "BTCUSDT";
  o.side = purpose == OrderPurpose::kEntry ? Side::kBuy : Side::kSell;
  o.position_side = PositionSide::kLong;
  o.type = purpose == OrderPurpose::kEntry ? OrderType::kMarket : OrderType::kStopMarket;
  o.purpose = purpose;
  o.state = state;
  o.qty = D("0.010");
  o.filled_qty = Decimal();
  o.reduce_only = purpose != OrderPurpose::kEntry;
  o.created_ms = o.updated_ms = t;
  return o;
}

IntentRecord intent(const char* id, TimeMs t) {
  IntentRecord i;
  i.client_order_id = id;
  i.purpose = OrderPurpose::kEntry;
  i.symbol = "BTCUSDT";
  i.side = Side::kBuy;
  i.position_side = PositionSide::kLong;
  i.qty = D("0.010");
  i.reason = "signal";
  i.created_ms = t;
  return i;
}

PositionRecord position(TimeMs t) {
  PositionRecord p;
  p.symbol = "BTCUSDT";
  p.position_side = PositionSide::kLong;
  p.qty = D("0.010");
  p.entry_price = D("96250.5");
  p.opened_ms = t;
  return p;
}

void raw(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  char* err = nullptr;
  const int rc = sqlite3_exec(db, sql, nullptr, nullptr, &err);
  INFO(sql << ": " << (err ? err : ""));
  sqlite3_free(err);
  sqlite3_close(db);
  REQUIRE(rc == SQLITE_OK);
}

const Provenance kStream{Source::kStream, 1000, "ORDER_TRADE_UPDATE"};
const Provenance kSignal{Source::kEngine, std::nullopt, "signal"};
const Provenance kExchangeInfo{Source::kRest, std::nullopt, "exchangeInfo"};

}  // namespace

TEST_CASE("records written in a batch read back exactly, each change journaled") {
  test::TempDir dir;
  auto store = SqliteStore::OpenWriter(dir.file("s.db"));
  REQUIRE(store.ok());
  CHECK(*(*store)->SchemaVersion() == StateStore::kSchemaVersion);

  OrderRecord entry = order("k-1-e", OrderPurpose::kEntry, OrderState::kPendingNew, 100);
  WriteBatch b1(100);
  b1.PutInstrument(Instrument{"BTCUSDT", D("0.1"), D("0.001"), D("0.001"), D("100")}, kExchangeInfo)
      .PutIntent(intent("k-1-e", 100), kSignal)
      .PutOrder(entry, Provenance{Source::kEngine, std::nullopt, "sent"});
  REQUIRE((*store)->Write(b1).ok());

  entry.state = OrderState::kFilled;
  entry.exchange_order_id = "8389765";
  entry.filled_qty = entry.qty;
  entry.avg_price = D("96250.5");
  entry.exchange_updated_ms = 150;
  entry.updated_ms = 160;
  OrderRecord stop = order("k-1-s", OrderPurpose::kStop, OrderState::kNew, 170);
  stop.stop_price = D("94300");
  PositionRecord p = position(160);
  p.stop_client_order_id = "k-1-s";
  WriteBatch b2(170);
  b2.PutOrder(entry, kStream).PutOrder(stop, kStream).PutOpenPosition(p, kStream);
  REQUIRE((*store)->Write(b2).ok());

  auto got = (*store)->Order("k-1-e");
  REQUIRE(got.ok());
  REQUIRE(got->has_value());
  CHECK(ToJson(**got) == ToJson(entry));
  auto positions = (*store)->Positions(PositionFilter{});
  REQUIRE(positions->size() == 1);
  CHECK((*positions)[0].stop_client_order_id == std::optional<std::string>("k-1-s"));
  CHECK((*positions)[0].qty == D("0.010"));
  CHECK((*(*store)->Instruments())[0].tick_size == D("0.1"));

  auto journal = (*store)->Journal(RecordFilter{});
  REQUIRE(journal.ok());
  std::vector<std::string> events;
  for (const auto& j : *journal) events.push_back(j.entity + " " + j.entity_id + " " + j.event);
  CHECK(events == std::vector<std::string>{
                      "instrument BTCUSDT upsert: exchangeInfo",
                      "intent k-1-e intent: signal",
                      "order k-1-e insert: sent",
                      "order k-1-e PendingNew->Filled: ORDER_TRADE_UPDATE",
                      "order k-1-s insert: ORDER_TRADE_UPDATE",
                      "position BTCUSDT/LONG open: ORDER_TRADE_UPDATE",
                  });
  CHECK((*journal)[3].exchange_ms == std::optional<TimeMs>(1000));
  CHECK((*journal)[3].source == Source::kStream);
  CHECK(is_valid_json((*journal)[3].payload));
  CHECK((*store)->JournalGaps()->empty());
  CHECK((*store)->IntegrityProblems()->empty());

  WriteBatch close(300);
  stop.state = OrderState::kCanceled;
  close.PutOrder(stop, kStream).ClosePosition("BTCUSDT", PositionSide::kLong, 300, "take-profit", kStream);
  REQUIRE((*store)->Write(close).ok());
  auto closed = (*store)->Positions(PositionFilter{});
  CHECK((*closed)[0].state == PositionState::kClosed);
  CHECK((*closed)[0].closed_ms == std::optional<TimeMs>(300));
  CHECK((*closed)[0].exit_reason == std::optional<std::string>("take-profit"));
  WriteBatch again(310);
  again.ClosePosition("BTCUSDT", PositionSide::kLong, 310, "x", kStream);
  CHECK((*store)->Write(again).IsNotFound());
}

TEST_CASE("a batch is all or nothing; an illegal transition or reused client id refuses it whole") {
  test::TempDir dir;
  auto store = SqliteStore::OpenWriter(dir.file("s.db")).value();
  WriteBatch b1(100);
  b1.PutOrder(order("k-1-e", OrderPurpose::kEntry, OrderState::kCanceled, 100), kStream);
  REQUIRE(store->Write(b1).ok());

  WriteBatch b2(200);
  b2.PutIntent(intent("k-2-e", 200), kSignal)
      .PutOrder(order("k-1-e", OrderPurpose::kEntry, OrderState::kPendingAmend, 200), kStream);
  Status s = store->Write(b2);
  CHECK(s.IsConflict());
  CHECK(s.message() == "order k-1-e: illegal order transition Canceled -> PendingAmend (terminal state is final)");
  CHECK(store->Intents(RecordFilter{})->empty());  // the intent in the same batch was rolled back
  CHECK((*store->Order("k-1-e"))->state == OrderState::kCanceled);
  CHECK(store->Journal(RecordFilter{})->size() == 1);

  WriteBatch b3(300);
  b3.PutIntent(intent("k-3-e", 300), kSignal);
  REQUIRE(store->Write(b3).ok());
  WriteBatch b4(400);
  b4.PutIntent(intent("k-3-e", 400), kSignal);
  CHECK(store->Write(b4).message() == "intent k-3-e already exists: client order ids are never reused");

  // A position may not name a stop the store does not have (foreign key).
  PositionRecord p = position(500);
  p.stop_client_order_id = "nope";
  WriteBatch b5(500);
  b5.PutOpenPosition(p, kStream);
  CHECK(!store->Write(b5).ok());
  CHECK(store->Positions(PositionFilter{})->empty());

  // Refreshing a terminal order's data without changing its state is allowed.
  OrderRecord refreshed = order("k-1-e", OrderPurpose::kEntry, OrderState::kCanceled, 600);
  refreshed.exchange_order_id = "42";
  WriteBatch b6(600);
  b6.PutOrder(refreshed, kStream);
  REQUIRE(store->Write(b6).ok());
  CHECK((*store->Order("k-1-e"))->exchange_order_id == std::optional<std::string>("42"));
}

TEST_CASE("one writer per store; readers work beside it; a missing store is never created") {
  test::TempDir dir;
  const std::string path = dir.file("s.db");
  CHECK(SqliteStore::OpenReader(path).status().IsNotFound());
  CHECK(SqliteStore::OpenReader(path).status().message() == "state store " + path + " does not exist");
  CHECK(!test::file_exists(path));

  auto writer = SqliteStore::OpenWriter(path);
  REQUIRE(writer.ok());
  auto second = SqliteStore::OpenWriter(path);
  REQUIRE(!second.ok());
  CHECK(second.status().IsConflict());
  CHECK(second.status().message() == "store " + path + " already has a writer (pid " + std::to_string(::getpid()) +
                                         "); one writer per account: stop it or send the request to it");

  WriteBatch b(100);
  b.PutIntent(intent("k-1-e", 100), kSignal);
  REQUIRE((*writer)->Write(b).ok());
  auto reader = SqliteStore::OpenReader(path);
  REQUIRE(reader.ok());
  CHECK((*reader)->Intents(RecordFilter{})->size() == 1);
  CHECK((*reader)->Write(b).IsConflict());  // read-only

  writer->reset();
  CHECK(SqliteStore::OpenWriter(path).ok());  // the lock went with the writer
}

TEST_CASE("a symlink to the store is the same store: its writer lock is the real file's") {
  test::TempDir dir;
  const std::string real = dir.file("real.db");
  const std::string link = dir.file("link.db");
  REQUIRE(::symlink("real.db", link.c_str()) == 0);  // the store does not exist yet: SQLite follows it all the same
  auto through_link = SqliteStore::OpenWriter(link);
  REQUIRE(through_link.ok());
  auto direct = SqliteStore::OpenWriter(real);
  REQUIRE(!direct.ok());
  CHECK(direct.status().IsConflict());
  CHECK(direct.status().message().find("already has a writer") != std::string::npos);
  through_link->reset();
  auto first = SqliteStore::OpenWriter(real);
  REQUIRE(first.ok());
  CHECK(SqliteStore::OpenWriter(link).status().IsConflict());
}

TEST_CASE("a hard link to the store is the same store: the second writer is refused under either name") {
  test::TempDir dir;
  const std::string real = dir.file("real.db");
  const std::string hard = dir.file("hard.db");
  auto first = SqliteStore::OpenWriter(real);
  REQUIRE(first.ok());
  REQUIRE(::link(real.c_str(), hard.c_str()) == 0);
  auto second = SqliteStore::OpenWriter(hard);
  REQUIRE(!second.ok());
  CHECK(second.status().IsConflict());
  CHECK(second.status().message() == "store " + hard +
                                         " already has a writer under another name (a hard link to it); "
                                         "one writer per account: stop it or send the request to it");
  first->reset();
  auto through_hard = SqliteStore::OpenWriter(hard);
  REQUIRE(through_hard.ok());
  CHECK(SqliteStore::OpenWriter(real).status().IsConflict());
}

TEST_CASE("a lock file that is a symlink is refused, and the file it points to is left as it was") {
  test::TempDir dir;
  test::write_file(dir.file("precious"), "keep me\n");
  REQUIRE(::symlink(dir.file("precious").c_str(), dir.file("s.db.lock").c_str()) == 0);
  auto writer = SqliteStore::OpenWriter(dir.file("s.db"));
  REQUIRE(!writer.ok());
  CHECK(writer.status().IsStorage());
  CHECK(writer.status().message().find("is a symbolic link: refusing to open it") != std::string::npos);
  CHECK(test::read_file(dir.file("precious")) == "keep me\n");
  CHECK(!test::file_exists(dir.file("s.db")));
}

TEST_CASE("the journal is append-only") {
  test::TempDir dir;
  const std::string path = dir.file("s.db");
  {
    auto store = SqliteStore::OpenWriter(path).value();
    WriteBatch b(100);
    JournalEntry e;
    e.entity = "operator";
    e.entity_id = "alice";
    e.event = "note";
    e.payload = R"({"text":"paused for maintenance"})";
    b.AppendJournal(e);
    REQUIRE(store->Write(b).ok());
    WriteBatch bad(101);
    e.payload = "{not json";
    bad.AppendJournal(e);
    CHECK(store->Write(bad).IsInvalidInput());
  }
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  CHECK(sqlite3_exec(db, "DELETE FROM journal", nullptr, nullptr, nullptr) != SQLITE_OK);
  CHECK(std::string(sqlite3_errmsg(db)) == "journal is append-only");
  CHECK(sqlite3_exec(db, "UPDATE journal SET event = 'x'", nullptr, nullptr, nullptr) != SQLITE_OK);
  sqlite3_close(db);
}

TEST_CASE("filters: symbol, since, state, open only, and limit keeps the newest") {
  test::TempDir dir;
  auto store = SqliteStore::OpenWriter(dir.file("s.db")).value();
  WriteBatch b(0);
  for (int i = 0; i < 5; ++i) {
    OrderRecord o = order(("k-" + std::to_string(i)).c_str(), OrderPurpose::kEntry,
                          i % 2 ? OrderState::kNew : OrderState::kFilled, 100 * (i + 1));
    if (i == 4) o.symbol = "ETHUSDT";
    b.PutOrder(o, kStream);
  }
  REQUIRE(store->Write(b).ok());
  auto ids = [&](const OrderFilter& f) {
    std::vector<std::string> out;
    for (const auto& o : *store->Orders(f)) out.push_back(o.client_order_id);
    return out;
  };
  OrderFilter f;
  CHECK(ids(f) == std::vector<std::string>{"k-0", "k-1", "k-2", "k-3", "k-4"});
  f.limit = 2;
  CHECK(ids(f) == std::vector<std::string>{"k-3", "k-4"});
  f = OrderFilter{};
  f.symbol = "ETHUSDT";
  CHECK(ids(f) == std::vector<std::string>{"k-4"});
  f = OrderFilter{};
  f.since_ms = 300;
  CHECK(ids(f) == std::vector<std::string>{"k-2", "k-3", "k-4"});
  f = OrderFilter{};
  f.state = OrderState::kNew;
  CHECK(ids(f) == std::vector<std::string>{"k-1", "k-3"});
  f = OrderFilter{};
  f.open_only = true;
  f.limit = 1;
  CHECK(ids(f) == std::vector<std::string>{"k-3"});
  f = OrderFilter{};
  f.limit = -1;
  CHECK(store->Orders(f).status().IsInvalidInput());
}

TEST_CASE("a version 1 store is migrated: positions get their stop linked, incidents appear") {
  test::TempDir dir;
  const std::string path = dir.file("v1.db");
  REQUIRE(SqliteStore::CreateAtSchemaVersion(path, 1).ok());
  // What keel at schema 1 wrote: an open position, its working stop, an older cancelled stop.
  raw(path,
      "INSERT INTO orders VALUES ('old-s','1','BTCUSDT','SELL','LONG','STOP_MARKET',NULL,'stop','Canceled','0.01',"
      "NULL,'94000','0',NULL,1,0,NULL,NULL,10,20);"
      "INSERT INTO orders VALUES ('new-s','2','BTCUSDT','SELL','LONG','STOP_MARKET',NULL,'stop','New','0.01',"
      "NULL,'94300','0',NULL,1,0,NULL,NULL,30,40);"
      "INSERT INTO orders VALUES ('eth-s','3','ETHUSDT','BUY','SHORT','STOP_MARKET',NULL,'stop','New','0.5',"
      "NULL,'3200','0',NULL,1,0,NULL,NULL,30,40);"
      "INSERT INTO positions (symbol, position_side, qty, entry_price, state, opened_ms) "
      "VALUES ('BTCUSDT','LONG','0.01','96250.5','open',25);"
      "INSERT INTO positions (symbol, position_side, qty, entry_price, state, opened_ms, closed_ms) "
      "VALUES ('SOLUSDT','LONG','1','150','closed',5,9);");
  CHECK(SqliteStore::OpenReader(path).status().message() ==
        "store " + path + " has schema version 1; this keel reads version 8: open it once with a writer "
                          "(keel-traderd) to migrate it");
  {
    auto store = SqliteStore::OpenWriter(path);
    REQUIRE_MESSAGE(store.ok(), store.status().ToString());
    CHECK(*(*store)->SchemaVersion() == 8);
    auto positions = (*store)->Positions(PositionFilter{});
    REQUIRE(positions.ok());
    REQUIRE(positions->size() == 2);
    CHECK((*positions)[0].stop_client_order_id == std::nullopt);  // SOLUSDT was closed
    CHECK((*positions)[1].stop_client_order_id == std::optional<std::string>("new-s"));
    IncidentRecord inc;
    inc.kind = IncidentKind::kMismatch;
    inc.symbol = "BTCUSDT";
    inc.detail = "after migration";
    inc.action = "reported";
    WriteBatch b(50);
    b.RecordIncident(inc);
    REQUIRE((*store)->Write(b).ok());
    CHECK((*store)->Incidents(RecordFilter{})->size() == 1);
    InvariantOptions opt;
    opt.now_ms = 100;
    CHECK(CheckStoreInvariants(**store, opt)->empty());
  }
  CHECK(SqliteStore::OpenReader(path).ok());
}

TEST_CASE("a store from a newer keel is refused, not downgraded") {
  test::TempDir dir;
  const std::string path = dir.file("new.db");
  { REQUIRE(SqliteStore::OpenWriter(path).ok()); }
  raw(path, "PRAGMA user_version = 9");
  auto w = SqliteStore::OpenWriter(path);
  REQUIRE(!w.ok());
  CHECK(w.status().message() == "store " + path +
                                    " has schema version 9, newer than this keel understands (8); refusing to open "
                                    "it: upgrade keel");
  CHECK(!SqliteStore::OpenReader(path).ok());
  test::write_file(dir.file("empty.db"), "");
  CHECK(SqliteStore::OpenReader(dir.file("empty.db")).status().message() ==
        dir.file("empty.db") + " is not a keel state store (schema version 0)");
}

TEST_CASE("a position's exchange time never moves backwards") {
  test::TempDir dir;
  auto store = SqliteStore::OpenWriter(dir.file("s.db")).value();
  PositionRecord p = position(100);
  p.exchange_updated_ms = 5000;
  WriteBatch open(100);
  open.PutOpenPosition(p, kStream);
  REQUIRE(store->Write(open).ok());
  WriteBatch close(200);
  close.ClosePosition("BTCUSDT", PositionSide::kLong, 200, "reconciled",
                      Provenance{Source::kRest, 1000, "an older read"});
  REQUIRE(store->Write(close).ok());
  CHECK((*store->Positions(PositionFilter{}))[0].exchange_updated_ms == std::optional<TimeMs>(5000));

  p.exchange_updated_ms = std::nullopt;
  WriteBatch reopen(300);
  reopen.PutOpenPosition(p, kStream);
  REQUIRE(store->Write(reopen).ok());
  WriteBatch no_time(400);
  no_time.ClosePosition("BTCUSDT", PositionSide::kLong, 400, "closed", Provenance{Source::kOperator, std::nullopt, ""});
  REQUIRE(store->Write(no_time).ok());
  PositionFilter closed;
  closed.state = PositionState::kClosed;
  CHECK((*store->Positions(closed))[1].exchange_updated_ms == std::nullopt);  // none known, none invented
}

TEST_CASE("signals: written, updated by id, journaled, and read unfinished only") {
  test::TempDir dir;
  auto store = SqliteStore::OpenWriter(dir.file("s.db")).value();
  SignalRecord a;
  a.id = "sig-1";
  a.symbol = "BTCUSDT";
  a.action = "open";
  a.origin = "socket";
  a.payload = R"({"id":"sig-1","symbol":"BTCUSDT","side":"LONG","notional":"100"})";
  a.state = SignalState::kEntering;
  a.detail = "entry sent";
  a.position_side = PositionSide::kBoth;
  a.entry_client_order_id = "kdemo.e1.BTCUSDT";
  a.entry_attempts = 1;
  a.received_ms = 10;
  a.updated_ms = 10;
  SignalRecord b = a;
  b.id = "sig-2";
  b.state = SignalState::kRejected;
  b.detail = "qty: expected a positive decimal";
  b.position_side.reset();
  b.entry_client_order_id.reset();
  b.entry_attempts = 0;
  b.received_ms = 20;
  WriteBatch w(30);
  w.PutSignal(a, Provenance{Source::kEngine, std::nullopt, "signal received"});
  w.PutSignal(b, Provenance{Source::kEngine, std::nullopt, "signal refused"});
  REQUIRE(store->Write(w).ok());
  a.state = SignalState::kOpen;
  a.stop_client_order_id = "kdemo.s1.BTCUSDT";
  a.updated_ms = 40;
  WriteBatch w2(40);
  w2.PutSignal(a, Provenance{Source::kStream, 39, "entry filled"});
  REQUIRE(store->Write(w2).ok());

  auto one = store->Signal("sig-1");
  REQUIRE(one.ok());
  REQUIRE(one->has_value());
  CHECK(ToJson(**one) == ToJson(a));
  CHECK(!store->Signal("nope")->has_value());
  auto all = store->Signals(SignalFilter{});
  REQUIRE(all->size() == 2);
  CHECK((*all)[0].id == "sig-1");
  SignalFilter unfinished;
  unfinished.unfinished_only = true;
  auto open = store->Signals(unfinished);
  REQUIRE(open->size() == 1);
  CHECK((*open)[0].id == "sig-1");
  RecordFilter journal;
  journal.symbol = "BTCUSDT";
  auto entries = store->Journal(journal).value();
  REQUIRE(entries.size() == 3);
  CHECK(entries[2].entity == "signal");
  CHECK(entries[2].event == "open: entry filled");
  CHECK(entries[2].exchange_ms == std::optional<TimeMs>(39));
}

TEST_CASE("a version 2 store gains the signals table and the stops' caps when a writer opens it") {
  test::TempDir dir;
  const std::string path = dir.file("v2.db");
  REQUIRE(SqliteStore::CreateAtSchemaVersion(path, 2).ok());
  auto store = SqliteStore::OpenWriter(path);
  REQUIRE_MESSAGE(store.ok(), store.status().ToString());
  CHECK(*(*store)->SchemaVersion() == StateStore::kSchemaVersion);
  CHECK((*store)->Signals(SignalFilter{})->empty());
}

TEST_CASE("a version 5 store keeps its signals when version 6 rebuilds the table for move signals") {
  test::TempDir dir;
  const std::string path = dir.file("v5.db");
  REQUIRE(SqliteStore::CreateAtSchemaVersion(path, 5).ok());
  raw(path,
      "INSERT INTO signals VALUES ('s-1', 'BTCUSDT', 'open', 'socket', '{}', 'open', 'protected', 'BOTH', 'e-1', 's-1x', "
      "NULL, 1, 10, 20)");
  auto store = SqliteStore::OpenWriter(path);
  REQUIRE_MESSAGE(store.ok(), store.status().ToString());
  CHECK(*(*store)->SchemaVersion() == 8);
  auto kept = (*store)->Signal("s-1");
  REQUIRE(kept.ok());
  REQUIRE(*kept);
  CHECK((*kept)->stop_client_order_id == std::optional<std::string>("s-1x"));
  CHECK((*kept)->updated_ms == 20);
  SignalRecord move;
  move.id = "m-1";
  move.symbol = "BTCUSDT";
  move.action = "move";
  move.origin = "socket";
  move.payload = "{}";
  move.state = SignalState::kDone;
  WriteBatch b(30);
  b.PutSignal(move, Provenance{Source::kEngine, std::nullopt, "test"});
  REQUIRE((*store)->Write(b).ok());
  SignalFilter unfinished;
  unfinished.unfinished_only = true;
  CHECK((*store)->Signals(unfinished)->size() == 1);  // s-1; a done move is final
}

TEST_CASE("a version 6 store keeps its signals when versions 7 and 8 rebuild the table for add and trail signals") {
  test::TempDir dir;
  const std::string path = dir.file("v6.db");
  REQUIRE(SqliteStore::CreateAtSchemaVersion(path, 6).ok());
  raw(path,
      "INSERT INTO signals VALUES ('m-1', 'BTCUSDT', 'move', 'socket', '{}', 'done', 'moved', NULL, NULL, NULL, "
      "NULL, 0, 10, 20)");
  {
    // A reader does not migrate: it refuses a store older than it reads.
    auto old = SqliteStore::OpenReader(path);
    CHECK(!old.ok());
  }
  auto store = SqliteStore::OpenWriter(path);
  REQUIRE_MESSAGE(store.ok(), store.status().ToString());
  CHECK(*(*store)->SchemaVersion() == 8);
  auto kept = (*store)->Signal("m-1");
  REQUIRE(kept.ok());
  REQUIRE(*kept);
  CHECK((*kept)->state == SignalState::kDone);
  CHECK((*kept)->detail == "moved");
  SignalRecord add;
  add.id = "a-1";
  add.symbol = "BTCUSDT";
  add.action = "add";
  add.origin = "socket";
  add.payload = "{}";
  add.state = SignalState::kEntering;
  add.position_side = PositionSide::kLong;
  add.entry_client_order_id = "k-a-1";
  WriteBatch b(30);
  b.PutSignal(add, Provenance{Source::kEngine, std::nullopt, "test"});
  REQUIRE((*store)->Write(b).ok());
  SignalFilter unfinished;
  unfinished.unfinished_only = true;
  REQUIRE((*store)->Signals(unfinished)->size() == 1);
  CHECK((*store)->Signals(unfinished)->front().id == "a-1");
  SignalRecord trail = add;
  trail.id = "t-1";
  trail.action = "trail";
  trail.state = SignalState::kOpen;
  trail.entry_client_order_id.reset();
  WriteBatch t(40);
  t.PutSignal(trail, Provenance{Source::kEngine, std::nullopt, "test"});
  REQUIRE((*store)->Write(t).ok());
  CHECK((*store)->Signal("t-1").value()->action == "trail");
}

TEST_CASE("an execution is recorded once and is still known after the store is reopened") {
  test::TempDir dir;
  const std::string path = dir.file("x.db");
  {
    auto store = SqliteStore::OpenWriter(path);
    REQUIRE(store.ok());
    CHECK(*(*store)->ExecutionSeen("e-1") == false);
    WriteBatch b(100);
    b.RecordExecution(ExecutionRecord{"e-1", 100, 90, "BTCUSDT", "k-1-e"});
    REQUIRE((*store)->Write(b).ok());
    CHECK(*(*store)->ExecutionSeen("e-1") == true);
    // A second record of it refuses the whole batch: nothing else in it is written.
    WriteBatch again(200);
    again.PutIntent(intent("k-2-e", 200), kSignal);
    again.RecordExecution(ExecutionRecord{"e-1", 200, 90, "BTCUSDT", "k-1-e"});
    const Status refused = (*store)->Write(again);
    CHECK(refused.IsConflict());
    CHECK(refused.message().find("execution e-1 was recorded before") != std::string::npos);
    CHECK((*store)->Intents(RecordFilter{})->empty());
  }
  auto reopened = SqliteStore::OpenReader(path);
  REQUIRE(reopened.ok());
  CHECK(*(*reopened)->ExecutionSeen("e-1") == true);
  CHECK(*(*reopened)->ExecutionSeen("e-2") == false);
}
