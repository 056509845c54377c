#include "keel/net/http_server.h"

#define ASIO_STANDALONE
#include <asio.hpp>

#include <set>

namespace keel::net {
namespace {

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(asio::ip::tcp::socket socket, HttpServer::Handler& handler, const HttpParseLimits& limits,
             std::set<std::shared_ptr<Connection>>& registry)
      : socket_(std::move(socket)), handler_(handler), limits_(limits), registry_(registry) {
    asio::error_code ec;
    auto remote = socket_.remote_endpoint(ec);
    if (!ec) remote_ = remote.address().to_string();
    socket_.set_option(asio::ip::tcp::no_delay(true), ec);
  }

  void Begin() { Read(); }

  void Close() {
    asio::error_code ec;
    socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    socket_.close(ec);
    registry_.erase(shared_from_this());
  }

 private:
  void Read() {
    auto self = shared_from_this();
    socket_.async_read_some(asio::buffer(chunk_), [this, self](const asio::error_code& ec, std::size_t n) {
      if (ec) {
        Close();
        return;
      }
      in_.append(chunk_.data(), n);
      Process();
    });
  }

  void Process() {
    if (delaying_) return;  // the answer before must leave first; the rest waits in in_
    if (stalled_) {
      // After an unanswered request nothing more is answered on this connection.
      in_.clear();
      Read();
      return;
    }
    for (;;) {
      HttpParse p = ParseHttpRequest(in_, limits_);
      if (p.state == HttpParse::State::kIncomplete) break;
      if (p.state == HttpParse::State::kError) {
        HttpResponse r;
        r.status = p.error_status;
        r.headers.emplace_back("Content-Type", "application/json");
        r.body = R"({"code":-1000,"msg":"Malformed HTTP request: )" + p.error + "\"}";
        Queue(SerializeHttpResponse(r, false));
        closing_ = true;
        break;
      }
      in_.erase(0, p.consumed);
      p.request.remote_address = remote_;
      HttpResponse r = handler_(p.request);
      if (r.delivery == HttpResponse::Delivery::kNoResponse) {
        stalled_ = true;  // the client waits for an answer that never comes
        break;
      }
      if (r.delivery == HttpResponse::Delivery::kClose) {
        closing_ = true;
        in_.clear();
        break;
      }
      if (r.delay_ms > 0) {
        // Held back, as a distant exchange's answer would be; what follows on this connection is
        // answered after it, in order.
        delaying_ = true;
        const bool keep_alive = p.keep_alive;
        auto self = shared_from_this();
        auto timer = std::make_shared<asio::steady_timer>(socket_.get_executor(), std::chrono::milliseconds(r.delay_ms));
        timer->async_wait([this, self, timer, keep_alive, bytes = SerializeHttpResponse(r, p.keep_alive)](
                              const asio::error_code& ec) mutable {
          delaying_ = false;
          if (ec || !socket_.is_open()) return;
          Queue(std::move(bytes));
          if (!keep_alive) {
            closing_ = true;
            if (!writing_ && out_.empty()) Close();
            return;
          }
          Process();
        });
        return;
      }
      Queue(SerializeHttpResponse(r, p.keep_alive));
      if (!p.keep_alive) {
        closing_ = true;
        break;
      }
    }
    if (!writing_ && out_.empty() && closing_) {
      Close();
      return;
    }
    if (!closing_) Read();  // a stalled connection still reads, to notice the client leaving
  }

  void Queue(std::string bytes) {
    out_ += bytes;
    if (!writing_) Write();
  }

  void Write() {
    writing_ = true;
    sending_ = std::move(out_);
    out_.clear();
    auto self = shared_from_this();
    asio::async_write(socket_, asio::buffer(sending_), [this, self](const asio::error_code& ec, std::size_t) {
      writing_ = false;
      if (ec) {
        Close();
        return;
      }
      if (!out_.empty()) Write();
      else if (closing_) Close();
    });
  }

  asio::ip::tcp::socket socket_;
  HttpServer::Handler& handler_;
  const HttpParseLimits& limits_;
  std::set<std::shared_ptr<Connection>>& registry_;
  std::string remote_;
  std::array<char, 16384> chunk_{};
  std::string in_;
  std::string out_;
  std::string sending_;
  bool writing_ = false;
  bool closing_ = false;
  bool stalled_ = false;
  bool delaying_ = false;
};

}  // namespace

struct HttpServer::Impl {
  Impl(asio::io_context& io, Handler h, HttpParseLimits l) : acceptor(io), handler(std::move(h)), limits(l) {}
  asio::ip::tcp::acceptor acceptor;
  Handler handler;
  HttpParseLimits limits;
  std::set<std::shared_ptr<Connection>> connections;
  bool stopped = false;

  void Accept() {
    acceptor.async_accept([this](const asio::error_code& ec, asio::ip::tcp::socket socket) {
      if (stopped) return;
      if (!ec) {
        auto c = std::make_shared<Connection>(std::move(socket), handler, limits, connections);
        connections.insert(c);
        c->Begin();
      }
      Accept();
    });
  }
};

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() { Stop(); }

Result<std::unique_ptr<HttpServer>> HttpServer::Start(EventLoop& loop, const Options& options, Handler handler) {
  auto& io = *static_cast<asio::io_context*>(loop.native());
  auto impl = std::make_unique<Impl>(io, std::move(handler), options.limits);
  asio::error_code ec;
  const auto address = asio::ip::make_address(options.host, ec);
  if (ec) return Status::InvalidInput("--host " + options.host + ": not an IP address");
  const asio::ip::tcp::endpoint endpoint(address, options.port);
  impl->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl->acceptor.set_option(asio::ip::tcp::acceptor::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(endpoint, ec);
  if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Status::Transport("cannot listen on " + options.host + ":" + std::to_string(options.port) + ": " +
                             ec.message());
  }
  impl->Accept();
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

std::uint16_t HttpServer::port() const {
  asio::error_code ec;
  return impl_->acceptor.local_endpoint(ec).port();
}

std::size_t HttpServer::connections() const { return impl_->connections.size(); }

void HttpServer::Stop() {
  if (impl_->stopped) return;
  impl_->stopped = true;
  asio::error_code ec;
  impl_->acceptor.close(ec);
  auto all = impl_->connections;
  for (auto& c : all) c->Close();
}

}  // namespace keel::net
