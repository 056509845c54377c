#pragma once
// A WebSocket client on an EventLoop (websocketpp underneath, kept out of this header): ws:// or
// wss:// by the URL's scheme. Over TLS the server's certificate must chain to a trusted CA (ca_path
// when given, a bundle file or a hashed directory, else the system's) and name the URL's host;
// otherwise the connection ends before any request is sent, with on_close saying why. Callbacks run
// on the loop's thread. One connection at a time; Connect again after a close to reconnect.
// Destroy it on the loop's thread once the loop has stopped or the connection has closed.

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "keel/model/status.h"
#include "keel/net/event_loop.h"

namespace keel::net {

class WsClient {
 public:
  struct Callbacks {
    std::function<void()> on_open;
    std::function<void(const std::string& text)> on_text;
    // The connection failed or closed; reason says why (for the log).
    std::function<void(const std::string& reason)> on_close;
  };
  WsClient(EventLoop& loop, Callbacks callbacks, std::optional<std::string> ca_path = std::nullopt);
  ~WsClient();
  WsClient(const WsClient&) = delete;
  WsClient& operator=(const WsClient&) = delete;

  // Starts connecting; the outcome arrives as on_open or on_close. A ca_path that does not exist or
  // holds no certificate fails here, before connecting.
  Status Connect(const std::string& url);
  bool Send(const std::string& text);
  void Close(const std::string& reason);
  bool open() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace keel::net
