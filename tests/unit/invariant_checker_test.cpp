// The chaos soak's judge: each kind of violation, built from a ground truth as the simulator
// exports it, is found; an episode that kept every invariant has none.
#include <doctest/doctest.h>

#include "keel/chaos/invariant_checker.h"
#include "keel/chaos/operator_tools.h"
#include "keel/sim/ground_truth_json.h"
#include "keel/sim/sim_venue.h"

using namespace keel;
using namespace keel::chaos;

namespace {

Decimal D(const char* t) { return Decimal::Parse(t).value(); }

// A long of 0.010 BTCUSDT opened at t=1000 by order 1, its closePosition stop placed at `stop_at`
// (none when 0), flat again at t=9000 by the stop's trigger.
// refusals: the REST API's 429/418 answers, as JSON.
std::string Truth(TimeMs stop_at, const std::string& extra_requests = "", const std::string& positions = "[]",
                  const std::string& refusals = "[]") {
  std::string stop;
  if (stop_at)
    stop = R"({"algoId":7,"clientAlgoId":"kdemo.s1","symbol":"BTCUSDT","side":"SELL","positionSide":"BOTH","type":"STOP_MARKET",)"
           R"("status":"FINISHED","quantity":"0","triggerPrice":"95000","reduceOnly":false,"closePosition":true,)"
           R"("createTime":)" + std::to_string(stop_at) + R"(,"updateTime":9000})";
  return R"({"account":"demo","now":20000,"requests":[)"
         R"({"time":1000,"action":"place","book":"orders","symbol":"BTCUSDT","orderId":1,"clientId":"kdemo.e1","refused":"","status":"FILLED"})" +
         extra_requests + R"(],"orders":[{"orderId":1,"clientOrderId":"kdemo.e1","symbol":"BTCUSDT","side":"BUY","positionSide":"BOTH",)"
         R"("type":"MARKET","status":"FILLED","origQty":"0.010","executedQty":"0.010","price":"0","reduceOnly":false,)"
         R"("closePosition":false,"time":1000,"updateTime":1000}],"algoOrders":[)" + stop +
         R"(],"trades":[{"orderId":1,"symbol":"BTCUSDT","side":"BUY","positionSide":"BOTH","price":"96000","qty":"0.010","time":1000},)"
         R"({"orderId":2,"symbol":"BTCUSDT","side":"SELL","positionSide":"BOTH","price":"95000","qty":"0.010","time":9000}],)"
         R"("positions":)" + positions + R"(,"refusals":)" + refusals + "}";
}

std::vector<Violation> Check(const std::string& json, const StoreView& store = {}, CheckInput input = {},
                             CheckFigures* figures = nullptr) {
  auto truth = ParseGroundTruth(json);
  REQUIRE_MESSAGE(truth.ok(), truth.status().ToString());
  if (input.signals.empty()) input.signals.push_back({"s-1", "BTCUSDT", D("0.010")});
  return CheckEpisode(*truth, store, input, figures);
}

std::string Kinds(const std::vector<Violation>& v) {
  std::string s;
  for (const auto& x : v) s += x.kind + " " + x.subject + ";";
  return s;
}

}  // namespace

TEST_CASE("invariant checker: a protected trade that closed keeps every invariant") {
  CheckFigures f;
  CHECK(Kinds(Check(Truth(1005), {}, {}, &f)) == "");
  REQUIRE(f.unprotected_ms.size() == 1);
  CHECK(f.unprotected_ms[0] == 5);  // from the fill to the stop
}

