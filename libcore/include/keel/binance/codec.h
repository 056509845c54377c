#pragma once
// Binance USD-M JSON into keel's model. Numbers are read as strings and parsed exactly; a field the
// model needs that is missing or malformed is an error naming it (seed 001: a missing side must
// never become a default). Stream events keep the exchange's times E and T.

#include <string_view>
#include <variant>
#include <vector>

#include "keel/exchange/exchange.h"

namespace keel::binance {

Result<std::vector<Instrument>> ParseExchangeInfo(std::string_view json);

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

// /fapi/v2 or /fapi/v3 positionRisk rows; flat rows are left out.
Result<std::vector<PositionReport>> ParsePositionRisk(std::string_view json);
Result<bool> ParseDualSidePosition(std::string_view json);
// /fapi/v1/premiumIndex?symbol= : its markPrice.
Result<Decimal> ParseMarkPrice(std::string_view json);

// ---- user-data stream ----
// Stream events keep every value as the exchange sent it; the typed ones are set only when keel
// knows the value. An event with a value keel does not know (a type, status or execution type added
// next year) is still delivered, never dropped: its consumer journals it, applies what it can (a
// fill has its side and quantities) and reads the symbol by REST.

// ORDER_TRADE_UPDATE.
struct OrderUpdateEvent {
  TimeMs event_time = 0;          // E
  TimeMs transaction_time = 0;    // T
  std::string symbol;             // s
  std::string client_order_id;    // c: "autoclose-…" liquidation, "adl_autoclose" ADL, "settlement_autoclose-…"
  std::string exchange_order_id;  // i
  Side side = Side::kBuy;         // S: required, never defaulted (a missing side fails the event)
  PositionSide position_side = PositionSide::kBoth;  // ps: required
  std::string type_text;          // o as sent: LIMIT, MARKET, LIQUIDATION, ADL, …
  std::optional<OrderType> type;
  std::string status_text;        // X as sent: NEW, FILLED, NEW_INSURANCE, NEW_ADL, …
  std::optional<OrderStatus> status;
  std::string execution_type;     // x as sent: NEW, TRADE, CANCELED, EXPIRED, AMENDMENT, CALCULATED (liquidation)
  std::string expiry_reason;      // er as sent ("0"… "11" today); empty when absent
  Decimal qty;                    // q
  Decimal price;                  // p
  Decimal avg_price;              // ap
  Decimal trigger_price;          // sp
  Decimal last_qty;               // l
  Decimal filled_qty;             // z
  Decimal last_price;             // L
  Decimal realized_profit;        // rp
  TimeMs trade_time = 0;          // o.T
  bool reduce_only = false;       // R
  bool close_position = false;    // cp
  // "X=NEW_SOMETHING": the values keel does not know. Empty for a fully understood event.
  std::vector<std::string> unrecognized;

  bool recognized() const { return unrecognized.empty(); }
  bool is_fill() const { return last_qty.is_positive(); }
  // Liquidation or ADL: an order the exchange placed on the account's behalf.
  bool exchange_generated() const;
  // The order as a report; kInvalidInput naming what keel does not know when not recognized().
  Result<OrderReport> Report() const;
};

struct AccountUpdateEvent {
  TimeMs event_time = 0;
  TimeMs transaction_time = 0;
  std::string reason;  // a.m: ORDER, FUNDING_FEE, ...
  std::vector<PositionReport> positions;  // including the ones that went flat
};
// ALGO_UPDATE.
struct AlgoUpdateEvent {
  TimeMs event_time = 0;                 // E
  TimeMs transaction_time = 0;           // T
  std::string client_order_id;           // caid
  std::string exchange_order_id;         // aid
  std::string symbol;                    // s
  Side side = Side::kBuy;                // S: required
  PositionSide position_side = PositionSide::kBoth;  // ps: required
  std::string type_text;                 // o as sent: STOP_MARKET, TAKE_PROFIT, …
  std::optional<OrderType> type;
  std::string time_in_force;             // f as sent: GTC, GTE_GTC (closePosition orders), …
  Decimal qty;                           // q (0 for closePosition)
  std::string algo_status;               // X as sent: NEW, TRIGGERING, TRIGGERED, FINISHED, CANCELED, …
  std::optional<OrderStatus> status;     // decided (DecideAlgoStatus with aq); nullopt: ask the exchange
  std::string actual_order_id;           // ai: the matching-engine order once triggered
  Decimal avg_price;                     // ap
  std::optional<Decimal> executed_qty;   // aq
  Decimal trigger_price;                 // tp
  Decimal price;                         // p
  bool reduce_only = false;              // R
  bool close_position = false;           // cp
  std::string reason;                    // rm: why it was refused or cancelled
  std::vector<std::string> unrecognized; // values keel does not know ("o=NEW_TYPE", "X=…")

  bool recognized() const { return unrecognized.empty(); }
  // The algo order as a report; kInvalidInput when its type is unknown or its status undecided
  // (FINISHED without aq: query the order, the adapter decides it by its actual order).
  Result<OrderReport> Report() const;
};

struct ListenKeyExpiredEvent {
  TimeMs event_time = 0;
  std::string listen_key;
};
struct IgnoredEvent {
  std::string type;  // an event keel does not use (TRADE_LITE, ACCOUNT_CONFIG_UPDATE, ...)
};
using UserDataEvent =
    std::variant<OrderUpdateEvent, AccountUpdateEvent, AlgoUpdateEvent, ListenKeyExpiredEvent, IgnoredEvent>;

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
