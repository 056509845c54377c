#pragma once
// Binance USD-M's notional and leverage brackets ("Notional and Leverage Brackets"): the larger a
// position's notional, the lower the leverage allowed and the higher its maintenance margin ratio.
// GET /fapi/v1/leverageBracket publishes them; they decide maxNotionalValue, -4028 (a leverage no
// bracket allows), -2027 (a position above what the leverage allows) and when a position is
// liquidated.

#include <vector>

#include "keel/model/decimal.h"

namespace keel::sim {

struct LeverageBracket {
  int bracket = 1;
  int initial_leverage = 1;   // the highest leverage this bracket allows
  Decimal notional_floor;
  Decimal notional_cap;
  Decimal maint_margin_ratio;
  Decimal cum;                // maintenance amount: maint = notional * ratio - cum
};

// The exchange's shape for a major (BTCUSDT, ETHUSDT: 125x at first) or any other perpetual (75x).
std::vector<LeverageBracket> DefaultBrackets(bool major);

// The bracket a notional falls in (the last one beyond every cap).
const LeverageBracket& BracketFor(const std::vector<LeverageBracket>& brackets, Decimal notional);
int MaxLeverage(const std::vector<LeverageBracket>& brackets);
// maxNotionalValue: the largest position notional allowed at this leverage (0 above every bracket).
Decimal MaxNotionalAt(const std::vector<LeverageBracket>& brackets, int leverage);
// notional * maintMarginRatio - cum, of the notional's bracket; never negative.
Decimal MaintenanceMargin(const std::vector<LeverageBracket>& brackets, Decimal notional);

}  // namespace keel::sim
