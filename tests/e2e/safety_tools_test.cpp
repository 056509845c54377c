// The runbook tools as an operator runs them, against keel-exchange-sim over loopback: scenarios 1-3.
// Most run twice, once per dialect the account speaks (exchange.kind): the simulator serves both on
// the same ports over one venue, so the setup and the ground truth are the same.
#include <doctest/doctest.h>

#include <chrono>
#include <thread>

#include "http_client.h"
#include "keel/bybit/signing.h"
#include "keel/model/utf8.h"
#include "keel/net/hmac.h"
#include "sim_process.h"
#include "subprocess.h"

using namespace keel::test;

namespace {

const char* kKey = "keel-demo-key";
const char* kSecret = "keel-demo-secret";

struct Desk {
  SimProcess sim{{"--tick-ms", "10"}};
  TempDir dir;
  std::string config;
  explicit Desk(const std::string& kind = "binance-usdm") {
    REQUIRE(sim.ready());
    config = dir.file("live.toml");
    write_file(config, "[account]\nname = \"live\"\n[exchange]\nkind = \"" + kind + "\"\nrest_url = \"http://127.0.0.1:" +
                           std::to_string(sim.rest_port()) + "\"\nws_url = \"ws://127.0.0.1:" +
                           std::to_string(sim.ws_port()) +
                           "\"\napi_key_env = \"KEEL_API_KEY\"\napi_secret_env = \"KEEL_API_SECRET\"\n[store]\n"
                           "path = \"live.db\"\n");
  }
  RunResult Tool(const std::string& name, std::vector<std::string> args) {
    args.insert(args.begin(), {bin(name), "--config", config});
    return run(args, {{"KEEL_API_KEY", kKey}, {"KEEL_API_SECRET", kSecret}});
  }
  void Control(const std::string& json) {
    HttpClient http(sim.rest_port());
    REQUIRE(http.Send("POST", "/_sim/command", {}, json).body == R"({"ok":true})");
  }
  void Outside(const std::string& params) {
    HttpClient http(sim.rest_port());
    REQUIRE(SendSigned(http, "POST", "/fapi/v1/order", params, kKey, kSecret).status == 200);
  }
  // A signed Bybit v5 POST, as another client on the same account sends it; returns the answer.
  std::string BybitPost(const std::string& path, const std::string& body) {
    HttpClient http(sim.rest_port());
    const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::system_clock::now().time_since_epoch()).count();
    auto headers = keel::bybit::SignedHeaders(keel::net::HmacSha256(kSecret), kKey, now, 5000, body);
    headers.emplace_back("Content-Type", "application/json");
    return http.Send("POST", path, headers, body).body;
  }
  std::string Counters() {
    HttpClient http(sim.rest_port());
    return http.Send("GET", "/_sim/counters").body;
  }
  // The requests the exchange received, per endpoint and answer (reading counters is not one).
  std::string Requests() {
    const std::string all = Counters();
    return all.substr(0, all.find("\"exchange\""));
  }
};

void sleep_ms(int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }
bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("e2e scenario 1 (seed 001): minimal acks and a REST position 4 s behind: one close, right side, flat") {
  std::string kind;
  SUBCASE("binance-usdm") { kind = "binance-usdm"; }
  SUBCASE("bybit-v5") { kind = "bybit-v5"; }
  Desk d(kind);
  d.Control(R"({"fault":"minimal_ack","count":-1})");
  d.Control(R"({"fault":"stale_reads","ms":4000,"what":"positions"})");
  d.Outside("symbol=AVLUSDT&side=BUY&type=MARKET&quantity=86");
  sleep_ms(4500);  // until the lagging position read shows it
  RunResult adopt = d.Tool("keel-scan-orphans", {"--protect", "--stop-pct", "5", "--yes", "--grace-ms", "0"});
  INFO(adopt.out << adopt.err);
  REQUIRE(adopt.exit_code == 1);
  CHECK(has(adopt.out, "protect  AVLUSDT  BOTH  ok"));
  RunResult close = d.Tool("keel-close-position", {"AVLUSDT", "--yes", "--json"});
  INFO(close.out << close.err);
  CHECK(close.exit_code == 0);
  CHECK(has(close.out, "\"close_side\": \"SELL\""));
  CHECK(has(close.out, "\"closed_amount\": \"86\""));
  CHECK(has(close.out, "\"verified_flat\": true"));
  CHECK(has(close.out, "\"status\": \"FILLED\""));
  d.Control(R"({"clear":"faults"})");
  HttpClient http(d.sim.rest_port());
  CHECK(SendSigned(http, "GET", "/fapi/v3/positionRisk", "", kKey, kSecret).body == "[]");  // flat, not doubled
  const std::string counters = d.Counters();
  CHECK(has(counters, "\"orders_placed\": 2"));  // the outside entry and exactly one close
  CHECK(has(counters, "\"algo_orders_placed\": 1"));
  RunResult check = run({bin("keel-state-inspect"), "--config", d.config, "--check"});
  CHECK(check.exit_code == 0);
}

