// Limit exits (issue [4/6], operation 7): a take-profit resting as a reduce-only LIMIT order in the
// order book ({"limit":true}, post-only where asked) beside the trade's conditional stop. It fills
// as a maker when the price comes to it; it covers the whole position as the position grows; the
// exchange ending it (a venue cancel, a post-only the book had crossed) gets a new one only through
// the replacement guard; it is found by client id in the order book when an answer is lost, and
// after a restart. Both dialects, one-way and hedge mode.
#include <sstream>

#include "daemon_harness.h"
#include "keel/ops/exit_code.h"
#include "keel/ops/safety_tools.h"
#include "keel/ops/tool_forward.h"
#include "keel/sim/ledger.h"

using namespace keel;
using namespace keel::scenario;

namespace {

bool Contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

Decimal Mark(DaemonScenario& s) { return s.venue->exchange().FindMarket("BTCUSDT")->mark(); }

// The limit orders resting on the venue that close the leg (a SELL for a long, a BUY for a short).
std::vector<sim::SimOrder> VenueTakeProfits(DaemonScenario& s, PositionSide leg = PositionSide::kBoth, Side side = Side::kSell) {
  std::vector<sim::SimOrder> out;
  for (const auto& o : s.venue->exchange().OpenOrders(0, "BTCUSDT"))
    if (o.type == OrderType::kLimit && o.side == side && o.position_side == leg) out.push_back(o);
  return out;
}

std::vector<sim::SimAlgoOrder> VenueStops(DaemonScenario& s, PositionSide leg = PositionSide::kBoth) {
  std::vector<sim::SimAlgoOrder> out;
  for (const auto& o : s.venue->exchange().OpenAlgoOrders(0, "BTCUSDT"))
    if (o.type == OrderType::kStopMarket && o.position_side == leg && o.position_tpsl.empty()) out.push_back(o);
  return out;
}

// Conditional take-profits on the venue: a limit exit is never one.
int VenueConditionalTakeProfits(DaemonScenario& s) {
  int n = 0;
  for (const auto& o : s.venue->exchange().OpenAlgoOrders(0, "BTCUSDT")) n += o.type == OrderType::kTakeProfitMarket;
  return n;
}

// A price `factor` times the mark, on the tick (the venue refuses a limit more than a few percent
// from the mark: its price band).
std::string PriceAt(DaemonScenario& s, const char* factor) {
  return s.InstrumentOf("BTCUSDT").RoundPrice(Mark(s).Mul(D(factor), Rounding::kNearest).value(), Rounding::kFloor).value().ToString();
}

// Started, market data flowing, a 0.010 BTC trade on `side` (signal "s-1") with its stop 5 % away
// and the take-profit `take_profit` (a level's JSON, "@2.5%" standing for a price 2.5 % above the
// mark); the account in hedge mode when asked.
void Protected(DaemonScenario& s, std::string take_profit, bool hedge = false, const std::string& side = "LONG") {
  if (hedge) REQUIRE(s.venue->exchange().SetDualSidePosition(0, true).ok());
  s.Start();
  s.Run(Engine::kScanAgainAfterStartMs + 1000);
  if (auto at = take_profit.find("@2.5%"); at != std::string::npos) take_profit.replace(at, 5, PriceAt(s, "1.025"));
  auto reply = s.Signal(R"({"id":"s-1","symbol":"BTCUSDT","side":")" + side +
                        R"(","qty":"0.010","stop_loss":{"pct":"5"},"take_profit":)" + take_profit + "}");
  REQUIRE_MESSAGE(reply.exit_code == 0, reply.json);
  s.Run(2000);
  REQUIRE(s.SignalOf("s-1")->state == SignalState::kOpen);
}

void MovePrice(DaemonScenario& s, const std::string& percent, TimeMs run = 1000) {
  REQUIRE(s.Control(R"({"act":"move_price","symbol":"BTCUSDT","percent":")" + percent + "\"}").ok());
  s.Run(run);
}

}  // namespace

