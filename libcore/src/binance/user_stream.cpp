#include "keel/binance/user_stream.h"

#include "keel/binance/codec.h"
#include "keel/binance/errors.h"

namespace keel::binance {

UserDataStream::UserDataStream(net::EventLoop& loop, Exchange& exchange, RestClient& rest, UserStreamOptions options,
                               UserStreamHandler handler)
    : exchange_(exchange),
      rest_(rest),
      options_(std::move(options)),
      handler_(std::move(handler)),
      link_(loop,
            StreamLinkOptions{options_.ca_path, options_.backoff_initial_ms, options_.backoff_max_ms, options_.jitter_seed,
                              options_.offload},
            net::WsClient::Callbacks{[this] { OnOpen(); }, [this](const std::string& text) { OnText(text); },
                                     [this](const std::string& reason) { OnClose(reason); }},
            handler_.on_state) {
  while (!options_.ws_url.empty() && options_.ws_url.back() == '/') options_.ws_url.pop_back();
}

UserDataStream::~UserDataStream() { Stop(); }

namespace {

Result<std::string> RequestListenKey(RestClient& rest) {
  auto body = rest.WithKey("POST", "/fapi/v1/listenKey", net::Params());
  if (!body.ok()) return body.status().WithContext("creating a listen key");
  return ParseListenKey(*body);
}

Status ExtendListenKey(RestClient& rest, const std::string& key) {
  net::Params p;
  p.Add("listenKey", key);
  auto kept = rest.WithKey("PUT", "/fapi/v1/listenKey", p);
  return kept.ok() ? Status::Ok() : kept.status().WithContext("extending the listen key");
}

}  // namespace

void UserDataStream::NewKeyThenConnect() {
  RestClient* rest = &rest_;
  link_.Blocking<Result<std::string>>([rest] { return RequestListenKey(*rest); },
                                      [this](Result<std::string> key) {
                                        if (link_.stopped()) return;
                                        if (!key.ok()) return ScheduleReconnect(key.status().message());
                                        listen_key_ = *key;
                                        Connect();
                                      });
}

void UserDataStream::KeepKeyThenConnect() {
  RestClient* rest = &rest_;
  const std::string key = listen_key_;
  link_.Blocking<Status>([rest, key] { return ExtendListenKey(*rest, key); },
                         [this](Status kept) {
                           if (link_.stopped()) return;
                           // The key may have lapsed while we were away: then a new one.
                           if (!kept.ok()) return NewKeyThenConnect();
                           Connect();
                         });
}

void UserDataStream::Reconnect() {
  if (listen_key_.empty()) NewKeyThenConnect();
  else KeepKeyThenConnect();
}

Status UserDataStream::Start() {
  if (options_.ws_url.empty()) return Status::InvalidInput("the user-data stream needs exchange.ws_url");
  link_.Start();
  link_.Every(options_.keepalive_ms, [this] { KeepAlive(); });
  NewKeyThenConnect();
  return Status::Ok();
}

void UserDataStream::Stop() { link_.Stop(); }

void UserDataStream::Connect() {
  link_.Connect(options_.ws_url + "/private/ws?listenKey=" + listen_key_, [this] { Reconnect(); });
}

void UserDataStream::OnOpen() {
  ++connects_;
  link_.Connected();
  State("live");
  // Whatever happened while not connected is in this snapshot; the stream covers what follows.
  TakeSnapshot("snapshot after connecting failed");
}

void UserDataStream::TakeSnapshot(const std::string& on_failure) {
  link_.TakeSnapshot(exchange_, on_failure, handler_.on_snapshot);
}

void UserDataStream::OnText(const std::string& text) {
  auto event = ParseUserDataEvent(text);
  if (!event.ok()) {
    // Something happened that keel cannot read: what it changed is read by REST instead, so that
    // nothing is silently lost. If that fails too, reconnecting takes a snapshot anyway.
    if (handler_.on_refused) {
      handler_.on_refused(event.status().message() + ": reading the account by REST");
    }
    TakeSnapshot("snapshot after an undecodable event failed");
    return;
  }
  if (std::holds_alternative<ListenKeyExpiredEvent>(*event)) {
    // The key is gone: a new key, then a new connection (from OnClose).
    State("listen key expired: creating a new one");
    renewing_key_ = true;
  }
  if (handler_.on_event) handler_.on_event(*event);
  if (renewing_key_) link_.Close("listen key expired");
}

void UserDataStream::OnClose(const std::string& reason) {
  if (link_.stopped()) return;
  if (renewing_key_) {
    renewing_key_ = false;
    NewKeyThenConnect();
    return;
  }
  ScheduleReconnect(reason);
}

void UserDataStream::ScheduleReconnect(const std::string& reason) {
  link_.ScheduleReconnect(reason, [this] { Reconnect(); });
}

void UserDataStream::KeepAlive() {
  RestClient* rest = &rest_;
  const std::string key = listen_key_;
  link_.Blocking<Status>([rest, key] { return ExtendListenKey(*rest, key); },
                         [this](Status kept) {
                           if (kept.ok() || link_.stopped()) return;
                           State("listen key keepalive failed: " + kept.message() + ": creating a new key");
                           renewing_key_ = true;
                           if (link_.open()) link_.Close("listen key lost");
                           else OnClose("listen key lost");
                         });
}

}  // namespace keel::binance
