#pragma once
// The simulated exchange: markets, accounts, matching, positions and the algo (conditional) order
// service, with the rules and error codes of Binance USD-M. It knows nothing of HTTP or JSON; the
// server and in-process tests drive the same object.
//
// Threading: single-threaded. Every call first brings the markets to the injected clock's now, so
// a test on a ManualClock controls time exactly. Errors are Status::Exchange with the venue's code
// and HTTP status.

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "keel/sim/ledger.h"
#include "keel/sim/sim_config.h"
#include "keel/sim/sim_refusal.h"
#include "keel/sim/sim_types.h"

namespace keel::sim {

class SimExchange {
 public:
  // Builds markets from the config (loading replay files); fails on a bad replay file.
  static Result<std::unique_ptr<SimExchange>> Create(SimConfig config, const Clock& clock);
  SimExchange(const SimExchange&) = delete;
  SimExchange& operator=(const SimExchange&) = delete;

  const SimConfig& config() const { return config_; }
  TimeMs now() const { return clock_.NowMs(); }

  // Brings every market to now: price steps, algo triggers, resting-order fills, listen-key expiry.
  void Advance();

  // ---- accounts ----
  std::optional<AccountId> FindAccountByKey(std::string_view api_key) const;
  std::optional<AccountId> FindAccountByName(std::string_view name) const;
  std::optional<std::string> ActiveListenKey(AccountId id) const;
  std::size_t account_count() const { return accounts_.size(); }
  // Grows with every change to the account's orders, positions or balance (each emits an event).
  std::uint64_t state_version(AccountId id) const { return account(id).version; }
  const SimAccountSpec& account_spec(AccountId id) const;
  bool dual_side_position(AccountId id) const;
  Status SetDualSidePosition(AccountId id, bool dual);
  Result<int> SetLeverage(AccountId id, const std::string& symbol, int leverage);
  Status SetMarginType(AccountId id, const std::string& symbol, const std::string& margin_type);
  int leverage(AccountId id, const std::string& symbol) const;
  // maxNotionalValue: the largest position notional the account's leverage allows on the symbol.
  Decimal max_notional(AccountId id, const std::string& symbol) const;
  // The maintenance margin of a position of this notional on the symbol (its leverage bracket).
  Decimal maintenance_margin(const std::string& symbol, Decimal notional) const;
  std::string margin_type(AccountId id, const std::string& symbol) const;  // "cross" | "isolated"
  // Every (symbol, side) the account has a position row for, including flat ones it has traded.
  std::vector<SimPosition> Positions(AccountId id) const;
  SimPosition Position(AccountId id, const std::string& symbol, PositionSide side) const;
  AccountSummary Summary(AccountId id) const;
  std::vector<SimTrade> Trades(AccountId id, const std::string& symbol) const;

  // ---- orders (matching engine) ----
  Result<SimOrder> PlaceOrder(AccountId id, const NewOrderRequest& request);
  Result<SimOrder> ModifyOrder(AccountId id, const ModifyRequest& request);
  Result<SimOrder> CancelOrder(AccountId id, const std::string& symbol, const OrderRef& ref);
  Result<SimOrder> QueryOrder(AccountId id, const std::string& symbol, const OrderRef& ref) const;
  // Open orders, oldest first; all symbols when symbol is empty.
  std::vector<SimOrder> OpenOrders(AccountId id, const std::string& symbol) const;
  // An order or a conditional order by the exchange's id, read without a request (the ledger does
  // not record it): how a stream renders one. nullptr when there is none.
  const SimOrder* FindOrder(AccountId id, std::int64_t order_id) const;
  const SimAlgoOrder* FindAlgo(AccountId id, std::int64_t algo_id) const;
  // True when any order or conditional order the account ever placed has this client id.
  bool ClientIdEverUsed(AccountId id, const std::string& client_order_id) const;
  // Every order, open or not, oldest first; all symbols when symbol is empty.
  std::vector<SimOrder> AllOrders(AccountId id, const std::string& symbol) const;
  // Cancels every open order on the symbol; returns how many.
  Result<int> CancelAllOrders(AccountId id, const std::string& symbol);