TEST_CASE("limit exit: the take-profit rests as a reduce-only limit beside the stop; the price reaches it: closed, nothing left") {
  for (const bool hedge : {false, true}) {
    CAPTURE(hedge);
    DaemonScenario s;
    Protected(s, R"({"pct":"2","limit":true})", hedge);
    const PositionSide leg = hedge ? PositionSide::kLong : PositionSide::kBoth;
    INFO(s.EngineLog());
    const Decimal entry = OpenPositionOf(*s.store, "BTCUSDT", leg).value()->entry_price;
    auto resting = VenueTakeProfits(s, leg);
    REQUIRE(resting.size() == 1);
    // 2 % above the entry, rounded toward it; the whole position; in the book, not conditional.
    const Decimal level =
        s.InstrumentOf("BTCUSDT").RoundPrice(entry.Mul(D("1.02"), Rounding::kNearest).value(), Rounding::kCeiling).value();
    CHECK(resting[0].price == level);
    CHECK(resting[0].orig_qty == D("0.010"));
    CHECK(resting[0].time_in_force == TimeInForce::kGtc);
    CHECK(VenueConditionalTakeProfits(s) == 0);
    REQUIRE(VenueStops(s, leg).size() == 1);
    const std::string tp = *s.SignalOf("s-1")->take_profit_client_order_id;
    CHECK(resting[0].client_order_id == tp);
    CHECK(s.store->Order(tp).value()->purpose == OrderPurpose::kTakeProfit);

    // Up 1 %: nothing; up 1.5 % more: the book passes the level, the take-profit fills as a maker.
    MovePrice(s, "1");
    CHECK(s.ExchangeAmount("BTCUSDT", leg) == D("0.010"));
    MovePrice(s, "1.5", 3000);
    CHECK(s.ExchangeAmount("BTCUSDT", leg).is_zero());
    CHECK(s.SignalOf("s-1")->state == SignalState::kClosed);
    CHECK(s.store->Order(tp).value()->state == OrderState::kFilled);
    CHECK(VenueStops(s, leg).empty());
    CHECK(VenueTakeProfits(s, leg).empty());
    CHECK(s.alerts.raised.empty());
    CHECK(s.InvariantFindings() == "");
  }
}

TEST_CASE("limit exit: post-only, a short's take-profit: a BUY post-only resting under the bid") {
  DaemonScenario s;
  Protected(s, R"({"pct":"1.5","limit":true,"post_only":true})", true, "SHORT");
  INFO(s.EngineLog());
  auto resting = VenueTakeProfits(s, PositionSide::kShort, Side::kBuy);
  REQUIRE(resting.size() == 1);
  CHECK(resting[0].time_in_force == TimeInForce::kGtx);
  CHECK(resting[0].price < Mark(s));
  CHECK(resting[0].orig_qty == D("0.010"));
  MovePrice(s, "-2", 3000);
  CHECK(s.ExchangeAmount("BTCUSDT", PositionSide::kShort).is_zero());
  CHECK(s.SignalOf("s-1")->state == SignalState::kClosed);
  CHECK(VenueStops(s, PositionSide::kShort).empty());
  CHECK(s.InvariantFindings() == "");
}

TEST_CASE("limit exit: the exchange cancels the take-profit: the guard reads, then a new one rests; the stop never moved") {
  DaemonScenario s;
  Protected(s, R"({"pct":"2","limit":true})");
  const std::string first = *s.SignalOf("s-1")->take_profit_client_order_id;
  const std::string stop = *s.SignalOf("s-1")->stop_client_order_id;
  REQUIRE(s.Control(R"({"act":"cancel","symbol":"BTCUSDT","clientOrderId":")" + first + "\"}").ok());
  s.Run(3000);
  INFO(s.EngineLog());
  auto resting = VenueTakeProfits(s);
  REQUIRE(resting.size() == 1);
  CHECK(resting[0].client_order_id != first);
  CHECK(resting[0].orig_qty == D("0.010"));
  CHECK(*s.SignalOf("s-1")->take_profit_client_order_id == resting[0].client_order_id);
  CHECK(s.engine->counters().replacements == 1);
  CHECK(Contains(s.EngineLog(), "REPLACED take-profit " + first));
  REQUIRE(VenueStops(s).size() == 1);
  CHECK(VenueStops(s)[0].client_algo_id == stop);
  CHECK(s.alerts.raised.empty());

  // Cancelled again and again: the guard's attempts end it; the operator is told; the stop stays.
  for (int i = 0; i < 3; ++i) {
    auto now = VenueTakeProfits(s);
    if (now.empty()) break;
    REQUIRE(s.Control(R"({"act":"cancel","symbol":"BTCUSDT","clientOrderId":")" + now[0].client_order_id + "\"}").ok());
    s.Run(3000);
  }
  CHECK(VenueTakeProfits(s).empty());
  CHECK(s.alerts.Count(AlertKind::kEntryFailed) == 1);
  CHECK(Contains(s.SignalOf("s-1")->detail, "attempts_exhausted"));
  CHECK(s.SignalOf("s-1")->state == SignalState::kOpen);
  CHECK(VenueStops(s).size() == 1);
  CHECK(s.InvariantFindings() == "");
}

