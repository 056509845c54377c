// The REST transport reads at most 16 MiB of an answer: a server on loopback that streams an
// endless chunked body, or announces a gigabyte, gets its request failed with a clear Status
// instead of the daemon's memory.
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>

#include "keel/net/http_transport.h"

using namespace keel;

namespace {

// One connection on 127.0.0.1 (a free port), answered with `head` and then, when chunked, 64 KiB
// chunks until the client leaves (or 64 MiB, far past the cap, have gone). Records what it sent.
class OversizeServer {
 public:
  OversizeServer(std::string head, bool chunked) : head_(std::move(head)), chunked_(chunked) {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    REQUIRE(::bind(listener_, reinterpret_cast<sockaddr*>(&addr), len) == 0);
    REQUIRE(::listen(listener_, 1) == 0);
    REQUIRE(::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~OversizeServer() {
    ::shutdown(listener_, SHUT_RDWR);  // ends an accept still waiting
    if (thread_.joinable()) thread_.join();
    ::close(listener_);
  }
  std::uint16_t port() const { return port_; }
  // Waits for the server to finish (the client left), then the body bytes it sent.
  std::int64_t Finish() {
    if (thread_.joinable()) thread_.join();
    return sent_;
  }

 private:
  void Serve() {
    const int fd = ::accept(listener_, nullptr, nullptr);
    if (fd < 0) return;
    std::string request;
    char buf[4096];
    while (request.find("\r\n\r\n") == std::string::npos) {
      const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
      if (n <= 0) break;
      request.append(buf, static_cast<std::size_t>(n));
    }
    Send(fd, head_);
    if (chunked_) {
      const std::string chunk = "10000\r\n" + std::string(0x10000, 'x') + "\r\n";
      while (sent_ < (std::int64_t{64} << 20) && Send(fd, chunk)) sent_ += 0x10000;
    } else {
      while (::recv(fd, buf, sizeof(buf), 0) > 0) {
      }  // until the client closes
    }
    ::close(fd);
  }
  static bool Send(int fd, const std::string& data) {
    std::size_t at = 0;
    while (at < data.size()) {
      const ssize_t n = ::send(fd, data.data() + at, data.size() - at, MSG_NOSIGNAL);
      if (n <= 0) return false;
      at += static_cast<std::size_t>(n);
    }
    return true;
  }

  std::string head_;
  bool chunked_;
  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::thread thread_;
  std::atomic<std::int64_t> sent_{0};
};

Result<net::HttpResponse> GetFrom(std::uint16_t port) {
  auto transport = net::CurlTransport::Create("http://127.0.0.1:" + std::to_string(port), std::nullopt);
  REQUIRE(transport.ok());
  net::HttpRequest request;
  request.method = "GET";
  request.target = "/fapi/v1/exchangeInfo";
  return (*transport)->Send(request, 10'000);
}

}  // namespace

TEST_CASE("a REST answer streamed past 16 MiB is cut off and the request fails saying so") {
  OversizeServer server("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n", true);
  auto answer = GetFrom(server.port());
  REQUIRE(!answer.ok());
  CHECK(answer.status().IsUnknownOutcome());
  CHECK(answer.status().message() == "GET /fapi/v1/exchangeInfo: the answer is larger than 16 MiB, not read");
  // The client stopped reading at the cap: the server could not send all 64 MiB.
  CHECK(server.Finish() < (std::int64_t{64} << 20));
}

TEST_CASE("a REST answer announcing more than 16 MiB is refused before its body is read") {
  OversizeServer server("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1073741824\r\n\r\n", false);
  auto answer = GetFrom(server.port());
  REQUIRE(!answer.ok());
  CHECK(answer.status().message() == "GET /fapi/v1/exchangeInfo: the answer is larger than 16 MiB, not read");
}
