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
// An algo (conditional) order object.
Result<OrderReport> ParseAlgoOrder(std::string_view json);
Result<std::vector<OrderReport>> ParseAlgoOrders(std::string_view json);
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
struct OrderUpdateEvent {
  TimeMs event_time = 0;        // E
  TimeMs transaction_time = 0;  // T
  std::string execution_type;   // x: NEW, TRADE, CANCELED, EXPIRED, AMENDMENT, CALCULATED
  OrderReport order;
  Decimal last_qty;
  Decimal last_price;
};
struct AccountUpdateEvent {
  TimeMs event_time = 0;
  TimeMs transaction_time = 0;
  std::string reason;  // a.m: ORDER, FUNDING_FEE, ...
  std::vector<PositionReport> positions;  // including the ones that went flat
};
struct AlgoUpdateEvent {
  TimeMs event_time = 0;
  TimeMs transaction_time = 0;
  std::string algo_status;  // X: NEW, TRIGGERED, FINISHED, CANCELED, ...
  OrderReport order;
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
