// The Bybit adapter against the simulator's Bybit v5 dialect, in process: the same venue the
// Binance tests trade on, spoken to through /v5/…
#include <doctest/doctest.h>

#include <rapidjson/document.h>

#include <algorithm>
#include <functional>

#include "keel/bybit/bybit_exchange.h"
#include "keel/bybit/codec.h"
#include "keel/bybit/errors.h"
#include "keel/bybit/signing.h"
#include "keel/safety/orphan_scanner.h"
#include "keel/safety/protect.h"
#include "keel/store/sqlite_store.h"
#include "keel/sim/sim_venue.h"
#include "sim_fixture.h"
#include "temp_dir.h"

using namespace keel;
using namespace keel::sim;
using keel::sim::test::D;

namespace {

struct BybitOnSim {
  ManualClock clock{1'795'165'200'000};
  std::unique_ptr<SimVenue> venue;
  std::unique_ptr<net::InMemoryTransport> transport;
  std::unique_ptr<bybit::BybitExchange> exchange;
  std::vector<net::HttpRequest> sent;  // every request the adapter sent, in order
  explicit BybitOnSim(bool hedge = false, const std::function<void(SimConfig&)>& adjust = {}) {
    SimConfig config = keel::sim::test::TestConfig();
    if (adjust) adjust(config);
    venue = SimVenue::Create(config, clock).value();
    venue->exchange().set_market_events(false);
    if (hedge) REQUIRE(venue->exchange().SetDualSidePosition(0, true).ok());
    transport = std::make_unique<net::InMemoryTransport>([this](const net::HttpRequest& r) {
      sent.push_back(r);
      return venue->HandleHttp(r);
    });
    exchange = std::make_unique<bybit::BybitExchange>(std::make_unique<bybit::RestClient>(
        *transport, "key-a", Secret("secret-a"), clock, [this](TimeMs ms) { clock.Advance(ms); }));
  }
  PlaceOrder Order(Side side, OrderType type, const char* qty, const std::string& cid) {
    PlaceOrder o;
    o.client_order_id = cid;
    o.symbol = "TESTUSDT";
    o.side = side;
    o.type = type;
    o.qty = D(qty);
    return o;
  }
  PlaceOrder Stop(Side side, PositionSide ps, const char* trigger, const std::string& cid) {
    PlaceOrder o;
    o.book = OrderBook::kConditional;
    o.client_order_id = cid;
    o.symbol = "TESTUSDT";
    o.side = side;
    o.position_side = ps;
    o.type = OrderType::kStopMarket;
    o.trigger_price = D(trigger);
    o.close_position = true;
    return o;
  }
  // A signed POST of this body, as another client of the account sends it.
  net::HttpResponse Post(const std::string& path, const std::string& body, const std::string& key = "key-a") {
    net::HttpRequest r;
    r.method = "POST";
    r.target = path;
    r.body = body;
    r.headers.emplace_back("Content-Type", "application/json");
    for (auto& h : bybit::SignedHeaders(net::HmacSha256("secret-a"), key, clock.NowMs(), 5000, body)) r.headers.push_back(h);
    return venue->HandleHttp(r);
  }
  // A signed GET's body.
  std::string Get(const std::string& path, const std::string& query) {
    net::HttpRequest r;
    r.method = "GET";
    r.target = path + "?" + query;
    for (auto& h : bybit::SignedHeaders(net::HmacSha256("secret-a"), "key-a", clock.NowMs(), 5000, query))
      r.headers.push_back(h);
    return venue->HandleHttp(r).body;
  }
  // The same, read as Bybit's envelope.
  bybit::Envelope PostEnvelope(const std::string& path, const std::string& body) {
    auto e = bybit::ParseEnvelope(Post(path, body).body);
    REQUIRE_MESSAGE(e.ok(), e.status().ToString());
    return *e;
  }
  std::int64_t Requests(const std::string& endpoint) const {
    std::int64_t n = 0;
    const auto counts = venue->request_counts();
    auto it = counts.find(endpoint);
    if (it == counts.end()) return 0;
    for (const auto& [result, k] : it->second) n += k;
    return n;
  }
};

}  // namespace

