#include "keel/bybit/private_stream.h"

#include "keel/bybit/codec.h"
#include "keel/bybit/signing.h"

#include <spdlog/spdlog.h>

#include "keel/model/log_text.h"

namespace keel::bybit {

PrivateStream::PrivateStream(net::EventLoop& loop, Exchange& exchange, const Clock& clock,
                             std::function<TimeMs()> server_offset_ms, Secret secret, PrivateStreamOptions options,
                             PrivateStreamHandler handler)
    : exchange_(exchange),
      clock_(clock),
      server_offset_ms_(std::move(server_offset_ms)),
      secret_(std::move(secret)),
      signer_(secret_.reveal()),
      options_(std::move(options)),
      handler_(std::move(handler)),
      link_(loop,
            StreamLinkOptions{options_.ca_path, options_.backoff_initial_ms, options_.backoff_max_ms, options_.jitter_seed,
                              options_.offload},
            net::WsClient::Callbacks{[this] { OnOpen(); }, [this](const std::string& text) { OnText(text); },
                                     [this](const std::string& reason) { OnClose(reason); }},
            handler_.on_state),
      join_(options_.fill_join_window_ms, SequenceJoin::Sink{handler_.on_order, handler_.on_position}) {
  while (!options_.ws_url.empty() && options_.ws_url.back() == '/') options_.ws_url.pop_back();
}

PrivateStream::~PrivateStream() { Stop(); }

std::string PrivateStream::Url() const {
  std::string url = options_.ws_url + "/v5/private";
  if (options_.max_active_time) url += "?max_active_time=" + *options_.max_active_time;
  return url;
}

Status PrivateStream::Start() {
  if (options_.ws_url.empty()) return Status::InvalidInput("the private stream needs exchange.ws_url");
  if (options_.api_key.empty()) return Status::InvalidInput("the private stream needs the API key");
  link_.Start();
  link_.Every(options_.ping_ms, [this] { Ping(); });
  link_.Every(std::max<TimeMs>(options_.fill_join_window_ms / 4, 1), [this] { join_.Expire(clock_.NowMs()); });
  Connect();
  return Status::Ok();
}

void PrivateStream::Stop() { link_.Stop(); }

void PrivateStream::Connect() { link_.Connect(Url(), [this] { Connect(); }); }

void PrivateStream::OnOpen() {
  ++connects_;
  last_pong_ = clock_.NowMs();
  // Valid a few seconds past the exchange's now: a clock that runs behind would otherwise send an
  // auth that has already expired.
  const TimeMs expires = clock_.NowMs() + server_offset_ms_() + options_.auth_expiry_ms;
  link_.Send(WsAuthRequest(signer_, options_.api_key, expires, "auth-" + std::to_string(++requests_)));
}

void PrivateStream::Ping() {
  if (!link_.open()) return;
  if (clock_.NowMs() - last_pong_ > options_.ping_ms + options_.pong_timeout_ms) {
    State("no pong for " + std::to_string(clock_.NowMs() - last_pong_) + " ms: reconnecting");
    link_.Close("no pong");
    return;
  }
  link_.Send("{\"req_id\":\"ping-" + std::to_string(++requests_) + "\",\"op\":\"ping\"}");
}

void PrivateStream::OnText(const std::string& text) {
  std::vector<std::string> other_categories;
  auto message = ParsePrivateMessage(text, &other_categories);
  for (const auto& row : other_categories)
    spdlog::debug("bybit private stream: a {} row left out: keel trades the linear category only", LogText(row));
  if (!message.ok()) {
    if (handler_.on_refused) {
      handler_.on_refused(message.status().message() + ": reading the account by REST");
    }
    link_.TakeSnapshot(exchange_, "snapshot after an undecodable message failed", handler_.on_snapshot);
    return;
  }
  if (auto* reply = std::get_if<ControlReply>(&*message)) {
    if (reply->op == "pong" || reply->op == "ping") {
      last_pong_ = clock_.NowMs();
    } else if (reply->op == "auth") {
      if (!reply->success) {
        // A refused key does not get better by retrying at once: back off, and say why.
        State("auth refused: " + reply->ret_msg);
        link_.Close("auth refused");
        return;
      }
      link_.Send("{\"req_id\":\"sub-" + std::to_string(++requests_) +
                "\",\"op\":\"subscribe\",\"args\":[\"order.linear\",\"execution.linear\",\"position.linear\",\"wallet\"]}");
    } else if (reply->op == "subscribe") {
      if (!reply->success) {
        State("subscription refused: " + reply->ret_msg);
        link_.Close("subscription refused");
        return;
      }
      ++subscriptions_;
      link_.Connected();
      State("live");
      // Whatever happened while not subscribed is in this snapshot; the stream covers what follows.
      link_.TakeSnapshot(exchange_, "snapshot after subscribing failed", handler_.on_snapshot);
    }
    return;
  }
  if (auto* orders = std::get_if<OrderTopicEvent>(&*message)) {
    for (auto& row : orders->orders) join_.Order(std::move(row), clock_.NowMs());
    return;
  }
  if (auto* position = std::get_if<PositionEvent>(&*message)) {
    join_.Positions(std::move(*position), clock_.NowMs());
    return;
  }
  if (auto* executions = std::get_if<ExecutionEvent>(&*message)) {
    executions_ += static_cast<long>(executions->executions.size());
    join_.Executions(*executions, clock_.NowMs());
  }
}

void PrivateStream::OnClose(const std::string& reason) {
  if (link_.stopped()) return;
  link_.ScheduleReconnect(reason, [this] { Connect(); });
}

}  // namespace keel::bybit
