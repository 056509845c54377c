#include <doctest/doctest.h>

#include <algorithm>

#include "sim_fixture.h"

using namespace keel;
using namespace keel::sim;
using keel::sim::test::D;
using keel::sim::test::SimFixture;


TEST_CASE("a closePosition stop triggers into a market order that closes the position") {
  SimFixture f;
  f.Place(f.Market(Side::kBuy, "1.5"));
  auto stop_r = SimFixture::StopMarket(Side::kSell, "95");
  stop_r.client_algo_id = "kdemo-1-s";
  SimAlgoOrder stop = f.ex->PlaceAlgoOrder(f.alice, stop_r).value();
  CHECK(stop.status == AlgoStatus::kNew);
  CHECK(f.ex->OpenAlgoOrders(f.alice, "TESTUSDT").size() == 1);
  f.Events();
  REQUIRE(f.ex->MovePrice("TESTUSDT", D("-5"), 0).ok());  // last 95.0 <= 95
  CHECK(f.PositionAmount() == D("0"));
  CHECK(f.Events() == std::vector<std::string>{"ALGO_UPDATE TRIGGERING", "ALGO_UPDATE TRIGGERED",
                                               "ORDER_TRADE_UPDATE NEW NEW", "ACCOUNT_UPDATE ORDER",
                                               "ORDER_TRADE_UPDATE TRADE PARTIALLY_FILLED 1@94.9",
                                               "ACCOUNT_UPDATE ORDER",
                                               "ORDER_TRADE_UPDATE TRADE FILLED 0.5@94.8", "ALGO_UPDATE FINISHED"});
  SimAlgoOrder done = f.ex->QueryAlgoOrder(f.alice, OrderRef{std::nullopt, std::string("kdemo-1-s")}).value();
  CHECK(done.status == AlgoStatus::kFinished);
  REQUIRE(done.actual_order_id);
  SimOrder o = f.ex->QueryOrder(f.alice, "TESTUSDT", OrderRef{*done.actual_order_id, std::nullopt}).value();
  CHECK(o.type == OrderType::kMarket);
  CHECK(o.orig_type == OrderType::kStopMarket);
  CHECK(o.stop_price == D("95"));
  CHECK(o.client_order_id == "kdemo-1-s");
  CHECK(done.executed_qty == D("1.5"));
  CHECK(f.ex->OpenAlgoOrders(f.alice, "").empty());
}

TEST_CASE("algo orders are validated as the service does") {
  SimFixture f;
  CHECK(RefusalOf(f.ex->PlaceAlgoOrder(f.alice, SimFixture::StopMarket(Side::kSell, "100.5")).status()) == SimRefusal::kWouldTriggerNow);
  CHECK(RefusalOf(f.ex->PlaceAlgoOrder(f.alice, SimFixture::StopMarket(Side::kBuy, "99.5")).status()) == SimRefusal::kWouldTriggerNow);
  auto with_qty = SimFixture::StopMarket(Side::kSell, "95");
  with_qty.quantity = D("1");
  CHECK(RefusalOf(f.ex->PlaceAlgoOrder(f.alice, with_qty).status()) == SimRefusal::kParameterNotAllowed);
  auto no_trigger = SimFixture::StopMarket(Side::kSell, "95");
  no_trigger.trigger_price.reset();
  CHECK(RefusalOf(f.ex->PlaceAlgoOrder(f.alice, no_trigger).status()) == SimRefusal::kMissingParameter);
  auto trailing = SimFixture::StopMarket(Side::kSell, "95");
  trailing.type = OrderType::kTrailingStopMarket;  // trails instead of a trigger (sim_trailing_test.cpp)
  CHECK(RefusalOf(f.ex->PlaceAlgoOrder(f.alice, trailing).status()) == SimRefusal::kParameterNotAllowed);
  auto limit_stop = SimFixture::StopMarket(Side::kSell, "95");
  limit_stop.type = OrderType::kStop;
  limit_stop.close_position = false;
  limit_stop.quantity = D("1");
  CHECK(RefusalOf(f.ex->PlaceAlgoOrder(f.alice, limit_stop).status()) == SimRefusal::kMissingParameter);  // needs price
  auto tp = SimFixture::StopMarket(Side::kSell, "105");
  tp.type = OrderType::kTakeProfitMarket;
  REQUIRE(f.ex->PlaceAlgoOrder(f.alice, tp).ok());
  CHECK(RefusalOf(f.ex->PlaceAlgoOrder(f.alice, SimFixture::StopMarket(Side::kSell, "95.05")).status()) == SimRefusal::kTooPrecise);
  auto dup = SimFixture::StopMarket(Side::kSell, "90");
  dup.client_algo_id = "x";
  REQUIRE(f.ex->PlaceAlgoOrder(f.alice, dup).ok());
  CHECK(RefusalOf(f.ex->PlaceAlgoOrder(f.alice, dup).status()) == SimRefusal::kDuplicateClientId);
  OrderRef x{std::nullopt, std::string("x")};
  CHECK(f.ex->CancelAlgoOrder(f.alice, x)->status == AlgoStatus::kCanceled);
  CHECK(RefusalOf(f.ex->CancelAlgoOrder(f.alice, x).status()) == SimRefusal::kUnknownOrder);
  CHECK(f.ex->CancelAllAlgoOrders(f.alice, "TESTUSDT").value() == 1);
}