TEST_CASE("bybit on the simulator: place, protect, read and cancel through /v5") {
  BybitOnSim f;
  auto listed = f.exchange->Instruments();
  REQUIRE_MESSAGE(listed.ok(), listed.status().ToString());
  REQUIRE(listed->instruments.size() == 1);
  CHECK(listed->instruments[0].tick_size == D("0.1"));
  CHECK(*listed->instruments[0].market_max_qty == D("100"));
  CHECK(*f.exchange->HedgeMode() == false);

  // The acknowledgement carries ids only; the report comes from the query that follows it.
  auto filled = f.exchange->Place(f.Order(Side::kBuy, OrderType::kMarket, "2", "kt-e1-T"));
  REQUIRE_MESSAGE(filled.ok(), filled.status().ToString());
  CHECK(filled->status == OrderStatus::kFilled);
  CHECK(filled->filled_qty == D("2"));
  CHECK(filled->side == Side::kBuy);
  CHECK(f.Requests("POST /v5/order/create") == 1);
  CHECK(f.Requests("GET /v5/order/realtime") == 1);
  auto positions = f.exchange->Positions();
  REQUIRE_MESSAGE(positions.ok(), positions.status().ToString());
  REQUIRE(positions->size() == 1);
  CHECK((*positions)[0].amount == D("2"));
  CHECK((*positions)[0].position_side == PositionSide::kBoth);

  auto stop = f.exchange->Place(f.Stop(Side::kSell, PositionSide::kBoth, "95", "kt-s1-T"));
  REQUIRE_MESSAGE(stop.ok(), stop.status().ToString());
  CHECK(stop->book == OrderBook::kConditional);
  CHECK(stop->status == OrderStatus::kNew);  // Untriggered
  CHECK(stop->trigger_price == D("95"));
  CHECK(stop->close_position);

  // A take-profit placed through create is "Stop" on Bybit too: its side and triggerDirection
  // (a Sell firing on a rise) say what it is.
  PlaceOrder take = f.Stop(Side::kSell, PositionSide::kBoth, "110", "kt-t1-T");
  take.type = OrderType::kTakeProfitMarket;
  auto take_profit = f.exchange->Place(take);
  REQUIRE_MESSAGE(take_profit.ok(), take_profit.status().ToString());
  CHECK(take_profit->type == OrderType::kTakeProfitMarket);
  CHECK(stop->type == OrderType::kStopMarket);
  REQUIRE(f.exchange->Cancel(OrderBook::kConditional, "TESTUSDT", "kt-t1-T").ok());

  PlaceOrder resting = f.Order(Side::kBuy, OrderType::kLimit, "1", "kt-e2-T");
  resting.time_in_force = TimeInForce::kGtc;
  resting.price = D("96");
  REQUIRE(f.exchange->Place(resting).ok());
  auto open = f.exchange->OpenOrders();
  REQUIRE_MESSAGE(open.ok(), open.status().ToString());
  REQUIRE(open->size() == 2);  // one list on Bybit: the limit order and the conditional stop
  auto account = f.exchange->Account();
  REQUIRE(account.ok());
  CHECK(account->positions.size() == 1);
  CHECK(account->open_orders.size() == 2);

  // Amend: acknowledged, then shown amended by the query.
  AmendOrder amend{"kt-e2-T", "TESTUSDT", Side::kBuy, D("1.5"), D("96.5")};
  auto amended = f.exchange->Amend(amend);
  REQUIRE_MESSAGE(amended.ok(), amended.status().ToString());
  CHECK(amended->price == D("96.5"));
  CHECK(amended->qty == D("1.5"));

  auto cancelled = f.exchange->Cancel(OrderBook::kConditional, "TESTUSDT", "kt-s1-T");
  REQUIRE_MESSAGE(cancelled.ok(), cancelled.status().ToString());
  CHECK(!cancelled->order);
  auto gone = f.exchange->Query(OrderBook::kConditional, "TESTUSDT", "kt-s1-T");
  REQUIRE(gone.ok());
  CHECK(gone->status == OrderStatus::kCanceled);  // Deactivated
  // Cancelling it again: not open (110001), never an unknown outcome.
  CHECK(f.exchange->Cancel(OrderBook::kConditional, "TESTUSDT", "kt-s1-T").status().IsNotFound());
  CHECK(f.exchange->Amend(AmendOrder{"kt-e9-T", "TESTUSDT", Side::kBuy, D("1"), D("96")}).status().IsNotFound());

  auto all = f.exchange->CancelAll("TESTUSDT");
  REQUIRE_MESSAGE(all.ok(), all.status().ToString());
  REQUIRE(all->size() == 1);
  CHECK((*all)[0].client_order_id == "kt-e2-T");
}

TEST_CASE("bybit amend sends only what changes: an unchanged qty is Bybit's 10001 \"qty err\"") {
  BybitOnSim f;
  PlaceOrder resting = f.Order(Side::kBuy, OrderType::kLimit, "1", "kt-e1-T");
  resting.time_in_force = TimeInForce::kGtc;
  resting.price = D("96");
  REQUIRE(f.exchange->Place(resting).ok());

  // What another client sends when it passes the unchanged qty along (amend-order.mdx: "Do not pass
  // it if not modify the qty"): refused, the order left as it was.
  auto refused = f.PostEnvelope("/v5/order/amend",
                                R"({"category":"linear","symbol":"TESTUSDT","orderLinkId":"kt-e1-T","qty":"1","price":"96.5"})");
  CHECK(refused.ret_code == 10001);
  CHECK(refused.ret_msg == "params error: qty err");

  AmendOrder amend{"kt-e1-T", "TESTUSDT", Side::kBuy, D("1"), D("96.5")};
  amend.qty_now = D("1");
  amend.price_now = D("96");
  f.sent.clear();
  auto moved = f.exchange->Amend(amend);
  REQUIRE_MESSAGE(moved.ok(), moved.status().ToString());
  CHECK(moved->price == D("96.5"));
  CHECK(moved->qty == D("1"));
  REQUIRE(!f.sent.empty());
  CHECK(f.sent[0].target == "/v5/order/amend");
  CHECK(f.sent[0].body == R"({"category":"linear","symbol":"TESTUSDT","orderLinkId":"kt-e1-T","price":"96.5"})");

  // A new quantity at the same price: only the qty.
  amend.qty = D("2");
  amend.price_now = D("96.5");
  f.sent.clear();
  auto grown = f.exchange->Amend(amend);
  REQUIRE_MESSAGE(grown.ok(), grown.status().ToString());
  CHECK(grown->qty == D("2"));
  CHECK(f.sent[0].body == R"({"category":"linear","symbol":"TESTUSDT","orderLinkId":"kt-e1-T","qty":"2"})");

  // Nothing to change: nothing sent, and the answer says the order is as asked.
  amend.qty_now = D("2");
  f.sent.clear();
  auto same = f.exchange->Amend(amend);
  REQUIRE(!same.ok());
  CHECK(same.status().refusal() == Refusal::kUnchanged);
  CHECK(f.sent.empty());
}

TEST_CASE("bybit on the simulator: realtime keeps the last closed orders until a restart, history an unfilled one 24 h") {
  BybitOnSim f;
  CHECK(f.exchange->UnfilledOrderRetentionMs() == 24 * 3'600'000);
  PlaceOrder resting = f.Order(Side::kBuy, OrderType::kLimit, "1", "kt-e1-T");
  resting.time_in_force = TimeInForce::kGtc;
  resting.price = D("96");
  REQUIRE(f.exchange->Place(resting).ok());
  REQUIRE(f.exchange->Cancel(OrderBook::kRegular, "TESTUSDT", "kt-e1-T").ok());
  auto list = [&f](const char* path) {
    net::HttpRequest r;
    r.method = "GET";
    r.target = std::string(path) + "?category=linear&symbol=TESTUSDT&orderLinkId=kt-e1-T";
    for (auto& h : bybit::SignedHeaders(net::HmacSha256("secret-a"), "key-a", f.clock.NowMs(), 5000,
                                        "category=linear&symbol=TESTUSDT&orderLinkId=kt-e1-T"))
      r.headers.push_back(h);
    auto e = bybit::ParseEnvelope(f.venue->HandleHttp(r).body);
    REQUIRE(e.ok());
    return bybit::ParseOrderPage(e->result)->orders.size();
  };
  CHECK(list("/v5/order/realtime") == 1);
  CHECK(list("/v5/order/history") == 1);
  net::HttpRequest restart;
  restart.method = "POST";
  restart.target = "/_sim/command";
  restart.body = R"({"fault":"bybit_service_restart"})";
  REQUIRE(f.venue->HandleHttp(restart).status == 200);
  CHECK(list("/v5/order/realtime") == 0);  // cleared by the restart
  f.clock.Advance(23 * 3'600'000);
  CHECK(list("/v5/order/history") == 1);
  auto read = f.exchange->Query(OrderBook::kRegular, "TESTUSDT", "kt-e1-T");
  REQUIRE_MESSAGE(read.ok(), read.status().ToString());
  CHECK(read->status == OrderStatus::kCanceled);
  f.clock.Advance(2 * 3'600'000);
  CHECK(list("/v5/order/history") == 0);
  auto gone = f.exchange->Query(OrderBook::kRegular, "TESTUSDT", "kt-e1-T");
  REQUIRE(gone.status().IsNotFound());
  CHECK(gone.status().message().find("it keeps an order that ended without a fill 24 hours") != std::string::npos);
}

