#pragma once
// When a stop protects a position. One rule, used by the orphan scanner (on what the exchange
// lists), by keel-state-inspect --check (on what the store records) and by the ghost sweep:
//
//   a stop (STOP, STOP_MARKET or TRAILING_STOP_MARKET) on the same symbol, on the closing side
//   (SELL for a long, BUY for a short), on the position's own leg (BOTH in one-way mode, LONG or
//   SHORT in hedge mode), that is closePosition, or reduce-only for part of the position.
//   In hedge mode a closing pair can only reduce, so it counts without the reduceOnly flag (the
//   venue refuses that flag there).
//
// closePosition covers all of it (on Bybit: up to the instrument's close_stop_max_qty); reduce-only stops cover the sum of their quantities: all of the
// position (kFull), less (kPartial), or nothing (kNone). A stop that is neither could open a
// position the other way when it fires: it protects nothing.

#include <optional>
#include <string>
#include <vector>

#include "keel/model/decimal.h"
#include "keel/model/order_kind.h"
#include "keel/model/side.h"

namespace keel {

struct StopOrder {
  std::string client_order_id;
  std::string symbol;
  PositionSide position_side = PositionSide::kBoth;
  Side side = Side::kSell;
  OrderType type = OrderType::kStopMarket;
  Decimal qty;  // ignored for closePosition
  bool reduce_only = false;
  bool close_position = false;
  // A closePosition stop's own cap where it is known (the store's record of it), before the
  // instrument's that CoverageOf is given.
  std::optional<Decimal> close_up_to = std::nullopt;
};

// The stop-relevant fields of an exchange order report or a store order record, which name them alike.
template <typename Order>
StopOrder StopOrderOf(const Order& o) {
  return StopOrder{o.client_order_id, o.symbol, o.position_side, o.side, o.type, o.qty, o.reduce_only, o.close_position};
}

enum class Coverage { kNone, kPartial, kFull };
const char* to_string(Coverage coverage);

struct CoverageReport {
  Coverage coverage = Coverage::kNone;
  Decimal covered;                       // the quantity the stops close (the whole position for kFull)
  std::vector<std::string> covering;     // client order ids of the stops that count
};

// The side that closes a position: SELL for a long (LONG, or BOTH with a positive amount).
Side ClosingSide(PositionSide position_side, Decimal amount);

// True when this one stop would close (part of) the position when it fires.
// Whether a closing stop of this side fires at this price: a SELL stop (closing a long) when the
// price falls to its trigger, a BUY stop (closing a short) when it rises to it.
inline bool StopFiresAt(Side side, Decimal trigger, Decimal price) {
  return side == Side::kSell ? price <= trigger : price >= trigger;
}

bool ProtectsPosition(const StopOrder& stop, const std::string& symbol, PositionSide position_side, Decimal amount);

// close_up_to: the most one closePosition stop closes when it fires (Instrument::close_stop_max_qty;
// nullopt: all of the position). Such a stop then counts as a reduce-only stop of that quantity.
CoverageReport CoverageOf(const std::string& symbol, PositionSide position_side, Decimal amount,
                          const std::vector<StopOrder>& stops, std::optional<Decimal> close_up_to = std::nullopt);

}  // namespace keel