TEST_CASE("e2e scenario 2 (seed 004): a stale positionRisk right after a close is not reported as an orphan") {
  std::string kind;
  SUBCASE("binance-usdm") { kind = "binance-usdm"; }
  SUBCASE("bybit-v5") { kind = "bybit-v5"; }
  Desk d(kind);
  d.Outside("symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.010");
  REQUIRE(d.Tool("keel-scan-orphans", {"--protect", "--stop-pct", "3", "--yes", "--grace-ms", "0"}).exit_code == 1);
  sleep_ms(3000);  // the position lives a while
  RunResult close = d.Tool("keel-close-position", {"BTCUSDT", "--yes"});
  INFO(close.out << close.err);
  REQUIRE(close.exit_code == 0);
  // Right after the close, position reads lag 1.5 s: they show the position again.
  d.Control(R"({"fault":"stale_reads","ms":1500,"what":"positions"})");
  HttpClient http(d.sim.rest_port());
  CHECK(SendSigned(http, "GET", "/fapi/v3/positionRisk", "", kKey, kSecret).body != "[]");  // the ghost is there
  RunResult scan = d.Tool("keel-scan-orphans", {"--grace-ms", "0", "--json"});
  INFO(scan.out << scan.err);
  CHECK(scan.exit_code == 0);
  CHECK(has(scan.out, "\"findings\": []"));
  CHECK(has(scan.out, "stale"));
}

TEST_CASE("e2e scenario 3: a position opened outside keel: exit 1, --protect, then a clean scan with exit 0") {
  std::string kind;
  SUBCASE("binance-usdm") { kind = "binance-usdm"; }
  SUBCASE("bybit-v5") { kind = "bybit-v5"; }
  Desk d(kind);
  d.Outside("symbol=SOLUSDT&side=SELL&type=MARKET&quantity=20&newClientOrderId=web_abc123");
  RunResult first = d.Tool("keel-scan-orphans", {"--grace-ms", "0"});
  INFO(first.out << first.err);
  CHECK(first.exit_code == 1);
  CHECK(has(first.out, "untracked-position"));
  CHECK(has(first.out, "unprotected-position"));
  RunResult refused = d.Tool("keel-scan-orphans", {"--grace-ms", "0", "--protect", "--stop-pct", "2"});
  CHECK(refused.exit_code == 2);
  CHECK(has(refused.err, "without --yes: standard input is not a terminal"));
  RunResult bad = d.Tool("keel-scan-orphans", {"--protect"});
  CHECK(bad.exit_code == 2);
  CHECK(has(bad.err, "--protect needs --stop-pct"));
  RunResult protect = d.Tool("keel-scan-orphans", {"--grace-ms", "0", "--protect", "--stop-pct", "2", "--yes"});
  INFO(protect.out << protect.err);
  CHECK(protect.exit_code == 1);
  CHECK(has(protect.out, "STOP_MARKET closePosition"));
  RunResult second = d.Tool("keel-scan-orphans", {"--grace-ms", "0"});
  CHECK(second.exit_code == 0);
  CHECK(second.out == "no orphans: every position on the exchange is tracked and protected, every order accounted for\n");
  RunResult reconcile = d.Tool("keel-reconcile", {});
  CHECK(reconcile.exit_code == 0);
  RunResult ghosts = d.Tool("keel-cancel-ghosts", {});
  CHECK(ghosts.exit_code == 0);
}

