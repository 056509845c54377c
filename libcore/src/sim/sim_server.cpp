#include "keel/sim/sim_server.h"

#include "keel/model/json_writer.h"
#include "keel/store/export.h"

namespace keel::sim {

SimServer::~SimServer() { Stop(); }

Result<std::unique_ptr<SimServer>> SimServer::Start(SimConfig config, const SimServerOptions& options,
                                                    net::EventLoop& loop, const Clock& clock) {
  std::unique_ptr<SimServer> server(new SimServer());
  auto venue = SimVenue::Create(std::move(config), clock);
  if (!venue.ok()) return venue.status();
  server->venue_ = std::move(venue).value();
  if (options.scenario_file) KEEL_RETURN_IF_ERROR(server->venue_->LoadScenario(*options.scenario_file));

  SimServer* self = server.get();
  net::HttpServer::Options http_options;
  http_options.host = options.host;
  http_options.port = options.rest_port;
  const bool serve_binance = options.binance_usdm, serve_bybit = options.bybit_v5;
  auto http = net::HttpServer::Start(loop, http_options, [self, serve_binance, serve_bybit](const net::HttpRequest& request) {
    const std::string path = request.path();
    const bool bybit_path = path.rfind("/v5/", 0) == 0;
    if (path.rfind("/_sim/", 0) != 0 && (bybit_path ? !serve_bybit : !serve_binance)) {
      net::HttpResponse refused;
      refused.status = 404;
      return refused;
    }
    net::HttpResponse response = self->venue_->HandleHttp(request);
    self->Deliver();  // events caused by this request go out at once, not at the next tick
    return response;
  });
  if (!http.ok()) return http.status().WithContext("REST port");
  server->http_ = std::move(http).value();

  net::WsServer::Callbacks callbacks;
  StreamOptions stream_options;
  stream_options.legacy_paths = options.legacy_ws_paths;
  callbacks.on_open = [self, stream_options, serve_binance, serve_bybit](net::WsServer::ConnectionId id,
                                                                         const std::string& target) -> Status {
    const bool bybit_path = target.rfind("/v5/", 0) == 0;
    if (bybit_path ? !serve_bybit : !serve_binance)
      return Status::NotFound(target + ": this simulator does not serve that dialect (--dialect)");
    if (bybit_path) {
      auto bybit = BybitStreamSession::Open(target, self->venue_->exchange(), ++self->connections_opened_);
      if (!bybit.ok()) return bybit.status();
      self->sessions_.emplace(id, std::move(bybit).value());
      return Status::Ok();
    }
    auto session = StreamSession::Open(target, self->venue_->exchange(), stream_options);
    if (!session.ok()) return session.status();
    self->sessions_.emplace(id, std::move(session).value());
    return Status::Ok();
  };
  callbacks.on_text = [self](net::WsServer::ConnectionId id, const std::string& text) {
    auto it = self->sessions_.find(id);
    if (it == self->sessions_.end()) return;
    if (auto* bybit = std::get_if<BybitStreamSession>(&it->second)) {
      for (const auto& reply : bybit->OnText(text, self->venue_->exchange())) self->ws_->Send(id, reply);
    } else if (auto reply = std::get<StreamSession>(it->second).OnText(text)) {
      self->ws_->Send(id, *reply);
    }
  };
  callbacks.on_close = [self](net::WsServer::ConnectionId id) { self->sessions_.erase(id); };
  net::WsServer::Options ws_options;
  ws_options.host = options.host;
  ws_options.port = options.ws_port;
  auto ws = net::WsServer::Start(loop, ws_options, std::move(callbacks));
  if (!ws.ok()) return ws.status().WithContext("stream port");
  server->ws_ = std::move(ws).value();

  loop.Every(options.tick_ms, [self] {
    self->venue_->Tick();
    self->Deliver();
  });
  if (options.port_file) {
    JsonWriter w;
    w.StartObject().Key("rest_port").Int(server->rest_port()).Key("ws_port").Int(server->ws_port()).EndObject();
    KEEL_RETURN_IF_ERROR(WriteFileAtomically(*options.port_file, w.str() + "\n").WithContext("--port-file"));
  }
  return server;
}

void SimServer::Deliver() {
  if (venue_->TakeDisconnectRequest()) ws_->CloseAll("disconnect requested by the control endpoint");
  const SimExchange& ex = venue_->exchange();
  std::int64_t sent = 0;
  // Market events travel the same distance as everything else.
  const TimeMs now = venue_->exchange().now();
  for (auto& e : venue_->TakeMarketEvents()) held_market_.emplace_back(now + venue_->latency_ms(), std::move(e));
  std::vector<MarketEvent> market;
  while (!held_market_.empty() && held_market_.front().first <= now) {
    market.push_back(std::move(held_market_.front().second));
    held_market_.pop_front();
  }
  const auto user = venue_->TakeDueUserEvents();
  const auto garbage = venue_->TakeGarbageFrames();
  const auto spot = venue_->TakeSpotTrades();
  std::vector<net::WsServer::ConnectionId> idle;
  for (auto& [id, session] : sessions_) {
    for (const auto& frame : garbage) sent += ws_->Send(id, frame);
    if (auto* bybit = std::get_if<BybitStreamSession>(&session)) {
      for (const auto& e : market)
        for (const auto& frame : bybit->Render(e, ex)) sent += ws_->Send(id, frame);
      for (const auto& e : user)
        for (const auto& frame : bybit->Render(e, ex)) sent += ws_->Send(id, frame);
      for (const auto& trade : spot)
        for (const auto& frame : bybit->Render(trade, ex)) sent += ws_->Send(id, frame);
      if (bybit->IdleTooLong(now)) idle.push_back(id);
      continue;
    }
    auto& binance = std::get<StreamSession>(session);
    for (const auto& e : market)
      if (auto frame = binance.Render(e, ex)) sent += ws_->Send(id, *frame);
    for (const auto& e : user)
      if (auto frame = binance.Render(e, ex)) sent += ws_->Send(id, *frame);
  }
  // Bybit cuts a connection with no ping and nothing sent for its max_active_time.
  for (auto id : idle) ws_->Close(id, "idle past max_active_time");
  venue_->CountStreamMessages(sent);
}

void SimServer::Stop() {
  if (http_) http_->Stop();
  if (ws_) ws_->Stop();
}

}  // namespace keel::sim
