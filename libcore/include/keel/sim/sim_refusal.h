#pragma once
// Why the simulated exchange's core refused a request, in no venue's words. The core (SimExchange)
// answers every refusal with one of these; each dialect says it in its own code and text
// (binance_refusal.cpp: -2011 "Unknown order sent."; bybit_refusal.cpp: 110001 "order not exists
// or too late to cancel"), so neither dialect has to guess what the other meant.
//
// A refusal travels as a kExchange Status whose venue code is kSimRefusalCodeBase + the refusal's
// number (no venue uses that range) and whose message is the refusal's detail: the parameter it
// concerns or the limit it broke. A dialect translates it before it leaves the process; a code of
// that range seen outside the simulator is a bug in a dialect.
#include <optional>
#include <string>

#include "keel/model/status.h"

namespace keel::sim {

enum class SimRefusal {
  kUnknownSymbol = 1,
  kMissingParameter,        // detail: the parameter
  kParameterNotAllowed,     // detail: the parameter, sent when the order type does not take it
  kWrongBook,               // a conditional type sent to the matching engine, or the reverse
  kInvalidOrderType,        // detail: what was asked (an amend of a non-limit order, a margin type)
  kInvalidClientId,
  kDuplicateClientId,
  kQtyNotPositive,
  kTooPrecise,              // more decimals than the instrument takes
  kQtyBelowMin,
  kQtyAboveMax,
  kQtyOffStep,
  kPriceNotPositive,
  kPriceBelowMin,
  kPriceAboveMax,
  kPriceOffTick,
  kPriceAboveBand,          // detail: the highest price the band allows now
  kPriceBelowBand,          // detail: the lowest
  kPositionSideMismatch,    // the order's position side does not match the account's mode
  kReduceOnlyWouldIncrease, // reduce-only with nothing to reduce, or larger than a hedge leg
  kReduceOnlyOrdersCover,   // Binance: with the reduce-only orders resting, more than the position
  kInsufficientMargin,
  kPositionLimit,           // the position would exceed what the leverage allows
  kTooManyOpenOrders,
  kTooManyConditionalOrders,
  kNotionalTooSmall,        // detail: the minimum notional
  kFillOrKillUnfilled,
  kPostOnlyWouldTake,
  kUnknownOrder,            // a cancel of an order not open (never was, or done already)
  kOrderNotFound,           // a query or amend of an order the exchange does not hold
  kUnchanged,               // an amend that changes nothing
  kTooManyModifications,
  kWouldTriggerNow,         // a trigger the price has already passed
  kPositionModeUnchanged,
  kPositionModeOpenOrders,  // the position mode cannot change while orders are open
  kPositionModeOpenPosition,
  kInvalidLeverage,         // detail: the leverage asked
  kMarginTypeUnchanged,
  kUnknownListenKey,        // a user stream key the exchange does not hold (Binance's concept)
  kInvalidParameter,        // detail: the parameter, sent with a value out of its range
  kInvalidGoodTillDate,     // goodTillDate not later than now + 600 s, or past the documented maximum
};
inline constexpr int kSimRefusalCount = static_cast<int>(SimRefusal::kInvalidGoodTillDate);
inline constexpr int kSimRefusalCodeBase = 900000;

// snake_case name, as the ground-truth ledger writes it ("unknown_order").
const char* to_string(SimRefusal refusal);

Status Refuse(SimRefusal refusal, std::string detail = {});

// The refusal a Status carries, or nothing when it is not one of the core's. Its detail is the
// Status's message.
std::optional<SimRefusal> RefusalOf(const Status& status);
inline bool Is(const Status& status, SimRefusal refusal) { return RefusalOf(status) == refusal; }

}  // namespace keel::sim
