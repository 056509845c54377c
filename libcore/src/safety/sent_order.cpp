#include "keel/safety/sent_order.h"

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

}  // namespace keel
