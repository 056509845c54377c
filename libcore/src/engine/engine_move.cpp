// Move signals: an open trade's stop and take-profit moved to new levels (a price, a percentage
// from the average entry, or break-even for the stop). The new order rests before the old one is
// cancelled, on both venues: Binance cannot amend a conditional order, and a lost amend would leave
// a stop whose level nobody knows, where a lost placement is settled by its client id as any other.
// Until the new stop is confirmed working the old one protects the position; a new stop that is
// refused leaves it. "moved" is answered only once the new order is confirmed.
#include "engine_trade.h"
#include "keel/model/protection.h"

namespace keel {
namespace {

std::string LevelText(const PriceLevel& level) {
  if (level.break_even) return "break-even";
  if (level.pct) return level.pct->ToString() + " %";
  return level.price ? level.price->ToString() : std::string("?");
}

std::string Joined(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : "; ") + p;
  return out;
}

}  // namespace

std::optional<Decimal> Engine::TriggerOf(const std::optional<std::string>& client_order_id) {
  if (!client_order_id) return std::nullopt;
  auto rec = store_.Order(*client_order_id);
  if (!rec.ok() || !*rec) return std::nullopt;
  // A limit take-profit has no trigger: it rests at its price.
  return (*rec)->stop_price ? (*rec)->stop_price : (*rec)->price;
}

bool Engine::WaitForOwnExitMove(const Trade& t, TimeMs& waiting_since, std::function<void(TimeMs)> again) {
  // Its re-price (a move without a signal), or the guard replacing its limit take-profit.
  // Or an operator's close forwarded to the daemon, which ends limit take-profits before it closes
  // (chaos seed 1122778: a move's new take-profit placed beside it, -4118).
  const bool own_work = (t.exit_move && t.exit_move->signal_id.empty()) || t.take_profit_replacing.has_value() ||
                        tools_running_ > 0;
  if (!own_work || shutting_down_) return false;
  const TimeMs now = clock_.NowMs();
  if (!waiting_since) waiting_since = now;
  if (now - waiting_since >= kOwnMoveWaitMs) return false;
  loop_.After(kOwnMoveRetryMs, [again = std::move(again), since = waiting_since] { again(since); });
  return true;
}

