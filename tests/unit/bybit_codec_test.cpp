// The Bybit v5 codec on the documentation's own examples (tests/fixtures/bybit, see SOURCES.md).
#include <doctest/doctest.h>

#include "keel/bybit/codec.h"
#include "temp_dir.h"
#include "venue_fixture.h"
#include "subprocess.h"

using namespace keel;
using namespace keel::bybit;

namespace {

std::string fixture(const std::string& name) { return keel::test::bybit_fixture(name); }

Decimal D(const char* t) { return Decimal::Parse(t).value(); }

}  // namespace

TEST_CASE("bybit codec: the create answer is a minimal acknowledgement: ids only, nothing else inferred") {
  auto e = ParseEnvelope(fixture("order_create.json"));
  REQUIRE_MESSAGE(e.ok(), e.status().ToString());
  CHECK(e->ret_code == 0);
  CHECK(e->ret_msg == "OK");
  CHECK(e->result.find("\"orderId\"") != std::string::npos);
  // It is not an order: reading it as one fails, naming what is missing, instead of inventing a side.
  auto as_order = ParseOrderRow(e->result);
  REQUIRE(!as_order.ok());
  CHECK(as_order.status().message().find("missing") != std::string::npos);
}

TEST_CASE("bybit codec: /v5/order/realtime rows: a hedge-mode limit Buy, New, with its cursor") {
  auto e = ParseEnvelope(fixture("order_realtime.json"));
  REQUIRE(e.ok());
  auto page = ParseOrderPage(e->result);
  REQUIRE_MESSAGE(page.ok(), page.status().ToString());
  CHECK(page->next_cursor == "page_args%3Dfd4300ae-7847-404e-b947-b46980a4d140%26symbol%3D6%26");
  REQUIRE(page->orders.size() == 1);
  const OrderReport& o = page->orders[0];
  CHECK(o.exchange_order_id == "fd4300ae-7847-404e-b947-b46980a4d140");
  CHECK(o.client_order_id == "test-000005");
  CHECK(o.symbol == "ETHUSDT");
  CHECK(o.side == Side::kBuy);
  CHECK(o.position_side == PositionSide::kLong);  // positionIdx 1
  CHECK(o.type == OrderType::kLimit);
  CHECK(o.book == OrderBook::kRegular);  // stopOrderType UNKNOWN, triggerPrice 0
  CHECK(o.status == OrderStatus::kNew);
  CHECK(o.qty == D("0.10"));
  CHECK(o.price == D("1600.00"));
  CHECK(o.filled_qty.is_zero());
  CHECK(o.update_time == 1684738540561);
}

TEST_CASE("bybit codec: /v5/position/list: size is unsigned, side gives the direction") {
  auto e = ParseEnvelope(fixture("position_list.json"));
  REQUIRE(e.ok());
  auto page = ParsePositionPage(e->result);
  REQUIRE_MESSAGE(page.ok(), page.status().ToString());
  REQUIRE(page->positions.size() == 1);
  CHECK(page->positions[0].symbol == "BTCUSD");
  CHECK(page->positions[0].position_side == PositionSide::kBoth);
  CHECK(page->positions[0].amount == D("-300"));
  CHECK(page->positions[0].entry_price == D("27464.50441675"));
  CHECK(page->positions[0].update_time == 1697673600012);
  // A size with no side cannot be signed: an error, never a guess.
  auto bad = ParsePositionPage(R"({"list":[{"positionIdx":0,"symbol":"BTCUSDT","side":"","size":"0.5"}]})");
  REQUIRE(!bad.ok());
  CHECK(bad.status().message().find("side") != std::string::npos);
}

