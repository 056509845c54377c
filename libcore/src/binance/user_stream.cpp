#include "keel/binance/user_stream.h"

#include <rapidjson/document.h>

#include <chrono>

#include "keel/binance/errors.h"

namespace keel::binance {

UserDataStream::UserDataStream(net::EventLoop& loop, Exchange& exchange, RestClient& rest, UserStreamOptions options,
                               UserStreamHandler handler)
    : loop_(loop),
      exchange_(exchange),
      rest_(rest),
      options_(std::move(options)),
      handler_(std::move(handler)),
      backoff_(options_.backoff_initial_ms, options_.backoff_max_ms,
               options_.jitter_seed ? options_.jitter_seed
                                    : static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count())) {
  while (!options_.ws_url.empty() && options_.ws_url.back() == '/') options_.ws_url.pop_back();
}

UserDataStream::~UserDataStream() {
  *alive_ = false;
  Stop();
}

void UserDataStream::State(const std::string& line) {
  if (handler_.on_state) handler_.on_state(line);
}

namespace {

Result<std::string> RequestListenKey(RestClient& rest) {
  auto body = rest.WithKey("POST", "/fapi/v1/listenKey", net::Params());
  if (!body.ok()) return body.status().WithContext("creating a listen key");
  rapidjson::Document d;
  d.Parse(body->c_str());
  if (d.HasParseError() || !d.IsObject() || !d.HasMember("listenKey") || !d["listenKey"].IsString())
    return Status::InvalidInput("POST /fapi/v1/listenKey: expected {\"listenKey\":\"...\"}");
  return std::string(d["listenKey"].GetString());
}

Status ExtendListenKey(RestClient& rest, const std::string& key) {
  net::Params p;
  p.Add("listenKey", key);
  auto kept = rest.WithKey("PUT", "/fapi/v1/listenKey", p);
  return kept.ok() ? Status::Ok() : kept.status().WithContext("extending the listen key");
}

}  // namespace

template <typename R>
void UserDataStream::Blocking(std::function<R()> work, std::function<void(R)> then) {
  if (!options_.offload) return then(work());
  std::weak_ptr<bool> alive = alive_;
  options_.offload([this, alive, work = std::move(work), then = std::move(then)]() mutable {
    auto result = std::make_shared<R>(work());
    loop_.Post([alive, result, then = std::move(then)] {
      if (auto a = alive.lock(); a && *a) then(std::move(*result));
    });
  });
}

void UserDataStream::NewKeyThenConnect() {
  RestClient* rest = &rest_;
  Blocking<Result<std::string>>([rest] { return RequestListenKey(*rest); },
                                [this](Result<std::string> key) {
                                  if (stopped_) return;
                                  if (!key.ok()) return ScheduleReconnect(key.status().message());
                                  listen_key_ = *key;
                                  Connect();
                                });
}

void UserDataStream::KeepKeyThenConnect() {
  RestClient* rest = &rest_;
  const std::string key = listen_key_;
  Blocking<Status>([rest, key] { return ExtendListenKey(*rest, key); },
                   [this](Status kept) {
                     if (stopped_) return;
                     // The key may have lapsed while we were away: then a new one.
                     if (!kept.ok()) return NewKeyThenConnect();
                     Connect();
                   });
}

Status UserDataStream::Start() {
  if (options_.ws_url.empty()) return Status::InvalidInput("the user-data stream needs exchange.ws_url");
  stopped_ = false;
  std::weak_ptr<bool> alive = alive_;
  loop_.Every(options_.keepalive_ms, [this, alive] {
    if (auto a = alive.lock(); a && *a && !stopped_) KeepAlive();
  });
  NewKeyThenConnect();
  return Status::Ok();
}

void UserDataStream::Stop() {
  stopped_ = true;
  if (ws_) ws_->Close("stopping");
}

void UserDataStream::Connect() {
  if (stopped_) return;
  net::WsClient::Callbacks callbacks;
  callbacks.on_open = [this] { OnOpen(); };
  callbacks.on_text = [this](const std::string& text) { OnText(text); };
  callbacks.on_close = [this](const std::string& reason) { OnClose(reason); };
  if (!ws_) ws_ = std::make_unique<net::WsClient>(loop_, std::move(callbacks), options_.ca_path);
  Status s = ws_->Connect(options_.ws_url + "/private/ws?listenKey=" + listen_key_);
  if (!s.ok()) ScheduleReconnect(s.message());
}

void UserDataStream::OnOpen() {
  ++connects_;
  backoff_.Reset();
  State("live");
  // Whatever happened while not connected is in this snapshot; the stream covers what follows.
  TakeSnapshot("snapshot after connecting failed");
}

void UserDataStream::TakeSnapshot(const std::string& on_failure) {
  Exchange* exchange = &exchange_;
  Blocking<Result<AccountReport>>([exchange] { return exchange->Account(); },
                                  [this, on_failure](Result<AccountReport> snapshot) {
                                    if (stopped_) return;
                                    if (!snapshot.ok()) {
                                      State(on_failure + ": " + snapshot.status().message() + ": reconnecting");
                                      if (ws_ && ws_->open()) ws_->Close("snapshot failed");
                                      return;
                                    }
                                    ++snapshots_;
                                    if (handler_.on_snapshot) handler_.on_snapshot(*snapshot);
                                  });
}

void UserDataStream::OnText(const std::string& text) {
  auto event = ParseUserDataEvent(text);
  if (!event.ok()) {
    // Something happened that keel cannot read: what it changed is read by REST instead, so that
    // nothing is silently lost. If that fails too, reconnecting takes a snapshot anyway.
    State("undecodable user-data event (" + event.status().message() + "): reading the account by REST");
    TakeSnapshot("snapshot after an undecodable event failed");
    return;
  }
  if (std::holds_alternative<ListenKeyExpiredEvent>(*event)) {
    // The key is gone: a new key, then a new connection (from OnClose).
    State("listen key expired: creating a new one");
    renewing_key_ = true;
  }
  if (handler_.on_event) handler_.on_event(*event);
  if (renewing_key_ && ws_ && ws_->open()) ws_->Close("listen key expired");
}

void UserDataStream::OnClose(const std::string& reason) {
  if (stopped_) return;
  if (renewing_key_) {
    renewing_key_ = false;
    NewKeyThenConnect();
    return;
  }
  ScheduleReconnect(reason);
}

void UserDataStream::ScheduleReconnect(const std::string& reason) {
  if (stopped_) return;
  ++reconnects_;
  const TimeMs delay = backoff_.Next();
  State("reconnecting in " + std::to_string(delay) + " ms: " + reason);
  std::weak_ptr<bool> alive = alive_;
  loop_.After(delay, [this, alive] {
    auto a = alive.lock();
    if (!a || !*a || stopped_) return;
    if (listen_key_.empty()) NewKeyThenConnect();
    else KeepKeyThenConnect();
  });
}

void UserDataStream::KeepAlive() {
  RestClient* rest = &rest_;
  const std::string key = listen_key_;
  Blocking<Status>([rest, key] { return ExtendListenKey(*rest, key); },
                   [this](Status kept) {
                     if (kept.ok() || stopped_) return;
                     State("listen key keepalive failed: " + kept.message() + ": creating a new key");
                     renewing_key_ = true;
                     if (ws_ && ws_->open()) ws_->Close("listen key lost");
                     else OnClose("listen key lost");
                   });
}

}  // namespace keel::binance
