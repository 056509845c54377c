// An entry's guard stop. An accepted market order has almost surely filled, but the proof (its
// fill on the stream, a read that shows it) can be late by many seconds when the stream is down
// and reads lag (chaos seeds 503803, 504191: 10 s bare on Bybit, whose create answer says nothing
// of the fill). A resting maker entry can fill at any moment, and that fill can be lost the same
// way (seeds 502021, 505217, 602824). Waiting for the proof leaves the position past the grace
// period; a closePosition stop at the signal's stop level protects whatever the entry opens and
// cannot open anything itself (on Binance the resting entry is the open order its GTE_GTC needs).
// A market entry's guard is reckoned from the mark and is a spare: the trade's own stop follows
// the verification, at the level of the real fill, and cancels it once working. A maker entry's
// is reckoned from its price, which is its fill's: the verification adopts it as the trade's stop.
#include <algorithm>

#include "engine_trade.h"
#include "keel/safety/sent_order.h"

namespace keel {
namespace {
constexpr int kMaxGuardRefusals = 3;
constexpr int kMarkWaits = 10;
constexpr TimeMs kMarkWaitMs = 200;
// When the mark has already passed the stop level (a maker entry left behind by a fast move), the
// guard goes this far inside the mark instead: the stop's loss is there already and the trade will
// be rolled back once verified, so a guard that closes near the mark does what the rollback would,
// without waiting for a fill keel may not see for seconds (chaos seed 744746: 5 s bare). Wide
// enough that the mark's moves between keel's read and the exchange's check do not make it
// "would immediately trigger" again.
constexpr int kPassedStopBufferBps = 20;
// Guard stops sent again after a lost answer: each lost one may rest, so a few at most.
constexpr int kMaxGuardLost = 2;
}  // namespace

void Engine::PlaceGuardStop(const std::string& id, const std::string& why) {
  Trade* t = TradeOf(id);
  if (!t || t->finished || !t->guard_stop.empty() || shutting_down_) return;
  // A flatten or rollback begun before the entry was verified can wait seconds on the entry's
  // outcome while whatever it opened is bare (chaos seed 728223: both guards refused, the retry
  // found the trade closing): the guard is still placed while no stop of the trade's own works.
  const bool bare_close = is_closing(t->state) && !t->record.stop_client_order_id &&
                          !t->entry_price.is_positive();  // a verified entry's rollback has its own order
  if (t->state != TradeState::kEntering && !bare_close) return;
  const std::string& symbol = t->signal.symbol;
  auto mark = marks_.find(symbol);
  auto inst = instruments_.find(symbol);
  if (inst == instruments_.end()) return;
  if (mark == marks_.end()) {
    // Right after a restart the mark has not been pushed yet: asked again shortly, a few times.
    if (++t->guard_mark_waits <= kMarkWaits) {
      loop_.After(kMarkWaitMs, [this, id, why] { PlaceGuardStop(id, why); });
      return;
    }
    Log("signal " + id + ": no mark price for " + symbol + ": no guard stop before the entry is verified");
    return;
  }
  const bool long_entry = t->signal.direction == PositionSide::kLong;
  // A maker entry fills at its own price: reckoned from it, the guard is the trade's stop itself,
  // and the verification adopts it (PlaceExit) rather than sending another.
  Decimal reference = mark->second;
  if (t->maker()) {
    if (t->maker_entry && t->maker_entry->price.is_positive()) {
      reference = t->maker_entry->price;
    } else if (auto entry = store_.Order(t->record.entry_client_order_id.value_or(""));
               entry.ok() && *entry && (*entry)->price && (*entry)->price->is_positive()) {
      reference = *(*entry)->price;  // the stream showed it resting before its placement answered
    }
  }
  const Rounding away = long_entry ? Rounding::kFloor : Rounding::kCeiling;
  auto raw = LevelPrice(t->signal.stop_loss, reference, t->signal.direction, /*is_stop=*/true);
  auto trigger = raw.ok() ? inst->second.RoundPrice(*raw, away) : raw;
  auto passed = [&](Decimal p) { return long_entry ? p >= mark->second : p <= mark->second; };
  std::string level_note;
  if (trigger.ok() && trigger->is_positive() && passed(*trigger)) {
    level_note = " (the stop level " + trigger->ToString() + " is already passed: just inside the mark " +
                 mark->second.ToString() + ")";
    auto fraction = Decimal::FromUnits(kPassedStopBufferBps * (Decimal::kUnitsPerOne / 10000));
    auto buffer = fraction.ok() ? mark->second.Mul(*fraction, Rounding::kCeiling) : fraction;
    auto inside = !buffer.ok() ? buffer : long_entry ? mark->second.Sub(*buffer) : mark->second.Add(*buffer);
    trigger = inside.ok() ? inst->second.RoundPrice(*inside, away) : inside;
  }
  if (!trigger.ok() || !trigger->is_positive() || passed(*trigger)) {
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
  OrderRecord pending = PendingRecordOf(order, OrderPurpose::kStop, t->entry_qty, now);
  pending.close_up_to = inst->second.close_stop_max_qty;
  b.PutOrder(pending, Provenance{Source::kEngine, std::nullopt, "sending " + purpose_text});
  if (!WriteOrLog(b, "recording the " + purpose_text)) return;
  t->guard_stop = order.client_order_id;
  t->spare_stops.push_back(order.client_order_id);
  Log("signal " + id + ": guard stop " + order.client_order_id + " " + symbol + " " + to_string(order.side) +
      " closePosition trigger " + trigger->ToString() + " MARK_PRICE reason=" + why + level_note);
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
          // Settled by the periodic reconcile like any order whose answer was lost, and not
          // waited for: another goes out at once, as for the trade's own stop (a second
          // closePosition stop cannot close more); the lost one stays a spare, cancelled later.
          // A trade closing without a stop of its own has no other (chaos seed 954403: a flatten
          // under 5xx answers, 4 s bare).
          ++counters_.orders_unknown;
          Log("signal " + id + ": the guard stop " + cid + "'s outcome is unknown: " + placed.status().message());
          Trade* tr = TradeOf(id);
          if (tr && tr->guard_stop == cid && ++tr->guard_lost <= kMaxGuardLost) {
            tr->guard_stop.clear();
            PlaceGuardStop(id, "again after a lost answer");
          }
          return;
        }
        ++counters_.orders_rejected;
        RecordRefusedOrder(cid, "refused: " + placed.status().message());
        Log("signal " + id + ": guard stop " + cid + " refused: " + placed.status().message());
        Trade* tr = TradeOf(id);
        if (!tr) return;
        tr->spare_stops.erase(std::remove(tr->spare_stops.begin(), tr->spare_stops.end(), cid), tr->spare_stops.end());
        // Tried again while the entry is still unverified: a refusal for the rate asks to wait,
        // and is not counted (chaos seed 880185: three in a row ended the guard's tries, 10 s
        // bare); any other may not hold a moment later (the mark moved, a passing fault).
        const bool wait_only = IsRateRefusal(placed.status());
        if (tr->guard_stop == cid && (wait_only || ++tr->guard_refusals < kMaxGuardRefusals)) {
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
    if (cid == t->record.stop_client_order_id) continue;  // the one that protects it
    auto rec = store_.Order(cid);
    if (rec.ok() && *rec && !is_terminal((*rec)->state) && (*rec)->state != OrderState::kPendingCancel)
      CancelOrder(OrderBook::kConditional, t->signal.symbol, cid, why);
  }
  t->spare_stops.clear();
}

}  // namespace keel