TEST_CASE("bybit codec: the position's own TP/SL, on the position row and as the orders Bybit makes for it") {
  auto replaced = [](std::string text, const std::string& from, const std::string& to) {
    const auto at = text.find(from);
    REQUIRE(at != std::string::npos);
    return text.replace(at, from.size(), to);
  };
  // The documented row says "0.00" for each: unset.
  auto e = ParseEnvelope(fixture("position_list.json"));
  REQUIRE(e.ok());
  auto page = ParsePositionPage(e->result);
  REQUIRE(page.ok());
  CHECK(page->positions[0].stop_loss.is_zero());
  CHECK(page->positions[0].take_profit.is_zero());
  CHECK(page->positions[0].trailing_stop.is_zero());
  // The same row after trading-stop's own request example (takeProfit "0.6", stopLoss "0.2").
  e = ParseEnvelope(replaced(replaced(fixture("position_list.json"), R"("stopLoss": "0.00")", R"("stopLoss": "0.2")"),
                              R"("takeProfit": "0.00")", R"("takeProfit": "0.6")"));
  REQUIRE(e.ok());
  page = ParsePositionPage(e->result);
  REQUIRE_MESSAGE(page.ok(), page.status().ToString());
  CHECK(page->positions[0].stop_loss == D("0.2"));
  CHECK(page->positions[0].take_profit == D("0.6"));

  // An order Bybit made for it: stopOrderType StopLoss, no orderLinkId (the documented realtime row,
  // made into one).
  const std::string tpsl =
      replaced(replaced(replaced(fixture("order_realtime.json"), R"("stopOrderType": "UNKNOWN")", R"("stopOrderType": "StopLoss")"),
                        R"("orderLinkId": "test-000005")", R"("orderLinkId": "")"),
               R"("triggerPrice": "0.00")", R"("triggerPrice": "1500.00")");
  auto orders = ParseEnvelope(tpsl);
  REQUIRE(orders.ok());
  auto listed = ParseOrderPage(orders->result);
  REQUIRE_MESSAGE(listed.ok(), listed.status().ToString());
  const OrderReport& o = listed->orders[0];
  CHECK(o.position_tpsl);
  CHECK(o.client_order_id.empty());
  CHECK(o.book == OrderBook::kConditional);
  CHECK(o.type == OrderType::kStop);  // orderType Limit
  CHECK(o.trigger_price == D("1500.00"));
  // A conditional order placed through create ("Stop") is a client's, not the position's own.
  orders = ParseEnvelope(replaced(tpsl, R"("stopOrderType": "StopLoss")", R"("stopOrderType": "Stop")"));
  REQUIRE(orders.ok());
  auto plain = ParseOrderPage(orders->result);
  REQUIRE(plain.ok());
  CHECK(!plain->orders[0].position_tpsl);
}

// The documentation's order topic example is an option row; keel trades linear alone, so the row
// is read here as the linear row it would be, and as itself in the test after.
static std::string AsLinear(std::string json) {
  json.replace(json.find(R"("category": "option")"), 20, R"("category": "linear")");
  return json;
}

TEST_CASE("bybit codec: the order topic: each row an OrderEvent, values kept as sent") {
  auto m = ParsePrivateMessage(AsLinear(fixture("ws_order.json")));
  REQUIRE_MESSAGE(m.ok(), m.status().ToString());
  auto* o = std::get_if<OrderTopicEvent>(&*m);
  REQUIRE(o);
  CHECK(o->creation_time == 1672364262474);
  REQUIRE(o->orders.size() == 1);
  const OrderEvent& e = o->orders[0];
  CHECK(e.venue_event == "order");
  CHECK(e.symbol == "ETH-30DEC22-1400-C");
  CHECK(e.side == Side::kSell);
  CHECK(e.venue_status == "Filled");
  CHECK(e.status == std::optional<OrderStatus>(OrderStatus::kFilled));
  CHECK(e.type == std::optional<OrderType>(OrderType::kMarket));
  CHECK(e.filled_qty == D("1"));
  CHECK(e.avg_price == D("75"));
  CHECK(e.last_qty.is_zero());  // the order topic carries no fill of its own
  CHECK(e.transaction_time == 1672364262457);
  CHECK(e.expiry_reason.empty());  // cancelType UNKNOWN
  CHECK(e.reason.empty());         // rejectReason EC_NoError
  CHECK(e.recognized());
}