TEST_CASE("bybit on the simulator: a qty 0 stop closes up to maxMktOrderQty; the scanner calls a larger position partly protected") {
  BybitOnSim f(false, [](SimConfig& c) { c.instruments[0].market_max_qty = D("1"); });
  auto listed = f.exchange->Instruments();
  REQUIRE(listed.ok());
  const Instrument testusdt = listed->instruments.at(0);
  REQUIRE(testusdt.close_stop_max_qty == std::optional<Decimal>(D("1")));  // maxMktOrderQty
  CHECK(f.exchange->WholePositionStopIsCapped());
  REQUIRE(f.exchange->Place(f.Order(Side::kBuy, OrderType::kMarket, "1", "kt-e1-T")).ok());
  REQUIRE(f.exchange->Place(f.Order(Side::kBuy, OrderType::kMarket, "1", "kt-e2-T")).ok());
  REQUIRE(f.exchange->Place(f.Stop(Side::kSell, PositionSide::kBoth, "99", "kt-s1-T")).ok());
  auto account = f.exchange->Account();
  REQUIRE(account.ok());
  REQUIRE(account->positions.size() == 1);
  REQUIRE(account->positions[0].amount == D("2"));
  const CoverageReport capped = RestingCoverage(account->positions[0], account->open_orders, testusdt.close_stop_max_qty);
  CHECK(capped.coverage == Coverage::kPartial);
  CHECK(capped.covered == D("1"));
  CHECK(RestingCoverage(account->positions[0], account->open_orders).coverage == Coverage::kFull);  // uncapped: Binance
  // When it fires, Bybit closes 1 and the rest stays open.
  REQUIRE(f.venue->exchange().MovePrice("TESTUSDT", D("-10"), 1000).ok());
  f.clock.Advance(2000);
  auto after = f.exchange->Account();
  REQUIRE(after.ok());
  REQUIRE(after->positions.size() == 1);
  CHECK(after->positions[0].amount == D("1"));
}

TEST_CASE("bybit on the simulator: a reduce-only order that dies with its position is Cancelled, CancelByReduceOnly") {
  BybitOnSim f;
  REQUIRE(f.exchange->Place(f.Order(Side::kBuy, OrderType::kMarket, "1", "kt-e1-T")).ok());
  PlaceOrder take = f.Order(Side::kSell, OrderType::kLimit, "1", "kt-t1-T");
  take.time_in_force = TimeInForce::kGtc;
  take.price = D("105");
  take.reduce_only = true;
  REQUIRE(f.exchange->Place(take).ok());
  PlaceOrder close = f.Order(Side::kSell, OrderType::kMarket, "1", "kt-c1-T");
  close.reduce_only = true;
  REQUIRE(f.exchange->Place(close).ok());
  net::HttpRequest r;
  r.method = "GET";
  const std::string query = "category=linear&symbol=TESTUSDT&orderLinkId=kt-t1-T";
  r.target = "/v5/order/realtime?" + query;
  for (auto& h : bybit::SignedHeaders(net::HmacSha256("secret-a"), "key-a", f.clock.NowMs(), 5000, query))
    r.headers.push_back(h);
  const std::string body = f.venue->HandleHttp(r).body;
  INFO(body);
  CHECK(body.find(R"("orderStatus":"Cancelled")") != std::string::npos);
  CHECK(body.find(R"("cancelType":"CancelByReduceOnly")") != std::string::npos);
  auto ended = f.exchange->Query(OrderBook::kRegular, "TESTUSDT", "kt-t1-T");
  REQUIRE(ended.ok());
  CHECK(ended->status == OrderStatus::kExpired);  // ended by the exchange, not by keel
}

TEST_CASE("bybit on the simulator: fees, PnL, break-even and margin rates are computed, not \"0\"") {
  BybitOnSim f;
  auto get = [&f](const std::string& path, const std::string& query) { return f.Get(path, query); };
  auto field = [](const std::string& body, const std::string& key) {
    const auto at = body.find("\"" + key + "\":\"");
    if (at == std::string::npos) return std::string("(absent)");
    const auto from = at + key.size() + 4;
    return body.substr(from, body.find('"', from) - from);
  };
  auto num = [&field](const std::string& body, const std::string& key) {
    auto d = Decimal::Parse(field(body, key));
    REQUIRE_MESSAGE(d.ok(), key);
    return *d;
  };
  REQUIRE(f.exchange->Place(f.Order(Side::kBuy, OrderType::kMarket, "2", "kt-e1-T")).ok());
  const std::string position = get("/v5/position/list", "category=linear&symbol=TESTUSDT");
  INFO(position);
  const Decimal entry = num(position, "avgPrice");
  // Taker fee 0.0005 each way: entry * 1.0005 / 0.9995.
  CHECK(num(position, "breakEvenPrice") > entry);
  const std::string wallet = get("/v5/account/wallet-balance", "accountType=UNIFIED");
  INFO(wallet);
  CHECK(num(wallet, "accountMMRate").is_positive());
  CHECK(num(wallet, "accountIMRate").is_positive());

  REQUIRE(f.venue->exchange().MovePrice("TESTUSDT", D("2"), 1000).ok());
  f.clock.Advance(2000);
  PlaceOrder close = f.Order(Side::kSell, OrderType::kMarket, "2", "kt-c1-T");
  close.reduce_only = true;
  REQUIRE(f.exchange->Place(close).ok());
  const std::string order = get("/v5/order/realtime", "category=linear&symbol=TESTUSDT&orderLinkId=kt-c1-T");
  INFO(order);
  const Decimal fee = num(order, "cumExecFee");
  CHECK(fee.is_positive());
  CHECK(order.find(R"("cumFeeDetail":{"USDT":")" + field(order, "cumExecFee") + "\"}") != std::string::npos);
  const std::string fills = get("/v5/execution/list", "category=linear&orderLinkId=kt-c1-T");
  INFO(fills);
  // Sold higher than bought: each fill realised a gain, and the wallet's cumRealisedPnl is their sum.
  Decimal realised;
  for (std::size_t at = fills.find(R"("execPnl":")"); at != std::string::npos; at = fills.find(R"("execPnl":")", at + 1)) {
    const std::string one = num(fills.substr(at), "execPnl").ToString();
    CHECK(D(one.c_str()).is_positive());
    realised = realised.Add(D(one.c_str())).value();
  }
  CHECK(realised.is_positive());
  const std::string after = get("/v5/account/wallet-balance", "accountType=UNIFIED");
  CHECK(num(after, "cumRealisedPnl") == realised);
}

