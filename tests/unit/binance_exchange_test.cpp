// The Binance adapter against the in-process simulator, over the in-memory transport.
#include <doctest/doctest.h>

#include "keel/binance/binance_exchange.h"
#include "keel/binance/errors.h"
#include "keel/sim/sim_venue.h"
#include "sim_fixture.h"

using namespace keel;
using namespace keel::sim;
using keel::sim::test::D;

namespace {

struct AdapterFixture {
  ManualClock clock{1'795'165'200'000};
  std::unique_ptr<SimVenue> venue;
  std::unique_ptr<net::InMemoryTransport> transport;
  std::unique_ptr<binance::BinanceExchange> exchange;
  AdapterFixture() {
    venue = SimVenue::Create(keel::sim::test::TestConfig(), clock).value();
    venue->exchange().set_market_events(false);
    transport = std::make_unique<net::InMemoryTransport>([this](const net::HttpRequest& r) { return venue->HandleHttp(r); });
    exchange = std::make_unique<binance::BinanceExchange>(std::make_unique<binance::RestClient>(
        *transport, "key-a", Secret("secret-a"), clock, [this](TimeMs ms) { clock.Advance(ms); }));
  }
  PlaceOrder Market(Side side, const char* qty, const std::string& cid) {
    PlaceOrder o;
    o.client_order_id = cid;
    o.symbol = "TESTUSDT";
    o.side = side;
    o.type = OrderType::kMarket;
    o.qty = D(qty);
    return o;
  }
};

}  // namespace

TEST_CASE("the adapter places, reads and cancels through the exchange's own endpoints") {
  AdapterFixture f;
  auto instruments = f.exchange->Instruments();
  REQUIRE(instruments.ok());
  CHECK(instruments->instruments[0].symbol == "TESTUSDT");
  auto filled = f.exchange->Place(f.Market(Side::kBuy, "2", "k-1-e"));
  REQUIRE_MESSAGE(filled.ok(), filled.status().ToString());
  CHECK(filled->status == OrderStatus::kFilled);
  CHECK(filled->filled_qty == D("2"));
  auto positions = f.exchange->Positions();
  REQUIRE(positions->size() == 1);
  CHECK((*positions)[0].amount == D("2"));

  PlaceOrder stop;
  stop.book = OrderBook::kConditional;
  stop.client_order_id = "k-1-s";
  stop.symbol = "TESTUSDT";
  stop.side = Side::kSell;
  stop.type = OrderType::kStopMarket;
  stop.trigger_price = D("95");
  stop.close_position = true;
  auto placed = f.exchange->Place(stop);
  REQUIRE_MESSAGE(placed.ok(), placed.status().ToString());
  CHECK(placed->book == OrderBook::kConditional);
  PlaceOrder resting = f.Market(Side::kBuy, "1", "k-2-g");
  resting.type = OrderType::kLimit;
  resting.time_in_force = TimeInForce::kGtc;
  resting.price = D("96");
  REQUIRE(f.exchange->Place(resting).ok());
  auto open = f.exchange->OpenOrders();
  REQUIRE(open.ok());
  REQUIRE(open->size() == 2);  // the regular order and the stop from the algo service
  CHECK((*open)[0].client_order_id == "k-2-g");
  CHECK((*open)[1].client_order_id == "k-1-s");
  // The REST algo cancel answers an acknowledgement only: a success, with no order made up from it.
  auto algo_cancel = f.exchange->Cancel(OrderBook::kConditional, "TESTUSDT", "k-1-s");
  REQUIRE_MESSAGE(algo_cancel.ok(), algo_cancel.status().ToString());
  CHECK(algo_cancel->client_order_id == "k-1-s");
  CHECK(algo_cancel->exchange_order_id == placed->exchange_order_id);
  CHECK(!algo_cancel->order);
  CHECK(f.exchange->Query(OrderBook::kConditional, "TESTUSDT", "k-1-s")->status == OrderStatus::kCanceled);
  auto regular_cancel = f.exchange->Cancel(OrderBook::kRegular, "TESTUSDT", "k-2-g");
  REQUIRE(regular_cancel.ok());
  REQUIRE(regular_cancel->order);
  CHECK(regular_cancel->order->status == OrderStatus::kCanceled);
  CHECK(f.exchange->Query(OrderBook::kRegular, "TESTUSDT", "nope").status().IsNotFound());
  CHECK(f.exchange->Cancel(OrderBook::kRegular, "TESTUSDT", "k-2-g").status().IsNotFound());
  CHECK(!*f.exchange->HedgeMode());
  auto wrong_book = stop;
  wrong_book.book = OrderBook::kRegular;
  CHECK(f.exchange->Place(wrong_book).status().IsInvalidInput());
}

