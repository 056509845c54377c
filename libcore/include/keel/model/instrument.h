#pragma once
// A tradable contract and the exchange filters every order on it must pass. Validation names the
// failing filter with Binance's names (PRICE_FILTER, LOT_SIZE, MIN_NOTIONAL), so a refusal reads
// the same whether keel or the exchange produced it.

#include <optional>
#include <string>
#include <string_view>

#include "keel/model/decimal.h"
#include "keel/model/status.h"

namespace keel {

struct Instrument {
  std::string symbol;    // UTF-8: upper-case ASCII letters and digits, and non-ASCII letters ("币安人生USDT")
  Decimal tick_size;     // PRICE_FILTER tickSize
  Decimal step_size;     // LOT_SIZE stepSize
  Decimal min_qty;       // LOT_SIZE minQty
  Decimal min_notional;  // MIN_NOTIONAL notional
  std::optional<Decimal> max_qty = std::nullopt;         // LOT_SIZE maxQty; absent: not published
  std::optional<Decimal> market_max_qty = std::nullopt;  // MARKET_LOT_SIZE maxQty: a larger market order is refused (-4005)
  // The most one whole-position stop closes when it fires: Bybit's qty "0" stop closes "up to
  // maxMktOrderQty or maxOrderQty" (create-order.mdx); Binance's closePosition closes all of the
  // position (nullopt).
  std::optional<Decimal> close_stop_max_qty = std::nullopt;

  // The instrument's own consistency: a symbol, positive tick and step, non-negative minimums.
  Status Validate() const;

  Status ValidatePrice(Decimal price) const;
  Status ValidateQuantity(Decimal qty) const;
  // The largest quantity one market order may have (MARKET_LOT_SIZE maxQty, else LOT_SIZE maxQty);
  // nullopt when the exchange publishes neither.
  std::optional<Decimal> MaxMarketQuantity() const;
  // price: the limit price, or for a market order the mark price it will be valued at.
  // Reduce-only orders are exempt from MIN_NOTIONAL, as on Binance (-4164 "unless you choose
  // reduce only").
  Status ValidateOrder(Decimal qty, Decimal price, bool reduce_only) const;

  Result<Decimal> RoundPrice(Decimal price, Rounding rounding) const { return price.RoundTo(tick_size, rounding); }
  Result<Decimal> RoundQuantity(Decimal qty, Rounding rounding) const { return qty.RoundTo(step_size, rounding); }
};

// A symbol as keel accepts it anywhere (config, flags, exchange data): non-empty well-formed UTF-8
// of at most 64 bytes whose ASCII characters are upper-case letters, digits or '_' (delivery
// contracts: "BTCUSDT_260327").
Status ValidateSymbol(std::string_view symbol);

// A symbol as a bot's signal or a config names it: 1-32 upper-case ASCII letters and digits
// (BTCUSDT). Symbols with other letters are traded by the tools, not named in signals.
bool IsPlainSymbol(std::string_view symbol);

}  // namespace keel