void Engine::MoveExits(const Signal& s, const std::string& origin, ReplyFn reply, TimeMs waiting_since) {
  const std::string payload = SignalJson(s);
  auto refuse = [&](const Status& why) { Reject(s.id, s.symbol, "move", origin, payload, why, reply); };
  auto named = TradeNamedBy(s, "move");
  if (!named.ok()) return refuse(named.status());
  Trade* t = *named;
  // The Python example bot's move right after its add (CI, under load): refused for keel's own
  // re-price of the stop the add's fill had started.
  if (WaitForOwnExitMove(*t, waiting_since, [this, s, origin, reply](TimeMs since) { MoveExits(s, origin, reply, since); }))
    return;
  const std::string where = s.symbol + (s.leg ? std::string("/") + to_string(*s.leg) : std::string());
  if (t->exit_move)
    return refuse(Status::Conflict("symbol: a move of signal " + t->record.id + "'s exits (signal " + t->exit_move->signal_id +
                                   ") is still on its way: send this one after it"));
  if (t->state != TradeState::kProtected || !t->record.stop_client_order_id)
    return refuse(Status::Conflict("symbol: signal " + t->record.id + " on " + where + " is " +
                                   (t->record.stop_client_order_id ? to_string(t->state) : "without its stop (being repaired)") +
                                   ": its exits move once it is protected"));
  auto held = OpenPositionOf(store_, t->signal.symbol, t->leg);
  if (!held.ok()) return reply(ReplyOf(3, "error", s.id, held.status().message()));
  if (!*held) return refuse(Status::Conflict("symbol: the store holds no open position for signal " + t->record.id));
  const PositionRecord position = **held;

  // The new levels, checked as an open signal's are: nothing is sent for a level already passed.
  std::optional<Decimal> stop_to, take_profit_to;
  std::vector<std::string> unchanged;
  if (s.move_stop_loss) {
    auto trigger = ExitTrigger(*t, *s.move_stop_loss, position, true);
    if (!trigger.ok()) return refuse(Status::InvalidInput("stop_loss: " + trigger.status().message() + " (nothing was sent)"));
    if (TriggerOf(t->record.stop_client_order_id) == *trigger) unchanged.push_back("the stop is already at " + trigger->ToString());
    else stop_to = *trigger;
  }
  // A limit take-profit stays a limit one (and post-only as it was) unless the move says limit.
  std::optional<PriceLevel> take_profit_level = s.move_take_profit;
  if (take_profit_level && !take_profit_level->limit && t->signal.take_profit) {
    take_profit_level->limit = t->signal.take_profit->limit;
    take_profit_level->post_only = t->signal.take_profit->post_only;
  }
  if (take_profit_level) {
    auto trigger = ExitTrigger(*t, *take_profit_level, position, false, !take_profit_level->limit);
    if (!trigger.ok()) return refuse(Status::InvalidInput("take_profit: " + trigger.status().message() + " (nothing was sent)"));
    const bool same_kind = !t->record.take_profit_client_order_id ||
                           (BookOfOrder(*t->record.take_profit_client_order_id) == OrderBook::kRegular) == take_profit_level->limit;
    if (same_kind && TriggerOf(t->record.take_profit_client_order_id) == *trigger)
      unchanged.push_back("the take-profit is already at " + trigger->ToString());
    else take_profit_to = *trigger;
  }
  const TimeMs now = clock_.NowMs();
  SignalRecord r = ReceivedSignal(s.id, s.symbol, "move", origin, payload, SignalState::kOpen, now);
  r.position_side = t->leg;
  ++counters_.signals_taken;
  if (!stop_to && !take_profit_to) {
    // Nothing to move: by rule (exit 1), and recorded so that the id is not acted on again.
    r.state = SignalState::kDone;
    r.detail = Joined(unchanged) + ": nothing sent";
    WriteBatch b(now);
    b.PutSignal(r, Provenance{Source::kEngine, std::nullopt, "move signal: nothing to move"});
    WriteOrLog(b, "recording move signal " + s.id);
    return reply(ReplyOf(1, "unchanged", s.id, r.detail));
  }
  std::vector<std::string> plan;
  if (stop_to) plan.push_back("stop to " + stop_to->ToString() + " (" + LevelText(*s.move_stop_loss) + ")");
  if (take_profit_to) plan.push_back("take-profit to " + take_profit_to->ToString() + " (" + LevelText(*s.move_take_profit) + ")");
  r.detail = "moving signal " + t->record.id + "'s " + Joined(plan);
  WriteBatch b(now);
  b.PutSignal(r, Provenance{Source::kEngine, std::nullopt, "move signal taken"});
  Status st = store_.Write(b);
  if (!st.ok()) return reply(ReplyOf(3, "error", s.id, "recording the move: " + st.message()));

  Log("signal " + s.id + ": " + r.detail);
  StartExitMove(*t, stop_to ? s.move_stop_loss : std::nullopt, take_profit_to ? take_profit_level : std::nullopt, s.id,
                std::move(reply), unchanged);
}

