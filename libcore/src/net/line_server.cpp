#include "keel/net/line_server.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <deque>

#define ASIO_STANDALONE
#include <asio.hpp>

namespace keel::net {

using Local = asio::local::stream_protocol;

namespace {

constexpr std::size_t kMaxLine = 1 << 20;  // a request longer than this is not a signal

// Said once before a connection is closed on the client's account.
std::string RefusalLine(const std::string& detail) {
  return R"({"result":"error","detail":")" + detail + R"(","exit_code":2})";
}

// Whoever can reach the socket file: the daemon's own user, or root. The file's mode says so too;
// this holds when a directory or a mode is looser than it should be.
Status CheckPeer(int fd) {
  ucred peer{};
  socklen_t size = sizeof(peer);
  if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &size) != 0)
    return Status::Transport(std::string("cannot read the client's credentials: ") + std::strerror(errno));
  const uid_t self = ::geteuid();
  if (peer.uid != self && peer.uid != 0)
    return Status::Conflict("refused: uid " + std::to_string(peer.uid) + " may not use this socket (uid " +
                            std::to_string(self) + " and root only)");
  return Status::Ok();
}

// True when something accepts connections at path.
bool someone_listens(const std::string& path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  ::close(fd);
  return ok;
}

struct Session : std::enable_shared_from_this<Session> {
  explicit Session(Local::socket s) : socket(std::move(s)) {}
  Local::socket socket;
  asio::streambuf in{kMaxLine + 1};  // a line and its newline: no more is ever held
  std::deque<std::string> out;
  bool writing = false;
  bool closed = false;
  // Answers go out in the order the requests came, even when one is answered later.
  std::deque<std::shared_ptr<std::optional<std::string>>> pending;

  void Send(std::string line) {
    if (closed) return;
    out.push_back(std::move(line) + "\n");
    if (!writing) WriteNext();
  }
  void WriteNext() {
    if (out.empty() || closed) {
      writing = false;
      return;
    }
    writing = true;
    auto self = shared_from_this();
    asio::async_write(socket, asio::buffer(out.front()), [self](const asio::error_code& ec, std::size_t) {
      self->out.pop_front();
      if (ec) {
        self->closed = true;
        return;
      }
      self->WriteNext();
    });
  }
  void Flush() {
    while (!pending.empty() && pending.front()->has_value()) {
      Send(**pending.front());
      pending.pop_front();
    }
  }
};

}  // namespace

struct LineServer::Impl : std::enable_shared_from_this<LineServer::Impl> {
  Impl(EventLoop& l, LineHandler h)
      : loop(l), io(*static_cast<asio::io_context*>(l.native())), acceptor(io), handler(std::move(h)) {}
  EventLoop& loop;
  asio::io_context& io;
  Local::acceptor acceptor;
  LineHandler handler;
  std::string path;

  void Accept() {
    auto self = shared_from_this();
    acceptor.async_accept([self](const asio::error_code& ec, Local::socket socket) {
      if (ec) return;  // closed
      auto session = std::make_shared<Session>(std::move(socket));
      if (Status peer = CheckPeer(session->socket.native_handle()); !peer.ok()) {
        session->Send(RefusalLine(peer.message()));
        session->closed = true;  // the refusal still goes out; nothing is read
      } else {
        self->Read(session);
      }
      self->Accept();
    });
  }

  void Read(const std::shared_ptr<Session>& session) {
    auto self = shared_from_this();
    asio::async_read_until(session->socket, session->in, '\n', [self, session](const asio::error_code& ec, std::size_t n) {
      if (ec == asio::error::not_found) {  // the buffer is full and holds no newline
        session->Send(RefusalLine("request longer than 1 MiB: connection closed"));
        session->closed = true;
        return;
      }
      if (ec) {
        session->closed = true;
        return;
      }
      std::string line(asio::buffers_begin(session->in.data()), asio::buffers_begin(session->in.data()) + n);
      session->in.consume(n);
      while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
      if (!line.empty()) {
        auto slot = std::make_shared<std::optional<std::string>>();
        session->pending.push_back(slot);
        std::weak_ptr<Session> weak = session;
        self->handler(
            line,
            [slot, weak](const std::string& answer) {
              *slot = answer;
              if (auto s = weak.lock()) s->Flush();
            },
            [weak](const std::string& pushed) {
              auto s = weak.lock();
              if (!s || s->closed) return false;
              s->Send(pushed);
              return true;
            });
      }
      self->Read(session);
    });
  }
};