  // ---- algo (conditional) orders ----
  Result<SimAlgoOrder> PlaceAlgoOrder(AccountId id, const NewAlgoOrderRequest& request);
  Result<SimAlgoOrder> ModifyAlgoOrder(AccountId id, const ModifyAlgoRequest& request);
  Result<SimAlgoOrder> CancelAlgoOrder(AccountId id, const OrderRef& ref);
  Result<SimAlgoOrder> QueryAlgoOrder(AccountId id, const OrderRef& ref) const;
  std::vector<SimAlgoOrder> OpenAlgoOrders(AccountId id, const std::string& symbol) const;
  std::vector<SimAlgoOrder> AllAlgoOrders(AccountId id, const std::string& symbol) const;
  Result<int> CancelAllAlgoOrders(AccountId id, const std::string& symbol);

  // ---- user-data stream keys ----
  // Returns the account's active key, extended, or a new one.
  std::string CreateListenKey(AccountId id);
  Status KeepAliveListenKey(AccountId id, const std::string& key);
  Status DeleteListenKey(AccountId id, const std::string& key);
  std::optional<AccountId> AccountForListenKey(const std::string& key) const;
  // Expires the key now, as the exchange does after 60 minutes without keepalive.
  Status ExpireListenKey(const std::string& key);

  // ---- markets ----
  const Market* FindMarket(const std::string& symbol) const;
  std::vector<const Market*> Markets() const;
  Status MovePrice(const std::string& symbol, Decimal percent, TimeMs over_ms);

  // ---- exchange-side acts (faults) ----
  // Cancels (or expires) a resting order as the exchange would on its own, with that reason.
  Result<SimOrder> ExchangeCancel(AccountId id, const std::string& symbol, const OrderRef& ref, bool expire,
                                  const std::string& reason);
  // Fills a resting order now at its price: all of what remains, or qty of it.
  Result<SimOrder> ExchangeFill(AccountId id, const std::string& symbol, const OrderRef& ref,
                                const std::optional<Decimal>& qty);
  // order.mdx's race: the rest of the order fills as the user's cancel arrives. Bybit pushes Filled,
  // then Filled again with cancelType CancelByUser and rejectReason EC_OrigClOrdIDDoesNotExist.
  Result<SimOrder> CancelRacingFill(AccountId id, const std::string& symbol, const OrderRef& ref);

  // ---- risk: liquidation, auto-deleveraging, funding ----
  // Liquidates a position at the mark price, as the exchange does when margin runs out (checked at
  // every step: cross positions when the margin balance falls to the maintenance margin, an
  // isolated one when its own margin does): the symbol's open orders expire (er 5), and an
  // "autoclose-…" LIQUIDATION order closes the position (x CALCULATED; X NEW_INSURANCE when the loss
  // goes beyond the wallet and the insurance fund takes the rest, else FILLED). kNotFound when flat.
  Result<SimOrder> Liquidate(AccountId id, const std::string& symbol, PositionSide side);
  // Auto-deleverages qty of a position (all of it when nullopt) at the mark: an "adl_autoclose" ADL
  // order, x CALCULATED, X NEW_ADL.
  Result<SimOrder> AutoDeleverage(AccountId id, const std::string& symbol, PositionSide side,
                                  const std::optional<Decimal>& qty);
  std::vector<SimIncome> Income(AccountId id) const;
  // countdownCancelAll: every open order on the symbol is cancelled unless this is called again
  // within countdown_ms; 0 switches it off.
  Status SetCountdown(AccountId id, const std::string& symbol, TimeMs countdown_ms);
  // The next n conditional placements are refused as a trigger the market has already passed
  // (-2021; Bybit 110092): what the venue answers when the price runs through a stop between a
  // signal and its stop's placement (seed 001). -1: every one.
  void RefuseStops(int n) { refuse_stops_next_ = n; }

