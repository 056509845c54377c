// The core's refusals as Bybit v5 answers them (docs/v5/error.mdx: the retCode and, where the
// table gives one, its text). Parameter-level refusals are 10001 "params error: …", as Bybit's are.
#include "bybit_rest_call.h"

namespace keel::sim {
namespace {

// The core names parameters as the matching engine does; Bybit's request names them so.
std::string BybitName(const std::string& core_name) {
  if (core_name == "quantity") return "qty";
  if (core_name == "closePosition") return "closeOnTrigger";
  if (core_name == "algoId") return "orderId";
  return core_name;
}

}  // namespace

Status bybit_rest::ToBybit(const Status& s) {
  const auto refusal = RefusalOf(s);
  if (!refusal) return s;
  const std::string& d = s.message();
  switch (*refusal) {
    case SimRefusal::kUnknownSymbol: return params_error("symbol invalid");
    case SimRefusal::kMissingParameter: return params_error("missing " + BybitName(d));
    case SimRefusal::kParameterNotAllowed: return params_error(BybitName(d) + " is not allowed for this order");
    case SimRefusal::kWrongBook: return params_error("orderType invalid");
    case SimRefusal::kInvalidOrderType: return params_error(d + " invalid");
    case SimRefusal::kInvalidClientId: return params_error("orderLinkId invalid");
    case SimRefusal::kDuplicateClientId: return bybit_error(110072, "OrderLinkedID is duplicate");
    case SimRefusal::kQtyNotPositive: return params_error("qty invalid");
    case SimRefusal::kTooPrecise: return params_error("qty or price has more decimals than the instrument allows");
    case SimRefusal::kQtyBelowMin: return bybit_error(10001, "The number of contracts exceeds minimum limit allowed");
    case SimRefusal::kQtyAboveMax: return bybit_error(10001, "The number of contracts exceeds maximum limit allowed: too large");
    case SimRefusal::kQtyOffStep: return params_error("qty is not a multiple of qtyStep");
    case SimRefusal::kPriceNotPositive: return params_error("price invalid");
    case SimRefusal::kPriceBelowMin: return params_error("price is below the instrument's minPrice");
    case SimRefusal::kPriceAboveMax: return params_error("price is above the instrument's maxPrice");
    case SimRefusal::kPriceOffTick: return params_error("price is not a multiple of tickSize");
    case SimRefusal::kPriceAboveBand:
      return bybit_error(110121, "Order price cannot be higher than " + d + ", the price limitation");
    case SimRefusal::kPriceBelowBand:
      return bybit_error(110120, "Order price cannot be smaller than " + d + ", the price limitation");
    case SimRefusal::kPositionSideMismatch: return params_error("position idx not match position mode");
    case SimRefusal::kReduceOnlyOrdersCover:  // Bybit adjusts instead: never asked for
    case SimRefusal::kReduceOnlyWouldIncrease:
      return bybit_error(110017, "current position is zero, cannot fix reduce-only order qty");
    case SimRefusal::kInsufficientMargin: return bybit_error(110007, "ab not enough for new order");
    case SimRefusal::kPositionLimit: return bybit_error(110090, "order would exceed your position limit");
    case SimRefusal::kTooManyOpenOrders: return bybit_error(110020, "not allowed to have more than 500 active orders");
    case SimRefusal::kTooManyConditionalOrders:
      return bybit_error(110009, "The number of stop orders exceeds the maximum allowable limit");
    case SimRefusal::kNotionalTooSmall: return bybit_error(110094, "Order does not meet minimum order value " + d + "USDT");
    // Bybit accepts a FOK or post-only order and cancels it (EC_NoImmediateQtyToFill,
    // EC_PostOnlyWillTakeLiquidity); the dialect asks the core for that, so these refusals are
    // said only when a request bypassed it.
    case SimRefusal::kFillOrKillUnfilled: return params_error("FOK order could not be filled in full");
    case SimRefusal::kPostOnlyWouldTake: return params_error("PostOnly order would take liquidity");
    case SimRefusal::kUnknownOrder: return bybit_error(110001, "order not exists or too late to cancel");
    case SimRefusal::kOrderNotFound: return bybit_error(110001, "order not exists or too late to replace");
    case SimRefusal::kUnchanged: return bybit_error(34040, "not modified");
    case SimRefusal::kTooManyModifications: return params_error("the order has been amended too many times");
    case SimRefusal::kWouldTriggerNow:
      return bybit_error(110092, "expect Rising, but trigger_price is already passed");
    case SimRefusal::kPositionModeUnchanged: return bybit_error(110025, "Position mode is not modified");
    case SimRefusal::kPositionModeOpenOrders:
      return bybit_error(110028, "You have existing open orders, so the position mode cannot be switched");
    case SimRefusal::kPositionModeOpenPosition:
      return bybit_error(110024, "You have an existing position, so the position mode cannot be switched");
    case SimRefusal::kInvalidLeverage: return params_error("leverage " + d + " invalid");
    case SimRefusal::kMarginTypeUnchanged: return bybit_error(110026, "Cross/isolated margin mode is not modified");
    case SimRefusal::kUnknownListenKey: return params_error("Bybit has no listen key");
    case SimRefusal::kInvalidParameter: return params_error(BybitName(d) + " invalid");
    case SimRefusal::kInvalidGoodTillDate: return params_error("Bybit has no GTD time in force");
  }
  return Status::Internal("a simulator refusal Bybit's dialect cannot say: " + s.ToString());
}

}  // namespace keel::sim
