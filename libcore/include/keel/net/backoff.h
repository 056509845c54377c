#pragma once
// Reconnect delays: exponential from initial to max, with +-20% jitter so that many clients do not
// come back in the same instant. Reset() after a good connection.

#include <cstdint>
#include <random>

#include "keel/model/time.h"

namespace keel::net {

class Backoff {
 public:
  Backoff(TimeMs initial_ms, TimeMs max_ms, std::uint64_t seed) : initial_(initial_ms), max_(max_ms), rng_(seed) {}
  TimeMs Next() {
    TimeMs delay = initial_;
    for (int i = 0; i < attempt_ && delay < max_; ++i) delay *= 2;
    if (delay > max_) delay = max_;
    ++attempt_;
    return delay * static_cast<TimeMs>(800 + rng_() % 401) / 1000;
  }
  void Reset() { attempt_ = 0; }

 private:
  TimeMs initial_;
  TimeMs max_;
  std::mt19937_64 rng_;
  int attempt_ = 0;
};

}  // namespace keel::net
