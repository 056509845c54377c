// keel-traderd and keel-ctl as real processes against keel-exchange-sim over loopback.
#include <doctest/doctest.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdlib>
#include <csignal>
#include <fstream>
#include <memory>
#include <thread>

#include "daemon_on_sim.h"
#include "keel/net/line_server.h"
#include "sim_process.h"
#include "subprocess.h"
#include "temp_dir.h"

using namespace keel;

namespace {

std::string Bin(const char* name) { return std::string(KEEL_BIN_DIR) + "/" + name; }

}  // namespace

TEST_CASE("keel-traderd: a keel-ctl signal becomes a protected position; SIGTERM stops it cleanly") {
  std::string kind;
  SUBCASE("on Binance USD-M") { kind = "binance-usdm"; }
  SUBCASE("on Bybit v5") { kind = "bybit-v5"; }
  test::DaemonOnSim d({}, kind);
  const std::string& config = d.config;
  test::TempDir& dir = d.dir;
  test::Child& daemon = *d.daemon;

  // A second daemon for the same account is refused: the store has one writer.
  auto second = test::run({Bin("keel-traderd"), "--config", config});
  CHECK(second.exit_code == 2);
  CHECK(second.err.find("keel-traderd: ") == 0);

  // keel-ctl watch follows the daemon's events live.
  test::Child watch({Bin("keel-ctl"), "--config", config, "watch"});
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // connected and watching
  auto sent = test::run({Bin("keel-ctl"), "--config", config, "signal", "--id", "e2e-1", "--symbol", "BTCUSDT",
                         "--side", "LONG", "--qty", "0.010", "--stop-pct", "1", "--tp-pct", "2"});
  INFO(sent.out << sent.err);
  CHECK(sent.exit_code == 0);
  CHECK(sent.out == "accepted: entry sent\n");
  std::string status;
  for (int i = 0; i < 100; ++i) {
    status = test::run({Bin("keel-ctl"), "--config", config, "--json", "status"}).out;
    if (status.find("\"phase\":\"protected\"") != std::string::npos &&
        status.find("take-profit") != std::string::npos)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  INFO(status);
  CHECK(status.find("\"phase\":\"protected\"") != std::string::npos);
  CHECK(status.find("\"stop_client_order_id\":\"kdemo-s") != std::string::npos);

  for (int i = 0; i < 50 && watch.output().find("signal e2e-1: stop ") == std::string::npos; ++i) watch.ReadSome(100);
  INFO(watch.output());
  CHECK(watch.output().find("signal e2e-1 taken: entry kdemo-e") != std::string::npos);
  CHECK(watch.output().find("signal e2e-1: stop kdemo-s") != std::string::npos);
  auto again = test::run({Bin("keel-ctl"), "--config", config, "signal", "--id", "e2e-1", "--symbol", "BTCUSDT",
                          "--side", "LONG", "--qty", "0.010", "--stop-pct", "1"});
  CHECK(again.exit_code == 1);
  CHECK(again.out.find("duplicate: signal e2e-1 was seen before") == 0);

  ::kill(daemon.pid(), SIGTERM);
  CHECK(test::WaitExit(daemon.pid(), 10'000) == 0);
  // The daemon gone, watch says so and exits 3: an ended watch is not a success.
  CHECK(test::WaitExit(watch.pid(), 5'000) == 3);
  auto check = test::run({Bin("keel-state-inspect"), "--config", config, "--check"});
  INFO(check.out << check.err);
  CHECK(check.exit_code == 0);
  // No daemon: keel-ctl says so and exits 3.
  auto none = test::run({Bin("keel-ctl"), "--config", config, "status"});
  CHECK(none.exit_code == 3);
  CHECK(none.err.find("keel-ctl: no daemon listens on " + dir.file("demo.sock")) == 0);
}

TEST_CASE("keel-traderd --check: the example config is read whole; missing credentials exit 2 naming them") {
  const std::string example = std::string(KEEL_SOURCE_DIR) + "/examples/traderd.toml";
  auto missing = test::run({Bin("keel-traderd"), "--config", example, "--check"}, {{"CREDENTIALS_DIRECTORY", ""}});
  CHECK(missing.exit_code == 2);
  INFO(missing.err);
  CHECK(missing.err.find("exchange.api_key_credential: api_key: $CREDENTIALS_DIRECTORY is not set") != std::string::npos);
  CHECK(missing.out.empty());
  // The same config with credentials from the environment is valid: every [daemon] key and sink.
  test::TempDir dir;
  std::ifstream in(example);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (auto [from, to] : {std::pair<std::string, std::string>{"api_key_credential = \"api_key\"", "api_key_env = \"K\""},
                          {"api_secret_credential = \"api_secret\"", "api_secret_env = \"S\""}}) {
    REQUIRE(text.find(from) != std::string::npos);
    text.replace(text.find(from), from.size(), to);
  }
  std::ofstream(dir.file("t.toml")) << text;
  auto ok = test::run({Bin("keel-traderd"), "--config", dir.file("t.toml"), "--check"}, {{"K", "key"}, {"S", "secret"}});
  CHECK(ok.exit_code == 0);
  CHECK(ok.out == "config OK: account main, store /var/lib/keel/main/main.db, control socket /run/keel/main/control.sock, "
                  "spool /var/lib/keel/main/spool, metrics 127.0.0.1:9464, 2 alert sink(s)\n"
                  "risk limits: notional 5000, 40 open orders, 30 signals/min, own limits for BTCUSDT\n");
  // The quick start's config ships conservative limits too.
  const std::string demo = std::string(KEEL_SOURCE_DIR) + "/examples/demo.toml";
  auto demo_check = test::run({Bin("keel-traderd"), "--config", demo, "--check"},
                              {{"KEEL_API_KEY", "key"}, {"KEEL_API_SECRET", "secret"}});
  INFO(demo_check.err);
  CHECK(demo_check.exit_code == 0);
  CHECK(demo_check.out.find("\nrisk limits: notional 1000, 20 open orders, 10 signals/min\n") != std::string::npos);
  // The grid example: the strategy is said back as read.
  auto grid_check = test::run({Bin("keel-traderd"), "--config", std::string(KEEL_SOURCE_DIR) + "/examples/grid.toml", "--check"},
                              {{"KEEL_API_KEY", "key"}, {"KEEL_API_SECRET", "secret"}});
  INFO(grid_check.err);
  CHECK(grid_check.exit_code == 0);
  CHECK(grid_check.out.find("\nstrategy: grid SOLUSDT, legs both (hedge mode), 4 levels 0.5 % apart, 1 a level, take-profit 0.6 %, "
                            "stop 1.5 % beyond the deepest level, reopens after a take-profit, at most 1000 USDT a leg\n") !=
        std::string::npos);
}

TEST_CASE("scenario 9: a keel tool run while keel-traderd holds the account is forwarded to it: no lock error, no race") {
  test::DaemonOnSim d;
  const std::string& config = d.config;
  REQUIRE(test::run({Bin("keel-ctl"), "--config", config, "signal", "--id", "f-1", "--symbol", "ETHUSDT", "--side",
                     "SHORT", "--qty", "0.100", "--stop-pct", "1"}).exit_code == 0);
  std::string status;
  for (int i = 0; i < 100 && status.find("\"phase\":\"protected\"") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    status = test::run({Bin("keel-ctl"), "--config", config, "--json", "status"}).out;
  }
  REQUIRE_MESSAGE(status.find("\"phase\":\"protected\"") != std::string::npos, status);

  // The control socket's narrower reads, as a bot would send them.
  auto positions = net::RequestLine(d.dir.file("demo.sock"), R"({"cmd":"positions"})", 5000);
  REQUIRE(positions.ok());
  CHECK(positions->rfind(R"({"result":"positions","positions":[{"id":1,"symbol":"ETHUSDT","position_side":"BOTH","qty":"-0.1")", 0) == 0);
  auto orders = net::RequestLine(d.dir.file("demo.sock"), R"({"cmd":"orders"})", 5000);
  REQUIRE(orders.ok());
  CHECK(orders->find(R"("purpose":"stop")") != std::string::npos);
  CHECK(orders->find(R"("exit_code":0)") != std::string::npos);
  // keel-ctl protect: the daemon runs keel-scan-orphans --protect; everything is covered already.
  auto protect = test::run({Bin("keel-ctl"), "--config", config, "protect"});
  INFO(protect.out << protect.err);
  CHECK(protect.exit_code == 0);
  CHECK(protect.out.find("no orphans among what was judged") == 0);
  CHECK(test::run({Bin("keel-ctl"), "--config", config, "protect", "--stop-pct", "150"}).exit_code == 2);
  // Read-only runs read the store and the exchange themselves, as always.
  auto scan = test::run({Bin("keel-scan-orphans"), "--config", config});
  INFO(scan.out << scan.err);
  CHECK(scan.exit_code == 0);
  CHECK(scan.out.find("run by keel-traderd") == std::string::npos);
  // An action without --yes and without a terminal is refused before anything is sent.
  auto unconfirmed = test::run({Bin("keel-close-position"), "ETHUSDT", "--config", config});
  CHECK(unconfirmed.exit_code == 2);
  CHECK(unconfirmed.err.find("without --yes") != std::string::npos);
  // A typo in the symbol is refused by the daemon as the tool would refuse it: exit 2, on stderr.
  auto typo = test::run({Bin("keel-close-position"), "ETHUSDX", "--config", config, "--yes"});
  CHECK(typo.exit_code == 2);
  CHECK(typo.err == "keel-close-position: the exchange does not list ETHUSDX: nothing was sent (check the symbol)\n");
  // Confirmed: the daemon runs it with the same library code, and answers with its output.
  auto closed = test::run({Bin("keel-close-position"), "ETHUSDT", "--config", config, "--yes"});
  INFO(closed.out << closed.err);
  CHECK(closed.exit_code == 0);
  CHECK(closed.out.find("(run by keel-traderd, which holds account demo)\n") == 0);
  CHECK(closed.out.find("verified flat") != std::string::npos);
  CHECK(closed.err.find("lock") == std::string::npos);
  // The daemon saw the close on its stream: the trade is over, nothing of it is left resting.
  for (int i = 0; i < 100 && status.find("\"positions\":[]") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    status = test::run({Bin("keel-ctl"), "--config", config, "--json", "status"}).out;
  }
  CHECK(status.find("\"positions\":[]") != std::string::npos);
  CHECK(status.find("\"trades\":[]") != std::string::npos);
  auto fix = test::run({Bin("keel-reconcile"), "--config", config, "--fix", "--yes"});
  INFO(fix.out << fix.err);
  CHECK(fix.exit_code == 0);
  CHECK(fix.out.find("(run by keel-traderd") == 0);

  ::kill(d.daemon->pid(), SIGTERM);
  CHECK(test::WaitExit(d.daemon->pid(), 10'000) == 0);
  auto check = test::run({Bin("keel-state-inspect"), "--config", config, "--check"});
  INFO(check.out << check.err);
  CHECK(check.exit_code == 0);
  // With no daemon the same tool runs by itself again.
  auto alone = test::run({Bin("keel-reconcile"), "--config", config, "--fix", "--yes"});
  CHECK(alone.exit_code == 0);
  CHECK(alone.out.find("run by keel-traderd") == std::string::npos);
}

TEST_CASE("keel-close-position --qty with a daemon running: the daemon closes part, verified; the trade stays protected") {
  test::DaemonOnSim d;
  auto sent = d.Ctl({"signal", "--id", "part-1", "--symbol", "BTCUSDT", "--side", "LONG", "--qty", "0.010", "--stop-pct", "1"});
  REQUIRE_MESSAGE(sent.exit_code == 0, sent.out << sent.err);
  INFO(d.StatusUntil("\"phase\":\"protected\""));
  auto part = test::run({Bin("keel-close-position"), "BTCUSDT", "--qty", "0.004", "--yes", "--config", d.config});
  INFO(part.out << part.err);
  CHECK(part.exit_code == 0);
  CHECK(part.out.find("run by keel-traderd") != std::string::npos);
  CHECK(part.out.find("verified: BTCUSDT/BOTH 0.006") != std::string::npos);
  const std::string status = d.StatusUntil("\"qty\":\"0.006\"");
  CHECK(status.find("\"phase\":\"protected\"") != std::string::npos);
  CHECK(status.find("\"qty\":\"0.006\"") != std::string::npos);
  // All of it is not a partial close: refused, nothing sent.
  auto whole = test::run({Bin("keel-close-position"), "BTCUSDT", "--qty", "0.006", "--yes", "--config", d.config});
  CHECK(whole.exit_code == 2);
  CHECK(whole.err.find("is the whole BTCUSDT position (0.006): close it instead") != std::string::npos);
}
