// Operator commands (flatten, pause, resume, status) and the trades restored at start-up.
#include <sstream>

#include "engine_trade.h"
#include "keel/safety/entries_before_close.h"
#include "keel/model/json_writer.h"
#include "keel/ops/exit_code.h"
#include "keel/safety/safe_close.h"
#include "keel/safety/settle.h"
#include "keel/store/record_json.h"

namespace keel {

void Engine::Flatten(std::optional<std::string> symbol, ReplyFn reply, std::optional<PositionSide> leg) {
  if (!ready_) return reply(ReplyOf(3, "refused", "", "the daemon is starting"));
  if (symbol && !instruments_.count(*symbol))
    return reply(ReplyOf(2, "refused", "", "symbol: " + *symbol + " is not a perpetual the exchange lists for trading"));
  if (leg && !symbol) return reply(ReplyOf(2, "refused", "", "position_side: a leg is closed on one symbol: name it"));
  if (leg && *leg == PositionSide::kBoth) leg.reset();
  if (leg && !hedge_mode_)
    return reply(ReplyOf(2, "refused", "", "position_side: the account is in one-way mode: close the symbol"));
  if (symbol) return FlattenLegs(symbol, leg, {}, std::move(reply));
  // "Close every position" means every one the exchange holds, not only those the store knows.
  OnWorker<Result<std::vector<PositionReport>>>(
      [](Exchange& ex) { return ex.Positions(); },
      [this, reply](Result<std::vector<PositionReport>> positions) {
        if (!positions.ok()) {
          return reply(ReplyOf(ops::exit_code_for(positions.status()), "error", "",
                               "reading the exchange's positions: " + positions.status().message()));
        }
        FlattenLegs(std::nullopt, std::nullopt, *positions, reply);
      });
}

namespace {
// How often a flatten looks again for the answer of an amend on its way (it comes within one
// request's time).
constexpr TimeMs kAmendAnswerPollMs = 50;
}  // namespace

void Engine::FlattenLegs(std::optional<std::string> symbol, std::optional<PositionSide> only_leg,
                         const std::vector<PositionReport>& on_exchange, ReplyFn reply) {
  // Whether a symbol's leg is one this flatten closes.
  auto in_scope = [&](const std::string& sym, PositionSide side) {
    return (!symbol || sym == *symbol) && (!only_leg || side == *only_leg);
  };
  // An amend on its way answers for its entry first: a cancel sent beside it reaches the order a
  // second time if the amend finds it ended (chaos seed 958546: the amend reached a filled entry,
  // answered -2013 only after the flatten's cancel had gone out, -2011). The flatten waits for that
  // answer; no new amend goes out meanwhile.
  bool amending = false;
  for (auto& [id, t] : trades_) {
    if (!in_scope(t->signal.symbol, t->leg)) continue;
    if (t->finished) continue;
    if (t->entry_resting) t->close_in_flight = true;
    amending |= t->maker_entry && t->maker_entry->amend_in_flight;
  }
  if (amending) {
    loop_.After(kAmendAnswerPollMs,
                [this, symbol, only_leg, on_exchange, reply] { FlattenLegs(symbol, only_leg, on_exchange, reply); });
    return;
  }
  PositionFilter open;
  open.state = PositionState::kOpen;
  if (symbol) open.symbol = symbol;
  auto positions = store_.Positions(open);
  if (!positions.ok()) return reply(ReplyOf(2, "error", "", positions.status().message()));
  // The store's positions, and a read of the exchange for the named symbol (the store may not know
  // one), are closed one leg at a time by SafeClose: side from the exchange, verified flat.
  // Entries still resting are cancelled first, on the same worker, before the position is read:
  // one that fills between the read and a later cancel would open a position nobody owns (chaos
  // seed 916).
  struct Leg {
    std::string symbol;
    std::optional<PositionSide> side;
    std::vector<std::string> entries;  // resting entries of the symbol, cancelled before the close
    // Entries only settled by client id before the close, never cancelled: those the matching
    // engine already answered "unknown order" (ended: seed 000), and those an earlier flatten is
    // cancelling now (a second cancel would reach an order that ended: chaos seed 727426).
    std::set<std::string> settle_only;
  };
  std::vector<Leg> legs;
  auto add_leg = [&](const std::string& sym, PositionSide side) -> Leg& {
    const std::optional<PositionSide> leg_side = hedge_mode_ ? std::optional<PositionSide>(side) : std::nullopt;
    for (auto& l : legs)
      if (l.symbol == sym && l.side == leg_side) return l;
    legs.push_back({sym, leg_side, {}, {}});
    return legs.back();
  };
  for (const auto& p : *positions)
    if (in_scope(p.symbol, p.position_side)) add_leg(p.symbol, p.position_side);
  for (const auto& p : on_exchange)
    if (!p.amount.is_zero() && in_scope(p.symbol, p.position_side)) add_leg(p.symbol, p.position_side);
  for (auto& [id, t] : trades_) {
    if (!in_scope(t->signal.symbol, t->leg)) continue;
    if (t->finished || !t->record.entry_client_order_id) continue;
    // A resting entry, or one still on its way (its answer not in, or its outcome unknown): either
    // may fill after the position is read, so it is settled first (issue [1/6] case 4).
    if (!t->entry_resting && t->state != TradeState::kEntering) continue;
    const Trade& trade = *t;  // a structured binding cannot be captured in C++17
    auto leg = std::find_if(legs.begin(), legs.end(), [&trade](const Leg& l) {
      return l.symbol == trade.signal.symbol && (!l.side || *l.side == trade.leg);
    });
    if (leg == legs.end()) {
      legs.push_back({t->signal.symbol, hedge_mode_ ? std::optional<PositionSide>(t->leg) : std::nullopt, {}, {}});
      leg = legs.end() - 1;
    }
    leg->entries.push_back(*t->record.entry_client_order_id);
    // The time limit's cancel on its way answers for the entry as well (chaos seed 884418).
    if (t->amend_refused || t->expiring || entries_being_cancelled_.count(*t->record.entry_client_order_id) ||
        answered_unknown_order_.count(*t->record.entry_client_order_id))
      leg->settle_only.insert(*t->record.entry_client_order_id);
  }
  // Adds resting (or on their way) are entries of their leg too: cancelled by the flatten's own
  // job before the position is read; one keel is cancelling already is only settled.
  for (auto& [id, t] : trades_) {
    if (!in_scope(t->signal.symbol, t->leg) || t->adds.empty()) continue;
    Leg& leg = add_leg(t->signal.symbol, t->leg);
    for (auto& a : t->adds) {
      leg.entries.push_back(a.client_order_id);
      // Its own cancel on its way (CancelOrder sends a failed one again) answers for it; a
      // flatten's earlier cancel that failed does not: this one sends it again.
      // One the matching engine answered "unknown order" is settled by query, never cancelled
      // again (chaos seed 1190437: a close's job had been answered so, then a flatten cancelled).
      if ((a.cancel_sent && !a.cancel_in_close_job) || entries_being_cancelled_.count(a.client_order_id) ||
          answered_unknown_order_.count(a.client_order_id))
        leg.settle_only.insert(a.client_order_id);
      if (a.cancel_reason.empty()) a.cancel_reason = "cancelled by a flatten";
      if (!a.cancel_sent) a.cancel_in_close_job = true;
      a.cancel_sent = true;
    }
  }
  if (symbol && legs.empty()) legs.push_back({*symbol, only_leg, {}, {}});
  if (legs.empty()) return reply(ReplyOf(0, "flat", "", "no open position on the exchange or in the store, no entry on its way"));
  for (auto& [id, t] : trades_) {
    if (!in_scope(t->signal.symbol, t->leg)) continue;
    if (!t->finished && !is_closing(t->state)) Advance(*t, TradeState::kClosing, "flatten by the operator");
    t->close_in_flight = true;
  }
  auto results = std::make_shared<std::vector<std::string>>();
  auto worst = std::make_shared<int>(0);
  auto left = std::make_shared<int>(static_cast<int>(legs.size()));
  struct Closed {
    // The resting entries as their cancel (or query) left them; those the matching engine
    // answered "unknown order" are not open there, whatever a lagging read says: never cancelled
    // or amended again (seed 000).
    EntriesEnded entries;
    Result<SafeCloseResult> close = Status::Internal("not run");
    EntriesEnded limit_exits;  // the legs' limit take-profits, ended before the close
  };
  for (const auto& leg : legs) {
    ++flattening_[FlatteningKey(leg.symbol, only_leg)];  // what the answer will speak for
    const SafeCloseOptions o = CloseOptions(leg.symbol, leg.side, "flatten");
    Log("flatten " + leg.symbol + (leg.side ? std::string("/") + to_string(*leg.side) : std::string()) + " reason=operator" +
        (leg.entries.empty() ? std::string() : ", " + std::to_string(leg.entries.size()) + " resting entry(ies) cancelled first"));
    const SettleOptions settle{settings_.settle_attempts, settings_.settle_interval_ms, settings_.sleep};
    std::vector<std::string> cancelling;
    for (const auto& cid : leg.entries)
      if (!leg.settle_only.count(cid) && entries_being_cancelled_.insert(cid).second) cancelling.push_back(cid);
    const std::vector<std::string> limit_exits = RestingLimitExits(leg.symbol, leg.side);
    // One another close's job is ending already is only settled (chaos seed 1118146: two flips'
    // flattens of one symbol each cancelled its take-profit).
    std::set<std::string> exits_settle_only;
    for (const auto& cid : limit_exits) {
      if (entries_being_cancelled_.insert(cid).second) cancelling.push_back(cid);
      else exits_settle_only.insert(cid);
    }
    OnWorker<std::shared_ptr<Closed>>(
        [this, o, leg, settle, limit_exits, exits_settle_only](Exchange& ex) {
          auto c = std::make_shared<Closed>();
          // An entry that may still rest makes the flatten "not verified"; keel keeps at it.
          c->entries = EndEntriesBeforeClose(ex, leg.symbol, leg.entries, leg.settle_only, settle);
          c->limit_exits = EndEntriesBeforeClose(ex, leg.symbol, limit_exits, exits_settle_only, settle);
          c->close = SafeClose(ex, &worker_store_, o);
          return c;
        },
        [this, leg, only_leg, results, worst, left, reply, cancelling](std::shared_ptr<Closed> c) {
          for (const auto& cid : cancelling) entries_being_cancelled_.erase(cid);
          for (const auto& e : c->entries.ended) {
            RecordOrderReport(e, "cancelled before the flatten");
            for (auto& [tid, t] : trades_)
              if (t->record.entry_client_order_id == e.client_order_id) t->entry_resting = false;
          }
          RememberUnknownToExchange(c->entries);
          ResumeAddCancels(leg.symbol, leg.side);
          RecordLimitExitsEnded(c->limit_exits, "cancelled before the flatten");
          for (const auto& cid : c->entries.unknown_to_exchange) {
            for (auto& [tid, t] : trades_) {
              if (t->record.entry_client_order_id != cid) continue;
              // Its time limit or a later flatten would touch it again (chaos seed 502936).
              t->entry_resting = false;
              RecordUnknownEntry(tid, cid, "the flatten's cancel was answered unknown order");
            }
          }
          for (const auto& p : c->entries.problems) Log("flatten " + leg.symbol + ": " + p);
          const Result<SafeCloseResult>& r = c->close;
          std::string line = leg.symbol + ": ";
          int code = 0;
          if (!r.ok()) {
            code = ops::exit_code_for(r.status());
            line += r.status().message();
          } else if (r->verified_flat) {
            line += r->was_flat ? "already flat (proven by a read newer than the last fill)"
                                : "closed " + r->closed_amount.ToString() + ", verified flat";
          } else {
            // A read that said flat, or a close whose fill no newer read confirms, proves nothing.
            code = 4;
            line += "not verified: " + r->not_verified_reason;
          }
          if (!c->entries.problems.empty()) {
            // An entry that may still rest can still open a position: not a verified flatten.
            code = std::max(code, 4);
            line += "; an entry may still rest (" + c->entries.problems.front() + ")";
          }
          Log("flatten " + line);
          if (auto f = flattening_.find(FlatteningKey(leg.symbol, only_leg)); f != flattening_.end() && --f->second <= 0)
            flattening_.erase(f);
          results->push_back(line);
          *worst = std::max(*worst, code);
          std::vector<std::string> keep_closing;
          bool owned = false;  // a trade answers for the leg (it keeps closing it itself)
          for (auto& [tid, t] : trades_) {
            if (t->signal.symbol != leg.symbol || (leg.side && t->leg != *leg.side)) continue;
            t->close_in_flight = false;
            owned |= !t->finished;
            // Not proven flat: the operator asked for flat, so keel keeps at it (CloseUntilFlat)
            // rather than leave the trade "closing" with nothing working on it.
            if (code == 4 && !t->finished && t->closing_because.empty()) {
              t->closing_because = "flatten by the operator, not verified";
              keep_closing.push_back(tid);
            }
          }
          const std::string retry_key = leg.symbol + (only_leg ? "/" + std::string(to_string(*only_leg)) : "");
          if (code == 4 && !owned) RetryFlatten(leg.symbol, only_leg, line);
          else flatten_retries_.erase(retry_key);
          for (const auto& tid : keep_closing) CloseUntilFlat(tid, 0);
          AfterPositionChange(leg.symbol, leg.side.value_or(PositionSide::kBoth));
          if (--*left > 0) return;
          std::string detail;
          for (const auto& l : *results) detail += (detail.empty() ? "" : "; ") + l;
          reply(ReplyOf(*worst, *worst == 0 ? "flat" : "not-verified", "", detail, [&](JsonWriter& w) {
            w.Key("legs").StartArray();
            for (const auto& l : *results) w.String(l);
            w.EndArray();
          }));
        },
        JobPriority::kClose);
  }
}

std::string Engine::FlatteningKey(const std::string& symbol, std::optional<PositionSide> leg) {
  return leg ? symbol + "/" + to_string(*leg) : symbol;
}

void Engine::RetryFlatten(const std::string& symbol, std::optional<PositionSide> leg, const std::string& why) {
  // A leg no trade owns (an orphan, an outside position) is flattened again, with a back-off and a
  // bound: the answer already said "not verified", this is keel keeping at it.
  const std::string key = symbol + (leg ? "/" + std::string(to_string(*leg)) : "");
  const int attempt = ++flatten_retries_[key];
  if (attempt > kMaxFlattenRetries) {
    flatten_retries_.erase(key);
    const std::string by_hand = "keel-close-position " + symbol +
                                (leg ? " --position-side " + std::string(to_string(*leg)) : std::string());
    RaiseAlert(AlertKind::kUnknownOutcome, "flatten/" + key, symbol,
               "flatten of " + key + " still not verified after " + std::to_string(kMaxFlattenRetries) +
                   " more attempts: " + why + " (" + by_hand + ")");
    return;
  }
  const TimeMs wait = std::min<TimeMs>(60'000, 1000LL << std::min(attempt, 6));
  Log("flatten " + symbol + " not verified: again in " + std::to_string(wait) + " ms (attempt " +
      std::to_string(attempt + 1) + ")");
  loop_.After(wait, [this, symbol, leg, key] {
    if (shutting_down_) return;
    Flatten(symbol, [this, key](EngineReply r) { Log("flatten " + key + " (again): " + r.json); }, leg);
  });
}

// ---- start-up: trades that were under way ----

void Engine::RestoreTrades() {
  RememberUnknownOrders();
  SignalFilter f;
  f.unfinished_only = true;
  auto signals = store_.Signals(f);
  if (!signals.ok()) {
    Log("store error reading unfinished signals: " + signals.status().message());
    return;
  }
  std::vector<std::string> resume_closing;
  for (const auto& r : *signals) {
    if (r.action != "open") continue;
    auto s = ParseSignal(r.payload, /*stored=*/true);
    if (!s.ok()) {
      // Not restored: say so loudly, it is a trade keel no longer looks after.
      LogWarning("signal " + r.id + ": stored payload unreadable: " + s.status().message());
      continue;
    }
    auto t = std::make_unique<Trade>();
    t->record = r;
    t->signal = *s;
    if (s->entry != EntryKind::kMarket) {
      t->maker_entry.emplace();
      t->maker_entry->follows_book = s->entry == EntryKind::kMaker;
    }
    t->leg = r.position_side.value_or(LegFor(s->direction));
    auto held = OpenPositionOf(store_, r.symbol, t->leg);
    if (held.ok() && *held) t->entry_price = (*held)->entry_price;
    // Protected once the position names the stop: the signal names it before it is sent, so a
    // stop whose placement a restart cut short is settled again (ResumeProtecting).
    const bool confirmed =
        r.stop_client_order_id && held.ok() && *held && (*held)->stop_client_order_id == r.stop_client_order_id;
    auto restored = RestoredTradeState(r.state, confirmed);
    if (!restored.ok()) {
      LogWarning("signal " + r.id + ": " + restored.status().message());
      continue;
    }
    t->state = *restored;
    if (is_closing(t->state)) {
      // A rollback or close that a restart cut short (or that was never proven flat) is resumed:
      // left alone it would hold the symbol and leave the position to the generic repair stop.
      t->rollback = r.detail.rfind("rolling back", 0) == 0 || r.detail.rfind("rollback", 0) == 0;
      t->closing_because = "resumed after a restart: " + r.detail;
    }
    t->take_profit_done = !s->take_profit || r.take_profit_client_order_id.has_value();
    t->entry_side = s->direction == PositionSide::kLong ? Side::kBuy : Side::kSell;
    if (r.entry_client_order_id) {
      if (auto entry = store_.Order(*r.entry_client_order_id); entry.ok() && *entry) t->entry_qty = (*entry)->qty;
    }
    if (t->maker() && r.state == SignalState::kEntering && (s->ttl_s || s->entry == EntryKind::kMaker)) {
      // The time limit counts from when the signal was taken, not from the restart.
      t->maker_entry->deadline_ms = r.received_ms + 1000 * static_cast<TimeMs>(s->ttl_s.value_or(settings_.daemon.signal_ttl_s));
      TimeMs left = std::max<TimeMs>(0, t->maker_entry->deadline_ms - clock_.NowMs());
      // Its own expiry on the exchange (GTD) comes first; keel's just after (OpenTrade).
      if (auto entry = r.entry_client_order_id ? store_.Order(*r.entry_client_order_id)
                                               : Result<std::optional<OrderRecord>>(std::nullopt);
          entry.ok() && *entry && (*entry)->time_in_force == TimeInForce::kGtd)
        left += kAfterGoodTillDateMs;
      const std::string tid = r.id;
      t->maker_entry->deadline_timer = loop_.After(left, [this, tid] { EntryTimeLimit(tid); });
      // The re-price limit counts from where the signal's first entry rested, not from where the
      // restart finds it (seed 003: a pending order chased a runaway market).
      RecordFilter of_symbol;
      of_symbol.symbol = r.symbol;
      if (auto intents = store_.Intents(of_symbol); intents.ok()) {
        for (const auto& i : *intents) {  // oldest first
          if (i.purpose != OrderPurpose::kEntry || i.reason != "signal " + r.id || !i.price) continue;
          t->maker_entry->first_price = *i.price;
          break;
        }
      } else {
        LogWarning("signal " + r.id + ": its entries' intents could not be read (" + intents.status().message() +
                   "): the re-price limit counts from the entry as it rests now");
      }
    }
    Log("restored signal " + r.id + " (" + to_string(r.state) + ")");
    const std::string id = r.id;
    const SignalState state = r.state;
    const PositionSide leg = t->leg;
    const bool protecting = t->state == TradeState::kProtecting;
    const bool closing = !t->closing_because.empty();
    // Its position closed while keel was down (its stop or take-profit fired, and start-up's
    // reconcile proved the leg flat): the trade is over, not a flat leg to protect.
    const bool closed_while_down =
        held.ok() && !*held && !closing && t->state != TradeState::kEntering && !is_final(t->state);
    // The leg's other open stops in the store are spares: sent again while an earlier one's
    // outcome was unknown (OnExitPlaced), or a guard stop of an unverified entry. Whichever stop
    // is confirmed protects the position, and the spares are cancelled then.
    OrderFilter open_on_symbol;
    open_on_symbol.symbol = r.symbol;
    open_on_symbol.open_only = true;
    std::vector<std::string> other_take_profits;
    if (auto open = store_.Orders(open_on_symbol); open.ok()) {
      for (const auto& o : *open) {
        if (o.position_side != t->leg) continue;
        if (o.purpose == OrderPurpose::kStop && o.client_order_id != r.stop_client_order_id)
          t->spare_stops.push_back(o.client_order_id);
        // A take-profit other than the trade's: the old one of a move a restart cut short.
        if (o.purpose == OrderPurpose::kTakeProfit && o.client_order_id != r.take_profit_client_order_id)
          other_take_profits.push_back(o.client_order_id);
      }
    } else {
      Log("store error reading the stops of " + r.id + ": " + open.status().message());
    }
    if (t->state == TradeState::kEntering && !t->spare_stops.empty()) t->guard_stop = t->spare_stops.front();
    if (held.ok() && *held) RestoreExitMove(*t, **held, *signals);
    const bool protected_with_spares = t->state == TradeState::kProtected && !t->spare_stops.empty();
    trades_[id] = std::move(t);
    if (!other_take_profits.empty()) ResumeTakeProfitMove(id, other_take_profits);
    if (state == SignalState::kEntering && RememberUnknownEntry(id))
      SettleGhost(id, *r.entry_client_order_id, "the exchange answered unknown order before the restart");
    else if (state == SignalState::kEntering) {
      // Its entry may have filled while keel was down, and proving it can take seconds of lagging
      // reads (chaos seed 745781: 4.5 s bare after the restart): the guard goes out now.
      VerifyEntry(id);
      PlaceGuardStop(id, "restored before its entry was verified");
    }
    else if (closed_while_down) AfterPositionChange(r.symbol, leg);
    else if (protecting) ResumeProtecting(id);
    else if (closing) resume_closing.push_back(id);  // once its adds are back (RestoreAdds)
    else if (protected_with_spares) CancelSpareStops(id, "a second stop of the same position");
    // A fill that moved the average while keel was down (or before its re-price was sent).
    if (Trade* back = TradeOf(id); back && back->state == TradeState::kProtected) {
      if (auto pos = OpenPositionOf(store_, r.symbol, back->leg); pos.ok() && *pos) RepriceExits(*back, **pos);
    }
    // Its take-profit ended while keel was down and was not placed again (keel-close-position by
    // hand could not): placed now, for the position as it is.
    if (Trade* back = TradeOf(id); back && back->state == TradeState::kProtected && !back->exit_move && TakeProfitDue(*back)) {
      Log("signal " + id + ": restored protected without its take-profit: placing it");
      PlaceExit(id, OrderPurpose::kTakeProfit);
    }
  }
  // Adds back on their trades (before cancels are resumed: a cancel covers them too).
  RestoreAdds(*signals);
  // A close a restart cut short ends the trade's adds in its own job before its read.
  for (const auto& id : resume_closing) CloseUntilFlat(id, 0);
  RestoreFlips(*signals);
  RestoreTrails(*signals);
  // A move signal a restart cut short whose trade is not resuming it: its new order was confirmed
  // or never written, and which one is the trade's record to tell (its stop and take-profit ids);
  // the move itself is not claimed done.
  for (const auto& r : *signals) {
    if (r.action == "cancel") {
      // A cancel a restart cut short (or not yet seen through): asked again of its entries, which
      // are cancelled once their restored state shows them resting.
      std::vector<std::string> ids;
      for (const auto& [tid, t] : trades_) {
        if (t->signal.symbol != r.symbol || (r.position_side && t->leg != *r.position_side)) continue;
        if (!t->maker() || is_closing(t->state) || is_final(t->state)) continue;
        if (t->record.received_ms > r.received_ms) continue;  // taken after the cancel: not its business
        if (auto entry = t->record.entry_client_order_id ? store_.Order(*t->record.entry_client_order_id)
                                                         : Result<std::optional<OrderRecord>>(std::nullopt);
            entry.ok() && *entry && is_terminal((**entry).state))
          continue;
        ids.push_back(tid);
        // A trade protected from its entry's first fill whose entry still rests: nothing verifies
        // it again after a restart, the store's record says it rests.
        if (t->state != TradeState::kEntering) t->entry_resting = true;
        CancelRestingEntry(tid, "cancelled by signal " + r.id);
      }
      for (auto& [tid, t] : trades_) {
        if (t->signal.symbol != r.symbol || (r.position_side && t->leg != *r.position_side)) continue;
        std::vector<std::string> adds;
        for (const auto& a : t->adds)
          if (a.record.received_ms <= r.received_ms) adds.push_back(a.record.id);
        for (const auto& aid : adds) {
          ids.push_back(aid);
          CancelAdd(*t, aid, "cancelled by signal " + r.id);
        }
      }
      LogWarning("cancel signal " + r.id + ": resumed after a restart (" + std::to_string(ids.size()) + " entry(ies))");
      AwaitEntriesEnded(r.id, std::move(ids), clock_.NowMs() + 30'000, nullptr);
      continue;
    }
    if (r.action != "move") continue;
    bool resumed = false;
    for (const auto& [tid, t] : trades_) resumed = resumed || (t->exit_move && t->exit_move->signal_id == r.id);
    if (resumed) continue;
    SignalRecord ended = r;
    ended.state = SignalState::kFailed;
    ended.detail = "a restart cut the move short before it was confirmed: the trade's exits are as its signal shows (" +
                   r.detail + ")";
    ended.updated_ms = clock_.NowMs();
    WriteBatch b(clock_.NowMs());
    b.PutSignal(ended, Provenance{Source::kEngine, std::nullopt, "move cut short by a restart"});
    WriteOrLog(b, "ending move signal " + r.id);
    LogWarning("move signal " + r.id + ": " + ended.detail);
  }
}

void Engine::ResumeTakeProfitMove(const std::string& id, const std::vector<std::string>& older) {
  Trade* t = TradeOf(id);
  if (!t || older.empty()) return;
  const std::string symbol = t->signal.symbol;
  // Which one is the trade's: the newest once it is known working (the move went through: the older
  // ones go), else the old one, back at its own level (the move did not happen).
  auto settled = [this, id, symbol, older](std::optional<OrderReport> newest) {
    Trade* tr = TradeOf(id);
    if (!tr) return;
    const bool working = newest && (newest->status == OrderStatus::kNew || newest->status == OrderStatus::kPartiallyFilled);
    if (working) {
      for (const auto& cid : older) CancelExit(symbol, cid, "the take-profit moved before the restart");
      Log("signal " + id + ": the take-profit moved before the restart: " + *tr->record.take_profit_client_order_id +
          " works; the older one(s) cancelled");
      return;
    }
    const std::string old = older.front();
    tr->record.take_profit_client_order_id = old;
    tr->take_profit_done = true;
    if (auto trigger = TriggerOf(old)) {
      PriceLevel at = tr->signal.take_profit.value_or(PriceLevel{});  // its kind (a limit one) stays
      at.pct.reset();
      at.price = *trigger;
      tr->signal.take_profit = at;
      tr->record.payload = SignalJson(tr->signal);
    }
    SaveSignal(*tr, "the take-profit move a restart cut short did not take: " + old + " stays",
               Provenance{Source::kEngine, std::nullopt, "take-profit move not resumed"});
    for (std::size_t i = 1; i < older.size(); ++i)
      CancelExit(symbol, older[i], "a take-profit beside the trade's");
  };
  if (!t->record.take_profit_client_order_id) return settled(std::nullopt);
  auto rec = store_.Order(*t->record.take_profit_client_order_id);
  if (rec.ok() && *rec && is_confirmed_working((*rec)->state)) {
    OrderReport known;
    known.status = OrderStatus::kNew;
    return settled(known);
  }
  SettleExitOrder(symbol, *t->record.take_profit_client_order_id,
                    [this, settled](Result<OrderReport> r) {
                      if (r.ok()) RecordOrderReport(*r, "settled after a restart");
                      settled(r.ok() ? std::optional<OrderReport>(*r) : std::nullopt);
                    },
                    JobPriority::kNormal);
}

void Engine::ResumeProtecting(const std::string& id) {
  Trade* t = TradeOf(id);
  if (!t) return;
  const std::string symbol = t->signal.symbol;
  if (!t->record.stop_client_order_id) {
    Log("signal " + id + ": restored without a stop: placing one");
    return PlaceExit(id, OrderPurpose::kStop);
  }
  const std::string cid = *t->record.stop_client_order_id;
  if (auto held = OpenPositionOf(store_, symbol, t->leg); held.ok() && *held) {
    // Its outcome is unknown as any lost answer's is; settling it first takes the settle's whole
    // series of queries while the position may be bare (chaos seed 728019: 4 s after the
    // restart). As in OnExitPlaced, another stop goes out now and this one is settled meanwhile.
    ++t->stop_resends;
    Log("signal " + id + ": the stop " + cid + " was being placed when keel stopped: another goes out now, " + cid +
        " is settled meanwhile");
    PlaceExit(id, OrderPurpose::kStop);
    return SettleDuplicateStop(id, cid);
  }
  Log("signal " + id + ": the stop " + cid + " was being placed when keel stopped: settling it");
  repairing_.insert(symbol + "/" + to_string(t->leg));
  SettleExitOrder(
      symbol, cid,
      [this, id, cid](Result<OrderReport> r) {
        Trade* tr = TradeOf(id);
        if (!tr) return;
        repairing_.erase(tr->signal.symbol + "/" + to_string(tr->leg));
        if (r.ok() && (r->status == OrderStatus::kNew || r->status == OrderStatus::kPartiallyFilled))
          return OnExitPlaced(id, OrderPurpose::kStop, cid, std::move(r));
        // Never sent before the restart, or gone since: the position still needs a stop, so a new
        // one goes out (not a rollback: nothing refused it). The spares stay until it is confirmed.
        if (r.ok()) RecordOrderReport(*r, "settled after a restart");
        const std::string why = r.ok() ? std::string("it is ") + to_string(r->status) : r.status().message();
        Log("signal " + id + ": the stop " + cid + " does not protect the position (" + why + "): placing another");
        if (tr->state == TradeState::kProtecting && !tr->close_in_flight) PlaceExit(id, OrderPurpose::kStop);
      },
      // Seconds of queries: ahead of reads, but not on the worker kept for placing stops (SettleExit).
      JobPriority::kClose);
}

// ---- operator commands ----

void Engine::RunToolAction(const std::string& tool, ToolAction action, ReplyFn reply, std::optional<ToolCloses> closes) {
  if (!ready_) return reply(ReplyOf(3, "refused", "", "the daemon is starting: try again once it is ready"));
  if (shutting_down_) return reply(ReplyOf(3, "refused", "", "the daemon is shutting down"));
  Log(tool + " forwarded by the operator: running it here");
  ++tools_running_;
  // Opens where it closes are refused meanwhile (chaos seed 1127359: a trade taken on the other leg
  // while keel-close-position XRPUSDT ran, which then answered the symbol flat).
  const std::optional<std::string> closing = closes ? std::optional<std::string>(FlatteningKey(closes->symbol, closes->leg))
                                                    : std::nullopt;
  if (closing) ++flattening_[*closing];
  using Done = std::pair<Result<int>, std::string>;
  OnWorker<Done>(
      [this, action](Exchange& ex) {
        std::ostringstream out;
        Result<int> code = action(ex, worker_store_, out);
        return Done(std::move(code), out.str());
      },
      [this, tool, reply, closing](Done done) {
        if (closing)
          if (auto f = flattening_.find(*closing); f != flattening_.end() && --f->second <= 0) flattening_.erase(f);
        const int code = done.first.ok() ? *done.first : ops::exit_code_for(done.first.status());
        Log(tool + " (forwarded) exited " + std::to_string(code));
        // The tool wrote the store itself (a position it closed, verified flat): keel's trades
        // on those legs learn it now, not from a stream push that may never come (chaos seed
        // 1102374: the stream down, a closed position's trade left open).
        std::vector<std::pair<std::string, PositionSide>> legs;
        for (const auto& [id, t] : trades_)
          if (!t->finished) legs.emplace_back(t->signal.symbol, t->leg);
        for (const auto& [symbol, leg] : legs) AfterPositionChange(symbol, leg);
        TakeProfitsAfterTool();
        // What the tool printed, and apart from it the error that ended it (its stderr line).
        reply(ReplyOf(code, "tool", "", tool + " exited " + std::to_string(code), [&](JsonWriter& w) {
          w.Key("output").String(done.second);
          if (!done.first.ok()) w.Key("error").String(tool + ": " + done.first.status().message());
        }));
      });
}

void Engine::Pause(ReplyFn reply) {
  paused_ = true;
  Log("paused by operator: no new entries");
  reply(ReplyOf(0, "paused", "", "no new entries until resume; protection and exits go on"));
}

void Engine::Resume(ReplyFn reply) {
  paused_ = false;
  // A strategy paused, or with a leg stopped (its trade ended by its stop or a flatten), starts again.
  for (auto& s : strategies_) {
    s->Resume();
    Log("strategy " + s->name() + " resumed");
  }
  Log("resumed by operator");
  reply(ReplyOf(0, "resumed", "", "taking signals"));
}

void Engine::StatusReport(ReplyFn reply, StatusPart part) {
  std::vector<PositionRecord> positions;
  std::vector<OrderRecord> open_orders;
  const Status read = ReadOpen(positions, open_orders);
  if (!read.ok()) Log("store error reading the status: " + read.message());
  if (part != StatusPart::kAll) {
    JsonWriter w;
    const bool want_positions = part == StatusPart::kPositions;
    w.StartObject().Key("result").String(want_positions ? "positions" : "orders");
    w.Key(want_positions ? "positions" : "open_orders").StartArray();
    if (want_positions)
      for (const auto& p : positions) WriteJson(w, p);
    else
      for (const auto& o : open_orders) WriteJson(w, o);
    w.EndArray().EndObject();
    return reply(EngineReply{read.ok() ? 0 : 2, w.str()});
  }
  JsonWriter w;
  w.StartObject().Key("result").String("status");
  w.Key("account").String(settings_.account);
  w.Key("ready").Bool(ready_).Key("paused").Bool(paused_).Key("shutting_down").Bool(shutting_down_);
  w.Key("hedge_mode").Bool(hedge_mode_).Key("stream_live").Bool(stream_live_);
  // Empty while the exchange answers; else what is wrong and since when (issue [1/6] case 7).
  w.Key("exchange").String(exchange_health_.Describe(clock_.NowMs()));
  w.Key("now_ms").Int(clock_.NowMs());
  w.Key("trades").StartArray();
  for (const auto& [id, t] : trades_) {
    w.StartObject().Key("id").String(id).Key("symbol").String(t->signal.symbol);
    w.Key("phase").String(to_string(t->state)).Key("detail").String(t->record.detail);
    if (!t->adds.empty()) {
      w.Key("adds").StartArray();
      for (const auto& a : t->adds) {
        w.StartObject().Key("id").String(a.record.id).Key("client_order_id").String(a.client_order_id);
        w.Key("qty").Number(a.qty).Key("detail").String(a.record.detail).EndObject();
      }
      w.EndArray();
    }
    w.EndObject();
  }
  w.EndArray();
  w.Key("positions").StartArray();
  for (const auto& p : positions) WriteJson(w, p);
  w.EndArray();
  w.Key("strategies").StartArray();
  for (const auto& s : strategies_) s->WriteStatus(w);
  w.EndArray();
  w.Key("open_orders").StartArray();
  for (const auto& o : open_orders) WriteJson(w, o);
  w.EndArray();
  const auto& c = counters_;
  w.Key("counters").StartObject();
  w.Key("signals_taken").Int(c.signals_taken).Key("signals_rejected").Int(c.signals_rejected);
  w.Key("signals_duplicate").Int(c.signals_duplicate).Key("orders_placed").Int(c.orders_placed);
  w.Key("orders_rejected").Int(c.orders_rejected).Key("orders_unknown").Int(c.orders_unknown);
  w.Key("cancels").Int(c.cancels).Key("rollbacks").Int(c.rollbacks);
  w.Key("protections_repaired").Int(c.protections_repaired).Key("orphans").Int(c.orphans);
  w.Key("mismatches").Int(c.mismatches).Key("stream_events").Int(c.stream_events).Key("rest_jobs").Int(c.rest_jobs);
  w.Key("amends").Int(c.amends).Key("ghosts").Int(c.ghosts).Key("replacements").Int(c.replacements);
  w.Key("stream_drops").Int(c.stream_drops).Key("stream_frames_refused").Int(c.stream_frames_refused);
  w.Key("orphan_scans").Int(c.orphan_scans).Key("reconciles").Int(c.reconciles);
  w.EndObject();
  w.Key("alerts").StartArray();
  const std::size_t from = recent_alerts_.size() > 20 ? recent_alerts_.size() - 20 : 0;
  for (std::size_t i = from; i < recent_alerts_.size(); ++i) {
    const Alert& a = recent_alerts_[i];
    w.StartObject().Key("kind").String(to_string(a.kind)).Key("symbol").String(a.symbol);
    w.Key("message").String(a.message).Key("at_ms").Int(a.at).EndObject();
  }
  w.EndArray().EndObject();
  reply(EngineReply{read.ok() ? 0 : 2, w.str()});
}

std::vector<std::string> Engine::Reconfigure(const DaemonConfig& next) {
  std::vector<std::string> restart;
  const DaemonConfig& now = settings_.daemon;
  if (next.control_socket != now.control_socket) restart.push_back("daemon.control_socket");
  if (next.spool_dir != now.spool_dir) restart.push_back("daemon.spool_dir");
  if (next.metrics_listen != now.metrics_listen) restart.push_back("daemon.metrics_listen");
  if (next.rest_workers != now.rest_workers) restart.push_back("daemon.rest_workers");
  if (next.grids != now.grids) restart.push_back("strategy");
  DaemonConfig applied = next;
  applied.control_socket = now.control_socket;
  applied.spool_dir = now.spool_dir;
  applied.metrics_listen = now.metrics_listen;
  applied.rest_workers = now.rest_workers;
  applied.grids = now.grids;
  settings_.daemon = applied;
  GuardLimits limits = guard_.limits();
  limits.enabled = applied.auto_replace_cancelled_orders;
  guard_.set_limits(limits);
  Log("config reloaded: grace " + std::to_string(applied.protect_grace_ms) + " ms, reconcile policy " +
      to_string(applied.reconcile_policy) + ", orphan policy " + to_string(applied.orphan_policy) +
      (restart.empty() ? std::string() : ", " + std::to_string(restart.size()) + " setting(s) need a restart"));
  for (auto& key : restart) key += ": changed, takes effect after a restart";
  return restart;
}

}  // namespace keel
