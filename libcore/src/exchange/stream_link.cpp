#include "keel/exchange/stream_link.h"

#include <chrono>

namespace keel {

StreamLink::StreamLink(net::EventLoop& loop, StreamLinkOptions options, net::WsClient::Callbacks callbacks,
                       std::function<void(const std::string&)> on_state)
    : loop_(loop),
      options_(std::move(options)),
      callbacks_(std::move(callbacks)),
      on_state_(std::move(on_state)),
      backoff_(options_.backoff_initial_ms, options_.backoff_max_ms,
               options_.jitter_seed ? options_.jitter_seed
                                    : static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count())) {}

StreamLink::~StreamLink() {
  *alive_ = false;
  Stop();
}

void StreamLink::Stop() {
  stopped_ = true;
  if (ws_) ws_->Close("stopping");
}

void StreamLink::Connect(const std::string& url, std::function<void()> retry) {
  if (stopped_) return;
  if (!ws_) ws_ = std::make_unique<net::WsClient>(loop_, callbacks_, options_.ca_path);
  Status s = ws_->Connect(url);
  if (!s.ok()) ScheduleReconnect(s.message(), std::move(retry));
}

void StreamLink::ScheduleReconnect(const std::string& reason, std::function<void()> again) {
  if (stopped_) return;
  ++reconnects_;
  const TimeMs delay = backoff_.Next();
  State("reconnecting in " + std::to_string(delay) + " ms: " + reason);
  std::weak_ptr<bool> alive = alive_;
  loop_.After(delay, [this, alive, again = std::move(again)] {
    auto a = alive.lock();
    if (!a || !*a || stopped_) return;
    again();
  });
}

void StreamLink::TakeSnapshot(Exchange& exchange, const std::string& on_failure,
                              std::function<void(const AccountReport&)> deliver) {
  Exchange* ex = &exchange;
  Blocking<Result<AccountReport>>([ex] { return ex->Account(); },
                                  [this, on_failure, deliver = std::move(deliver)](Result<AccountReport> snapshot) {
                                    if (stopped_) return;
                                    if (!snapshot.ok()) {
                                      State(on_failure + ": " + snapshot.status().message() + ": reconnecting");
                                      Close("snapshot failed");
                                      return;
                                    }
                                    ++snapshots_;
                                    if (deliver) deliver(*snapshot);
                                  });
}

void StreamLink::Every(TimeMs interval_ms, std::function<void()> fn) {
  std::weak_ptr<bool> alive = alive_;
  loop_.Every(interval_ms, [this, alive, fn = std::move(fn)] {
    if (auto a = alive.lock(); a && *a && !stopped_) fn();
  });
}

}  // namespace keel