void Engine::StartExitMove(Trade& t, std::optional<PriceLevel> stop, std::optional<PriceLevel> take_profit,
                           const std::string& move_id, ReplyFn reply, std::vector<std::string> outcomes) {
  ExitMove m;
  m.signal_id = move_id;
  m.reply = std::move(reply);
  m.outcomes = std::move(outcomes);
  if (stop) {
    m.stop_pending = true;
    m.stop_from = *t.record.stop_client_order_id;
    m.stop_from_level = t.signal.stop_loss;
    t.signal.stop_loss = *stop;
    // The old stop is a spare from here: cancelled once the new one is confirmed (OnExitPlaced).
    t.spare_stops.push_back(m.stop_from);
    t.stop_resends = 0;
  }
  if (take_profit) {
    m.take_profit_pending = true;
    m.take_profit_from = t.record.take_profit_client_order_id;
    m.take_profit_from_level = t.signal.take_profit;
    t.signal.take_profit = *take_profit;
    t.record.take_profit_client_order_id.reset();
    t.take_profit_done = false;
    if (m.take_profit_from && BookOfOrder(*m.take_profit_from) == OrderBook::kRegular) {
      auto old = store_.Order(*m.take_profit_from);
      m.take_profit_after_cancel = old.ok() && *old && !is_terminal((*old)->state);
    }
  }
  // The trade's stored signal carries its levels as they are now: a restart places what it
  // resumes at them (PlaceExit saves the record with the new order's intent).
  t.record.payload = SignalJson(t.signal);
  t.exit_move = std::move(m);
  const std::string id = t.record.id;
  if (stop) {
    Advance(t, TradeState::kProtecting, "moving its stop (the old one stays until the new one is confirmed)");
    PlaceExit(id, OrderPurpose::kStop);
  }
  if (take_profit) {
    Trade* still = TradeOf(id);
    if (!still || !still->exit_move || !still->exit_move->take_profit_pending) return;
    if (still->exit_move->take_profit_after_cancel)
      return CancelExit(still->signal.symbol, *still->exit_move->take_profit_from,
                        "a limit take-profit is cancelled before the one replacing it is placed");
    PlaceExit(id, OrderPurpose::kTakeProfit);
  }
}

void Engine::OldTakeProfitNotCancelled(Trade& t, const std::string& why) {
  if (!t.exit_move || !t.exit_move->take_profit_after_cancel || !t.exit_move->take_profit_from) return;
  ExitMove& m = *t.exit_move;
  const std::string old = *m.take_profit_from;
  m.take_profit_after_cancel = false;
  m.take_profit_pending = false;
  m.refused = true;
  // The new one was never sent: the old one is still the trade's, at its old level.
  t.signal.take_profit = m.take_profit_from_level;
  t.record.payload = SignalJson(t.signal);
  t.record.take_profit_client_order_id = old;
  t.take_profit_done = true;
  m.outcomes.push_back("take-profit not moved: the old one " + old + " could not be cancelled (" + why +
                       "); it stays, at its old level");
  SaveSignal(t, "take-profit not moved: " + old + " could not be cancelled; it stays",
             Provenance{Source::kEngine, std::nullopt, "take-profit move not sent"});
  FinishExitMove(t);
}

void Engine::OldTakeProfitEnded(Trade& t, const OrderRecord& old) {
  if (!t.exit_move || !t.exit_move->take_profit_after_cancel || t.exit_move->take_profit_from != old.client_order_id)
    return;
  ExitMove& m = *t.exit_move;
  m.take_profit_after_cancel = false;
  m.take_profit_from.reset();  // ended: nothing of it stays, whatever the new one's fate
  if (!old.filled_qty.is_zero() || t.finished || is_closing(t.state) || !t.closing_because.empty()) {
    // It filled (in part) before the cancel: the position is what it left; the move is over.
    m.take_profit_pending = false;
    m.refused = true;
    m.outcomes.push_back("take-profit not moved: the old one " + old.client_order_id + " " + to_string(old.state) +
                         " with " + old.filled_qty.ToString() + " filled before its cancel");
    t.take_profit_done = true;
    if (old.filled_qty.is_positive() && !t.finished) {
      t.take_profit_done = false;
      t.take_profit_refill_after = old.exchange_updated_ms.value_or(clock_.NowMs());
    }
    return FinishExitMove(t);
  }
  PlaceExit(t.record.id, OrderPurpose::kTakeProfit);
}

