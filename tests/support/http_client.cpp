#include "http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

#include "signed_request.h"

namespace keel::test {

std::string HttpReply::header(const std::string& name) const {
  for (const auto& [k, v] : headers)
    if (::strcasecmp(k.c_str(), name.c_str()) == 0) return v;
  return "";
}

HttpClient::HttpClient(std::uint16_t port, int timeout_ms) : port_(port), timeout_ms_(timeout_ms) {}

HttpClient::~HttpClient() {
  if (fd_ >= 0) ::close(fd_);
}

bool HttpClient::Connect() {
  if (fd_ >= 0) return true;
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port_);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd_);
    fd_ = -1;
    return false;
  }
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  ++connects_;
  buffer_.clear();
  return true;
}

HttpReply HttpClient::SendRaw(const std::string& bytes) {
  if (!Connect()) return HttpReply{};
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
    if (n <= 0) {
      ::close(fd_);
      fd_ = -1;
      return HttpReply{};
    }
    done += static_cast<std::size_t>(n);
  }
  return ReadReply();
}

HttpReply HttpClient::Send(const std::string& method, const std::string& target,
                           const std::vector<std::pair<std::string, std::string>>& headers, const std::string& body) {
  std::string request = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  for (const auto& [k, v] : headers) request += k + ": " + v + "\r\n";
  if (!body.empty()) request += "Content-Type: application/x-www-form-urlencoded\r\n";
  request += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  return SendRaw(request);
}

HttpReply HttpClient::ReadReply() {
  HttpReply reply;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms_);
  auto fail = [&](bool timed_out) {
    reply.timed_out = timed_out;
    reply.status = 0;
    ::close(fd_);
    fd_ = -1;
    return reply;
  };
  std::size_t head_end;
  for (;;) {
    head_end = buffer_.find("\r\n\r\n");
    std::size_t need = 0;
    if (head_end != std::string::npos) {
      const auto cl = buffer_.substr(0, head_end).find("Content-Length: ");
      need = cl == std::string::npos ? 0 : std::stoul(buffer_.substr(cl + 16));
      if (buffer_.size() >= head_end + 4 + need) break;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return fail(true);
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return fail(true);
    char chunk[65536];
    const ssize_t n = ::recv(fd_, chunk, sizeof(chunk), 0);
    if (n <= 0) return fail(false);
    buffer_.append(chunk, static_cast<std::size_t>(n));
  }
  const std::string head = buffer_.substr(0, head_end);
  reply.status = std::stoi(head.substr(9, 3));
  std::size_t pos = head.find("\r\n");
  while (pos != std::string::npos && pos + 2 < head.size()) {
    const std::size_t end = head.find("\r\n", pos + 2);
    const std::string line = head.substr(pos + 2, end == std::string::npos ? std::string::npos : end - pos - 2);
    const auto colon = line.find(':');
    if (colon != std::string::npos) reply.headers.emplace_back(line.substr(0, colon), line.substr(colon + 2));
    pos = end;
  }
  const std::size_t length = reply.header("Content-Length").empty() ? 0 : std::stoul(reply.header("Content-Length"));
  reply.body = buffer_.substr(head_end + 4, length);
  buffer_.erase(0, head_end + 4 + length);
  if (reply.header("Connection") == "close") {
    ::close(fd_);
    fd_ = -1;
  }
  return reply;
}

HttpReply SendSigned(HttpClient& client, const std::string& method, const std::string& path, std::string params,
                     const std::string& key, const std::string& secret) {
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  params = SignedPayload(std::move(params), now, secret);
  const std::vector<std::pair<std::string, std::string>> headers = {{"X-MBX-APIKEY", key}};
  if (method == "GET" || method == "DELETE") return client.Send(method, path + "?" + params, headers);
  return client.Send(method, path, headers, params);
}

}  // namespace keel::test