  // ---- events, in the order the exchange emits them ----
  std::vector<UserEvent> TakeUserEvents();
  std::vector<MarketEvent> TakeMarketEvents();
  // Market events pile up unless someone takes them; in-process users that do not want them say so.
  void set_market_events(bool enabled) { market_events_enabled_ = enabled; }

  struct Counters {
    std::int64_t orders_placed = 0;
    std::int64_t orders_rejected = 0;
    std::int64_t algo_orders_placed = 0;
    std::int64_t algo_orders_triggered = 0;
    std::int64_t fills = 0;
    std::int64_t cancels = 0;
    std::int64_t modifications = 0;
    std::int64_t liquidations = 0;  // liquidation and ADL orders
  };
  const Counters& counters() const { return counters_; }
  // Every order request so far, oldest first (ledger.h). Queries are recorded too, hence mutable.
  const std::vector<LedgerEntry>& ledger() const { return ledger_; }

 private:
  struct OrderKey {
    AccountId account;
    std::int64_t order_id;
    bool operator==(const OrderKey& o) const { return account == o.account && order_id == o.order_id; }
  };
  struct RestingBook {
    std::map<Decimal, std::deque<OrderKey>, std::greater<Decimal>> bids;
    std::map<Decimal, std::deque<OrderKey>> asks;
  };
  struct ListenKey {
    std::string key;
    TimeMs expires_at = 0;
  };
  struct Account {
    SimAccountSpec spec;
    Decimal wallet;
    TimeMs wallet_time = 0;  // last balance change: the funding at start, then every fill
    bool dual_side = false;
    std::map<std::string, int> leverage;
    std::map<std::string, std::string> margin_type;
    std::map<std::pair<std::string, PositionSide>, SimPosition> positions;
    std::unordered_map<std::int64_t, SimOrder> orders;           // every order ever, by id
    std::set<std::int64_t> open_orders;                          // ids, oldest first
    std::unordered_map<std::string, std::int64_t> open_by_client_id;  // by client_key(symbol, cid)
    std::map<std::string, int> open_count;  // per symbol, for MAX_NUM_ORDERS
    // Notional reserved by resting orders that would add exposure, per order and per symbol, kept
    // incrementally so that the margin check costs the same with 10 or 10,000 resting orders.
    struct Reservation {
      Decimal notional;
      Decimal margin;  // notional / leverage, rounded up
    };
    std::unordered_map<std::int64_t, Reservation> reserved;
    Decimal open_order_margin;  // the sum of every reservation's margin
    std::unordered_map<std::int64_t, SimAlgoOrder> algos;
    std::set<std::int64_t> open_algos;
    std::map<std::string, std::int64_t> open_algo_by_client_id;
    std::vector<SimTrade> trades;
    std::optional<ListenKey> listen_key;
    std::uint64_t version = 0;
    std::vector<SimIncome> income;
    bool margin_called = false;  // MARGIN_CALL sent and the ratio not back down since
    std::map<std::string, TimeMs> countdown;  // countdownCancelAll deadline per symbol
  };
  struct SymbolState {
    std::unique_ptr<Market> market;
    RestingBook book;
    TimeMs last_mark_event = 0;
    TimeMs last_match_step = 0;
    std::int64_t next_agg_id = 1;
    // The cross sequence (Bybit's seq): one per match; the fills of one taker order at one
    // instant share it, as execution.mdx says of the fills of one match.
    std::int64_t cross_seq = 0;
    std::int64_t cross_order = -1;
    TimeMs cross_time = -1;
  };

  SimExchange(SimConfig config, const Clock& clock);