TEST_CASE("limit exit: post-only whose level the book passed while keel's book lagged: refused, replaced at the book") {
  DaemonScenario s;
  Protected(s, R"({"pct":"1","limit":true,"post_only":true})");
  const std::string first = *s.SignalOf("s-1")->take_profit_client_order_id;
  const Decimal level = VenueTakeProfits(s)[0].price;
  // The venue takes it off the book, and the price runs past its level while keel's book lags: the
  // replacements at the level are refused (Binance -5022) or cancelled at once (Bybit), each
  // answered through the guard, a second apart, until keel's book shows where the market is.
  s.market_data_lost = true;
  REQUIRE(s.Control(R"({"act":"cancel","symbol":"BTCUSDT","clientOrderId":")" + first + "\"}").ok());
  REQUIRE(s.Control(R"({"act":"move_price","symbol":"BTCUSDT","percent":"2"})").ok());
  s.Run(1500);
  s.market_data_lost = false;  // the feed is back: its next tick reaches keel
  REQUIRE(s.Control(R"({"act":"move_price","symbol":"BTCUSDT","percent":"0.01"})").ok());
  s.Run(3500);
  INFO(s.EngineLog());
  CHECK(s.engine->counters().replacements == 3);
  CHECK(Contains(s.EngineLog(), "attempt 3/3"));
  auto resting = VenueTakeProfits(s);
  REQUIRE(resting.size() == 1);
  // Never taking: at the ask or above, and above its level (the better price).
  CHECK(resting[0].price > level);
  CHECK(resting[0].price >= s.venue->exchange().FindMarket("BTCUSDT")->quote().ask);
  CHECK(resting[0].time_in_force == TimeInForce::kGtx);
  CHECK(s.ExchangeAmount("BTCUSDT") == D("0.010"));
  CHECK(s.alerts.raised.empty());
  CHECK(s.InvariantFindings() == "");
}

TEST_CASE("limit exit: an add grows the position: the take-profit goes again for all of it, new before old") {
  for (const bool hedge : {false, true}) {
    CAPTURE(hedge);
    DaemonScenario s;
    Protected(s, R"({"price":"@2.5%","limit":true})", hedge);
    const PositionSide leg = hedge ? PositionSide::kLong : PositionSide::kBoth;
    const std::string first = *s.SignalOf("s-1")->take_profit_client_order_id;
    const Decimal level = VenueTakeProfits(s, leg).at(0).price;
    auto reply = s.Signal(R"({"id":"a-1","symbol":"BTCUSDT","action":"add","trade":"s-1","qty":"0.010"})");
    s.Run(4000);
    INFO(s.EngineLog());
    INFO(reply.json);
    REQUIRE(s.ExchangeAmount("BTCUSDT", leg) == D("0.020"));
    auto resting = VenueTakeProfits(s, leg);
    REQUIRE(resting.size() == 1);
    CHECK(resting[0].client_order_id != first);
    CHECK(resting[0].orig_qty == D("0.020"));
    CHECK(resting[0].price == level);  // a price level stays where it is
    CHECK(s.store->Order(first).value()->state == OrderState::kCanceled);
    CHECK(*s.SignalOf("s-1")->take_profit_client_order_id == resting[0].client_order_id);
    CHECK(s.InvariantFindings() == "");
  }
}

TEST_CASE("limit exit: a move of a limit take-profit whose answer is lost: found by client id in the book, the old one cancelled") {
  DaemonScenario s;
  Protected(s, R"({"price":"@2.5%","limit":true})");
  const std::string first = *s.SignalOf("s-1")->take_profit_client_order_id;
  const std::string to = PriceAt(s, "1.02");
  REQUIRE(s.Control(R"({"fault":"placement","when":"after","how":"timeout","count":1})").ok());
  auto reply = s.Signal(R"({"id":"m-1","symbol":"BTCUSDT","action":"move","take_profit":{"price":")" + to + "\"}}");
  s.Run(8000);
  INFO(s.EngineLog());
  auto resting = VenueTakeProfits(s);
  REQUIRE(resting.size() == 1);
  CHECK(resting[0].price == D(to.c_str()));
  CHECK(resting[0].client_order_id != first);
  CHECK(resting[0].time_in_force == TimeInForce::kGtc);  // still a limit one: a move keeps its kind
  CHECK(s.store->Order(first).value()->state == OrderState::kCanceled);
  CHECK(s.SignalOf("m-1")->state == SignalState::kDone);
  CHECK(Contains(s.SignalOf("m-1")->detail, "take-profit moved to " + to));  // its price, not a trigger of 0
  CHECK(s.InvariantFindings() == "");
}

