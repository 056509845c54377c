#include "keel/sim/price_path.h"

#include <fstream>

namespace keel::sim {

std::uint64_t symbol_seed(std::uint64_t seed, const std::string& symbol) {
  std::uint64_t h = 1469598103934665603ULL ^ seed;  // FNV-1a over the symbol, salted with the seed
  for (unsigned char c : symbol) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

RandomWalkPath::RandomWalkPath(Decimal start, Decimal tick, int max_step_ticks, Decimal floor, std::uint64_t seed,
                               TimeMs start_ms, TimeMs step_ms)
    : ticks_(start.units() / tick.units()),
      floor_ticks_(std::max<std::int64_t>(1, (floor.units() + tick.units() - 1) / tick.units())),
      tick_(tick),
      max_step_(max_step_ticks),
      rng_(seed),
      next_step_ms_(start_ms + step_ms),
      step_ms_(step_ms) {}

Decimal RandomWalkPath::PriceAt(TimeMs t) {
  while (next_step_ms_ <= t) {
    next_step_ms_ += step_ms_;
    if (max_step_ == 0) continue;
    const auto span = static_cast<std::uint64_t>(2 * max_step_ + 1);
    const std::int64_t move = static_cast<std::int64_t>(rng_() % span) - max_step_;
    ticks_ += move;
    if (ticks_ < floor_ticks_) ticks_ = floor_ticks_ + (floor_ticks_ - ticks_);  // reflect off the floor
  }
  return Decimal::FromUnits(ticks_ * tick_.units()).value();
}

Result<std::unique_ptr<ReplayPath>> ReplayPath::Load(const std::string& csv_path, Decimal tick, TimeMs start_ms) {
  std::ifstream in(csv_path);
  if (!in) return Status::InvalidInput("price replay file " + csv_path + " cannot be read");
  std::unique_ptr<ReplayPath> path(new ReplayPath());
  path->start_ms_ = start_ms;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    const auto comma = line.find(',');
    const std::string where = csv_path + ":" + std::to_string(number);
    if (comma == std::string::npos) return Status::InvalidInput(where + ": expected offset_ms,price");
    const std::string offset = line.substr(0, comma);
    if (offset.find_first_not_of("0123456789") != std::string::npos || offset.empty()) {
      if (path->rows_.empty() && number == 1) continue;  // a header line
      return Status::InvalidInput(where + ": offset_ms must be a whole number of milliseconds");
    }
    auto price = Decimal::Parse(line.substr(comma + 1));
    if (!price.ok()) return Status::InvalidInput(where + ": " + price.status().message());
    if (!price->is_positive() || !price->IsMultipleOf(tick))
      return Status::InvalidInput(where + ": price must be a positive multiple of the tick size " + tick.ToString());
    const TimeMs t = std::stoll(offset);
    if (!path->rows_.empty() && t < path->rows_.back().first)
      return Status::InvalidInput(where + ": offsets must not decrease");
    path->rows_.emplace_back(t, *price);
  }
  if (path->rows_.empty()) return Status::InvalidInput(csv_path + ": no prices");
  return path;
}

Decimal ReplayPath::PriceAt(TimeMs t) {
  const TimeMs offset = t - start_ms_;
  while (at_ + 1 < rows_.size() && rows_[at_ + 1].first <= offset) ++at_;
  return rows_[at_].second;
}

}  // namespace keel::sim
