// Flip signals (issue [4/6], operation 6): the position on the symbol (one-way) or on the other leg
// (hedge mode) closed, proven flat, and only then the other side opened as "<id>.open". A close
// that is not proven opens nothing; an open that would be refused closes nothing. Both dialects.
#include "daemon_harness.h"

using namespace keel;
using namespace keel::scenario;

namespace {

bool Contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

void ProtectedLong(DaemonScenario& s, bool hedge = false) {
  if (hedge) REQUIRE(s.venue->exchange().SetDualSidePosition(0, true).ok());
  s.Start();
  s.Run(Engine::kScanAgainAfterStartMs + 1000);
  REQUIRE(s.Signal(R"({"id":"s-1","symbol":"BTCUSDT","side":"LONG","qty":"0.010","stop_loss":{"pct":"2"},"take_profit":{"pct":"2"}})")
              .exit_code == 0);
  s.Run(2000);
  REQUIRE(s.SignalOf("s-1")->state == SignalState::kOpen);
}

struct FlipRun {
  EngineReply reply{-1, ""};
  Decimal lowest, highest;  // the venue's position on the symbol's BOTH leg, every 10 ms
};

FlipRun SendFlip(DaemonScenario& s, const std::string& json, TimeMs ms) {
  auto run = std::make_shared<FlipRun>();
  run->lowest = run->highest = s.ExchangeAmount("BTCUSDT");
  s.engine->SubmitSignal(json, "test", [run](EngineReply r) { run->reply = std::move(r); });
  for (TimeMs t = 0; t < ms; t += 10) {
    s.Run(10);
    const Decimal amount = s.ExchangeAmount("BTCUSDT");
    if (amount < run->lowest) run->lowest = amount;
    if (amount > run->highest) run->highest = amount;
  }
  return *run;
}

}  // namespace

TEST_CASE("flip: a one-way LONG closed and proven flat, then the SHORT opened as <id>.open, protected; never both at once") {
  DaemonScenario s;
  ProtectedLong(s);
  const auto run = SendFlip(s, R"({"id":"f-1","symbol":"BTCUSDT","action":"flip","side":"SHORT","qty":"0.010","stop_loss":{"pct":"2"}})", 4000);
  INFO(run.reply.json);
  INFO(s.EngineLog());
  CHECK(run.reply.exit_code == 0);
  CHECK(Contains(run.reply.json, R"("id":"f-1.open")"));
  // Down from +0.010 to -0.010, never past either: the close and the open never added up.
  CHECK(run.highest == D("0.010"));
  CHECK(run.lowest == D("-0.010"));
  CHECK(s.ExchangeAmount("BTCUSDT") == D("-0.010"));
  CHECK(s.SignalOf("s-1")->state == SignalState::kClosed);
  auto flip = s.SignalOf("f-1");
  REQUIRE(flip);
  CHECK(flip->action == "flip");
  CHECK(flip->state == SignalState::kDone);
  CHECK(Contains(flip->detail, "closed BTCUSDT (verified flat); opening SHORT as signal f-1.open"));
  auto open = s.SignalOf("f-1.open");
  REQUIRE(open);
  CHECK(open->state == SignalState::kOpen);
  REQUIRE(open->stop_client_order_id);
  auto positions = s.OpenPositions();
  REQUIRE(positions.size() == 1);
  CHECK(positions[0].stop_client_order_id == open->stop_client_order_id);
  CHECK(s.InvariantFindings() == "");
}

TEST_CASE("flip: in hedge mode the LONG leg is closed and the SHORT leg opened; a SHORT already there refuses it") {
  DaemonScenario s;
  ProtectedLong(s, true);
  const auto run = SendFlip(s, R"({"id":"f-1","symbol":"BTCUSDT","action":"flip","side":"SHORT","qty":"0.020","stop_loss":{"pct":"2"}})", 4000);
  INFO(run.reply.json);
  INFO(s.EngineLog());
  CHECK(run.reply.exit_code == 0);
  CHECK(s.ExchangeAmount("BTCUSDT", PositionSide::kLong).is_zero());
  CHECK(s.ExchangeAmount("BTCUSDT", PositionSide::kShort) == D("-0.020"));
  CHECK(s.SignalOf("f-1.open")->state == SignalState::kOpen);
  // A second flip to SHORT: the SHORT leg has its trade; refused before anything is closed.
  const auto calls = s.RestCalls();
  auto again = s.Signal(R"({"id":"f-2","symbol":"BTCUSDT","action":"flip","side":"SHORT","qty":"0.010","stop_loss":{"pct":"2"}})");
  CHECK(again.exit_code == 2);
  CHECK(Contains(again.json, "already has an active trade"));
  CHECK(s.RestCallsSince(calls).find("order") == std::string::npos);
  CHECK(s.InvariantFindings() == "");
}

