#pragma once
// One thread's event loop (Asio underneath, kept out of this header): the servers of
// keel-exchange-sim and later the daemon's sockets run on it. Run() blocks on the calling thread;
// Post() and Stop() may be called from any thread, everything else from the loop's thread.

#include <functional>
#include <memory>

#include "keel/model/time.h"

namespace keel::net {

class EventLoop {
 public:
  EventLoop();
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  void Run();
  void Stop();
  void Post(std::function<void()> fn);
  // Calls fn every interval_ms until the loop stops.
  void Every(TimeMs interval_ms, std::function<void()> fn);
  // Calls fn once, after delay_ms.
  void After(TimeMs delay_ms, std::function<void()> fn);
  // Calls fn on SIGINT or SIGTERM.
  void OnTerminationSignal(std::function<void(int)> fn);
  // Calls fn every time the process receives signo (SIGHUP).
  void OnSignal(int signo, std::function<void()> fn);

  // The asio::io_context, for the .cpp files that build sockets on this loop.
  void* native();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace keel::net
