// Bybit v5 signing and error classification. The strings to sign are the documentation's own
// examples (bybit-exchange/docs, docs/v5/guide.mdx, "Authentication"); its example signatures
// were made with a secret it does not give, so the MAC is checked against keel's HMAC (itself
// checked against RFC 4231 in hmac_test.cpp).
#include <doctest/doctest.h>

#include "keel/bybit/errors.h"
#include "keel/bybit/signing.h"
#include "keel/engine/exchange_health.h"
#include "keel/exchange/exchange.h"

using namespace keel;

TEST_CASE("bybit signing: the documentation's GET and POST strings to sign, byte for byte") {
  CHECK(bybit::RestSignPayload(1658384314791, "XXXXXXXXXX", 5000, "category=option&symbol=BTC-29JUL22-25000-C") ==
        "1658384314791XXXXXXXXXX5000category=option&symbol=BTC-29JUL22-25000-C");
  CHECK(bybit::RestSignPayload(1658385579423, "XXXXXXXXXX", 5000, R"({"category": "option"})") ==
        R"(1658385579423XXXXXXXXXX5000{"category": "option"})");
}

TEST_CASE("bybit signing: the four X-BAPI headers; the query string signed as sent, never re-sorted") {
  net::HmacSha256 secret("s3cr3t");
  auto headers = bybit::SignedHeaders(secret, "key", 1658384314791, 5000, "symbol=BTCUSDT&category=linear");
  REQUIRE(headers.size() == 4);
  CHECK(headers[0] == std::make_pair(std::string("X-BAPI-API-KEY"), std::string("key")));
  CHECK(headers[1].second == "1658384314791");
  CHECK(headers[2].second == "5000");
  CHECK(headers[3].first == "X-BAPI-SIGN");
  CHECK(headers[3].second == net::hmac_sha256_hex("s3cr3t", "1658384314791key5000symbol=BTCUSDT&category=linear"));
  CHECK(headers[3].second != net::hmac_sha256_hex("s3cr3t", "1658384314791key5000category=linear&symbol=BTCUSDT"));
}

TEST_CASE("bybit signing: the private stream's auth request signs GET/realtime and the expiry") {
  net::HmacSha256 secret("s3cr3t");
  const std::string auth = bybit::WsAuthRequest(secret, "key", 1662350400000, "auth-1");
  CHECK(auth == R"({"req_id":"auth-1","op":"auth","args":["key",1662350400000,")" +
                    net::hmac_sha256_hex("s3cr3t", "GET/realtime1662350400000") + "\"]}");
}