TEST_CASE("invariant checker: a position without its stop past the grace period, counting only time the daemon ran") {
  CHECK(Kinds(Check(Truth(0))) == "unprotected BTCUSDT/BOTH;");
  CheckInput strict;
  strict.tolerance_ms = 500;
  CHECK(Kinds(Check(Truth(5000), {}, strict)) == "unprotected BTCUSDT/BOTH;");  // 4000 ms > 3000 + 500
  CheckInput down;
  down.tolerance_ms = 500;
  down.daemon_down = {{1500, 3000}};  // 1500 ms of the 4000 the daemon was not there
  CHECK(Kinds(Check(Truth(5000), {}, down)) == "");
  CheckInput banned;
  banned.tolerance_ms = 500;
  banned.daemon_down = {{1500, 2500}};
  // The exchange told keel to wait from 2000 to 3000 (overlapping the downtime: counted once).
  const std::string refused = R"([{"time":2000,"status":429,"retryAfterMs":1000}])";
  CHECK(Kinds(Check(Truth(5000, "", "[]", refused), {}, banned)) == "");
  // A refusal excuses only as long as the exchange said to wait.
  CheckInput running;
  running.tolerance_ms = 500;
  CHECK(Kinds(Check(Truth(5000, "", "[]", refused), {}, running)) == "");  // 3000 ms counted
  const std::string refused_briefly = R"([{"time":2000,"status":429,"retryAfterMs":0}])";
  CHECK(Kinds(Check(Truth(5000, "", "[]", refused_briefly), {}, running)) == "unprotected BTCUSDT/BOTH;");
}

