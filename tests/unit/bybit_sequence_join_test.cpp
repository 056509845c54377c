// Bybit's fills, orders and positions joined by seq (keel/bybit/sequence_join.h), on the
// documentation's own execution and position examples (tests/fixtures/bybit, see SOURCES.md):
// websocket/private/execution.mdx and position.mdx say seq associates each fill with its position
// update; the pushes of the three topics arrive in any order.
#include <doctest/doctest.h>

#include <variant>

#include "keel/bybit/codec.h"
#include "keel/bybit/sequence_join.h"
#include "subprocess.h"
#include "temp_dir.h"
#include "venue_fixture.h"

using namespace keel;
using namespace keel::bybit;

namespace {

std::string fixture(const std::string& name) { return keel::test::bybit_fixture(name); }

Decimal D(const char* t) { return Decimal::Parse(t).value(); }

void replace(std::string& s, const std::string& from, const std::string& to) {
  const auto at = s.find(from);
  REQUIRE_MESSAGE(at != std::string::npos, from);
  s.replace(at, from.size(), to);
}

// The documentation's execution: BTCUSDT Sell 0.5 @ 95900.1, seq 140612148849382.
ExecutionEvent execution(const std::string& exec_id = "0ab1bdf7-4219-438b-b30a-32ec863018f7",
                         const std::string& exec_type = "Trade", const std::string& seq = "140612148849382") {
  std::string json = fixture("ws_execution.json");
  replace(json, "0ab1bdf7-4219-438b-b30a-32ec863018f7", exec_id);
  replace(json, R"("execType": "Trade")", R"("execType": ")" + exec_type + "\"");
  replace(json, "\"seq\": 140612148849382", "\"seq\": " + seq);
  auto m = ParsePrivateMessage(json);
  REQUIRE_MESSAGE(m.ok(), m.status().ToString());
  return std::get<ExecutionEvent>(*m);
}

// The documentation's position row, made a one-way (positionIdx 0) short of `size` at `seq`.
PositionEvent position(const std::string& size, const std::string& seq, int idx = 0) {
  std::string json = fixture("ws_position.json");
  replace(json, R"("positionIdx": 2)", "\"positionIdx\": " + std::to_string(idx));
  replace(json, R"("side": "")", size == "0" ? R"("side": "")" : R"("side": "Sell")");
  replace(json, R"("size": "0")", "\"size\": \"" + size + "\"");
  replace(json, "\"seq\": 8327597863", "\"seq\": " + seq);
  auto m = ParsePrivateMessage(json);
  REQUIRE_MESSAGE(m.ok(), m.status().ToString());
  return std::get<PositionEvent>(*m);
}

struct Recorder {
  std::vector<std::variant<OrderEvent, PositionEvent>> got;
  SequenceJoin join{1000, SequenceJoin::Sink{[this](const OrderEvent& e) { got.emplace_back(e); },
                                             [this](const PositionEvent& e) { got.emplace_back(e); }}};
  const OrderEvent& fill(std::size_t i) const { return std::get<OrderEvent>(got.at(i)); }
  bool is_position(std::size_t i) const { return std::holds_alternative<PositionEvent>(got.at(i)); }
};

}  // namespace

TEST_CASE("bybit fill of an execution row: the documentation's example as keel's fill event") {
  const OrderEvent e = FillEventOf(execution().executions[0], 1746270400355);
  CHECK(e.venue_event == "execution");
  CHECK(!e.carries_lifecycle);
  CHECK(e.exchange_order_id == "9aac161b-8ed6-450d-9cab-c5cc67c21784");
  CHECK(e.side == Side::kSell);
  CHECK(e.last_qty == D("0.5"));
  CHECK(e.last_price == D("95900.1"));
  CHECK(e.fee == D("26.3725275"));
  CHECK(e.realized_profit == D("0.05"));
  CHECK(e.exec_id == "0ab1bdf7-4219-438b-b30a-32ec863018f7");
  CHECK(e.seq == std::optional<std::int64_t>(140612148849382));
  CHECK(e.transaction_time == 1746270400353);
  CHECK(!e.exchange_generated);
  CHECK(e.recognized());

  const OrderEvent bust = FillEventOf(execution("b", "BustTrade").executions[0], 0);
  CHECK(bust.type == std::optional<OrderType>(OrderType::kLiquidation));
  CHECK(bust.exchange_generated);
  const OrderEvent adl = FillEventOf(execution("a", "AdlTrade").executions[0], 0);
  CHECK(adl.type == std::optional<OrderType>(OrderType::kAdl));
  CHECK(adl.exchange_generated);
  CHECK(FillEventOf(execution("d", "Delivery").executions[0], 0).exchange_generated);
  // Funding moves nothing: a payment with its fee.
  const OrderEvent funding = FillEventOf(execution("f", "Funding").executions[0], 0);
  CHECK(!funding.is_fill());
  CHECK(funding.fee == D("26.3725275"));
  // A type added next year is still a fill, marked as not understood.
  const OrderEvent later = FillEventOf(execution("n", "NextYearTrade").executions[0], 0);
  CHECK(later.is_fill());
  REQUIRE(later.unrecognized.size() == 1);
  CHECK(later.unrecognized[0] == "execType=NextYearTrade");
}

