// The simulator acting on an account by itself: funding, margin calls, liquidation, ADL, and the
// countdownCancelAll dead-man switch.
#include <doctest/doctest.h>

#include <algorithm>

#include "keel/sim/binance_json.h"
#include "sim_fixture.h"

using namespace keel;
using namespace keel::sim;
using keel::sim::test::D;
using keel::sim::test::SimFixture;

namespace {

bool has(const std::vector<std::string>& events, const std::string& e) {
  return std::find(events.begin(), events.end(), e) != events.end();
}

}  // namespace

TEST_CASE("funding: at each interval a long pays amount * mark * rate; the event and the income say so") {
  SimConfig config = keel::sim::test::TestConfig();
  config.funding_interval_ms = 60'000;
  config.funding_rate = D("0.001");
  SimFixture f(config);
  f.Place(f.Market(Side::kBuy, "5"));  // 5 at ~100: a notional of ~500
  const Decimal wallet = f.ex->Summary(f.alice).wallet_balance;
  f.ex->TakeUserEvents();
  f.clock.Advance(60'000);
  f.ex->Advance();
  const auto events = f.ex->TakeUserEvents();
  REQUIRE(events.size() == 1);
  const auto& funding = std::get<AccountUpdate>(events[0].body);
  CHECK(funding.reason == "FUNDING_FEE");
  CHECK(funding.balance_change == D("-0.5"));  // 5 * 100 (mark) * 0.001
  CHECK(funding.positions.empty());          // cross: the balance only
  CHECK(f.ex->Summary(f.alice).wallet_balance == wallet.Sub(D("0.5")).value());
  const auto income = f.ex->Income(f.alice);
  CHECK(std::count_if(income.begin(), income.end(), [](const SimIncome& i) { return i.type == "FUNDING_FEE"; }) == 1);
  f.clock.Advance(30'000);
  f.ex->Advance();
  CHECK(f.ex->TakeUserEvents().empty());  // not before the next interval
}

TEST_CASE("liquidation: a margin call first, then the position closed by an autoclose LIQUIDATION order") {
  SimConfig config = keel::sim::test::TestConfig();
  config.accounts[0].initial_balance = D("100");
  config.funding_interval_ms = 0;
  config.instruments[0].depth_per_level = D("100");
  SimFixture f(config);
  REQUIRE(f.ex->SetLeverage(f.alice, "TESTUSDT", 20).ok());
  f.Place(f.Market(Side::kBuy, "15"));  // ~1,500 notional on 100 of wallet
  f.Place(f.Limit(Side::kSell, "1", "110"));  // a resting order on the symbol
  REQUIRE(f.ex->PlaceAlgoOrder(f.alice, SimFixture::StopMarket(Side::kSell, "50")).ok());
  f.Events();
  // Down 5.98 % (entry 100.1 at the ask): a margin balance of ~8 against ~7 of maintenance: called,
  // not yet liquidated.
  REQUIRE(f.ex->MovePrice("TESTUSDT", D("-5.98"), 0).ok());
  f.ex->Advance();
  auto events = f.Events();
  CHECK(has(events, "MARGIN_CALL"));
  CHECK(f.PositionAmount() == D("15"));
  REQUIRE(f.ex->MovePrice("TESTUSDT", D("-2"), 0).ok());
  f.ex->Advance();
  events = f.Events();
  CHECK(f.PositionAmount() == D("0"));
  CHECK(has(events, "ORDER_TRADE_UPDATE EXPIRED EXPIRED"));  // the resting order, er 5
  CHECK(has(events, "ORDER_TRADE_UPDATE NEW NEW"));          // the autoclose order
  CHECK(has(events, "ALGO_UPDATE EXPIRED"));                 // the GTE_GTC stop, its position gone
  CHECK(f.ex->counters().liquidations == 1);
  bool calculated = false;
  for (const auto& o : f.ex->AllOrders(f.alice, "TESTUSDT")) {
    if (o.type != OrderType::kLiquidation) continue;
    CHECK(o.client_order_id.rfind("autoclose-", 0) == 0);
    calculated = true;
  }
  CHECK(calculated);
}

TEST_CASE("liquidate and ADL on demand, with the documented shapes (x CALCULATED; NEW_INSURANCE / NEW_ADL)") {
  SimFixture f;
  f.Place(f.Market(Side::kBuy, "2"));
  f.ex->TakeUserEvents();
  auto adl = f.ex->AutoDeleverage(f.alice, "TESTUSDT", PositionSide::kBoth, D("0.5"));
  REQUIRE(adl.ok());
  CHECK(adl->client_order_id == "adl_autoclose");
  CHECK(f.PositionAmount() == D("1.5"));
  std::string adl_json;
  for (const auto& e : f.ex->TakeUserEvents()) {
    if (const auto* u = std::get_if<OrderUpdate>(&e.body); u && u->execution_type == "CALCULATED")
      adl_json = binance::UserEventJson(e, *f.ex);
  }
  CHECK(adl_json.find(R"("o":"ADL")") != std::string::npos);
  CHECK(adl_json.find(R"("x":"CALCULATED","X":"NEW_ADL")") != std::string::npos);
  auto liquidated = f.ex->Liquidate(f.alice, "TESTUSDT", PositionSide::kBoth);
  REQUIRE(liquidated.ok());
  CHECK(f.PositionAmount() == D("0"));
  CHECK(f.ex->Liquidate(f.alice, "TESTUSDT", PositionSide::kBoth).status().IsNotFound());
}

TEST_CASE("leverage changes are told by ACCOUNT_CONFIG_UPDATE; a refused trigger by CONDITIONAL_ORDER_TRIGGER_REJECT") {
  SimFixture f;
  REQUIRE(f.ex->SetLeverage(f.alice, "TESTUSDT", 1).ok());
  auto events = f.ex->TakeUserEvents();
  REQUIRE(events.size() == 1);
  CHECK(binance::UserEventJson(events[0], *f.ex).find(R"("ac":{"s":"TESTUSDT","l":1})") != std::string::npos);
  NewAlgoOrderRequest big;
  big.symbol = "TESTUSDT";
  big.side = Side::kBuy;
  big.type = OrderType::kStopMarket;
  big.trigger_price = D("101");
  big.quantity = D("100");  // 10,100 at 1x on 10,000: refused by the margin check when it fires
  REQUIRE(f.ex->PlaceAlgoOrder(f.alice, big).ok());
  REQUIRE(f.ex->MovePrice("TESTUSDT", D("2"), 0).ok());
  const auto after = f.Events();
  CHECK(has(after, "ALGO_UPDATE REJECTED"));
  CHECK(has(after, "CONDITIONAL_ORDER_TRIGGER_REJECT"));
}

TEST_CASE("countdownCancelAll cancels the symbol's open orders unless renewed in time") {
  SimFixture f;
  f.Place(f.Limit(Side::kBuy, "1", "95"));
  REQUIRE(f.ex->SetCountdown(f.alice, "TESTUSDT", 10'000).ok());
  f.clock.Advance(9'000);
  f.ex->Advance();
  REQUIRE(f.ex->SetCountdown(f.alice, "TESTUSDT", 10'000).ok());  // renewed
  f.clock.Advance(9'000);
  f.ex->Advance();
  CHECK(f.ex->OpenOrders(f.alice, "TESTUSDT").size() == 1);
  f.clock.Advance(2'000);
  f.ex->Advance();
  CHECK(f.ex->OpenOrders(f.alice, "TESTUSDT").empty());
}
