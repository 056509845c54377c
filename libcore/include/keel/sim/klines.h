#pragma once
// A market's candlesticks, as GET /fapi/v1/klines answers them: one-minute bars recorded as the price
// moves and trades happen (the last 1,500 kept), aggregated into any documented interval on demand.

#include <deque>
#include <optional>
#include <string_view>
#include <vector>

#include "keel/model/decimal.h"
#include "keel/model/time.h"

namespace keel::sim {

struct Kline {
  TimeMs open_time = 0;
  TimeMs close_time = 0;  // open_time + interval - 1
  Decimal open, high, low, close;
  Decimal volume;        // base asset
  Decimal quote_volume;
  std::int64_t trades = 0;
};

// Milliseconds of a documented interval ("1m", "3m", … "1d", "3d", "1w", "1M" as 30 days); nullopt
// for anything else.
std::optional<TimeMs> KlineIntervalMs(std::string_view interval);

class KlineHistory {
 public:
  static constexpr std::size_t kKeep = 1500;
  void Price(TimeMs t, Decimal price);
  void Trade(TimeMs t, Decimal price, Decimal qty);
  // Bars of interval_ms overlapping [start, end], oldest first, at most limit (the newest ones when
  // only end is given or neither).
  std::vector<Kline> Query(TimeMs interval_ms, std::optional<TimeMs> start, std::optional<TimeMs> end,
                           std::size_t limit) const;

 private:
  Kline& Bar(TimeMs t, Decimal price);
  std::deque<Kline> minutes_;
};

}  // namespace keel::sim
