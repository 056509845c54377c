// keel-exchange-sim as a process on loopback: raw HTTP with signatures computed here, a WebSocket
// client on the user-data and market streams, the control endpoint, and a clean stop.
#include <doctest/doctest.h>

#include <rapidjson/document.h>

#include "http_client.h"
#include "sim_process.h"
#include "subprocess.h"
#include "ws_client.h"

using namespace keel::test;

namespace {

const char* kKey = "keel-demo-key";
const char* kSecret = "keel-demo-secret";

rapidjson::Document Json(const std::string& body) {
  rapidjson::Document d;
  d.Parse(body.c_str());
  REQUIRE_MESSAGE(!d.HasParseError(), body);
  return d;
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("REST over a real socket: keep-alive, signatures, weights, errors as JSON") {
  SimProcess sim;
  REQUIRE(sim.ready());
  HttpClient http(sim.rest_port());
  HttpReply info = http.Send("GET", "/fapi/v1/exchangeInfo");
  CHECK(info.status == 200);
  CHECK(Json(info.body)["symbols"].Size() == 11);
  CHECK(std::string(Json(info.body)["symbols"][10]["symbol"].GetString()) == "币安人生USDT");
  CHECK(info.header("X-MBX-USED-WEIGHT-1M") == "1");
  HttpReply placed = SendSigned(http, "POST", "/fapi/v1/order",
                                "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.010&newOrderRespType=RESULT&"
                                "newClientOrderId=e2e-1",
                                kKey, kSecret);
  CHECK(placed.status == 200);
  CHECK(Json(placed.body)["status"] == "FILLED");
  CHECK(placed.header("X-MBX-ORDER-COUNT-1M") == "1");
  HttpReply query = SendSigned(http, "GET", "/fapi/v1/order", "symbol=BTCUSDT&origClientOrderId=e2e-1", kKey, kSecret);
  CHECK(Json(query.body)["executedQty"] == "0.010");
  HttpReply forged = SendSigned(http, "GET", "/fapi/v3/account", "", kKey, "not-the-secret");
  CHECK(forged.status == 400);
  CHECK(forged.body == R"({"code":-1022,"msg":"Signature for this request is not valid."})");
  CHECK(http.connects() == 1);  // all of it on one keep-alive connection
  HttpReply garbage = http.SendRaw("HELLO\r\n\r\n");
  CHECK(garbage.status == 400);
  CHECK(has(garbage.body, "\"code\":-1000"));
  CHECK(sim.Stop() == 0);
  CHECK(has(sim.output(), "\"POST /fapi/v1/order\""));
  CHECK(has(sim.output(), "\"orders_placed\": 1"));
}

TEST_CASE("the user-data stream reports a fill: ACCOUNT_UPDATE, then ORDER_TRADE_UPDATE") {
  SimProcess sim;
  REQUIRE(sim.ready());
  HttpClient http(sim.rest_port());
  const std::string key = Json(http.Send("POST", "/fapi/v1/listenKey", {{"X-MBX-APIKEY", kKey}}).body)["listenKey"].GetString();
  WsClient user(sim.ws_port(), "/private/ws?listenKey=" + key);
  REQUIRE(user.ok());
  WsClient by_path(sim.ws_port(), "/private/ws/" + key);
  REQUIRE(by_path.ok());
  WsClient retired(sim.ws_port(), "/ws/" + key);  // the legacy path, retired on 2026-04-23
  CHECK(!retired.ok());
  SendSigned(http, "POST", "/fapi/v1/order", "symbol=ETHUSDT&side=SELL&type=MARKET&quantity=0.100", kKey, kSecret);
  const int account = user.WaitFor([](const std::string& m) { return has(m, "\"e\":\"ACCOUNT_UPDATE\""); });
  const int trade = user.WaitFor([](const std::string& m) { return has(m, "\"x\":\"TRADE\""); });
  REQUIRE(account >= 0);
  REQUIRE(trade >= 0);
  CHECK(account < trade);
  const auto messages = user.messages();
  auto event = Json(messages[static_cast<std::size_t>(trade)]);
  CHECK(event["o"]["X"] == "FILLED");
  CHECK(event["o"]["S"] == "SELL");
  CHECK(event["o"]["q"] == "0.100");
  CHECK(event["E"].IsInt64());
  CHECK(event["T"].IsInt64());
  auto position = Json(messages[static_cast<std::size_t>(account)]);
  CHECK(position["a"]["m"] == "ORDER");
  CHECK(position["a"]["P"][0]["pa"] == "-0.100");
  CHECK(by_path.WaitFor([](const std::string& m) { return has(m, "\"x\":\"TRADE\""); }) >= 0);

  // The control endpoint expires the key: the stream says so and then says nothing more, but the
  // socket stays open (the client must notice and make a new key).
  HttpReply expired = http.Send("POST", "/_sim/command", {}, R"({"fault":"expire_listen_key","account":"demo"})");
  CHECK(expired.body == R"({"ok":true})");
  CHECK(user.WaitFor([](const std::string& m) { return has(m, "\"e\":\"listenKeyExpired\""); }) >= 0);
  CHECK(!user.WaitClosed(300));
  WsClient refused(sim.ws_port(), "/private/ws?listenKey=" + key);
  CHECK(!refused.ok());
  CHECK(refused.handshake_status() == 404);
}

TEST_CASE("market streams: combined URL, SUBSCRIBE on the split paths, bookTicker frames") {
  SimProcess sim;
  REQUIRE(sim.ready());
  WsClient combined(sim.ws_port(), "/public/stream?streams=btcusdt@bookTicker/btcusdt@markPrice@1s");
  REQUIRE(combined.ok());
  CHECK(combined.WaitFor([](const std::string& m) { return has(m, R"({"stream":"btcusdt@bookTicker","data":{"e":"bookTicker")"); }) >= 0);
  WsClient marks(sim.ws_port(), "/market/stream?streams=btcusdt@markPrice@1s");
  REQUIRE(marks.ok());
  CHECK(marks.WaitFor([](const std::string& m) { return has(m, R"("stream":"btcusdt@markPrice@1s")"); }) >= 0);
  WsClient bucket(sim.ws_port(), "/public/ws/0");
  REQUIRE(bucket.ok());
  bucket.Send(R"({"method":"SUBSCRIBE","params":["ethusdt@bookTicker"],"id":7})");
  CHECK(bucket.WaitFor([](const std::string& m) { return m == R"({"result":null,"id":7})"; }) >= 0);
  CHECK(bucket.WaitFor([](const std::string& m) { return has(m, R"("e":"bookTicker")") && has(m, R"("s":"ETHUSDT")"); }) >= 0);
  // Bybit's linear stream is served (bybit_stream_test.cpp); its spot stream is not, nor a path of neither.
  WsClient bybit_spot(sim.ws_port(), "/v5/public/spot");
  CHECK(!bybit_spot.ok());
  WsClient nowhere(sim.ws_port(), "/nowhere");
  CHECK(!nowhere.ok());
}

TEST_CASE("the disconnect fault closes every stream connection; clients may reconnect") {
  SimProcess sim;
  REQUIRE(sim.ready());
  WsClient a(sim.ws_port(), "/public/ws"), b(sim.ws_port(), "/market/stream?streams=btcusdt@aggTrade");
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  HttpClient control(sim.rest_port());
  CHECK(control.Send("POST", "/_sim/command", {}, R"({"fault":"disconnect"})").body == R"({"ok":true})");
  CHECK(a.WaitClosed());
  CHECK(b.WaitClosed());
  WsClient again(sim.ws_port(), "/public/ws");
  CHECK(again.ok());
}

TEST_CASE("a placement that times out after acceptance: no answer, but the order exists") {
  SimProcess sim;
  REQUIRE(sim.ready());
  HttpClient control(sim.rest_port());
  REQUIRE(control.Send("POST", "/_sim/command", {}, R"({"fault":"placement","when":"after","how":"timeout"})").status ==
          200);
  HttpClient trader(sim.rest_port(), 700);
  HttpReply lost = SendSigned(trader, "POST", "/fapi/v1/order",
                              "symbol=SOLUSDT&side=BUY&type=MARKET&quantity=3&newClientOrderId=lost-1", kKey, kSecret);
  CHECK(lost.timed_out);
  HttpClient again(sim.rest_port());
  HttpReply found = SendSigned(again, "GET", "/fapi/v1/order", "symbol=SOLUSDT&origClientOrderId=lost-1", kKey, kSecret);
  CHECK(found.status == 200);
  CHECK(Json(found.body)["status"] == "FILLED");
  auto counters = Json(control.Send("GET", "/_sim/counters").body);
  CHECK(counters["requests"]["POST /fapi/v1/order"]["no response"] == 1);
}

TEST_CASE("the process: free ports, bad options, a bad config") {
  SimProcess busy;
  REQUIRE(busy.ready());
  RunResult clash = run({bin("keel-exchange-sim"), "--rest-port", std::to_string(busy.rest_port())});
  CHECK(clash.exit_code == 3);
  CHECK(has(clash.err, "cannot listen on 127.0.0.1:" + std::to_string(busy.rest_port())));
  RunResult bad = run({bin("keel-exchange-sim"), "--api-key", "k"});
  CHECK(bad.exit_code == 2);
  TempDir dir;
  write_file(dir.file("sim.toml"), "seed = \"seven\"\n[[instrument]]\nsymbol = \"NEWUSDT\"\n");
  RunResult config = run({bin("keel-exchange-sim"), "--config", dir.file("sim.toml")});
  CHECK(config.exit_code == 2);
  CHECK(has(config.err, "sim.toml: .seed: expected an integer"));
  CHECK(has(config.err, "instrument[0].tick_size: missing, expected a string"));
}

TEST_CASE("--dialect: one exchange's paths only, over the same venue; a dialect it does not know is exit 2") {
  SimProcess bybit({"--dialect", "bybit-v5"});
  REQUIRE(bybit.ready());
  HttpClient b(bybit.rest_port());
  CHECK(b.Send("GET", "/v5/market/time").status == 200);
  CHECK(b.Send("GET", "/fapi/v1/time").status == 404);
  CHECK(b.Send("GET", "/_sim/health").status == 200);  // the control endpoint is every dialect's
  CHECK(WsClient(bybit.ws_port(), "/v5/public/linear").ok());
  CHECK(!WsClient(bybit.ws_port(), "/public/ws").ok());

  SimProcess binance({"--dialect", "binance-usdm"});
  REQUIRE(binance.ready());
  HttpClient n(binance.rest_port());
  CHECK(n.Send("GET", "/fapi/v1/time").status == 200);
  CHECK(n.Send("GET", "/v5/market/time").status == 404);
  CHECK(!WsClient(binance.ws_port(), "/v5/public/linear").ok());

  RunResult typo = run({bin("keel-exchange-sim"), "--dialect", "bybit"});
  CHECK(typo.exit_code == 2);
  CHECK(has(typo.err, "--dialect: bybit not in {binance-usdm,bybit-v5,both}"));
}
