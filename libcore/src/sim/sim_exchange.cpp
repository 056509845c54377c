// SimExchange: construction, accounts, listen keys, markets and the event queues.
#include "keel/sim/sim_exchange.h"

#include <algorithm>

#include "keel/sim/position_math.h"

namespace keel::sim {

SimExchange::SimExchange(SimConfig config, const Clock& clock)
    : config_(std::move(config)), clock_(clock), rng_(config_.seed) {}

Result<std::unique_ptr<SimExchange>> SimExchange::Create(SimConfig config, const Clock& clock) {
  if (config.accounts.empty()) return Status::InvalidInput("the simulator needs at least one account");
  std::unique_ptr<SimExchange> ex(new SimExchange(std::move(config), clock));
  const TimeMs start = clock.NowMs();
  for (auto& inst : ex->config_.instruments) {
    if (inst.brackets.empty())
      inst.brackets = DefaultBrackets(inst.filters.symbol == "BTCUSDT" || inst.filters.symbol == "ETHUSDT");
  }
  for (const auto& inst : ex->config_.instruments) {
    std::unique_ptr<PricePath> path;
    if (inst.replay_csv) {
      auto replay = ReplayPath::Load(*inst.replay_csv, inst.filters.tick_size, start);
      if (!replay.ok()) return replay.status();
      path = std::move(replay).value();
    } else {
      path = std::make_unique<RandomWalkPath>(inst.initial_price, inst.filters.tick_size, inst.max_step_ticks,
                                              inst.min_price, symbol_seed(ex->config_.seed, inst.filters.symbol),
                                              start, ex->config_.step_ms);
    }
    SymbolState s;
    s.market = std::make_unique<Market>(inst, std::move(path), start);
    s.last_match_step = start / ex->config_.step_ms;
    ex->symbols_.emplace(inst.filters.symbol, std::move(s));
  }
  if (ex->config_.funding_interval_ms > 0) ex->last_funding_slot_ = start / ex->config_.funding_interval_ms;
  for (const auto& spec : ex->config_.accounts) {
    Account a;
    a.spec = spec;
    a.wallet = spec.initial_balance;
    a.wallet_time = start;
    a.dual_side = spec.hedge_mode;
    ex->accounts_.push_back(std::move(a));
  }
  return ex;
}

void SimExchange::Advance() {
  if (advancing_) return;
  advancing_ = true;
  const TimeMs t = now();
  // What expires at t does not fill at t.
  ExpireGoodTillDate(t);
  for (auto& [symbol, s] : symbols_) AdvanceMarket(s, t);
  if (config_.funding_interval_ms > 0) {
    for (TimeMs slot = last_funding_slot_ + 1; slot <= t / config_.funding_interval_ms; ++slot)
      PayFunding(slot * config_.funding_interval_ms);
    last_funding_slot_ = std::max(last_funding_slot_, t / config_.funding_interval_ms);
  }
  RunCountdowns(t);
  for (std::size_t i = 0; i < accounts_.size(); ++i) {
    bool holds = false;
    for (const auto& [key, p] : accounts_[i].positions) holds |= !p.amount.is_zero();
    if (holds) CheckLiquidation(static_cast<AccountId>(i));
    auto& key = accounts_[i].listen_key;
    if (key && key->expires_at <= t) {
      EmitUser(static_cast<AccountId>(i), ListenKeyExpired{key->key});
      key.reset();
    }
  }
  advancing_ = false;
}

void SimExchange::AdvanceMarket(SymbolState& s, TimeMs t) {
  const Decimal mark_before = s.market->mark();
  if (s.market->AdvanceTo(t)) {
    EmitMarket(BookTickerUpdate{s.market->symbol(), s.market->update_id(), s.market->quote()});
    EmitMarket(AggTradeUpdate{s.market->symbol(), s.next_agg_id++, s.market->last(),
                              s.market->instrument().filters.min_qty, next_trade_id_, next_trade_id_, false});
    ++next_trade_id_;
  }
  if (s.market->mark() != mark_before || t - s.last_mark_event >= 1000) {
    s.last_mark_event = t;
    const TimeMs interval = config_.funding_interval_ms > 0 ? config_.funding_interval_ms : 8 * 3'600'000;
    EmitMarket(MarkPriceUpdate{s.market->symbol(), s.market->mark(), s.market->last(), config_.funding_rate,
                               (t / interval + 1) * interval});
  }
  TriggerAlgos(s);
  // The book's depth refills once per market step, so resting orders fill at most once a step
  // however often the exchange is polled.
  const TimeMs step = t / config_.step_ms;
  if (step > s.last_match_step) {
    s.last_match_step = step;
    MatchResting(s);
  }
}

SimExchange::SymbolState* SimExchange::symbol_state(const std::string& symbol) {
  auto it = symbols_.find(symbol);
  return it == symbols_.end() ? nullptr : &it->second;
}

std::optional<AccountId> SimExchange::FindAccountByKey(std::string_view api_key) const {
  for (std::size_t i = 0; i < accounts_.size(); ++i)
    if (accounts_[i].spec.api_key == api_key) return static_cast<AccountId>(i);
  return std::nullopt;
}

std::optional<AccountId> SimExchange::FindAccountByName(std::string_view name) const {
  for (std::size_t i = 0; i < accounts_.size(); ++i)
    if (accounts_[i].spec.name == name) return static_cast<AccountId>(i);
  return std::nullopt;
}

std::optional<std::string> SimExchange::ActiveListenKey(AccountId id) const {
  const auto& key = account(id).listen_key;
  if (!key) return std::nullopt;
  return key->key;
}

const SimAccountSpec& SimExchange::account_spec(AccountId id) const { return account(id).spec; }
bool SimExchange::dual_side_position(AccountId id) const { return account(id).dual_side; }

Status SimExchange::SetDualSidePosition(AccountId id, bool dual) {
  Advance();
  Account& a = account(id);
  if (a.dual_side == dual) return Refuse(SimRefusal::kPositionModeUnchanged);
  if (!a.open_orders.empty() || !a.open_algos.empty())
    return Refuse(SimRefusal::kPositionModeOpenOrders);
  for (const auto& [key, p] : a.positions)
    if (!p.amount.is_zero()) return Refuse(SimRefusal::kPositionModeOpenPosition);
  a.dual_side = dual;
  return Status::Ok();
}

Result<int> SimExchange::SetLeverage(AccountId id, const std::string& symbol, int leverage) {
  if (!symbol_state(symbol)) return Refuse(SimRefusal::kUnknownSymbol);
  const auto& brackets = FindMarket(symbol)->instrument().brackets;
  if (leverage < 1 || leverage > MaxLeverage(brackets))
    return Refuse(SimRefusal::kInvalidLeverage, std::to_string(leverage));
  Account& a = account(id);
  for (PositionSide side : {PositionSide::kBoth, PositionSide::kLong, PositionSide::kShort}) {
    auto held = a.positions.find({symbol, side});
    if (held == a.positions.end() || held->second.amount.is_zero()) continue;
    const Decimal notional = held->second.amount.abs().Mul(FindMarket(symbol)->mark(), Rounding::kUp).value();
    if (notional > MaxNotionalAt(brackets, leverage))
      return Refuse(SimRefusal::kPositionLimit);
  }
  a.leverage[symbol] = leverage;
  // Resting orders on the symbol now reserve margin at the new leverage.
  std::vector<std::int64_t> ids;
  for (const auto& [order_id, reservation] : a.reserved)
    if (a.orders.at(order_id).symbol == symbol) ids.push_back(order_id);
  for (std::int64_t order_id : ids) {
    const Decimal notional = a.reserved.at(order_id).notional;
    Release(id, a.orders.at(order_id), std::nullopt);
    Reserve(id, a.orders.at(order_id), notional);
  }
  EmitUser(id, AccountConfigUpdate{symbol, leverage});
  return leverage;
}

Status SimExchange::SetMarginType(AccountId id, const std::string& symbol, const std::string& margin_type) {
  if (!symbol_state(symbol)) return Refuse(SimRefusal::kUnknownSymbol);
  std::string wanted;
  if (margin_type == "ISOLATED") wanted = "isolated";
  else if (margin_type == "CROSSED") wanted = "cross";
  else return Refuse(SimRefusal::kInvalidOrderType, "marginType");
  if (this->margin_type(id, symbol) == wanted) return Refuse(SimRefusal::kMarginTypeUnchanged);
  account(id).margin_type[symbol] = wanted;
  return Status::Ok();
}

int SimExchange::leverage(AccountId id, const std::string& symbol) const {
  const auto& l = account(id).leverage;
  auto it = l.find(symbol);
  return it == l.end() ? config_.default_leverage : it->second;
}

std::string SimExchange::margin_type(AccountId id, const std::string& symbol) const {
  const auto& m = account(id).margin_type;
  auto it = m.find(symbol);
  return it == m.end() ? "cross" : it->second;
}

std::vector<SimPosition> SimExchange::Positions(AccountId id) const {
  std::vector<SimPosition> out;
  for (const auto& [key, p] : account(id).positions) {
    SimPosition copy = p;
    copy.leverage = leverage(id, p.symbol);
    out.push_back(copy);
  }
  return out;
}

SimPosition SimExchange::Position(AccountId id, const std::string& symbol, PositionSide side) const {
  const auto& positions = account(id).positions;
  auto it = positions.find({symbol, side});
  SimPosition p;
  if (it != positions.end()) p = it->second;
  p.symbol = symbol;
  p.position_side = side;
  p.leverage = leverage(id, symbol);
  return p;
}

Decimal SimExchange::max_notional(AccountId id, const std::string& symbol) const {
  return MaxNotionalAt(FindMarket(symbol)->instrument().brackets, leverage(id, symbol));
}

Decimal SimExchange::maintenance_margin(const std::string& symbol, Decimal notional) const {
  return MaintenanceMargin(FindMarket(symbol)->instrument().brackets, notional);
}

AccountSummary SimExchange::Summary(AccountId id) const {
  const Account& a = account(id);
  AccountSummary s;
  s.wallet_balance = a.wallet;
  s.update_time = a.wallet_time;
  for (const auto& [key, p] : a.positions) {
    if (p.amount.is_zero()) continue;
    const Market* m = FindMarket(p.symbol);
    const Decimal mark = m->mark();
    s.unrealized_pnl = s.unrealized_pnl.Add(UnrealizedPnl(p.amount, p.entry_price, mark).value()).value();
    const Decimal notional = p.amount.abs().Mul(mark, Rounding::kUp).value();
    const Decimal lev = Decimal::FromInteger(leverage(id, p.symbol)).value();
    s.position_initial_margin = s.position_initial_margin.Add(notional.Div(lev, Rounding::kUp).value()).value();
    s.maint_margin = s.maint_margin.Add(maintenance_margin(p.symbol, notional)).value();
    s.update_time = std::max(s.update_time, p.update_time);
  }
  s.open_order_initial_margin = a.open_order_margin;
  s.available_balance = s.wallet_balance.Add(s.unrealized_pnl)
                            .value()
                            .Sub(s.position_initial_margin)
                            .value()
                            .Sub(s.open_order_initial_margin)
                            .value();
  return s;
}

std::vector<SimTrade> SimExchange::Trades(AccountId id, const std::string& symbol) const {
  std::vector<SimTrade> out;
  for (const auto& t : account(id).trades)
    if (symbol.empty() || t.symbol == symbol) out.push_back(t);
  return out;
}

std::string SimExchange::RandomId(std::size_t length) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::string out(length, ' ');
  for (auto& c : out) c = kAlphabet[rng_() % (sizeof(kAlphabet) - 1)];
  return out;
}

