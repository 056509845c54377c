// The simulator's REST API in memory: requests signed here, exactly as a client signs them.
#include <doctest/doctest.h>

#include <rapidjson/document.h>

#include <set>

#include "keel/net/hmac.h"
#include "keel/net/query_string.h"
#include "keel/sim/binance_json.h"
#include "keel/sim/binance_rest.h"
#include "signed_request.h"
#include "sim_fixture.h"

using namespace keel;
using namespace keel::sim;
using keel::net::HttpRequest;
using keel::net::HttpResponse;
using keel::sim::test::D;

namespace {

struct RestFixture : keel::sim::test::SimFixture {
  FaultState faults;
  StaleReads stale;
  BinanceRestApi api{*ex, faults, stale};

  // Signs like ccxt (everything in the query for GET/DELETE, in the body for POST/PUT) unless
  // in_query says otherwise.
  HttpResponse Send(const std::string& method, const std::string& path, std::string params, bool sign = true,
                    const std::string& key = "key-a", const std::string& secret = "secret-a",
                    std::optional<bool> in_query = std::nullopt) {
    const bool query = in_query.value_or(method == "GET" || method == "DELETE");
    if (sign) return api.Handle(keel::test::SignedRequest(method, path, params, clock.NowMs(), key, secret, query));
    HttpRequest r;
    r.method = method;
    r.target = path + (query && !params.empty() ? "?" + params : "");
    if (!query) r.body = params;
    if (!key.empty()) r.headers.emplace_back("X-MBX-APIKEY", key);
    return api.Handle(r);
  }
  static rapidjson::Document Json(const std::string& body) {
    rapidjson::Document d;
    d.Parse(body.c_str());
    REQUIRE_MESSAGE(!d.HasParseError(), body);
    return d;
  }
  static rapidjson::Document Json(const HttpResponse& r) { return Json(r.body); }
  static int Code(const HttpResponse& r) {
    auto d = Json(r);
    REQUIRE_MESSAGE(d.IsObject(), r.body);
    REQUIRE_MESSAGE(d.HasMember("code"), r.body);
    return d["code"].GetInt();
  }
};

}  // namespace

TEST_CASE("public market data needs no key and answers in the exchange's shapes") {
  RestFixture f;
  HttpResponse ping = f.Send("GET", "/fapi/v1/ping", "", false, "");
  CHECK(ping.status == 200);
  CHECK(ping.body == "{}");
  CHECK(ping.header("X-MBX-USED-WEIGHT-1M") == "1");
  auto info = RestFixture::Json(f.Send("GET", "/fapi/v1/exchangeInfo", "", false, ""));
  CHECK(info["symbols"][0]["symbol"] == "TESTUSDT");
  CHECK(info["symbols"][0]["contractType"] == "PERPETUAL");
  CHECK(info["symbols"][0]["filters"][0]["tickSize"] == "0.1");
  CHECK(info["symbols"][0]["filters"][5]["notional"] == "5");
  CHECK(info["rateLimits"][0]["limit"] == 2400);
  auto book = RestFixture::Json(f.Send("GET", "/fapi/v1/ticker/bookTicker", "symbol=TESTUSDT", false, ""));
  CHECK(book["bidPrice"] == "99.9");
  CHECK(book["askPrice"] == "100.1");
  auto all = RestFixture::Json(f.Send("GET", "/fapi/v1/premiumIndex", "", false, ""));
  CHECK(all.IsArray());
  CHECK(all[0]["markPrice"] == "100.00000000");
  CHECK(RestFixture::Code(f.Send("GET", "/fapi/v1/depth", "symbol=NOPE", false, "")) == -1121);
  HttpResponse unknown = f.Send("GET", "/fapi/v1/nothing", "", false, "");
  CHECK(unknown.status == 404);
  CHECK(unknown.body == R"({"code":-5000,"msg":"Path /fapi/v1/nothing, Method GET is invalid"})");
  CHECK(f.Send("PATCH", "/fapi/v1/order", "", false, "").status == 405);
}