void Engine::RepriceExits(Trade& t, const PositionRecord& position) {
  // Only a protected trade's exits move (one being placed takes the new average itself), one move
  // at a time (FinishExitMove asks again), and once per average: a re-price the exchange refused is
  // not tried again until the average changes.
  if (t.state != TradeState::kProtected || t.exit_move || t.finished || !position.entry_price.is_positive()) return;
  const std::optional<std::string> short_take_profit = TakeProfitShortOf(t, position);
  const bool averaged = position.entry_price != t.exits_reckoned_from;
  if (!averaged && !short_take_profit) return;
  const Decimal was = t.entry_price;
  t.entry_price = position.entry_price;
  t.exits_reckoned_from = position.entry_price;
  const bool stop_follows = averaged && (t.signal.stop_loss.pct || t.signal.stop_loss.break_even);
  const bool take_profit_follows = averaged && t.signal.take_profit && t.signal.take_profit->pct;
  if (!stop_follows && !take_profit_follows && !short_take_profit) return;
  std::optional<PriceLevel> stop, take_profit;
  std::vector<std::string> notes;
  if (stop_follows && t.record.stop_client_order_id) {
    auto to = ExitTrigger(t, t.signal.stop_loss, position, true);
    if (!to.ok()) notes.push_back("the stop stays: " + to.status().message());
    else if (TriggerOf(t.record.stop_client_order_id) != *to) stop = t.signal.stop_loss;
  }
  if (take_profit_follows && t.record.take_profit_client_order_id) {
    auto to = ExitTrigger(t, *t.signal.take_profit, position, false);
    if (!to.ok()) notes.push_back("the take-profit stays: " + to.status().message());
    else if (TriggerOf(t.record.take_profit_client_order_id) != *to) take_profit = *t.signal.take_profit;
  }
  // At its level, for the whole position (a percent level re-priced above already is).
  if (short_take_profit && !take_profit) take_profit = *t.signal.take_profit;
  // After a restart the trade's entry is the position's already; its exits are checked once.
  std::string why = !averaged ? *short_take_profit
                    : was == position.entry_price
                        ? "its exits are checked against the average entry " + was.ToString() + " once after a restart"
                        : "the average entry moved from " + was.ToString() + " to " + position.entry_price.ToString();
  if (averaged && short_take_profit) why += "; " + *short_take_profit;
  for (const auto& n : notes) LogWarning("signal " + t.record.id + ": " + why + ": " + n);
  if (!stop && !take_profit) return;
  Log("signal " + t.record.id + ": " + why + ": re-pricing its " +
      (stop && take_profit ? "stop and take-profit" : stop ? "stop" : "take-profit") + " (new before old)");
  StartExitMove(t, stop, take_profit, "", nullptr, {why});
}

