#include "keel/safety/store_view.h"


namespace keel {

TimeMs StoreView::NewestPositionTime(const std::string& symbol, PositionSide side) const {
  auto it = newest_position_time.find({symbol, side});
  return it == newest_position_time.end() ? 0 : it->second;
}

const PositionRecord* StoreView::OpenPosition(const std::string& symbol, PositionSide side) const {
  for (const auto& p : open_positions)
    if (p.symbol == symbol && p.position_side == side) return &p;
  return nullptr;
}

const OrderRecord* StoreView::Order(const std::string& client_order_id) const {
  for (const auto& o : open_orders)
    if (o.client_order_id == client_order_id) return &o;
  return nullptr;
}

Result<StoreView> LoadStoreView(StateStore& store) {
  StoreView v;
  auto positions = store.Positions(PositionFilter{});
  if (!positions.ok()) return positions.status();
  for (const auto& p : *positions) {
    if (p.state == PositionState::kOpen) v.open_positions.push_back(p);
    TimeMs& newest = v.newest_position_time[{p.symbol, p.position_side}];
    newest = std::max(newest, p.exchange_updated_ms.value_or(0));
  }
  OrderFilter open;
  open.open_only = true;
  auto orders = store.Orders(open);
  if (!orders.ok()) return orders.status();
  v.open_orders = std::move(orders).value();
  return v;
}

bool IsStaleObservation(TimeMs observed_at, TimeMs newest_applied) {
  return newest_applied > 0 && observed_at <= newest_applied;
}

}  // namespace keel
