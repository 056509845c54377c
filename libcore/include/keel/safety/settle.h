#pragma once
// After a placement whose outcome is unknown (a lost or unreadable answer), the order is looked up
// by its client order id, a bounded number of times: an order not seen yet is not proof that it is
// not there (seed 001), so "not found" after every try is still an unknown outcome, never a
// rejection. Nothing is ever sent a second time.

#include <functional>
#include <string>

#include "keel/exchange/exchange.h"

namespace keel {

struct SettleOptions {
  int attempts = 5;
  TimeMs interval_ms = 1000;
  std::function<void(TimeMs)> sleep;
};

// The order as the exchange reports it, or kUnknownOutcome naming how often it was asked.
Result<OrderReport> SettleByClientId(Exchange& exchange, OrderBook book, const std::string& symbol,
                                     const std::string& client_order_id, const SettleOptions& options);

}  // namespace keel