std::string SimExchange::CreateListenKey(AccountId id) {
  Advance();
  Account& a = account(id);
  if (!a.listen_key) a.listen_key = ListenKey{RandomId(64), 0};
  a.listen_key->expires_at = now() + config_.listen_key_validity_ms;
  return a.listen_key->key;
}

Status SimExchange::KeepAliveListenKey(AccountId id, const std::string& key) {
  Advance();
  Account& a = account(id);
  if (!a.listen_key || (!key.empty() && a.listen_key->key != key))
    return Refuse(SimRefusal::kUnknownListenKey);
  a.listen_key->expires_at = now() + config_.listen_key_validity_ms;
  return Status::Ok();
}

Status SimExchange::DeleteListenKey(AccountId id, const std::string& key) {
  Account& a = account(id);
  if (a.listen_key && (key.empty() || a.listen_key->key == key)) a.listen_key.reset();
  return Status::Ok();
}

std::optional<AccountId> SimExchange::AccountForListenKey(const std::string& key) const {
  for (std::size_t i = 0; i < accounts_.size(); ++i)
    if (accounts_[i].listen_key && accounts_[i].listen_key->key == key && accounts_[i].listen_key->expires_at > now())
      return static_cast<AccountId>(i);
  return std::nullopt;
}

Status SimExchange::ExpireListenKey(const std::string& key) {
  for (std::size_t i = 0; i < accounts_.size(); ++i) {
    auto& k = accounts_[i].listen_key;
    if (k && k->key == key) {
      EmitUser(static_cast<AccountId>(i), ListenKeyExpired{k->key});
      k.reset();
      return Status::Ok();
    }
  }
  return Status::NotFound("no active listen key " + key);
}

