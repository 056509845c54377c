#include <doctest/doctest.h>

#include "sim_fixture.h"

using namespace keel;
using namespace keel::sim;
using keel::sim::test::D;
using keel::sim::test::SimFixture;

TEST_CASE("a market order takes the ask; the position is reported before the trade") {
  SimFixture f;
  SimOrder o = f.Place(f.Market(Side::kBuy, "0.5"));
  CHECK(o.status == OrderStatus::kFilled);
  CHECK(o.avg_price == D("100.1"));
  CHECK(o.executed_qty == D("0.5"));
  CHECK(f.PositionAmount() == D("0.5"));
  CHECK(f.ex->Position(f.alice, "TESTUSDT", PositionSide::kBoth).entry_price == D("100.1"));
  CHECK(f.Events() == std::vector<std::string>{"ORDER_TRADE_UPDATE NEW NEW", "ACCOUNT_UPDATE ORDER",
                                               "ORDER_TRADE_UPDATE TRADE FILLED 0.5@100.1"});
  // Taker fee 0.05% of 50.05
  CHECK(f.ex->Summary(f.alice).wallet_balance == D("9999.974975"));
}

TEST_CASE("a large order fills level by level; what the book cannot absorb expires") {
  SimFixture f;
  SimOrder o = f.Place(f.Market(Side::kSell, "6.5"));
  CHECK(o.status == OrderStatus::kExpired);
  CHECK(o.executed_qty == D("5"));
  CHECK(o.avg_price == D("99.7"));  // 99.9 99.8 99.7 99.6 99.5
  CHECK(f.Events() == std::vector<std::string>{
                          "ORDER_TRADE_UPDATE NEW NEW",
                          "ACCOUNT_UPDATE ORDER", "ORDER_TRADE_UPDATE TRADE PARTIALLY_FILLED 1@99.9",
                          "ACCOUNT_UPDATE ORDER", "ORDER_TRADE_UPDATE TRADE PARTIALLY_FILLED 1@99.8",
                          "ACCOUNT_UPDATE ORDER", "ORDER_TRADE_UPDATE TRADE PARTIALLY_FILLED 1@99.7",
                          "ACCOUNT_UPDATE ORDER", "ORDER_TRADE_UPDATE TRADE PARTIALLY_FILLED 1@99.6",
                          "ACCOUNT_UPDATE ORDER", "ORDER_TRADE_UPDATE TRADE PARTIALLY_FILLED 1@99.5",
                          "ORDER_TRADE_UPDATE EXPIRED EXPIRED"});
  CHECK(f.PositionAmount() == D("-5"));
}

TEST_CASE("a resting limit order fills as maker, at its price, when the market comes to it") {
  SimFixture f;
  SimOrder o = f.Place(f.Limit(Side::kBuy, "1.5", "99.0"));
  CHECK(o.status == OrderStatus::kNew);
  CHECK(f.ex->OpenOrders(f.alice, "TESTUSDT").size() == 1);
  f.Events();
  REQUIRE(f.ex->MovePrice("TESTUSDT", D("-1"), 0).ok());  // last 99.0: ask 99.1, no fill yet
  CHECK(f.ex->OpenOrders(f.alice, "TESTUSDT")[0].executed_qty == D("0"));
  REQUIRE(f.ex->MovePrice("TESTUSDT", D("-0.2"), 0).ok());  // last 98.8: ask 98.9 <= 99.0
  SimOrder now = f.ex->QueryOrder(f.alice, "TESTUSDT", OrderRef{o.order_id, std::nullopt}).value();
  CHECK(now.status == OrderStatus::kPartiallyFilled);  // one level's depth per step
  CHECK(now.executed_qty == D("1"));
  CHECK(now.avg_price == D("99"));
  f.clock.Advance(250);
  f.ex->Advance();
  now = f.ex->QueryOrder(f.alice, "TESTUSDT", OrderRef{o.order_id, std::nullopt}).value();
  CHECK(now.status == OrderStatus::kFilled);
  CHECK(f.ex->OpenOrders(f.alice, "").empty());
  auto trades = f.ex->Trades(f.alice, "TESTUSDT");
  REQUIRE(trades.size() == 2);
  CHECK(trades[0].maker);
  CHECK(trades[0].commission == D("0.0198"));  // maker fee 0.02% of 99
}

