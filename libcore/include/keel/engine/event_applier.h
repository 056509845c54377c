#pragma once
// Applies the private stream's events to the state store, one batch per event, as the daemon's
// engine does:
//   - every event is journaled whole (the venue's own values, understood or not);
//   - keel's own orders move through their lifecycle; an observation older (by exchange time) than
//     what the store holds is ignored, an illegal one is recorded as an incident, never forced;
//   - ACCOUNT_UPDATE sets positions to the amounts the exchange reports (flat closes them);
//   - a fill moves the store's position by its quantity when no newer position report was applied:
//     a liquidation or ADL fill whose ACCOUNT_UPDATE was lost still closes the position;
//   - what an event leaves uncertain (a value keel does not know, a status it cannot decide, a fill
//     that may already be counted, a position that turned over) is returned as a symbol to read by
//     REST. Nothing is guessed.

#include <string>
#include <vector>

#include "keel/exchange/stream_events.h"
#include "keel/store/state_store.h"

namespace keel {

struct ApplyResult {
  std::vector<std::string> rest_reads;  // symbols whose orders and positions must be read by REST
  std::vector<std::string> untracked;   // "SYMBOL/SIDE": open on the exchange, not in the store
  std::vector<std::string> notes;       // what was done, one line each
};

Result<ApplyResult> ApplyOrderEvent(StateStore& store, const OrderEvent& event, TimeMs now);
Result<ApplyResult> ApplyPositionEvent(StateStore& store, const PositionEvent& event, TimeMs now);

}  // namespace keel
