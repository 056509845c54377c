// Alert deliveries for real: a webhook POST to a server on loopback, and an exec sink's command
// reading the alert from its stdin.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "keel/net/event_loop.h"
#include "keel/net/http_server.h"
#include "keel/ops/alert_sinks.h"
#include "temp_dir.h"

using namespace keel;

namespace {

Alert Orphan(const std::string& subject) {
  Alert a;
  a.kind = AlertKind::kOrphan;
  a.key = "orphan " + subject;
  a.symbol = "ETHUSDT";
  a.message = "ETHUSDT order " + subject + ": not placed by keel (reported, never touched)";
  a.at = 1'795'165'200'000;
  return a;
}

}  // namespace

TEST_CASE("alert sinks: a Slack webhook gets one POST per alert key, an exec command reads keel's JSON on stdin") {
  net::EventLoop loop;
  std::vector<net::HttpRequest> received;
  int status = 200;
  auto server = net::HttpServer::Start(loop, {}, [&](const net::HttpRequest& r) {
    received.push_back(r);
    net::HttpResponse response;
    response.status = status;
    response.body = "ok";
    return response;
  });
  REQUIRE(server.ok());
  std::thread loop_thread([&] { loop.Run(); });
  test::TempDir dir;
  const std::string out = dir.file("alert.json");

  {
    AlertSinkConfig slack;
    slack.kind = AlertSinkConfig::Kind::kWebhook;
    slack.url = "http://127.0.0.1:" + std::to_string((*server)->port()) + "/services/T000/B000/XXXX";
    slack.format = AlertSinkConfig::Format::kSlack;
    slack.label = "alert[0]";
    AlertSinkConfig exec;
    exec.kind = AlertSinkConfig::Kind::kExec;
    exec.command = {"/bin/sh", "-c", "cat > " + out};
    exec.label = "alert[1]";
    ops::AlertDispatcher dispatcher("demo", {slack, exec}, std::nullopt);
    dispatcher.Raise(Orphan("web_1"));
    dispatcher.Raise(Orphan("web_1"));  // the same key within min_interval_s: held back
    dispatcher.Stop();
    CHECK(dispatcher.delivered() == 2);
    CHECK(dispatcher.failed() == 0);
    CHECK(dispatcher.held_back() == 2);  // once per sink
  }
  loop.Post([&] { loop.Stop(); });
  loop_thread.join();
  REQUIRE(received.size() == 1);
  CHECK(received[0].method == "POST");
  CHECK(received[0].target == "/services/T000/B000/XXXX");
  CHECK(received[0].body ==
        R"x({"text":"keel demo orphan ETHUSDT: ETHUSDT order web_1: not placed by keel (reported, never touched)"})x");
  std::ifstream in(out);
  std::stringstream text;
  text << in.rdbuf();
  CHECK(text.str() == ops::AlertJson(Orphan("web_1"), "demo", 0));
}

TEST_CASE("alert sinks: a failing webhook or command is an error value, never a crash") {
  CHECK(!ops::DeliverWebhook("http://127.0.0.1:1/hook", "{}", std::nullopt).ok());  // nothing listens on port 1
  auto missing = ops::DeliverExec({"/nonexistent/page"}, "{}");
  CHECK(!missing.ok());
  auto exits = ops::DeliverExec({"/bin/sh", "-c", "exit 3"}, "{}");
  CHECK(exits.message() == "exec: /bin/sh exited 3");
  // A command that never reads its stdin: the write fails quietly, the exit status decides.
  CHECK(ops::DeliverExec({"/bin/true"}, std::string(1 << 20, 'x')).ok());
}
