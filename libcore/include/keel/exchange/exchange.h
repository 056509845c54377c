#pragma once
// The exchange port: everything keel's engine, safety rules and tools need from a venue, in keel's
// model. The Binance and Bybit adapters implement it; nothing above it knows a wire format or a
// venue's error code (a refusal's meaning is Status::refusal()).
//
// Outcomes are explicit: a placement whose answer was lost is kUnknownOutcome (it may have been
// accepted), never "not found"; an order the venue does not know is kNotFound. Every report carries
// the venue's own timestamp so that older observations can be told from newer ones.
//
// Threads: one instance is not thread-safe. Its calls come from one thread at a time, and block
// that thread for the REST round trips (never call it on the engine's loop thread). keel-traderd
// gives each REST worker an instance of its own and the private stream one more, which it calls
// for its snapshots on the stream's offload thread. The const members (UnfilledOrderRetentionMs,
// WholePositionStopIsCapped, UsedRequestWeight) state facts of the venue and may be read from any
// thread.

#include <cstdint>
#include <map>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "keel/model/decimal.h"
#include "keel/model/instrument.h"
#include "keel/model/order_kind.h"
#include "keel/model/order_status.h"
#include "keel/model/side.h"
#include "keel/model/time.h"

namespace keel {

// A stop or take-profit lives in the venue's conditional-order service (Binance's algo orders
// since 2025-12-09); regular orders in its matching engine. Keel asks for both kinds everywhere.
enum class OrderBook { kRegular, kConditional };

struct OrderReport {
  OrderBook book = OrderBook::kRegular;
  std::string client_order_id;    // clientOrderId / clientAlgoId
  std::string exchange_order_id;  // orderId / algoId
  std::string symbol;
  Side side = Side::kBuy;
  PositionSide position_side = PositionSide::kBoth;
  OrderType type = OrderType::kLimit;
  OrderStatus status = OrderStatus::kNew;  // conditional: NEW until triggered, then the outcome
  Decimal qty;            // 0 for a closePosition stop
  Decimal price;          // 0 for market orders
  Decimal trigger_price;  // conditional orders
  Decimal filled_qty;
  Decimal avg_price;
  bool reduce_only = false;
  bool close_position = false;
  // The venue made this order for the position's own take-profit, stop-loss or trailing stop
  // (Bybit: /v5/position/trading-stop, or TP/SL attached to an entry; stopOrderType TakeProfit,
  // StopLoss, TrailingStop, PartialTakeProfit or PartialStopLoss). It has no client id.
  bool position_tpsl = false;
  // A trailing stop's (Binance's TRAILING_STOP_MARKET: priceRate / cr, activatePrice / AP): the
  // callback in percent, and the price it starts trailing at (nullopt: from its placement).
  Decimal callback_rate = Decimal();
  std::optional<Decimal> activation_price = std::nullopt;
  TimeMs update_time = 0;  // the venue's
};

// A listed contract keel does not model (not a trading perpetual, a filter missing or malformed):
// skipped and counted, never a reason to fail the whole list. Acting on it fails, naming why.
struct SkippedInstrument {
  std::string symbol;
  std::string reason;
};

// Every contract the venue lists: the ones keel can trade, and the others with the reason.
struct InstrumentList {
  std::vector<Instrument> instruments;
  std::vector<SkippedInstrument> skipped;

