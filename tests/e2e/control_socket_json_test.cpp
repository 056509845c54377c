// Hostile JSON on a running keel-traderd's control socket: refused with an error line, and the
// daemon goes on answering. One 400 KB line of "[" used to overflow RapidJSON's recursion and kill
// it; a key sent twice used to be read as its first value.
#include <doctest/doctest.h>

#include <string>

#include "daemon_on_sim.h"
#include "keel/net/line_server.h"

using namespace keel;

TEST_CASE("keel-traderd: a 400 KB line of '[' and a key sent twice are refused; the daemon still answers") {
  test::DaemonOnSim d;
  const std::string socket = d.dir.file("demo.sock");

  auto deep = net::RequestLine(socket, std::string(400'000, '['), 10'000);
  REQUIRE_MESSAGE(deep.ok(), deep.status().ToString());
  CHECK(*deep == R"({"result":"error","detail":"request: JSON nested deeper than 64 levels","exit_code":2})");

  // The bot meant SHORT, a filter in front of keel read SHORT; keel would have bought LONG.
  auto twice = net::RequestLine(
      socket,
      R"({"cmd":"signal","signal":{"id":"dup-1","symbol":"ETHUSDT","side":"LONG","side":"SHORT","qty":"0.1","stop_loss":{"pct":"1"}}})",
      5'000);
  REQUIRE_MESSAGE(twice.ok(), twice.status().ToString());
  CHECK(*twice == R"({"result":"error","detail":"request: duplicate key \"signal.side\": a key may appear once, )"
                  R"(since JSON readers differ on which one counts","exit_code":2})");

  auto status = net::RequestLine(socket, R"({"cmd":"status"})", 5'000);
  REQUIRE_MESSAGE(status.ok(), status.status().ToString());
  CHECK(status->rfind(R"({"result":"status","account":"demo","ready":true,)", 0) == 0);
  CHECK(status->find(R"("trades":[])") != std::string::npos);  // nothing was bought
  CHECK(d.Stop() == 0);
}
