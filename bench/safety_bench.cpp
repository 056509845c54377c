// Figures for the adapters and the runbook tools:
//   - decode ns/message for Binance's ORDER_TRADE_UPDATE and ACCOUNT_UPDATE and Bybit's order and
//     execution pushes (the documentation's payloads);
//   - HMAC-SHA256 signing ns for a typical order payload, and Bybit's X-BAPI-SIGN;
//   - keel-scan-orphans and keel-reconcile over an account trading 200 symbols, against
//     keel-exchange-sim on loopback, on each dialect: wall time including process start, and REST
//     calls used (Bybit's instruments-info pages included).
//   keel-safety-bench [symbols]
#include <chrono>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "bench_clock.h"
#include "http_client.h"
#include "keel/binance/codec.h"
#include "keel/bybit/codec.h"
#include "keel/bybit/signing.h"
#include "keel/net/hmac.h"
#include "sim_process.h"
#include "subprocess.h"

using namespace keel;

namespace {

void decode() {
  const std::string trade = keel::test::read_file(keel::test::source_path("tests/fixtures/binance/order_trade_update_docs.json"));
  const std::string account = keel::test::read_file(keel::test::source_path("tests/fixtures/binance/account_update.json"));
  for (const auto& [name, json] : {std::pair<const char*, const std::string*>{"ORDER_TRADE_UPDATE", &trade},
                                   {"ACCOUNT_UPDATE", &account}}) {
    const int n = 200'000;
    std::size_t ok = 0;
    const double t0 = bench::now_seconds();
    for (int i = 0; i < n; ++i) ok += binance::ParseUserDataEvent(*json).ok();
    const double ns = (bench::now_seconds() - t0) * 1e9 / n;
    bench::keep(ok);
    std::printf("decode %-20s %8.0f ns/message  (target <= 1000)\n", name, ns);
  }
  const std::string order = keel::test::read_file(keel::test::source_path("tests/fixtures/bybit/ws_order.json"));
  const std::string execution = keel::test::read_file(keel::test::source_path("tests/fixtures/bybit/ws_execution.json"));
  for (const auto& [name, json] : {std::pair<const char*, const std::string*>{"bybit:order", &order},
                                   {"bybit:execution", &execution}}) {
    const int n = 200'000;
    std::size_t ok = 0;
    const double t0 = bench::now_seconds();
    for (int i = 0; i < n; ++i) ok += bybit::ParsePrivateMessage(*json).ok();
    const double ns = (bench::now_seconds() - t0) * 1e9 / n;
    bench::keep(ok);
    std::printf("decode %-20s %8.0f ns/message  (target <= 1000)\n", name, ns);
  }
}

void hmac() {
  const std::string payload =
      "symbol=BTCUSDT&side=BUY&positionSide=BOTH&type=LIMIT&timeInForce=GTC&quantity=0.010&price=96250.1&"
      "newClientOrderId=kdemo-emwor0dc0-BTCUSDT&newOrderRespType=RESULT&recvWindow=5000&timestamp=1795165200000";
  const int n = 500'000;
  std::size_t bytes = 0;
  const net::HmacSha256 signer("keel-demo-secret");
  double t0 = bench::now_seconds();
  for (int i = 0; i < n; ++i) bytes += signer.Hex(payload).size();
  std::printf("HMAC-SHA256 sign, %zu-byte payload, keyed once: %6.0f ns  (target <= 1000)\n", payload.size(),
              (bench::now_seconds() - t0) * 1e9 / n);
  t0 = bench::now_seconds();
  for (int i = 0; i < n; ++i) bytes += net::hmac_sha256_hex("keel-demo-secret", payload).size();
  bench::keep(bytes);
  std::printf("HMAC-SHA256 sign, %zu-byte payload, keyed each time: %6.0f ns\n", payload.size(),
              (bench::now_seconds() - t0) * 1e9 / n);
  // Bybit signs timestamp + key + recv window + the raw JSON body, and sends four headers.
  const std::string body =
      R"({"category":"linear","symbol":"BTCUSDT","side":"Buy","orderType":"Limit","qty":"0.010","price":"96250.1",)"
      R"("timeInForce":"GTC","positionIdx":0,"orderLinkId":"kdemo-emwor0dc0-BTCUSDT"})";
  t0 = bench::now_seconds();
  for (int i = 0; i < n; ++i) bytes += bybit::SignedHeaders(signer, "keel-demo-key", 1795165200000 + i, 5000, body).size();
  bench::keep(bytes);
  std::printf("Bybit X-BAPI-SIGN headers, %zu-byte body: %6.0f ns\n", body.size(), (bench::now_seconds() - t0) * 1e9 / n);
}

long rest_calls(keel::test::HttpClient& http) {
  const std::string c = http.Send("GET", "/_sim/counters").body;
  long total = 0;
  const auto requests = c.find("\"requests\"");
  const auto end = c.find("\"exchange\"");
  for (std::size_t at = requests; (at = c.find("\": ", at)) != std::string::npos && at < end; ++at) {
    const char next = c[at + 3];
    if (next >= '0' && next <= '9') total += std::stol(c.substr(at + 3));
  }
  return total;
}

void account_tools(int symbols) {
  keel::test::TempDir dir;
  std::string sim = "[limits]\nenforce = false\nmax_open_orders = 100000\n[[account]]\nname = \"bench\"\n"
                    "api_key = \"keel-demo-key\"\napi_secret = \"keel-demo-secret\"\nbalance = \"100000000\"\n";
  for (int i = 0; i < symbols; ++i) {
    sim += "[[instrument]]\nsymbol = \"S" + std::to_string(i) + "USDT\"\ntick_size = \"0.01\"\nstep_size = \"0.1\"\n"
           "min_qty = \"0.1\"\nmax_qty = \"1000000\"\nmarket_max_qty = \"100000\"\nmin_notional = \"5\"\n"
           "min_price = \"0.01\"\nmax_price = \"100000\"\ninitial_price = \"10.00\"\ndepth_per_level = \"10000\"\n"
           "base_asset = \"S" + std::to_string(i) + "\"\n";
  }
  keel::test::write_file(dir.file("sim.toml"), sim);
  keel::test::SimProcess process({"--config", dir.file("sim.toml")});
  if (!process.ready()) {
    std::fprintf(stderr, "safety bench: the simulator did not start\n");
    std::exit(1);
  }
  keel::test::HttpClient http(process.rest_port(), 30'000);
  for (int i = 0; i < symbols; ++i) {
    const std::string s = "S" + std::to_string(i) + "USDT";
    keel::test::SendSigned(http, "POST", "/fapi/v1/order", "symbol=" + s + "&side=BUY&type=MARKET&quantity=10",
                           "keel-demo-key", "keel-demo-secret");
    keel::test::SendSigned(http, "POST", "/fapi/v1/order",
                           "symbol=" + s + "&side=SELL&type=LIMIT&timeInForce=GTC&quantity=1&price=20.00",
                           "keel-demo-key", "keel-demo-secret");
  }
  for (const char* kind : {"binance-usdm", "bybit-v5"}) {
    keel::test::write_file(dir.file(std::string(kind) + ".toml"),
                           "[account]\nname = \"bench\"\n[exchange]\nkind = \"" + std::string(kind) +
                               "\"\nrest_url = \"http://127.0.0.1:" + std::to_string(process.rest_port()) +
                               "\"\nws_url = \"ws://127.0.0.1:" + std::to_string(process.ws_port()) +
                               "\"\napi_key_env = \"KEEL_API_KEY\"\napi_secret_env = \"KEEL_API_SECRET\"\n[store]\n"
                               "path = \"bench.db\"\n");
  }
  // At loopback distance and at an exchange's (50 ms each way round, with 5 ms of jitter): the
  // tools' independent reads go out together, so a run costs about one round trip, not one a call.
  for (const int latency : {0, 50}) {
    http.Send("POST", "/_sim/command", {},
              "{\"fault\":\"latency\",\"ms\":" + std::to_string(latency) + ",\"jitter_ms\":" +
                  std::to_string(latency ? 5 : 0) + "}");
    for (const char* kind : {"binance-usdm", "bybit-v5"}) {
      for (const char* tool : {"keel-scan-orphans", "keel-reconcile"}) {
        const long before = rest_calls(http);
        const double t0 = bench::now_seconds();
        // Every position judged at once (no grace for young ones), as the ccxt peer judges them.
        std::vector<std::string> args{keel::test::bin(tool), "--config", dir.file(std::string(kind) + ".toml"), "--json"};
        if (std::string(tool) == "keel-scan-orphans") args.insert(args.end(), {"--grace-ms", "0"});
        auto r = keel::test::run(args, {{"KEEL_API_KEY", "keel-demo-key"}, {"KEEL_API_SECRET", "keel-demo-secret"}});
        const double ms = (bench::now_seconds() - t0) * 1e3;
        const long calls = rest_calls(http) - before;  // control calls are not counted as requests
        // Binance's lines keep their old shape; Bybit's name the dialect after the tool.
        const std::string name = std::string(tool) + (std::string(kind) == "bybit-v5" ? " bybit-v5" : "");
        std::printf("%-27s over %d symbols, %2d ms round trip: %6.0f ms wall incl. process start, %ld REST calls, "
                    "exit %d\n",
                    name.c_str(), symbols, latency, ms, calls, r.exit_code);
        if (std::getenv("KEEL_BENCH_SHOW")) std::printf("%s\n", r.out.substr(0, 600).c_str());
      }
    }
    // The peer: the same scan written with ccxt (node), on the same simulator, in the same run.
    const std::string script = std::string(KEEL_SOURCE_DIR) + "/tests/thirdparty/ccxt_scan_orphans.mjs";
    const std::string modules = std::string(KEEL_SOURCE_DIR) + "/tests/thirdparty/node_modules/ccxt";
    if (std::system("command -v node >/dev/null 2>&1") != 0 || access(modules.c_str(), R_OK) != 0) {
      std::printf("%-18s over %d symbols, %2d ms round trip: not run (node or tests/thirdparty/node_modules missing: "
                  "scripts/test installs them)\n", "ccxt orphan scan", symbols, latency);
      continue;
    }
    const long before = rest_calls(http);
    const double t0 = bench::now_seconds();
    auto r = keel::test::run({"/usr/bin/env", "node", script, std::to_string(process.rest_port())}, {});
    const double ms = (bench::now_seconds() - t0) * 1e3;
    const long calls = rest_calls(http) - before;
    std::printf("%-18s over %d symbols, %2d ms round trip: %6.0f ms wall incl. process start, %ld REST calls, "
                "exit %d  %s",
                "ccxt orphan scan", symbols, latency, ms, calls, r.exit_code, r.out.c_str());
  }
}

}  // namespace

int main(int argc, char** argv) {
  const int symbols = argc > 1 ? std::atoi(argv[1]) : 200;
  decode();
  hmac();
  account_tools(symbols);
  return 0;
}
