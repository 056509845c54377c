#pragma once
// A WebSocket server on an EventLoop (websocketpp underneath, kept out of this header). The
// handshake is decided from the request target; text frames go both ways; the server pings every
// connection on an interval, as the exchange does, and answers pings with pongs.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "keel/model/status.h"
#include "keel/net/event_loop.h"

namespace keel::net {

class WsServer {
 public:
  using ConnectionId = std::uint64_t;
  struct Callbacks {
    // OK accepts the handshake; an error refuses it (NotFound: 404, anything else: 400).
    std::function<Status(ConnectionId, const std::string& target)> on_open;
    std::function<void(ConnectionId, const std::string& text)> on_text;
    std::function<void(ConnectionId)> on_close;
  };
  struct Options {
    std::string host = "127.0.0.1";
    std::uint16_t port = 0;
    TimeMs ping_interval_ms = 3 * 60 * 1000;
  };

  static Result<std::unique_ptr<WsServer>> Start(EventLoop& loop, const Options& options, Callbacks callbacks);
  ~WsServer();
  WsServer(const WsServer&) = delete;
  WsServer& operator=(const WsServer&) = delete;

  std::uint16_t port() const;
  std::size_t connections() const;
  // False when the connection is gone.
  bool Send(ConnectionId id, const std::string& text);
  void Close(ConnectionId id, const std::string& reason);
  void CloseAll(const std::string& reason);
  void Stop();

  struct Impl;

 private:
  explicit WsServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace keel::net
