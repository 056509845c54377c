#include "keel/net/event_loop.h"

#define ASIO_STANDALONE
#include <asio.hpp>

namespace keel::net {

namespace {

struct Repeating {
  explicit Repeating(asio::io_context& io) : timer(io) {}
  asio::steady_timer timer;
  TimeMs interval_ms = 0;
  std::function<void()> fn;
};

// Re-arms from the previous expiry, so the period does not drift with the callback's run time.
void arm(Repeating* r) {
  r->timer.async_wait([r](const asio::error_code& ec) {
    if (ec) return;
    r->fn();
    r->timer.expires_at(r->timer.expiry() + std::chrono::milliseconds(r->interval_ms));
    arm(r);
  });
}

}  // namespace

struct EventLoop::Impl {
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> guard{io.get_executor()};
  std::vector<std::unique_ptr<Repeating>> repeating;  // owned here: alive as long as the loop
  std::unique_ptr<asio::signal_set> signals;
  std::vector<std::unique_ptr<asio::signal_set>> other_signals;
};

EventLoop::EventLoop() : impl_(std::make_unique<Impl>()) {}
EventLoop::~EventLoop() = default;

void EventLoop::Run() { impl_->io.run(); }

void EventLoop::Stop() {
  impl_->guard.reset();
  impl_->io.stop();
}

void EventLoop::Post(std::function<void()> fn) { asio::post(impl_->io, std::move(fn)); }

void EventLoop::Every(TimeMs interval_ms, std::function<void()> fn) {
  auto r = std::make_unique<Repeating>(impl_->io);
  r->interval_ms = interval_ms;
  r->fn = std::move(fn);
  r->timer.expires_after(std::chrono::milliseconds(interval_ms));
  arm(r.get());
  impl_->repeating.push_back(std::move(r));
}

void EventLoop::After(TimeMs delay_ms, std::function<void()> fn) {
  auto timer = std::make_shared<asio::steady_timer>(impl_->io, std::chrono::milliseconds(delay_ms));
  timer->async_wait([timer, fn = std::move(fn)](const asio::error_code& ec) {
    if (!ec) fn();
  });
}

void EventLoop::OnTerminationSignal(std::function<void(int)> fn) {
  impl_->signals = std::make_unique<asio::signal_set>(impl_->io, SIGINT, SIGTERM);
  impl_->signals->async_wait([fn = std::move(fn)](const asio::error_code& ec, int signal) {
    if (!ec) fn(signal);
  });
}

namespace {
void wait_signal(asio::signal_set* set, std::function<void()> fn) {
  set->async_wait([set, fn](const asio::error_code& ec, int) {
    if (ec) return;
    fn();
    wait_signal(set, fn);
  });
}
}  // namespace

void EventLoop::OnSignal(int signo, std::function<void()> fn) {
  auto set = std::make_unique<asio::signal_set>(impl_->io, signo);
  wait_signal(set.get(), std::move(fn));
  impl_->other_signals.push_back(std::move(set));
}

void* EventLoop::native() { return &impl_->io; }

}  // namespace keel::net
