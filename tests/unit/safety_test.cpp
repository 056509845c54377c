// The safety core's decisions as pure functions over snapshots.
#include <doctest/doctest.h>

#include <regex>

#include "keel/safety/client_ids.h"
#include "keel/safety/orphan_scanner.h"
#include "keel/safety/reconciler.h"

using namespace keel;

namespace {

Decimal D(const char* t) { return Decimal::Parse(t).value(); }
constexpr TimeMs kNow = 1'795'165'200'000;

PositionReport position(const char* symbol, const char* amount, TimeMs updated, PositionSide side = PositionSide::kBoth) {
  return PositionReport{symbol, side, D(amount), D("100"), updated};
}

OrderReport stop_for(const char* symbol, Side side, const std::string& cid, bool close_position = true) {
  OrderReport o;
  o.book = OrderBook::kConditional;
  o.client_order_id = cid;
  o.symbol = symbol;
  o.side = side;
  o.type = OrderType::kStopMarket;
  o.close_position = close_position;
  o.reduce_only = !close_position;
  return o;
}

PositionRecord open_record(const char* symbol, const char* qty, TimeMs opened = 0) {
  PositionRecord p;
  p.symbol = symbol;
  p.qty = D(qty);
  p.opened_ms = opened;
  return p;
}

// A store that tracks one position and knows one order.
StoreView tracking(const char* symbol, const char* qty, const char* order_id) {
  StoreView store;
  store.open_positions = {open_record(symbol, qty)};
  OrderRecord known;
  known.client_order_id = order_id;
  store.open_orders = {known};
  return store;
}

OrphanOptions scan_options() {
  OrphanOptions o;
  o.account = "demo";
  o.now = kNow;
  return o;
}

ReconcileOptions reconcile_options() {
  ReconcileOptions o;
  o.account = "demo";
  o.now = kNow;
  return o;
}

std::vector<std::string> kinds(const OrphanScan& scan) {
  std::vector<std::string> out;
  for (const auto& f : scan.findings) out.push_back(std::string(to_string(f.kind)) + " " + f.symbol);
  return out;
}

}  // namespace

TEST_CASE("client order ids: the account's prefix, Binance's and Bybit's character sets, at most 36 characters") {
  const std::regex binance_allowed(R"(^[\.A-Z\:/a-z0-9_-]{1,36}$)");
  const std::regex bybit_allowed(R"(^[A-Za-z0-9_-]{1,36}$)");
  const std::string id = MakeClientOrderId("demo", OrderPurpose::kClose, "1000SHIBUSDT", kNow);
  CHECK(id.rfind("kdemo-c", 0) == 0);
  CHECK(std::regex_match(id, binance_allowed));
  for (const std::string account : {"demo", "a", "a-very-long-account-name-of-32ch", "prod_eu-1"}) {
    for (const std::string symbol : {"BTCUSDT", "1000000MOGUSDT", "币安人生USDT", "BTCUSDT_260327", "X"}) {
      const std::string made = MakeClientOrderId(account, OrderPurpose::kEmergencyStop, symbol, kNow);
      CHECK_MESSAGE(std::regex_match(made, binance_allowed), made);
      CHECK_MESSAGE(std::regex_match(made, bybit_allowed), made);
      CHECK(IsOwnClientOrderId(account, made));
    }
  }
  // A non-ASCII symbol gets a hashed tag: Binance refuses anything else (-4015).
  const std::string cn = MakeClientOrderId("demo", OrderPurpose::kStop, "币安人生USDT", kNow);
  CHECK(cn.substr(cn.rfind('-') + 1).size() == 8);
  CHECK(cn != MakeClientOrderId("demo", OrderPurpose::kStop, "币安人生USDC", kNow));
  CHECK(MakeClientOrderId("demo", OrderPurpose::kStop, "BTCUSDT", kNow) ==
        MakeClientOrderId("demo", OrderPurpose::kStop, "BTCUSDT", kNow));  // deterministic
  CHECK(!IsOwnClientOrderId("demo", "web_8Hs2kd91"));
  // The '.' form of before 2026-12 is still the account's own; another account's is not.
  CHECK(IsOwnClientOrderId("demo", "kdemo.s1a2b3c.BTCUSDT"));
  CHECK(!IsOwnClientOrderId("demo", "kdemo-x.s1a2b3c.BTCUSDT"));
  CHECK(IsOwnClientOrderId("demo-x", "kdemo-x.s1a2b3c.BTCUSDT"));
}

