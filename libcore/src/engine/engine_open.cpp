// The atomic open: entry -> verified fill -> stop -> take-profit; a rollback through SafeClose
// when the stop cannot be placed.
#include "engine_trade.h"
#include "keel/model/order_kind.h"
#include "keel/safety/entries_before_close.h"
#include "keel/engine/maker_quote.h"
#include "keel/model/time.h"
#include "keel/ops/exit_code.h"
#include "keel/safety/safe_close.h"
#include "keel/safety/sent_order.h"
#include "keel/safety/settle.h"

namespace keel {
namespace {
// Binance's goodTillDate must lie more than 600 s ahead when the order arrives; a few seconds more
// for the request's way there.
constexpr TimeMs kGoodTillDateMinMs = 605'000;
}  // namespace


namespace {

// How often a stop is sent again at once when its placement's outcome was unknown.
constexpr int kMaxStopResends = 2;
// A maker entry whose fill the stream showed while reads still say it rests: read again after this.
constexpr TimeMs kLaggingReadRetryMs = 1000;

Side OpeningSide(PositionSide direction) { return direction == PositionSide::kLong ? Side::kBuy : Side::kSell; }

}  // namespace

void Engine::OpenTrade(const Signal& s, Decimal qty, const std::string& origin, ReplyFn reply) {
  const TimeMs now = clock_.NowMs();
  auto t = std::make_unique<Trade>();
  t->signal = s;
  if (s.entry != EntryKind::kMarket) {
    t->maker_entry.emplace();
    t->maker_entry->follows_book = s.entry == EntryKind::kMaker;
  }
  t->leg = LegFor(s.direction);
  t->entry_qty = qty;
  t->entry_side = OpeningSide(s.direction);
  t->record = ReceivedSignal(s.id, s.symbol, "open", origin, SignalJson(s), SignalState::kEntering, now);
  t->record.position_side = t->leg;
  // A limit entry without ttl_s rests until it fills or is cancelled (GTC).
  if (t->maker() && (s.ttl_s || s.entry == EntryKind::kMaker))
    t->maker_entry->deadline_ms = now + 1000 * static_cast<TimeMs>(s.ttl_s.value_or(settings_.daemon.signal_ttl_s));
  WriteBatch b(now);
  auto entry = SendEntry(*t, "signal taken", b);
  if (!entry.ok()) {
    Log("signal " + s.id + " not taken: " + entry.status().message());
    return reply(ReplyOf(2, "error", s.id, entry.status().message()));
  }
  ++counters_.signals_taken;
  signal_rate_.Record(s.symbol, now);
  const std::string id = s.id;
  Log("signal " + id + " taken: entry " + entry->client_order_id + " " + s.symbol + " " + to_string(entry->side) + " " +
      qty.ToString() + " " + to_string(entry->type) + (entry->price ? " @ " + entry->price->ToString() : std::string()) +
      " reason=signal");
  if (t->maker() && t->maker_entry->deadline_ms) {
    const TimeMs after = entry->good_till_date ? kAfterGoodTillDateMs : 0;
    t->maker_entry->deadline_timer =
        loop_.After(t->maker_entry->deadline_ms - now + after, [this, id] { EntryTimeLimit(id); });
  }
  trades_[id] = std::move(t);
  reply(ReplyOf(0, "accepted", id, "entry sent", [&](JsonWriter& w) {
    w.Key("entry_client_order_id").String(entry->client_order_id).Key("qty").Number(qty);
  }));
  SubmitEntry(id, *entry);
}

Result<PlaceOrder> Engine::SendEntry(Trade& t, const std::string& why, WriteBatch& b) {
  const Signal& s = t.signal;
  PlaceOrder entry;
  entry.book = OrderBook::kRegular;
  entry.client_order_id = NewClientId(OrderPurpose::kEntry, s.symbol);
  entry.symbol = s.symbol;
  entry.side = t.entry_side;
  entry.position_side = t.leg;
  entry.qty = t.entry_qty;
  if (t.maker() && !t.maker_entry->follows_book) {
    // At the signal's price: GTC, or post-only (GTX) when asked, refused then rather than taking.
    entry.type = OrderType::kLimit;
    entry.time_in_force = s.post_only ? TimeInForce::kGtx : TimeInForce::kGtc;
    // Its time limit on the exchange too, where the venue has one (GTD: at least 600 s ahead, in
    // whole seconds): it then ends while keel is down. keel's own timer stays, just after it.
    if (!s.post_only && good_till_date_venue_ && t.maker_entry->deadline_ms &&
        t.maker_entry->deadline_ms - clock_.NowMs() > kGoodTillDateMinMs) {
      entry.time_in_force = TimeInForce::kGtd;
      entry.good_till_date = t.maker_entry->deadline_ms / 1000 * 1000;
    }
    entry.price = *s.price;
    t.maker_entry->price = *s.price;
    if (t.maker_entry->first_price.is_zero()) t.maker_entry->first_price = *s.price;
  } else if (t.maker()) {
    // Post-only at the best price of its own side: it rests as a maker or is refused, never takes.
    auto book = books_.find(s.symbol);
    if (book == books_.end()) return Status::Conflict("entry: no order book price for " + s.symbol + " yet");
    auto price = MakerPrice(entry.side, book->second.first, book->second.second, instruments_.at(s.symbol), s.offset_bps);
    if (!price.ok()) return price.status().WithContext("entry");
    if (t.maker_entry->first_price.is_zero()) {
      t.maker_entry->first_price = *price;
    } else if (!WithinReprice(t.maker_entry->first_price, *price)) {
      // A replacement is a re-price too: not beyond the limit from where the signal first rested.
      return Status::Conflict("entry: a replacement at " + price->ToString() + " is more than max_reprice_pct " +
                              settings_.daemon.max_reprice_pct.ToString() + "% from the first entry price " +
                              t.maker_entry->first_price.ToString());
    }
    entry.type = OrderType::kLimit;
    entry.time_in_force = TimeInForce::kGtx;
    entry.price = *price;
    t.maker_entry->price = *price;
  } else {
    entry.type = OrderType::kMarket;
  }
  const TimeMs now = clock_.NowMs();
  t.record.entry_client_order_id = entry.client_order_id;
  ++t.record.entry_attempts;
  t.ghost = false;
  t.entry_resting = false;
  if (t.maker_entry) t.maker_entry->last_amend_ms = 0;
  SaveSignal(t, "entry " + entry.client_order_id + " sent: " + to_string(entry.side) + " " + t.entry_qty.ToString() + " " +
                    to_string(entry.type) + (entry.price ? " @ " + entry.price->ToString() : std::string()),
             Provenance{Source::kEngine, std::nullopt, why}, &b);
  b.PutIntent(IntentRecord{entry.client_order_id, OrderPurpose::kEntry, s.symbol, entry.side, t.leg, t.entry_qty,
                           entry.price, "signal " + s.id, now},
              Provenance{Source::kEngine, std::nullopt, "entry of signal " + s.id});
  b.PutOrder(PendingRecordOf(entry, OrderPurpose::kEntry, t.entry_qty, now),
             Provenance{Source::kEngine, std::nullopt, "sending entry of signal " + s.id});
  Status st = store_.Write(b);
  if (!st.ok()) return Status::Storage("the store refused the entry's intent: " + st.message());
  return entry;
}

namespace {
// How long an accepted entry may go unverified before its guard stop goes out: well inside the
// grace period, with room for the guard's own placement.
constexpr TimeMs kGuardAfterAcceptMs = 1000;
}  // namespace

void Engine::SubmitEntry(const std::string& id, const PlaceOrder& entry) {
  SettleOptions settle{settings_.settle_attempts, settings_.settle_interval_ms, settings_.sleep};
  const std::string cid = entry.client_order_id;
  PlaceOrder sent = entry;
  // Accepted: it may fill (a market order has, almost surely) before a read can show it. Guarded
  // now, not after the read-back's or the settle's seconds of queries (chaos seeds 602824, 505217).
  // A resting maker entry is guarded as well: its fill can be lost as any other.
  // Not at once: most entries are verified (or shown resting) well within a second, and need none.
  sent.on_accepted = [this, id] {
    loop_.Post([this, id] { loop_.After(kGuardAfterAcceptMs, [this, id] { PlaceGuardStop(id, "entry accepted, not verified"); }); });
  };
  OnWorker<Result<OrderReport>>(
      [this, id, sent, settle](Exchange& ex) {
        auto placed = ex.Place(sent);
        if (!placed.ok() && placed.status().IsUnknownOutcome()) {
          // It may have been accepted and filled all the same.
          loop_.Post([this, id] { PlaceGuardStop(id, "entry outcome unknown"); });
          return SettleByClientId(ex, OrderBook::kRegular, sent.symbol, sent.client_order_id, settle);
        }
        return placed;
      },
      [this, id, cid](Result<OrderReport> placed) { OnEntryPlaced(id, cid, std::move(placed)); });
}

// Brings the store's record of a keel order up to an exchange report, unless the record already
// holds something newer (the stream often does) or the change would break the lifecycle.
void Engine::RecordOrderReport(const OrderReport& report, const std::string& why) {
  auto rec = store_.Order(report.client_order_id);
  if (!rec.ok()) return Log("store error reading " + report.client_order_id + ": " + rec.status().message());
  if (!*rec) return;
  const OrderRecord& before = **rec;
  if (is_terminal(before.state)) return;
  if (before.exchange_updated_ms && report.update_time && report.update_time < *before.exchange_updated_ms) return;
  OrderRecord after = UpdatedRecordOf(before, report, clock_.NowMs());
  if (after.state == before.state && after.filled_qty == before.filled_qty && after.exchange_order_id == before.exchange_order_id)
    return;
  if (after.state != before.state && !check_transition(before.state, after.state).ok()) return;
  WriteBatch b(clock_.NowMs());
  b.PutOrder(after, Provenance{Source::kRest, report.update_time ? std::optional<TimeMs>(report.update_time) : std::nullopt, why});
  WriteOrLog(b, "recording " + report.client_order_id);
}

// A placement the exchange refused: the order never existed.
void Engine::RecordRefusedOrder(const std::string& cid, const std::string& why) {
  auto rec = store_.Order(cid);
  if (!rec.ok()) return Log("store error reading " + cid + ": " + rec.status().message());
  if (!*rec || (*rec)->state != OrderState::kPendingNew) return;
  OrderRecord after = **rec;
  after.state = OrderState::kRejected;
  after.updated_ms = clock_.NowMs();
  WriteBatch b(clock_.NowMs());
  b.PutOrder(after, Provenance{Source::kRest, std::nullopt, why});
  WriteOrLog(b, "recording " + cid + " as refused");
}

Result<OrderReport> Engine::WithStreamsWord(const std::string& cid, Result<OrderReport> placed) {
  if (placed.ok() || !placed.status().IsUnknownOutcome()) return placed;
  auto rec = store_.Order(cid);
  if (!rec.ok() || !*rec || !(*rec)->exchange_order_id || (*rec)->state == OrderState::kPendingNew) return placed;
  Log(cid + ": " + placed.status().message() + "; the stream has shown it " + to_string((*rec)->state) + ": settled by that");
  return ReportOfRecord(**rec);
}

void Engine::OnEntryPlaced(const std::string& id, const std::string& cid, Result<OrderReport> placed_now) {
  Result<OrderReport> placed = WithStreamsWord(cid, std::move(placed_now));
  Trade* t = TradeOf(id);
  if (placed.ok()) {
    ++counters_.orders_placed;
    RecordOrderReport(*placed, "entry placed");
  } else if (!placed.status().IsUnknownOutcome()) {
    ++counters_.orders_rejected;
    RecordRefusedOrder(cid, "refused: " + placed.status().message());
  }
  if (!t || t->record.entry_client_order_id != cid) return;
  if (t->state != TradeState::kEntering) {
    // Verified already, by the stream's push of its fill while this answer was on its way.
    Log("entry " + cid + ": the placement answered after the fill was verified (" +
        (placed.ok() ? std::string(to_string(placed->status)) : placed.status().message()) + ")");
    return;
  }
  if (placed.ok()) {
    Log("entry " + cid + " placed: " + to_string(placed->status) +
        (t->maker() ? " @ " + placed->price.ToString() : std::string()));
    if (!is_terminal(placed->status)) {
      // The stream may have told the end already, and a read-back that lags still answers NEW
      // (chaos seed 4421): the stored end stands; a filled order is never taken for resting,
      // amended or cancelled.
      auto stored = store_.Order(cid);
      if (stored.ok() && *stored && is_terminal((*stored)->state)) {
        Log("entry " + cid + ": the read-back answered " + to_string(placed->status) + " but keel already saw it " +
            to_string((*stored)->state) + ": that stands");
        if ((*stored)->filled_qty.is_positive()) return VerifyEntry(id);
        placed->status = OrderStatus::kCanceled;
        placed->filled_qty = Decimal();
      }
    }
    const bool dead = placed->status == OrderStatus::kCanceled || placed->status == OrderStatus::kExpired ||
                      placed->status == OrderStatus::kRejected;
    if (dead && placed->filled_qty.is_zero()) {
      if (t->maker())
        return ReplaceEntry(id, std::string("the post-only entry ended ") + to_string(placed->status), *placed);
      RaiseAlert(AlertKind::kEntryFailed, id, t->signal.symbol,
                 "signal " + id + ": entry " + cid + " ended " + to_string(placed->status));
      return EndEntry(id, std::string("entry ended ") + to_string(placed->status) + " without a fill",
                      Provenance{Source::kRest, placed->update_time, "entry ended"});
    }
    const bool working = placed->status == OrderStatus::kNew || placed->status == OrderStatus::kPartiallyFilled;
    if (t->maker() && working) {
      t->entry_resting = true;
      t->maker_entry->price = placed->price;
      // A cancel signal came while the placement was on its way: cancelled now, guarded as any
      // resting entry meanwhile (a fill may race the cancel).
      if (!t->entry_cancel_asked.empty()) CancelRestingEntry(id, t->entry_cancel_asked);
      // A resting maker entry waits for its fill on the stream, guarded meanwhile; a part already
      // filled is protected now.
      if (placed->status == OrderStatus::kNew) return PlaceGuardStop(id, "maker entry resting");
    }
    // A market order acknowledged but not shown filled (an ACK answer, a read-back that lags).
    if (!t->maker() && working) PlaceGuardStop(id, "entry acknowledged, its fill not shown yet");
    VerifyEntry(id);
    return;
  }
  if (placed.status().IsUnknownOutcome()) {
    ++counters_.orders_unknown;
    SaveSignal(*t, "entry outcome unknown: " + placed.status().message() + "; still asking",
               Provenance{Source::kRest, std::nullopt, "entry unknown"});
    RaiseAlert(AlertKind::kUnknownOutcome, cid, t->signal.symbol,
               "signal " + id + ": the entry " + cid + " may or may not be on the exchange: " + placed.status().message());
    loop_.After(5000, [this, id] { VerifyEntry(id); });
    return;
  }
  // A post-only order the book had already crossed (Binance -5022): it never existed; a new one at
  // the book's new price is a replacement like any other.
  if (t->maker() && placed.status().refusal() == Refusal::kPostOnlyWouldTake) {
    OrderReport refused;  // what the refusal states: this order was refused, nothing of it exists
    refused.client_order_id = cid;
    refused.symbol = t->signal.symbol;
    refused.side = t->entry_side;
    refused.status = OrderStatus::kRejected;
    return ReplaceEntry(id, "the post-only entry would have taken liquidity (" + placed.status().message() + ")", refused);
  }
  RaiseAlert(AlertKind::kEntryFailed, id, t->signal.symbol, "signal " + id + ": entry refused: " + placed.status().message());
  EndEntry(id, "entry refused by the exchange: " + placed.status().message(),
           Provenance{Source::kRest, std::nullopt, "entry refused"});
}

void Engine::EndEntry(const std::string& id, const std::string& detail, Provenance provenance) {
  Trade* t = TradeOf(id);
  if (!t) return;
  CancelEntryTimeLimit(*t);
  if (is_closing(t->state) || is_final(t->state)) {
    // A close owns the trade (a flatten met the entry), or has ended it: the entry's end is
    // recorded and the close finishes the trade; its stops stay until the close is proven.
    t->entry_resting = false;
    SaveSignal(*t, detail, std::move(provenance));
    Log("signal " + id + ": " + detail + " (the trade is " + to_string(t->state) + ")");
    return ForgetIfDone(id);
  }
  CancelSpareStops(id, "the entry ended without a fill");
  Advance(*t, TradeState::kFailed, detail);
  SaveSignal(*t, detail, std::move(provenance));
  Log("signal " + id + ": " + detail);
  guard_.Forget(id);
  trades_.erase(id);
}

void Engine::VerifyEntry(const std::string& id) {
  Trade* t = TradeOf(id);
  if (!t || t->state != TradeState::kEntering || t->verify_in_flight) return;
  t->verify_in_flight = true;
  const std::string cid = *t->record.entry_client_order_id;
  const std::string symbol = t->signal.symbol;
  const PositionSide leg = t->leg;
  const Decimal sign = t->signal.direction == PositionSide::kLong ? Decimal::FromInteger(1).value()
                                                                  : Decimal::FromInteger(-1).value();
  // What the stream already proved saves the order query.
  std::optional<OrderReport> known;
  const bool maker = t->maker();
  // A maker entry is protected from its first fill on (a closePosition stop covers what follows);
  // while it rests unfilled there is nothing to verify yet.
  auto usable = [maker](OrderStatus st, const Decimal& filled) {
    return st == OrderStatus::kFilled || (maker && st == OrderStatus::kPartiallyFilled && filled.is_positive());
  };
  // When the entry was sent (its record is written just before): the bound on "not seen yet".
  TimeMs sent_ms = clock_.NowMs();
  auto rec = store_.Order(cid);
  if (rec.ok() && *rec) sent_ms = (*rec)->created_ms;
  // The fill as the store holds it (the stream's order event, applied): asked again on every
  // attempt, since the event may land while the queries still lag (chaos seed 502021).
  auto stored_fill = [cid, symbol, maker](StateStore& in) -> std::optional<OrderReport> {
    auto r = in.Order(cid);
    if (!r.ok() || !*r) return std::nullopt;
    const OrderRecord& o = **r;
    if (o.state != OrderState::kFilled && !(maker && o.state == OrderState::kPartiallyFilled && o.filled_qty.is_positive()))
      return std::nullopt;
    OrderReport report;
    report.client_order_id = cid;
    report.symbol = symbol;
    report.status = o.state == OrderState::kFilled ? OrderStatus::kFilled : OrderStatus::kPartiallyFilled;
    report.qty = o.qty;
    report.filled_qty = o.filled_qty;
    report.avg_price = o.avg_price.value_or(Decimal());
    report.update_time = o.exchange_updated_ms.value_or(0);
    return report;
  };
  known = stored_fill(store_);
  const int attempts = settings_.verify_attempts;
  const TimeMs interval = settings_.verify_interval_ms;
  auto sleep = settings_.sleep;
  const TimeMs absent_after = settings_.absent_after_ms;
  const Clock* clock = &clock_;
  StateStore* store = &worker_store_;
  // The position as the stream put it in the store, when it holds the fill: newer than any REST
  // read that says less (a lagging read is not evidence, seed 004).
  // Else the position the stream pushed on the leg, not in the store (the fill's own event lost).
  auto streamed = [store, symbol, leg, sign, pushed = t->pushed](const OrderReport& order) -> std::optional<PositionReport> {
    const Decimal& filled = order.filled_qty;
    auto held = OpenPositionOf(*store, symbol, leg);
    if (held.ok() && *held) {
      const PositionRecord& p = **held;
      if (p.qty.sign() != sign.sign() || p.qty.abs() < filled) return std::nullopt;
      return PositionReport{p.symbol, p.position_side, p.qty, p.entry_price, p.exchange_updated_ms.value_or(0)};
    }
    auto row = pushed->Get();
    if (!row || row->amount.sign() != sign.sign() || row->amount.abs() < filled || !filled.is_positive()) return std::nullopt;
    // Recorded as of the fill at the latest: its order event, if it comes after all, is then
    // known as counted (never added a second time).
    row->update_time = std::max(row->update_time, order.update_time);
    return row;
  };
  // An entry the order reads cannot show filled yet (they lag, or its answer was lost), while the
  // stream pushed a position its way on the leg, which held nothing when the signal was taken:
  // that push is its fill (chaos seed 500101: the fill's order event dropped, reads 22 s behind).
  const Decimal entry_qty = t->entry_qty;
  const Side entry_side = t->entry_side;
  auto pushed_fill = [store, symbol, leg, sign, cid, entry_qty, entry_side, maker,
                      pushed = t->pushed]() -> std::optional<std::pair<OrderReport, PositionReport>> {
    if (!entry_qty.is_positive()) return std::nullopt;
    // The stream's position in the store is as good as the push itself: the leg held nothing when
    // the signal was taken (chaos seed 602161: the position applied before the order's event).
    auto held = OpenPositionOf(*store, symbol, leg);
    if (!held.ok()) return std::nullopt;
    std::optional<PositionReport> row = pushed->Get();
    if (*held) {
      const PositionRecord& p = **held;
      row = PositionReport{p.symbol, p.position_side, p.qty, p.entry_price, p.exchange_updated_ms.value_or(0)};
    }
    // A market order fills whole; a maker entry from its first part on (the rest may still rest).
    if (!row || row->amount.sign() != sign.sign() || !row->entry_price.is_positive() ||
        (!maker && row->amount.abs() < entry_qty))
      return std::nullopt;
    OrderReport fill;
    fill.client_order_id = cid;
    fill.symbol = symbol;
    fill.side = entry_side;
    fill.qty = entry_qty;
    fill.filled_qty = std::min(row->amount.abs(), entry_qty);
    fill.status = fill.filled_qty == entry_qty ? OrderStatus::kFilled : OrderStatus::kPartiallyFilled;
    fill.avg_price = row->entry_price;
    fill.update_time = row->update_time;
    return std::make_pair(fill, *row);
  };
  // A filled entry whose position read is older than the fill (or shows no row to date it): the
  // read lags, and the fill itself is the evidence of the position (chaos seed 500767: restarted
  // after the fill with reads 29 s behind, the position went without its stop until a flatten).
  auto position_of_fill = [symbol, leg, sign](const OrderReport& order) {
    PositionReport p;
    p.symbol = symbol;
    p.position_side = leg;
    p.amount = sign.sign() < 0 ? order.filled_qty.negated() : order.filled_qty;
    p.entry_price = order.avg_price;
    p.update_time = order.update_time;
    return p;
  };
  using Verified = Result<std::pair<OrderReport, PositionReport>>;
  OnWorker<Verified>(
      [=](Exchange& ex) -> Verified {
        std::string last = "not asked yet";
        std::optional<OrderReport> order = known;
        bool absent = !known.has_value();  // every answer so far: "no such order"
        for (int i = 0; i < attempts; ++i) {
          if (i > 0) sleep(interval);
          if (!order || !usable(order->status, order->filled_qty))
            if (auto stored = stored_fill(*store)) order = stored;
          if (!order || !usable(order->status, order->filled_qty)) {
            auto q = ex.Query(OrderBook::kRegular, symbol, cid);
            if (!q.ok()) {
              absent = absent && q.status().IsNotFound();
              last = q.status().IsNotFound() ? "the exchange does not show the order yet" : q.status().message();
              if (auto fill = pushed_fill()) return *fill;
              continue;  // "not seen yet" is not "not there"
            }
            absent = false;
            order = *q;
            const bool ended = q->status == OrderStatus::kCanceled || q->status == OrderStatus::kExpired ||
                               q->status == OrderStatus::kRejected;
            if (ended && q->filled_qty.is_zero()) return std::make_pair(*q, PositionReport{});
            if (maker && q->status == OrderStatus::kNew) {
              // The stream pushed the position the query does not show filled yet: the read lags
              // (chaos seed 503963: the fill's order event dropped, reads 22 s behind).
              if (auto fill = pushed_fill()) return *fill;
              return std::make_pair(*q, PositionReport{});
            }
            if (!usable(q->status, q->filled_qty) && !ended) {
              last = std::string("order ") + to_string(q->status);
              // A market order does not rest: "new" is a read from before its fill.
              if (!maker)
                if (auto fill = pushed_fill()) return *fill;
              continue;
            }
          }
          if (auto seen = streamed(*order)) return std::make_pair(*order, *seen);
          auto rows = ex.PositionRows(symbol);
          if (!rows.ok()) {
            last = rows.status().message();
            continue;
          }
          bool dated = false;  // a row on the leg as new as the fill
          for (const auto& row : *rows) {
            if (row.position_side != leg) continue;
            const bool right_way = row.amount.sign() == sign.sign();
            if (right_way && row.amount.abs() >= order->filled_qty) return std::make_pair(*order, row);
            dated = dated || row.update_time >= order->update_time;
            last = "position reads " + row.amount.ToString() + ", the fill was " + order->filled_qty.ToString();
          }
          if (!dated && order->status == OrderStatus::kFilled && order->update_time > 0 &&
              order->filled_qty.is_positive() && order->avg_price.is_positive())
            return std::make_pair(*order, position_of_fill(*order));
        }
        const TimeMs age = clock->NowMs() - sent_ms;
        if (absent && age >= absent_after)
          return Status::NotFound("entry " + cid + " is not on the exchange " + std::to_string(age) +
                                  " ms after it was sent: it was never accepted");
        return Status::UnknownOutcome("entry " + cid + " not verified after " + std::to_string(attempts) +
                                      " attempts: " + last);
      },
      [this, id](Verified v) { OnEntryVerified(id, std::move(v)); },
      // A fill already known (the stream, the placement's answer, a pushed position) is a position
      // waiting for its stop: its verification is protective work and does not queue behind reads
      // and settles (chaos seed 602161).
      known || t->pushed->Get() ? JobPriority::kProtective : JobPriority::kNormal);
}

void Engine::OnEntryVerified(const std::string& id, Result<std::pair<OrderReport, PositionReport>> v) {
  Trade* t = TradeOf(id);
  if (!t) return;
  t->verify_in_flight = false;
  if (v.ok()) unproven_legs_.erase(KeyOf(t->signal.symbol, t->leg));  // a read that shows the position
  if (t->state != TradeState::kEntering) return;
  if (v.status().IsNotFound()) {
    // Settled: it never existed. Nothing to protect, nothing to ask about again.
    RecordRefusedOrder(*t->record.entry_client_order_id, "never accepted: " + v.status().message());
    RaiseAlert(AlertKind::kEntryFailed, id, t->signal.symbol, "signal " + id + ": " + v.status().message());
    return EndEntry(id, v.status().message(), Provenance{Source::kRest, std::nullopt, "entry never accepted"});
  }
  if (!v.ok()) {
    PlaceGuardStop(id, "entry not verified");
    SaveSignal(*t, v.status().message() + "; asking again", Provenance{Source::kRest, std::nullopt, "entry unverified"});
    RaiseAlert(AlertKind::kUnknownOutcome, *t->record.entry_client_order_id, t->signal.symbol,
               "signal " + id + ": " + v.status().message());
    loop_.After(5000, [this, id] { VerifyEntry(id); });
    return;
  }
  const OrderReport& order = v->first;
  const PositionReport& row = v->second;
  RecordOrderReport(order, "entry verified");
  if (row.amount.is_zero()) {
    if (t->maker() && order.status == OrderStatus::kNew) {
      if (t->fill_suspected_since && clock_.NowMs() - t->fill_suspected_since < settings_.absent_after_ms) {
        // The stream showed the position; a read saying the entry still rests lags behind it.
        Log("signal " + id + ": the stream showed a position on " + t->signal.symbol +
            ", the query says the entry rests unfilled: the read lags; verifying again");
        loop_.After(kLaggingReadRetryMs, [this, id] { VerifyEntry(id); });
        return;
      }
      // Resting, nothing filled yet (a restart, or a fill the stream reported and then took back):
      // it waits for its fill, its time limit or the venue's cancel.
      t->fill_suspected_since = 0;
      t->entry_resting = true;
      if (t->maker_entry) t->maker_entry->price = order.price;
      if (!t->entry_cancel_asked.empty()) CancelRestingEntry(id, t->entry_cancel_asked);
      return;
    }
    if (t->maker() && !t->expiring && order.status != OrderStatus::kFilled)
      return ReplaceEntry(id, std::string("the entry ended ") + to_string(order.status) + " without a fill", order);
    return EndEntry(id, std::string("entry ended ") + to_string(order.status) + " without a fill" +
                            (t->expiring ? " within its time limit" : ""),
                    Provenance{Source::kRest, order.update_time, "entry ended"});
  }
  t->entry_resting = order.status == OrderStatus::kNew || order.status == OrderStatus::kPartiallyFilled;
  // The position: the stream's record when it has one (it is at least as new), else this read;
  // unless the stream closed it after the fill (an ADL, a liquidation, its stop): the trade is
  // then over, and the evidence that it opened must not open it again (chaos seed 501616).
  auto held = HeldPositionOf(store_, t->signal.symbol, t->leg);
  const TimeMs evidence_ms = std::max(row.update_time, order.update_time);
  if (held.ok() && !held->open && evidence_ms > 0 && held->newest_exchange_ms > evidence_ms) {
    t->entry_price = order.avg_price.is_positive() ? order.avg_price : row.entry_price;
    Advance(*t, TradeState::kProtecting, "entry verified; the position closed since");
    SaveSignal(*t, "entry filled: " + order.filled_qty.ToString() + " @ " + t->entry_price.ToString() +
                       "; the position closed on the exchange since",
               Provenance{Source::kRest, order.update_time, "entry verified"});
    Log("signal " + id + ": entry verified " + order.filled_qty.ToString() + " @ " + t->entry_price.ToString() + "; " +
        t->signal.symbol + " closed since (the stream, at " + format_utc(held->newest_exchange_ms) + ")");
    return AfterPositionChange(t->signal.symbol, t->leg);
  }
  if (held.ok() && !held->open) {
    PositionRecord p;
    p.symbol = row.symbol;
    p.position_side = row.position_side;
    p.qty = row.amount;
    p.entry_price = row.entry_price;
    p.opened_ms = clock_.NowMs();
    p.exchange_updated_ms = row.update_time;
    WriteBatch b(clock_.NowMs());
    b.PutOpenPosition(p, Provenance{Source::kRest, row.update_time, "entry of signal " + id + " verified"});
    // The read holds the fill: when the stream reports it with the read's time, it is counted.
    if (WriteOrLog(b, "recording the position of " + id))
      reported_changes_.Record(row.symbol + "/" + to_string(row.position_side), row.update_time, row.amount);
  }
  t->entry_price = order.avg_price.is_positive() ? order.avg_price : row.entry_price;
  // The exits are reckoned from this fill: a later fill that moves the position's average (an add,
  // a ladder's level) re-prices those given in percent (RepriceExits).
  t->exits_reckoned_from = row.entry_price.is_positive() ? row.entry_price : t->entry_price;
  Advance(*t, TradeState::kProtecting, "entry verified");
  SaveSignal(*t, "entry filled: " + order.filled_qty.ToString() + " @ " + t->entry_price.ToString() + "; placing the stop",
             Provenance{Source::kRest, row.update_time, "entry verified"});
  Log("signal " + id + ": entry verified " + row.symbol + " " + row.amount.ToString() + " @ " + t->entry_price.ToString());
  PlaceExit(id, OrderPurpose::kStop);
}

Result<Decimal> Engine::ExitTrigger(const Trade& t, const PriceLevel& level, const PositionRecord& position,
                                    bool is_stop, bool check_passed) const {
  const std::string& symbol = t.signal.symbol;
  const bool long_position = position.qty.is_positive();
  const Decimal entry = t.entry_price.is_positive() ? t.entry_price : position.entry_price;
  auto raw = LevelPrice(level, entry, long_position ? PositionSide::kLong : PositionSide::kShort, is_stop);
  if (!raw.ok()) return raw.status();
  auto inst = instruments_.find(symbol);
  if (inst == instruments_.end()) return Status::NotFound("the exchange does not list " + symbol);
  // Away from the entry for a stop (never closer than asked), toward it for a take-profit; a
  // break-even stop rounds toward profit (never a loss by a tick).
  const bool round_down = (long_position == is_stop) != level.break_even;
  auto trigger = inst->second.RoundPrice(*raw, round_down ? Rounding::kFloor : Rounding::kCeiling);
  if (!trigger.ok()) return trigger.status();
  if (!trigger->is_positive()) return Status::InvalidInput("the level is at or below zero");
  // A trigger already passed would fire at once (Binance -2021): for a stop that means the loss it
  // limits is already there.
  auto mark = marks_.find(symbol);
  if (check_passed && mark != marks_.end()) {
    const bool below = long_position == is_stop;
    if (below ? *trigger >= mark->second : *trigger <= mark->second)
      return Status::Conflict("the " + std::string(is_stop ? "stop" : "take-profit") + " level " + trigger->ToString() +
                              " is already passed (mark " + mark->second.ToString() + ")");
  }
  return *trigger;
}

void Engine::PlaceExit(const std::string& id, OrderPurpose purpose) {
  Trade* t = TradeOf(id);
  if (!t) return;
  const bool is_stop = purpose == OrderPurpose::kStop;
  const std::string& symbol = t->signal.symbol;
  const std::string key = symbol + "/" + to_string(t->leg);
  auto held = OpenPositionOf(store_, symbol, t->leg);
  if (!held.ok() || !*held) {
    Log("signal " + id + ": no open position to place the " + to_string(purpose) + " under");
    return;
  }
  const PositionRecord position = **held;
  const bool long_position = position.qty.is_positive();
  const PriceLevel level = is_stop ? t->signal.stop_loss : *t->signal.take_profit;
  // A limit take-profit whose level the price has passed takes its profit at once (or, post-only,
  // rests at the book: LimitExitPrice); a conditional one would fire at once.
  const bool limit = !is_stop && level.limit;
  auto trigger = ExitTrigger(*t, level, position, is_stop, !limit);
  if (trigger.ok() && limit) trigger = LimitExitPrice(*t, level, *trigger, long_position);
  if (!trigger.ok()) {
    const std::string problem = trigger.status().message();
    if (is_stop && t->exit_move && t->exit_move->stop_pending)
      return StopMoveSettled(*t, std::nullopt, "the stop cannot be placed: " + problem);
    if (is_stop) return Rollback(id, "the stop cannot be placed: " + problem);
    t->take_profit_done = true;
    if (t->exit_move && t->exit_move->take_profit_pending)
      return TakeProfitMoveSettled(*t, std::nullopt, "take-profit not placed: " + problem);
    SaveSignal(*t, "take-profit not placed: " + problem, Provenance{Source::kEngine, std::nullopt, "take-profit skipped"});
    return;
  }
  if (is_stop && !t->exit_move && AdoptGuardStop(id, *trigger)) return;
  PlaceOrder order;
  order.client_order_id = NewClientId(purpose, symbol);
  order.symbol = symbol;
  order.side = long_position ? Side::kSell : Side::kBuy;
  order.position_side = t->leg;
  if (limit) {
    // In the order book, for the position's size: a reduce-only order cannot close more than the
    // position (the exchange caps or refuses it), and follows its size (FollowTakeProfitSize).
    order.book = OrderBook::kRegular;
    order.type = OrderType::kLimit;
    order.price = *trigger;
    order.qty = position.qty.abs();
    order.reduce_only = true;
    order.time_in_force = level.post_only ? TimeInForce::kGtx : TimeInForce::kGtc;
  } else {
    order.book = OrderBook::kConditional;
    order.type = is_stop ? OrderType::kStopMarket : OrderType::kTakeProfitMarket;
    order.trigger_price = *trigger;
    order.close_position = true;
    order.mark_price_trigger = true;
  }
  const TimeMs now = clock_.NowMs();
  WriteBatch b(now);
  if (is_stop) t->record.stop_client_order_id = order.client_order_id;
  else t->record.take_profit_client_order_id = order.client_order_id;
  // A protected trade stays "protected" while a take-profit goes out (a bot polling the detail
  // waits for that word; the CI's ASan run once read it in this window).
  const std::string still = !is_stop && t->state == TradeState::kProtected ? "protected; " : "";
  SaveSignal(*t, still + "placing the " + to_string(purpose) + " " + order.client_order_id + " at " + trigger->ToString(),
             Provenance{Source::kEngine, std::nullopt, std::string(to_string(purpose)) + " of signal " + id}, &b);
  b.PutIntent(IntentRecord{order.client_order_id, purpose, symbol, order.side, t->leg, position.qty.abs(), *trigger,
                           "signal " + id, now},
              Provenance{Source::kEngine, std::nullopt, std::string(to_string(purpose)) + " of signal " + id});
  OrderRecord pending = PendingRecordOf(order, purpose, position.qty.abs(), now);
  if (auto inst = instruments_.find(symbol); inst != instruments_.end()) pending.close_up_to = inst->second.close_stop_max_qty;
  b.PutOrder(pending, Provenance{Source::kEngine, std::nullopt, std::string("sending ") + to_string(purpose)});
  Status st = store_.Write(b);
  if (!st.ok()) {
    Log("store error before placing the " + std::string(to_string(purpose)) + " of " + id + ": " + st.message());
    if (is_stop) Rollback(id, "the stop's intent could not be recorded: " + st.message());
    return;
  }
  if (is_stop) repairing_.insert(key);
  Log("signal " + id + ": " + to_string(purpose) + " " + order.client_order_id + " " + symbol + " " + to_string(order.side) +
      (limit ? " LIMIT reduceOnly " + order.qty->ToString() + " @ " + trigger->ToString() +
                   (level.post_only ? " post-only" : "")
             : " closePosition trigger " + trigger->ToString() + " MARK_PRICE") +
      " reason=signal");
  const std::string cid = order.client_order_id;
  // A stop whose answer is lost is not waited for: another goes out at once (OnExitPlaced), and
  // this one is settled meanwhile. A take-profit, or a stop already sent again, is settled first.
  const bool resend_if_unknown = is_stop && t->stop_resends < kMaxStopResends;
  OnWorker<Result<OrderReport>>(
      [order](Exchange& ex) { return ex.Place(order); },
      [this, id, purpose, cid, resend_if_unknown](Result<OrderReport> placed) {
        if (!placed.ok() && placed.status().IsUnknownOutcome() && !resend_if_unknown)
          return SettleExit(id, purpose, cid);
        OnExitPlaced(id, purpose, cid, std::move(placed));
      },
      is_stop ? JobPriority::kProtective : JobPriority::kNormal);
}

void Engine::SettleExitOrder(const std::string& symbol, const std::string& cid,
                             std::function<void(Result<OrderReport>)> done, JobPriority priority) {
  SettleOptions settle{settings_.settle_attempts, settings_.settle_interval_ms, settings_.sleep};
  const OrderBook book = BookOfOrder(cid);
  OnWorker<Result<OrderReport>>(
      [symbol, cid, settle, book](Exchange& ex) { return SettleByClientId(ex, book, symbol, cid, settle); },
      std::move(done), priority);
}

void Engine::SettleExit(const std::string& id, OrderPurpose purpose, const std::string& cid) {
  Trade* t = TradeOf(id);
  if (!t) return;
  SettleExitOrder(
      t->signal.symbol, cid,
      [this, id, purpose, cid](Result<OrderReport> settled) { OnExitPlaced(id, purpose, cid, std::move(settled)); },
      // A stop's settle decides between protected and a rollback: ahead of reads, but slow, so
      // not on the worker kept for placing stops.
      purpose == OrderPurpose::kStop ? JobPriority::kClose : JobPriority::kNormal);
}

void Engine::OnExitPlaced(const std::string& id, OrderPurpose purpose, const std::string& cid,
                          Result<OrderReport> placed_now) {
  Result<OrderReport> placed = WithStreamsWord(cid, std::move(placed_now));
  Trade* t = TradeOf(id);
  const bool is_stop = purpose == OrderPurpose::kStop;
  if (t && is_stop) repairing_.erase(t->signal.symbol + "/" + to_string(t->leg));
  if (placed.ok()) {
    ++counters_.orders_placed;
    RecordOrderReport(*placed, std::string(to_string(purpose)) + " placed");
  } else if (placed.status().IsUnknownOutcome()) {
    ++counters_.orders_unknown;
  } else {
    ++counters_.orders_rejected;
    RecordRefusedOrder(cid, "refused: " + placed.status().message());
  }
  if (!t) return;
  bool working = placed.ok() && (placed->status == OrderStatus::kNew || placed->status == OrderStatus::kPartiallyFilled);
  if (t->finished) {
    // The position closed while the answer was on its way (a settle of seconds behind lagging
    // reads): nothing to protect or roll back, and the exit cleanup has already run (chaos seed
    // 857103: "not placed" rolled a closed trade back, whose cancel reached the expired stop again).
    if (working) CancelExit(t->signal.symbol, cid, "the trade ended before its answer");
    return;
  }
  if (!placed.ok() && IsRateRefusal(placed.status()) && !t->finished && !t->close_in_flight &&
      t->closing_because.empty()) {
    // "Too many requests" is the exchange saying "wait", never a verdict on the order: rolling
    // back would meet the same wall with the close (seed 70665). The exit goes again once the
    // wait is over; meanwhile the position is exposed, and the operator is told.
    const TimeMs wait = std::max<TimeMs>(1000, placed.status().retry_after_ms());
    if (is_stop && t->exit_move && t->exit_move->stop_pending) {
      // A moved stop waits; the old one protects the position meanwhile.
      if (t->record.stop_client_order_id == cid) t->record.stop_client_order_id.reset();
    } else if (is_stop) {
      if (t->record.stop_client_order_id == cid) t->record.stop_client_order_id.reset();
      RaiseAlert(AlertKind::kUnprotectedPosition, id + "/rate", t->signal.symbol,
                 "signal " + id + ": the exchange refused the stop for its rate (" + placed.status().message() +
                     "): sending it again in " + std::to_string(wait / 1000) + " s; the position has no stop until then");
    } else {
      if (t->record.take_profit_client_order_id == cid) t->record.take_profit_client_order_id.reset();
    }
    SaveSignal(*t, std::string(is_stop ? "stop" : "take-profit") + " waiting: rate-limited by the exchange, again in " +
                       std::to_string(wait) + " ms",
               Provenance{Source::kRest, std::nullopt, "rate limited"});
    Log("signal " + id + ": " + to_string(purpose) + " " + cid + " refused for the rate (" + placed.status().message() +
        "): again in " + std::to_string(wait) + " ms");
    loop_.After(wait, [this, id, purpose] {
      Trade* tr = TradeOf(id);
      if (!tr || tr->finished || tr->close_in_flight || !tr->closing_because.empty()) return;
      if (purpose == OrderPurpose::kStop && (tr->state != TradeState::kProtecting || tr->record.stop_client_order_id)) return;
      if (purpose != OrderPurpose::kStop && tr->record.take_profit_client_order_id) return;
      PlaceExit(id, purpose);
    });
    return;
  }
  if (!is_stop) {
    t->take_profit_done = true;
    t->take_profit_refill_after.reset();
    const bool moving = t->exit_move && t->exit_move->take_profit_pending;
    if (!moving && !placed.ok() && placed.status().refusal() == Refusal::kPostOnlyWouldTake) {
      // The book crossed its price on the way (Binance -5022): it never existed; one at the book,
      // through the guard, as a maker entry would be.
      if (t->record.take_profit_client_order_id == cid) t->record.take_profit_client_order_id.reset();
      return ReplaceTakeProfit(id, cid, "post-only, the book had crossed its price", std::nullopt);
    }
    if (placed.ok() && is_terminal(placed->status) && !is_conditional(placed->type) &&
        t->record.take_profit_client_order_id == cid) {
      // A limit take-profit that ended by the time its answer came: the price had passed it and it
      // took its profit at once, or the venue ended it (Bybit accepts a post-only the book has
      // crossed, then cancels it): an exit that ended, as the stream tells it. A move's new one
      // that filled at once moved it (to its profit).
      if (moving && placed->filled_qty.is_positive())
        TakeProfitMoveSettled(*t, placed->price, "take-profit " + cid + " filled at once");
      else if (moving)
        return TakeProfitMoveSettled(*t, std::nullopt, "take-profit " + cid + " ended " + to_string(placed->status));
      if (Trade* still = TradeOf(id); still && still->record.take_profit_client_order_id == cid) AfterOrderChange(cid);
      return;
    }
    // Its end came first (a Bybit post-only the venue cancels right after accepting it): the stream
    // handled it (AfterOrderChange), or a moved one is not working whatever its answer said.
    const bool ended_already = [&] {
      auto rec = store_.Order(cid);
      return rec.ok() && *rec && is_terminal((*rec)->state);
    }();
    if (!moving && working && ended_already && t->record.take_profit_client_order_id != cid) return;
    if (ended_already) working = false;
    if (!working) {
      if (t->record.take_profit_client_order_id == cid) t->record.take_profit_client_order_id.reset();
      const std::string why = placed.ok() ? std::string("ended ") + to_string(placed->status) : placed.status().message();
      if (moving) return TakeProfitMoveSettled(*t, std::nullopt, "take-profit " + cid + " not placed: " + why);
      SaveSignal(*t, "take-profit not placed: " + why, Provenance{Source::kRest, std::nullopt, "take-profit refused"});
      RaiseAlert(AlertKind::kEntryFailed, cid, t->signal.symbol, "signal " + id + ": take-profit not placed: " + why);
      return;
    }
    // A limit one has a price, not a trigger.
    if (moving)
      return TakeProfitMoveSettled(*t, placed->trigger_price.is_positive() ? placed->trigger_price : placed->price,
                                   "take-profit " + cid + " resting");
    SaveSignal(*t, "protected; take-profit " + cid + " resting", Provenance{Source::kRest, placed->update_time, "take-profit placed"});
    return;
  }
  if (!placed.ok() && placed.status().IsUnknownOutcome() && t->stop_resends < kMaxStopResends &&
      t->state == TradeState::kProtecting && !t->close_in_flight) {
    // Waiting for the exchange to show it would leave the position bare past the grace period
    // (chaos seed 910). A second closePosition stop cannot close more than the position: it goes
    // out now, and the first, once found, is cancelled.
    ++t->stop_resends;
    Log("signal " + id + ": the stop " + cid + "'s outcome is unknown (" + placed.status().message() +
        "); another stop goes out now, " + cid + " is settled meanwhile");
    PlaceExit(id, OrderPurpose::kStop);  // first: a worker free now sends it before the settle's queries
    return SettleDuplicateStop(id, cid);
  }
  if (!working && !is_closing(t->state)) {
    const std::string why = placed.ok() ? std::string("the stop ended ") + to_string(placed->status)
                                        : "the stop was not placed: " + placed.status().message();
    // A moved stop that did not take leaves the old one, which still protects the position (unless
    // the price the exchange refused it for has passed the old one too).
    if (t->exit_move && t->exit_move->stop_pending) {
      std::optional<Decimal> passed_level;
      if (!placed.ok() && placed.status().refusal() == Refusal::kTriggerPassed) passed_level = TriggerOf(cid);
      return StopMoveSettled(*t, std::nullopt, why, passed_level);
    }
    return Rollback(id, why);
  }
  // The position names its working stop.
  auto held = working ? OpenPositionOf(store_, t->signal.symbol, t->leg) : std::optional<PositionRecord>();
  if (held.ok() && *held) {
    PositionRecord p = **held;
    p.stop_client_order_id = cid;
    WriteBatch b(clock_.NowMs());
    b.PutOpenPosition(p, Provenance{Source::kRest, placed->update_time, "protected by " + cid});
    WriteOrLog(b, "naming the stop of " + id);
  }
  if (is_closing(t->state)) {
    // A close owns the trade (a flatten, a rollback, an exit that filled): a working stop guards
    // the position until the close is verified and its cleanup cancels the stops; the answer
    // neither makes the trade protected again nor starts a rollback (chaos seed 1090177: a stop
    // confirmed during a flatten turned the trade "protected" and cancelled stops that had expired).
    Log("signal " + id + ": stop " + cid + (working ? " working" : " not working") + " while the trade closes");
    return;
  }
  Advance(*t, TradeState::kProtected, "stop " + cid + " confirmed");
  // Those not ended already (a move's old stop may have filled or expired meanwhile).
  CancelSpareStops(id, "a second stop of the same position");
  CancelRepairStopsBeside(*t);
  SaveSignal(*t, "protected by stop " + cid + " at " + placed->trigger_price.ToString(),
             Provenance{Source::kRest, placed->update_time, "stop placed"});
  if (t->exit_move && t->exit_move->stop_pending) StopMoveSettled(*t, placed->trigger_price, "stop " + cid + " working");
  if (TakeProfitDue(*t)) PlaceExit(id, OrderPurpose::kTakeProfit);
}

void Engine::SettleDuplicateStop(const std::string& id, const std::string& cid) {
  Trade* t = TradeOf(id);
  if (!t) return;
  const std::string symbol = t->signal.symbol;
  SettleExitOrder(
      symbol, cid,
      [this, id, symbol, cid](Result<OrderReport> r) {
        if (!r.ok()) {
          // Never seen: the periodic reconcile settles its record once it is old enough.
          Log("the stop " + cid + " sent before another: " + r.status().message());
          return;
        }
        RecordOrderReport(*r, "settled: a stop sent again meanwhile");
        if (r->status != OrderStatus::kNew) return;
        Trade* tr = TradeOf(id);
        if (!tr || tr->record.stop_client_order_id == cid) return;
        // The stop that protects the trade is another one: this one goes, once that one is
        // confirmed. Until then it stays: two stops are safe, none is not.
        if (tr->state == TradeState::kProtected)
          CancelOrder(OrderBook::kConditional, symbol, cid, "a second stop of the same position");
        else
          tr->spare_stops.push_back(cid);
      },
      JobPriority::kNormal);
}

SafeCloseOptions Engine::CloseOptions(const std::string& symbol, std::optional<PositionSide> leg,
                                      const std::string& reason) const {
  SafeCloseOptions o;
  o.account = settings_.account;
  o.symbol = symbol;
  o.position_side = leg;
  o.verify_attempts = settings_.verify_attempts;
  o.verify_interval_ms = settings_.verify_interval_ms;
  o.settle_attempts = settings_.settle_attempts;
  o.settle_interval_ms = settings_.settle_interval_ms;
  const Clock* clock = &clock_;
  o.now = [clock] { return clock->NowMs(); };
  o.sleep = settings_.sleep;
  o.reason = reason;
  // The close's own job ends the trades' limit take-profits first (RestingLimitExits), knowing
  // which the exchange already answered "unknown order": SafeClose does not again.
  o.end_limit_exits = false;
  return o;
}

void Engine::Rollback(const std::string& id, const std::string& why) {
  Trade* t = TradeOf(id);
  if (!t) return;
  ++counters_.rollbacks;
  Advance(*t, TradeState::kClosing, "rollback: " + why);
  t->closing_because = why;
  t->rollback = true;
  SaveSignal(*t, "rolling back: " + why, Provenance{Source::kEngine, std::nullopt, "rollback"});
  Log("signal " + id + ": rolling back " + t->signal.symbol + ": " + why);
  CloseUntilFlat(id, 0);
}

void Engine::CloseUntilFlat(const std::string& id, int attempt) {
  Trade* t = TradeOf(id);
  if (!t || shutting_down_) return;
  // A close owns the trade from here (a flatten not verified may hand it one it did not move, a
  // trade taken after the flatten began: chaos seed 1092227).
  if (!is_closing(t->state)) Advance(*t, TradeState::kClosing, "close: " + t->closing_because);
  t->close_in_flight = true;
  t->close_started = false;
  t->close_queued_ms = clock_.NowMs();
  const std::string why = t->closing_because;
  const std::string what = t->rollback ? "rollback" : "close";
  const SafeCloseOptions o = CloseOptions(t->signal.symbol, hedge_mode_ ? std::optional<PositionSide>(t->leg) : std::nullopt,
                                          what + " of signal " + id + ": " + why);
  // Its adds still resting are ended in the close's own job, before the position is read (as a
  // flatten's entries are): one filling after the read would reopen what the close proved flat.
  std::vector<std::string> adds;
  std::set<std::string> settle_only;
  for (auto& a : t->adds) {
    adds.push_back(a.client_order_id);
    if ((a.cancel_sent && !a.cancel_in_close_job) || entries_being_cancelled_.count(a.client_order_id) ||
        answered_unknown_order_.count(a.client_order_id))
      settle_only.insert(a.client_order_id);
    if (a.cancel_reason.empty()) a.cancel_reason = "its trade is closing: " + why;
    if (!a.cancel_sent) a.cancel_in_close_job = true;
    a.cancel_sent = true;
  }
  const SettleOptions settle{settings_.settle_attempts, settings_.settle_interval_ms, settings_.sleep};
  const std::vector<std::string> limit_exits = RestingLimitExits(t->signal.symbol, o.position_side);
  // Cancels this job sends: a flatten meanwhile only settles them (chaos seed 1190437: a flatten's
  // job cancelled an add again that this one had been answered "unknown order" for).
  std::vector<std::string> cancelling;
  for (const auto& cid : adds)
    if (!settle_only.count(cid) && entries_being_cancelled_.insert(cid).second) cancelling.push_back(cid);
  std::set<std::string> exits_settle_only;
  for (const auto& cid : limit_exits) {
    if (entries_being_cancelled_.insert(cid).second) cancelling.push_back(cid);
    else exits_settle_only.insert(cid);
  }
  struct Outcome {
    EntriesEnded first;  // its adds
    Result<SafeCloseResult> second = Status::Internal("not run");
    EntriesEnded limit_exits;
  };
  OnWorker<std::shared_ptr<Outcome>>(
      [this, o, id, adds, settle_only, settle, limit_exits, exits_settle_only](Exchange& ex) {
        loop_.Post([this, id] { if (Trade* tr = TradeOf(id)) tr->close_started = true; });
        auto out = std::make_shared<Outcome>();
        out->first = EndEntriesBeforeClose(ex, o.symbol, adds, settle_only, settle);
        out->limit_exits = EndEntriesBeforeClose(ex, o.symbol, limit_exits, exits_settle_only, settle);
        out->second = SafeClose(ex, &worker_store_, o);
        return out;
      },
      [this, id, why, what, attempt, cancelling](std::shared_ptr<Outcome> job) {
        for (const auto& cid : cancelling) entries_being_cancelled_.erase(cid);
        Trade* tr = TradeOf(id);
        if (!tr) return;
        tr->close_in_flight = false;
        tr->close_started = false;
        const std::string symbol = tr->signal.symbol;
        for (const auto& e : job->first.ended) RecordOrderReport(e, "cancelled before the close");
        RememberUnknownToExchange(job->first);
        ResumeAddCancels(symbol, tr->leg);
        RecordLimitExitsEnded(job->limit_exits, "cancelled before the close");
        tr = TradeOf(id);
        if (!tr) return;
        Result<SafeCloseResult>& r = job->second;
        // An add that may still rest can still open the leg: not a verified close.
        if (r.ok() && r->verified_flat && !job->first.problems.empty()) {
          r->verified_flat = false;
          r->not_verified_reason = "an add may still rest (" + job->first.problems.front() + ")";
        }
        if (r.ok() && r->verified_flat) {
          // Only a read newer than the last fill that shows flat ends it: "the read said flat" is
          // not evidence while reads lag.
          const std::string outcome = r->was_flat ? std::string("verified flat by a read newer than the last fill")
                                                  : "closed " + r->closed_amount.ToString() + ", verified flat";
          const std::string after = attempt > 0 ? " (attempt " + std::to_string(attempt + 1) + ")" : std::string();
          Advance(*tr, tr->rollback ? TradeState::kRolledBack : TradeState::kClosed, outcome);
          SaveSignal(*tr, std::string(tr->rollback ? "rolled back" : "closed") + " (" + why + "): " + outcome + after,
                     Provenance{Source::kRest, r->flat_as_of ? std::optional<TimeMs>(r->flat_as_of) : std::nullopt,
                                tr->rollback ? "rolled back" : "closed"});
          if (tr->rollback)
            RaiseAlert(AlertKind::kRollback, id, symbol, "signal " + id + " rolled back on " + symbol + ": " + why + "; " + outcome + after);
          else
            Log("signal " + id + ": " + symbol + " " + outcome + after);
          tr->closing_because.clear();
          tr->finished = true;
          ScheduleExitCleanup(id, tr->rollback ? "rolled back" : "closed");
          ForgetIfDone(id);
          return;
        }
        // Not proven flat: the signal stays unresolved and keel keeps at it. The position keeps its
        // stop meanwhile (only a verified close cancels protection).
        const std::string detail = r.ok() ? r->not_verified_reason : r.status().message();
        TimeMs wait = std::min<TimeMs>(60'000, 1000LL << std::min(attempt, 6));
        if (r.ok()) wait = std::max(wait, r->retry_after_ms);
        else wait = std::max<TimeMs>(wait, r.status().retry_after_ms());
        Advance(*tr, TradeState::kUnresolved, what + " not verified: " + detail);
        SaveSignal(*tr, what + " not verified (" + why + "): " + detail + "; trying again in " + std::to_string(wait / 1000) + " s",
                   Provenance{Source::kRest, std::nullopt, what + " not verified"});
        if (attempt == 0) {
          RaiseAlert(tr->rollback ? AlertKind::kRollbackFailed : AlertKind::kUnknownOutcome, id, symbol,
                     "signal " + id + ": " + what + " on " + symbol + " not verified: " + detail +
                         " (keel keeps trying; by hand: keel-close-position " + symbol + ")");
        }
        Log("signal " + id + ": " + what + " on " + symbol + " not verified (" + detail + "): again in " +
            std::to_string(wait) + " ms");
        loop_.After(wait, [this, id, attempt] { CloseUntilFlat(id, attempt + 1); });
      },
      JobPriority::kClose);
}

}  // namespace keel
