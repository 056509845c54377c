#include "keel/net/worker_threads.h"

namespace keel::net {

WorkerThreads::WorkerThreads(std::size_t threads) {
  for (std::size_t i = 0; i < threads; ++i) threads_.emplace_back([this, i] { Loop(i); });
}

WorkerThreads::~WorkerThreads() { Stop(); }

void WorkerThreads::Run(std::function<void(std::size_t thread)> job) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    jobs_.push_back(std::move(job));
  }
  cv_.notify_one();
}

void WorkerThreads::Run(std::function<void()> job) {
  Run(std::function<void(std::size_t)>([job = std::move(job)](std::size_t) { job(); }));
}

int WorkerThreads::InFlight() const {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<int>(jobs_.size()) + running_;
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
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty()) return;  // stopping, nothing left
      job = std::move(jobs_.front());
      jobs_.pop_front();
      ++running_;
    }
    job(thread);
    std::lock_guard<std::mutex> lock(mu_);
    --running_;
  }
}

}  // namespace keel::net
