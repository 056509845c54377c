#include "keel/safety/safe_close.h"

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

}  // namespace

Result<SafeCloseResult> SafeClose(Exchange& ex, StateStore* store, const SafeCloseOptions& o) {
  SafeCloseResult r;
  auto position = read_position(ex, o.symbol, o.position_side);
  if (!position.ok()) return position.status().WithContext("reading " + o.symbol + " before closing");
  if (!*position && store) {
    // The exchange reads flat but keel holds the position open: a REST read that has not seen the
    // position yet is not proof it is gone (seed 001). Look again before concluding.
    PositionFilter f;
    f.symbol = o.symbol;
    f.state = PositionState::kOpen;
    auto mine = store->Positions(f);
    bool tracked = false;
    if (mine.ok())
      for (const auto& p : *mine) tracked |= !o.position_side || p.position_side == *o.position_side;
    for (int i = 0; tracked && !*position && i < o.settle_attempts; ++i) {
      r.steps.push_back("the exchange reads " + o.symbol + " flat but keel holds it open: reading again");
      o.sleep(o.settle_interval_ms);
      position = read_position(ex, o.symbol, o.position_side);
      if (!position.ok()) return position.status().WithContext("reading " + o.symbol + " before closing");
    }
  }
  if (!*position) {
    r.was_flat = true;
    r.verified_flat = true;
    r.position_side = o.position_side.value_or(PositionSide::kBoth);
    r.steps.push_back(o.symbol + " is already flat on the exchange: nothing to close");
  } else {
    const PositionReport& p = **position;
    r.position_side = p.position_side;
    r.closed_amount = p.amount;
    if (p.position_side == PositionSide::kLong) r.close_side = Side::kSell;
    else if (p.position_side == PositionSide::kShort) r.close_side = Side::kBuy;
    else r.close_side = p.amount.is_negative() ? Side::kBuy : Side::kSell;
    r.steps.push_back("exchange position " + o.symbol + "/" + to_string(p.position_side) + " " + p.amount.ToString() +
                      ": close with " + to_string(r.close_side) + " " + p.amount.abs().ToString() + " reduce-only");

    PlaceOrder close;
    close.client_order_id = MakeClientOrderId(o.account, OrderPurpose::kClose, o.symbol, o.now());
    close.symbol = o.symbol;
    close.side = r.close_side;
    close.position_side = p.position_side;
    close.type = OrderType::kMarket;
    close.qty = p.amount.abs();
    close.reduce_only = true;  // one-way: reduceOnly; hedge: the adapter holds it to the closing pair
    if (store) {
      IntentRecord intent{close.client_order_id, OrderPurpose::kClose, o.symbol, r.close_side, p.position_side,
                          p.amount.abs(), std::nullopt, o.reason, o.now()};
      const OrderRecord pending = PendingRecordOf(close, OrderPurpose::kClose, p.amount.abs(), o.now());
      WriteBatch b(o.now());
      b.PutIntent(intent, Provenance{Source::kOperator, std::nullopt, o.reason})
          .PutOrder(pending, Provenance{Source::kOperator, std::nullopt, "sending close"});
      KEEL_RETURN_IF_ERROR(store->Write(b).WithContext("recording the close intent"));
    }
    auto placed = ex.Place(close);
    r.sent = true;
    if (placed.ok()) {
      r.close_order = *placed;
      r.steps.push_back("close " + close.client_order_id + " answered " + to_string(placed->status));
    } else if (placed.status().IsUnknownOutcome()) {
      r.steps.push_back("close " + close.client_order_id + ": answer lost (" + placed.status().message() +
                        "); settling by client order id, no second close");
      auto found = SettleByClientId(ex, OrderBook::kRegular, o.symbol, close.client_order_id,
                                    SettleOptions{o.settle_attempts, o.settle_interval_ms, o.sleep});
      if (found.ok()) {
        r.close_order = *found;
        r.steps.push_back("close " + close.client_order_id + " found: " + to_string(found->status));
      } else {
        r.steps.push_back(found.status().message());
      }
    } else {
      r.steps.push_back("close " + close.client_order_id + " refused: " + placed.status().message());
      if (store) {
        OrderRecord rejected;
        auto existing = store->Order(close.client_order_id);
        if (existing.ok() && *existing) {
          rejected = **existing;
          rejected.state = OrderState::kRejected;
          rejected.updated_ms = o.now();
          WriteBatch b(o.now());
          b.PutOrder(rejected, Provenance{Source::kRest, std::nullopt, placed.status().message()});
          KEEL_RETURN_IF_ERROR(store->Write(b));
        }
      }
      if (!placed.status().IsExchange()) return placed.status().WithContext("closing " + o.symbol);
    }
    if (store && r.close_order) {
      auto existing = store->Order(close.client_order_id);
      if (existing.ok() && *existing) {
        OrderRecord rec = **existing;
        rec.state = state_for(r.close_order->status);
        rec.exchange_order_id = r.close_order->exchange_order_id;
        rec.filled_qty = r.close_order->filled_qty;
        if (r.close_order->avg_price.is_positive()) rec.avg_price = r.close_order->avg_price;
        rec.exchange_updated_ms = r.close_order->update_time;
        rec.updated_ms = o.now();
        WriteBatch b(o.now());
        b.PutOrder(rec, Provenance{Source::kRest, r.close_order->update_time, "close answered"});
        KEEL_RETURN_IF_ERROR(store->Write(b));
      }
    }
    // Verify: the position must read flat; a read can be stale, so look again before concluding.
    for (int i = 0; i < o.verify_attempts; ++i) {
      auto now_position = read_position(ex, o.symbol, p.position_side);
      if (now_position.ok() && !*now_position) {
        r.verified_flat = true;
        r.steps.push_back("verified flat on read " + std::to_string(i + 1));
        break;
      }
      if (!now_position.ok()) r.steps.push_back("verification read failed: " + now_position.status().message());
      if (i + 1 < o.verify_attempts) o.sleep(o.verify_interval_ms);
    }
    if (!r.verified_flat) {
      r.steps.push_back("ALERT: " + o.symbol + " still open after " + std::to_string(o.verify_attempts) +
                        " verification reads");
    }
  }

  if (r.verified_flat) {
    // The position is gone: its protective orders (keel's) would only open a new one.
    auto open = ex.OpenOrders();
    if (!open.ok()) {
      r.steps.push_back("could not list open orders to cancel the stops: " + open.status().message());
    } else {
      for (const auto& x : *open) {
        if (x.symbol != o.symbol || x.position_side != r.position_side) continue;
        if (!(x.reduce_only || x.close_position || x.book == OrderBook::kConditional)) continue;
        if (!IsOwnClientOrderId(o.account, x.client_order_id)) continue;
        auto cancelled = ex.Cancel(x.book, x.symbol, x.client_order_id);
        if (cancelled.ok() || cancelled.status().IsNotFound()) {
          r.cancelled.push_back(x.client_order_id);
          if (store) {
            auto rec = store->Order(x.client_order_id);
            if (rec.ok() && *rec && !is_terminal((*rec)->state)) {
              OrderRecord updated = **rec;
              updated.state = OrderState::kCanceled;
              updated.updated_ms = o.now();
              WriteBatch b(o.now());
              b.PutOrder(updated, Provenance{Source::kRest, std::nullopt, "protective order of a closed position"});
              KEEL_RETURN_IF_ERROR(store->Write(b));
            }
          }
        } else {
          r.steps.push_back("could not cancel " + x.client_order_id + ": " + cancelled.status().message());
        }
      }
      if (!r.cancelled.empty()) r.steps.push_back("cancelled " + std::to_string(r.cancelled.size()) + " protective order(s)");
    }
    if (store) {
      PositionFilter f;
      f.symbol = o.symbol;
      f.state = PositionState::kOpen;
      auto open_in_store = store->Positions(f);
      if (open_in_store.ok()) {
        for (const auto& mine : *open_in_store) {
          if (mine.position_side != r.position_side) continue;
          WriteBatch b(o.now());
          b.ClosePosition(o.symbol, r.position_side, o.now(), o.reason,
                          Provenance{Source::kOperator,
                                     r.close_order ? std::optional<TimeMs>(r.close_order->update_time) : std::nullopt,
                                     "verified flat"});
          KEEL_RETURN_IF_ERROR(store->Write(b));
        }
      }
    }
  }
  return r;
}

}  // namespace keel
