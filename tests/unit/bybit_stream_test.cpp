// The simulator's Bybit stream sessions (auth, subscriptions, pings, idle cut, categorised topics).
#include <doctest/doctest.h>

#include "keel/bybit/codec.h"
#include "keel/bybit/signing.h"
#include "keel/sim/bybit_stream.h"
#include "sim_fixture.h"

using namespace keel;
using namespace keel::sim;
using keel::sim::test::D;

namespace {

bool Has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::string Auth(const char* secret, TimeMs expires, const char* key = "key-a") {
  net::HmacSha256 signer(secret);
  return bybit::WsAuthRequest(signer, key, expires, "a1");
}

}  // namespace

TEST_CASE("bybit stream session: auth by HMAC of GET/realtime+expires, then private topics") {
  test::SimFixture f;
  auto s = BybitStreamSession::Open("/v5/private?max_active_time=1m", *f.ex, 1);
  REQUIRE(s.ok());
  // Not authorised yet: the subscription is refused.
  auto early = s->OnText(R"({"req_id":"s0","op":"subscribe","args":["order"]})", *f.ex);
  REQUIRE(early.size() == 1);
  CHECK(Has(early[0], R"("success":false,"ret_msg":"Request not authorized")"));

  const TimeMs now = f.clock.NowMs();
  CHECK(Has(s->OnText(Auth("wrong-secret", now + 5000), *f.ex)[0], R"("success":false,"ret_msg":"Invalid sign")"));
  CHECK(Has(s->OnText(Auth("secret-a", now - 1), *f.ex)[0], R"("success":false)"));
  CHECK(Has(s->OnText(Auth("secret-a", now + 5000, "no-such-key"), *f.ex)[0], "Invalid apikey"));
  CHECK(Has(s->OnText(Auth("secret-a", now + 5000), *f.ex)[0], R"({"success":true,"ret_msg":"","op":"auth")"));
  CHECK(s->account() == std::optional<AccountId>(0));

  auto sub = s->OnText(R"({"req_id":"s1","op":"subscribe","args":["order","execution","position","wallet"]})", *f.ex);
  CHECK(Has(sub[0], R"("success":true)"));
  CHECK(Has(sub[0], R"("req_id":"s1")"));
  CHECK(Has(s->OnText(R"({"op":"subscribe","args":["tickers.TESTUSDT"]})", *f.ex)[0], "Invalid topic"));
  auto pong = s->OnText(R"({"req_id":"p1","op":"ping"})", *f.ex);
  CHECK(Has(pong[0], R"({"req_id":"p1","op":"pong","args":[")"));

  // A fill, in the venue's order: the order accepted, the position and wallet it changed, then the
  // execution and the order filled (the adapter joins execution and position by seq either way).
  auto placed = f.ex->PlaceOrder(0, f.Market(Side::kBuy, "1"));
  REQUIRE(placed.ok());
  std::vector<std::string> frames;
  for (const auto& e : f.ex->TakeUserEvents())
    for (auto& frame : s->Render(e, *f.ex)) frames.push_back(frame);
  std::string topics;
  for (const auto& frame : frames) {
    auto parsed = bybit::ParsePrivateMessage(frame);
    REQUIRE_MESSAGE(parsed.ok(), parsed.status().ToString() << " in " << frame);
    topics += frame.substr(frame.find("\"topic\":\"") + 9, frame.find("\",\"creationTime\"") - frame.find("\"topic\":\"") - 9) + " ";
  }
  CHECK(topics == "order position position wallet execution order ");  // a position row on every create (position.mdx)

  // Idle past max_active_time (1 minute) with no ping and nothing sent: cut.
  CHECK(!s->IdleTooLong(f.clock.NowMs() + 59'000));
  CHECK(s->IdleTooLong(f.clock.NowMs() + 61'000));
}

TEST_CASE("bybit stream session: a triggered stop's pushes never go back (Triggered, then New, then Filled)") {
  test::SimFixture f;
  auto s = BybitStreamSession::Open("/v5/private", *f.ex, 1);
  REQUIRE(s.ok());
  REQUIRE(Has(s->OnText(Auth("secret-a", f.clock.NowMs() + 5000), *f.ex)[0], R"("success":true)"));
  REQUIRE(Has(s->OnText(R"({"op":"subscribe","args":["order"]})", *f.ex)[0], R"("success":true)"));
  f.Place(f.Market(Side::kBuy, "1"));
  NewAlgoOrderRequest stop = test::SimFixture::StopMarket(Side::kSell, "99");
  stop.client_algo_id = "kt-s1-T";
  REQUIRE(f.ex->PlaceAlgoOrder(0, stop).ok());
  REQUIRE(f.ex->MovePrice("TESTUSDT", D("-5"), 100).ok());
  f.clock.Advance(1000);
  f.ex->Advance();
  // Rendered after the fact, as a stream that flushes once per tick does: each push says the
  // order as it was when the venue acted, so the statuses only move forward.
  std::vector<std::string> statuses;
  for (const auto& e : f.ex->TakeUserEvents()) {
    for (const auto& frame : s->Render(e, *f.ex)) {
      auto parsed = bybit::ParsePrivateMessage(frame);
      REQUIRE(parsed.ok());
      const auto* topic = std::get_if<bybit::OrderTopicEvent>(&*parsed);
      if (!topic) continue;
      for (const auto& o : topic->orders)
        if (o.client_order_id == "kt-s1-T") statuses.push_back(o.venue_status);
    }
  }
  std::string seen;
  for (const auto& st : statuses) seen += st + " ";
  CHECK(seen == "Untriggered Triggered Triggered New Filled Filled ");
}

TEST_CASE("bybit stream session: public linear tickers start with a snapshot; pong as the public path says it") {
  test::SimFixture f;
  CHECK(BybitStreamSession::Open("/v5/public/spot", *f.ex, 1).status().IsNotFound());
  CHECK(!BybitStreamSession::Open("/v5/private?max_active_time=5s", *f.ex, 1).ok());
  auto s = BybitStreamSession::Open("/v5/public/linear", *f.ex, 2);
  REQUIRE(s.ok());
  auto sub = s->OnText(R"({"req_id":"t","op":"subscribe","args":["tickers.TESTUSDT","orderbook.1.TESTUSDT"]})", *f.ex);
  REQUIRE(sub.size() == 2);
  CHECK(Has(sub[0], R"("success":true)"));
  CHECK(Has(sub[1], R"({"topic":"tickers.TESTUSDT","type":"snapshot","data":{"symbol":"TESTUSDT","lastPrice":"100.0")"));
  CHECK(Has(s->OnText(R"({"op":"subscribe","args":["order"]})", *f.ex)[0], "Invalid topic: order"));
  CHECK(Has(s->OnText(R"({"req_id":"x","op":"ping"})", *f.ex)[0], R"("ret_msg":"pong")"));
  CHECK(ParseMaxActiveTime("30s") == std::optional<TimeMs>(30'000));
  CHECK(ParseMaxActiveTime("10m") == std::optional<TimeMs>(600'000));
  CHECK(!ParseMaxActiveTime("11m"));
  CHECK(!ParseMaxActiveTime("1h"));
}

TEST_CASE("bybit stream session: categorised topics are named so; a unified account's spot trade is on the all-in-one ones only") {
  test::SimFixture f;
  auto linear = BybitStreamSession::Open("/v5/private", *f.ex, 1);
  auto all = BybitStreamSession::Open("/v5/private", *f.ex, 2);
  REQUIRE(linear.ok());
  REQUIRE(all.ok());
  for (auto* s : {&*linear, &*all})
    REQUIRE(Has(s->OnText(Auth("secret-a", f.clock.NowMs() + 5000), *f.ex)[0], R"("success":true)"));
  // order.mdx: the two kinds cannot be in one subscription request.
  CHECK(Has(linear->OnText(R"({"op":"subscribe","args":["order","execution.linear"]})", *f.ex)[0],
            R"("success":false,"ret_msg":"All-In-One topic and Categorised topic cannot be in the same subscription request")"));
  REQUIRE(Has(linear->OnText(R"({"op":"subscribe","args":["order.linear","execution.linear","position.linear"]})", *f.ex)[0],
              R"("success":true)"));
  REQUIRE(Has(all->OnText(R"({"op":"subscribe","args":["order","execution","position"]})", *f.ex)[0], R"("success":true)"));

  f.Place(f.Market(Side::kBuy, "1"));
  std::string topics;
  for (const auto& e : f.ex->TakeUserEvents())
    for (const auto& frame : linear->Render(e, *f.ex)) {
      auto parsed = bybit::ParsePrivateMessage(frame);
      REQUIRE_MESSAGE(parsed.ok(), parsed.status().ToString());
      topics += frame.substr(frame.find("\"topic\":\"") + 9, frame.find("\",\"creationTime\"") - frame.find("\"topic\":\"") - 9) + " ";
    }
  CHECK(topics == "order.linear position.linear position.linear execution.linear order.linear ");

  SpotTrade spot;
  spot.account = 0;
  spot.symbol = "TESTUSDT";
  spot.side = Side::kSell;
  spot.qty = D("0.5");
  spot.price = D("100");
  spot.time = f.clock.NowMs();
  spot.number = 1;
  CHECK(linear->Render(spot, *f.ex).empty());
  const auto frames = all->Render(spot, *f.ex);
  REQUIRE(frames.size() == 2);
  for (const auto& frame : frames) {
    CHECK(Has(frame, R"("category":"spot")"));
    std::vector<std::string> others;
    auto parsed = bybit::ParsePrivateMessage(frame, &others);
    REQUIRE_MESSAGE(parsed.ok(), parsed.status().ToString());
    CHECK(others == std::vector<std::string>{"spot TESTUSDT"});  // read, and left out
  }
  CHECK(std::get<bybit::ExecutionEvent>(*bybit::ParsePrivateMessage(frames[0])).executions.empty());
  CHECK(std::get<bybit::OrderTopicEvent>(*bybit::ParsePrivateMessage(frames[1])).orders.empty());
}

TEST_CASE("bybit stream session: the exchange's own orders carry createType and no orderLinkId; an ADL that filled is Filled") {
  test::SimFixture f;
  auto s = BybitStreamSession::Open("/v5/private", *f.ex, 1);
  REQUIRE(s.ok());
  REQUIRE(Has(s->OnText(Auth("secret-a", f.clock.NowMs() + 5000), *f.ex)[0], R"("success":true)"));
  REQUIRE(Has(s->OnText(R"({"op":"subscribe","args":["order.linear"]})", *f.ex)[0], R"("success":true)"));
  f.Place(f.Market(Side::kBuy, "1"));
  (void)f.ex->TakeUserEvents();
  REQUIRE(f.ex->AutoDeleverage(0, "TESTUSDT", PositionSide::kBoth, std::nullopt).ok());
  std::vector<std::string> statuses;
  for (const auto& e : f.ex->TakeUserEvents()) {
    for (const auto& frame : s->Render(e, *f.ex)) {
      CHECK(Has(frame, R"("orderLinkId":"")"));
      CHECK(Has(frame, R"("createType":"CreateByAdl_PassThrough")"));
      auto parsed = bybit::ParsePrivateMessage(frame);
      REQUIRE(parsed.ok());
      for (const auto& o : std::get<bybit::OrderTopicEvent>(*parsed).orders) {
        statuses.push_back(o.venue_status);
        CHECK(o.type == std::optional<OrderType>(OrderType::kAdl));
      }
    }
  }
  CHECK(statuses == std::vector<std::string>{"New", "Filled"});
}

namespace {

// Every private frame the session renders for what the exchange did since the last call.
std::vector<std::string> Frames(BybitStreamSession& s, SimExchange& ex) {
  std::vector<std::string> out;
  for (const auto& e : ex.TakeUserEvents())
    for (auto& frame : s.Render(e, ex)) out.push_back(frame);
  return out;
}

// A private session of alice's, authenticated and subscribed to `topics` ("order","execution").
BybitStreamSession Subscribed(test::SimFixture& f, const std::string& topics) {
  auto s = BybitStreamSession::Open("/v5/private", *f.ex, 1);
  REQUIRE(s.ok());
  REQUIRE(Has(s->OnText(Auth("secret-a", f.clock.NowMs() + 5000), *f.ex)[0], R"("success":true)"));
  REQUIRE(Has(s->OnText(R"({"op":"subscribe","args":[)" + topics + "]}", *f.ex)[0], R"("success":true)"));
  return std::move(*s);
}

std::vector<std::string> Of(const std::vector<std::string>& frames, const std::string& topic) {
  std::vector<std::string> out;
  for (const auto& f : frames)
    if (Has(f, "\"topic\":\"" + topic + "\"")) out.push_back(f);
  return out;
}

}  // namespace

TEST_CASE("bybit stream session: seq joins a fill and its position row; -1 before the symbol trades; executions of every kind") {
  SimConfig config = test::TestConfig();
  config.funding_interval_ms = 60'000;
  test::SimFixture f(config);
  BybitStreamSession session = Subscribed(f, R"("order","execution","position")");
  auto* s = &session;

  // A resting order's create pushes the position as it is: never traded, seq -1.
  REQUIRE(f.ex->PlaceOrder(0, f.Limit(Side::kBuy, "1", "90.0")).ok());
  auto frames = Frames(*s, *f.ex);
  REQUIRE(Of(frames, "position").size() == 1);
  CHECK(Has(Of(frames, "position")[0], R"("seq":-1)"));

  // A market buy: its execution and its position row carry the same seq.
  REQUIRE(f.ex->PlaceOrder(0, f.Market(Side::kBuy, "2")).ok());
  frames = Frames(*s, *f.ex);
  auto executions = Of(frames, "execution");
  REQUIRE(executions.size() == 2);  // two levels of the book: one match, one seq
  auto first = bybit::ParsePrivateMessage(executions[0]);
  auto second = bybit::ParsePrivateMessage(executions[1]);
  REQUIRE(first.ok());
  REQUIRE(second.ok());
  const auto seq = std::get<bybit::ExecutionEvent>(*first).executions[0].seq;
  CHECK(seq > 0);
  CHECK(std::get<bybit::ExecutionEvent>(*second).executions[0].seq == seq);
  auto position = bybit::ParsePrivateMessage(Of(frames, "position").back());
  REQUIRE(position.ok());
  CHECK(std::get<PositionEvent>(*position).positions[0].seq == std::optional<std::int64_t>(seq));
  CHECK(Has(executions[0], R"("execType":"Trade")"));

  // Funding: an execution of its own, with the payment as its fee, no order.
  f.clock.Advance(60'000);
  f.ex->Advance();
  executions = Of(Frames(*s, *f.ex), "execution");
  REQUIRE(executions.size() == 1);
  CHECK(Has(executions[0], R"("execType":"Funding")"));
  CHECK(Has(executions[0], R"("orderId":"")"));
  auto funding = bybit::ParsePrivateMessage(executions[0]);
  REQUIRE(funding.ok());
  CHECK(std::get<bybit::ExecutionEvent>(*funding).executions[0].exec_fee.is_positive());  // a long pays

  // A liquidation: BustTrade, and the position row says Liq.
  REQUIRE(f.ex->Liquidate(0, "TESTUSDT", PositionSide::kBoth).ok());
  frames = Frames(*s, *f.ex);
  executions = Of(frames, "execution");
  REQUIRE(!executions.empty());
  CHECK(Has(executions[0], R"("execType":"BustTrade")"));
  bool liq = false;
  for (const auto& p : Of(frames, "position")) liq |= Has(p, R"("positionStatus":"Liq")");
  CHECK(liq);
}

TEST_CASE("bybit stream session: a cancel racing a fill pushes Filled twice, the second with CancelByUser (order.mdx)") {
  test::SimFixture f;
  BybitStreamSession session = Subscribed(f, R"("order")");
  auto* s = &session;
  auto placed = f.ex->PlaceOrder(0, f.Limit(Side::kBuy, "1", "90.0"));
  REQUIRE(placed.ok());
  (void)Frames(*s, *f.ex);
  OrderRef ref;
  ref.order_id = placed->order_id;
  REQUIRE(f.ex->CancelRacingFill(0, "TESTUSDT", ref).ok());
  auto orders = Of(Frames(*s, *f.ex), "order");
  REQUIRE(orders.size() == 2);
  CHECK(Has(orders[0], R"("orderStatus":"Filled")"));
  CHECK(Has(orders[0], R"("rejectReason":"EC_NoError")"));
  CHECK(Has(orders[1], R"("orderStatus":"Filled")"));
  CHECK(Has(orders[1], R"("cancelType":"CancelByUser")"));
  CHECK(Has(orders[1], R"("rejectReason":"EC_OrigClOrdIDDoesNotExist")"));
}
