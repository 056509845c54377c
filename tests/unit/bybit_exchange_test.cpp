// The Bybit v5 REST client and adapter against a stub that answers with the documentation's own
// examples (tests/fixtures/bybit, SOURCES.md) and checks every signature the way Bybit does.
#include <doctest/doctest.h>

#include <deque>
#include <functional>
#include <map>

#include "keel/bybit/bybit_exchange.h"
#include "keel/bybit/codec.h"
#include "keel/bybit/errors.h"
#include "keel/bybit/signing.h"
#include "subprocess.h"
#include "temp_dir.h"
#include "venue_fixture.h"

using namespace keel;
using namespace keel::bybit;

namespace {

std::string fixture(const std::string& name) { return keel::test::bybit_fixture(name); }

Decimal D(const char* t) { return Decimal::Parse(t).value(); }

net::HttpResponse Answer(std::string body, int status = 200) {
  net::HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

std::string Answered(int code, const std::string& msg, const std::string& result = "{}") {
  return "{\"retCode\":" + std::to_string(code) + ",\"retMsg\":\"" + msg + "\",\"result\":" + result +
         ",\"retExtInfo\":{},\"time\":1688639403423}";
}

// Answers by path from a queue per path (the last answer repeats); records every request and
// checks its signature against the key's secret: timestamp + key + recv window + payload.
struct Stub {
  ManualClock clock{1'688'639'000'000};
  std::map<std::string, std::deque<net::HttpResponse>> answers;
  std::vector<net::HttpRequest> seen;
  int bad_signatures = 0;
  net::HmacSha256 secret{"secret-b"};
  std::unique_ptr<net::InMemoryTransport> transport;
  std::unique_ptr<BybitExchange> exchange;

  Stub() {
    answers["/v5/market/time"].push_back(Answer(fixture("market_time.json")));
    transport = std::make_unique<net::InMemoryTransport>([this](const net::HttpRequest& r) { return Handle(r); });
    exchange = std::make_unique<BybitExchange>(std::make_unique<RestClient>(
        *transport, "key-b", Secret("secret-b"), clock, [this](TimeMs ms) { clock.Advance(ms); }));
  }
  void On(const std::string& path, net::HttpResponse r) { answers[path].push_back(std::move(r)); }
  net::HttpResponse Handle(const net::HttpRequest& r) {
    seen.push_back(r);
    if (!r.header("X-BAPI-SIGN").empty()) {
      const std::string payload = r.method == "GET" ? r.raw_query() : r.body;
      const std::string expected = secret.Hex(RestSignPayload(std::stoll(r.header("X-BAPI-TIMESTAMP")), "key-b",
                                                              std::stoll(r.header("X-BAPI-RECV-WINDOW")), payload));
      if (expected != r.header("X-BAPI-SIGN") || r.header("X-BAPI-API-KEY") != "key-b") ++bad_signatures;
    }
    auto& queue = answers[r.path()];
    if (queue.empty()) return Answer("{\"retCode\":10017,\"retMsg\":\"route not found\"}", 404);
    net::HttpResponse out = queue.front();
    if (queue.size() > 1) queue.pop_front();
    return out;
  }
  std::vector<net::HttpRequest> To(const std::string& path) const {
    std::vector<net::HttpRequest> out;
    for (const auto& r : seen)
      if (r.path() == path) out.push_back(r);
    return out;
  }
};

PlaceOrder Stop(const char* cid) {
  PlaceOrder o;
  o.book = OrderBook::kConditional;
  o.client_order_id = cid;
  o.symbol = "BTCUSDT";
  o.side = Side::kSell;
  o.position_side = PositionSide::kLong;
  o.type = OrderType::kStopMarket;
  o.trigger_price = D("55000");
  o.close_position = true;
  return o;
}

}  // namespace

TEST_CASE("bybit client: the server time offset comes from /v5/market/time and every request is signed as sent") {
  Stub s;
  s.On("/v5/position/list", Answer(fixture("position_list.json")));
  auto rows = s.exchange->PositionRows("BTCUSD");
  REQUIRE_MESSAGE(rows.ok(), rows.status().ToString());
  // timeNano 1688639403423213947 is 1688639403423 ms; the request left and came back at the same
  // virtual instant, 1688639000000.
  CHECK(s.exchange->client().time_offset_ms() == 403'423);
  const auto reads = s.To("/v5/position/list");
  REQUIRE(reads.size() == 1);
  CHECK(reads[0].raw_query() == "category=linear&symbol=BTCUSD");
  CHECK(reads[0].header("X-BAPI-TIMESTAMP") == "1688639403423");
  CHECK(reads[0].header("X-BAPI-RECV-WINDOW") == "5000");
  CHECK(s.bad_signatures == 0);
  // The documentation's row: BTCUSD, Sell 300 (a short), positionIdx 0.
  REQUIRE(rows->size() == 1);
  CHECK((*rows)[0].amount == D("-300"));
  CHECK((*rows)[0].position_side == PositionSide::kBoth);
}

TEST_CASE("bybit adapter: instruments-info gives the filters; the cursor is followed, sent back as Bybit gave it") {
  Stub s;
  // A first page whose cursor is the documentation's (percent-encoded as Bybit hands it out).
  s.On("/v5/market/instruments-info",
       Answer(Answered(0, "OK",
                       "{\"category\":\"linear\",\"list\":[],\"nextPageCursor\":\"page_args%3Dfd4300ae%26symbol%3D6%26\"}")));
  s.On("/v5/market/instruments-info", Answer(fixture("instruments_info.json")));
  auto list = s.exchange->Instruments();
  REQUIRE_MESSAGE(list.ok(), list.status().ToString());
  REQUIRE(list->instruments.size() == 1);
  const Instrument& btc = list->instruments[0];
  CHECK(btc.symbol == "BTCUSDT");
  CHECK(btc.tick_size == D("0.10"));
  CHECK(btc.step_size == D("0.001"));
  CHECK(btc.min_qty == D("0.001"));
  CHECK(btc.min_notional == D("5"));
  CHECK(*btc.max_qty == D("1190.000"));
  CHECK(*btc.market_max_qty == D("500.000"));
  const auto calls = s.To("/v5/market/instruments-info");
  REQUIRE(calls.size() == 2);
  CHECK(calls[0].raw_query() == "category=linear&limit=1000");
  CHECK(calls[1].raw_query() == "category=linear&limit=1000&cursor=page_args%3Dfd4300ae%26symbol%3D6%26");
  CHECK(calls[0].header("X-BAPI-SIGN").empty());  // public
}

TEST_CASE("bybit adapter: a cursor that never ends is an error, not a hang") {
  Stub s;
  s.On("/v5/market/instruments-info",
       Answer(Answered(0, "OK", "{\"category\":\"linear\",\"list\":[],\"nextPageCursor\":\"same\"}")));
  auto list = s.exchange->Instruments();
  REQUIRE(!list.ok());
  CHECK(list.status().message().find("cursor does not end") != std::string::npos);
  CHECK(s.To("/v5/market/instruments-info").size() == 2);
}

TEST_CASE("bybit adapter: a whole-position stop is a conditional Market order, qty 0, reduceOnly and closeOnTrigger") {
  auto body = CreateOrderBody(Stop("kt-s1-T"));
  REQUIRE_MESSAGE(body.ok(), body.status().ToString());
  CHECK(*body ==
        "{\"category\":\"linear\",\"symbol\":\"BTCUSDT\",\"side\":\"Sell\",\"orderType\":\"Market\",\"qty\":\"0\","
        "\"positionIdx\":1,\"orderLinkId\":\"kt-s1-T\",\"triggerPrice\":\"55000\",\"triggerDirection\":2,"
        "\"triggerBy\":\"MarkPrice\",\"reduceOnly\":true,\"closeOnTrigger\":true}");
  PlaceOrder short_stop = Stop("kt-s2-T");
  short_stop.side = Side::kBuy;
  short_stop.position_side = PositionSide::kShort;
  CHECK(CreateOrderBody(short_stop)->find("\"positionIdx\":2,\"orderLinkId\":\"kt-s2-T\",\"triggerPrice\":\"55000\","
                                           "\"triggerDirection\":1") != std::string::npos);
  PlaceOrder post_only;
  post_only.client_order_id = "kt-e3-T";
  post_only.symbol = "BTCUSDT";
  post_only.side = Side::kBuy;
  post_only.type = OrderType::kLimit;
  post_only.time_in_force = TimeInForce::kGtx;
  post_only.qty = D("0.003");
  post_only.price = D("26864.4");
  CHECK(*CreateOrderBody(post_only) ==
        "{\"category\":\"linear\",\"symbol\":\"BTCUSDT\",\"side\":\"Buy\",\"orderType\":\"Limit\",\"qty\":\"0.003\","
        "\"price\":\"26864.4\",\"timeInForce\":\"PostOnly\",\"positionIdx\":0,\"orderLinkId\":\"kt-e3-T\"}");

  // What Bybit cannot take is refused before sending, naming why.
  PlaceOrder wrong_leg = Stop("kt-s4-T");
  wrong_leg.side = Side::kBuy;  // a Buy "close" of the LONG leg would open a SHORT
  CHECK(CreateOrderBody(wrong_leg).status().message().find("in hedge mode a close is SELL LONG") != std::string::npos);
  CHECK(CreateOrderBody(Stop("k-1234567890-1234567890-1234567890-sl")).status().message().find("36") !=
        std::string::npos);
  CHECK(CreateOrderBody(Stop("k/1/s")).status().IsInvalidInput());
  post_only.time_in_force = TimeInForce::kGtd;
  CHECK(CreateOrderBody(post_only).status().message().find("does not exist on Bybit") != std::string::npos);
}

TEST_CASE("bybit adapter: a create is never taken for the order: an ack naming another order is an unknown outcome") {
  Stub s;
  // The documentation's acknowledgement names "spot-test-postonly", not the order keel sent.
  s.On("/v5/order/create", Answer(fixture("order_create.json")));
  auto placed = s.exchange->Place(Stop("kt-s1-T"));
  REQUIRE(!placed.ok());
  CHECK(placed.status().IsUnknownOutcome());
  CHECK(placed.status().message().find("names another order (spot-test-postonly)") != std::string::npos);
  const auto creates = s.To("/v5/order/create");
  REQUIRE(creates.size() == 1);
  CHECK(creates[0].header("Content-Type") == "application/json");
  CHECK(s.bad_signatures == 0);
}

TEST_CASE("bybit adapter: an acknowledged create the queries do not show yet is asked again, then left unknown") {
  Stub s;
  s.On("/v5/order/create", Answer(Answered(0, "OK", "{\"orderId\":\"1321003749386327552\",\"orderLinkId\":\"kt-s1-T\"}")));
  const std::string empty = Answered(0, "OK", "{\"category\":\"linear\",\"list\":[],\"nextPageCursor\":\"\"}");
  s.On("/v5/order/realtime", Answer(empty));
  s.On("/v5/order/history", Answer(empty));
  const TimeMs before = s.clock.NowMs();
  auto placed = s.exchange->Place(Stop("kt-s1-T"));
  REQUIRE(!placed.ok());
  // Acknowledged: "not seen yet" is never "not there".
  CHECK(placed.status().IsUnknownOutcome());
  CHECK(placed.status().message().find("not visible by query after 4 tries") != std::string::npos);
  CHECK(s.To("/v5/order/realtime").size() == BybitExchange::kAckQueryAttempts);
  CHECK(s.To("/v5/order/create").size() == 1);  // never sent twice
  CHECK(s.clock.NowMs() - before == (BybitExchange::kAckQueryAttempts - 1) * BybitExchange::kAckQueryIntervalMs);
}

TEST_CASE("bybit adapter: placement errors: definite refusals are refusals, everything else an unknown outcome") {
  struct Case {
    net::HttpResponse answer;
    bool definite;
  };
  const std::vector<Case> cases = {
      {Answer(Answered(kDuplicateLinkId, "OrderLinkedID is duplicate")), true},
      {Answer(Answered(kReduceOnlyTruncated, "current position is zero, cannot fix reduce-only order qty")), true},
      {Answer(Answered(kNotionalTooLow, "Order does not meet minimum order value 5USDT")), true},
      {Answer(Answered(kParamError, "params error")), true},
      {Answer(Answered(kServerError, "Server Timeout")), false},
      {Answer(Answered(kOrderProcessing, "order is being processed")), false},
      {Answer("<html>bad gateway</html>", 502), false},
      {Answer("", 408), false},
      {Answer("{\"retCode\":0,\"retMsg\":\"OK\",\"result\":", 200), false},  // cut off: may have acted
  };
  for (const auto& c : cases) {
    Stub s;
    s.On("/v5/order/create", c.answer);
    auto placed = s.exchange->Place(Stop("kt-s1-T"));
    REQUIRE(!placed.ok());
    INFO(placed.status().ToString());
    CHECK(IsDefiniteRejection(placed.status()) == c.definite);
    CHECK(placed.status().IsUnknownOutcome() == !c.definite);
  }
}

TEST_CASE("bybit client: 10006 in an HTTP 200 stops every request until the exchange's reset time") {
  Stub s;
  net::HttpResponse limited = Answer(Answered(kTooManyVisits, "Too many visits!"));
  // Reset 2 s after the server's now (1688639403423 at the first request).
  limited.headers.emplace_back("X-Bapi-Limit-Reset-Timestamp", "1688639405423");
  s.On("/v5/order/create", limited);
  auto placed = s.exchange->Place(Stop("kt-s1-T"));
  REQUIRE(!placed.ok());
  CHECK(IsDefiniteRejection(placed.status()));
  CHECK(IsRateLimited(placed.status()));
  CHECK(placed.status().retry_after_ms() == 2000);
  // Nothing is sent before the reset, to any path: refused by keel, so certainly not executed.
  const std::size_t sent = s.seen.size();
  auto again = s.exchange->Cancel(OrderBook::kConditional, "BTCUSDT", "kt-s1-T");
  CHECK(!again.ok());
  CHECK(IsDefiniteRejection(again.status()));
  CHECK(s.seen.size() == sent);
  s.clock.Advance(2000);
  s.On("/v5/order/cancel", Answer(fixture("order_cancel.json")));
  (void)s.exchange->Cancel(OrderBook::kConditional, "BTCUSDT", "linear-004");
  CHECK(s.seen.size() == sent + 1);
}

TEST_CASE("bybit client: a path with no requests left (X-Bapi-Limit-Status 0) waits for its reset before sending") {
  Stub s;
  net::HttpResponse last = Answer(fixture("order_cancel.json"));
  last.headers.emplace_back("X-Bapi-Limit", "10");
  last.headers.emplace_back("X-Bapi-Limit-Status", "0");
  last.headers.emplace_back("X-Bapi-Limit-Reset-Timestamp", "1688639404223");  // 800 ms after the server's now
  s.On("/v5/order/cancel", last);
  REQUIRE(s.exchange->Cancel(OrderBook::kRegular, "BTCUSDT", "linear-004").ok());
  CHECK(s.exchange->client().requests_left("/v5/order/cancel") == 0);
  const TimeMs before = s.clock.NowMs();
  REQUIRE(s.exchange->Cancel(OrderBook::kRegular, "BTCUSDT", "linear-004").ok());
  CHECK(s.clock.NowMs() - before == 800);  // waited for the window, then sent
  CHECK(s.To("/v5/order/cancel").size() == 2);
}

TEST_CASE("bybit client: refused for the clock (10002) is measured again and sent once more") {
  Stub s;
  s.On("/v5/order/cancel", Answer(Answered(kTimestampOutside, "invalid request, please check your server timestamp")));
  s.On("/v5/order/cancel", Answer(fixture("order_cancel.json")));
  auto cancelled = s.exchange->Cancel(OrderBook::kRegular, "BTCUSDT", "linear-004");
  REQUIRE_MESSAGE(cancelled.ok(), cancelled.status().ToString());
  CHECK(s.To("/v5/market/time").size() == 2);
  CHECK(s.To("/v5/order/cancel").size() == 2);
}

TEST_CASE("bybit adapter: a cancel is acknowledged, not reported as an order; 110001 is not open") {
  Stub s;
  s.On("/v5/order/cancel", Answer(fixture("order_cancel.json")));
  auto cancelled = s.exchange->Cancel(OrderBook::kRegular, "BTCUSDT", "linear-004");
  REQUIRE_MESSAGE(cancelled.ok(), cancelled.status().ToString());
  CHECK(cancelled->exchange_order_id == "c6f055d9-7f21-4079-913d-e6523a9cfffa");
  CHECK(!cancelled->order);
  CHECK(s.To("/v5/order/cancel")[0].body == "{\"category\":\"linear\",\"symbol\":\"BTCUSDT\",\"orderLinkId\":\"linear-004\"}");

  Stub gone;
  gone.On("/v5/order/cancel", Answer(Answered(kOrderNotExists, "order not exists or too late to cancel")));
  auto not_open = gone.exchange->Cancel(OrderBook::kRegular, "BTCUSDT", "linear-004");
  CHECK(not_open.status().IsNotFound());
}

TEST_CASE("bybit adapter: a query asks realtime, then history: a post-only order Bybit cancelled reads expired") {
  Stub s;
  s.On("/v5/order/realtime", Answer(Answered(0, "OK", "{\"category\":\"linear\",\"list\":[],\"nextPageCursor\":\"\"}")));
  s.On("/v5/order/history", Answer(fixture("order_history.json")));
  auto order = s.exchange->Query(OrderBook::kRegular, "BTCUSDT", "YLxaWKMiHU");
  REQUIRE_MESSAGE(order.ok(), order.status().ToString());
  // Cancelled with rejectReason EC_PostOnlyWillTakeLiquidity: the exchange ended it, not the user.
  CHECK(order->status == OrderStatus::kExpired);
  CHECK(order->filled_qty.is_zero());
  CHECK(order->position_side == PositionSide::kLong);
  CHECK(s.To("/v5/order/history")[0].raw_query() == "category=linear&symbol=BTCUSDT&orderLinkId=YLxaWKMiHU");
  // Asked about another id, the same rows do not answer for it.
  auto other = s.exchange->Query(OrderBook::kRegular, "BTCUSDT", "kt-e9-T");
  CHECK(other.status().IsNotFound());
}

TEST_CASE("bybit adapter: the mark price from tickers; the position mode from the rows") {
  Stub s;
  s.On("/v5/market/tickers", Answer(fixture("tickers.json")));
  auto mark = s.exchange->MarkPrice("BTCUSD");
  REQUIRE_MESSAGE(mark.ok(), mark.status().ToString());
  CHECK(*mark == D("114898.43"));
  CHECK(s.exchange->MarkPrice("ETHUSD").status().IsNotFound());

  // No open position (settleCoin reads are empty): the probe symbol's rows say one-way (positionIdx 0).
  s.On("/v5/position/list", Answer(Answered(0, "OK", "{\"category\":\"linear\",\"list\":[],\"nextPageCursor\":\"\"}")));
  s.On("/v5/position/list", Answer(Answered(0, "OK", "{\"category\":\"linear\",\"list\":[],\"nextPageCursor\":\"\"}")));
  s.On("/v5/position/list", Answer(fixture("position_list.json")));
  s.On("/v5/market/instruments-info", Answer(fixture("instruments_info.json")));
  auto hedge = s.exchange->HedgeMode();
  REQUIRE_MESSAGE(hedge.ok(), hedge.status().ToString());
  CHECK(!*hedge);
  const auto reads = s.To("/v5/position/list");
  REQUIRE(reads.size() == 3);
  CHECK(reads[0].raw_query() == "category=linear&settleCoin=USDT&limit=200");
  CHECK(reads[1].raw_query() == "category=linear&settleCoin=USDC&limit=200");
  CHECK(reads[2].raw_query() == "category=linear&symbol=BTCUSDT");
}

TEST_CASE("bybit adapter: cancel-all lists what Bybit acknowledged") {
  Stub s;
  s.On("/v5/order/cancel-all", Answer(fixture("cancel_all.json")));
  auto all = s.exchange->CancelAll("BTCUSDT");
  REQUIRE_MESSAGE(all.ok(), all.status().ToString());
  REQUIRE(all->size() == 2);
  CHECK((*all)[0].client_order_id == "1616024329462743809");
  CHECK((*all)[1].exchange_order_id == "1616024287544869632");
}
