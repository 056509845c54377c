#pragma once
// The simulator's record of every order request a client made, in the order it arrived: what was
// asked (place, amend, cancel, query, on the order book or the conditional book) and what the
// exchange answered. With the orders, conditional orders and fills the exchange keeps anyway, it
// is the ground truth an outside checker judges a client by (keel-chaos): it never asks the client.
// Exchange-side acts (liquidations, countdown cancels, triggers) are not requests and are absent.

#include <cstdint>
#include <string>

#include "keel/model/decimal.h"
#include "keel/model/time.h"

namespace keel::sim {

enum class LedgerAction { kPlace, kAmend, kCancel, kCancelAll, kQuery };
enum class LedgerBook { kOrders, kAlgo };
const char* to_string(LedgerAction action);
const char* to_string(LedgerBook book);

struct LedgerEntry {
  TimeMs time = 0;
  std::int64_t account = 0;
  LedgerAction action = LedgerAction::kPlace;
  LedgerBook book = LedgerBook::kOrders;
  std::string symbol;
  // The order it concerned: what the request named, completed from the order when one was found
  // (an accepted placement names the new order). 0 / "" when neither is known.
  std::int64_t order_id = 0;
  std::string client_id;
  // "" when the exchange did it, else why not: the refusal's name ("unknown_order", sim_refusal.h),
  // or the error's category when the core failed otherwise.
  std::string refused;
  std::string status;       // the order's status after the request, when there is an order
};

}  // namespace keel::sim
