#pragma once
// Why keel placed an order. Stored with every intent and order, and what the safety rules key on
// (a position's protection is an order whose purpose is kStop or kEmergencyStop).

#include <string_view>

#include "keel/model/status.h"

namespace keel {

enum class OrderPurpose { kEntry, kStop, kTakeProfit, kEmergencyStop, kClose, kGrid };

const char* to_string(OrderPurpose purpose);
Result<OrderPurpose> parse_order_purpose(std::string_view text);
bool is_protective(OrderPurpose purpose);

}  // namespace keel