void Engine::StopMoveSettled(Trade& t, std::optional<Decimal> trigger, const std::string& detail,
                             std::optional<Decimal> passed_level) {
  if (!t.exit_move || !t.exit_move->stop_pending) return;
  ExitMove& m = *t.exit_move;
  m.stop_pending = false;
  if (trigger) {
    // OnExitPlaced has made the new stop the trade's and sent the cancel of the spares, the old
    // one among them.
    m.outcomes.push_back("stop moved to " + trigger->ToString() + " (" + detail + "; the cancel of the old stop " +
                         m.stop_from + " sent)");
    // An add resting at or past the new stop would fill only once the stop has closed the trade.
    const bool is_long = t.signal.direction == PositionSide::kLong;
    std::vector<std::string> past;
    for (const auto& a : t.adds)
      if (a.price && (is_long ? *a.price <= *trigger : *a.price >= *trigger)) past.push_back(a.record.id);
    for (const auto& add_id : past) CancelAdd(t, add_id, "at or past the trade's moved stop " + trigger->ToString());
    return FinishExitMove(t);
  }
  m.refused = true;
  const std::string from = m.stop_from;
  t.signal.stop_loss = m.stop_from_level;
  t.record.payload = SignalJson(t.signal);
  t.spare_stops.erase(std::remove(t.spare_stops.begin(), t.spare_stops.end(), from), t.spare_stops.end());
  // Stops the move sent that may still rest (sent again after a lost answer) go; the old one stays.
  CancelSpareStops(t.record.id, "a stop of a move that did not take");
  auto old = store_.Order(from);
  // The store's word is not enough when the price has passed its trigger since it was placed: the
  // exchange has fired it. The mark keel was given says so, or the exchange itself: it refused the
  // new stop as already passed, and the old one lies beyond it (chaos seed 1105962, after a
  // restart, the store under lagging reads).
  // (The price is at or beyond the refused level, so the old one fires wherever that level would.)
  const bool old_beyond_refused = passed_level && old.ok() && *old && (*old)->stop_price &&
                                  StopFiresAt((*old)->side, *(*old)->stop_price, *passed_level);
  const bool old_passed = old.ok() && *old && (StopPassedByMark(**old) || old_beyond_refused);
  const bool old_working = old.ok() && *old && is_confirmed_working((*old)->state) && !old_passed;
  const std::string at = old.ok() && *old && (*old)->stop_price ? (*old)->stop_price->ToString() : std::string("?");
  LogWarning("signal " + t.record.id + ": the stop was not moved (" + detail + "): " +
             (old_working  ? "the old stop " + from + " at " + at + " stays"
              : old_passed ? "the old stop " + from + " at " + at + " is passed by the price: no protection"
                           : "the old stop " + from + " is not working either"));
  if (old_working) {
    t.record.stop_client_order_id = from;
    Advance(t, TradeState::kProtected, "the move did not take: the old stop " + from + " stays");
    SaveSignal(t, "protected by stop " + from + " at " + at + " (a move did not take: " + detail + ")",
               Provenance{Source::kEngine, std::nullopt, "stop move refused"});
    m.outcomes.push_back("stop not moved: " + detail + "; it stays at " + at);
    return FinishExitMove(t);
  }
  // The old stop has gone meanwhile (cancelled outside keel, expired, fired): the trade is
  // protected again at its old level, as a repair would (a level already passed rolls it back).
  t.record.stop_client_order_id.reset();
  if (old_passed) t.spare_stops.push_back(from);  // cancelled once a stop is confirmed, if it still rests
  m.outcomes.push_back("stop not moved: " + detail + "; the old stop " + from +
                       (old_passed ? " is passed by the price" : " is gone too") + ": placing one at the old level");
  const std::string id = t.record.id;
  FinishExitMove(t);
  PlaceExit(id, OrderPurpose::kStop);
}

void Engine::TakeProfitMoveSettled(Trade& t, std::optional<Decimal> trigger, const std::string& detail) {
  if (!t.exit_move || !t.exit_move->take_profit_pending) return;
  ExitMove& m = *t.exit_move;
  m.take_profit_pending = false;
  if (trigger) {
    if (m.take_profit_from) {
      auto old = store_.Order(*m.take_profit_from);
      if (old.ok() && *old && !is_terminal((*old)->state) && (*old)->state != OrderState::kPendingCancel)
        CancelExit(t.signal.symbol, *m.take_profit_from, "replaced by the moved take-profit");
    }
    SaveSignal(t, "take-profit moved to " + trigger->ToString() + " (" + detail + ")",
               Provenance{Source::kRest, std::nullopt, "take-profit moved"});
    m.outcomes.push_back("take-profit moved to " + trigger->ToString() +
                         (m.take_profit_from ? " (the cancel of the old one " + *m.take_profit_from + " sent)" : std::string()));
    return FinishExitMove(t);
  }
  m.refused = true;
  t.signal.take_profit = m.take_profit_from_level;
  t.record.payload = SignalJson(t.signal);
  t.record.take_profit_client_order_id = m.take_profit_from;
  t.take_profit_done = true;
  SaveSignal(t, "take-profit not moved: " + detail + (m.take_profit_from ? "; " + *m.take_profit_from + " stays" : "; none rests"),
             Provenance{Source::kEngine, std::nullopt, "take-profit move refused"});
  m.outcomes.push_back("take-profit not moved: " + detail);
  FinishExitMove(t);
}

