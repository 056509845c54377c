#include <doctest/doctest.h>

#include <set>
#include <utility>

#include "keel/model/order_state.h"

using namespace keel;
using S = OrderState;

TEST_CASE("the lifecycle allows exactly the legal transitions") {
  // The whole table, written out independently of the implementation.
  const std::set<std::pair<S, S>> legal = {
      {S::kPendingNew, S::kNew},           {S::kPendingNew, S::kPartiallyFilled}, {S::kPendingNew, S::kFilled},
      {S::kPendingNew, S::kPendingCancel}, {S::kPendingNew, S::kCanceled},        {S::kPendingNew, S::kExpired},
      {S::kPendingNew, S::kRejected},

      {S::kNew, S::kNew},                  {S::kNew, S::kPartiallyFilled},        {S::kNew, S::kFilled},
      {S::kNew, S::kPendingCancel},        {S::kNew, S::kPendingAmend},           {S::kNew, S::kCanceled},
      {S::kNew, S::kExpired},              {S::kNew, S::kRejected},  // a triggered stop refused by the engine

      {S::kPartiallyFilled, S::kPartiallyFilled}, {S::kPartiallyFilled, S::kFilled},
      {S::kPartiallyFilled, S::kPendingCancel},   {S::kPartiallyFilled, S::kPendingAmend},
      {S::kPartiallyFilled, S::kCanceled},        {S::kPartiallyFilled, S::kExpired},

      {S::kPendingCancel, S::kNew},        {S::kPendingCancel, S::kPartiallyFilled}, {S::kPendingCancel, S::kFilled},
      {S::kPendingCancel, S::kCanceled},   {S::kPendingCancel, S::kExpired},      {S::kPendingCancel, S::kRejected},

      {S::kPendingAmend, S::kNew},         {S::kPendingAmend, S::kPartiallyFilled}, {S::kPendingAmend, S::kFilled},
      {S::kPendingAmend, S::kPendingCancel}, {S::kPendingAmend, S::kCanceled},    {S::kPendingAmend, S::kExpired},
      {S::kPendingAmend, S::kRejected},
  };
  int legal_seen = 0;
  for (S from : kAllOrderStates) {
    for (S to : kAllOrderStates) {
      const bool expected = legal.count({from, to}) > 0;
      Status s = check_transition(from, to);
      CHECK_MESSAGE(s.ok() == expected, to_string(from), " -> ", to_string(to));
      if (!s.ok()) {
        CHECK(s.IsConflict());
        CHECK(s.message().find(std::string(to_string(from)) + " -> " + to_string(to)) != std::string::npos);
      }
      legal_seen += s.ok();
    }
  }
  CHECK(legal_seen == static_cast<int>(legal.size()));
}

TEST_CASE("terminal states are final: no amend, no cancel, no resurrection") {
  for (S terminal : {S::kFilled, S::kCanceled, S::kExpired, S::kRejected}) {
    CHECK(is_terminal(terminal));
    CHECK(!is_confirmed_working(terminal));
    for (S to : kAllOrderStates) {
      Status s = check_transition(terminal, to);
      CHECK(!s.ok());
      CHECK(s.message().find("terminal state is final") != std::string::npos);
    }
  }
  // Seed 000: the exchange cancelled the entry; every later amend must be refused.
  OrderLifecycle order(S::kNew);
  REQUIRE(order.Advance(S::kCanceled).ok());
  for (int attempt = 0; attempt < 737; ++attempt) {
    Status s = order.Advance(S::kPendingAmend);
    REQUIRE(!s.ok());
  }
  CHECK(order.state() == S::kCanceled);
  CHECK(order.terminal());
}

TEST_CASE("an illegal event is reported and leaves the state unchanged") {
  OrderLifecycle order;
  CHECK(order.state() == S::kPendingNew);
  CHECK(order.Advance(S::kPendingAmend).message() == "illegal order transition PendingNew -> PendingAmend");
  CHECK(order.state() == S::kPendingNew);
  REQUIRE(order.Advance(S::kNew).ok());
  REQUIRE(order.Advance(S::kPendingCancel).ok());
  CHECK(!order.Advance(S::kPendingCancel).ok());  // one cancel in flight at a time
  CHECK(order.state() == S::kPendingCancel);
  REQUIRE(order.Advance(S::kFilled).ok());  // the fill won the race with the cancel
  CHECK(!order.Advance(S::kCanceled).ok());
  CHECK(order.state() == S::kFilled);
}

TEST_CASE("exchange statuses map onto lifecycle states") {
  CHECK(state_for(OrderStatus::kNew) == S::kNew);
  CHECK(state_for(OrderStatus::kPartiallyFilled) == S::kPartiallyFilled);
  CHECK(state_for(OrderStatus::kFilled) == S::kFilled);
  CHECK(state_for(OrderStatus::kCanceled) == S::kCanceled);
  CHECK(state_for(OrderStatus::kRejected) == S::kRejected);
  CHECK(state_for(OrderStatus::kExpired) == S::kExpired);
  CHECK(state_for(OrderStatus::kExpiredInMatch) == S::kExpired);
  for (S s : kAllOrderStates) {
    auto parsed = parse_order_state(to_string(s));
    REQUIRE(parsed.ok());
    CHECK(*parsed == s);
  }
  CHECK(!parse_order_state("").ok());
  CHECK(!parse_order_state("NEW").ok());
  CHECK(is_confirmed_working(S::kNew));
  CHECK(is_confirmed_working(S::kPartiallyFilled));
  CHECK(is_confirmed_working(S::kPendingAmend));
  CHECK(!is_confirmed_working(S::kPendingNew));
  CHECK(!is_confirmed_working(S::kPendingCancel));
}
