// A take-profit resting as a reduce-only limit order in the order book (a maker's exit), beside the
// trade's conditional stop: where it rests, how it follows the position's size, and its
// replacement through the ReplacementGuard when the exchange ends it.
#include "engine_trade.h"
#include "keel/safety/entries_before_close.h"
#include "keel/engine/maker_quote.h"
#include "keel/model/order_kind.h"

namespace keel {

OrderBook Engine::BookOfOrder(const std::string& cid) {
  auto rec = store_.Order(cid);
  if (!rec.ok() || !*rec) return OrderBook::kConditional;
  return is_conditional((*rec)->type) ? OrderBook::kConditional : OrderBook::kRegular;
}

std::vector<std::string> Engine::RestingLimitExits(const std::string& symbol, std::optional<PositionSide> leg) {
  std::vector<std::string> out;
  for (const auto& [id, t] : trades_) {
    if (t->signal.symbol != symbol || (leg && t->leg != *leg)) continue;
    for (const auto& cid : {t->record.take_profit_client_order_id,
                            t->exit_move ? t->exit_move->take_profit_from : std::optional<std::string>()}) {
      // One the matching engine answered "unknown order" is settled by query, never cancelled again.
      if (!cid || BookOfOrder(*cid) != OrderBook::kRegular || answered_unknown_order_.count(*cid)) continue;
      auto rec = store_.Order(*cid);
      if (rec.ok() && *rec && !is_terminal((*rec)->state)) out.push_back(*cid);
    }
  }
  // And one no trade names any more that keel's record holds open: a move's old take-profit whose
  // cancel waits out a rate refusal after the move gave it up (chaos seed 1126875).
  OrderFilter f;
  f.symbol = symbol;
  f.open_only = true;
  if (auto open = store_.Orders(f); open.ok()) {
    for (const auto& o : *open) {
      if (o.purpose != OrderPurpose::kTakeProfit || is_conditional(o.type) || (leg && o.position_side != *leg)) continue;
      if (answered_unknown_order_.count(o.client_order_id)) continue;
      if (std::find(out.begin(), out.end(), o.client_order_id) == out.end()) out.push_back(o.client_order_id);
    }
  } else {
    LogWarning("reading the open orders of " + symbol + ": " + open.status().message());
  }
  return out;
}

void Engine::RecordLimitExitsEnded(const EntriesEnded& ended, const std::string& why) {
  // A close tried again after one not verified sends no second cancel to those (chaos seed
  // 1110006: a take-profit that expired while keel was down, a read still saying NEW).
  RememberUnknownToExchange(ended);
  for (const auto& e : ended.ended) {
    RecordOrderReport(e, why);
    AfterOrderChange(e.client_order_id);
  }
  // A reduce-only take-profit that may still rest cannot open anything: the close goes on, the
  // trade's cleanup cancels it again once flat.
  for (const auto& p : ended.problems) LogWarning(why + ": take-profit " + p);
}

void Engine::CancelExit(const std::string& symbol, const std::string& cid, const std::string& why) {
  CancelOrder(BookOfOrder(cid), symbol, cid, why);
}

Result<Decimal> Engine::LimitExitPrice(const Trade& t, const PriceLevel& level, Decimal level_price,
                                       bool long_position) const {
  if (!level.post_only) return level_price;
  auto book = books_.find(t.signal.symbol);
  auto inst = instruments_.find(t.signal.symbol);
  if (book == books_.end() || inst == instruments_.end()) return level_price;  // the exchange refuses it if it would take
  const Side side = long_position ? Side::kSell : Side::kBuy;
  auto quote = MakerPrice(side, book->second.first, book->second.second, inst->second);
  if (!quote.ok()) return level_price;
  // A sell no lower than the ask, a buy no higher than the bid: never taking, never worse than the level.
  return long_position ? std::max(level_price, *quote) : std::min(level_price, *quote);
}

std::optional<std::string> Engine::TakeProfitShortOf(const Trade& t, const PositionRecord& position) {
  if (!t.signal.take_profit || !t.signal.take_profit->limit || t.take_profit_replacing) return std::nullopt;
  if (!t.record.take_profit_client_order_id) {
    if (!t.take_profit_refill_after || t.take_profit_done || !position.exchange_updated_ms ||
        *position.exchange_updated_ms < *t.take_profit_refill_after)
      return std::nullopt;
    return "its take-profit filled and the position still holds " + position.qty.abs().ToString();
  }
  auto rec = store_.Order(*t.record.take_profit_client_order_id);
  if (!rec.ok() || !*rec || !is_confirmed_working((*rec)->state)) return std::nullopt;
  auto left = (*rec)->qty.Sub((*rec)->filled_qty);
  if (!left.ok() || position.qty.abs() <= *left) return std::nullopt;
  return "the position grew to " + position.qty.abs().ToString() + ", past the " + left->ToString() +
         " its take-profit " + *t.record.take_profit_client_order_id + " has left to fill";
}

bool Engine::TakeProfitDue(const Trade& t) const {
  if (!t.signal.take_profit || t.take_profit_done || t.record.take_profit_client_order_id) return false;
  // An operator's close ended it and runs still: placed again once it is over (chaos seed
  // 1118548: a move's stop confirmed meanwhile placed it beside the close, -4118).
  if (take_profits_after_tool_.count(t.record.id)) return false;
  return !(t.exit_move && t.exit_move->take_profit_after_cancel);
}

void Engine::TakeProfitsAfterTool() {
  // Still counted as running: an end the store shows but the stream did not tell goes the way
  // one told during the tool would.
  std::vector<std::string> ended;
  for (const auto& [id, t] : trades_) {
    if (t->finished || !t->record.take_profit_client_order_id) continue;
    auto rec = store_.Order(*t->record.take_profit_client_order_id);
    if (rec.ok() && *rec && is_terminal((*rec)->state)) ended.push_back(*t->record.take_profit_client_order_id);
  }
  for (const auto& cid : ended) AfterOrderChange(cid);
  if (--tools_running_ > 0) return;
  std::set<std::string> waiting;
  waiting.swap(take_profits_after_tool_);
  for (const auto& id : waiting) {
    Trade* t = TradeOf(id);
    if (!t || t->finished || is_closing(t->state) || !t->closing_because.empty() || t->close_in_flight) continue;
    // A move of its exits places its own take-profit.
    if (t->exit_move || t->state != TradeState::kProtected || !TakeProfitDue(*t)) continue;
    Log("signal " + id + ": its take-profit goes again for what the position holds after the operator's close");
    PlaceExit(id, OrderPurpose::kTakeProfit);
  }
}

namespace {

// The guard counts a take-profit's replacements apart from its trade's entry's.
std::string GuardKeyOf(const std::string& signal_id) { return signal_id + "/take-profit"; }

// A guard read that failed is asked again after this long (as for an entry).
constexpr TimeMs kRetryReadMs = 1000;

}  // namespace

void Engine::TakeProfitNotReplaced(Trade& t, const std::string& cid, const std::string& why, const GuardDecision& d) {
  t.take_profit_done = true;
  Log("REPLACEMENT_BLOCKED " + cid + " reason=" + to_string(*d.block) + ": " + d.detail);
  // The trade closing, or nothing left to take profit on: nothing is missing.
  if (*d.block == GuardBlock::kSignalInvalid || *d.block == GuardBlock::kNoPosition) return;
  // The stop still protects the position; the bot's profit target does not rest any more.
  RaiseAlert(AlertKind::kEntryFailed, cid, t.signal.symbol,
             "signal " + t.record.id + ": take-profit " + cid + " ended (" + why + ") and was not replaced: " +
                 to_string(*d.block) + ", " + d.detail);
  SaveSignal(t, "take-profit " + cid + ": " + why + "; not replaced (" + to_string(*d.block) + ": " + d.detail + ")",
             Provenance{Source::kEngine, std::nullopt, "take-profit not replaced"});
}

void Engine::RetryTakeProfitReplacement(const std::string& id, const std::string& cid, const std::string& why,
                                        std::optional<OrderReport> queried, TimeMs after_ms) {
  loop_.After(after_ms, [this, id, cid, why, queried] {
    if (Trade* tr = TradeOf(id); tr && tr->take_profit_replacing == cid) {
      tr->take_profit_replacing.reset();
      ReplaceTakeProfit(id, cid, why, queried);
    }
  });
}

void Engine::ReplaceTakeProfit(const std::string& id, const std::string& cid, const std::string& why,
                               std::optional<OrderReport> queried) {
  Trade* t = TradeOf(id);
  if (!t || !t->signal.take_profit) return;
  t->take_profit_replacing = cid;
  if (t->exit_move && !t->finished && !is_closing(t->state)) {
    // A move of its stop on its way (its new stop not yet confirmed): replaced once it is over.
    RetryTakeProfitReplacement(id, cid, why, queried, kRetryReadMs);
    return;
  }
  std::string objection;
  if (shutting_down_) objection = "the daemon is shutting down";
  else if (t->finished || t->close_in_flight || !t->closing_because.empty() || is_closing(t->state) ||
           is_final(t->state))
    objection = "the trade is closing";
  else if (t->exit_move) objection = "a move of its exits is on its way";
  else if (t->record.take_profit_client_order_id) objection = "it has a take-profit again";
  const TimeMs now = clock_.NowMs();
  auto pre = guard_.Precheck(GuardKeyOf(id), objection, now);
  if (!pre.allowed) {
    if (*pre.block == GuardBlock::kCooldown) {
      Log("replacement of take-profit " + cid + " deferred: " + pre.detail);
      RetryTakeProfitReplacement(id, cid, why, queried, pre.retry_at - now);
      return;
    }
    t->take_profit_replacing.reset();
    return TakeProfitNotReplaced(*t, cid, why, pre);
  }
  Log("take-profit " + cid + ": " + why + "; the guard reads the exchange before a replacement");
  const std::string symbol = t->signal.symbol;
  const PositionSide leg = t->leg;
  OnWorker<Result<std::pair<ReplacementFacts, std::vector<std::string>>>>(
      [id, cid, symbol, leg, queried](Exchange& ex) -> Result<std::pair<ReplacementFacts, std::vector<std::string>>> {
        ReplacementFacts f;
        f.signal_id = GuardKeyOf(id);
        f.order_id = cid;
        f.reduces = true;
        auto account = ReadReplacementFacts(ex, symbol, leg, queried && is_terminal(queried->status) ? queried : std::nullopt, f);
        if (!account.ok()) return account.status();
        // Which of the resting orders are take-profits of keel's is the store's to say.
        std::vector<std::string> resting;
        for (const auto& o : account->open_orders)
          if (o.book == OrderBook::kRegular && o.symbol == symbol && o.position_side == leg && o.client_order_id != cid)
            resting.push_back(o.client_order_id);
        return std::make_pair(f, resting);
      },
      [this, id, why](Result<std::pair<ReplacementFacts, std::vector<std::string>>> f) {
        OnTakeProfitFacts(id, why, std::move(f));
      });
}

void Engine::OnTakeProfitFacts(const std::string& id, const std::string& why,
                               Result<std::pair<ReplacementFacts, std::vector<std::string>>> read) {
  Trade* t = TradeOf(id);
  if (!t || !t->take_profit_replacing) return;
  const std::string cid = *t->take_profit_replacing;
  if (!read.ok()) {
    Log("replacement of take-profit " + cid + " waits: " + read.status().message());
    RetryTakeProfitReplacement(id, cid, why, std::nullopt, kRetryReadMs);
    return;
  }
  ReplacementFacts& f = read->first;
  if (f.original) RecordOrderReport(*f.original, "read by the replacement guard");
  for (const auto& other : read->second) {
    auto rec = store_.Order(other);
    if (rec.ok() && *rec && (*rec)->purpose == OrderPurpose::kTakeProfit) ++f.duplicates_working;
  }
  // The trade's own state, again: it may have begun closing while the guard read.
  if (t->finished || t->close_in_flight || !t->closing_because.empty() || is_closing(t->state) || is_final(t->state))
    f.engine_objection = "the trade is closing";
  else if (t->exit_move) f.engine_objection = "a move of its exits is on its way";
  else if (t->record.take_profit_client_order_id) f.engine_objection = "it has a take-profit again";
  const TimeMs now = clock_.NowMs();
  const GuardDecision d = guard_.Check(f, now);
  t->take_profit_replacing.reset();
  if (d.allowed) {
    guard_.RecordAttempt(f.signal_id, now);
    ++counters_.replacements;
    Log("REPLACED take-profit " + cid + " attempt " + std::to_string(guard_.attempts(f.signal_id)) + "/" +
        std::to_string(guard_.limits().max_attempts) + ": " + why + " (guard: " + d.detail + ")");
    t->take_profit_done = false;
    return PlaceExit(id, OrderPurpose::kTakeProfit);
  }
  switch (*d.block) {
    case GuardBlock::kCooldown:
      Log("replacement of take-profit " + cid + " deferred: " + d.detail);
      t->take_profit_replacing = cid;
      RetryTakeProfitReplacement(id, cid, why, f.original, d.retry_at - now);
      return;
    case GuardBlock::kOriginalWorking:
      // The exchange still has it: what said it ended was wrong; it is the trade's take-profit.
      Log("REPLACEMENT_BLOCKED " + cid + " reason=" + to_string(*d.block) + ": " + d.detail);
      if (!t->record.take_profit_client_order_id) {
        t->record.take_profit_client_order_id = cid;
        t->take_profit_done = true;
        SaveSignal(*t, "take-profit " + cid + " rests on (" + d.detail + ")",
                   Provenance{Source::kRest, f.original->update_time, "take-profit still working"});
      }
      return;
    default:
      return TakeProfitNotReplaced(*t, cid, why, d);
  }
}

}  // namespace keel
