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

#include <map>
#include <string>
#include <vector>

#include "keel/exchange/stream_events.h"
#include "keel/store/state_store.h"

namespace keel {

struct ApplyResult {
  std::vector<std::string> rest_reads;  // symbols whose orders and positions must be read by REST
  std::vector<std::string> untracked;   // "SYMBOL/SIDE": open on the exchange, not in the store
  // "SYMBOL/SIDE": a new average entry without growth (or the other side, one-way): the position
  // the store held closed and another opened, unseen in between.
  std::vector<std::string> reopened;
  std::vector<std::string> notes;       // what was done, one line each
};

// The position changes the last ACCOUNT_UPDATE reported that no fill has been matched against yet,
// per position. Binance reports a fill's position change with the fill's own time, just before the
// fill itself: a fill at that time that lies inside the reported change is counted already and
// needs no REST read; one outside it (a second trade in the same millisecond whose report was
// lost) still does. Owned by whoever applies the stream (the engine), in memory: after a restart
// the first such fill is read once by REST, which is safe.
class ReportedChanges {
 public:
  // A report of the position at `at` that changed it by `change` (an ACCOUNT_UPDATE, or a REST
  // read the engine wrote after verifying a fill). Reports of one moment add up.
  void Record(const std::string& key, TimeMs at, Decimal change);
  // True, and the fill's part taken from the change, when `delta` at `at` lies inside it.
  bool Take(const std::string& key, TimeMs at, Decimal delta);

 private:
  struct Change {
    TimeMs at = 0;
    Decimal left;
  };
  std::map<std::string, Change> changes_;  // "SYMBOL/SIDE"
};

Result<ApplyResult> ApplyOrderEvent(StateStore& store, const OrderEvent& event, TimeMs now,
                                    ReportedChanges* reported = nullptr);
Result<ApplyResult> ApplyPositionEvent(StateStore& store, const PositionEvent& event, TimeMs now,
                                       ReportedChanges* reported = nullptr);

}  // namespace keel
