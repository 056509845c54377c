// Canonical spellings of the model's enums.
#include "keel/model/enum_names.h"
#include "keel/model/order_kind.h"
#include "keel/model/order_purpose.h"
#include "keel/model/order_status.h"
#include "keel/model/side.h"

namespace keel {
namespace {

constexpr detail::EnumNames<Side, 2> kSides{{{Side::kBuy, "BUY"}, {Side::kSell, "SELL"}}};

constexpr detail::EnumNames<PositionSide, 3> kPositionSides{
    {{PositionSide::kBoth, "BOTH"}, {PositionSide::kLong, "LONG"}, {PositionSide::kShort, "SHORT"}}};

constexpr detail::EnumNames<OrderType, 9> kOrderTypes{{{OrderType::kLimit, "LIMIT"},
                                                       {OrderType::kMarket, "MARKET"},
                                                       {OrderType::kStop, "STOP"},
                                                       {OrderType::kStopMarket, "STOP_MARKET"},
                                                       {OrderType::kTakeProfit, "TAKE_PROFIT"},
                                                       {OrderType::kTakeProfitMarket, "TAKE_PROFIT_MARKET"},
                                                       {OrderType::kTrailingStopMarket, "TRAILING_STOP_MARKET"},
                                                       {OrderType::kLiquidation, "LIQUIDATION"},
                                                       {OrderType::kAdl, "ADL"}}};

constexpr detail::EnumNames<TimeInForce, 7> kTimeInForces{{{TimeInForce::kGtc, "GTC"},
                                                           {TimeInForce::kIoc, "IOC"},
                                                           {TimeInForce::kFok, "FOK"},
                                                           {TimeInForce::kGtx, "GTX"},
                                                           {TimeInForce::kGtd, "GTD"},
                                                           {TimeInForce::kRpi, "RPI"},
                                                           {TimeInForce::kGteGtc, "GTE_GTC"}}};

constexpr detail::EnumNames<OrderStatus, 9> kOrderStatuses{{{OrderStatus::kNew, "NEW"},
                                                            {OrderStatus::kPartiallyFilled, "PARTIALLY_FILLED"},
                                                            {OrderStatus::kFilled, "FILLED"},
                                                            {OrderStatus::kCanceled, "CANCELED"},
                                                            {OrderStatus::kRejected, "REJECTED"},
                                                            {OrderStatus::kExpired, "EXPIRED"},
                                                            {OrderStatus::kExpiredInMatch, "EXPIRED_IN_MATCH"},
                                                            {OrderStatus::kNewInsurance, "NEW_INSURANCE"},
                                                            {OrderStatus::kNewAdl, "NEW_ADL"}}};

constexpr detail::EnumNames<OrderPurpose, 7> kPurposes{{{OrderPurpose::kEntry, "entry"},
                                                       {OrderPurpose::kStop, "stop"},
                                                       {OrderPurpose::kTakeProfit, "take-profit"},
                                                       {OrderPurpose::kEmergencyStop, "emergency-stop"},
                                                       {OrderPurpose::kClose, "close"},
                                                       {OrderPurpose::kGrid, "grid"},
                                                       {OrderPurpose::kTrailingStop, "trailing-stop"}}};

}  // namespace

const char* to_string(Side v) { return detail::enum_name(kSides, v); }
const char* to_string(PositionSide v) { return detail::enum_name(kPositionSides, v); }
const char* to_string(OrderType v) { return detail::enum_name(kOrderTypes, v); }
const char* to_string(TimeInForce v) { return detail::enum_name(kTimeInForces, v); }
const char* to_string(OrderStatus v) { return detail::enum_name(kOrderStatuses, v); }
const char* to_string(OrderPurpose v) { return detail::enum_name(kPurposes, v); }

Result<Side> parse_side(std::string_view t) { return detail::parse_enum(kSides, t, "side"); }
Result<PositionSide> parse_position_side(std::string_view t) {
  return detail::parse_enum(kPositionSides, t, "position side");
}
Result<OrderType> parse_order_type(std::string_view t) { return detail::parse_enum(kOrderTypes, t, "order type"); }
Result<TimeInForce> parse_time_in_force(std::string_view t) {
  return detail::parse_enum(kTimeInForces, t, "time in force");
}
Result<OrderStatus> parse_order_status(std::string_view t) {
  return detail::parse_enum(kOrderStatuses, t, "order status");
}
Result<OrderPurpose> parse_order_purpose(std::string_view t) {
  return detail::parse_enum(kPurposes, t, "order purpose");
}

bool is_conditional(OrderType type) {
  switch (type) {
    case OrderType::kStop:
    case OrderType::kStopMarket:
    case OrderType::kTakeProfit:
    case OrderType::kTakeProfitMarket:
    case OrderType::kTrailingStopMarket: return true;
    case OrderType::kLimit:
    case OrderType::kMarket:
    case OrderType::kLiquidation:
    case OrderType::kAdl: return false;
  }
  return false;
}

bool is_exchange_generated(OrderType type) { return type == OrderType::kLiquidation || type == OrderType::kAdl; }

bool is_terminal(OrderStatus status) {
  switch (status) {
    case OrderStatus::kNew:
    case OrderStatus::kPartiallyFilled:
    case OrderStatus::kNewInsurance:
    case OrderStatus::kNewAdl: return false;
    case OrderStatus::kFilled:
    case OrderStatus::kCanceled:
    case OrderStatus::kRejected:
    case OrderStatus::kExpired:
    case OrderStatus::kExpiredInMatch: return true;
  }
  return true;
}

bool is_protective(OrderPurpose purpose) {
  return purpose == OrderPurpose::kStop || purpose == OrderPurpose::kEmergencyStop;
}

}  // namespace keel