TEST_CASE("a minimal acknowledgement is completed by a query, not by defaults (seed 001)") {
  AdapterFixture f;
  f.venue->faults().minimal_ack_next = 1;
  auto o = f.exchange->Place(f.Market(Side::kSell, "3", "k-avl-1"));
  REQUIRE_MESSAGE(o.ok(), o.status().ToString());
  CHECK(o->side == Side::kSell);  // known from the exchange, not invented
  CHECK(o->qty == D("3"));
  CHECK(o->status == OrderStatus::kFilled);
}

TEST_CASE("a lost answer is an unknown outcome, and the order is then found by client id") {
  AdapterFixture f;
  f.venue->faults().placement.push_back(PlacementFault{PlacementFault::When::kAfterAccept, PlacementFault::How::kServerError, 1});
  auto o = f.exchange->Place(f.Market(Side::kBuy, "1", "k-lost"));
  REQUIRE(!o.ok());
  CHECK(o.status().IsUnknownOutcome());
  CHECK(o.status().message().find("settle it by client order id") != std::string::npos);
  auto settled = f.exchange->Query(OrderBook::kRegular, "TESTUSDT", "k-lost");
  REQUIRE(settled.ok());
  CHECK(settled->status == OrderStatus::kFilled);
  f.transport->FailNext(1);
  CHECK(f.exchange->Positions().status().IsTransport());
}

TEST_CASE("an answer that does not tell the outcome is an unknown outcome, never a rejection") {
  using How = PlacementFault::How;
  for (How how : {How::kTimeout, How::kServerError, How::kRequestTimeout408, How::kUnexpectedResponse1006,
                  How::kBackendTimeout1007, How::kGarbled}) {
    for (auto when : {PlacementFault::When::kBeforeAccept, PlacementFault::When::kAfterAccept}) {
      AdapterFixture f;
      f.venue->faults().placement.push_back(PlacementFault{when, how, 1});
      auto o = f.exchange->Place(f.Market(Side::kBuy, "1", "k-unsure"));
      REQUIRE(!o.ok());
      CHECK_MESSAGE(o.status().IsUnknownOutcome(), o.status().ToString());
      CHECK(o.status().message().find("settle it by client order id") != std::string::npos);
      // Whatever happened is found by client order id afterwards.
      auto found = f.exchange->Query(OrderBook::kRegular, "TESTUSDT", "k-unsure");
      CHECK(found.ok() == (when == PlacementFault::When::kAfterAccept));
    }
  }
}

TEST_CASE("an acknowledgement followed by a failed query is an unknown outcome") {
  AdapterFixture f;
  f.venue->faults().minimal_ack_next = 1;
  PlaceOrder bid = f.Market(Side::kBuy, "1", "k-bid");
  bid.type = OrderType::kLimit;
  bid.time_in_force = TimeInForce::kGtc;
  bid.price = D("96");
  REQUIRE(f.exchange->Query(OrderBook::kRegular, "TESTUSDT", "x").status().IsNotFound());  // time synced
  f.transport->FailNext(1, 1);  // the placement goes through, the query after its minimal ack does not
  auto o = f.exchange->Place(bid);
  REQUIRE(!o.ok());
  CHECK_MESSAGE(o.status().IsUnknownOutcome(), o.status().ToString());
  CHECK(o.status().message().find("the query for it failed") != std::string::npos);
  CHECK(f.exchange->Query(OrderBook::kRegular, "TESTUSDT", "k-bid")->status == OrderStatus::kNew);
}

