#pragma once
// Binance USD-M JSON into keel's model. Numbers are read as strings and parsed exactly; a field the
// model needs that is missing or malformed is an error naming it (seed 001: a missing side must
// never become a default). Stream events keep the exchange's times E and T.

#include <map>
#include <string_view>
#include <variant>
#include <vector>

#include "keel/exchange/exchange.h"
#include "keel/exchange/stream_events.h"

namespace keel::binance {

// Every listed symbol: TRADING perpetuals with the filters keel needs become instruments; any other
// (another status or contract type, a filter missing or malformed, a symbol keel cannot read) is
// skipped with its reason. Only a document that is not exchangeInfo at all is an error.
Result<InstrumentList> ParseExchangeInfo(std::string_view json);

// A regular order object (new, query, cancel, modify responses and openOrders rows).
Result<OrderReport> ParseOrder(std::string_view json);
Result<std::vector<OrderReport>> ParseOrders(std::string_view json);
// An algo (conditional) order object, with its algo status decided (see DecideAlgoStatus). An
// object whose status cannot be decided from itself (FINISHED without an executed quantity) is an
// error here: read it with ParseAlgoOrderDetail and ask for its actual order.
Result<OrderReport> ParseAlgoOrder(std::string_view json);
Result<std::vector<OrderReport>> ParseAlgoOrders(std::string_view json);

// An algo order as read, with what deciding its status may need.
struct AlgoOrderDetail {
  OrderReport order;            // order.status is meaningful only when decided
  std::string algo_status;      // algoStatus as sent
  std::string actual_order_id;  // actualOrderId: the matching-engine order once triggered ("" before)
  bool decided = true;          // false: FINISHED without an executed quantity; ask for the actual order
};
Result<AlgoOrderDetail> ParseAlgoOrderDetail(std::string_view json);

// Binance's algo statuses in keel's terms: NEW, TRIGGERING and TRIGGERED are working (kNew);
// CANCELED, EXPIRED (the system's cancel, e.g. a GTE_GTC order whose position closed) and REJECTED
// (the triggered order refused by the matching engine) are final. FINISHED only says the triggered
// order ended in the matching engine, filled or cancelled: with the executed quantity it is Filled
// (all of it, or any of a closePosition order) or Canceled (less, or none); without it, nullopt.
// known is false for a status keel has never heard of (nullopt too).
std::optional<OrderStatus> DecideAlgoStatus(std::string_view algo_status, const std::optional<Decimal>& executed_qty,
                                            Decimal qty, bool close_position, bool& known);

// A FINISHED algo order decided by its actual order in the matching engine: its status, executed
// quantity and average price become the algo order's.
OrderReport DecideFinishedByActualOrder(const OrderReport& algo, const OrderReport& actual);

// DELETE /fapi/v1/algoOrder: the REST acknowledgement {"algoId","clientAlgoId","code":"200",
// "msg":"success"} (code a string or a number), or the whole algo order as the WebSocket API's
// algoOrder.cancel answers. An acknowledgement with another code is that venue error.
Result<CancelReport> ParseAlgoCancel(std::string_view json);
// True when a placement answer names the order but leaves out what the order is (side, quantity or
// status): the order must be queried, never completed by defaults.
bool IsMinimalAck(std::string_view json);

// /fapi/v2 or /fapi/v3 positionRisk rows; flat rows are left out unless include_flat.
Result<std::vector<PositionReport>> ParsePositionRisk(std::string_view json, bool include_flat = false);
Result<bool> ParseDualSidePosition(std::string_view json);
// /fapi/v1/premiumIndex?symbol= : its markPrice.
Result<Decimal> ParseMarkPrice(std::string_view json);
// /fapi/v1/userTrades?symbol=: the newest "time" among the trades (nullopt for none).
Result<std::optional<TimeMs>> ParseNewestUserTradeTime(std::string_view json);
// /fapi/v2/positionRisk?symbol=: the symbol's `maxNotionalValue` (the same on each of its rows).
Result<Decimal> ParseMaxNotionalValue(std::string_view json);
// /fapi/v1/income?incomeType=COMMISSION: the newest "time" by symbol.
Result<std::map<std::string, TimeMs>> ParseNewestCommissionTimes(std::string_view json);
// GET /fapi/v1/time: {"serverTime":<ms>}.
Result<TimeMs> ParseServerTime(std::string_view json);
// POST /fapi/v1/listenKey: {"listenKey":"..."}.
Result<std::string> ParseListenKey(std::string_view json);

// ---- user-data stream ----
// ORDER_TRADE_UPDATE and ALGO_UPDATE become OrderEvents, ACCOUNT_UPDATE a PositionEvent (the
// exchange port's stream events: every value kept as sent, the typed ones set when keel knows them).
// An ALGO_UPDATE's status is decided with DecideAlgoStatus from its "aq".
struct ListenKeyExpiredEvent {
  TimeMs event_time = 0;
  std::string listen_key;
};
struct IgnoredEvent {
  std::string type;  // an event keel does not use (TRADE_LITE, ACCOUNT_CONFIG_UPDATE, ...)
};
using UserDataEvent = std::variant<OrderEvent, PositionEvent, ListenKeyExpiredEvent, IgnoredEvent>;

// Accepts a raw event or a combined-stream frame ({"stream":…,"data":…}).
Result<UserDataEvent> ParseUserDataEvent(std::string_view json);

// ---- market streams ----
struct BookTickerEvent {
  TimeMs event_time = 0;
  TimeMs transaction_time = 0;
  std::string symbol;
  Decimal bid;
  Decimal bid_qty;
  Decimal ask;
  Decimal ask_qty;
};
struct MarkPriceEvent {
  TimeMs event_time = 0;
  std::string symbol;
  Decimal mark_price;
  Decimal index_price;
};
struct SubscriptionReply {
  std::string id;  // the request's id, as text
};
using MarketDataEvent = std::variant<BookTickerEvent, MarkPriceEvent, SubscriptionReply, IgnoredEvent>;
// <symbol>@bookTicker and <symbol>@markPrice payloads (raw or combined), and SUBSCRIBE replies.
Result<MarketDataEvent> ParseMarketDataEvent(std::string_view json);

}  // namespace keel::binance