TEST_CASE("bybit on the simulator: a post-only order that would take is accepted, then Cancelled") {
  BybitOnSim f;
  PlaceOrder crossing = f.Order(Side::kBuy, OrderType::kLimit, "1", "kt-e1-T");
  crossing.time_in_force = TimeInForce::kGtx;
  crossing.price = D("100.2");  // above the ask (100.1)
  auto placed = f.exchange->Place(crossing);
  // Not a refusal: Bybit accepted it; the query shows it ended by the exchange (Cancelled with
  // rejectReason EC_PostOnlyWillTakeLiquidity: expired, in keel's words), nothing filled.
  REQUIRE_MESSAGE(placed.ok(), placed.status().ToString());
  CHECK(placed->status == OrderStatus::kExpired);
  CHECK(placed->filled_qty.is_zero());
  CHECK(f.exchange->Positions()->empty());
}

TEST_CASE("bybit on the simulator: definite refusals and the duplicate link id") {
  BybitOnSim f;
  REQUIRE(f.exchange->Place(f.Order(Side::kBuy, OrderType::kMarket, "1", "kt-e1-T")).ok());
  auto again = f.exchange->Place(f.Order(Side::kBuy, OrderType::kMarket, "1", "kt-e1-T"));
  REQUIRE(!again.ok());
  CHECK(again.status().venue_code() == std::optional<int>(bybit::kDuplicateLinkId));
  CHECK(IsDefiniteRejection(again.status()));

  PlaceOrder tiny = f.Order(Side::kBuy, OrderType::kMarket, "0.01", "kt-e2-T");  // 1 USDT of notional
  auto refused = f.exchange->Place(tiny);
  CHECK(refused.status().venue_code() == std::optional<int>(bybit::kNotionalTooLow));

  PlaceOrder reduce = f.Order(Side::kBuy, OrderType::kMarket, "1", "kt-x3-T");
  reduce.reduce_only = true;  // a Buy that reduces a long: nothing to reduce
  auto truncated = f.exchange->Place(reduce);
  CHECK(truncated.status().venue_code() == std::optional<int>(bybit::kReduceOnlyTruncated));
}

TEST_CASE("bybit on the simulator: hedge mode, positionIdx 1 and 2, a whole-position stop per leg") {
  BybitOnSim f(/*hedge=*/true);
  CHECK(*f.exchange->HedgeMode() == true);
  PlaceOrder long_leg = f.Order(Side::kBuy, OrderType::kMarket, "1", "kt-e1-T");
  long_leg.position_side = PositionSide::kLong;
  REQUIRE(f.exchange->Place(long_leg).ok());
  PlaceOrder short_leg = f.Order(Side::kSell, OrderType::kMarket, "2", "kt-e2-T");
  short_leg.position_side = PositionSide::kShort;
  REQUIRE(f.exchange->Place(short_leg).ok());
  auto positions = f.exchange->Positions();
  REQUIRE(positions->size() == 2);
  auto rows = f.exchange->PositionRows("TESTUSDT");
  REQUIRE(rows->size() == 2);
  CHECK(*f.exchange->HedgeMode() == true);

  REQUIRE(f.exchange->Place(f.Stop(Side::kSell, PositionSide::kLong, "90", "kt-s1-T")).ok());
  REQUIRE(f.exchange->Place(f.Stop(Side::kBuy, PositionSide::kShort, "110", "kt-s2-T")).ok());
  // The long's stop fires on a fall to 90: the leg closes, the other stays protected.
  REQUIRE(f.venue->exchange().MovePrice("TESTUSDT", D("-12"), 0).ok());
  f.clock.Advance(1000);
  f.venue->Tick();
  auto fired = f.exchange->Query(OrderBook::kConditional, "TESTUSDT", "kt-s1-T");
  REQUIRE_MESSAGE(fired.ok(), fired.status().ToString());
  CHECK(fired->status == OrderStatus::kFilled);
  CHECK(fired->filled_qty == D("1"));
  auto after = f.exchange->Positions();
  REQUIRE(after->size() == 1);
  CHECK((*after)[0].position_side == PositionSide::kShort);
  CHECK(f.exchange->Query(OrderBook::kConditional, "TESTUSDT", "kt-s2-T")->status == OrderStatus::kNew);
}

TEST_CASE("bybit on the simulator: a lost answer is an unknown outcome, settled by orderLinkId") {
  BybitOnSim f;
  PlacementFault lost;
  lost.when = PlacementFault::When::kAfterAccept;
  lost.how = PlacementFault::How::kTimeout;
  f.venue->faults().placement.push_back(lost);
  auto placed = f.exchange->Place(f.Order(Side::kBuy, OrderType::kMarket, "1", "kt-e1-T"));
  REQUIRE(!placed.ok());
  CHECK(placed.status().IsUnknownOutcome());
  // The order exists: the settling query finds it filled.
  auto settled = f.exchange->Query(OrderBook::kRegular, "TESTUSDT", "kt-e1-T");
  REQUIRE(settled.ok());
  CHECK(settled->status == OrderStatus::kFilled);

  PlacementFault refused_first;
  refused_first.when = PlacementFault::When::kBeforeAccept;
  refused_first.how = PlacementFault::How::kServerError;
  f.venue->faults().placement.push_back(refused_first);
  auto unknown = f.exchange->Place(f.Order(Side::kBuy, OrderType::kMarket, "1", "kt-e2-T"));
  CHECK(unknown.status().IsUnknownOutcome());  // keel cannot tell before from after
  CHECK(f.exchange->Query(OrderBook::kRegular, "TESTUSDT", "kt-e2-T").status().IsNotFound());
}

