#pragma once
// A small HTTP/1.1 server on an EventLoop: keep-alive, pipelined requests answered in order, the
// handler called on the loop's thread. A response marked kNoResponse is never answered (the client
// times out) and the connection reads nothing more; kClose closes it without an answer.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "keel/model/status.h"
#include "keel/net/event_loop.h"
#include "keel/net/http_parser.h"

namespace keel::net {

class HttpServer {
 public:
  using Handler = std::function<HttpResponse(const HttpRequest&)>;
  struct Options {
    std::string host = "127.0.0.1";
    std::uint16_t port = 0;  // 0 picks a free port
    HttpParseLimits limits;
  };

  // Binds and starts accepting; the loop must outlive the server.
  static Result<std::unique_ptr<HttpServer>> Start(EventLoop& loop, const Options& options, Handler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  std::uint16_t port() const;
  std::size_t connections() const;
  // Stops accepting and closes every connection.
  void Stop();

  struct Impl;

 private:
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace keel::net