  // The requests themselves; the public methods of the same name record them in the ledger
  // (sim_ledger.cpp). The exchange's own acts call these directly.
  Result<SimOrder> DoPlaceOrder(AccountId id, const NewOrderRequest& request);
  Result<SimOrder> DoModifyOrder(AccountId id, const ModifyRequest& request);
  Result<SimOrder> DoCancelOrder(AccountId id, const std::string& symbol, const OrderRef& ref);
  Result<SimOrder> DoQueryOrder(AccountId id, const std::string& symbol, const OrderRef& ref) const;
  bool Purged(const SimOrder& o) const;  // no longer found by a query (Binance's purge rule)
  Result<int> DoCancelAllOrders(AccountId id, const std::string& symbol);
  Result<SimAlgoOrder> DoPlaceAlgoOrder(AccountId id, const NewAlgoOrderRequest& request);
  Result<SimAlgoOrder> DoModifyAlgoOrder(AccountId id, const ModifyAlgoRequest& request);
  Result<SimAlgoOrder> DoCancelAlgoOrder(AccountId id, const OrderRef& ref);
  Result<SimAlgoOrder> DoQueryAlgoOrder(AccountId id, const OrderRef& ref) const;
  Result<int> DoCancelAllAlgoOrders(AccountId id, const std::string& symbol);
  void Record(LedgerEntry entry) const;

  // "SYMBOL\x1fclientOrderId": client ids are unique among a symbol's open orders.
  static std::string client_key(const std::string& symbol, const std::string& client_order_id) {
    std::string key;
    key.reserve(symbol.size() + 1 + client_order_id.size());
    key.append(symbol).push_back('\x1f');
    key.append(client_order_id);
    return key;
  }

  // sim_exchange.cpp
  Account& account(AccountId id) { return accounts_.at(static_cast<std::size_t>(id)); }
  const Account& account(AccountId id) const { return accounts_.at(static_cast<std::size_t>(id)); }
  SymbolState* symbol_state(const std::string& symbol);
  Result<SimOrder*> FindOpenOrder(Account& a, const std::string& symbol, const OrderRef& ref);
  std::string RandomId(std::size_t length);
  // transaction_at: when the change happened (a fill's one instant); the push's event time is now.
  void EmitUser(AccountId id, decltype(UserEvent::body) body, std::optional<TimeMs> transaction_at = std::nullopt);
  void EmitMarket(decltype(MarketEvent::body) body);
  void AdvanceMarket(SymbolState& s, TimeMs now);

  // sim_orders.cpp
  Status ValidateQuantity(const SimInstrument& inst, Decimal qty, bool market) const;
  Status ValidatePrice(const SimInstrument& inst, Decimal price) const;
  Result<PositionSide> ResolvePositionSide(const Account& a, const std::optional<PositionSide>& requested) const;
  Status CheckReduceOnly(const Account& a, const std::string& symbol, PositionSide ps, Side side, Decimal qty,
                         bool count_resting = false) const;
  Status CheckMargin(AccountId id, const std::string& symbol, Decimal qty, Decimal price) const;
  // PERCENT_PRICE around the mark: -4016 above, -4024 below.
  Status CheckPriceBand(const Market& market, Decimal price) const;
  // The position after adding qty, against maxNotionalValue at the account's leverage (-2027).
  Status CheckNotionalCap(AccountId id, const std::string& symbol, PositionSide ps, Decimal qty, Decimal price) const;
  bool Increases(const Account& a, const std::string& symbol, PositionSide ps, Side side) const;
  // goodTillDate with GTD: required (-1102), in whole seconds, beyond now + 600 s (-5040). 0
  // without GTD, where it is ignored.
  Result<TimeMs> GoodTillDate(const std::optional<TimeInForce>& tif, const std::optional<TimeMs>& good_till_date) const;
  // Expires what is still open at its goodTillDate: orders (EXPIRED), conditional orders not yet
  // triggered (algo EXPIRED).
  void ExpireGoodTillDate(TimeMs now);
  // Places an order that passed validation: takes liquidity, rests or expires, emitting events.
  SimOrder& Submit(AccountId id, SimOrder order);
  void Rest(AccountId id, SimOrder& order);
  void MarkOpen(Account& a, const SimOrder& order);
  void MarkDone(Account& a, const SimOrder& order);
  void Release(AccountId id, const SimOrder& order, const std::optional<Decimal>& filled_qty);
  void Reserve(AccountId id, const SimOrder& order, Decimal notional);
  void Unrest(AccountId id, const SimOrder& order);
  void Close(AccountId id, SimOrder& order, OrderStatus status, const char* execution_type, const std::string& reason);