TEST_CASE("post-only (GTX) is refused with -5022 when it would take; IOC and FOK") {
  SimFixture f;
  CHECK(f.Rejected(f.Limit(Side::kBuy, "1", "100.1", TimeInForce::kGtx)) == SimRefusal::kPostOnlyWouldTake);
  CHECK(f.Rejected(f.Limit(Side::kSell, "1", "99.9", TimeInForce::kGtx)) == SimRefusal::kPostOnlyWouldTake);
  CHECK(f.Place(f.Limit(Side::kBuy, "1", "100.0", TimeInForce::kGtx)).status == OrderStatus::kNew);

  SimOrder ioc = f.Place(f.Limit(Side::kBuy, "2.5", "100.2", TimeInForce::kIoc));
  CHECK(ioc.status == OrderStatus::kExpired);
  CHECK(ioc.executed_qty == D("2"));
  CHECK(f.Rejected(f.Limit(Side::kBuy, "3", "100.2", TimeInForce::kFok)) == SimRefusal::kFillOrKillUnfilled);
  SimOrder fok = f.Place(f.Limit(Side::kBuy, "2", "100.2", TimeInForce::kFok));
  CHECK(fok.status == OrderStatus::kFilled);
  // A crossing GTC limit takes what it can and rests the rest.
  SimOrder gtc = f.Place(f.Limit(Side::kSell, "1.5", "99.9"));
  CHECK(gtc.status == OrderStatus::kPartiallyFilled);
  CHECK(f.ex->OpenOrders(f.alice, "TESTUSDT").size() == 2);
}

TEST_CASE("filters, in the exchange's codes") {
  SimFixture f;
  CHECK(f.Rejected(f.Limit(Side::kBuy, "1", "100.05")) == SimRefusal::kTooPrecise);
  CHECK(f.Rejected(f.Limit(Side::kBuy, "0.0001", "100")) == SimRefusal::kTooPrecise);
  CHECK(f.Rejected(f.Limit(Side::kBuy, "0", "100")) == SimRefusal::kQtyNotPositive);
  CHECK(f.Rejected(f.Limit(Side::kBuy, "2000", "100")) == SimRefusal::kQtyAboveMax);
  CHECK(f.Rejected(f.Market(Side::kBuy, "101")) == SimRefusal::kQtyAboveMax);  // MARKET_LOT_SIZE
  CHECK(f.Rejected(f.Limit(Side::kBuy, "1", "0.0")) == SimRefusal::kPriceNotPositive);
  CHECK(f.Rejected(f.Limit(Side::kBuy, "0.01", "100")) == SimRefusal::kNotionalTooSmall);
  auto no_price = f.Limit(Side::kBuy, "1", "100");
  no_price.price.reset();
  CHECK(f.Rejected(no_price) == SimRefusal::kMissingParameter);
  auto priced_market = f.Market(Side::kBuy, "1");
  priced_market.price = D("100");
  CHECK(f.Rejected(priced_market) == SimRefusal::kParameterNotAllowed);
  auto bad_symbol = f.Market(Side::kBuy, "1");
  bad_symbol.symbol = "NOPEUSDT";
  CHECK(f.Rejected(bad_symbol) == SimRefusal::kUnknownSymbol);
  auto stop = f.Market(Side::kBuy, "1");
  stop.type = OrderType::kStopMarket;
  auto refused = f.ex->PlaceOrder(f.alice, stop);
  CHECK(RefusalOf(refused.status()) == SimRefusal::kWrongBook);
  CHECK(f.Place(f.Limit(Side::kBuy, "500", "90")).status == OrderStatus::kNew);  // 4,500 margin at 10x
  REQUIRE(f.ex->SetLeverage(f.alice, "TESTUSDT", 1).ok());
  CHECK(f.Rejected(f.Limit(Side::kBuy, "60", "90")) == SimRefusal::kInsufficientMargin);  // 5,400 more at 1x: 45,000 already reserved
  CHECK(f.ex->counters().orders_rejected == 12);
}

TEST_CASE("client order ids: valid, unique among open orders, reusable once closed") {
  SimFixture f;
  auto r = f.Limit(Side::kBuy, "1", "90");
  r.client_order_id = "kdemo-1-e";
  SimOrder o = f.Place(r);
  CHECK(o.client_order_id == "kdemo-1-e");
  CHECK(f.Rejected(r) == SimRefusal::kDuplicateClientId);
  r.client_order_id = "has space";
  CHECK(f.Rejected(r) == SimRefusal::kInvalidClientId);
  r.client_order_id = std::string(37, 'a');
  CHECK(f.Rejected(r) == SimRefusal::kInvalidClientId);
  OrderRef by_client{std::nullopt, std::string("kdemo-1-e")};
  CHECK(f.ex->CancelOrder(f.alice, "TESTUSDT", by_client)->status == OrderStatus::kCanceled);
  CHECK(RefusalOf(f.ex->CancelOrder(f.alice, "TESTUSDT", by_client).status()) == SimRefusal::kUnknownOrder);
  r.client_order_id = "kdemo-1-e";
  SimOrder again = f.Place(r);
  CHECK(f.ex->QueryOrder(f.alice, "TESTUSDT", by_client)->order_id == again.order_id);  // the latest
  CHECK(RefusalOf(f.ex->QueryOrder(f.alice, "TESTUSDT", OrderRef{12345, std::nullopt}).status()) == SimRefusal::kOrderNotFound);
  CHECK(f.Place(f.Limit(Side::kBuy, "1", "90")).client_order_id.size() == 22);  // generated
}

