#pragma once
// Why keel placed an order. Stored with every intent and order, and what the safety rules key on
// (a position's protection is an order whose purpose is kStop or kEmergencyStop).

#include <string_view>

#include "keel/model/status.h"

namespace keel {

// kTrailingStop: the venue's own trailing stop beside a trade's stop (Binance's
// TRAILING_STOP_MARKET); not protection on its own (it may not be active yet), an exit when it fires.
enum class OrderPurpose { kEntry, kStop, kTakeProfit, kEmergencyStop, kClose, kGrid, kTrailingStop };

const char* to_string(OrderPurpose purpose);
Result<OrderPurpose> parse_order_purpose(std::string_view text);
bool is_protective(OrderPurpose purpose);

}  // namespace keel