TEST_CASE("bybit codec: rows of another category than linear are left out and named, never applied") {
  // The all-in-one topic of a unified account: the documentation's option row.
  std::vector<std::string> others;
  auto m = ParsePrivateMessage(fixture("ws_order.json"), &others);
  REQUIRE_MESSAGE(m.ok(), m.status().ToString());
  CHECK(std::get<OrderTopicEvent>(*m).orders.empty());
  CHECK(others == std::vector<std::string>{"option ETH-30DEC22-1400-C"});
  // A spot BTCUSDT fill is no fill of the BTCUSDT perpetual.
  std::string spot = fixture("ws_execution.json");
  spot.replace(spot.find(R"("category": "linear")"), 20, R"("category": "spot")");
  others.clear();
  auto x = ParsePrivateMessage(spot, &others);
  REQUIRE_MESSAGE(x.ok(), x.status().ToString());
  CHECK(std::get<ExecutionEvent>(*x).executions.empty());
  CHECK(others == std::vector<std::string>{"spot BTCUSDT"});
  std::string inverse = fixture("ws_position.json");
  inverse.replace(inverse.find(R"("category": "linear")"), 20, R"("category": "inverse")");
  auto p = ParsePrivateMessage(inverse);
  REQUIRE_MESSAGE(p.ok(), p.status().ToString());
  CHECK(std::get<PositionEvent>(*p).positions.empty());
  // A categorised topic of another category is not keel's.
  std::string spot_topic = fixture("ws_execution.json");
  spot_topic.replace(spot_topic.find(R"("topic": "execution")"), 20, R"("topic": "execution.spot")");
  auto ignored = ParsePrivateMessage(spot_topic);
  REQUIRE(ignored.ok());
  CHECK(std::get<IgnoredTopic>(*ignored).topic == "execution.spot");
  // ... and execution.linear is.
  std::string linear_topic = fixture("ws_execution.json");
  linear_topic.replace(linear_topic.find(R"("topic": "execution")"), 20, R"("topic": "execution.linear")");
  CHECK(std::get<ExecutionEvent>(*ParsePrivateMessage(linear_topic)).executions.size() == 1);
}

TEST_CASE("bybit codec: an order status keel does not know is carried, not dropped") {
  std::string json = AsLinear(fixture("ws_order.json"));
  json.replace(json.find("\"Filled\""), 8, "\"Frozen\"");
  auto m = ParsePrivateMessage(json);
  REQUIRE_MESSAGE(m.ok(), m.status().ToString());
  const OrderEvent& e = std::get<OrderTopicEvent>(*m).orders.at(0);
  CHECK(!e.status);
  CHECK(e.venue_status == "Frozen");
  CHECK(!e.recognized());
  CHECK(e.unrecognized == std::vector<std::string>{"orderStatus=Frozen"});
  CHECK(!e.Report().ok());
  // A side keel cannot read fails the message: it is never a default.
  std::string no_side = AsLinear(fixture("ws_order.json"));
  no_side.replace(no_side.find("\"Sell\""), 6, "\"Short\"");
  auto bad = ParsePrivateMessage(no_side);
  REQUIRE(!bad.ok());
  CHECK(bad.status().message().find("side") != std::string::npos);
}