TEST_CASE("reduce-only: refused with nothing to reduce, capped at the position, expired when it closes") {
  SimFixture f;
  auto ro = f.Market(Side::kSell, "1");
  ro.reduce_only = true;
  CHECK(f.Rejected(ro) == SimRefusal::kReduceOnlyWouldIncrease);
  f.Place(f.Market(Side::kBuy, "1"));
  auto wrong_way = f.Market(Side::kBuy, "1");
  wrong_way.reduce_only = true;
  CHECK(f.Rejected(wrong_way) == SimRefusal::kReduceOnlyWouldIncrease);
  // A resting reduce-only take-profit, then a bigger reduce-only market close.
  auto tp = f.Limit(Side::kSell, "1", "105");
  tp.reduce_only = true;
  SimOrder resting = f.Place(tp);
  ro.quantity = D("3");
  SimOrder close = f.Place(ro);
  CHECK(close.executed_qty == D("1"));  // capped at the 1.000 held
  CHECK(close.status == OrderStatus::kExpired);
  CHECK(f.PositionAmount() == D("0"));
  CHECK(f.ex->QueryOrder(f.alice, "TESTUSDT", OrderRef{resting.order_id, std::nullopt})->status ==
        OrderStatus::kExpired);
  CHECK(f.ex->OpenOrders(f.alice, "").empty());
  // Reduce-only orders are exempt from MIN_NOTIONAL.
  f.Place(f.Market(Side::kBuy, "1"));
  ro.quantity = D("0.01");
  CHECK(f.Place(ro).status == OrderStatus::kFilled);
}

TEST_CASE("hedge mode: positionSide is required and LONG and SHORT are separate positions") {
  SimFixture f;
  auto buy = f.Market(Side::kBuy, "1");
  REQUIRE(f.ex->SetDualSidePosition(f.alice, true).ok());
  CHECK(RefusalOf(f.ex->SetDualSidePosition(f.alice, true)) == SimRefusal::kPositionModeUnchanged);
  CHECK(f.Rejected(buy) == SimRefusal::kPositionSideMismatch);
  buy.position_side = PositionSide::kLong;
  f.Place(buy);
  auto sell = f.Market(Side::kSell, "2");
  sell.position_side = PositionSide::kShort;
  f.Place(sell);
  CHECK(f.PositionAmount(PositionSide::kLong) == D("1"));
  CHECK(f.PositionAmount(PositionSide::kShort) == D("-2"));
  auto ro = sell;
  ro.reduce_only = true;
  CHECK(f.Rejected(ro) == SimRefusal::kParameterNotAllowed);
  auto close_long = f.Market(Side::kSell, "1.5");
  close_long.position_side = PositionSide::kLong;
  CHECK(f.Rejected(close_long) == SimRefusal::kReduceOnlyWouldIncrease);  // more than the LONG leg holds
  close_long.quantity = D("1");
  f.Place(close_long);
  CHECK(f.PositionAmount(PositionSide::kLong) == D("0"));
  CHECK(f.PositionAmount(PositionSide::kShort) == D("-2"));
  CHECK(RefusalOf(f.ex->SetDualSidePosition(f.alice, false)) == SimRefusal::kPositionModeOpenPosition);
}