TEST_CASE("client order id prefixes: unique per account, and none is the start of another's") {
  // The old scheme ("kdemo-") made account "demo" claim every order of account "demo-x".
  const std::vector<std::string> accounts = {"demo", "demo-x", "demo_x", "demox", "Demo", "d",
                                             "a-very-long-account-name-of-32ch", "a-very-long-account-name-of-32c2",
                                             "abcdefghijkl", "abcdefghijklm"};
  for (const auto& a : accounts) {
    for (const auto& b : accounts) {
      if (a == b) continue;
      const std::string theirs = MakeClientOrderId(b, OrderPurpose::kStop, "BTCUSDT", kNow);
      CHECK_MESSAGE(!IsOwnClientOrderId(a, theirs), a, " claims ", theirs);
      CHECK(ClientIdPrefix(a) != ClientIdPrefix(b));
    }
  }
}

TEST_CASE("orphan scan: classes, grace, protection, and the stale-read guard") {
  AccountReport ex;
  ex.positions = {position("BTCUSDT", "0.010", kNow - 60'000), position("ETHUSDT", "-1", kNow - 60'000),
                  position("SOLUSDT", "5", kNow - 2'000), position("XRPUSDT", "100", kNow - 60'000)};
  ex.open_orders = {stop_for("ETHUSDT", Side::kBuy, "kdemo.x1.ETHUSDT"),  // protects the short
                    stop_for("XRPUSDT", Side::kBuy, "kdemo.x2.XRPUSDT"),  // wrong side: protects nothing
                    stop_for("BNBUSDT", Side::kSell, "web_123")};
  StoreView store = tracking("ETHUSDT", "-1", "kdemo.x1.ETHUSDT");
  OrphanOptions o = scan_options();
  const OrphanScan scan = ScanForOrphans(ex, store, o);
  CHECK(kinds(scan) == std::vector<std::string>{"untracked-position BTCUSDT", "unprotected-position BTCUSDT",
                                                "untracked-position XRPUSDT", "unprotected-position XRPUSDT",
                                                "unknown-order XRPUSDT", "foreign-order BNBUSDT"});
  REQUIRE(scan.ignored.size() == 1);
  CHECK(scan.ignored[0] == "SOLUSDT/BOTH: not judged yet, opened or changed 2000 ms ago (grace period 10000 ms)");
  // Untracked and too young: judged again once its grace has passed, not a scan interval later.
  REQUIRE(scan.judge_again_at);
  CHECK(*scan.judge_again_at == kNow - 2'000 + 10'000);

  // A position keel saw close at T: a read updated at or before T is stale, a later one is real.
  store.newest_position_time[{"BTCUSDT", PositionSide::kBoth}] = kNow - 60'000;
  CHECK(kinds(ScanForOrphans(ex, store, o))[0] == "untracked-position XRPUSDT");
  store.newest_position_time[{"BTCUSDT", PositionSide::kBoth}] = kNow - 60'001;
  CHECK(kinds(ScanForOrphans(ex, store, o))[0] == "untracked-position BTCUSDT");
  o.symbols = {"ETHUSDT"};
  CHECK(ScanForOrphans(ex, store, o).findings.empty());
}

TEST_CASE("protection must cover: closePosition, or reduce-only on the closing side for the position's size") {
  auto cover = [](const PositionReport& p, std::vector<OrderReport> orders) {
    return RestingCoverage(p, orders).coverage;
  };
  const PositionReport longp = position("BTCUSDT", "1", 0);
  CHECK(cover(longp, {stop_for("BTCUSDT", Side::kSell, "a")}) == Coverage::kFull);  // closePosition
  OrderReport reduce = stop_for("BTCUSDT", Side::kSell, "a", false);
  reduce.qty = D("1");
  CHECK(cover(longp, {reduce}) == Coverage::kFull);
  OrderReport small = reduce;
  small.qty = D("0.4");
  CHECK(cover(longp, {small}) == Coverage::kPartial);  // a reduce-only stop for less than the position
  OrderReport other = small;
  other.client_order_id = "b";
  other.qty = D("0.6");
  CHECK(cover(longp, {small, other}) == Coverage::kFull);  // laddered stops add up
  CHECK(cover(longp, {stop_for("BTCUSDT", Side::kBuy, "a")}) == Coverage::kNone);   // the opening side
  CHECK(cover(longp, {stop_for("ETHUSDT", Side::kSell, "a")}) == Coverage::kNone);  // another symbol
  OrderReport plain_stop = stop_for("BTCUSDT", Side::kSell, "a");
  plain_stop.close_position = false;  // neither reduce-only nor closePosition: it could open a short
  plain_stop.qty = D("1");
  CHECK(cover(longp, {plain_stop}) == Coverage::kNone);
  OrderReport limit = stop_for("BTCUSDT", Side::kSell, "a");
  limit.book = OrderBook::kRegular;
  limit.type = OrderType::kLimit;
  CHECK(cover(longp, {limit}) == Coverage::kNone);
  OrderReport take_profit = stop_for("BTCUSDT", Side::kSell, "a");
  take_profit.type = OrderType::kTakeProfitMarket;  // closes, but at a profit: no stop-loss
  CHECK(cover(longp, {take_profit}) == Coverage::kNone);
  // Hedge mode: the leg must match, and a closing pair counts without the reduceOnly flag.
  const PositionReport hedge_short = position("BTCUSDT", "-1", 0, PositionSide::kShort);
  OrderReport hedge_stop = stop_for("BTCUSDT", Side::kBuy, "a", false);
  hedge_stop.reduce_only = false;
  hedge_stop.position_side = PositionSide::kShort;
  hedge_stop.qty = D("1");
  CHECK(cover(hedge_short, {hedge_stop}) == Coverage::kFull);
  hedge_stop.position_side = PositionSide::kLong;  // a stop on the other leg
  CHECK(cover(hedge_short, {hedge_stop}) == Coverage::kNone);
}

