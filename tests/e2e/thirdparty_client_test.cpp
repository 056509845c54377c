// An unmodified client from the npm registry (ccxt, binanceusdm with ccxt.pro) against
// keel-exchange-sim over loopback: markets, balance, orders (place, amend, query, cancel), positions,
// a stop-loss through the algo service, and user-data events over the WebSocket; and the Bybit v5
// clients (ccxt bybit, npm bybit-api) against the same simulator's Bybit dialect.
// scripts/setup installs it from tests/thirdparty/package-lock.json.
#include <doctest/doctest.h>

#include "sim_process.h"
#include "subprocess.h"

using namespace keel::test;

TEST_CASE("ccxt from npm trades against the simulator unmodified") {
  REQUIRE_MESSAGE(file_exists(source_path("tests/thirdparty/node_modules/ccxt/package.json")),
                  "ccxt is not installed: run scripts/setup (npm ci in tests/thirdparty)");
  SimProcess sim;
  REQUIRE(sim.ready());
  RunResult r = run({"/usr/bin/env", "node", source_path("tests/thirdparty/ccxt_binanceusdm.mjs"),
                     std::to_string(sim.rest_port()), std::to_string(sim.ws_port())});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("ccxt: all 17 steps passed") != std::string::npos);
}

// Bybit v5: the same simulator process answers /v5/… in Bybit's dialect.
TEST_CASE("ccxt's bybit from npm trades against the simulator's Bybit dialect unmodified") {
  REQUIRE_MESSAGE(file_exists(source_path("tests/thirdparty/node_modules/ccxt/package.json")),
                  "ccxt is not installed: run scripts/setup (npm ci in tests/thirdparty)");
  SimProcess sim;
  REQUIRE(sim.ready());
  RunResult r = run({"/usr/bin/env", "node", source_path("tests/thirdparty/ccxt_bybit.mjs"), std::to_string(sim.rest_port())});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("ccxt bybit: all 17 steps passed") != std::string::npos);
}

TEST_CASE("npm bybit-api's RestClientV5 trades against the simulator's Bybit dialect unmodified") {
  REQUIRE_MESSAGE(file_exists(source_path("tests/thirdparty/node_modules/bybit-api/package.json")),
                  "bybit-api is not installed: run scripts/setup (npm ci in tests/thirdparty)");
  SimProcess sim;
  REQUIRE(sim.ready());
  RunResult r = run({"/usr/bin/env", "node", source_path("tests/thirdparty/bybit_api_rest.mjs"), std::to_string(sim.rest_port())});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("bybit-api: all 16 steps passed") != std::string::npos);
}
