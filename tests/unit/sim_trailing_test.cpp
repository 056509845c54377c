// Trailing stops in the algo service and GTD expiry, on the simulated exchange's core.
#include <doctest/doctest.h>

#include "sim_fixture.h"

using namespace keel;
using namespace keel::sim;
using keel::sim::test::D;
using keel::sim::test::SimFixture;

namespace {

// Moves TESTUSDT's last price (and, at once, its mark) to exactly this price.
void MoveTo(SimFixture& f, const char* price) {
  const Decimal last = f.ex->FindMarket("TESTUSDT")->last();
  const Decimal target = D(price);
  const Decimal percent =
      target.Sub(last).value().Mul(D("100"), Rounding::kNearest).value().Div(last, Rounding::kNearest).value();
  REQUIRE(f.ex->MovePrice("TESTUSDT", percent, 0).ok());
  REQUIRE(f.ex->FindMarket("TESTUSDT")->last() == target);
}

NewAlgoOrderRequest Trailing(Side side, const char* qty, const char* callback_rate) {
  NewAlgoOrderRequest r;
  r.symbol = "TESTUSDT";
  r.side = side;
  r.type = OrderType::kTrailingStopMarket;
  r.quantity = D(qty);
  r.callback_rate = D(callback_rate);
  r.reduce_only = true;
  return r;
}

SimAlgoOrder Algo(SimFixture& f, std::int64_t algo_id) {
  auto a = f.ex->QueryAlgoOrder(f.alice, OrderRef{algo_id, std::nullopt});
  REQUIRE(a.ok());
  return *a;
}

}  // namespace

TEST_CASE("a trailing stop is placed as the algo service allows it, refused by code otherwise") {
  SimFixture f;
  f.Place(f.Market(Side::kBuy, "1"));
  auto refused = [&](NewAlgoOrderRequest r) { return RefusalOf(f.ex->PlaceAlgoOrder(f.alice, r).status()); };
  auto r = Trailing(Side::kSell, "1", "0.09");
  CHECK(refused(r) == SimRefusal::kInvalidParameter);  // callbackRate below 0.1
  r.callback_rate = D("10.1");
  CHECK(refused(r) == SimRefusal::kInvalidParameter);  // above 10
  r.callback_rate.reset();
  CHECK(refused(r) == SimRefusal::kMissingParameter);
  r = Trailing(Side::kSell, "1", "1");
  r.trigger_price = D("95");
  CHECK(refused(r) == SimRefusal::kParameterNotAllowed);
  r = Trailing(Side::kSell, "1", "1");
  r.price = D("95");
  CHECK(refused(r) == SimRefusal::kParameterNotAllowed);
  // closePosition is STOP_MARKET's and TAKE_PROFIT_MARKET's only.
  r = Trailing(Side::kSell, "1", "1");
  r.quantity.reset();
  r.reduce_only.reset();
  r.close_position = true;
  CHECK(refused(r) == SimRefusal::kParameterNotAllowed);
  r.close_position = false;
  CHECK(refused(r) == SimRefusal::kMissingParameter);  // quantity
  // A SELL's activation price above the price, a BUY's below: else it would trigger now (-2021).
  r = Trailing(Side::kSell, "1", "1");
  r.activate_price = D("100");
  CHECK(refused(r) == SimRefusal::kWouldTriggerNow);
  r = Trailing(Side::kBuy, "1", "1");
  r.reduce_only.reset();
  r.activate_price = D("100.5");
  CHECK(refused(r) == SimRefusal::kWouldTriggerNow);
  r.activate_price = D("100.05");
  CHECK(refused(r) == SimRefusal::kTooPrecise);
  // The trailing terms are the trailing stop's alone.
  auto stop = SimFixture::StopMarket(Side::kSell, "95");
  stop.callback_rate = D("1");
  CHECK(refused(stop) == SimRefusal::kParameterNotAllowed);
  stop = SimFixture::StopMarket(Side::kSell, "95");
  stop.activate_price = D("105");
  CHECK(refused(stop) == SimRefusal::kParameterNotAllowed);

  // The range's ends are allowed, and the service's open-order cap counts trailing stops.
  CHECK(f.ex->PlaceAlgoOrder(f.alice, Trailing(Side::kSell, "1", "0.1")).ok());
  CHECK(f.ex->PlaceAlgoOrder(f.alice, Trailing(Side::kSell, "1", "10")).ok());
  SimConfig capped = keel::sim::test::TestConfig();
  capped.limits.max_open_algo_orders = 1;
  SimFixture g(capped);
  g.Place(g.Market(Side::kBuy, "1"));
  REQUIRE(g.ex->PlaceAlgoOrder(g.alice, Trailing(Side::kSell, "1", "1")).ok());
  CHECK(RefusalOf(g.ex->PlaceAlgoOrder(g.alice, Trailing(Side::kSell, "1", "1")).status()) ==
        SimRefusal::kTooManyConditionalOrders);
}

