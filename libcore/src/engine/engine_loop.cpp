#include "keel/engine/engine_loop.h"

namespace keel {

TimerId VirtualLoop::After(TimeMs delay_ms, std::function<void()> fn) {
  const TimerId id = next_id_++;
  timers_.emplace(id, Timer{clock_.NowMs() + (delay_ms < 0 ? 0 : delay_ms), std::move(fn)});
  return id;
}

bool VirtualLoop::Spend() {
  if (budget_ == 0) return false;
  if (budget_ > 0) --budget_;
  return true;
}

int VirtualLoop::RunReady() {
  int ran = 0;
  while (!tasks_.empty() && Spend()) {
    auto fn = std::move(tasks_.front());
    tasks_.pop_front();
    fn();
    ++ran;
  }
  return ran;
}

int VirtualLoop::FireDue() {
  int fired = 0;
  for (;;) {
    // Earliest due first; equal times in the order they were set.
    auto best = timers_.end();
    for (auto it = timers_.begin(); it != timers_.end(); ++it)
      if (it->second.due <= clock_.NowMs() && (best == timers_.end() || it->second.due < best->second.due)) best = it;
    if (best == timers_.end() || !Spend()) break;
    auto fn = std::move(best->second.fn);
    timers_.erase(best);
    fn();
    ++fired;
    RunReady();
  }
  return fired + RunReady();
}

TimeMs VirtualLoop::NextDue() const {
  TimeMs next = 0;
  for (const auto& [id, t] : timers_)
    if (next == 0 || t.due < next) next = t.due;
  return next;
}

void InlineWorkers::Submit(std::function<void(Exchange&)> job, JobPriority) {
  ++submitted_;
  ++in_flight_;
  job(exchange_);
  --in_flight_;
}

}  // namespace keel