LineServer::LineServer(EventLoop& loop, LineHandler handler) : impl_(std::make_shared<Impl>(loop, std::move(handler))) {}
LineServer::~LineServer() { Close(); }

Status LineServer::Listen(const std::string& path) {
  if (path.size() >= sizeof(sockaddr_un{}.sun_path)) return Status::InvalidInput("socket path too long: " + path);
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) return Status::Conflict(path + " exists and is not a socket: refusing to replace it");
    if (someone_listens(path)) return Status::Conflict("another process listens on " + path);
    ::unlink(path.c_str());  // left by a process that died
  }
  asio::error_code ec;
  const mode_t old = ::umask(0177);  // the socket is born 0600
  impl_->acceptor.open(Local(), ec);
  if (!ec) impl_->acceptor.bind(Local::endpoint(path), ec);
  ::umask(old);
  if (!ec) impl_->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Status::Transport("listening on " + path + ": " + ec.message());
  ::chmod(path.c_str(), 0600);
  impl_->path = path;
  impl_->Accept();
  return Status::Ok();
}

void LineServer::Close() {
  if (!impl_ || impl_->path.empty()) return;
  asio::error_code ec;
  impl_->acceptor.close(ec);
  ::unlink(impl_->path.c_str());
  impl_->path.clear();
}

namespace {

// A connected client socket, or kTransport naming the path when nothing listens there.
Result<int> ConnectTo(const std::string& path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::Transport(std::string("socket: ") + std::strerror(errno));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path)) {
    ::close(fd);
    return Status::InvalidInput("socket path too long: " + path);
  }
  std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    const int err = errno;
    ::close(fd);
    return Status::Transport("no daemon listens on " + path + " (" + std::strerror(err) + ")");
  }
  return fd;
}

Status SendLine(int fd, const std::string& line) {
  const std::string out = line + "\n";
  for (std::size_t sent = 0; sent < out.size();) {
    const ssize_t n = ::send(fd, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return Status::Transport(std::string("writing to the daemon: ") + std::strerror(errno));
    sent += static_cast<std::size_t>(n);
  }
  return Status::Ok();
}

}  // namespace

bool SomeoneListens(const std::string& path) {
  auto fd = ConnectTo(path);
  if (!fd.ok()) return false;
  ::close(*fd);
  return true;
}

Status FollowLines(const std::string& path, const std::string& request, const std::function<bool(const std::string&)>& on_line) {
  auto fd = ConnectTo(path);
  if (!fd.ok()) return fd.status();
  Status sent = SendLine(*fd, request);
  if (!sent.ok()) {
    ::close(*fd);
    return sent;
  }
  std::string pending;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::recv(*fd, buf, sizeof(buf), 0);
    if (n <= 0) {
      ::close(*fd);
      return Status::Transport("the daemon closed the connection");
    }
    pending.append(buf, static_cast<std::size_t>(n));
    for (auto nl = pending.find('\n'); nl != std::string::npos; nl = pending.find('\n')) {
      const std::string line = pending.substr(0, nl);
      pending.erase(0, nl + 1);
      if (!on_line(line)) {
        ::close(*fd);
        return Status::Ok();
      }
    }
  }
}

Result<std::string> RequestLine(const std::string& path, const std::string& line, int timeout_ms) {
  auto connected = ConnectTo(path);
  if (!connected.ok()) return connected.status();
  const int fd = *connected;
  Status sent = SendLine(fd, line);
  if (!sent.ok()) {
    ::close(fd);
    return sent;
  }
  std::string answer;
  char buf[4096];
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    const int ready = ::poll(&p, 1, timeout_ms);
    if (ready <= 0) {
      ::close(fd);
      return Status::UnknownOutcome("the daemon did not answer within " + std::to_string(timeout_ms) +
                                    " ms: the request may still be carried out");
    }
    const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) {
      ::close(fd);
      return Status::UnknownOutcome("the daemon closed the connection before answering");
    }
    answer.append(buf, static_cast<std::size_t>(n));
    const auto nl = answer.find('\n');
    if (nl != std::string::npos) {
      ::close(fd);
      return answer.substr(0, nl);
    }
  }
}

}  // namespace keel::net
