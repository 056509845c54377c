// Trail signals: the venue's own trailing stop on an open, protected trade, beside its stop. The
// stop stays: a trailing stop not yet active (its activation price not reached) protects nothing,
// and the stop is the floor the trade was opened with. The venue's own, so that it keeps trailing
// while keel is down: Binance's TRAILING_STOP_MARKET is an order keel names (write-ahead intent,
// settled by client id, cancelled with the trade's other exits); Bybit's trailingStop belongs to
// the position, which closes it (settled by reading the position). "trailing" is answered only
// from the venue's own answer or a read that shows it; otherwise "not verified" (exit 4).
#include "engine_trade.h"
#include "keel/safety/sent_order.h"
#include "keel/safety/settle.h"

namespace keel {
namespace {

std::string LevelText(const std::optional<TrailingLevel>& level) {
  if (!level) return "off";
  return "callback " + level->callback_pct.ToString() + " %" +
         (level->activation_price ? " from " + level->activation_price->ToString() : std::string(" (active at once)"));
}

std::string ReportText(const TrailingStopReport& r) {
  if (!r.client_order_id.empty())
    return "order " + r.client_order_id + " (algoId " + r.exchange_order_id + ") for " + r.qty.ToString() + ", callback " +
           r.callback_pct.ToString() + " %";
  return "on the position, distance " + r.distance.ToString();
}

}  // namespace

// What the venue said of a trail: set (the report), removed, none to remove, refused (why), or
// unknown (why: neither answer nor read could tell).
struct Engine::TrailOutcome {
  enum Kind { kSet, kRemoved, kNoneToRemove, kRefused, kRateRefused, kUnknown } kind = kUnknown;
  std::optional<TrailingStopReport> report;
  std::string why;
  TimeMs retry_after_ms = 0;
};

std::string Engine::TrailingIntent(Trade& t, const PositionRecord& position, const TrailingLevel& level, WriteBatch& b) {
  // A new order beside the old one, which is cancelled once the new one rests.
  PlaceOrder order;
  order.book = OrderBook::kConditional;
  order.client_order_id = NewClientId(OrderPurpose::kTrailingStop, t.signal.symbol);
  order.symbol = t.signal.symbol;
  order.side = position.qty.is_positive() ? Side::kSell : Side::kBuy;
  order.position_side = t.leg;
  order.type = OrderType::kTrailingStopMarket;
  order.qty = position.qty.abs();
  order.reduce_only = true;
  order.callback_rate = level.callback_pct;
  order.activation_price = level.activation_price;
  const Provenance why{Source::kEngine, std::nullopt, "trailing stop of signal " + t.record.id};
  b.PutIntent(IntentRecord{order.client_order_id, OrderPurpose::kTrailingStop, order.symbol, order.side, t.leg,
                           position.qty.abs(), level.activation_price, "signal " + t.record.id, b.local_ms()},
              why);
  b.PutOrder(PendingRecordOf(order, OrderPurpose::kTrailingStop, position.qty.abs(), b.local_ms()), why);
  return order.client_order_id;
}

void Engine::FollowTrailingSize(Trade& t, const PositionRecord& position) {
  // Binance's trailing stop is an order for the size it was placed for: after an add fills, a new
  // one for the whole position goes out (new before old). Bybit's covers the position whatever its
  // size. A smaller position needs nothing: a reduce-only order closes no more than there is.
  if (!trailing_is_order_ || !t.trailing_order || !t.trailing_level || t.trailing_in_flight || t.finished ||
      t.state != TradeState::kProtected)
    return;
  auto order = store_.Order(*t.trailing_order);
  if (!order.ok() || !*order || is_terminal((*order)->state) || (*order)->qty >= position.qty.abs()) return;
  WriteBatch b(clock_.NowMs());
  const std::string cid = TrailingIntent(t, position, *t.trailing_level, b);
  if (!WriteOrLog(b, "the trailing stop of signal " + t.record.id + " for its new size")) return;
  Log("signal " + t.record.id + ": the position grew to " + position.qty.abs().ToString() + ": its trailing stop " +
      *t.trailing_order + " covers " + (*order)->qty.ToString() + ": " + cid + " goes out for all of it");
  Signal again;
  again.symbol = t.signal.symbol;
  again.action = SignalAction::kTrail;
  again.trailing_stop = t.trailing_level;
  t.trailing_in_flight = true;
  SendTrail(t.record.id, again, cid, 0, nullptr);
}

void Engine::TrailTrade(const Signal& s, const std::string& origin, ReplyFn reply, TimeMs waiting_since) {
  const std::string payload = SignalJson(s);
  auto refuse = [&](const Status& why) { Reject(s.id, s.symbol, "trail", origin, payload, why, reply); };
  auto named = TradeNamedBy(s, "trail");
  if (!named.ok()) return refuse(named.status());
  Trade* t = *named;
  if (WaitForOwnExitMove(*t, waiting_since, [this, s, origin, reply](TimeMs since) { TrailTrade(s, origin, reply, since); }))
    return;
  if (t->trailing_in_flight)
    return refuse(Status::Conflict("symbol: a trail of signal " + t->record.id + " is still on its way: send this one after it"));
  if (t->state != TradeState::kProtected || !t->record.stop_client_order_id)
    return refuse(Status::Conflict("symbol: signal " + t->record.id + " is " +
                                   (t->record.stop_client_order_id ? to_string(t->state) : "without its stop (being repaired)") +
                                   ": its trailing stop is set once it is protected"));
  auto held = OpenPositionOf(store_, t->signal.symbol, t->leg);
  if (!held.ok()) return reply(ReplyOf(3, "error", s.id, held.status().message()));
  if (!*held) return refuse(Status::Conflict("symbol: the store holds no open position for signal " + t->record.id));
  const PositionRecord position = **held;
  auto inst = instruments_.find(s.symbol);
  if (inst == instruments_.end()) return refuse(Status::InvalidInput("symbol: " + s.symbol + " is not listed"));
  const bool is_long = position.qty.is_positive();
  if (s.trailing_stop && s.trailing_stop->activation_price) {
    const Decimal at = *s.trailing_stop->activation_price;
    if (!inst->second.RoundPrice(at, Rounding::kNearest).ok() || *inst->second.RoundPrice(at, Rounding::kNearest) != at)
      return refuse(Status::InvalidInput("activation_price: " + at.ToString() + " is not a multiple of the tick " +
                                         inst->second.tick_size.ToString() + " (nothing was sent)"));
    // It starts trailing once the price reaches it: a long's above the market, a short's below.
    if (auto mark = marks_.find(s.symbol); mark != marks_.end() && (is_long ? at <= mark->second : at >= mark->second))
      return refuse(Status::InvalidInput("activation_price: " + at.ToString() + " is " + (is_long ? "at or below" : "at or above") +
                                         " the mark price " + mark->second.ToString() + ": a " + (is_long ? "long" : "short") +
                                         "'s trailing stop activates " + (is_long ? "above" : "below") +
                                         " the market (nothing was sent)"));
  }
  if (!s.trailing_stop && trailing_is_order_ && !t->trailing_order) {
    // None confirmed working. One whose placement was never settled may still rest: cancelled,
    // and the answer claims nothing.
    std::vector<std::string> cancelled;
    for (const auto& spare : t->trailing_spares) {
      auto rec = store_.Order(spare);
      if (rec.ok() && *rec && !is_terminal((*rec)->state) && (*rec)->state != OrderState::kPendingCancel) {
        CancelOrder(OrderBook::kConditional, t->signal.symbol, spare, "trail signal " + s.id + ": off");
        cancelled.push_back(spare);
      }
    }
    std::string sent;
    for (const auto& c : cancelled) sent += (sent.empty() ? "" : ", ") + c;
    const bool unsure = !cancelled.empty();
    SignalRecord r = ReceivedSignal(s.id, s.symbol, "trail", origin, payload,
                                    unsure ? SignalState::kFailed : SignalState::kDone, clock_.NowMs());
    r.position_side = t->leg;
    r.detail = unsure ? "signal " + t->record.id + " has no trailing stop confirmed working: not verified; the cancel of " +
                            sent + " (placed, its outcome never settled) sent"
                      : "signal " + t->record.id + " has no trailing stop: nothing sent";
    WriteBatch b(clock_.NowMs());
    b.PutSignal(r, Provenance{Source::kEngine, std::nullopt, "trail signal: nothing to remove"});
    WriteOrLog(b, "recording trail signal " + s.id);
    ++counters_.signals_taken;
    if (unsure) return reply(ReplyOf(4, "not-verified", s.id, r.detail));
    return reply(ReplyOf(1, "unchanged", s.id, r.detail));
  }

  const TimeMs now = clock_.NowMs();
  SignalRecord r = ReceivedSignal(s.id, s.symbol, "trail", origin, payload, SignalState::kOpen, now);
  r.position_side = t->leg;
  r.detail = (s.trailing_stop ? "setting signal " + t->record.id + "'s trailing stop: " + LevelText(s.trailing_stop)
                              : "removing signal " + t->record.id + "'s trailing stop");
  WriteBatch b(now);
  b.PutSignal(r, Provenance{Source::kEngine, std::nullopt, "trail signal taken"});
  std::optional<std::string> cid;
  if (s.trailing_stop && trailing_is_order_) cid = TrailingIntent(*t, position, *s.trailing_stop, b);
  Status st = store_.Write(b);
  if (!st.ok()) return reply(ReplyOf(3, "error", s.id, "recording the trail: " + st.message()));
  ++counters_.signals_taken;
  Log("signal " + s.id + ": " + r.detail + (cid ? " (order " + *cid + ")" : std::string()));
  t->trailing_in_flight = true;
  SendTrail(t->record.id, s, cid, 0, std::move(reply));
}

void Engine::SendTrail(const std::string& trade_id, const Signal& s, std::optional<std::string> cid, int rate_waits,
                       ReplyFn reply) {
  Trade* t = TradeOf(trade_id);
  if (!t) {
    if (cid) RecordRefusedOrder(*cid, "not sent: the trade ended first");
    return EndTrail(s.id, false, 3, "not-done", "the trade ended before the trailing stop was sent", reply);
  }
  auto held = OpenPositionOf(store_, t->signal.symbol, t->leg);
  if (!held.ok() || !*held) {
    t->trailing_in_flight = false;
    if (cid) RecordRefusedOrder(*cid, "not sent: the position closed first");
    EndTrail(s.id, false, 3, "not-done", "signal " + trade_id + "'s position closed before its trailing stop was sent", reply);
    return ForgetIfDone(trade_id);
  }
  const std::optional<TrailingLevel> level = s.trailing_stop;
  TrailingStopRequest req;
  req.symbol = t->signal.symbol;
  req.position_side = t->leg;
  req.direction = (*held)->qty.is_positive() ? PositionSide::kLong : PositionSide::kShort;
  req.qty = (*held)->qty.abs();
  if (auto inst = instruments_.find(req.symbol); inst != instruments_.end()) req.tick_size = inst->second.tick_size;
  // A set names its new order; a removal the trade's working one (Binance; Bybit's has no id).
  req.client_order_id = level ? cid.value_or("") : t->trailing_order.value_or("");
  if (level) {
    req.callback_pct = level->callback_pct;
    req.activation_price = level->activation_price;
  }
  const SettleOptions settle{settings_.settle_attempts, settings_.settle_interval_ms, settings_.sleep};
  OnWorker<TrailOutcome>(
      [req, level, settle](Exchange& ex) {
        TrailOutcome out;
        auto classify = [&out](const Status& st) {
          out.why = st.message();
          out.kind = IsRateRefusal(st) ? TrailOutcome::kRateRefused
                     : IsDefiniteRejection(st) ? TrailOutcome::kRefused
                                               : TrailOutcome::kUnknown;
          out.retry_after_ms = st.retry_after_ms();
        };
        if (level) {
          auto set = ex.SetTrailingStop(req);
          if (set.ok()) {
            out.kind = TrailOutcome::kSet;
            out.report = *set;
            return out;
          }
          classify(set.status());
        } else {
          Status removed = ex.RemoveTrailingStop(req.symbol, req.position_side, req.client_order_id);
          if (removed.ok() || removed.IsNotFound()) {
            out.kind = removed.ok() ? TrailOutcome::kRemoved : TrailOutcome::kNoneToRemove;
            return out;
          }
          classify(removed);
        }
        if (out.kind != TrailOutcome::kUnknown) return out;
        // The answer was lost: what the venue shows settles it. A trailing stop it shows proves
        // a set only where it is the order named by this client id; elsewhere (the position's,
        // which the last one may also have set) only a removal is proven, by its absence.
        for (int attempt = 0; attempt < settle.attempts; ++attempt) {
          if (attempt > 0 && settle.sleep) settle.sleep(settle.interval_ms);
          auto shown = ex.TrailingStopOf(req.symbol, req.position_side, req.client_order_id);
          if (!shown.ok()) continue;
          if (!level && !*shown) {
            out.kind = TrailOutcome::kRemoved;
            return out;
          }
          if (level && *shown && !req.client_order_id.empty()) {
            out.kind = TrailOutcome::kSet;
            out.report = **shown;
            return out;
          }
        }
        return out;
      },
      [this, trade_id, s, cid, rate_waits, reply](TrailOutcome outcome) {
        OnTrailSettled(trade_id, s, cid, rate_waits, std::move(outcome), reply);
      });
}

void Engine::OnTrailSettled(const std::string& trade_id, const Signal& s, std::optional<std::string> cid, int rate_waits,
                            TrailOutcome outcome, ReplyFn reply) {
  Trade* t = TradeOf(trade_id);
  if (cid) placements_waiting_.erase(*cid);
  if (outcome.kind == TrailOutcome::kRateRefused && t && !t->finished) {
    // "Too many requests" is "wait", never a verdict: the same request goes again after the wait,
    // for as long as the trade lives. Its record is no stray meanwhile (chaos seed 1109012: the
    // sweep after the wait settled it "rejected" just before it was placed).
    if (cid) placements_waiting_.insert(*cid);
    const TimeMs wait = std::max<TimeMs>(1000, outcome.retry_after_ms);
    Log("trail signal " + s.id + ": refused for the rate (" + outcome.why + "), wait " + std::to_string(rate_waits + 1) +
        ": again in " + std::to_string(wait) + " ms");
    loop_.After(wait, [this, trade_id, s, cid, rate_waits, reply] { SendTrail(trade_id, s, cid, rate_waits + 1, reply); });
    return;
  }
  if (t) t->trailing_in_flight = false;
  const std::string of = "signal " + trade_id + "'s trailing stop";
  // Every end: the trail's record and answer, then the trade is let go if it ended meanwhile.
  auto end = [&](bool done, int code, const std::string& result, const std::string& detail) {
    EndTrail(s.id, done, code, result, detail, reply);
    if (TradeOf(trade_id)) ForgetIfDone(trade_id);
  };
  auto cancel_unless_ended = [&](const std::string& order, const std::string& why) {
    auto rec = store_.Order(order);
    if (rec.ok() && *rec && !is_terminal((*rec)->state) && (*rec)->state != OrderState::kPendingCancel)
      CancelOrder(OrderBook::kConditional, t->signal.symbol, order, why);
  };
  switch (outcome.kind) {
    case TrailOutcome::kSet: {
      ++counters_.orders_placed;
      if (outcome.report->order) RecordOrderReport(*outcome.report->order, "trailing stop placed");
      std::string replaced;
      if (t && cid) {
        if (t->trailing_order && *t->trailing_order != *cid) {
          // Tracked until it has ended: the trade is not let go before.
          replaced = *t->trailing_order;
          t->trailing_spares.push_back(replaced);
          cancel_unless_ended(replaced, "replaced by the trailing stop " + *cid);
        }
        t->trailing_order = cid;
        t->trailing_spares.erase(std::remove(t->trailing_spares.begin(), t->trailing_spares.end(), *cid),
                                 t->trailing_spares.end());
      }
      if (t) t->trailing_level = s.trailing_stop;
      if (t && t->finished && cid) cancel_unless_ended(*cid, "the trade ended before its answer");
      return end(true, 0, "trailing",
                 of + " works: " + LevelText(s.trailing_stop) + "; " + ReportText(*outcome.report) +
                     (replaced.empty() ? std::string() : "; the cancel of the old one " + replaced + " sent") +
                     "; the stop stays beside it");
    }
    case TrailOutcome::kRemoved:
    case TrailOutcome::kNoneToRemove: {
      std::string removed_order;
      if (t) {
        if (t->trailing_order) {
          removed_order = *t->trailing_order;
          // The algo service acknowledges a cancel without the order: its record ends here.
          if (outcome.kind == TrailOutcome::kRemoved) {
            RecordCancelled(removed_order);
            AfterOrderChange(removed_order);
          } else {
            t->trailing_spares.push_back(removed_order);  // gone already: its end is for the sweep to record
            t->trailing_order.reset();
          }
        }
        if (Trade* still = TradeOf(trade_id)) still->trailing_level.reset();
      }
      if (outcome.kind == TrailOutcome::kNoneToRemove)
        return end(true, 1, "unchanged", of + ": none was working: nothing to remove");
      return end(true, 0, "removed",
                 of + " removed" + (removed_order.empty() ? std::string() : " (order " + removed_order + ")") +
                     "; the stop stays");
    }
    case TrailOutcome::kRefused:
      ++counters_.orders_rejected;
      if (cid) RecordRefusedOrder(*cid, "refused: " + outcome.why);
      return end(false, 2, "rejected",
                 of + " " + (s.trailing_stop ? "not set" : "not removed") + ": " + outcome.why +
                     (t && t->trailing_order ? "; the one before (" + *t->trailing_order + ") stays" : std::string()));
    case TrailOutcome::kRateRefused:
      // The trade ended while the request waited: nothing more to do, nothing refused.
      if (cid) RecordRefusedOrder(*cid, "not sent: refused for the rate until its trade ended");
      return end(false, 3, "not-done", of + ": not sent: its trade ended while the exchange asked keel to wait");
    case TrailOutcome::kUnknown:
      ++counters_.orders_unknown;
      // The order may rest: the trade keeps it in sight (cancelled with its exits, adopted by no
      // claim) until its end is known; the signal does not claim it.
      if (t && cid) t->trailing_spares.push_back(*cid);
      return end(false, 4, "not-verified",
                 of + ": not verified (" + outcome.why + "): " +
                     (cid ? "order " + *cid + " is settled by its client id"
                          : std::string("read the position's trailingStop (keel-reconcile)")));
  }
}

void Engine::EndTrail(const std::string& signal_id, bool done, int code, const std::string& result,
                      const std::string& detail, const ReplyFn& reply) {
  if (signal_id.empty()) {  // keel's own (FollowTrailingSize): no signal to end
    (done ? Log("trailing stop: " + detail) : LogWarning("trailing stop: " + detail));
    return;
  }
  auto rec = store_.Signal(signal_id);
  if (rec.ok() && *rec) {
    SignalRecord r = **rec;
    r.state = done ? SignalState::kDone : SignalState::kFailed;
    r.detail = detail;
    r.updated_ms = clock_.NowMs();
    WriteBatch b(clock_.NowMs());
    b.PutSignal(r, Provenance{Source::kEngine, std::nullopt, done ? "trail done" : "trail not done"});
    WriteOrLog(b, "recording trail signal " + signal_id);
  } else {
    LogWarning("trail signal " + signal_id + ": its record could not be read to end it: " +
               (rec.ok() ? std::string("not found") : rec.status().message()));
  }
  (done ? Log("trail signal " + signal_id + ": " + detail) : LogWarning("trail signal " + signal_id + ": " + detail));
  if (reply) reply(ReplyOf(code, result, signal_id, detail));
}

void Engine::RestoreTrails(const std::vector<SignalRecord>& unfinished) {
  for (auto& [id, t] : trades_) {
    OrderFilter open_on_symbol;
    open_on_symbol.symbol = t->signal.symbol;
    open_on_symbol.open_only = true;
    auto open = store_.Orders(open_on_symbol);
    if (!open.ok()) {
      LogWarning("signal " + id + ": its trailing orders could not be read: " + open.status().message());
      continue;
    }
    // The newest one confirmed working is its trailing stop; older working ones (a replacement a
    // restart cut short after the new one was confirmed) are cancelled; one whose placement the
    // start-up sweep could not settle is kept in sight, never taken for the trade's.
    const OrderRecord* newest = nullptr;
    std::vector<const OrderRecord*> mine;
    for (const auto& o : *open) {
      if (o.purpose != OrderPurpose::kTrailingStop || o.position_side != t->leg || o.created_ms < t->record.received_ms) continue;
      mine.push_back(&o);
      if (is_confirmed_working(o.state) && (!newest || o.created_ms > newest->created_ms)) newest = &o;
    }
    if (newest) t->trailing_order = newest->client_order_id;
    for (const OrderRecord* o : mine) {
      if (o == newest) continue;
      t->trailing_spares.push_back(o->client_order_id);
      if (newest && is_confirmed_working(o->state) && o->created_ms < newest->created_ms)
        CancelOrder(OrderBook::kConditional, t->signal.symbol, o->client_order_id, "an older trailing stop of the trade");
    }
    // Its level: the newest trail signal done on its leg since it opened (none: never set, or off).
    SignalFilter of_symbol;
    of_symbol.symbol = t->signal.symbol;
    of_symbol.since_ms = t->record.received_ms;
    if (auto trails = store_.Signals(of_symbol); trails.ok()) {
      const SignalRecord* last = nullptr;
      for (const auto& r : *trails)
        if (r.action == "trail" && r.state == SignalState::kDone && r.position_side == t->leg &&
            (!last || r.updated_ms >= last->updated_ms))
          last = &r;
      if (last)
        if (auto s = ParseSignal(last->payload); s.ok()) t->trailing_level = s->trailing_stop;
    } else {
      LogWarning("signal " + id + ": its trail signals could not be read: " + trails.status().message());
    }
  }
  // A trail a restart cut short: its order is settled by the start-up sweep (it rests, or it was
  // never placed); what the store shows now ends the signal, never as more than it proves.
  for (const auto& r : unfinished) {
    if (r.action != "trail") continue;
    auto s = ParseSignal(r.payload);
    std::string detail;
    bool done = false;
    if (!s.ok()) {
      detail = "its stored payload is unreadable: " + s.status().message();
    } else {
      Trade* t = nullptr;
      for (auto& [id, tr] : trades_)
        if (!tr->finished && tr->signal.symbol == r.symbol && tr->leg == r.position_side.value_or(PositionSide::kBoth)) t = tr.get();
      if (s->trailing_stop && trailing_is_order_ && t && t->trailing_order) {
        auto o = store_.Order(*t->trailing_order);
        done = o.ok() && *o && (*o)->created_ms >= r.received_ms && is_confirmed_working((*o)->state);
        detail = done ? "a restart came between: the trailing stop " + *t->trailing_order + " works (" + LevelText(s->trailing_stop) + ")"
                      : "a restart came between: not verified, the trade's trailing stop is " + *t->trailing_order;
      } else {
        detail = "a restart came between: not verified; the venue's trailing stop is what keel-reconcile reads";
      }
    }
    SignalRecord ended = r;
    ended.state = done ? SignalState::kDone : SignalState::kFailed;
    ended.detail = detail;
    ended.updated_ms = clock_.NowMs();
    WriteBatch b(clock_.NowMs());
    b.PutSignal(ended, Provenance{Source::kEngine, std::nullopt, "trail cut short by a restart"});
    WriteOrLog(b, "ending trail signal " + r.id);
    LogWarning("trail signal " + r.id + ": " + detail);
  }
}

}  // namespace keel