TEST_CASE("limit exit: SIGKILL with it resting; it fills while keel is down: the trade ends closed, the stop cancelled") {
  DaemonScenario s;
  Protected(s, R"({"pct":"2","limit":true})");
  const std::string tp = *s.SignalOf("s-1")->take_profit_client_order_id;
  s.RestartAfter([&] {
    REQUIRE(s.Control(R"({"act":"move_price","symbol":"BTCUSDT","percent":"3"})").ok());
    s.Wait(2000);
  });
  s.Run(Engine::kScanAgainAfterStartMs + 3000);
  INFO(s.EngineLog());
  CHECK(s.ExchangeAmount("BTCUSDT").is_zero());
  CHECK(s.store->Order(tp).value()->state == OrderState::kFilled);
  CHECK(s.SignalOf("s-1")->state == SignalState::kClosed);
  CHECK(VenueStops(s).empty());
  CHECK(s.InvariantFindings() == "");
}

TEST_CASE("limit exit: SIGKILL with it resting; after the restart a close cancels it in the order book") {
  DaemonScenario s;
  Protected(s, R"({"pct":"2","limit":true})", true);
  const std::string tp = *s.SignalOf("s-1")->take_profit_client_order_id;
  s.Restart();
  s.Run(Engine::kScanAgainAfterStartMs + 1000);
  REQUIRE(VenueTakeProfits(s, PositionSide::kLong).size() == 1);
  auto reply = s.Signal(R"({"id":"c-1","symbol":"BTCUSDT","action":"close","side":"LONG"})");
  s.Run(5000);
  INFO(s.EngineLog());
  INFO(reply.json);
  CHECK(s.ExchangeAmount("BTCUSDT", PositionSide::kLong).is_zero());
  CHECK(VenueTakeProfits(s, PositionSide::kLong).empty());
  CHECK(is_terminal(s.store->Order(tp).value()->state));
  CHECK(VenueStops(s, PositionSide::kLong).empty());
  CHECK(s.SignalOf("s-1")->state == SignalState::kClosed);
  CHECK(s.InvariantFindings() == "");
}

TEST_CASE("limit exit: a flatten or a close with it resting cancels it first (Binance refuses a close its reduce-only orders already cover, -4118): flat, verified") {
  for (const bool hedge : {false, true}) {
    for (const bool flatten : {true, false}) {
      CAPTURE(hedge);
      CAPTURE(flatten);
      DaemonScenario s;
      Protected(s, R"({"pct":"2.5","limit":true})", hedge);
      const PositionSide leg = hedge ? PositionSide::kLong : PositionSide::kBoth;
      const std::string tp = *s.SignalOf("s-1")->take_profit_client_order_id;
      REQUIRE(VenueTakeProfits(s, leg).size() == 1);
      if (!hedge && s.dialect == sim::Dialect::kBinanceUsdm) {
        // What keel must not do: a close of the whole position beside it.
        auto refused = s.OutsideOrder("symbol=BTCUSDT&side=SELL&type=MARKET&quantity=0.010&reduceOnly=true");
        CHECK(refused.status == 400);
        CHECK(Contains(refused.body, "-4118"));
      }
      EngineReply reply{-1, ""};
      if (flatten) {
        reply = s.Command([&](ReplyFn r) { s.engine->Flatten(std::string("BTCUSDT"), std::move(r)); }, 5000);
      } else {
        reply = s.Signal(hedge ? R"({"id":"c-1","symbol":"BTCUSDT","action":"close","side":"LONG"})"
                               : R"({"id":"c-1","symbol":"BTCUSDT","action":"close"})");
        s.Run(5000);
      }
      INFO(s.EngineLog());
      INFO(reply.json);
      if (flatten) CHECK(reply.exit_code == 0);
      CHECK(s.ExchangeAmount("BTCUSDT", leg).is_zero());
      CHECK(VenueTakeProfits(s, leg).empty());
      CHECK(s.store->Order(tp).value()->state == OrderState::kCanceled);
      CHECK(VenueStops(s, leg).empty());
      CHECK(s.SignalOf("s-1")->state == SignalState::kClosed);
      CHECK(s.alerts.raised.empty());
      CHECK(s.InvariantFindings() == "");
    }
  }
}

