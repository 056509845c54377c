#include "keel/net/worker_threads.h"

namespace keel::net {

WorkerThreads::WorkerThreads(std::size_t threads) : thread_count_(threads) {
  for (std::size_t i = 0; i < threads; ++i) threads_.emplace_back([this, i] { Loop(i); });
}

WorkerThreads::~WorkerThreads() { Stop(); }

void WorkerThreads::Run(std::function<void(std::size_t thread)> job, Lane lane) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    (lane == Lane::kUrgent ? urgent_ : lane == Lane::kAhead ? ahead_ : jobs_).push_back(std::move(job));
  }
  cv_.notify_all();
}

bool WorkerThreads::CanTakeOne() const {
  if (!urgent_.empty()) return true;
  if (jobs_.empty() && ahead_.empty()) return false;
  return thread_count_ < 2 || running_normal_ < static_cast<int>(thread_count_) - 1;
}

void WorkerThreads::Run(std::function<void()> job) {
  Run(std::function<void(std::size_t)>([job = std::move(job)](std::size_t) { job(); }));
}

int WorkerThreads::InFlight() const {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<int>(jobs_.size() + ahead_.size() + urgent_.size()) + running_;
}

void WorkerThreads::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

void WorkerThreads::Loop(std::size_t thread) {
  for (;;) {
    std::function<void(std::size_t)> job;
    bool normal = false;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return CanTakeOne() || (stopping_ && urgent_.empty() && ahead_.empty() && jobs_.empty()); });
      if (!CanTakeOne()) return;  // stopping, nothing left
      normal = urgent_.empty();
      auto& from = !normal ? urgent_ : !ahead_.empty() ? ahead_ : jobs_;
      job = std::move(from.front());
      from.pop_front();
      ++running_;
      running_normal_ += normal;
    }
    job(thread);
    std::lock_guard<std::mutex> lock(mu_);
    --running_;
    running_normal_ -= normal;
    cv_.notify_all();  // a normal job may now take the thread this one leaves
  }
}

}  // namespace keel::net
