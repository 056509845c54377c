#include "chaos/virtual_workers.h"

#include <algorithm>

namespace keel::chaos {

thread_local VirtualWorkers::Job* VirtualWorkers::current_ = nullptr;

VirtualWorkers::VirtualWorkers(std::vector<Exchange*> exchanges, const Clock& clock)
    : exchanges_(std::move(exchanges)), clock_(clock), busy_(exchanges_.size(), false) {}

VirtualWorkers::~VirtualWorkers() { Cancel(); }

int VirtualWorkers::InFlight() const {
  return static_cast<int>(running_.size() + queued_.size() + queued_close_.size() + queued_protective_.size());
}

void VirtualWorkers::Submit(std::function<void(Exchange&)> fn, JobPriority priority) {
  auto job = std::make_unique<Job>();
  job->seq = next_seq_++;
  job->fn = std::move(fn);
  job->owner = this;
  job->protective = priority == JobPriority::kProtective;
  (job->protective ? queued_protective_ : priority == JobPriority::kClose ? queued_close_ : queued_).push_back(std::move(job));
  StartQueued();
}

void VirtualWorkers::StartQueued() {
  for (;;) {
    auto free = std::find(busy_.begin(), busy_.end(), false);
    if (free == busy_.end()) return;
    // Protective jobs first; the others leave one worker free for them (as net::WorkerThreads).
    std::deque<std::unique_ptr<Job>>* from = nullptr;
    if (!queued_protective_.empty()) {
      from = &queued_protective_;
    } else if (!queued_close_.empty() || !queued_.empty()) {
      // Closes go before the others, and leave the protective worker free as they do.
      std::size_t normal = 0;
      for (const auto& j : running_) normal += !j->protective;
      if (busy_.size() < 2 || normal + 1 < busy_.size()) from = queued_close_.empty() ? &queued_ : &queued_close_;
    }
    if (!from) return;
    auto job = std::move(from->front());
    from->pop_front();
    job->worker = static_cast<std::size_t>(free - busy_.begin());
    *free = true;
    Start(std::move(job));
  }
}

void VirtualWorkers::Start(std::unique_ptr<Job> job) {
  Job& j = *job;
  running_.push_back(std::move(job));
  j.thread = std::thread([this, &j] { Body(j); });
  Resume(j);
}

void VirtualWorkers::Body(Job& job) {
  current_ = &job;
  {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return job.turn; });
  }
  if (!job.cancelled) {
    try {
      job.fn(*exchanges_[job.worker]);
    } catch (const Unwind&) {
      // The process died while this job slept: it ends here, as a killed thread does.
    }
  }
  current_ = nullptr;
  std::lock_guard<std::mutex> lock(mu_);
  job.done = true;
  job.turn = false;
  cv_.notify_all();
}

void VirtualWorkers::Resume(Job& job) {
  {
    std::unique_lock<std::mutex> lock(mu_);
    job.turn = true;
    cv_.notify_all();
    cv_.wait(lock, [&] { return !job.turn; });
  }
  if (!job.done) return;
  job.thread.join();
  busy_[job.worker] = false;
  running_.erase(std::find_if(running_.begin(), running_.end(), [&](const auto& j) { return j.get() == &job; }));
}

bool VirtualWorkers::SleepIfOnJob(TimeMs ms) {
  Job* job = current_;
  return job && job->owner->Sleep(*job, ms);
}

bool VirtualWorkers::Sleep(Job& job, TimeMs ms) {
  std::unique_lock<std::mutex> lock(mu_);
  if (job.cancelled) throw Unwind{};
  job.wake = clock_.NowMs() + ms;
  job.turn = false;
  cv_.notify_all();
  cv_.wait(lock, [&] { return job.turn; });
  if (job.cancelled) throw Unwind{};
  return true;
}

void VirtualWorkers::RunDue() {
  for (;;) {
    Job* next = nullptr;
    for (const auto& j : running_)
      if (j->wake <= clock_.NowMs() && (!next || j->wake < next->wake || (j->wake == next->wake && j->seq < next->seq)))
        next = j.get();
    if (!next) break;
    Resume(*next);
    StartQueued();
  }
}

void VirtualWorkers::Cancel() {
  queued_.clear();
  queued_protective_.clear();
  queued_close_.clear();
  while (!running_.empty()) {
    Job& job = *running_.front();
    job.cancelled = true;
    Resume(job);
  }
}

}  // namespace keel::chaos