TEST_CASE("modify: amendment, no-op refusal, the documented cancellations, and lost priority") {
  SimFixture f;
  SimOrder o = f.Place(f.Limit(Side::kBuy, "2", "99.0"));
  f.Events();
  ModifyRequest m{"TESTUSDT", OrderRef{o.order_id, std::nullopt}, Side::kBuy, D("2"), D("99.0")};
  CHECK(RefusalOf(f.ex->ModifyOrder(f.alice, m).status()) == SimRefusal::kUnchanged);
  m.price = D("99.5");
  SimOrder amended = f.ex->ModifyOrder(f.alice, m).value();
  CHECK(amended.price == D("99.5"));
  CHECK(amended.modifications == 1);
  CHECK(f.Events() == std::vector<std::string>{"ORDER_TRADE_UPDATE AMENDMENT NEW"});
  m.price = D("99.55");
  CHECK(RefusalOf(f.ex->ModifyOrder(f.alice, m).status()) == SimRefusal::kTooPrecise);  // filters leave it unchanged
  CHECK(f.ex->OpenOrders(f.alice, "TESTUSDT")[0].price == D("99.5"));
  // Amending through the ask takes liquidity at once.
  m.price = D("100.1");
  SimOrder crossed = f.ex->ModifyOrder(f.alice, m).value();
  CHECK(crossed.status == OrderStatus::kPartiallyFilled);
  CHECK(crossed.executed_qty == D("1"));
  // Partially filled and the new quantity not above what was executed: cancelled instead.
  m.quantity = D("1");
  m.price = D("99");
  CHECK(f.ex->ModifyOrder(f.alice, m)->status == OrderStatus::kCanceled);
  // A post-only order amended to cross is cancelled, not turned into a taker.
  SimOrder gtx = f.Place(f.Limit(Side::kSell, "1", "101", TimeInForce::kGtx));
  ModifyRequest mg{"TESTUSDT", OrderRef{gtx.order_id, std::nullopt}, Side::kSell, D("1"), D("99.9")};
  CHECK(f.ex->ModifyOrder(f.alice, mg)->status == OrderStatus::kCanceled);
  CHECK(RefusalOf(f.ex->ModifyOrder(f.alice, mg).status()) == SimRefusal::kOrderNotFound);
  CHECK(RefusalOf(f.ex->ModifyOrder(f.alice, ModifyRequest{"TESTUSDT", OrderRef{gtx.order_id, std::nullopt}, Side::kBuy,
                                                  D("1"), D("98")})
             .status()) == SimRefusal::kOrderNotFound);
}

TEST_CASE("realized PnL and fees reach the wallet; the summary values open positions at the mark") {
  SimFixture f;
  f.Place(f.Market(Side::kBuy, "1"));                      // 100.1, fee 0.05005
  REQUIRE(f.ex->MovePrice("TESTUSDT", D("10"), 0).ok());   // last 110
  AccountSummary s = f.ex->Summary(f.alice);
  CHECK(s.unrealized_pnl == D("9.9"));
  CHECK(s.position_initial_margin == D("11"));
  f.Place(f.Market(Side::kSell, "1"));                     // 109.9, fee 0.05495
  s = f.ex->Summary(f.alice);
  CHECK(s.unrealized_pnl == D("0"));
  CHECK(s.wallet_balance == D("10009.695"));               // +9.8 - 0.105
  CHECK(f.ex->Positions(f.alice)[0].accumulated_realized == D("9.8"));
}

TEST_CASE("exchange-side acts: cancel, expire with a reason, fill now") {
  SimFixture f;
  SimOrder a = f.Place(f.Limit(Side::kBuy, "2", "95"));
  SimOrder b = f.Place(f.Limit(Side::kBuy, "1", "94"));
  f.Events();
  auto filled = f.ex->ExchangeFill(f.alice, "TESTUSDT", OrderRef{a.order_id, std::nullopt}, D("0.5"));
  REQUIRE(filled.ok());
  CHECK(filled->status == OrderStatus::kPartiallyFilled);
  auto expired = f.ex->ExchangeCancel(f.alice, "TESTUSDT", OrderRef{b.order_id, std::nullopt}, true, "GTD expired");
  CHECK(expired->status == OrderStatus::kExpired);
  auto events = f.ex->TakeUserEvents();
  REQUIRE(events.size() == 4);  // TRADE_LITE, ACCOUNT_UPDATE and ORDER_TRADE_UPDATE for the fill; the expiry
  CHECK(std::holds_alternative<TradeLite>(events[0].body));
  CHECK(std::get<OrderUpdate>(events[3].body).expiry_reason == "GTD expired");
  CHECK(f.ex->ExchangeCancel(f.alice, "TESTUSDT", OrderRef{b.order_id, std::nullopt}, false, "").status().IsNotFound());
  CHECK(f.ex->ExchangeFill(f.alice, "TESTUSDT", OrderRef{a.order_id, std::nullopt}, D("5")).status().IsInvalidInput());
}

