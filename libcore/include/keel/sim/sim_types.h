#pragma once
// The simulated exchange's records and events, in the exchange's own terms (Binance USD-M) but free
// of any wire format: the REST and stream codecs turn them into JSON, in-process users read them
// directly.

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "keel/model/decimal.h"
#include "keel/model/order_kind.h"
#include "keel/model/order_status.h"
#include "keel/model/side.h"
#include "keel/model/time.h"
#include "keel/sim/market.h"

namespace keel::sim {

using AccountId = int;

enum class WorkingType { kContractPrice, kMarkPrice };
const char* to_string(WorkingType type);
Result<WorkingType> parse_working_type(std::string_view text);

// The algo service's lifecycle (ALGO_UPDATE "X", algoStatus).
enum class AlgoStatus { kNew, kCanceled, kTriggering, kTriggered, kFinished, kRejected, kExpired };
const char* to_string(AlgoStatus status);
bool is_open(AlgoStatus status);

// A trailing stop's terms and state (Binance's TRAILING_STOP_MARKET in the algo service; Bybit's
// position trailingStop): it waits until the working price reaches activate_price, then follows
// the best price since (extreme: the highest for a SELL, the lowest for a BUY) and fires when the
// price comes back from it by callback_rate percent (Binance) or by distance (Bybit).
struct TrailingStop {
  Decimal activate_price;
  Decimal callback_rate;  // percent, 1 is 1 % (Binance's callbackRate); 0 with a distance
  Decimal distance;       // a price distance (Bybit's trailingStop); 0 with a callback rate
  bool active = false;
  Decimal extreme;
  // Takes one observed working price: activates, follows the extreme. Returns the level it fires
  // at (a SELL at or below it, a BUY at or above), on the tick grid; 0 while not active.
  Decimal Follow(Side side, Decimal price, Decimal tick);
  Decimal Level(Side side, Decimal tick) const;
};

struct SimOrder {
  std::int64_t order_id = 0;
  std::string client_order_id;
  std::string symbol;
  Side side = Side::kBuy;
  PositionSide position_side = PositionSide::kBoth;
  OrderType type = OrderType::kLimit;
  OrderType orig_type = OrderType::kLimit;  // a triggered algo order keeps its conditional type here
  TimeInForce time_in_force = TimeInForce::kGtc;
  Decimal orig_qty;
  Decimal price;       // 0 for market orders, as the exchange reports it
  Decimal avg_price;   // 0 until filled
  Decimal executed_qty;
  Decimal cum_quote;
  Decimal stop_price;  // the trigger price of a triggered algo order, else 0
  OrderStatus status = OrderStatus::kNew;
  bool reduce_only = false;
  bool close_position = false;
  WorkingType working_type = WorkingType::kContractPrice;
  TimeMs time = 0;         // created
  TimeMs update_time = 0;
  int modifications = 0;
  std::optional<std::int64_t> algo_id;  // set when this order came from a triggered algo order
  // Why the venue ended it on its own, in the dialect's words (Bybit: "EC_PostOnlyWillTakeLiquidity").
  std::string reject_reason;
  // A reduce-only order the venue took off because its position closed (Binance: EXPIRED; Bybit:
  // Cancelled with cancelType CancelByReduceOnly).
  bool ended_with_position = false;
  Decimal cum_commission;   // the fees its fills paid (Bybit's cumExecFee)
  Decimal cum_realized_pnl; // what its fills realised (Bybit's closedPnl, less the fees)
  // A triggered trailing stop's terms (orig_type TRAILING_STOP_MARKET), as its reads and pushes
  // carry them: activatePrice / AP and priceRate / cr.
  Decimal activate_price;
  Decimal price_rate;
  TimeMs good_till_date = 0;  // GTD: when the exchange expires it (whole seconds), else 0
};

struct SimAlgoOrder {
  std::int64_t algo_id = 0;
  std::string client_algo_id;
  std::string symbol;
  Side side = Side::kBuy;
  PositionSide position_side = PositionSide::kBoth;
  OrderType type = OrderType::kStopMarket;
  TimeInForce time_in_force = TimeInForce::kGtc;
  Decimal quantity;  // 0 with closePosition
  Decimal price;     // limit price for STOP / TAKE_PROFIT, else 0
  Decimal trigger_price;  // a trailing stop's: the level it fires at now, 0 until it is active
  std::optional<TrailingStop> trailing;  // set for TRAILING_STOP_MARKET
  TimeMs good_till_date = 0;             // GTD: when the exchange expires it (whole seconds), else 0
  WorkingType working_type = WorkingType::kContractPrice;
  bool close_position = false;
  std::optional<Decimal> close_up_to;  // NewAlgoOrderRequest::close_up_to
  bool reduce_only = false;
  bool price_protect = false;
  AlgoStatus status = AlgoStatus::kNew;
  TimeMs create_time = 0;
  TimeMs update_time = 0;
  TimeMs trigger_time = 0;
  std::optional<std::int64_t> actual_order_id;  // the matching-engine order once triggered
  Decimal executed_qty;
  Decimal avg_price;
  // Set when the venue made it for the position's own TP/SL (Bybit's /v5/position/trading-stop), in
  // Bybit's stopOrderType words: StopLoss, TakeProfit, TrailingStop (tpslMode Full: the whole
  // position, one of each per position), PartialStopLoss, PartialTakeProfit. Such an order lives
  // as long as its position and has no client id.
  std::string position_tpsl;
};

struct SimPosition {
  std::string symbol;
  PositionSide position_side = PositionSide::kBoth;
  Decimal amount;        // signed: negative is short
  Decimal entry_price;   // 0 when flat
  Decimal accumulated_realized;  // "cr": realized PnL before fees, over the position's life
  int leverage = 20;
  TimeMs update_time = 0;
  // The symbol's cross sequence at this position's last fill (Bybit's seq); -1 never traded.
  std::int64_t seq = -1;
};

struct SimTrade {
  std::int64_t id = 0;
  std::int64_t order_id = 0;
  std::string symbol;
  Side side = Side::kBuy;
  PositionSide position_side = PositionSide::kBoth;
  Decimal price;
  Decimal qty;
  Decimal quote_qty;
  Decimal commission;  // in USDT, positive is paid
  Decimal realized_pnl;
  bool maker = false;
  TimeMs time = 0;
  std::int64_t seq = -1;  // the symbol's cross sequence of this fill
};

// Requests, already typed. Optional fields are the ones the exchange lets a caller leave out.
struct NewOrderRequest {
  std::string symbol;
  Side side = Side::kBuy;
  std::optional<PositionSide> position_side;
  OrderType type = OrderType::kLimit;
  std::optional<TimeInForce> time_in_force;
  std::optional<Decimal> quantity;
  std::optional<Decimal> price;
  std::optional<bool> reduce_only;
  std::optional<std::string> client_order_id;
  std::optional<TimeMs> good_till_date;  // goodTillDate, ms; needed with GTD
  // Bybit's way with a post-only order that would take: accepted, then cancelled with
  // EC_PostOnlyWillTakeLiquidity (Binance refuses it with -5022 instead).
  bool post_only_accept_then_cancel = false;
  // Binance's way with reduce-only orders (and hedge-mode closing ones): refused (-4118) when,
  // with those already resting on the position's closing side, they would close more than it holds.
  bool reduce_only_counts_resting = false;
};

struct NewAlgoOrderRequest {
  std::string symbol;
  Side side = Side::kBuy;
  std::optional<PositionSide> position_side;
  OrderType type = OrderType::kStopMarket;
  std::optional<TimeInForce> time_in_force;
  std::optional<Decimal> quantity;
  std::optional<Decimal> price;
  std::optional<Decimal> trigger_price;
  WorkingType working_type = WorkingType::kContractPrice;
  bool close_position = false;
  // Bybit's qty "0" whole-position stop closes up to maxMktOrderQty (create-order.mdx); Binance's
  // closePosition closes all of it (nullopt).
  std::optional<Decimal> close_up_to;
  std::optional<bool> reduce_only;
  bool price_protect = false;
  std::optional<std::string> client_algo_id;
  std::string position_tpsl;  // SimAlgoOrder::position_tpsl
  // TRAILING_STOP_MARKET: activatePrice (the working price now when absent), and callbackRate
  // (Binance, percent) or trailingStop (Bybit, a price distance).
  std::optional<Decimal> activate_price;
  std::optional<Decimal> callback_rate;
  std::optional<Decimal> trail_distance;
  std::optional<TimeMs> good_till_date;
};

// An order named by the exchange's id or the client's; the exchange's id wins when both are given.
struct OrderRef {
  std::optional<std::int64_t> order_id;
  std::optional<std::string> client_order_id;
};

// An untriggered conditional order's new trigger, quantity or limit price (Bybit's /v5/order/amend;
// Binance's algo service has no amend). What is absent stays as it is.
struct ModifyAlgoRequest {
  OrderRef ref;
  std::optional<Decimal> trigger_price;
  std::optional<Decimal> quantity;
  std::optional<Decimal> price;
  // A trailing stop's (Bybit's trading-stop): a new distance keeps what it has followed; a new
  // activation price waits for the price to reach it again.
  std::optional<Decimal> trail_distance;
  std::optional<Decimal> activate_price;
};

struct ModifyRequest {
  std::string symbol;
  OrderRef ref;
  Side side = Side::kBuy;
  Decimal quantity;
  Decimal price;
};

// The account's totals, as /fapi/v3/account reports them (USDT only).
struct AccountSummary {
  Decimal wallet_balance;
  Decimal unrealized_pnl;
  Decimal position_initial_margin;
  Decimal open_order_initial_margin;
  Decimal maint_margin;
  Decimal available_balance;
  TimeMs update_time = 0;
};

// ---- events ----

// ORDER_TRADE_UPDATE. execution_type: NEW, TRADE, CANCELED, EXPIRED, AMENDMENT.
// execution_type "CANCEL_REJECTED": the user's cancel reached an order that had just filled.
struct OrderUpdate {
  SimOrder order;
  std::string execution_type;
  Decimal last_qty;
  Decimal last_price;
  Decimal commission;
  std::int64_t trade_id = 0;
  bool maker = false;
  Decimal realized_pnl;
  std::string expiry_reason;  // "er"
  std::int64_t seq = -1;      // a fill's cross sequence, as its position's (Bybit's seq)
};

struct AlgoUpdate {
  SimAlgoOrder algo;
  std::string failure_reason;  // "rm"
};

// ACCOUNT_UPDATE. reason: ORDER, FUNDING_FEE, ... Positions are the ones that changed.
struct AccountUpdate {
  std::string reason;
  Decimal wallet_balance;
  Decimal cross_wallet_balance;
  Decimal balance_change;  // except PnL and commission
  std::vector<SimPosition> positions;
  // Bybit's positionStatus while the exchange closes the position itself: "Liq", "Adl"; "" Normal.
  std::string position_status = std::string();
  // A funding payment's position (reason FUNDING_FEE), for Bybit's Funding execution; the
  // payment is -balance_change.
  std::optional<SimPosition> funded = std::nullopt;
  std::int64_t funded_number = 0;  // the payment's own number (its execId)
};

struct ListenKeyExpired {
  std::string listen_key;
};

// TRADE_LITE: a fill, told early and briefly.
struct TradeLite {
  SimOrder order;
  Decimal last_qty;
  Decimal last_price;
  std::int64_t trade_id = 0;
  bool maker = false;
};

// MARGIN_CALL: the account's margin ratio is high; positions at risk of liquidation.
struct MarginCall {
  Decimal cross_wallet_balance;
  std::vector<SimPosition> positions;
};

// ACCOUNT_CONFIG_UPDATE: a symbol's leverage changed.
struct AccountConfigUpdate {
  std::string symbol;
  int leverage = 0;
};

// CONDITIONAL_ORDER_TRIGGER_REJECT: a triggered conditional order the matching engine refused.
struct TriggerReject {
  std::string symbol;
  std::int64_t order_id = 0;
  std::string reason;
};

struct UserEvent {
  AccountId account = 0;
  TimeMs event_time = 0;        // E
  TimeMs transaction_time = 0;  // T
  std::variant<OrderUpdate, AlgoUpdate, AccountUpdate, ListenKeyExpired, TradeLite, MarginCall, AccountConfigUpdate,
               TriggerReject>
      body;
  const char* type_name() const;  // "ORDER_TRADE_UPDATE", ...
  // An event Binance does not push: a cancel that lost the race with the order's fill (Bybit's
  // second Filled push with CancelByUser; Binance only answers the cancel -2011).
  bool binance_silent() const;
};

// One row of the income history (GET /fapi/v1/income).
struct SimIncome {
  std::string symbol;  // "" for transfers
  std::string type;    // REALIZED_PNL, COMMISSION, FUNDING_FEE, INSURANCE_CLEAR, TRANSFER
  Decimal income;      // signed, USDT
  TimeMs time = 0;
  std::int64_t tran_id = 0;
  std::int64_t trade_id = 0;  // 0 when not from a trade
};

struct BookTickerUpdate {
  std::string symbol;
  std::int64_t update_id = 0;
  Quote quote;
};

struct MarkPriceUpdate {
  std::string symbol;
  Decimal mark_price;
  Decimal index_price;
  Decimal funding_rate;
  TimeMs next_funding_time = 0;
};

struct AggTradeUpdate {
  std::string symbol;
  std::int64_t aggregate_id = 0;
  Decimal price;
  Decimal qty;
  std::int64_t first_trade_id = 0;
  std::int64_t last_trade_id = 0;
  bool buyer_is_maker = false;
};

// A spot trade of a unified account (Bybit): it touches no perpetual position, and the Bybit
// stream tells it on the all-in-one order and execution topics only, category "spot".
struct SpotTrade {
  AccountId account = 0;
  std::string symbol;
  Side side = Side::kBuy;
  Decimal qty;
  Decimal price;
  TimeMs time = 0;
  std::int64_t number = 0;  // makes its orderId and execId
};

struct MarketEvent {
  TimeMs event_time = 0;
  TimeMs transaction_time = 0;
  std::variant<BookTickerUpdate, MarkPriceUpdate, AggTradeUpdate> body;
  const std::string& symbol() const;
  // The stream name suffix: "bookTicker", "markPrice", "aggTrade".
  const char* stream_kind() const;
};

}  // namespace keel::sim
