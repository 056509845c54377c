#include <doctest/doctest.h>

#include "keel/sim/sim_config.h"

using namespace keel;
using namespace keel::sim;

TEST_CASE("simulator config: a new instrument may leave the optional keys out; funding is configurable") {
  auto c = ParseSimConfig(R"(funding_interval_ms = 3600000
funding_rate = "-0.0002"
[[instrument]]
symbol = "S0USDT"
tick_size = "0.01"
step_size = "0.1"
min_qty = "0.1"
max_qty = "1000000"
market_max_qty = "100000"
min_notional = "5"
min_price = "0.01"
max_price = "100000"
initial_price = "10.00"
depth_per_level = "10000"
)",
                          "sim.toml", "");
  REQUIRE_MESSAGE(c.ok(), c.status().ToString());
  CHECK(c->funding_interval_ms == 3'600'000);
  CHECK(c->funding_rate == Decimal::Parse("-0.0002").value());
  REQUIRE(c->instruments.size() == 1);
  CHECK(c->instruments[0].percent_price_up == Decimal::Parse("1.05").value());
  auto wide = ParseSimConfig("[[instrument]]\nsymbol = \"BTCUSDT\"\npercent_price_down = \"0.8\"\n", "sim.toml", "");
  REQUIRE(wide.ok());
  CHECK(wide->instruments[0].percent_price_down == Decimal::Parse("0.8").value());
  CHECK(!ParseSimConfig("funding_every = 5\n", "sim.toml", "").ok());
}
