#pragma once
// What every venue's private stream does the same way, whatever its protocol: one WebSocket
// connection, reconnected after any close with jittered exponential back-off; REST work (a snapshot
// of the account, a listen key) run off the loop when an `offload` is given and its result brought
// back to the loop; and one line per state change for the owner. The venue's stream (Binance's
// UserDataStream, Bybit's PrivateStream) decides what to send and what a message means.
// Runs on the EventLoop's thread.
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "keel/exchange/exchange.h"
#include "keel/net/backoff.h"
#include "keel/net/ws_client.h"

namespace keel {

struct StreamLinkOptions {
  std::optional<std::string> ca_path;
  TimeMs backoff_initial_ms = 1000;
  TimeMs backoff_max_ms = 30'000;
  std::uint64_t jitter_seed = 0;  // 0: seeded from the clock
  // Runs a blocking job elsewhere (a net::WorkerThreads); empty: on the loop's thread.
  std::function<void(std::function<void()>)> offload;
};

class StreamLink {
 public:
  StreamLink(net::EventLoop& loop, StreamLinkOptions options, net::WsClient::Callbacks callbacks,
             std::function<void(const std::string&)> on_state);
  ~StreamLink();
  StreamLink(const StreamLink&) = delete;
  StreamLink& operator=(const StreamLink&) = delete;

  void Start() { stopped_ = false; }
  void Stop();
  bool stopped() const { return stopped_; }

  // Connects (a refused start becomes a scheduled reconnect through `retry`).
  void Connect(const std::string& url, std::function<void()> retry);
  bool Send(const std::string& text) { return ws_ && ws_->Send(text); }
  bool open() const { return ws_ && ws_->open(); }
  void Close(const std::string& reason) {
    if (ws_ && ws_->open()) ws_->Close(reason);
  }
  // A good connection: the next failure starts the back-off from the beginning.
  void Connected() { backoff_.Reset(); }
  // Calls `again` after the next back-off delay, unless stopped meanwhile.
  void ScheduleReconnect(const std::string& reason, std::function<void()> again);

  // Runs `work` through the offload (or here), then `then` with its result on the loop, unless the
  // link is gone by then.
  template <typename R>
  void Blocking(std::function<R()> work, std::function<void(R)> then) {
    if (!options_.offload) return then(work());
    std::weak_ptr<bool> alive = alive_;
    net::EventLoop* loop = &loop_;
    options_.offload([loop, alive, work = std::move(work), then = std::move(then)]() mutable {
      auto result = std::make_shared<R>(work());
      loop->Post([alive, result, then = std::move(then)] {
        if (auto a = alive.lock(); a && *a) then(std::move(*result));
      });
    });
  }
  // A REST snapshot of positions and open orders for `deliver`; on failure, `on_failure` says why it
  // matters and the connection is closed to start over.
  void TakeSnapshot(Exchange& exchange, const std::string& on_failure, std::function<void(const AccountReport&)> deliver);

  // Runs fn every interval_ms while the link lives and is not stopped.
  void Every(TimeMs interval_ms, std::function<void()> fn);
  void State(const std::string& line) {
    if (on_state_) on_state_(line);
  }

  int snapshots() const { return snapshots_; }
  int reconnects_scheduled() const { return reconnects_; }

 private:
  net::EventLoop& loop_;
  StreamLinkOptions options_;
  net::WsClient::Callbacks callbacks_;
  std::function<void(const std::string&)> on_state_;
  std::unique_ptr<net::WsClient> ws_;
  net::Backoff backoff_;
  bool stopped_ = true;
  int snapshots_ = 0;
  int reconnects_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // timers check it before acting
};

}  // namespace keel