namespace {

// keel-close-position BTCUSDT --pct 50 (--position-side LONG in hedge mode) as keel-traderd runs
// it when the tool forwards it: on a worker, with the daemon's store and a worker's exchange.
EngineReply ForwardedPartialClose(DaemonScenario& s, bool hedge, std::string* output) {
  const std::string options = hedge ? R"({"symbol":"BTCUSDT","position_side":"LONG","pct":"50","verify_interval_ms":200})"
                                    : R"({"symbol":"BTCUSDT","pct":"50","verify_interval_ms":200})";
  auto spec = std::make_shared<ops::ToolSpec>(ops::ToolSpec{"keel-close-position", "", ops::StoreAccess::kWriter, false, true});
  return s.Command(
      [&](ReplyFn r) {
        s.engine->RunToolAction(
            "keel-close-position",
            [&s, spec, options, output](Exchange& ex, StateStore& store, std::ostream& out) -> Result<int> {
              AccountConfig config;
              config.account_name = s.account;
              ops::ToolContext ctx{*spec, {}, config, ops::OwnedOrBorrowed<StateStore>::Borrow(store), "", out, s.clock,
                                   ops::OwnedOrBorrowed<Exchange>::Borrow(ex)};
              auto code = ops::RunForwardedTool(ctx, "keel-close-position", options);
              if (output) *output = static_cast<std::ostringstream&>(out).str();
              return code;
            },
            r);
      },
      5000);
}

// keel-close-position BTCUSDT --pct 50 run by hand while no daemon holds the account.
Result<int> PartialCloseByHand(DaemonScenario& s, bool hedge, std::ostringstream& out) {
  static const ops::ToolSpec spec{"keel-close-position", "", ops::StoreAccess::kWriter, false, true};
  AccountConfig config;
  config.account_name = s.account;
  ops::ToolContext ctx{spec, {}, config, ops::OwnedOrBorrowed<StateStore>::Borrow(*s.store), "", out, s.clock,
                       ops::OwnedOrBorrowed<Exchange>::Borrow(*s.exchange)};
  ops::ClosePositionOptions co;
  co.symbol = "BTCUSDT";
  if (hedge) co.position_side = PositionSide::kLong;
  co.pct = D("50");
  co.yes = true;
  co.verify_interval_ms = 200;
  return ops::RunClosePosition(ctx, co);
}

// No request of keel's was refused because its own reduce-only orders covered the position.
int RefusedAsCovered(DaemonScenario& s) {
  int n = 0;
  for (const auto& e : s.venue->exchange().ledger())
    n += e.action == sim::LedgerAction::kPlace && e.refused == "reduce_only_orders_cover";
  return n;
}

}  // namespace

TEST_CASE("limit exit: keel-close-position --pct 50 forwarded to the daemon ends the take-profit first; the trade places it again for the half left") {
  for (const bool hedge : {false, true}) {
    CAPTURE(hedge);
    DaemonScenario s;
    Protected(s, R"({"pct":"2.5","limit":true})", hedge);
    const PositionSide leg = hedge ? PositionSide::kLong : PositionSide::kBoth;
    const std::string tp = *s.SignalOf("s-1")->take_profit_client_order_id;
    REQUIRE(VenueTakeProfits(s, leg).size() == 1);
    const Decimal price = VenueTakeProfits(s, leg).front().price;
    std::string output;
    auto reply = ForwardedPartialClose(s, hedge, &output);
    s.Run(3000);
    INFO(s.EngineLog());
    INFO(reply.json);
    CHECK(reply.exit_code == 0);
    CHECK(Contains(output, "take-profit " + tp + " (LIMIT 0.01 @ " + price.ToString() + ") CANCELED before the close"));
    CHECK(Contains(output, "keel-traderd places the take-profit again for what is left"));
    CHECK(s.ExchangeAmount("BTCUSDT", leg) == D("0.005"));
    CHECK(s.store->Order(tp).value()->state == OrderState::kCanceled);
    // Again, for the half left, at its price: the trade's own.
    auto resting = VenueTakeProfits(s, leg);
    REQUIRE(resting.size() == 1);
    CHECK(resting.front().client_order_id != tp);
    CHECK(resting.front().orig_qty == D("0.005"));
    CHECK(resting.front().price == price);
    CHECK(s.SignalOf("s-1")->take_profit_client_order_id == resting.front().client_order_id);
    CHECK(s.SignalOf("s-1")->state == SignalState::kOpen);
    CHECK(VenueStops(s, leg).size() == 1);  // the stop stays, for what is left
    CHECK(RefusedAsCovered(s) == 0);
    CHECK(s.alerts.raised.empty());
    CHECK(s.InvariantFindings() == "");
  }
}