void Engine::FinishExitMove(Trade& t) {
  if (!t.exit_move || t.exit_move->stop_pending || t.exit_move->take_profit_pending) return;
  ExitMove m = std::move(*t.exit_move);
  t.exit_move.reset();
  // A part moved and a part not: said so, not "not moved" (a bot would take its stop for the old).
  bool moved_some = false;
  for (const auto& o : m.outcomes) moved_some = moved_some || o.find(" moved to ") != std::string::npos;
  const std::string result = !m.refused ? "moved" : moved_some ? "partly-moved" : "not-moved";
  const std::string detail = "signal " + t.record.id + ": " + Joined(m.outcomes);
  if (!m.signal_id.empty()) {
    auto rec = store_.Signal(m.signal_id);
    if (rec.ok() && *rec) {
      SignalRecord r = **rec;
      r.state = m.refused && !moved_some ? SignalState::kFailed : SignalState::kDone;
      r.detail = detail;
      r.updated_ms = clock_.NowMs();
      WriteBatch b(clock_.NowMs());
      b.PutSignal(r, Provenance{Source::kEngine, std::nullopt, m.refused ? "move not done" : "move done"});
      WriteOrLog(b, "recording move signal " + m.signal_id);
    } else {
      LogWarning("move signal " + m.signal_id + ": its record could not be read to end it: " +
                 (rec.ok() ? std::string("not found") : rec.status().message()));
    }
  }
  Log((m.signal_id.empty() ? std::string("a move of its exits") : "move signal " + m.signal_id) + ": " + detail);
  if (m.reply) m.reply(ReplyOf(m.refused ? 3 : 0, result, m.signal_id, detail));
  // The average may have moved while this move was on its way.
  if (auto held = OpenPositionOf(store_, t.signal.symbol, t.leg); held.ok() && *held) RepriceExits(t, **held);
}

void Engine::AbandonExitMove(Trade& t, const std::string& why) {
  if (!t.exit_move) return;
  ExitMove& m = *t.exit_move;
  if (m.stop_pending) m.outcomes.push_back("stop not moved: the trade is closing (" + why + ")");
  if (m.take_profit_pending) m.outcomes.push_back("take-profit not moved: the trade is closing (" + why + ")");
  // The old take-profit is not the trade's any more: nothing else would cancel it (a limit one
  // left resting would close the next trade on the leg at its price). Unless the move's own cancel
  // of it is on its way already: a second would reach it ended (chaos seed 1109435).
  if (m.take_profit_from && !m.take_profit_after_cancel) {
    auto old = store_.Order(*m.take_profit_from);
    if (old.ok() && *old && !is_terminal((*old)->state) && (*old)->state != OrderState::kPendingCancel)
      CancelExit(t.signal.symbol, *m.take_profit_from, "the trade is closing: " + why);
  }
  m.refused = m.refused || m.stop_pending || m.take_profit_pending;
  m.stop_pending = m.take_profit_pending = false;
  FinishExitMove(t);
}

void Engine::RestoreExitMove(Trade& t, const PositionRecord& position, const std::vector<SignalRecord>& unfinished) {
  // The position names the stop that protected it last; the trade names another, not yet
  // confirmed: a move was on its way (MoveExits writes the new stop as the trade's before sending
  // it). The old one is a spare already (RestoreTrades): it stays until the new one is confirmed.
  if (t.state != TradeState::kProtecting || !position.stop_client_order_id ||
      position.stop_client_order_id == t.record.stop_client_order_id)
    return;
  auto old = store_.Order(*position.stop_client_order_id);
  if (!old.ok() || !*old || is_terminal((*old)->state) || !(*old)->stop_price) return;
  ExitMove m;
  m.stop_pending = true;
  m.stop_from = *position.stop_client_order_id;
  m.stop_from_level.price = (*old)->stop_price;
  for (const auto& r : unfinished)
    if (r.action == "move" && r.symbol == t.signal.symbol && r.position_side == t.leg) m.signal_id = r.id;
  Log("signal " + t.record.id + ": a move of its stop" + (m.signal_id.empty() ? std::string() : " (signal " + m.signal_id + ")") +
      " was on its way when keel stopped: resumed; the stop " + m.stop_from + " at " + (*old)->stop_price->ToString() +
      " protects the position until the new one is confirmed");
  t.exit_move = std::move(m);
}

}  // namespace keel
