#pragma once
// keel-exchange-sim as a network service: the venue's REST API and control endpoint on one port,
// its streams on another, all on one event loop thread. Every tick_ms the venue is brought to the
// wall clock and due events go out to the stream connections that carry them.

#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "keel/net/event_loop.h"
#include "keel/net/http_server.h"
#include "keel/net/ws_server.h"
#include <variant>

#include "keel/sim/binance_stream.h"
#include "keel/sim/bybit_stream.h"
#include "keel/sim/sim_venue.h"

namespace keel::sim {

struct SimServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t rest_port = 0;  // 0 picks a free port
  std::uint16_t ws_port = 0;
  std::optional<std::string> port_file;  // {"rest_port":…,"ws_port":…}, written once serving
  std::optional<std::string> scenario_file;
  TimeMs tick_ms = 10;
  bool legacy_ws_paths = false;  // also serve /ws, /ws/<x> and /stream (retired on 2026-04-23)
  // The dialects served (both by default, over one venue): Binance USD-M's paths, Bybit v5's /v5/.
  // A path of a dialect not served is answered 404 (REST) or refused (streams).
  bool binance_usdm = true;
  bool bybit_v5 = true;
};

class SimServer {
 public:
  // Binds both ports and writes the port file; serving starts when the loop runs.
  static Result<std::unique_ptr<SimServer>> Start(SimConfig config, const SimServerOptions& options,
                                                  net::EventLoop& loop, const Clock& clock);
  ~SimServer();

  std::uint16_t rest_port() const { return http_->port(); }
  std::uint16_t ws_port() const { return ws_->port(); }
  SimVenue& venue() { return *venue_; }
  void Stop();

 private:
  SimServer() = default;
  void Deliver();

  std::unique_ptr<SimVenue> venue_;
  std::unique_ptr<net::HttpServer> http_;
  std::unique_ptr<net::WsServer> ws_;
  // A connection speaks Binance's dialect or Bybit's, as its path says.
  std::map<net::WsServer::ConnectionId, std::variant<StreamSession, BybitStreamSession>> sessions_;
  std::uint64_t connections_opened_ = 0;
  std::deque<std::pair<TimeMs, MarketEvent>> held_market_;  // due time, event
};

}  // namespace keel::sim
