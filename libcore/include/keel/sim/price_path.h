#pragma once
// Where a simulated symbol's last price goes. A path is defined on a fixed time grid from its start,
// so the same seed gives the same prices at the same offsets whatever clock drives it.

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "keel/model/decimal.h"
#include "keel/model/time.h"

namespace keel::sim {

class PricePath {
 public:
  virtual ~PricePath() = default;
  // The price at time t; t never decreases from one call to the next.
  virtual Decimal PriceAt(TimeMs t) = 0;
};

// A walk in whole ticks: every step_ms the price moves by a uniform number of ticks in
// [-max_step_ticks, +max_step_ticks], never below floor. Integer arithmetic only.
class RandomWalkPath final : public PricePath {
 public:
  RandomWalkPath(Decimal start, Decimal tick, int max_step_ticks, Decimal floor, std::uint64_t seed, TimeMs start_ms,
                 TimeMs step_ms);
  Decimal PriceAt(TimeMs t) override;

 private:
  std::int64_t ticks_;  // price / tick
  std::int64_t floor_ticks_;
  Decimal tick_;
  int max_step_;
  std::mt19937_64 rng_;
  TimeMs next_step_ms_;
  TimeMs step_ms_;
};

// Replays "offset_ms,price" lines (offsets from the simulator's start, ascending; '#' comments and
// a header line are skipped). Before the first row the first price holds; after the last, the last.
class ReplayPath final : public PricePath {
 public:
  static Result<std::unique_ptr<ReplayPath>> Load(const std::string& csv_path, Decimal tick, TimeMs start_ms);
  Decimal PriceAt(TimeMs t) override;

 private:
  ReplayPath() = default;
  std::vector<std::pair<TimeMs, Decimal>> rows_;
  std::size_t at_ = 0;
  TimeMs start_ms_ = 0;
};

// A stable 64-bit hash of a symbol, to give each symbol its own stream from one seed.
std::uint64_t symbol_seed(std::uint64_t seed, const std::string& symbol);

}  // namespace keel::sim
