#pragma once
// A Unix-domain socket server speaking JSON lines: each line a client writes is one request, each
// answer one line back, in order. The socket file is created with mode 0600 (the daemon's user
// only); a stale file left by a dead process is replaced, a live one is refused. Runs on an
// EventLoop; handlers run on its thread and may answer later.
// Whatever reaches the socket: a client whose uid (SO_PEERCRED) is neither this process's
// effective uid nor root's, or one that sends more than 1 MiB without a newline, gets one error
// line ({"result":"error","detail":…,"exit_code":2}) and its connection is closed.

#include <functional>
#include <memory>
#include <string>

#include "keel/model/status.h"
#include "keel/net/event_loop.h"

namespace keel::net {

// Answers one request; call it exactly once, from the loop's thread.
using LineReply = std::function<void(const std::string& line)>;
// push sends a line to this client unasked (watch); false once the client has gone.
using LinePush = std::function<bool(const std::string& line)>;
using LineHandler = std::function<void(const std::string& request, LineReply reply, LinePush push)>;

class LineServer {
 public:
  LineServer(EventLoop& loop, LineHandler handler);
  ~LineServer();
  LineServer(const LineServer&) = delete;
  LineServer& operator=(const LineServer&) = delete;

  Status Listen(const std::string& path);
  void Close();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

// True when a server accepts connections at path (nothing is sent).
bool SomeoneListens(const std::string& path);
// A client's request, then every line the server sends, each to on_line until it returns false
// (kOk) or the server closes the connection (kTransport). For keel-ctl watch.
Status FollowLines(const std::string& path, const std::string& request,
                   const std::function<bool(const std::string&)>& on_line);
// A client's one request and its one-line answer. kTransport when nothing listens at path.
Result<std::string> RequestLine(const std::string& path, const std::string& line, int timeout_ms);

}  // namespace keel::net
