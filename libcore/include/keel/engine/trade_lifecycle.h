#pragma once
// One trade's (one signal's) lifecycle in the engine, as order states are in model/order_state.h:
// named states, a transition table, and one way to move. The signal's stored state is derived from
// it (SignalStateOf), never set beside it.
//
//   Entering ──verified──> Protecting <──stop confirmed / stop gone──> Protected
//      │  │                    │  │                           │  │
//      │  └─no fill─> Failed   │  └──────── flat ───────> Closed <┘
//      └──── close, flatten, an exit filled, a rollback ───> Closing ──verified flat──> Closed | RolledBack
//                                                              │  ^
//                                                not verified  v  │ tried again
//                                                            Unresolved
//
// Closed, RolledBack and Failed are final: nothing moves a trade out of them.

#include <string>
#include <string_view>

#include "keel/model/status.h"
#include "keel/store/records.h"

namespace keel {

enum class TradeState {
  kEntering,    // the entry is placed, resting or being verified; no verified fill yet
  kProtecting,  // the entry's fill is verified; its stop is being placed or confirmed
  kProtected,   // the stop is confirmed resting (the position names it)
  kClosing,     // a close, flatten, rollback or a filled exit is taking the position to flat
  kUnresolved,  // that close is not verified flat yet: keel keeps at it, an operator should look
  kClosed,      // flat, verified (or reported by the exchange)
  kRolledBack,  // the stop could not be placed; the position was closed and proven flat
  kFailed,      // ended without a position: the entry was refused, expired or cancelled unfilled
};

inline constexpr TradeState kAllTradeStates[] = {TradeState::kEntering,   TradeState::kProtecting, TradeState::kProtected,
                                                 TradeState::kClosing,    TradeState::kUnresolved, TradeState::kClosed,
                                                 TradeState::kRolledBack, TradeState::kFailed};

const char* to_string(TradeState state);
bool is_final(TradeState state);
// Closing or unresolved: a close owns the trade.
bool is_closing(TradeState state);

// OK when from -> to is legal, else kConflict naming both. Staying in Closing or Unresolved is
// legal (another attempt); staying anywhere else is not (a move that changes nothing is a bug).
Status CheckTradeTransition(TradeState from, TradeState to);

// The state a signal's record stores for a trade in this state.
SignalState SignalStateOf(TradeState state);

// The state a trade restored from its stored signal resumes in. stop_confirmed: the position names
// the signal's stop. A final signal state has no trade to restore: kInvalidInput.
Result<TradeState> RestoredTradeState(SignalState stored, bool stop_confirmed);

}  // namespace keel
