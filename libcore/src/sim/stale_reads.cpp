#include "keel/sim/stale_reads.h"

#include <algorithm>

namespace keel::sim {

void StaleReads::ObservePositions(const SimExchange& ex, TimeMs now) {
  for (std::size_t i = 0; i < ex.account_count(); ++i) {
    const auto id = static_cast<AccountId>(i);
    auto& history = positions_[id];
    const std::uint64_t version = ex.state_version(id);
    if (history.empty() || positions_version_[id] != version) {
      positions_version_[id] = version;
      auto now_positions = ex.Positions(id);
      if (history.empty() || history.back().positions.size() != now_positions.size() ||
          !std::equal(now_positions.begin(), now_positions.end(), history.back().positions.begin(),
                      [](const SimPosition& a, const SimPosition& b) {
                        return a.amount == b.amount && a.entry_price == b.entry_price && a.update_time == b.update_time;
                      })) {
        history.push_back(PositionRecord{now, std::move(now_positions)});
      }
    }
    // A minute of history, and always the newest record before it.
    while (history.size() > 1 && history[1].at <= now - 60'000) history.pop_front();
  }
}

const std::vector<SimPosition>* StaleReads::PositionsAt(AccountId id, TimeMs t) const {
  auto it = positions_.find(id);
  if (it == positions_.end() || it->second.empty()) return nullptr;
  const std::vector<SimPosition>* best = &it->second.front().positions;
  for (const auto& r : it->second)
    if (r.at <= t) best = &r.positions;
  return best;
}

void StaleReads::Start(const SimExchange& ex, TimeMs now) {
  Stop();
  active_ = true;
  for (std::size_t i = 0; i < ex.account_count(); ++i) Take(ex, static_cast<AccountId>(i), now);
}

void StaleReads::Stop() {
  active_ = false;
  history_.clear();
  seen_version_.clear();
}

void StaleReads::Take(const SimExchange& ex, AccountId id, TimeMs now) {
  AccountSnapshot s;
  s.taken_at = now;
  for (const Market* m : ex.Markets()) {
    auto all = ex.AllOrders(id, m->symbol());
    s.orders.insert(s.orders.end(), all.begin(), all.end());
  }
  s.open_orders = ex.OpenOrders(id, "");
  s.open_algo_orders = ex.OpenAlgoOrders(id, "");
  history_[id].push_back(std::move(s));
  seen_version_[id] = ex.state_version(id);
}

void StaleReads::Observe(const SimExchange& ex, TimeMs now) {
  if (!active_) return;
  for (std::size_t i = 0; i < ex.account_count(); ++i) {
    const auto id = static_cast<AccountId>(i);
    if (seen_version_[id] != ex.state_version(id)) Take(ex, id, now);
  }
}

const AccountSnapshot* StaleReads::At(AccountId id, TimeMs t) const {
  auto it = history_.find(id);
  if (it == history_.end() || it->second.empty()) return nullptr;
  const AccountSnapshot* best = &it->second.front();
  for (const auto& s : it->second)
    if (s.taken_at <= t) best = &s;
  return best;
}

void StaleReads::Trim(TimeMs now, TimeMs lag_ms) {
  for (auto& [id, snaps] : history_) {
    // Keep the newest snapshot at or before now - lag, and everything after it.
    while (snaps.size() > 1 && snaps[1].taken_at <= now - lag_ms) snaps.pop_front();
  }
}

void StaleReads::BeforeRequest(SimExchange& ex, TimeMs lag_ms) {
  ex.Advance();
  if (lag_ms > 0 && !active()) Start(ex, ex.now());
  if (lag_ms <= 0 && active()) Stop();
  Observe(ex, ex.now());
  ObservePositions(ex, ex.now());
}

void StaleReads::AfterRequest(const SimExchange& ex, TimeMs lag_ms) {
  Observe(ex, ex.now());
  ObservePositions(ex, ex.now());
  if (lag_ms > 0) Trim(ex.now(), lag_ms);
}

std::vector<SimPosition> StaleReads::PositionRows(const SimExchange& ex, AccountId id, TimeMs now, TimeMs lag_ms,
                                                 const std::string& symbol, bool with_flat) const {
  const std::vector<SimPosition>* old = lag_ms > 0 ? PositionsAt(id, now - lag_ms) : nullptr;
  const std::vector<SimPosition> held = old ? *old : ex.Positions(id);
  std::vector<SimPosition> rows;
  if (!with_flat) {
    for (const auto& h : held)
      if (!h.amount.is_zero() && (symbol.empty() || h.symbol == symbol)) rows.push_back(h);
    return rows;
  }
  const bool dual = ex.dual_side_position(id);
  for (const Market* m : ex.Markets()) {
    if (!symbol.empty() && m->symbol() != symbol) continue;
    for (PositionSide side : dual ? std::vector<PositionSide>{PositionSide::kLong, PositionSide::kShort}
                                  : std::vector<PositionSide>{PositionSide::kBoth}) {
      SimPosition p = ex.Position(id, m->symbol(), side);
      p.amount = Decimal();
      p.entry_price = Decimal();
      if (old) p.update_time = 0;
      for (const auto& h : held)
        if (h.symbol == p.symbol && h.position_side == side) p = h;
      rows.push_back(p);
    }
  }
  return rows;
}

}  // namespace keel::sim
