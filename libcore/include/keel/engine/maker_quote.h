#pragma once
// Where a maker (post-only, GTX) entry rests and when it moves. It joins the best price on its own
// side (a buy at the best bid, a sell at the best ask) and never crosses: a crossing GTX order is
// refused (-5022) or, when amended across, cancelled by the venue. It follows the book only when
// the book moves away from it (the bid rises above a resting buy): when the book comes toward it,
// it is about to fill, and an amend would only cost its place in the queue.

#include <optional>

#include "keel/model/decimal.h"
#include "keel/model/instrument.h"
#include "keel/model/side.h"
#include "keel/model/status.h"

namespace keel {

// The price a new maker order rests at; kInvalidInput when the book is empty or crossed.
// offset_bps: that many basis points behind the best price (a buy under the bid, a sell over the
// ask), rounded further away from the book (the maker bots of seeds 000/004 quote a little off it).
Result<Decimal> MakerPrice(Side side, Decimal bid, Decimal ask, const Instrument& instrument, int offset_bps = 0);
// The price to amend a resting maker order to, or nullopt when it should stay where it is.
std::optional<Decimal> MakerFollow(Side side, Decimal resting, Decimal bid, Decimal ask, const Instrument& instrument,
                                   int offset_bps = 0);

}  // namespace keel
