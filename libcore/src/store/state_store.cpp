#include "keel/store/state_store.h"

#include <algorithm>

namespace keel {

Result<std::optional<PositionRecord>> OpenPositionOf(StateStore& store, const std::string& symbol, PositionSide side) {
  PositionFilter f;
  f.symbol = symbol;
  f.state = PositionState::kOpen;
  auto open = store.Positions(f);
  if (!open.ok()) return open.status();
  for (auto& p : *open)
    if (p.position_side == side) return std::optional<PositionRecord>(std::move(p));
  return std::optional<PositionRecord>();
}

Result<HeldPosition> HeldPositionOf(StateStore& store, const std::string& symbol, PositionSide side) {
  PositionFilter f;
  f.symbol = symbol;
  auto all = store.Positions(f);
  if (!all.ok()) return all.status();
  HeldPosition held;
  for (auto& p : *all) {
    if (p.position_side != side) continue;
    held.newest_exchange_ms = std::max(held.newest_exchange_ms, p.exchange_updated_ms.value_or(0));
    if (p.state == PositionState::kOpen) held.open = std::move(p);
  }
  return held;
}

}  // namespace keel