TEST_CASE("a SELL trailing stop waits for its activation price, follows the highest price, fires 1 % under it") {
  SimFixture f;
  f.Place(f.Market(Side::kBuy, "1"));
  f.Events();
  auto r = Trailing(Side::kSell, "1", "1");
  r.activate_price = D("105");
  r.client_algo_id = "k-trail";
  const SimAlgoOrder placed = f.ex->PlaceAlgoOrder(f.alice, r).value();
  REQUIRE(placed.trailing);
  CHECK(placed.status == AlgoStatus::kNew);
  CHECK(placed.trigger_price == D("0"));
  CHECK(!placed.trailing->active);
  CHECK(f.Events() == std::vector<std::string>{"ALGO_UPDATE NEW"});

  MoveTo(f, "104.9");  // not there yet
  CHECK(!Algo(f, placed.algo_id).trailing->active);
  MoveTo(f, "90");  // falling before activation does nothing
  CHECK(Algo(f, placed.algo_id).status == AlgoStatus::kNew);
  MoveTo(f, "105");
  SimAlgoOrder now = Algo(f, placed.algo_id);
  CHECK(now.trailing->active);
  CHECK(now.trailing->extreme == D("105"));
  CHECK(now.trigger_price == D("103.9"));  // 105 * 0.99 = 103.95, on the tick grid below
  MoveTo(f, "110");
  CHECK(Algo(f, placed.algo_id).trigger_price == D("108.9"));
  MoveTo(f, "109");
  now = Algo(f, placed.algo_id);
  CHECK(now.trailing->extreme == D("110"));
  CHECK(now.trigger_price == D("108.9"));
  // The level moved four times without a push.
  CHECK(f.Events().empty());

  MoveTo(f, "108.9");
  CHECK(f.Events() == std::vector<std::string>{"ALGO_UPDATE TRIGGERING", "ALGO_UPDATE TRIGGERED",
                                               "ORDER_TRADE_UPDATE NEW NEW", "ACCOUNT_UPDATE ORDER",
                                               "ORDER_TRADE_UPDATE TRADE FILLED 1@108.8", "ALGO_UPDATE FINISHED"});
  CHECK(f.PositionAmount() == D("0"));
  const SimAlgoOrder done = Algo(f, placed.algo_id);
  CHECK(done.status == AlgoStatus::kFinished);
  REQUIRE(done.actual_order_id);
  const SimOrder o = f.ex->QueryOrder(f.alice, "TESTUSDT", OrderRef{*done.actual_order_id, std::nullopt}).value();
  CHECK(o.type == OrderType::kMarket);
  CHECK(o.orig_type == OrderType::kTrailingStopMarket);
  CHECK(o.client_order_id == "k-trail");
  CHECK(o.stop_price == D("108.9"));
  CHECK(o.activate_price == D("105"));
  CHECK(o.price_rate == D("1"));
  CHECK(o.reduce_only);
  CHECK(o.executed_qty == D("1"));
}

TEST_CASE("a BUY trailing stop without activation price trails the lowest price from placement") {
  SimFixture f;
  f.Place(f.Market(Side::kSell, "1"));
  const SimAlgoOrder placed = f.ex->PlaceAlgoOrder(f.alice, Trailing(Side::kBuy, "1", "2")).value();
  // "default as the latest price": active at once.
  CHECK(placed.trailing->activate_price == D("100"));
  CHECK(placed.trailing->active);
  CHECK(placed.trigger_price == D("102"));
  MoveTo(f, "101");
  CHECK(Algo(f, placed.algo_id).trigger_price == D("102"));
  MoveTo(f, "95");
  CHECK(Algo(f, placed.algo_id).trigger_price == D("96.9"));  // 95 * 1.02, on the tick grid above
  MoveTo(f, "96.8");
  CHECK(Algo(f, placed.algo_id).status == AlgoStatus::kNew);
  CHECK(f.PositionAmount() == D("-1"));
  MoveTo(f, "96.9");
  CHECK(Algo(f, placed.algo_id).status == AlgoStatus::kFinished);
  CHECK(f.PositionAmount() == D("0"));
  const SimOrder o = f.ex->QueryOrder(f.alice, "TESTUSDT", OrderRef{*Algo(f, placed.algo_id).actual_order_id, std::nullopt}).value();
  CHECK(o.stop_price == D("96.9"));
  CHECK(o.avg_price == D("97"));  // the ask, one tick above
}

