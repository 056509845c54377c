#include "keel/model/protection.h"

namespace keel {

const char* to_string(Coverage c) {
  switch (c) {
    case Coverage::kNone: return "none";
    case Coverage::kPartial: return "partial";
    case Coverage::kFull: return "full";
  }
  return "?";
}

Side ClosingSide(PositionSide position_side, Decimal amount) {
  if (position_side == PositionSide::kLong) return Side::kSell;
  if (position_side == PositionSide::kShort) return Side::kBuy;
  return amount.is_negative() ? Side::kBuy : Side::kSell;
}

bool ProtectsPosition(const StopOrder& s, const std::string& symbol, PositionSide position_side, Decimal amount) {
  if (s.symbol != symbol || s.position_side != position_side) return false;
  if (s.type != OrderType::kStop && s.type != OrderType::kStopMarket && s.type != OrderType::kTrailingStopMarket)
    return false;
  if (s.side != ClosingSide(position_side, amount)) return false;
  const bool hedge_pair = position_side != PositionSide::kBoth;
  return s.close_position || s.reduce_only || hedge_pair;
}

CoverageReport CoverageOf(const std::string& symbol, PositionSide position_side, Decimal amount,
                          const std::vector<StopOrder>& stops, std::optional<Decimal> close_up_to) {
  CoverageReport r;
  const Decimal size = amount.abs();
  for (const auto& s : stops) {
    if (!ProtectsPosition(s, symbol, position_side, amount)) continue;
    r.covering.push_back(s.client_order_id);
    const std::optional<Decimal> cap = s.close_up_to ? s.close_up_to : close_up_to;
    if (s.close_position && (!cap || *cap >= size)) {
      r.coverage = Coverage::kFull;
      r.covered = size;
      continue;
    }
    if (r.coverage == Coverage::kFull) continue;
    const Decimal closes = s.close_position ? *cap : s.qty.abs();
    auto sum = r.covered.Add(closes);
    r.covered = sum.ok() && *sum < size ? *sum : size;
    r.coverage = r.covered >= size ? Coverage::kFull : r.covered.is_positive() ? Coverage::kPartial : Coverage::kNone;
  }
  return r;
}

}  // namespace keel
