#pragma once
// The order record keel writes when it sends the order an intent describes: PendingNew, nothing
// filled, no exchange order id until the exchange acknowledges it. Header-only, for the test
// helper binaries.

#include "keel/store/records.h"

namespace keel::test {

inline OrderRecord order_from_intent(const IntentRecord& i, OrderType type, TimeMs sent_ms) {
  OrderRecord o;
  o.client_order_id = i.client_order_id;
  o.symbol = i.symbol;
  o.side = i.side;
  o.position_side = i.position_side;
  o.type = type;
  o.purpose = i.purpose;
  o.state = OrderState::kPendingNew;
  o.qty = i.qty;
  o.price = i.price;
  o.reduce_only = i.purpose != OrderPurpose::kEntry && i.purpose != OrderPurpose::kGrid;
  o.created_ms = o.updated_ms = sent_ms;
  if (type == OrderType::kLimit) o.time_in_force = TimeInForce::kGtc;
  return o;
}

}  // namespace keel::test
