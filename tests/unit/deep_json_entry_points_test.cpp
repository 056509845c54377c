// Hostile JSON at every door keel has: one 400 KB line of "[" overflowed RapidJSON's recursion and
// killed the process at each of them. Each now refuses it with "<what>: JSON nested deeper than 64
// levels" and nothing else changes. And the exchanges' answers are parsed with numbers kept as text
// (RapidJSON's double conversion has CVE-2024-38517: a signed overflow on an exponent near INT_MIN).
#include <doctest/doctest.h>

#include <cstring>
#include <limits>
#include <string>

#include "exchange/venue_json.h"
#include "keel/binance/codec.h"
#include "keel/binance/errors.h"
#include "keel/binance/rest_client.h"
#include "keel/bybit/codec.h"
#include "keel/bybit/errors.h"
#include "keel/bybit/public_stream.h"
#include "keel/bybit/signing.h"
#include "keel/chaos/ground_truth.h"
#include "keel/config/config.h"
#include "keel/ops/status_text.h"
#include "keel/sim/binance_stream.h"
#include "keel/sim/bybit_stream.h"
#include "keel/sim/sim_command.h"
#include "keel/sim/sim_config.h"
#include "keel/sim/sim_venue.h"
#include "signed_request.h"
#include "sim_fixture.h"

using namespace keel;

