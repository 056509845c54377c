#include "keel/bybit/private_stream.h"

#include <chrono>

#include "keel/bybit/codec.h"
#include "keel/bybit/signing.h"

namespace keel::bybit {

PrivateStream::PrivateStream(net::EventLoop& loop, Exchange& exchange, const Clock& clock,
                             std::function<TimeMs()> server_offset_ms, Secret secret, PrivateStreamOptions options,
                             PrivateStreamHandler handler)
    : loop_(loop),
      exchange_(exchange),
      clock_(clock),
      server_offset_ms_(std::move(server_offset_ms)),
      secret_(std::move(secret)),
      signer_(secret_.reveal()),
      options_(std::move(options)),
      handler_(std::move(handler)),
      backoff_(options_.backoff_initial_ms, options_.backoff_max_ms,
               options_.jitter_seed ? options_.jitter_seed
                                    : static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count())) {
  while (!options_.ws_url.empty() && options_.ws_url.back() == '/') options_.ws_url.pop_back();
}

PrivateStream::~PrivateStream() {
  *alive_ = false;
  Stop();
}

void PrivateStream::State(const std::string& line) {
  if (handler_.on_state) handler_.on_state(line);
}

std::string PrivateStream::Url() const {
  std::string url = options_.ws_url + "/v5/private";
  if (options_.max_active_time) url += "?max_active_time=" + *options_.max_active_time;
  return url;
}

Status PrivateStream::Start() {
  if (options_.ws_url.empty()) return Status::InvalidInput("the private stream needs exchange.ws_url");
  if (options_.api_key.empty()) return Status::InvalidInput("the private stream needs the API key");
  stopped_ = false;
  std::weak_ptr<bool> alive = alive_;
  loop_.Every(options_.ping_ms, [this, alive] {
    if (auto a = alive.lock(); a && *a && !stopped_) Ping();
  });
  Connect();
  return Status::Ok();
}

void PrivateStream::Stop() {
  stopped_ = true;
  if (ws_) ws_->Close("stopping");
}

void PrivateStream::Connect() {
  if (stopped_) return;
  subscribed_ = false;
  net::WsClient::Callbacks callbacks;
  callbacks.on_open = [this] { OnOpen(); };
  callbacks.on_text = [this](const std::string& text) { OnText(text); };
  callbacks.on_close = [this](const std::string& reason) { OnClose(reason); };
  if (!ws_) ws_ = std::make_unique<net::WsClient>(loop_, std::move(callbacks), options_.ca_path);
  Status s = ws_->Connect(Url());
  if (!s.ok()) ScheduleReconnect(s.message());
}

void PrivateStream::OnOpen() {
  ++connects_;
  last_pong_ = clock_.NowMs();
  // Valid a few seconds past the exchange's now: a clock that runs behind would otherwise send an
  // auth that has already expired.
  const TimeMs expires = clock_.NowMs() + server_offset_ms_() + options_.auth_expiry_ms;
  ws_->Send(WsAuthRequest(signer_, options_.api_key, expires, "auth-" + std::to_string(++requests_)));
}

void PrivateStream::Ping() {
  if (!ws_ || !ws_->open()) return;
  if (clock_.NowMs() - last_pong_ > options_.ping_ms + options_.pong_timeout_ms) {
    State("no pong for " + std::to_string(clock_.NowMs() - last_pong_) + " ms: reconnecting");
    ws_->Close("no pong");
    return;
  }
  ws_->Send("{\"req_id\":\"ping-" + std::to_string(++requests_) + "\",\"op\":\"ping\"}");
}

void PrivateStream::TakeSnapshot(const std::string& on_failure) {
  Exchange* exchange = &exchange_;
  auto finish = [this, on_failure](Result<AccountReport> snapshot) {
    if (stopped_) return;
    if (!snapshot.ok()) {
      State(on_failure + ": " + snapshot.status().message() + ": reconnecting");
      if (ws_ && ws_->open()) ws_->Close("snapshot failed");
      return;
    }
    ++snapshots_;
    if (handler_.on_snapshot) handler_.on_snapshot(*snapshot);
  };
  if (!options_.offload) return finish(exchange->Account());
  std::weak_ptr<bool> alive = alive_;
  options_.offload([this, alive, exchange, finish]() {
    auto result = std::make_shared<Result<AccountReport>>(exchange->Account());
    loop_.Post([alive, result, finish] {
      if (auto a = alive.lock(); a && *a) finish(std::move(*result));
    });
  });
}

void PrivateStream::OnText(const std::string& text) {
  auto message = ParsePrivateMessage(text);
  if (!message.ok()) {
    State("undecodable private stream message (" + message.status().message() + "): reading the account by REST");
    TakeSnapshot("snapshot after an undecodable message failed");
    return;
  }
  if (auto* reply = std::get_if<ControlReply>(&*message)) {
    if (reply->op == "pong" || reply->op == "ping") {
      last_pong_ = clock_.NowMs();
    } else if (reply->op == "auth") {
      if (!reply->success) {
        // A refused key does not get better by retrying at once: back off, and say why.
        State("auth refused: " + reply->ret_msg);
        ws_->Close("auth refused");
        return;
      }
      ws_->Send("{\"req_id\":\"sub-" + std::to_string(++requests_) +
                "\",\"op\":\"subscribe\",\"args\":[\"order\",\"execution\",\"position\",\"wallet\"]}");
    } else if (reply->op == "subscribe") {
      if (!reply->success) {
        State("subscription refused: " + reply->ret_msg);
        ws_->Close("subscription refused");
        return;
      }
      subscribed_ = true;
      ++subscriptions_;
      backoff_.Reset();
      State("live");
      // Whatever happened while not subscribed is in this snapshot; the stream covers what follows.
      TakeSnapshot("snapshot after subscribing failed");
    }
    return;
  }
  if (auto* orders = std::get_if<OrderTopicEvent>(&*message)) {
    for (std::size_t i = 0; i < orders->orders.size(); ++i) {
      OrderEvent& e = orders->orders[i];
      fills_.Apply(e, orders->cum_exec_values[i]);
      if (handler_.on_order) handler_.on_order(e);
    }
    return;
  }
  if (auto* position = std::get_if<PositionEvent>(&*message)) {
    if (handler_.on_position) handler_.on_position(*position);
    return;
  }
  if (auto* executions = std::get_if<ExecutionEvent>(&*message)) executions_ += static_cast<long>(executions->executions.size());
}

void PrivateStream::OnClose(const std::string& reason) {
  subscribed_ = false;
  if (stopped_) return;
  ScheduleReconnect(reason);
}

void PrivateStream::ScheduleReconnect(const std::string& reason) {
  if (stopped_) return;
  ++reconnects_;
  const TimeMs delay = backoff_.Next();
  State("reconnecting in " + std::to_string(delay) + " ms: " + reason);
  std::weak_ptr<bool> alive = alive_;
  loop_.After(delay, [this, alive] {
    auto a = alive.lock();
    if (!a || !*a || stopped_) return;
    Connect();
  });
}

}  // namespace keel::bybit
