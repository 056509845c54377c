// clients/python: keel's control protocol from a bot outside keel, standard library only, run
// against a real keel-traderd on the simulator: the example bot opens a protected trade, sees it
// protected, adds to it, moves its stop, closes it and sees it flat.
#include <doctest/doctest.h>

#include <string>

#include "daemon_on_sim.h"
#include "subprocess.h"

using namespace keel;

namespace {
const std::string kClients = std::string(KEEL_SOURCE_DIR) + "/clients/python";
}  // namespace

TEST_CASE("the Python client's example bot trades through keel-traderd, both venues") {
  std::string kind;
  SUBCASE("on Binance USD-M") { kind = "binance-usdm"; }
  SUBCASE("on Bybit v5") { kind = "bybit-v5"; }
  test::DaemonOnSim d({}, kind);
  auto bot = test::run({"/usr/bin/python3", kClients + "/example_bot.py", "--socket", d.dir.file("demo.sock"), "--symbol",
                        "BTCUSDT", "--qty", "0.010"});
  INFO(bot.out << bot.err);
  CHECK(bot.exit_code == 0);
  CHECK(bot.out.find("accepted: entry sent\n") == 0);
  CHECK(bot.out.find("\nprotected: protected") != std::string::npos);  // by its stop, its take-profit resting or on its way
  CHECK(bot.out.find("\nadd accepted: add sent to signal py-") != std::string::npos);
  CHECK(bot.out.find("\nadded: BTCUSDT 0.02 at an average of ") != std::string::npos);
  CHECK(bot.out.find("\nmoved: signal py-") != std::string::npos);
  CHECK(bot.out.find(": stop moved to ") != std::string::npos);
  CHECK(bot.out.find("flat: BTCUSDT holds no position in keel's store") != std::string::npos);
  auto check = d.Ctl({"--json", "status"});
  CHECK(check.out.find("\"positions\":[]") != std::string::npos);

  // A float for a price is refused before anything is sent; a refusal carries the daemon's exit code.
  auto refused = test::run({"/usr/bin/python3", "-c",
                            "import sys; sys.path.insert(0, '" + kClients + "')\n"
                            "from keel_client import KeelClient, KeelError\n"
                            "k = KeelClient('" + d.dir.file("demo.sock") + "')\n"
                            "try:\n  k.open_trade('p-1', 'BTCUSDT', 'LONG', qty=0.01, stop_pct='1')\n"
                            "except TypeError as e:\n  print('TypeError', e)\n"
                            "try:\n  k.request({'cmd': 'flaten'})\n"
                            "except KeelError as e:\n  print('KeelError', e.exit_code, e.answer['detail'])\n"});
  INFO(refused.out << refused.err);
  CHECK(refused.exit_code == 0);
  CHECK(refused.out.find("TypeError qty: pass a str, int or Decimal, not float") != std::string::npos);
  CHECK(refused.out.find("KeelError 2 cmd: expected status,") != std::string::npos);
}
