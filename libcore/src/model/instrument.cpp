#include "keel/model/instrument.h"

#include "keel/model/utf8.h"

namespace keel {

Status ValidateSymbol(std::string_view symbol) {
  if (symbol.empty()) return Status::InvalidInput("symbol: empty");
  if (symbol.size() > 64) return Status::InvalidInput("symbol: longer than 64 bytes");
  if (!is_valid_utf8(symbol)) return Status::InvalidInput("symbol: not valid UTF-8");
  for (unsigned char c : symbol) {
    if (c < 0x80 && !((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) {
      return Status::InvalidInput("symbol \"" + std::string(symbol) +
                                  "\": expected upper-case letters, digits and '_' (non-ASCII letters allowed)");
    }
  }
  return Status::Ok();
}

std::optional<Decimal> Instrument::MaxMarketQuantity() const { return market_max_qty ? market_max_qty : max_qty; }

bool IsPlainSymbol(std::string_view symbol) {
  if (symbol.empty() || symbol.size() > 32) return false;
  for (char c : symbol)
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return false;
  return true;
}

Status Instrument::Validate() const {
  KEEL_RETURN_IF_ERROR(ValidateSymbol(symbol).WithContext("instrument"));
  if (!tick_size.is_positive())
    return Status::InvalidInput("instrument " + symbol + ": tickSize must be positive, got " + tick_size.ToString());
  if (!step_size.is_positive())
    return Status::InvalidInput("instrument " + symbol + ": stepSize must be positive, got " + step_size.ToString());
  if (min_qty.is_negative())
    return Status::InvalidInput("instrument " + symbol + ": minQty must not be negative, got " + min_qty.ToString());
  if (min_notional.is_negative()) {
    return Status::InvalidInput("instrument " + symbol + ": notional must not be negative, got " +
                                min_notional.ToString());
  }
  return Status::Ok();
}

Status Instrument::ValidatePrice(Decimal price) const {
  if (!price.is_positive())
    return Status::InvalidInput(symbol + " PRICE_FILTER: price must be positive, got " + price.ToString());
  if (!price.IsMultipleOf(tick_size)) {
    return Status::InvalidInput(symbol + " PRICE_FILTER: price " + price.ToString() + " is not a multiple of tickSize " +
                                tick_size.ToString());
  }
  return Status::Ok();
}

Status Instrument::ValidateQuantity(Decimal qty) const {
  if (!qty.is_positive())
    return Status::InvalidInput(symbol + " LOT_SIZE: quantity must be positive, got " + qty.ToString());
  if (qty < min_qty) {
    return Status::InvalidInput(symbol + " LOT_SIZE: quantity " + qty.ToString() + " is below minQty " +
                                min_qty.ToString());
  }
  if (!qty.IsMultipleOf(step_size)) {
    return Status::InvalidInput(symbol + " LOT_SIZE: quantity " + qty.ToString() + " is not a multiple of stepSize " +
                                step_size.ToString());
  }
  return Status::Ok();
}

Status Instrument::ValidateOrder(Decimal qty, Decimal price, bool reduce_only) const {
  KEEL_RETURN_IF_ERROR(ValidateQuantity(qty));
  KEEL_RETURN_IF_ERROR(ValidatePrice(price));
  if (reduce_only) return Status::Ok();
  auto notional = qty.Mul(price, Rounding::kDown);
  if (!notional.ok()) return notional.status().WithContext(symbol + " MIN_NOTIONAL");
  if (*notional < min_notional) {
    return Status::InvalidInput(symbol + " MIN_NOTIONAL: notional " + notional->ToString() + " is below " +
                                min_notional.ToString());
  }
  return Status::Ok();
}

}  // namespace keel
