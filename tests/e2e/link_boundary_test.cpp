// The operator tools carry libkeel only: the simulator (and the servers it listens with) is a
// library of its own, linked by keel-exchange-sim, the tests and the benchmarks. A tool that pulled
// it in would ship a fake exchange into production.
#include <doctest/doctest.h>

#include "subprocess.h"

using namespace keel::test;

TEST_CASE("libkeel holds no simulator object: the simulator is its own library") {
  RunResult members = run({KEEL_AR, "t", KEEL_LIBKEEL_PATH});
  REQUIRE_MESSAGE(members.exit_code == 0, members.err);
  CHECK(members.out.find("sim_exchange.cpp.o") == std::string::npos);
  CHECK(members.out.find("sim_venue.cpp.o") == std::string::npos);
  CHECK(members.out.find("http_server.cpp.o") == std::string::npos);
  CHECK(members.out.find("ws_server.cpp.o") == std::string::npos);
  CHECK(members.out.find("binance_exchange.cpp.o") != std::string::npos);  // and it is the right archive
  RunResult sim = run({KEEL_AR, "t", KEEL_SIM_LIB_PATH});
  REQUIRE_MESSAGE(sim.exit_code == 0, sim.err);
  CHECK(sim.out.find("sim_exchange.cpp.o") != std::string::npos);
}

TEST_CASE("no operator tool links the simulator or the HTTP/WebSocket servers") {
  const char* tools[] = {"keel-state-inspect", "keel-scan-orphans", "keel-reconcile", "keel-cancel-ghosts",
                         "keel-close-position"};
  for (const std::string name : tools) {
    RunResult nm = run({KEEL_NM, "-C", "--defined-only", bin(name)});
    REQUIRE_MESSAGE(nm.exit_code == 0, name, ": ", nm.err);
    CHECK_MESSAGE(nm.out.find("keel::sim::") == std::string::npos, name, " carries the simulator");
    CHECK_MESSAGE(nm.out.find("keel::net::HttpServer") == std::string::npos, name, " carries the HTTP server");
    CHECK_MESSAGE(nm.out.find("keel::net::WsServer") == std::string::npos, name, " carries the WebSocket server");
  }
  // The check can fail: the simulator binary itself does carry them.
  RunResult sim = run({KEEL_NM, "-C", "--defined-only", bin("keel-exchange-sim")});
  REQUIRE(sim.exit_code == 0);
  CHECK(sim.out.find("keel::sim::") != std::string::npos);
}
