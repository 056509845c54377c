// A unified account trades spot as well: Bybit's all-in-one private topics then carry spot rows of a
// symbol named as keel's perpetual. keel subscribes to the linear topics, and a spot fill never
// touches the perpetual's position (issue [3/6] item 1).
#include <doctest/doctest.h>

#include <string>

#include "daemon_on_sim.h"

using namespace keel;

TEST_CASE("keel-traderd on bybit: a spot ETHUSDT sell of a unified account leaves the ETHUSDT perpetual as it is") {
  test::DaemonOnSim d({}, "bybit-v5");
  REQUIRE(d.StatusUntil(R"("stream_live":true)").find(R"("stream_live":true)") != std::string::npos);
  REQUIRE(d.Ctl({"signal", "--id", "perp-long", "--symbol", "ETHUSDT", "--side", "LONG", "--qty", "0.100",
                 "--stop-pct", "1"}).exit_code == 0);
  REQUIRE(d.StatusUntil(R"("phase":"protected")").find(R"("phase":"protected")") != std::string::npos);

  d.Sim(R"({"act":"spot_trade","symbol":"ETHUSDT","side":"SELL","qty":"0.1"})");
  // A frame after it on the same connection: once keel has refused it, the spot rows were read.
  d.Sim(R"({"fault":"stream_garbage","frame":"after the spot trade"})");
  REQUIRE(d.LogUntil("private stream: refused a frame"));
  const std::string status = d.StatusUntil(R"("phase":"protected")");
  INFO(status);
  CHECK(status.find(R"("phase":"protected")") != std::string::npos);
  const std::string out = d.daemon->output();
  CHECK(out.find("spot-1") == std::string::npos);  // the spot order was never taken for an order of the account
  CHECK(out.find("orphan") == std::string::npos);
  CHECK(out.find("closed") == std::string::npos);
  CHECK(d.Stop() == 0);
}