TEST_CASE("signed requests: key, signature and timing are checked as the exchange checks them") {
  RestFixture f;
  CHECK(f.Send("GET", "/fapi/v3/account", "", true, "").body == R"({"code":-2014,"msg":"API-key format invalid."})");
  HttpResponse bad_key = f.Send("GET", "/fapi/v3/account", "", true, "nope");
  CHECK(bad_key.status == 401);
  CHECK(RestFixture::Code(bad_key) == -2015);
  HttpResponse bad_sig = f.Send("GET", "/fapi/v3/account", "", true, "key-a", "wrong-secret");
  CHECK(bad_sig.status == 400);
  CHECK(bad_sig.body == R"({"code":-1022,"msg":"Signature for this request is not valid."})");
  CHECK(RestFixture::Code(f.Send("GET", "/fapi/v3/account", "", false)) == -1102);
  // Timestamps: more than 1 s ahead, or older than recvWindow.
  const std::string ahead = "timestamp=" + std::to_string(f.clock.NowMs() + 1500);
  HttpRequest r;
  r.method = "GET";
  r.target = "/fapi/v3/account?" + ahead + "&signature=" + net::hmac_sha256_hex("secret-a", ahead);
  r.headers.emplace_back("X-MBX-APIKEY", "key-a");
  CHECK(f.api.Handle(r).body ==
        R"({"code":-1021,"msg":"Timestamp for this request was 1000ms ahead of the server's time."})");
  const std::string old = "recvWindow=2000&timestamp=" + std::to_string(f.clock.NowMs() - 2500);
  r.target = "/fapi/v3/account?" + old + "&signature=" + net::hmac_sha256_hex("secret-a", old);
  CHECK(RestFixture::Code(f.api.Handle(r)) == -1021);
  // Both parameter layouts: everything in the query even for POST (npm binance), or a form body.
  HttpResponse in_query = f.Send("POST", "/fapi/v1/leverage", "symbol=TESTUSDT&leverage=5", true, "key-a", "secret-a", true);
  CHECK(in_query.body == R"({"leverage":5,"maxNotionalValue":"10000000","symbol":"TESTUSDT"})");
  HttpResponse in_body = f.Send("POST", "/fapi/v1/leverage", "symbol=TESTUSDT&leverage=7");
  CHECK(RestFixture::Json(in_body)["leverage"] == 7);
  // A mixed request signs query + body with nothing between them (the documented example).
  r.method = "POST";
  const std::string q = "symbol=TESTUSDT", b = "leverage=9&timestamp=" + std::to_string(f.clock.NowMs());
  r.target = "/fapi/v1/leverage?" + q;
  r.body = b + "&signature=" + net::hmac_sha256_hex("secret-a", q + b);
  CHECK(RestFixture::Json(f.api.Handle(r))["leverage"] == 9);
}

TEST_CASE("orders over REST: ACK and RESULT responses, errors with their codes, queries and cancels") {
  RestFixture f;
  auto ack = RestFixture::Json(
      f.Send("POST", "/fapi/v1/order", "symbol=TESTUSDT&side=BUY&type=MARKET&quantity=0.5&newClientOrderId=k-1"));
  CHECK(ack["status"] == "NEW");
  CHECK(ack["executedQty"] == "0.000");
  CHECK(ack["clientOrderId"] == "k-1");
  HttpResponse placed = f.Send("POST", "/fapi/v1/order",
                               "symbol=TESTUSDT&side=BUY&type=MARKET&quantity=0.5&newOrderRespType=RESULT");
  auto result = RestFixture::Json(placed);
  CHECK(result["status"] == "FILLED");
  CHECK(result["avgPrice"] == "100.10000");
  CHECK(result["cumQuote"] == "50.05000000");
  CHECK(placed.header("X-MBX-ORDER-COUNT-10S") == "2");
  CHECK(placed.header("X-MBX-ORDER-COUNT-1M") == "2");
  auto query = RestFixture::Json(f.Send("GET", "/fapi/v1/order", "symbol=TESTUSDT&origClientOrderId=k-1"));
  CHECK(query["status"] == "FILLED");
  CHECK(query.HasMember("time"));
  CHECK(f.Send("GET", "/fapi/v1/order", "symbol=TESTUSDT&orderId=1").body ==
        R"({"code":-2013,"msg":"Order does not exist."})");
  CHECK(f.Send("DELETE", "/fapi/v1/order", "symbol=TESTUSDT&orderId=1").body ==
        R"({"code":-2011,"msg":"Unknown order sent."})");
  CHECK(RestFixture::Code(f.Send("POST", "/fapi/v1/order", "symbol=TESTUSDT&side=BUY&type=STOP_MARKET&quantity=1")) ==
        -4120);
  CHECK(RestFixture::Code(f.Send("POST", "/fapi/v1/order", "symbol=TESTUSDT&side=LONG&type=MARKET&quantity=1")) ==
        -1117);
  CHECK(RestFixture::Code(f.Send("POST", "/fapi/v1/order", "symbol=TESTUSDT&side=BUY&type=MARKET")) == -1102);
  CHECK(RestFixture::Code(f.Send("POST", "/fapi/v1/order", "symbol=TESTUSDT&side=BUY&type=MARKET&quantity=1e")) ==
        -1100);
  CHECK(RestFixture::Json(f.Send("POST", "/fapi/v1/order",
                                 "symbol=TESTUSDT&side=SELL&type=LIMIT&quantity=1&price=101&timeInForce=GTX"))["status"] ==
        "NEW");
  CHECK(RestFixture::Code(f.Send("POST", "/fapi/v1/order",
                                 "symbol=TESTUSDT&side=SELL&type=LIMIT&quantity=1&price=99.9&timeInForce=GTX")) == -5022);
}

TEST_CASE("limit orders: open orders, modify over PUT, cancel all") {
  RestFixture f;
  auto o = RestFixture::Json(f.Send("POST", "/fapi/v1/order",
                                    "symbol=TESTUSDT&side=BUY&type=LIMIT&quantity=1&price=95&timeInForce=GTC"));
  const std::string id = std::to_string(o["orderId"].GetInt64());
  auto open = RestFixture::Json(f.Send("GET", "/fapi/v1/openOrders", "symbol=TESTUSDT"));
  REQUIRE(open.Size() == 1);
  CHECK(open[0]["price"] == "95.0");
  auto modified =
      RestFixture::Json(f.Send("PUT", "/fapi/v1/order", "symbol=TESTUSDT&side=BUY&orderId=" + id + "&quantity=2&price=96"));
  CHECK(modified["origQty"] == "2.000");
  CHECK(modified["price"] == "96.0");
  CHECK(RestFixture::Code(f.Send("PUT", "/fapi/v1/order",
                                 "symbol=TESTUSDT&side=BUY&orderId=" + id + "&quantity=2&price=96")) == -5027);
  CHECK(f.Send("DELETE", "/fapi/v1/allOpenOrders", "symbol=TESTUSDT").body ==
        R"({"code":200,"msg":"The operation of cancel all open order is done."})");
  CHECK(RestFixture::Json(f.Send("GET", "/fapi/v1/openOrders", "")).Size() == 0);
}

TEST_CASE("algo orders over REST, and the position and account views") {
  RestFixture f;
  f.Send("POST", "/fapi/v1/order", "symbol=TESTUSDT&side=BUY&type=MARKET&quantity=1");
  auto algo = RestFixture::Json(f.Send(
      "POST", "/fapi/v1/algoOrder",
      "algoType=CONDITIONAL&symbol=TESTUSDT&side=SELL&type=STOP_MARKET&triggerPrice=95&closePosition=true&clientAlgoId=k-s"));
  CHECK(algo["algoStatus"] == "NEW");
  CHECK(algo["orderType"] == "STOP_MARKET");
  CHECK(algo["triggerPrice"] == "95.0");
  CHECK(RestFixture::Code(f.Send("POST", "/fapi/v1/algoOrder",
                                 "algoType=VP&symbol=TESTUSDT&side=SELL&type=STOP_MARKET&triggerPrice=95")) == -1100);
  CHECK(RestFixture::Json(f.Send("GET", "/fapi/v1/openAlgoOrders", "symbol=TESTUSDT")).Size() == 1);
  auto risk = RestFixture::Json(f.Send("GET", "/fapi/v3/positionRisk", ""));
  REQUIRE(risk.Size() == 1);
  CHECK(risk[0]["positionAmt"] == "1.000");
  CHECK(risk[0]["entryPrice"] == "100.1");
  auto v2 = RestFixture::Json(f.Send("GET", "/fapi/v2/positionRisk", "symbol=TESTUSDT"));
  CHECK(v2[0]["leverage"] == "10");
  CHECK(v2[0]["marginType"] == "cross");
  auto account = RestFixture::Json(f.Send("GET", "/fapi/v3/account", ""));
  CHECK(account["assets"][0]["asset"] == "USDT");
  CHECK(account["positions"].Size() == 1);
  CHECK(RestFixture::Json(f.Send("GET", "/fapi/v1/userTrades", "symbol=TESTUSDT")).Size() == 1);
  REQUIRE(f.ex->MovePrice("TESTUSDT", D("-6"), 0).ok());
  CHECK(RestFixture::Json(f.Send("GET", "/fapi/v3/positionRisk", "")).Size() == 0);
  CHECK(RestFixture::Json(f.Send("GET", "/fapi/v1/algoOrder", "clientAlgoId=k-s"))["algoStatus"] == "FINISHED");
  CHECK(f.Send("POST", "/fapi/v1/positionSide/dual", "dualSidePosition=true").body == R"({"code":200,"msg":"success"})");
  CHECK(f.Send("GET", "/fapi/v1/positionSide/dual", "").body == R"({"dualSidePosition":true})");
}

TEST_CASE("placement faults: a timeout or 5xx after acceptance leaves a real order behind") {
  RestFixture f;
  f.faults.placement.push_back(PlacementFault{PlacementFault::When::kAfterAccept, PlacementFault::How::kTimeout, 1});
  HttpResponse lost = f.Send("POST", "/fapi/v1/order", "symbol=TESTUSDT&side=BUY&type=MARKET&quantity=1&newClientOrderId=k-lost");
  CHECK(lost.delivery == HttpResponse::Delivery::kNoResponse);
  CHECK(RestFixture::Json(f.Send("GET", "/fapi/v1/order", "symbol=TESTUSDT&origClientOrderId=k-lost"))["status"] ==
        "FILLED");
  f.faults.placement.push_back(PlacementFault{PlacementFault::When::kBeforeAccept, PlacementFault::How::kServerError, 1});
  HttpResponse refused = f.Send("POST", "/fapi/v1/order", "symbol=TESTUSDT&side=BUY&type=MARKET&quantity=1&newClientOrderId=k-503");
  CHECK(refused.status == 503);
  CHECK(RestFixture::Code(refused) == -1000);
  CHECK(RestFixture::Code(f.Send("GET", "/fapi/v1/order", "symbol=TESTUSDT&origClientOrderId=k-503")) == -2013);
  f.faults.minimal_ack_next = 1;
  auto minimal = RestFixture::Json(f.Send("POST", "/fapi/v1/order", "symbol=TESTUSDT&side=SELL&type=MARKET&quantity=1"));
  CHECK(minimal.HasMember("orderId"));
  CHECK(!minimal.HasMember("side"));
  CHECK(!minimal.HasMember("status"));
  CHECK(!minimal.HasMember("origQty"));
  CHECK(f.api.request_counts().at("POST /fapi/v1/order").at("no response") == 1);
  CHECK(f.api.request_counts().at("POST /fapi/v1/order").at("503") == 1);
}

TEST_CASE("stale reads: the position endpoint answers as of N ms ago (seed 004)") {
  RestFixture f;
  f.Send("POST", "/fapi/v1/order", "symbol=TESTUSDT&side=BUY&type=MARKET&quantity=1");
  f.clock.Advance(300);
  f.faults.stale_reads_ms = 2000;
  // Opened 300 ms ago: a replica 2 s behind has not seen it yet.
  CHECK(RestFixture::Json(f.Send("GET", "/fapi/v3/positionRisk", "")).Size() == 0);
  f.clock.Advance(3000);
  f.Send("POST", "/fapi/v1/order", "symbol=TESTUSDT&side=SELL&type=MARKET&quantity=1&reduceOnly=true");
  f.clock.Advance(100);
  CHECK(f.PositionAmount() == D("0"));
  auto ghost = RestFixture::Json(f.Send("GET", "/fapi/v3/positionRisk", ""));
  REQUIRE(ghost.Size() == 1);  // closed 100 ms ago, still shown
  CHECK(ghost[0]["positionAmt"] == "1.000");
  f.clock.Advance(2000);
  CHECK(RestFixture::Json(f.Send("GET", "/fapi/v3/positionRisk", "")).Size() == 0);
  f.faults.stale_reads_ms = 0;
  f.Send("GET", "/fapi/v1/ping", "", false, "");
  CHECK(!f.stale.active());
}

TEST_CASE("rate limits: weight per minute, then 429, then a 418 ban with Retry-After") {
  SimConfig config = keel::sim::test::TestConfig();
  config.limits.request_weight_1m = 10;
  RestFixture f;
  // A fresh API over a limited config.
  keel::sim::test::SimFixture small(config);
  FaultState faults;
  StaleReads stale;
  BinanceRestApi api(*small.ex, faults, stale);
  HttpRequest r;
  r.method = "GET";
  r.target = "/fapi/v1/time";
  for (int i = 0; i < 10; ++i) CHECK(api.Handle(r).status == 200);
  HttpResponse limited = api.Handle(r);
  CHECK(limited.status == 429);
  CHECK(limited.header("Retry-After") != "");
  CHECK(limited.body.find("\"code\":-1003") != std::string::npos);
  for (int i = 0; i < 3; ++i) api.Handle(r);
  HttpResponse banned = api.Handle(r);
  CHECK(banned.status == 418);
  CHECK(banned.header("Retry-After") == "120");
  small.clock.Advance(121'000);
  CHECK(api.Handle(r).status == 200);
  f.faults.rate_limit_next = 1;
  CHECK(f.Send("GET", "/fapi/v1/time", "", false, "").status == 429);
  CHECK(f.Send("GET", "/fapi/v1/time", "", false, "").status == 200);
}

TEST_CASE("GTE_GTC is the exchange's own: refused from a client, reported on closePosition orders") {
  RestFixture f;
  CHECK(f.Code(f.Send("POST", "/fapi/v1/order",
                      "symbol=TESTUSDT&side=BUY&type=LIMIT&timeInForce=GTE_GTC&quantity=1&price=90")) == -1115);
  REQUIRE(f.Send("POST", "/fapi/v1/order", "symbol=TESTUSDT&side=BUY&type=MARKET&quantity=1").status == 200);
  auto stop = RestFixture::Json(f.Send("POST", "/fapi/v1/algoOrder",
                                       "algoType=CONDITIONAL&symbol=TESTUSDT&side=SELL&type=STOP_MARKET&"
                                       "triggerPrice=90&closePosition=true&workingType=MARK_PRICE"));
  CHECK(std::string(stop["timeInForce"].GetString()) == "GTE_GTC");
}

TEST_CASE("ACCOUNT_UPDATE's mt follows the symbol's margin type") {
  RestFixture f;
  REQUIRE(f.Send("POST", "/fapi/v1/marginType", "symbol=TESTUSDT&marginType=ISOLATED").status == 200);
  f.ex->TakeUserEvents();
  REQUIRE(f.Send("POST", "/fapi/v1/order", "symbol=TESTUSDT&side=BUY&type=MARKET&quantity=1").status == 200);
  bool seen = false;
  for (const auto& e : f.ex->TakeUserEvents()) {
    if (!std::holds_alternative<AccountUpdate>(e.body)) continue;
    const std::string json = binance::UserEventJson(e, *f.ex);
    CHECK(json.find(R"("mt":"isolated")") != std::string::npos);
    seen = true;
  }
  CHECK(seen);
}

TEST_CASE("weights as documented: modify costs no IP weight but counts on the order limits; depth by limit") {
  RestFixture f;
  auto weight = [](const HttpResponse& r) { return std::stoi(r.header("X-MBX-USED-WEIGHT-1M")); };
  HttpResponse placed = f.Send("POST", "/fapi/v1/order",
                               "symbol=TESTUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=95&"
                               "newClientOrderId=w1");
  REQUIRE(placed.status == 200);
  CHECK(placed.header("X-MBX-ORDER-COUNT-1M") == "1");
  HttpResponse modified = f.Send("PUT", "/fapi/v1/order", "symbol=TESTUSDT&origClientOrderId=w1&side=BUY&quantity=1&price=96");
  REQUIRE(modified.status == 200);
  CHECK(weight(modified) == weight(placed));              // 0 IP weight
  CHECK(modified.header("X-MBX-ORDER-COUNT-1M") == "2");  // but an order on the limits
  int before = weight(modified);
  for (auto [limit, cost] : {std::pair{"5", 2}, {"50", 2}, {"100", 5}, {"500", 10}, {"1000", 20}}) {
    HttpResponse depth = f.Send("GET", "/fapi/v1/depth", std::string("symbol=TESTUSDT&limit=") + limit, false, "");
    CHECK_MESSAGE(weight(depth) == before + cost, limit);
    before = weight(depth);
  }
  CHECK(weight(f.Send("GET", "/fapi/v1/depth", "symbol=TESTUSDT", false, "")) == before + 10);
}

TEST_CASE("batchOrders place, modify and cancel several orders, each answered on its own") {
  RestFixture f;
  const std::string batch = net::percent_encode(
      R"([{"symbol":"TESTUSDT","side":"BUY","type":"LIMIT","timeInForce":"GTC","quantity":"1","price":"95","newClientOrderId":"b1"},)"
      R"({"symbol":"TESTUSDT","side":"BUY","type":"LIMIT","timeInForce":"GTC","quantity":"1","price":"95.05","newClientOrderId":"b2"}])");
  HttpResponse placed = f.Send("POST", "/fapi/v1/batchOrders", "batchOrders=" + batch);
  REQUIRE_MESSAGE(placed.status == 200, placed.body);
  CHECK(placed.header("X-MBX-ORDER-COUNT-1M") == "2");  // each order counts
  auto answers = RestFixture::Json(placed);
  REQUIRE(answers.Size() == 2);
  CHECK(std::string(answers[0]["clientOrderId"].GetString()) == "b1");
  CHECK(answers[1]["code"].GetInt() == -1111);  // more decimals than the symbol has: that item alone fails
  const std::string modify = net::percent_encode(
      R"([{"symbol":"TESTUSDT","origClientOrderId":"b1","side":"BUY","quantity":"2","price":"96"}])");
  auto modified = RestFixture::Json(f.Send("PUT", "/fapi/v1/batchOrders", "batchOrders=" + modify));
  CHECK(std::string(modified[0]["origQty"].GetString()) == "2.000");
  auto cancelled = RestFixture::Json(f.Send(
      "DELETE", "/fapi/v1/batchOrders", "symbol=TESTUSDT&origClientOrderIdList=" + net::percent_encode(R"(["b1","nope"])")));
  REQUIRE(cancelled.Size() == 2);
  CHECK(std::string(cancelled[0]["status"].GetString()) == "CANCELED");
  CHECK(cancelled[1]["code"].GetInt() == -2011);
  CHECK(f.Code(f.Send("POST", "/fapi/v1/batchOrders", "batchOrders=" + net::percent_encode("[1,2]"))) == -1130);
}

TEST_CASE("klines, income, commissionRate and countdownCancelAll") {
  RestFixture f;
  REQUIRE(f.Send("POST", "/fapi/v1/order", "symbol=TESTUSDT&side=BUY&type=MARKET&quantity=2").status == 200);
  f.clock.Advance(61'000);
  REQUIRE(f.Send("POST", "/fapi/v1/order", "symbol=TESTUSDT&side=SELL&type=MARKET&quantity=2").status == 200);
  HttpResponse k = f.Send("GET", "/fapi/v1/klines", "symbol=TESTUSDT&interval=1m&limit=10", false, "");
  CHECK(k.header("X-MBX-USED-WEIGHT-1M") == "1");
  auto bars = RestFixture::Json(k);
  REQUIRE(bars.Size() == 2);  // the minute of the buy, and the one of the sell
  CHECK(bars[0].Size() == 12);
  CHECK(std::string(bars[0][5].GetString()) == "2.000");  // the buy's volume
  CHECK(bars[1][0].GetInt64() - bars[0][0].GetInt64() == 60'000);
  CHECK(RestFixture::Json(f.Send("GET", "/fapi/v1/klines", "symbol=TESTUSDT&interval=1h", false, "")).Size() == 1);
  CHECK(f.Code(f.Send("GET", "/fapi/v1/klines", "symbol=TESTUSDT&interval=7m", false, "")) == -1120);

  auto income = RestFixture::Json(f.Send("GET", "/fapi/v1/income", "symbol=TESTUSDT"));
  std::set<std::string> types;
  for (const auto& row : income.GetArray()) types.insert(row["incomeType"].GetString());
  CHECK(types == std::set<std::string>{"COMMISSION", "REALIZED_PNL"});
  auto fees = RestFixture::Json(f.Send("GET", "/fapi/v1/commissionRate", "symbol=TESTUSDT"));
  CHECK(std::string(fees["makerCommissionRate"].GetString()) == "0.0002");
  CHECK(std::string(fees["takerCommissionRate"].GetString()) == "0.0005");

  REQUIRE(f.Send("POST", "/fapi/v1/order", "symbol=TESTUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=95").status == 200);
  auto countdown = RestFixture::Json(f.Send("POST", "/fapi/v1/countdownCancelAll", "symbol=TESTUSDT&countdownTime=5000"));
  CHECK(std::string(countdown["countdownTime"].GetString()) == "5000");
  f.clock.Advance(5'001);
  f.ex->Advance();
  CHECK(f.ex->OpenOrders(f.alice, "TESTUSDT").empty());
}

TEST_CASE("trailing stops over REST: the algo answer, the order it becomes, and both pushes carry its terms") {
  RestFixture f;
  REQUIRE(f.Send("POST", "/fapi/v1/order", "symbol=TESTUSDT&side=BUY&type=MARKET&quantity=1").status == 200);
  const std::string trailing = "algoType=CONDITIONAL&symbol=TESTUSDT&side=SELL&type=TRAILING_STOP_MARKET&";
  CHECK(f.Send("POST", "/fapi/v1/algoOrder", trailing + "quantity=1&callbackRate=10.5").body ==
        R"({"code":-1130,"msg":"Data sent for parameter 'callbackRate' is not valid."})");
  CHECK(f.Send("POST", "/fapi/v1/algoOrder", trailing + "quantity=1&callbackRate=1&activatePrice=99").body ==
        R"({"code":-2021,"msg":"Order would immediately trigger."})");
  CHECK(f.Send("POST", "/fapi/v1/algoOrder", trailing + "closePosition=true&callbackRate=1").body ==
        R"({"code":-1106,"msg":"Parameter 'closePosition' sent when not required."})");
  CHECK(f.Send("POST", "/fapi/v1/algoOrder", trailing + "quantity=1&callbackRate=1&triggerPrice=95").body ==
        R"({"code":-1106,"msg":"Parameter 'triggerPrice' sent when not required."})");
  CHECK(RestFixture::Code(f.Send("POST", "/fapi/v1/algoOrder", trailing + "quantity=1")) == -1102);

  auto placed = RestFixture::Json(f.Send(
      "POST", "/fapi/v1/algoOrder", trailing + "quantity=1&reduceOnly=true&callbackRate=1&activatePrice=105&clientAlgoId=k-t"));
  CHECK(placed["orderType"] == "TRAILING_STOP_MARKET");
  CHECK(placed["algoStatus"] == "NEW");
  CHECK(placed["activatePrice"] == "105.0");
  CHECK(placed["callbackRate"] == "1.0");
  CHECK(placed["triggerPrice"] == "0.0");  // no level until it is active
  CHECK(placed["goodTillDate"] == 0);
  auto open = RestFixture::Json(f.Send("GET", "/fapi/v1/openAlgoOrders", "symbol=TESTUSDT"));
  REQUIRE(open.Size() == 1);
  CHECK(open[0]["activatePrice"] == "105.0");
  CHECK(open[0]["callbackRate"] == "1.0");
  // Other conditional orders keep their answer: the trailing terms empty.
  auto stop = RestFixture::Json(f.Send("POST", "/fapi/v1/algoOrder",
                                       "algoType=CONDITIONAL&symbol=TESTUSDT&side=SELL&type=STOP_MARKET&"
                                       "triggerPrice=80&closePosition=true"));
  CHECK(stop["activatePrice"] == "");
  CHECK(stop["callbackRate"] == "");
  f.ex->TakeUserEvents();

  REQUIRE(f.ex->MovePrice("TESTUSDT", D("5"), 0).ok());  // 105: active
  REQUIRE(f.ex->MovePrice("TESTUSDT", D("4.7619"), 0).ok());  // 110
  auto following = RestFixture::Json(f.Send("GET", "/fapi/v1/algoOrder", "clientAlgoId=k-t"));
  CHECK(following["triggerPrice"] == "108.9");
  CHECK(following["algoStatus"] == "NEW");
  CHECK(f.ex->TakeUserEvents().empty());  // it moved without a push
  REQUIRE(f.ex->MovePrice("TESTUSDT", D("-1"), 0).ok());  // 108.9: fires
  CHECK(f.ex->FindMarket("TESTUSDT")->last() == D("108.9"));

  int algo_pushes = 0, order_pushes = 0;
  for (const auto& e : f.ex->TakeUserEvents()) {
    if (std::holds_alternative<TradeLite>(e.body) || std::holds_alternative<AccountUpdate>(e.body)) continue;
    auto d = RestFixture::Json(binance::UserEventJson(e, *f.ex));
    const auto& o = d["o"];
    CAPTURE(binance::UserEventJson(e, *f.ex));
    if (std::holds_alternative<AlgoUpdate>(e.body)) {
      if (o["caid"] != "k-t") continue;
      ++algo_pushes;
      CHECK(o["o"] == "TRAILING_STOP_MARKET");
      CHECK(o["AP"] == "105.0");
      CHECK(o["cr"] == "1.0");
      CHECK(o["tp"] == "108.9");
    } else {
      ++order_pushes;
      CHECK(o["o"] == "MARKET");
      CHECK(o["ot"] == "TRAILING_STOP_MARKET");
      CHECK(o["sp"] == "108.9");
      CHECK(o["AP"] == "105.0");
      CHECK(o["cr"] == "1.0");
      CHECK(o["gtd"] == 0);
    }
  }
  CHECK(algo_pushes == 3);   // TRIGGERING, TRIGGERED, FINISHED
  CHECK(order_pushes == 2);  // NEW, TRADE
  auto done = RestFixture::Json(f.Send("GET", "/fapi/v1/algoOrder", "clientAlgoId=k-t"));
  CHECK(done["algoStatus"] == "FINISHED");
  const std::string actual = done["actualOrderId"].GetString();
  auto order = RestFixture::Json(f.Send("GET", "/fapi/v1/order", "symbol=TESTUSDT&orderId=" + actual));
  CHECK(order["status"] == "FILLED");
  CHECK(order["type"] == "MARKET");
  CHECK(order["origType"] == "TRAILING_STOP_MARKET");
  CHECK(order["stopPrice"] == "108.9");
  CHECK(order["activatePrice"] == "105.0");
  CHECK(order["priceRate"] == "1.0");
  CHECK(order["reduceOnly"] == true);
  // An order that was not a trailing stop has neither field.
  auto first = RestFixture::Json(f.Send("GET", "/fapi/v1/allOrders", "symbol=TESTUSDT"));
  CHECK(!first[0].HasMember("activatePrice"));
  CHECK(!first[0].HasMember("priceRate"));
  auto all = RestFixture::Json(f.Send("GET", "/fapi/v1/allAlgoOrders", "symbol=TESTUSDT"));
  REQUIRE(all.Size() == 2);
  CHECK(all[0]["activatePrice"] == "105.0");
}

TEST_CASE("GTD over REST: refused without goodTillDate or too early, expired at it with gtd in the push") {
  RestFixture f;
  const TimeMs t0 = f.clock.NowMs();
  const std::string limit = "symbol=TESTUSDT&side=BUY&type=LIMIT&quantity=1&price=95&timeInForce=GTD";
  CHECK(f.Send("POST", "/fapi/v1/order", limit).body ==
        R"({"code":-1102,"msg":"Mandatory parameter 'goodTillDate' was not sent, was empty/null, or malformed."})");
  CHECK(f.Send("POST", "/fapi/v1/order", limit + "&goodTillDate=" + std::to_string(t0 + 599'000)).body ==
        R"({"code":-5040,"msg":"The goodTillDate timestamp must be greater than the current time plus 600 seconds and smaller than 253402300799000"})");
  auto placed = RestFixture::Json(
      f.Send("POST", "/fapi/v1/order", limit + "&newClientOrderId=k-gtd&goodTillDate=" + std::to_string(t0 + 900'123)));
  CHECK(placed["timeInForce"] == "GTD");
  CHECK(placed["goodTillDate"] == t0 + 900'000);  // whole seconds
  CHECK(RestFixture::Json(f.Send("GET", "/fapi/v1/order", "symbol=TESTUSDT&origClientOrderId=k-gtd"))["goodTillDate"] ==
        t0 + 900'000);
  auto stop = RestFixture::Json(f.Send("POST", "/fapi/v1/algoOrder",
                                       "algoType=CONDITIONAL&symbol=TESTUSDT&side=BUY&type=STOP_MARKET&quantity=1&"
                                       "triggerPrice=110&timeInForce=GTD&goodTillDate=" +
                                           std::to_string(t0 + 1'200'000)));
  CHECK(stop["timeInForce"] == "GTD");
  CHECK(stop["goodTillDate"] == t0 + 1'200'000);
  f.ex->TakeUserEvents();

  f.clock.Advance(899'999);
  CHECK(RestFixture::Json(f.Send("GET", "/fapi/v1/order", "symbol=TESTUSDT&origClientOrderId=k-gtd"))["status"] == "NEW");
  f.clock.Advance(1);
  CHECK(RestFixture::Json(f.Send("GET", "/fapi/v1/order", "symbol=TESTUSDT&origClientOrderId=k-gtd"))["status"] ==
        "EXPIRED");
  const auto events = f.ex->TakeUserEvents();
  REQUIRE(events.size() == 1);
  auto push = RestFixture::Json(binance::UserEventJson(events[0], *f.ex));
  CHECK(push["e"] == "ORDER_TRADE_UPDATE");
  CHECK(push["E"] == t0 + 900'000);
  CHECK(push["o"]["c"] == "k-gtd");
  CHECK(push["o"]["x"] == "EXPIRED");
  CHECK(push["o"]["X"] == "EXPIRED");
  CHECK(push["o"]["f"] == "GTD");
  CHECK(push["o"]["gtd"] == t0 + 900'000);
  f.clock.Advance(300'000);
  CHECK(RestFixture::Json(f.Send("GET", "/fapi/v1/algoOrder", "algoId=" + std::to_string(stop["algoId"].GetInt64())))
            ["algoStatus"] == "EXPIRED");
  const auto algo_events = f.ex->TakeUserEvents();
  REQUIRE(algo_events.size() == 1);
  auto algo_push = RestFixture::Json(binance::UserEventJson(algo_events[0], *f.ex));
  CHECK(algo_push["o"]["X"] == "EXPIRED");
  CHECK(algo_push["o"]["gtd"] == t0 + 1'200'000);
}
