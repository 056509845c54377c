#pragma once
// How a fill changes a position, as a USD-M exchange computes it: adding to a position averages the
// entry price; reducing realizes PnL against the entry; crossing through zero opens the remainder at
// the fill price.

#include "keel/model/decimal.h"

namespace keel::sim {

struct PositionChange {
  Decimal amount;        // signed, after the fill
  Decimal entry_price;   // 0 when flat
  Decimal realized_pnl;  // before fees
};

// amount: signed position before; signed_qty: +qty for a BUY, -qty for a SELL.
Result<PositionChange> ApplyFill(Decimal amount, Decimal entry_price, Decimal signed_qty, Decimal price);

// (mark - entry) * amount, exact to 8 places.
Result<Decimal> UnrealizedPnl(Decimal amount, Decimal entry_price, Decimal mark_price);

// price * qty * rate, rounded up to the last unit (the exchange never undercharges).
Result<Decimal> Commission(Decimal price, Decimal qty, Decimal rate);

}  // namespace keel::sim
