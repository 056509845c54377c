#pragma once
// Orders that exist on one side only. An order the store holds open but the exchange no longer
// lists is settled by asking the exchange about it by client order id (filled, cancelled, expired;
// never guessed), and the store records the outcome. A keel-prefixed order on the exchange that the
// store does not know is asked about first (it may have just ended); if it is a stop that protects
// an open position it is adopted, never cancelled: it may be that position's last stop. Only what is
// left is cancelled, and only when asked. Foreign orders are never touched.

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
  std::string action;      // "settled Filled", "adopted: …", "cancelled", "found open (race)", "reported", "error: …"
  bool ok = true;          // false when the exchange could not be asked or the change not recorded
};

struct GhostSweepOptions {
  std::string account;
  // Record settlements and adoptions, and cancel keel-prefixed exchange orders the store does not
  // know and no position needs. Without it the sweep only reports what it would do.
  bool act = false;
  TimeMs now = 0;
  // The daemon's periodic settlement: only orders the store holds open and has not touched for
  // this long are asked about (younger ones are some trade's business), and orders on the exchange
  // only are left to the orphan scan. 0: every order, both sides (the tool, the daemon's start).
  TimeMs store_side_older_than_ms = 0;
  // "Not found" settles an order only once it is this old: a younger one a lagging read cannot
  // find yet is not proof that it is gone (chaos seed 200605: start-up took two live stops, sent
  // 3 s before a kill, for expired while reads lagged 13 s).
  TimeMs absent_after_ms = 20'000;
};

// store: read always, written only when options.act. exchange_state: the positions and open orders
// read just before.
std::vector<GhostOutcome> SweepGhosts(Exchange& exchange, StateStore* store, const StoreView& view,
                                      const AccountReport& exchange_state, const GhostSweepOptions& options);

}  // namespace keel
