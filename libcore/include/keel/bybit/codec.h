#pragma once
// Bybit v5 JSON into keel's model: the REST envelope, order and position rows, and the private
// stream's pushes (order, execution, position, wallet) and control replies (auth, subscribe, pong).
// Numbers are read from their digits, never through double. A field keel needs that is missing or
// malformed is an error naming it (seed 001: a side is never a default); a value keel does not
// know (a new orderStatus, a new createType) never drops an event: it is carried as sent, listed in
// OrderEvent::unrecognized, and the status left undecided for a query to settle.
#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "keel/exchange/exchange.h"
#include "keel/exchange/stream_events.h"

namespace keel::bybit {

// {"retCode","retMsg","result","retExtInfo","time"}: result kept as its JSON text.
struct Envelope {
  int ret_code = 0;
  std::string ret_msg;
  std::string result;
  TimeMs time = 0;
};
Result<Envelope> ParseEnvelope(std::string_view json);

// Bybit's orderStatus in keel's terms: New, PartiallyFilled, Untriggered and Triggered are working;
// Filled; Cancelled, Deactivated and PartiallyFilledCanceled are cancelled (with or without fills:
// filled_qty says); Rejected. nullopt for a status keel does not know.
std::optional<OrderStatus> DecideOrderStatus(std::string_view order_status);

// positionIdx: 0 one-way (BOTH), 1 the hedge-mode Buy side (LONG), 2 the Sell side (SHORT).
Result<PositionSide> PositionSideOfIdx(std::int64_t position_idx);
std::int64_t PositionIdxOf(PositionSide side);

// An order row of /v5/order/realtime and /v5/order/history, or a row of the order topic. A row
// whose status keel does not know is an error here (a report needs a status): the stream's
// OrderEvent carries it undecided instead.
Result<OrderReport> ParseOrderRow(std::string_view json);
// result of /v5/order/realtime or /history: {"list":[…],"nextPageCursor":…}.
struct OrderPage {
  std::vector<OrderReport> orders;
  std::string next_cursor;  // "" on the last page
};
Result<OrderPage> ParseOrderPage(std::string_view result_json);

// result of /v5/position/list: every row; a flat one (size 0, side "" or "None") has amount 0.
struct PositionPage {
  std::vector<PositionReport> positions;
  std::string next_cursor;
};
Result<PositionPage> ParsePositionPage(std::string_view result_json);

// result of /v5/market/instruments-info?category=linear: the trading perpetuals, and every other
// row (a dated future, a pre-listing, a status not Trading, a filter missing) skipped with why.
struct InstrumentPage {
  InstrumentList instruments;
  std::string next_cursor;
};
Result<InstrumentPage> ParseInstrumentPage(std::string_view result_json);

// markPrice of the one row of /v5/market/tickers?category=linear&symbol=S.
Result<Decimal> ParseMarkPrice(std::string_view result_json, const std::string& symbol);

// /v5/execution/list: the newest execTime among the rows that move a position (every execType but
// Funding; one Bybit adds later counts as a fill: a value keel does not know is never dropped).
// nullopt for none.
Result<std::optional<TimeMs>> ParseNewestExecutionTime(std::string_view result_json);
// /v5/position/list?symbol=: the symbol's `riskLimitValue` (the same on each of its rows).
Result<Decimal> ParseRiskLimitValue(std::string_view result_json);
// /v5/execution/list without a symbol: the newest execTime by symbol, Funding left out.
Result<std::map<std::string, TimeMs>> ParseNewestExecutionTimes(std::string_view result_json);

// The acknowledgement of create, amend and cancel: {"orderId","orderLinkId"}, nothing more.
struct OrderAck {
  std::string order_id;
  std::string order_link_id;
};
Result<OrderAck> ParseOrderAck(std::string_view result_json);
// result of /v5/order/cancel-all: {"list":[{"orderId","orderLinkId"}…],"success":"1"}.
Result<std::vector<OrderAck>> ParseCancelAll(std::string_view result_json);

// The cursor as a request carries it: Bybit hands it out percent-encoded ("page_token%3D39380%26")
// and reads it back decoded once, so it is decoded here and encoded again with the query.
Result<std::string> CursorParam(const std::string& next_cursor);

// One fill, from the execution topic (or /v5/execution/list).
struct Execution {
  std::string symbol;
  std::string order_id;
  std::string order_link_id;
  Side side = Side::kBuy;
  std::string exec_id;
  std::string exec_type;  // as sent: Trade, AdlTrade, BustTrade, Funding, …
  Decimal exec_price;
  Decimal exec_qty;
  Decimal leaves_qty;
  Decimal closed_size;
  bool is_maker = false;
  TimeMs exec_time = 0;
  std::int64_t seq = -1;  // -1 when the row has none
  Decimal exec_fee;      // the fee; for Funding, the payment (positive: paid)
  Decimal exec_pnl;      // the profit the fill realised (closing fees not deducted)
  std::string order_type;       // Market, Limit, UNKNOWN
  std::string stop_order_type;  // "", UNKNOWN, StopLoss, …
  std::string create_type;      // CreateByUser, CreateByLiq, CreateByAdl_PassThrough, …
};

// The fill an execution row tells, as keel's event: last_qty and last_price its execQty and
// execPrice, carries_lifecycle false (the order topic tells the order's status), position side
// kBoth until the join learns it. BustTrade is a liquidation, AdlTrade an ADL, Delivery and Settle
// the exchange's closing at delisting; Funding moves nothing (last_qty 0, the payment in `fee`). An
// execType keel does not know is still a fill, marked unrecognized.
OrderEvent FillEventOf(const Execution& x, TimeMs creation_time);

struct ExecutionEvent {
  TimeMs creation_time = 0;
  std::vector<Execution> executions;
};

// An order topic push: one OrderEvent per row (venue_event "order"; last_qty 0: the fills are the
// execution topic's, joined by SequenceJoin).
struct OrderTopicEvent {
  TimeMs creation_time = 0;
  std::vector<OrderEvent> orders;
};

// {"op":"auth"|"subscribe"|"pong"|"ping", "success", "ret_msg", "req_id", "conn_id"}.
struct ControlReply {
  std::string op;
  bool success = true;
  std::string ret_msg;
  std::string req_id;
};

// A topic keel does not use (wallet, greeks, …): named, never an error.
struct IgnoredTopic {
  std::string topic;
};

using PrivateMessage = std::variant<OrderTopicEvent, ExecutionEvent, PositionEvent, ControlReply, IgnoredTopic>;
// Rows of another category than linear (the all-in-one topics carry spot, inverse and option rows
// of a unified account) are left out, never applied; each is named ("spot BTCUSDT") in
// other_categories when given. A categorised topic of another category (order.spot) is ignored.
Result<PrivateMessage> ParsePrivateMessage(std::string_view json, std::vector<std::string>* other_categories = nullptr);

}  // namespace keel::bybit