TEST_CASE("bybit on the simulator: the per-endpoint limit answers 10006 with the reset; the client waits it out") {
  BybitOnSim f;
  for (int i = 0; i < 10; ++i) {
    PlaceOrder o = f.Order(Side::kBuy, OrderType::kLimit, "1", "kt-e" + std::to_string(i) + "-T");
    o.time_in_force = TimeInForce::kGtc;
    o.price = D("90");
    REQUIRE(f.exchange->Place(o).ok());
  }
  // The tenth create of this second left none: the client waits for the reset before the
  // eleventh instead of being refused.
  CHECK(f.exchange->client().requests_left("/v5/order/create") == 0);
  const TimeMs before = f.clock.NowMs();
  PlaceOrder o = f.Order(Side::kBuy, OrderType::kLimit, "1", "kt-e10-T");
  o.time_in_force = TimeInForce::kGtc;
  o.price = D("90");
  REQUIRE(f.exchange->Place(o).ok());
  CHECK(f.clock.NowMs() > before);
  CHECK(f.venue->refusals().empty());

  // The rate-limit fault: a definite refusal with the wait, recorded for the checker.
  f.venue->faults().rate_limit_next = 1;
  o.client_order_id = "kt-e11-T";
  auto limited = f.exchange->Place(o);
  REQUIRE(!limited.ok());
  CHECK(bybit::IsRateLimited(limited.status()));
  CHECK(IsDefiniteRejection(limited.status()));
  CHECK(f.venue->refusals().size() == 1);
}

TEST_CASE("bybit on the simulator: what Bybit refuses at the door, answered in its envelope") {
  BybitOnSim f(/*hedge=*/true);
  const net::HmacSha256 secret("secret-a");
  auto post = [&](const std::string& path, const std::string& body, const std::string& key = "key-a") {
    return f.Post(path, body, key);
  };
  auto code = [](const net::HttpResponse& r) {
    auto e = bybit::ParseEnvelope(r.body);
    return e.ok() ? e->ret_code : -1;
  };
  // Hedge mode needs positionIdx 1 or 2.
  CHECK(code(post("/v5/order/create", R"({"category":"linear","symbol":"TESTUSDT","side":"Buy","orderType":"Market","qty":"1","positionIdx":0})")) ==
        bybit::kParamError);
  // A reduce-only Buy on the long leg would add to it.
  CHECK(code(post("/v5/order/create",
                  R"({"category":"linear","symbol":"TESTUSDT","side":"Buy","orderType":"Market","qty":"1","positionIdx":1,"reduceOnly":true})")) ==
        bybit::kReduceOnlyTruncated);
  // A link id Bybit does not allow, a category the simulator does not serve, an unknown key.
  CHECK(code(post("/v5/order/create",
                  R"({"category":"linear","symbol":"TESTUSDT","side":"Buy","orderType":"Market","qty":"1","positionIdx":1,"orderLinkId":"k.1.e"})")) ==
        bybit::kParamError);
  CHECK(code(post("/v5/order/create", R"({"category":"spot","symbol":"TESTUSDT","side":"Buy","orderType":"Market","qty":"1"})")) ==
        bybit::kParamError);
  CHECK(code(post("/v5/order/create", R"({"category":"linear"})", "no-such-key")) == bybit::kApiKeyInvalid);
  // A body signed for other bytes than were sent.
  net::HttpRequest tampered;
  tampered.method = "POST";
  tampered.target = "/v5/order/cancel";
  tampered.body = R"({"category":"linear","symbol":"TESTUSDT","orderLinkId":"x"})";
  for (auto& h : bybit::SignedHeaders(secret, "key-a", f.clock.NowMs(), 5000, "{}")) tampered.headers.push_back(h);
  CHECK(code(f.venue->HandleHttp(tampered)) == bybit::kSignatureError);
  // Nothing reached the matching engine.
  CHECK(f.venue->exchange().counters().orders_placed == 0);
}

TEST_CASE("bybit on the simulator: the position's own TP/SL (trading-stop) protects it, and the scanner sees both forms") {
  BybitOnSim f;
  auto trading_stop = [&](const std::string& fields) {
    return f.PostEnvelope("/v5/position/trading-stop",
                          R"({"category":"linear","symbol":"TESTUSDT","tpslMode":"Full","positionIdx":0)" + fields + "}")
        .ret_code;
  };
  auto account = [&]() {
    auto a = f.exchange->Account();
    REQUIRE_MESSAGE(a.ok(), a.status().ToString());
    return *a;
  };
  // No position yet: Bybit refuses.
  CHECK(trading_stop(R"(,"stopLoss":"90")") == bybit::kParamError);
  REQUIRE(f.exchange->Place(f.Order(Side::kBuy, OrderType::kMarket, "2", "kt-e1-T")).ok());
  // A long's stop-loss above the price would fire at once: refused, nothing placed.
  CHECK(trading_stop(R"(,"stopLoss":"110")") == bybit::kParamError);
  CHECK(account().open_orders.empty());

  CHECK(trading_stop(R"(,"stopLoss":"90","slTriggerBy":"MarkPrice")") == bybit::kOk);
  AccountReport read = account();
  REQUIRE(read.positions.size() == 1);
  CHECK(read.positions[0].stop_loss == D("90"));
  REQUIRE(read.open_orders.size() == 1);
  const OrderReport& sl = read.open_orders[0];
  CHECK(sl.position_tpsl);
  CHECK(sl.client_order_id.empty());
  CHECK(sl.book == OrderBook::kConditional);
  CHECK(sl.type == OrderType::kStopMarket);
  CHECK(sl.side == Side::kSell);
  CHECK(sl.close_position);
  CHECK(sl.trigger_price == D("90"));
  CHECK(RestingCoverage(read.positions[0], read.open_orders).coverage == Coverage::kFull);
  // Only the position row, or only the order list, is enough for the scanner.
  AccountReport row_only = read;
  row_only.open_orders.clear();
  CHECK(RestingCoverage(row_only.positions[0], row_only.open_orders).coverage == Coverage::kFull);
  AccountReport orders_only = read;
  orders_only.positions[0].stop_loss = Decimal();
  CHECK(RestingCoverage(orders_only.positions[0], orders_only.open_orders).coverage == Coverage::kFull);

  // The same price again changes nothing (34040); a new one replaces the order; "0" cancels it.
  CHECK(trading_stop(R"(,"stopLoss":"90","slTriggerBy":"MarkPrice")") == 34040);
  const std::string sl_id = sl.exchange_order_id;
  CHECK(trading_stop(R"(,"stopLoss":"85","slTriggerBy":"MarkPrice","takeProfit":"120")") == bybit::kOk);
  read = account();
  CHECK(read.positions[0].stop_loss == D("85"));
  // Bybit keeps the order when only its price moves.
  CHECK(std::count_if(read.open_orders.begin(), read.open_orders.end(),
                      [&](const OrderReport& o) { return o.exchange_order_id == sl_id && o.trigger_price == D("85"); }) == 1);
  CHECK(read.positions[0].take_profit == D("120"));
  CHECK(read.open_orders.size() == 2);
  CHECK(trading_stop(R"(,"stopLoss":"0")") == bybit::kOk);
  read = account();
  CHECK(read.positions[0].stop_loss.is_zero());
  REQUIRE(read.open_orders.size() == 1);  // the take-profit
  CHECK(RestingCoverage(read.positions[0], read.open_orders).coverage == Coverage::kNone);
  // What the simulator does not model is refused, saying so.
  CHECK(trading_stop(R"(,"stopLoss":"95","slOrderType":"Limit")") == bybit::kParamError);

  // A stop-loss that fires closes the position; the exchange then clears the take-profit.
  CHECK(trading_stop(R"(,"stopLoss":"95")") == bybit::kOk);
  REQUIRE(f.venue->exchange().MovePrice("TESTUSDT", D("-10"), 1000).ok());
  f.clock.Advance(2000);
  read = account();
  CHECK(read.positions.empty());
  CHECK(read.open_orders.empty());
}

