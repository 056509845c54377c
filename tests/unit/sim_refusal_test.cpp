// The simulator's core refuses in no venue's words; each dialect says every refusal in its own.
#include <doctest/doctest.h>

#include <set>
#include <string>

#include "keel/sim/sim_refusal.h"
#include "sim/binance_rest_call.h"
#include "sim/bybit_rest_call.h"

using namespace keel;
using namespace keel::sim;

TEST_CASE("every core refusal has a name, a Binance code and a Bybit retCode") {
  std::set<std::string> names;
  for (int n = 1; n <= kSimRefusalCount; ++n) {
    const auto refusal = static_cast<SimRefusal>(n);
    CAPTURE(to_string(refusal));
    CHECK(names.insert(to_string(refusal)).second);
    const Status refused = Refuse(refusal, "7");
    REQUIRE(RefusalOf(refused) == refusal);

    const Status binance = rest::ToBinance(refused);
    REQUIRE(binance.IsExchange());
    CHECK(*binance.venue_code() < 0);  // Binance's codes are negative
    CHECK(binance.http_status() == 400);
    CHECK(!RefusalOf(binance));

    const Status bybit = bybit_rest::ToBybit(refused);
    REQUIRE(bybit.IsExchange());
    CHECK(*bybit.venue_code() >= 10000);  // Bybit's retCodes for a refused order
    CHECK(bybit.http_status() == 200);    // business errors ride in the envelope
    CHECK(!RefusalOf(bybit));
  }
  CHECK(names.size() == static_cast<std::size_t>(kSimRefusalCount));
}

TEST_CASE("a refusal's detail reaches each venue's text; anything else passes as it is") {
  const Status band = Refuse(SimRefusal::kPriceAboveBand, "105.1");
  CHECK(rest::ToBinance(band).message() == "Limit price can't be higher than 105.1.");
  CHECK(*rest::ToBinance(band).venue_code() == -4016);
  CHECK(*bybit_rest::ToBybit(band).venue_code() == 110121);
  CHECK(bybit_rest::ToBybit(band).message() == "Order price cannot be higher than 105.1, the price limitation");

  const Status cancel = Refuse(SimRefusal::kUnknownOrder);
  CHECK(*rest::ToBinance(cancel).venue_code() == -2011);
  CHECK(rest::ToBinance(cancel).message() == "Unknown order sent.");
  CHECK(*bybit_rest::ToBybit(cancel).venue_code() == 110001);

  const Status missing = Refuse(SimRefusal::kMissingParameter, "quantity");
  CHECK(rest::ToBinance(missing).message() ==
        "Mandatory parameter 'quantity' was not sent, was empty/null, or malformed.");
  CHECK(bybit_rest::ToBybit(missing).message() == "params error: missing qty");

  const Status unchanged = Refuse(SimRefusal::kUnchanged);
  CHECK(*rest::ToBinance(unchanged).venue_code() == -5027);
  CHECK(*bybit_rest::ToBybit(unchanged).venue_code() == 34040);

  const Status other = Status::Exchange("Too many visits!", 10006, 200);
  CHECK(bybit_rest::ToBybit(other).venue_code() == std::optional<int>(10006));
  CHECK(rest::ToBinance(other).message() == "Too many visits!");
  CHECK(!RefusalOf(Status::NotFound("x")));
  CHECK(!RefusalOf(Status::Exchange("Unknown order sent.", -2011, 400)));
}
