// Trailing stops: Binance's TRAILING_STOP_MARKET in the algo service ("New Algo Order (TRADE)": a
// BUY fires when the price rises to the lowest since activation * (1 + callbackRate), a SELL when
// it falls to the highest * (1 - callbackRate); callbackRate min 0.1, max 10, 1 for 1 %), and
// Bybit's trailingStop on a position (trading-stop.mdx: "by price distance").
#include "keel/sim/sim_exchange.h"

namespace keel::sim {

Decimal TrailingStop::Follow(Side side, Decimal price, Decimal tick) {
  const bool sell = side == Side::kSell;
  if (!active) {
    if (sell ? price < activate_price : price > activate_price) return Decimal();
    active = true;
    extreme = price;
  }
  if (sell ? price > extreme : price < extreme) extreme = price;
  return Level(side, tick);
}

Decimal TrailingStop::Level(Side side, Decimal tick) const {
  if (!active) return Decimal();
  const bool sell = side == Side::kSell;
  if (!callback_rate.is_positive()) return sell ? extreme.Sub(distance).value() : extreme.Add(distance).value();
  // Rounded away from the market onto the tick grid: on that grid "price <= level" is then the
  // same test as against the exact product.
  const Rounding away = sell ? Rounding::kFloor : Rounding::kCeiling;
  const Decimal hundred = Decimal::FromInteger(100).value();
  const Decimal factor = sell ? hundred.Sub(callback_rate).value() : hundred.Add(callback_rate).value();
  const Decimal exact = extreme.Mul(factor, away).value().Div(hundred, away).value();
  return exact.RoundTo(tick, away).value();
}

Status SimExchange::ValidateTrailing(const SimInstrument& inst, const NewAlgoOrderRequest& r) const {
  if (r.trigger_price) return Refuse(SimRefusal::kParameterNotAllowed, "triggerPrice");
  // closePosition goes with STOP_MARKET and TAKE_PROFIT_MARKET only; a position's own trailing
  // stop (Bybit's) closes all of it.
  if (r.close_position && r.position_tpsl.empty()) return Refuse(SimRefusal::kParameterNotAllowed, "closePosition");
  if (r.callback_rate && r.trail_distance) return Refuse(SimRefusal::kParameterNotAllowed, "trailingStop");
  if (!r.callback_rate && !r.trail_distance) return Refuse(SimRefusal::kMissingParameter, "callbackRate");
  if (r.callback_rate && (*r.callback_rate < Decimal::Parse("0.1").value() ||
                          *r.callback_rate > Decimal::FromInteger(10).value()))
    return Refuse(SimRefusal::kInvalidParameter, "callbackRate");
  if (r.trail_distance) KEEL_RETURN_IF_ERROR(ValidateDistance(inst, *r.trail_distance));
  if (r.activate_price) KEEL_RETURN_IF_ERROR(ValidatePrice(inst, *r.activate_price));
  return Status::Ok();
}

Status SimExchange::ValidateDistance(const SimInstrument& inst, Decimal distance) const {
  if (!distance.is_positive() || !distance.IsMultipleOf(inst.filters.tick_size))
    return Refuse(SimRefusal::kInvalidParameter, "trailingStop");
  return Status::Ok();
}

bool SimExchange::ActivatesNow(Side side, Decimal activate_price, Decimal reference) {
  // "BUY: activatePrice should be smaller than latest price. SELL: activatePrice should be larger
  // than latest price", else -2021 (New Algo Order).
  return side == Side::kSell ? activate_price <= reference : activate_price >= reference;
}

}  // namespace keel::sim
