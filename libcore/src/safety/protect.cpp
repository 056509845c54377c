#include "keel/safety/protect.h"

#include "keel/safety/client_ids.h"
#include "keel/safety/sent_order.h"

namespace keel {
namespace {

// The emergency stop a previous attempt sent, when the exchange has since said by its push that it
// rests (the read-back of its placement lagged, as Bybit's can: it acknowledges with ids only).
Result<std::optional<OrderRecord>> ConfirmedStopOf(StateStore& store, const std::string& client_order_id,
                                                   const std::string& symbol, PositionSide position_side,
                                                   Side stop_side) {
  auto known = store.Order(client_order_id);
  if (!known.ok()) return known.status().WithContext("reading what the stream told of " + client_order_id);
  const bool rests = *known && (*known)->purpose == OrderPurpose::kEmergencyStop &&
                     (*known)->state == OrderState::kNew && (*known)->close_position && (*known)->exchange_order_id &&
                     (*known)->stop_price && (*known)->symbol == symbol && (*known)->side == stop_side &&
                     (*known)->position_side == position_side;
  return rests ? *known : std::optional<OrderRecord>();
}


// The stop is on the exchange: its record, the position's (adopted when the store had none) and
// the incident.
Result<ProtectResult> RecordProtection(StateStore& store, const PositionReport& p, const OrderReport& placed,
                                       OrderRecord order, Decimal trigger, const ProtectOptions& options) {
  const TimeMs now = options.now;
  ProtectResult r;
  r.stop = placed;
  r.trigger_price = trigger;
  order = UpdatedRecordOf(order, placed, now);
  if (!order.exchange_created_ms) order.exchange_created_ms = placed.update_time;
  auto held = OpenPositionOf(store, p.symbol, p.position_side);
  if (!held.ok()) return held.status();
  r.adopted = !held->has_value();
  if (r.adopted) {
    // Meanwhile the store may have learned the position closed (a flatten or the stream, while this
    // stop was on its way, chaos seed 200707): what it knows is newer than the read this began with,
    // and adopting would resurrect a closed position. The stop is recorded; the position is not.
    auto known = HeldPositionOf(store, p.symbol, p.position_side);
    if (!known.ok()) return known.status();
    if (known->newest_exchange_ms > p.update_time) {
      r.adopted = false;
      WriteBatch b(now);
      b.PutOrder(order, Provenance{Source::kRest, placed.update_time, "stop acknowledged"});
      KEEL_RETURN_IF_ERROR(store.Write(b));
      return r;
    }
  }
  PositionRecord position = held->value_or(PositionRecord{});
  position.symbol = p.symbol;
  position.position_side = p.position_side;
  if (r.adopted) {
    position.qty = p.amount;
    position.entry_price = p.entry_price;
    position.opened_ms = now;
    position.exchange_updated_ms = p.update_time;
  }
  position.stop_client_order_id = order.client_order_id;
  WriteBatch b(now);
  b.PutOrder(order, Provenance{Source::kRest, placed.update_time, "stop acknowledged"})
      .PutOpenPosition(position, Provenance{options.source, p.update_time,
                                            r.adopted ? "adopted with a protective stop" : "protective stop attached"});
  IncidentRecord incident;
  incident.kind = r.adopted ? IncidentKind::kOrphanPosition : IncidentKind::kUnprotectedPosition;
  incident.symbol = p.symbol;
  incident.position_side = p.position_side;
  incident.client_order_id = order.client_order_id;
  incident.detail = std::string(r.adopted ? "untracked " : "") + "position " + p.amount.ToString() + " @ " +
                    p.entry_price.ToString() + " without a stop";
  incident.action = "protected: STOP_MARKET closePosition at " + trigger.ToString() + (r.adopted ? ", adopted" : "");
  b.RecordIncident(incident);
  KEEL_RETURN_IF_ERROR(store.Write(b).WithContext("recording the stop"));
  return r;
}

// One reduce-only stop for `qty` of the position, recorded before it is sent; its outcome settled
// by client order id when the answer is lost.
Result<OrderReport> PlaceRemainderStop(Exchange& ex, StateStore& store, const PositionReport& p, PlaceOrder stop,
                                       Decimal qty, const ProtectOptions& options) {
  stop.close_position = false;
  stop.reduce_only = p.position_side == PositionSide::kBoth;  // a hedge leg's closing side only reduces
  stop.qty = qty;
  const TimeMs now = options.now;
  OrderRecord order = PendingRecordOf(stop, OrderPurpose::kEmergencyStop, qty, now);
  {
    WriteBatch b(now);
    b.PutOrder(order, Provenance{options.source, std::nullopt, "sending a remainder stop"});
    KEEL_RETURN_IF_ERROR(store.Write(b).WithContext("recording the remainder stop"));
  }
  auto placed = ex.Place(stop);
  if (!placed.ok() && placed.status().IsUnknownOutcome()) {
    auto settled = SettleByClientId(ex, OrderBook::kConditional, p.symbol, stop.client_order_id, options.settle);
    placed = settled.ok() ? std::move(settled) : Result<OrderReport>(settled.status().WithContext("its answer was lost"));
  }
  WriteBatch b(now);
  if (placed.ok()) {
    b.PutOrder(UpdatedRecordOf(order, *placed, now), Provenance{Source::kRest, placed->update_time, "remainder stop acknowledged"});
  } else if (!placed.status().IsUnknownOutcome()) {
    order.state = OrderState::kRejected;
    order.updated_ms = now;
    b.PutOrder(order, Provenance{Source::kRest, std::nullopt, placed.status().message()});
  }
  KEEL_RETURN_IF_ERROR(store.Write(b).WithContext("recording the remainder stop's answer"));
  return placed;
}

// Covers what a capped whole-position stop leaves of a larger position.
void CoverRemainder(Exchange& ex, StateStore& store, const PositionReport& p, const Instrument& instrument,
                    const PlaceOrder& whole, const ProtectOptions& options, ProtectResult& r) {
  if (!ex.WholePositionStopIsCapped() || !instrument.close_stop_max_qty || !instrument.close_stop_max_qty->is_positive())
    return;
  const Decimal cap = *instrument.close_stop_max_qty;
  auto beyond = p.amount.abs().Sub(cap);
  if (!beyond.ok()) {
    r.uncovered_reason = beyond.status().message();
    return;
  }
  Decimal left = *beyond;
  TimeMs next_ms = options.now;
  while (left.is_positive()) {
    const Decimal qty = std::min(left, cap);
    PlaceOrder stop = whole;
    stop.client_order_id = options.next_client_order_id
                               ? options.next_client_order_id()
                               : MakeClientOrderId(options.account, OrderPurpose::kEmergencyStop, p.symbol, ++next_ms);
    auto placed = PlaceRemainderStop(ex, store, p, stop, qty, options);
    if (!placed.ok()) {
      r.uncovered = left;
      r.uncovered_reason = placed.status().message();
      return;
    }
    r.remainder_stops.push_back(*placed);
    left = left.Sub(qty).value();  // qty <= left: no overflow
  }
}

}  // namespace

Status ValidateStopPct(Decimal stop_pct) {
  if (!stop_pct.is_positive() || stop_pct >= Decimal::FromInteger(100).value())
    return Status::InvalidInput("--stop-pct: expected a percentage above 0 and below 100, got " + stop_pct.ToString());
  return Status::Ok();
}

Result<ProtectResult> ProtectPosition(Exchange& ex, StateStore& store, const PositionReport& p,
                                      const Instrument& instrument, const ProtectOptions& options) {
  const std::string& account = options.account;
  const Decimal stop_pct = options.stop_pct;
  const TimeMs now = options.now;
  KEEL_RETURN_IF_ERROR(ValidateStopPct(stop_pct));
  const bool long_position = p.position_side == PositionSide::kLong ||
                             (p.position_side == PositionSide::kBoth && p.amount.is_positive());
  if (options.confirmed_stop) {
    auto resting = ConfirmedStopOf(store, *options.confirmed_stop, p.symbol, p.position_side,
                                   long_position ? Side::kSell : Side::kBuy);
    if (!resting.ok()) return resting.status();
    if (*resting) {
      const OrderRecord& confirmed = **resting;
      auto recorded = RecordProtection(store, p, ReportOfRecord(confirmed), confirmed, *confirmed.stop_price, options);
      if (!recorded.ok()) return recorded;
      // The attempt that sent it ended at its lost answer, before any remainder stop.
      PlaceOrder whole;
      whole.book = OrderBook::kConditional;
      whole.symbol = p.symbol;
      whole.side = confirmed.side;
      whole.position_side = p.position_side;
      whole.type = OrderType::kStopMarket;
      whole.trigger_price = *confirmed.stop_price;
      whole.mark_price_trigger = true;
      CoverRemainder(ex, store, p, instrument, whole, options, *recorded);
      return recorded;
    }
  }
  auto mark = ex.MarkPrice(p.symbol);
  if (!mark.ok()) return mark.status();
  const Decimal hundred = Decimal::FromInteger(100).value();
  const Decimal base = long_position ? std::min(p.entry_price, *mark) : std::max(p.entry_price, *mark);
  const Decimal factor = long_position ? hundred.Sub(stop_pct).value() : hundred.Add(stop_pct).value();
  auto raw = base.Mul(factor, Rounding::kNearest);
  if (!raw.ok()) return raw.status();
  auto scaled = raw->Div(hundred, long_position ? Rounding::kDown : Rounding::kUp);
  if (!scaled.ok()) return scaled.status();
  auto trigger = instrument.RoundPrice(*scaled, long_position ? Rounding::kFloor : Rounding::kCeiling);
  if (!trigger.ok()) return trigger.status();
  if (!trigger->is_positive()) {
    return Status::InvalidInput("the stop for " + p.symbol + " at " + stop_pct.ToString() +
                                "% would be at or below zero after rounding to the tick " + instrument.tick_size.ToString());
  }

  PlaceOrder stop;
  stop.book = OrderBook::kConditional;
  stop.client_order_id = options.client_order_id.empty()
                             ? MakeClientOrderId(account, OrderPurpose::kEmergencyStop, p.symbol, now)
                             : options.client_order_id;
  stop.symbol = p.symbol;
  stop.side = long_position ? Side::kSell : Side::kBuy;
  stop.position_side = p.position_side;
  stop.type = OrderType::kStopMarket;
  stop.trigger_price = *trigger;
  stop.close_position = true;
  stop.mark_price_trigger = true;

  IntentRecord intent{stop.client_order_id, OrderPurpose::kEmergencyStop, p.symbol, stop.side, p.position_side,
                      p.amount.abs(), *trigger, "protect an unprotected position", now};
  OrderRecord order = PendingRecordOf(stop, OrderPurpose::kEmergencyStop, p.amount.abs(), now);
  if (ex.WholePositionStopIsCapped()) order.close_up_to = instrument.close_stop_max_qty;
  {
    WriteBatch b(now);
    b.PutIntent(intent, Provenance{options.source, std::nullopt, "protect"})
        .PutOrder(order, Provenance{options.source, std::nullopt, "sending stop"});
    KEEL_RETURN_IF_ERROR(store.Write(b).WithContext("recording the stop intent"));
  }
  auto placed = ex.Place(stop);
  if (!placed.ok() && placed.status().IsUnknownOutcome()) {
    auto settled = SettleByClientId(ex, OrderBook::kConditional, p.symbol, stop.client_order_id, options.settle);
    if (settled.ok()) placed = std::move(settled);
    else placed = settled.status().WithContext("the stop's placement answer was lost");
  }
  if (!placed.ok()) {
    // Leave the order PendingNew when the outcome is unknown: it is settled by client order id later.
    if (!placed.status().IsUnknownOutcome()) {
      order.state = OrderState::kRejected;
      order.updated_ms = now;
      WriteBatch b(now);
      b.PutOrder(order, Provenance{Source::kRest, std::nullopt, placed.status().message()});
      Status recorded = store.Write(b);
      if (!recorded.ok()) return recorded.WithContext("recording a refused stop");
    }
    return placed.status().WithContext("protecting " + p.symbol);
  }
  auto recorded = RecordProtection(store, p, *placed, order, *trigger, options);
  if (recorded.ok()) CoverRemainder(ex, store, p, instrument, stop, options, *recorded);
  return recorded;
}

}  // namespace keel