TEST_CASE("invariant checker: a position opened outside keel and never pushed counts from when a read could show it") {
  // Order 1 is someone else's (keel's store does not know it); its stop comes at 9000.
  CheckInput unseen;
  unseen.outside.push_back({"", "BTCUSDT", D("0.010")});
  unseen.pushes_known = true;
  unseen.stale_position_reads = {{500, 6000, 10'000}};  // reads show it from 6000 on
  unseen.unseen_allowance_ms = 2000;                    // one orphan scan
  CheckFigures f;
  CHECK(Kinds(Check(Truth(9000), {}, unseen, &f)) == "");
  REQUIRE(f.unprotected_ms.size() == 1);
  CHECK(f.unprotected_ms[0] == 3000);  // 6000 to 9000, within 3000 + 1000 + 2000
  // Reads that begin to lag after it opened hide it too, for as long as they answer from before
  // it (chaos seed 855228): readable 1000-2000 and 7000-9000 only.
  CheckInput hidden_later = unseen;
  hidden_later.stale_position_reads = {{2000, 7000, 10'000}};
  CheckFigures later;
  CHECK(Kinds(Check(Truth(9000), {}, hidden_later, &later)) == "");
  REQUIRE(later.unprotected_ms.size() == 1);
  CHECK(later.unprotected_ms[0] == 3000);
  // A lag too short to reach back to the opening hides nothing after it has passed: reads 500 ms
  // behind from 2000 show it again from 2000 on (1000-9000 counted).
  CheckInput short_lag = unseen;
  short_lag.stale_position_reads = {{2000, 7000, 500}};
  CHECK(Kinds(Check(Truth(9000), {}, short_lag)) == "unprotected BTCUSDT/BOTH;");
  // Pushed to keel: it knew at once, and the grace counts from the opening.
  CheckInput told = unseen;
  told.pushes["BTCUSDT/BOTH"] = {1000};
  CHECK(Kinds(Check(Truth(9000), {}, told)) == "unprotected BTCUSDT/BOTH;");
  // keel's own order: never excused.
  StoreView own;
  OrderRecord entry;
  entry.client_order_id = "kdemo.e1";
  entry.state = OrderState::kFilled;
  own.orders.push_back(entry);
  CHECK(Kinds(Check(Truth(9000), own, unseen)) == "unprotected BTCUSDT/BOTH;");
  // Without a record of what reached the daemon (real processes), nothing is excused.
  CheckInput unknown = unseen;
  unknown.pushes_known = false;
  CHECK(Kinds(Check(Truth(9000), {}, unknown)) == "unprotected BTCUSDT/BOTH;");
}

TEST_CASE("invariant checker: a position larger than any signal asked for") {
  CheckInput small;
  small.signals = {{"s-1", "BTCUSDT", D("0.005")}};
  CHECK(Kinds(Check(Truth(1005), {}, small)) == "oversized-position BTCUSDT/BOTH;");
  CheckInput other;
  other.signals = {{"s-1", "ETHUSDT", D("1")}};
  CHECK(Kinds(Check(Truth(1005), {}, other)) == "oversized-position BTCUSDT/BOTH;");
}

TEST_CASE("invariant checker: amends of an order that ended, beyond the one that finds it ended") {
  const std::string one =
      R"(,{"time":2000,"action":"amend","book":"orders","symbol":"BTCUSDT","orderId":0,"clientId":"kdemo.e1","refused":"order_not_found","status":""})";
  const std::string query =
      R"(,{"time":2100,"action":"query","book":"orders","symbol":"BTCUSDT","orderId":0,"clientId":"kdemo.e1","refused":"","status":"FILLED"})";
  const std::string second =
      R"(,{"time":2600,"action":"cancel","book":"orders","symbol":"BTCUSDT","orderId":1,"clientId":"","refused":"unknown_order","status":""})";
  CHECK(Kinds(Check(Truth(1005, one + query))) == "");
  CHECK(Kinds(Check(Truth(1005, one + query + second))) == "touched-terminal kdemo.e1;");
}

TEST_CASE("invariant checker: two accepted placements for one client order id") {
  const std::string again =
      R"(,{"time":3000,"action":"place","book":"orders","symbol":"BTCUSDT","orderId":5,"clientId":"kdemo.e1","refused":"","status":"NEW"})";
  const std::string refused =
      R"(,{"time":3000,"action":"place","book":"orders","symbol":"BTCUSDT","orderId":0,"clientId":"kdemo.e1","refused":"duplicate_client_id","status":""})";
  CHECK(Kinds(Check(Truth(1005, refused))) == "");
  CHECK(Kinds(Check(Truth(1005, again))) == "duplicate-order orders/kdemo.e1;");
}

TEST_CASE("invariant checker: store and exchange disagree once quiet, and the store's own findings") {
  StoreView store;
  PositionRecord p;
  p.symbol = "BTCUSDT";
  p.qty = D("0.010");
  store.open_positions.push_back(p);  // the exchange is flat
  OrderRecord o;
  o.client_order_id = "kdemo.e9";
  o.symbol = "BTCUSDT";
  o.state = OrderState::kPendingNew;  // never settled
  store.orders.push_back(o);
  store.findings.push_back({"journal-gap", "journal", "rows 4-5 are missing"});
  CHECK(Kinds(Check(Truth(1005), store)) ==
        "store-mismatch BTCUSDT/BOTH;store-mismatch kdemo.e9;store-invariant journal;");
  // The exchange holds what the store does not.
  CHECK(Kinds(Check(Truth(1005, "", R"([{"symbol":"BTCUSDT","positionSide":"BOTH","amount":"-0.5"}])"))) ==
        "store-mismatch BTCUSDT/BOTH;");
}

TEST_CASE("invariant checker: ground truth that is not what the simulator exports is refused, naming the field") {
  CHECK(ParseGroundTruth("[]").status().message() == "ground truth: not one JSON object");
  auto bad = ParseGroundTruth(R"({"account":"demo","now":1,"requests":[{"time":"x"}],"orders":[],"algoOrders":[],"trades":[],"positions":[],"refusals":[]})");
  CHECK(bad.status().message() == "ground truth: requests[].time: expected an integer");
}

TEST_CASE("simulator ground truth: every order request is in the ledger, with the exchange's answer") {
  ManualClock clock{1'795'165'200'000};
  auto venue = sim::SimVenue::Create(sim::DefaultSimConfig(), clock).value();
  auto& ex = venue->exchange();
  sim::NewOrderRequest r;
  r.symbol = "BTCUSDT";
  r.side = Side::kBuy;
  r.type = OrderType::kLimit;
  r.time_in_force = TimeInForce::kGtc;
  r.quantity = D("0.010");
  r.price = D("95000.00");
  r.client_order_id = "kdemo.e1";
  auto placed = ex.PlaceOrder(0, r);
  REQUIRE(placed.ok());
  REQUIRE(ex.CancelOrder(0, "BTCUSDT", {placed->order_id, std::nullopt}).ok());
  CHECK(sim::RefusalOf(ex.CancelOrder(0, "BTCUSDT", {std::nullopt, std::string("kdemo.e1")}).status()) ==
        sim::SimRefusal::kUnknownOrder);
  net::HttpRequest get;
  get.method = "GET";
  get.target = "/_sim/ground-truth?account=demo";
  auto response = venue->HandleHttp(get);
  REQUIRE(response.status == 200);
  auto truth = ParseGroundTruth(response.body);
  REQUIRE_MESSAGE(truth.ok(), truth.status().ToString());
  REQUIRE(truth->requests.size() == 3);
  CHECK(truth->requests[0].action == "place");
  CHECK(truth->requests[0].order_id == placed->order_id);
  CHECK(truth->requests[1].status == "CANCELED");
  CHECK(truth->requests[2].refused == "unknown_order");
  CHECK(truth->requests[2].client_id == "kdemo.e1");
  REQUIRE(truth->orders.size() == 1);
  CHECK(!truth->orders[0].open());
  CHECK(truth->refusals.empty());
  get.target = "/_sim/ground-truth?account=nobody";
  CHECK(venue->HandleHttp(get).status == 404);
}

TEST_CASE("simulator ground truth: every request refused for the rate, with the Retry-After it was told") {
  ManualClock clock{1'795'165'200'000};
  auto venue = sim::SimVenue::Create(sim::DefaultSimConfig(), clock).value();
  REQUIRE(venue->Apply(sim::ParseSimCommandJson(R"({"fault":"rate_limit","count":1})").value()).ok());
  net::HttpRequest ping;
  ping.method = "GET";
  ping.target = "/fapi/v1/time";
  auto refused = venue->HandleHttp(ping);
  CHECK(refused.status == 429);
  CHECK(refused.header("Retry-After") == "60");
  CHECK(venue->HandleHttp(ping).status == 200);
  net::HttpRequest get;
  get.method = "GET";
  get.target = "/_sim/ground-truth?account=demo";
  auto truth = ParseGroundTruth(venue->HandleHttp(get).body);
  REQUIRE_MESSAGE(truth.ok(), truth.status().ToString());
  REQUIRE(truth->refusals.size() == 1);
  CHECK(truth->refusals[0].time == 1'795'165'200'000);
  CHECK(truth->refusals[0].status == 429);
  CHECK(truth->refusals[0].retry_after_ms == 60'000);
}

// Issue [1/6]: what keel said, against the exchange at that moment.
TEST_CASE("invariant checker: 'flat' or 'protected' said while the exchange held the position is a false claim") {
  auto claim = [](Claim::Kind kind, TimeMs at, const std::string& stop = "") {
    return Claim{kind, at, "BTCUSDT", "BOTH", stop, "signal s-1"};
  };
  CheckInput input;
  input.tolerance_ms = 500;
  // Flat at 5000: the long (1000-9000) was open, and had been for the whole tolerance.
  input.claims = {claim(Claim::Kind::kFlat, 5000)};
  CHECK(Kinds(Check(Truth(1005), {}, input)) == "false-claim BTCUSDT/BOTH;");
  // Flat after the close, or within the tolerance of it (the close's push in flight): true.
  input.claims = {claim(Claim::Kind::kFlat, 9000), claim(Claim::Kind::kFlat, 9400), claim(Claim::Kind::kFlat, 12000)};
  CHECK(Kinds(Check(Truth(1005), {}, input)) == "");
  // Protected by the stop the exchange held: true; by one it never had: false.
  input.claims = {claim(Claim::Kind::kProtected, 2000, "kdemo.s1")};
  CHECK(Kinds(Check(Truth(1005), {}, input)) == "");
  input.claims = {claim(Claim::Kind::kProtected, 2000, "kdemo.s9")};
  CHECK(Kinds(Check(Truth(1005), {}, input)) == "false-claim BTCUSDT/BOTH;");
  // Protected before the stop existed, well past the tolerance: false.
  input.claims = {claim(Claim::Kind::kProtected, 3000, "kdemo.s1")};
  CHECK(Kinds(Check(Truth(4000), {}, input)).find("false-claim BTCUSDT/BOTH;") != std::string::npos);
}

// keel-scan-orphans' all-clear, run mid-episode: "every position protected" speaks of positions
// older than its grace period.
TEST_CASE("invariant checker: a tool's 'every position protected' while one was bare all along is a false claim") {
  CheckInput input;
  input.tolerance_ms = 500;
  auto scan = [](TimeMs at) {
    return Claim{Claim::Kind::kAllProtected, at, "", "", "", "keel-scan-orphans said no orphans", 3000};
  };
  // The long is bare from 1000 to 9000: at 6000 it had been bare for more than the scan's grace.
  input.claims = {scan(6000)};
  CHECK(Kinds(Check(Truth(0), {}, input)) == "unprotected BTCUSDT/BOTH;false-claim BTCUSDT/BOTH;");
  // At 3000 it was younger than the grace: the scan did not speak of it.
  input.claims = {scan(3000)};
  CHECK(Kinds(Check(Truth(0), {}, input)) == "unprotected BTCUSDT/BOTH;");
  // Protected from 1005 on: true whenever said.
  input.claims = {scan(6000), scan(12000)};
  CHECK(Kinds(Check(Truth(1005), {}, input)) == "");
}

TEST_CASE("operator tools in an episode: the claims their answers make") {
  PlannedFault close;
  close.cls = FaultClass::kOperatorTool;
  close.command = "keel-close-position";
  close.symbol = "ETHUSDT";
  auto flat = ClaimOfTool(close, 0, R"({"result":"tool","output":"closed"})", 5000);
  REQUIRE(flat);
  CHECK(flat->kind == Claim::Kind::kFlat);
  CHECK(flat->symbol == "ETHUSDT");
  CHECK(flat->at == 5000);
  CHECK(!ClaimOfTool(close, 4, "not verified", 5000));  // "not verified" claims nothing
  PlannedFault scan;
  scan.cls = FaultClass::kOperatorTool;
  scan.command = "keel-scan-orphans";
  auto all = ClaimOfTool(scan, 0, "no orphans: every position on the exchange is tracked and protected, every order accounted for", 7000);
  REQUIRE(all);
  CHECK(all->kind == Claim::Kind::kAllProtected);
  CHECK(all->older_than_ms == kToolScanGraceMs);
  // What was not judged is not claimed.
  CHECK(!ClaimOfTool(scan, 0, "no orphans among what was judged; 1 position(s) not judged", 7000));
  CHECK(!ClaimOfTool(scan, 1, "UNPROTECTED_POSITION ETHUSDT", 7000));
  CHECK(OperatorToolRequest(close).find(R"("tool":"keel-close-position")") != std::string::npos);
}

TEST_CASE("invariant checker: an exchange silent past the alert time with no alert is silent blindness") {
  CheckInput input;
  input.tolerance_ms = 500;
  input.blind_alert_after_ms = 10'000;
  input.blind = {{2000, 15'000}};
  CHECK(Kinds(Check(Truth(1005), {}, input)) == "silent-blindness exchange;");
  input.alerts = {{"exchange-not-answering", 13'000}};
  CHECK(Kinds(Check(Truth(1005), {}, input)) == "");
  // Shorter than the alert time: nothing to say.
  input.alerts.clear();
  input.blind = {{2000, 9000}};
  CHECK(Kinds(Check(Truth(1005), {}, input)) == "");
}
