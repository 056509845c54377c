#pragma once
// Orders that exist on one side only. An order the store holds open but the exchange no longer
// lists is settled by asking the exchange about it by client order id (filled, cancelled, expired;
// never guessed), and the store records the outcome. A keel-prefixed order on the exchange that the
// store does not know is cancelled when asked. Foreign orders are never touched.

#include <string>
#include <vector>

#include "keel/exchange/exchange.h"
#include "keel/safety/store_view.h"

namespace keel {

struct GhostOutcome {
  std::string client_order_id;
  std::string symbol;
  OrderBook book = OrderBook::kRegular;
  bool store_only = true;  // else: on the exchange only
  std::string action;      // "settled Filled", "cancelled", "found open (race)", "reported", "error: …"
  bool ok = true;          // false when the exchange could not be asked or the change not recorded
};

struct GhostSweepOptions {
  std::string account;
  bool cancel_unknown = false;  // cancel keel-prefixed exchange orders the store does not know
  TimeMs now = 0;
};

// store may be null for a read-only run (nothing is written).
std::vector<GhostOutcome> SweepGhosts(Exchange& exchange, StateStore* store, const StoreView& view,
                                      const std::vector<OrderReport>& open_on_exchange, const GhostSweepOptions& options);

}  // namespace keel
