#include "keel/engine/runtime.h"

namespace keel {

TimerId AsioEngineLoop::After(TimeMs delay_ms, std::function<void()> fn) {
  const TimerId id = next_id_++;
  loop_.After(delay_ms < 0 ? 0 : delay_ms, [this, id, fn = std::move(fn)] {
    if (cancelled_.erase(id)) return;
    fn();
  });
  return id;
}

ThreadWorkers::ThreadWorkers(std::vector<std::unique_ptr<Exchange>> exchanges) : exchanges_(std::move(exchanges)) {
  for (auto& ex : exchanges_) threads_.emplace_back([this, e = ex.get()] { Run(*e); });
}

ThreadWorkers::~ThreadWorkers() { Stop(); }

void ThreadWorkers::Submit(std::function<void(Exchange&)> job) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    jobs_.push_back(std::move(job));
  }
  cv_.notify_one();
}

int ThreadWorkers::InFlight() const {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<int>(jobs_.size()) + running_;
}

void ThreadWorkers::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

void ThreadWorkers::Run(Exchange& exchange) {
  for (;;) {
    std::function<void(Exchange&)> job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty()) return;  // stopping, nothing left
      job = std::move(jobs_.front());
      jobs_.pop_front();
      ++running_;
    }
    job(exchange);
    std::lock_guard<std::mutex> lock(mu_);
    --running_;
  }
}

}  // namespace keel
