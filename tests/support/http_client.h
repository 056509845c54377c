#pragma once
// A blocking HTTP/1.1 client for tests: one keep-alive connection to 127.0.0.1:port, a timeout per
// request (a request the server never answers comes back with status 0 and timed_out set).

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace keel::test {

struct HttpReply {
  int status = 0;
  bool timed_out = false;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string header(const std::string& name) const;
};

class HttpClient {
 public:
  explicit HttpClient(std::uint16_t port, int timeout_ms = 5000);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  HttpReply Send(const std::string& method, const std::string& target,
                 const std::vector<std::pair<std::string, std::string>>& headers = {}, const std::string& body = "");
  // Sends raw bytes and reads one reply (for malformed-request tests).
  HttpReply SendRaw(const std::string& bytes);
  int connects() const { return connects_; }

 private:
  bool Connect();
  HttpReply ReadReply();
  std::uint16_t port_;
  int timeout_ms_;
  int fd_ = -1;
  int connects_ = 0;
  std::string buffer_;
};

// A Binance-signed request: params + timestamp, HMAC-SHA256 with secret, in the query for GET and
// DELETE and in a form body otherwise.
HttpReply SendSigned(HttpClient& client, const std::string& method, const std::string& path, std::string params,
                     const std::string& key, const std::string& secret);

}  // namespace keel::test
