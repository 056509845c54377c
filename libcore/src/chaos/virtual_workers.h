#pragma once
// The daemon's REST workers for an in-process chaos episode: several jobs at once, each on its own
// Exchange as on a worker thread of keel-traderd, but on the episode's virtual clock.
//
// A job runs on a thread of its own only while the episode's thread waits for it: from its start
// until it finishes or sleeps (the adapter waiting before a read-back, the engine between two
// verification reads). A sleeping job resumes when the clock reaches its wake time, earliest
// first, then in the order the jobs were submitted. One thread runs at a time and the order is
// fixed by the clock, so an episode stays deterministic; what differs from running every job
// inline is that a job's waits no longer stop the engine, the venue and the other jobs (with
// InlineWorkers, one slow Bybit settle under lagging reads held the whole daemon for seconds,
// which keel-traderd with its worker pool does not).
//
// A job beyond the pool's size waits for a free worker. Cancel() is the process dying: sleeping
// jobs end where they are (their sleep throws, and the job's stack unwinds: nothing between a job
// and its sleeps may catch every exception) and queued ones never start.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "keel/engine/engine_loop.h"

namespace keel::chaos {

class VirtualWorkers final : public RestWorkers {
 public:
  // One worker per exchange; the exchanges outlive this object.
  VirtualWorkers(std::vector<Exchange*> exchanges, const Clock& clock);
  ~VirtualWorkers() override;
  VirtualWorkers(const VirtualWorkers&) = delete;
  VirtualWorkers& operator=(const VirtualWorkers&) = delete;

  using RestWorkers::Submit;
  // A protective job goes first and has a worker of its own; a close goes next (JobPriority).
  void Submit(std::function<void(Exchange&)> job, JobPriority priority) override;
  int InFlight() const override;

  // Resumes every sleeping job whose wake time has come, and starts queued jobs on the workers
  // that frees. Episode thread only.
  void RunDue();
  // Ends every job: the process is gone.
  void Cancel();

  // Sleeps the calling job for ms of virtual time and returns true; false when the caller is not
  // one of these jobs (it must wait some other way).
  static bool SleepIfOnJob(TimeMs ms);

 private:
  struct Job {
    std::uint64_t seq = 0;
    std::size_t worker = 0;
    std::function<void(Exchange&)> fn;
    TimeMs wake = 0;
    bool turn = false;  // the job holds the baton
    bool done = false;
    bool cancelled = false;
    bool protective = false;
    VirtualWorkers* owner = nullptr;
    std::thread thread;
  };
  struct Unwind {};  // thrown by a cancelled job's sleep

  void Start(std::unique_ptr<Job> job);
  // Hands the baton to the job and waits until it sleeps or ends; reaps it when it ended.
  void Resume(Job& job);
  void StartQueued();
  void Body(Job& job);
  bool Sleep(Job& job, TimeMs ms);

  std::vector<Exchange*> exchanges_;
  const Clock& clock_;
  std::vector<bool> busy_;
  std::vector<std::unique_ptr<Job>> running_;  // started, sleeping between turns
  std::deque<std::unique_ptr<Job>> queued_;
  std::deque<std::unique_ptr<Job>> queued_protective_;
  std::deque<std::unique_ptr<Job>> queued_close_;
  std::uint64_t next_seq_ = 1;
  std::mutex mu_;
  std::condition_variable cv_;
  static thread_local Job* current_;
};

}  // namespace keel::chaos
