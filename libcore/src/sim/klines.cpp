#include "keel/sim/klines.h"

#include <algorithm>
#include <optional>

namespace keel::sim {

std::optional<TimeMs> KlineIntervalMs(std::string_view interval) {
  static constexpr std::pair<std::string_view, TimeMs> kIntervals[] = {
      {"1m", 60'000},           {"3m", 180'000},          {"5m", 300'000},           {"15m", 900'000},
      {"30m", 1'800'000},       {"1h", 3'600'000},        {"2h", 7'200'000},         {"4h", 14'400'000},
      {"6h", 21'600'000},       {"8h", 28'800'000},       {"12h", 43'200'000},       {"1d", 86'400'000},
      {"3d", 259'200'000},      {"1w", 604'800'000},      {"1M", 2'592'000'000LL}};
  for (const auto& [name, ms] : kIntervals)
    if (name == interval) return ms;
  return std::nullopt;
}

Kline& KlineHistory::Bar(TimeMs t, Decimal price) {
  const TimeMs open = t - t % 60'000;
  if (minutes_.empty() || minutes_.back().open_time < open) {
    Kline k;
    k.open_time = open;
    k.close_time = open + 59'999;
    // A new bar opens where the last one closed, so that bars join up.
    const Decimal first = minutes_.empty() ? price : minutes_.back().close;
    k.open = k.high = k.low = k.close = first;
    minutes_.push_back(k);
    if (minutes_.size() > kKeep) minutes_.pop_front();
  }
  return minutes_.back();
}

void KlineHistory::Price(TimeMs t, Decimal price) {
  Kline& k = Bar(t, price);
  k.high = std::max(k.high, price);
  k.low = std::min(k.low, price);
  k.close = price;
}

void KlineHistory::Trade(TimeMs t, Decimal price, Decimal qty) {
  Price(t, price);
  Kline& k = minutes_.back();
  k.volume = k.volume.Add(qty).value();
  k.quote_volume = k.quote_volume.Add(price.Mul(qty, Rounding::kNearest).value()).value();
  ++k.trades;
}

std::vector<Kline> KlineHistory::Query(TimeMs interval_ms, std::optional<TimeMs> start, std::optional<TimeMs> end,
                                       std::size_t limit) const {
  std::vector<Kline> out;
  for (const Kline& m : minutes_) {
    const TimeMs open = m.open_time - m.open_time % interval_ms;
    if (start && open + interval_ms - 1 < *start) continue;
    if (end && open > *end) continue;
    if (out.empty() || out.back().open_time != open) {
      Kline k = m;
      k.open_time = open;
      k.close_time = open + interval_ms - 1;
      out.push_back(k);
      continue;
    }
    Kline& k = out.back();
    k.high = std::max(k.high, m.high);
    k.low = std::min(k.low, m.low);
    k.close = m.close;
    k.volume = k.volume.Add(m.volume).value();
    k.quote_volume = k.quote_volume.Add(m.quote_volume).value();
    k.trades += m.trades;
  }
  if (out.size() > limit) {
    if (start) out.resize(limit);
    else out.erase(out.begin(), out.end() - static_cast<std::ptrdiff_t>(limit));
  }
  return out;
}

}  // namespace keel::sim