namespace {

net::HttpResponse Answer(int http, std::string body, std::vector<std::pair<std::string, std::string>> headers = {}) {
  net::HttpResponse r;
  r.status = http;
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

}  // namespace

TEST_CASE("bybit errors: HTTP 200 with a retCode is the exchange's answer, classified by what it proves") {
  const TimeMs now = 1'700'000'000'000;
  auto answer = [now](int code, const std::string& msg = "x") {
    return bybit::ErrorFromResponse(
        Answer(200, R"({"retCode":)" + std::to_string(code) + R"(,"retMsg":")" + msg + R"(","result":{},"retExtInfo":{},"time":1})"),
        "create", now);
  };
  SUBCASE("not open: gone, filled or cancelled") {
    for (int code : {110001, 110008, 110010}) {
      CAPTURE(code);
      CHECK(answer(code).IsNotFound());
    }
  }
  SUBCASE("unknown: Bybit does not know whether it acted (error.mdx's Server Timeout and server errors; ccxt's 5004)") {
    for (int code : {10000, 5004, 10016, 110079, 40004, 170001, 170007, 170035, 3400214}) {
      CAPTURE(code);
      auto st = answer(code, "Server Timeout");
      CHECK(st.IsUnknownOutcome());
      CHECK(!IsDefiniteRejection(st));
    }
  }
  SUBCASE("wait: a refusal for the rate or the load, never a verdict on the order") {
    for (int code : {10006, 429, 10429, 20003, 10019, 10018, 30035, 170005}) {
      CAPTURE(code);
      auto st = answer(code, "Too many visits!");
      CHECK(st.IsExchange());
      CHECK(st.refusal() == Refusal::kRate);
      CHECK(IsRateRefusal(st));
      CHECK(bybit::IsRateLimited(st));
    }
  }
  SUBCASE("auth: the key, its signature, permissions, IP or the account refused") {
    for (int code : {10003, 10004, 10005, 10007, 10008, 10009, 10010, 10027, 33004, -2015}) {
      CAPTURE(code);
      auto st = answer(code, "API key is invalid.");
      CHECK(st.IsExchange());
      CHECK(st.refusal() == Refusal::kKey);
      CHECK(IsKeyRefusal(st));
      CHECK(!IsRateRefusal(st));
    }
  }
  SUBCASE("clock: keel's timestamp is outside the window") {
    auto st = answer(10002, "invalid request, please check your server timestamp or recv_window param");
    CHECK(st.refusal() == Refusal::kClock);
    CHECK(IsClockSkewRefusal(st));
  }
  SUBCASE("definite: refused for a reason of its own, nothing was done") {
    for (int code : {10001, 110017, 110072, 110094, 110007, -1, 12345678}) {
      CAPTURE(code);
      auto st = answer(code);
      CHECK(st.IsExchange());
      CHECK(st.venue_code() == std::optional<int>(code));
      CHECK(st.refusal() == Refusal::kOther);
      CHECK(IsDefiniteRejection(st));
    }
    CHECK(answer(34040, "Not modified").refusal() == Refusal::kUnchanged);
    // Definite too: nothing was placed.
    CHECK(IsDefiniteRejection(answer(110092)));
    CHECK(answer(110092, "expect Rising, but trigger_price[18.571] <= current[18.58]??LastPrice").refusal() ==
          Refusal::kTriggerPassed);
    CHECK(answer(110093, "expect Falling, but trigger_price[145.91] >= current[149.95]??MarkPrice").refusal() ==
          Refusal::kTriggerPassed);
  }
}

TEST_CASE("bybit errors: rate limits keep the wait the exchange asked for; 5xx and foreign pages are unknown outcomes") {
  const TimeMs now = 1'700'000'000'000;
  auto limited = bybit::ErrorFromResponse(
      Answer(200, R"({"retCode":10006,"retMsg":"Too many visits!"})", {{"X-Bapi-Limit-Reset-Timestamp", "1700000001500"}}),
      "create", now);
  CHECK(limited.IsExchange());
  CHECK(bybit::IsRateLimited(limited));
  CHECK(limited.retry_after_ms() == 1500);
  auto ip_limit = bybit::ErrorFromResponse(Answer(403, "access too frequent"), "positions", now);
  CHECK(bybit::IsRateLimited(ip_limit));
  CHECK(ip_limit.retry_after_ms() == 600'000);
  CHECK(bybit::ErrorFromResponse(Answer(502, "<html>Bad Gateway</html>"), "create", now).IsUnknownOutcome());
  CHECK(bybit::ErrorFromResponse(Answer(408, ""), "create", now).IsUnknownOutcome());
  CHECK(bybit::ErrorFromResponse(Answer(404, "<html>not found</html>"), "create", now).IsUnknownOutcome());
  // A refused key is Bybit's own definite answer: nothing was done.
  auto bad_key = bybit::ErrorFromResponse(Answer(401, ""), "create", now);
  CHECK(bad_key.IsExchange());
  CHECK(bad_key.http_status() == 401);
  CHECK(bad_key.refusal() == Refusal::kKey);
  CHECK(bybit::IsClockSkew(bybit::ErrorFromResponse(Answer(200, R"({"retCode":10002,"retMsg":"invalid request, please check your server timestamp or recv_window param"})"), "x", now)));
}