  // kNotFound naming the symbol when the venue does not list it at all; kInvalidInput with the
  // reason when it is listed but skipped.
  Result<Instrument> Find(const std::string& symbol) const;
  bool Lists(const std::string& symbol) const;
};

// What a successful cancel proves: the order it names is cancelled. Binance answers a regular
// cancel with the whole order, but a conditional one over REST with an acknowledgement only
// ({"algoId","clientAlgoId","code":"200","msg":"success"}); nothing is made up for what it omits.
struct CancelReport {
  OrderBook book = OrderBook::kRegular;
  std::string client_order_id;
  std::string exchange_order_id;
  std::optional<OrderReport> order;  // when the answer carried the order
};

struct PositionReport {
  std::string symbol;
  PositionSide position_side = PositionSide::kBoth;
  Decimal amount;  // signed: negative is short
  Decimal entry_price;
  TimeMs update_time = 0;  // the venue's
  // The position's own TP/SL where the venue keeps one on the position (Bybit's takeProfit,
  // stopLoss and trailingStop, set with /v5/position/trading-stop): zero when unset, and always on
  // Binance, which has none.
  Decimal take_profit = Decimal();
  Decimal stop_loss = Decimal();
  Decimal trailing_stop = Decimal();  // a distance from the market price, not a price
  // The venue's sequence of changes to this position, where it has one (Bybit's `seq`, shared with
  // the fills that made each change; -1 for a symbol never traded); nullopt on Binance.
  std::optional<std::int64_t> seq = std::nullopt;
  std::string venue_status = std::string();  // as sent where the venue has one (Bybit's positionStatus: Normal, Liq, Adl)
};

// Everything open on the account, read in one go. as_of is the newest venue timestamp among the
// rows read (0 when nothing is open): a lower bound of when the reads happened, not their time.
struct AccountReport {
  std::vector<PositionReport> positions;  // non-zero only
  std::vector<OrderReport> open_orders;   // regular and conditional
  TimeMs as_of = 0;
};

struct PlaceOrder {
  OrderBook book = OrderBook::kRegular;
  std::string client_order_id;  // deterministic, carries the account's prefix
  std::string symbol;
  Side side = Side::kBuy;
  PositionSide position_side = PositionSide::kBoth;
  OrderType type = OrderType::kMarket;
  std::optional<TimeInForce> time_in_force;
  std::optional<Decimal> qty;            // absent only for a closePosition stop
  std::optional<Decimal> price;
  std::optional<Decimal> trigger_price;  // conditional orders
  // May only reduce the position. One-way mode sends reduceOnly; hedge mode cannot (the venue
  // refuses it there), so the adapter instead requires a closing pair: SELL on LONG, BUY on SHORT.
  bool reduce_only = false;
  bool close_position = false;
  bool mark_price_trigger = true;        // workingType MARK_PRICE (else CONTRACT_PRICE)
  // time_in_force GTD: when the venue expires the order (Binance's goodTillDate, in whole seconds,
  // at least 600 s ahead). Only where SupportsGoodTillDate().
  std::optional<TimeMs> good_till_date;
  // A TRAILING_STOP_MARKET's callback in percent and optional activation price (no trigger_price).
  std::optional<Decimal> callback_rate;
  std::optional<Decimal> activation_price;
  // Called on the placing thread once the exchange has accepted the order, before Place reads it
  // back: what depends on the order existing (an entry's guard stop) need not wait for a read
  // that may lag by seconds.
  std::function<void()> on_accepted;
};

// A new price and quantity for a resting LIMIT order in the regular book (Binance: PUT
// /fapi/v1/order, where side, quantity and price are all required). The venue loses the order's
// queue priority; a post-only (GTX) order whose new price would cross is cancelled instead.
struct AmendOrder {
  std::string client_order_id;
  std::string symbol;
  Side side = Side::kBuy;
  Decimal qty;    // the order's whole quantity, filled part included
  Decimal price;
  // What the order holds now, as keel knows it. A venue that takes only what changes (Bybit's
  // amend-order.mdx: qty "Do not pass it if not modify the qty") leaves out what equals these;
  // when nothing changes it sends nothing and answers Refusal::kUnchanged. Binance sends all.
  std::optional<Decimal> qty_now = std::nullopt;
  std::optional<Decimal> price_now = std::nullopt;
};

// The venue's own trailing stop on a position's leg, which keeps trailing while keel is down:
// Binance's TRAILING_STOP_MARKET in the algo service (callbackRate in percent; an order of its own
// for `qty`, with the client id), Bybit's trailingStop on the position (/v5/position/trading-stop:
// a price distance, reckoned here as callback_pct of the activation price, or of the mark price
// without one, rounded to the tick; the whole position, no client id).
struct TrailingStopRequest {
  std::string symbol;
  PositionSide position_side = PositionSide::kBoth;
  PositionSide direction = PositionSide::kLong;  // the position's: a long's trailing stop sells
  Decimal qty;                                   // the position's size (Binance)
  Decimal callback_pct;                          // 0.1 .. 10
  std::optional<Decimal> activation_price;
  std::string client_order_id;  // Binance's clientAlgoId (Bybit's has none)
  Decimal tick_size;            // the instrument's: Bybit's distance is a multiple of it
};

// A trailing stop working on the venue, as read back from it.
struct TrailingStopReport {
  std::string client_order_id;    // "" on Bybit
  std::string exchange_order_id;  // Binance's algoId; "" on Bybit
  Decimal callback_pct;           // Binance: as placed; Bybit: 0 (it keeps a distance)
  Decimal distance;               // Bybit: the position's trailingStop; Binance: 0
  std::optional<Decimal> activation_price;
  Decimal qty;  // Binance: the order's; Bybit: the position's size (it covers all of it)
  TimeMs update_time = 0;  // the venue's
  std::optional<OrderReport> order = std::nullopt;  // Binance: the order itself
};

class Exchange {
 public:
  virtual ~Exchange() = default;