TEST_CASE("a stop with nothing left to close expires; MARK_PRICE triggers on the lagging mark") {
  SimFixture f;
  SimAlgoOrder orphan_stop = f.ex->PlaceAlgoOrder(f.alice, SimFixture::StopMarket(Side::kSell, "95")).value();
  REQUIRE(f.ex->MovePrice("TESTUSDT", D("-6"), 0).ok());
  CHECK(f.ex->QueryAlgoOrder(f.alice, OrderRef{orphan_stop.algo_id, std::nullopt})->status == AlgoStatus::kExpired);
  CHECK(f.ex->OpenOrders(f.alice, "").empty());

  SimFixture g;
  g.Place(g.Market(Side::kBuy, "1"));
  auto mark_stop = SimFixture::StopMarket(Side::kSell, "97");
  mark_stop.working_type = WorkingType::kMarkPrice;
  SimAlgoOrder s = g.ex->PlaceAlgoOrder(g.alice, mark_stop).value();
  REQUIRE(g.ex->MovePrice("TESTUSDT", D("-5"), 2000).ok());  // the last price slides to 95 over 2 s
  g.clock.Advance(1000);
  g.ex->Advance();  // last 97.5; the mark lags above it
  CHECK(g.ex->QueryAlgoOrder(g.alice, OrderRef{s.algo_id, std::nullopt})->status == AlgoStatus::kNew);
  g.clock.Advance(1000);
  g.ex->Advance();  // last 95.0, mark 98.1: still above 97
  CHECK(g.ex->FindMarket("TESTUSDT")->last() == D("95"));
  CHECK(g.ex->QueryAlgoOrder(g.alice, OrderRef{s.algo_id, std::nullopt})->status == AlgoStatus::kNew);
  for (int i = 0; i < 4; ++i) {
    g.clock.Advance(250);
    g.ex->Advance();
  }
  CHECK(g.ex->QueryAlgoOrder(g.alice, OrderRef{s.algo_id, std::nullopt})->status == AlgoStatus::kFinished);
  CHECK(g.PositionAmount() == D("0"));
}

TEST_CASE("closePosition orders are GTE_GTC and expire when their position closes") {
  SimFixture f;
  f.Place(f.Market(Side::kBuy, "1"));
  SimAlgoOrder stop = f.ex->PlaceAlgoOrder(f.alice, SimFixture::StopMarket(Side::kSell, "90")).value();
  CHECK(stop.time_in_force == TimeInForce::kGteGtc);
  auto with_qty = SimFixture::StopMarket(Side::kSell, "90");
  with_qty.close_position = false;
  with_qty.quantity = D("1");
  with_qty.reduce_only = true;
  CHECK(f.ex->PlaceAlgoOrder(f.alice, with_qty)->time_in_force == TimeInForce::kGtc);
  f.Events();
  f.Place(f.Market(Side::kSell, "1"));  // the position closes by hand
  const auto events = f.Events();
  CHECK(std::find(events.begin(), events.end(), "ALGO_UPDATE EXPIRED") != events.end());
  CHECK(f.ex->QueryAlgoOrder(f.alice, OrderRef{stop.algo_id, std::nullopt})->status == AlgoStatus::kExpired);
  // The reduce-only stop with a quantity is not GTE_GTC: it stays, and expires only if it fires.
  CHECK(f.ex->OpenAlgoOrders(f.alice, "TESTUSDT").size() == 1);
}
