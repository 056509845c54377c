#pragma once
// HTTP requests and responses as plain values, shared by the servers (simulator), the client
// transport (adapters) and in-memory transports (scenario tests).

#include <string>
#include <utility>
#include <vector>

namespace keel::net {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // path plus "?query" as received, undecoded
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string remote_address;  // "127.0.0.1"; empty in memory

  // The path without the query; the raw query without '?'.
  std::string path() const;
  std::string raw_query() const;
  // Case-insensitive header lookup; empty when absent.
  std::string header(const std::string& name) const;
};

struct HttpResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // Fault injection: do not answer at all (the client times out), or close without answering.
  enum class Delivery { kRespond, kNoResponse, kClose };
  Delivery delivery = Delivery::kRespond;
  // Fault injection: the answer leaves this many milliseconds later (network distance). A server
  // on a socket honours it; in-memory transports answer at once.
  long delay_ms = 0;

  std::string header(const std::string& name) const;
};

const char* reason_phrase(int status);

}  // namespace keel::net
