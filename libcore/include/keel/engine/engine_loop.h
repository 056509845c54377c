#pragma once
// What the engine runs on: one thread that takes tasks in order (stream events, REST results,
// timers, signals, operator commands), and a pool of REST workers whose results come back to that
// thread as tasks. Production runs them on Asio and threads (daemon/); scenarios and benchmarks on
// VirtualLoop and InlineWorkers, where a whole incident takes milliseconds on a ManualClock.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <deque>

#include "keel/exchange/exchange.h"
#include "keel/model/time.h"

namespace keel {

using TimerId = std::uint64_t;

class EngineLoop {
 public:
  virtual ~EngineLoop() = default;
  // Queues fn to run on the engine thread after everything queued before it. Any thread.
  virtual void Post(std::function<void()> fn) = 0;
  // Runs fn on the engine thread after delay_ms; engine thread only.
  virtual TimerId After(TimeMs delay_ms, std::function<void()> fn) = 0;
  virtual void CancelTimer(TimerId id) = 0;
  // True on the engine thread.
  virtual bool OnLoopThread() const = 0;
};

// Runs REST work off the engine thread. Each worker owns its own Exchange (a connection and its
// clock offset); a job must hand its result back with EngineLoop::Post.
// What a REST job is for. Protective jobs (a stop, a close) go before every other queued job, and
// one worker is kept for them: reads and settles, which can take seconds under lagging reads, may
// fill every worker but one (chaos seed 100229: four workers asleep in settles while a fresh
// position waited 5 s for its stop).
// kProtective: a stop, or what a stop waits for (verifying a known fill): first, with a worker of
// its own, so quick: a stop whose answer was lost is settled in a kClose job (chaos seed 945517:
// a settle's seconds of queries on that worker held a new position's stop back 4 s).
// kClose: closes, flattens and a stop's settle, slow (cancel, settle, verify): before reads and
// other normal work, without the protective worker.
enum class JobPriority { kNormal, kClose, kProtective };

class RestWorkers {
 public:
  virtual ~RestWorkers() = default;
  virtual void Submit(std::function<void(Exchange&)> job, JobPriority priority) = 0;
  void Submit(std::function<void(Exchange&)> job) { Submit(std::move(job), JobPriority::kNormal); }
  // Jobs submitted and not yet finished.
  virtual int InFlight() const = 0;
};

// The engine's loop on a ManualClock: tasks run in order; timers fire when the clock reaches them.
// Single-threaded: the test or benchmark thread is the engine thread.
class VirtualLoop final : public EngineLoop {
 public:
  explicit VirtualLoop(ManualClock& clock) : clock_(clock) {}
  void Post(std::function<void()> fn) override { tasks_.push_back(std::move(fn)); }
  TimerId After(TimeMs delay_ms, std::function<void()> fn) override;
  void CancelTimer(TimerId id) override { timers_.erase(id); }
  bool OnLoopThread() const override { return true; }

  // Runs queued tasks (and the ones they queue) until none is left. Returns how many ran.
  int RunReady();
  // Fires the timers due at the clock's time, then runs what they queued.
  int FireDue();
  // The earliest timer's due time, or 0 when none is set.
  TimeMs NextDue() const;
  bool idle() const { return tasks_.empty(); }
  // A crash at a chosen moment (scenario 5): after n more tasks or timers the loop runs nothing
  // again, as if the process were killed there; what was queued is never run.
  void KillAfter(int n) { budget_ = n; }
  bool killed() const { return budget_ == 0; }

 private:
  // Takes one unit of the budget; false once it is spent.
  bool Spend();
  ManualClock& clock_;
  int budget_ = -1;  // unlimited
  std::deque<std::function<void()>> tasks_;
  struct Timer {
    TimeMs due;
    std::function<void()> fn;
  };
  std::map<TimerId, Timer> timers_;
  TimerId next_id_ = 1;
};

// Runs each job at once on the calling thread, with one Exchange. Results still come back through
// the loop's queue, so the engine sees them as later tasks, as in production.
class InlineWorkers final : public RestWorkers {
 public:
  explicit InlineWorkers(Exchange& exchange) : exchange_(exchange) {}
  using RestWorkers::Submit;
  void Submit(std::function<void(Exchange&)> job, JobPriority priority) override;
  int InFlight() const override { return in_flight_; }
  std::int64_t submitted() const { return submitted_; }

 private:
  Exchange& exchange_;
  int in_flight_ = 0;
  std::int64_t submitted_ = 0;
};

}  // namespace keel
