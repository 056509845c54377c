#pragma once
// Threads that run blocking jobs from one queue, in the order given: where an event loop sends the
// calls it must not wait for itself (the engine's REST workers, the user-data stream's listen keys
// and snapshots, alert deliveries). A job is told which thread runs it (0..threads-1), so that each
// thread can own what must not be shared (a connection). A job reports back by posting to its loop.
// Stop() finishes the jobs already queued, then joins.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace keel::net {

class WorkerThreads {
 public:
  explicit WorkerThreads(std::size_t threads = 1);
  ~WorkerThreads();
  WorkerThreads(const WorkerThreads&) = delete;
  WorkerThreads& operator=(const WorkerThreads&) = delete;

  // How soon a job runs. An urgent job goes before every queued one, and with two threads or more
  // one is kept for urgent jobs: the others may all be busy with slow ones. A job ahead goes before
  // normal ones but, like them, leaves that thread to urgent jobs (a slow urgent-ish job must not
  // hold the last thread while a quick urgent one waits).
  enum class Lane { kNormal, kAhead, kUrgent };
  // Queues a job; after Stop() it is dropped (nothing would read its answer).
  void Run(std::function<void(std::size_t thread)> job, Lane lane = Lane::kNormal);
  void Run(std::function<void()> job);
  // Jobs queued or running.
  int InFlight() const;
  void Stop();

 private:
  void Loop(std::size_t thread);
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool CanTakeOne() const;  // under mu_
  std::deque<std::function<void(std::size_t)>> jobs_;
  std::deque<std::function<void(std::size_t)>> ahead_;
  std::deque<std::function<void(std::size_t)>> urgent_;
  int running_ = 0;
  int running_normal_ = 0;
  std::size_t thread_count_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> threads_;  // last: they start once the rest exists
};

}  // namespace keel::net