TEST_CASE("bybit codec: the execution topic: one fill per row") {
  auto m = ParsePrivateMessage(fixture("ws_execution.json"));
  REQUIRE_MESSAGE(m.ok(), m.status().ToString());
  auto* x = std::get_if<ExecutionEvent>(&*m);
  REQUIRE(x);
  REQUIRE(x->executions.size() == 1);
  const Execution& e = x->executions[0];
  CHECK(e.symbol == "BTCUSDT");
  CHECK(e.order_id == "9aac161b-8ed6-450d-9cab-c5cc67c21784");
  CHECK(e.side == Side::kSell);
  CHECK(e.exec_id == "0ab1bdf7-4219-438b-b30a-32ec863018f7");
  CHECK(e.exec_type == "Trade");
  CHECK(e.exec_qty == D("0.5"));
  CHECK(e.exec_price == D("95900.1"));
  CHECK(e.closed_size == D("0.5"));
  CHECK(!e.is_maker);
  CHECK(e.exec_time == 1746270400353);
  CHECK(e.seq == 140612148849382);
}

TEST_CASE("bybit codec: the position topic: a flat hedge-mode row (side \"\", size 0)") {
  auto m = ParsePrivateMessage(fixture("ws_position.json"));
  REQUIRE_MESSAGE(m.ok(), m.status().ToString());
  auto* p = std::get_if<PositionEvent>(&*m);
  REQUIRE(p);
  CHECK(p->event_time == 1697682317044);
  REQUIRE(p->positions.size() == 1);
  CHECK(p->positions[0].symbol == "BTCUSDT");
  CHECK(p->positions[0].position_side == PositionSide::kShort);  // positionIdx 2
  CHECK(p->positions[0].amount.is_zero());
  CHECK(p->positions[0].update_time == 1697682317038);
}

TEST_CASE("bybit codec: control replies and topics keel does not use") {
  auto auth = ParsePrivateMessage(R"({"success":true,"ret_msg":"","op":"auth","conn_id":"cejreaspqfh3sjdnldmg-p"})");
  REQUIRE(auth.ok());
  CHECK(std::get<ControlReply>(*auth).op == "auth");
  CHECK(std::get<ControlReply>(*auth).success);
  auto pong = ParsePrivateMessage(R"({"req_id":"100001","op":"pong","args":["1675418560633"],"conn_id":"cfcb4ocsvfriu23r3er0-1b"})");
  REQUIRE(pong.ok());
  CHECK(std::get<ControlReply>(*pong).op == "pong");
  auto failed = ParsePrivateMessage(R"({"success":false,"ret_msg":"Params Error","op":"auth","conn_id":"x"})");
  REQUIRE(failed.ok());
  CHECK(!std::get<ControlReply>(*failed).success);
  auto wallet = ParsePrivateMessage(R"({"id":"1","topic":"wallet","creationTime":1,"data":[]})");
  REQUIRE(wallet.ok());
  CHECK(std::get<IgnoredTopic>(*wallet).topic == "wallet");
  CHECK(!ParsePrivateMessage("[]").ok());
}

TEST_CASE("bybit codec: riskLimitValue from /v5/position/list, the newest execution by symbol from /v5/execution/list") {
  auto e = ParseEnvelope(fixture("position_list.json"));
  REQUIRE(e.ok());
  auto cap = ParseRiskLimitValue(e->result);
  REQUIRE_MESSAGE(cap.ok(), cap.status().ToString());
  CHECK(*cap == D("150"));
  auto x = ParseEnvelope(fixture("execution_list.json"));
  REQUIRE(x.ok());
  auto fills = ParseNewestExecutionTimes(x->result);
  REQUIRE_MESSAGE(fills.ok(), fills.status().ToString());
  REQUIRE(fills->size() == 1);
  CHECK(fills->at("ETHPERP") == 1672282722429);
  // Funding is no fill.
  std::string as_funding = fixture("execution_list.json");
  const std::string trade = R"("execType": "Trade")";
  REQUIRE(as_funding.find(trade) != std::string::npos);
  as_funding.replace(as_funding.find(trade), trade.size(), R"("execType": "Funding")");
  auto funding_envelope = ParseEnvelope(as_funding);
  REQUIRE(funding_envelope.ok());
  auto funding = ParseNewestExecutionTimes(funding_envelope->result);
  REQUIRE(funding.ok());
  CHECK(funding->empty());
}
