// The venue in process: control commands, scenario steps, stream faults and stream sessions.
#include <doctest/doctest.h>

#include "signed_request.h"
#include "keel/sim/binance_stream.h"
#include "keel/sim/sim_venue.h"
#include "sim_fixture.h"

using namespace keel;
using namespace keel::sim;
using keel::sim::test::D;
using keel::sim::test::TestConfig;

namespace {

struct VenueFixture {
  ManualClock clock{1'795'165'200'000};
  std::unique_ptr<SimVenue> venue;
  VenueFixture() {
    auto v = SimVenue::Create(TestConfig(), clock);
    REQUIRE(v.ok());
    venue = std::move(v).value();
    venue->exchange().set_market_events(false);
  }
  net::HttpResponse Control(const std::string& body) {
    net::HttpRequest r;
    r.method = "POST";
    r.target = "/_sim/command";
    r.body = body;
    return venue->HandleHttp(r);
  }
  net::HttpResponse Order(const std::string& params) {
    return venue->HandleHttp(
        keel::test::SignedRequest("POST", "/fapi/v1/order", params, clock.NowMs(), "key-a", "secret-a"));
  }
  std::vector<std::string> Delivered() {
    std::vector<std::string> out;
    for (const auto& e : venue->TakeDueUserEvents()) {
      std::string line = e.type_name();
      const std::string detail = event_detail(e);
      if (!detail.empty()) line += " " + detail;
      out.push_back(line);
    }
    return out;
  }
};

}  // namespace

TEST_CASE("control commands: faults on and off, exchange-side acts, clear errors for bad ones") {
  VenueFixture f;
  CHECK(f.Control(R"({"fault":"stale_reads","ms":1500})").body == R"({"ok":true})");
  CHECK(f.venue->faults().stale_reads_ms == 1500);
  CHECK(f.Control(R"({"fault":"placement","when":"before","how":"5xx","count":2})").status == 200);
  REQUIRE(f.venue->faults().placement.size() == 1);
  CHECK(f.venue->faults().placement[0].count == 2);
  CHECK(f.Control(R"({"fault":"placement","when":"later"})").body ==
        R"({"error":"fault placement: when is before or after"})");
  CHECK(f.Control(R"({"fault":"warp"})").status == 400);
  CHECK(f.Control(R"({"act":"move_price","symbol":"TESTUSDT","percent":"-5"})").status == 200);
  CHECK(f.venue->exchange().FindMarket("TESTUSDT")->last() == D("95"));
  CHECK(f.Control(R"({"act":"cancel","symbol":"TESTUSDT","orderId":1})").status == 404);
  CHECK(f.Control(R"({"act":"cancel","account":"nobody","symbol":"TESTUSDT","orderId":1})").status == 404);
  CHECK(f.Control("not json").status == 400);
  CHECK(f.Control(R"({"clear":"faults"})").status == 200);
  CHECK(f.venue->faults().stale_reads_ms == 0);
  CHECK(f.venue->faults().placement.empty());
  net::HttpRequest counters;
  counters.method = "GET";
  counters.target = "/_sim/counters";
  const std::string json = f.venue->HandleHttp(counters).body;
  CHECK(json.find("\"orders_placed\": 0") != std::string::npos);
  CHECK(json.find("\"control_calls\": 10") != std::string::npos);
}

TEST_CASE("an exchange-side cancel, and a stream that loses exactly that event (seed 000)") {
  VenueFixture f;
  auto placed = f.Order("symbol=TESTUSDT&side=BUY&type=LIMIT&quantity=1&price=95&timeInForce=GTC&newClientOrderId=edge-1");
  REQUIRE(placed.status == 200);
  CHECK(f.Delivered() == std::vector<std::string>{"ORDER_TRADE_UPDATE NEW"});
  REQUIRE(f.Control(R"({"fault":"stream_drop_next","event":"ORDER_TRADE_UPDATE","detail":"CANCELED"})").status == 200);
  REQUIRE(f.Control(R"({"act":"cancel","symbol":"TESTUSDT","clientOrderId":"edge-1"})").status == 200);
  CHECK(f.Delivered().empty());  // the exchange cancelled it; the stream never said so
  CHECK(f.venue->outbox().counters().dropped == 1);
  CHECK(f.venue->exchange().OpenOrders(0, "").empty());
}