TEST_CASE("e2e (bybit-v5): a position whose own stop-loss protects it (trading-stop) is tracked, not re-protected") {
  Desk d("bybit-v5");
  d.Outside("symbol=SOLUSDT&side=SELL&type=MARKET&quantity=20&newClientOrderId=web_abc123");
  RunResult before = d.Tool("keel-scan-orphans", {"--grace-ms", "0"});
  CHECK(before.exit_code == 1);
  CHECK(has(before.out, "unprotected-position"));
  // The operator sets the short's stop-loss on the position itself, as Bybit's app does.
  const std::string set = d.BybitPost("/v5/position/trading-stop",
                                      R"({"category":"linear","symbol":"SOLUSDT","tpslMode":"Full","positionIdx":0,"stopLoss":"200"})");
  REQUIRE_MESSAGE(has(set, R"("retCode":0)"), set);
  RunResult after = d.Tool("keel-scan-orphans", {"--grace-ms", "0"});
  INFO(after.out << after.err);
  CHECK(after.exit_code == 1);  // still a position keel does not track, and an order keel did not place
  CHECK(has(after.out, "untracked-position"));
  CHECK(!has(after.out, "unprotected-position"));
  CHECK(has(after.out, "is the position's own TP/SL, made by the exchange (left alone)"));
  // --protect has nothing to protect: no stop of keel's is added beside the position's own.
  RunResult protect = d.Tool("keel-scan-orphans", {"--grace-ms", "0", "--protect", "--stop-pct", "2", "--yes"});
  INFO(protect.out << protect.err);
  CHECK(!has(protect.out, "STOP_MARKET closePosition"));
  CHECK(has(d.Counters(), "\"algo_orders_placed\": 1"));  // the position's own stop-loss only
}

TEST_CASE("the tools fail cleanly: no exchange is exit 3, a bad config exit 2") {
  TempDir dir;
  write_file(dir.file("down.toml"), "[account]\nname = \"x\"\n[exchange]\nkind = \"binance-usdm\"\n"
                                    "rest_url = \"http://127.0.0.1:1\"\nws_url = \"ws://127.0.0.1:1\"\n"
                                    "api_key_env = \"KEEL_API_KEY\"\napi_secret_env = \"KEEL_API_SECRET\"\n[store]\npath = \"x.db\"\n");
  RunResult down = run({bin("keel-reconcile"), "--config", dir.file("down.toml")},
                       {{"KEEL_API_KEY", kKey}, {"KEEL_API_SECRET", kSecret}});
  CHECK(down.exit_code == 3);
  CHECK(has(down.err, "not sent"));
  RunResult no_secret = run({bin("keel-cancel-ghosts"), "--config", dir.file("down.toml")}, {{"KEEL_API_KEY", kKey}});
  CHECK(no_secret.exit_code == 2);
  CHECK(has(no_secret.err, "KEEL_API_SECRET is not set"));
  RunResult no_account = run({bin("keel-close-position"), "BTCUSDT"});
  CHECK(no_account.exit_code == 2);
  CHECK(has(no_account.err, "use --config FILE or --account NAME"));
}

TEST_CASE("e2e: a perpetual named in Chinese characters is scanned, protected, reconciled and closed like any other") {
  std::string kind;
  SUBCASE("binance-usdm") { kind = "binance-usdm"; }
  SUBCASE("bybit-v5") { kind = "bybit-v5"; }
  Desk d(kind);
  const std::string symbol = "币安人生USDT";
  std::string encoded;
  for (unsigned char c : symbol) {
    static const char* hex = "0123456789ABCDEF";
    if (c < 0x80) encoded += static_cast<char>(c);
    else encoded += std::string("%") + hex[c >> 4] + hex[c & 15];
  }
  d.Outside("symbol=" + encoded + "&side=BUY&type=MARKET&quantity=1000&newClientOrderId=web_cn1");
  RunResult scan = d.Tool("keel-scan-orphans", {"--grace-ms", "0"});
  INFO(scan.out << scan.err);
  CHECK(scan.exit_code == 1);
  // The table is aligned in terminal cells: both rows' DETAIL starts where the header's does.
  std::vector<std::string> lines;
  for (std::size_t start = 0, end; (end = scan.out.find('\n', start)) != std::string::npos; start = end + 1)
    lines.push_back(scan.out.substr(start, end - start));
  REQUIRE(lines.size() == 3);
  auto detail_column = [](const std::string& line, const std::string& from) {
    return keel::display_width(line.substr(0, line.find(from)));
  };
  CHECK(detail_column(lines[0], "DETAIL") == detail_column(lines[1], "long "));
  CHECK(detail_column(lines[0], "DETAIL") == detail_column(lines[2], "long "));
  RunResult json = d.Tool("keel-scan-orphans", {"--grace-ms", "0", "--json", "--symbol", symbol});
  CHECK(has(json.out, "\"symbol\": \"币安人生USDT\""));
  RunResult protect = d.Tool("keel-scan-orphans", {"--grace-ms", "0", "--protect", "--stop-pct", "5", "--yes"});
  INFO(protect.out << protect.err);
  CHECK(protect.exit_code == 1);
  CHECK(has(protect.out, "protect  币安人生USDT  BOTH  ok"));
  CHECK(d.Tool("keel-scan-orphans", {"--grace-ms", "0"}).exit_code == 0);
  RunResult reconcile = d.Tool("keel-reconcile", {});
  INFO(reconcile.out << reconcile.err);
  CHECK(reconcile.exit_code == 0);
  RunResult close = d.Tool("keel-close-position", {symbol, "--yes"});
  INFO(close.out << close.err);
  CHECK(close.exit_code == 0);
  RunResult inspect = run({bin("keel-state-inspect"), "--config", d.config, "positions", "--symbol", symbol, "--json"});
  CHECK(inspect.exit_code == 0);
  CHECK(has(inspect.out, "\"state\": \"closed\""));
  CHECK(run({bin("keel-state-inspect"), "--config", d.config, "--check"}).exit_code == 0);
}

