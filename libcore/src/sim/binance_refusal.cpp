// The core's refusals in Binance USD-M's codes and texts (../shared/protocol/binance-usdm.md and
// Binance's error-code page: -2011 "Unknown order sent.", -4164 …).
#include "binance_rest_call.h"

namespace keel::sim {

Status rest::ToBinance(const Status& s) {
  const auto refusal = RefusalOf(s);
  if (!refusal) return s;
  const std::string& d = s.message();
  switch (*refusal) {
    case SimRefusal::kUnknownSymbol: return binance_error(-1121, "Invalid symbol.");
    case SimRefusal::kMissingParameter:
      return binance_error(-1102, "Mandatory parameter '" + d + "' was not sent, was empty/null, or malformed.");
    case SimRefusal::kParameterNotAllowed: return binance_error(-1106, "Parameter '" + d + "' sent when not required.");
    case SimRefusal::kWrongBook:
      return binance_error(-4120, "Order type not supported for this endpoint. Please use the Algo Order API endpoints instead.");
    case SimRefusal::kInvalidOrderType: return binance_error(-1116, "Invalid " + d + ".");
    case SimRefusal::kInvalidClientId: return binance_error(-4015, "Client order id is not valid.");
    case SimRefusal::kDuplicateClientId: return binance_error(-4116, "ClientOrderId is duplicated.");
    case SimRefusal::kQtyNotPositive: return binance_error(-4003, "Quantity less than or equal to zero.");
    case SimRefusal::kTooPrecise: return binance_error(-1111, "Precision is over the maximum defined for this asset.");
    case SimRefusal::kQtyBelowMin: return binance_error(-4004, "Quantity less than min quantity.");
    case SimRefusal::kQtyAboveMax: return binance_error(-4005, "Quantity greater than max quantity.");
    case SimRefusal::kQtyOffStep: return binance_error(-4023, "Qty not increased by step size.");
    case SimRefusal::kPriceNotPositive: return binance_error(-4001, "Price less than 0.");
    case SimRefusal::kPriceBelowMin: return binance_error(-4013, "Price less than min price.");
    case SimRefusal::kPriceAboveMax: return binance_error(-4002, "Price greater than max price.");
    case SimRefusal::kPriceOffTick: return binance_error(-4014, "Price not increased by tick size.");
    case SimRefusal::kPriceAboveBand: return binance_error(-4016, "Limit price can't be higher than " + d + ".");
    case SimRefusal::kPriceBelowBand: return binance_error(-4024, "Limit price can't be lower than " + d + ".");
    case SimRefusal::kPositionSideMismatch: return binance_error(-4061, "Order's position side does not match user's setting.");
    case SimRefusal::kReduceOnlyWouldIncrease: return binance_error(-2022, "ReduceOnly Order is rejected.");
    case SimRefusal::kReduceOnlyOrdersCover:
      return binance_error(-4118, "ReduceOnly Order Failed. Please check your existing position and open orders.");
    case SimRefusal::kInsufficientMargin: return binance_error(-2019, "Margin is insufficient.");
    case SimRefusal::kPositionLimit:
      return binance_error(-2027, "Exceeded the maximum allowable position at current leverage.");
    case SimRefusal::kTooManyOpenOrders: return binance_error(-2025, "Reach max open order limit.");
    case SimRefusal::kTooManyConditionalOrders: return binance_error(-4045, "Reach max stop order limit.");
    case SimRefusal::kNotionalTooSmall:
      return binance_error(-4164, "Order's notional must be no smaller than " + d + " (unless you choose reduce only).");
    case SimRefusal::kFillOrKillUnfilled:
      return binance_error(-5021, "Due to the order could not be filled immediately, the FOK order has been rejected. "
                                  "The order will not be recorded in the order history");
    case SimRefusal::kPostOnlyWouldTake:
      return binance_error(-5022, "Due to the order could not be executed as maker, the Post Only order will be "
                                  "rejected. The order will not be recorded in the order history");
    case SimRefusal::kUnknownOrder: return binance_error(-2011, "Unknown order sent.");
    case SimRefusal::kOrderNotFound: return binance_error(-2013, "Order does not exist.");
    case SimRefusal::kUnchanged: return binance_error(-5027, "No need to modify the order.");
    case SimRefusal::kTooManyModifications: return binance_error(-5026, "Exceed maximum modify order limit.");
    case SimRefusal::kWouldTriggerNow: return binance_error(-2021, "Order would immediately trigger.");
    case SimRefusal::kPositionModeUnchanged: return binance_error(-4059, "No need to change position side.");
    case SimRefusal::kPositionModeOpenOrders:
      return binance_error(-4067, "Position side cannot be changed if there exists open orders.");
    case SimRefusal::kPositionModeOpenPosition:
      return binance_error(-4068, "Position side cannot be changed if there exists position.");
    case SimRefusal::kInvalidLeverage: return binance_error(-4028, "Leverage " + d + " is not valid");
    case SimRefusal::kMarginTypeUnchanged: return binance_error(-4046, "No need to change margin type.");
    case SimRefusal::kUnknownListenKey:
      return binance_error(-1125, "This listenKey does not exist. Please use POST /fapi/v1/listenKey to recreate listenKey");
    // The error-code page has no code of its own for a value out of its documented range (a
    // callbackRate outside 0.1..10): the generic INVALID_PARAMETER.
    case SimRefusal::kInvalidParameter: return binance_error(-1130, "Data sent for parameter '" + d + "' is not valid.");
    case SimRefusal::kInvalidGoodTillDate:
      return binance_error(-5040, "The goodTillDate timestamp must be greater than the current time plus 600 seconds and "
                                  "smaller than 253402300799000");
  }
  return Status::Internal("a simulator refusal Binance's dialect cannot say: " + s.ToString());
}

}  // namespace keel::sim
