#pragma once
// Puts a protective stop under a position that has none: a STOP_MARKET closePosition order in the
// conditional book, triggered on the mark price stop_pct percent beyond the worse of entry and mark
// (so it cannot trigger at once), rounded away from the price to the tick. The store records the
// intent, the stop, and the position (adopted if it was untracked) naming its stop. A stop whose
// placement answer is lost is looked up by client order id before anything is concluded; one that
// stays unknown is left PendingNew in the store, never recorded as refused.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "keel/exchange/exchange.h"
#include "keel/safety/settle.h"
#include "keel/store/state_store.h"

namespace keel {

struct ProtectResult {
  OrderReport stop;
  Decimal trigger_price;
  bool adopted = false;  // the store had no record of the position
  // Where a whole-position stop closes only up to Instrument::close_stop_max_qty (Bybit's qty "0"
  // stop: "up to maxMktOrderQty", create-order.mdx), the rest of a larger position is covered by
  // reduce-only stops at the same trigger, each at most that size. What they could not cover (a
  // refusal) is `uncovered`, with the reason; the scanner reports the position partly protected.
  std::vector<OrderReport> remainder_stops;
  Decimal uncovered;
  std::string uncovered_reason;
};

struct ProtectOptions {
  std::string account;
  Decimal stop_pct;  // the stop's distance in percent: 0 < P < 100
  TimeMs now = 0;
  SettleOptions settle;
  // Who protects, for the journal: keel-protect and keel-ctl protect are the operator; the
  // daemon's own repair of an unprotected or orphan position is the engine.
  Source source = Source::kOperator;
  // The stop's client order id; empty: made from `now`. The daemon gives one of its own, unique
  // even for two legs repaired in the same millisecond (hedge mode).
  std::string client_order_id;
  // The client order id of an emergency stop an earlier attempt sent whose answer was lost: if the
  // store now holds it resting (the stream told New), the position is protected by it and no
  // second stop is sent.
  std::optional<std::string> confirmed_stop;
  // The client order ids of the remainder stops (see ProtectResult); empty: made from `now` + 1, + 2, ….
  std::function<std::string()> next_client_order_id;
};

// kInvalidInput when P is out of range: checked before anything is read or sent.
Status ValidateStopPct(Decimal stop_pct);

Result<ProtectResult> ProtectPosition(Exchange& exchange, StateStore& store, const PositionReport& position,
                                      const Instrument& instrument, const ProtectOptions& options);

}  // namespace keel