TEST_CASE("stream delay, duplicates and reordering") {
  VenueFixture f;
  REQUIRE(f.Control(R"({"fault":"stream_delay","ms":300})").status == 200);
  f.Order("symbol=TESTUSDT&side=BUY&type=MARKET&quantity=1");
  CHECK(f.Delivered().empty());
  f.clock.Advance(299);
  CHECK(f.Delivered().empty());
  f.clock.Advance(1);
  CHECK(f.Delivered() == std::vector<std::string>{"ORDER_TRADE_UPDATE NEW", "TRADE_LITE", "ACCOUNT_UPDATE",
                                                  "ORDER_TRADE_UPDATE TRADE"});
  REQUIRE(f.Control(R"({"fault":"stream_delay","ms":0})").status == 200);
  REQUIRE(f.Control(R"({"fault":"stream_duplicate","count":1})").status == 200);
  f.Order("symbol=TESTUSDT&side=SELL&type=MARKET&quantity=1");
  CHECK(f.Delivered() == std::vector<std::string>{"ORDER_TRADE_UPDATE NEW", "ORDER_TRADE_UPDATE NEW", "TRADE_LITE",
                                                  "ACCOUNT_UPDATE", "ORDER_TRADE_UPDATE TRADE"});
  CHECK(f.venue->outbox().counters().duplicated == 1);
  // Reordering swaps an event with the next: the order's NEW now arrives after its trade.
  REQUIRE(f.Control(R"({"fault":"stream_reorder","count":1})").status == 200);
  f.Order("symbol=TESTUSDT&side=BUY&type=MARKET&quantity=1");
  CHECK(f.Delivered() == std::vector<std::string>{"TRADE_LITE", "ORDER_TRADE_UPDATE NEW", "ACCOUNT_UPDATE",
                                                  "ORDER_TRADE_UPDATE TRADE"});
  CHECK(f.venue->outbox().counters().reordered == 1);
}

TEST_CASE("random stream drops: none at 0, all at 1000 per mille, counted") {
  VenueFixture f;
  REQUIRE(f.Control(R"({"fault":"stream_drop","per_mille":1000})").status == 200);
  f.Order("symbol=TESTUSDT&side=BUY&type=MARKET&quantity=1");
  CHECK(f.Delivered().empty());
  CHECK(f.venue->outbox().counters().dropped == 4);
  REQUIRE(f.Control(R"({"fault":"stream_drop","per_mille":0})").status == 200);
  f.Order("symbol=TESTUSDT&side=SELL&type=MARKET&quantity=1");
  CHECK(f.Delivered().size() == 4);
}

TEST_CASE("a scenario file runs its steps at their times; a step that cannot apply is reported") {
  VenueFixture f;
  REQUIRE(f.venue
              ->LoadScenarioText(R"(
[[step]]
at_ms = 1000
act = "move_price"
symbol = "TESTUSDT"
percent = "10"

[[step]]
at_ms = 500
fault = "minimal_ack"
count = 1

[[step]]
at_ms = 2000
act = "cancel"
symbol = "TESTUSDT"
orderId = 42
)",
                                 "s.toml")
              .ok());
  f.clock.Advance(600);
  f.venue->Tick();
  CHECK(f.venue->faults().minimal_ack_next == 1);
  CHECK(f.venue->exchange().FindMarket("TESTUSDT")->last() == D("100"));
  f.clock.Advance(400);
  f.venue->Tick();
  CHECK(f.venue->exchange().FindMarket("TESTUSDT")->last() == D("110"));
  f.clock.Advance(1000);
  f.venue->Tick();
  REQUIRE(f.venue->scenario_errors().size() == 1);
  CHECK(f.venue->scenario_errors()[0].rfind("act cancel: no open order TESTUSDT", 0) == 0);
  CHECK(f.venue->LoadScenarioText("[[step]]\nfault = \"disconnect\"\n", "x.toml").message() ==
        "x.toml: step[0]: at_ms (milliseconds after start) is required");
}