TEST_CASE("e2e: a destructive run on an account without a store is refused (exit 2); --protect may create it") {
  Desk d;
  d.Outside("symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.010");
  // A stop with this account's prefix: with an empty store it would look unknown, and be cancelled.
  HttpClient http(d.sim.rest_port());
  REQUIRE(SendSigned(http, "POST", "/fapi/v1/algoOrder",
                     "algoType=CONDITIONAL&symbol=BTCUSDT&side=SELL&type=STOP_MARKET&triggerPrice=80000.00&"
                     "closePosition=true&workingType=MARK_PRICE&clientAlgoId=klive.s1.BTCUSDT",
                     kKey, kSecret)
              .status == 200);
  const std::string before = d.Requests();
  for (const auto& args : std::vector<std::pair<std::string, std::vector<std::string>>>{
           {"keel-cancel-ghosts", {"--cancel", "--yes"}},
           {"keel-reconcile", {"--fix", "--yes"}},
           {"keel-scan-orphans", {"--close", "--yes", "--grace-ms", "0"}}}) {
    RunResult refused = d.Tool(args.first, args.second);
    INFO(args.first << ": " << refused.out << refused.err);
    CHECK(refused.exit_code == 2);
    CHECK(has(refused.err, "has no state store"));
    CHECK(has(refused.err, "keel-scan-orphans --protect"));  // how to create it deliberately
  }
  CHECK(d.Requests() == before);  // nothing was read, sent or cancelled
  CHECK(!file_exists(d.dir.file("live.db")));
  // Read-only runs still work on an empty view, and say so.
  RunResult look = d.Tool("keel-cancel-ghosts", {});
  CHECK(look.exit_code == 1);
  CHECK(has(look.err, "no state store"));
  // --protect only adds protection: it may create the store.
  RunResult protect = d.Tool("keel-scan-orphans", {"--grace-ms", "0", "--protect", "--stop-pct", "2", "--yes"});
  INFO(protect.out << protect.err);
  CHECK(file_exists(d.dir.file("live.db")));
}

TEST_CASE("e2e: bad input is refused before any call: stop distance, symbol, position side") {
  std::string kind;
  SUBCASE("binance-usdm") { kind = "binance-usdm"; }
  SUBCASE("bybit-v5") { kind = "bybit-v5"; }
  Desk d(kind);
  d.Outside("symbol=ETHUSDT&side=BUY&type=MARKET&quantity=0.500");
  const std::string before = d.Requests();
  for (const char* pct : {"-5", "0", "100", "1000", "abc"}) {
    RunResult r = d.Tool("keel-scan-orphans", {"--protect", "--stop-pct", pct, "--yes"});
    INFO(pct << ": " << r.err);
    CHECK(r.exit_code == 2);
  }
  CHECK(d.Requests() == before);
  RunResult lower = d.Tool("keel-close-position", {"ethusdt", "--yes"});
  CHECK(lower.exit_code == 2);
  CHECK(has(lower.err, "upper-case"));
  CHECK(d.Requests() == before);
  RunResult typo = d.Tool("keel-close-position", {"NOSUCHUSDT", "--yes"});
  CHECK(typo.exit_code == 2);
  CHECK(has(typo.err, "does not list NOSUCHUSDT"));
  RunResult scan_typo = d.Tool("keel-scan-orphans", {"--symbol", "NOSUCHUSDT"});
  CHECK(scan_typo.exit_code == 2);
  CHECK(has(scan_typo.err, "does not list NOSUCHUSDT"));
  RunResult leg = d.Tool("keel-close-position", {"ETHUSDT", "--position-side", "LONG", "--yes"});
  CHECK(leg.exit_code == 2);
  CHECK(has(leg.err, "one-way mode"));
  CHECK(has(d.Counters(), "\"orders_placed\": 1"));  // only the outside entry: nothing was sent
}