TEST_CASE("bybit on the simulator: a position's trailing stop (trading-stop trailingStop and activePrice)") {
  BybitOnSim f;
  SimExchange& ex = f.venue->exchange();
  // Each call 150 ms after the last: under Bybit's per-endpoint limits (10006 otherwise).
  auto trading_stop = [&](const std::string& fields, const std::string& mode = "Full") {
    f.clock.Advance(150);
    return f.PostEnvelope("/v5/position/trading-stop", R"({"category":"linear","symbol":"TESTUSDT","tpslMode":")" + mode +
                                                           R"(","positionIdx":0)" + fields + "}");
  };
  auto parsed = [](const std::string& body) {
    rapidjson::Document d;
    d.Parse(body.c_str());
    REQUIRE_MESSAGE(!d.HasParseError(), body);
    return d;
  };
  auto row = [&](const char* key) {
    f.clock.Advance(150);
    auto d = parsed(f.Get("/v5/position/list", "category=linear&symbol=TESTUSDT"));
    return std::string(d["result"]["list"][0][key].GetString());
  };
  // One field of the newest TrailingStop order in realtime (or of the one named), as text.
  auto order = [&](const char* key, const std::string& order_id = "") {
    f.clock.Advance(150);
    auto d = parsed(f.Get("/v5/order/realtime",
                          "category=linear&symbol=TESTUSDT" + (order_id.empty() ? "" : "&orderId=" + order_id)));
    for (const auto& o : d["result"]["list"].GetArray()) {
      if (o["stopOrderType"] != "TrailingStop") continue;
      if (o[key].IsString()) return std::string(o[key].GetString());
      if (o[key].IsBool()) return std::string(o[key].GetBool() ? "true" : "false");
      return std::to_string(o[key].GetInt());
    }
    return std::string("(none)");
  };
  auto move = [&](const char* percent, const char* to) {
    REQUIRE(ex.MovePrice("TESTUSDT", D(percent), 0).ok());
    REQUIRE(ex.FindMarket("TESTUSDT")->last() == D(to));
  };

  auto flat = trading_stop(R"(,"trailingStop":"2")");
  CHECK(flat.ret_code == bybit::kParamError);
  CHECK(flat.ret_msg == "can not set tp/sl/ts for zero position");
  REQUIRE(f.exchange->Place(f.Order(Side::kBuy, OrderType::kMarket, "2", "kt-e1-T")).ok());
  CHECK(trading_stop(R"(,"trailingStop":"2")", "Partial").ret_msg ==
        "params error: trailingStop is set in tpslMode Full only");
  CHECK(trading_stop(R"(,"activePrice":"103")").ret_msg == "params error: activePrice goes with trailingStop");
  // A long's trailing stop starts once the price rises to its activePrice: one at or under the
  // price is refused.
  auto under = trading_stop(R"(,"trailingStop":"2","activePrice":"99")");
  CHECK(under.ret_code == bybit::kParamError);
  CHECK(under.ret_msg == "TrailingStop:99 set for Buy position should higher than base_price:100??LastPrice");
  CHECK(trading_stop(R"(,"trailingStop":"0.05")").ret_msg == "params error: trailingStop is not a multiple of tickSize");
  CHECK(trading_stop(R"(,"trailingStop":"0")").ret_code == 34040);  // none to cancel
  CHECK(row("trailingStop") == "0");

  CHECK(trading_stop(R"(,"trailingStop":"2","activePrice":"103")").ret_code == bybit::kOk);
  CHECK(row("trailingStop") == "2.0");
  const std::string id = order("orderId");
  CHECK(order("orderLinkId") == "");
  CHECK(order("createType") == "CreateByTrailingStop");
  CHECK(order("side") == "Sell");
  CHECK(order("orderType") == "Market");
  CHECK(order("orderStatus") == "Untriggered");
  CHECK(order("triggerPrice") == "103.0");  // "If stopOrderType=TrailingStop, it is activate price"
  CHECK(order("triggerBy") == "LastPrice");
  CHECK(order("triggerDirection") == "2");
  CHECK(order("closeOnTrigger") == "true");
  CHECK(trading_stop(R"(,"trailingStop":"2","activePrice":"103")").ret_code == 34040);

  move("2", "102");  // under its activation price: nothing follows
  CHECK(ex.FindAlgo(0, std::stoll(id))->trigger_price == D("0"));
  move("3.9216", "106");  // active: 2 under the highest
  CHECK(ex.FindAlgo(0, std::stoll(id))->trigger_price == D("104"));
  CHECK(order("triggerPrice") == "103.0");
  // A new distance amends the same order from the highest price it has seen.
  CHECK(trading_stop(R"(,"trailingStop":"3")").ret_code == bybit::kOk);
  CHECK(row("trailingStop") == "3.0");
  CHECK(order("orderId") == id);
  CHECK(ex.FindAlgo(0, std::stoll(id))->trigger_price == D("103"));
  move("-2.7358", "103.1");
  CHECK(order("orderStatus") == "Untriggered");
  // "0" cancels it.
  CHECK(trading_stop(R"(,"trailingStop":"0")").ret_code == bybit::kOk);
  CHECK(row("trailingStop") == "0");
  CHECK(order("orderStatus", id) == "Deactivated");
  CHECK(order("cancelType", id) == "CancelByUser");
  CHECK(trading_stop(R"(,"trailingStop":"0")").ret_code == 34040);

  // Without activePrice it trails from the price now, and fires when the price falls 1 from the
  // highest since.
  CHECK(trading_stop(R"(,"trailingStop":"1")").ret_code == bybit::kOk);
  const std::string fired = order("orderId");
  CHECK(order("triggerPrice") == "103.1");
  move("0.8729", "104");
  move("-0.8654", "103.1");
  CHECK(order("orderStatus") == "Untriggered");
  move("-0.097", "103");
  CHECK(order("orderStatus", fired) == "Filled");
  CHECK(order("cumExecQty", fired) == "2.000");
  CHECK(order("avgPrice", fired) == "102.85");  // 1 at the bid, 102.9, and 1 a level under
  CHECK(order("orderStatus") == "(none)");  // nothing open
  CHECK(row("size") == "0.000");
  CHECK(row("trailingStop") == "0");

  // A short's starts once the price falls to it; closing the position by hand clears it.
  REQUIRE(f.exchange->Place(f.Order(Side::kSell, OrderType::kMarket, "1", "kt-e2-T")).ok());
  CHECK(trading_stop(R"(,"trailingStop":"2","activePrice":"104")").ret_msg ==
        "TrailingStop:104 set for Sell position should lower than base_price:103??LastPrice");
  CHECK(trading_stop(R"(,"trailingStop":"2","activePrice":"101")").ret_code == bybit::kOk);
  const std::string short_id = order("orderId");
  CHECK(order("side") == "Buy");
  CHECK(order("triggerDirection") == "1");
  PlaceOrder close = f.Order(Side::kBuy, OrderType::kMarket, "1", "kt-c2-T");
  close.reduce_only = true;
  REQUIRE(f.exchange->Place(close).ok());
  CHECK(order("orderStatus", short_id) == "Deactivated");
  CHECK(order("cancelType", short_id) == "CancelByTpSlTsClear");
}