TEST_CASE("stream sessions: every path form, subscriptions, framing, and listen-key expiry") {
  VenueFixture f;
  SimExchange& ex = f.venue->exchange();
  const std::string key = ex.CreateListenKey(0);
  for (const std::string& target :
       {"/private/ws?listenKey=" + key, "/private/stream?listenKey=" + key, "/private/ws/" + key}) {
    auto s = StreamSession::Open(target, ex);
    REQUIRE_MESSAGE(s.ok(), target);
    CHECK(s->account() == std::optional<AccountId>(0));
  }
  CHECK(!StreamSession::Open("/private/ws?listenKey=nosuchkey", ex).ok());
  CHECK(!StreamSession::Open("/private/ws", ex).ok());
  CHECK(!StreamSession::Open("/api/v3", ex).ok());
  CHECK(!StreamSession::Open("/market/ws?listenKey=" + key, ex).ok());  // user data is on /private only
  // The legacy paths were retired on 2026-04-23: refused unless asked for.
  auto retired = StreamSession::Open("/ws/" + key, ex);
  REQUIRE(!retired.ok());
  CHECK(retired.status().message().find("retired on 2026-04-23") != std::string::npos);
  CHECK(!StreamSession::Open("/stream?streams=testusdt@bookTicker", ex).ok());
  StreamOptions legacy;
  legacy.legacy_paths = true;
  CHECK(StreamSession::Open("/ws/" + key, ex, legacy)->account() == std::optional<AccountId>(0));
  auto combined = StreamSession::Open("/stream?streams=testusdt@bookTicker/testusdt@markPrice", ex, legacy);
  REQUIRE(combined.ok());
  CHECK(combined->subscriptions() == std::set<std::string>{"testusdt@bookticker", "testusdt@markprice"});
  auto bucket = StreamSession::Open("/public/ws/0", ex);
  REQUIRE(bucket.ok());
  CHECK(bucket->OnText(R"({"method":"SUBSCRIBE","params":["testusdt@bookTicker"],"id":1})") ==
        std::optional<std::string>(R"({"result":null,"id":1})"));
  CHECK(bucket->OnText(R"({"method":"LIST_SUBSCRIPTIONS","id":2})") ==
        std::optional<std::string>(R"({"result":["testusdt@bookticker"],"id":2})"));
  CHECK(bucket->OnText("{") == std::optional<std::string>(R"({"error":{"code":2,"msg":"Invalid JSON"},"id":null})"));
  CHECK(StreamSession::Open("/market/stream/3?streams=testusdt@aggTrade", ex).ok());
  // Several raw streams in one path.
  auto several = StreamSession::Open("/market/ws/testusdt@markPrice/testusdt@aggTrade", ex);
  REQUIRE(several.ok());
  CHECK(several->subscriptions() == std::set<std::string>{"testusdt@markprice", "testusdt@aggtrade"});

  MarketEvent book;
  book.event_time = 1;
  book.body = BookTickerUpdate{"TESTUSDT", 7, ex.FindMarket("TESTUSDT")->quote()};
  auto raw = bucket->Render(book, ex);
  REQUIRE(raw);
  CHECK(raw->rfind(R"({"e":"bookTicker","u":7,)", 0) == 0);
  auto framed = combined->Render(book, ex);
  REQUIRE(framed);
  CHECK(framed->rfind(R"({"stream":"testusdt@bookTicker","data":{"e":"bookTicker")", 0) == 0);
  // bookTicker belongs on /public: subscribed on /market it is acknowledged and stays silent.
  auto wrong = StreamSession::Open("/market/ws", ex);
  REQUIRE(wrong.ok());
  CHECK(wrong->OnText(R"({"method":"SUBSCRIBE","params":["testusdt@bookTicker"],"id":3})") ==
        std::optional<std::string>(R"({"result":null,"id":3})"));
  CHECK(!wrong->Render(book, ex));
  CHECK(std::string(StreamCategory("bookTicker")) == "public");
  CHECK(std::string(StreamCategory("markPrice")) == "market");

  // The events filter on /private keeps only the types asked for.
  auto only_orders = StreamSession::Open("/private/ws?listenKey=" + key + "&events=ORDER_TRADE_UPDATE", ex);
  REQUIRE(only_orders.ok());
  REQUIRE(ex.PlaceOrder(0, [] {
    NewOrderRequest r;
    r.symbol = "TESTUSDT";
    r.side = Side::kBuy;
    r.type = OrderType::kMarket;
    r.quantity = D("1");
    return r;
  }()).ok());
  int orders = 0, accounts = 0;
  for (const auto& e : ex.TakeUserEvents()) {
    if (!only_orders->Render(e, ex)) continue;
    orders += std::holds_alternative<OrderUpdate>(e.body);
    accounts += std::holds_alternative<AccountUpdate>(e.body);
  }
  CHECK(orders > 0);
  CHECK(accounts == 0);

  auto user = StreamSession::Open("/private/ws?listenKey=" + key, ex);
  REQUIRE(user.ok());
  CHECK(!user->Render(book, ex));
  REQUIRE(ex.ExpireListenKey(key).ok());
  auto events = ex.TakeUserEvents();
  REQUIRE(events.size() == 1);
  auto expired = user->Render(events[0], ex);
  REQUIRE(expired);
  CHECK(expired->find(R"("e":"listenKeyExpired")") != std::string::npos);
  CHECK(expired->find(R"("E":")") != std::string::npos);  // a string, as in the documented example
  // The socket stays open, but nothing more arrives on it.
  CHECK(user->expired());
  UserEvent later;
  later.account = 0;
  later.body = AccountUpdate{"ORDER", D("1"), D("1"), D("0"), {}};
  CHECK(!user->Render(later, ex));
}

TEST_CASE("the latency fault: every REST answer and stream event leaves a network distance later, in order") {
  VenueFixture f;
  REQUIRE(f.Control(R"({"fault":"latency","ms":50,"jitter_ms":10})").status == 200);
  for (int i = 0; i < 20; ++i) {
    net::HttpResponse r = f.Order("symbol=TESTUSDT&side=BUY&type=MARKET&quantity=0.1");
    REQUIRE(r.status == 200);
    CHECK(r.delay_ms >= 50);
    CHECK(r.delay_ms <= 60);
  }
  CHECK(f.Control(R"({"fault":"latency","ms":0})").delay_ms == 0);  // the control endpoint is never delayed
  CHECK(f.Delivered().empty());  // the events are on their way
  f.clock.Advance(60);
  const auto events = f.Delivered();
  CHECK(events.size() == 20 * 4);  // NEW, TRADE_LITE, ACCOUNT_UPDATE, TRADE each, none lost
  CHECK(events.front() == "ORDER_TRADE_UPDATE NEW");
  CHECK(f.Control(R"({"fault":"latency","ms":-1})").status == 400);
}
