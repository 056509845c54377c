// Alert deliveries for real: a webhook POST to a server on loopback, and an exec sink's command
// reading the alert from its stdin.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

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

TEST_CASE("alert sinks: an exec command gets none of the daemon's environment or descriptors, and a timeout ends its group") {
  test::TempDir dir;
  // What the daemon holds: its keys in the environment, descriptors opened without CLOEXEC (as a
  // library would open them): a file, a socket.
  setenv("KEEL_API_KEY", "alert-test-key", 1);
  setenv("KEEL_API_SECRET", "alert-test-secret", 1);
  const int file_fd = ::open(dir.file("held").c_str(), O_CREAT | O_RDWR, 0600);
  const int socket_fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(file_fd >= 3);
  REQUIRE(socket_fd >= 3);
  const std::string fds = dir.file("fds"), env = dir.file("env");
  // "exec >": the shell's own stdout moves for good (a "cmd > file" would park it on a descriptor of its own).
  const Status delivered =
      ops::DeliverExec({"/bin/sh", "-c", "exec > " + fds + "; ls /proc/$$/fd; exec > " + env + "; env"}, "{}");
  ::close(file_fd);
  ::close(socket_fd);
  unsetenv("KEEL_API_KEY");
  unsetenv("KEEL_API_SECRET");
  REQUIRE_MESSAGE(delivered.ok(), delivered.message());
  CHECK(test::read_file(fds) == "0\n1\n2\n");
  // The shell adds PWD itself; nothing else is there but what keel gave.
  std::istringstream lines(test::read_file(env));
  std::set<std::string> vars;
  for (std::string line; std::getline(lines, line);)
    if (line.rfind("PWD=", 0) != 0) vars.insert(line);
  CHECK(vars == std::set<std::string>{"LANG=C", "PATH=/usr/bin:/bin"});

  // A command that hangs with a child of its own: both are killed at the timeout.
  const std::string pid_file = dir.file("grandchild.pid");
  const Status hung = ops::DeliverExec({"/bin/sh", "-c", "sleep 300 & echo $! > " + pid_file + "; wait"}, "{}", 3000);
  CHECK(hung.message() == "exec: /bin/sh did not finish within 3000 ms");
  const std::string pid_text = test::read_file(pid_file);
  REQUIRE(!pid_text.empty());
  const pid_t grandchild = std::stoi(pid_text);
  // Killed means gone, or a zombie waiting for init to reap it; it is never left sleeping.
  std::string state;
  for (int i = 0; i < 250; ++i) {
    std::ifstream stat("/proc/" + std::to_string(grandchild) + "/stat");
    std::string whole;
    std::getline(stat, whole);
    state = whole.empty() ? "gone" : whole.substr(whole.rfind(')') + 2, 1);
    if (state == "gone" || state == "Z") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CHECK((state == "gone" || state == "Z"));
  if (state != "gone" && state != "Z") ::kill(grandchild, SIGKILL);
}
