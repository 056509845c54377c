#include "keel/safety/settle.h"

namespace keel {

Result<OrderReport> SettleByClientId(Exchange& exchange, OrderBook book, const std::string& symbol,
                                     const std::string& client_order_id, const SettleOptions& o) {
  Status last = Status::UnknownOutcome("not asked");
  for (int i = 0; i < o.attempts; ++i) {
    if (i > 0) o.sleep(o.interval_ms);
    auto found = exchange.Query(book, symbol, client_order_id);
    if (found.ok()) return found;
    last = found.status();
  }
  return Status::UnknownOutcome(client_order_id + " " + symbol + ": still unknown after " + std::to_string(o.attempts) +
                                " queries by client order id (last: " + last.message() + ")");
}

}  // namespace keel