TEST_CASE("flip: refused before anything is closed: the same side, an open that would be refused, a reused open id") {
  DaemonScenario s;
  ProtectedLong(s);
  const auto calls = s.RestCalls();
  auto same = s.Signal(R"({"id":"f-1","symbol":"BTCUSDT","action":"flip","side":"LONG","qty":"0.010","stop_loss":{"pct":"2"}})");
  CHECK(same.exit_code == 2);
  CHECK(Contains(same.json, "is LONG already"));
  // A SHORT's stop under the market would fire at once: the open is refused, so nothing closes.
  auto bad_stop = s.Signal(R"({"id":"f-2","symbol":"BTCUSDT","action":"flip","side":"SHORT","qty":"0.010","stop_loss":{"price":"1000"}})");
  CHECK(bad_stop.exit_code == 2);
  CHECK(Contains(bad_stop.json, "stop_loss: 1000 is at or below the mark"));
  REQUIRE(s.Signal(R"({"id":"x.open","symbol":"ETHUSDT","action":"close"})").exit_code >= 0);
  auto reused = s.Signal(R"({"id":"x","symbol":"BTCUSDT","action":"flip","side":"SHORT","qty":"0.010","stop_loss":{"pct":"2"}})");
  CHECK(reused.exit_code == 2);
  CHECK(Contains(reused.json, "the flip's open would be signal x.open, which was seen before"));
  s.Run(2000);
  CHECK(s.ExchangeAmount("BTCUSDT") == D("0.010"));
  CHECK(s.RestCallsSince(calls).find("POST /fapi/v1/order ") == std::string::npos);
  CHECK(s.SignalOf("s-1")->state == SignalState::kOpen);
}

TEST_CASE("flip: a close that reads cannot prove opens nothing; the answer says not verified") {
  DaemonScenario s;
  ProtectedLong(s);
  // Position reads 20 s behind: the close's fill is not proven by any read for now.
  REQUIRE(s.Control(R"({"fault":"stale_reads","ms":20000,"what":"positions"})").ok());
  const auto run = SendFlip(s, R"({"id":"f-1","symbol":"BTCUSDT","action":"flip","side":"SHORT","qty":"0.010","stop_loss":{"pct":"2"}})", 6000);
  INFO(run.reply.json);
  INFO(s.EngineLog());
  CHECK(run.reply.exit_code == 4);
  CHECK(Contains(run.reply.json, "nothing opened"));
  CHECK(run.lowest == D("0"));  // never short
  CHECK(s.SignalOf("f-1")->state == SignalState::kUnresolved);
  CHECK(!s.SignalOf("f-1.open"));
  s.Run(60'000);
  CHECK(s.ExchangeAmount("BTCUSDT").is_zero());
  CHECK(!s.SignalOf("f-1.open"));
}

TEST_CASE("flip: SIGKILL at every point: never both sides, the store consistent, the flip ended saying what it did") {
  for (int kill = 1;; ++kill) {
    CAPTURE(kill);
    DaemonScenario s;
    ProtectedLong(s);
    s.loop().KillAfter(kill);
    s.engine->SubmitSignal(R"({"id":"f-1","symbol":"BTCUSDT","action":"flip","side":"SHORT","qty":"0.010","stop_loss":{"pct":"2"}})",
                           "test", [](EngineReply) {});
    s.Run(3000);
    const bool killed = s.loop().killed();
    s.Restart();
    s.Run(s.settings.daemon.protect_grace_ms + 20'000);
    INFO(s.EngineLog());
    const Decimal amount = s.ExchangeAmount("BTCUSDT");
    CHECK((amount == D("0.010") || amount.is_zero() || amount == D("-0.010")));
    if (auto flip = s.SignalOf("f-1")) {
      CHECK((flip->state == SignalState::kDone || flip->state == SignalState::kFailed));
      CHECK((flip->state == SignalState::kDone) == s.SignalOf("f-1.open").has_value());
    }
    if (amount == D("-0.010")) CHECK(s.SignalOf("f-1.open"));
    CHECK(s.InvariantFindings() == "");
    if (!killed) break;
    REQUIRE(kill < 80);
  }
}
