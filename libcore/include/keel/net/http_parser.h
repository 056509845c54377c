#pragma once
// Incremental HTTP/1.1 request parsing, free of sockets so that it can be unit-tested and fuzzed.
// Supports Content-Length and chunked bodies; refuses what a well-behaved client never sends with
// the status a server should answer.

#include <string_view>

#include "keel/net/http_message.h"

namespace keel::net {

struct HttpParseLimits {
  std::size_t max_header_bytes = 64 * 1024;
  std::size_t max_body_bytes = 1024 * 1024;
};

struct HttpParse {
  enum class State { kIncomplete, kComplete, kError };
  State state = State::kIncomplete;
  HttpRequest request;        // kComplete
  std::size_t consumed = 0;   // bytes of the buffer the request used (kComplete)
  bool keep_alive = true;     // the connection may carry another request after the answer
  int error_status = 400;     // kError: the status to answer before closing
  std::string error;          // kError: why
};

// Parses the first request in buffer.
HttpParse ParseHttpRequest(std::string_view buffer, const HttpParseLimits& limits = {});

// Serializes a response with Content-Length; keep_alive decides the Connection header.
std::string SerializeHttpResponse(const HttpResponse& response, bool keep_alive);

}  // namespace keel::net