  // sim_fills.cpp
  // Applies one fill; returns the quantity actually filled (a reduce-only order is capped at what it
  // can reduce). Emits TRADE_LITE (for a TRADE), ACCOUNT_UPDATE then ORDER_TRADE_UPDATE, as the
  // exchange does. execution_type and reported_status: what the event says (a liquidation is
  // CALCULATED, its status NEW_INSURANCE or NEW_ADL).
  Decimal Fill(AccountId id, SimOrder& order, Decimal price, Decimal qty, bool maker, const char* execution_type = "TRADE",
               std::optional<OrderStatus> reported_status = std::nullopt);
  Decimal Reducible(const Account& a, const SimOrder& order) const;
  // A hedge-mode order on its leg's closing side (SELL on LONG, BUY on SHORT): it can only reduce.
  static bool ClosesHedgeLeg(PositionSide leg, Side side) {
    return (leg == PositionSide::kLong && side == Side::kSell) || (leg == PositionSide::kShort && side == Side::kBuy);
  }
  void MatchResting(SymbolState& s);
  void OnOrderFinished(AccountId id, const SimOrder& order);

  // sim_risk.cpp
  void PayFunding(TimeMs at);
  void CheckLiquidation(AccountId id);
  void RunCountdowns(TimeMs now);
  Result<SimOrder> CloseByExchange(AccountId id, const std::string& symbol, PositionSide side,
                                   const std::optional<Decimal>& qty, bool adl);

  // sim_trailing.cpp
  Status ValidateTrailing(const SimInstrument& inst, const NewAlgoOrderRequest& r) const;
  Status ValidateDistance(const SimInstrument& inst, Decimal distance) const;
  // True when an activation price is one the working price has already reached.
  static bool ActivatesNow(Side side, Decimal activate_price, Decimal reference);

  // sim_algo.cpp
  void TriggerAlgos(SymbolState& s);
  void Trigger(AccountId id, SimAlgoOrder& algo);
  void EmitAlgo(AccountId id, const SimAlgoOrder& algo, const std::string& reason = "");
  // Ends an untriggered conditional order: CANCELED by the user, EXPIRED by the system (saying why).
  void EndAlgo(AccountId id, SimAlgoOrder& algo, AlgoStatus status, const std::string& reason = "");
  // The system's cancel of GTE_GTC (closePosition) orders when their position closes: EXPIRED.
  void ExpirePositionAlgos(AccountId id, const std::string& symbol, PositionSide position_side);

  SimConfig config_;
  const Clock& clock_;
  std::vector<Account> accounts_;
  std::map<std::string, SymbolState> symbols_;
  std::mt19937_64 rng_;
  std::int64_t next_order_id_ = 8'389'765'000LL;
  std::int64_t next_algo_id_ = 2'146'760LL;
  std::int64_t next_trade_id_ = 698'759LL;
  std::int64_t next_tran_id_ = 9'689'322'392LL;
  TimeMs last_funding_slot_ = 0;
  std::vector<UserEvent> user_events_;
  std::vector<MarketEvent> market_events_;
  bool market_events_enabled_ = true;
  int refuse_stops_next_ = 0;
  // GTD deadlines, soonest first: (goodTillDate, account, conditional?, order or algo id).
  std::set<std::tuple<TimeMs, AccountId, bool, std::int64_t>> good_till_dates_;
  bool advancing_ = false;  // Advance is not re-entered by what it sets off
  Counters counters_;
  mutable std::vector<LedgerEntry> ledger_;
};

// newClientOrderId / clientAlgoId: ^[\.A-Z\:/a-z0-9_-]{1,36}$ (else -4015).
bool is_valid_client_order_id(const std::string& id);


}  // namespace keel::sim
