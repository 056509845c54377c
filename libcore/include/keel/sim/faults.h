#pragma once
// What the simulator can be told to do wrong, on command (control endpoint) or from a scenario
// file. The REST layer consults it for transport, acknowledgement and stale-read faults; the event
// outbox for stream faults; exchange-side acts go straight to SimExchange.

#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "keel/model/time.h"

namespace keel::sim {

// A request an API refused for its rate, with the wait it asked for: when a client that obeys could
// not send. Every dialect keeps them; the ground truth exports them for the chaos checker.
struct RestRefusal {
  TimeMs time = 0;
  int http_status = 429;  // Bybit's 10006 arrives in an HTTP 200
  TimeMs retry_after_ms = 0;
};

// A placement (POST /fapi/v1/order or /fapi/v1/algoOrder) whose answer does not tell the outcome,
// before the order was accepted (nothing happened) or after (the order exists, the caller just does
// not know): no answer at all, a 503 -1000, an HTTP 408, a -1006 or -1007 ("execution status
// unknown"), or an HTTP 200 whose body is cut off.
struct PlacementFault {
  enum class When { kBeforeAccept, kAfterAccept };
  enum class How { kServerError, kTimeout, kRequestTimeout408, kUnexpectedResponse1006, kBackendTimeout1007, kGarbled };
  When when = When::kAfterAccept;
  How how = How::kTimeout;
  int count = 1;
};

// Drops the next `count` user events of a type, optionally only those with an execution type or
// algo status ("ORDER_TRADE_UPDATE" + "CANCELED").
struct DropRule {
  std::string event_type;
  std::string detail;  // execution type (x) or algo status (X); empty matches any
  int count = 1;
};

// Network distance: every REST answer and every stream event leaves latency_ms later, plus a
// uniform 0..jitter_ms (stream events keep their order, as on one connection).
struct Latency {
  TimeMs ms = 0;
  TimeMs jitter_ms = 0;
};

struct StreamFaults {
  TimeMs delay_ms = 0;         // every user event arrives this much later
  Latency latency;
  int drop_per_mille = 0;      // drop this fraction of user events, at random (seeded)
  std::vector<DropRule> drop_rules;
  int duplicate_next = 0;      // send the next N user events twice
  int reorder_next = 0;        // swap each of the next N user events with the one after it
  // The next N fills tell their order's trade (Binance's ORDER_TRADE_UPDATE, Bybit's execution and
  // order rows) before the position change (ACCOUNT_UPDATE, Bybit's position row) instead of after:
  // pushes of different topics come in any order, and keel must join them either way.
  int fill_before_position_next = 0;
};

struct FaultState {
  Latency& latency() { return stream.latency; }
  TimeMs stale_reads_ms = 0;   // positions, orders and open orders answer from this long ago
  enum class StaleScope { kAll, kPositions, kOrders };
  StaleScope stale_scope = StaleScope::kAll;  // which of them lag
  // How far behind position reads are: the stale-read lag when it covers positions, else 0.
  TimeMs position_lag_ms() const { return stale_scope != StaleScope::kOrders && stale_reads_ms > 0 ? stale_reads_ms : 0; }
  int minimal_ack_next = 0;    // the next N placements answer without side, quantity or status (-1: all)
  std::deque<PlacementFault> placement;
  int rate_limit_next = 0;     // the next N requests get 429 -1003 (Bybit: 10006)
  int rate_limit_after = 0;    // ... once this many more have gone through (a stop's placement)
  StreamFaults stream;
  // Set by {"fault":"bybit_service_restart"}: Bybit's realtime list forgets the closed orders it
  // kept (open-order.mdx: "If the Bybit service is restarted due to an update, this part of the
  // data will be cleared"); those that ended before this time are read from history only. An event,
  // not a standing fault: Clear() keeps it.
  TimeMs bybit_realtime_closed_cleared_at = 0;

  // Consumes one use of the first placement fault, if any.
  std::optional<PlacementFault> TakePlacementFault();
  bool TakeMinimalAck();
  bool TakeRateLimit();
  void Clear();
};

}  // namespace keel::sim