TEST_CASE("limit exit: keel-close-position --pct 50 by hand, no daemon: the take-profit ended first and placed again for the half left; the daemon takes it over") {
  for (const bool hedge : {false, true}) {
    CAPTURE(hedge);
    DaemonScenario s;
    Protected(s, R"({"pct":"2.5","limit":true})", hedge);
    const PositionSide leg = hedge ? PositionSide::kLong : PositionSide::kBoth;
    const std::string tp = *s.SignalOf("s-1")->take_profit_client_order_id;
    const Decimal price = VenueTakeProfits(s, leg).front().price;
    std::ostringstream out;
    s.RestartAfter([&] {
      auto code = PartialCloseByHand(s, hedge, out);
      REQUIRE_MESSAGE(code.ok(), code.status().ToString());
      CHECK(*code == ops::kExitAllClear);
    });
    s.Run(3000);
    INFO(out.str());
    INFO(s.EngineLog());
    CHECK(s.ExchangeAmount("BTCUSDT", leg) == D("0.005"));
    CHECK(s.store->Order(tp).value()->state == OrderState::kCanceled);
    auto resting = VenueTakeProfits(s, leg);
    REQUIRE(resting.size() == 1);
    CHECK(Contains(out.str(), "take-profit " + resting.front().client_order_id + " (LIMIT 0.005 @ " + price.ToString() +
                                  ", in place of " + tp + ") resting"));
    CHECK(resting.front().orig_qty == D("0.005"));
    CHECK(resting.front().price == price);
    // The restarted daemon's trade owns the new one.
    CHECK(s.SignalOf("s-1")->take_profit_client_order_id == resting.front().client_order_id);
    CHECK(s.SignalOf("s-1")->state == SignalState::kOpen);
    CHECK(VenueStops(s, leg).size() == 1);
    CHECK(RefusedAsCovered(s) == 0);
    CHECK(s.InvariantFindings() == "");
    // It takes its profit as the trade's take-profit: the trade ends closed.
    MovePrice(s, "3", 3000);
    CHECK(s.ExchangeAmount("BTCUSDT", leg).is_zero());
    CHECK(s.SignalOf("s-1")->state == SignalState::kClosed);
    CHECK(s.InvariantFindings() == "");
  }
}

TEST_CASE("limit exit: keel-close-position --pct 50 by hand cannot place the take-profit again: exit 4, named; the daemon places it once it runs") {
  DaemonScenario s;
  Protected(s, R"({"pct":"2.5","limit":true})");
  const std::string tp = *s.SignalOf("s-1")->take_profit_client_order_id;
  const Decimal price = VenueTakeProfits(s).front().price;
  std::ostringstream out;
  s.RestartAfter([&] {
    // Down 3 %: the take-profit's price is past the venue's price band (5 % above the mark) now.
    REQUIRE(s.Control(R"({"act":"move_price","symbol":"BTCUSDT","percent":"-3"})").ok());
    auto code = PartialCloseByHand(s, false, out);
    REQUIRE_MESSAGE(code.ok(), code.status().ToString());
    CHECK(*code == ops::kExitNotVerified);
    CHECK(s.ExchangeAmount("BTCUSDT") == D("0.005"));  // the close itself is done
    CHECK(VenueTakeProfits(s).empty());
    REQUIRE(s.Control(R"({"act":"move_price","symbol":"BTCUSDT","percent":"3"})").ok());
  });
  s.Run(3000);
  INFO(out.str());
  INFO(s.EngineLog());
  CHECK(Contains(out.str(), "in place of " + tp + ") not placed: "));
  CHECK(s.store->Order(tp).value()->state == OrderState::kCanceled);
  // The restarted daemon's trade places it, for what is left, at its level.
  auto resting = VenueTakeProfits(s);
  REQUIRE(resting.size() == 1);
  CHECK(resting.front().orig_qty == D("0.005"));
  CHECK(resting.front().price == price);
  CHECK(s.SignalOf("s-1")->take_profit_client_order_id == resting.front().client_order_id);
  CHECK(VenueStops(s).size() == 1);
  CHECK(RefusedAsCovered(s) == 0);
  CHECK(s.InvariantFindings() == "");
}
