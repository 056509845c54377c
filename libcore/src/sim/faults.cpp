#include "keel/sim/faults.h"

namespace keel::sim {

std::optional<PlacementFault> FaultState::TakePlacementFault() {
  if (placement.empty()) return std::nullopt;
  PlacementFault f = placement.front();
  if (--placement.front().count <= 0) placement.pop_front();
  return f;
}

bool FaultState::TakeMinimalAck() {
  if (minimal_ack_next == 0) return false;
  if (minimal_ack_next > 0) --minimal_ack_next;
  return true;
}

bool FaultState::TakeRateLimit() {
  if (rate_limit_next <= 0) return false;
  if (rate_limit_after > 0) {
    --rate_limit_after;
    return false;
  }
  --rate_limit_next;
  return true;
}

void FaultState::Clear() {
  const TimeMs cleared_at = bybit_realtime_closed_cleared_at;
  *this = FaultState();
  bybit_realtime_closed_cleared_at = cleared_at;
}

}  // namespace keel::sim
