#pragma once
// The daemon's risk limits, per account and per symbol, from [daemon.risk] in the config:
//   max_position_notional   the notional a position may reach (account: all positions together)
//   max_open_orders         orders resting on the exchange (a new trade counts the ones it places)
//   max_signals_per_minute  signals taken in the last 60 s (refused ones do not count)
// A refusal names the limit as the config spells it and the figure that broke it. A limit not set
// is not checked.

#include <deque>
#include <map>
#include <optional>
#include <string>

#include "keel/model/decimal.h"
#include "keel/model/status.h"
#include "keel/model/time.h"

namespace keel {

struct RiskLimit {
  std::optional<Decimal> max_position_notional;
  std::optional<int> max_open_orders;
  std::optional<int> max_signals_per_minute;
};

struct RiskLimits {
  RiskLimit account;
  std::map<std::string, RiskLimit> symbols;
};

// What the account holds when a signal arrives.
struct RiskExposure {
  Decimal account_notional;                   // |qty| x mark or entry price, every open position
  std::map<std::string, Decimal> notional;    // per symbol
  int account_open_orders = 0;
  std::map<std::string, int> open_orders;     // per symbol
};

// Signals taken, per symbol, over the last minute.
class SignalRate {
 public:
  void Record(const std::string& symbol, TimeMs now);
  int AccountCount(TimeMs now);
  int SymbolCount(const std::string& symbol, TimeMs now);

 private:
  void Expire(TimeMs now);
  std::deque<std::pair<TimeMs, std::string>> taken_;
};

struct RiskRequest {
  std::string symbol;
  Decimal added_notional;  // what the new trade adds
  int added_orders = 0;    // orders the trade will rest (entry if maker, stop, take-profit)
};

// kConflict naming the limit (nothing is sent: the tools' exit 2), or OK.
Status CheckRiskLimits(const RiskLimits& limits, const RiskExposure& exposure, SignalRate& rate,
                       const RiskRequest& request, TimeMs now);

// One line for `--check` and the start log: what the limits are, or that the account has none and only
// the exchange's own largest order bounds a signal.
std::string DescribeRiskLimits(const RiskLimits& limits);

}  // namespace keel
