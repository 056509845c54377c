// The signing REST client against the in-process simulator: time offset, -1021 retry, rate limits.
#include <doctest/doctest.h>

#include "keel/binance/errors.h"
#include "keel/binance/rest_client.h"
#include "keel/sim/sim_venue.h"
#include "sim_fixture.h"

using namespace keel;
using namespace keel::sim;

namespace {

struct ClientFixture {
  ManualClock clock{1'795'165'200'000};
  std::unique_ptr<SimVenue> venue;
  std::unique_ptr<net::InMemoryTransport> transport;
  TimeMs slept = 0;
  explicit ClientFixture(SimConfig config = keel::sim::test::TestConfig()) {
    venue = SimVenue::Create(std::move(config), clock).value();
    venue->exchange().set_market_events(false);
    transport = std::make_unique<net::InMemoryTransport>([this](const net::HttpRequest& r) { return venue->HandleHttp(r); });
  }
  binance::RestClient Client(const ManualClock& client_clock, binance::RestOptions options = {}) {
    return binance::RestClient(*transport, "key-a", Secret("secret-a"), client_clock,
                               [this](TimeMs ms) { slept += ms; }, options);
  }
};

}  // namespace

TEST_CASE("signed requests use the measured server-time offset; -1021 resyncs and retries once") {
  ClientFixture f;
  ManualClock skewed(f.clock.NowMs() - 30'000);  // this host's clock is 30 s behind
  auto client = f.Client(skewed);
  auto account = client.Signed("GET", "/fapi/v3/account", net::Params());
  REQUIRE_MESSAGE(account.ok(), account.status().ToString());
  CHECK(client.time_offset_ms() == 30'000);
  CHECK(client.requests_sent() == 2);  // time, then the request
  skewed.Advance(-20'000);             // the host clock jumps back: the next request is refused...
  auto again = client.Signed("GET", "/fapi/v3/account", net::Params());
  REQUIRE(again.ok());                 // ...then resynced and retried once
  CHECK(client.requests_sent() == 5);
  CHECK(client.time_offset_ms() == 50'000);
}

TEST_CASE("errors come back as Status; nothing is retried that may have executed") {
  ClientFixture f;
  auto client = f.Client(f.clock);
  net::Params query;
  query.Add("symbol", "TESTUSDT");
  query.Add("origClientOrderId", "nope");
  auto missing = client.Signed("GET", "/fapi/v1/order", query);
  CHECK(missing.status().IsNotFound());
  f.venue->faults().placement.push_back(PlacementFault{PlacementFault::When::kAfterAccept, PlacementFault::How::kTimeout, 1});
  net::Params order;
  order.Add("symbol", "TESTUSDT");
  order.Add("side", "BUY");
  order.Add("type", "MARKET");
  order.Add("quantity", "1");
  order.Add("newClientOrderId", "k-1");
  const long before = client.requests_sent();
  auto lost = client.Signed("POST", "/fapi/v1/order", order);
  CHECK(lost.status().IsUnknownOutcome());
  CHECK(client.requests_sent() == before + 1);
  f.transport->FailNext(1);
  CHECK(client.Public("GET", "/fapi/v1/ping", net::Params()).status().IsTransport());
}

TEST_CASE("rate limits: a pause before the limit, and no request at all during a Retry-After") {
  SimConfig config = keel::sim::test::TestConfig();
  config.limits.request_weight_1m = 20;
  ClientFixture f(config);
  binance::RestOptions options;
  options.weight_pause_at = 10;
  auto client = f.Client(f.clock, options);
  for (int i = 0; i < 10; ++i) REQUIRE(client.Public("GET", "/fapi/v1/time", net::Params()).ok());
  CHECK(client.used_weight() == 10);
  CHECK(f.slept == 0);
  REQUIRE(client.Public("GET", "/fapi/v1/time", net::Params()).ok());
  CHECK(f.slept == 60'000);  // waited for the next minute instead of pushing on
  f.venue->faults().rate_limit_next = 1;
  auto limited = client.Public("GET", "/fapi/v1/time", net::Params());
  CHECK(binance::IsRateLimited(limited.status()));
  const long sent = client.requests_sent();
  auto refused = client.Public("GET", "/fapi/v1/time", net::Params());
  CHECK(binance::IsRateLimited(refused.status()));
  CHECK(client.requests_sent() == sent);  // not sent while banned
  f.clock.Advance(61'000);
  CHECK(client.Public("GET", "/fapi/v1/time", net::Params()).ok());
}

TEST_CASE("error answers: what proves a refusal and what leaves the outcome unknown") {
  auto answer = [](int status, const std::string& body) {
    net::HttpResponse r;
    r.status = status;
    r.body = body;
    return binance::ErrorFromResponse(r, "POST /fapi/v1/order");
  };
  // Binance's documented "execution status unknown" codes, whatever the HTTP status they come with.
  CHECK(answer(408, R"({"code":-1007,"msg":"Timeout waiting for response from backend server. Send status unknown; execution status unknown."})")
            .IsUnknownOutcome());
  CHECK(answer(400, R"({"code":-1007,"msg":"Timeout waiting for response from backend server. Send status unknown; execution status unknown."})")
            .IsUnknownOutcome());
  CHECK(answer(400, R"({"code":-1006,"msg":"An unexpected response was received from the message bus. Execution status unknown."})")
            .IsUnknownOutcome());
  CHECK(answer(408, "").IsUnknownOutcome());
  CHECK(answer(503, R"({"code":-1000,"msg":"Unknown error, please check your request or try again later."})")
            .IsUnknownOutcome());
  CHECK(answer(502, "<html><center><h1>502 Bad Gateway</h1></center></html>").IsUnknownOutcome());
  CHECK(answer(403, "<html>Forbidden</html>").IsUnknownOutcome());  // not the venue's answer
  // Definite refusals keep the venue code.
  Status min_notional = answer(400, R"({"code":-4164,"msg":"Order's notional must be no smaller than 5 (unless you choose reduce only)."})");
  CHECK(min_notional.IsExchange());
  CHECK(min_notional.venue_code() == std::optional<int>(-4164));
  CHECK(binance::IsDefiniteRejection(min_notional));
  CHECK(answer(429, "").IsExchange());  // a rate-limit refusal is a refusal, body or not
  CHECK(answer(400, R"({"code":-2013,"msg":"Order does not exist."})").IsNotFound());
  CHECK(!binance::IsDefiniteRejection(answer(408, "")));
}
