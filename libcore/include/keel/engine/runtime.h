#pragma once
// The engine's loop and REST workers in production: the loop is the daemon's Asio event loop (one
// thread), the workers are threads, each with its own connected Exchange.

#include <functional>
#include <memory>
#include <set>
#include <thread>
#include <vector>

#include "keel/engine/engine_loop.h"
#include "keel/net/event_loop.h"
#include "keel/net/worker_threads.h"

namespace keel {

class AsioEngineLoop final : public EngineLoop {
 public:
  explicit AsioEngineLoop(net::EventLoop& loop) : loop_(loop) {}
  void Post(std::function<void()> fn) override { loop_.Post(std::move(fn)); }
  TimerId After(TimeMs delay_ms, std::function<void()> fn) override;
  void CancelTimer(TimerId id) override { cancelled_.insert(id); }
  bool OnLoopThread() const override { return std::this_thread::get_id() == thread_; }
  // Called on the loop's thread once it runs.
  void MarkLoopThread() { thread_ = std::this_thread::get_id(); }

 private:
  net::EventLoop& loop_;
  std::thread::id thread_;
  TimerId next_id_ = 1;
  std::set<TimerId> cancelled_;  // engine thread only
};

class ThreadWorkers final : public RestWorkers {
 public:
  // One thread per Exchange given (each its own connection).
  explicit ThreadWorkers(std::vector<std::unique_ptr<Exchange>> exchanges);
  using RestWorkers::Submit;
  void Submit(std::function<void(Exchange&)> job, JobPriority priority) override;
  int InFlight() const override { return threads_.InFlight(); }
  // Finishes the jobs already queued and stops the threads.
  void Stop() { threads_.Stop(); }

 private:
  std::vector<std::unique_ptr<Exchange>> exchanges_;
  net::WorkerThreads threads_;  // after the exchanges: stopped before they go
};

}  // namespace keel
