#include "keel/engine/maker_quote.h"

namespace keel {

Result<Decimal> MakerPrice(Side side, Decimal bid, Decimal ask, const Instrument& instrument, int offset_bps) {
  if (!bid.is_positive() || !ask.is_positive())
    return Status::InvalidInput("no order book price for " + instrument.symbol + " yet");
  if (bid >= ask)
    return Status::InvalidInput("the book of " + instrument.symbol + " is crossed (bid " + bid.ToString() + ", ask " +
                                ask.ToString() + ")");
  Decimal best = side == Side::kBuy ? bid : ask;
  if (offset_bps > 0) {
    const Decimal scale = Decimal::FromInteger(10'000).value();
    auto factor = Decimal::FromInteger(side == Side::kBuy ? 10'000 - offset_bps : 10'000 + offset_bps);
    if (!factor.ok()) return factor.status();
    auto scaled = best.Mul(*factor, Rounding::kNearest);
    if (!scaled.ok()) return scaled.status();
    auto off = scaled->Div(scale, side == Side::kBuy ? Rounding::kFloor : Rounding::kCeiling);
    if (!off.ok()) return off.status();
    best = *off;
  }
  // The venue's prices are on the tick already; rounding away from the other side keeps it so
  // should a feed ever send more digits (and puts an offset price on the tick).
  auto price = side == Side::kBuy ? instrument.RoundPrice(best, Rounding::kFloor)
                                  : instrument.RoundPrice(best, Rounding::kCeiling);
  if (!price.ok()) return price.status();
  if (!price->is_positive()) return Status::InvalidInput("the maker price of " + instrument.symbol + " rounds to zero");
  return price;
}

std::optional<Decimal> MakerFollow(Side side, Decimal resting, Decimal bid, Decimal ask, const Instrument& instrument,
                                   int offset_bps) {
  auto best = MakerPrice(side, bid, ask, instrument, offset_bps);
  if (!best.ok()) return std::nullopt;
  const bool away = side == Side::kBuy ? *best > resting : *best < resting;
  if (!away) return std::nullopt;
  return *best;
}

}  // namespace keel