TEST_CASE("a definite refusal is a rejection: the order was not placed") {
  AdapterFixture f;
  auto tiny = f.exchange->Place(f.Market(Side::kBuy, "0.001", "k-tiny"));  // notional 0.1 < MIN_NOTIONAL 5
  REQUIRE(!tiny.ok());
  CHECK(tiny.status().IsExchange());
  CHECK(binance::IsDefiniteRejection(tiny.status()));
  f.transport->FailNext(1);
  auto unsent = f.exchange->Place(f.Market(Side::kBuy, "1", "k-unsent"));
  CHECK(unsent.status().IsTransport());
  CHECK(binance::IsDefiniteRejection(unsent.status()));
}

TEST_CASE("an amend moves a resting post-only order; an order no longer open is not found, never amended") {
  AdapterFixture f;
  PlaceOrder maker = f.Market(Side::kBuy, "1", "k-mk-1");
  maker.type = OrderType::kLimit;
  maker.time_in_force = TimeInForce::kGtx;
  maker.price = D("99.9");
  REQUIRE(f.exchange->Place(maker).ok());
  auto moved = f.exchange->Amend(AmendOrder{"k-mk-1", "TESTUSDT", Side::kBuy, D("1"), D("99.8")});
  REQUIRE_MESSAGE(moved.ok(), moved.status().ToString());
  CHECK(moved->status == OrderStatus::kNew);
  CHECK(moved->price == D("99.8"));
  // The same values again: -5027, a refusal, not a lost answer.
  auto same = f.exchange->Amend(AmendOrder{"k-mk-1", "TESTUSDT", Side::kBuy, D("1"), D("99.8")});
  CHECK(same.status().IsExchange());
  CHECK(same.status().venue_code() == std::optional<int>(-5027));
  // A post-only order moved across the book is cancelled instead (the documented rule).
  auto crossed = f.exchange->Amend(AmendOrder{"k-mk-1", "TESTUSDT", Side::kBuy, D("1"), D("100.1")});
  REQUIRE(crossed.ok());
  CHECK(crossed->status == OrderStatus::kCanceled);
  // Cancelled: -2013 "Order does not exist." is kNotFound, the ghost path's signal.
  auto ghost = f.exchange->Amend(AmendOrder{"k-mk-1", "TESTUSDT", Side::kBuy, D("1"), D("99.7")});
  CHECK(ghost.status().IsNotFound());
  f.transport->FailNext(1);
  CHECK(f.exchange->Amend(AmendOrder{"k-mk-1", "TESTUSDT", Side::kBuy, D("1"), D("99.7")}).status().IsTransport());
}

namespace {
// A long of 2 TESTUSDT with a reduce-only STOP (limit) sell triggered at 97 with limit price
// `limit`; then the price falls 5 % so that it triggers.
OrderReport TriggeredStop(AdapterFixture& f, const char* limit) {
  REQUIRE(f.exchange->Place(f.Market(Side::kBuy, "2", "k-long")).ok());
  PlaceOrder stop;
  stop.book = OrderBook::kConditional;
  stop.client_order_id = "k-stop";
  stop.symbol = "TESTUSDT";
  stop.side = Side::kSell;
  stop.type = OrderType::kStop;
  stop.time_in_force = TimeInForce::kGtc;
  stop.qty = D("2");
  stop.price = D(limit);
  stop.trigger_price = D("97");
  stop.reduce_only = true;
  stop.mark_price_trigger = false;
  auto placed = f.exchange->Place(stop);
  REQUIRE_MESSAGE(placed.ok(), placed.status().ToString());
  REQUIRE(f.venue->exchange().MovePrice("TESTUSDT", D("-5"), 0).ok());
  return *placed;
}
}  // namespace

