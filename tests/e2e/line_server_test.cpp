// The control socket's own limits, on a real Unix socket: how much a client may send before a
// newline, who may connect, and the socket file's mode.
#include <doctest/doctest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <thread>

#include "keel/net/event_loop.h"
#include "keel/net/line_server.h"
#include "temp_dir.h"

using namespace keel;

namespace {

// A LineServer answering "got N bytes" for each line, on a loop of its own.
struct EchoServer {
  net::EventLoop loop;
  net::LineServer server{loop, [](const std::string& line, net::LineReply reply, net::LinePush) {
                           reply("got " + std::to_string(line.size()) + " bytes");
                         }};
  std::thread thread;
  explicit EchoServer(const std::string& path) {
    REQUIRE(server.Listen(path).ok());
    thread = std::thread([this] { loop.Run(); });
  }
  ~EchoServer() {
    loop.Post([this] {
      server.Close();
      loop.Stop();
    });
    thread.join();
  }
};

int Connect(const std::string& path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Sends what it can of `data` (the server may close before taking it all), then reads what the
// server says until it closes the connection, `lines` lines came, or it is silent for 10 s.
std::string SendAndRead(int fd, const std::string& data, int lines = -1) {
  for (std::size_t sent = 0; sent < data.size();) {
    const ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<std::size_t>(n);
  }
  std::string answer;
  char buf[4096];
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 10'000) <= 0) return answer + "<no close within 10 s>";
    const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) return answer;
    answer.append(buf, static_cast<std::size_t>(n));
    if (lines >= 0 && std::count(answer.begin(), answer.end(), '\n') >= lines) return answer;
  }
}

}  // namespace

TEST_CASE("control socket: a request may be 1 MiB; past that, without a newline, one error line and the connection closes") {
  test::TempDir dir;
  const std::string path = dir.file("c.sock");
  EchoServer echo(path);
  struct stat st {};
  REQUIRE(::lstat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0600);

  const int whole = Connect(path);
  REQUIRE(whole >= 0);
  const std::string at_limit(1 << 20, 'x');
  CHECK(SendAndRead(whole, at_limit + "\n" + "{}\n", 2) == "got 1048576 bytes\ngot 2 bytes\n");
  ::close(whole);

  const int endless = Connect(path);
  REQUIRE(endless >= 0);
  CHECK(SendAndRead(endless, std::string(2 << 20, 'x')) ==
        R"({"result":"error","detail":"request longer than 1 MiB: connection closed","exit_code":2})" "\n");
  ::close(endless);
  // The next client is served as before.
  auto after = net::RequestLine(path, "{}", 5000);
  REQUIRE(after.ok());
  CHECK(*after == "got 2 bytes");
}

TEST_CASE("control socket: a client of another uid is refused with one error line, whatever the file's mode") {
  if (::geteuid() != 0) {
    MESSAGE("skipped: connecting as another uid needs root");
    return;
  }
  test::TempDir dir;
  REQUIRE(::chmod(dir.path().c_str(), 0711) == 0);
  const std::string path = dir.file("c.sock");
  EchoServer echo(path);
  REQUIRE(::chmod(path.c_str(), 0666) == 0);  // a mode gone wrong: the credentials still decide
  int answer_pipe[2];
  REQUIRE(::pipe(answer_pipe) == 0);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::close(answer_pipe[0]);
    if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(3);
    const int fd = Connect(path);
    if (fd < 0) ::_exit(4);
    const std::string answer = SendAndRead(fd, "{}\n");
    if (::write(answer_pipe[1], answer.data(), answer.size()) < 0) ::_exit(5);
    ::_exit(0);
  }
  ::close(answer_pipe[1]);
  std::string answer;
  char buf[4096];
  for (ssize_t n; (n = ::read(answer_pipe[0], buf, sizeof(buf))) > 0;) answer.append(buf, static_cast<std::size_t>(n));
  ::close(answer_pipe[0]);
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(answer == R"x({"result":"error","detail":"refused: uid 65534 may not use this socket (uid 0 and root only)","exit_code":2})x"
                  "\n");
  // Its own user is served.
  auto own = net::RequestLine(path, "{}", 5000);
  REQUIRE(own.ok());
  CHECK(*own == "got 2 bytes");
}
