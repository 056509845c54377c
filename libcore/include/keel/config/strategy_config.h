#pragma once
// [[strategy]] tables of an account config: strategies keel-traderd runs itself. A strategy only
// sends the signals a bot could (docs/signals.md); it never talks to the exchange.
//
//   [[strategy]]
//   kind = "grid"            # the only kind so far (docs/strategies.md)
//   symbol = "SOLUSDT"
//   legs = "both"            # "long", "short", or "both" (hedge mode)
//   levels = 5               # entries per leg: the first at the market, then one pending level at a time
//   spacing_pct = "1"        # a level this far beyond the market when it is placed
//   qty = "1"                # per level, contracts
//   take_profit_pct = "0.8"  # from the leg's average entry: re-priced after every averaging fill
//   stop_loss_pct = "2"      # beyond the deepest level: a fixed price, required
//   reopen = true            # a leg closed by its take-profit opens again
//   max_notional = "2000"    # a leg's position with its pending level, at their prices (optional)
//   recenter_pct = "5"       # a pending level this far from the market is re-placed from it

#include <optional>
#include <string>
#include <vector>

#include "keel/model/decimal.h"

namespace keel {

struct GridConfig {
  std::string label;  // "strategy[0]", for messages
  std::string symbol;
  bool long_leg = true;
  bool short_leg = true;
  int levels = 5;
  Decimal spacing_pct;
  Decimal qty;
  Decimal take_profit_pct;
  Decimal stop_loss_pct;
  bool reopen = true;
  std::optional<Decimal> max_notional;
  Decimal recenter_pct = Decimal::FromInteger(5).value();
  // How its take-profit rests: "conditional" (TAKE_PROFIT_MARKET, the default), "limit" (a
  // reduce-only LIMIT in the book, a maker's exit) or "post_only" (that, never taking).
  std::string take_profit_order = "conditional";
};

// A running grid is not rebuilt on SIGHUP (its legs are trades in flight): a change is reported
// as needing a restart.
inline bool operator==(const GridConfig& a, const GridConfig& b) {
  return a.symbol == b.symbol && a.long_leg == b.long_leg && a.short_leg == b.short_leg && a.levels == b.levels &&
         a.spacing_pct == b.spacing_pct && a.qty == b.qty && a.take_profit_pct == b.take_profit_pct &&
         a.stop_loss_pct == b.stop_loss_pct && a.reopen == b.reopen && a.max_notional == b.max_notional &&
         a.recenter_pct == b.recenter_pct && a.take_profit_order == b.take_profit_order;
}
inline bool operator!=(const GridConfig& a, const GridConfig& b) { return !(a == b); }

}  // namespace keel
