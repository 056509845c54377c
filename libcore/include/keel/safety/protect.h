#pragma once
// Puts a protective stop under a position that has none: a STOP_MARKET closePosition order in the
// conditional book, triggered on the mark price stop_pct percent beyond the worse of entry and mark
// (so it cannot trigger at once), rounded away from the price to the tick. The store records the
// intent, the stop, and the position (adopted if it was untracked) naming its stop.

#include <string>

#include "keel/exchange/exchange.h"
#include "keel/store/state_store.h"

namespace keel {

struct ProtectResult {
  OrderReport stop;
  Decimal trigger_price;
  bool adopted = false;  // the store had no record of the position
};

Result<ProtectResult> ProtectPosition(Exchange& exchange, StateStore& store, const std::string& account,
                                      const PositionReport& position, const Instrument& instrument, Decimal stop_pct,
                                      TimeMs now);

}  // namespace keel