TEST_CASE("the scanner reports partial cover as its own finding") {
  AccountReport ex;
  ex.positions = {position("BTCUSDT", "1", kNow - 60'000)};
  OrderReport small = stop_for("BTCUSDT", Side::kSell, "kdemo.s1.BTCUSDT", false);
  small.qty = D("0.4");
  ex.open_orders = {small};
  const StoreView store = tracking("BTCUSDT", "1", "kdemo.s1.BTCUSDT");
  OrphanOptions o = scan_options();
  const OrphanScan scan = ScanForOrphans(ex, store, o);
  CHECK(kinds(scan) == std::vector<std::string>{"partially-protected-position BTCUSDT"});
  CHECK(scan.findings[0].detail.find("close only 0.4") != std::string::npos);
}

TEST_CASE("the scanner understands a position's own TP/SL (Bybit trading-stop) as well as conditional orders") {
  const StoreView store = tracking("BTCUSDT", "1", "kdemo.s1.BTCUSDT");
  const OrphanOptions o = scan_options();
  AccountReport ex;
  ex.positions = {position("BTCUSDT", "1", kNow - 60'000)};
  // The position row's own stop-loss covers all of it, with no order of keel's resting.
  ex.positions[0].stop_loss = D("64675");
  CoverageReport cover = RestingCoverage(ex.positions[0], ex.open_orders);
  CHECK(cover.coverage == Coverage::kFull);
  CHECK(cover.covered == D("1"));
  CHECK(cover.covering == std::vector<std::string>{"position stop-loss 64675"});
  CHECK(kinds(ScanForOrphans(ex, store, o)).empty());
  // So does a trailing stop; a take-profit alone protects nothing.
  ex.positions[0].stop_loss = Decimal();
  ex.positions[0].trailing_stop = D("50");
  CHECK(RestingCoverage(ex.positions[0], ex.open_orders).coverage == Coverage::kFull);
  ex.positions[0].trailing_stop = Decimal();
  ex.positions[0].take_profit = D("65650");
  CHECK(kinds(ScanForOrphans(ex, store, o)) == std::vector<std::string>{"unprotected-position BTCUSDT"});

  // The orders Bybit makes for it (no link id, closeOnTrigger) cover it too, and are reported as
  // the position's own, not as an unexplained foreign order.
  OrderReport system_stop = stop_for("BTCUSDT", Side::kSell, "", true);
  system_stop.exchange_order_id = "sl-1";
  system_stop.position_tpsl = true;
  system_stop.trigger_price = D("64675");
  ex.open_orders = {system_stop};
  const OrphanScan scan = ScanForOrphans(ex, store, o);
  REQUIRE(kinds(scan) == std::vector<std::string>{"foreign-order BTCUSDT"});
  CHECK(scan.findings[0].detail == "STOP_MARKET SELL closePosition trigger 64675 (order sl-1) is the position's own TP/SL, made by the exchange (left alone)");
  // A foreign order without a client id is named by the exchange's id.
  system_stop.position_tpsl = false;
  ex.open_orders = {system_stop};
  CHECK(ScanForOrphans(ex, store, o).findings[0].detail.find("(order sl-1, no client id) not placed by keel") != std::string::npos);
}

TEST_CASE("reconcile: every kind, quantities exact after step rounding, stale and young ignored") {
  AccountReport ex;
  ex.positions = {position("BTCUSDT", "0.0100", kNow - 60'000), position("ETHUSDT", "0.011", kNow - 60'000),
                  position("SOLUSDT", "-3", kNow - 60'000), position("XRPUSDT", "10", kNow - 60'000),
                  position("DOGEUSDT", "7", kNow - 60'000)};
  OrderReport mine_on_exchange;
  mine_on_exchange.client_order_id = "kdemo.g1.BTCUSDT";
  mine_on_exchange.symbol = "BTCUSDT";
  ex.open_orders = {mine_on_exchange};
  StoreView store;
  store.open_positions = {open_record("BTCUSDT", "0.01"), open_record("ETHUSDT", "0.010"), open_record("SOLUSDT", "3"),
                          open_record("BNBUSDT", "1"), open_record("ADAUSDT", "5", kNow - 1000)};
  store.newest_position_time[{"DOGEUSDT", PositionSide::kBoth}] = kNow - 30'000;  // closed after that read
  OrderRecord ghost;
  ghost.client_order_id = "kdemo.e9.ETHUSDT";
  ghost.symbol = "ETHUSDT";
  store.open_orders = {ghost};
  ReconcileOptions o = reconcile_options();
  o.step_sizes = {{"BTCUSDT", D("0.001")}, {"ETHUSDT", D("0.001")}};
  const Reconciliation r = Reconcile(ex, store, o);
  std::vector<std::string> found;
  for (const auto& m : r.mismatches) found.push_back(std::string(to_string(m.kind)) + " " + m.symbol);
  CHECK(found == std::vector<std::string>{"quantity ETHUSDT", "side SOLUSDT", "exchange-open-store-flat XRPUSDT",
                                          "store-open-exchange-flat BNBUSDT", "order-exchange-only BTCUSDT",
                                          "order-store-only ETHUSDT"});
  REQUIRE(r.ignored.size() == 2);
  CHECK(r.ignored[0].rfind("DOGEUSDT/BOTH", 0) == 0);  // stale
  CHECK(r.ignored[1].rfind("ADAUSDT/BOTH", 0) == 0);   // young
  CHECK(to_string(*parse_mismatch_kind("quantity")) == std::string("quantity"));
  CHECK(!parse_mismatch_kind("qty").ok());
}

TEST_CASE("reconcile: a read no newer than keel's record confirms it when they agree, and cannot overrule it") {
  // An unchanged position keeps the exchange time of its last change, which is what keel applied:
  // every later read has that same time. It agrees, and is compared, not set aside as stale.
  AccountReport ex;
  ex.positions = {position("BTCUSDT", "0.01", kNow - 60'000), position("ETHUSDT", "0.02", kNow - 60'000),
                  position("SOLUSDT", "4", kNow - 60'000)};
  StoreView store;
  store.open_positions = {open_record("BTCUSDT", "0.01"), open_record("ETHUSDT", "0.01"), open_record("SOLUSDT", "3")};
  store.newest_position_time[{"BTCUSDT", PositionSide::kBoth}] = kNow - 60'000;  // the same moment
  store.newest_position_time[{"ETHUSDT", PositionSide::kBoth}] = kNow - 60'000;  // same moment, other quantity
  store.newest_position_time[{"SOLUSDT", PositionSide::kBoth}] = kNow - 90'000;  // the read is newer
  const Reconciliation r = Reconcile(ex, store, reconcile_options());
  REQUIRE(r.mismatches.size() == 1);
  CHECK(r.mismatches[0].kind == MismatchKind::kQuantity);
  CHECK(r.mismatches[0].symbol == "SOLUSDT");
  REQUIRE(r.ignored.size() == 1);
  CHECK(r.ignored[0].rfind("ETHUSDT/BOTH: not compared", 0) == 0);
}

TEST_CASE("a whole-position stop with a cap covers up to the cap: more of them, or reduce-only stops, cover the rest") {
  auto stop = [](const char* id, bool close, const char* qty) {
    StopOrder s;
    s.client_order_id = id;
    s.symbol = "BTCUSDT";
    s.side = Side::kSell;
    s.close_position = close;
    s.reduce_only = !close;
    s.qty = Decimal::Parse(qty).value();
    return s;
  };
  const Decimal size = Decimal::Parse("150").value();
  const Decimal cap = Decimal::Parse("100").value();
  auto one = CoverageOf("BTCUSDT", PositionSide::kBoth, size, {stop("a", true, "0")}, cap);
  CHECK(one.coverage == Coverage::kPartial);
  CHECK(one.covered == cap);
  CHECK(CoverageOf("BTCUSDT", PositionSide::kBoth, size, {stop("a", true, "0")}).coverage == Coverage::kFull);
  CHECK(CoverageOf("BTCUSDT", PositionSide::kBoth, size, {stop("a", true, "0"), stop("b", true, "0")}, cap).coverage ==
        Coverage::kFull);
  CHECK(CoverageOf("BTCUSDT", PositionSide::kBoth, size, {stop("a", true, "0"), stop("b", false, "50")}, cap).coverage ==
        Coverage::kFull);
  CHECK(CoverageOf("BTCUSDT", PositionSide::kBoth, cap, {stop("a", true, "0")}, cap).coverage == Coverage::kFull);
}
