#pragma once
// The order status an exchange reports (Binance USD-M "status"/"X"). Distinct from keel's own
// lifecycle state (order_state.h), which also knows what keel has sent but not yet seen answered.

#include <string_view>

#include "keel/model/status.h"

namespace keel {

enum class OrderStatus {
  kNew,
  kPartiallyFilled,
  kFilled,
  kCanceled,
  kRejected,
  kExpired,
  kExpiredInMatch,  // expired by self-trade prevention
  kNewInsurance,    // a liquidation order taken over by the insurance fund (liquidation in progress)
  kNewAdl,          // a liquidation order filled by auto-deleveraging the counterparty
};

const char* to_string(OrderStatus status);
Result<OrderStatus> parse_order_status(std::string_view text);
bool is_terminal(OrderStatus status);

}  // namespace keel
