// Strategies keel-traderd runs itself ([[strategy]], docs/strategies.md). Each one is ticked on the
// engine's thread once a second with a read-only view of the engine (StrategyContext) and answers
// with signals, which go through SubmitSignal exactly as a bot's do: the same checks, the same
// records, the same answers.
#include "engine_trade.h"
#include "keel/strategy/grid.h"

namespace keel {
namespace {

constexpr TimeMs kStrategyTickMs = 1000;
constexpr std::size_t kTakeProfitsRemembered = 1000;
// Enough for a cycle's open, its levels and re-placements; a strategy whose last open may lie
// beyond it takes the conservative reading (docs/strategies.md).
constexpr std::int64_t kSignalsLookedBack = 500;

}  // namespace

class EngineStrategyContext : public StrategyContext {
 public:
  explicit EngineStrategyContext(Engine& e) : e_(e) {}
  TimeMs now() const override { return e_.clock_.NowMs(); }
  std::optional<Decimal> mark(const std::string& symbol) const override {
    auto it = e_.marks_.find(symbol);
    if (it == e_.marks_.end()) return std::nullopt;
    return it->second;
  }
  std::optional<Decimal> tick_size(const std::string& symbol) const override {
    auto it = e_.instruments_.find(symbol);
    if (it == e_.instruments_.end()) return std::nullopt;
    return it->second.tick_size;
  }
  bool hedge_mode() const override { return e_.hedge_mode_; }
  bool engine_paused() const override { return e_.paused_ || e_.shutting_down_; }
  std::optional<TradeView> trade(const std::string& id) const override { return e_.TradeViewOf(id); }
  std::optional<TradeView> active_trade_on(const std::string& symbol, PositionSide leg) const override {
    Engine::Trade* t = e_.ActiveTradeOn(symbol, leg);
    if (!t) return std::nullopt;
    return e_.TradeViewOf(t->record.id);
  }
  SignalHistory signal_ids(const std::string& symbol, const std::string& prefix) const override {
    SignalFilter f;
    f.symbol = symbol;
    f.limit = kSignalsLookedBack;
    SignalHistory h;
    auto records = e_.store_.Signals(f);
    if (!records.ok()) {
      e_.Log("strategy: reading the signals of " + symbol + ": " + records.status().message());
      h.complete = false;
      return h;
    }
    h.complete = static_cast<std::int64_t>(records->size()) < kSignalsLookedBack;
    for (const auto& r : *records)
      if (r.id.rfind(prefix, 0) == 0) h.ids.push_back(r.id);
    return h;
  }

 private:
  Engine& e_;
};

void Engine::StartStrategies() {
  for (const auto& g : settings_.daemon.grids) {
    auto grid = std::make_unique<GridStrategy>(g);
    if (!instruments_.count(g.symbol)) {
      grid->Pause(g.symbol + " is not a perpetual the exchange lists for trading");
      RaiseAlert(AlertKind::kEntryFailed, g.label, g.symbol, "strategy " + grid->name() + " not started: " + g.symbol +
                                                                 " is not listed by the exchange");
    }
    Log("strategy " + grid->name() + (grid->paused() ? " (paused)" : " started"));
    strategies_.push_back(std::move(grid));
  }
  if (!strategies_.empty()) strategy_timer_ = loop_.After(kStrategyTickMs, [this] { StrategyTick(); });
}

void Engine::StrategyTick() {
  strategy_timer_ = 0;
  if (shutting_down_) return;
  EngineStrategyContext ctx(*this);
  for (std::size_t i = 0; i < strategies_.size(); ++i) {
    for (auto& s : strategies_[i]->Tick(ctx)) {
      Log("strategy " + strategies_[i]->name() + ": " + s.why + " (signal " + s.id + ")");
      const std::string id = s.id;
      SubmitSignal(s.json, "strategy:" + strategies_[i]->name(), [this, i, id](EngineReply r) {
        if (i < strategies_.size()) strategies_[i]->OnAnswer(id, r.exit_code, r.json);
      });
    }
  }
  strategy_timer_ = loop_.After(kStrategyTickMs, [this] { StrategyTick(); });
}

std::optional<TradeView> Engine::TradeViewOf(const std::string& id) {
  TradeView v;
  v.id = id;
  auto active = trades_.find(id);
  if (active != trades_.end() && !active->second->finished) {
    const Trade& t = *active->second;
    v.active = true;
    v.phase = to_string(t.state);
    v.leg = t.leg;
    auto held = OpenPositionOf(store_, t.signal.symbol, t.leg);
    if (!held.ok()) {
      // Sized at 0 the grid would place a level its limits forbid: nothing this tick.
      Log("strategy: reading the position of " + id + ": " + held.status().message());
      return std::nullopt;
    }
    if (*held) v.position_qty = (*held)->qty.abs();
    v.pending_adds = static_cast<int>(t.adds.size());
    v.position_behind_fills =
        t.last_add_fill_ms && (!*held || (*held)->exchange_updated_ms.value_or(0) < *t.last_add_fill_ms);
    return v;
  }
  auto rec = store_.Signal(id);
  if (!rec.ok()) Log("strategy: reading signal " + id + ": " + rec.status().message());
  if (!rec.ok() || !*rec) return std::nullopt;
  // Taken, its trade not (yet) in memory: still entering as far as anyone can say.
  v.active = (*rec)->state == SignalState::kEntering || (*rec)->state == SignalState::kOpen ||
             (*rec)->state == SignalState::kClosing;
  v.phase = to_string((*rec)->state);
  v.leg = (*rec)->position_side.value_or(PositionSide::kBoth);
  v.closed_by_take_profit =
      std::find(take_profit_filled_.begin(), take_profit_filled_.end(), id) != take_profit_filled_.end();
  return v;
}

void Engine::NoteTakeProfitFilled(const std::string& id) {
  if (std::find(take_profit_filled_.begin(), take_profit_filled_.end(), id) != take_profit_filled_.end()) return;
  take_profit_filled_.push_back(id);
  if (take_profit_filled_.size() > kTakeProfitsRemembered) take_profit_filled_.pop_front();
}

void Engine::PauseStrategies(const std::optional<std::string>& symbol, const std::string& why) {
  for (auto& s : strategies_) {
    if (symbol && s->symbol() != *symbol) continue;
    if (!s->paused()) Log("strategy " + s->name() + " paused: " + why);
    s->Pause(why);
  }
}

void Engine::OperatorFlatten(std::optional<std::string> symbol, ReplyFn reply, std::optional<PositionSide> leg) {
  // Paused first: nothing new is sent while the flatten cancels and closes.
  PauseStrategies(symbol, "flattened by the operator: keel-ctl resume starts it again");
  Flatten(std::move(symbol), std::move(reply), leg);
}

}  // namespace keel
