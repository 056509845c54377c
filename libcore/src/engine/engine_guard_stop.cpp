// A market entry's guard stop. An accepted market order has almost surely filled, but the proof
// (its fill on the stream, a read that shows it) can be late by many seconds when the stream is
// down and reads lag (chaos seeds 503803, 504191: 10 s bare on Bybit, whose create answer says
// nothing of the fill). Waiting for the proof leaves the position past the grace period; a
// closePosition stop placed at the signal's stop level, reckoned from the mark, protects whatever
// the entry opened and cannot open anything itself. It is a spare of the trade's own stop, which
// follows the verification at the level reckoned from the real fill and cancels it once working.
#include <algorithm>

#include "engine_trade.h"
#include "keel/safety/sent_order.h"

namespace keel {
namespace {
constexpr int kMaxGuardRefusals = 3;
}  // namespace

void Engine::PlaceGuardStop(const std::string& id, const std::string& why) {
  Trade* t = TradeOf(id);
  if (!t || t->phase != Trade::Phase::kEntering || t->maker() || !t->guard_stop.empty() || shutting_down_) return;
  const std::string& symbol = t->signal.symbol;
  auto mark = marks_.find(symbol);
  auto inst = instruments_.find(symbol);
  if (mark == marks_.end() || inst == instruments_.end()) {
    Log("signal " + id + ": no mark price for " + symbol + ": no guard stop before the entry is verified");
    return;
  }
  const bool long_entry = t->signal.direction == PositionSide::kLong;
  auto raw = LevelPrice(t->signal.stop_loss, mark->second, t->signal.direction, /*is_stop=*/true);
  auto trigger = raw.ok() ? inst->second.RoundPrice(*raw, long_entry ? Rounding::kFloor : Rounding::kCeiling) : raw;
  if (!trigger.ok() || !trigger->is_positive() ||
      (long_entry ? *trigger >= mark->second : *trigger <= mark->second)) {
    Log("signal " + id + ": no guard stop: the stop level cannot be placed from the mark " + mark->second.ToString());
    return;
  }
  PlaceOrder order;
  order.book = OrderBook::kConditional;
  order.client_order_id = NewClientId(OrderPurpose::kStop, symbol);
  order.symbol = symbol;
  order.side = long_entry ? Side::kSell : Side::kBuy;
  order.position_side = t->leg;
  order.type = OrderType::kStopMarket;
  order.trigger_price = *trigger;
  order.close_position = true;
  order.mark_price_trigger = true;
  const TimeMs now = clock_.NowMs();
  WriteBatch b(now);
  const std::string purpose_text = "guard stop of signal " + id;
  b.PutIntent(IntentRecord{order.client_order_id, OrderPurpose::kStop, symbol, order.side, t->leg, t->entry_qty,
                           *trigger, "signal " + id, now},
              Provenance{Source::kEngine, std::nullopt, purpose_text});
  b.PutOrder(PendingRecordOf(order, OrderPurpose::kStop, t->entry_qty, now),
             Provenance{Source::kEngine, std::nullopt, "sending " + purpose_text});
  if (!WriteOrLog(b, "recording the " + purpose_text)) return;
  t->guard_stop = order.client_order_id;
  t->spare_stops.push_back(order.client_order_id);
  Log("signal " + id + ": guard stop " + order.client_order_id + " " + symbol + " " + to_string(order.side) +
      " closePosition trigger " + trigger->ToString() + " MARK_PRICE reason=" + why);
  const std::string cid = order.client_order_id;
  OnWorker<Result<OrderReport>>(
      [order](Exchange& ex) { return ex.Place(order); },
      [this, id, cid](Result<OrderReport> placed) {
        if (placed.ok()) {
          ++counters_.orders_placed;
          RecordOrderReport(*placed, "guard stop placed");
          return;
        }
        if (placed.status().IsUnknownOutcome()) {
          // Settled by the periodic reconcile like any order whose answer was lost; the trade's
          // own stop does not wait for it.
          ++counters_.orders_unknown;
          Log("signal " + id + ": the guard stop " + cid + "'s outcome is unknown: " + placed.status().message());
          return;
        }
        ++counters_.orders_rejected;
        RecordRefusedOrder(cid, "refused: " + placed.status().message());
        Log("signal " + id + ": guard stop " + cid + " refused: " + placed.status().message());
        Trade* tr = TradeOf(id);
        if (!tr) return;
        tr->spare_stops.erase(std::remove(tr->spare_stops.begin(), tr->spare_stops.end(), cid), tr->spare_stops.end());
        // Tried again while the entry is still unverified: a refusal for the rate asks to wait,
        // any other may not hold a moment later (the mark moved, a passing fault).
        if (tr->guard_stop == cid && ++tr->guard_refusals < kMaxGuardRefusals) {
          tr->guard_stop.clear();
          const TimeMs wait = std::max<TimeMs>(1000, placed.status().retry_after_ms());
          loop_.After(wait, [this, id] { PlaceGuardStop(id, "again after a refusal"); });
        }
      },
      JobPriority::kProtective);
}

// Stops sent as spares of the trade's own (a guard stop, a stop sent again) that are still open in
// the store: the trade ended without needing them.
void Engine::CancelSpareStops(const std::string& id, const std::string& why) {
  Trade* t = TradeOf(id);
  if (!t) return;
  for (const auto& cid : t->spare_stops) {
    auto rec = store_.Order(cid);
    if (rec.ok() && *rec && !is_terminal((*rec)->state) && (*rec)->state != OrderState::kPendingCancel)
      CancelOrder(OrderBook::kConditional, t->signal.symbol, cid, why);
  }
  t->spare_stops.clear();
}

}  // namespace keel
