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

ThreadWorkers::ThreadWorkers(std::vector<std::unique_ptr<Exchange>> exchanges)
    : exchanges_(std::move(exchanges)), threads_(exchanges_.size()) {}

void ThreadWorkers::Submit(std::function<void(Exchange&)> job, JobPriority priority) {
  // Each thread keeps to its own exchange: a connection is never shared between two.
  threads_.Run([this, job = std::move(job)](std::size_t thread) { job(*exchanges_[thread]); },
               priority == JobPriority::kProtective ? net::WorkerThreads::Lane::kUrgent
               : priority == JobPriority::kClose    ? net::WorkerThreads::Lane::kAhead
                                                    : net::WorkerThreads::Lane::kNormal);
}

}  // namespace keel