const Market* SimExchange::FindMarket(const std::string& symbol) const {
  auto it = symbols_.find(symbol);
  return it == symbols_.end() ? nullptr : it->second.market.get();
}

std::vector<const Market*> SimExchange::Markets() const {
  std::vector<const Market*> out;
  for (const auto& [symbol, s] : symbols_) out.push_back(s.market.get());
  return out;
}

Status SimExchange::MovePrice(const std::string& symbol, Decimal percent, TimeMs over_ms) {
  SymbolState* s = symbol_state(symbol);
  if (!s) return Status::NotFound("no symbol " + symbol);
  Advance();
  KEEL_RETURN_IF_ERROR(s->market->Move(percent, now(), over_ms));
  EmitMarket(BookTickerUpdate{symbol, s->market->update_id(), s->market->quote()});
  TriggerAlgos(*s);
  MatchResting(*s);
  return Status::Ok();
}

void SimExchange::EmitUser(AccountId id, decltype(UserEvent::body) body, std::optional<TimeMs> transaction_at) {
  ++account(id).version;
  UserEvent e;
  e.account = id;
  e.event_time = now();
  e.transaction_time = transaction_at.value_or(e.event_time);
  e.body = std::move(body);
  user_events_.push_back(std::move(e));
}

void SimExchange::EmitMarket(decltype(MarketEvent::body) body) {
  if (!market_events_enabled_) return;
  MarketEvent e;
  e.event_time = now();
  e.transaction_time = now();
  e.body = std::move(body);
  market_events_.push_back(std::move(e));
}

std::vector<UserEvent> SimExchange::TakeUserEvents() { return std::exchange(user_events_, {}); }
std::vector<MarketEvent> SimExchange::TakeMarketEvents() { return std::exchange(market_events_, {}); }

}  // namespace keel::sim
