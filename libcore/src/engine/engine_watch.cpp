// What the engine does after the exchange moves: exits, closes, protection, orphans, resyncs.
#include "engine_trade.h"
#include "keel/model/order_kind.h"

#include <algorithm>
#include <deque>
#include <memory>

#include "keel/model/protection.h"
#include "keel/safety/client_ids.h"
#include "keel/safety/ghost_sweep.h"
#include "keel/safety/orphan_scanner.h"
#include "keel/safety/protect.h"
#include "keel/safety/reconciler.h"
#include "keel/safety/store_view.h"

namespace keel {
namespace {

// What RecordUnknownOrder writes as its incident's action: how RememberUnknownOrders knows its own.
constexpr const char* kSettledByQueryAction = "never cancelled again; settled by query";

bool SplitKey(const std::string& key, std::string& symbol, PositionSide& side) {
  const auto slash = key.find('/');
  if (slash == std::string::npos) return false;
  auto s = parse_position_side(key.substr(slash + 1));
  if (!s.ok()) return false;
  symbol = key.substr(0, slash);
  side = *s;
  return true;
}

}  // namespace

void Engine::RecordUnknownOrder(const std::string& symbol, const std::string& cid, const std::string& why) {
  auto rec = store_.Order(cid);
  // An exit's, or an add's (a trade's own entry is journaled with its trade: RecordUnknownEntry).
  // A conditional one too: a take-profit move a restart cut short cancelled one again that had
  // filled, its first cancel answered unknown order while reads lagged (chaos seed 1105596). An
  // add: a cancel signal a restart resumed cancelled it again (chaos seed 1190119).
  if (!rec.ok() || !*rec || is_terminal((*rec)->state)) return;
  if ((*rec)->purpose == OrderPurpose::kEntry)
    for (const auto& [id, t] : trades_)
      if (t->record.entry_client_order_id == cid) return;
  IncidentRecord i;
  i.local_ms = clock_.NowMs();
  i.kind = IncidentKind::kGhostOrder;
  i.symbol = symbol;
  i.position_side = (*rec)->position_side;
  i.client_order_id = cid;
  i.detail = why + "; the store holds it open";
  i.action = kSettledByQueryAction;
  WriteBatch b(clock_.NowMs());
  b.RecordIncident(i);
  WriteOrLog(b, "recording that the exchange does not know " + cid);
}

void Engine::RememberUnknownOrders() {
  // A restart forgets what the matching engine answered a cancel; a move or cleanup would then
  // cancel an order that already ended (chaos seed 854145: a limit take-profit that had filled,
  // its cancel answered unknown order, cancelled again after the restart while reads lagged).
  RecordFilter f;
  f.since_ms = clock_.NowMs() - kUnknownOrderMemoryMs;
  auto incidents = store_.Incidents(f);
  if (!incidents.ok()) return LogWarning("store error reading incidents: " + incidents.status().message());
  for (const auto& i : *incidents) {
    // Only the answers RecordUnknownOrder journaled: the start-up reconcile records ghost orders of
    // its own (a stop a restart cut short, found working after all).
    if (i.kind != IncidentKind::kGhostOrder || !i.client_order_id || i.action != kSettledByQueryAction) continue;
    auto rec = store_.Order(*i.client_order_id);
    if (!rec.ok() || !*rec || is_terminal((*rec)->state)) continue;
    answered_unknown_order_[*i.client_order_id] = i.local_ms;
  }
}

void Engine::RecordCancelled(const std::string& cid) {
  auto rec = store_.Order(cid);
  if (!rec.ok()) return LogWarning("recording the cancel of " + cid + ": " + rec.status().message());
  if (!*rec || is_terminal((*rec)->state)) return;
  OrderRecord after = **rec;
  after.state = OrderState::kCanceled;
  after.updated_ms = clock_.NowMs();
  WriteBatch b(clock_.NowMs());
  b.PutOrder(after, Provenance{Source::kRest, std::nullopt, "cancelled"});
  WriteOrLog(b, "recording the cancel of " + cid);
}

void Engine::CancelOrder(OrderBook book, const std::string& symbol, const std::string& cid, const std::string& why) {
  if (answered_unknown_order_.count(cid)) {
    Log("cancel " + cid + " " + symbol + " not sent (" + why +
        "): the exchange already answered unknown order, and no newer read shows it working; settled by query");
    // What waits for its end (a move that cancels a limit take-profit first) learns it from the query.
    SettleExitOrder(symbol, cid,
                    [this, book, symbol, cid, why](Result<OrderReport> q) {
                      auto answered = answered_unknown_order_.find(cid);
                      if (!q.ok() || answered == answered_unknown_order_.end()) return;
                      if (!is_terminal(q->status) && q->update_time <= answered->second) return;  // lags
                      // Ended; or working by a read newer than the answer (placed after it): a
                      // cancel may reach it now.
                      answered_unknown_order_.erase(answered);
                      RecordOrderReport(*q, "settled after an unknown-order cancel");
                      if (is_terminal(q->status)) return AfterOrderChange(cid);
                      CancelOrder(book, symbol, cid, why);
                    },
                    JobPriority::kNormal);
    return;
  }
  Log("cancel " + cid + " " + symbol + " reason=" + why);
  ++counters_.cancels;
  OnWorker<Result<CancelReport>>(
      [book, symbol, cid](Exchange& ex) { return ex.Cancel(book, symbol, cid); },
      [this, book, symbol, cid, why](Result<CancelReport> r) {
        if (r.ok()) {
          // The stream reports the cancel too; a record it has not moved yet is settled here.
          if (r->order) RecordOrderReport(*r->order, "cancelled");
          else RecordCancelled(cid);
          Log("cancelled " + cid);
          AfterOrderChange(cid);
        } else if (r.status().IsNotFound()) {
          // Already gone (filled, expired or cancelled): one targeted query settles it, never a
          // second cancel (seed 000), nor one by a flatten while reads lag (chaos seed 714470).
          for (auto& [tid, t] : trades_) {
            if (t->record.entry_client_order_id != cid) continue;
            t->entry_resting = false;
            RecordUnknownEntry(tid, cid, "the cancel was answered unknown order");
            break;
          }
          const TimeMs answered = clock_.NowMs();
          answered_unknown_order_[cid] = answered;
          RecordUnknownOrder(symbol, cid, "the cancel (" + why + ") was answered unknown order");
          OnWorker<Result<OrderReport>>(
              [book, symbol, cid](Exchange& ex) { return ex.Query(book, symbol, cid); },
              [this, cid, answered](Result<OrderReport> q) {
                if (q.ok() && !is_terminal(q->status) && q->update_time < answered) {
                  // The matching engine said it is not there; a read from before that says it
                  // works lags. Left for the stray-order sweep to settle, never cancelled again.
                  Log(cid + ": cancel answered unknown order; a read from before says " + to_string(q->status) +
                      ": it lags, not recorded");
                } else if (q.ok()) {
                  // Ended (its record says so from now on), or working by a read newer than the
                  // answer: placed after it (its placement was on its way), so a cancel may reach it.
                  answered_unknown_order_.erase(cid);
                  RecordOrderReport(*q, "settled after an unknown-order cancel");
                  Log(cid + " was already " + to_string(q->status));
                } else {
                  Log(cid + ": cancel answered unknown order and the query failed: " + q.status().message());
                }
                AfterOrderChange(cid);
              });
        } else {
          // Not cancelled, or no answer: the order may still rest (an entry that can fill, a
          // replaced stop beside the new one). Sent again after a wait (the exchange's own for a
          // rate refusal) while the store does not show it ended, a few times; then the periodic
          // reconcile and its sweep of stray orders are what is left, and the operator is told.
          // An entry keel is cancelling could still open a position: it is never given up on.
          bool entry = false;
          for (const auto& [tid, t] : trades_) entry = entry || t->record.entry_client_order_id == cid || t->AddByOrder(cid);
          if (auto rec = store_.Order(cid); rec.ok() && *rec && (*rec)->purpose == OrderPurpose::kEntry) entry = true;
          const int failures = ++cancel_failures_[cid];
          if (failures == kCancelRetries + 1) {
            RaiseAlert(AlertKind::kUnknownOutcome, cid, symbol,
                       "cancel of " + cid + " on " + symbol + " failed " + std::to_string(failures) + " times (" +
                           r.status().message() + "): it may still rest; " +
                           (entry ? "keel keeps cancelling it" : "keel-cancel-ghosts lists it"));
          }
          if (failures > kCancelRetries && !entry) {
            cancel_failures_.erase(cid);
            // A move waiting for this one to end before placing its new take-profit is answered:
            // the old one stays (chaos seed 1106272: the exchange unreachable for 53 s, the move
            // never answered).
            for (auto& [tid, t] : trades_)
              if (t->exit_move && t->exit_move->take_profit_after_cancel && t->exit_move->take_profit_from == cid)
                return OldTakeProfitNotCancelled(*t, r.status().message());
            return;
          }
          const TimeMs wait = std::max<TimeMs>(std::min<TimeMs>(30'000, 1000LL << std::min(failures, 5)),
                                               r.status().retry_after_ms());
          Log("cancel " + cid + " failed: " + r.status().message() + "; again in " + std::to_string(wait) + " ms");
          loop_.After(wait, [this, book, symbol, cid, why] {
            auto rec = store_.Order(cid);
            if (rec.ok() && *rec && !is_terminal((*rec)->state)) CancelOrder(book, symbol, cid, why);
            else cancel_failures_.erase(cid);
          });
        }
      });
}

void Engine::AfterOrderChange(const std::string& cid) {
  Trade* t = TradeByOrder(cid);
  if (!t) {
    // A repair stop the stream shows working after its placement's answer was lost, beside a
    // trade protected by its own stop meanwhile.
    auto rec = store_.Order(cid);
    if (rec.ok() && *rec && (*rec)->purpose == OrderPurpose::kEmergencyStop && is_confirmed_working((*rec)->state))
      if (Trade* owner = ActiveTradeOn((*rec)->symbol, (*rec)->position_side)) CancelRepairStopsBeside(*owner);
    return;
  }
  auto rec = store_.Order(cid);
  if (!rec.ok() || !*rec) return;
  const OrderRecord& o = **rec;
  const std::string id = t->record.id;
  if (t->AddByOrder(cid)) return AfterAddChange(*t, cid);
  if (t->record.entry_client_order_id == cid) {
    if (is_terminal(o.state)) {
      t->entry_resting = false;
      if (t->finished) return ForgetIfDone(id);
    }
    if (t->state != TradeState::kEntering) return;
    const bool ended = o.state == OrderState::kCanceled || o.state == OrderState::kExpired || o.state == OrderState::kRejected;
    if (o.state == OrderState::kFilled || (t->maker() && o.state == OrderState::kPartiallyFilled)) {
      VerifyEntry(id);  // a maker entry is protected from its first fill on
    } else if (t->maker() && o.state == OrderState::kNew) {
      PlaceGuardStop(id, "maker entry resting");  // its placement's answer may still be on its way
    } else if (ended && o.filled_qty.is_zero()) {
      if (t->maker() && !t->expiring && o.state == OrderState::kExpired && o.time_in_force == TimeInForce::kGtd) {
        // Its own expiry on the exchange: the signal's time limit, not the venue ending it.
        t->expiring = true;
        t->entry_cancel_reason = "at its time limit (GTD on the exchange)";
      }
      if (t->maker() && !t->expiring) {
        // The venue ended a resting maker entry (seed 000): the slot is free, no amend follows;
        // a new one only through the guard, which asks the exchange first.
        ReplaceEntry(id, std::string("the exchange ended the entry ") + to_string(o.state), std::nullopt);
      } else {
        EndEntry(id, std::string("entry ") + cid + " " + to_string(o.state) +
                         (t->expiring ? " " + t->entry_cancel_reason : std::string(" by the exchange")) + " without a fill",
                 Provenance{Source::kStream, o.exchange_updated_ms, "entry ended"});
      }
    } else if (is_terminal(o.state) && o.filled_qty.is_positive()) {
      VerifyEntry(id);  // partly filled, then ended: the part is the position
    }
    return;
  }
  if (!is_terminal(o.state)) return;
  if (t->record.stop_client_order_id != cid && t->record.take_profit_client_order_id != cid) {
    // One of its other exits ended (a move's old stop or take-profit, a spare): nothing to cancel
    // any more; filled, it closed the position as the trade's own exit would have.
    t->spare_stops.erase(std::remove(t->spare_stops.begin(), t->spare_stops.end(), cid), t->spare_stops.end());
    if (t->exit_move && t->exit_move->take_profit_from == cid) {
      if (t->exit_move->take_profit_after_cancel) OldTakeProfitEnded(*t, o);
      if (t->exit_move && t->exit_move->take_profit_from == cid) t->exit_move->take_profit_from.reset();
    }
    const bool trailing = t->trailing_order == cid ||
                          std::find(t->trailing_spares.begin(), t->trailing_spares.end(), cid) != t->trailing_spares.end();
    if (t->trailing_order == cid) t->trailing_order.reset();
    t->trailing_spares.erase(std::remove(t->trailing_spares.begin(), t->trailing_spares.end(), cid), t->trailing_spares.end());
    if (o.state != OrderState::kFilled || t->finished) return t->finished ? ForgetIfDone(id) : void();
    if (o.purpose == OrderPurpose::kTakeProfit) NoteTakeProfitFilled(id);
    const std::string detail = trailing ? "trailing stop " + cid + " " + to_string(o.state)
                                        : "exit " + cid + " (an earlier one of the trade's) " + to_string(o.state);
    if (!is_closing(t->state)) Advance(*t, TradeState::kClosing, detail);
    ScheduleExitCleanup(id, "an earlier exit filled");
    SaveSignal(*t, detail, Provenance{Source::kStream, o.exchange_updated_ms, "exit ended"});
    Log("signal " + id + ": " + detail);
    return AfterPositionChange(t->signal.symbol, t->leg);
  }
  // An exit ended: its id is cleared at once (seed 003), and when it filled, the other is cancelled.
  const bool was_stop = t->record.stop_client_order_id == cid;
  if (was_stop) t->record.stop_client_order_id.reset();
  else t->record.take_profit_client_order_id.reset();
  std::string detail = std::string(was_stop ? "stop " : "take-profit ") + cid + " " + to_string(o.state);
  if (!was_stop && o.state == OrderState::kFilled) NoteTakeProfitFilled(id);
  const bool limit_take_profit = !was_stop && !is_conditional(o.type);
  const bool moving_take_profit = t->exit_move && t->exit_move->take_profit_pending;
  if (limit_take_profit && o.state != OrderState::kFilled && !t->finished && !t->close_in_flight &&
      t->closing_because.empty() && !moving_take_profit && tools_running_ > 0) {
    // An operator's close forwarded to the daemon ends it before closing (or the exchange did,
    // meanwhile): placed again for what is left once the tool is over.
    t->take_profit_done = false;
    take_profits_after_tool_.insert(id);
    SaveSignal(*t, detail + " while an operator's close runs: placed again for what is left once it is over",
               Provenance{Source::kStream, o.exchange_updated_ms, "exit ended"});
    return;
  }
  if (limit_take_profit && o.state != OrderState::kFilled && !t->finished && !t->close_in_flight &&
      t->closing_because.empty() && !moving_take_profit &&
      (t->state == TradeState::kProtected || (t->state == TradeState::kProtecting && t->exit_move))) {
    // keel cancels the trade's own take-profit only once it is closing (a move's old one is not
    // the trade's any more): the exchange ended this one (a post-only that would have taken,
    // a venue cancel). A new one only through the guard.
    SaveSignal(*t, detail + " by the exchange", Provenance{Source::kStream, o.exchange_updated_ms, "exit ended"});
    return ReplaceTakeProfit(id, cid, "the exchange ended it " + std::string(to_string(o.state)), std::nullopt);
  }
  // A limit take-profit covers the size it was sent for: the position may hold more (an add
  // since). A position row from the fill on says what is left; an older one, what was there.
  const bool covered_all = !limit_take_profit || [&] {
    auto held = OpenPositionOf(store_, t->signal.symbol, t->leg);
    if (!held.ok() || !*held) return true;
    const bool after_fill = (*held)->exchange_updated_ms && o.exchange_updated_ms &&
                            *(*held)->exchange_updated_ms >= *o.exchange_updated_ms;
    return !after_fill && (*held)->qty.abs() <= o.filled_qty;
  }();
  if (o.state == OrderState::kFilled && !t->finished && !covered_all) {
    // Placed again for what is left (RepriceExits), once a position row from the fill on shows it.
    t->take_profit_done = false;
    t->take_profit_refill_after = o.exchange_updated_ms.value_or(clock_.NowMs());
    detail += " (the position held more: an add filled since it was placed)";
  } else if (o.state == OrderState::kFilled && !t->finished) {
    if (!is_closing(t->state)) Advance(*t, TradeState::kClosing, detail);
    ScheduleExitCleanup(id, "the other exit filled");
  }
  SaveSignal(*t, detail, Provenance{Source::kStream, o.exchange_updated_ms, "exit ended"});
  Log("signal " + id + ": " + detail);
  if (t->finished) return ForgetIfDone(id);
  AfterPositionChange(t->signal.symbol, t->leg);
}

void Engine::ScheduleExitCleanup(const std::string& id, const std::string& why) {
  // Adds still resting are cancelled now, not after the wait: one filling after the close would
  // open a position the trade's exits no longer cover.
  if (Trade* t = TradeOf(id)) CancelAdds(*t, "its trade is closing: " + why);
  loop_.After(1000, [this, id, why] {
    Trade* t = TradeOf(id);
    if (!t) return;
    // A maker entry still resting after the trade ended would open it again.
    if (t->entry_resting && t->record.entry_client_order_id && !t->expiring) {
      // Unless the stream told its end: a read lagging behind it (still NEW) is not a reason to
      // touch a terminal order (chaos seed 1002823: a cancelled entry cancelled again after its
      // trade closed, -2011, with reads 13 s behind).
      auto rec = store_.Order(*t->record.entry_client_order_id);
      if (rec.ok() && *rec && is_terminal((*rec)->state)) {
        t->entry_resting = false;
      } else {
        t->expiring = true;
        t->entry_cancel_reason = "cancelled: " + why;
        CancelOrder(OrderBook::kRegular, t->signal.symbol, *t->record.entry_client_order_id, why);
      }
    }
    CancelSpareStops(id, why);
    std::vector<std::optional<std::string>> exits{t->record.stop_client_order_id, t->record.take_profit_client_order_id,
                                                  t->trailing_order};
    for (const auto& spare : t->trailing_spares) exits.emplace_back(spare);
    for (const auto& cid : exits) {
      if (!cid) continue;
      auto rec = store_.Order(*cid);
      if (rec.ok() && *rec && !is_terminal((*rec)->state) && (*rec)->state != OrderState::kPendingCancel)
        CancelExit(t->signal.symbol, *cid, why);
    }
  });
}

void Engine::ForgetIfDone(const std::string& id) {
  Trade* t = TradeOf(id);
  if (t && t->finished && !t->entry_resting && !t->record.stop_client_order_id && !t->record.take_profit_client_order_id &&
      t->adds.empty() && !t->trailing_order && t->trailing_spares.empty() && !t->trailing_in_flight) {
    CancelEntryTimeLimit(*t);
    guard_.Forget(id);
    trades_.erase(id);
  }
}

std::string Engine::LastCloseReason(const std::string& symbol, PositionSide side) {
  PositionFilter closed;
  closed.symbol = symbol;
  closed.state = PositionState::kClosed;
  closed.limit = 8;  // newest last; in hedge mode the other leg's may be newer
  auto last = store_.Positions(closed);
  if (last.ok()) {
    for (auto it = last->rbegin(); it != last->rend(); ++it)
      if (it->position_side == side) return it->exit_reason.value_or("flat on the exchange");
  }
  return "flat on the exchange";
}

void Engine::AfterPositionChange(const std::string& symbol, PositionSide side) {
  if (auto open = OpenPositionOf(store_, symbol, side); open.ok() && !*open) unproven_legs_.erase(KeyOf(symbol, side));
  Trade* t = ActiveTradeOn(symbol, side);
  if (!t || t->state == TradeState::kEntering || t->close_in_flight || !t->closing_because.empty()) return;
  auto held = OpenPositionOf(store_, symbol, side);
  if (!held.ok()) return;
  if (*held) {  // still open: a fill may have moved its average, or grown it past its trailing order
    FollowTrailingSize(*t, **held);
    return RepriceExits(*t, **held);
  }
  const std::string id = t->record.id;
  if (!t->adds.empty()) {
    // Flat while its own adds may still rest: one can fill at any moment (or has, its report on its
    // way), so flat is not yet evidence that the trade is over (chaos seed 116: an add filled in the
    // millisecond a grid leg was auto-deleveraged, after the trade said "closed"). Its close ends
    // them in its own job, then proves the leg flat by a read, closing what they filled.
    t->closing_because = "its leg went flat (" + LastCloseReason(symbol, side) + ") while " +
                         std::to_string(t->adds.size()) + " add(s) rested";
    SaveSignal(*t, "closing: " + t->closing_because, Provenance{Source::kStream, std::nullopt, "flat with adds resting"});
    Log("signal " + id + ": " + t->closing_because + ": ending them before the trade is called closed");
    return CloseUntilFlat(id, 0);
  }
  // Flat: the trade is over. Exits still resting after a moment are cancelled.
  t->finished = true;
  ScheduleExitCleanup(id, "position closed");
  const std::string reason = LastCloseReason(symbol, side);
  if (!is_final(t->state) && t->state != TradeState::kUnresolved) {
    Advance(*t, TradeState::kClosed, reason);
    SaveSignal(*t, "closed: " + reason, Provenance{Source::kEngine, std::nullopt, "position closed"});
  }
  Log("signal " + id + ": " + symbol + " closed (" + reason + ")");
  // A rollback in flight finishes the trade itself.
  if (t->state == TradeState::kClosed) ForgetIfDone(id);
}

void Engine::OnLegReopened(const std::string& key) {
  std::string symbol;
  PositionSide side = PositionSide::kBoth;
  if (!SplitKey(key, symbol, side)) return;
  auto held = OpenPositionOf(store_, symbol, side);
  if (!held.ok() || !*held) return;
  const PositionRecord p = **held;
  const TimeMs now = clock_.NowMs();
  reopened_at_[key] = now;
  // Bare since it opened, which the exchange's time tells better than the moment keel heard.
  unprotected_since_[key] = std::min(now, p.exchange_updated_ms.value_or(now));
  Trade* t = ActiveTradeOn(symbol, side);
  const bool trade_protects = t && t->state == TradeState::kProtected && !t->exit_move && !t->close_in_flight &&
                              t->closing_because.empty() && !t->finished;
  RaiseAlert(AlertKind::kReconcileMismatch, "reopened " + key, symbol,
             key + " closed and opened again while keel did not see it (now " + p.qty.ToString() + " @ " +
                 p.entry_price.ToString() + "): the stops of the closed one are no protection; " +
                 (trade_protects ? "signal " + t->record.id + " places its exits again" : "the watch protects it"));
  if (!trade_protects) return;
  const std::string id = t->record.id;
  if (t->record.stop_client_order_id) t->spare_stops.push_back(*t->record.stop_client_order_id);
  t->record.stop_client_order_id.reset();
  if (t->record.take_profit_client_order_id) {
    const std::string old = *t->record.take_profit_client_order_id;
    t->record.take_profit_client_order_id.reset();
    auto rec = store_.Order(old);
    if (rec.ok() && *rec && !is_terminal((*rec)->state) && (*rec)->state != OrderState::kPendingCancel)
      CancelExit(symbol, old, "a take-profit of the position that closed unseen");
  }
  t->take_profit_done = !t->signal.take_profit;
  t->take_profit_refill_after.reset();
  // Its exits are reckoned from the position that is open now.
  t->entry_price = p.entry_price;
  t->exits_reckoned_from = p.entry_price;
  const std::string why = "its position closed and opened again unseen (now " + p.qty.ToString() + " @ " +
                          p.entry_price.ToString() + "): placing its exits again";
  Advance(*t, TradeState::kProtecting, why);
  SaveSignal(*t, why, Provenance{Source::kStream, p.exchange_updated_ms, "leg reopened"});
  PlaceExit(id, OrderPurpose::kStop);
}

// ---- protection ----

void Engine::ReopenedWhileBlind(const std::vector<std::string>& symbols, const std::vector<PositionReport>& rows) {
  for (const auto& row : rows) {
    if (std::find(symbols.begin(), symbols.end(), row.symbol) == symbols.end() || !row.entry_price.is_positive()) continue;
    auto held = OpenPositionOf(store_, row.symbol, row.position_side);
    if (!held.ok() || !*held) continue;
    PositionRecord p = **held;
    // The same size at another average, by a read newer than everything keel heard of the leg:
    // it closed (a take-profit, a stop) and opened again (a resting add) while the stream was down
    // (chaos seed 1118005). A size that changed is the reconcile's to judge.
    if (row.amount != p.qty || row.entry_price == p.entry_price || !p.exchange_updated_ms ||
        row.update_time <= *p.exchange_updated_ms)
      continue;
    const std::string key = KeyOf(row.symbol, row.position_side);
    Log("resync: " + key + " now " + row.amount.ToString() + " @ " + row.entry_price.ToString() + " (held " +
        p.qty.ToString() + " @ " + p.entry_price.ToString() + "): closed and opened again unseen");
    p.entry_price = row.entry_price;
    p.exchange_updated_ms = row.update_time;
    WriteBatch b(clock_.NowMs());
    b.PutOpenPosition(p, Provenance{Source::kRest, row.update_time, "reopened while the stream was down"});
    if (!WriteOrLog(b, "recording the reopened " + key)) continue;
    OnLegReopened(key);
  }
}

bool Engine::OfClosedLeg(const OrderRecord& stop) const {
  const auto at = reopened_at_.find(KeyOf(stop.symbol, stop.position_side));
  return at != reopened_at_.end() && stop.created_ms < at->second;
}

bool Engine::StopPassedByMark(const OrderRecord& stop) const {
  // A trailing stop's trigger follows the price: never judged by its first one.
  if (!stop.stop_price || stop.type == OrderType::kTrailingStopMarket) return false;
  const auto mark = marks_.find(stop.symbol);
  const auto seen = mark_seen_ms_.find(stop.symbol);
  if (mark == marks_.end() || seen == mark_seen_ms_.end() || seen->second <= stop.created_ms) return false;
  return StopFiresAt(stop.side, *stop.stop_price, mark->second);
}

void Engine::StartProtectionWatch() {
  // A position open before the restart gets no new grace period: whatever was protecting it may
  // have been cut short by the restart (chaos seed 744213: a repair's answer lost to the kill, the
  // position bare again for a whole grace period after it). It counts from its opening, or from
  // the exchange's own time for it when that is older: a position start-up found and adopted was
  // open on the exchange before keel knew (chaos seed 864789: opened during a freeze and a kill).
  PositionFilter open;
  open.state = PositionState::kOpen;
  if (auto held = store_.Positions(open); held.ok()) {
    for (const auto& p : *held)
      unprotected_since_.emplace(KeyOf(p.symbol, p.position_side), std::min(p.opened_ms, p.exchange_updated_ms.value_or(p.opened_ms)));
  } else {
    Log("store error reading the open positions at start-up: " + held.status().message());
  }
  WatchProtection();
}

void Engine::WatchProtection() {
  watch_timer_ = 0;
  if (shutting_down_) return;
  const TimeMs now = clock_.NowMs();
  CheckStream(now);
  CheckExchange(now);
  std::vector<PositionRecord> positions;
  std::vector<OrderRecord> open_orders;
  Status read = ReadOpen(positions, open_orders);
  // The exchange refused for the rate until a given time: every request before it is refused
  // locally, so a repair is tried once the wait is over, not every watch (seed 501616: 240 of them).
  const bool rate_waiting = now < rate_wait_until_;
  if (read.ok()) {
    std::vector<StopOrder> stops;
    for (const auto& o : open_orders)
      if (is_protective(o.purpose) && is_confirmed_working(o.state) && !StopPassedByMark(o) && !OfClosedLeg(o))
        stops.push_back(StopOrderOf(o));
    std::set<std::string> seen;
    for (const auto& p : positions) {
      const std::string key = KeyOf(p.symbol, p.position_side);
      seen.insert(key);
      const auto instrument = instruments_.find(p.symbol);
      const CoverageReport cover = CoverageOf(p.symbol, p.position_side, p.qty, stops,
                                              instrument == instruments_.end() ? std::nullopt
                                                                               : instrument->second.close_stop_max_qty);
      if (cover.coverage == Coverage::kFull) {
        unprotected_since_.erase(key);
        repair_failed_.erase(key);
        // Covered, but the record names no working stop (a restart cut the repair short between
        // the stop's acknowledgement and naming it): it names the one that covers it now.
        const bool named = p.stop_client_order_id &&
                           std::find(cover.covering.begin(), cover.covering.end(), *p.stop_client_order_id) !=
                               cover.covering.end();
        if (!named && !cover.covering.empty() && !repairing_.count(key)) {
          PositionRecord linked = p;
          linked.stop_client_order_id = cover.covering.front();
          WriteBatch b(now);
          b.PutOpenPosition(linked, Provenance{Source::kEngine, std::nullopt, "covered by " + cover.covering.front()});
          WriteOrLog(b, "naming the stop of " + key);
        }
        continue;
      }
      auto since = unprotected_since_.emplace(key, std::max(p.opened_ms, now - settings_.watch_interval_ms)).first->second;
      const TimeMs age = now - since;
      // The grace period is for the trade's own stop, on its way, or for its close in flight. A
      // trade whose close is not in flight (waiting to try again after one not verified) sends
      // neither: its leg is protected now.
      const Trade* owner = ActiveTradeOn(p.symbol, p.position_side);
      const bool close_on_its_way =
          owner && owner->close_in_flight &&
          (owner->close_started || now - owner->close_queued_ms < kCloseStartAllowanceMs);
      const bool no_own_stop = owner && !close_on_its_way && !owner->closing_because.empty();
      if (age <= settings_.daemon.protect_grace_ms - RepairLeadMs() && !RepairFailed(key) && !no_own_stop) continue;
      if (age > settings_.daemon.protect_grace_ms) counters_.unprotected_ms += settings_.watch_interval_ms;
      if (repairing_.count(key) || rate_waiting) continue;
      RaiseAlert(AlertKind::kUnprotectedPosition, key, p.symbol,
                 key + " " + p.qty.ToString() + " has had no covering stop for " + std::to_string(age) + " ms: placing one");
      Repair(p);
    }
    // Pushed positions keel does not track: the grace holds for them too. Once protected they are
    // adopted into the store (and leave this list); until then the repair is tried again.
    for (auto it = pushed_untracked_.begin(); it != pushed_untracked_.end();) {
      if (seen.count(it->first)) {
        it = pushed_untracked_.erase(it);
        continue;
      }
      const PositionRecord& p = it->second;
      // A keel entry on the leg is being verified: the position is most likely its fill, and its
      // own stop follows the verification (HandleUntracked; chaos seed 784).
      if (Trade* t = ActiveTradeOn(p.symbol, p.position_side); t && t->state == TradeState::kEntering) {
        ++it;
        continue;
      }
      seen.insert(it->first);
      auto since = unprotected_since_.emplace(it->first, p.opened_ms).first->second;
      const TimeMs age = now - since;
      if ((age > settings_.daemon.protect_grace_ms || RepairFailed(it->first)) && !repairing_.count(it->first) && !rate_waiting &&
          settings_.daemon.orphan_policy == OrphanPolicy::kProtect) {
        counters_.unprotected_ms += settings_.watch_interval_ms;
        RaiseAlert(AlertKind::kUnprotectedPosition, it->first, p.symbol,
                   it->first + " " + p.qty.ToString() + " (pushed by the stream, not tracked) has had no covering stop for " +
                       std::to_string(age) + " ms: placing one");
        Repair(p);
      }
      ++it;
    }
    for (auto it = unprotected_since_.begin(); it != unprotected_since_.end();)
      it = seen.count(it->first) ? std::next(it) : unprotected_since_.erase(it);
    for (auto it = reopened_at_.begin(); it != reopened_at_.end();)
      it = seen.count(it->first) ? std::next(it) : reopened_at_.erase(it);
  } else {
    Log("store error reading positions for the protection watch: " + read.message());
  }
  watch_timer_ = loop_.After(settings_.watch_interval_ms, [this] { WatchProtection(); });
}

void Engine::RecordProtectiveJob(TimeMs took) {
  constexpr std::size_t kRemembered = 8;
  protective_job_ms_.push_back(took);
  if (protective_job_ms_.size() > kRemembered) protective_job_ms_.pop_front();
}

// The slowest of the last few protective jobs, at most half the grace period: a stop on its way
// keeps most of it.
TimeMs Engine::RepairLeadMs() const {
  if (protective_job_ms_.empty()) return 0;
  const TimeMs slowest = *std::max_element(protective_job_ms_.begin(), protective_job_ms_.end());
  return std::clamp<TimeMs>(slowest, 0, settings_.daemon.protect_grace_ms / 2);
}

void Engine::Repair(const PositionRecord& p) {
  const std::string key = KeyOf(p.symbol, p.position_side);
  if (repairing_.count(key)) return;
  ++counters_.protections_repaired;
  Trade* t = ActiveTradeOn(p.symbol, p.position_side);
  if (t && t->state != TradeState::kEntering && !is_closing(t->state)) {
    auto stop = t->record.stop_client_order_id ? store_.Order(*t->record.stop_client_order_id)
                                               : Result<std::optional<OrderRecord>>(std::nullopt);
    if (stop.ok() && *stop && is_confirmed_working((*stop)->state) && StopPassedByMark(**stop)) {
      // Its stop's trigger is behind the mark: the exchange has fired it (its report lost, or the
      // stream down), and would refuse a new one at its level. What the stop would have done is
      // what the trade does: closed, proven flat by a read (a close that finds it flat already
      // closes nothing).
      t->closing_because = "its stop " + (*stop)->client_order_id + " at " + (*stop)->stop_price->ToString() +
                           " is passed by the mark " + marks_.at(p.symbol).ToString() + " and no fill of it reached keel";
      SaveSignal(*t, "closing: " + t->closing_because, Provenance{Source::kEngine, std::nullopt, "stop passed"});
      Log("signal " + t->record.id + ": " + t->closing_because + ": closing as it would have");
      return CloseUntilFlat(t->record.id, 0);
    }
    if (t->state == TradeState::kProtected) Advance(*t, TradeState::kProtecting, "its stop is gone: placing it again");
    t->record.stop_client_order_id.reset();
    PlaceExit(t->record.id, OrderPurpose::kStop);  // the trade's own stop level
    return;
  }
  repairing_.insert(key);
  auto inst = instruments_.find(p.symbol);
  if (inst == instruments_.end()) {
    Log("cannot protect " + key + ": the exchange does not list " + p.symbol);
    repairing_.erase(key);
    return;
  }
  ProtectOptions o;
  o.account = settings_.account;
  o.stop_pct = settings_.daemon.protect_stop_pct;
  o.now = clock_.NowMs();
  // Settled briefly: a repair whose stop's answer is lost is tried again at the next watch (a
  // second closePosition stop cannot close more than the position), within the grace period. A
  // second apart, four lost in a row were bare past it (chaos seed 892937).
  constexpr TimeMs kRepairSettleIntervalMs = 250;
  o.settle = SettleOptions{std::min(settings_.settle_attempts, 2),
                           std::min(settings_.settle_interval_ms, kRepairSettleIntervalMs), settings_.sleep};
  o.source = Source::kEngine;  // the daemon's own repair, not an operator's
  // Unique per (purpose, symbol) and millisecond: two legs of one symbol repaired at once in hedge
  // mode once got one id, and the second intent could not be recorded.
  o.client_order_id = NewClientId(OrderPurpose::kEmergencyStop, p.symbol);
  // A position above what one whole-position stop closes (Bybit) gets remainder stops: their ids
  // made here, on the loop, as every id of the engine's is.
  if (const auto& cap = inst->second.close_stop_max_qty; cap && cap->is_positive() && p.qty.abs() > *cap) {
    auto spare = std::make_shared<std::deque<std::string>>();
    for (Decimal left = p.qty.abs(); left > *cap && spare->size() < 64; left = left.Sub(*cap).value())
      spare->push_back(NewClientId(OrderPurpose::kEmergencyStop, p.symbol));
    o.next_client_order_id = [spare, account = settings_.account, symbol = p.symbol, clock = &clock_]() {
      if (spare->empty()) return MakeClientOrderId(account, OrderPurpose::kEmergencyStop, symbol, clock->NowMs() + 1);
      std::string id = spare->front();
      spare->pop_front();
      return id;
    };
  }
  if (auto lost = lost_repair_stop_.find(key); lost != lost_repair_stop_.end()) o.confirmed_stop = lost->second;
  const Instrument instrument = inst->second;
  const std::string symbol = p.symbol;
  const PositionSide side = p.position_side;
  Log("protect " + key + " stop_pct=" + o.stop_pct.ToString() + " reason=unprotected");
  OnWorker<Result<ProtectResult>>(
      [this, symbol, side, instrument, o, pushed = p](Exchange& ex) -> Result<ProtectResult> {
        auto rows = ex.PositionRows(symbol);
        if (!rows.ok()) return rows.status();
        // A read older than what the stream put in the store is stale (seed 004): the stream's
        // position is the one to protect.
        auto held = OpenPositionOf(worker_store_, symbol, side);
        // A position keel does not track is judged against what the stream pushed of it.
        if (held.ok() && !*held && pushed.exchange_updated_ms && !pushed.qty.is_zero()) *held = pushed;
        for (const auto& row : *rows) {
          if (row.position_side != side) continue;
          if (held.ok() && *held && (*held)->exchange_updated_ms && row.update_time < *(*held)->exchange_updated_ms) {
            const PositionRecord& streamed = **held;
            return ProtectPosition(ex, worker_store_,
                                   PositionReport{streamed.symbol, streamed.position_side, streamed.qty,
                                                  streamed.entry_price, *streamed.exchange_updated_ms},
                                   instrument, o);
          }
          if (row.amount.is_zero()) return Status::NotFound(symbol + " is flat on the exchange");
          return ProtectPosition(ex, worker_store_, row, instrument, o);
        }
        return Status::NotFound(symbol + " has no " + std::string(to_string(side)) + " row");
      },
      [this, key, symbol, judged = p.exchange_updated_ms, sent = o.client_order_id](Result<ProtectResult> r) {
        repairing_.erase(key);
        lost_repair_stop_.erase(key);
        if (r.ok()) {
          repair_failed_.erase(key);
        } else if (r.status().IsNotFound()) {
          // Flat on the exchange by a read at least as new as keel's record: the store is what is
          // wrong. A resync settles it, with its own evidence, rather than a repair every watch.
          repair_failed_.erase(key);
          // A push that read judged older is no longer a position to protect (or to refuse
          // signals for); a newer push since is kept.
          if (auto it = pushed_untracked_.find(key);
              it != pushed_untracked_.end() && it->second.exchange_updated_ms == judged)
            pushed_untracked_.erase(it);
          ResyncSymbols({symbol});
        } else {
          ++repair_failed_[key];
          if (r.status().IsUnknownOutcome()) lost_repair_stop_[key] = sent;
        }
        if (r.ok()) Log("protected " + key + " with " + r->stop.client_order_id + " at " + r->trigger_price.ToString() +
                        (r->adopted ? " (adopted)" : ""));
        else Log("protect " + key + ": " + r.status().message());
      },
      JobPriority::kProtective);
}

namespace {
// How long the order event of a fill may trail its account update before the fill is verified by
// REST: they leave the exchange together, so a quarter of a second is already late.
constexpr TimeMs kOrderEventWaitMs = 250;
}  // namespace

void Engine::HandleUntracked(const std::string& key) {
  std::string symbol;
  PositionSide side = PositionSide::kBoth;
  if (!SplitKey(key, symbol, side)) return;
  if (Trade* t = ActiveTradeOn(symbol, side); t && t->state == TradeState::kEntering) {
    if (auto pushed = pushed_untracked_.find(key); pushed != pushed_untracked_.end()) {
      const PositionRecord& p = pushed->second;
      t->pushed->Set(PositionReport{p.symbol, p.position_side, p.qty, p.entry_price, p.exchange_updated_ms.value_or(0)});
    }
    // Ours. A resting maker entry waits for its fill on the stream, whose order event follows the
    // position's at once. Still resting a moment later, that event is late or lost (chaos seed
    // 218): the entry is verified by REST rather than left unprotected. Meanwhile it is not
    // amended: it has most likely filled (seed 784).
    // A market entry, or one whose placement has not answered yet: the push is its fill, whatever
    // that answer is doing meanwhile (lost, retried, settling): verified now rather than when the
    // answer gives up (seeds 500101, 503963).
    if (!t->maker() || !t->entry_resting) {
      VerifyEntry(t->record.id);
      return;
    }
    if (t->entry_resting) {
      if (!t->fill_suspected_since) t->fill_suspected_since = clock_.NowMs();
      loop_.After(kOrderEventWaitMs, [this, id = t->record.id] {
        Trade* again = TradeOf(id);
        if (again && again->state == TradeState::kEntering && again->entry_resting) VerifyEntry(id);
      });
    }
    return;
  }
  if (repairing_.count(key)) return;
  ++counters_.orphans;
  const bool protect = settings_.daemon.orphan_policy == OrphanPolicy::kProtect;
  RaiseAlert(AlertKind::kOrphan, key, symbol,
             key + " is open on the exchange and keel did not open it" + (protect ? ": protecting it (never closed on its own)" : ""));
  if (!protect) return;
  PositionRecord p;
  p.symbol = symbol;
  p.position_side = side;
  if (auto pushed = pushed_untracked_.find(key); pushed != pushed_untracked_.end()) p = pushed->second;
  Repair(p);
}

void Engine::ResyncSymbols(const std::vector<std::string>& symbols, bool settle_stray_orders) {
  std::vector<std::string> wanted;
  for (const auto& s : symbols)
    if (resyncing_.insert(s).second) wanted.push_back(s);
  if (wanted.empty()) return;
  Log("resync by REST: " + std::to_string(wanted.size()) + " symbol(s)");
  struct Read {
    AccountReport account;
    std::vector<Mismatch> evidence;  // store-open-exchange-flat with their own rows read
    std::vector<std::string> settled;  // stray orders, one line each
  };
  const std::string account = settings_.account;
  const TimeMs grace = settings_.daemon.protect_grace_ms;
  const TimeMs absent_after = settings_.absent_after_ms;
  OnWorker<Result<Read>>(
      [this, account, grace, settle_stray_orders, absent_after, waiting = placements_waiting_](Exchange& ex) -> Result<Read> {
        Read r;
        auto a = ex.Account();
        if (!a.ok()) return a.status();
        r.account = std::move(*a);
        auto view = LoadStoreView(worker_store_);
        if (!view.ok()) return view.status();
        ReconcileOptions ro;
        ro.account = account;
        ro.now = clock_.NowMs();
        ro.grace_ms = grace;
        auto rec = Reconcile(r.account, *view, ro);
        for (auto& m : rec.mismatches)
          if (m.kind == MismatchKind::kStoreOpenExchangeFlat) r.evidence.push_back(m);
        KEEL_RETURN_IF_ERROR(AttachFlatEvidence(ex, *view, r.evidence));
        if (settle_stray_orders) {
          // An order left open in the store that no resting list shows: its trade ended while its
          // placement was unknown (a close signal, a flatten), or its end was never streamed.
          // Asked about by client order id; nothing guessed, nothing cancelled.
          // One whose placement waits out a rate refusal is sent again under its id: not a stray.
          StoreView swept = *view;
          swept.open_orders.erase(std::remove_if(swept.open_orders.begin(), swept.open_orders.end(),
                                                 [&](const OrderRecord& o) { return waiting.count(o.client_order_id) > 0; }),
                                  swept.open_orders.end());
          GhostSweepOptions sweep;
          sweep.account = account;
          sweep.act = true;
          sweep.now = clock_.NowMs();
          sweep.store_side_older_than_ms = absent_after;
          for (const auto& g : SweepGhosts(ex, &worker_store_, swept, r.account, sweep))
            r.settled.push_back("order " + g.client_order_id + " " + g.symbol + ": " + g.action);
        }
        return r;
      },
      [this, wanted, account, grace](Result<Read> r) {
        for (const auto& s : wanted) resyncing_.erase(s);
        if (!r.ok()) {
          LogWarning("resync failed: " + r.status().message());
          return;
        }
        for (const auto& line : r->settled) Log("stray order settled: " + line);
        ReopenedWhileBlind(wanted, r->account.positions);
        // Judged against the store as it is now: events applied while the read was on its way
        // are newer than it, and the stale-read guard keeps them (seed 004).
        auto view = LoadStoreView(store_);
        if (!view.ok()) return;
        ReconcileOptions ro;
        ro.account = account;
        ro.now = clock_.NowMs();
        ro.grace_ms = grace;
        for (const auto& [sym, inst] : instruments_) ro.step_sizes[sym] = inst.step_size;
        auto rec = Reconcile(r->account, *view, ro);
        std::vector<Mismatch> fix;
        for (auto& m : rec.mismatches) {
          if (std::find(wanted.begin(), wanted.end(), m.symbol) == wanted.end()) continue;
          if (m.kind == MismatchKind::kOrderStoreOnly || m.kind == MismatchKind::kOrderExchangeOnly) continue;
          if (m.kind == MismatchKind::kStoreOpenExchangeFlat) {
            for (const auto& e : r->evidence)
              if (e.symbol == m.symbol && e.position_side == m.position_side &&
                  e.exchange_time > 0 && e.exchange_time >= view->NewestPositionTime(m.symbol, m.position_side))
                m.exchange_time = e.exchange_time;
          }
          ++counters_.mismatches;
          Log(std::string("resync mismatch ") + to_string(m.kind) + " " + m.symbol + ": " + m.detail);
          fix.push_back(m);
        }
        // A leg read flat that the store holds open, not proven either way (reads lag): nothing is
        // added to it until a push or a read proves what it holds (chaos seed 1120665).
        for (const auto& m : rec.mismatches)
          if (m.kind == MismatchKind::kStoreOpenExchangeFlat &&
              std::find(wanted.begin(), wanted.end(), m.symbol) != wanted.end())
            unproven_legs_.insert(KeyOf(m.symbol, m.position_side));
        for (const auto& row : r->account.positions) unproven_legs_.erase(KeyOf(row.symbol, row.position_side));
        if (fix.empty()) return;
        if (settings_.daemon.reconcile_policy == ReconcilePolicy::kFix) {
          auto applied = ApplyReconcileFixes(store_, fix,
                                             {MismatchKind::kStoreOpenExchangeFlat, MismatchKind::kExchangeOpenStoreFlat,
                                              MismatchKind::kQuantity, MismatchKind::kSide},
                                             clock_.NowMs());
          if (!applied.ok()) Log("store error applying resync fixes: " + applied.status().message());
        }
        for (const auto& m : fix) {
          RaiseAlert(AlertKind::kReconcileMismatch, std::string(to_string(m.kind)) + " " + m.symbol, m.symbol,
                     std::string(to_string(m.kind)) + " " + m.symbol + ": " + m.detail);
          AfterPositionChange(m.symbol, m.position_side);
          // A position on the leg of an entry still believed resting: its fill, unseen (the stream
          // was down, seed 502). Verified now, so its own stop follows, not a repair's.
          Trade* t = ActiveTradeOn(m.symbol, m.position_side);
          if (m.kind == MismatchKind::kExchangeOpenStoreFlat && t && t->state == TradeState::kEntering &&
              t->entry_resting) {
            if (!t->fill_suspected_since) t->fill_suspected_since = clock_.NowMs();
            VerifyEntry(t->record.id);
          } else if (m.kind == MismatchKind::kExchangeOpenStoreFlat && !t) {
            // Nobody's trade, found late (the stream down or the exchange silent when it opened):
            // its grace began on the exchange, not now. Protected at once.
            HandleUntracked(KeyOf(m.symbol, m.position_side));
          }
        }
      });
}

}  // namespace keel
