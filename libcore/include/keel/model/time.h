#pragma once
// Time in keel is milliseconds since the Unix epoch (exchange timestamps use the same unit).
// The Clock is injected so that one engine runs on a virtual clock in tests and the wall clock in
// production.

#include <cstdint>
#include <string>
#include <string_view>

#include "keel/model/status.h"

namespace keel {

using TimeMs = std::int64_t;

// Reads the time and waits: a wait is the clock's, so that every wait of a tool or the engine runs
// on virtual time in tests (as leveldb's Env has both).
class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimeMs NowMs() const = 0;
  // Waits ms: the wall clock sleeps the calling thread; a virtual one moves.
  virtual void SleepMs(TimeMs ms) const = 0;
};

class SystemClock final : public Clock {
 public:
  TimeMs NowMs() const override;
  void SleepMs(TimeMs ms) const override;
};

// A clock that moves only when told to, or when someone waits on it. Not thread-safe: owned by
// one test or scenario thread.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimeMs start) : now_(start) {}
  TimeMs NowMs() const override { return now_; }
  // Waiting on a virtual clock is its moving on: nothing else would move it meanwhile.
  void SleepMs(TimeMs ms) const override { now_ += ms; }
  void Advance(TimeMs delta) { now_ += delta; }
  void Set(TimeMs t) { now_ = t; }

 private:
  mutable TimeMs now_;  // moved by a wait, which does not change what the clock is
};

// "2026-11-21T18:35:00.123Z"
std::string format_utc(TimeMs t);

// A point in time as an operator types it: epoch milliseconds ("1763750100000"), an ISO 8601 UTC
// date or date-time ("2026-11-21", "2026-11-21T18:35:00Z", "2026-11-21 18:35"), or an age before now
// ("90s", "15m", "2h", "7d").
Result<TimeMs> parse_time_point(std::string_view text, TimeMs now);

}  // namespace keel
