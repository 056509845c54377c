// The trade lifecycle's table, read directly: what may follow what, and what the signal stores.
#include <doctest/doctest.h>

#include "keel/engine/trade_lifecycle.h"

using namespace keel;

namespace {
bool Legal(TradeState from, TradeState to) { return CheckTradeTransition(from, to).ok(); }
}  // namespace

TEST_CASE("a trade enters, is protected, closes; final states are final") {
  using S = TradeState;
  CHECK(Legal(S::kEntering, S::kProtecting));
  CHECK(Legal(S::kEntering, S::kProtected));  // the guard stop adopted
  CHECK(Legal(S::kEntering, S::kFailed));
  CHECK(Legal(S::kEntering, S::kClosing));
  CHECK(!Legal(S::kEntering, S::kClosed));  // a trade with no verified fill is not "closed"
  CHECK(!Legal(S::kEntering, S::kRolledBack));
  CHECK(Legal(S::kProtecting, S::kProtected));
  CHECK(Legal(S::kProtecting, S::kClosing));
  CHECK(Legal(S::kProtected, S::kClosed));
  CHECK(Legal(S::kProtected, S::kProtecting));  // its stop gone, another on its way
  CHECK(!Legal(S::kProtected, S::kRolledBack));  // a rollback closes first
  CHECK(!Legal(S::kProtected, S::kFailed));
  CHECK(Legal(S::kClosing, S::kUnresolved));
  CHECK(Legal(S::kUnresolved, S::kUnresolved));  // another attempt not verified
  CHECK(Legal(S::kUnresolved, S::kRolledBack));
  CHECK(Legal(S::kClosing, S::kFailed));  // a flatten met an entry that ended unfilled
  CHECK(!Legal(S::kUnresolved, S::kFailed));
  for (TradeState final_state : {S::kClosed, S::kRolledBack, S::kFailed}) {
    CHECK(is_final(final_state));
    for (TradeState to : kAllTradeStates) CHECK(!Legal(final_state, to));
  }
  for (TradeState s : {S::kEntering, S::kProtecting, S::kProtected}) CHECK(!Legal(s, s));
  const Status refused = CheckTradeTransition(S::kClosed, S::kClosing);
  CHECK(refused.IsConflict());
  CHECK(refused.message() == "illegal trade transition closed -> closing");
}

TEST_CASE("the stored signal state is derived from the trade's, and a restart resumes from it") {
  using S = TradeState;
  CHECK(SignalStateOf(S::kEntering) == SignalState::kEntering);
  CHECK(SignalStateOf(S::kProtecting) == SignalState::kOpen);
  CHECK(SignalStateOf(S::kProtected) == SignalState::kOpen);
  CHECK(SignalStateOf(S::kClosing) == SignalState::kClosing);
  CHECK(SignalStateOf(S::kUnresolved) == SignalState::kUnresolved);
  CHECK(SignalStateOf(S::kClosed) == SignalState::kClosed);
  CHECK(SignalStateOf(S::kRolledBack) == SignalState::kRolledBack);
  CHECK(SignalStateOf(S::kFailed) == SignalState::kFailed);

  CHECK(*RestoredTradeState(SignalState::kOpen, true) == S::kProtected);
  CHECK(*RestoredTradeState(SignalState::kOpen, false) == S::kProtecting);
  CHECK(*RestoredTradeState(SignalState::kUnresolved, false) == S::kUnresolved);
  CHECK(!RestoredTradeState(SignalState::kClosed, false).ok());
  // Every state a trade can be saved in, short of a final one, is resumed as itself.
  for (TradeState s : kAllTradeStates) {
    if (is_final(s)) continue;
    auto back = RestoredTradeState(SignalStateOf(s), s == S::kProtected);
    REQUIRE(back.ok());
    CHECK(*back == s);
  }
}
