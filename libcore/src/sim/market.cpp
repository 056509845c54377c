#include "keel/sim/market.h"

namespace keel::sim {

Market::Market(const SimInstrument& instrument, std::unique_ptr<PricePath> path, TimeMs start_ms)
    : instrument_(instrument), path_(std::move(path)), now_(start_ms) {
  last_ = Clamp(path_->PriceAt(start_ms));
  mark_ = last_;
  quote_ = ComputeQuote();
}

Decimal Market::Clamp(Decimal price) const {
  const Decimal tick = instrument_.filters.tick_size;
  Decimal rounded = price.RoundTo(tick, Rounding::kNearest).value();
  const Decimal floor = instrument_.min_price.is_positive() ? instrument_.min_price : tick;
  if (rounded < floor) rounded = floor.RoundTo(tick, Rounding::kUp).value();
  if (instrument_.max_price.is_positive() && rounded > instrument_.max_price)
    rounded = instrument_.max_price.RoundTo(tick, Rounding::kDown).value();
  return rounded;
}

Decimal Market::Offset(TimeMs t) const {
  if (moving_offset_.is_zero() || t >= move_end_) return base_offset_.Add(moving_offset_).value();
  if (t <= move_start_) return base_offset_;
  const Decimal elapsed = Decimal::FromInteger(t - move_start_).value();
  const Decimal span = Decimal::FromInteger(move_end_ - move_start_).value();
  const Decimal part = moving_offset_.Mul(elapsed, Rounding::kNearest).value().Div(span, Rounding::kNearest).value();
  return base_offset_.Add(part).value();
}

void Market::Recompute(TimeMs t, bool snap_mark) {
  const Decimal before = last_;
  last_ = Clamp(path_->PriceAt(t).Add(Offset(t)).value());
  if (snap_mark) {
    mark_ = last_;
  } else {
    // The mark closes a quarter of its distance to the last price per update: it lags, as an
    // index-based mark does, so MARK_PRICE and CONTRACT_PRICE triggers differ.
    const Decimal gap = last_.Sub(mark_).value();
    mark_ = Clamp(mark_.Add(gap.Div(Decimal::FromInteger(4).value(), Rounding::kNearest).value()).value());
  }
  if (last_ != before) {
    ++update_id_;
    quote_ = ComputeQuote();
  }
  klines_.Price(t, last_);
}

bool Market::AdvanceTo(TimeMs t) {
  if (t <= now_) return false;
  const Decimal before = last_;
  now_ = t;
  if (!moving_offset_.is_zero() && t >= move_end_) {
    base_offset_ = base_offset_.Add(moving_offset_).value();
    moving_offset_ = Decimal();
  }
  Recompute(t, false);
  return last_ != before;
}

Quote Market::ComputeQuote() const {
  const Decimal tick = instrument_.filters.tick_size;
  const std::int64_t below = instrument_.spread_ticks / 2;
  Quote q;
  q.bid = Clamp(last_.Sub(Decimal::FromUnits(tick.units() * below).value()).value());
  q.ask = q.bid.Add(Decimal::FromUnits(tick.units() * instrument_.spread_ticks).value()).value();
  q.bid_qty = instrument_.depth_per_level;
  q.ask_qty = instrument_.depth_per_level;
  return q;
}

std::vector<BookFill> Market::Take(Side side, Decimal qty, const std::optional<Decimal>& limit) const {
  std::vector<BookFill> fills;
  const Quote q = quote();
  const Decimal tick = instrument_.filters.tick_size;
  Decimal remaining = qty;
  Decimal price = side == Side::kBuy ? q.ask : q.bid;
  for (int level = 0; level < instrument_.levels && remaining.is_positive(); ++level) {
    if (limit && (side == Side::kBuy ? price > *limit : price < *limit)) break;
    if (!price.is_positive()) break;
    const Decimal take = remaining < instrument_.depth_per_level ? remaining : instrument_.depth_per_level;
    fills.push_back(BookFill{price, take});
    remaining = remaining.Sub(take).value();
    price = side == Side::kBuy ? price.Add(tick).value() : price.Sub(tick).value();
  }
  return fills;
}

bool Market::WouldTake(Side side, Decimal price) const {
  const Quote q = quote();
  return side == Side::kBuy ? price >= q.ask : price <= q.bid;
}

Status Market::Move(Decimal percent, TimeMs now, TimeMs over_ms) {
  if (percent <= Decimal::FromInteger(-100).value())
    return Status::InvalidInput("a price move must be above -100%, got " + percent.ToString() + "%");
  if (over_ms < 0) return Status::InvalidInput("a price move's duration must not be negative");
  AdvanceTo(now);
  // Finish any move in progress where it stands.
  base_offset_ = Offset(now);
  moving_offset_ = Decimal();
  const Decimal delta =
      last_.Mul(percent, Rounding::kNearest).value().Div(Decimal::FromInteger(100).value(), Rounding::kNearest).value();
  if (over_ms == 0) {
    base_offset_ = base_offset_.Add(delta).value();
    Recompute(now, true);
  } else {
    moving_offset_ = delta;
    move_start_ = now;
    move_end_ = now + over_ms;
  }
  return Status::Ok();
}

}  // namespace keel::sim