  virtual Result<InstrumentList> Instruments() = 0;
  // Places an order. The report is complete: a venue that answers with a minimal acknowledgement is
  // asked for the order before this returns. kUnknownOutcome when the answer was lost.
  virtual Result<OrderReport> Place(const PlaceOrder& order) = 0;
  // kNotFound when the venue does not know the order (or it is no longer open); kUnknownOutcome
  // when the answer was lost or unreadable (it may have been cancelled).
  virtual Result<CancelReport> Cancel(OrderBook book, const std::string& symbol, const std::string& client_order_id) = 0;
  // kNotFound when the venue does not know the order or it is no longer open: a ghost, to be asked
  // about once by Query, never amended again (seed 000). kUnknownOutcome when the answer was lost
  // or unreadable (the amend may have been applied).
  virtual Result<OrderReport> Amend(const AmendOrder& amend) = 0;
  // kNotFound when the venue does not know the order.
  virtual Result<OrderReport> Query(OrderBook book, const std::string& symbol, const std::string& client_order_id) = 0;
  // How long after its creation an order that ended without a fill can still be read by client
  // order id (Bybit's order-list.mdx: Cancelled, Rejected and Deactivated for 24 hours; Binance:
  // CANCELED or EXPIRED with no fills purged after 3 days). Past it, kNotFound from Query says only
  // that the order is not open, never that it was not placed: it is too old to read.
  virtual TimeMs UnfilledOrderRetentionMs() const = 0;
  // True when a whole-position stop closes only up to Instrument::close_stop_max_qty (Bybit's qty
  // "0" stop); false when it closes all of the position (Binance's closePosition).
  virtual bool WholePositionStopIsCapped() const = 0;
  // The request weight the venue last reported used in its window (Binance's X-MBX-USED-WEIGHT-1M);
  // 0 where the venue reports none. Any thread.
  virtual int UsedRequestWeight() const { return 0; }
  // Non-zero positions of every symbol, in a handful of calls whatever the number of symbols.
  virtual Result<std::vector<PositionReport>> Positions() = 0;
  // Every position row the venue keeps for one symbol, flat ones included, each with the venue's
  // update time: how keel proves a position flat as of a moment (a flat row newer than the fill).
  virtual Result<std::vector<PositionReport>> PositionRows(const std::string& symbol) = 0;
  // Every open order, regular and conditional, of every symbol.
  virtual Result<std::vector<OrderReport>> OpenOrders() = 0;
  // Positions and open orders together. Adapters read them in parallel: about one round trip.
  virtual Result<AccountReport> Account();
  // The account and the instrument list together (reconcile, a scan that checks symbols or
  // protects): one round trip where the adapter can.
  struct AccountAndListing {
    AccountReport account;
    InstrumentList instruments;
  };
  virtual Result<AccountAndListing> AccountAndInstruments();
  // true when the account is in hedge mode (LONG/SHORT positions).
  virtual Result<bool> HedgeMode() = 0;
  // The price the venue values positions and MARK_PRICE triggers at.
  virtual Result<Decimal> MarkPrice(const std::string& symbol) = 0;
  // The venue time of the account's newest fill in `symbol` (any order, keel's or not; funding is
  // not a fill), from the trade history: nullopt when there was none in the venue's window. A flat
  // position row older than this is a read that has not caught up (seed 004), never proof of flat.
  virtual Result<std::optional<TimeMs>> LastFillTime(const std::string& symbol) = 0;
  // The newest fill of every symbol among the account's recent fills, in one read across symbols
  // (Binance: the COMMISSION rows of the income history, one per fill that paid a fee; Bybit: the
  // execution list without a symbol, Funding left out). What a whole-account read is judged by.
  virtual Result<std::map<std::string, TimeMs>> RecentFills() = 0;
  // The largest position notional the account may hold in `symbol` at its current leverage
  // (Binance: the leverage bracket's `maxNotionalValue`; Bybit: the risk limit's
  // `riskLimitValue`). An entry past it is refused by the venue (-2027, 110090).
  virtual Result<Decimal> MaxPositionNotional(const std::string& symbol) = 0;

