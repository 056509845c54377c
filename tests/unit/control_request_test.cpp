// The control protocol's one type: every request read, written back as it was, and refused with
// the field named.
#include <doctest/doctest.h>

#include "keel/control/control_request.h"

using namespace keel;
using namespace keel::control;

TEST_CASE("every control request reads and writes back as it was") {
  const char* lines[] = {
      R"({"cmd":"status"})",
      R"({"cmd":"positions"})",
      R"({"cmd":"orders"})",
      R"({"cmd":"pause"})",
      R"({"cmd":"resume"})",
      R"({"cmd":"watch"})",
      R"({"cmd":"flatten"})",
      R"({"cmd":"flatten","symbol":"BTCUSDT"})",
      R"({"cmd":"protect","symbol":"ETHUSDT","stop_pct":"1.5"})",
      R"({"cmd":"signal","signal":{"id":"s-1","symbol":"BTCUSDT","side":"LONG","qty":"0.01","stop_loss":{"pct":"1"}},"origin":"bot"})",
      R"({"cmd":"tool","tool":"keel-close-position","options":{"symbol":"BTCUSDT"}})",
  };
  for (const char* line : lines) {
    CAPTURE(line);
    auto r = ParseControlRequest(line);
    REQUIRE_MESSAGE(r.ok(), r.status().ToString());
    CHECK(ControlRequestJson(*r) == line);
  }
  auto positions = ParseControlRequest(R"({"cmd":"positions"})");
  CHECK(std::get<StatusRequest>(*positions).part == StatusRequest::Part::kPositions);
  auto protect = ParseControlRequest(R"({"cmd":"protect","stop_pct":2})");
  REQUIRE(protect.ok());
  CHECK(std::get<ProtectRequest>(*protect).stop_pct == std::optional<Decimal>(Decimal::FromInteger(2).value()));
  CHECK(!std::get<ProtectRequest>(*protect).symbol);
  // A tool without options is sent with an empty object.
  CHECK(ControlRequestJson(ToolRequest{"keel-scan-orphans"}) == R"({"cmd":"tool","tool":"keel-scan-orphans","options":{}})");
}

TEST_CASE("a control request is refused with the field named, before anything acts on it") {
  auto message = [](const char* line) {
    auto r = ParseControlRequest(line);
    REQUIRE(!r.ok());
    CHECK(r.status().IsInvalidInput());
    return r.status().message();
  };
  CHECK(message(R"({"symbol":"BTCUSDT"})").rfind("cmd: required", 0) == 0);
  CHECK(message(R"({"cmd":"flaten"})") ==
        "cmd: expected status, positions, orders, pause, resume, watch, flatten, protect, signal or tool, found \"flaten\"");
  CHECK(message(R"({"cmd":"flatten","symbool":"BTCUSDT"})").find("symbool") != std::string::npos);
  CHECK(message(R"({"cmd":"status","extra":1})").find("extra") != std::string::npos);
  CHECK(message(R"({"cmd":"signal"})") == "signal: required, the signal object");
  CHECK(message(R"({"cmd":"tool","options":{}})") == "tool: required, the tool's name");
  CHECK(message(R"({"cmd":"protect","stop_pct":"100"})") ==
        "stop_pct: expected a percentage above 0 and below 100, found 100");
  CHECK(message(R"({"cmd":"protect","stop_pct":"-1"})").rfind("stop_pct:", 0) == 0);
  CHECK(message("[1]").size() > 0);
}
