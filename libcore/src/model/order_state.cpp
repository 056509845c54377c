#include "keel/model/order_state.h"

#include <string>

#include "keel/model/enum_names.h"

namespace keel {
namespace {

constexpr detail::EnumNames<OrderState, 9> kStateNames{{{OrderState::kPendingNew, "PendingNew"},
                                                        {OrderState::kNew, "New"},
                                                        {OrderState::kPartiallyFilled, "PartiallyFilled"},
                                                        {OrderState::kFilled, "Filled"},
                                                        {OrderState::kPendingCancel, "PendingCancel"},
                                                        {OrderState::kPendingAmend, "PendingAmend"},
                                                        {OrderState::kCanceled, "Canceled"},
                                                        {OrderState::kExpired, "Expired"},
                                                        {OrderState::kRejected, "Rejected"}}};

constexpr unsigned bit(OrderState s) { return 1u << static_cast<unsigned>(s); }

// Legal targets from each state, indexed by the source state.
constexpr unsigned kLegalTargets[] = {
    // PendingNew: the exchange's first word, or a cancel sent before it arrived.
    bit(OrderState::kNew) | bit(OrderState::kPartiallyFilled) | bit(OrderState::kFilled) |
        bit(OrderState::kPendingCancel) | bit(OrderState::kCanceled) | bit(OrderState::kExpired) |
        bit(OrderState::kRejected),
    // New. Rejected too: a conditional order's triggered order can be refused by the matching
    // engine (algo REJECTED after NEW, e.g. on a margin check).
    bit(OrderState::kNew) | bit(OrderState::kPartiallyFilled) | bit(OrderState::kFilled) |
        bit(OrderState::kPendingCancel) | bit(OrderState::kPendingAmend) | bit(OrderState::kCanceled) |
        bit(OrderState::kExpired) | bit(OrderState::kRejected),
    // PartiallyFilled
    bit(OrderState::kPartiallyFilled) | bit(OrderState::kFilled) | bit(OrderState::kPendingCancel) |
        bit(OrderState::kPendingAmend) | bit(OrderState::kCanceled) | bit(OrderState::kExpired),
    // Filled: terminal
    0,
    // PendingCancel: confirmed, overtaken by a fill, expiry or a triggered order's rejection, or
    // refused (back to working).
    bit(OrderState::kNew) | bit(OrderState::kPartiallyFilled) | bit(OrderState::kFilled) |
        bit(OrderState::kCanceled) | bit(OrderState::kExpired) | bit(OrderState::kRejected),
    // PendingAmend: confirmed or refused (back to working), overtaken, or a cancel sent meanwhile.
    bit(OrderState::kNew) | bit(OrderState::kPartiallyFilled) | bit(OrderState::kFilled) |
        bit(OrderState::kPendingCancel) | bit(OrderState::kCanceled) | bit(OrderState::kExpired) |
        bit(OrderState::kRejected),
    // Canceled, Expired, Rejected: terminal
    0,
    0,
    0,
};

}  // namespace

const char* to_string(OrderState state) { return detail::enum_name(kStateNames, state); }

Result<OrderState> parse_order_state(std::string_view text) {
  return detail::parse_enum(kStateNames, text, "order state");
}

bool is_terminal(OrderState state) {
  return state == OrderState::kFilled || state == OrderState::kCanceled || state == OrderState::kExpired ||
         state == OrderState::kRejected;
}

bool is_confirmed_working(OrderState state) {
  return state == OrderState::kNew || state == OrderState::kPartiallyFilled || state == OrderState::kPendingAmend;
}

OrderState state_for(OrderStatus status) {
  switch (status) {
    case OrderStatus::kNew:
    case OrderStatus::kNewInsurance:
    case OrderStatus::kNewAdl: return OrderState::kNew;
    case OrderStatus::kPartiallyFilled: return OrderState::kPartiallyFilled;
    case OrderStatus::kFilled: return OrderState::kFilled;
    case OrderStatus::kCanceled: return OrderState::kCanceled;
    case OrderStatus::kRejected: return OrderState::kRejected;
    case OrderStatus::kExpired:
    case OrderStatus::kExpiredInMatch: return OrderState::kExpired;
  }
  return OrderState::kRejected;  // unreachable: every enumerator is handled above
}

Status check_transition(OrderState from, OrderState to) {
  if (kLegalTargets[static_cast<unsigned>(from)] & bit(to)) return Status::Ok();
  std::string why = is_terminal(from) ? " (terminal state is final)" : "";
  return Status::Conflict(std::string("illegal order transition ") + to_string(from) + " -> " + to_string(to) + why);
}

Status OrderLifecycle::Advance(OrderState to) {
  KEEL_RETURN_IF_ERROR(check_transition(state_, to));
  state_ = to;
  return Status::Ok();
}

}  // namespace keel
