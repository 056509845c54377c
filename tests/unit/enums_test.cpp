#include <doctest/doctest.h>

#include "keel/model/order_kind.h"
#include "keel/model/order_purpose.h"
#include "keel/model/order_status.h"
#include "keel/model/side.h"
#include "keel/store/records.h"

using namespace keel;

namespace {

template <typename E, typename Parse>
void check_round_trip(std::initializer_list<std::pair<E, const char*>> values, Parse parse) {
  for (const auto& [value, text] : values) {
    CHECK(std::string(to_string(value)) == text);
    auto parsed = parse(text);
    REQUIRE_MESSAGE(parsed.ok(), text);
    CHECK(*parsed == value);
  }
}

template <typename Parse>
void check_rejects(Parse parse, std::initializer_list<const char*> bad) {
  for (const char* text : bad) CHECK_MESSAGE(!parse(text).ok(), "accepted '", text, "'");
}

}  // namespace

TEST_CASE("every documented side and position side parses; nothing else does") {
  check_round_trip<Side>({{Side::kBuy, "BUY"}, {Side::kSell, "SELL"}}, parse_side);
  check_round_trip<PositionSide>(
      {{PositionSide::kBoth, "BOTH"}, {PositionSide::kLong, "LONG"}, {PositionSide::kShort, "SHORT"}},
      parse_position_side);
  // Seed 001: a missing side became 'unknown' and a rollback doubled the position.
  check_rejects(parse_side, {"", "unknown", "UNKNOWN", "buy", "Buy", " BUY", "BUY ", "B"});
  check_rejects(parse_position_side, {"", "both", "NONE", "Long"});
  CHECK(parse_side("").status().message() == "side: got empty string, expected BUY|SELL");
  CHECK(parse_side("unknown").status().message() == "side: got 'unknown', expected BUY|SELL");
  CHECK(opposite(Side::kBuy) == Side::kSell);
  CHECK(opposite(Side::kSell) == Side::kBuy);
}

TEST_CASE("order types, time in force and statuses: Binance USD-M's documented values") {
  check_round_trip<OrderType>({{OrderType::kLimit, "LIMIT"},
                               {OrderType::kMarket, "MARKET"},
                               {OrderType::kStop, "STOP"},
                               {OrderType::kStopMarket, "STOP_MARKET"},
                               {OrderType::kTakeProfit, "TAKE_PROFIT"},
                               {OrderType::kTakeProfitMarket, "TAKE_PROFIT_MARKET"},
                               {OrderType::kTrailingStopMarket, "TRAILING_STOP_MARKET"},
                               {OrderType::kLiquidation, "LIQUIDATION"},
                               {OrderType::kAdl, "ADL"}},
                              parse_order_type);
  check_round_trip<TimeInForce>({{TimeInForce::kGtc, "GTC"},
                                 {TimeInForce::kIoc, "IOC"},
                                 {TimeInForce::kFok, "FOK"},
                                 {TimeInForce::kGtx, "GTX"},
                                 {TimeInForce::kGtd, "GTD"},
                                 {TimeInForce::kRpi, "RPI"},
                                 {TimeInForce::kGteGtc, "GTE_GTC"}},
                                parse_time_in_force);
  check_round_trip<OrderStatus>({{OrderStatus::kNew, "NEW"},
                                 {OrderStatus::kPartiallyFilled, "PARTIALLY_FILLED"},
                                 {OrderStatus::kFilled, "FILLED"},
                                 {OrderStatus::kCanceled, "CANCELED"},
                                 {OrderStatus::kRejected, "REJECTED"},
                                 {OrderStatus::kExpired, "EXPIRED"},
                                 {OrderStatus::kExpiredInMatch, "EXPIRED_IN_MATCH"},
                                 {OrderStatus::kNewInsurance, "NEW_INSURANCE"},
                                 {OrderStatus::kNewAdl, "NEW_ADL"}},
                                parse_order_status);
  check_rejects(parse_order_type, {"", "limit", "Market", "STOPMARKET", "liquidation"});
  check_rejects(parse_time_in_force, {"", "PostOnly", "gtc", "GTE"});
  // Which types live in the conditional book, and which only the exchange places.
  for (OrderType t : {OrderType::kStop, OrderType::kStopMarket, OrderType::kTakeProfit, OrderType::kTakeProfitMarket,
                      OrderType::kTrailingStopMarket})
    CHECK(is_conditional(t));
  for (OrderType t : {OrderType::kLimit, OrderType::kMarket, OrderType::kLiquidation, OrderType::kAdl})
    CHECK(!is_conditional(t));
  CHECK(is_exchange_generated(OrderType::kLiquidation));
  CHECK(is_exchange_generated(OrderType::kAdl));
  CHECK(!is_exchange_generated(OrderType::kMarket));
  // A liquidation in progress is not over; every other documented end is.
  CHECK(!is_terminal(OrderStatus::kNewInsurance));
  CHECK(!is_terminal(OrderStatus::kNewAdl));
  CHECK(is_terminal(OrderStatus::kExpiredInMatch));
  check_rejects(parse_order_status, {"", "Cancelled", "CANCELLED", "NEW ", "Untriggered"});
  CHECK(is_conditional(OrderType::kStopMarket));
  CHECK(is_conditional(OrderType::kTrailingStopMarket));
  CHECK(!is_conditional(OrderType::kLimit));
  CHECK(!is_conditional(OrderType::kMarket));
  CHECK(!is_terminal(OrderStatus::kNew));
  CHECK(!is_terminal(OrderStatus::kPartiallyFilled));
  CHECK(is_terminal(OrderStatus::kExpiredInMatch));
}

TEST_CASE("keel's own vocabularies parse strictly") {
  check_round_trip<OrderPurpose>({{OrderPurpose::kEntry, "entry"},
                                  {OrderPurpose::kStop, "stop"},
                                  {OrderPurpose::kTakeProfit, "take-profit"},
                                  {OrderPurpose::kEmergencyStop, "emergency-stop"},
                                  {OrderPurpose::kClose, "close"},
                                  {OrderPurpose::kGrid, "grid"}},
                                 parse_order_purpose);
  check_round_trip<Source>({{Source::kStream, "stream"}, {Source::kRest, "rest"}, {Source::kOperator, "operator"},
                            {Source::kEngine, "engine"}},
                           parse_source);
  check_round_trip<PositionState>({{PositionState::kOpen, "open"}, {PositionState::kClosed, "closed"}},
                                  parse_position_state);
  check_rejects(parse_order_purpose, {"", "Entry", "sl", "tp"});
  CHECK(is_protective(OrderPurpose::kStop));
  CHECK(is_protective(OrderPurpose::kEmergencyStop));
  CHECK(!is_protective(OrderPurpose::kTakeProfit));
}