TEST_CASE("e2e: a position inside the grace period is listed as not judged, never summed up as protected") {
  std::string kind;
  SUBCASE("binance-usdm") { kind = "binance-usdm"; }
  SUBCASE("bybit-v5") { kind = "bybit-v5"; }
  Desk d(kind);
  d.Outside("symbol=ETHUSDT&side=BUY&type=MARKET&quantity=0.500&newClientOrderId=web_young");
  RunResult scan = d.Tool("keel-scan-orphans", {"--grace-ms", "60000"});
  INFO(scan.out << scan.err);
  CHECK(scan.exit_code == 0);
  CHECK(!has(scan.out, "every position"));
  CHECK(has(scan.out, "1 position(s) not judged"));
  CHECK(has(scan.out, "ETHUSDT/BOTH: not judged yet, opened or changed"));
  RunResult json = d.Tool("keel-scan-orphans", {"--grace-ms", "60000", "--json"});
  CHECK(has(json.out, "not judged yet"));
}

TEST_CASE("e2e: at exchange distance (latency fault) the tools read the account in one batch, one request each") {
  std::string kind;
  SUBCASE("binance-usdm") { kind = "binance-usdm"; }
  SUBCASE("bybit-v5") { kind = "bybit-v5"; }
  Desk d(kind);
  const bool bybit = kind == "bybit-v5";
  d.Outside("symbol=ETHUSDT&side=BUY&type=MARKET&quantity=0.500&newClientOrderId=web_far");
  d.Control(R"({"fault":"latency","ms":80,"jitter_ms":20})");
  const std::string before = d.Requests();
  RunResult scan = d.Tool("keel-scan-orphans", {"--grace-ms", "0", "--json"});
  INFO(scan.out << scan.err);
  CHECK(scan.exit_code == 1);
  CHECK(has(scan.out, "untracked-position"));
  const std::string after = d.Requests();
  // One time sync and the account reads, sent together; nothing read twice. Binance: positions,
  // open orders, open algo orders. Bybit (answers counted by retCode): positions and open orders
  // for each settle coin, USDT and USDC, and the listing (a whole-position stop closes only up to
  // its maxMktOrderQty).
  const std::vector<std::string> expected =
      bybit ? std::vector<std::string>{"\"GET /v5/market/time\": {\n      \"0\": 1",
                                       "\"GET /v5/position/list\": {\n      \"0\": 2",
                                       "\"GET /v5/order/realtime\": {\n      \"0\": 2",
                                       "\"GET /v5/market/instruments-info\": {\n      \"0\": 1"}
            : std::vector<std::string>{"\"GET /fapi/v1/time\": {\n      \"200\": 1",
                                       "\"GET /fapi/v3/positionRisk\": {\n      \"200\": 1",
                                       "\"GET /fapi/v1/openOrders\": {\n      \"200\": 1",
                                       "\"GET /fapi/v1/openAlgoOrders\": {\n      \"200\": 1"};
  for (const auto& endpoint : expected) CHECK_MESSAGE(has(after, endpoint), endpoint, "\n", after);
  RunResult reconcile = d.Tool("keel-reconcile", {});
  CHECK(reconcile.exit_code == 1);
  CHECK(has(reconcile.out, "exchange-open-store-flat"));
  CHECK(has(d.Requests(), bybit ? "\"GET /v5/market/instruments-info\": {\n      \"0\": 2"
                                : "\"GET /fapi/v1/exchangeInfo\": {\n      \"200\": 1"));
}
