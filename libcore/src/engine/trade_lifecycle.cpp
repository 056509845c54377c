#include "keel/engine/trade_lifecycle.h"

namespace keel {

const char* to_string(TradeState state) {
  switch (state) {
    case TradeState::kEntering: return "entering";
    case TradeState::kProtecting: return "protecting";
    case TradeState::kProtected: return "protected";
    case TradeState::kClosing: return "closing";
    case TradeState::kUnresolved: return "unresolved";
    case TradeState::kClosed: return "closed";
    case TradeState::kRolledBack: return "rolled-back";
    case TradeState::kFailed: return "failed";
  }
  return "unknown";
}

bool is_final(TradeState state) {
  return state == TradeState::kClosed || state == TradeState::kRolledBack || state == TradeState::kFailed;
}

bool is_closing(TradeState state) { return state == TradeState::kClosing || state == TradeState::kUnresolved; }

Status CheckTradeTransition(TradeState from, TradeState to) {
  using S = TradeState;
  bool legal = false;
  switch (from) {
    case S::kEntering:
      // Straight to Protected when the guard stop placed before verification is adopted.
      legal = to == S::kProtecting || to == S::kProtected || to == S::kClosing || to == S::kFailed;
      break;
    case S::kProtecting:
      legal = to == S::kProtected || to == S::kClosing || to == S::kClosed;
      break;
    case S::kProtected:
      // Protecting again: its stop is gone and another is being placed (a repair).
      legal = to == S::kProtecting || to == S::kClosing || to == S::kClosed;
      break;
    case S::kClosing:
      // Failed: a flatten met an entry that ended with nothing filled.
      legal = to == S::kClosing || to == S::kUnresolved || to == S::kClosed || to == S::kRolledBack || to == S::kFailed;
      break;
    case S::kUnresolved:
      legal = to == S::kClosing || to == S::kUnresolved || to == S::kClosed || to == S::kRolledBack;
      break;
    case S::kClosed:
    case S::kRolledBack:
    case S::kFailed:
      legal = false;
      break;
  }
  if (legal) return Status::Ok();
  return Status::Conflict(std::string("illegal trade transition ") + to_string(from) + " -> " + to_string(to));
}

SignalState SignalStateOf(TradeState state) {
  switch (state) {
    case TradeState::kEntering: return SignalState::kEntering;
    case TradeState::kProtecting:
    case TradeState::kProtected: return SignalState::kOpen;
    case TradeState::kClosing: return SignalState::kClosing;
    case TradeState::kUnresolved: return SignalState::kUnresolved;
    case TradeState::kClosed: return SignalState::kClosed;
    case TradeState::kRolledBack: return SignalState::kRolledBack;
    case TradeState::kFailed: return SignalState::kFailed;
  }
  return SignalState::kUnresolved;
}

Result<TradeState> RestoredTradeState(SignalState stored, bool stop_confirmed) {
  switch (stored) {
    case SignalState::kEntering: return TradeState::kEntering;
    case SignalState::kOpen: return stop_confirmed ? TradeState::kProtected : TradeState::kProtecting;
    case SignalState::kClosing: return TradeState::kClosing;
    case SignalState::kUnresolved: return TradeState::kUnresolved;
    case SignalState::kRejected:
    case SignalState::kClosed:
    case SignalState::kRolledBack:
    case SignalState::kFailed:
    case SignalState::kDone: break;
  }
  return Status::InvalidInput(std::string("a ") + to_string(stored) + " signal has no trade to restore");
}

}  // namespace keel
