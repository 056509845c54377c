// An unmodified client from the npm registry (ccxt, binanceusdm with ccxt.pro) against
// keel-exchange-sim over loopback: markets, balance, orders (place, amend, query, cancel), positions,
// a stop-loss through the algo service, and user-data events over the WebSocket; and the Bybit v5
// clients (ccxt's and ccxt.pro's bybit, npm bybit-api's REST and WebSocket clients) against the
// same simulator's Bybit dialect.
// scripts/setup installs it from tests/thirdparty/package-lock.json.
#include <doctest/doctest.h>

#include "sim_process.h"
#include "subprocess.h"

using namespace keel::test;

namespace {

// Runs tests/thirdparty/SCRIPT (from PACKAGE) with a fresh simulator's REST port, and its stream
// port when the script watches streams; it must pass every step.
void RunClient(const std::string& package, const std::string& script, bool streams, const std::string& passed) {
  REQUIRE_MESSAGE(file_exists(source_path("tests/thirdparty/node_modules/" + package + "/package.json")),
                  package << " is not installed: run scripts/setup (npm ci in tests/thirdparty)");
  SimProcess sim;
  REQUIRE(sim.ready());
  std::vector<std::string> args = {"/usr/bin/env", "node", source_path("tests/thirdparty/" + script),
                                   std::to_string(sim.rest_port())};
  if (streams) args.push_back(std::to_string(sim.ws_port()));
  RunResult r = run(args);
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find(passed) != std::string::npos);
}

}  // namespace

TEST_CASE("ccxt from npm trades against the simulator unmodified") {
  RunClient("ccxt", "ccxt_binanceusdm.mjs", true, "ccxt: all 17 steps passed");
}

// Bybit v5: the same simulator process answers /v5/… in Bybit's dialect.
TEST_CASE("ccxt's bybit from npm trades against the simulator's Bybit dialect unmodified") {
  RunClient("ccxt", "ccxt_bybit.mjs", false, "ccxt bybit: all 18 steps passed");
}

TEST_CASE("npm bybit-api's RestClientV5 trades against the simulator's Bybit dialect unmodified") {
  RunClient("bybit-api", "bybit_api_rest.mjs", false, "bybit-api: all 19 steps passed");
}

TEST_CASE("npm bybit-api's WebsocketClient reads the simulator's Bybit streams unmodified") {
  RunClient("bybit-api", "bybit_api_ws.mjs", true, "bybit-api ws: all 8 steps passed");
}

TEST_CASE("ccxt.pro's bybit watches the simulator's Bybit streams unmodified") {
  RunClient("ccxt", "ccxt_bybit_ws.mjs", true, "ccxt bybit ws: all 6 steps passed");
}