TEST_CASE("bybit join: the position report first, then its fill: counted by the report, moving nothing twice") {
  Recorder r;
  r.join.Positions(position("0.5", "140612148849382"), 0);
  r.join.Executions(execution(), 1);
  REQUIRE(r.got.size() == 2);
  CHECK(r.is_position(0));
  CHECK(r.fill(1).fill_count == FillCount::kInPositionReport);
  CHECK(r.fill(1).position_side == PositionSide::kBoth);  // one-way, from the position rows
  CHECK(r.join.waiting() == 0);
}

TEST_CASE("bybit join: the fill first waits for its position report, and comes after it") {
  Recorder r;
  r.join.Positions(position("0", "140612148849300"), 0);  // an older state of the symbol
  r.join.Executions(execution(), 1);
  CHECK(r.got.size() == 1);
  CHECK(r.join.waiting() == 1);
  // A push of an order's create (position.mdx: one on every create, amend, cancel) carries the
  // older seq: not the report of this fill.
  r.join.Positions(position("0", "140612148849300"), 2);
  CHECK(r.join.waiting() == 1);
  r.join.Positions(position("0.5", "140612148849382"), 3);
  REQUIRE(r.got.size() == 4);
  CHECK(r.is_position(2));
  CHECK(r.fill(3).fill_count == FillCount::kInPositionReport);
  CHECK(r.join.waiting() == 0);
}

TEST_CASE("bybit join: two fills of one match share a seq; one report counts both") {
  Recorder r;
  r.join.Positions(position("0", "100"), 0);
  r.join.Executions(execution("x1", "Trade", "101"), 1);
  r.join.Executions(execution("x2", "Trade", "101"), 1);
  CHECK(r.join.waiting() == 2);
  r.join.Positions(position("1", "101"), 2);
  REQUIRE(r.got.size() == 4);
  CHECK(r.fill(2).fill_count == FillCount::kInPositionReport);
  CHECK(r.fill(3).fill_count == FillCount::kInPositionReport);
}

TEST_CASE("bybit join: no report within the window: the fill moves the position by itself and asks REST") {
  Recorder r;
  r.join.Positions(position("0", "100"), 0);
  r.join.Executions(execution("x1", "Trade", "101"), 10);
  r.join.Expire(1009);
  CHECK(r.join.waiting() == 1);
  r.join.Expire(1010);
  REQUIRE(r.got.size() == 2);
  CHECK(r.fill(1).fill_count == FillCount::kNotReported);
  // The report that comes late is applied as a size, as every report is.
  r.join.Positions(position("0.5", "101"), 2000);
  CHECK(r.is_position(2));
}

TEST_CASE("bybit join: each execId once; an older position row is left out") {
  Recorder r;
  r.join.Positions(position("0.5", "140612148849382"), 0);
  r.join.Executions(execution(), 1);
  r.join.Executions(execution(), 2);  // sent twice
  CHECK(r.got.size() == 2);
  CHECK(r.join.duplicates() == 1);
  r.join.Positions(position("0", "140612148849300"), 3);  // older than what was applied
  CHECK(r.got.size() == 2);
  CHECK(r.join.stale_positions() == 1);
}

TEST_CASE("bybit join: hedge mode: the fill's side is its order's; unknown for the window, REST decides") {
  Recorder r;
  r.join.Positions(position("0", "100", 2), 0);  // hedge-mode rows: the mode gives no side
  r.join.Executions(execution("x1", "Trade", "101"), 1);
  r.join.Positions(position("0.5", "101", 2), 2);
  CHECK(r.join.waiting() == 1);  // counted or not depends on its side, not known yet
  OrderEvent order;
  order.venue_event = "order";
  order.exchange_order_id = "9aac161b-8ed6-450d-9cab-c5cc67c21784";
  order.symbol = "BTCUSDT";
  order.position_side = PositionSide::kShort;
  r.join.Order(order, 3);
  REQUIRE(r.got.size() == 4);
  CHECK(r.fill(3).position_side == PositionSide::kShort);
  CHECK(r.fill(3).fill_count == FillCount::kInPositionReport);

  Recorder alone;
  alone.join.Positions(position("0", "100", 1), 0);
  alone.join.Executions(execution("x2", "Trade", "101"), 1);
  alone.join.Expire(1001);
  REQUIRE(alone.got.size() == 2);
  CHECK(alone.fill(1).fill_count == FillCount::kUnknown);
}

TEST_CASE("bybit join: Funding is handed over at once, to be journaled") {
  Recorder r;
  r.join.Executions(execution("f1", "Funding", "5"), 0);
  REQUIRE(r.got.size() == 1);
  CHECK(!r.fill(0).is_fill());
  CHECK(r.fill(0).venue_execution == "Funding");
}