TEST_CASE("a reduce-only trailing stop with nothing left to close expires when it fires") {
  SimFixture f;
  f.Place(f.Market(Side::kBuy, "1"));
  const SimAlgoOrder placed = f.ex->PlaceAlgoOrder(f.alice, Trailing(Side::kSell, "1", "1")).value();
  f.Place(f.Market(Side::kSell, "1"));  // closed by hand; a quantity order is not GTE_GTC
  CHECK(Algo(f, placed.algo_id).status == AlgoStatus::kNew);
  f.Events();
  MoveTo(f, "99");
  CHECK(f.Events() == std::vector<std::string>{"ALGO_UPDATE TRIGGERING", "ALGO_UPDATE EXPIRED"});
  CHECK(f.ex->OpenOrders(f.alice, "").empty());
}

TEST_CASE("GTD: goodTillDate required, later than now + 600 s, in whole seconds; the order expires at it") {
  SimFixture f;
  const TimeMs t0 = f.clock.NowMs();
  auto gtd = f.Limit(Side::kBuy, "1", "95", TimeInForce::kGtd);
  CHECK(f.Rejected(gtd) == SimRefusal::kMissingParameter);
  gtd.good_till_date = t0 + 600'000;
  CHECK(f.Rejected(gtd) == SimRefusal::kInvalidGoodTillDate);
  gtd.good_till_date = t0 + 600'999;  // its milliseconds are dropped: now + 600 s exactly
  CHECK(f.Rejected(gtd) == SimRefusal::kInvalidGoodTillDate);
  gtd.good_till_date = 253'402'300'799'000;
  CHECK(f.Rejected(gtd) == SimRefusal::kInvalidGoodTillDate);
  gtd.good_till_date = t0 + 601'500;
  const SimOrder o = f.Place(gtd);
  CHECK(o.time_in_force == TimeInForce::kGtd);
  CHECK(o.good_till_date == t0 + 601'000);
  auto gtc = f.Limit(Side::kBuy, "1", "94");
  gtc.good_till_date = t0 + 601'500;  // ignored without GTD
  CHECK(f.Place(gtc).good_till_date == 0);
  f.Events();

  f.clock.Advance(600'999);
  f.ex->Advance();
  CHECK(f.ex->OpenOrders(f.alice, "TESTUSDT").size() == 2);
  f.clock.Advance(1);
  f.ex->Advance();
  const auto events = f.ex->TakeUserEvents();
  REQUIRE(events.size() == 1);
  const auto& expired = std::get<OrderUpdate>(events[0].body);
  CHECK(expired.execution_type == "EXPIRED");
  CHECK(expired.order.order_id == o.order_id);
  CHECK(expired.order.status == OrderStatus::kExpired);
  CHECK(expired.order.good_till_date == t0 + 601'000);
  CHECK(events[0].event_time == t0 + 601'000);
  CHECK(f.ex->QueryOrder(f.alice, "TESTUSDT", OrderRef{o.order_id, std::nullopt})->status == OrderStatus::kExpired);
  CHECK(f.ex->OpenOrders(f.alice, "TESTUSDT").size() == 1);  // the GTC one
}

TEST_CASE("GTD on a conditional order: it expires untriggered at its goodTillDate") {
  SimFixture f;
  const TimeMs t0 = f.clock.NowMs();
  NewAlgoOrderRequest r;
  r.symbol = "TESTUSDT";
  r.side = Side::kBuy;
  r.type = OrderType::kStopMarket;
  r.trigger_price = D("110");
  r.quantity = D("1");
  r.time_in_force = TimeInForce::kGtd;
  CHECK(RefusalOf(f.ex->PlaceAlgoOrder(f.alice, r).status()) == SimRefusal::kMissingParameter);
  r.good_till_date = t0 + 300'000;
  CHECK(RefusalOf(f.ex->PlaceAlgoOrder(f.alice, r).status()) == SimRefusal::kInvalidGoodTillDate);
  r.good_till_date = t0 + 700'000;
  const SimAlgoOrder placed = f.ex->PlaceAlgoOrder(f.alice, r).value();
  CHECK(placed.good_till_date == t0 + 700'000);
  f.Events();
  f.clock.Advance(700'000);
  f.ex->Advance();
  CHECK(f.Events() == std::vector<std::string>{"ALGO_UPDATE EXPIRED"});
  CHECK(Algo(f, placed.algo_id).status == AlgoStatus::kExpired);
  CHECK(f.ex->OpenAlgoOrders(f.alice, "").empty());
}