TEST_CASE("bybit on the simulator: amending a conditional order's trigger price, as Bybit allows") {
  BybitOnSim f;
  auto amend = [&](const std::string& fields) {
    return f.PostEnvelope("/v5/order/amend", R"({"category":"linear","symbol":"TESTUSDT")" + fields + "}");
  };
  REQUIRE(f.exchange->Place(f.Order(Side::kBuy, OrderType::kMarket, "2", "kt-e1-T")).ok());
  auto stop = f.exchange->Place(f.Stop(Side::kSell, PositionSide::kBoth, "90", "kt-s1-T"));
  REQUIRE_MESSAGE(stop.ok(), stop.status().ToString());
  auto moved = amend(R"(,"orderLinkId":"kt-s1-T","triggerPrice":"92")");
  CHECK(moved.ret_code == bybit::kOk);
  CHECK(moved.result.find(R"("orderLinkId":"kt-s1-T")") != std::string::npos);
  auto q = f.exchange->Query(OrderBook::kConditional, "TESTUSDT", "kt-s1-T");
  REQUIRE(q.ok());
  CHECK(q->trigger_price == D("92"));
  CHECK(q->exchange_order_id == stop->exchange_order_id);
  // A Sell stop above the price would fire at once: refused as a trigger that should fall (110093),
  // the order as it was.
  auto passed = amend(R"(,"orderLinkId":"kt-s1-T","triggerPrice":"101")");
  CHECK(passed.ret_code == bybit::kTriggerShouldFall);
  CHECK(passed.ret_msg == "expect Falling, but trigger_price[101] >= current[100]??MarkPrice");
  // Placed so, it is refused the same way; a Buy stop under the price should rise (110092).
  auto sell_above = f.PostEnvelope("/v5/order/create", R"({"category":"linear","symbol":"TESTUSDT","side":"Sell",)"
                                   R"("orderType":"Market","qty":"0","triggerPrice":"105","triggerDirection":2,)"
                                   R"("reduceOnly":true,"closeOnTrigger":true,"orderLinkId":"kt-s2-T"})");
  CHECK(sell_above.ret_code == bybit::kTriggerShouldFall);
  auto buy_below = f.PostEnvelope("/v5/order/create", R"({"category":"linear","symbol":"TESTUSDT","side":"Buy",)"
                                  R"("orderType":"Market","qty":"1","triggerPrice":"95","triggerDirection":1,)"
                                  R"("orderLinkId":"kt-e3-T"})");
  CHECK(buy_below.ret_code == bybit::kTriggerShouldRise);
  CHECK(buy_below.ret_msg == "expect Rising, but trigger_price[95] <= current[100]??LastPrice");
  // A whole-position stop has no quantity to amend.
  CHECK(amend(R"(,"orderLinkId":"kt-s1-T","qty":"1")").ret_code == bybit::kParamError);
  q = f.exchange->Query(OrderBook::kConditional, "TESTUSDT", "kt-s1-T");
  REQUIRE(q.ok());
  CHECK(q->trigger_price == D("92"));
  // A regular order has no trigger.
  PlaceOrder resting = f.Order(Side::kBuy, OrderType::kLimit, "1", "kt-e2-T");
  resting.price = D("95");
  resting.time_in_force = TimeInForce::kGtc;
  REQUIRE(f.exchange->Place(resting).ok());
  CHECK(amend(R"(,"orderLinkId":"kt-e2-T","triggerPrice":"96")").ret_code == bybit::kParamError);
}

