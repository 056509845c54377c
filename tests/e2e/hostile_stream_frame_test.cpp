// A hostile frame on the exchange's streams (400 KB of "[" once overflowed RapidJSON's recursion and
// killed the daemon): refused, logged, counted, and the stream stays up. A refused frame is not a
// disconnect, so it raises no "stream down" and the account is read by REST in its place.
#include <doctest/doctest.h>

#include <string>

#include "daemon_on_sim.h"

using namespace keel;

TEST_CASE("keel-traderd: a 400 KB frame of '[' on every stream is refused and counted; the stream stays live") {
  std::string kind;
  SUBCASE("binance-usdm") { kind = "binance-usdm"; }
  SUBCASE("bybit-v5") { kind = "bybit-v5"; }
  test::DaemonOnSim d({}, kind);
  // Every stream connected first: the private one (live), and each market connection.
  const bool bybit = kind == "bybit-v5";
  REQUIRE(d.StatusUntil(R"("stream_live":true)").find(R"("stream_live":true)") != std::string::npos);
  REQUIRE(d.LogUntil(bybit ? "market stream: live" : "market stream: /market/ws live"));
  REQUIRE(d.LogUntil(bybit ? "market stream: live" : "market stream: /public/ws live"));
  d.Sim(R"({"fault":"stream_garbage","depth":400000})");
  REQUIRE_MESSAGE(d.LogUntil(std::string("private stream: refused a frame: ") +
                             (bybit ? "private stream message" : "user-data event") +
                             ": JSON nested deeper than 64 levels: reading the account by REST"),
                  d.daemon->output());
  REQUIRE(d.LogUntil(bybit ? "market stream: refused a frame: public stream message: JSON nested deeper than 64 levels"
                           : "market stream: refused a frame: /market/ws: market event: JSON nested deeper than 64 levels"));
  // Binance's market data comes over two connections (/public/ws, /market/ws), Bybit's over one.
  const std::string refused = std::string(R"("stream_frames_refused":)") + (bybit ? "2" : "3");
  auto status = d.StatusUntil(refused);
  INFO(status);
  CHECK(status.find(R"("stream_live":true)") != std::string::npos);
  CHECK(status.find(R"("stream_drops":0,)" + refused) != std::string::npos);
  CHECK(d.daemon->output().find("stream down") == std::string::npos);

  // Still trading: a signal after the frame is filled and protected.
  REQUIRE(d.Ctl({"signal", "--id", "after-frame", "--symbol", "ETHUSDT", "--side", "LONG", "--qty", "0.100",
                 "--stop-pct", "1"}).exit_code == 0);
  status = d.StatusUntil(R"("phase":"protected")");
  CHECK(status.find(R"("phase":"protected")") != std::string::npos);
  CHECK(d.Stop() == 0);
}
