#pragma once
// keel's order lifecycle. Unlike the exchange's status it has states for what keel sent and has not
// yet seen answered: PendingNew (placement sent, outcome unknown), PendingCancel, PendingAmend.
//
// Only legal transitions are applied. Terminal states (Filled, Canceled, Expired, Rejected) are final:
// an order in one of them can never be amended or cancelled again, which frees its slot by
// construction (seed 000: 737 amends of an order the exchange had cancelled).

#include <string_view>

#include "keel/model/order_status.h"
#include "keel/model/status.h"

namespace keel {

enum class OrderState {
  kPendingNew,
  kNew,
  kPartiallyFilled,
  kFilled,
  kPendingCancel,
  kPendingAmend,
  kCanceled,
  kExpired,
  kRejected,
};

inline constexpr OrderState kAllOrderStates[] = {
    OrderState::kPendingNew,    OrderState::kNew,          OrderState::kPartiallyFilled,
    OrderState::kFilled,        OrderState::kPendingCancel, OrderState::kPendingAmend,
    OrderState::kCanceled,      OrderState::kExpired,      OrderState::kRejected};

const char* to_string(OrderState state);
Result<OrderState> parse_order_state(std::string_view text);

bool is_terminal(OrderState state);
// Resting on the exchange as far as keel knows and not being taken away: a protective stop in one
// of these states protects its position. PendingNew (unconfirmed) and PendingCancel do not.
bool is_confirmed_working(OrderState state);

// The lifecycle state an exchange-reported status moves an order to.
OrderState state_for(OrderStatus status);

// OK when from -> to is legal; otherwise a kConflict Status naming both states. Repeating New or
// PartiallyFilled is legal (an amendment confirmed, another partial fill); repeating a pending
// state is not (one cancel or amend in flight at a time).
Status check_transition(OrderState from, OrderState to);

// Holds one order's state and applies only legal transitions.
class OrderLifecycle {
 public:
  explicit OrderLifecycle(OrderState initial = OrderState::kPendingNew) : state_(initial) {}
  OrderState state() const { return state_; }
  bool terminal() const { return is_terminal(state_); }
  // On an illegal transition the state is unchanged and the error is returned for the caller to
  // journal.
  Status Advance(OrderState to);

 private:
  OrderState state_;
};

}  // namespace keel