namespace keel {

void Engine::CancelRepairStopsBeside(const Trade& t) {
  if (t.state != TradeState::kProtected || !t.record.stop_client_order_id || t.finished) return;
  auto own = store_.Order(*t.record.stop_client_order_id);
  if (!own.ok() || !*own || !is_confirmed_working((*own)->state)) return;
  OrderFilter f;
  f.symbol = t.signal.symbol;
  f.open_only = true;
  auto open = store_.Orders(f);
  if (!open.ok()) return LogWarning("reading the open orders of " + t.signal.symbol + ": " + open.status().message());
  for (const auto& o : *open) {
    if (o.purpose != OrderPurpose::kEmergencyStop || o.position_side != t.leg || !is_confirmed_working(o.state)) continue;
    if (!repair_stops_cancelled_.insert(o.client_order_id).second) continue;
    CancelOrder(OrderBook::kConditional, t.signal.symbol, o.client_order_id,
                "a second stop of the same position (a repair stop beside signal " + t.record.id + "'s own " +
                    *t.record.stop_client_order_id + ")");
  }
}

bool Engine::AdoptGuardStop(const std::string& id, Decimal trigger) {
  Trade* t = TradeOf(id);
  if (!t || t->guard_stop.empty()) return false;
  const std::string cid = t->guard_stop;
  auto rec = store_.Order(cid);
  if (!rec.ok() || !*rec || !is_confirmed_working((*rec)->state) || (*rec)->stop_price != std::optional<Decimal>(trigger))
    return false;  // not (yet) known to work, or at another level: the trade's own stop goes out
  t->guard_stop.clear();
  t->spare_stops.erase(std::remove(t->spare_stops.begin(), t->spare_stops.end(), cid), t->spare_stops.end());
  t->record.stop_client_order_id = cid;
  if (auto held = OpenPositionOf(store_, t->signal.symbol, t->leg); held.ok() && *held) {
    PositionRecord p = **held;
    p.stop_client_order_id = cid;
    WriteBatch b(clock_.NowMs());
    b.PutOpenPosition(p, Provenance{Source::kEngine, std::nullopt, "protected by " + cid});
    WriteOrLog(b, "naming the stop of " + id);
  }
  Advance(*t, TradeState::kProtected, "its guard stop adopted");
  CancelSpareStops(id, "a second stop of the same position");
  CancelRepairStopsBeside(*t);
  SaveSignal(*t, "protected by stop " + cid + " at " + trigger.ToString() + " (its guard stop, working since the entry rested)",
             Provenance{Source::kEngine, std::nullopt, "stop adopted"});
  Log("signal " + id + ": stop " + cid + " adopted: the guard stop works at the stop level " + trigger.ToString());
  if (TakeProfitDue(*t)) PlaceExit(id, OrderPurpose::kTakeProfit);
  return true;
}

}  // namespace keel