  // Sets the leg's trailing stop: a new one beside any other on Binance (keel cancels the old
  // once the new rests), the position's one replaced on Bybit. kUnknownOutcome when the answer was
  // lost (settle with TrailingStopOf); a venue refusal as Status::Exchange.
  virtual Result<TrailingStopReport> SetTrailingStop(const TrailingStopRequest& request) = 0;
  // The trailing stop working on the leg (Binance: the order with this client id, while open;
  // Bybit: the position's): nullopt when none is.
  virtual Result<std::optional<TrailingStopReport>> TrailingStopOf(const std::string& symbol, PositionSide position_side,
                                                                   const std::string& client_order_id) = 0;
  // True where an order can carry its own expiry (Binance's GTD with goodTillDate); Bybit's
  // timeInForce has no GTD. Any thread.
  virtual bool SupportsGoodTillDate() const = 0;
  // True where the trailing stop is an order keel names (Binance), false where it is the
  // position's own (Bybit). Any thread.
  virtual bool TrailingStopIsAnOrder() const = 0;
  // Ends it (Binance: cancels the order; Bybit: trailingStop "0"). kNotFound when none works.
  virtual Status RemoveTrailingStop(const std::string& symbol, PositionSide position_side,
                                    const std::string& client_order_id) = 0;
};

const char* to_string(OrderBook book);
// True only for an answer that proves a request was not executed: the venue refused it (kExchange,
// including a rate-limit refusal), or it was never sent (kTransport, or refused by keel before
// sending). Everything else about a placement is an unknown outcome, settled by client order id.
bool IsDefiniteRejection(const Status& status);
// True for the exchange's "too many requests" (Refusal::kRate: each adapter names its venue's codes,
// e.g. HTTP 429 or 418, Bybit's retCode 10006 or its 403 IP limit): a request to wait (status.retry_after_ms() says how long when the
// venue said), never a verdict on the order. Nothing was executed, and the same request sent again
// after the wait may well be accepted.
bool IsRateRefusal(const Status& status);
// The report of positions and open orders, as_of the newest venue time among them.
AccountReport AccountReportOf(std::vector<PositionReport> positions, std::vector<OrderReport> orders);

}  // namespace keel
