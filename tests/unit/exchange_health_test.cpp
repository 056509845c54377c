// Silence is blindness (issue [1/6] case 7): an exchange that does not answer, refuses for the rate
// or refuses keel's clock raises one alert once it has lasted the threshold, and one all-clear.
#include <doctest/doctest.h>

#include "keel/engine/exchange_health.h"

using namespace keel;
using Condition = ExchangeHealth::Condition;

TEST_CASE("an exchange that stops answering is alerted once past the threshold, and cleared once") {
  ExchangeHealth h(30'000);
  h.Observe(Status::Ok(), 1'000);
  CHECK(h.Check(2'000).empty());
  h.Observe(Status::Transport("connection refused"), 10'000);
  CHECK(h.Since(Condition::kNotAnswering) == std::optional<TimeMs>(1'000));  // blind since the last answer
  CHECK(h.Check(30'000).empty());                                           // 29 s: not yet
  auto raised = h.Check(31'000);
  REQUIRE(raised.size() == 1);
  CHECK(raised[0].raised);
  CHECK(raised[0].condition == Condition::kNotAnswering);
  CHECK(raised[0].message.find("connection refused") != std::string::npos);
  CHECK(h.Describe(31'000).find("exchange not answering since") == 0);
  CHECK(h.Check(40'000).empty());  // once
  h.Observe(Status::UnknownOutcome("timeout"), 45'000);
  CHECK(h.Check(46'000).empty());
  h.Observe(Status::Ok(), 50'000);
  auto cleared = h.Check(50'100);
  REQUIRE(cleared.size() == 1);
  CHECK(!cleared[0].raised);
  CHECK(cleared[0].message.find("cleared") == 0);
  CHECK(h.Describe(50'100).empty());
  CHECK(h.Check(60'000).empty());
}

TEST_CASE("a short silence that ends before the threshold says nothing") {
  ExchangeHealth h(30'000);
  h.Observe(Status::Ok(), 1'000);
  h.Observe(Status::Transport("reset"), 5'000);
  h.Observe(Status::Exchange("Order does not exist.", -2013, 400), 8'000);  // an answer, if a refusal
  CHECK(h.Check(40'000).empty());
  CHECK(h.Describe(40'000).empty());
}

TEST_CASE("rate refusals and clock refusals are their own conditions; an accepted call ends them") {
  ExchangeHealth h(10'000);
  h.Observe(Status::Exchange("Too many requests", -1003, 429, 60'000, Refusal::kRate), 1'000);
  h.Observe(Status::Exchange("Timestamp outside recvWindow", -1021, 400, 0, Refusal::kClock), 2'000);
  CHECK(!h.Since(Condition::kNotAnswering));  // refusing is answering
  auto raised = h.Check(12'500);
  REQUIRE(raised.size() == 2);
  CHECK(raised[0].condition == Condition::kRateRefused);
  CHECK(raised[1].condition == Condition::kClockSkew);
  h.Observe(Status::Exchange("Too many visits!", 10006, 200, 0, Refusal::kRate), 13'000);  // Bybit's, in an HTTP 200
  CHECK(h.Since(Condition::kRateRefused) == std::optional<TimeMs>(1'000));
  h.Observe(Status::Ok(), 14'000);
  auto cleared = h.Check(14'000);
  CHECK(cleared.size() == 2);
  CHECK(h.Describe(14'000).empty());
  // keel's own failures say nothing of the exchange.
  h.Observe(Status::Storage("disk full"), 15'000);
  CHECK(h.Check(99'000).empty());
}

TEST_CASE("a refused API key is its own condition: raised once past the threshold, ended by an accepted call") {
  ExchangeHealth h(10'000);
  h.Observe(Status::Exchange("Invalid API-key, IP, or permissions for action.", -2015, 401, 0, Refusal::kKey), 1'000);
  h.Observe(Status::Exchange("Unmatched IP", 10010, 200, 0, Refusal::kKey), 5'000);
  CHECK(!h.Since(Condition::kNotAnswering));
  CHECK(h.Since(Condition::kKeyRefused) == std::optional<TimeMs>(1'000));
  CHECK(h.Check(10'999).empty());
  auto raised = h.Check(11'000);
  REQUIRE(raised.size() == 1);
  CHECK(raised[0].condition == Condition::kKeyRefused);
  CHECK(raised[0].message == "the exchange has been refusing keel's API key since 1970-01-01T00:00:01.000Z (10 s): Unmatched IP");
  // A refusal of the order itself (not of the key) is an answer that got past the key.
  h.Observe(Status::Exchange("Margin is insufficient.", -2019, 400), 12'000);
  auto cleared = h.Check(12'000);
  REQUIRE(cleared.size() == 1);
  CHECK(cleared[0].raised == false);
  CHECK(!h.Since(Condition::kKeyRefused));
}
