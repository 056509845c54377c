// Alert bodies for each sink format, and the per-sink dedup and rate rule.
#include <doctest/doctest.h>

#include "keel/ops/alert_sinks.h"

using namespace keel;
using namespace keel::ops;

namespace {

Alert Unprotected() {
  Alert a;
  a.kind = AlertKind::kUnprotectedPosition;
  a.key = "unprotected-position BTCUSDT/BOTH";
  a.symbol = "BTCUSDT";
  a.message = "BTCUSDT/BOTH 0.01 has had no covering stop for 3250 ms: placing one";
  a.at = 1'795'165'200'000;
  return a;
}

}  // namespace

TEST_CASE("alert bodies: keel's JSON, Slack's {text}, Telegram's {chat_id,text}; exec always gets keel's JSON") {
  AlertSinkConfig json;
  CHECK(AlertBody(json, Unprotected(), "demo", 0) ==
        R"({"source":"keel","account":"demo","kind":"unprotected-position","key":"unprotected-position BTCUSDT/BOTH",)"
        R"("symbol":"BTCUSDT","message":"BTCUSDT/BOTH 0.01 has had no covering stop for 3250 ms: placing one",)"
        R"("at_ms":1795165200000,"held_back":0})");
  AlertSinkConfig slack;
  slack.format = AlertSinkConfig::Format::kSlack;
  CHECK(AlertBody(slack, Unprotected(), "demo", 2) ==
        R"x({"text":"keel demo unprotected-position BTCUSDT: BTCUSDT/BOTH 0.01 has had no covering stop for 3250 ms: )x"
        R"x(placing one (2 other alert(s) held back by the rate limit)"})x");
  AlertSinkConfig telegram;
  telegram.format = AlertSinkConfig::Format::kTelegram;
  telegram.chat_id = "-100123";
  CHECK(AlertBody(telegram, Unprotected(), "demo", 0).rfind(R"({"chat_id":"-100123","text":"keel demo )", 0) == 0);
  AlertSinkConfig exec;
  exec.kind = AlertSinkConfig::Kind::kExec;
  exec.format = AlertSinkConfig::Format::kSlack;  // ignored: a command reads keel's JSON
  CHECK(AlertBody(exec, Unprotected(), "demo", 0) == AlertBody(json, Unprotected(), "demo", 0));
}

TEST_CASE("alert throttle: one key once per interval, at most 20 a minute, the rest counted") {
  AlertThrottle t(300'000);
  CHECK(t.Admit("orphan A", 0));
  CHECK(!t.Admit("orphan A", 299'999));
  CHECK(t.Admit("orphan B", 1000));
  CHECK(t.TakeHeldBack() == 1);
  CHECK(t.TakeHeldBack() == 0);
  CHECK(t.Admit("orphan A", 300'000));
  // A storm of distinct keys: 20 a minute, then held back until the minute has passed.
  AlertThrottle storm(0);
  int sent = 0;
  for (int i = 0; i < 50; ++i) sent += storm.Admit("k" + std::to_string(i), 10'000 + i);
  CHECK(sent == AlertThrottle::kMaxPerMinute);
  CHECK(storm.TakeHeldBack() == 30);
  CHECK(!storm.Admit("late", 69'999));
  CHECK(storm.Admit("later", 70'000));
}
