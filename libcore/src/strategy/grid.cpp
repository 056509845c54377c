#include "keel/strategy/grid.h"

#include "keel/model/json_fields.h"

namespace keel {
namespace {

constexpr TimeMs kAnswerWaitMs = 60'000;
constexpr TimeMs kQuietAfterRefusalMs = 30'000;

const Decimal kHundred = Decimal::FromInteger(100).value();

// price × (1 - pct/100) below (a LONG's levels and stop), × (1 + pct/100) above (a SHORT's).
std::optional<Decimal> Away(Decimal price, Decimal pct, bool below) {
  auto factor = below ? kHundred.Sub(pct) : kHundred.Add(pct);
  if (!factor.ok()) return std::nullopt;
  auto scaled = price.Mul(*factor, Rounding::kNearest);
  if (!scaled.ok()) return std::nullopt;
  auto out = scaled->Div(kHundred, Rounding::kNearest);
  if (!out.ok()) return std::nullopt;
  return *out;
}

// On the tick, away from the market (a LONG's level and stop down, a SHORT's up).
std::optional<Decimal> OnTick(Decimal price, std::optional<Decimal> tick, bool below) {
  if (!tick || !tick->is_positive()) return std::nullopt;
  auto r = price.RoundTo(*tick, below ? Rounding::kFloor : Rounding::kCeiling);
  if (!r.ok() || !r->is_positive()) return std::nullopt;
  return *r;
}

const char* SideWord(PositionSide direction) { return direction == PositionSide::kLong ? "LONG" : "SHORT"; }

}  // namespace

GridStrategy::GridStrategy(GridConfig config) : config_(std::move(config)) {
  legs_[0].direction = PositionSide::kLong;
  legs_[0].enabled = config_.long_leg;
  legs_[1].direction = PositionSide::kShort;
  legs_[1].enabled = config_.short_leg;
}

PositionSide GridStrategy::LegSide(const Leg& leg, const StrategyContext& ctx) const {
  return ctx.hedge_mode() ? leg.direction : PositionSide::kBoth;
}

std::string GridStrategy::NewId(const Leg& leg, const StrategyContext& ctx, const std::string& what) {
  // Unique across restarts: the time, never the same twice.
  last_id_ms_ = std::max(ctx.now(), last_id_ms_ + 1);
  return IdPrefix() + (leg.direction == PositionSide::kLong ? "L-" : "S-") + std::to_string(last_id_ms_) + what;
}

std::vector<StrategySignal> GridStrategy::Tick(const StrategyContext& ctx) {
  std::vector<StrategySignal> out;
  if (legs_[0].enabled && legs_[1].enabled && !ctx.hedge_mode() && !paused_)
    Pause("legs = \"both\" needs the account in hedge mode (one-way holds one position a symbol)");
  if (paused_ || ctx.engine_paused()) {
    // Nothing is sent, but what the status shows stays true: a trade that ended meanwhile (a
    // flatten's) is shown ended.
    for (auto& leg : legs_) {
      if (leg.trade_id.empty()) continue;
      auto trade = ctx.trade(leg.trade_id);
      if (!trade || trade->active || leg.phase == trade->phase) continue;
      leg.phase = trade->phase;
      leg.pending_from.reset();
      leg.last = "its trade " + leg.trade_id + " ended " + trade->phase + " while the grid was paused";
    }
    return out;
  }
  for (auto& leg : legs_) {
    if (!leg.enabled) continue;
    if (auto s = TickLeg(leg, ctx)) out.push_back(std::move(*s));
  }
  return out;
}

std::optional<StrategySignal> GridStrategy::TickLeg(Leg& leg, const StrategyContext& ctx) {
  const TimeMs now = ctx.now();
  if (!leg.awaiting.empty()) {
    // Never sent again unanswered: a second level (or open) beside one still being taken would
    // break one-at-a-time and the leg's limits. The engine answers every signal.
    if (now - leg.awaiting_since >= kAnswerWaitMs)
      leg.last = "no answer to " + leg.awaiting + " for " + std::to_string((now - leg.awaiting_since) / 1000) + " s: waiting";
    return std::nullopt;
  }
  if (now < leg.quiet_until) return std::nullopt;
  const auto mark = ctx.mark(config_.symbol);
  if (!mark) {
    leg.last = "waiting for a mark price of " + config_.symbol;
    return std::nullopt;
  }
  const PositionSide side = LegSide(leg, ctx);
  if (leg.trade_id.empty()) {
    if (auto found = ctx.active_trade_on(config_.symbol, side)) {
      if (found->id.rfind(IdPrefix(), 0) != 0) {
        leg.last = "the leg holds a trade that is not the grid's (signal " + found->id + "): waiting for it to end";
        return std::nullopt;
      }
      // After a restart (or a resume): the grid's own trade, found by its id.
      leg.trade_id = found->id;
      leg.last = "took up its trade " + found->id;
    } else {
      if (!leg.history_read) ReadHistory(leg, ctx);
      if (leg.stopped) return std::nullopt;
      return Open(leg, ctx, *mark);
    }
  }
  auto trade = ctx.trade(leg.trade_id);
  if (!trade) return std::nullopt;  // taken, its record not written yet
  leg.phase = trade->phase;
  if (trade->active) {
    // Levels filled: the position in levels, to the nearest (a level may fill in part). Both
    // decimals count the same units.
    const std::int64_t level_units = config_.qty.units();
    leg.filled_levels = level_units > 0 ? static_cast<int>((trade->position_qty.units() + level_units / 2) / level_units) : 0;
    if (trade->phase != "protected") return std::nullopt;  // entering, being protected or closing: keel's work
    return NextLevel(leg, ctx, *trade, *mark);
  }
  // The cycle is over. Pending entries of both legs go first (seed 003 #1: a level left resting
  // on the other leg filled into a position nobody wanted); the leg reopens only after.
  const std::string ended = leg.trade_id;
  leg.trade_id.clear();
  leg.pending_from.reset();
  leg.filled_levels = 0;
  leg.adds_sent = 0;
  if (trade->closed_by_take_profit) {
    ++leg.cycles;
    leg.last = "take-profit of " + ended + ": cycle " + std::to_string(leg.cycles) + " done" +
               (config_.reopen ? "; reopening" : "; not reopening (reopen = false)");
    if (!config_.reopen) leg.stopped = true;
  } else {
    leg.stopped = true;
    leg.last = "its trade " + ended + " ended " + trade->phase + ", not by its take-profit: stopped until the grid is resumed";
  }
  // The cancel's id says how the cycle ended ("-c": by its take-profit, "-x": otherwise): after a
  // restart, ReadHistory finds it in the store.
  return CancelPending(leg, ctx, true, "the " + std::string(SideWord(leg.direction)) + " leg's cycle ended",
                       leg.stopped && !trade->closed_by_take_profit ? "-x" : "-c");
}

void GridStrategy::ReadHistory(Leg& leg, const StrategyContext& ctx) {
  leg.history_read = true;
  const std::string prefix = IdPrefix() + (leg.direction == PositionSide::kLong ? "L-" : "S-");
  const SignalHistory history = ctx.signal_ids(config_.symbol, prefix);
  // The leg's last open, and how its cycle ended if the grid said so before the restart.
  std::string last_open;
  std::string ending;
  for (const auto& id : history.ids) {
    const std::string rest = id.substr(prefix.size());
    if (!rest.empty() && rest.find_first_not_of("0123456789") == std::string::npos) {
      last_open = id;
      ending.clear();
    } else if (!last_open.empty() && rest.size() > 2 && (rest.compare(rest.size() - 2, 2, "-c") == 0 ||
                                                          rest.compare(rest.size() - 2, 2, "-x") == 0)) {
      ending = rest.substr(rest.size() - 2);
    }
  }
  if (last_open.empty()) {
    if (history.complete) return;  // a fresh grid
    // Its last open may be older than what was read (or nothing could be read): not known to
    // have ended by its take-profit.
    leg.stopped = true;
    leg.last = "after a restart: its last cycle could not be read from the store: stopped until keel-ctl resume";
    return;
  }
  auto trade = ctx.trade(last_open);
  if (!trade) {  // its id came from the store, so only a failed read loses it
    leg.stopped = true;
    leg.last = "after a restart: its last trade " + last_open + " could not be read: stopped until keel-ctl resume";
    return;
  }
  // Refused: nothing was opened, nothing to stop for.
  if (trade->phase == "rejected") return;
  if (ending == "-c") {
    leg.last = "after a restart: " + last_open + " ended by its take-profit" +
               (config_.reopen ? ": reopening" : ": not reopening (reopen = false)");
    leg.stopped = !config_.reopen;
    return;
  }
  // Ended by its stop, a flatten or a close (or the restart came before the grid saw how): a
  // grid never reopens what it cannot show was closed by its take-profit.
  leg.stopped = true;
  leg.last = "after a restart: its last trade " + last_open + " ended " + trade->phase +
             (ending == "-x" ? ", not by its take-profit" : ", not shown to be by its take-profit") +
             ": stopped until keel-ctl resume";
}

StrategySignal GridStrategy::Open(Leg& leg, const StrategyContext& ctx, Decimal mark) {
  const bool is_long = leg.direction == PositionSide::kLong;
  // The stop is a price beyond the deepest level: it stays where it is as the levels fill.
  auto depth = Decimal::FromInteger(config_.levels).value().Mul(config_.spacing_pct, Rounding::kNearest);
  std::optional<Decimal> stop;
  if (depth.ok())
    if (auto total = depth->Add(config_.stop_loss_pct); total.ok() && *total < kHundred)
      if (auto raw = Away(mark, *total, is_long)) stop = OnTick(*raw, ctx.tick_size(config_.symbol), is_long);
  StrategySignal s;
  s.id = NewId(leg, ctx, "");
  JsonWriter w;
  w.StartObject().Key("id").String(s.id).Key("symbol").String(config_.symbol).Key("side").String(SideWord(leg.direction));
  w.Key("qty").Number(config_.qty).Key("entry").String("market");
  // No stop price (no tick known yet, or levels too deep): the signal carries none and keel refuses it.
  if (stop) w.Key("stop_loss").StartObject().Key("price").Number(*stop).EndObject();
  w.Key("take_profit").StartObject().Key("pct").Number(config_.take_profit_pct);
  if (config_.take_profit_order != "conditional") w.Key("limit").Bool(true);
  if (config_.take_profit_order == "post_only") w.Key("post_only").Bool(true);
  w.EndObject();
  w.EndObject();
  s.json = w.str();
  s.why = "grid " + config_.symbol + " " + SideWord(leg.direction) + ": opening cycle " + std::to_string(leg.cycles + 1);
  leg.trade_id = s.id;
  leg.awaiting = s.id;
  leg.awaiting_since = ctx.now();
  leg.adds_sent = 0;
  leg.last = "opening " + s.id + (stop ? " with its stop at " + stop->ToString() : std::string(" (no stop price: refused)"));
  return s;
}

std::optional<StrategySignal> GridStrategy::NextLevel(Leg& leg, const StrategyContext& ctx, const TradeView& trade,
                                                      Decimal mark) {
  const bool is_long = leg.direction == PositionSide::kLong;
  if (trade.pending_adds > 0) {
    // Seed 003 #7: a level the market left behind would never fill; placed again from it.
    if (!leg.pending_from) leg.pending_from = mark;  // taken up after a restart: measured from now
    auto moved = mark.Sub(*leg.pending_from);
    if (moved.ok() && leg.pending_from->is_positive()) {
      auto scaled = moved->abs().Mul(kHundred, Rounding::kNearest);
      auto pct = scaled.ok() ? scaled->Div(*leg.pending_from, Rounding::kNearest) : scaled;
      if (pct.ok() && *pct > config_.recenter_pct)
        return CancelPending(leg, ctx, false, "the market moved " + pct->ToString() + " % from where the pending level was placed",
                             "-r");
    }
    return std::nullopt;
  }
  // Sized from a position that does not show a level's fill yet, the next level would pass the cap
  // (chaos seed 1107763: a level filled as the re-centering cancelled it, the stream down).
  if (trade.position_behind_fills) {
    leg.last = "waits for the position to show a level's fill";
    return std::nullopt;
  }
  // In quantity, not rounded levels: part-filled levels never take the leg past levels x qty.
  auto cap = Decimal::FromInteger(config_.levels).value().Mul(config_.qty, Rounding::kNearest);
  auto next_qty = trade.position_qty.Add(config_.qty);
  if (!cap.ok() || !next_qty.ok() || *next_qty > *cap) {
    leg.last = "holds " + trade.position_qty.ToString() + ": another level would pass " + std::to_string(config_.levels) +
               " levels of " + config_.qty.ToString();
    return std::nullopt;
  }
  auto raw = Away(mark, config_.spacing_pct, is_long);
  auto price = raw ? OnTick(*raw, ctx.tick_size(config_.symbol), is_long) : std::nullopt;
  if (!price) return std::nullopt;
  if (config_.max_notional) {
    auto worth = next_qty->Mul(*price, Rounding::kUp);
    if (!worth.ok() || *worth > *config_.max_notional) {
      leg.last = "max_notional " + config_.max_notional->ToString() + " reached: no further level";
      return std::nullopt;
    }
  }
  StrategySignal s;
  s.id = NewId(leg, ctx, "-a" + std::to_string(++leg.adds_sent));
  JsonWriter w;
  w.StartObject().Key("id").String(s.id).Key("symbol").String(config_.symbol).Key("action").String("add");
  w.Key("trade").String(leg.trade_id);
  if (ctx.hedge_mode()) w.Key("side").String(SideWord(leg.direction));
  w.Key("qty").Number(config_.qty).Key("entry").String("limit").Key("price").Number(*price).EndObject();
  s.json = w.str();
  s.why = "grid " + config_.symbol + " " + SideWord(leg.direction) + ": level " + std::to_string(leg.filled_levels + 1) + " at " +
          price->ToString();
  leg.pending_from = mark;
  leg.awaiting = s.id;
  leg.awaiting_since = ctx.now();
  leg.last = "level " + std::to_string(leg.filled_levels + 1) + " pending at " + price->ToString();
  return s;
}

StrategySignal GridStrategy::CancelPending(Leg& leg, const StrategyContext& ctx, bool both_legs, const std::string& why,
                                           const std::string& suffix) {
  StrategySignal s;
  s.id = NewId(leg, ctx, suffix);
  JsonWriter w;
  w.StartObject().Key("id").String(s.id).Key("symbol").String(config_.symbol).Key("action").String("cancel");
  if (ctx.hedge_mode() && !both_legs) w.Key("side").String(SideWord(leg.direction));
  w.EndObject();
  s.json = w.str();
  s.why = "grid " + config_.symbol + ": cancelling the pending entries of " + (both_legs ? "both legs" : SideWord(leg.direction)) +
          ": " + why;
  leg.pending_from.reset();
  leg.awaiting = s.id;
  leg.awaiting_since = ctx.now();
  return s;
}

void GridStrategy::OnAnswer(const std::string& id, int exit_code, const std::string& json) {
  for (auto& leg : legs_) {
    if (leg.awaiting != id) continue;
    leg.awaiting.clear();
    std::string detail;
    if (auto f = JsonFields::Parse(json, "answer"); f.ok())
      if (auto d = f->String("detail"); d.ok() && *d) detail = **d;
    // Answered "nothing to do" (exit 1) is an answer; a refusal or a failure waits a while.
    if (exit_code >= 2) {
      leg.last = id + " answered exit " + std::to_string(exit_code) + ": " + detail;
      leg.quiet_until = leg.awaiting_since + kQuietAfterRefusalMs;
      if (id == leg.trade_id && exit_code != 4) leg.trade_id.clear();  // nothing opened
      if (id.find("-a") != std::string::npos) leg.pending_from.reset();
    }
  }
}

void GridStrategy::Pause(const std::string& why) {
  paused_ = true;
  pause_reason_ = why;
}

void GridStrategy::Resume() {
  paused_ = false;
  pause_reason_.clear();
  for (auto& leg : legs_) {
    // Taken up again from what the engine holds: its trade if one is still open, else a new cycle.
    leg.stopped = false;
    leg.history_read = true;  // resumed: the history no longer decides
    leg.trade_id.clear();
    leg.pending_from.reset();
    leg.quiet_until = 0;
  }
}

void GridStrategy::WriteStatus(JsonWriter& w) const {
  w.StartObject().Key("kind").String("grid").Key("symbol").String(config_.symbol);
  w.Key("paused").Bool(paused_);
  if (paused_) w.Key("pause_reason").String(pause_reason_);
  w.Key("levels").Int(config_.levels).Key("spacing_pct").Number(config_.spacing_pct).Key("qty").Number(config_.qty);
  w.Key("take_profit_pct").Number(config_.take_profit_pct).Key("stop_loss_pct").Number(config_.stop_loss_pct);
  w.Key("take_profit_order").String(config_.take_profit_order);
  w.Key("legs").StartArray();
  for (const auto& leg : legs_) {
    if (!leg.enabled) continue;
    w.StartObject().Key("leg").String(SideWord(leg.direction));
    w.Key("trade").String(leg.trade_id).Key("phase").String(leg.phase);
    w.Key("filled_levels").Int(leg.filled_levels).Key("cycles").Int(leg.cycles).Key("stopped").Bool(leg.stopped);
    if (leg.pending_from) w.Key("pending_from").Number(*leg.pending_from);
    w.Key("last").String(leg.last).EndObject();
  }
  w.EndArray().EndObject();
}

}  // namespace keel
