#include "keel/engine/maker_quote.h"

namespace keel {

Result<Decimal> MakerPrice(Side side, Decimal bid, Decimal ask, const Instrument& instrument) {
  if (!bid.is_positive() || !ask.is_positive())
    return Status::InvalidInput("no order book price for " + instrument.symbol + " yet");
  if (bid >= ask)
    return Status::InvalidInput("the book of " + instrument.symbol + " is crossed (bid " + bid.ToString() + ", ask " +
                                ask.ToString() + ")");
  // The venue's prices are on the tick already; rounding away from the other side keeps it so
  // should a feed ever send more digits.
  auto price = side == Side::kBuy ? instrument.RoundPrice(bid, Rounding::kFloor)
                                  : instrument.RoundPrice(ask, Rounding::kCeiling);
  if (!price.ok()) return price.status();
  if (!price->is_positive()) return Status::InvalidInput("the maker price of " + instrument.symbol + " rounds to zero");
  return price;
}

std::optional<Decimal> MakerFollow(Side side, Decimal resting, Decimal bid, Decimal ask, const Instrument& instrument) {
  auto best = MakerPrice(side, bid, ask, instrument);
  if (!best.ok()) return std::nullopt;
  const bool away = side == Side::kBuy ? *best > resting : *best < resting;
  if (!away) return std::nullopt;
  return *best;
}

}  // namespace keel