TEST_CASE("listen keys: one per account, extended by keepalive, expired after an hour of silence") {
  SimFixture f;
  const std::string key = f.ex->CreateListenKey(f.alice);
  CHECK(key.size() == 64);
  CHECK(f.ex->CreateListenKey(f.alice) == key);
  CHECK(*f.ex->AccountForListenKey(key) == f.alice);
  f.clock.Advance(59 * 60 * 1000);
  REQUIRE(f.ex->KeepAliveListenKey(f.alice, key).ok());
  f.clock.Advance(59 * 60 * 1000);
  f.ex->Advance();
  CHECK(f.ex->AccountForListenKey(key));
  f.Events();
  f.clock.Advance(2 * 60 * 1000);
  f.ex->Advance();
  CHECK(!f.ex->AccountForListenKey(key));
  CHECK(f.Events() == std::vector<std::string>{"listenKeyExpired"});
  CHECK(RefusalOf(f.ex->KeepAliveListenKey(f.alice, key)) == SimRefusal::kUnknownListenKey);
  CHECK(f.ex->CreateListenKey(f.alice) != key);
}

TEST_CASE("price bands and leverage brackets, in the exchange's codes") {
  SimConfig config = keel::sim::test::TestConfig();
  config.instruments[0].percent_price_up = D("1.05");
  config.instruments[0].percent_price_down = D("0.95");
  SimFixture f(config);
  // PERCENT_PRICE around the mark (100): above 105 is -4016, below 95 is -4024.
  CHECK(f.Rejected(f.Limit(Side::kSell, "1", "105.1")) == SimRefusal::kPriceAboveBand);
  CHECK(f.Rejected(f.Limit(Side::kBuy, "1", "94.9")) == SimRefusal::kPriceBelowBand);
  CHECK(f.Place(f.Limit(Side::kBuy, "1", "95.0")).status == OrderStatus::kNew);
  // Brackets: 75x at most, and a position is capped by what its leverage allows.
  const auto& brackets = f.ex->FindMarket("TESTUSDT")->instrument().brackets;
  REQUIRE(brackets.size() == 10);
  CHECK(brackets[1].cum == D("25"));  // 5000 * (0.01 - 0.005): the maintenance margin is continuous
  CHECK(RefusalOf(f.ex->SetLeverage(f.alice, "TESTUSDT", 76).status()) == SimRefusal::kInvalidLeverage);
  REQUIRE(f.ex->SetLeverage(f.alice, "TESTUSDT", 75).ok());
  CHECK(f.ex->max_notional(f.alice, "TESTUSDT") == D("5000"));
  CHECK(f.Rejected(f.Market(Side::kBuy, "51")) == SimRefusal::kPositionLimit);  // 5,100 notional above the 75x cap of 5,000
  REQUIRE(f.ex->SetLeverage(f.alice, "TESTUSDT", 10).ok());
  CHECK(f.ex->max_notional(f.alice, "TESTUSDT") == D("1000000"));
  CHECK(f.ex->maintenance_margin("TESTUSDT", D("10000")) == D("75"));  // 10,000 * 0.01 - 25
}

namespace {
// A wall clock as a process sees it: every reading is a millisecond later than the one before.
class TickingClock final : public Clock {
 public:
  TimeMs NowMs() const override { return ++now_; }
  void SleepMs(TimeMs ms) const override { now_ += ms; }

 private:
  mutable TimeMs now_ = 1'795'165'200'000;
};
}  // namespace

// CI flake (e2e scenario 9 under ASan): the fill's pushes were stamped when each was queued, a
// millisecond after the position row they report; a close then looked moved on since the read that
// proved it flat. Every push of one fill carries the fill's instant as its transaction time.
TEST_CASE("a fill's pushes carry the fill's one instant as their transaction time, however the clock moves") {
  TickingClock clock;
  auto created = SimExchange::Create(keel::sim::test::TestConfig(), clock);
  REQUIRE(created.ok());
  auto& ex = **created;
  ex.set_market_events(false);
  NewOrderRequest r;
  r.symbol = "TESTUSDT";
  r.side = Side::kBuy;
  r.type = OrderType::kMarket;
  r.quantity = D("1");
  REQUIRE(ex.PlaceOrder(0, r).ok());
  auto events = ex.TakeUserEvents();
  const AccountUpdate* account = nullptr;
  for (const auto& e : events)
    if (const auto* a = std::get_if<AccountUpdate>(&e.body)) account = a;
  REQUIRE(account != nullptr);
  REQUIRE(account->positions.size() == 1);
  const TimeMs row_time = account->positions.front().update_time;
  int fill_pushes = 0;
  for (const auto& e : events) {
    if (std::holds_alternative<TradeLite>(e.body) || std::holds_alternative<AccountUpdate>(e.body) ||
        (std::holds_alternative<OrderUpdate>(e.body) && std::get<OrderUpdate>(e.body).execution_type == "TRADE")) {
      ++fill_pushes;
      CHECK(e.transaction_time == row_time);
    }
  }
  CHECK(fill_pushes == 3);
}
