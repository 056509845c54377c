#include "keel/safety/safe_close.h"

#include <algorithm>

#include "close_limit_exits.h"
#include "keel/safety/client_ids.h"
#include "keel/safety/sent_order.h"
#include "keel/safety/settle.h"

namespace keel {
namespace {

Result<std::optional<PositionReport>> read_position(Exchange& ex, const std::string& symbol,
                                                    const std::optional<PositionSide>& side) {
  auto positions = ex.Positions();
  if (!positions.ok()) return positions.status();
  std::vector<PositionReport> matching;
  for (const auto& p : *positions)
    if (p.symbol == symbol && !p.amount.is_zero() && (!side || p.position_side == *side)) matching.push_back(p);
  if (matching.size() > 1)
    return Status::InvalidInput(symbol + " has both a LONG and a SHORT position: give --position-side LONG or SHORT");
  if (matching.empty()) return std::optional<PositionReport>();
  return std::optional<PositionReport>(matching.front());
}

// The request against the account's position mode: a leg that does not exist is refused, never
// read as "already flat".
Status check_position_mode(Exchange& ex, const SafeCloseOptions& o) {
  if (!o.position_side) return Status::Ok();
  auto hedge = ex.HedgeMode();
  if (!hedge.ok()) return hedge.status().WithContext("reading the account's position mode");
  if (!*hedge && *o.position_side != PositionSide::kBoth) {
    return Status::InvalidInput(std::string("--position-side ") + to_string(*o.position_side) +
                                ": the account is in one-way mode, where positions have no LONG or SHORT leg: "
                                "leave --position-side out");
  }
  if (*hedge && *o.position_side == PositionSide::kBoth) {
    return Status::InvalidInput("--position-side BOTH: the account is in hedge mode: name the leg, LONG or SHORT");
  }
  return Status::Ok();
}

// The store's open record of the position asked about: the leg named, or the only one.
Result<std::optional<PositionRecord>> tracked_position(StateStore* store, const std::string& symbol,
                                                       const std::optional<PositionSide>& side) {
  if (!store) return std::optional<PositionRecord>();
  if (side) return OpenPositionOf(*store, symbol, *side);
  PositionFilter f;
  f.symbol = symbol;
  f.state = PositionState::kOpen;
  auto mine = store->Positions(f);
  if (!mine.ok()) return mine.status();
  // Both legs and none named: refused as the exchange's read of both is. A read that shows one
  // leg only may lag behind the other (chaos seed 1123668: the tool closed the SHORT by a read
  // 10 s behind and said the symbol flat while the LONG stood).
  if (mine->size() > 1)
    return Status::InvalidInput(symbol + ": keel's record holds both a LONG and a SHORT position: give --position-side "
                                "LONG or SHORT");
  if (mine->empty()) return std::optional<PositionRecord>();
  return std::optional<PositionRecord>(mine->front());
}

void not_verified(SafeCloseResult& r, const std::string& why) {
  r.not_verified_reason = why;
  r.steps.push_back("NOT VERIFIED: " + why);
}

// The newest exchange time keel has applied to the leg, open or closed (0 without a store). A read
// older than it is behind what the stream already told: another fill on the leg (a new entry, a
// concurrent close) came after the one being verified (chaos seed 931645: a flat row from before a
// new entry proved a close-position "flat" while 20 were open).
Result<TimeMs> newest_known(StateStore* store, const std::string& symbol, PositionSide side) {
  if (!store) return TimeMs{0};
  auto held = HeldPositionOf(*store, symbol, side);
  if (!held.ok()) return held.status().WithContext("reading keel's record of " + symbol);
  return held->newest_exchange_ms;
}

// The stream told of a change on the leg after the read that proved it flat (a new entry filled,
// another close): that proof is out of date, and the orders and record of what is open now are
// not this close's to end (chaos seed 931855: a close-position cancelled the guard stop of an entry
// filled while it verified, closed its record, and said flat with 30 open).
Result<bool> moved_on_since(StateStore* store, const std::string& symbol, PositionSide side, TimeMs flat_as_of,
                            SafeCloseResult& r) {
  auto known = newest_known(store, symbol, side);
  if (!known.ok()) return known.status();
  if (*known <= flat_as_of) return false;
  r.verified_flat = false;
  r.not_verified_reason.clear();
  not_verified(r, symbol + "/" + to_string(side) + " changed after the read that proved it flat (the stream told of " +
                      format_utc(*known) + ", the read was of " + format_utc(flat_as_of) +
                      "): what is open now is another position's; run again");
  return true;
}

// The rows of the leg (every leg of the symbol when none is named), once every one of them is at
// least as new as `after` (the last fill), read again while the reads lag. nullopt: no such read
// came within the attempts.
Result<std::optional<std::vector<PositionReport>>> fresh_rows(Exchange& ex, StateStore* store,
                                                              const SafeCloseOptions& o,
                                                              std::optional<PositionSide> side, TimeMs after,
                                                              SafeCloseResult& r) {
  using Rows = std::vector<PositionReport>;
  for (int i = 0; i < o.verify_attempts; ++i) {
    if (i > 0) o.sleep(o.verify_interval_ms);
    auto rows = ex.PositionRows(o.symbol);
    if (!rows.ok()) {
      r.steps.push_back("position read failed: " + rows.status().message());
      continue;
    }
    // What the stream told of the leg meanwhile counts too (a new entry's fill).
    if (side) {
      auto known = newest_known(store, o.symbol, *side);
      if (!known.ok()) return known.status();
      after = std::max(after, *known);
    }
    Rows mine;
    bool behind = false;
    for (const auto& row : *rows) {
      if (side && row.position_side != *side) continue;
      mine.push_back(row);
      if (row.update_time >= after) continue;
      behind = true;
      // A row the venue never changed carries time 0 (Binance's updateTime of a symbol not traded).
      r.steps.push_back("position read " + std::to_string(i + 1) + " is older than the last fill (" +
                        (row.update_time > 0 ? format_utc(row.update_time) : std::string("a row with no time")) +
                        " < " + format_utc(after) + "): reading again");
    }
    if (!behind && !mine.empty()) return std::optional<Rows>(std::move(mine));
  }
  return std::optional<Rows>();
}

Result<std::optional<PositionReport>> fresh_row(Exchange& ex, StateStore* store, const SafeCloseOptions& o,
                                                PositionSide side, TimeMs after, SafeCloseResult& r) {
  auto rows = fresh_rows(ex, store, o, side, after, r);
  if (!rows.ok()) return rows.status();
  if (!*rows) return std::optional<PositionReport>();
  return std::optional<PositionReport>((*rows)->front());
}

// The close order's final word: its answer if terminal, else asked for until it is.
Result<OrderReport> known_outcome(Exchange& ex, const SafeCloseOptions& o, const PlaceOrder& close,
                                  Result<OrderReport> placed, SafeCloseResult& r) {
  if (!placed.ok() && placed.status().IsUnknownOutcome()) {
    r.steps.push_back("close " + close.client_order_id + ": answer lost (" + placed.status().message() +
                      "); settling by client order id, no second close");
    placed = SettleByClientId(ex, OrderBook::kRegular, o.symbol, close.client_order_id,
                              SettleOptions{o.settle_attempts, o.settle_interval_ms, o.sleep});
    if (!placed.ok()) return placed;
    r.steps.push_back("close " + close.client_order_id + " found: " + to_string(placed->status));
  }
  if (!placed.ok()) return placed;
  for (int i = 0; !is_terminal(placed->status) && i < o.settle_attempts; ++i) {
    o.sleep(o.settle_interval_ms);
    auto again = ex.Query(OrderBook::kRegular, o.symbol, close.client_order_id);
    if (again.ok()) placed = std::move(again);
  }
  if (!is_terminal(placed->status)) {
    return Status::UnknownOutcome("close " + close.client_order_id + " still " + to_string(placed->status) +
                                  " after " + std::to_string(o.settle_attempts) + " queries");
  }
  return placed;
}

void cancel_protection(Exchange& ex, StateStore* store, const SafeCloseOptions& o, SafeCloseResult& r) {
  // The position is gone: its protective orders (keel's) would only open a new one.
  auto open = ex.OpenOrders();
  if (!open.ok()) {
    r.steps.push_back("could not list open orders to cancel the stops: " + open.status().message());
    return;
  }
  for (const auto& x : *open) {
    if (x.symbol != o.symbol || x.position_side != r.position_side) continue;
    if (!(x.reduce_only || x.close_position || x.book == OrderBook::kConditional)) continue;
    if (!IsOwnClientOrderId(o.account, x.client_order_id)) continue;
    // A lagging list still shows an order keel already saw end: a cancel would touch an ended
    // order (chaos seed 719954: a stop expired with its position, cancelled again 2 s later).
    if (store) {
      auto known = store->Order(x.client_order_id);
      if (known.ok() && *known && is_terminal((*known)->state)) continue;
    }
    auto moved = moved_on_since(store, o.symbol, r.position_side, r.flat_as_of, r);
    if (!moved.ok() || *moved) {
      r.steps.push_back(moved.ok() ? std::string("the protective orders stay: they may be the new position's")
                                   : "could not read keel's record before cancelling: " + moved.status().message());
      if (!moved.ok()) {
        r.verified_flat = false;
        not_verified(r, "keel's record of " + o.symbol + " could not be read: run again");
      }
      return;
    }
    auto cancelled = ex.Cancel(x.book, x.symbol, x.client_order_id);
    if (!cancelled.ok() && !cancelled.status().IsNotFound()) {
      r.steps.push_back("could not cancel " + x.client_order_id + ": " + cancelled.status().message());
      continue;
    }
    r.cancelled.push_back(x.client_order_id);
    if (!store) continue;
    auto rec = store->Order(x.client_order_id);
    if (!rec.ok()) {
      r.steps.push_back("reading keel's record of " + x.client_order_id + " failed: " + rec.status().message());
      continue;
    }
    if (*rec && !is_terminal((*rec)->state)) {
      OrderRecord updated = **rec;
      updated.state = OrderState::kCanceled;
      updated.updated_ms = o.now();
      WriteBatch b(o.now());
      b.PutOrder(updated, Provenance{Source::kRest, std::nullopt, "protective order of a closed position"});
      Status s = store->Write(b);
      if (!s.ok()) r.steps.push_back("recording the cancel of " + x.client_order_id + " failed: " + s.message());
    }
  }
  if (!r.cancelled.empty()) r.steps.push_back("cancelled " + std::to_string(r.cancelled.size()) + " protective order(s)");
  // The exchange ends some itself (a closePosition stop expires with its position): what the store
  // still holds open for this position is asked about and recorded as the exchange reports it.
  if (!store) return;
  OrderFilter f;
  f.symbol = o.symbol;
  f.open_only = true;
  auto held = store->Orders(f);
  if (!held.ok()) {
    r.steps.push_back("reading keel's open orders for " + o.symbol + " failed: " + held.status().message());
    return;
  }
  for (const auto& mine : *held) {
    if (mine.position_side != r.position_side || !is_protective(mine.purpose)) continue;
    if (std::find(r.cancelled.begin(), r.cancelled.end(), mine.client_order_id) != r.cancelled.end()) continue;
    const OrderBook book = is_conditional(mine.type) ? OrderBook::kConditional : OrderBook::kRegular;
    auto now_state = ex.Query(book, o.symbol, mine.client_order_id);
    if (!now_state.ok()) {
      r.steps.push_back("could not ask about " + mine.client_order_id + ": " + now_state.status().message());
      continue;
    }
    if (!is_terminal(now_state->status)) continue;
    Status s = RecordReported(store, mine.client_order_id, *now_state, o.now(), "ended by the exchange with its position");
    if (s.ok()) r.steps.push_back(mine.client_order_id + " was " + to_string(now_state->status) + " by the exchange");
    else r.steps.push_back("recording the end of " + mine.client_order_id + " failed: " + s.message());
  }
}

// True when the exchange's row of keel's leg is older than keel's record of it or than the
// account's last fill in the symbol: a read that has not caught up.
Result<bool> read_is_behind(Exchange& ex, const SafeCloseOptions& o, const PositionRecord& mine, SafeCloseResult& r) {
  auto last_fill = ex.LastFillTime(o.symbol);
  if (!last_fill.ok()) return last_fill.status();
  auto rows = ex.PositionRows(o.symbol);
  if (!rows.ok()) return rows.status();
  const TimeMs known = std::max(last_fill->value_or(0), mine.exchange_updated_ms.value_or(0));
  for (const auto& row : *rows) {
    if (row.position_side != mine.position_side) continue;
    if (!row.amount.is_zero() || row.update_time >= known) return false;
    r.steps.push_back("the exchange reads " + o.symbol + " flat as of " + format_utc(row.update_time) +
                      ", older than keel's record and the last fill (" + format_utc(known) + "): closing " +
                      mine.qty.ToString() + " by keel's record, reduce-only");
    return true;
  }
  return false;
}

// Proven flat: keel's protective orders of the leg go, unless the leg moved on since the proof
// (checked before and after the cancels, which take a while). false: it did, r says "not
// verified", and nothing of the leg may be recorded closed.
Result<bool> end_protection(Exchange& ex, StateStore* store, const SafeCloseOptions& o, SafeCloseResult& r) {
  auto moved = moved_on_since(store, o.symbol, r.position_side, r.flat_as_of, r);
  if (!moved.ok()) return moved.status();
  if (*moved) return false;
  cancel_protection(ex, store, o, r);
  if (!r.verified_flat) return false;
  moved = moved_on_since(store, o.symbol, r.position_side, r.flat_as_of, r);
  if (!moved.ok()) return moved.status();
  return !*moved;
}

// Step 1: what cannot be right is refused before anything is sent. The answer is the symbol's
// instrument, when keel can model it (its MARKET_LOT_SIZE and lot step).
Result<std::optional<Instrument>> check_request(Exchange& ex, const SafeCloseOptions& o) {
  KEEL_RETURN_IF_ERROR(ValidateSymbol(o.symbol));
  KEEL_RETURN_IF_ERROR(CheckPartialClose(o.reduce_by, o.reduce_pct));
  auto listed = ex.Instruments();
  if (!listed.ok()) return listed.status().WithContext("reading the exchange's symbols");
  if (!listed->Lists(o.symbol)) {
    return Status::NotFound("the exchange does not list " + o.symbol + ": nothing was sent (check the symbol)");
  }
  KEEL_RETURN_IF_ERROR(check_position_mode(ex, o));
  auto instrument = listed->Find(o.symbol);
  if (!instrument.ok()) return std::optional<Instrument>();
  return std::optional<Instrument>(*instrument);
}

// How much a partial close closes of the position `held` (its absolute size): the quantity asked,
// or the percent of the position, rounded down to the lot step; never all of it.
Result<Decimal> part_to_close(const SafeCloseOptions& o, const std::optional<Instrument>& instrument, Decimal held) {
  Decimal part = o.reduce_by.value_or(Decimal());
  if (o.reduce_pct) {
    auto share = held.Mul(*o.reduce_pct, Rounding::kDown);
    if (!share.ok()) return share.status();
    auto pct = share->Div(Decimal::FromInteger(100).value(), Rounding::kDown);
    if (!pct.ok()) return pct.status();
    part = *pct;
  }
  if (instrument && instrument->step_size.is_positive()) {
    auto rounded = instrument->RoundQuantity(part, Rounding::kFloor);
    if (!rounded.ok()) return rounded.status();
    part = *rounded;
  }
  if (!part.is_positive())
    return Status::InvalidInput("a partial close of " + o.symbol + " rounds to nothing at its lot step: nothing was sent");
  if (instrument && instrument->min_qty.is_positive() && part < instrument->min_qty)
    return Status::InvalidInput("a partial close of " + part.ToString() + " is below " + o.symbol + "'s minimum order (" +
                                instrument->min_qty.ToString() + "): nothing was sent");
  if (part >= held)
    return Status::InvalidInput("a partial close of " + part.ToString() + " is the whole " + o.symbol + " position (" +
                                held.ToString() + "): close it instead; nothing was sent");
  return part;
}

// The read said flat. That is proof only when the read is known to be current: as new as the
// account's last fill in the symbol (a position that opened after a lagging read shows as a flat
// row from before it, seed 004), and as new as what keel last applied to its own record. A newer
// read that shows the position open is returned: it is closed like any other.
Result<std::optional<PositionReport>> prove_already_flat(Exchange& ex, StateStore* store, const SafeCloseOptions& o,
                                                         const std::optional<PositionRecord>& mine, SafeCloseResult& r) {
  using Open = std::optional<PositionReport>;
  r.was_flat = true;
  r.position_side = mine ? mine->position_side : o.position_side.value_or(PositionSide::kBoth);
  auto last_fill = ex.LastFillTime(o.symbol);
  if (!last_fill.ok()) {
    not_verified(r, "cannot prove " + o.symbol + " flat: the trade history could not be read (" +
                        last_fill.status().message() + ")");
    return Open();
  }
  TimeMs after = last_fill->value_or(0);
  // As new as keel's record, not newer: a position closed in the millisecond it opened (a rollback's
  // close filling with its entry) reads flat with that very time, and no later read can ever be
  // newer (chaos seed 602484: a rollback not verified for a minute, the store open on a flat leg).
  if (mine) after = std::max(after, mine->exchange_updated_ms.value_or(0));
  std::optional<PositionSide> leg;
  if (mine || o.position_side) leg = r.position_side;
  auto rows = fresh_rows(ex, store, o, leg, after, r);
  if (!rows.ok()) return rows.status();
  if (!*rows) {
    not_verified(r, "cannot prove " + o.symbol + " flat: reads lag (no position read as new as " +
                        (*last_fill ? "the last fill, " + format_utc(**last_fill) : std::string("keel's record")) +
                        " came); the position may be open: run again, or look at the exchange's own view");
    return Open();
  }
  std::vector<PositionReport> open;
  for (const auto& row : **rows)
    if (!row.amount.is_zero()) open.push_back(row);
  if (open.size() > 1)
    return Status::InvalidInput(o.symbol + " has both a LONG and a SHORT position: give --position-side LONG or SHORT");
  if (!open.empty()) {
    // The fresh read shows a position the first read missed: it is closed now.
    r.was_flat = false;
    r.steps.push_back("a newer read shows " + o.symbol + "/" + to_string(open.front().position_side) + " " +
                      open.front().amount.ToString() + " open: closing it");
    return Open(open.front());
  }
  r.verified_flat = true;
  for (const auto& row : **rows) r.flat_as_of = std::max(r.flat_as_of, row.update_time);
  r.steps.push_back(o.symbol + " is already flat on the exchange (read of " + format_utc(r.flat_as_of) + ", " +
                    (*last_fill ? "no fill after it" : std::string("no fill in the exchange's history")) +
                    "): nothing to close");
  if (!mine) return Open();
  auto ended = end_protection(ex, store, o, r);
  if (!ended.ok()) return ended.status();
  if (!*ended) return Open();
  WriteBatch b(o.now());
  b.ClosePosition(o.symbol, r.position_side, o.now(), o.reason,
                  Provenance{Source::kRest, r.flat_as_of, "proven flat: a position read newer than the last fill"});
  KEEL_RETURN_IF_ERROR(store->Write(b));
  return Open();
}

// A partial close proven: the store's open record takes the read's size, unless it already holds
// something newer (the stream's).
Status record_reduced(StateStore* store, const SafeCloseOptions& o, const SafeCloseResult& r) {
  if (!store) return Status::Ok();
  auto held = HeldPositionOf(*store, o.symbol, r.position_side);
  if (!held.ok()) return held.status();
  if (!held->open || held->newest_exchange_ms > r.flat_as_of) return Status::Ok();
  PositionRecord p = *held->open;
  p.qty = r.remaining_amount;
  p.exchange_updated_ms = r.flat_as_of;
  WriteBatch b(o.now());
  b.PutOpenPosition(p, Provenance{Source::kRest, r.flat_as_of, "partial close verified: " + o.reason});
  return store->Write(b);
}

// The time a close's client order id is made from: after the last one this close used, and of
// the leg's own parity. Two closes of one symbol's legs (a hedge-mode flatten) run on two workers
// at once: a LONG leg's ids are made from even milliseconds and a SHORT leg's from odd ones, so the
// two never make the same id (one would be refused as reused). No state outside the close: a
// replayed episode makes the same ids.
TimeMs CloseIdTime(PositionSide leg, TimeMs now, TimeMs last) {
  TimeMs t = std::max(now, last + 1);
  if (leg == PositionSide::kLong && t % 2 != 0) ++t;
  if (leg == PositionSide::kShort && t % 2 == 0) ++t;
  return t;
}

// Steps 3 and 4 for one chunk: its intent written, the order sent, its outcome settled (asked for
// by client id, never sent twice). nullopt: the chunk was refused or its outcome stays unknown,
// and nothing more may be sent.
Result<std::optional<OrderReport>> close_chunk(Exchange& ex, StateStore* store, const SafeCloseOptions& o,
                                               const PositionReport& p, Decimal qty, TimeMs id_time,
                                               SafeCloseResult& r) {
  PlaceOrder close;
  close.client_order_id = MakeClientOrderId(o.account, OrderPurpose::kClose, o.symbol, id_time);
  close.symbol = o.symbol;
  close.side = r.close_side;
  close.position_side = p.position_side;
  close.type = OrderType::kMarket;
  close.qty = qty;
  close.reduce_only = true;  // one-way: reduceOnly; hedge: the adapter holds it to the closing pair
  if (store) {
    IntentRecord intent{close.client_order_id, OrderPurpose::kClose, o.symbol, r.close_side, p.position_side,
                        qty, std::nullopt, o.reason, o.now()};
    const OrderRecord pending = PendingRecordOf(close, OrderPurpose::kClose, qty, o.now());
    WriteBatch b(o.now());
    b.PutIntent(intent, Provenance{Source::kOperator, std::nullopt, o.reason})
        .PutOrder(pending, Provenance{Source::kOperator, std::nullopt, "sending close"});
    KEEL_RETURN_IF_ERROR(store->Write(b).WithContext("recording the close intent"));
  }
  auto placed = ex.Place(close);
  r.sent = true;
  if (!placed.ok() && !placed.status().IsUnknownOutcome()) {
    r.steps.push_back("close " + close.client_order_id + " refused: " + placed.status().message());
    KEEL_RETURN_IF_ERROR(RecordRefused(store, close.client_order_id, o.now(), placed.status().message()));
    if (IsRateRefusal(placed.status())) {
      r.retry_after_ms = std::max<TimeMs>(placed.status().retry_after_ms(), 1000);
      not_verified(r, "the exchange asked to wait (rate limit) before the close of " + o.symbol +
                          ": nothing was closed; run again after " + std::to_string(r.retry_after_ms / 1000) + " s");
    }
    if (!placed.status().IsExchange()) return placed.status().WithContext("closing " + o.symbol);
    return std::optional<OrderReport>();
  }
  if (placed.ok()) r.steps.push_back("close " + close.client_order_id + " answered " + to_string(placed->status));
  auto outcome = known_outcome(ex, o, close, std::move(placed), r);
  if (!outcome.ok()) {
    // Not knowing what the last close did, keel sends nothing more: it would be a guess.
    r.steps.push_back(outcome.status().message() + ": no further close is sent");
    return std::optional<OrderReport>();
  }
  r.close_orders.push_back(*outcome);
  KEEL_RETURN_IF_ERROR(RecordReported(store, close.client_order_id, *outcome, o.now(), "close answered"));
  return std::optional<OrderReport>(*outcome);
}

}  // namespace

Side ClosingSide(const PositionReport& p) {
  if (p.position_side == PositionSide::kLong) return Side::kSell;
  if (p.position_side == PositionSide::kShort) return Side::kBuy;
  return p.amount.is_negative() ? Side::kBuy : Side::kSell;
}

Status CheckPartialClose(const std::optional<Decimal>& reduce_by, const std::optional<Decimal>& reduce_pct) {
  if (reduce_by && reduce_pct) return Status::InvalidInput("a partial close: give a quantity or a percent, not both");
  if (reduce_by && !reduce_by->is_positive())
    return Status::InvalidInput("a partial close: expected a quantity above 0, found " + reduce_by->ToString());
  if (reduce_pct && (!reduce_pct->is_positive() || *reduce_pct >= Decimal::FromInteger(100).value()))
    return Status::InvalidInput("a partial close: expected a percent above 0 and below 100, found " +
                                reduce_pct->ToString());
  return Status::Ok();
}

Result<SafeCloseResult> SafeClose(Exchange& ex, StateStore* store, const SafeCloseOptions& o) {
  SafeCloseResult r;
  // 1. Refuse what cannot be right.
  auto instrument = check_request(ex, o);
  if (!instrument.ok()) return instrument.status();
  const std::optional<Decimal> chunk_max = *instrument ? (*instrument)->MaxMarketQuantity() : std::nullopt;
  const bool partial = o.reduce_by || o.reduce_pct;

  // 2. Read the position just before sending.
  auto position = read_position(ex, o.symbol, o.position_side);
  if (!position.ok()) return position.status().WithContext("reading " + o.symbol + " before closing");
  auto tracked = tracked_position(store, o.symbol, o.position_side);
  if (!tracked.ok()) return tracked.status().WithContext("reading keel's record of " + o.symbol);
  const std::optional<PositionRecord> mine = std::move(tracked).value();
  // The exchange reads flat but keel holds the position open: a REST read that has not seen the
  // position yet is not proof it is gone (seed 001). When the read is provably older than keel's
  // record (the stream's) and the last fill, the record is the newer evidence: the close goes out
  // by it at once, reduce-only, so a record that is wrong can close nothing that is not there
  // (chaos seed 300399: a rollback waited 5 s of re-reads while the position stood bare).
  if (!*position && mine && !mine->qty.is_zero()) {
    if (auto stale = read_is_behind(ex, o, *mine, r); stale.ok() && *stale) {
      *position = PositionReport{mine->symbol, mine->position_side, mine->qty, mine->entry_price,
                                 mine->exchange_updated_ms.value_or(0)};
    }
  }
  for (int i = 0; !*position && mine && i < o.settle_attempts; ++i) {
    r.steps.push_back("the exchange reads " + o.symbol + " flat but keel holds it open: reading again");
    o.sleep(o.settle_interval_ms);
    position = read_position(ex, o.symbol, o.position_side);
    if (!position.ok()) return position.status().WithContext("reading " + o.symbol + " before closing");
  }
  if (!*position && partial)
    return Status::NotFound("no open " + o.symbol + " position on the exchange to close part of: nothing was sent");
  if (!*position) {
    auto open = prove_already_flat(ex, store, o, mine, r);
    if (!open.ok()) return open.status();
    if (!*open) return r;
    *position = std::move(open).value();
  }

  // keel's limit take-profits on the leg end before anything is sent (close_limit_exits.h); what
  // they did meanwhile (a fill) shows in a read after them, which the close goes by.
  EntriesEnded limit_exits;
  if (o.end_limit_exits) {
    const PositionSide leg = (*position)->position_side;
    auto ended = EndLimitExits(ex, store, o, leg, ClosingSide(**position), r);
    if (!ended.ok()) return ended.status();
    limit_exits = std::move(ended).value();
    if (!limit_exits.problems.empty()) {
      not_verified(r, "take-profit " + limit_exits.problems.front() + ": it may still rest, and a close beside it " +
                          "is refused; nothing was sent: run again");
      return r;
    }
    if (!limit_exits.ended.empty()) {
      position = read_position(ex, o.symbol, leg);
      if (!position.ok()) return position.status().WithContext("reading " + o.symbol + " after its take-profits ended");
      if (!*position && partial) {
        not_verified(r, o.symbol + " reads flat after its take-profits ended (one may have filled): nothing was "
                        "sent; look before acting");
        return r;
      }
      if (!*position) {
        auto open = prove_already_flat(ex, store, o, mine, r);
        if (!open.ok()) return open.status();
        if (!*open) return r;
        *position = std::move(open).value();
      }
    }
  }

  const PositionReport& p = **position;
  r.position_side = p.position_side;
  r.closed_amount = p.amount;
  r.close_side = ClosingSide(p);
  // What is to be left: nothing, or for a partial close the position less the part.
  Decimal keep;
  Decimal part;
  Decimal remaining = p.amount.abs();
  if (partial) {
    auto to_close = part_to_close(o, *instrument, p.amount.abs());
    if (!to_close.ok()) return to_close.status();
    part = *to_close;
    remaining = part;
    keep = p.amount.abs().Sub(part).value();
  }
  r.steps.push_back("exchange position " + o.symbol + "/" + to_string(p.position_side) + " " + p.amount.ToString() +
                    ": close " + (partial ? "part of it " : "") + "with " + to_string(r.close_side) + " " +
                    remaining.ToString() + " reduce-only" +
                    (chunk_max && remaining > *chunk_max
                         ? " in orders of at most " + chunk_max->ToString() + " (MARKET_LOT_SIZE)"
                         : std::string()));

  // One more order than the chunks need covers a partial fill; a close that keeps falling short
  // stops there and is reported, never retried without end.
  int orders_left = 2;
  if (chunk_max && chunk_max->is_positive()) {
    const std::int64_t chunks = (remaining.units() - 1) / chunk_max->units() + 1;
    orders_left += static_cast<int>(std::min<std::int64_t>(chunks, 1000));
  }
  TimeMs last_id_time = 0;
  while (remaining.is_positive() && orders_left-- > 0) {
    // 3 and 4. One chunk, its own intent and id (ids made from distinct milliseconds), settled.
    last_id_time = CloseIdTime(p.position_side, o.now(), last_id_time);
    auto filled = close_chunk(ex, store, o, p, chunk_max && remaining > *chunk_max ? *chunk_max : remaining,
                              last_id_time, r);
    if (!filled.ok()) return filled.status();
    if (!*filled) break;
    auto sum = r.reduced_by.Add((*filled)->filled_qty);
    if (sum.ok()) r.reduced_by = *sum;
    // 5. A read newer than the fill, and than anything the stream told of the leg since, says
    // what is left.
    auto row = fresh_row(ex, store, o, p.position_side, (*filled)->update_time, r);
    if (!row.ok()) return row.status();
    if (!*row) {
      not_verified(r, "no position read newer than the fill of " + (*filled)->client_order_id +
                          " came: cannot prove " + o.symbol + " flat (reads lag): run again");
      break;
    }
    if (partial) {
      // The partial close's one decision: a read newer than the last fill shows exactly what was
      // to be left. More left: the rest of the part goes; less, or turned over: someone else
      // closed some too, which keel cannot account for.
      const Decimal left = (*row)->amount.abs();
      const bool same_side = (*row)->amount.sign() == p.amount.sign();
      // What the read should show if only keel's close orders changed the position.
      const Decimal expected = p.amount.abs().Sub(r.reduced_by).value();
      if (same_side && left == keep) {
        r.verified_reduced = true;
        r.remaining_amount = (*row)->amount;
        r.flat_as_of = (*row)->update_time;
        r.steps.push_back("verified: " + o.symbol + "/" + to_string(p.position_side) + " " + (*row)->amount.ToString() +
                          " by a position read of " + format_utc((*row)->update_time) + ", newer than the fill");
        break;
      }
      if (!same_side || left != expected || r.reduced_by >= part) {
        // Something other than keel's close changed the position (another fill, an exit): closing
        // more now could close what was not asked for.
        not_verified(r, o.symbol + " reads " + (*row)->amount.ToString() + " after the partial close, not the " +
                            keep.ToString() + " to be left: something else changed the position; look before acting");
        break;
      }
      remaining = part.Sub(r.reduced_by).value();
      r.steps.push_back(o.symbol + "/" + to_string(p.position_side) + " still " + (*row)->amount.ToString() + " after " +
                        (*filled)->client_order_id + ": closing " + remaining.ToString() + " more");
      continue;
    }
    if ((*row)->amount.is_zero()) {
      // The one decision that says "verified": a read newer than the last fill shows flat.
      r.verified_flat = true;
      r.flat_as_of = (*row)->update_time;
      r.steps.push_back("verified flat: a position read of " + format_utc((*row)->update_time) +
                        " is newer than the fill");
      break;
    }
    if ((*row)->amount.sign() != p.amount.sign()) {
      not_verified(r, "the position turned over to " + (*row)->amount.ToString() + ": stopping");
      break;
    }
    remaining = (*row)->amount.abs();
    r.steps.push_back(o.symbol + "/" + to_string(p.position_side) + " still " + (*row)->amount.ToString() +
                      " after " + (*filled)->client_order_id + ": closing the rest");
  }
  if (partial) {
    if (!r.verified_reduced) {
      if (r.not_verified_reason.empty())
        not_verified(r, o.symbol + " is not proven reduced after " + std::to_string(r.close_orders.size()) +
                            " close order(s): read the position before acting again");
      for (const auto& e : limit_exits.ended)
        r.not_verified_reason += "; its take-profit " + e.client_order_id + " was cancelled before the close and is "
                                 "not placed again until the position is known";
      return r;
    }
    // The store's record follows the read (the stream may have been first; a newer record stays).
    KEEL_RETURN_IF_ERROR(record_reduced(store, o, r));
    if (o.place_limit_exits_again) PlaceLimitExitsAgain(ex, store, o, limit_exits.ended, r.remaining_amount.abs(), r);
    else if (!limit_exits.ended.empty())
      r.steps.push_back("keel-traderd places the take-profit again for what is left");
    return r;
  }
  if (!r.verified_flat) {
    if (r.not_verified_reason.empty())
      not_verified(r, o.symbol + " is not proven flat after " + std::to_string(r.close_orders.size()) +
                          " close order(s): run again");
    return r;
  }
  // 6. Proven flat: the protective orders go and the close is recorded.
  auto ended = end_protection(ex, store, o, r);
  if (!ended.ok()) return ended.status();
  if (!*ended) return r;
  auto still_held = tracked_position(store, o.symbol, r.position_side);
  if (!still_held.ok()) return still_held.status().WithContext("recording the close of " + o.symbol);
  if (*still_held) {
    WriteBatch b(o.now());
    b.ClosePosition(o.symbol, r.position_side, o.now(), o.reason,
                    Provenance{Source::kRest, r.flat_as_of, "proven flat: a position read newer than the fill"});
    KEEL_RETURN_IF_ERROR(store->Write(b));
  }
  return r;
}

}  // namespace keel
