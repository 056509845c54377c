#pragma once
// What a venue's private stream tells, in keel's model: order changes (a fill among them) and
// position changes. Every value is also kept as the venue sent it; the typed ones are set only when
// keel knows the value. An event with something keel does not know (a type, status or execution
// type added next year) is still delivered, never dropped: it is applied as far as it is understood
// (a fill has its side and quantities), journaled whole, and its symbol read by REST.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "keel/exchange/exchange.h"

namespace keel {

// How a fill relates to the venue's position reports, which say the position's size after it.
enum class FillCount {
  // Binance: the position's report carries the fill's own time; the applier matches them by time.
  kByTime,
  // The venue joined it (Bybit's seq): a position report already delivered counts it.
  kInPositionReport,
  // The venue joined it, and no position report came within the join's window: the fill moves the
  // position, and the symbol is read by REST.
  kNotReported,
  // It cannot be joined (the order's position side is unknown): the symbol is read by REST.
  kUnknown,
};

struct OrderEvent {
  // "ORDER_TRADE_UPDATE", "ALGO_UPDATE", …: a name with static storage (decoding allocates nothing
  // for it).
  std::string_view venue_event;
  TimeMs event_time = 0;          // when the venue sent it
  TimeMs transaction_time = 0;    // when it happened in the venue's engine
  OrderBook book = OrderBook::kRegular;
  std::string symbol;
  std::string client_order_id;    // liquidations and ADL carry the venue's own ("autoclose-…")
  std::string exchange_order_id;
  Side side = Side::kBuy;         // required by every venue's event: a missing one fails the event
  PositionSide position_side = PositionSide::kBoth;
  std::string venue_type;         // as sent: LIMIT, LIQUIDATION, STOP_MARKET, …
  std::optional<OrderType> type;
  std::string venue_status;       // as sent: NEW, FILLED, NEW_INSURANCE, FINISHED, …
  // Decided by the adapter; nullopt when keel does not know the value or cannot decide it without
  // asking (a FINISHED algo order without its executed quantity): query the order.
  std::optional<OrderStatus> status;
  std::string venue_execution;    // as sent: NEW, TRADE, CANCELED, EXPIRED, AMENDMENT, CALCULATED; "" if none
  std::string time_in_force;      // as sent: GTC, GTX, GTE_GTC, …
  std::string expiry_reason;      // as sent (Binance "er": "0"…); "" when absent
  std::string reason;             // as sent (Binance "rm"): why a conditional order was refused
  std::string actual_order_id;    // a triggered conditional order's order in the matching engine
  Decimal qty;
  Decimal price;
  Decimal trigger_price;
  Decimal filled_qty;             // cumulative
  Decimal avg_price;
  Decimal last_qty;               // this event's fill; 0 when it is not one
  Decimal last_price;
  Decimal realized_profit;
  bool reduce_only = false;
  bool close_position = false;
  bool exchange_generated = false;  // a liquidation, ADL or settlement order the venue placed
  bool position_tpsl = false;       // the position's own TP/SL, made by the venue (OrderReport)
  std::vector<std::string> unrecognized;  // "X=NEW_SOMETHING": the values keel does not know
  // Where the venue reports fills apart from orders (Bybit's execution topic), a fill's event says
  // nothing of its order's status: the order's own event does.
  bool carries_lifecycle = true;
  FillCount fill_count = FillCount::kByTime;
  std::string exec_id;              // the venue's id of this fill; "" when none
  std::optional<std::int64_t> seq;  // the venue's sequence shared with position reports (Bybit)
  Decimal fee;                      // this fill's (or funding payment's) fee as sent; 0 when none

  bool recognized() const { return unrecognized.empty(); }
  bool is_fill() const { return last_qty.is_positive(); }
  // The order as a report; kInvalidInput naming what keel does not know, or that the status is
  // undecided.
  Result<OrderReport> Report() const;
};

struct PositionEvent {
  std::string_view venue_event;  // "ACCOUNT_UPDATE", …: static storage, as above
  TimeMs event_time = 0;
  TimeMs transaction_time = 0;
  std::string reason;       // as sent: ORDER, FUNDING_FEE, ADL, INSURANCE_CLEAR, …
  std::vector<PositionReport> positions;  // each one that changed, flat ones included
};

}  // namespace keel