TEST_CASE("bybit on the simulator: a reduce-only order larger than the position is cut to its size, one-way and hedge") {
  for (const bool hedge : {false, true}) {
    INFO("hedge " << hedge);
    BybitOnSim f(hedge);
    PlaceOrder entry = f.Order(Side::kBuy, OrderType::kMarket, "1", "kt-e1-T");
    if (hedge) entry.position_side = PositionSide::kLong;
    REQUIRE(f.exchange->Place(entry).ok());
    PlaceOrder take = f.Order(Side::kSell, OrderType::kLimit, "3", "kt-t1-T");
    if (hedge) take.position_side = PositionSide::kLong;
    take.time_in_force = TimeInForce::kGtc;
    take.price = D("105");
    take.reduce_only = true;
    auto placed = f.exchange->Place(take);
    REQUIRE_MESSAGE(placed.ok(), placed.status().ToString());
    auto resting = f.exchange->Query(OrderBook::kRegular, "TESTUSDT", "kt-t1-T");
    REQUIRE(resting.ok());
    CHECK(resting->qty == D("1"));
    CHECK(resting->status == OrderStatus::kNew);
  }
}

TEST_CASE("bybit on the simulator: protect covers a position above maxMktOrderQty with reduce-only stops for the rest") {
  BybitOnSim f(false, [](SimConfig& c) { c.instruments[0].market_max_qty = D("1"); });
  auto listed = f.exchange->Instruments();
  REQUIRE(listed.ok());
  const Instrument testusdt = listed->instruments.at(0);
  for (const char* id : {"kt-e1-T", "kt-e2-T", "kt-e3-T"})
    REQUIRE(f.exchange->Place(f.Order(Side::kBuy, OrderType::kMarket, "1", id)).ok());
  REQUIRE(f.exchange->Place(f.Order(Side::kSell, OrderType::kMarket, "0.5", "kt-r1-T")).ok());
  auto positions = f.exchange->Positions();
  REQUIRE(positions.ok());
  REQUIRE(positions->size() == 1);
  REQUIRE((*positions)[0].amount == D("2.5"));

  keel::test::TempDir dir;
  auto store = SqliteStore::OpenWriter(dir.file("k.db")).value();
  ProtectOptions options;
  options.account = "t";
  options.stop_pct = D("2");
  options.now = f.clock.NowMs();
  auto r = ProtectPosition(*f.exchange, *store, (*positions)[0], testusdt, options);
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  CHECK(r->stop.close_position);
  REQUIRE(r->remainder_stops.size() == 2);  // 1 by the whole-position stop, then 1 and 0.5
  CHECK(r->remainder_stops[0].qty == D("1"));
  CHECK(r->remainder_stops[1].qty == D("0.5"));
  CHECK(r->remainder_stops[0].reduce_only);
  CHECK(r->uncovered.is_zero());
  // Each is in the store before it is sent, and acknowledged after.
  auto recorded = store->Order(r->remainder_stops[1].client_order_id);
  REQUIRE(recorded.ok());
  REQUIRE(*recorded);
  CHECK((*recorded)->state == OrderState::kNew);
  auto whole = store->Order(r->stop.client_order_id);
  REQUIRE(whole.ok());
  REQUIRE(*whole);
  CHECK((*whole)->close_up_to == std::optional<Decimal>(D("1")));  // what --check counts it for

  auto account = f.exchange->Account();
  REQUIRE(account.ok());
  const CoverageReport cover = RestingCoverage(account->positions[0], account->open_orders, testusdt.close_stop_max_qty);
  CHECK(cover.coverage == Coverage::kFull);
  CHECK(cover.covered == D("2.5"));
  // Fired, they close all of it.
  REQUIRE(f.venue->exchange().MovePrice("TESTUSDT", D("-10"), 1000).ok());
  f.clock.Advance(2000);
  auto after = f.exchange->Positions();
  REQUIRE(after.ok());
  CHECK(after->empty());
}

TEST_CASE("bybit on the simulator: a repair whose stop's answer was lost, then confirmed, still covers the rest above the cap") {
  BybitOnSim f(false, [](SimConfig& c) { c.instruments[0].market_max_qty = D("1"); });
  const Instrument testusdt = f.exchange->Instruments()->instruments.at(0);
  for (const char* id : {"kt-e1-T", "kt-e2-T"}) REQUIRE(f.exchange->Place(f.Order(Side::kBuy, OrderType::kMarket, "1", id)).ok());
  const PositionReport position = (*f.exchange->Positions())[0];
  REQUIRE(position.amount == D("2"));
  // The earlier attempt's qty-0 stop rests, and the stream said so: its answer never came.
  auto sent = f.exchange->Place(f.Stop(Side::kSell, PositionSide::kBoth, "95", "kt-x1-T"));
  REQUIRE(sent.ok());
  keel::test::TempDir dir;
  auto store = SqliteStore::OpenWriter(dir.file("k.db")).value();
  OrderRecord rests;
  rests.client_order_id = "kt-x1-T";
  rests.exchange_order_id = sent->exchange_order_id;
  rests.symbol = "TESTUSDT";
  rests.side = Side::kSell;
  rests.type = OrderType::kStopMarket;
  rests.purpose = OrderPurpose::kEmergencyStop;
  rests.state = OrderState::kNew;
  rests.qty = D("2");
  rests.stop_price = D("95");
  rests.close_position = true;
  rests.close_up_to = D("1");
  WriteBatch b(f.clock.NowMs());
  b.PutOrder(rests, Provenance{Source::kStream, std::nullopt, "test"});
  REQUIRE(store->Write(b).ok());

  ProtectOptions options;
  options.account = "t";
  options.stop_pct = D("2");
  options.now = f.clock.NowMs();
  options.confirmed_stop = "kt-x1-T";
  auto r = ProtectPosition(*f.exchange, *store, position, testusdt, options);
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  CHECK(r->stop.client_order_id == "kt-x1-T");  // no second whole-position stop
  REQUIRE(r->remainder_stops.size() == 1);
  CHECK(r->remainder_stops[0].qty == D("1"));
  CHECK(r->remainder_stops[0].trigger_price == D("95"));
  auto account = f.exchange->Account();
  REQUIRE(account.ok());
  CHECK(account->open_orders.size() == 2);
  CHECK(RestingCoverage(account->positions[0], account->open_orders, testusdt.close_stop_max_qty).coverage == Coverage::kFull);
}