TEST_CASE("FINISHED is decided by the actual order: filled") {
  AdapterFixture f;
  TriggeredStop(f, "90");  // the triggered sell at 90 takes the bid: filled
  auto q = f.exchange->Query(OrderBook::kConditional, "TESTUSDT", "k-stop");
  REQUIRE_MESSAGE(q.ok(), q.status().ToString());
  CHECK(q->status == OrderStatus::kFilled);
  CHECK(q->filled_qty == D("2"));
}

TEST_CASE("FINISHED is decided by the actual order: cancelled in the matching engine, never called filled") {
  AdapterFixture f;
  TriggeredStop(f, "150");  // the triggered sell at 150 rests...
  auto resting = f.venue->exchange().OpenOrders(0, "TESTUSDT");
  REQUIRE(resting.size() == 1);
  OrderRef ref;
  ref.order_id = resting[0].order_id;
  REQUIRE(f.venue->exchange().ExchangeCancel(0, "TESTUSDT", ref, false, "test").ok());  // ...and is cancelled
  REQUIRE(f.venue->exchange().QueryAlgoOrder(0, OrderRef{std::nullopt, std::string("k-stop")})->status ==
          AlgoStatus::kFinished);
  auto q = f.exchange->Query(OrderBook::kConditional, "TESTUSDT", "k-stop");
  REQUIRE_MESSAGE(q.ok(), q.status().ToString());
  CHECK(q->status == OrderStatus::kCanceled);
  CHECK(q->filled_qty == D("0"));
  CHECK(f.venue->exchange().Position(0, "TESTUSDT", PositionSide::kBoth).amount == D("2"));  // still open
}

TEST_CASE("hedge mode: a close is a closing pair, refused before sending otherwise") {
  AdapterFixture f;
  REQUIRE(f.venue->exchange().SetDualSidePosition(0, true).ok());
  PlaceOrder open_long = f.Market(Side::kBuy, "2", "k-long");
  open_long.position_side = PositionSide::kLong;
  REQUIRE(f.exchange->Place(open_long).ok());
  const long sent = f.transport->requests();
  PlaceOrder wrong = f.Market(Side::kBuy, "2", "k-wrong-close");  // BUY on LONG would add, not close
  wrong.position_side = PositionSide::kLong;
  wrong.reduce_only = true;
  auto refused = f.exchange->Place(wrong);
  REQUIRE(!refused.ok());
  CHECK(refused.status().IsInvalidInput());
  CHECK(refused.status().message().find("a close is SELL LONG") != std::string::npos);
  CHECK(f.transport->requests() == sent);  // nothing was sent
  PlaceOrder stop;  // the same rule for a closePosition stop
  stop.book = OrderBook::kConditional;
  stop.client_order_id = "k-wrong-stop";
  stop.symbol = "TESTUSDT";
  stop.side = Side::kBuy;
  stop.position_side = PositionSide::kLong;
  stop.type = OrderType::kStopMarket;
  stop.trigger_price = D("95");
  stop.close_position = true;
  CHECK(f.exchange->Place(stop).status().IsInvalidInput());

  PlaceOrder right = f.Market(Side::kSell, "2", "k-close");
  right.position_side = PositionSide::kLong;
  right.reduce_only = true;  // not sent in hedge mode (the venue would refuse it), held to the pair instead
  auto closed = f.exchange->Place(right);
  REQUIRE_MESSAGE(closed.ok(), closed.status().ToString());
  CHECK(f.venue->exchange().Position(0, "TESTUSDT", PositionSide::kLong).amount == D("0"));
}
