#include "keel/safety/sent_order.h"

#include "keel/model/order_kind.h"

namespace keel {

OrderRecord PendingRecordOf(const PlaceOrder& order, OrderPurpose purpose, Decimal qty, TimeMs now) {
  OrderRecord r;
  r.client_order_id = order.client_order_id;
  r.symbol = order.symbol;
  r.side = order.side;
  r.position_side = order.position_side;
  r.type = order.type;
  r.time_in_force = order.time_in_force;
  r.purpose = purpose;
  r.state = OrderState::kPendingNew;
  r.qty = qty;
  r.price = order.price;
  r.stop_price = order.trigger_price;
  // Hedge mode closes by position side rather than the reduceOnly flag; either way these orders
  // can only reduce.
  r.reduce_only = order.reduce_only || order.close_position || purpose == OrderPurpose::kClose ||
                  purpose == OrderPurpose::kStop || purpose == OrderPurpose::kEmergencyStop;
  r.close_position = order.close_position;
  r.created_ms = r.updated_ms = now;
  return r;
}

OrderRecord AdoptedRecordOf(const OrderReport& order, OrderPurpose purpose, Decimal qty, TimeMs now) {
  OrderRecord r;
  r.client_order_id = order.client_order_id;
  r.exchange_order_id = order.exchange_order_id;
  r.symbol = order.symbol;
  r.side = order.side;
  r.position_side = order.position_side;
  r.type = order.type;
  r.purpose = purpose;
  r.state = state_for(order.status);
  r.qty = qty;
  if (order.price.is_positive()) r.price = order.price;
  if (order.trigger_price.is_positive()) r.stop_price = order.trigger_price;
  r.filled_qty = order.filled_qty;
  if (order.avg_price.is_positive()) r.avg_price = order.avg_price;
  r.reduce_only = order.reduce_only || order.close_position;
  r.close_position = order.close_position;
  r.exchange_created_ms = order.update_time;
  r.exchange_updated_ms = order.update_time;
  r.created_ms = r.updated_ms = now;
  return r;
}

OrderRecord UpdatedRecordOf(const OrderRecord& before, const OrderReport& report, TimeMs now) {
  OrderRecord r = before;
  r.state = state_for(report.status);
  if (!report.exchange_order_id.empty()) r.exchange_order_id = report.exchange_order_id;
  r.filled_qty = report.filled_qty;
  if (report.avg_price.is_positive()) r.avg_price = report.avg_price;
  r.exchange_updated_ms = report.update_time;
  r.updated_ms = now;
  return r;
}

OrderReport ReportOfRecord(const OrderRecord& o) {
  OrderReport r;
  r.book = is_conditional(o.type) ? OrderBook::kConditional : OrderBook::kRegular;
  r.client_order_id = o.client_order_id;
  r.exchange_order_id = o.exchange_order_id.value_or("");
  r.symbol = o.symbol;
  r.side = o.side;
  r.position_side = o.position_side;
  r.type = o.type;
  switch (o.state) {
    case OrderState::kPartiallyFilled: r.status = OrderStatus::kPartiallyFilled; break;
    case OrderState::kFilled: r.status = OrderStatus::kFilled; break;
    case OrderState::kCanceled: r.status = OrderStatus::kCanceled; break;
    case OrderState::kExpired: r.status = OrderStatus::kExpired; break;
    case OrderState::kRejected: r.status = OrderStatus::kRejected; break;
    default: r.status = OrderStatus::kNew; break;  // working, a cancel or an amend on its way
  }
  r.qty = o.close_position ? Decimal() : o.qty;  // as the exchange reports a closePosition stop
  r.price = o.price.value_or(Decimal());
  r.trigger_price = o.stop_price.value_or(Decimal());
  r.filled_qty = o.filled_qty;
  r.avg_price = o.avg_price.value_or(Decimal());
  r.reduce_only = o.reduce_only;
  r.close_position = o.close_position;
  r.update_time = o.exchange_updated_ms.value_or(0);
  return r;
}

Status RecordReported(StateStore* store, const std::string& client_order_id, const OrderReport& report, TimeMs now,
                    const std::string& why) {
  if (!store) return Status::Ok();
  auto existing = store->Order(client_order_id);
  if (!existing.ok()) return existing.status();
  if (!*existing) return Status::Ok();
  const OrderRecord& rec = **existing;
  if (state_for(report.status) == rec.state && rec.filled_qty == report.filled_qty) return Status::Ok();
  WriteBatch b(now);
  b.PutOrder(UpdatedRecordOf(rec, report, now), Provenance{Source::kRest, report.update_time, why});
  return store->Write(b);
}

Status RecordRefused(StateStore* store, const std::string& client_order_id, TimeMs now, const std::string& why) {
  if (!store) return Status::Ok();
  auto existing = store->Order(client_order_id);
  if (!existing.ok()) return existing.status();
  if (!*existing) return Status::Ok();
  OrderRecord rec = **existing;
  rec.state = OrderState::kRejected;
  rec.updated_ms = now;
  WriteBatch b(now);
  b.PutOrder(rec, Provenance{Source::kRest, std::nullopt, why});
  return store->Write(b);
}

}  // namespace keel
