// Add signals: one more entry (market, or limit at a price) on the leg of an open trade whose stop
// works. The trade's stop and take-profit are whole-position orders (closePosition), so the add's
// fill is covered from its first contract; exits given in percent follow the new average
// (RepriceExits, on the position's change). Several limit adds at different prices are a ladder.
// An add is sent only while its trade is protected, and every add still resting is cancelled the
// moment the trade starts closing: a fill after the close would be a position nobody protects.
#include "engine_trade.h"
#include "keel/safety/entries_before_close.h"
#include "keel/safety/sent_order.h"
#include "keel/safety/settle.h"

namespace keel {
namespace {

constexpr TimeMs kCheckAddAfterMs = 2000;  // a market add answered NEW; an unknown outcome later
constexpr int kMaxAddChecks = 30;
constexpr TimeMs kCheckAddLaterMs = 30'000;
constexpr TimeMs kLooseAddPollMs = 1000;
constexpr int kLooseAddCancelAgainEvery = 30;

Side OpeningSide(PositionSide direction) { return direction == PositionSide::kLong ? Side::kBuy : Side::kSell; }

}  // namespace

Result<Engine::Trade*> Engine::TradeNamedBy(const Signal& s, const std::string& verb) {
  if (s.leg && !hedge_mode_)
    return Status::InvalidInput("side: the account is in one-way mode: " + verb + " the symbol's trade, naming no leg");
  Trade* t = nullptr;
  if (!hedge_mode_) {
    t = ActiveTradeOn(s.symbol, PositionSide::kBoth);
  } else if (s.leg) {
    t = ActiveTradeOn(s.symbol, *s.leg);
  } else {
    for (PositionSide leg : {PositionSide::kLong, PositionSide::kShort}) {
      Trade* on = ActiveTradeOn(s.symbol, leg);
      if (on && t)
        return Status::InvalidInput("side: " + s.symbol + " has a trade on both legs: name the leg to " + verb +
                                    " (LONG or SHORT)");
      if (on) t = on;
    }
  }
  if (!t) {
    const std::string where = s.symbol + (s.leg ? std::string("/") + to_string(*s.leg) : std::string());
    return Status::Conflict("symbol: keel has no open trade on " + where + ": nothing to " + verb);
  }
  return t;
}

void Engine::AddToTrade(const Signal& s, const std::string& origin, ReplyFn reply) {
  const std::string payload = SignalJson(s);
  auto refuse = [&](const Status& why) { Reject(s.id, s.symbol, "add", origin, payload, why, reply); };
  auto named = TradeNamedBy(s, "add to");
  if (!named.ok()) return refuse(named.status());
  Trade& t = **named;
  const std::string where = s.symbol + "/" + to_string(t.leg);
  if (s.trade && *s.trade != t.record.id)
    return refuse(Status::Conflict("trade: the open trade on " + where + " is signal " + t.record.id + ", not " + *s.trade +
                                   " (it has ended): nothing was sent"));
  // Only a position whose own stop works takes more: the stop closes the whole position, the add's
  // fill included. A trade still entering, being protected or closing does not.
  if (t.state != TradeState::kProtected || !t.record.stop_client_order_id || t.close_in_flight ||
      !t.closing_because.empty() || t.finished)
    return refuse(Status::Conflict("symbol: signal " + t.record.id + " on " + where + " is " +
                                   (t.record.stop_client_order_id ? to_string(t.state) : "without its stop (being repaired)") +
                                   ": an add is taken once its stop works"));
  auto held = OpenPositionOf(store_, s.symbol, t.leg);
  if (!held.ok()) return reply(ReplyOf(2, "error", s.id, held.status().message()));
  if (!*held) return refuse(Status::Conflict("symbol: the store holds no open position for signal " + t.record.id));
  const PositionRecord position = **held;
  // Adding to a position keel cannot see (its stop may have filled unseen, reads lagging, the
  // stream down) would open one its stop no longer covers (chaos seed 1120665).
  if (unproven_legs_.count(KeyOf(s.symbol, t.leg)))
    return refuse(Status::Conflict("symbol: the position of signal " + t.record.id + " on " + where +
                                   " is not proven (the exchange reads it flat by a read older than keel's record): "
                                   "an add is taken once a read or push shows it"));

  Signal checked = s;
  checked.direction = t.signal.direction;
  Decimal qty;
  Status ok = CheckSignal(checked, qty);
  if (!ok.ok()) return refuse(ok);
  const bool is_long = t.signal.direction == PositionSide::kLong;
  // A price past the trade's stop would add to a position its stop is closing (or has closed).
  if (auto stop = TriggerOf(t.record.stop_client_order_id)) {
    auto mark = marks_.find(s.symbol);
    const std::optional<Decimal> at = s.price ? s.price : mark != marks_.end() ? std::optional<Decimal>(mark->second) : std::nullopt;
    if (at && (is_long ? *at <= *stop : *at >= *stop))
      return refuse(Status::InvalidInput(std::string(s.price ? "price: " : "entry: the mark ") + at->ToString() + " is " +
                                         (is_long ? "at or below" : "at or above") + " the trade's stop " + stop->ToString() +
                                         ": the add would fill where the position is closed (nothing was sent)"));
  }
  // One whole-position stop closes at most close_stop_max_qty on Bybit: the position with every
  // add filled must stay within it.
  auto resting = t.AddsQty();
  if (!resting.ok()) return refuse(resting.status());
  auto with_adds = position.qty.abs().Add(*resting);
  if (!with_adds.ok()) return refuse(with_adds.status());
  auto summed = with_adds->Add(qty);
  if (!summed.ok()) return refuse(summed.status());
  const Decimal total = *summed;
  if (auto inst = instruments_.find(s.symbol); inst != instruments_.end() && inst->second.close_stop_max_qty &&
                                               total > *inst->second.close_stop_max_qty)
    return refuse(Status::InvalidInput("qty: the position would reach " + total.ToString() + " " + s.symbol + " with its adds, more than the " +
                                       inst->second.close_stop_max_qty->ToString() +
                                       " one whole-position stop closes on this exchange (maxMktOrderQty)"));

  PlaceOrder order;
  order.book = OrderBook::kRegular;
  order.client_order_id = NewClientId(OrderPurpose::kEntry, s.symbol);
  order.symbol = s.symbol;
  order.side = OpeningSide(t.signal.direction);
  order.position_side = t.leg;
  order.qty = qty;
  if (s.entry == EntryKind::kLimit) {
    order.type = OrderType::kLimit;
    order.time_in_force = s.post_only ? TimeInForce::kGtx : TimeInForce::kGtc;
    order.price = *s.price;
  } else {
    order.type = OrderType::kMarket;
  }
  const TimeMs now = clock_.NowMs();
  AddEntry a;
  // Its record names the trade it adds to: a restart puts it back on that trade, never on another
  // opened on the leg since.
  Signal stored = s;
  stored.trade = t.record.id;
  a.record = ReceivedSignal(s.id, s.symbol, "add", origin, SignalJson(stored), SignalState::kEntering, now);
  a.record.position_side = t.leg;
  a.record.entry_client_order_id = order.client_order_id;
  a.record.entry_attempts = 1;
  a.record.detail = "adding " + qty.ToString() + " to signal " + t.record.id + ": entry " + order.client_order_id + " sent: " +
                    to_string(order.side) + " " + to_string(order.type) + (order.price ? " @ " + order.price->ToString() : std::string());
  a.client_order_id = order.client_order_id;
  a.qty = qty;
  a.limit = s.entry == EntryKind::kLimit;
  a.price = order.price;
  WriteBatch b(now);
  b.PutSignal(a.record, Provenance{Source::kEngine, std::nullopt, "add signal taken"});
  b.PutIntent(IntentRecord{order.client_order_id, OrderPurpose::kEntry, s.symbol, order.side, t.leg, qty, order.price,
                           "add " + s.id + " to signal " + t.record.id, now},
              Provenance{Source::kEngine, std::nullopt, "entry of add " + s.id});
  b.PutOrder(PendingRecordOf(order, OrderPurpose::kEntry, qty, now),
             Provenance{Source::kEngine, std::nullopt, "sending entry of add " + s.id});
  Status st = store_.Write(b);
  if (!st.ok()) return reply(ReplyOf(2, "error", s.id, "the store refused the add's intent: " + st.message()));
  ++counters_.signals_taken;
  signal_rate_.Record(s.symbol, now);
  const std::string trade_id = t.record.id, add_id = s.id;
  if (a.limit && s.ttl_s) {
    a.deadline_ms = now + 1000 * static_cast<TimeMs>(*s.ttl_s);
    a.deadline_timer = loop_.After(a.deadline_ms - now, [this, trade_id, add_id] {
      if (Trade* owner = TradeOf(trade_id)) CancelAdd(*owner, add_id, "at its time limit");
    });
  }
  Log("signal " + add_id + " taken: " + a.record.detail + " reason=add");
  t.adds.push_back(std::move(a));
  reply(ReplyOf(0, "accepted", add_id, "add sent to signal " + trade_id, [&](JsonWriter& w) {
    w.Key("entry_client_order_id").String(order.client_order_id).Key("qty").Number(qty).Key("adds_to").String(trade_id);
  }));
  SubmitAdd(trade_id, add_id, order);
}

void Engine::SubmitAdd(const std::string& trade_id, const std::string& add_id, const PlaceOrder& order) {
  SettleOptions settle{settings_.settle_attempts, settings_.settle_interval_ms, settings_.sleep};
  OnWorker<Result<OrderReport>>(
      [order, settle](Exchange& ex) {
        auto placed = ex.Place(order);
        // Its outcome unknown, it may rest or have filled all the same: asked after by client id.
        if (!placed.ok() && placed.status().IsUnknownOutcome())
          return SettleByClientId(ex, OrderBook::kRegular, order.symbol, order.client_order_id, settle);
        return placed;
      },
      [this, trade_id, add_id](Result<OrderReport> placed) { OnAddPlaced(trade_id, add_id, std::move(placed)); });
}

void Engine::OnAddPlaced(const std::string& trade_id, const std::string& add_id, Result<OrderReport> placed_now) {
  Trade* t = TradeOf(trade_id);
  AddEntry* a = t ? t->AddBySignal(add_id) : nullptr;
  if (!a) return LogWarning("add " + add_id + ": its placement answered, its trade " + trade_id + " is not held");
  const std::string cid = a->client_order_id;
  Result<OrderReport> placed = WithStreamsWord(cid, std::move(placed_now));
  if (placed.ok()) {
    ++counters_.orders_placed;
    a->answered = true;
    RecordOrderReport(*placed, "add placed");
    Log("add " + add_id + ": entry " + cid + " placed: " + to_string(placed->status));
    AfterAddChange(*t, cid);
    // A market order answered NEW (an ACK): its fill is asked after if the stream does not tell it.
    if (Trade* still = TradeOf(trade_id); still && still->AddBySignal(add_id) && !still->AddBySignal(add_id)->limit)
      loop_.After(kCheckAddAfterMs, [this, trade_id, add_id] { CheckAdd(trade_id, add_id); });
    return;
  }
  if (placed.status().IsUnknownOutcome()) {
    ++counters_.orders_unknown;
    RaiseAlert(AlertKind::kUnknownOutcome, cid, t->signal.symbol,
               "add " + add_id + ": the entry " + cid + " may or may not be on the exchange: " + placed.status().message());
    Log("add " + add_id + ": entry " + cid + " outcome unknown (" + placed.status().message() + "); still asking");
    loop_.After(kCheckAddAfterMs, [this, trade_id, add_id] { CheckAdd(trade_id, add_id); });
    return;
  }
  ++counters_.orders_rejected;
  a->answered = true;
  RecordRefusedOrder(cid, "refused: " + placed.status().message());
  RaiseAlert(AlertKind::kEntryFailed, add_id, t->signal.symbol, "add " + add_id + ": entry refused: " + placed.status().message());
  AfterAddChange(*t, cid);
}

void Engine::AfterAddChange(Trade& t, const std::string& cid) {
  AddEntry* a = t.AddByOrder(cid);
  if (!a) return;
  auto rec = store_.Order(cid);
  if (!rec.ok() || !*rec) return Log("add " + a->record.id + ": its order " + cid + " is not in the store");
  const OrderRecord o = **rec;
  if (!is_terminal(o.state)) {
    if (o.state != OrderState::kPendingNew) a->answered = true;
    // Keel asked for its cancel while its placement was on its way: sent once it is known working.
    if (a->answered && !a->cancel_reason.empty() && !a->cancel_sent) {
      a->cancel_sent = true;
      CancelOrder(OrderBook::kRegular, t.signal.symbol, cid, a->cancel_reason);
    }
    return;
  }
  SignalRecord r = a->record;
  const bool trade_over = t.finished || is_final(t.state) || is_closing(t.state);
  if (o.filled_qty.is_positive() && trade_over) {
    // It filled after its trade began closing (its cancel too late, a gap through the stop): what
    // it bought or sold is no longer covered by the trade's exits. The watch protects it as a
    // position keel did not open; the operator decides.
    // A close not yet proven flat takes it too (its read comes after its adds have ended).
    const bool close_takes_it = !t.closing_because.empty() && !t.finished;
    r.state = SignalState::kUnresolved;
    r.detail = "filled " + o.filled_qty.ToString() + " after signal " + t.record.id + " began closing (" +
               to_string(t.state) + "): not the trade's; " +
               (close_takes_it ? "the trade's close closes it too (" + t.closing_because + ")"
                               : "keel protects it as a position it did not open");
    RaiseAlert(AlertKind::kUnknownOutcome, r.id, t.signal.symbol, "add " + r.id + ": " + r.detail);
  } else if (o.filled_qty.is_positive()) {
    const TimeMs filled_at = o.exchange_updated_ms.value_or(clock_.NowMs());
    t.last_add_fill_ms = std::max(t.last_add_fill_ms.value_or(0), filled_at);
    r.state = SignalState::kDone;
    r.detail = "added " + o.filled_qty.ToString() + (o.filled_qty < a->qty ? " of " + a->qty.ToString() : std::string()) +
               " to signal " + t.record.id + (o.avg_price && o.avg_price->is_positive() ? " @ " + o.avg_price->ToString() : std::string()) +
               (o.state == OrderState::kFilled ? std::string() : " (then " + std::string(to_string(o.state)) +
                                                                    (a->cancel_reason.empty() ? "" : ": " + a->cancel_reason) + ")");
  } else {
    r.state = SignalState::kFailed;
    r.detail = "entry " + cid + " " + to_string(o.state) + " without a fill" +
               (a->cancel_reason.empty() ? std::string(o.state == OrderState::kRejected ? "" : " by the exchange")
                                         : " (" + a->cancel_reason + ")");
  }
  r.updated_ms = clock_.NowMs();
  WriteBatch b(clock_.NowMs());
  b.PutSignal(r, Provenance{Source::kEngine, o.exchange_updated_ms, "add ended"});
  WriteOrLog(b, "recording add " + r.id);
  Log("add " + r.id + ": " + r.detail);
  if (a->deadline_timer) loop_.CancelTimer(a->deadline_timer);
  const std::string add_id = r.id;
  t.adds.erase(std::remove_if(t.adds.begin(), t.adds.end(), [&](const AddEntry& e) { return e.record.id == add_id; }),
               t.adds.end());
  if (t.finished) ForgetIfDone(t.record.id);
}

void Engine::CheckAdd(const std::string& trade_id, const std::string& add_id) {
  Trade* t = TradeOf(trade_id);
  AddEntry* a = t ? t->AddBySignal(add_id) : nullptr;
  if (!a) return;  // ended meanwhile
  auto rec = store_.Order(a->client_order_id);
  if (rec.ok() && *rec && is_terminal((*rec)->state)) return AfterAddChange(*t, a->client_order_id);
  // A limit add the exchange showed resting waits for its fill on the stream (and the periodic
  // reconcile); a market add, or an order whose outcome is unknown, is read until it ends.
  if (a->limit && a->answered) return;
  // Asked until its end is known: every 2 s at first, then every 30 s, with one alert.
  if (++a->checks == kMaxAddChecks)
    RaiseAlert(AlertKind::kUnknownOutcome, a->client_order_id, t->signal.symbol,
               "add " + add_id + ": the end of entry " + a->client_order_id + " is still not known after " +
                   std::to_string(kMaxAddChecks) + " reads: keel keeps asking (keel-state-inspect shows it)");
  const TimeMs next = a->checks >= kMaxAddChecks ? kCheckAddLaterMs : kCheckAddAfterMs;
  const std::string symbol = t->signal.symbol, cid = a->client_order_id;
  const TimeMs sent_ms = rec.ok() && *rec ? (*rec)->created_ms : clock_.NowMs();
  OnWorker<Result<OrderReport>>(
      [symbol, cid](Exchange& ex) { return ex.Query(OrderBook::kRegular, symbol, cid); },
      [this, trade_id, add_id, cid, sent_ms, next](Result<OrderReport> q) {
        Trade* owner = TradeOf(trade_id);
        if (q.ok()) {
          RecordOrderReport(*q, "add settled by query");
          if (owner) AfterAddChange(*owner, cid);
        } else if (q.status().IsNotFound() && clock_.NowMs() - sent_ms > settings_.absent_after_ms) {
          // Not there this long after it was sent: never accepted (the exchange refuses a request
          // older than its window; a late -1007 executes within 10 s).
          RecordRefusedOrder(cid, "not on the exchange " + std::to_string(settings_.absent_after_ms) + " ms after it was sent");
          if (owner) AfterAddChange(*owner, cid);
        } else {
          Log("add " + add_id + ": reading entry " + cid + ": " + q.status().message());
        }
        Trade* again = TradeOf(trade_id);
        if (again && again->AddBySignal(add_id))
          loop_.After(next, [this, trade_id, add_id] { CheckAdd(trade_id, add_id); });
      });
}

void Engine::CancelAdds(Trade& t, const std::string& why) {
  std::vector<std::string> ids;
  for (const auto& a : t.adds) ids.push_back(a.record.id);
  for (const auto& id : ids) CancelAdd(t, id, why);
}

void Engine::CancelAdd(Trade& t, const std::string& add_id, const std::string& why) {
  AddEntry* a = t.AddBySignal(add_id);
  if (!a || !a->cancel_reason.empty()) return;  // ended, or already being cancelled
  a->cancel_reason = why;
  Log("add " + add_id + ": cancelling entry " + a->client_order_id + " (" + why + ")");
  // Sent now when the order is known working; else once its placement answers (AfterAddChange),
  // or a read finds it (CheckAdd).
  const bool answered = a->answered;
  const std::string trade_id = t.record.id;
  AfterAddChange(t, a->client_order_id);
  if (!answered) loop_.After(kCheckAddAfterMs, [this, trade_id, add_id] { CheckAdd(trade_id, add_id); });
}

void Engine::RememberUnknownToExchange(const EntriesEnded& job) {
  // A cancel the close's job sent that the matching engine answered "unknown order": what resumes
  // the add's cancel settles it by query, never cancels it a second time (chaos seed 1105962: an
  // add that filled while keel was down, a read lagging behind it).
  for (const auto& cid : job.unknown_to_exchange)
    if (!answered_unknown_order_.count(cid)) answered_unknown_order_[cid] = clock_.NowMs();
}

void Engine::ResumeAddCancels(const std::string& symbol, std::optional<PositionSide> leg) {
  std::vector<std::pair<std::string, std::string>> left;  // trade, order
  for (auto& [id, t] : trades_) {
    if (t->signal.symbol != symbol || (leg && t->leg != *leg)) continue;
    for (auto& a : t->adds) {
      if (!a.cancel_in_close_job) continue;
      a.cancel_in_close_job = false;
      a.cancel_sent = false;
      left.emplace_back(id, a.client_order_id);
    }
  }
  for (const auto& [tid, cid] : left)
    if (Trade* t = TradeOf(tid)) AfterAddChange(*t, cid);
}

void Engine::RestoreAdds(const std::vector<SignalRecord>& unfinished) {
  for (const auto& r : unfinished) {
    if (r.action != "add") continue;
    auto s = ParseSignal(r.payload);
    if (!s.ok() || !r.entry_client_order_id || !r.position_side) {
      LogWarning("add " + r.id + ": stored record unreadable (" + (s.ok() ? "no entry order" : s.status().message()) + ")");
      continue;
    }
    // On the trade it was taken for (its record names it), never on one opened on the leg since.
    Trade* t = s->trade ? TradeOf(*s->trade) : nullptr;
    if (t && t->finished) t = nullptr;
    if (!t) {
      // Its trade ended while keel was down (or as it went down): what still rests would open a
      // position nobody protects.
      SettleLooseAdd(r, 0);
      continue;
    }
    AddEntry a;
    a.record = r;
    a.client_order_id = *r.entry_client_order_id;
    a.limit = s->entry == EntryKind::kLimit;
    bool ended = false;
    if (auto o = store_.Order(a.client_order_id); o.ok() && *o) {
      a.qty = (*o)->qty;
      a.price = (*o)->price;
      a.answered = (*o)->state != OrderState::kPendingNew;
      ended = is_terminal((*o)->state);
    }
    const std::string trade_id = t->record.id, add_id = r.id;
    if (a.limit && s->ttl_s) {
      // The time limit counts from when the add was taken, not from the restart.
      a.deadline_ms = r.received_ms + 1000 * static_cast<TimeMs>(*s->ttl_s);
      a.deadline_timer = loop_.After(std::max<TimeMs>(0, a.deadline_ms - clock_.NowMs()), [this, trade_id, add_id] {
        if (Trade* owner = TradeOf(trade_id)) CancelAdd(*owner, add_id, "at its time limit");
      });
    }
    Log("restored add " + add_id + " on signal " + trade_id);
    t->adds.push_back(std::move(a));
    // A closing trade's close (resumed after this) ends its adds in its own job before its read;
    // one the store shows ended is settled now, never cancelled again (chaos seed 1108572: an add
    // that had filled, cancelled by the close a restart resumed).
    if (ended || (t->closing_because.empty() && !is_closing(t->state) && !is_final(t->state)))
      AfterAddChange(*t, *r.entry_client_order_id);
    if (Trade* still = TradeOf(trade_id); still && still->AddBySignal(add_id))
      loop_.After(kCheckAddAfterMs, [this, trade_id, add_id] { CheckAdd(trade_id, add_id); });
  }
}

void Engine::SettleLooseAdd(SignalRecord r, int attempt) {
  const std::string cid = *r.entry_client_order_id;
  auto rec = store_.Order(cid);
  if (!rec.ok() || !*rec || is_terminal((*rec)->state)) {
    const bool filled = rec.ok() && *rec && (*rec)->filled_qty.is_positive();
    r.state = filled ? SignalState::kDone : SignalState::kFailed;
    r.detail = !rec.ok() || !*rec ? "its entry " + cid + " is not in the store; its trade has ended"
               : filled ? "added " + (*rec)->filled_qty.ToString() + " before its trade ended (" + to_string((*rec)->state) + ")"
                        : "entry " + cid + " " + to_string((*rec)->state) + " without a fill: its trade has ended";
    r.updated_ms = clock_.NowMs();
    WriteBatch b(clock_.NowMs());
    b.PutSignal(r, Provenance{Source::kEngine, std::nullopt, "add ended with its trade"});
    WriteOrLog(b, "recording add " + r.id);
    return Log("add " + r.id + ": " + r.detail);
  }
  const std::string why = "add " + r.id + ": its trade has ended";
  if (attempt % kLooseAddCancelAgainEvery == 0) {
    if ((*rec)->state == OrderState::kPendingNew) {
      // Its placement's outcome is unknown: asked after, never cancelled blind; cancelled at once
      // when the answer shows it working.
      const std::string symbol = r.symbol;
      OnWorker<Result<OrderReport>>([symbol, cid](Exchange& ex) { return ex.Query(OrderBook::kRegular, symbol, cid); },
                                    [this, cid, symbol, why, created = (*rec)->created_ms](Result<OrderReport> q) {
                                      if (q.ok()) {
                                        RecordOrderReport(*q, "a loose add settled by query");
                                        if (!is_terminal(q->status)) CancelOrder(OrderBook::kRegular, symbol, cid, why);
                                      } else if (q.status().IsNotFound() && clock_.NowMs() - created > settings_.absent_after_ms) {
                                        RecordRefusedOrder(cid, "not on the exchange after a restart");
                                      }
                                    });
    } else {
      CancelOrder(OrderBook::kRegular, r.symbol, cid, why);
    }
  }
  loop_.After(kLooseAddPollMs, [this, r, attempt] { SettleLooseAdd(r, attempt + 1); });
}

}  // namespace keel
