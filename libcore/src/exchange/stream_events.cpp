#include "keel/exchange/stream_events.h"

namespace keel {

Result<OrderReport> OrderEvent::Report() const {
  if (!recognized()) {
    std::string what;
    for (const auto& u : unrecognized) what += (what.empty() ? "" : ", ") + u;
    return Status::InvalidInput(std::string(venue_event) + " " + client_order_id + " " + symbol + ": unknown " + what);
  }
  if (!type || !status) {
    return Status::InvalidInput(std::string(venue_event) + " " + client_order_id + " " + symbol + ": " + venue_status +
                                " cannot be decided from the event: query the order");
  }
  OrderReport o;
  o.book = book;
  o.client_order_id = client_order_id;
  o.exchange_order_id = exchange_order_id;
  o.symbol = symbol;
  o.side = side;
  o.position_side = position_side;
  o.type = *type;
  o.status = *status;
  o.qty = qty;
  o.price = price;
  o.trigger_price = trigger_price;
  o.filled_qty = filled_qty;
  o.avg_price = avg_price;
  o.reduce_only = reduce_only;
  o.close_position = close_position;
  o.position_tpsl = position_tpsl;
  o.update_time = transaction_time;
  return o;
}

}  // namespace keel
