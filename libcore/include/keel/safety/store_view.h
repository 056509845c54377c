#pragma once
// What the safety rules need from the state store, read once: the open positions and orders, and
// the exchange time of the newest observation applied to each (symbol, position side), which is
// what the stale-read guard compares REST snapshots against (seed 004).

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "keel/store/state_store.h"

namespace keel {

struct StoreView {
  std::vector<PositionRecord> open_positions;
  std::vector<OrderRecord> open_orders;  // not terminal
  // Newest exchange time applied per (symbol, position side), from positions open or closed (their
  // exchange_updated_ms: keel's own clock is never compared with the exchange's).
  std::map<std::pair<std::string, PositionSide>, TimeMs> newest_position_time;

  TimeMs NewestPositionTime(const std::string& symbol, PositionSide side) const;
  const PositionRecord* OpenPosition(const std::string& symbol, PositionSide side) const;
  const OrderRecord* Order(const std::string& client_order_id) const;
};

Result<StoreView> LoadStoreView(StateStore& store);

// The stale-read guard: a REST observation made at or before the newest one already applied (by
// exchange time) says nothing new and must not undo it. True means: ignore this observation.
bool IsStaleObservation(TimeMs observed_at, TimeMs newest_applied);

}  // namespace keel
