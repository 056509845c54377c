#include "keel/sim/sim_refusal.h"

namespace keel::sim {

const char* to_string(SimRefusal refusal) {
  switch (refusal) {
    case SimRefusal::kUnknownSymbol: return "unknown_symbol";
    case SimRefusal::kMissingParameter: return "missing_parameter";
    case SimRefusal::kParameterNotAllowed: return "parameter_not_allowed";
    case SimRefusal::kWrongBook: return "wrong_book";
    case SimRefusal::kInvalidOrderType: return "invalid_order_type";
    case SimRefusal::kInvalidClientId: return "invalid_client_id";
    case SimRefusal::kDuplicateClientId: return "duplicate_client_id";
    case SimRefusal::kQtyNotPositive: return "qty_not_positive";
    case SimRefusal::kTooPrecise: return "too_precise";
    case SimRefusal::kQtyBelowMin: return "qty_below_min";
    case SimRefusal::kQtyAboveMax: return "qty_above_max";
    case SimRefusal::kQtyOffStep: return "qty_off_step";
    case SimRefusal::kPriceNotPositive: return "price_not_positive";
    case SimRefusal::kPriceBelowMin: return "price_below_min";
    case SimRefusal::kPriceAboveMax: return "price_above_max";
    case SimRefusal::kPriceOffTick: return "price_off_tick";
    case SimRefusal::kPriceAboveBand: return "price_above_band";
    case SimRefusal::kPriceBelowBand: return "price_below_band";
    case SimRefusal::kPositionSideMismatch: return "position_side_mismatch";
    case SimRefusal::kReduceOnlyWouldIncrease: return "reduce_only_would_increase";
    case SimRefusal::kReduceOnlyOrdersCover: return "reduce_only_orders_cover";
    case SimRefusal::kInsufficientMargin: return "insufficient_margin";
    case SimRefusal::kPositionLimit: return "position_limit";
    case SimRefusal::kTooManyOpenOrders: return "too_many_open_orders";
    case SimRefusal::kTooManyConditionalOrders: return "too_many_conditional_orders";
    case SimRefusal::kNotionalTooSmall: return "notional_too_small";
    case SimRefusal::kFillOrKillUnfilled: return "fill_or_kill_unfilled";
    case SimRefusal::kPostOnlyWouldTake: return "post_only_would_take";
    case SimRefusal::kUnknownOrder: return "unknown_order";
    case SimRefusal::kOrderNotFound: return "order_not_found";
    case SimRefusal::kUnchanged: return "unchanged";
    case SimRefusal::kTooManyModifications: return "too_many_modifications";
    case SimRefusal::kWouldTriggerNow: return "would_trigger_now";
    case SimRefusal::kPositionModeUnchanged: return "position_mode_unchanged";
    case SimRefusal::kPositionModeOpenOrders: return "position_mode_open_orders";
    case SimRefusal::kPositionModeOpenPosition: return "position_mode_open_position";
    case SimRefusal::kInvalidLeverage: return "invalid_leverage";
    case SimRefusal::kMarginTypeUnchanged: return "margin_type_unchanged";
    case SimRefusal::kUnknownListenKey: return "unknown_listen_key";
    case SimRefusal::kInvalidParameter: return "invalid_parameter";
    case SimRefusal::kInvalidGoodTillDate: return "invalid_good_till_date";
  }
  return "unknown_refusal";
}

Status Refuse(SimRefusal refusal, std::string detail) {
  if (detail.empty()) detail = to_string(refusal);
  return Status::Exchange(std::move(detail), kSimRefusalCodeBase + static_cast<int>(refusal), 0);
}

std::optional<SimRefusal> RefusalOf(const Status& status) {
  if (!status.IsExchange() || !status.venue_code()) return std::nullopt;
  const int n = *status.venue_code() - kSimRefusalCodeBase;
  if (n < 1 || n > kSimRefusalCount) return std::nullopt;
  return static_cast<SimRefusal>(n);
}

}  // namespace keel::sim