namespace {

const std::string kDeep(400'000, '[');
const std::string kDeepObject = R"({"a":)" + kDeep;

std::string Deeper(const std::string& what) { return what + ": JSON nested deeper than 64 levels"; }
bool Has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

net::HttpResponse Answer(int status, const std::string& body) {
  net::HttpResponse r;
  r.status = status;
  r.body = body;
  return r;
}

// An exponent that overflows RapidJSON's int when it turns the number into a double: harmless as
// text, undefined behaviour through Document::Parse (UBSan: reader.h, "signed integer overflow").
const std::string kOverflowingExponent = R"("n":0.12345678901234567e-2147483639)";

}  // namespace

TEST_CASE("deep JSON: the venue codecs refuse a stream frame or a REST answer unparsed") {
  CHECK(binance::ParseUserDataEvent(kDeep).status().message() == Deeper("user-data event"));
  CHECK(binance::ParseMarketDataEvent(kDeepObject).status().message() == Deeper("market event"));
  CHECK(binance::ParseExchangeInfo(kDeep).status().message() == Deeper("exchangeInfo"));
  CHECK(binance::ParseOrder(kDeep).status().IsInvalidInput());
  CHECK(bybit::ParsePrivateMessage(kDeep).status().message() == Deeper("private stream message"));
  CHECK(bybit::ParsePublicMessage(kDeepObject).status().message() == Deeper("public stream message"));
  CHECK(bybit::ParseEnvelope(kDeep).status().message() == Deeper("answer"));
  CHECK(bybit::ParseOrderPage(kDeep).status().IsInvalidInput());
  // Just within the limit, the frame is read as before (and refused for what it lacks).
  const std::string edge = R"({"e":"ORDER_TRADE_UPDATE","x":)" + std::string(63, '[') + std::string(63, ']') + "}";
  CHECK(!Has(binance::ParseUserDataEvent(edge).status().message(), "nested"));
}

TEST_CASE("deep JSON: exchange error bodies, the time and the listen key are errors of the call") {
  auto binance_error = binance::ErrorFromResponse(Answer(400, kDeep), "POST /fapi/v1/order");
  CHECK(binance_error.IsUnknownOutcome());
  CHECK(Has(binance_error.message(), "HTTP 400 without a Binance error body (error body: JSON nested deeper than 64 levels)"));
  auto bybit_error = bybit::ErrorFromResponse(Answer(400, kDeep), "POST /v5/order/create", 0);
  CHECK(bybit_error.IsUnknownOutcome());
  CHECK(Has(bybit_error.message(), "without Bybit's envelope (answer: JSON nested deeper than 64 levels)"));
  CHECK(binance::ParseServerTime(kDeep).status().message() == Deeper("GET /fapi/v1/time"));
  CHECK(binance::ParseListenKey(kDeep).status().message() == Deeper("POST /fapi/v1/listenKey"));

  // Through the REST client: the time sync fails, naming why.
  ManualClock clock(1'795'165'200'000);
  net::InMemoryTransport transport([](const net::HttpRequest&) { return Answer(200, kDeep); });
  binance::RestClient client(transport, "key", Secret("secret"), clock, [](TimeMs) {});
  CHECK(client.SyncTime().message() == "syncing with the server time: " + Deeper("GET /fapi/v1/time"));
}

TEST_CASE("exchange bodies: numbers are read from their text, never through RapidJSON's doubles") {
  CHECK(binance::ParseServerTime(R"({"serverTime":1795165200000,)" + kOverflowingExponent + "}").value() == 1'795'165'200'000);
  CHECK(binance::ParseListenKey(R"({"listenKey":"k-1",)" + kOverflowingExponent + "}").value() == "k-1");
  auto gone = binance::ErrorFromResponse(Answer(400, R"({"code":-2011,"msg":"Unknown order sent.",)" + kOverflowingExponent + "}"),
                                         "DELETE /fapi/v1/order");
  CHECK(gone.IsNotFound());
  CHECK(Has(gone.message(), "Unknown order sent."));
  auto bybit_gone = bybit::ErrorFromResponse(Answer(200, R"({"retCode":110001,"retMsg":"order not exists",)" + kOverflowingExponent + "}"),
                                             "cancel", 0);
  CHECK(bybit_gone.IsNotFound());
  // A code that is no int is no venue's answer.
  CHECK(binance::ErrorFromResponse(Answer(400, R"({"code":4294967297,"msg":"x"})"), "x").IsUnknownOutcome());
  CHECK(bybit::ErrorFromResponse(Answer(400, R"({"retCode":4294967297,"retMsg":"x"})"), "x", 0).IsUnknownOutcome());
  CHECK(!bybit::ParseEnvelope(R"({"retCode":4294967297,"retMsg":"x"})").ok());
  CHECK(!binance::ParseServerTime(R"({"serverTime":1.7e12})").ok());
}

TEST_CASE("venue fields: an integer is read whole within 64 bits, never wrapped") {
  venue_json::JsonDoc doc(R"({"max":9223372036854775807,"min":-9223372036854775808,"over":9223372036854775808,)"
                          R"("under":-9223372036854775809,"nines":9999999999999999999})",
                          "event");
  REQUIRE(doc.status().ok());
  venue_json::Fields ok(doc.root(), "event");
  CHECK(ok.Int("max") == std::numeric_limits<std::int64_t>::max());
  CHECK(ok.Int("min") == std::numeric_limits<std::int64_t>::min());
  CHECK(ok.status().ok());
  for (const char* key : {"over", "under", "nines"}) {
    venue_json::Fields f(doc.root(), "event");
    CHECK(f.Int(key, std::strlen(key), true) == 0);
    CHECK(f.status().message() == "event field \"" + std::string(key) + "\": expected an integer of at most 64 bits");
  }
}

TEST_CASE("deep JSON: the simulator answers keel's deep requests with its venue's error") {
  sim::test::SimFixture f;
  auto binance_stream = sim::StreamSession::Open("/public/ws/0", *f.ex);
  REQUIRE(binance_stream.ok());
  CHECK(binance_stream->OnText(kDeep) == std::optional<std::string>(R"({"error":{"code":2,"msg":"Invalid JSON"},"id":null})"));
  auto bybit_stream = sim::BybitStreamSession::Open("/v5/private", *f.ex, 1);
  REQUIRE(bybit_stream.ok());
  auto replies = bybit_stream->OnText(kDeep, *f.ex);
  REQUIRE(replies.size() == 1);
  CHECK(Has(replies[0], R"("success":false,"ret_msg":"Invalid request: JSON nested deeper than 64 levels")"));
  CHECK(sim::ParseSimCommandJson(kDeep).status().message() == Deeper("a command"));

  ManualClock clock(1'795'165'200'000);
  auto venue = sim::SimVenue::Create(sim::test::TestConfig(), clock).value();
  venue->exchange().set_market_events(false);
  // Bybit's JSON body, read before the signature.
  net::HttpRequest post;
  post.method = "POST";
  post.target = "/v5/order/create";
  post.body = kDeep;
  for (auto& h : bybit::SignedHeaders(net::HmacSha256("secret-a"), "key-a", clock.NowMs(), 5000, post.body))
    post.headers.push_back(h);
  auto envelope = bybit::ParseEnvelope(venue->HandleHttp(post).body);
  REQUIRE(envelope.ok());
  CHECK(envelope->ret_code == bybit::kParamError);
  CHECK(envelope->ret_msg == "params error: " + Deeper("the body"));
  // Binance's JSON lists inside a signed form.
  for (const std::string& params : {"batchOrders=" + kDeep, "symbol=TESTUSDT&orderIdList=" + kDeep}) {
    const std::string method = params.rfind("batchOrders", 0) == 0 ? "POST" : "DELETE";
    auto r = venue->HandleHttp(test::SignedRequest(method, "/fapi/v1/batchOrders", params, clock.NowMs(), "key-a", "secret-a"));
    CHECK(r.status == 400);
    CHECK(Has(r.body, R"("code":-1130)"));
  }
  CHECK(venue->exchange().counters().orders_placed == 0);
}

TEST_CASE("deep JSON: the tools' parses refuse it too") {
  CHECK(ops::StatusText(kDeep).status().message() == Deeper("status answer"));
  CHECK(chaos::ParseGroundTruth(kDeep).status().message() == Deeper("ground truth"));
}

TEST_CASE("deep TOML: arrays and inline tables nested deeper than 32 are refused before toml++ sees them") {
  const std::string arrays = "x = " + std::string(400'000, '[') + "\n";
  auto account = ParseAccountConfig(arrays, "demo.toml", "/tmp");
  REQUIRE(!account.ok());
  CHECK(account.status().message() == "demo.toml:1: brackets nested more than 32 deep");
  std::string tables = "x = ";
  for (int i = 0; i < 100'000; ++i) tables += "{a=";
  CHECK(ParseAccountConfig(tables + "\n", "demo.toml", "/tmp").status().message() ==
        "demo.toml:1: brackets nested more than 32 deep");
  auto sim_config = sim::ParseSimConfig(arrays, "sim.toml", "/tmp");
  REQUIRE(!sim_config.ok());
  CHECK(sim_config.status().message() == "sim.toml:1: brackets nested more than 32 deep");
}
