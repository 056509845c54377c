// Maker entries: post-only at the best price, amended toward the book as it moves, cancelled at the
// signal's time limit. When the exchange ends one on its own (seed 000), the engine learns it from
// the stream or from the one answer "unknown order" to an amend, asks once, and never amends that
// order again; a replacement goes only through the ReplacementGuard.
#include "engine_trade.h"
#include "keel/engine/maker_quote.h"

namespace keel {
namespace {

// Fewer amends than book updates: each amend costs the queue place and an order-rate unit.
constexpr TimeMs kAmendIntervalMs = 250;
// A failed read of the guard's, or of a ghost's state, is asked again after this long.
constexpr TimeMs kRetryReadMs = 1000;

}  // namespace

void Engine::FollowBook(const std::string& symbol) {
  if (!ready_) return;
  auto book = books_.find(symbol);
  auto inst = instruments_.find(symbol);
  if (book == books_.end() || inst == instruments_.end()) return;
  const TimeMs now = clock_.NowMs();
  const Decimal bid = book->second.first, ask = book->second.second;
  std::vector<std::pair<std::string, Decimal>> moves;
  std::vector<std::string> crossed;
  for (auto& [id, t] : trades_) {
    if (t->signal.symbol != symbol || !t->maker() || !t->entry_resting) continue;
    // The book has traded through the entry's price: a post-only order cannot rest there any more.
    // It filled (or ended) whatever the stream says; a stream that lost the fill (chaos seeds 2108,
    // 2536) would leave the position bare until a scan. Verified now, not amended.
    const bool through = t->entry_side == Side::kSell ? bid >= t->maker_entry->price : ask <= t->maker_entry->price;
    if (through && !t->fill_suspected_since && !t->maker_entry->amend_in_flight && t->state == TradeState::kEntering) {
      t->fill_suspected_since = now;
      crossed.push_back(id);
      continue;
    }
    if (!t->maker_entry->follows_book) continue;  // a limit entry stays at its price
    if (t->maker_entry->amend_in_flight || t->ghost || t->amend_refused || t->fill_suspected_since || t->replace_in_flight || t->expiring || t->finished || t->close_in_flight) continue;
    if (guard_.BreakerOpen(*t->record.entry_client_order_id)) continue;
    if (t->maker_entry->last_amend_ms && now - t->maker_entry->last_amend_ms < kAmendIntervalMs) continue;
    auto to = MakerFollow(t->entry_side, t->maker_entry->price, bid, ask, inst->second, t->signal.offset_bps);
    if (to && !t->maker_entry->first_price.is_zero() && !WithinReprice(t->maker_entry->first_price, *to)) {
      // The book ran away: the entry waits at its price (its time limit ends it) instead of chasing.
      if (!t->maker_entry->reprice_refused_logged) {
        t->maker_entry->reprice_refused_logged = true;
        Log("signal " + id + ": re-price to " + to->ToString() + " refused: more than max_reprice_pct " +
            settings_.daemon.max_reprice_pct.ToString() + "% from the first entry price " +
            t->maker_entry->first_price.ToString() + "; the entry waits at " + t->maker_entry->price.ToString());
      }
      continue;
    }
    if (to) moves.emplace_back(id, *to);
  }
  for (const auto& id : crossed) {
    Log("signal " + id + ": the book traded through the resting entry's price (bid " + bid.ToString() + ", ask " +
        ask.ToString() + "): verifying it");
    VerifyEntry(id);
  }
  for (const auto& [id, price] : moves) AmendEntry(id, price);
}

bool Engine::WithinReprice(Decimal first, Decimal price) const {
  const auto moved = price.Sub(first);
  if (!moved.ok() || first.is_zero()) return false;
  // |price - first| / first <= max_reprice_pct / 100, without dividing: |moved| * 100 <= pct * first.
  const auto lhs = moved->abs().Mul(Decimal::FromInteger(100).value(), Rounding::kUp);
  const auto rhs = settings_.daemon.max_reprice_pct.Mul(first, Rounding::kDown);
  return lhs.ok() && rhs.ok() && *lhs <= *rhs;
}

void Engine::AmendEntry(const std::string& id, Decimal price) {
  Trade* t = TradeOf(id);
  if (!t || !t->record.entry_client_order_id) return;
  const std::string cid = *t->record.entry_client_order_id;
  t->maker_entry->amend_in_flight = true;
  t->maker_entry->last_amend_ms = clock_.NowMs();
  ++counters_.amends;
  const Decimal was = t->maker_entry->price;
  AmendOrder amend{cid, t->signal.symbol, t->entry_side, t->entry_qty, price};
  amend.qty_now = t->entry_qty;  // the maker entry is only ever moved, never resized
  amend.price_now = was;
  // Handed to a worker first: the log line is not on the way from the book update to the exchange.
  OnWorker<Result<OrderReport>>([amend](Exchange& ex) { return ex.Amend(amend); },
                                [this, id, cid, price](Result<OrderReport> r) { OnEntryAmended(id, cid, price, std::move(r)); });
  Log("amend " + cid + " " + amend.symbol + " " + to_string(amend.side) + " " + amend.qty.ToString() + " @ " +
      price.ToString() + " (was " + was.ToString() + ") reason=book moved");
}

void Engine::OnEntryAmended(const std::string& id, const std::string& cid, Decimal price, Result<OrderReport> r) {
  Trade* t = TradeOf(id);
  if (t && t->record.entry_client_order_id != cid) t = nullptr;  // replaced meanwhile
  if (t && t->maker_entry) t->maker_entry->amend_in_flight = false;
  if (r.ok()) {
    guard_.RecordSuccess(cid);
    RecordOrderReport(*r, "amended to " + price.ToString());
    if (!t || !t->maker_entry) return;
    t->maker_entry->price = r->price;
    // A post-only order amended across the book is cancelled by the venue instead.
    if (r->status != OrderStatus::kNew && r->status != OrderStatus::kPartiallyFilled) AfterOrderChange(cid);
    return;
  }
  const Status& st = r.status();
  if (st.IsNotFound()) {
    ++counters_.ghosts;
    if (!t) return;
    t->ghost = true;
    t->ghost_since = clock_.NowMs();
    RecordUnknownEntry(id, cid, "the amend was answered unknown order (" + st.message() + ")");
    Log("GHOST entry " + cid + ": the amend was answered unknown order (" + st.message() +
        "); one query settles it, no further amend");
    return SettleGhost(id, cid, "the amend was answered unknown order");
  }
  if (st.refusal() == Refusal::kUnchanged) return;  // "No need to modify the order.": it is there already
  Log("amend of " + cid + " failed: " + st.message());
  if (!t) return;
  const bool opened = guard_.RecordFailure(cid);
  if (opened) {
    RaiseAlert(AlertKind::kBreaker, cid, t->signal.symbol,
               "signal " + id + ": " + std::to_string(guard_.limits().breaker_failures) + " amends of entry " + cid +
                   " failed in a row (last: " + st.message() + "); it is left where it is until its time limit");
  }
  if (st.IsUnknownOutcome()) {
    // It may or may not have moved: no amend until one query says what it is.
    t->ghost = true;
    t->ghost_since = clock_.NowMs();
    SettleGhost(id, cid, "the amend's outcome is unknown");
  }
}

void Engine::SettleGhost(const std::string& id, const std::string& cid, const std::string& why) {
  Trade* t = TradeOf(id);
  if (!t) return;
  const std::string symbol = t->signal.symbol;
  auto ask_again = [this, id, cid, why] {
    loop_.After(kRetryReadMs, [this, id, cid, why] {
      Trade* again = TradeOf(id);
      if (again && again->record.entry_client_order_id == cid && again->ghost) SettleGhost(id, cid, why);
    });
  };
  OnWorker<Result<OrderReport>>(
      [symbol, cid](Exchange& ex) { return ex.Query(OrderBook::kRegular, symbol, cid); },
      [this, id, cid, why, ask_again](Result<OrderReport> q) {
        Trade* tr = TradeOf(id);
        if (!tr || tr->record.entry_client_order_id != cid) {
          if (q.ok()) RecordOrderReport(*q, "settled: " + why);
          return;
        }
        // How long reads may lag before what they say is taken as it is: the bound after which an
        // order never seen is taken as never placed.
        const bool reads_may_lag = clock_.NowMs() - tr->ghost_since < settings_.absent_after_ms;
        if (q.ok()) {
          Log("entry " + cid + " is " + to_string(q->status) + " (filled " + q->filled_qty.ToString() + ")");
          const bool working = q->status == OrderStatus::kNew || q->status == OrderStatus::kPartiallyFilled;
          if (working) {
            // The stream may have told its end already: a lagging read saying it rests does not
            // bring it back (chaos seeds 4421, 403583: a filled entry amended and cancelled).
            auto stored = store_.Order(cid);
            if (stored.ok() && *stored && is_terminal((*stored)->state)) {
              Log("entry " + cid + ": the query says " + to_string(q->status) + " but keel already saw it " +
                  to_string((*stored)->state) + ": that stands");
              tr->ghost = false;
              tr->entry_resting = false;
              if ((*stored)->filled_qty.is_positive()) return VerifyEntry(id);
              return;
            }
          }
          if (working && tr->amend_refused && reads_may_lag) {
            // The matching engine said it is not open; a read saying it is lags behind (chaos
            // seeds 784, 844). Asked again, never amended.
            Log("entry " + cid + ": the query says " + to_string(q->status) +
                " after the amend was answered unknown order: the read lags; asking again, no amend");
            return ask_again();
          }
          RecordOrderReport(*q, "settled: " + why);
          if (working) {
            // Still there (the amend's answer was lost, not the order). Amended again only if no
            // amend was ever refused.
            tr->ghost = false;
            tr->entry_resting = true;
            if (tr->maker_entry) tr->maker_entry->price = q->price;
            if (q->status == OrderStatus::kPartiallyFilled && tr->state == TradeState::kEntering) VerifyEntry(id);
            return;
          }
          tr->entry_resting = false;
          // Filled: the fill is verified and protected; ended unfilled: the guard decides.
          if (q->filled_qty.is_positive()) return VerifyEntry(id);
          if (tr->expiring || !tr->maker())
            return EndEntry(id, std::string("entry ") + cid + " " + to_string(q->status) + " without a fill",
                            Provenance{Source::kRest, q->update_time, "entry ended"});
          return ReplaceEntry(id, std::string("the exchange ended the entry ") + to_string(q->status), *q);
        }
        if (q.status().IsNotFound()) {
          if (reads_may_lag) {
            // Binance answers queries for ended orders for days: an order it accepted and cannot
            // find is a read that lags (or one from before the order existed), not proof that
            // nothing of it filled.
            Log("entry " + cid + ": the query does not find it yet; asking again, no amend, no replacement");
            return ask_again();
          }
          // Still unknown long after: nothing of it can fill any more.
          tr->entry_resting = false;
          return ReplaceEntry(id, "the entry is unknown to the exchange", std::nullopt);
        }
        Log("the query of " + cid + " failed (" + q.status().message() + "); asking again, still no amend");
        ask_again();
      });
}

void Engine::RecordUnknownEntry(const std::string& id, const std::string& cid, const std::string& why) {
  Trade* t = TradeOf(id);
  if (!t) return;
  t->amend_refused = true;
  IncidentRecord i;
  i.local_ms = clock_.NowMs();
  i.kind = IncidentKind::kGhostOrder;
  i.symbol = t->signal.symbol;
  i.position_side = t->leg;
  i.client_order_id = cid;
  i.detail = "signal " + id + ": " + why + "; the store holds it open";
  i.action = "never amended or cancelled again; settled by query";
  WriteBatch b(clock_.NowMs());
  b.RecordIncident(i);
  WriteOrLog(b, "recording that the exchange does not know " + cid);
}

// A restart forgets what the matching engine said of the entry; its time limit or a flatten would
// then cancel an order that already ended (chaos seed 721191: killed 9 s after the amend was
// answered unknown order, its fill not readable yet, cancelled again on restore).
bool Engine::RememberUnknownEntry(const std::string& id) {
  Trade* t = TradeOf(id);
  if (!t || !t->record.entry_client_order_id) return false;
  RecordFilter f;
  f.symbol = t->signal.symbol;
  f.since_ms = t->record.received_ms;
  auto incidents = store_.Incidents(f);
  if (!incidents.ok()) {
    Log("store error reading the incidents of " + id + ": " + incidents.status().message());
    return false;
  }
  for (const auto& i : *incidents) {
    if (i.kind != IncidentKind::kGhostOrder || i.client_order_id != t->record.entry_client_order_id) continue;
    t->ghost = true;
    t->amend_refused = true;
    t->ghost_since = i.local_ms;
    Log("signal " + id + ": the exchange answered unknown order for its entry before the restart (" + i.detail +
        "): settled by query, never cancelled");
    return true;
  }
  return false;
}

std::string Engine::EntryObjection(const Trade& t) const {
  if (shutting_down_) return "the daemon is shutting down";
  if (paused_) return "paused by the operator";
  if (t.state != TradeState::kEntering || t.finished || t.close_in_flight) return "the trade is no longer entering";
  if (!t.entry_cancel_asked.empty()) return "its entry was " + t.entry_cancel_asked;
  if (t.expiring || (t.maker_entry && t.maker_entry->deadline_ms && clock_.NowMs() >= t.maker_entry->deadline_ms))
    return "signal " + t.record.id + " passed its time limit";
  return "";
}

void Engine::ReplaceEntry(const std::string& id, const std::string& why, std::optional<OrderReport> queried) {
  Trade* t = TradeOf(id);
  if (!t || t->replace_in_flight || !t->record.entry_client_order_id) return;
  if (t->maker_entry && !t->maker_entry->follows_book) {
    // A limit entry is the bot's price: the venue ending it (a post-only that would have taken, a
    // price band) ends the signal; another at the same price would meet the same answer.
    t->entry_resting = false;
    if (t->state != TradeState::kEntering) return;  // partly filled: the part is the trade
    const std::string cid = *t->record.entry_client_order_id;
    if (auto rec = store_.Order(cid); rec.ok() && *rec && (*rec)->time_in_force == TimeInForce::kGtd &&
                                       (*rec)->state == OrderState::kExpired) {
      // Its own expiry on the exchange (GTD), found after a restart: the signal's time limit.
      CancelEntryTimeLimit(*t);
      return EndEntry(id, "entry " + cid + " Expired at its time limit (GTD on the exchange) without a fill",
                      Provenance{Source::kEngine, std::nullopt, "entry ended"});
    }
    RaiseAlert(AlertKind::kEntryFailed, id, t->signal.symbol, "signal " + id + ": limit entry " + cid + ": " + why);
    return EndEntry(id, "limit entry " + *t->record.entry_client_order_id + ": " + why + " (not replaced)",
                    Provenance{Source::kEngine, std::nullopt, "limit entry ended"});
  }
  t->entry_resting = false;
  const std::string cid = *t->record.entry_client_order_id;
  const TimeMs now = clock_.NowMs();
  auto pre = guard_.Precheck(id, EntryObjection(*t), now);
  if (!pre.allowed) {
    if (*pre.block == GuardBlock::kCooldown) {
      Log("replacement of " + cid + " deferred: " + pre.detail);
      loop_.After(pre.retry_at - now, [this, id, why, queried] { ReplaceEntry(id, why, queried); });
      return;
    }
    return RefuseReplacement(id, why, pre);
  }
  t->replace_in_flight = true;
  Log("entry " + cid + ": " + why + "; the guard reads the exchange before a replacement");
  const std::string symbol = t->signal.symbol;
  const PositionSide leg = t->leg;
  const Side side = t->entry_side;
  OnWorker<Result<ReplacementFacts>>(
      [id, cid, symbol, leg, side, queried](Exchange& ex) -> Result<ReplacementFacts> {
        ReplacementFacts f;
        f.signal_id = id;
        f.order_id = cid;
        // A terminal state read a moment ago is final; anything else is asked now.
        auto account = ReadReplacementFacts(ex, symbol, leg, queried, f);
        if (!account.ok()) return account.status();
        for (const auto& o : account->open_orders)
          if (o.book == OrderBook::kRegular && o.symbol == symbol && o.position_side == leg && o.side == side &&
              !o.reduce_only && !o.close_position && o.client_order_id != cid)
            ++f.duplicates_working;
        return f;
      },
      [this, id, why](Result<ReplacementFacts> f) { OnReplacementFacts(id, why, std::move(f)); });
}

void Engine::OnReplacementFacts(const std::string& id, const std::string& why, Result<ReplacementFacts> f) {
  Trade* t = TradeOf(id);
  if (!t) return;
  t->replace_in_flight = false;
  if (!f.ok()) {
    Log("replacement of signal " + id + " waits: " + f.status().message());
    loop_.After(kRetryReadMs, [this, id, why] { ReplaceEntry(id, why, std::nullopt); });
    return;
  }
  if (f->original) RecordOrderReport(*f->original, "read by the replacement guard");
  f->engine_objection = EntryObjection(*t);
  const TimeMs now = clock_.NowMs();
  const GuardDecision d = guard_.Check(*f, now);
  if (d.allowed) {
    guard_.RecordAttempt(id, now);
    ++counters_.replacements;
    const std::string old = f->order_id;
    const std::string attempt =
        std::to_string(guard_.attempts(id)) + "/" + std::to_string(guard_.limits().max_attempts);
    WriteBatch b(now);
    auto entry = SendEntry(*t, "replacement " + attempt + " of " + old, b);
    if (!entry.ok())
      return EndEntry(id, "the replacement of " + old + " could not be recorded: " + entry.status().message(),
                      Provenance{Source::kEngine, std::nullopt, "replacement failed"});
    Log("REPLACED entry " + old + " by " + entry->client_order_id + " @ " + entry->price->ToString() + " attempt " +
        attempt + ": " + why + " (guard: " + d.detail + ")");
    if (t->maker_entry && t->maker_entry->deadline_timer == 0 && t->maker_entry->deadline_ms)
      t->maker_entry->deadline_timer = loop_.After(t->maker_entry->deadline_ms - now, [this, id] { EntryTimeLimit(id); });
    return SubmitEntry(id, *entry);
  }
  switch (*d.block) {
    case GuardBlock::kCooldown:
      Log("replacement of " + f->order_id + " deferred: " + d.detail);
      loop_.After(d.retry_at - now, [this, id, why, original = f->original] { ReplaceEntry(id, why, original); });
      return;
    case GuardBlock::kOriginalWorking:
      // The exchange still has it: the stream (or the amend's answer) was wrong, the order rests on.
      Log("REPLACEMENT_BLOCKED " + f->order_id + " reason=" + to_string(*d.block) + ": " + d.detail);
      t->entry_resting = true;
      t->ghost = false;
      if (t->maker_entry) t->maker_entry->price = f->original->price;
      return;
    case GuardBlock::kOriginalFilled:
      // It filled after all: that fill is the position, verified and protected; no second entry.
      Log("REPLACEMENT_BLOCKED " + f->order_id + " reason=" + to_string(*d.block) + ": " + d.detail);
      return VerifyEntry(id);
    default:
      return RefuseReplacement(id, why, d);
  }
}

void Engine::RefuseReplacement(const std::string& id, const std::string& why, const GuardDecision& d) {
  Trade* t = TradeOf(id);
  if (!t) return;
  const std::string cid = t->record.entry_client_order_id.value_or("");
  Log("REPLACEMENT_BLOCKED " + cid + " reason=" + to_string(*d.block) + ": " + d.detail);
  if (*d.block != GuardBlock::kSignalInvalid)
    RaiseAlert(AlertKind::kEntryFailed, id, t->signal.symbol,
               "signal " + id + ": entry " + cid + " ended (" + why + ") and was not replaced: " + to_string(*d.block) +
                   ", " + d.detail);
  EndEntry(id, "entry " + cid + ": " + why + "; not replaced (" + to_string(*d.block) + ": " + d.detail + ")",
           Provenance{Source::kEngine, std::nullopt, "replacement blocked"});
}

void Engine::CancelEntryTimeLimit(Trade& t) {
  if (!t.maker_entry || !t.maker_entry->deadline_timer) return;
  loop_.CancelTimer(t.maker_entry->deadline_timer);
  t.maker_entry->deadline_timer = 0;
}

void Engine::EntryTimeLimit(const std::string& id) {
  Trade* t = TradeOf(id);
  if (!t || !t->maker_entry) return;
  t->maker_entry->deadline_timer = 0;
  CancelRestingEntry(id, "at its time limit");
}

void Engine::CancelRestingEntry(const std::string& id, const std::string& why) {
  Trade* t = TradeOf(id);
  if (!t || !t->maker_entry) return;
  t->entry_cancel_asked = why;  // a restart's entry found resting later is cancelled then (VerifyEntry)
  if (!t->entry_resting || t->expiring) return;  // filled, or ended and on its way to a replacement the guard will refuse
  if (t->ghost || t->close_in_flight || t->maker_entry->amend_in_flight) {
    // Its state is being settled by queries, or a flatten is cancelling and settling it (chaos seed
    // 502936), or an amend on its way answers for it first (as for a flatten, 958546): a cancel
    // now could touch an order that already ended.
    CancelEntryTimeLimit(*t);
    t->maker_entry->deadline_timer = loop_.After(kRetryReadMs, [this, id, why] { CancelRestingEntry(id, why); });
    return;
  }
  const std::string cid = *t->record.entry_client_order_id;
  if (auto stored = store_.Order(cid); stored.ok() && *stored && is_terminal((*stored)->state)) {
    // The stream already told its end (a fill): nothing to cancel (chaos seed 400385).
    t->entry_resting = false;
    return;
  }
  CancelEntryTimeLimit(*t);
  t->expiring = true;
  t->entry_cancel_reason = why;
  Log("signal " + id + ": entry " + cid + " cancelled: " + why);
  CancelOrder(OrderBook::kRegular, t->signal.symbol, cid, why);
}

}  // namespace keel
