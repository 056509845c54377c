#pragma once
// A WebSocket client for tests: connects to ws://127.0.0.1:port/target on its own thread and keeps
// every text message it receives, in order.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace keel::test {

class WsClient {
 public:
  // Connects and waits for the handshake; ok() tells whether it succeeded.
  WsClient(std::uint16_t port, const std::string& target, int timeout_ms = 5000);
  ~WsClient();
  WsClient(const WsClient&) = delete;
  WsClient& operator=(const WsClient&) = delete;

  bool ok() const;
  int handshake_status() const;  // the HTTP status of a refused handshake
  bool closed() const;
  void Send(const std::string& text);
  // Waits until some received message satisfies pred; returns its index, or -1 on timeout.
  int WaitFor(const std::function<bool(const std::string&)>& pred, int timeout_ms = 5000, std::size_t from = 0);
  bool WaitClosed(int timeout_ms = 5000);
  std::vector<std::string> messages() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace keel::test
