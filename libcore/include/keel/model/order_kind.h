#pragma once
// Order type and time in force, with Binance USD-M's documented values.

#include <string_view>

#include "keel/model/status.h"

namespace keel {

enum class OrderType {
  kLimit,
  kMarket,
  kStop,                // stop-limit
  kStopMarket,
  kTakeProfit,          // take-profit-limit
  kTakeProfitMarket,
  kTrailingStopMarket,
  kLiquidation,  // the exchange's own order closing a liquidated position ("autoclose-…")
  kAdl,          // the exchange's auto-deleveraging order ("adl_autoclose")
};

// GTX is post-only (rejected with -5022 if it would take); GTD needs goodTillDate; RPI is the
// retail-price-improvement book; GTE_GTC is what the exchange reports for a closePosition
// conditional order, which it expires when the position closes.
enum class TimeInForce { kGtc, kIoc, kFok, kGtx, kGtd, kRpi, kGteGtc };

const char* to_string(OrderType type);
const char* to_string(TimeInForce tif);
Result<OrderType> parse_order_type(std::string_view text);
Result<TimeInForce> parse_time_in_force(std::string_view text);

// Conditional types live in Binance's algo order service since 2025-12-09 (-4120 on /fapi/v1/order).
bool is_conditional(OrderType type);
// Orders only the exchange places (liquidation, ADL): keel never sends one.
bool is_exchange_generated(OrderType type);

}  // namespace keel
