#pragma once
// One thread that runs blocking jobs in the order given: where an event loop sends the network
// calls it must not wait for itself (the user-data stream's listen keys and snapshots). A job
// reports back by posting to its loop. Stop() finishes the jobs already queued, then joins.

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace keel::net {

class BackgroundWorker {
 public:
  BackgroundWorker();
  ~BackgroundWorker();
  BackgroundWorker(const BackgroundWorker&) = delete;
  BackgroundWorker& operator=(const BackgroundWorker&) = delete;

  // Queues a job; after Stop() it is dropped (nothing would read its answer).
  void Run(std::function<void()> job);
  void Stop();

 private:
  void Loop();
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::thread thread_;  // last: starts once the rest exists
};

}  // namespace keel::net
