#pragma once
// keel's limit take-profits and a close run by a tool (SafeClose). A take-profit resting as a
// reduce-only LIMIT order covers the position: Binance refuses a reduce-only close beside it
// (-4118, "ReduceOnly Order Failed"), and once the position is gone it could only open one. So the
// close ends them first, each proven ended (cancelled, or asked for by client id); after a partial
// close, what is left gets them back at their price, for no more than is left.

#include <vector>

#include "keel/safety/entries_before_close.h"
#include "keel/safety/safe_close.h"

namespace keel {

// keel's own reduce-only LIMIT orders resting on the leg's closing side, ended. Those the store
// already knows ended are not touched. An error: the open orders could not be listed.
Result<EntriesEnded> EndLimitExits(Exchange& ex, StateStore* store, const SafeCloseOptions& o, PositionSide leg,
                                   Side close_side, SafeCloseResult& r);

// After a verified partial close: each ended one placed again at its price and time in force for
// the smaller of what it had left and `left`, under a new client id its signal's record takes
// over. r.limit_exits_placed and r.limit_exits_not_placed say how each went.
void PlaceLimitExitsAgain(Exchange& ex, StateStore* store, const SafeCloseOptions& o,
                          const std::vector<OrderReport>& ended, Decimal left, SafeCloseResult& r);

}  // namespace keel
