#pragma once
// The simulator's records in Bybit v5's JSON (category linear): field names, order and types as
// the documentation's examples have them (tests/fixtures/bybit). One venue underneath, two
// dialects: a Bybit conditional order is the simulator's algo order, and once triggered its
// matching-engine order is the same Bybit order (one orderId, one orderLinkId), as on Bybit.

#include <optional>
#include <string>

#include "keel/model/json_writer.h"
#include "keel/sim/sim_exchange.h"

namespace keel::sim::bybit {

// One Bybit order, regular or conditional, in Bybit's terms.
struct OrderView {
  std::string category = "linear";  // "spot" for a unified account's spot order (SpotTrade)
  std::string order_id;
  std::string order_link_id;
  std::string symbol;
  Side side = Side::kBuy;
  PositionSide position_side = PositionSide::kBoth;
  bool market = false;
  bool conditional = false;
  // A conditional order placed through create is "Stop"; the position's own TP/SL says which
  // (SimAlgoOrder::position_tpsl).
  std::string stop_order_type;
  std::string status;             // New, PartiallyFilled, Untriggered, Triggered, Filled, Cancelled, Deactivated, Rejected
  std::string cancel_type = "UNKNOWN";
  std::string reject_reason = "EC_NoError";
  std::string create_type = "CreateByUser";  // CreateByLiq, CreateByAdl_PassThrough for the exchange's own
  TimeInForce time_in_force = TimeInForce::kGtc;
  Decimal price;
  Decimal qty;
  Decimal cum_qty;
  Decimal cum_value;
  Decimal avg_price;
  Decimal cum_fee;      // cumExecFee (and cumFeeDetail's USDT)
  Decimal closed_pnl;   // the order topic's closedPnl: realised less fees
  Decimal trigger_price;
  int trigger_direction = 0;      // 1 rise, 2 fall, 0 none
  bool mark_trigger = false;
  bool reduce_only = false;
  bool close_on_trigger = false;
  TimeMs created = 0;
  TimeMs updated = 0;
  bool open() const { return status == "New" || status == "PartiallyFilled" || status == "Untriggered" || status == "Triggered"; }
};

// A matching-engine order (not one a conditional order set off).
OrderView ViewOf(const SimOrder& o);
// A conditional order and, once triggered, the order it set off.
OrderView ViewOf(const SimAlgoOrder& a, const SimOrder* actual);

// An order row: /v5/order/realtime and /history, or (stream) a row of the order topic.
void WriteOrder(JsonWriter& w, const OrderView& o, const SimInstrument& inst, bool stream);
// A /v5/position/list row, or (stream) a row of the position topic (entryPrice for avgPrice).
// status: positionStatus ("" is Normal).
void WritePosition(JsonWriter& w, const SimExchange& ex, AccountId id, const SimPosition& p, bool stream,
                   const std::string& status = "");
// execType of a fill of an order made so: BustTrade for a liquidation, AdlTrade for ADL, else Trade.
const char* ExecTypeOf(const std::string& create_type);
// A /v5/market/instruments-info row.
void WriteInstrument(JsonWriter& w, const Market& m);
// A /v5/market/tickers row.
void WriteTicker(JsonWriter& w, const Market& m, TimeMs now);
// The UNIFIED account of /v5/account/wallet-balance (or a wallet topic row): USDT only.
void WriteWallet(JsonWriter& w, const SimExchange& ex, AccountId id);
// A Funding execution row: the position's funding payment (execFee, positive when paid) at the
// mark price, no order (execution.mdx's execType Funding; enum.mdx).
void WriteFundingExecution(JsonWriter& w, const SimPosition& p, const SimInstrument& inst, Decimal mark,
                           Decimal payment, Decimal rate, std::int64_t number, TimeMs time);
// An execution row (the execution topic): one fill of an order.
// pnl: what the fill realised (execPnl).
void WriteExecution(JsonWriter& w, const OrderView& order, const SimInstrument& inst, const std::string& exec_id,
                    Decimal price, Decimal qty, Decimal fee, bool maker, Decimal closed_size, TimeMs time, std::int64_t seq,
                    Decimal pnl);

// The envelope of every answer.
std::string Envelope(int ret_code, const std::string& ret_msg, const std::string& result_json, TimeMs now);

}  // namespace keel::sim::bybit
